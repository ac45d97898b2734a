/* SPDX-License-Identifier: Apache-2.0 */
#include "pbes2.h"

#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm3.h>
#include <ccsp/sm4.h>

#include "der/der.h"
#include "module.h"
#include "sha256/sha256.h"

/* OID content bytes. PKCS#5 (RFC 8018 appendix C): pbes2 1.2.840.113549.1.5.13, pbkdf2 .5.12,
 * hmacWithSHA256 1.2.840.113549.2.9. GM/T (formats.md section 2): hmacWithSM3 1.2.156.10197.1.401.2
 * (GmSSL; GM/T 0091 also names 1.2.156.10197.1.401.3.1), SM4-CBC 1.2.156.10197.1.104.2. */
static const uint8_t oid_pbes2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d};
static const uint8_t oid_pbkdf2[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c};
static const uint8_t oid_hmac_sha256[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09};
static const uint8_t oid_hmac_sm3[] = {0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x11, 0x02};
static const uint8_t oid_hmac_sm3_alt[] = {0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x11, 0x03, 0x01};
static const uint8_t oid_sm4_cbc[] = {0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x68, 0x02};

#define KEK_SIZE CCSP_SM4_KEY_SIZE
#define IV_SIZE CCSP_SM4_BLOCK_SIZE
#define MAX_PLAIN 512

typedef struct pbes2_params {
	const uint8_t *salt;
	size_t saltlen;
	uint32_t iterations;
	ccsp_pbes2_prf prf;
	const uint8_t *iv;
	const uint8_t *enc;
	size_t enclen;
} pbes2_params;

static ccsp_err derive_kek(ccsp_pbes2_prf prf, const uint8_t *pass, size_t passlen, const uint8_t *salt,
                           size_t saltlen, uint32_t iterations, ccsp_sm4_key *kek)
{
	uint8_t k[KEK_SIZE];
	ccsp_err ret;
	if (prf == CCSP_PBES2_HMAC_SM3)
		CCSP_CHECK(ccsp_pbkdf2_sm3(pass, passlen, salt, saltlen, iterations, k, sizeof k));
	else
		CCSP_CHECK(ccsp_pbkdf2_sha256(pass, passlen, salt, saltlen, iterations, k, sizeof k));
	CCSP_CHECK(ccsp_sm4_set_key(kek, k, sizeof k));
out:
	ccsp_memzero(k, sizeof k);
	return ret;
}

static void put_params(ccsp_der_writer *w, ccsp_pbes2_prf prf, const uint8_t *salt, uint32_t iterations,
                       const uint8_t *iv)
{
	size_t all = w->len, scheme = w->len;
	ccsp_der_put_tlv(w, CCSP_DER_OCTET_STRING, iv, IV_SIZE);
	ccsp_der_put_tlv(w, CCSP_DER_OID, oid_sm4_cbc, sizeof oid_sm4_cbc);
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - scheme);
	size_t kdf = w->len, kdfp = w->len, prfid = w->len;
	/* RFC 8018 appendix B.1.2 gives hmacWithSHA256 NULL parameters; hmacWithSM3 is written without, as the
	 * Chinese SM toolkits write and require it (issue 11). Both forms are read. */
	if (prf != CCSP_PBES2_HMAC_SM3)
		ccsp_der_put_null(w);
	if (prf == CCSP_PBES2_HMAC_SM3)
		ccsp_der_put_tlv(w, CCSP_DER_OID, oid_hmac_sm3, sizeof oid_hmac_sm3);
	else
		ccsp_der_put_tlv(w, CCSP_DER_OID, oid_hmac_sha256, sizeof oid_hmac_sha256);
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - prfid);
	ccsp_der_put_u32(w, iterations);
	ccsp_der_put_tlv(w, CCSP_DER_OCTET_STRING, salt, CCSP_PBES2_SALT_SIZE);
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - kdfp);
	ccsp_der_put_tlv(w, CCSP_DER_OID, oid_pbkdf2, sizeof oid_pbkdf2);
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - kdf);
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - all);
}

