/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Platform public keys: parsing the configCHSMPk key texts, fingerprints, lookup by CHSM-AuthPK, signature
 * verification, and the in-memory store (its file is chsm_pk_file.c).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ccsp/sm2_asn1.h>
#include <ccsp/sm3.h>

#include "common/b64.h"
#include "chsm/chsm_pk_internal.h"
#include "crypto/der/der.h"
#include "crypto/der/pem.h"
#include "crypto/guard.h" /* CCSP_CHECK, CCSP_ENSURE */

struct ccsp_chsm_pk_store {
	char *path; /* NULL: memory only */
	ccsp_chsm_pk *keys[CCSP_CHSM_PK_MAX];
	size_t n;
};

/* Content octets of the algorithm OIDs an SPKI may carry. */
static const uint8_t OID_RSA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01}; /* 1.2.840.113549.1.1.1 */
static const uint8_t OID_EC[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};             /* 1.2.840.10045.2.1 */
static const uint8_t OID_SM2[] = {0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d};      /* 1.2.156.10197.1.301 */

#define SM2_XY_SIZE 64

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void trim(const char **t, size_t *len)
{
	while (*len > 0 && is_space(**t)) {
		(*t)++;
		(*len)--;
	}
	while (*len > 0 && is_space((*t)[*len - 1]))
		(*len)--;
}

/* ASCII case-insensitive equality of s[0..len) with the literal lit. */
static int ieq(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);
	if (len != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char a = s[i], b = lit[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return 1;
}

ccsp_err ccsp_chsm_pk_alg_parse(const char *name, size_t len, ccsp_chsm_pk_alg *alg)
{
	CCSP_ENSURE(name != NULL && alg != NULL, CCSP_ERR_ARG);
	trim(&name, &len);
	if (ieq(name, len, "sm2") || ieq(name, len, "SM2WithSM3"))
		*alg = CCSP_CHSM_PK_SM2;
	else if (ieq(name, len, "rsa") || ieq(name, len, "RSAWithSHA256") || ieq(name, len, "SHA256withRSA"))
		*alg = CCSP_CHSM_PK_RSA;
	else
		return CCSP_ERR_UNSUPPORTED;
	return CCSP_OK;
}

const char *ccsp_chsm_pk_alg_name(ccsp_chsm_pk_alg alg)
{
	return alg == CCSP_CHSM_PK_SM2 ? "sm2" : alg == CCSP_CHSM_PK_RSA ? "rsa" : "?";
}

/* The fingerprint hash of a kind of key: SM3 for SM2, SHA-256 for RSA (7.4.1). */
static ccsp_err key_hash(ccsp_chsm_pk_alg alg, const void *data, size_t len, uint8_t out[CHSM_PK_HASH_SIZE])
{
	if (alg == CCSP_CHSM_PK_SM2)
		return ccsp_sm3(data, len, out);
	if (EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL) != 1) {
		ERR_clear_error();
		return CCSP_ERR_INTERNAL;
	}
	return CCSP_OK;
}

/* Canonical SPKI (SM2), fingerprint and the alternative hashes, once k->alg, its key and (RSA) spki are set. */
static ccsp_err finish_key(ccsp_chsm_pk *k, const uint8_t text_hash[CHSM_PK_HASH_SIZE])
{
	uint8_t point[CCSP_SM2_POINT_SIZE];
	char b64[CCSP_B64_LEN(CHSM_PK_SPKI_MAX) + 1];
	memcpy(k->text_hash, text_hash, CHSM_PK_HASH_SIZE);
	if (k->alg == CCSP_CHSM_PK_SM2) {
		CCSP_GUARD(ccsp_sm2_key_get_public(k->sm2, point));
		CCSP_GUARD(ccsp_sm2_key_encode(k->sm2, CCSP_SM2_KEY_SPKI, 0, NULL, 0, k->spki, sizeof k->spki,
		                               &k->spki_len));
		CCSP_GUARD(ccsp_sm3(point + 1, SM2_XY_SIZE, k->fp));
		CCSP_GUARD(ccsp_sm3(point, sizeof point, k->alt[0]));
		CCSP_GUARD(ccsp_sm3(k->spki, k->spki_len, k->alt[1]));
		memcpy(k->alt[2], text_hash, CHSM_PK_HASH_SIZE);
		k->nalt = 3;
	} else {
		size_t n = ccsp_b64_encode(k->spki, k->spki_len, b64);
		CCSP_GUARD(key_hash(CCSP_CHSM_PK_RSA, k->spki, k->spki_len, k->fp));
		CCSP_GUARD(key_hash(CCSP_CHSM_PK_RSA, b64, n, k->alt[0]));
		memcpy(k->alt[1], text_hash, CHSM_PK_HASH_SIZE);
		k->nalt = 2;
	}
	ccsp_b64_encode(k->fp, sizeof k->fp, k->fp_b64);
	return CCSP_OK;
}

