/* SPDX-License-Identifier: Apache-2.0 */
/* GM/T 0010 SM2 digital envelopes (envelope_der.h), on the core's DER reader and writer. */
#include <string.h>

#include <ccsp/sm2_asn1.h>

#include "crypto/der/der.h"
#include "crypto/guard.h" /* CCSP_GUARD, CCSP_ENSURE */
#include "platform/envelope_der.h"

#define DER_SET 0x31
#define DER_IMPLICIT_0 0x80 /* [0] IMPLICIT OCTET STRING: primitive */
#define DER_IMPLICIT_1 0x81
#define DER_IMPLICIT_2 0x82

/* Object identifiers, content bytes (GM/T 0006 for the SM ones, GM/T 0010 clause 5 for the content types). */
static const uint8_t OID_ENVELOPED[] = {0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x06, 0x01, 0x04, 0x02, 0x03};
static const uint8_t OID_DATA[] = {0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x06, 0x01, 0x04, 0x02, 0x01};
static const uint8_t OID_PKCS7_DATA[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01};
static const uint8_t OID_SM2_ENCRYPT[] = {0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d, 0x03}; /* .1.301.3 */
static const uint8_t OID_SM2[] = {0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d};                /* .1.301 */
static const uint8_t OID_SM4_CBC[] = {0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x68, 0x02};           /* .1.104.2 */

/* Record why and return err. */
static ccsp_err why(ccsp_envelope *env, ccsp_err err, const char *what)
{
	env->what = what;
	return err;
}

/* A version INTEGER of 0 or 1. */
static ccsp_err read_version(ccsp_der_reader *r)
{
	uint32_t v = 0;
	CCSP_GUARD(ccsp_der_read_u32(r, &v));
	return v <= 1 ? CCSP_OK : CCSP_ERR_UNSUPPORTED;
}

/* keyEncryptionAlgorithm: SM2 encryption (or bare SM2), parameters absent or NULL. */
static ccsp_err read_key_alg(ccsp_der_reader *r, ccsp_envelope *env)
{
	ccsp_der_reader alg;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &alg));
	if (!ccsp_der_read_oid_if(&alg, OID_SM2_ENCRYPT, sizeof OID_SM2_ENCRYPT) &&
	    !ccsp_der_read_oid_if(&alg, OID_SM2, sizeof OID_SM2))
		return why(env, ccsp_der_peek_tag(&alg) == CCSP_DER_OID ? CCSP_ERR_UNSUPPORTED : CCSP_ERR_DECODE,
		           "the key encryption algorithm is not SM2 (1.2.156.10197.1.301.3)");
	if (ccsp_der_remaining(&alg) > 0)
		CCSP_GUARD(ccsp_der_read_null(&alg));
	return ccsp_der_finish(&alg);
}

/* encryptedKey: an SM2Cipher (DER, or raw 04 || x || y || C3 || C2) of a 16-byte key into key_ct. */
static ccsp_err read_key_ct(ccsp_der_reader *r, uint8_t key_ct[CCSP_ENVELOPE_KEY_CT_SIZE], ccsp_envelope *env)
{
	const uint8_t *v = NULL;
	uint8_t raw[1 + CCSP_ENVELOPE_KEY_CT_SIZE];
	size_t n = 0, rawlen = 0;
	CCSP_GUARD(ccsp_der_read_value(r, CCSP_DER_OCTET_STRING, &v, &n));
	if (n > 0 && v[0] == 0x30) {
		ccsp_err ret = ccsp_sm2_ciphertext_from_der(v, n, raw, sizeof raw, &rawlen);
		if (ret != CCSP_OK && ret != CCSP_ERR_BUFFER_TOO_SMALL)
			return why(env, ret, "the encrypted key is not an SM2Cipher");
		CCSP_ENSURE(ret == CCSP_OK, why(env, CCSP_ERR_DECODE, "the encrypted key is not a 16-byte SM4 key"));
	} else {
		CCSP_ENSURE(n <= sizeof raw, why(env, CCSP_ERR_DECODE, "the encrypted key is not a 16-byte SM4 key"));
		memcpy(raw, v, n);
		rawlen = n;
	}
	CCSP_ENSURE(rawlen == sizeof raw && raw[0] == 0x04,
	            why(env, CCSP_ERR_DECODE, "the encrypted key is not a 16-byte SM4 key"));
	memcpy(key_ct, raw + 1, CCSP_ENVELOPE_KEY_CT_SIZE);
	return CCSP_OK;
}

