/* SPDX-License-Identifier: Apache-2.0 */
/* SM2 key files: SPKI (RFC 5480), PKCS#8 (RFC 5208/5958), ECPrivateKey (RFC 5915), PBES2, PEM. */
#include "sm2_keyfile.h"

#include <string.h>

#include <ccsp/mem.h>

#include "der/der.h"
#include "der/pem.h"
#include "module.h"
#include "pbe/pbes2.h"
#include "sm2_internal.h" /* ccsp_sm2_key_move */

/* id-ecPublicKey 1.2.840.10045.2.1 (RFC 5480 clause 2.1.1); sm2p256v1 1.2.156.10197.1.301. */
static const uint8_t oid_ec_public_key[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_sm2[] = {0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d};

#define KEY_DER_MAX 512

static const char *const labels[] = {
	[CCSP_SM2_KEY_SPKI] = "PUBLIC KEY",
	[CCSP_SM2_KEY_PKCS8] = "PRIVATE KEY",
	[CCSP_SM2_KEY_SEC1] = "EC PRIVATE KEY",
	[CCSP_SM2_KEY_PKCS8_ENCRYPTED] = "ENCRYPTED PRIVATE KEY",
};

/* What a file holds; pub and pub2 point into the decoded DER. */
typedef struct parsed_key {
	uint8_t d[CCSP_SM2_PRIVATE_KEY_SIZE];
	int has_d;
	const uint8_t *pub; /* ECPrivateKey [1] or SPKI subjectPublicKey */
	size_t publen;
	const uint8_t *pub2; /* OneAsymmetricKey publicKey [1] */
	size_t pub2len;
} parsed_key;

/* ---- writing ---- */

static void put_algorithm(ccsp_der_writer *w)
{
	size_t start = w->len;
	ccsp_der_put_tlv(w, CCSP_DER_OID, oid_sm2, sizeof oid_sm2);
	ccsp_der_put_tlv(w, CCSP_DER_OID, oid_ec_public_key, sizeof oid_ec_public_key);
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - start);
}

/* RFC 5915 clause 3, version 1. */
static void put_ec_private_key(ccsp_der_writer *w, const uint8_t *d, const uint8_t *pub, int with_params)
{
	size_t start = w->len, tagged = w->len;
	ccsp_der_put_bits(w, CCSP_DER_BIT_STRING, pub, CCSP_SM2_POINT_SIZE);
	ccsp_der_put_header(w, CCSP_DER_CONTEXT_1, w->len - tagged);
	if (with_params) {
		tagged = w->len;
		ccsp_der_put_tlv(w, CCSP_DER_OID, oid_sm2, sizeof oid_sm2);
		ccsp_der_put_header(w, CCSP_DER_CONTEXT_0, w->len - tagged);
	}
	ccsp_der_put_tlv(w, CCSP_DER_OCTET_STRING, d, CCSP_SM2_PRIVATE_KEY_SIZE);
	ccsp_der_put_u32(w, 1);
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - start);
}

/* DER of fmt (not the encrypted one) into der[KEY_DER_MAX]. */
static ccsp_err encode_plain(const ccsp_sm2_key *key, ccsp_sm2_key_format fmt, uint8_t *der, size_t *derlen)
{
	uint8_t d[CCSP_SM2_PRIVATE_KEY_SIZE], pub[CCSP_SM2_POINT_SIZE];
	ccsp_der_writer w;
	ccsp_err ret;
	CCSP_CHECK(ccsp_sm2_key_get_public(key, pub));
	ccsp_der_writer_init(&w, der, KEY_DER_MAX);
	if (fmt == CCSP_SM2_KEY_SPKI) {
		ccsp_der_put_bits(&w, CCSP_DER_BIT_STRING, pub, sizeof pub);
		put_algorithm(&w);
		ccsp_der_put_header(&w, CCSP_DER_SEQUENCE, w.len);
	} else {
		CCSP_CHECK(ccsp_sm2_key_get_private(key, d));
		put_ec_private_key(&w, d, pub, fmt == CCSP_SM2_KEY_SEC1);
		if (fmt == CCSP_SM2_KEY_PKCS8) {
			ccsp_der_put_header(&w, CCSP_DER_OCTET_STRING, w.len);
			put_algorithm(&w);
			ccsp_der_put_u32(&w, 0);
			ccsp_der_put_header(&w, CCSP_DER_SEQUENCE, w.len);
		}
	}
	ret = ccsp_der_writer_finish(&w, derlen);
out:
	ccsp_memzero(d, sizeof d);
	return ret;
}

