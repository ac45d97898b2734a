/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM4 (GB/T 32907-2016) one block at a time with AESENCLAST, for the serial modes of aesni-avx2 and
 * vaes-avx2 (CBC/CFB encryption, OFB, CBC-MAC), where each block waits for the previous one and
 * only the latency of a round counts. The S-box is S_SM4(x) = post(S_AES(pre(x))) as in
 * sm4_avx2_tmpl.h, pre(x) = A x + a and post(y) = B y + b bytewise affine.
 *
 * The state is kept in the domain of the AES output: Y_j = B^-1 L^-1 (X_j), so X_j = L B Y_j.
 * With G = A L B (linear on 32 bits) and z_i = S_AES(v_i) for the AES input v_i = pre(t_i), the
 * round X_i+4 = X_i + L(S_SM4(t_i)) (GB/T 32907 7.1) becomes, writing rho_i = B^-1 L^-1 (rk_i +
 * A^-1 a) and beta = B^-1 b in every byte:
 *     Y_i+4 = Y_i + z_i + beta
 *     v_i+1 = G(Y_i+2 + Y_i+3 + Y_i+4 + rho_i+1) = G(z_i + k_i),  k_i = Y_i + Y_i+2 + Y_i+3 + rho_i+1 + beta.
 * AESENCLAST adds its round key after SubBytes, so AESENCLAST(v_i, k_i) = z_i + k_i =: w_i, and
 * the next AES input is G(w_i): the critical path of a round is AESENCLAST, one nibble split, one
 * PSHUFB table lookup, one XOR, one PSHUFB byte permutation and a tree of 4 XORs; k_i is ready
 * long before it is needed. (Without the key, v_i+1 would need one more XOR after G.)
 *
 * G is linear: per byte of w it is a sum of the rotations of L applied to bytewise maps,
 *     L(p) = (p + p<<2) + rotl8(p>>6 + p<<2) + rotl16(p>>6 + p<<2) + rotl24(p>>6 + p)
 * with p<<2, p>>6 shifts of each byte (rotl32(p, 2) = p<<2 + rotl8(p>>6) bytewise), so G(w) is
 * the sum of rotations of W0, W8, W8, W24 = W0 + W8, bytewise maps A (.) B of two nibble lookups
 * each. Layout: byte j of a word sits in AES input lane IN[j] = 3, 15, 11, 7 (row 3 of the state,
 * FIPS 197 3.4), which ShiftRows (5.1.2) takes to OUT[j] = 7, 3, 15, 11 = IN[j - 1]: the bytes
 * move one 32-bit lane, so the rotations of G are 32-bit lane rotations (PSHUFD) and the one by
 * 24 bits costs nothing. Odd lanes: a 16-bit shift right by 4 leaves the high nibble alone in the
 * byte, so either nibble is split off with one instruction. The other lanes carry values that are
 * never read. Per round that is 8 shuffle-port instructions, which is what bounds the round on
 * two shuffle ports. Tables printed and the construction checked against the GB/T 32907 example
 * by scripts/sm4_aesni_derive.c.
 */
#if defined(__x86_64__)

#include <immintrin.h>
#include <string.h>

#include <ccsp/mem.h>

#include "sm4_impl.h"

#define SER_TARGET __attribute__((target("avx2,aes")))
#define SER_INLINE SER_TARGET static inline __attribute__((always_inline))

