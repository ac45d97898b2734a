/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Constant-time check of the portable SM4 and GHASH (ctgrind style): the key and the plaintext
 * are marked undefined, so memcheck reports any branch or memory index that depends on them.
 * Results are marked defined before the program looks at them. Run under valgrind by ctest.
 */
#include <stdio.h>
#include <string.h>

#include <ccsp/selftest.h>
#include <ccsp/sm4.h>
#include <valgrind/memcheck.h>

#include "sm4/sm4_impl.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static int failures;

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "sm4_ct: %s\n", what);
		failures++;
	}
}

int main(void)
{
	uint8_t key[16], pt[16 * 80], ct[16 * 80], iv[12] = {1, 2, 3}, tag[16], wrong[16];
	ccsp_sm4_key k;

	/* power-on self-tests first, on public data */
	check(ccsp_selftest(NULL, NULL) == CCSP_OK, "self-test");
	for (size_t i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)(i * 37 + 1);
	for (size_t i = 0; i < sizeof pt; i++)
		pt[i] = (uint8_t)(i * 11);

	SECRET(key, sizeof key);
	SECRET(pt, sizeof pt);
	check(ccsp_sm4_set_key_impl(&k, key, 16, &ccsp_sm4_impl_portable) == CCSP_OK, "key schedule");
	/* one block (nibble-sliced path) and a batch (bitsliced path) */
	check(ccsp_sm4_ecb_encrypt(&k, pt, ct, 16) == CCSP_OK, "ecb 1");
	check(ccsp_sm4_ecb_encrypt(&k, pt, ct, sizeof pt) == CCSP_OK, "ecb 80");
	check(ccsp_sm4_ecb_decrypt(&k, ct, ct, sizeof pt) == CCSP_OK, "ecb dec");
	check(ccsp_sm4_ctr_crypt(&k, pt, pt + 16, ct, sizeof pt - 16) == CCSP_OK, "ctr"); /* secret IV too */
	check(ccsp_sm4_cbc_encrypt(&k, pt, pt, ct, 64) == CCSP_OK, "cbc enc");
	check(ccsp_sm4_cbc_decrypt(&k, pt, ct, ct, 64) == CCSP_OK, "cbc dec");
	check(ccsp_sm4_cfb_encrypt(&k, pt, pt, ct, 70) == CCSP_OK, "cfb enc"); /* with a partial block */
	check(ccsp_sm4_ofb_crypt(&k, pt, pt, ct, 70) == CCSP_OK, "ofb");
	check(ccsp_sm4_cbc_mac(&k, pt, pt, 64, tag) == CCSP_OK, "cbc-mac");
	check(ccsp_sm4_gcm_encrypt(&k, iv, 12, pt, 20, pt, ct, 100, tag) == CCSP_OK, "gcm enc");
	check(ccsp_sm4_gcm_encrypt(&k, pt, 16, pt, 20, pt, ct, 100, tag) == CCSP_OK, "gcm enc hashed iv");

	/* tag check on a wrong tag: both the tag given and the tag computed are undefined; only
	 * the verdict is declassified (by the library, ct_declassify32) */
	memcpy(wrong, tag, 16);
	PUBLIC(wrong, 16);
	wrong[15] ^= 1;
	SECRET(wrong, 16);
	ccsp_err r = ccsp_sm4_gcm_decrypt(&k, pt, 16, pt, 20, ct, ct, 100, wrong);
	check(r == CCSP_ERR_AUTH, "gcm wrong tag refused");

	/* the XTS tweak multiplication and stealing */
	uint8_t xkey[32];
	memcpy(xkey, pt, 32);
	PUBLIC(xkey, 32);
	xkey[0] ^= 0x55; /* keep the two halves different */
	SECRET(xkey, 32);
	r = ccsp_sm4_xts_encrypt(xkey, pt, pt, ct, 100);
	PUBLIC(&r, sizeof r);
	check(r == CCSP_OK, "xts");

	ccsp_sm4_key_wipe(&k);
	return failures != 0;
}
