/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Derives the constants of src/crypto/sm4/sm4_avx2_tmpl.h: two affine maps (pre, post) such that
 *     S_SM4(x) = post(S_AES(pre(x)))   for all bytes x,
 * and prints them as 16-entry nibble tables for PSHUFB; then the constants of the one-block kernel
 * src/crypto/sm4/sm4_aesni_serial.c (G = A L B split into bytewise maps, B, B^-1, L^-1), and checks
 * that kernel's round recurrence (in the AES-output domain) against the GB/T 32907 example; and the two GFNI
 * affine transforms of src/crypto/sm4/sm4_gfni_avx512.c and the matrices of the one-block GFNI kernel
 * src/crypto/sm4/sm4_gfni_serial.c. Build and run: cc -O2 scripts/sm4_aesni_derive.c -o /tmp/d && /tmp/d
 *
 * Facts used:
 *  - S_AES(w) = A_aes * inv_aes(w) + 0x63, inversion in GF(2)[x]/(x^8+x^4+x^3+x+1) (FIPS 197 5.1.1).
 *  - S_SM4(x) = A * inv_sm4(A*x + 0xD3) + 0xD3, inversion in GF(2)[x]/(x^8+x^7+x^6+x^5+x^4+x^2+1),
 *    A the circulant matrix of 0xA7 (the algebraic structure of the GB/T 32907 S-box, Liu et al.,
 *    "Analysis of the SMS4 block cipher", ACISP 2007). Checked below: the S-box built this way gives the
 *    GB/T 32907-2016 Appendix A example ciphertext.
 *  - Both fields are GF(2^8): T(sum b_i x^i) = sum b_i beta^i, beta a root of the SM4 polynomial in the
 *    AES field, is a field isomorphism, so inv_sm4(z) = T^-1 inv_aes(T z). Hence
 *        S_SM4(x) = A T^-1 A_aes^-1 (S_AES(T A x + T 0xD3) + 0x63) + 0xD3,
 *    i.e. pre(x) = T A x + T 0xD3 and post(y) = A T^-1 A_aes^-1 (y + 0x63) + 0xD3; post is obtained
 *    below as a table, post(y) = S_SM4(pre^-1(S_AES^-1(y))), and checked to be affine.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint8_t gf_mul(uint8_t a, uint8_t b, unsigned poly)
{
	unsigned r = 0, x = a;
	for (int i = 0; i < 8; i++) {
		if (b >> i & 1)
			r ^= x;
		x <<= 1;
		if (x & 0x100)
			x ^= poly;
	}
	return (uint8_t)r;
}

static uint8_t gf_inv(uint8_t a, unsigned poly)
{
	uint8_t r = 1;
	for (int i = 0; i < 254; i++)
		r = gf_mul(r, a, poly);
	return a ? r : 0;
}

static uint8_t rotl8(uint8_t v, int k)
{
	k &= 7;
	return (uint8_t)((v << k) | (v >> ((8 - k) & 7)));
}

/* Bit i of the result is the parity of (row_i & x), row_i = rotl(a, i): a circulant matrix. */
static uint8_t circulant(uint8_t a, uint8_t x)
{
	uint8_t y = 0;
	for (int i = 0; i < 8; i++)
		y |= (uint8_t)((__builtin_popcount(rotl8(a, i) & x) & 1) << i);
	return y;
}

static uint8_t s_aes(uint8_t w)
{
	uint8_t b = gf_inv(w, 0x11b);
	return b ^ rotl8(b, 1) ^ rotl8(b, 2) ^ rotl8(b, 3) ^ rotl8(b, 4) ^ 0x63;
}

static uint8_t s_sm4(uint8_t x)
{
	return circulant(0xa7, gf_inv(circulant(0xa7, x) ^ 0xd3, 0x1f5)) ^ 0xd3;
}

static uint32_t rol32(uint32_t v, int k) { return (v << k) | (v >> (32 - k)); }

static uint32_t tau(uint32_t a)
{
	return (uint32_t)s_sm4(a >> 24) << 24 | (uint32_t)s_sm4(a >> 16 & 0xff) << 16 |
	       (uint32_t)s_sm4(a >> 8 & 0xff) << 8 | s_sm4(a & 0xff);
}

