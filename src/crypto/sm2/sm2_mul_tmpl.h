/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal template, part 2 (included by sm2_curve_tmpl.h): scalar multiplications.
 *
 * Secret scalars use signed (Booth) fixed windows: window i of width w covers bits
 * [w*i - 1, w*i + w - 1] and gives the digit d = floor(v/2) + (v & 1) - 2^w * v_top, so
 * k = sum d_i 2^(w*i) with |d_i| <= 2^(w-1); tables hold only positive multiples and the sign is
 * applied by a conditional negation of y. Table entries are read with masked loads over the whole
 * row. When the exceptional case P == Q of the addition formulas can occur is argued at each call.
 */

/* w+1 bits of k starting at bit pos (pos >= -1; bit -1 and bits >= 256 are 0). pos is public. */
static inline uint64_t scalar_window(const uint64_t k[4], int pos, int w)
{
	uint64_t mask = ((uint64_t)1 << (w + 1)) - 1;
	if (pos < 0)
		return (k[0] << 1) & mask;
	int limb = pos / 64, sh = pos % 64;
	uint64_t v = k[limb] >> sh;
	if (sh + w + 1 > 64 && limb + 1 < 4)
		v |= k[limb + 1] << (64 - sh);
	return v & mask;
}

/* |digit| and all-ones when the digit is negative, from a (w+1)-bit window value. */
static inline uint64_t booth_digit(uint64_t v, int w, uint64_t *neg)
{
	uint64_t s = 0 - (v >> w);
	uint64_t d = (v >> 1) + (v & 1);
	*neg = s;
	return ct_select64(s, ((uint64_t)1 << w) - d, d);
}

/*
 * Lanes of the masked scan: 128 bits (SSE2 on x86-64, plain pairs elsewhere), or 256 bits when the
 * implementation defines SM2_LOOKUP_AVX2 (the lookups are then compiled for AVX2 and never inlined
 * into the generic code; the dispatcher offers that implementation only when the CPU and OS support
 * AVX2). Half the loads, ANDs and ORs: the scans were a fifth of a signature's time (perf).
 */
#ifdef SM2_LOOKUP_AVX2
#include <immintrin.h>
typedef __m256i sm2_lv;
#define SM2_LOOKUP_FN __attribute__((target("avx2"), noinline))
#else
typedef uint64_t sm2_lv __attribute__((vector_size(16)));
#define SM2_LOOKUP_FN
#endif
#define SM2_LV_OF(type) (sizeof(type) / sizeof(sm2_lv))

/*
 * r = the idx-th of n entries of nv vectors each (idx 1..n; 0 gives all zero), reading every entry.
 * Inlined with constant nv, the accumulators stay in registers (through r they were stored and
 * reloaded for every vector of every entry; GCC does so with generic 256-bit vector types too, hence
 * the intrinsics there).
 */
#define CT_LOOKUP_MAX_NV 6
#ifdef SM2_LOOKUP_AVX2
static inline __attribute__((always_inline, target("avx2"))) void ct_lookup(void *r, const void *tab, size_t n,
                                                                           size_t nv, uint64_t idx)
{
	const unsigned char *p = tab;
	__m256i acc[CT_LOOKUP_MAX_NV];
	/* the mask by a vector compare of the entry number (j + 1) with idx: one instruction */
	const __m256i want = _mm256_set1_epi64x((long long)idx), one = _mm256_set1_epi64x(1);
	__m256i num = _mm256_setzero_si256();
	for (size_t l = 0; l < nv; l++)
		acc[l] = _mm256_setzero_si256();
	for (uint64_t j = 0; j < n; j++) {
		num = _mm256_add_epi64(num, one);
		__m256i mv = _mm256_cmpeq_epi64(num, want);
#pragma GCC unroll 6
		for (size_t l = 0; l < nv; l++) {
			__m256i e = _mm256_loadu_si256((const __m256i *)(const void *)(p + (j * nv + l) * sizeof e));
			acc[l] = _mm256_or_si256(acc[l], _mm256_and_si256(e, mv));
		}
	}
	for (size_t l = 0; l < nv; l++)
		_mm256_storeu_si256((__m256i *)r + l, acc[l]);
}
#else
static inline __attribute__((always_inline)) void ct_lookup(void *r, const void *tab, size_t n, size_t nv,
                                                            uint64_t idx)
{
	const unsigned char *p = tab;
	sm2_lv acc[CT_LOOKUP_MAX_NV];
	for (size_t l = 0; l < nv; l++)
		acc[l] = (sm2_lv){0, 0};
	for (uint64_t j = 0; j < n; j++) {
		uint64_t m = ct_eq64(j + 1, idx);
		sm2_lv mv = {m, m};
#pragma GCC unroll 6
		for (size_t l = 0; l < nv; l++) {
			sm2_lv e;
			memcpy(&e, p + (j * nv + l) * sizeof e, sizeof e);
			acc[l] |= e & mv;
		}
	}
	memcpy(r, acc, nv * sizeof acc[0]);
}
#endif