/* G = A L B on the AES output, bytewise parts (scripts/sm4_aesni_derive.c). */
#define SER_W0_LO 0x00, 0x86, 0xd3, 0x55, 0x78, 0xfe, 0xab, 0x2d, 0x1c, 0x9a, 0xcf, 0x49, 0x64, 0xe2, 0xb7, 0x31
#define SER_W0_HI 0x00, 0xeb, 0xdc, 0x37, 0xf0, 0x1b, 0x2c, 0xc7, 0xcd, 0x26, 0x11, 0xfa, 0x3d, 0xd6, 0xe1, 0x0a
#define SER_W8_LO 0x00, 0xd3, 0x0d, 0xde, 0xa0, 0x73, 0xad, 0x7e, 0x42, 0x91, 0x4f, 0x9c, 0xe2, 0x31, 0xef, 0x3c
#define SER_W8_HI 0x00, 0xb4, 0x49, 0xfd, 0x82, 0x36, 0xcb, 0x7f, 0xbc, 0x08, 0xf5, 0x41, 0x3e, 0x8a, 0x77, 0xc3
/* B and B^-1 (linear parts of post and its inverse). */
#define SER_B_LO 0x00, 0xb8, 0xca, 0x72, 0x3e, 0x86, 0xf4, 0x4c, 0x67, 0xdf, 0xad, 0x15, 0x59, 0xe1, 0x93, 0x2b
#define SER_B_HI 0x00, 0xe0, 0x50, 0xb0, 0x9d, 0x7d, 0xcd, 0x2d, 0xc0, 0x20, 0x90, 0x70, 0x5d, 0xbd, 0x0d, 0xed
#define SER_BINV_LO 0x00, 0x1d, 0xb3, 0xae, 0xcc, 0xd1, 0x7f, 0x62, 0x31, 0x2c, 0x82, 0x9f, 0xfd, 0xe0, 0x4e, 0x53
#define SER_BINV_HI 0x00, 0xda, 0x90, 0x4a, 0xfa, 0x20, 0x6a, 0xb0, 0x7a, 0xa0, 0xea, 0x30, 0x80, 0x5a, 0x10, 0xca
#define SER_BETA 0x97     /* B^-1 b */
#define SER_A_INV_A 0x75  /* A^-1 a */

#define X 0x80 /* PSHUFB: zero lane */
/* Native word d of a register (byte j at 4d + j) to the output lanes OUT = 7, 3, 15, 11, and back. */
#define SER_TO_OUT(d) X, X, X, 4 * (d) + 1, X, X, X, 4 * (d), X, X, X, 4 * (d) + 3, X, X, X, 4 * (d) + 2
#define SER_FROM_OUT(d)                                                                                     \
	(d) == 0 ? 7 : X, (d) == 0 ? 3 : X, (d) == 0 ? 15 : X, (d) == 0 ? 11 : X, (d) == 1 ? 7 : X,        \
	    (d) == 1 ? 3 : X, (d) == 1 ? 15 : X, (d) == 1 ? 11 : X, (d) == 2 ? 7 : X, (d) == 2 ? 3 : X,    \
	    (d) == 2 ? 15 : X, (d) == 2 ? 11 : X, (d) == 3 ? 7 : X, (d) == 3 ? 3 : X, (d) == 3 ? 15 : X,    \
	    (d) == 3 ? 11 : X
#define SER_ROL8 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14
#define SER_ROL16 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13
#define SER_ROL24 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12
#define SER_BSWAP32 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12

#define V(...) _mm_setr_epi8(__VA_ARGS__)

SER_INLINE __m128i ser_xor3(__m128i a, __m128i b, __m128i c)
{
	return _mm_xor_si128(_mm_xor_si128(a, b), c);
}

/* Bytewise linear map given by its nibble tables. */
SER_INLINE __m128i ser_bytes(__m128i x, __m128i lo_tab, __m128i hi_tab)
{
	const __m128i m = _mm_set1_epi8(0x0f);
	__m128i lo = _mm_shuffle_epi8(lo_tab, _mm_and_si128(x, m));
	return _mm_xor_si128(lo, _mm_shuffle_epi8(hi_tab, _mm_and_si128(_mm_srli_epi16(x, 4), m)));
}

SER_INLINE __m128i ser_rotl(__m128i x, int n)
{
	return _mm_or_si128(_mm_slli_epi32(x, n), _mm_srli_epi32(x, 32 - n));
}