/* GB/T 32907-2016 Appendix A.1: key = plaintext = 0123456789abcdeffedcba9876543210. */
static int check_sm4_vector(void)
{
	static const uint32_t fk[4] = {0xa3b1bac6, 0x56aa3350, 0x677d9197, 0xb27022dc};
	uint32_t k[36], x[36], rk[32];
	uint32_t mk[4] = {0x01234567, 0x89abcdef, 0xfedcba98, 0x76543210};
	for (int i = 0; i < 4; i++)
		k[i] = mk[i] ^ fk[i];
	for (int i = 0; i < 32; i++) {
		uint32_t ck = 0;
		for (int j = 0; j < 4; j++)
			ck = ck << 8 | (uint32_t)((4 * i + j) * 7 & 0xff);
		uint32_t b = tau(k[i + 1] ^ k[i + 2] ^ k[i + 3] ^ ck);
		rk[i] = k[i + 4] = k[i] ^ b ^ rol32(b, 13) ^ rol32(b, 23);
	}
	memcpy(x, mk, sizeof mk);
	for (int i = 0; i < 32; i++) {
		uint32_t b = tau(x[i + 1] ^ x[i + 2] ^ x[i + 3] ^ rk[i]);
		x[i + 4] = x[i] ^ b ^ rol32(b, 2) ^ rol32(b, 10) ^ rol32(b, 18) ^ rol32(b, 24);
	}
	return x[35] == 0x681edf34 && x[34] == 0xd206965e && x[33] == 0x86b3e94f && x[32] == 0x536e4246;
}

static void print_table(const char *name, const uint8_t t[16])
{
	printf("%s:", name);
	for (int i = 0; i < 16; i++)
		printf(" 0x%02x,", t[i]);
	printf("\n");
}

/* ---- sm4_aesni_serial.c ---- */

static uint8_t lin_a[256], lin_b[256], lin_b_inv[256], lin_a_inv[256];

static uint32_t bytewise(const uint8_t f[256], uint32_t w)
{
	return (uint32_t)f[w >> 24] << 24 | (uint32_t)f[w >> 16 & 0xff] << 16 | (uint32_t)f[w >> 8 & 0xff] << 8 |
	       f[w & 0xff];
}

static uint32_t sm4_l(uint32_t x) { return x ^ rol32(x, 2) ^ rol32(x, 10) ^ rol32(x, 18) ^ rol32(x, 24); }

/* L = 1 + n with n = x^2 + x^10 + x^18 + x^24 in GF(2)[x]/(x^32 + 1) = GF(2)[x]/((x + 1)^32), n a
 * multiple of x + 1, so L^32 = 1 + n^32 = 1 and L^-1 = L^31: a sum of the rotations by the set bits
 * of L^31(1). */
static uint32_t l_inv_mask;
static uint32_t sm4_l_inv(uint32_t x)
{
	uint32_t r = 0;
	for (int i = 0; i < 32; i++)
		if (l_inv_mask >> i & 1)
			r ^= i ? rol32(x, i) : x;
	return r;
}

static int find_l_inv(void)
{
	uint32_t m = 1;
	for (int i = 0; i < 31; i++)
		m = sm4_l(m);
	l_inv_mask = m;
	for (int i = 0; i < 32; i++)
		if (sm4_l_inv(sm4_l(1u << i)) != 1u << i)
			return 0;
	return 1;
}

static uint8_t t_aes[256];

/* One SM4 encryption in the form of sm4_aesni_serial.c: Y_j = B^-1 L^-1 X_j, w_i = S_AES(v_i) + k_i,
 * v_i+1 = G(w_i), compared with check_sm4_vector's plain rounds on the GB/T 32907 example. */
static uint32_t serial_g(const uint8_t w0[256], const uint8_t w8[256], uint32_t x)
{
	uint32_t a = bytewise(w0, x), b = bytewise(w8, x);
	return a ^ rol32(b, 8) ^ rol32(b, 16) ^ rol32(a ^ b, 24);
}