static SM2_LOOKUP_FN void comb_lookup(ccsp_sm2_apoint *r, const ccsp_sm2_apoint row[CCSP_SM2_COMB_POINTS],
                                      uint64_t idx)
{
	ct_lookup(r, row, CCSP_SM2_COMB_POINTS, SM2_LV_OF(ccsp_sm2_apoint), idx);
}

static void cond_negate_y(uint64_t y[4], uint64_t neg)
{
#ifdef FE_COND_NEG
	FE_COND_NEG(y, neg);
#else
	static const uint64_t zero[4] = {0, 0, 0, 0};
	uint64_t t[4];
	fsub(t, zero, y);
	fsel(y, neg, t, y);
#endif
}

/*
 * k*G from the comb table, 43 windows of 6 bits, one mixed addition per window, no doubling.
 * Exceptional cases: before window i < 42 the sum S has |S| < 2^(6i) <= |d_i 2^(6i)| <= 2^251,
 * so S != +-d_i 2^(6i) mod n (S = 0 is infinity, handled); the last window uses the complete
 * addition.
 */
static void mul_base_jac(ccsp_sm2_jpoint *acc, const uint64_t k[4])
{
	const ccsp_sm2_comb_table *tab = ccsp_sm2_comb();
	ccsp_sm2_jpoint q;
	ccsp_sm2_apoint e;
	uint64_t neg, mag;
	ccsp_memzero(acc, sizeof *acc);
	for (int i = 0; i < CCSP_SM2_COMB_WINDOWS; i++) {
		mag = booth_digit(scalar_window(k, 6 * i - 1, 6), 6, &neg);
		comb_lookup(&e, (*tab)[i], mag);
		cond_negate_y(e.y, neg);
		if (i < CCSP_SM2_COMB_WINDOWS - 1) {
			point_madd(acc, acc, &e, ct_is_zero64(mag));
		} else {
			memcpy(q.x, e.x, sizeof q.x);
			memcpy(q.y, e.y, sizeof q.y);
			memset(q.z, 0, sizeof q.z);
			fsel(q.z, ct_is_zero64(mag), q.z, ccsp_sm2_fe_one);
			point_add_complete(acc, acc, &q);
		}
	}
	ccsp_memzero(&q, sizeof q);
	ccsp_memzero(&e, sizeof e);
	mag = neg = 0;
}

static uint64_t mul_base(ccsp_sm2_apoint *r, const uint64_t k[4])
{
	ccsp_sm2_jpoint acc;
	mul_base_jac(&acc, k);
	uint64_t inf = to_affine(r, &acc);
	ccsp_memzero(&acc, sizeof acc);
	return inf;
}

static SM2_LOOKUP_FN void jtable_lookup(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint tab[16], uint64_t idx)
{
	ct_lookup(r, tab, 16, SM2_LV_OF(ccsp_sm2_jpoint), idx);
}