static ccsp_err sm2_from_point(ccsp_chsm_pk *k, const uint8_t *point, size_t len)
{
	k->alg = CCSP_CHSM_PK_SM2;
	k->sm2 = ccsp_sm2_key_new();
	CCSP_ENSURE(k->sm2 != NULL, CCSP_ERR_NOMEM);
	return ccsp_sm2_key_set_public(k->sm2, point, len);
}

/* n odd; e odd, 3 <= e < 2^64 (OpenSSL refuses a longer e with a modulus over 3072 bits; one bound for
 * every size). Not EVP_PKEY_public_check(): its Miller-Rabin test of n draws random bases, so on a
 * malformed modulus its answer is random (the fuzzer found one refused about 1 time in 300) — a key taken
 * by configCHSMPk could then be refused when the store file is read back, and chsmd would not start. The
 * check must give the same answer every time. A wrong but well-formed key is harmless: nothing verifies. */
static ccsp_err rsa_check(const EVP_PKEY *pk)
{
	BIGNUM *n = NULL, *e = NULL;
	ccsp_err ret = CCSP_ERR_KEY;
	if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
		goto out;
	if (BN_is_odd(n) && BN_is_odd(e) && BN_num_bits(e) >= 2 && BN_num_bits(e) <= 64)
		ret = CCSP_OK;
out:
	BN_free(n);
	BN_free(e);
	ERR_clear_error();
	return ret;
}

/* RSA SPKI through OpenSSL; the stored SPKI is its canonical re-encoding. */
static ccsp_err rsa_from_der(ccsp_chsm_pk *k, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	unsigned char *w = k->spki;
	k->alg = CCSP_CHSM_PK_RSA;
	k->rsa = d2i_PUBKEY(NULL, &p, (long)len);
	CCSP_ENSURE(k->rsa != NULL && p == der + len, (ERR_clear_error(), CCSP_ERR_DECODE));
	/* rsaEncryption only: RSASSA-PSS keys do not do PKCS#1 v1.5 */
	CCSP_ENSURE(EVP_PKEY_get_base_id(k->rsa) == EVP_PKEY_RSA, CCSP_ERR_UNSUPPORTED);
	int bits = EVP_PKEY_get_bits(k->rsa);
	CCSP_ENSURE(bits >= CCSP_CHSM_PK_RSA_MIN_BITS && bits <= CCSP_CHSM_PK_RSA_MAX_BITS, CCSP_ERR_KEY);
	CCSP_GUARD(rsa_check(k->rsa));
	int n = i2d_PUBKEY(k->rsa, NULL);
	CCSP_ENSURE(n > 0, (ERR_clear_error(), CCSP_ERR_INTERNAL));
	/* the input was at most CHSM_PK_SPKI_MAX bytes; its re-encoding may add an omitted NULL parameter */
	CCSP_ENSURE((size_t)n <= sizeof k->spki, CCSP_ERR_DECODE);
	CCSP_ENSURE(i2d_PUBKEY(k->rsa, &w) == n, (ERR_clear_error(), CCSP_ERR_INTERNAL));
	k->spki_len = (size_t)n;
	return CCSP_OK;
}

/* SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE { OID, params }, subjectPublicKey BIT STRING }:
 * the kind from the OID, before any decoder sees the bytes (a private key is never handed to one). */
static ccsp_err spki_kind(const uint8_t *der, size_t len, ccsp_chsm_pk_alg *kind)
{
	ccsp_der_reader top, seq, alg;
	ccsp_der_reader_init(&top, der, len);
	CCSP_GUARD(ccsp_der_read_tlv(&top, CCSP_DER_SEQUENCE, &seq));
	CCSP_GUARD(ccsp_der_finish(&top));
	if (ccsp_der_peek_tag(&seq) == CCSP_DER_INTEGER)
		return CCSP_ERR_UNSUPPORTED; /* PrivateKeyInfo, ECPrivateKey, RSAPrivateKey */
	CCSP_GUARD(ccsp_der_read_tlv(&seq, CCSP_DER_SEQUENCE, &alg));
	if (ccsp_der_peek_tag(&seq) != CCSP_DER_BIT_STRING)
		return ccsp_der_peek_tag(&seq) == CCSP_DER_OCTET_STRING ? CCSP_ERR_UNSUPPORTED /* encrypted */
		                                                         : CCSP_ERR_DECODE;
	if (ccsp_der_read_oid_if(&alg, OID_RSA, sizeof OID_RSA))
		*kind = CCSP_CHSM_PK_RSA;
	else if (ccsp_der_read_oid_if(&alg, OID_EC, sizeof OID_EC) || ccsp_der_read_oid_if(&alg, OID_SM2, sizeof OID_SM2))
		*kind = CCSP_CHSM_PK_SM2;
	else
		return CCSP_ERR_UNSUPPORTED;
	return CCSP_OK;
}

static ccsp_err key_from_der(ccsp_chsm_pk *k, const uint8_t *der, size_t len, ccsp_chsm_pk_alg want)
{
	ccsp_chsm_pk_alg kind;
	ccsp_sm2_key_format fmt;
	CCSP_GUARD(spki_kind(der, len, &kind));
	CCSP_ENSURE(want == CCSP_CHSM_PK_ANY || want == kind, CCSP_ERR_KEY_TYPE);
	if (kind == CCSP_CHSM_PK_RSA)
		return rsa_from_der(k, der, len);
	k->alg = CCSP_CHSM_PK_SM2;
	k->sm2 = ccsp_sm2_key_new();
	CCSP_ENSURE(k->sm2 != NULL, CCSP_ERR_NOMEM);
	CCSP_GUARD(ccsp_sm2_key_decode(k->sm2, der, len, NULL, 0, &fmt));
	CCSP_ENSURE(fmt == CCSP_SM2_KEY_SPKI, CCSP_ERR_UNSUPPORTED); /* cannot happen after spki_kind */
	return CCSP_OK;
}

