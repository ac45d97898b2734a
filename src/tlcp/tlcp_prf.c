/* SPDX-License-Identifier: Apache-2.0 */
/* TLCP cipher suites and key schedule: the TLS 1.2-style PRF with HMAC-SM3, master secret, key block, Finished. */
#include <string.h>

#include <ccsp/mem.h>

#include "tlcp.h"

static const ccsp_tlcp_suite suites[] = {
	{.id = CCSP_TLCP_ECDHE_SM4_CBC_SM3, .name = "ECDHE_SM4_CBC_SM3", .ecdhe = 1, .aead = 0,
	 .mac_key_len = 32, .enc_key_len = 16, .iv_len = 16},
	{.id = CCSP_TLCP_ECC_SM4_CBC_SM3, .name = "ECC_SM4_CBC_SM3", .ecdhe = 0, .aead = 0,
	 .mac_key_len = 32, .enc_key_len = 16, .iv_len = 16},
	{.id = CCSP_TLCP_ECDHE_SM4_GCM_SM3, .name = "ECDHE_SM4_GCM_SM3", .ecdhe = 1, .aead = 1,
	 .mac_key_len = 0, .enc_key_len = 16, .iv_len = 4},
	{.id = CCSP_TLCP_ECC_SM4_GCM_SM3, .name = "ECC_SM4_GCM_SM3", .ecdhe = 0, .aead = 1,
	 .mac_key_len = 0, .enc_key_len = 16, .iv_len = 4},
};