/*
 * k*P, 52 windows of 5 bits from the top: 5 doublings and one addition per window. Exceptional
 * cases: before window i >= 1 the accumulator is A*P with A = 32 H, |A| < 2^252 < n/2, so
 * A = +-d_i mod n (|d_i| <= 16) only when H = 0, i.e. A is infinity (handled). Window 0 can meet
 * it (e.g. k = n - 6: A = -3, d = -3), so the last addition is complete.
 */
static void mul_point_jac(ccsp_sm2_jpoint *acc, const uint64_t k[4], const ccsp_sm2_apoint *p)
{
	ccsp_sm2_jpoint tab[16], q;
	uint64_t neg, mag;
	memcpy(tab[0].x, p->x, sizeof tab[0].x);
	memcpy(tab[0].y, p->y, sizeof tab[0].y);
	memcpy(tab[0].z, ccsp_sm2_fe_one, sizeof tab[0].z);
	for (int j = 1; j < 16; j++) { /* tab[j] = (j+1) P; (j+1) P != +-P since n > 17 */
		if (j & 1)
			point_dbl(&tab[j], &tab[j / 2]);
		else
			point_madd(&tab[j], &tab[j - 1], p, 0);
	}
	ccsp_memzero(acc, sizeof *acc);
	for (int i = 51; i >= 0; i--) {
		for (int s = 0; s < 5 && i != 51; s++)
			point_dbl(acc, acc);
		mag = booth_digit(scalar_window(k, 5 * i - 1, 5), 5, &neg);
		jtable_lookup(&q, tab, mag);
		cond_negate_y(q.y, neg);
		point_add_ct(acc, acc, &q, i == 0);
	}
	ccsp_memzero(tab, sizeof tab);
	ccsp_memzero(&q, sizeof q);
	mag = neg = 0;
}

static uint64_t mul_point(ccsp_sm2_apoint *r, const uint64_t k[4], const ccsp_sm2_apoint *p)
{
	ccsp_sm2_jpoint acc;
	mul_point_jac(&acc, k, p);
	uint64_t inf = to_affine(r, &acc);
	ccsp_memzero(&acc, sizeof acc);
	return inf;
}

/* acc += e (affine; the point at infinity when inf) by the complete addition. */
static void add_affine_complete(ccsp_sm2_jpoint *acc, const ccsp_sm2_apoint *e, uint64_t inf)
{
	static const uint64_t zero[4] = {0, 0, 0, 0};
	ccsp_sm2_jpoint q;
	memcpy(q.x, e->x, sizeof q.x);
	memcpy(q.y, e->y, sizeof q.y);
	fsel(q.z, inf, zero, ccsp_sm2_fe_one);
	point_add_complete(acc, acc, &q);
	ccsp_memzero(&q, sizeof q);
}

/*
 * Odd signed digit j of an odd h < 2^128 (regular odd recoding): d_j = ((h >> 4j) & 31 | 1) - 16,
 * since h_0 = h, h_(j+1) = (h_j - d_j)/16 = (h >> 4(j+1)) | 1 stays odd and h_32 = 1, so
 * h = 16^32 + sum_(j<32) d_j 16^j. Returns the key-table index of |d_j| (1..8), neg all-ones when
 * d_j < 0.
 */
static inline uint64_t odd_digit(const uint64_t h[4], int j, uint64_t *neg)
{
	uint64_t v = scalar_window(h, 4 * j, 4) | 1;
	uint64_t pos = 0 - (v >> 4);
	*neg = ~pos;
	return (ct_select64(pos, v - 16, 16 - v) + 1) / 2;
}

static SM2_LOOKUP_FN void keytab_lookup(ccsp_sm2_apoint *r, const ccsp_sm2_apoint row[CCSP_SM2_PUB_TAB_ODD],
                                        uint64_t idx)
{
	ct_lookup(r, row, CCSP_SM2_PUB_TAB_ODD, SM2_LV_OF(ccsp_sm2_apoint), idx);
}

