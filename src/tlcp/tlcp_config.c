/* SPDX-License-Identifier: Apache-2.0 */
/* The TLCP configuration: own certificates and keys, chain, trust store, client authentication, suites, session
 * cache, expected server name, clock. Shared read-only by connections; reference-counted. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccsp/mem.h>

#include "tlcp_hs_internal.h"

ccsp_tlcp_config *ccsp_tlcp_config_new(void)
{
	static const uint16_t def[] = {CCSP_TLCP_ECC_SM4_GCM_SM3, CCSP_TLCP_ECC_SM4_CBC_SM3,
	                               CCSP_TLCP_ECDHE_SM4_GCM_SM3, CCSP_TLCP_ECDHE_SM4_CBC_SM3};
	ccsp_tlcp_config *cfg = calloc(1, sizeof *cfg);

	if (cfg == NULL)
		return NULL;
	cfg->refs = 1;
	memcpy(cfg->suites, def, sizeof def);
	cfg->n_suites = 4;
	return cfg;
}

static void blob_free(tlcp_blob *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
}

void ccsp_tlcp_config_free(ccsp_tlcp_config *cfg)
{
	if (cfg == NULL || __atomic_sub_fetch(&cfg->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (int i = 0; i < 2; i++) {
		blob_free(&cfg->own[i]);
		ccsp_sm2_key_free(cfg->key[i]);
	}
	for (size_t i = 0; i < cfg->n_chain; i++)
		blob_free(&cfg->chain[i]);
	for (size_t i = 0; i < cfg->n_trust; i++)
		blob_free(&cfg->trust_der[i]);
	free(cfg->server_name);
	tlcp_cache_free(cfg->cache);
	ccsp_memzero(cfg, sizeof *cfg);
	free(cfg);
}

/* A parsed copy of der in *b (and *cert, which points into it). */
static ccsp_err copy_cert(tlcp_blob *b, ccsp_x509_cert *cert, const uint8_t *der, size_t len)
{
	ccsp_x509_cert tmp;
	ccsp_err ret;

	if (der == NULL || len == 0)
		return CCSP_ERR_ARG;
	b->p = malloc(len);
	if (b->p == NULL)
		return CCSP_ERR_NOMEM;
	memcpy(b->p, der, len);
	b->len = len;
	ret = ccsp_x509_cert_parse(cert != NULL ? cert : &tmp, b->p, len);
	if (ret != CCSP_OK)
		blob_free(b);
	return ret;
}

ccsp_err ccsp_tlcp_config_set_cert(ccsp_tlcp_config *cfg, int sign, const uint8_t *der, size_t len,
                                   const ccsp_sm2_key *key)
{
	uint8_t d[CCSP_SM2_PRIVATE_KEY_SIZE], pub[CCSP_SM2_POINT_SIZE];
	ccsp_x509_cert cert;
	tlcp_blob b = {0};
	ccsp_sm2_key *own = NULL;
	int i = sign ? 0 : 1;
	ccsp_err ret;

	if (cfg == NULL || key == NULL)
		return CCSP_ERR_ARG;
	if ((ret = copy_cert(&b, &cert, der, len)) != CCSP_OK)
		return ret;
	own = ccsp_sm2_key_new();
	if (own == NULL) {
		ret = CCSP_ERR_NOMEM;
		goto out;
	}
	if ((ret = ccsp_sm2_key_get_private(key, d)) != CCSP_OK ||
	    (ret = ccsp_sm2_key_set_private(own, d)) != CCSP_OK || (ret = ccsp_sm2_key_get_public(own, pub)) != CCSP_OK)
		goto out;
	if (memcmp(pub, cert.pub, sizeof pub) != 0) {
		ret = CCSP_ERR_KEY;
		goto out;
	}
	blob_free(&cfg->own[i]);
	ccsp_sm2_key_free(cfg->key[i]);
	cfg->own[i] = b;
	cfg->key[i] = own;
	b.p = NULL;
	own = NULL;
out:
	ccsp_memzero(d, sizeof d);
	blob_free(&b);
	ccsp_sm2_key_free(own);
	return ret;
}