static ccsp_err emit(ccsp_sm2_key_format fmt, int pem, const uint8_t *der, size_t derlen, uint8_t *out, size_t outcap,
                     size_t *outlen)
{
	if (pem)
		return ccsp_pem_encode(labels[fmt], der, derlen, out, outcap, outlen);
	*outlen = derlen;
	CCSP_ENSURE(derlen <= outcap, CCSP_ERR_BUFFER_TOO_SMALL);
	memcpy(out, der, derlen);
	return CCSP_OK;
}

_Static_assert(CCSP_SM2_PBE_MAX_ITERATIONS == CCSP_PBES2_MAX_ITERATIONS, "one iteration bound");

/* The PBES2 PRF a key file's public PRF names (ccsp_pbes2_encrypt refuses what is neither). */
static ccsp_pbes2_prf pbes2_prf(ccsp_sm2_pbe_prf prf)
{
	switch (prf) {
	case CCSP_SM2_PBE_HMAC_SM3:
		return CCSP_PBES2_HMAC_SM3;
	case CCSP_SM2_PBE_HMAC_SHA256:
		return CCSP_PBES2_HMAC_SHA256;
	}
	return (ccsp_pbes2_prf)-1;
}

static ccsp_err encode(const ccsp_sm2_key *key, ccsp_sm2_key_format fmt, int pem, const uint8_t *pass,
                       size_t passlen, ccsp_sm2_pbe_prf prf, uint32_t iterations, uint8_t *out, size_t outcap,
                       size_t *outlen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(key != NULL && outlen != NULL && (out != NULL || outcap == 0), CCSP_ERR_ARG);
	CCSP_ENSURE(fmt >= CCSP_SM2_KEY_SPKI && fmt <= CCSP_SM2_KEY_PKCS8_ENCRYPTED && (pem == 0 || pem == 1),
	            CCSP_ERR_ARG);
	uint8_t plain[KEY_DER_MAX], der[KEY_DER_MAX];
	size_t plainlen = 0, derlen = 0;
	ccsp_err ret;
	if (fmt == CCSP_SM2_KEY_PKCS8_ENCRYPTED) {
		CCSP_CHECK(pass != NULL && passlen >= 1 ? CCSP_OK : CCSP_ERR_ARG);
		CCSP_CHECK(encode_plain(key, CCSP_SM2_KEY_PKCS8, plain, &plainlen));
		CCSP_CHECK(ccsp_pbes2_encrypt(pass, passlen, pbes2_prf(prf), iterations, plain, plainlen, der, sizeof der,
		                              &derlen));
	} else {
		CCSP_CHECK(encode_plain(key, fmt, der, &derlen));
	}
	ret = emit(fmt, pem, der, derlen, out, outcap, outlen);
out:
	ccsp_memzero(plain, sizeof plain);
	ccsp_memzero(der, sizeof der);
	return ret;
}

ccsp_err ccsp_sm2_key_encode(const ccsp_sm2_key *key, ccsp_sm2_key_format fmt, int pem, const uint8_t *pass,
                             size_t passlen, uint8_t *out, size_t outcap, size_t *outlen)
{
	return encode(key, fmt, pem, pass, passlen, CCSP_SM2_PBE_HMAC_SM3, CCSP_SM2_PBE_DEFAULT_ITERATIONS, out, outcap,
	              outlen);
}

ccsp_err ccsp_sm2_key_encode_encrypted(const ccsp_sm2_key *key, int pem, const uint8_t *pass, size_t passlen,
                                       ccsp_sm2_pbe_prf prf, uint32_t iterations, uint8_t *out, size_t outcap,
                                       size_t *outlen)
{
	return encode(key, CCSP_SM2_KEY_PKCS8_ENCRYPTED, pem, pass, passlen, prf, iterations, out, outcap, outlen);
}

/* ---- reading ---- */

/* ECParameters ::= CHOICE { namedCurve OID, implicitCurve NULL, specifiedCurve SEQUENCE } (RFC 5480
 * clause 2.1.1, RFC 5915 clause 3): only the named curve sm2p256v1. */