static int check_serial_rounds(const uint8_t w0[256], const uint8_t w8[256], uint8_t a_inv_a, uint8_t beta)
{
	static const uint32_t fk[4] = {0xa3b1bac6, 0x56aa3350, 0x677d9197, 0xb27022dc};
	uint32_t mk[4] = {0x01234567, 0x89abcdef, 0xfedcba98, 0x76543210}, k[36], rk[32], y[36], rho[33];
	uint32_t bb = beta * 0x01010101u, aa = a_inv_a * 0x01010101u, v;
	for (int i = 0; i < 4; i++)
		k[i] = mk[i] ^ fk[i];
	for (int i = 0; i < 32; i++) {
		uint32_t ck = 0;
		for (int j = 0; j < 4; j++)
			ck = ck << 8 | (uint32_t)((4 * i + j) * 7 & 0xff);
		uint32_t b = tau(k[i + 1] ^ k[i + 2] ^ k[i + 3] ^ ck);
		rk[i] = k[i + 4] = k[i] ^ b ^ rol32(b, 13) ^ rol32(b, 23);
	}
	for (int i = 0; i < 32; i++)
		rho[i] = bytewise(lin_b_inv, sm4_l_inv(rk[i] ^ aa));
	rho[32] = 0;
	for (int j = 0; j < 4; j++)
		y[j] = bytewise(lin_b_inv, sm4_l_inv(mk[j]));
	v = serial_g(w0, w8, y[1] ^ y[2] ^ y[3] ^ rho[0]);
	for (int i = 0; i < 32; i++) {
		uint32_t s = y[i + 2] ^ y[i + 3] ^ rho[i + 1];
		uint32_t w = bytewise(t_aes, v) ^ s ^ y[i] ^ bb;
		y[i + 4] = w ^ s;
		v = serial_g(w0, w8, w);
	}
	uint32_t x32 = sm4_l(bytewise(lin_b, y[32])), x33 = sm4_l(bytewise(lin_b, y[33]));
	uint32_t x34 = sm4_l(bytewise(lin_b, y[34])), x35 = sm4_l(bytewise(lin_b, y[35]));
	return x35 == 0x681edf34 && x34 == 0xd206965e && x33 == 0x86b3e94f && x32 == 0x536e4246;
}

static int serial_constants(const uint8_t pre[256], const uint8_t post[256])
{
	uint8_t w0[256], w8[256], w24[256], t[8][16];
	for (int x = 0; x < 256; x++) {
		lin_a[x] = pre[x] ^ pre[0];
		lin_b[x] = post[x] ^ post[0];
		t_aes[x] = s_aes((uint8_t)x);
	}
	for (int x = 0; x < 256; x++) {
		lin_b_inv[lin_b[x]] = (uint8_t)x;
		lin_a_inv[lin_a[x]] = (uint8_t)x;
	}
	/* L(p) = (p + p<<2) + rotl8(p>>6 + p<<2) + rotl16(p>>6 + p<<2) + rotl24(p>>6 + p), bytewise shifts */
	for (int z = 0; z < 256; z++) {
		uint8_t p = lin_b[z], sl = (uint8_t)(p << 2), sr = p >> 6;
		w0[z] = lin_a[p ^ sl];
		w8[z] = lin_a[sl ^ sr];
		w24[z] = lin_a[p ^ sr];
		if (w24[z] != (w0[z] ^ w8[z]))
			return 0;
	}
	for (uint32_t p = 0; p < 256; p++) /* the split of L itself, on one byte in each position */
		for (int j = 0; j < 4; j++) {
			uint32_t x = p << (8 * j), sl = (p << 2 & 0xff) << (8 * j), sr = (p >> 6) << (8 * j);
			uint32_t split = (x ^ sl) ^ rol32(sr ^ sl, 8) ^ rol32(sr ^ sl, 16) ^ rol32(sr ^ x, 24);
			if (split != sm4_l(x))
				return 0;
		}
	if (!find_l_inv())
		return 0;
	uint8_t a_inv_a = lin_a_inv[pre[0]], beta = lin_b_inv[post[0]];
	for (int n = 0; n < 16; n++) {
		t[0][n] = w0[n], t[1][n] = w0[n << 4];
		t[2][n] = w8[n], t[3][n] = w8[n << 4];
		t[4][n] = lin_b[n], t[5][n] = lin_b[n << 4];
		t[6][n] = lin_b_inv[n], t[7][n] = lin_b_inv[n << 4];
	}
	if (!check_serial_rounds(w0, w8, a_inv_a, beta)) {
		printf("serial round recurrence does not reproduce GB/T 32907 A.1\n");
		return 0;
	}
	print_table("serial W0_LO", t[0]);
	print_table("serial W0_HI", t[1]);
	print_table("serial W8_LO", t[2]);
	print_table("serial W8_HI", t[3]);
	print_table("serial B_LO", t[4]);
	print_table("serial B_HI", t[5]);
	print_table("serial BINV_LO", t[6]);
	print_table("serial BINV_HI", t[7]);
	printf("serial BETA = B^-1 b = 0x%02x, A_INV_A = A^-1 a = 0x%02x, L^-1 rotations mask = 0x%08x\n", beta,
	       a_inv_a, l_inv_mask);
	return 1;
}

