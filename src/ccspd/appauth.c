/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applications' credentials (ccspd.h "appauth.c"): the data-protection key (DPK) in the platform VSM, new access
 * keys and secrets, and the verification of signed requests (src/platform/reqauth.h) against the store: the app
 * by its access key, its secret opened by the VSM (and cached), the nonce remembered in the store (shared by every
 * ccspd node of one PostgreSQL).
 *
 * The wrapped DPK is kept in the store's config ("dpk.wrapped", Base64); the first node that needs it and finds
 * none makes it in the VSM and stores it — when two race, the one whose write commits first wins and the other
 * reloads. Opened secrets are cached in secure memory for CACHE_TTL_MS (a disabled app's cached secret is
 * forgotten at once on this node, within CACHE_TTL_MS on the others).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm2.h>

#include "ccspd/ccspd.h"
#include "common/b64.h"
#include "platform/reqauth.h"

#define DPK_CONFIG "dpk.wrapped"
#define CACHE_SLOTS 256
#define CACHE_TTL_MS 60000
#define NONCE_PURGE_EVERY 1024

typedef struct cached_secret {
	char access_key[CCSP_REQAUTH_ACCESS_KEY_MAX + 1];
	uint8_t *secret; /* secure memory, CCSPD_APP_SECRET_LEN bytes */
	int64_t expires_ms;
} cached_secret;

struct ccspd_appauth {
	pthread_mutex_t mu;
	int dpk_loaded;
	cached_secret cache[CACHE_SLOTS];
	unsigned checks; /* nonce checks since the last purge */
};

/* ---- the data-protection key ---- */

static ccsp_err dpk_read(ccspd *d, uint8_t *wrapped, size_t *len)
{
	ccsp_store_tx *tx;
	char *text = NULL;
	ccsp_err ret = ccsp_store_begin_ro(d->store, &tx);
	if (ret != CCSP_OK)
		return ret;
	ret = ccsp_store_config_get(tx, DPK_CONFIG, &text);
	ccsp_store_rollback(tx);
	if (ret == CCSP_OK)
		ret = ccsp_b64_decode(text, strlen(text), wrapped, CCSP_PVSM_WRAPPED_MAX, len);
	free(text);
	return ret;
}

/* Make a DPK in the VSM and store it unless another node stored one meanwhile. */
static ccsp_err dpk_make(ccspd *d)
{
	uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX];
	char text[CCSP_B64_LEN(CCSP_PVSM_WRAPPED_MAX) + 1], *existing = NULL;
	size_t len;
	ccsp_store_tx *tx = NULL;
	ccsp_err ret = ccsp_pvsm_dpk_create(d->pvsm, d->vsm_kek_index, wrapped, &len);
	if (ret == CCSP_OK)
		ret = ccsp_store_begin(d->store, &tx);
	if (ret == CCSP_OK) {
		ret = ccsp_store_config_get(tx, DPK_CONFIG, &existing);
		if (ret == CCSP_ERR_NOT_FOUND) {
			ccsp_b64_encode(wrapped, len, text);
			ret = ccsp_store_config_set(tx, DPK_CONFIG, text);
		}
		free(existing);
		if (ret == CCSP_OK) {
			ret = ccsp_store_commit(tx);
			tx = NULL;
		}
	}
	if (tx != NULL)
		ccsp_store_rollback(tx);
	return ret;
}

ccsp_err ccspd_appauth_open(ccspd *d)
{
	uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX];
	size_t len = 0;
	d->appauth = calloc(1, sizeof *d->appauth);
	if (d->appauth == NULL)
		return CCSP_ERR_NOMEM;
	pthread_mutex_init(&d->appauth->mu, NULL);
	if (d->pvsm == NULL)
		return CCSP_OK; /* no VSM: signed requests answer CCSP-9002 */
	ccsp_err ret = dpk_read(d, wrapped, &len);
	if (ret == CCSP_ERR_NOT_FOUND && (ret = dpk_make(d)) == CCSP_OK)
		ret = dpk_read(d, wrapped, &len);
	if (ret == CCSP_OK)
		ret = ccsp_pvsm_dpk_load(d->pvsm, d->vsm_kek_index, wrapped, len);
	d->appauth->dpk_loaded = ret == CCSP_OK;
	return ret;
}