static ccsp_err read_curve(ccsp_der_reader *r)
{
	if (ccsp_der_read_oid_if(r, oid_sm2, sizeof oid_sm2))
		return CCSP_OK;
	ccsp_der_reader other;
	int tag = ccsp_der_peek_tag(r);
	if ((tag == CCSP_DER_OID || tag == CCSP_DER_NULL || tag == CCSP_DER_SEQUENCE) &&
	    ccsp_der_read_tlv(r, (uint8_t)tag, &other) == CCSP_OK)
		return CCSP_ERR_UNSUPPORTED;
	return CCSP_ERR_DECODE;
}

/* {id-ecPublicKey, sm2p256v1}, or {sm2p256v1 [, NULL | sm2p256v1]} (GM/T 0015-2023). */
static ccsp_err read_algorithm(ccsp_der_reader *r)
{
	ccsp_der_reader a;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &a));
	if (ccsp_der_read_oid_if(&a, oid_ec_public_key, sizeof oid_ec_public_key)) {
		CCSP_GUARD(read_curve(&a));
	} else if (ccsp_der_read_oid_if(&a, oid_sm2, sizeof oid_sm2)) {
		if (ccsp_der_peek_tag(&a) == CCSP_DER_NULL)
			CCSP_GUARD(ccsp_der_read_null(&a));
		else if (ccsp_der_remaining(&a) > 0)
			CCSP_GUARD(read_curve(&a));
	} else {
		ccsp_der_reader other;
		CCSP_GUARD(ccsp_der_read_tlv(&a, CCSP_DER_OID, &other));
		return CCSP_ERR_UNSUPPORTED;
	}
	return ccsp_der_finish(&a);
}

static ccsp_err read_ec_private_key(const uint8_t *der, size_t len, parsed_key *k)
{
	ccsp_der_reader top, seq, tagged;
	const uint8_t *d;
	size_t dlen;
	uint32_t version;
	ccsp_der_reader_init(&top, der, len);
	CCSP_GUARD(ccsp_der_read_tlv(&top, CCSP_DER_SEQUENCE, &seq));
	CCSP_GUARD(ccsp_der_finish(&top));
	CCSP_GUARD(ccsp_der_read_u32(&seq, &version));
	CCSP_ENSURE(version == 1, CCSP_ERR_DECODE);
	/* RFC 5915 clause 3: I2OSP to ceiling(log2(n)/8) = 32 octets. */
	CCSP_GUARD(ccsp_der_read_value(&seq, CCSP_DER_OCTET_STRING, &d, &dlen));
	CCSP_ENSURE(dlen == CCSP_SM2_PRIVATE_KEY_SIZE, CCSP_ERR_DECODE);
	if (ccsp_der_peek_tag(&seq) == CCSP_DER_CONTEXT_0) {
		CCSP_GUARD(ccsp_der_read_tlv(&seq, CCSP_DER_CONTEXT_0, &tagged));
		CCSP_GUARD(read_curve(&tagged));
		CCSP_GUARD(ccsp_der_finish(&tagged));
	}
	if (ccsp_der_peek_tag(&seq) == CCSP_DER_CONTEXT_1) {
		CCSP_GUARD(ccsp_der_read_tlv(&seq, CCSP_DER_CONTEXT_1, &tagged));
		CCSP_GUARD(ccsp_der_read_bits(&tagged, CCSP_DER_BIT_STRING, &k->pub, &k->publen));
		CCSP_GUARD(ccsp_der_finish(&tagged));
	}
	CCSP_GUARD(ccsp_der_finish(&seq));
	memcpy(k->d, d, sizeof k->d);
	k->has_d = 1;
	return CCSP_OK;
}

/* PrivateKeyInfo / OneAsymmetricKey (RFC 5958 clause 2): version 0 or 1, attributes [0] are skipped,
 * publicKey [1] (v2 only) must match. */
static ccsp_err read_pkcs8(const uint8_t *der, size_t len, parsed_key *k)
{
	ccsp_der_reader top, seq, skip;
	const uint8_t *inner;
	size_t innerlen;
	uint32_t version;
	ccsp_der_reader_init(&top, der, len);
	CCSP_GUARD(ccsp_der_read_tlv(&top, CCSP_DER_SEQUENCE, &seq));
	CCSP_GUARD(ccsp_der_finish(&top));
	CCSP_GUARD(ccsp_der_read_u32(&seq, &version));
	CCSP_ENSURE(version <= 1, CCSP_ERR_DECODE);
	CCSP_GUARD(read_algorithm(&seq));
	CCSP_GUARD(ccsp_der_read_value(&seq, CCSP_DER_OCTET_STRING, &inner, &innerlen));
	if (ccsp_der_peek_tag(&seq) == CCSP_DER_CONTEXT_0)
		CCSP_GUARD(ccsp_der_read_tlv(&seq, CCSP_DER_CONTEXT_0, &skip));
	if (version == 1 && ccsp_der_peek_tag(&seq) == 0x81)
		CCSP_GUARD(ccsp_der_read_bits(&seq, 0x81, &k->pub2, &k->pub2len));
	CCSP_GUARD(ccsp_der_finish(&seq));
	return read_ec_private_key(inner, innerlen, k);
}