static ccsp_err read_recipient(ccsp_der_reader *r, ccsp_envelope_recipient *rc, ccsp_envelope *env)
{
	ccsp_der_reader ri, ias, name;
	size_t start;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &ri));
	CCSP_ENSURE(read_version(&ri) == CCSP_OK, why(env, CCSP_ERR_DECODE, "a RecipientInfo version is not 0 or 1"));
	CCSP_GUARD(ccsp_der_read_tlv(&ri, CCSP_DER_SEQUENCE, &ias));
	start = ias.pos;
	CCSP_GUARD(ccsp_der_read_tlv(&ias, CCSP_DER_SEQUENCE, &name));
	rc->issuer = ias.p + start;
	rc->issuer_len = ias.pos - start;
	CCSP_GUARD(ccsp_der_read_uint(&ias, &rc->serial, &rc->serial_len));
	CCSP_GUARD(ccsp_der_finish(&ias));
	CCSP_GUARD(read_key_alg(&ri, env));
	CCSP_GUARD(read_key_ct(&ri, rc->key_ct, env));
	return ccsp_der_finish(&ri);
}

static ccsp_err read_recipients(ccsp_der_reader *r, ccsp_envelope *env)
{
	ccsp_der_reader set;
	CCSP_GUARD(ccsp_der_read_tlv(r, DER_SET, &set));
	env->n_recipients = 0;
	while (ccsp_der_remaining(&set) > 0) {
		CCSP_ENSURE(env->n_recipients < CCSP_ENVELOPE_RECIPIENTS_MAX,
		            why(env, CCSP_ERR_DECODE, "more than 8 recipients"));
		CCSP_GUARD(read_recipient(&set, &env->recipients[env->n_recipients], env));
		env->n_recipients++;
	}
	return env->n_recipients > 0 ? CCSP_OK : why(env, CCSP_ERR_DECODE, "no recipient");
}

/* contentEncryptionAlgorithm: SM4-CBC with a 16-byte IV. */
static ccsp_err read_content_alg(ccsp_der_reader *r, ccsp_envelope *env)
{
	ccsp_der_reader alg;
	const uint8_t *iv = NULL;
	size_t ivlen = 0;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &alg));
	if (!ccsp_der_read_oid_if(&alg, OID_SM4_CBC, sizeof OID_SM4_CBC))
		return why(env, ccsp_der_peek_tag(&alg) == CCSP_DER_OID ? CCSP_ERR_UNSUPPORTED : CCSP_ERR_DECODE,
		           "the content encryption algorithm is not SM4-CBC (1.2.156.10197.1.104.2)");
	CCSP_GUARD(ccsp_der_read_value(&alg, CCSP_DER_OCTET_STRING, &iv, &ivlen));
	CCSP_ENSURE(ivlen == CCSP_ENVELOPE_IV_SIZE, why(env, CCSP_ERR_DECODE, "the SM4-CBC IV is not 16 bytes"));
	memcpy(env->iv, iv, ivlen);
	return ccsp_der_finish(&alg);
}

/* The optional [tag] IMPLICIT OCTET STRING, skipped. */
static ccsp_err skip_if(ccsp_der_reader *r, uint8_t tag)
{
	ccsp_der_reader skipped;
	return ccsp_der_peek_tag(r) == tag ? ccsp_der_read_tlv(r, tag, &skipped) : CCSP_OK;
}

static ccsp_err read_content_info(ccsp_der_reader *r, ccsp_envelope *env)
{
	ccsp_der_reader eci;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &eci));
	if (!ccsp_der_read_oid_if(&eci, OID_DATA, sizeof OID_DATA) &&
	    !ccsp_der_read_oid_if(&eci, OID_PKCS7_DATA, sizeof OID_PKCS7_DATA))
		return why(env, ccsp_der_peek_tag(&eci) == CCSP_DER_OID ? CCSP_ERR_UNSUPPORTED : CCSP_ERR_DECODE,
		           "the enveloped content type is not data (1.2.156.10197.6.1.4.2.1)");
	CCSP_GUARD(read_content_alg(&eci, env));
	CCSP_ENSURE(ccsp_der_peek_tag(&eci) == DER_IMPLICIT_0,
	            why(env, CCSP_ERR_DECODE, "no encryptedContent [0] (detached content is not supported)"));
	CCSP_GUARD(ccsp_der_read_value(&eci, DER_IMPLICIT_0, &env->content, &env->content_len));
	CCSP_ENSURE(env->content_len <= CCSP_ENVELOPE_CONTENT_MAX,
	            why(env, CCSP_ERR_DATA_LENGTH, "the encrypted content is over 65552 bytes"));
	CCSP_ENSURE(env->content_len > 0 && env->content_len % 16 == 0,
	            why(env, CCSP_ERR_DECODE, "the encrypted content is not a non-zero multiple of 16 bytes"));
	CCSP_GUARD(skip_if(&eci, DER_IMPLICIT_1));
	CCSP_GUARD(skip_if(&eci, DER_IMPLICIT_2));
	return ccsp_der_finish(&eci);
}

