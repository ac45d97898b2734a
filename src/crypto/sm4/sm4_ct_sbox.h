/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to sm4_ct.c: the SM4 S-box as a boolean circuit on bit-planes (the derivation is at the
 * top of sm4_ct.c). Included once per word type: the includer defines SM4_CIRCUIT_T, a type with
 * ^ & ~ (a 128-bit generic vector or a 32-bit word), and SM4_CIRCUIT(name), the name of each
 * function for that type; both are undefined at the end. Every bit position of the type is an
 * independent lane.
 */

/* GF(16) = GF(2)[z]/(z^4 + z + 1), bit-planes: r = a * b. */
static inline void SM4_CIRCUIT(gf16_mul)(SM4_CIRCUIT_T r[4], const SM4_CIRCUIT_T a[4], const SM4_CIRCUIT_T b[4])
{
	SM4_CIRCUIT_T c0 = a[0] & b[0];
	SM4_CIRCUIT_T c1 = (a[0] & b[1]) ^ (a[1] & b[0]);
	SM4_CIRCUIT_T c2 = (a[0] & b[2]) ^ (a[1] & b[1]) ^ (a[2] & b[0]);
	SM4_CIRCUIT_T c3 = (a[0] & b[3]) ^ (a[1] & b[2]) ^ (a[2] & b[1]) ^ (a[3] & b[0]);
	SM4_CIRCUIT_T c4 = (a[1] & b[3]) ^ (a[2] & b[2]) ^ (a[3] & b[1]);
	SM4_CIRCUIT_T c5 = (a[2] & b[3]) ^ (a[3] & b[2]);
	SM4_CIRCUIT_T c6 = a[3] & b[3];
	/* z^4 = z + 1, z^5 = z^2 + z, z^6 = z^3 + z^2 */
	r[0] = c0 ^ c4;
	r[1] = c1 ^ c4 ^ c5;
	r[2] = c2 ^ c5 ^ c6;
	r[3] = c3 ^ c6;
}

/* GF(16) inversion (0 -> 0): algebraic normal form of a^14. */
static inline void SM4_CIRCUIT(gf16_inv)(SM4_CIRCUIT_T r[4], const SM4_CIRCUIT_T a[4])
{
	SM4_CIRCUIT_T a01 = a[0] & a[1], a02 = a[0] & a[2], a03 = a[0] & a[3];
	SM4_CIRCUIT_T a12 = a[1] & a[2], a13 = a[1] & a[3], a23 = a[2] & a[3];
	SM4_CIRCUIT_T a123 = a12 & a[3];
	r[0] = a[0] ^ a[1] ^ a[2] ^ a02 ^ a12 ^ (a01 & a[2]) ^ a[3] ^ a123;
	r[1] = a01 ^ a02 ^ a12 ^ a[3] ^ a13 ^ (a01 & a[3]);
	r[2] = a01 ^ a[2] ^ a02 ^ a[3] ^ a03 ^ (a02 & a[3]);
	r[3] = a[1] ^ a[2] ^ a[3] ^ a03 ^ a13 ^ a23 ^ a123;
}

/* S-box on bit-planes: x[j] holds bit j (LSB = 0) of 128 independent bytes. */
static inline void SM4_CIRCUIT(sbox_planes)(SM4_CIRCUIT_T x[8])
{
	SM4_CIRCUIT_T u[8], t[4], s[4], p[4], d[4], di[4], o[8], hl[4];
	u[0] = ~(x[4] ^ x[5] ^ x[6] ^ x[7]);
	u[1] = ~(x[1] ^ x[4] ^ x[5] ^ x[6]);
	u[2] = ~(x[1] ^ x[2] ^ x[4] ^ x[6] ^ x[7]);
	u[3] = ~(x[3] ^ x[4]);
	u[4] = x[0] ^ x[1] ^ x[4] ^ x[7];
	u[5] = ~x[6];
	u[6] = x[2] ^ x[6] ^ x[7];
	u[7] = ~(x[0] ^ x[1] ^ x[2] ^ x[3] ^ x[4] ^ x[5] ^ x[6]);
	const SM4_CIRCUIT_T *al = u, *ah = u + 4;
	/* (ah*y + al)^-1 = (ah*d^-1)*y + (ah + al)*d^-1, d = 9*ah^2 + ah*al + al^2 */
	t[0] = ah[0];
	t[1] = ah[1] ^ ah[3];
	t[2] = ah[3];
	t[3] = ah[0] ^ ah[2];
	s[0] = al[0] ^ al[2];
	s[1] = al[2];
	s[2] = al[1] ^ al[3];
	s[3] = al[3];
	SM4_CIRCUIT(gf16_mul)(p, ah, al);
	for (int i = 0; i < 4; i++)
		d[i] = t[i] ^ s[i] ^ p[i];
	SM4_CIRCUIT(gf16_inv)(di, d);
	for (int i = 0; i < 4; i++)
		hl[i] = ah[i] ^ al[i];
	SM4_CIRCUIT(gf16_mul)(o + 4, ah, di);
	SM4_CIRCUIT(gf16_mul)(o, hl, di);
	x[0] = ~(o[0] ^ o[1] ^ o[4] ^ o[5]);
	x[1] = ~(o[0] ^ o[2] ^ o[5] ^ o[6]);
	x[2] = o[2] ^ o[4];
	x[3] = o[0] ^ o[2] ^ o[4] ^ o[5] ^ o[7];
	x[4] = ~(o[1] ^ o[3] ^ o[7]);
	x[5] = o[1] ^ o[3] ^ o[5];
	x[6] = ~(o[0] ^ o[1] ^ o[2]);
	x[7] = ~(o[0] ^ o[3] ^ o[5]);
}

#undef SM4_CIRCUIT_T
#undef SM4_CIRCUIT