static ccsp_err read_spki(const uint8_t *der, size_t len, parsed_key *k)
{
	ccsp_der_reader top, seq;
	ccsp_der_reader_init(&top, der, len);
	CCSP_GUARD(ccsp_der_read_tlv(&top, CCSP_DER_SEQUENCE, &seq));
	CCSP_GUARD(ccsp_der_finish(&top));
	CCSP_GUARD(read_algorithm(&seq));
	CCSP_GUARD(ccsp_der_read_bits(&seq, CCSP_DER_BIT_STRING, &k->pub, &k->publen));
	return ccsp_der_finish(&seq);
}

/* The format from the first two fields: SPKI {SEQUENCE, BIT STRING}, EncryptedPrivateKeyInfo
 * {SEQUENCE, OCTET STRING}, PrivateKeyInfo {INTEGER, SEQUENCE}, ECPrivateKey {INTEGER, OCTET STRING}. */
static ccsp_err detect_der(const uint8_t *der, size_t len, ccsp_sm2_key_format *fmt)
{
	ccsp_der_reader top, seq, first;
	ccsp_der_reader_init(&top, der, len);
	CCSP_GUARD(ccsp_der_read_tlv(&top, CCSP_DER_SEQUENCE, &seq));
	int t0 = ccsp_der_peek_tag(&seq);
	CCSP_ENSURE(t0 == CCSP_DER_SEQUENCE || t0 == CCSP_DER_INTEGER, CCSP_ERR_DECODE);
	CCSP_GUARD(ccsp_der_read_tlv(&seq, (uint8_t)t0, &first));
	int t1 = ccsp_der_peek_tag(&seq);
	if (t0 == CCSP_DER_SEQUENCE && t1 == CCSP_DER_BIT_STRING)
		*fmt = CCSP_SM2_KEY_SPKI;
	else if (t0 == CCSP_DER_SEQUENCE && t1 == CCSP_DER_OCTET_STRING)
		*fmt = CCSP_SM2_KEY_PKCS8_ENCRYPTED;
	else if (t0 == CCSP_DER_INTEGER && t1 == CCSP_DER_SEQUENCE)
		*fmt = CCSP_SM2_KEY_PKCS8;
	else if (t0 == CCSP_DER_INTEGER && t1 == CCSP_DER_OCTET_STRING)
		*fmt = CCSP_SM2_KEY_SEC1;
	else
		return CCSP_ERR_DECODE;
	return CCSP_OK;
}

static ccsp_err label_format(const char *label, ccsp_sm2_key_format *fmt)
{
	for (int f = CCSP_SM2_KEY_SPKI; f <= CCSP_SM2_KEY_PKCS8_ENCRYPTED; f++) {
		if (strcmp(label, labels[f]) == 0) {
			*fmt = (ccsp_sm2_key_format)f;
			return CCSP_OK;
		}
	}
	/* openssl ec writes SEC1 SM2 keys with this label. */
	if (strcmp(label, "SM2 PRIVATE KEY") == 0) {
		*fmt = CCSP_SM2_KEY_SEC1;
		return CCSP_OK;
	}
	return CCSP_ERR_UNSUPPORTED;
}

static ccsp_err same_point(const uint8_t *pub, size_t publen, const uint8_t expected[CCSP_SM2_POINT_SIZE])
{
	uint8_t got[CCSP_SM2_POINT_SIZE];
	ccsp_sm2_key *t = ccsp_sm2_key_new();
	ccsp_err ret;
	CCSP_CHECK(t != NULL ? CCSP_OK : CCSP_ERR_NOMEM);
	CCSP_CHECK(ccsp_sm2_key_set_public(t, pub, publen));
	CCSP_CHECK(ccsp_sm2_key_get_public(t, got));
	ret = memcmp(got, expected, sizeof got) == 0 ? CCSP_OK : CCSP_ERR_KEY;
out:
	ccsp_sm2_key_free(t);
	return ret;
}

