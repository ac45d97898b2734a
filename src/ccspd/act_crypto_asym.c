/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applications' SM2 services with KMS keys (docs/api-ccspd.md "crypto/sign, crypto/verify, crypto/get-public-key,
 * crypto/asymmetric-decrypt"):
 *   sign               {keyId | alias, message | digest, id?}        -> {"signature": Base64 DER, "keyId", "version"}
 *   verify             {keyId | alias, message | digest, id?, signature, version?} -> {"valid": bool, ...}
 *   get-public-key     {keyId | alias, version?}                     -> {"publicKey": PEM SubjectPublicKeyInfo, ...}
 *   asymmetric-decrypt {keyId | alias, ciphertext, version?}         -> {"plaintext", ...}
 * message: Base64 of 0..65536 bytes, signed as GB/T 32918.2 does: e = SM3(Z || message), Z with the key version's
 * public key and id (UTF-8 text, default "1234567812345678"); digest: Base64 of e itself (32 bytes, e.g. from
 * crypto/hash with the public key and id), for messages too large to send. Signatures are DER SM2Signature (what
 * `openssl pkeyutl` makes and reads); verify also takes raw r || s (64 bytes). Ciphertexts: DER SM2Cipher (GM/T
 * 0009, what `openssl pkeyutl -encrypt` makes) or raw 04 || x || y || C3 || C2.
 * The private key is used inside the VSM only (kms_vsm.h sign, asym_decrypt); verification and the Z and e
 * computations need only the public key and run here.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>

#include "ccspd/act_kms.h"

#define MESSAGE_MAX CCSPD_KMS_PLAINTEXT_MAX
#define ID_MAX 1024

/* u's public key as a core key object; NULL after answering. */
static ccsp_sm2_key *public_key(kms_use *u)
{
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	if (k == NULL || ccsp_sm2_key_set_public(k, u->pub, sizeof u->pub) != CCSP_OK) {
		ccsp_sm2_key_free(k);
		act_fail(u->c, k == NULL ? CCSP_ERR_NOMEM : CCSP_ERR_TAMPERED, NULL);
		return NULL;
	}
	return k;
}

/* The message or digest of the body: the body's members read, then (after the key is loaded) e computed. */
typedef struct tbs {
	uint8_t *msg;
	size_t msglen;
	uint8_t *digest;
	size_t digestlen;
	const char *id;
} tbs;

static int tbs_parse(ccspd_call *c, tbs *t)
{
	*t = (tbs){0};
	int has_msg = json_object_get(c->body, "message") != NULL, has_digest = json_object_get(c->body, "digest") != NULL;
	if (has_msg == has_digest) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "give exactly one of message, digest");
		return -1;
	}
	if (act_str(c, "id", 0, ID_MAX, &t->id) != 0)
		return -1;
	if (has_digest && t->id != NULL) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "id goes with message (a digest already holds Z)");
		return -1;
	}
	if (has_msg)
		return kms_b64_member(c, "message", MESSAGE_MAX, 1, &t->msg, &t->msglen);
	if (kms_b64_member(c, "digest", 32, 0, &t->digest, &t->digestlen) != 0)
		return -1;
	if (t->digestlen != 32) {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "digest must be Base64 of 32 bytes (SM3)");
		return -1;
	}
	return 0;
}

/* e of t under key k: 0, or -1 after answering. */
static int tbs_digest(kms_use *u, const tbs *t, uint8_t e[32])
{
	if (t->digest != NULL) {
		memcpy(e, t->digest, 32);
		return 0;
	}
	ccsp_err ret = ccsp_sm2_compute_e_point(u->pub, sizeof u->pub, (const uint8_t *)t->id,
	                                        t->id != NULL ? strlen(t->id) : 0, t->msg, t->msglen, e);
	if (ret != CCSP_OK)
		act_fail(u->c, ret == CCSP_ERR_KEY ? CCSP_ERR_TAMPERED : ret, NULL);
	return ret == CCSP_OK ? 0 : -1;
}

static void tbs_free(tbs *t)
{
	free(t->msg);
	free(t->digest);
}

/* The optional "version" of the body into u->version: 0, or -1 after answering. */
static int version_of(kms_use *u)
{
	return act_int(u->c, "version", 1, INT32_MAX, 0, &u->version);
}

void ccspd_act_crypto_sign(ccspd_call *c)
{
	kms_use u = {.c = c, .op = CCSP_KMS_OP_SIGN};
	tbs t = {0};
	uint8_t e[32], sig[64], der[80];
	size_t derlen = 0;
	ccsp_kms_vsm v;
	if (kms_sel_parse(c, &u.sel) != 0 || tbs_parse(c, &t) != 0 || kms_use_load(&u) != 0 ||
	    tbs_digest(&u, &t, e) != 0)
		goto out;
	kms_vsm_for_call(c, u.group, &v);
	ccsp_err ret = v.ops->sign(v.ctx, &u.w, e, sig);
	if (ret == CCSP_OK)
		ret = ccsp_sm2_signature_to_der(sig, der, sizeof der, &derlen);
	if (ret == CCSP_OK)
		kms_use_ok_b64(&u, "signature", der, derlen);
	else
		kms_use_fail(&u, ret, CCSP_APIERR_INTERNAL);
out:
	tbs_free(&t);
	kms_use_wipe(&u);
}