static ccsp_err read_enveloped_data(ccsp_der_reader *r, ccsp_envelope *env)
{
	ccsp_der_reader ed, skipped;
	CCSP_GUARD(ccsp_der_read_tlv(r, CCSP_DER_SEQUENCE, &ed));
	CCSP_ENSURE(read_version(&ed) == CCSP_OK, why(env, CCSP_ERR_DECODE, "the EnvelopedData version is not 0 or 1"));
	CCSP_GUARD(read_recipients(&ed, env));
	CCSP_GUARD(read_content_info(&ed, env));
	if (ccsp_der_peek_tag(&ed) == CCSP_DER_CONTEXT_0) /* certificates */
		CCSP_GUARD(ccsp_der_read_tlv(&ed, CCSP_DER_CONTEXT_0, &skipped));
	if (ccsp_der_peek_tag(&ed) == CCSP_DER_CONTEXT_1) /* crls */
		CCSP_GUARD(ccsp_der_read_tlv(&ed, CCSP_DER_CONTEXT_1, &skipped));
	return ccsp_der_finish(&ed);
}

static ccsp_err read_all(const uint8_t *in, size_t len, ccsp_envelope *env)
{
	ccsp_der_reader r, ci, content;
	CCSP_ENSURE(len <= CCSP_ENVELOPE_MAX, why(env, CCSP_ERR_DATA_LENGTH, "the envelope is over 98304 bytes"));
	ccsp_der_reader_init(&r, in, len);
	CCSP_GUARD(ccsp_der_read_tlv(&r, CCSP_DER_SEQUENCE, &ci));
	CCSP_GUARD(ccsp_der_finish(&r));
	if (!ccsp_der_read_oid_if(&ci, OID_ENVELOPED, sizeof OID_ENVELOPED))
		return why(env, ccsp_der_peek_tag(&ci) == CCSP_DER_OID ? CCSP_ERR_UNSUPPORTED : CCSP_ERR_DECODE,
		           "the content type is not envelopedData (1.2.156.10197.6.1.4.2.3)");
	CCSP_GUARD(ccsp_der_read_tlv(&ci, CCSP_DER_CONTEXT_0, &content));
	CCSP_GUARD(ccsp_der_finish(&ci));
	CCSP_GUARD(read_enveloped_data(&content, env));
	return ccsp_der_finish(&content);
}

ccsp_err ccsp_envelope_read(const uint8_t *in, size_t len, ccsp_envelope *env)
{
	if (env == NULL)
		return CCSP_ERR_ARG;
	memset(env, 0, sizeof *env);
	if (in == NULL)
		return why(env, CCSP_ERR_DECODE, "no envelope");
	ccsp_err ret = read_all(in, len, env);
	if (ret != CCSP_OK && env->what == NULL)
		env->what = "malformed DER";
	return ret == CCSP_ERR_BUFFER_TOO_SMALL ? CCSP_ERR_DECODE : ret;
}

/* The RecipientInfo, prepended to w. */
static void put_recipient(ccsp_der_writer *w, const uint8_t *issuer, size_t issuer_len, const uint8_t *serial,
                          size_t serial_len, const uint8_t *cipher, size_t cipher_len)
{
	size_t end = w->len, mark;
	ccsp_der_put_tlv(w, CCSP_DER_OCTET_STRING, cipher, cipher_len);
	mark = w->len;
	ccsp_der_put_tlv(w, CCSP_DER_OID, OID_SM2_ENCRYPT, sizeof OID_SM2_ENCRYPT);
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - mark);
	mark = w->len;
	ccsp_der_put_uint(w, serial, serial_len);
	ccsp_der_put_bytes(w, issuer, issuer_len);
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - mark);
	ccsp_der_put_u32(w, 1);
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - end);
	ccsp_der_put_header(w, DER_SET, w->len - end);
}

