/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applications' GM/T 0010 SM2 digital envelopes (docs/api-ccspd.md "crypto/envelope-seal, crypto/envelope-open"):
 *   envelope-seal {recipient: PEM SM2 public key or certificate, data: Base64 (0..65536 bytes)}
 *                 -> {"envelope": Base64 DER}
 *   envelope-open {keyId | alias, envelope: Base64 DER, version?} -> {"data", "keyId", "version"}
 * The format is src/platform/envelope_der.h's. Sealing runs in a VSM of the caller's tenant's resource group: the
 * SM4 content key comes from the VSM's generator, leaves it only SM2-encrypted to the recipient, and encrypts the
 * data there. Opening hands the KMS SM2_ENC key's wrapped private key and the envelope's encrypted key to a VSM of
 * the key's group, which decrypts the content key and the data inside (kms_vsm.h envelope_seal / envelope_open):
 * ccspd never holds the content key. Data is padded (PKCS#7) and unpadded here; the plaintext is wiped after use.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/x509.h>

#include "ccspd/act_kms.h"
#include "common/b64.h"
#include "platform/envelope_der.h"

#define RECIPIENT_TEXT_MAX 24576 /* a PEM certificate of CCSP_X509_CERT_MAX bytes fits */

/* The recipient of a seal: its public key, and the RecipientInfo's issuer and serial number. */
typedef struct recipient {
	uint8_t pub[CCSP_KMS_PUBLIC_SIZE];
	uint8_t *cert; /* the certificate's DER when given one (issuer points into it) */
	const uint8_t *issuer;
	size_t issuer_len;
	uint8_t serial[CCSP_X509_SERIAL_MAX];
	size_t serial_len;
} recipient;

static const uint8_t EMPTY_NAME[] = {0x30, 0x00}; /* a bare public key: no issuer, serial number 0 */

/* A certificate's key, issuer and serial number into r: 0, or -1 after answering. */
static int recipient_cert(ccspd_call *c, const char *text, recipient *r)
{
	ccsp_x509_cert cert;
	size_t len = 0;
	int64_t now = ccspd_now_ms(c->d) / 1000;
	const char *refused = NULL;
	if ((r->cert = malloc(CCSP_X509_CERT_MAX)) == NULL) {
		act_fail(c, CCSP_ERR_NOMEM, NULL);
		return -1;
	}
	if (ccsp_x509_pem_decode((const uint8_t *)text, strlen(text), "CERTIFICATE", r->cert, CCSP_X509_CERT_MAX, &len,
	                         NULL) != CCSP_OK ||
	    ccsp_x509_cert_parse(&cert, r->cert, len) != CCSP_OK)
		refused = "recipient: not an SM2 certificate (PEM) that can be read";
	else if (now < cert.not_before || now > cert.not_after)
		refused = "recipient: the certificate is not valid now (notBefore..notAfter)";
	else if (cert.has_key_usage && (cert.key_usage & CCSP_X509_KU_KEY_ENCIPHERMENT) == 0)
		refused = "recipient: the certificate's keyUsage does not allow keyEncipherment";
	if (refused != NULL) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, refused);
		return -1;
	}
	memcpy(r->pub, cert.pub + 1, sizeof r->pub);
	r->issuer = cert.issuer.p;
	r->issuer_len = cert.issuer.len;
	memcpy(r->serial, cert.serial, cert.serial_len);
	r->serial_len = cert.serial_len;
	return 0;
}

/* The body's recipient into r: 0, or -1 after answering CCSP-1001. */
static int recipient_of(ccspd_call *c, recipient *r)
{
	const char *text = NULL;
	uint8_t point[65];
	ccsp_sm2_key *k = NULL;
	*r = (recipient){.issuer = EMPTY_NAME, .issuer_len = sizeof EMPTY_NAME};
	if (act_text(c, "recipient", 1, RECIPIENT_TEXT_MAX, &text) != 0)
		return -1;
	if (strstr(text, "-----BEGIN CERTIFICATE-----") != NULL)
		return recipient_cert(c, text, r);
	if (act_sm2_public(text, point, &k) != CCSP_OK) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM,
		                "recipient must be an SM2 public key (PEM SubjectPublicKeyInfo) or an SM2 certificate (PEM)");
		return -1;
	}
	memcpy(r->pub, point + 1, sizeof r->pub);
	ccsp_sm2_key_free(k);
	return 0;
}

/* Seal padded (len bytes) to r in a VSM of the caller's tenant into a new DER envelope (*der, *derlen). */
static ccsp_err seal(ccspd_call *c, const recipient *r, const uint8_t *padded, size_t len, uint8_t **der,
                     size_t *derlen)
{
	char group[CCSP_STORE_ID_LEN + 1];
	uint8_t key_ct[CCSP_KMS_ENVELOPE_KEY_CT_SIZE], iv[CCSP_ENVELOPE_IV_SIZE];
	ccsp_kms_vsm v;
	uint8_t *ct = malloc(len), *out = malloc(CCSP_ENVELOPE_MAX);
	ccsp_err ret = ct != NULL && out != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		ret = kms_group_of_tenant(c->d, c->who->tenant_id, group);
	if (ret == CCSP_OK) {
		kms_vsm_for_call(c, group, &v);
		ret = v.ops->envelope_seal(v.ctx, r->pub, padded, len, key_ct, iv, ct);
	}
	if (ret == CCSP_OK)
		ret = ccsp_envelope_write(r->issuer, r->issuer_len, r->serial, r->serial_len, key_ct, iv, ct, len, out,
		                          CCSP_ENVELOPE_MAX, derlen);
	free(ct);
	if (ret != CCSP_OK) {
		free(out);
		out = NULL;
	}
	*der = out;
	return ret;
}

