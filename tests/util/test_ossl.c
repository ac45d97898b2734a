/* SPDX-License-Identifier: Apache-2.0 */
/* OpenSSL as the independent SM2 oracle of the unit tests (test_util.h). */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>

#include "test_util.h"

EVP_PKEY *test_ossl_sm2_pub(const uint8_t pub[64])
{
	unsigned char pt[65] = {4};
	memcpy(pt + 1, pub, 64);
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0), 1);
	assert_int_equal(OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt), 1);
	OSSL_PARAM *p = OSSL_PARAM_BLD_to_param(b);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
	EVP_PKEY *pk = NULL;
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, p), 1);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	return pk;
}

int test_ossl_sm2_verify(EVP_PKEY *pk, const uint8_t *msg, size_t len, const uint8_t sig[64])
{
	uint8_t der[CCSP_SM2_SIGNATURE_DER_MAX];
	size_t derlen;
	assert_ok(ccsp_sm2_signature_to_der(sig, der, sizeof der, &derlen));
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(pk, NULL);
	assert_int_equal(EVP_PKEY_CTX_set1_id(pctx, CCSP_SM2_DEFAULT_ID, CCSP_SM2_DEFAULT_ID_LEN), 1);
	EVP_MD_CTX_set_pkey_ctx(md, pctx);
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sm3(), NULL, pk), 1);
	int ok = EVP_DigestVerify(md, der, derlen, msg, len);
	EVP_MD_CTX_free(md);
	EVP_PKEY_CTX_free(pctx);
	return ok;
}
