/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CHSM images in ccspd's hands (ccspd.h "pool_image.c"): an image a CHSM exported, fetched from the platform's image
 * server, checked against the size and SM3 digest the CHSM's signed callback reported, and signed with the platform
 * key, which is what createVSM and importVSM check before they take it; and createVSM with such an image. Used by
 * the drift of tenants' VSMs (tvsm_keeper.c) and by copies of pool VSMs (act_pool_chsm.c, api_g88_callback.c).
 * ccspd never opens an image: it is sealed for the CHSMs' trust domain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>
#include <ccsp/sm3.h>

#include "ccspd/ccspd.h"
#include "common/b64.h"

#define IMAGE_MAX ((size_t)256 << 20) /* the largest image fetched */
#define IMAGE_FETCH_TIMEOUT_S 300L

typedef struct fetched {
	uint8_t *buf;
	size_t len, cap;
} fetched;

static size_t on_image(char *p, size_t size, size_t n, void *arg)
{
	fetched *f = arg;
	size_t len = size * n;
	if (len > IMAGE_MAX - f->len)
		return 0; /* too large: the transfer fails */
	if (f->len + len > f->cap) {
		size_t cap = f->cap != 0 ? f->cap : 65536;
		while (cap < f->len + len)
			cap *= 2;
		uint8_t *b = realloc(f->buf, cap);
		if (b == NULL)
			return 0;
		f->buf = b;
		f->cap = cap;
	}
	memcpy(f->buf + f->len, p, len);
	f->len += len;
	return len;
}

/* The image at url, of size bytes and SM3 digest (Base64): 0, or -1 with *why. */
static int fetch(const char *url, const char *digest, int64_t size, fetched *out, const char **why)
{
	uint8_t sum[32];
	char b64[CCSP_B64_LEN(32) + 1];
	CURL *curl = curl_easy_init();
	*why = "out of memory";
	if (curl == NULL)
		return -1;
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, IMAGE_FETCH_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_image);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	CURLcode cc = curl_easy_perform(curl);
	curl_easy_cleanup(curl);
	if (cc != CURLE_OK) {
		*why = "the image server does not give the image";
		return -1;
	}
	*why = "the image differs from what its CHSM reported (size or SM3 digest)";
	if ((int64_t)out->len != size || ccsp_sm3(out->buf, out->len, sum) != CCSP_OK)
		return -1;
	ccsp_b64_encode(sum, sizeof sum, b64);
	return strcmp(b64, digest) == 0 ? 0 : -1;
}

int ccspd_image_sign(ccspd *d, const char *url, const char *digest, int64_t size, char sig64[CCSPD_IMAGE_SIG_MAX + 1],
                     const char **why)
{
	ccspd_g88_key k;
	fetched im = {0};
	uint8_t e[32], sig[CCSP_SM2_SIGNATURE_SIZE], der[CCSP_SM2_SIGNATURE_DER_MAX];
	size_t derlen = 0;
	int created = 0, rc = -1;
	if (fetch(url, digest, size, &im, why) != 0)
		goto out;
	*why = "cannot sign the image with the platform key";
	if (ccspd_g88_key_load(d, 0, &k, &created) != CCSP_OK ||
	    ccsp_sm2_compute_e_point(k.signer.pub, sizeof k.signer.pub, (const uint8_t *)CCSP_SM2_DEFAULT_ID,
	                             CCSP_SM2_DEFAULT_ID_LEN, im.buf, im.len, e) != CCSP_OK ||
	    k.signer.sign(k.signer.ctx, e, sig) != CCSP_OK ||
	    ccsp_sm2_signature_to_der(sig, der, sizeof der, &derlen) != CCSP_OK)
		goto out;
	ccsp_b64_encode(der, derlen, sig64);
	rc = 0;
out:
	free(im.buf);
	return rc;
}

int ccspd_g88_create_from_image(ccspd *d, const ccsp_store_pool_chsm *chsm, int flavor, const char *url,
                                const char *sig64, ccsp_store_pool_task *task, ccspd_pool_fail *f)
{
	ccspd_g88_key k;
	json_t *res = NULL;
	int created = 0;
	if (ccspd_g88_key_load(d, 0, &k, &created) != CCSP_OK) {
		f->code = CCSP_APIERR_CRYPTO_MODULE;
		snprintf(f->msg, sizeof f->msg, "cannot load the platform's GM/T 0088 key");
		return -1;
	}
	ccsp_g88_target t = ccspd_g88_target(d, chsm->url, chsm->ca_pem);
	if (ccspd_g88_call(&t, &k.signer, "/vsm",
	                   json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "requestId", task->request_id, "oprType",
	                             "create", "flavor", flavor, "imageUrl", url, "alg", "SM2WithSM3", "sign", sig64,
	                             "callbackUrl", d->g88_callback_url),
	                   &res, f) != 0)
		return -1;
	json_t *vsm = json_object_get(res, "vsmId");
	int ok = json_is_string(vsm) && json_string_length(vsm) > 0 && json_string_length(vsm) <= CCSP_STORE_POOL_VSM_ID_MAX;
	if (ok) {
		snprintf(task->chsm_id, sizeof task->chsm_id, "%s", chsm->id);
		snprintf(task->opr_type, sizeof task->opr_type, "create");
		snprintf(task->vsm_id, sizeof task->vsm_id, "%s", json_string_value(vsm));
	} else {
		f->code = CCSP_APIERR_UNAVAILABLE;
		snprintf(f->msg, sizeof f->msg, "the CHSM accepted createVSM without a vsmId");
	}
	json_decref(res);
	return ok ? 0 : -1;
}

int ccspd_g88_export(ccspd *d, const ccsp_store_pool_chsm *chsm, const char *vsm_id, const char *request_id,
                     ccspd_pool_fail *f)
{
	ccspd_g88_key k;
	json_t *res = NULL;
	int created = 0;
	const char *upload = ccspd_image_upload_url(d);
	if (upload[0] == '\0') {
		f->code = CCSP_APIERR_BAD_REQUEST;
		snprintf(f->msg, sizeof f->msg, "no image server: set image_upload_url in ccspd.conf");
		return -1;
	}
	if (ccspd_g88_key_load(d, 0, &k, &created) != CCSP_OK) {
		f->code = CCSP_APIERR_CRYPTO_MODULE;
		snprintf(f->msg, sizeof f->msg, "cannot load the platform's GM/T 0088 key");
		return -1;
	}
	ccsp_g88_target t = ccspd_g88_target(d, chsm->url, chsm->ca_pem);
	t.timeout_s = 10;
	if (ccspd_g88_call(&t, &k.signer, "/chsm/imageuploader", json_pack("{s:s}", "url", upload), &res, f) != 0)
		return -1;
	json_decref(res);
	res = NULL;
	int rc = ccspd_g88_call(&t, &k.signer, "/vsm/image",
	                        json_pack("{s:s, s:s, s:s, s:s}", "requestId", request_id, "oprType", "export", "vsmId",
	                                  vsm_id, "callbackUrl", d->g88_callback_url),
	                        &res, f);
	json_decref(res);
	return rc;
}
