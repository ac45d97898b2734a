/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccspd as the cloud platform of GM/T 0088 (ccspd.h "pool_chsm.c"): its platform key, with which it signs every
 * request to a CHSM, and the libsdf client configs of the CHSM VSMs in its pool.
 *
 * The platform key is an SM2 signing pair generated inside the platform VSM; outside it the private key exists
 * only wrapped by the VSM's KEK at vsm_kek_index (as tenants' keys are), kept in the store's config table as
 * "pool.g88_platform_key" = Base64(wrapped) "." Base64(04 || x || y). Every node shares it (their platform VSMs
 * hold the same KEK). The first node that needs it makes it; two nodes of a PostgreSQL store making it at the
 * same instant would each store theirs, the last one winning — make it once with pool/platform-key before
 * registering CHSMs from several nodes.
 *
 * A CHSM VSM's client config is written on each node that uses it: DIR/pool/<chsmId>-<vsmId>.conf, .pem (what
 * libsdf trusts: the VSM's TLS certificate, or on TLCP the CHSM's device CA) and .token (the token as libsdf keeps
 * it: sealed to the host, or to CCSP_SDF_PIN; see docs/sdf.md), mode 0600, atomically. The VSM's channel (address,
 * transport, trust) comes from getVSMInfo when the file is written — at the lease, and on a node without the file
 * —, the token from the store's record, unsealed by the data-protection key only for that write.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ccsp/mem.h>

#include "ccspd/ccspd.h"
#include "common/atomic_file.h"
#include "common/b64.h"
#include "crypto/guard.h" /* CCSP_CHECK */
#include "platform/store/store_pool.h"
#include "sdf/sdf_token.h"

#define KEY_CONFIG "pool.g88_platform_key"
#define TOKEN_AAD "ccspd.pool.vsm-token:"

typedef struct key_job {
	ccspd_g88_key *k;
	const char *fresh; /* the value to store when none is there (NULL: only read) */
	int found;
} key_job;

static ccsp_err key_parse(const char *v, ccspd_g88_key *k)
{
	const char *dot = strchr(v, '.');
	size_t publen = 0;
	CCSP_ENSURE(dot != NULL, CCSP_ERR_TAMPERED);
	CCSP_ENSURE(ccsp_b64_decode(v, (size_t)(dot - v), k->wrapped, sizeof k->wrapped, &k->wlen) == CCSP_OK &&
	                    ccsp_b64_decode(dot + 1, strlen(dot + 1), k->signer.pub, sizeof k->signer.pub, &publen) ==
	                            CCSP_OK &&
	                    publen == sizeof k->signer.pub && k->signer.pub[0] == 0x04,
	            CCSP_ERR_TAMPERED);
	return CCSP_OK;
}

static ccsp_err key_fn(ccsp_store_tx *tx, void *arg)
{
	key_job *j = arg;
	char *v = NULL;
	ccsp_err ret = ccsp_store_config_get(tx, KEY_CONFIG, &v);
	if (ret == CCSP_OK) {
		j->found = 1;
		ret = key_parse(v, j->k);
	} else if (ret == CCSP_ERR_NOT_FOUND) {
		ret = j->fresh != NULL ? ccsp_store_config_set(tx, KEY_CONFIG, j->fresh) : CCSP_OK;
	}
	free(v);
	return ret;
}

static ccsp_err key_sign(void *ctx, const uint8_t e[32], uint8_t sig[64])
{
	ccspd_g88_key *k = ctx;
	return ccsp_pvsm_pair_sign(k->d->pvsm, k->d->vsm_kek_index, k->wrapped, k->wlen, e, sig);
}

