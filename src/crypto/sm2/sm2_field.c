/* SPDX-License-Identifier: Apache-2.0 */
/* Curve constants of sm2p256v1 (GB/T 32918.5-2017 clause 2) and limb conversions. */
#include "sm2_arith.h"

const uint64_t ccsp_sm2_p[4] = {0xffffffffffffffffULL, 0xffffffff00000000ULL, 0xffffffffffffffffULL,
                                0xfffffffeffffffffULL};
const uint64_t ccsp_sm2_n[4] = {0x53bbf40939d54123ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL,
                                0xfffffffeffffffffULL};
const uint64_t ccsp_sm2_fe_one[4] = {0x0000000000000001ULL, 0x00000000ffffffffULL, 0x0000000000000000ULL,
                                     0x0000000100000000ULL};
const uint64_t ccsp_sm2_fe_r2[4] = {0x0000000200000003ULL, 0x00000002ffffffffULL, 0x0000000100000001ULL,
                                    0x0000000400000002ULL};
/* b = 28E9FA9E 9D9F5E34 4D5A9E4B CF6509A7 F39789F5 15AB8F92 DDBCBD41 4D940E93, times R mod p */
const uint64_t ccsp_sm2_fe_b[4] = {0x90d230632bc0dd42ULL, 0x71cf379ae9b537abULL, 0x527981505ea51c3cULL,
                                   0x240fe188ba20e2c8ULL};
/* xG = 32C4AE2C ... 334C74C7, yG = BC3736A2 ... 2139F0A0, times R mod p */
const ccsp_sm2_apoint ccsp_sm2_g = {
	{0x61328990f418029eULL, 0x3e7981eddca6c050ULL, 0xd6a1ed99ac24c3c3ULL, 0x91167a5ee1c13b05ULL},
	{0xc1354e593c2d0dddULL, 0xc1f5e5788d3295faULL, 0x8d4cfb066e2a48f8ULL, 0x63cd65d481d735bdULL},
};

void ccsp_sm2_limbs_from_bytes(uint64_t r[4], const uint8_t in[32])
{
	for (int i = 0; i < 4; i++) {
		uint64_t w = 0;
		for (int j = 0; j < 8; j++)
			w = w << 8 | in[(3 - i) * 8 + j];
		r[i] = w;
	}
}

void ccsp_sm2_limbs_to_bytes(uint8_t out[32], const uint64_t a[4])
{
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 8; j++)
			out[(3 - i) * 8 + j] = (uint8_t)(a[i] >> (56 - 8 * j));
}

uint64_t ccsp_sm2_limbs_lt(const uint64_t a[4], const uint64_t m[4])
{
	uint64_t borrow = 0;
	for (int i = 0; i < 4; i++) {
		ccsp_u128 d = (ccsp_u128)a[i] - m[i] - borrow;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	return 0 - borrow;
}