ccsp_err ccsp_pbes2_encrypt(const uint8_t *pass, size_t passlen, ccsp_pbes2_prf prf, uint32_t iterations,
                            const uint8_t *plain, size_t plainlen, uint8_t *out, size_t outcap, size_t *outlen)
{
	CCSP_ENSURE(pass != NULL && passlen >= 1 && plain != NULL && plainlen <= MAX_PLAIN, CCSP_ERR_ARG);
	CCSP_ENSURE(prf == CCSP_PBES2_HMAC_SM3 || prf == CCSP_PBES2_HMAC_SHA256, CCSP_ERR_ARG);
	CCSP_ENSURE(iterations >= 1 && iterations <= CCSP_PBES2_MAX_ITERATIONS, CCSP_ERR_ARG);
	uint8_t salt[CCSP_PBES2_SALT_SIZE], iv[IV_SIZE], ct[MAX_PLAIN + IV_SIZE];
	size_t ctlen;
	ccsp_sm4_key kek;
	ccsp_err ret;
	memset(&kek, 0, sizeof kek);
	CCSP_CHECK(ccsp_random(salt, sizeof salt));
	CCSP_CHECK(ccsp_random(iv, sizeof iv));
	CCSP_CHECK(derive_kek(prf, pass, passlen, salt, sizeof salt, iterations, &kek));
	CCSP_CHECK(ccsp_sm4_cbc_pad_encrypt(&kek, iv, plain, plainlen, ct, sizeof ct, &ctlen));

	ccsp_der_writer w;
	ccsp_der_writer_init(&w, out, outcap);
	ccsp_der_put_tlv(&w, CCSP_DER_OCTET_STRING, ct, ctlen);
	size_t alg = w.len;
	put_params(&w, prf, salt, iterations, iv);
	ccsp_der_put_tlv(&w, CCSP_DER_OID, oid_pbes2, sizeof oid_pbes2);
	ccsp_der_put_header(&w, CCSP_DER_SEQUENCE, w.len - alg);
	ccsp_der_put_header(&w, CCSP_DER_SEQUENCE, w.len);
	ret = ccsp_der_writer_finish(&w, outlen);
out:
	ccsp_sm4_key_wipe(&kek);
	return ret;
}

/* Reads a known OID from r, or fails with CCSP_ERR_UNSUPPORTED (another OID) or CCSP_ERR_DECODE. */
static ccsp_err expect_oid(ccsp_der_reader *r, const uint8_t *oid, size_t len)
{
	if (ccsp_der_read_oid_if(r, oid, len))
		return CCSP_OK;
	return ccsp_der_peek_tag(r) == CCSP_DER_OID ? CCSP_ERR_UNSUPPORTED : CCSP_ERR_DECODE;
}

/* prf AlgorithmIdentifier DEFAULT hmacWithSHA1 (RFC 8018 appendix A.2); SHA-1 is not offered. */
static ccsp_err read_prf(ccsp_der_reader *r, ccsp_pbes2_prf *prf)
{
	ccsp_der_reader a;
	CCSP_ENSURE(ccsp_der_remaining(r) > 0, CCSP_ERR_UNSUPPORTED);
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &a));
	if (ccsp_der_read_oid_if(&a, oid_hmac_sm3, sizeof oid_hmac_sm3) ||
	    ccsp_der_read_oid_if(&a, oid_hmac_sm3_alt, sizeof oid_hmac_sm3_alt))
		*prf = CCSP_PBES2_HMAC_SM3;
	else {
		CCSP_GUARD(expect_oid(&a, oid_hmac_sha256, sizeof oid_hmac_sha256));
		*prf = CCSP_PBES2_HMAC_SHA256;
	}
	if (ccsp_der_remaining(&a) > 0)
		CCSP_GUARD(ccsp_der_read_null(&a));
	return ccsp_der_finish(&a);
}

/* PBKDF2-params ::= SEQUENCE { salt OCTET STRING, iterationCount INTEGER, keyLength INTEGER OPTIONAL,
 * prf AlgorithmIdentifier DEFAULT hmacWithSHA1 } (RFC 8018 appendix A.2). */