/* The key in a trimmed text: PEM, 128/130 hex, or Base64 of a raw point or of DER. */
static ccsp_err parse_text(ccsp_chsm_pk *k, const char *t, size_t len, int allow_pem, ccsp_chsm_pk_alg want)
{
	uint8_t buf[CHSM_PK_SPKI_MAX];
	char label[CCSP_PEM_LABEL_MAX + 1];
	size_t n;
	ccsp_err ret;
	CCSP_ENSURE(len > 0, CCSP_ERR_DECODE);
	if (len > 10 && memcmp(t, "-----BEGIN", 10) == 0) {
		CCSP_ENSURE(allow_pem, CCSP_ERR_DECODE);
		ret = ccsp_pem_decode((const uint8_t *)t, len, label, sizeof label, buf, sizeof buf, &n);
		CCSP_ENSURE(ret != CCSP_ERR_BUFFER_TOO_SMALL, CCSP_ERR_DECODE);
		CCSP_GUARD(ret);
		CCSP_ENSURE(strcmp(label, "PUBLIC KEY") == 0, CCSP_ERR_UNSUPPORTED);
		return key_from_der(k, buf, n, want);
	}
	if ((len == 2 * SM2_XY_SIZE || len == 2 * CCSP_SM2_POINT_SIZE) && ccsp_is_hex(t, len)) {
		buf[0] = 0x04;
		CCSP_GUARD(ccsp_hex_decode(t, len, len == 2 * SM2_XY_SIZE ? buf + 1 : buf, CCSP_SM2_POINT_SIZE));
		CCSP_ENSURE(buf[0] == 0x04, CCSP_ERR_DECODE);
		CCSP_ENSURE(want != CCSP_CHSM_PK_RSA, CCSP_ERR_KEY_TYPE);
		return sm2_from_point(k, buf, CCSP_SM2_POINT_SIZE);
	}
	ret = ccsp_b64_decode(t, len, buf, sizeof buf, &n);
	CCSP_ENSURE(ret != CCSP_ERR_BUFFER_TOO_SMALL, CCSP_ERR_DECODE);
	CCSP_GUARD(ret);
	if (n == SM2_XY_SIZE || (n == CCSP_SM2_POINT_SIZE && buf[0] == 0x04)) {
		CCSP_ENSURE(want != CCSP_CHSM_PK_RSA, CCSP_ERR_KEY_TYPE);
		return sm2_from_point(k, buf, n);
	}
	return key_from_der(k, buf, n, want);
}

ccsp_err ccsp_chsm_pk_from_text(const char *text, size_t len, int allow_pem, ccsp_chsm_pk_alg want,
                                ccsp_chsm_pk **out)
{
	uint8_t th[CHSM_PK_HASH_SIZE];
	const char *t = text;
	size_t tl = len;
	ccsp_err ret;
	CCSP_ENSURE(text != NULL && out != NULL, CCSP_ERR_ARG);
	*out = NULL;
	CCSP_ENSURE(len <= CCSP_CHSM_PK_TEXT_MAX, CCSP_ERR_DECODE);
	trim(&t, &tl);
	ccsp_chsm_pk *k = calloc(1, sizeof *k);
	CCSP_ENSURE(k != NULL, CCSP_ERR_NOMEM);
	CCSP_CHECK(parse_text(k, t, tl, allow_pem, want));
	CCSP_CHECK(key_hash(k->alg, text, len, th));
	CCSP_CHECK(finish_key(k, th));
	*out = k;
	k = NULL;
out:
	ccsp_chsm_pk_free(k);
	return ret;
}

ccsp_err ccsp_chsm_pk_from_spki(const uint8_t *der, size_t len, ccsp_chsm_pk_alg want,
                                const uint8_t text_hash[CHSM_PK_HASH_SIZE], ccsp_chsm_pk **out)
{
	ccsp_err ret;
	CCSP_ENSURE(der != NULL && text_hash != NULL && out != NULL && want != CCSP_CHSM_PK_ANY, CCSP_ERR_ARG);
	*out = NULL;
	CCSP_ENSURE(len <= CHSM_PK_SPKI_MAX, CCSP_ERR_DECODE);
	ccsp_chsm_pk *k = calloc(1, sizeof *k);
	CCSP_ENSURE(k != NULL, CCSP_ERR_NOMEM);
	CCSP_CHECK(key_from_der(k, der, len, want));
	CCSP_CHECK(finish_key(k, text_hash));
	CCSP_CHECK(k->spki_len == len && memcmp(k->spki, der, len) == 0 ? CCSP_OK : CCSP_ERR_DECODE);
	*out = k;
	k = NULL;
out:
	ccsp_chsm_pk_free(k);
	return ret;
}

void ccsp_chsm_pk_free(ccsp_chsm_pk *k)
{
	if (k == NULL)
		return;
	ccsp_sm2_key_free(k->sm2);
	EVP_PKEY_free(k->rsa);
	free(k);
}