/*
 * k P from the key's table (odd multiples of P and of 2^128 P, affine): 128 doublings and mixed
 * additions. Each half h of k is made odd (h | 1; the P or 2^128 P this adds is subtracted at the
 * end) and recoded by odd_digit; both top digits are 1, so acc starts at P + 2^128 P
 * (2^128 != +-1 mod n). Exceptional cases: in window j >= 1 the accumulator is
 * (16 a + 16 b 2^128) P before the low digit and (a' + 16 b 2^128) P before the high one, with
 * 0 < a, b < 2^125 and a' odd: all < n, so meeting +-d P or +-d 2^128 P would need 16 a = +-d
 * or a' = 0 mod 2^128, both impossible by parity, and neither side is ever infinity (a, a' > 0).
 * Window 0 and the corrections are complete.
 */
static void mul_point_keytab_jac(ccsp_sm2_jpoint *acc, const uint64_t k[4], const ccsp_sm2_pub_table *tab)
{
	uint64_t h[2][4] = {{k[0] | 1, k[1], 0, 0}, {k[2] | 1, k[3], 0, 0}};
	uint64_t even[2] = {ct_is_zero64(k[0] & 1), ct_is_zero64(k[2] & 1)};
	ccsp_sm2_apoint e;
	uint64_t neg, idx;
	memcpy(acc->x, (*tab)[0][0].x, sizeof acc->x);
	memcpy(acc->y, (*tab)[0][0].y, sizeof acc->y);
	memcpy(acc->z, ccsp_sm2_fe_one, sizeof acc->z);
	point_madd_core(acc, acc, &(*tab)[1][0]);
	for (int j = 31; j >= 0; j--) {
		for (int s = 0; s < 4; s++)
			point_dbl(acc, acc);
		for (int half = 0; half < 2; half++) {
			idx = odd_digit(h[half], j, &neg);
			keytab_lookup(&e, (*tab)[half], idx);
			cond_negate_y(e.y, neg);
			if (j > 0) /* neither side is infinity: the core alone, no selects */
				point_madd_core(acc, acc, &e);
			else
				add_affine_complete(acc, &e, 0);
		}
	}
	for (int half = 0; half < 2; half++) {
		e = (*tab)[half][0];
		ccsp_sm2_fe_neg(e.y, e.y);
		add_affine_complete(acc, &e, ~even[half]);
	}
	ccsp_memzero(h, sizeof h);
	ccsp_memzero(even, sizeof even);
	ccsp_memzero(&e, sizeof e);
	neg = idx = 0;
}

/*
 * x[i] = the x coordinate (plain limbs, < p) of k[i] G for i < n, k[i] in [1, n-1]: n comb
 * multiplications and one inversion for all (Montgomery's trick: prefix products of the Z, one
 * inversion, then 1/Z_i = (1/(Z_0..Z_i)) (Z_0..Z_(i-1)) walking back), 5 multiplications each
 * instead of an inversion each. Every Z_i != 0 since k[i] != 0 mod n. Loop bounds are public.
 */
/* The field product and square out of line for the batch's bookkeeping: inlined into its indexed loops, the inline
 * asm of the MULX/ADX field found too few registers under clang's sanitizer instrumentation (the fuzz build). A
 * call per product is nothing beside the comb multiplications. */
static __attribute__((noinline)) void batch_fmul(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
	fmul(r, a, b);
}

static __attribute__((noinline)) void batch_fsqr(uint64_t r[4], const uint64_t a[4])
{
	fsqr(r, a);
}