void ccspd_appauth_close(ccspd *d)
{
	if (d->appauth == NULL)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		ccsp_secure_free(d->appauth->cache[i].secret);
	pthread_mutex_destroy(&d->appauth->mu);
	free(d->appauth);
	d->appauth = NULL;
}

/* ---- new credentials ---- */

ccsp_err ccspd_app_credentials_new(ccspd *d, char access_key[CCSPD_ACCESS_KEY_LEN + 1],
                                   char secret[CCSPD_APP_SECRET_LEN + 1], uint8_t *sealed, size_t *sealed_len)
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint8_t r[32], raw[CCSP_B64_LEN(32) + 1];
	if (d->pvsm == NULL || d->appauth == NULL || !d->appauth->dpk_loaded)
		return CCSP_ERR_MODULE_STATE;
	ccsp_err ret = ccsp_random(r, CCSPD_ACCESS_KEY_LEN - 2);
	if (ret != CCSP_OK)
		return ret;
	memcpy(access_key, "AK", 2);
	for (size_t i = 2; i < CCSPD_ACCESS_KEY_LEN; i++)
		access_key[i] = b32[r[i - 2] & 31];
	access_key[CCSPD_ACCESS_KEY_LEN] = '\0';
	ret = ccsp_random(r, sizeof r);
	if (ret == CCSP_OK) { /* Base64url without padding: 43 characters */
		ccsp_b64_encode(r, sizeof r, (char *)raw);
		for (size_t i = 0; i < CCSPD_APP_SECRET_LEN; i++)
			secret[i] = raw[i] == '+' ? '-' : raw[i] == '/' ? '_' : (char)raw[i];
		secret[CCSPD_APP_SECRET_LEN] = '\0';
		ret = ccsp_pvsm_seal(d->pvsm, (const uint8_t *)access_key, CCSPD_ACCESS_KEY_LEN, (const uint8_t *)secret,
		                     CCSPD_APP_SECRET_LEN, sealed);
		*sealed_len = CCSPD_APP_SECRET_LEN + CCSP_PVSM_SEAL_OVERHEAD;
	}
	ccsp_memzero(r, sizeof r);
	ccsp_memzero(raw, sizeof raw);
	if (ret != CCSP_OK)
		ccsp_memzero(secret, CCSPD_APP_SECRET_LEN + 1);
	return ret;
}

/* ---- the secret cache ---- */

void ccspd_appauth_forget(ccspd *d, const char *access_key)
{
	if (d->appauth == NULL)
		return;
	pthread_mutex_lock(&d->appauth->mu);
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		if (strcmp(d->appauth->cache[i].access_key, access_key) == 0)
			d->appauth->cache[i].expires_ms = 0;
	pthread_mutex_unlock(&d->appauth->mu);
}