/* A new pair in the platform VSM, as the config value. */
static ccsp_err key_make(ccspd *d, ccspd_g88_key *k, char **value)
{
	uint8_t pub[64];
	char w64[CCSP_B64_LEN(CCSP_PVSM_WRAPPED_MAX) + 1], p64[CCSP_B64_LEN(65) + 1];
	CCSP_GUARD(ccsp_pvsm_pair_generate(d->pvsm, d->vsm_kek_index, CCSP_PVSM_PAIR_SIGN, pub, k->wrapped, &k->wlen));
	k->signer.pub[0] = 0x04;
	memcpy(k->signer.pub + 1, pub, 64);
	ccsp_b64_encode(k->wrapped, k->wlen, w64);
	ccsp_b64_encode(k->signer.pub, 65, p64);
	size_t len = strlen(w64) + strlen(p64) + 2;
	CCSP_ENSURE((*value = malloc(len)) != NULL, CCSP_ERR_NOMEM);
	snprintf(*value, len, "%s.%s", w64, p64);
	return CCSP_OK;
}

ccsp_err ccspd_g88_key_load(ccspd *d, int create, ccspd_g88_key *k, int *created)
{
	key_job j = {.k = k};
	char *fresh = NULL;
	ccsp_err ret;
	memset(k, 0, sizeof *k);
	k->d = d;
	k->signer.sign = key_sign;
	k->signer.ctx = k;
	*created = 0;
	CCSP_CHECK(ccsp_store_run(d->store, key_fn, &j));
	if (j.found)
		goto out;
	CCSP_CHECK(create ? CCSP_OK : CCSP_ERR_NOT_FOUND);
	CCSP_CHECK(key_make(d, k, &fresh));
	j.fresh = fresh;
	CCSP_CHECK(ccsp_store_run(d->store, key_fn, &j)); /* another node's, when it was quicker */
	*created = !j.found;
out:
	free(fresh);
	return ret;
}

/* ---- CHSM VSM client configs ---- */

void ccspd_pool_vsm_token_aad(const char *chsm_id, const char *vsm_id, char *out, size_t cap)
{
	snprintf(out, cap, TOKEN_AAD "%s/%s", chsm_id, vsm_id);
}

ccsp_err ccspd_pool_vsm_conf_path(ccspd *d, const char *chsm_id, const char *vsm_id, char path[PATH_MAX])
{
	int n = snprintf(path, PATH_MAX, "%s/pool/%s-%s.conf", d->dir, chsm_id, vsm_id);
	return n > 0 && n < PATH_MAX ? CCSP_OK : CCSP_ERR_ARG;
}

/* HOST of HOST:PORT or [HOST]:PORT. */
static void host_of(const char *address, char *host, size_t cap)
{
	const char *colon = strrchr(address, ':');
	size_t n = colon != NULL ? (size_t)(colon - address) : strlen(address);
	if (n >= 2 && address[0] == '[') {
		address++;
		n -= 2;
	}
	snprintf(host, cap, "%.*s", (int)n, address);
}

ccsp_err ccspd_pool_vsm_conf_write(ccspd *d, const ccsp_store_pool_vsm_link *link, const ccspd_vsm_channel *ch,
                                   const char *token, char path[PATH_MAX])
{
	const char *trust = ccspd_vsm_channel_trust(ch);
	char pem[PATH_MAX], tok[PATH_MAX], dir[PATH_MAX], host[CCSP_STORE_POOL_INFO_MAX + 1], *text = NULL;
	size_t len = 0;
	ccsp_err ret;
	snprintf(dir, sizeof dir, "%s/pool", d->dir);
	CCSP_CHECK(mkdir(dir, 0700) == 0 || errno == EEXIST ? CCSP_OK : CCSP_ERR_IO);
	CCSP_CHECK(ccspd_pool_vsm_conf_path(d, link->chsm_id, link->vsm_id, path));
	snprintf(pem, sizeof pem, "%.*s.pem", (int)(strlen(path) - 5), path);
	snprintf(tok, sizeof tok, "%.*s.token", (int)(strlen(path) - 5), path);
	CCSP_CHECK(ccsp_atomic_write(pem, trust, strlen(trust), 0600));
	CCSP_CHECK(ccsp_sdf_token_seal(tok, (const uint8_t *)token, strlen(token))); /* as libsdf reads it */
	host_of(ch->address, host, sizeof host);
	FILE *f = open_memstream(&text, &len);
	CCSP_CHECK(f != NULL ? CCSP_OK : CCSP_ERR_NOMEM);
	fprintf(f,
	        "# written by ccspd for VSM %s of CHSM %s (its pool device): do not edit\n"
	        "%saddress = %s\nserver_name = %s\nca_file = %s\ntoken_file = %s\n",
	        link->vsm_id, link->chsm_id, ch->tlcp ? "transport = tlcp\n" : "", ch->address, host, pem, tok);
	CCSP_CHECK(fclose(f) == 0 ? CCSP_OK : CCSP_ERR_NOMEM);
	ret = ccsp_atomic_write(path, text, len, 0600);
out:
	free(text);
	return ret;
}