static void mul_base_x_batch(uint64_t (*x)[4], const uint64_t (*k)[4], size_t n)
{
	static const uint64_t one[4] = {1, 0, 0, 0};
	ccsp_sm2_jpoint acc[CCSP_SM2_BASE_BATCH_MAX];
	uint64_t prod[CCSP_SM2_BASE_BATCH_MAX][4], inv[4], zi[4];
	if (n == 0 || n > CCSP_SM2_BASE_BATCH_MAX)
		return;
	for (size_t i = 0; i < n; i++)
		mul_base_jac(&acc[i], k[i]);
	memcpy(prod[0], acc[0].z, sizeof prod[0]);
	for (size_t i = 1; i < n; i++)
		batch_fmul(prod[i], prod[i - 1], acc[i].z);
	fe_inv(inv, prod[n - 1]);
	for (size_t i = n; i-- > 0;) {
		if (i > 0) {
			batch_fmul(zi, inv, prod[i - 1]);
			batch_fmul(inv, inv, acc[i].z);
		} else {
			memcpy(zi, inv, sizeof zi);
		}
		batch_fsqr(zi, zi);
		batch_fmul(x[i], acc[i].x, zi);
		batch_fmul(x[i], x[i], one); /* out of Montgomery form */
	}
	ccsp_memzero(acc, n * sizeof acc[0]);
	ccsp_memzero(prod, n * sizeof prod[0]);
	ccsp_memzero(inv, sizeof inv);
	ccsp_memzero(zi, sizeof zi);
}

/*
 * r1 = k G and r2 = k P (encryption: C1 and S) with one inversion (Montgomery's trick):
 * 1/Z1 = Z2 / (Z1 Z2) and 1/Z2 = Z1 / (Z1 Z2). When either point is infinity the product is 0,
 * its "inverse" 0, and both results are 0 with the returned mask all-ones. k P comes from P's
 * table when the caller has it (half the doublings).
 */
static uint64_t mul_base_and_point(ccsp_sm2_apoint *r1, ccsp_sm2_apoint *r2, const uint64_t k[4],
                                   const ccsp_sm2_apoint *p, const ccsp_sm2_pub_table *tab)
{
	ccsp_sm2_jpoint a1, a2;
	uint64_t zz[4], zi[4], zi2[4];
	mul_base_jac(&a1, k);
	if (tab != NULL) /* public: whether the caller has P's table */
		mul_point_keytab_jac(&a2, k, tab);
	else
		mul_point_jac(&a2, k, p);
	uint64_t inf = fzero(a1.z) | fzero(a2.z);
	fmul(zz, a1.z, a2.z);
	fe_inv(zz, zz);
	fmul(zi, zz, a2.z); /* 1/Z1 */
	fmul(zz, zz, a1.z); /* 1/Z2 */
	fsqr(zi2, zi);
	fmul(r1->x, a1.x, zi2);
	fmul(zi2, zi2, zi);
	fmul(r1->y, a1.y, zi2);
	fsqr(zi2, zz);
	fmul(r2->x, a2.x, zi2);
	fmul(zi2, zi2, zz);
	fmul(r2->y, a2.y, zi2);
	ccsp_memzero(&a1, sizeof a1);
	ccsp_memzero(&a2, sizeof a2);
	ccsp_memzero(zz, sizeof zz);
	ccsp_memzero(zi, sizeof zi);
	ccsp_memzero(zi2, sizeof zi2);
	return inf;
}

/* ---- variable time (public inputs only) ---- */

static void point_add_vartime(ccsp_sm2_jpoint *r, const ccsp_sm2_jpoint *a, const ccsp_sm2_jpoint *b)
{
	if (fzero(a->z)) {
		*r = *b;
		return;
	}
	if (fzero(b->z)) {
		*r = *a;
		return;
	}
	ccsp_sm2_jpoint sum;
	if (point_add_core(&sum, a, b))
		point_dbl(&sum, a);
	*r = sum;
}

/* a += b (affine), any a and b. */
static void point_madd_vartime(ccsp_sm2_jpoint *a, const ccsp_sm2_apoint *b)
{
	ccsp_sm2_jpoint sum;
	if (point_madd(&sum, a, b, 0) && !fzero(a->z)) {
		memcpy(sum.x, b->x, sizeof sum.x);
		memcpy(sum.y, b->y, sizeof sum.y);
		memcpy(sum.z, ccsp_sm2_fe_one, sizeof sum.z);
		point_dbl(&sum, &sum);
	}
	*a = sum;
}

