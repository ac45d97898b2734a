/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccspd — the cloud crypto service platform (T/TCCIA 0002/0003): the REST API over the shared HTTPS/JSON layer
 * (src/common/http_server.h), the platform's modules (src/platform/) and its own VSM (src/platform/pvsm.h).
 * One context object, passed to every handler; nothing else is global.
 */
#ifndef CCSP_CCSPD_H
#define CCSP_CCSPD_H

#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>

#include "common/config.h"
#include "common/http_server.h"
#include "common/log.h"
#include "common/taskq.h"
#include "platform/apierr.h"
#include "platform/metrics.h"
#include "platform/pvsm.h"
#include "platform/store/store.h"

#define CCSPD_CONF "ccspd.conf"
#define CCSPD_DEFAULT_LISTEN "127.0.0.1:8443"
#define CCSPD_VERSION "0.1.0"
#define API "/api/v1"

/* Route roles (who may call; checked in one place, ccspd_authorize). */
enum { CCSPD_PUBLIC = 0, CCSPD_APP = 1 };

typedef struct ccspd {
	const char *dir;
	ccsp_log *log;
	ccsp_http_server *http;
	ccsp_metrics *metrics;
	ccsp_taskq *tasks;
	ccsp_pvsm *pvsm; /* NULL until the platform VSM answered (readyz) */
	ccsp_store *store;
	int64_t started_ms;
	_Atomic int stopping;
} ccspd;

/* envelope.c: answers, the error body, the HTTP layer's callbacks. */
void ccspd_ok(ccsp_http_request *req, json_t *result); /* 200 with result (stolen) */
void ccspd_fail(ccspd *d, ccsp_http_request *req, ccsp_apierr e, const char *message /* NULL: default */);
json_t *ccspd_render_error(void *arg, const ccsp_http_request *req, int status, const char *message);
int ccspd_authorize(void *arg, ccsp_http_request *req, int role, const char **message);
void ccspd_answered(void *arg, const ccsp_http_request *req, int status, int route_known);

/* api_ops.c: GET /healthz, /readyz, /metrics. */
void ccspd_api_healthz(void *arg, ccsp_http_request *req);
void ccspd_api_readyz(void *arg, ccsp_http_request *req);
void ccspd_api_metrics(void *arg, ccsp_http_request *req);
/* api_crypto.c: POST /api/v1/crypto/hash, /api/v1/crypto/random. */
void ccspd_api_crypto_hash(void *arg, ccsp_http_request *req);
void ccspd_api_crypto_random(void *arg, ccsp_http_request *req);

/* init.c: ccspd --init DIR [--listen ADDR:PORT] [--store URL] [--vsm-conf PATH]. 0 or 1 (message printed). */
int ccspd_init(const char *dir, int argc, char **argv);
/* The store URL of ccspd.conf's store with a relative SQLite path taken relative to dir. -1 when too long. */
int ccspd_store_url(const char *dir, const char *store, char *out, size_t cap);
#define CCSPD_ADMIN_LOGIN "admin"
#define CCSPD_ADMIN_PASSWORD_FILE "initial-admin-password"

#endif