/* Answer {name: Base64 of data}. */
static void ok_b64(ccspd_call *c, const char *name, const uint8_t *data, size_t len)
{
	char *b64 = malloc(CCSP_B64_LEN(len) + 1);
	if (b64 == NULL) {
		act_fail(c, CCSP_ERR_NOMEM, NULL);
		return;
	}
	ccsp_b64_encode(data, len, b64);
	ccspd_call_ok(c, json_pack("{s:s}", name, b64));
	free(b64);
}

void ccspd_act_crypto_envelope_seal(ccspd_call *c)
{
	recipient r = {0};
	uint8_t *data = NULL, *padded = NULL, *der = NULL;
	size_t len = 0, plen = 0, derlen = 0;
	if (recipient_of(c, &r) != 0 || kms_b64_member(c, "data", CCSP_ENVELOPE_DATA_MAX, 1, &data, &len) != 0)
		goto out;
	act_wipe(c, "data");
	plen = ccsp_envelope_padded_len(len);
	ccsp_err ret = (padded = malloc(plen)) != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK) {
		ccsp_envelope_pad(data, len, padded);
		ret = seal(c, &r, padded, plen, &der, &derlen);
	}
	if (ret == CCSP_OK)
		ok_b64(c, "envelope", der, derlen);
	else
		act_fail(c, ret == CCSP_ERR_MODULE_STATE || ret == CCSP_ERR_NOMEM ? ret : CCSP_ERR_COMM, NULL);
out:
	kms_b64_free(data, len);
	kms_b64_free(padded, plen);
	free(der);
	free(r.cert);
}

/* The body's envelope parsed into env (pointing into *der, malloc'd): 0, or -1 after answering CCSP-1001. */
static int envelope_of(ccspd_call *c, uint8_t **der, ccsp_envelope *env)
{
	size_t len = 0;
	char msg[160];
	if (kms_b64_member(c, "envelope", CCSP_ENVELOPE_MAX, 0, der, &len) != 0)
		return -1;
	ccsp_err ret = ccsp_envelope_read(*der, len, env);
	if (ret == CCSP_OK)
		return 0;
	if (ret != CCSP_ERR_DECODE && ret != CCSP_ERR_UNSUPPORTED && ret != CCSP_ERR_DATA_LENGTH) {
		act_fail(c, ret, NULL); /* the crypto core is not operational */
		return -1;
	}
	snprintf(msg, sizeof msg, "envelope is not a GM/T 0010 SM2 envelope this platform reads: %s", env->what);
	ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, msg);
	return -1;
}

/* Decrypt env's content with u's key into out, trying each recipient: CCSP_ERR_AUTH when none is for the key. */
static ccsp_err open_any(kms_use *u, const ccsp_envelope *env, uint8_t *out)
{
	ccsp_kms_vsm v;
	ccsp_err ret = CCSP_ERR_AUTH;
	kms_vsm_for_call(u->c, u->group, &v);
	for (size_t i = 0; i < env->n_recipients && ret == CCSP_ERR_AUTH; i++)
		ret = v.ops->envelope_open(v.ctx, &u->w, env->recipients[i].key_ct, env->iv, env->content,
		                           env->content_len, out);
	return ret;
}

void ccspd_act_crypto_envelope_open(ccspd_call *c)
{
	kms_use u = {.c = c, .op = CCSP_KMS_OP_ENVELOPE_OPEN};
	uint8_t *der = NULL, *pt = NULL;
	size_t ptlen = 0;
	ccsp_envelope env = {0};
	if (kms_sel_parse(c, &u.sel) != 0 || act_int(c, "version", 1, INT32_MAX, 0, &u.version) != 0 ||
	    envelope_of(c, &der, &env) != 0 || kms_use_load(&u) != 0)
		goto out;
	ccsp_err ret = (pt = malloc(env.content_len)) != NULL ? open_any(&u, &env, pt) : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK && ccsp_envelope_unpad(pt, env.content_len, &ptlen) != CCSP_OK)
		ccspd_call_fail(c, CCSP_APIERR_CIPHERTEXT, "the envelope's content does not decrypt (altered bytes)");
	else if (ret == CCSP_OK)
		kms_use_ok_b64(&u, "data", pt, ptlen);
	else if (ret == CCSP_ERR_AUTH)
		ccspd_call_fail(c, CCSP_APIERR_CIPHERTEXT, "the envelope is not for this key (or its encrypted key was altered)");
	else
		kms_use_fail(&u, ret, CCSP_APIERR_CIPHERTEXT);
out:
	kms_b64_free(pt, env.content_len);
	free(der);
	kms_use_wipe(&u);
}