/* Width-5 NAF of k: odd digits in [-15, 15]; returns the number of digits. */
static int wnaf5(int8_t out[258], const uint64_t k[4])
{
	uint64_t d[5] = {k[0], k[1], k[2], k[3], 0};
	int len = 0;
	while ((d[0] | d[1] | d[2] | d[3] | d[4]) != 0) {
		int digit = 0;
		if (d[0] & 1) {
			digit = (int)(d[0] & 31);
			if (digit >= 16)
				digit -= 32;
			/* d -= digit */
			uint64_t c = (uint64_t)(digit < 0 ? -digit : digit);
			for (int i = 0; i < 5 && c != 0; i++) {
				ccsp_u128 s = digit < 0 ? (ccsp_u128)d[i] + c : (ccsp_u128)d[i] - c;
				d[i] = (uint64_t)s;
				c = (uint64_t)(s >> 64) & 1;
			}
		}
		out[len++] = (int8_t)digit;
		for (int i = 0; i < 4; i++)
			d[i] = d[i] >> 1 | d[i + 1] << 63;
		d[4] >>= 1;
	}
	return len;
}

/* a += d T for an odd wNAF digit d, T = tab[(|d| - 1) / 2] (affine). */
static void madd_digit_vartime(ccsp_sm2_jpoint *a, const ccsp_sm2_apoint *tab, int d)
{
	ccsp_sm2_apoint e = tab[(d < 0 ? -d : d) / 2];
	if (d < 0)
		ccsp_sm2_fe_neg(e.y, e.y);
	point_madd_vartime(a, &e);
}

/* acc = t P by width-5 NAF over 256 bits, odd multiples in Jacobian form. */
static void mul_point_wnaf_vartime(ccsp_sm2_jpoint *acc, const uint64_t t[4], const ccsp_sm2_apoint *p)
{
	ccsp_sm2_jpoint q, odd[8], p2;
	int8_t naf[258];
	memcpy(odd[0].x, p->x, sizeof odd[0].x);
	memcpy(odd[0].y, p->y, sizeof odd[0].y);
	memcpy(odd[0].z, ccsp_sm2_fe_one, sizeof odd[0].z);
	point_dbl(&p2, &odd[0]);
	for (int j = 1; j < 8; j++)
		point_add_vartime(&odd[j], &odd[j - 1], &p2);
	memset(acc, 0, sizeof *acc);
	for (int i = wnaf5(naf, t) - 1; i >= 0; i--) {
		point_dbl(acc, acc);
		if (naf[i] == 0)
			continue;
		q = odd[(naf[i] < 0 ? -naf[i] : naf[i]) / 2];
		if (naf[i] < 0)
			ccsp_sm2_fe_neg(q.y, q.y);
		point_add_vartime(acc, acc, &q);
	}
}

/* acc = t_lo P + t_hi (2^128 P) from the key's table: 128 doublings, mixed additions. */
static void mul_point_tab_vartime(ccsp_sm2_jpoint *acc, const uint64_t t[4], const ccsp_sm2_pub_table *tab)
{
	const uint64_t lo[4] = {t[0], t[1], 0, 0}, hi[4] = {t[2], t[3], 0, 0};
	int8_t nlo[258], nhi[258];
	int llo = wnaf5(nlo, lo), lhi = wnaf5(nhi, hi);
	memset(acc, 0, sizeof *acc);
	for (int i = (llo > lhi ? llo : lhi) - 1; i >= 0; i--) {
		point_dbl(acc, acc);
		if (i < llo && nlo[i] != 0)
			madd_digit_vartime(acc, (*tab)[0], nlo[i]);
		if (i < lhi && nhi[i] != 0)
			madd_digit_vartime(acc, (*tab)[1], nhi[i]);
	}
}