/* v = G(w): the next AES input from the AES output (see the top of the file). Byte j of rotl(W, 8k)
 * at input lane IN[j] comes from output lane OUT[j - k] = IN[j - k - 1]: one 32-bit lane further
 * for k = 0, 2 for k = 1, 3 for k = 2, and in place for k = 3. */
SER_INLINE __m128i ser_g(__m128i w)
{
	__m128i lo = _mm_and_si128(w, _mm_set1_epi8(0x0f));
	__m128i hi = _mm_srli_epi16(w, 4); /* odd lanes: the high nibble */
	__m128i w8 = _mm_xor_si128(_mm_shuffle_epi8(V(SER_W8_LO), lo), _mm_shuffle_epi8(V(SER_W8_HI), hi));
	__m128i w0 = _mm_xor_si128(_mm_shuffle_epi8(V(SER_W0_LO), lo), _mm_shuffle_epi8(V(SER_W0_HI), hi));
	__m128i a = _mm_xor_si128(_mm_shuffle_epi32(w8, 0x4e), _mm_shuffle_epi32(w8, 0x93));
	__m128i b = ser_xor3(w0, w8, _mm_shuffle_epi32(w0, 0x39)); /* W24 = W0 + W8 */
	return _mm_xor_si128(a, b);
}

/* The four native words of x into the Y domain, B^-1 L^-1, one register per word. L^-1 is the sum
 * of the rotations by 0, 2, 4, 8, 12, 14, 16, 18, 22, 24, 30 (the inverse of 1 + x^2 + x^10 + x^18 +
 * x^24 modulo x^32 + 1, computed by the derivation script). */
SER_INLINE void ser_to_y(__m128i y[4], __m128i x)
{
	__m128i r8 = _mm_shuffle_epi8(x, V(SER_ROL8)), r16 = _mm_shuffle_epi8(x, V(SER_ROL16));
	__m128i r24 = _mm_shuffle_epi8(x, V(SER_ROL24));
	__m128i t = _mm_xor_si128(ser_xor3(x, r8, r16), r24);
	t = ser_xor3(t, ser_rotl(_mm_xor_si128(x, r16), 2), ser_rotl(_mm_xor_si128(x, r8), 4));
	t = _mm_xor_si128(t, ser_rotl(ser_xor3(x, r8, r16), 14));
	t = ser_bytes(t, V(SER_BINV_LO), V(SER_BINV_HI));
	y[0] = _mm_shuffle_epi8(t, V(SER_TO_OUT(0)));
	y[1] = _mm_shuffle_epi8(t, V(SER_TO_OUT(1)));
	y[2] = _mm_shuffle_epi8(t, V(SER_TO_OUT(2)));
	y[3] = _mm_shuffle_epi8(t, V(SER_TO_OUT(3)));
}

/* The output block (X35, X34, X33, X32) = L B (Y35, Y34, Y33, Y32) in big-endian bytes. */
SER_INLINE __m128i ser_from_y(const __m128i y[4])
{
	__m128i t = _mm_or_si128(_mm_shuffle_epi8(y[3], V(SER_FROM_OUT(0))), _mm_shuffle_epi8(y[2], V(SER_FROM_OUT(1))));
	t = _mm_or_si128(t, _mm_or_si128(_mm_shuffle_epi8(y[1], V(SER_FROM_OUT(2))),
	                                 _mm_shuffle_epi8(y[0], V(SER_FROM_OUT(3)))));
	t = ser_bytes(t, V(SER_B_LO), V(SER_B_HI));
	/* L(B) = B ^ B<<<24 ^ (B ^ B<<<8 ^ B<<<16)<<<2 (GB/T 32907 6.2) */
	__m128i a = ser_xor3(t, _mm_shuffle_epi8(t, V(SER_ROL8)), _mm_shuffle_epi8(t, V(SER_ROL16)));
	t = ser_xor3(t, _mm_shuffle_epi8(t, V(SER_ROL24)), ser_rotl(a, 2));
	return _mm_shuffle_epi8(t, V(SER_BSWAP32));
}