/* ---- sm4_gfni_avx512.c: the S-box as GF2P8AFFINEQB then GF2P8AFFINEINVQB ----
 * GF2P8AFFINEQB(x, M, c): bit i of each result byte = parity(byte 7-i of the qword M AND x) XOR bit i of c;
 * GF2P8AFFINEINVQB does the same to the AES-field inverse of x (Intel SDM vol. 2A). So with pre(x) = M1 x + c1
 * and q(u) = S_SM4(pre^-1(inv_aes(u))) = M2 u + c2 (affine, checked), S_SM4(x) = affineinv(affine(x, M1, c1),
 * M2, c2). */
static uint64_t gfni_matrix(const uint8_t f[256]) /* f affine: its linear part as the instruction's qword */
{
	uint64_t m = 0;
	for (int i = 0; i < 8; i++)     /* output bit i: row byte 7 - i */
		for (int j = 0; j < 8; j++) /* input bit j */
			if ((f[1 << j] ^ f[0]) >> i & 1)
				m |= (uint64_t)1 << (8 * (7 - i) + j);
	return m;
}

static uint8_t gfni_affine(uint8_t x, uint64_t m, uint8_t c)
{
	uint8_t y = 0;
	for (int i = 0; i < 8; i++)
		y |= (uint8_t)((__builtin_popcount((unsigned)(m >> (8 * (7 - i)) & 0xff) & x) & 1) << i);
	return y ^ c;
}

static int gfni_constants(const uint8_t pre[256], const uint8_t pre_inv[256])
{
	uint8_t q[256];
	for (int u = 0; u < 256; u++)
		q[u] = s_sm4(pre_inv[gf_inv((uint8_t)u, 0x11b)]);
	uint64_t m1 = gfni_matrix(pre), m2 = gfni_matrix(q);
	for (int x = 0; x < 256; x++) {
		uint8_t y = gfni_affine((uint8_t)x, m1, pre[0]);
		if (y != pre[x] || gfni_affine(gf_inv(y, 0x11b), m2, q[0]) != s_sm4((uint8_t)x)) {
			printf("GFNI form fails at %02x\n", x);
			return 0;
		}
	}
	printf("gfni: pre matrix 0x%016llx constant 0x%02x, post matrix 0x%016llx constant 0x%02x\n",
	       (unsigned long long)m1, pre[0], (unsigned long long)m2, q[0]);
	return 1;
}

/* ---- sm4_gfni_serial.c: one block, the state in the pre-affine domain ----
 * With P the linear part of pre (P x = pre(x) + pre(0), bytewise on a word) and Z_j = P X_j, the round
 * X_i+4 = X_i + L(S(t_i)) becomes Z_i+4 = Z_i + P L(S(t_i)), and the S-box input is
 * y_i = pre(t_i) = Z_i+1 + Z_i+2 + Z_i+3 + (P rk_i + pre(0)). L is linear and commutes with rotations, so
 * byte k of L(b) for a word b holding the byte b in byte 0 only is f_k(b), f_k bytewise linear, and
 * L(s) = sum_k rotl(f_k(s), 8k). With S(x) = M2 inv(pre(x)) + c2:
 *     P L(S(t)) = sum_k rotl(G_k inv(y), 8k) + D,  G_k = P f_k M2,  D = P sum_k f_k(c2)  (in every byte).
 * So a round is four GF2P8AFFINEINVQB of y (D as the first one's constant), three rotations and XORs. */