ccsp_err ccsp_tlcp_config_add_chain(ccsp_tlcp_config *cfg, const uint8_t *der, size_t len)
{
	ccsp_err ret;

	if (cfg == NULL)
		return CCSP_ERR_ARG;
	if (cfg->n_chain == CCSP_TLCP_MAX_TRUST)
		return CCSP_ERR_LIMIT;
	ret = copy_cert(&cfg->chain[cfg->n_chain], NULL, der, len);
	if (ret == CCSP_OK)
		cfg->n_chain++;
	return ret;
}

ccsp_err ccsp_tlcp_config_add_trust(ccsp_tlcp_config *cfg, const uint8_t *der, size_t len)
{
	ccsp_err ret;

	if (cfg == NULL)
		return CCSP_ERR_ARG;
	if (cfg->n_trust == CCSP_TLCP_MAX_TRUST)
		return CCSP_ERR_LIMIT;
	ret = copy_cert(&cfg->trust_der[cfg->n_trust], &cfg->trust[cfg->n_trust], der, len);
	if (ret == CCSP_OK)
		cfg->n_trust++;
	return ret;
}

ccsp_err ccsp_tlcp_config_set_client_auth(ccsp_tlcp_config *cfg, ccsp_tlcp_client_auth mode)
{
	if (cfg == NULL || (mode != CCSP_TLCP_CLIENT_AUTH_NONE && mode != CCSP_TLCP_CLIENT_AUTH_OPTIONAL &&
	                    mode != CCSP_TLCP_CLIENT_AUTH_REQUIRED))
		return CCSP_ERR_ARG;
	cfg->client_auth = mode;
	return CCSP_OK;
}

ccsp_err ccsp_tlcp_config_set_suites(ccsp_tlcp_config *cfg, const uint16_t *suites, size_t n)
{
	if (cfg == NULL || suites == NULL || n == 0 || n > 4)
		return CCSP_ERR_ARG;
	for (size_t i = 0; i < n; i++) {
		if (ccsp_tlcp_suite_find(suites[i]) == NULL)
			return CCSP_ERR_UNSUPPORTED;
		for (size_t j = 0; j < i; j++)
			if (suites[j] == suites[i])
				return CCSP_ERR_ARG;
	}
	memcpy(cfg->suites, suites, n * sizeof *suites);
	cfg->n_suites = n;
	return CCSP_OK;
}

ccsp_err ccsp_tlcp_config_set_session_cache(ccsp_tlcp_config *cfg, size_t size, int64_t lifetime)
{
	tlcp_cache *cache = NULL;
	ccsp_err ret;

	if (cfg == NULL || size > 1000000 || lifetime < 1)
		return CCSP_ERR_ARG;
	if (size > 0 && (ret = tlcp_cache_new(&cache, size, lifetime)) != CCSP_OK)
		return ret;
	tlcp_cache_free(cfg->cache);
	cfg->cache = cache;
	return CCSP_OK;
}

ccsp_err ccsp_tlcp_config_set_server_name(ccsp_tlcp_config *cfg, const char *name)
{
	char *copy = NULL;

	if (cfg == NULL || (name != NULL && (name[0] == '\0' || strlen(name) > 253)))
		return CCSP_ERR_ARG;
	if (name != NULL && (copy = strdup(name)) == NULL)
		return CCSP_ERR_NOMEM;
	free(cfg->server_name);
	cfg->server_name = copy;
	return CCSP_OK;
}

void ccsp_tlcp_config_set_time(ccsp_tlcp_config *cfg, int64_t (*now)(void *arg), void *arg)
{
	if (cfg == NULL)
		return;
	cfg->now = now;
	cfg->now_arg = arg;
}

int64_t tlcp_now(const ccsp_tlcp_config *cfg)
{
	return cfg->now != NULL ? cfg->now(cfg->now_arg) : (int64_t)time(NULL);
}