/* The EncryptedContentInfo, prepended to w. */
static void put_content_info(ccsp_der_writer *w, const uint8_t iv[CCSP_ENVELOPE_IV_SIZE], const uint8_t *content,
                             size_t content_len)
{
	size_t end = w->len, mark;
	ccsp_der_put_tlv(w, DER_IMPLICIT_0, content, content_len);
	mark = w->len;
	ccsp_der_put_tlv(w, CCSP_DER_OCTET_STRING, iv, CCSP_ENVELOPE_IV_SIZE);
	ccsp_der_put_tlv(w, CCSP_DER_OID, OID_SM4_CBC, sizeof OID_SM4_CBC);
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - mark);
	ccsp_der_put_tlv(w, CCSP_DER_OID, OID_DATA, sizeof OID_DATA);
	ccsp_der_put_header(w, CCSP_DER_SEQUENCE, w->len - end);
}

/* A Name: one SEQUENCE TLV and nothing else. */
static int is_name(const uint8_t *issuer, size_t len)
{
	ccsp_der_reader r, name;
	ccsp_der_reader_init(&r, issuer, len);
	return ccsp_der_read_tlv(&r, CCSP_DER_SEQUENCE, &name) == CCSP_OK && ccsp_der_finish(&r) == CCSP_OK;
}

ccsp_err ccsp_envelope_write(const uint8_t *issuer, size_t issuer_len, const uint8_t *serial, size_t serial_len,
                             const uint8_t key_ct[CCSP_ENVELOPE_KEY_CT_SIZE], const uint8_t iv[CCSP_ENVELOPE_IV_SIZE],
                             const uint8_t *content, size_t content_len, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t raw[1 + CCSP_ENVELOPE_KEY_CT_SIZE] = {0x04}, cipher[CCSP_ENVELOPE_KEY_CT_SIZE + 32];
	size_t cipher_len = 0;
	ccsp_der_writer w;
	CCSP_ENSURE(issuer != NULL && is_name(issuer, issuer_len) && (serial != NULL || serial_len == 0) && key_ct != NULL && iv != NULL && content != NULL && content_len > 0 &&
	                    content_len % 16 == 0 && content_len <= CCSP_ENVELOPE_CONTENT_MAX && outlen != NULL,
	            CCSP_ERR_ARG);
	memcpy(raw + 1, key_ct, CCSP_ENVELOPE_KEY_CT_SIZE);
	CCSP_GUARD(ccsp_sm2_ciphertext_to_der(raw, sizeof raw, cipher, sizeof cipher, &cipher_len));
	ccsp_der_writer_init(&w, out, cap);
	put_content_info(&w, iv, content, content_len);
	put_recipient(&w, issuer, issuer_len, serial, serial_len, cipher, cipher_len);
	ccsp_der_put_u32(&w, 1);
	ccsp_der_put_header(&w, CCSP_DER_SEQUENCE, w.len);
	ccsp_der_put_header(&w, CCSP_DER_CONTEXT_0, w.len);
	ccsp_der_put_tlv(&w, CCSP_DER_OID, OID_ENVELOPED, sizeof OID_ENVELOPED);
	ccsp_der_put_header(&w, CCSP_DER_SEQUENCE, w.len);
	return ccsp_der_writer_finish(&w, outlen);
}

size_t ccsp_envelope_padded_len(size_t len)
{
	return len - len % 16 + 16;
}

void ccsp_envelope_pad(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t n = ccsp_envelope_padded_len(len);
	if (out != in)
		memmove(out, in, len);
	memset(out + len, (int)(n - len), n - len);
}

ccsp_err ccsp_envelope_unpad(const uint8_t *buf, size_t len, size_t *outlen)
{
	CCSP_ENSURE(buf != NULL && outlen != NULL && len > 0 && len % 16 == 0, CCSP_ERR_DECODE);
	unsigned pad = buf[len - 1], bad = (unsigned)(pad == 0) | (unsigned)(pad > 16);
	for (unsigned i = 1; i <= 16; i++) /* every candidate byte looked at, whatever pad is */
		bad |= (unsigned)(i <= pad) & (unsigned)(buf[len - i] != pad);
	CCSP_ENSURE(!bad, CCSP_ERR_DECODE);
	*outlen = len - pad;
	return CCSP_OK;
}
