/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A CHSM VSM leased into the pool (ccspd.h "pool_lease.c"): the steps of pool/chsm-vsm-register, also run for a VSM
 * that ccspd created once the CHSM's callback said it is ready. In order: a fresh token set on the VSM with
 * configVSMToken (its vsmd restarts with it) and sealed by the data-protection key; getVSMInfo for the address the
 * VSM has after that restart and its TLS certificate (tlsCert); this node's libsdf config; the availability check
 * through it; the device and its link stored and audited in one transaction.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "ccspd/act.h"
#include "crypto/module.h" /* CCSP_GUARD */

#define TOKEN_BYTES 24 /* 48 hex digits: within the VSM token's 16..64 */

static int fail(ccspd_pool_fail *f, ccsp_apierr code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	f->code = code;
	vsnprintf(f->msg, sizeof f->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int ccspd_g88_call(const ccsp_g88_target *t, const ccsp_g88_signer *s, const char *path, json_t *req,
                   json_t **result, ccspd_pool_fail *f)
{
	ccsp_g88_answer a;
	ccsp_err ret = ccsp_g88_call(t, s, path, req, &a);
	json_decref(req);
	if (ret == CCSP_OK && a.http == 200 && a.status == 200) {
		*result = a.result;
		return 0;
	}
	json_decref(a.result);
	if (ret != CCSP_OK)
		return fail(f, CCSP_APIERR_UNAVAILABLE, "the CHSM does not answer at %s: %s", path, a.message);
	return fail(f, CCSP_APIERR_UNAVAILABLE, "the CHSM refused %s: %d %s", path, a.status, a.message);
}

/* A fresh token into token, set on the VSM and sealed into link. */
static int lease_token(ccspd *d, const ccsp_g88_target *t, const ccspd_g88_key *k, ccsp_store_pool_vsm_link *link,
                       char token[2 * TOKEN_BYTES + 1], ccspd_pool_fail *f)
{
	uint8_t raw[TOKEN_BYTES];
	char aad[128];
	json_t *r = NULL;
	int rc = -1;
	if (ccsp_pvsm_random(d->pvsm, raw, sizeof raw) != CCSP_OK) {
		fail(f, CCSP_APIERR_CRYPTO_MODULE, "the platform VSM gives no random numbers");
		goto out;
	}
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	ccspd_pool_vsm_token_aad(link->chsm_id, link->vsm_id, aad, sizeof aad);
	if (ccsp_pvsm_seal(d->pvsm, (const uint8_t *)aad, strlen(aad), (const uint8_t *)token, strlen(token),
	                   link->token_sealed) != CCSP_OK) {
		fail(f, CCSP_APIERR_CRYPTO_MODULE, "the platform VSM cannot seal the token");
		goto out;
	}
	link->token_sealed_len = strlen(token) + CCSP_PVSM_SEAL_OVERHEAD;
	rc = ccspd_g88_call(t, &k->signer, "/vsm/token",
	                    json_pack("{s:s, s:s}", "vsmId", link->vsm_id, "token", token), &r, f);
out:
	json_decref(r);
	ccsp_memzero(raw, sizeof raw);
	return rc;
}

/* The VSM's address and certificate from getVSMInfo into link. */
static int lease_info(const ccsp_g88_target *t, const ccspd_g88_key *k, ccsp_store_pool_vsm_link *link,
                      ccspd_pool_fail *f)
{
	json_t *info = NULL;
	if (ccspd_g88_call(t, &k->signer, "/vsm", json_pack("{s:s, s:s}", "oprType", "getinfo", "vsmId", link->vsm_id),
	                   &info, f) != 0)
		return -1;
	json_t *ip = json_object_get(info, "ip"), *port = json_object_get(info, "port"),
	       *cert = json_object_get(info, "tlsCert");
	int ok = json_is_string(ip) && json_is_integer(port) && json_integer_value(port) > 0 &&
	         json_integer_value(port) < 65536 && json_is_string(cert) && json_string_length(cert) > 0 &&
	         json_string_length(cert) <= CCSP_STORE_POOL_PEM_MAX;
	if (ok) {
		const char *host = json_string_value(ip);
		snprintf(link->address, sizeof link->address, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host,
		         (int)json_integer_value(port));
		snprintf(link->cert_pem, sizeof link->cert_pem, "%s", json_string_value(cert));
	}
	json_decref(info);
	if (!ok)
		return fail(f, CCSP_APIERR_UNAVAILABLE,
		            "the CHSM's getVSMInfo gives no address (ip, port) or TLS certificate (tlsCert) for the VSM");
	return 0;
}

typedef struct lease_job {
	ccspd *d;
	ccspd_call *c; /* the caller, or NULL: the system */
	ccsp_store_pool_device *dev;
	ccsp_store_pool_vsm_link *link;
} lease_job;

static ccsp_err lease_store_fn(ccsp_store_tx *tx, void *arg)
{
	lease_job *j = arg;
	j->dev->created = ccspd_now_ms(j->d);
	CCSP_GUARD(ccsp_store_pool_vsm_create(tx, j->dev, j->link));
	json_t *detail = json_pack("{s:s, s:s, s:s, s:s}", "name", j->dev->name, "chsmId", j->link->chsm_id, "vsmId",
	                           j->link->vsm_id, "address", j->link->address);
	return j->c != NULL ? ccspd_audit(j->c, tx, "pool.chsm-vsm-register", j->dev->id, "ok", detail)
	                    : ccspd_audit_as(j->d, tx, "system", "system", NULL, "pool.chsm-vsm-register", j->dev->id,
	                                     "ok", detail);
}

int ccspd_pool_vsm_lease(ccspd *d, ccspd_call *c, const ccsp_store_pool_chsm *chsm, const char *vsm_id,
                         ccsp_store_pool_device *dev, ccsp_store_pool_vsm_link *link, ccspd_pool_fail *f)
{
	ccspd_g88_key k;
	char conf[PATH_MAX], token[2 * TOKEN_BYTES + 1] = "";
	int created = 0, rc = -1;
	snprintf(dev->kind, sizeof dev->kind, "%s", CCSP_STORE_POOL_KIND_CHSM_VSM);
	snprintf(dev->address, sizeof dev->address, "chsm:%s/%s", chsm->id, vsm_id);
	memset(link, 0, sizeof *link);
	snprintf(link->chsm_id, sizeof link->chsm_id, "%s", chsm->id);
	snprintf(link->vsm_id, sizeof link->vsm_id, "%s", vsm_id);
	if (ccspd_g88_key_load(d, 0, &k, &created) != CCSP_OK) /* made when the CHSM was registered */
		return fail(f, CCSP_APIERR_CRYPTO_MODULE, "cannot load the platform's GM/T 0088 key");
	const ccsp_g88_target t = {.url = chsm->url, .ca_pem = chsm->ca_pem[0] != '\0' ? chsm->ca_pem : NULL};
	/* the token first: the VSM restarts with it, and its address is the one it has after that */
	if (lease_token(d, &t, &k, link, token, f) != 0 || lease_info(&t, &k, link, f) != 0)
		goto out;
	if (ccspd_pool_vsm_conf_write(d, link, token, conf) != CCSP_OK) {
		fail(f, CCSP_APIERR_INTERNAL, "cannot write the VSM's client config");
		goto out;
	}
	if (act_probe_device(conf, dev) != CCSP_OK) {
		fail(f, CCSP_APIERR_CRYPTO_MODULE,
		     "the VSM does not answer through libsdf with its new token (availability check failed)");
		goto out;
	}
	lease_job j = {.d = d, .c = c, .dev = dev, .link = link};
	ccsp_err ret = ccsp_store_run(d->store, lease_store_fn, &j);
	if (ret != CCSP_OK) {
		fail(f, ret == CCSP_ERR_EXISTS ? CCSP_APIERR_CONFLICT : CCSP_APIERR_INTERNAL,
		     ret == CCSP_ERR_EXISTS ? "a device of that name, or that CHSM's VSM, is registered"
		                            : "cannot store the device");
		goto out;
	}
	rc = 0;
out:
	ccsp_memzero(token, sizeof token);
	return rc;
}