int ccsp_chsm_pk_same(const ccsp_chsm_pk *a, const ccsp_chsm_pk *b)
{
	return a->alg == b->alg && a->spki_len == b->spki_len && memcmp(a->spki, b->spki, a->spki_len) == 0;
}

/* ---- accessors ---- */

ccsp_chsm_pk_alg ccsp_chsm_pk_get_alg(const ccsp_chsm_pk *k)
{
	return k->alg;
}

const char *ccsp_chsm_pk_fingerprint(const ccsp_chsm_pk *k)
{
	return k->fp_b64;
}

const char *ccsp_chsm_pk_hash_name(const ccsp_chsm_pk *k)
{
	return k->alg == CCSP_CHSM_PK_SM2 ? "sm3" : "sha256";
}

const uint8_t *ccsp_chsm_pk_spki(const ccsp_chsm_pk *k, size_t *len)
{
	*len = k->spki_len;
	return k->spki;
}

/* ---- verification (§3.5 Signature algorithms) ---- */

static ccsp_err sm2_verify(const ccsp_chsm_pk *k, const uint8_t *msg, size_t msglen, const uint8_t *sig,
                           size_t siglen)
{
	uint8_t rs[CCSP_SM2_SIGNATURE_SIZE];
	if (siglen == CCSP_SM2_SIGNATURE_SIZE) {
		ccsp_err ret = ccsp_sm2_verify(k->sm2, NULL, 0, msg, msglen, sig);
		if (ret != CCSP_ERR_SIGNATURE || ccsp_sm2_signature_from_der(sig, siglen, rs) != CCSP_OK)
			return ret;
	} else if (ccsp_sm2_signature_from_der(sig, siglen, rs) != CCSP_OK) {
		return CCSP_ERR_DECODE;
	}
	return ccsp_sm2_verify(k->sm2, NULL, 0, msg, msglen, rs);
}

static ccsp_err rsa_verify(const ccsp_chsm_pk *k, const uint8_t *msg, size_t msglen, const uint8_t *sig,
                           size_t siglen)
{
	uint8_t full[CCSP_CHSM_PK_SIG_MAX];
	int size = EVP_PKEY_get_size(k->rsa);
	CCSP_ENSURE(size > 0 && (size_t)size <= sizeof full, CCSP_ERR_INTERNAL);
	CCSP_ENSURE(siglen > 0 && siglen <= (size_t)size, CCSP_ERR_DECODE);
	memset(full, 0, (size_t)size - siglen);
	memcpy(full + (size_t)size - siglen, sig, siglen);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	ccsp_err ret = CCSP_ERR_NOMEM;
	if (md == NULL)
		goto out;
	ret = CCSP_ERR_INTERNAL;
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k->rsa) != 1)
		goto out;
	/* PKCS#1 v1.5 is the default padding of an RSA key's verify context */
	ret = EVP_DigestVerify(md, full, (size_t)size, msg, msglen) == 1 ? CCSP_OK : CCSP_ERR_SIGNATURE;
out:
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return ret;
}

ccsp_err ccsp_chsm_pk_verify(const ccsp_chsm_pk *k, const uint8_t *msg, size_t msglen, const uint8_t *sig,
                             size_t siglen)
{
	CCSP_ENSURE(k != NULL && (msg != NULL || msglen == 0) && (sig != NULL || siglen == 0), CCSP_ERR_ARG);
	if (k->alg == CCSP_CHSM_PK_SM2)
		return sm2_verify(k, msg, msglen, sig, siglen);
	return rsa_verify(k, msg, msglen, sig, siglen);
}

/* ---- the store ---- */

ccsp_err ccsp_chsm_pk_store_open(const char *path, ccsp_chsm_pk_store **out)
{
	ccsp_err ret = CCSP_OK;
	CCSP_ENSURE(out != NULL && (path == NULL || path[0] != '\0'), CCSP_ERR_ARG);
	*out = NULL;
	ccsp_chsm_pk_store *s = calloc(1, sizeof *s);
	CCSP_ENSURE(s != NULL, CCSP_ERR_NOMEM);
	if (path != NULL) {
		s->path = strdup(path);
		CCSP_CHECK(s->path != NULL ? CCSP_OK : CCSP_ERR_NOMEM);
		ret = ccsp_chsm_pk_file_load(path, s->keys, &s->n);
		CCSP_CHECK(ret == CCSP_ERR_FILE_NOT_FOUND ? CCSP_OK : ret);
	}
	*out = s;
	s = NULL;
out:
	ccsp_chsm_pk_store_free(s);
	return ret;
}