const ccsp_tlcp_suite *ccsp_tlcp_suite_find(uint16_t id)
{
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

/*
 * P_SM3(secret, seed) = HMAC(secret, A(1) || seed) || HMAC(secret, A(2) || seed) || ..., A(0) = seed,
 * A(i) = HMAC(secret, A(i-1)) (RFC 5246 section 5, with HMAC-SM3), where seed = label || seed. The keyed
 * context is computed once and copied for each HMAC.
 */
ccsp_err ccsp_tlcp_prf(const uint8_t *secret, size_t secretlen, const char *label, const uint8_t *seed,
                       size_t seedlen, uint8_t *out, size_t outlen)
{
	ccsp_hmac_sm3_ctx keyed, h;
	uint8_t a[CCSP_SM3_DIGEST_SIZE], blk[CCSP_SM3_DIGEST_SIZE];
	size_t labellen, done = 0;
	ccsp_err ret;

	if ((secret == NULL && secretlen > 0) || label == NULL || (seed == NULL && seedlen > 0) || out == NULL ||
	    outlen == 0)
		return CCSP_ERR_ARG;
	labellen = strlen(label);
	memset(&h, 0, sizeof h);
	if ((ret = ccsp_hmac_sm3_init(&keyed, secret, secretlen)) != CCSP_OK)
		goto out;
	/* A(1) = HMAC(secret, label || seed) */
	h = keyed;
	if ((ret = ccsp_hmac_sm3_update(&h, label, labellen)) != CCSP_OK ||
	    (ret = ccsp_hmac_sm3_update(&h, seed, seedlen)) != CCSP_OK || (ret = ccsp_hmac_sm3_final(&h, a)) != CCSP_OK)
		goto out;
	while (done < outlen) {
		size_t take = outlen - done < sizeof blk ? outlen - done : sizeof blk;
		h = keyed;
		if ((ret = ccsp_hmac_sm3_update(&h, a, sizeof a)) != CCSP_OK ||
		    (ret = ccsp_hmac_sm3_update(&h, label, labellen)) != CCSP_OK ||
		    (ret = ccsp_hmac_sm3_update(&h, seed, seedlen)) != CCSP_OK ||
		    (ret = ccsp_hmac_sm3_final(&h, blk)) != CCSP_OK)
			goto out;
		memcpy(out + done, blk, take);
		done += take;
		if (done < outlen) {
			h = keyed;
			if ((ret = ccsp_hmac_sm3_update(&h, a, sizeof a)) != CCSP_OK ||
			    (ret = ccsp_hmac_sm3_final(&h, a)) != CCSP_OK)
				goto out;
		}
	}
out:
	if (ret != CCSP_OK)
		ccsp_memzero(out, outlen);
	ccsp_memzero(&keyed, sizeof keyed);
	ccsp_memzero(&h, sizeof h);
	ccsp_memzero(a, sizeof a);
	ccsp_memzero(blk, sizeof blk);
	return ret;
}

ccsp_err ccsp_tlcp_master_secret(const uint8_t pre_master[CCSP_TLCP_PRE_MASTER_SIZE],
                                 const uint8_t client_random[CCSP_TLCP_RANDOM_SIZE],
                                 const uint8_t server_random[CCSP_TLCP_RANDOM_SIZE], uint8_t master[CCSP_TLCP_MASTER_SIZE])
{
	uint8_t seed[2 * CCSP_TLCP_RANDOM_SIZE];

	if (pre_master == NULL || client_random == NULL || server_random == NULL || master == NULL)
		return CCSP_ERR_ARG;
	memcpy(seed, client_random, CCSP_TLCP_RANDOM_SIZE);
	memcpy(seed + CCSP_TLCP_RANDOM_SIZE, server_random, CCSP_TLCP_RANDOM_SIZE);
	return ccsp_tlcp_prf(pre_master, CCSP_TLCP_PRE_MASTER_SIZE, "master secret", seed, sizeof seed, master,
	                     CCSP_TLCP_MASTER_SIZE);
}

/* Cut n bytes from the key block at *pos into dst. */
static void take(uint8_t *dst, const uint8_t *blk, size_t *pos, size_t n)
{
	memcpy(dst, blk + *pos, n);
	*pos += n;
}

ccsp_err ccsp_tlcp_key_block_derive(uint16_t suite, const uint8_t master[CCSP_TLCP_MASTER_SIZE],
                                    const uint8_t client_random[CCSP_TLCP_RANDOM_SIZE],
                                    const uint8_t server_random[CCSP_TLCP_RANDOM_SIZE], ccsp_tlcp_key_block *kb)
{
	const ccsp_tlcp_suite *s = ccsp_tlcp_suite_find(suite);
	uint8_t seed[2 * CCSP_TLCP_RANDOM_SIZE];
	uint8_t blk[2 * (32 + 16 + 16)];
	size_t n, pos = 0;
	ccsp_err ret;

	if (master == NULL || client_random == NULL || server_random == NULL || kb == NULL)
		return CCSP_ERR_ARG;
	if (s == NULL)
		return CCSP_ERR_UNSUPPORTED;
	/* The key expansion seed puts the server's random first (the master secret's seed has the client's). */
	memcpy(seed, server_random, CCSP_TLCP_RANDOM_SIZE);
	memcpy(seed + CCSP_TLCP_RANDOM_SIZE, client_random, CCSP_TLCP_RANDOM_SIZE);
	n = 2 * (s->mac_key_len + s->enc_key_len + s->iv_len);
	memset(kb, 0, sizeof *kb);
	ret = ccsp_tlcp_prf(master, CCSP_TLCP_MASTER_SIZE, "key expansion", seed, sizeof seed, blk, n);
	if (ret == CCSP_OK) {
		kb->suite = suite;
		take(kb->client_mac, blk, &pos, s->mac_key_len);
		take(kb->server_mac, blk, &pos, s->mac_key_len);
		take(kb->client_key, blk, &pos, s->enc_key_len);
		take(kb->server_key, blk, &pos, s->enc_key_len);
		take(kb->client_iv, blk, &pos, s->iv_len);
		take(kb->server_iv, blk, &pos, s->iv_len);
	}
	ccsp_memzero(blk, sizeof blk);
	return ret;
}

ccsp_err ccsp_tlcp_finished(const uint8_t master[CCSP_TLCP_MASTER_SIZE], int from_server,
                            const uint8_t hs_hash[CCSP_SM3_DIGEST_SIZE], uint8_t verify_data[CCSP_TLCP_VERIFY_DATA_SIZE])
{
	if (master == NULL || hs_hash == NULL || verify_data == NULL)
		return CCSP_ERR_ARG;
	return ccsp_tlcp_prf(master, CCSP_TLCP_MASTER_SIZE, from_server ? "server finished" : "client finished", hs_hash,
	                     CCSP_SM3_DIGEST_SIZE, verify_data, CCSP_TLCP_VERIFY_DATA_SIZE);
}