static ccsp_err read_kdf(ccsp_der_reader *r, pbes2_params *p, uint32_t max_iterations)
{
	ccsp_der_reader kdf, params;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &kdf));
	CCSP_GUARD(expect_oid(&kdf, oid_pbkdf2, sizeof oid_pbkdf2));
	CCSP_GUARD(ccsp_der_read_tlv(&kdf, CCSP_DER_SEQUENCE, &params));
	CCSP_GUARD(ccsp_der_finish(&kdf));
	CCSP_GUARD(ccsp_der_read_value(&params, CCSP_DER_OCTET_STRING, &p->salt, &p->saltlen));
	CCSP_GUARD(ccsp_der_read_u32(&params, &p->iterations));
	CCSP_ENSURE(p->saltlen >= 1 && p->iterations >= 1, CCSP_ERR_DECODE);
	CCSP_ENSURE(p->iterations <= max_iterations, CCSP_ERR_UNSUPPORTED);
	if (ccsp_der_peek_tag(&params) == CCSP_DER_INTEGER) {
		uint32_t keylen;
		CCSP_GUARD(ccsp_der_read_u32(&params, &keylen));
		CCSP_ENSURE(keylen == KEK_SIZE, CCSP_ERR_DECODE);
	}
	CCSP_GUARD(read_prf(&params, &p->prf));
	return ccsp_der_finish(&params);
}

static ccsp_err read_scheme(ccsp_der_reader *r, pbes2_params *p)
{
	ccsp_der_reader s;
	size_t ivlen;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &s));
	CCSP_GUARD(expect_oid(&s, oid_sm4_cbc, sizeof oid_sm4_cbc));
	CCSP_GUARD(ccsp_der_read_value(&s, CCSP_DER_OCTET_STRING, &p->iv, &ivlen));
	CCSP_ENSURE(ivlen == IV_SIZE, CCSP_ERR_DECODE);
	return ccsp_der_finish(&s);
}

static ccsp_err read_epki(const uint8_t *der, size_t len, pbes2_params *p, uint32_t max_iterations)
{
	ccsp_der_reader top, epki, alg, params;
	ccsp_der_reader_init(&top, der, len);
	CCSP_GUARD(ccsp_der_read_tlv(&top, CCSP_DER_SEQUENCE, &epki));
	CCSP_GUARD(ccsp_der_finish(&top));
	CCSP_GUARD(ccsp_der_read_tlv(&epki, CCSP_DER_SEQUENCE, &alg));
	CCSP_GUARD(ccsp_der_read_value(&epki, CCSP_DER_OCTET_STRING, &p->enc, &p->enclen));
	CCSP_GUARD(ccsp_der_finish(&epki));
	CCSP_GUARD(expect_oid(&alg, oid_pbes2, sizeof oid_pbes2));
	CCSP_GUARD(ccsp_der_read_tlv(&alg, CCSP_DER_SEQUENCE, &params));
	CCSP_GUARD(ccsp_der_finish(&alg));
	CCSP_GUARD(read_kdf(&params, p, max_iterations));
	CCSP_GUARD(read_scheme(&params, p));
	CCSP_GUARD(ccsp_der_finish(&params));
	CCSP_ENSURE(p->enclen >= IV_SIZE && p->enclen % IV_SIZE == 0, CCSP_ERR_DECODE);
	return CCSP_OK;
}

ccsp_err ccsp_pbes2_decrypt(const uint8_t *der, size_t len, const uint8_t *pass, size_t passlen,
                            uint32_t max_iterations, uint8_t *out, size_t outcap, size_t *outlen)
{
	CCSP_ENSURE(der != NULL && out != NULL && outlen != NULL, CCSP_ERR_ARG);
	pbes2_params p;
	ccsp_sm4_key kek;
	size_t touched = 0;
	ccsp_err ret;
	memset(&kek, 0, sizeof kek);
	*outlen = 0;
	CCSP_CHECK(read_epki(der, len, &p, max_iterations));
	touched = p.enclen < outcap ? p.enclen : outcap;
	ret = CCSP_ERR_PASSWORD;
	if (pass == NULL || passlen == 0)
		goto out;
	CCSP_CHECK(derive_kek(p.prf, pass, passlen, p.salt, p.saltlen, p.iterations, &kek));
	ret = ccsp_sm4_cbc_pad_decrypt(&kek, p.iv, p.enc, p.enclen, out, outcap, outlen);
	if (ret == CCSP_ERR_PADDING)
		ret = CCSP_ERR_PASSWORD;
out:
	if (ret != CCSP_OK)
		ccsp_memzero(out, touched);
	ccsp_sm4_key_wipe(&kek);
	return ret;
}