static int gfni_serial_constants(const uint8_t pre[256], const uint8_t pre_inv[256])
{
	uint8_t q[256], p[256], p_inv[256], g[4][256], d = 0;
	for (int u = 0; u < 256; u++)
		q[u] = s_sm4(pre_inv[gf_inv((uint8_t)u, 0x11b)]);
	for (int x = 0; x < 256; x++) {
		p[x] = pre[x] ^ pre[0];
		p_inv[p[x]] = (uint8_t)x;
	}
	for (int k = 0; k < 4; k++) {
		for (int u = 0; u < 256; u++)
			g[k][u] = p[sm4_l((uint32_t)(q[u] ^ q[0])) >> (8 * k) & 0xff];
		d ^= (uint8_t)(sm4_l(q[0]) >> (8 * k));
	}
	d = p[d];
	uint64_t gm[4];
	for (int k = 0; k < 4; k++)
		gm[k] = gfni_matrix(g[k]);
	uint32_t w = 0x9e3779b9;
	for (int n = 0; n < 100000; n++) { /* P L(S(t)) against the four-term form on pseudo-random words */
		w = w * 1664525 + 1013904223;
		uint32_t want = bytewise(p, sm4_l(tau(w))), got = 0, y = bytewise(pre, w);
		for (int k = 0; k < 4; k++) {
			uint32_t gk = 0;
			for (int b = 0; b < 4; b++)
				gk |= (uint32_t)gfni_affine(gf_inv((uint8_t)(y >> 8 * b), 0x11b), gm[k], k == 0 ? d : 0) << 8 * b;
			got ^= k == 0 ? gk : rol32(gk, 8 * k);
		}
		if (got != want) {
			printf("GFNI serial form fails at %08x\n", w);
			return 0;
		}
	}
	printf("gfni serial: P 0x%016llx P^-1 0x%016llx pre(0) 0x%02x D 0x%02x\n", (unsigned long long)gfni_matrix(p),
	       (unsigned long long)gfni_matrix(p_inv), pre[0], d);
	for (int k = 0; k < 4; k++)
		printf("gfni serial: G%d 0x%016llx\n", k, (unsigned long long)gm[k]);
	return 1;
}

int main(void)
{
	uint8_t beta = 0, pre[256], pre_inv[256], aes_inv[256], post[256];
	if (!check_sm4_vector()) {
		printf("S-box structure does not reproduce GB/T 32907 A.1\n");
		return 1;
	}
	for (int b = 2; b < 256 && !beta; b++) { /* a root of x^8+x^7+x^6+x^5+x^4+x^2+1 in the AES field */
		uint8_t p = 1, acc = 0;
		for (int i = 0; i <= 8; i++, p = gf_mul(p, (uint8_t)b, 0x11b))
			if (0x1f5 >> i & 1)
				acc ^= p;
		if (acc == 0)
			beta = (uint8_t)b;
	}
	for (int x = 0; x < 256; x++) {
		uint8_t z = circulant(0xa7, (uint8_t)x) ^ 0xd3, t = 0, p = 1;
		for (int i = 0; i < 8; i++, p = gf_mul(p, beta, 0x11b))
			if (z >> i & 1)
				t ^= p;
		pre[x] = t;
		aes_inv[s_aes((uint8_t)x)] = (uint8_t)x;
	}
	for (int x = 0; x < 256; x++)
		pre_inv[pre[x]] = (uint8_t)x;
	for (int y = 0; y < 256; y++)
		post[y] = s_sm4(pre_inv[aes_inv[y]]);
	for (int x = 0; x < 256; x++) {
		int a1 = (pre[x] ^ pre[x & 0xf] ^ pre[x & 0xf0]) != pre[0];
		int a2 = (post[x] ^ post[x & 0xf] ^ post[x & 0xf0]) != post[0];
		if (a1 || a2 || post[s_aes(pre[x])] != s_sm4((uint8_t)x)) {
			printf("not affine at %02x\n", x);
			return 1;
		}
	}
	uint8_t t[4][16];
	for (int n = 0; n < 16; n++) {
		t[0][n] = pre[n];
		t[1][n] = pre[n << 4] ^ pre[0];
		t[2][n] = post[n];
		t[3][n] = post[n << 4] ^ post[0];
	}
	printf("beta = 0x%02x\n", beta);
	print_table("pre_lo (constant folded in)", t[0]);
	print_table("pre_hi", t[1]);
	print_table("post_lo (constant folded in)", t[2]);
	print_table("post_hi", t[3]);
	return serial_constants(pre, post) && gfni_constants(pre, pre_inv) && gfni_serial_constants(pre, pre_inv) ? 0 : 1;
}