void ccsp_chsm_pk_store_free(ccsp_chsm_pk_store *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		ccsp_chsm_pk_free(s->keys[i]);
	free(s->path);
	free(s);
}

size_t ccsp_chsm_pk_store_count(const ccsp_chsm_pk_store *s)
{
	return s == NULL ? 0 : s->n;
}

const ccsp_chsm_pk *ccsp_chsm_pk_store_get(const ccsp_chsm_pk_store *s, size_t i)
{
	return s != NULL && i < s->n ? s->keys[i] : NULL;
}

static int stored(ccsp_chsm_pk *const *keys, size_t n, const ccsp_chsm_pk *k)
{
	for (size_t i = 0; i < n; i++)
		if (ccsp_chsm_pk_same(keys[i], k))
			return 1;
	return 0;
}

/* Parse every text; keep the ones neither stored nor seen earlier in pks, with their index in at[]. */
static ccsp_err parse_new(const ccsp_chsm_pk_store *s, ccsp_chsm_pk_alg alg, const char *const *pks, const size_t *lens,
                          size_t n, ccsp_chsm_pk **fresh, size_t *at, size_t *nf, size_t *bad)
{
	for (size_t i = 0; i < n; i++) {
		ccsp_chsm_pk *k;
		*bad = i;
		CCSP_ENSURE(pks[i] != NULL, CCSP_ERR_ARG);
		CCSP_GUARD(ccsp_chsm_pk_from_text(pks[i], lens[i], 1, alg, &k));
		if (stored(s->keys, s->n, k) || stored(fresh, *nf, k)) {
			ccsp_chsm_pk_free(k);
		} else {
			at[*nf] = i;
			fresh[(*nf)++] = k;
		}
	}
	return CCSP_OK;
}

/* Save keys[0..n) (when the store has a file), then make them the store's keys. */
static ccsp_err commit(ccsp_chsm_pk_store *s, ccsp_chsm_pk *const *keys, size_t n)
{
	if (s->path != NULL)
		CCSP_GUARD(ccsp_chsm_pk_file_save(s->path, keys, n));
	memmove(s->keys, keys, n * sizeof keys[0]);
	s->n = n;
	return CCSP_OK;
}

ccsp_err ccsp_chsm_pk_store_add(ccsp_chsm_pk_store *s, ccsp_chsm_pk_alg alg, const char *const *pks,
                                const size_t *lens, size_t n, size_t *added, size_t *bad)
{
	ccsp_chsm_pk *fresh[CCSP_CHSM_PK_ADD_MAX];
	ccsp_chsm_pk *all[CCSP_CHSM_PK_MAX];
	size_t at[CCSP_CHSM_PK_ADD_MAX], nf = 0, where = 0;
	ccsp_err ret;
	if (added != NULL)
		*added = 0;
	CCSP_ENSURE(s != NULL && pks != NULL && lens != NULL && n > 0, CCSP_ERR_ARG);
	CCSP_ENSURE(alg == CCSP_CHSM_PK_ANY || alg == CCSP_CHSM_PK_SM2 || alg == CCSP_CHSM_PK_RSA, CCSP_ERR_ARG);
	if (n > CCSP_CHSM_PK_ADD_MAX) {
		where = CCSP_CHSM_PK_ADD_MAX;
		ret = CCSP_ERR_LIMIT;
		goto out;
	}
	CCSP_CHECK(parse_new(s, alg, pks, lens, n, fresh, at, &nf, &where));
	/* 7.4.2: more than two keys is refused as a whole; no key is ever replaced */
	if (s->n + nf > CCSP_CHSM_PK_MAX) {
		where = at[CCSP_CHSM_PK_MAX - s->n]; /* the first new key that does not fit */
		ret = CCSP_ERR_LIMIT;
		goto out;
	}
	if (nf > 0) {
		memcpy(all, s->keys, s->n * sizeof all[0]);
		memcpy(all + s->n, fresh, nf * sizeof all[0]);
		CCSP_CHECK(commit(s, all, s->n + nf));
		if (added != NULL)
			*added = nf;
		nf = 0; /* owned by the store now */
	}
out:
	if (ret != CCSP_OK && bad != NULL)
		*bad = where;
	for (size_t i = 0; i < nf; i++)
		ccsp_chsm_pk_free(fresh[i]);
	return ret;
}