/* Validates everything on a scratch key, so that key is only written once all checks pass. */
static ccsp_err install(ccsp_sm2_key *key, const parsed_key *k)
{
	uint8_t pub[CCSP_SM2_POINT_SIZE];
	ccsp_sm2_key *t = ccsp_sm2_key_new();
	ccsp_err ret;
	CCSP_CHECK(t != NULL ? CCSP_OK : CCSP_ERR_NOMEM);
	if (!k->has_d) {
		CCSP_CHECK(ccsp_sm2_key_set_public(key, k->pub, k->publen)); /* key untouched when it fails */
		goto out;
	}
	/* d's public key is derived once, in a scratch key; the caller's key gets it only once the file's copies of
	 * the public key, if any, have matched */
	CCSP_CHECK(ccsp_sm2_key_set_private(t, k->d));
	CCSP_CHECK(ccsp_sm2_key_get_public(t, pub));
	if (k->pub != NULL)
		CCSP_CHECK(same_point(k->pub, k->publen, pub));
	if (k->pub2 != NULL)
		CCSP_CHECK(same_point(k->pub2, k->pub2len, pub));
	CCSP_CHECK(ccsp_sm2_key_move(key, t));
out:
	ccsp_sm2_key_free(t);
	return ret;
}

static ccsp_err decode_der(ccsp_sm2_key *key, const uint8_t *der, size_t len, ccsp_sm2_key_format fmt,
                           const uint8_t *pass, size_t passlen, uint32_t max_iterations)
{
	parsed_key k;
	uint8_t plain[KEY_DER_MAX];
	size_t plainlen = 0;
	ccsp_err ret;
	memset(&k, 0, sizeof k);
	if (fmt == CCSP_SM2_KEY_SPKI) {
		CCSP_CHECK(read_spki(der, len, &k));
	} else if (fmt == CCSP_SM2_KEY_SEC1) {
		CCSP_CHECK(read_ec_private_key(der, len, &k));
	} else if (fmt == CCSP_SM2_KEY_PKCS8) {
		CCSP_CHECK(read_pkcs8(der, len, &k));
	} else {
		CCSP_CHECK(ccsp_pbes2_decrypt(der, len, pass, passlen, max_iterations, plain, sizeof plain, &plainlen));
		ret = read_pkcs8(plain, plainlen, &k);
		/* Garbage that happened to end in valid padding: a wrong password too. */
		CCSP_CHECK(ret == CCSP_ERR_DECODE ? CCSP_ERR_PASSWORD : ret);
	}
	ret = install(key, &k);
out:
	ccsp_memzero(&k, sizeof k);
	ccsp_memzero(plain, sizeof plain);
	return ret;
}

ccsp_err ccsp_sm2_key_decode_capped(ccsp_sm2_key *key, const uint8_t *in, size_t len, const uint8_t *pass,
                                    size_t passlen, ccsp_sm2_key_format *fmt, uint32_t max_iterations)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(key != NULL && in != NULL && (pass != NULL || passlen == 0), CCSP_ERR_ARG);
	uint8_t der[KEY_DER_MAX];
	char label[CCSP_PEM_LABEL_MAX + 1];
	size_t derlen = 0;
	ccsp_sm2_key_format f;
	ccsp_err ret;
	if (ccsp_pem_detect(in, len)) {
		ret = ccsp_pem_decode(in, len, label, sizeof label, der, sizeof der, &derlen);
		CCSP_CHECK(ret == CCSP_ERR_BUFFER_TOO_SMALL ? CCSP_ERR_DECODE : ret);
		CCSP_CHECK(label_format(label, &f));
		CCSP_CHECK(decode_der(key, der, derlen, f, pass, passlen, max_iterations));
	} else {
		CCSP_CHECK(detect_der(in, len, &f));
		CCSP_CHECK(decode_der(key, in, len, f, pass, passlen, max_iterations));
	}
	if (fmt != NULL)
		*fmt = f;
out:
	ccsp_memzero(der, sizeof der);
	return ret;
}

ccsp_err ccsp_sm2_key_decode(ccsp_sm2_key *key, const uint8_t *in, size_t len, const uint8_t *pass, size_t passlen,
                             ccsp_sm2_key_format *fmt)
{
	return ccsp_sm2_key_decode_capped(key, in, len, pass, passlen, fmt, CCSP_SM2_PBE_MAX_ITERATIONS);
}