/* The signature of the body as r || s: 0, or -1 after answering. */
static int signature_of(ccspd_call *c, uint8_t sig[64])
{
	uint8_t *b = NULL;
	size_t len = 0;
	if (kms_b64_member(c, "signature", 128, 0, &b, &len) != 0)
		return -1;
	ccsp_err ret = ccsp_sm2_signature_from_der(b, len, sig);
	if (ret != CCSP_OK && len == 64) {
		memcpy(sig, b, 64);
		ret = CCSP_OK;
	}
	free(b);
	if (ret != CCSP_OK)
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM, "signature must be a DER SM2Signature or r || s");
	return ret == CCSP_OK ? 0 : -1;
}

void ccspd_act_crypto_verify(ccspd_call *c)
{
	kms_use u = {.c = c, .op = CCSP_KMS_OP_VERIFY};
	tbs t = {0};
	uint8_t e[32], sig[64];
	ccsp_sm2_key *k = NULL;
	if (kms_sel_parse(c, &u.sel) != 0 || version_of(&u) != 0 || tbs_parse(c, &t) != 0 || signature_of(c, sig) != 0 ||
	    kms_use_load(&u) != 0 || (k = public_key(&u)) == NULL || tbs_digest(&u, &t, e) != 0)
		goto out;
	ccsp_err ret = ccsp_sm2_verify_digest(k, e, sig);
	if (ret == CCSP_OK || ret == CCSP_ERR_SIGNATURE)
		kms_use_ok(&u, json_pack("{s:b}", "valid", ret == CCSP_OK));
	else
		act_fail(c, ret, NULL);
out:
	ccsp_sm2_key_free(k);
	tbs_free(&t);
	kms_use_wipe(&u);
}

void ccspd_act_crypto_get_public_key(ccspd_call *c)
{
	kms_use u = {.c = c, .op = CCSP_KMS_OP_GET_PUBLIC_KEY};
	char pem[CCSP_SM2_KEY_FILE_MAX + 1];
	size_t len = 0;
	ccsp_sm2_key *k = NULL;
	if (kms_sel_parse(c, &u.sel) != 0 || version_of(&u) != 0 || kms_use_load(&u) != 0 || (k = public_key(&u)) == NULL)
		goto out;
	ccsp_err ret = ccsp_sm2_key_encode(k, CCSP_SM2_KEY_SPKI, 1, NULL, 0, (uint8_t *)pem, sizeof pem - 1, &len);
	if (ret == CCSP_OK) {
		pem[len] = '\0';
		kms_use_ok(&u, json_pack("{s:s}", "publicKey", pem));
	} else {
		act_fail(c, ret, NULL);
	}
out:
	ccsp_sm2_key_free(k);
	kms_use_wipe(&u);
}

/* The ciphertext of the body as x || y || C3 || C2 into a malloc'd *out: 0, or -1 after answering. */
static int sm2_ciphertext_of(ccspd_call *c, uint8_t **out, size_t *outlen)
{
	const size_t max = CCSP_KMS_SM2_PLAIN_MAX + CCSP_SM2_CIPHERTEXT_OVERHEAD + 19;
	uint8_t *b = NULL, *raw = NULL;
	size_t len = 0, rawlen = 0;
	*out = NULL;
	if (kms_b64_member(c, "ciphertext", max, 0, &b, &len) != 0)
		return -1;
	ccsp_err ret = (raw = malloc(max)) != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK && ccsp_sm2_ciphertext_from_der(b, len, raw, max, &rawlen) != CCSP_OK) {
		memcpy(raw, b, len); /* not DER: raw 04 || x || y || C3 || C2 */
		rawlen = len;
	}
	free(b);
	if (ret == CCSP_OK && (rawlen <= CCSP_SM2_CIPHERTEXT_OVERHEAD || raw[0] != 0x04 ||
	                       rawlen - CCSP_SM2_CIPHERTEXT_OVERHEAD > CCSP_KMS_SM2_PLAIN_MAX)) {
		free(raw);
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM,
		           "ciphertext must be a DER SM2Cipher or 04 || x || y || C3 || C2 of 1..4096 bytes of plaintext");
		return -1;
	}
	if (ret != CCSP_OK) {
		act_fail(c, ret, NULL);
		return -1;
	}
	memmove(raw, raw + 1, rawlen - 1);
	*out = raw;
	*outlen = rawlen - 1;
	return 0;
}

void ccspd_act_crypto_asymmetric_decrypt(ccspd_call *c)
{
	kms_use u = {.c = c, .op = CCSP_KMS_OP_ASYM_DECRYPT};
	uint8_t *ct = NULL, *pt = NULL;
	size_t ctlen = 0, ptlen = 0;
	ccsp_kms_vsm v;
	if (kms_sel_parse(c, &u.sel) != 0 || version_of(&u) != 0 || sm2_ciphertext_of(c, &ct, &ctlen) != 0 ||
	    kms_use_load(&u) != 0)
		goto out;
	pt = malloc(ctlen);
	kms_vsm_for_call(c, u.group, &v);
	ccsp_err ret = pt != NULL ? v.ops->asym_decrypt(v.ctx, &u.w, ct, ctlen, pt, &ptlen) : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		kms_use_ok_b64(&u, "plaintext", pt, ptlen);
	else
		kms_use_fail(&u, ret, CCSP_APIERR_CIPHERTEXT);
out:
	kms_b64_free(pt, ctlen);
	free(ct);
	kms_use_wipe(&u);
}
