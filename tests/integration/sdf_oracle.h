/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the SDF conformance suites: GM/T 0018 structures turned into what OpenSSL (the oracle) reads. */
#ifndef CCSP_TESTS_SDF_ORACLE_H
#define CCSP_TESTS_SDF_ORACLE_H

#include <string.h>

#include <ccsp/sdf.h>

static inline size_t oracle_der_len(unsigned char *p, size_t n)
{
	if (n < 128) {
		p[0] = (unsigned char)n;
		return 1;
	}
	p[0] = 0x82, p[1] = (unsigned char)(n >> 8), p[2] = (unsigned char)n;
	return 3;
}

/* A minimal DER INTEGER of a 32-byte big-endian value. */
static inline size_t oracle_der_int(unsigned char *p, const unsigned char *v)
{
	size_t i = 0;
	while (i < 31 && v[i] == 0)
		i++;
	size_t n = 32 - i, pad = v[i] & 0x80 ? 1 : 0, o = 0;
	p[o++] = 2;
	o += oracle_der_len(p + o, n + pad);
	if (pad)
		p[o++] = 0;
	memcpy(p + o, v + i, n);
	return o + n;
}

/* The GM/T 0009 SM2Cipher DER of an ECCCipher (L < 3900), which OpenSSL's SM2 decryption reads. Not inlined:
 * the caller allocated 164 + L bytes, which the compiler cannot relate to L. */
__attribute__((noinline, unused)) static size_t oracle_cipher_der(const ECCCipher *c, unsigned char *out)
{
	unsigned char body[4096];
	size_t o = oracle_der_int(body, c->x + 32);
	o += oracle_der_int(body + o, c->y + 32);
	body[o++] = 4;
	o += oracle_der_len(body + o, 32);
	memcpy(body + o, c->M, 32);
	o += 32;
	body[o++] = 4;
	o += oracle_der_len(body + o, c->L);
	memcpy(body + o, c->C, c->L);
	o += c->L;
	out[0] = 0x30;
	size_t h = 1 + oracle_der_len(out + 1, o);
	memcpy(out + h, body, o);
	return h + o;
}

#endif
