/* SPDX-License-Identifier: Apache-2.0 */
#include "sha256/sha256.h"

#include <string.h>

#include <ccsp/mem.h>

#include "module.h"

/* FIPS 180-4 clause 4.2.2: the first 32 bits of the fractional parts of the cube roots of the
 * first 64 primes. */
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

/* FIPS 180-4 clause 6.2.2. */
static void compress(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], s[8];
	for (int t = 0; t < 16; t++)
		w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
	for (int t = 16; t < 64; t++) {
		uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10);
		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	memcpy(s, h, sizeof s);
	for (int t = 0; t < 64; t++) {
		uint32_t t1 = s[7] + (ror(s[4], 6) ^ ror(s[4], 11) ^ ror(s[4], 25)) + ((s[4] & s[5]) ^ (~s[4] & s[6])) +
		              K[t] + w[t];
		uint32_t t2 = (ror(s[0], 2) ^ ror(s[0], 13) ^ ror(s[0], 22)) +
		              ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
		memmove(s + 1, s, 7 * sizeof s[0]);
		s[4] += t1;
		s[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		h[i] += s[i];
	ccsp_memzero(w, sizeof w);
	ccsp_memzero(s, sizeof s);
}

void ccsp_sha256_init(ccsp_sha256_ctx *c)
{
	/* FIPS 180-4 clause 5.3.3 */
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, iv, sizeof iv);
	c->bytes = 0;
	c->num = 0;
}

void ccsp_sha256_update(ccsp_sha256_ctx *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	c->bytes += len;
	while (len > 0) {
		size_t n = 64 - c->num < len ? 64 - c->num : len;
		memcpy(c->block + c->num, p, n);
		c->num += n;
		p += n;
		len -= n;
		if (c->num == 64) {
			compress(c->h, c->block);
			c->num = 0;
		}
	}
}

void ccsp_sha256_final(ccsp_sha256_ctx *c, uint8_t out[CCSP_SHA256_DIGEST_SIZE])
{
	uint64_t bits = c->bytes * 8;
	uint8_t pad[72] = {0x80};
	size_t padlen = (c->num < 56 ? 56 : 120) - c->num;
	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	ccsp_sha256_update(c, pad, padlen + 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
	ccsp_memzero(c, sizeof *c);
}

/* RFC 2104: the keyed inner and outer states, computed once per password. */
static void hmac_keys(const uint8_t *key, size_t keylen, ccsp_sha256_ctx *inner, ccsp_sha256_ctx *outer)
{
	uint8_t k[64] = {0}, pad[64];
	if (keylen > 64) {
		ccsp_sha256_init(inner);
		ccsp_sha256_update(inner, key, keylen);
		ccsp_sha256_final(inner, k);
	} else if (keylen > 0) {
		memcpy(k, key, keylen);
	}
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	ccsp_sha256_init(inner);
	ccsp_sha256_update(inner, pad, 64);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	ccsp_sha256_init(outer);
	ccsp_sha256_update(outer, pad, 64);
	ccsp_memzero(k, sizeof k);
	ccsp_memzero(pad, sizeof pad);
}

static void hmac_with(const ccsp_sha256_ctx *inner, const ccsp_sha256_ctx *outer, const uint8_t *a, size_t alen,
                      const uint8_t *b, size_t blen, uint8_t mac[32])
{
	ccsp_sha256_ctx c = *inner;
	ccsp_sha256_update(&c, a, alen);
	ccsp_sha256_update(&c, b, blen);
	ccsp_sha256_final(&c, mac);
	c = *outer;
	ccsp_sha256_update(&c, mac, 32);
	ccsp_sha256_final(&c, mac);
}

ccsp_err ccsp_pbkdf2_sha256(const uint8_t *pass, size_t passlen, const uint8_t *salt, size_t saltlen,
                            uint32_t iterations, uint8_t *out, size_t outlen)
{
	CCSP_ENSURE((pass != NULL || passlen == 0) && (salt != NULL || saltlen == 0) && out != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(iterations >= 1 && outlen >= 1 && outlen / 32 < UINT32_MAX, CCSP_ERR_ARG);
	ccsp_sha256_ctx inner, outer;
	uint8_t u[32], t[32];
	hmac_keys(pass, passlen, &inner, &outer);
	/* RFC 8018 clause 5.2 step 3: T_i = U_1 ^ ... ^ U_c, U_1 = PRF(P, S || INT(i)). */
	for (uint32_t i = 1; outlen > 0; i++) {
		const uint8_t be[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
		hmac_with(&inner, &outer, salt, saltlen, be, 4, u);
		memcpy(t, u, 32);
		for (uint32_t j = 1; j < iterations; j++) {
			hmac_with(&inner, &outer, u, 32, NULL, 0, u);
			for (int k = 0; k < 32; k++)
				t[k] ^= u[k];
		}
		size_t n = outlen < 32 ? outlen : 32;
		memcpy(out, t, n);
		out += n;
		outlen -= n;
	}
	ccsp_memzero(&inner, sizeof inner);
	ccsp_memzero(&outer, sizeof outer);
	ccsp_memzero(u, sizeof u);
	ccsp_memzero(t, sizeof t);
	return CCSP_OK;
}