ccsp_err ccsp_chsm_pk_store_remove(ccsp_chsm_pk_store *s, const char *authpk, size_t len)
{
	ccsp_chsm_pk *rest[CCSP_CHSM_PK_MAX];
	size_t m = 0;
	CCSP_ENSURE(s != NULL && authpk != NULL, CCSP_ERR_ARG);
	const ccsp_chsm_pk *k = ccsp_chsm_pk_store_find(s, authpk, len);
	CCSP_ENSURE(k != NULL, CCSP_ERR_KEY_NOT_FOUND);
	for (size_t i = 0; i < s->n; i++)
		if (s->keys[i] != k)
			rest[m++] = s->keys[i];
	CCSP_GUARD(commit(s, rest, m));
	ccsp_chsm_pk_free((ccsp_chsm_pk *)k);
	return CCSP_OK;
}

ccsp_err ccsp_chsm_pk_store_clear(ccsp_chsm_pk_store *s)
{
	ccsp_chsm_pk *old[CCSP_CHSM_PK_MAX], *none[1] = {NULL};
	CCSP_ENSURE(s != NULL, CCSP_ERR_ARG);
	size_t n = s->n;
	memcpy(old, s->keys, n * sizeof old[0]);
	CCSP_GUARD(commit(s, none, 0));
	for (size_t i = 0; i < n; i++)
		ccsp_chsm_pk_free(old[i]);
	return CCSP_OK;
}

/* ---- lookup (§3.5 Lookup) ---- */

static int has_hash(const ccsp_chsm_pk *k, const uint8_t h[CHSM_PK_HASH_SIZE])
{
	if (memcmp(k->fp, h, CHSM_PK_HASH_SIZE) == 0)
		return 1;
	for (size_t i = 0; i < k->nalt; i++)
		if (memcmp(k->alt[i], h, CHSM_PK_HASH_SIZE) == 0)
			return 1;
	return 0;
}

const ccsp_chsm_pk *ccsp_chsm_pk_store_find(const ccsp_chsm_pk_store *s, const char *authpk, size_t len)
{
	uint8_t h[CHSM_PK_HASH_SIZE];
	size_t n;
	ccsp_chsm_pk *k;
	const ccsp_chsm_pk *found = NULL;
	if (s == NULL || authpk == NULL || len > CCSP_CHSM_PK_TEXT_MAX || s->n == 0)
		return NULL;
	trim(&authpk, &len);
	if (ccsp_b64_decode(authpk, len, h, sizeof h, &n) == CCSP_OK && n == sizeof h) {
		for (size_t i = 0; i < s->n && found == NULL; i++)
			if (has_hash(s->keys[i], h))
				found = s->keys[i];
		return found;
	}
	/* the key itself; no key form is 32 bytes, so this never shadows a fingerprint */
	if (ccsp_chsm_pk_from_text(authpk, len, 0, CCSP_CHSM_PK_ANY, &k) != CCSP_OK)
		return NULL;
	for (size_t i = 0; i < s->n && found == NULL; i++)
		if (ccsp_chsm_pk_same(s->keys[i], k))
			found = s->keys[i];
	ccsp_chsm_pk_free(k);
	return found;
}