static size_t slot_of(const char *access_key)
{
	uint32_t h = 2166136261u; /* FNV-1a of a public key name: spreading only */
	for (const char *c = access_key; *c != '\0'; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	return h % CACHE_SLOTS;
}

/* The secret of app a into out (CCSPD_APP_SECRET_LEN bytes): from the cache, or opened by the VSM. */
static ccsp_err app_secret(ccspd *d, const ccsp_store_app *a, uint8_t out[CCSPD_APP_SECRET_LEN])
{
	ccspd_appauth *aa = d->appauth;
	cached_secret *c = &aa->cache[slot_of(a->access_key)];
	int64_t now = ccspd_now_ms(d);
	pthread_mutex_lock(&aa->mu);
	int hit = c->secret != NULL && c->expires_ms > now && strcmp(c->access_key, a->access_key) == 0;
	if (hit)
		memcpy(out, c->secret, CCSPD_APP_SECRET_LEN);
	pthread_mutex_unlock(&aa->mu);
	if (hit)
		return CCSP_OK;
	if (a->secret_ct_len != CCSPD_APP_SECRET_LEN + CCSP_PVSM_SEAL_OVERHEAD)
		return CCSP_ERR_TAMPERED;
	ccsp_err ret = ccsp_pvsm_unseal(d->pvsm, (const uint8_t *)a->access_key, strlen(a->access_key), a->secret_ct,
	                                a->secret_ct_len, out);
	if (ret != CCSP_OK)
		return ret == CCSP_ERR_AUTH ? CCSP_ERR_TAMPERED : ret;
	pthread_mutex_lock(&aa->mu);
	if (c->secret == NULL)
		c->secret = ccsp_secure_alloc(CCSPD_APP_SECRET_LEN);
	size_t klen = strlen(a->access_key);
	if (c->secret != NULL && klen < sizeof c->access_key) {
		memcpy(c->secret, out, CCSPD_APP_SECRET_LEN);
		memcpy(c->access_key, a->access_key, klen + 1);
		c->expires_ms = now + CACHE_TTL_MS;
	}
	pthread_mutex_unlock(&aa->mu);
	return CCSP_OK;
}

/* ---- verification ---- */

typedef struct nonce_ctx {
	ccspd *d;
} nonce_ctx;

static ccsp_reqauth_nonce nonce_check(void *arg, const char *access_key, const char *nonce, int64_t ts, int64_t now)
{
	nonce_ctx *n = arg;
	ccsp_store_tx *tx = NULL;
	ccsp_err ret = ccsp_store_begin(n->d->store, &tx);
	if (ret == CCSP_OK)
		ret = ccsp_store_nonce_check(tx, access_key, nonce, ts);
	if (ret == CCSP_OK && ++n->d->appauth->checks % NONCE_PURGE_EVERY == 0) { /* racy count: a hint only */
		ccsp_err pret = ccsp_store_nonce_purge(tx, now - 2 * CCSP_REQAUTH_WINDOW_S, NULL);
		(void)pret;
	}
	if (ret == CCSP_OK) {
		ret = ccsp_store_commit(tx);
		tx = NULL;
	}
	if (tx != NULL)
		ccsp_store_rollback(tx);
	return ret == CCSP_OK ? CCSP_REQAUTH_NONCE_FRESH
	       : ret == CCSP_ERR_EXISTS ? CCSP_REQAUTH_NONCE_REPLAYED
	                                : CCSP_REQAUTH_NONCE_ERROR;
}

static ccsp_apierr apierr_of(ccsp_reqauth_result r)
{
	switch (r) {
	case CCSP_REQAUTH_MALFORMED:
		return CCSP_APIERR_SIGNATURE_HEADERS;
	case CCSP_REQAUTH_STALE:
	case CCSP_REQAUTH_FUTURE:
		return CCSP_APIERR_TIMESTAMP;
	case CCSP_REQAUTH_REPLAYED:
		return CCSP_APIERR_REPLAY;
	case CCSP_REQAUTH_NONCE_UNAVAILABLE:
		return CCSP_APIERR_UNAVAILABLE;
	case CCSP_REQAUTH_INTERNAL:
		return CCSP_APIERR_INTERNAL;
	default: /* UNKNOWN_KEY, BAD_SIGNATURE, ALG_NOT_ALLOWED: one answer, told apart in the log */
		return CCSP_APIERR_UNAUTHENTICATED;
	}
}

static int unique_headers(ccsp_http_request *req)
{
	static const char *const names[] = {CCSP_REQAUTH_HEADER_ACCESS_KEY, CCSP_REQAUTH_HEADER_TIMESTAMP,
	                                    CCSP_REQAUTH_HEADER_NONCE, CCSP_REQAUTH_HEADER_SIGNATURE,
	                                    CCSP_REQAUTH_HEADER_ALG};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (ccsp_http_req_header_count(req, names[i]) > 1)
			return 0;
	return 1;
}

/* The app of the access key, active in a tenant active with all its ancestors (a disabled tenant disables its
 * subtree); found 0 when there is none. */
static ccsp_err find_app(ccspd *d, const char *access_key, ccsp_store_app *a, int *found)
{
	ccsp_store_tx *tx;
	int active = 0;
	*found = 0;
	ccsp_err ret = ccsp_store_begin_ro(d->store, &tx);
	if (ret != CCSP_OK)
		return ret;
	ret = ccsp_store_app_find_key(tx, access_key, a);
	if (ret == CCSP_OK)
		ret = ccsp_store_tenant_active(tx, a->tenant_id, &active);
	ccsp_store_rollback(tx);
	if (ret == CCSP_ERR_NOT_FOUND)
		return CCSP_OK;
	*found = ret == CCSP_OK && a->status == CCSP_STORE_ACTIVE && active;
	return ret;
}

int ccspd_appauth_verify(ccspd *d, ccsp_http_request *req, ccspd_caller *who, ccsp_apierr *err)
{
	size_t body_len;
	const uint8_t *body = ccsp_http_req_body(req, &body_len);
	ccsp_reqauth_request r = {.method = ccsp_http_req_method(req), .path = ccsp_http_req_path(req), .body = body,
	                          .body_len = body_len,
	                          .access_key = ccsp_http_req_header(req, CCSP_REQAUTH_HEADER_ACCESS_KEY),
	                          .timestamp = ccsp_http_req_header(req, CCSP_REQAUTH_HEADER_TIMESTAMP),
	                          .nonce = ccsp_http_req_header(req, CCSP_REQAUTH_HEADER_NONCE),
	                          .signature = ccsp_http_req_header(req, CCSP_REQAUTH_HEADER_SIGNATURE),
	                          .alg = ccsp_http_req_header(req, CCSP_REQAUTH_HEADER_ALG)};
	ccsp_reqauth_parsed p;
	ccsp_store_app a;
	uint8_t secret[CCSPD_APP_SECRET_LEN];
	ccsp_sm2_key *pub = NULL;
	int found = 0;
	ccsp_reqauth_result res = unique_headers(req) ? ccsp_reqauth_parse(&r, &p) : CCSP_REQAUTH_MALFORMED;
	if (res != CCSP_REQAUTH_OK) {
		*err = apierr_of(res);
		return -1;
	}
	if (d->pvsm == NULL || d->appauth == NULL || !d->appauth->dpk_loaded) {
		*err = CCSP_APIERR_CRYPTO_MODULE;
		return -1;
	}
	ccsp_err ret = find_app(d, p.access_key, &a, &found);
	if (ret == CCSP_OK && found)
		ret = app_secret(d, &a, secret);
	if (ret == CCSP_OK && found && a.sm2_pub_len > 0 && ((pub = ccsp_sm2_key_new()) == NULL ||
	                                                     ccsp_sm2_key_set_public(pub, a.sm2_pub, a.sm2_pub_len) != CCSP_OK))
		ret = CCSP_ERR_TAMPERED;
	if (ret != CCSP_OK) {
		*err = ret == CCSP_ERR_COMM || ret == CCSP_ERR_STATE ? CCSP_APIERR_CRYPTO_MODULE : CCSP_APIERR_INTERNAL;
		ccsp_log_event(d->log, "error", "ccspd.auth.app", "requestId", ccsp_http_req_id(req), "detail",
		               ccsp_err_str(ret), (char *)NULL);
	} else {
		ccsp_reqauth_credential cred = {.secret = secret, .secret_len = sizeof secret, .sm2_key = pub};
		nonce_ctx nc = {.d = d};
		res = ccsp_reqauth_verify(&p, found ? &cred : NULL, ccspd_now_ms(d) / 1000, nonce_check, &nc);
		*err = apierr_of(res);
		if (res != CCSP_REQAUTH_OK)
			ccsp_log_event(d->log, "warn", "ccspd.auth.refused", "requestId", ccsp_http_req_id(req), "accessKey",
			               p.access_key, "reason", ccsp_reqauth_result_name(res), (char *)NULL);
	}
	ccsp_memzero(secret, sizeof secret);
	ccsp_sm2_key_free(pub);
	if (ret != CCSP_OK || res != CCSP_REQAUTH_OK)
		return -1;
	*who = (ccspd_caller){.kind = CCSPD_CALLER_APP};
	snprintf(who->id, sizeof who->id, "%s", a.id);
	snprintf(who->tenant_id, sizeof who->tenant_id, "%s", a.tenant_id);
	snprintf(who->name, sizeof who->name, "%s", a.name);
	return 0;
}