/* rho_i = B^-1 L^-1 (rk_i ^ A^-1 a) in the output lanes; rho_32 = 0 (no round 32 to feed). */
SER_INLINE void ser_round_keys(__m128i rho[33], const uint32_t rk[32])
{
	for (int i = 0; i < 32; i += 4) {
		__m128i k = _mm_loadu_si128((const __m128i *)(rk + i));
		ser_to_y(rho + i, _mm_xor_si128(k, _mm_set1_epi8((char)SER_A_INV_A)));
	}
	rho[32] = _mm_setzero_si128();
}

/*
 * The 32 rounds on y = Y_0..Y_3, leaving Y_32..Y_35; v is the first AES input. late is a part of
 * Y_0 not included in y[0] yet: it enters after the first AESENCLAST (z_0 + k_0 + late = z_0 + the
 * full k_0), so that the first round of a block need not wait for the last round of the block
 * before it (the feedback word Y_35 is only needed from the second round on).
 */
SER_INLINE void ser_rounds(__m128i y[4], __m128i v, const __m128i rho[33], __m128i late)
{
	const __m128i beta = _mm_set1_epi8((char)SER_BETA);
#pragma GCC unroll 32
	for (int i = 0; i < 32; i++) {
		__m128i s = ser_xor3(y[(i + 2) & 3], y[(i + 3) & 3], rho[i + 1]);
		__m128i w = _mm_aesenclast_si128(v, ser_xor3(s, y[i & 3], beta));
		if (i == 0)
			w = _mm_xor_si128(w, late);
		y[i & 3] = _mm_xor_si128(w, s);
		if (i < 31)
			v = ser_g(w);
	}
}

SER_TARGET void ccsp_sm4_aesni_serial_blocks(const uint32_t rk[32], ccsp_sm4_feedback mode, uint8_t fb[16],
                                             const uint8_t *in, uint8_t *out, size_t nblocks)
{
	const __m128i bswap = V(SER_BSWAP32), zero = _mm_setzero_si128();
	__m128i rho[33], f[4], d[4] = {zero, zero, zero, zero}, y[4], last = zero;

	ser_round_keys(rho, rk);
	/* f: the Y domain of the feedback (words of x_n without the data part d) */
	ser_to_y(f, _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)fb), bswap));
	for (size_t n = 0; n < nblocks; n++) {
		__m128i p = _mm_loadu_si128((const __m128i *)(in + 16 * n));
		if (mode == CCSP_SM4_FB_CBC)
			ser_to_y(d, _mm_shuffle_epi8(p, bswap));
		/* y[0] without f[0]: see ser_rounds */
		y[0] = d[0];
		for (int j = 1; j < 4; j++)
			y[j] = _mm_xor_si128(f[j], d[j]);
		__m128i v = ser_g(_mm_xor_si128(ser_xor3(y[1], y[2], y[3]), rho[0]));
		ser_rounds(y, v, rho, f[0]);
		for (int j = 0; j < 4; j++)
			f[j] = y[3 - j]; /* x_n+1 = (X35, X34, X33, X32) (+ data) */
		__m128i x = ser_from_y(y);
		last = mode == CCSP_SM4_FB_OFB ? x : mode == CCSP_SM4_FB_CBC ? x : _mm_xor_si128(x, p);
		if (out != NULL)
			_mm_storeu_si128((__m128i *)(out + 16 * n), mode == CCSP_SM4_FB_CBC ? x : _mm_xor_si128(x, p));
		if (mode == CCSP_SM4_FB_CFB) /* x_n+1 = out_n = E(x_n) + in_n */
			ser_to_y(d, _mm_shuffle_epi8(p, bswap));
	}
	if (nblocks > 0)
		_mm_storeu_si128((__m128i *)fb, last);
	ccsp_memzero(rho, sizeof rho);
	_mm256_zeroall();
}

#undef X
#endif