static void mul_double_vartime(ccsp_sm2_jpoint *r, const uint64_t s[4], const uint64_t t[4], const ccsp_sm2_apoint *p,
                               const ccsp_sm2_pub_table *tab)
{
	const ccsp_sm2_comb_table *ctab = ccsp_sm2_comb();
	ccsp_sm2_jpoint accg, acc;
	memset(&accg, 0, sizeof accg);
	for (int i = 0; i < CCSP_SM2_COMB_WINDOWS; i++) {
		uint64_t neg, mag = booth_digit(scalar_window(s, 6 * i - 1, 6), 6, &neg);
		if (mag == 0)
			continue;
		ccsp_sm2_apoint e = (*ctab)[i][mag - 1];
		if (neg)
			ccsp_sm2_fe_neg(e.y, e.y);
		point_madd_vartime(&accg, &e);
	}
	if (tab != NULL)
		mul_point_tab_vartime(&acc, t, tab);
	else
		mul_point_wnaf_vartime(&acc, t, p);
	point_add_vartime(r, &acc, &accg);
}

/* Affine images of n Jacobian points with one inversion (Montgomery's trick); all Z != 0. */
static void batch_to_affine(ccsp_sm2_apoint *out, const ccsp_sm2_jpoint *in, int n)
{
	uint64_t prod[CCSP_SM2_COMB_POINTS][4], inv[4], zi[4], zi2[4];
	memcpy(prod[0], in[0].z, sizeof prod[0]);
	for (int i = 1; i < n; i++)
		fmul(prod[i], prod[i - 1], in[i].z);
	fe_inv(inv, prod[n - 1]);
	for (int i = n - 1; i >= 0; i--) {
		if (i > 0) {
			fmul(zi, inv, prod[i - 1]);
			fmul(inv, inv, in[i].z);
		} else {
			memcpy(zi, inv, sizeof zi);
		}
		fsqr(zi2, zi);
		fmul(out[i].x, in[i].x, zi2);
		fmul(zi2, zi2, zi);
		fmul(out[i].y, in[i].y, zi2);
	}
}

/* The key's table: 128 doublings for 2^128 P, 14 additions, one batch inversion. */
static void pub_table(ccsp_sm2_pub_table *tab, const ccsp_sm2_apoint *p)
{
	ccsp_sm2_jpoint base, twice, pts[2 * CCSP_SM2_PUB_TAB_ODD];
	memcpy(base.x, p->x, sizeof base.x);
	memcpy(base.y, p->y, sizeof base.y);
	memcpy(base.z, ccsp_sm2_fe_one, sizeof base.z);
	for (int h = 0; h < 2; h++) {
		for (int i = 0; i < 128 * h; i++)
			point_dbl(&base, &base);
		ccsp_sm2_jpoint *row = pts + h * CCSP_SM2_PUB_TAB_ODD;
		row[0] = base;
		point_dbl(&twice, &base);
		/* (2j + 1) B for j < 8 is never infinity or +-2B: B has order n > 17 */
		for (int j = 1; j < CCSP_SM2_PUB_TAB_ODD; j++)
			point_add_vartime(&row[j], &row[j - 1], &twice);
	}
	batch_to_affine(&(*tab)[0][0], pts, 2 * CCSP_SM2_PUB_TAB_ODD);
}

#ifdef SM2_COMB_BUILDER
void ccsp_sm2_comb_build(ccsp_sm2_comb_table *t)
{
	ccsp_sm2_jpoint base, pts[CCSP_SM2_COMB_POINTS];
	memcpy(base.x, ccsp_sm2_g.x, sizeof base.x);
	memcpy(base.y, ccsp_sm2_g.y, sizeof base.y);
	memcpy(base.z, ccsp_sm2_fe_one, sizeof base.z);
	for (int i = 0; i < CCSP_SM2_COMB_WINDOWS; i++) {
		pts[0] = base;
		for (int j = 1; j < CCSP_SM2_COMB_POINTS; j++)
			point_add_vartime(&pts[j], &pts[j - 1], &base);
		batch_to_affine((*t)[i], pts, CCSP_SM2_COMB_POINTS);
		for (int s = 0; s < 6; s++)
			point_dbl(&base, &base);
	}
}
#endif