/* The CHSM of link from the store, then the VSM's channel from the CHSM. */
static ccsp_err channel_ask(ccspd *d, const ccsp_store_pool_vsm_link *link, ccspd_vsm_channel *ch)
{
	ccsp_store_pool_chsm *chsm = calloc(1, sizeof *chsm);
	ccsp_store_tx *tx = NULL;
	ccspd_pool_fail f;
	ccsp_err ret = chsm != NULL ? ccsp_store_begin_ro(d->store, &tx) : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		ret = ccsp_store_pool_chsm_get(tx, link->chsm_id, chsm);
	ccsp_store_rollback(tx);
	if (ret == CCSP_OK && ccspd_g88_vsm_channel(d, chsm, link->vsm_id, ch, &f) != 0)
		ret = CCSP_ERR_COMM;
	free(chsm);
	return ret;
}

ccsp_err ccspd_pool_vsm_conf_ensure(ccspd *d, const ccsp_store_pool_vsm_link *link, char path[PATH_MAX])
{
	char aad[128], token[CCSP_STORE_POOL_TOKEN_SEALED_MAX + 1] = "";
	ccspd_vsm_channel *ch = NULL;
	struct stat st;
	ccsp_err ret;
	CCSP_GUARD(ccspd_pool_vsm_conf_path(d, link->chsm_id, link->vsm_id, path));
	if (stat(path, &st) == 0)
		return CCSP_OK;
	CCSP_ENSURE(link->token_sealed_len > CCSP_PVSM_SEAL_OVERHEAD, CCSP_ERR_TAMPERED);
	/* the transport is the CHSM's to say (getVSMInfo), not the record's: asked now, as at the lease */
	CCSP_CHECK((ch = malloc(sizeof *ch)) != NULL ? CCSP_OK : CCSP_ERR_NOMEM);
	CCSP_CHECK(channel_ask(d, link, ch));
	ccspd_pool_vsm_token_aad(link->chsm_id, link->vsm_id, aad, sizeof aad);
	CCSP_CHECK(ccsp_pvsm_unseal(d->pvsm, (const uint8_t *)aad, strlen(aad), link->token_sealed,
	                            link->token_sealed_len, (uint8_t *)token));
	ret = ccspd_pool_vsm_conf_write(d, link, ch, token, path);
out:
	ccsp_memzero(token, sizeof token);
	free(ch);
	return ret;
}

ccsp_err ccspd_pool_device_conf(ccspd *d, const ccsp_store_pool_device *dev, char path[PATH_MAX])
{
	ccsp_store_pool_vsm_link *link;
	ccsp_store_tx *tx = NULL;
	if (strcmp(dev->kind, CCSP_STORE_POOL_KIND_CHSM_VSM) != 0) {
		CCSP_ENSURE(strlen(dev->address) < PATH_MAX, CCSP_ERR_ARG);
		memcpy(path, dev->address, strlen(dev->address) + 1);
		return CCSP_OK;
	}
	CCSP_ENSURE((link = calloc(1, sizeof *link)) != NULL, CCSP_ERR_NOMEM);
	ccsp_err ret = ccsp_store_begin_ro(d->store, &tx);
	if (ret == CCSP_OK)
		ret = ccsp_store_pool_vsm_get(tx, dev->id, link);
	ccsp_store_rollback(tx);
	if (ret == CCSP_OK)
		ret = ccspd_pool_vsm_conf_ensure(d, link, path);
	free(link);
	return ret;
}
