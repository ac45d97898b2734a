/* SPDX-License-Identifier: Apache-2.0 */
/* The platform VSM through libsdf (pvsm.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sdf.h>

#include "platform/pvsm.h"
#include "platform/pvsm_internal.h"

void ccsp_pvsm_close(ccsp_pvsm *p)
{
	if (p == NULL)
		return;
	for (unsigned i = 0; i < p->n; i++) {
		if (p->s[i].dpk != NULL)
			(void)SDF_DestroyKey(p->s[i].h, p->s[i].dpk);
		if (p->s[i].h != NULL)
			(void)SDF_CloseSession(p->s[i].h);
		pthread_mutex_destroy(&p->s[i].mu);
	}
	if (p->dev != NULL)
		(void)SDF_CloseDevice(p->dev);
	free(p);
}

ccsp_err ccsp_pvsm_open(const char *sdf_conf, unsigned sessions, ccsp_pvsm **out)
{
	*out = NULL;
	if (sdf_conf == NULL || sessions == 0 || sessions > SESSIONS_MAX)
		return CCSP_ERR_ARG;
	ccsp_pvsm *p = calloc(1, sizeof *p);
	if (p == NULL)
		return CCSP_ERR_NOMEM;
	if (SDF_CCSP_OpenDeviceWithConfig(sdf_conf, &p->dev) != SDR_OK) {
		p->dev = NULL;
		ccsp_pvsm_close(p);
		return CCSP_ERR_COMM;
	}
	for (; p->n < sessions; p->n++) {
		pthread_mutex_init(&p->s[p->n].mu, NULL);
		if (SDF_OpenSession(p->dev, &p->s[p->n].h) != SDR_OK) {
			p->s[p->n].h = NULL;
			p->n++;
			ccsp_pvsm_close(p);
			return CCSP_ERR_COMM;
		}
	}
	*out = p;
	return CCSP_OK;
}

/* A session for the caller alone: a free one if any, else wait for the next in turn. */
pvsm_session *pvsm_take(ccsp_pvsm *p)
{
	unsigned start = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
	for (unsigned i = 0; i < p->n; i++) {
		pvsm_session *s = &p->s[(start + i) % p->n];
		if (pthread_mutex_trylock(&s->mu) == 0)
			return s;
	}
	pvsm_session *s = &p->s[start % p->n];
	pthread_mutex_lock(&s->mu);
	return s;
}

void pvsm_give_back(pvsm_session *s)
{
	pthread_mutex_unlock(&s->mu);
}

ccsp_err ccsp_pvsm_random(ccsp_pvsm *p, uint8_t *out, size_t n)
{
	if (p == NULL || out == NULL || n == 0 || n > CCSP_PVSM_RANDOM_MAX)
		return CCSP_ERR_ARG;
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_GenerateRandom(s->h, (ULONG)n, out);
	pvsm_give_back(s);
	return rv == SDR_OK ? CCSP_OK : CCSP_ERR_COMM;
}

ccsp_err ccsp_pvsm_dpk_create(ccsp_pvsm *p, unsigned kek_index, uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX], size_t *len)
{
	return ccsp_pvsm_key_generate(p, kek_index, wrapped, len);
}

/* The SDF algorithm of a secret key's wrap of wlen bytes: the sealed wrap (SGD_SM4_GCM) that generate_wrapped and
 * every vendor function make, or the standard SM4-ECB one (16 or 32 bytes) that stores made before it hold. */
static ULONG wrap_alg(size_t wlen)
{
	return wlen == 16 || wlen == 32 ? SGD_SM4_ECB : SGD_SM4_GCM;
}

/* A secret of bits bits generated in the VSM and handed out wrapped by its KEK at kek_index, sealed (an altered
 * wrap is refused, where an SM4-ECB one would open to another key). */
static ccsp_err generate_wrapped(ccsp_pvsm *p, unsigned kek_index, ULONG bits, uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX],
                                 size_t *len)
{
	ULONG n = CCSP_PVSM_WRAPPED_MAX;
	HANDLE k = NULL;
	if (p == NULL || wrapped == NULL || len == NULL)
		return CCSP_ERR_ARG;
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_GenerateKeyWithKEK(s->h, bits, SGD_SM4_GCM, (ULONG)kek_index, wrapped, &n, &k);
	if (rv == SDR_OK)
		(void)SDF_DestroyKey(s->h, k); /* loaded again, in every session, by ccsp_pvsm_dpk_load */
	pvsm_give_back(s);
	*len = n;
	return rv == SDR_OK ? CCSP_OK : CCSP_ERR_COMM;
}

ccsp_err ccsp_pvsm_key_generate(ccsp_pvsm *p, unsigned kek_index, uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX], size_t *len)
{
	return generate_wrapped(p, kek_index, 128, wrapped, len);
}

ccsp_err ccsp_pvsm_hmac_key_generate(ccsp_pvsm *p, unsigned kek_index, uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX],
                                     size_t *len)
{
	return generate_wrapped(p, kek_index, 256, wrapped, len);
}

ccsp_err ccsp_pvsm_dpk_load(ccsp_pvsm *p, unsigned kek_index, const uint8_t *wrapped, size_t len)
{
	uint8_t copy[CCSP_PVSM_WRAPPED_MAX];
	if (p == NULL || wrapped == NULL || len == 0 || len > sizeof copy)
		return CCSP_ERR_ARG;
	ccsp_err ret = CCSP_OK;
	for (unsigned i = 0; i < p->n && ret == CCSP_OK; i++) {
		pvsm_session *s = &p->s[i];
		memcpy(copy, wrapped, len);
		pthread_mutex_lock(&s->mu);
		if (s->dpk == NULL &&
		    SDF_ImportKeyWithKEK(s->h, wrap_alg(len), (ULONG)kek_index, copy, (ULONG)len, &s->dpk) != SDR_OK) {
			s->dpk = NULL;
			ret = CCSP_ERR_COMM;
		}
		pthread_mutex_unlock(&s->mu);
	}
	return ret;
}

ccsp_err ccsp_pvsm_seal(ccsp_pvsm *p, const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len, uint8_t *out)
{
	ULONG ctlen = (ULONG)len, taglen = 16;
	if (p == NULL || in == NULL || out == NULL || len > CCSP_PVSM_SEAL_MAX || aadlen > CCSP_PVSM_SEAL_MAX)
		return CCSP_ERR_ARG;
	pvsm_session *s = pvsm_take(p);
	LONG rv = s->dpk == NULL ? SDR_KEYNOTEXIST : SDF_GenerateRandom(s->h, 12, out);
	if (rv == SDR_OK)
		rv = SDF_AuthEnc(s->h, s->dpk, SGD_SM4_GCM, out, 12, (BYTE *)aad, (ULONG)aadlen, (BYTE *)in, (ULONG)len,
		                 out + 12, &ctlen, out + 12 + len, &taglen);
	int loaded = s->dpk != NULL;
	pvsm_give_back(s);
	if (!loaded)
		return CCSP_ERR_STATE;
	return rv == SDR_OK && ctlen == len && taglen == 16 ? CCSP_OK : CCSP_ERR_COMM;
}

ccsp_err ccsp_pvsm_unseal(ccsp_pvsm *p, const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len,
                          uint8_t *out)
{
	uint8_t tag[16];
	if (p == NULL || in == NULL || out == NULL || len < CCSP_PVSM_SEAL_OVERHEAD ||
	    len > CCSP_PVSM_SEAL_MAX + CCSP_PVSM_SEAL_OVERHEAD || aadlen > CCSP_PVSM_SEAL_MAX)
		return CCSP_ERR_ARG;
	size_t n = len - CCSP_PVSM_SEAL_OVERHEAD;
	ULONG taglen = 16, outlen = (ULONG)n;
	memcpy(tag, in + 12 + n, 16);
	pvsm_session *s = pvsm_take(p);
	LONG rv = s->dpk == NULL ? SDR_KEYNOTEXIST
	                         : SDF_AuthDec(s->h, s->dpk, SGD_SM4_GCM, (BYTE *)in, 12, (BYTE *)aad, (ULONG)aadlen, tag,
	                                       &taglen, (BYTE *)in + 12, (ULONG)n, out, &outlen);
	int loaded = s->dpk != NULL;
	pvsm_give_back(s);
	if (!loaded)
		return CCSP_ERR_STATE;
	if (rv == SDR_MACERR)
		return CCSP_ERR_AUTH;
	return rv == SDR_OK && outlen == n ? CCSP_OK : CCSP_ERR_COMM;
}

/* The pvsm.h answer for the SDR code of an operation on a tenant's wrapped key: CCSP_ERR_COMM only when the VSM
 * failed (no answer, a broken answer, a device or session that no longer works) — the resource pool then takes
 * it out of rotation and may run the operation elsewhere —; a refusal of this request is the request's: a key
 * that does not unwrap or is of another type (CCSP_ERR_KEY), a tag or ciphertext that does not check
 * (CCSP_ERR_AUTH), arguments it refuses (CCSP_ERR_ARG). */
ccsp_err pvsm_pair_err(LONG rv)
{
	switch (rv) {
	case SDR_OK:
		return CCSP_OK;
	case SDR_KEYERR:
	case SDR_KEYTYPEERR:
		return CCSP_ERR_KEY;
	case SDR_ENCDATAERR:
	case SDR_MACERR:
		return CCSP_ERR_AUTH;
	case SDR_INARGERR:
	case SDR_OUTARGERR:
		return CCSP_ERR_ARG;
	default:
		return CCSP_ERR_COMM;
	}
}

/* ---- tenants' keys: imported for one operation, destroyed after it ---- */

/* The wrapped key imported into s as *k: SDR_OK, or the VSM's status with *k NULL. */
static LONG import_key(pvsm_session *s, unsigned kek_index, const uint8_t *wrapped, size_t wlen, HANDLE *k)
{
	uint8_t copy[CCSP_PVSM_WRAPPED_MAX]; /* the SDF prototype takes a non-const buffer */
	memcpy(copy, wrapped, wlen);
	*k = NULL;
	LONG rv = SDF_ImportKeyWithKEK(s->h, wrap_alg(wlen), (ULONG)kek_index, copy, (ULONG)wlen, k);
	if (rv != SDR_OK)
		*k = NULL;
	return rv;
}

static int key_args_ok(ccsp_pvsm *p, const uint8_t *wrapped, size_t wlen, const uint8_t *aad, size_t aadlen,
                       const uint8_t *in, const uint8_t *out, size_t len)
{
	return p != NULL && wrapped != NULL && wlen > 0 && wlen <= CCSP_PVSM_WRAPPED_MAX && aadlen <= CCSP_PVSM_AAD_MAX &&
	       (aad != NULL || aadlen == 0) && (in != NULL || len == 0) && out != NULL && len <= CCSP_PVSM_GCM_MAX;
}

/* SM4-GCM with the wrapped key in one call (the vendor extension SDF_AuthEncWithKEK / SDF_AuthDecWithKEK: the
 * key unwrapped inside the VSM for the call, the IV from its generator), one round trip instead of four. */
ccsp_err ccsp_pvsm_key_encrypt(ccsp_pvsm *p, unsigned kek_index, const uint8_t *wrapped, size_t wlen,
                               const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len,
                               uint8_t iv[CCSP_PVSM_GCM_IV_SIZE], uint8_t *out, uint8_t tag[CCSP_PVSM_GCM_TAG_SIZE])
{
	uint8_t copy[CCSP_PVSM_WRAPPED_MAX]; /* the SDF prototype takes non-const buffers */
	ULONG ctlen = (ULONG)len;
	if (!key_args_ok(p, wrapped, wlen, aad, aadlen, in, out, len) || iv == NULL || tag == NULL)
		return CCSP_ERR_ARG;
	memcpy(copy, wrapped, wlen);
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_AuthEncWithKEK(s->h, (ULONG)kek_index, copy, (ULONG)wlen, (BYTE *)aad, (ULONG)aadlen, (BYTE *)in,
	                             (ULONG)len, iv, out, &ctlen, tag);
	pvsm_give_back(s);
	return rv == SDR_OK && ctlen != len ? CCSP_ERR_COMM : pvsm_pair_err(rv);
}

ccsp_err ccsp_pvsm_key_decrypt(ccsp_pvsm *p, unsigned kek_index, const uint8_t *wrapped, size_t wlen,
                               const uint8_t *aad, size_t aadlen, const uint8_t iv[CCSP_PVSM_GCM_IV_SIZE],
                               const uint8_t *in, size_t len, const uint8_t tag[CCSP_PVSM_GCM_TAG_SIZE], uint8_t *out)
{
	uint8_t copy[CCSP_PVSM_WRAPPED_MAX], t[CCSP_PVSM_GCM_TAG_SIZE], v[CCSP_PVSM_GCM_IV_SIZE];
	ULONG outlen = (ULONG)len;
	if (!key_args_ok(p, wrapped, wlen, aad, aadlen, in, out, len) || iv == NULL || tag == NULL)
		return CCSP_ERR_ARG;
	memcpy(copy, wrapped, wlen);
	memcpy(t, tag, sizeof t);
	memcpy(v, iv, sizeof v);
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_AuthDecWithKEK(s->h, (ULONG)kek_index, copy, (ULONG)wlen, (BYTE *)aad, (ULONG)aadlen, v, (BYTE *)in,
	                             (ULONG)len, t, out, &outlen);
	pvsm_give_back(s);
	return rv == SDR_OK && outlen != len ? CCSP_ERR_COMM : pvsm_pair_err(rv);
}

/* The MAC of in under the session key k. */
static LONG mac_with(pvsm_session *s, HANDLE k, int alg, const uint8_t *in, size_t len, uint8_t mac[32], ULONG *n)
{
	if (alg == CCSP_PVSM_MAC_SM4_CBC) {
		uint8_t iv[16] = {0};
		return SDF_CalculateMAC(s->h, k, SGD_SM4_MAC, iv, (BYTE *)in, (ULONG)len, mac, n);
	}
	LONG rv = SDF_HMACInit(s->h, k, SGD_SM3);
	if (rv == SDR_OK && len > 0)
		rv = SDF_HMACUpdate(s->h, (BYTE *)in, (ULONG)len);
	if (rv == SDR_OK)
		rv = SDF_HMACFinal(s->h, mac, n);
	return rv;
}

ccsp_err ccsp_pvsm_key_mac(ccsp_pvsm *p, unsigned kek_index, const uint8_t *wrapped, size_t wlen, int alg,
                           const uint8_t *in, size_t len, uint8_t mac[32], size_t *maclen)
{
	ULONG n = 32;
	if (!key_args_ok(p, wrapped, wlen, NULL, 0, in, mac, len) || maclen == NULL ||
	    (alg != CCSP_PVSM_MAC_HMAC_SM3 && alg != CCSP_PVSM_MAC_SM4_CBC) ||
	    (alg == CCSP_PVSM_MAC_SM4_CBC && (len == 0 || len % 16 != 0)))
		return CCSP_ERR_ARG;
	pvsm_session *s = pvsm_take(p);
	HANDLE k;
	LONG rv = import_key(s, kek_index, wrapped, wlen, &k);
	if (rv == SDR_OK)
		rv = mac_with(s, k, alg, in, len, mac, &n);
	if (k != NULL)
		(void)SDF_DestroyKey(s->h, k);
	pvsm_give_back(s);
	*maclen = n;
	return rv == SDR_OK && n != (alg == CCSP_PVSM_MAC_SM4_CBC ? 16u : 32u) ? CCSP_ERR_COMM : pvsm_pair_err(rv);
}

int ccsp_pvsm_ready(ccsp_pvsm *p)
{
	DEVICEINFO info;
	if (p == NULL)
		return 0;
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_GetDeviceInfo(s->h, &info);
	pvsm_give_back(s);
	return rv == SDR_OK;
}

/* A fixed-size DEVICEINFO field as printable text. */
static void info_text(char *out, const unsigned char *in, size_t len)
{
	while (len > 0 && (in[len - 1] == 0 || in[len - 1] == ' '))
		len--;
	if (len > CCSP_PVSM_INFO_MAX)
		len = CCSP_PVSM_INFO_MAX;
	for (size_t i = 0; i < len; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? (char)in[i] : '?';
	out[len] = '\0';
}

ccsp_err ccsp_pvsm_info(ccsp_pvsm *p, char vendor[CCSP_PVSM_INFO_MAX + 1], char model[CCSP_PVSM_INFO_MAX + 1],
                        char serial[CCSP_PVSM_INFO_MAX + 1])
{
	DEVICEINFO info;
	if (p == NULL)
		return CCSP_ERR_ARG;
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_GetDeviceInfo(s->h, &info);
	pvsm_give_back(s);
	if (rv != SDR_OK)
		return CCSP_ERR_COMM;
	info_text(vendor, info.IssuerName, sizeof info.IssuerName);
	info_text(model, info.DeviceName, sizeof info.DeviceName);
	info_text(serial, info.DeviceSerial, sizeof info.DeviceSerial);
	return CCSP_OK;
}

ccsp_err ccsp_pvsm_sign_key_load(ccsp_pvsm *p, unsigned index, const uint8_t *password, size_t pwlen,
                                 uint8_t point[65])
{
	uint8_t pw[CCSP_PVSM_PASSWORD_MAX];
	ECCrefPublicKey pub;
	if (p == NULL || index == 0 || password == NULL || pwlen == 0 || pwlen > sizeof pw || point == NULL)
		return CCSP_ERR_ARG;
	LONG rv = SDR_OK;
	for (unsigned i = 0; i < p->n && rv == SDR_OK; i++) {
		pvsm_session *s = &p->s[i];
		memcpy(pw, password, pwlen); /* the SDF prototype takes a non-const buffer */
		pthread_mutex_lock(&s->mu);
		if (i == 0)
			rv = SDF_ExportSignPublicKey_ECC(s->h, (ULONG)index, &pub);
		if (rv == SDR_OK)
			rv = SDF_GetPrivateKeyAccessRight(s->h, (ULONG)index, pw, (ULONG)pwlen);
		pthread_mutex_unlock(&s->mu);
	}
	ccsp_memzero(pw, sizeof pw);
	if (rv == SDR_OK) {
		point[0] = 0x04;
		memcpy(point + 1, pub.x + 32, 32);
		memcpy(point + 33, pub.y + 32, 32);
		atomic_store(&p->sign_index, index);
		return CCSP_OK;
	}
	if (rv == SDR_KEYNOTEXIST)
		return CCSP_ERR_NOT_FOUND;
	return rv == SDR_PARDENY || rv == SDR_PRKRERR ? CCSP_ERR_AUTH : CCSP_ERR_COMM;
}

ccsp_err ccsp_pvsm_sign(ccsp_pvsm *p, const uint8_t e[32], uint8_t sig[64])
{
	ECCSignature es;
	if (p == NULL || e == NULL || sig == NULL)
		return CCSP_ERR_ARG;
	unsigned index = atomic_load(&p->sign_index);
	if (index == 0)
		return CCSP_ERR_STATE;
	uint8_t digest[32];
	memcpy(digest, e, 32);
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_InternalSign_ECC(s->h, (ULONG)index, digest, 32, &es);
	pvsm_give_back(s);
	if (rv != SDR_OK)
		return CCSP_ERR_COMM;
	memcpy(sig, es.r + 32, 32);
	memcpy(sig + 32, es.s + 32, 32);
	return CCSP_OK;
}

/* ---- tenants' SM2 pairs: the wrapped private key handed back to the VSM for each use ---- */

/* The ECCCipher (calloc'd; NULL when out of memory) of ct: C1 x || y (64) || C3 (32) || C2, ctlen > 96. */
ECCCipher *pvsm_cipher_of(const uint8_t *ct, size_t ctlen)
{
	size_t n = ctlen - 96;
	ECCCipher *c = calloc(1, SDF_ECCCIPHER_SIZE(n));
	if (c == NULL)
		return NULL;
	memcpy(c->x + 32, ct, 32);
	memcpy(c->y + 32, ct + 32, 32);
	memcpy(c->M, ct + 64, 32);
	c->L = (ULONG)n;
	memcpy((uint8_t *)c + SDF_ECCCIPHER_FIXED_SIZE, ct + 96, n);
	return c;
}

ccsp_err ccsp_pvsm_pair_generate(ccsp_pvsm *p, unsigned kek_index, int usage, uint8_t pub[64],
                                 uint8_t wrapped[CCSP_PVSM_WRAPPED_MAX], size_t *len)
{
	ECCrefPublicKey pk;
	BYTE w[SDF_WRAPPED_ECC_KEY_MAX];
	ULONG n = 0;
	if (p == NULL || pub == NULL || wrapped == NULL || len == NULL ||
	    (usage != CCSP_PVSM_PAIR_SIGN && usage != CCSP_PVSM_PAIR_ENC))
		return CCSP_ERR_ARG;
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_GenerateKeyPairWithKEK_ECC(s->h, usage == CCSP_PVSM_PAIR_SIGN ? SGD_SM2_1 : SGD_SM2_3,
	                                         (ULONG)kek_index, &pk, w, &n);
	pvsm_give_back(s);
	if (rv != SDR_OK || n == 0 || n > CCSP_PVSM_WRAPPED_MAX)
		return CCSP_ERR_COMM; /* a refusal of the wrap cannot come from generation: all of it is the VSM's */
	memcpy(pub, pk.x + 32, 32);
	memcpy(pub + 32, pk.y + 32, 32);
	memcpy(wrapped, w, n);
	*len = n;
	return CCSP_OK;
}

ccsp_err ccsp_pvsm_pair_sign(ccsp_pvsm *p, unsigned kek_index, const uint8_t *wrapped, size_t wlen,
                             const uint8_t e[32], uint8_t sig[64])
{
	BYTE w[CCSP_PVSM_WRAPPED_MAX], digest[32]; /* the SDF prototype takes non-const buffers */
	ECCSignature es;
	if (p == NULL || wrapped == NULL || wlen == 0 || wlen > sizeof w || e == NULL || sig == NULL)
		return CCSP_ERR_ARG;
	memcpy(w, wrapped, wlen);
	memcpy(digest, e, sizeof digest);
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_SignWithKEK_ECC(s->h, (ULONG)kek_index, w, (ULONG)wlen, digest, sizeof digest, &es);
	pvsm_give_back(s);
	if (rv == SDR_OK) {
		memcpy(sig, es.r + 32, 32);
		memcpy(sig + 32, es.s + 32, 32);
	}
	return pvsm_pair_err(rv);
}

ccsp_err ccsp_pvsm_pair_decrypt(ccsp_pvsm *p, unsigned kek_index, const uint8_t *wrapped, size_t wlen,
                                const uint8_t *ct, size_t ctlen, uint8_t *out, size_t *outlen)
{
	BYTE w[CCSP_PVSM_WRAPPED_MAX];
	if (p == NULL || wrapped == NULL || wlen == 0 || wlen > sizeof w || ct == NULL || ctlen <= 96 ||
	    ctlen > 96 + CCSP_PVSM_SM2_PLAIN_MAX || out == NULL || outlen == NULL)
		return CCSP_ERR_ARG;
	size_t n = ctlen - 96;
	ECCCipher *c = pvsm_cipher_of(ct, ctlen);
	if (c == NULL)
		return CCSP_ERR_NOMEM;
	memcpy(w, wrapped, wlen);
	ULONG got = 0;
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_DecryptWithKEK_ECC(s->h, (ULONG)kek_index, w, (ULONG)wlen, c, out, &got);
	pvsm_give_back(s);
	free(c);
	if (rv == SDR_OK && got != n) {
		ccsp_memzero(out, n);
		rv = SDR_COMMFAIL;
	}
	if (rv == SDR_OK)
		*outlen = got;
	return pvsm_pair_err(rv);
}

void pvsm_pub_of(const uint8_t xy[64], ECCrefPublicKey *pk)
{
	memset(pk, 0, sizeof *pk);
	pk->bits = 256;
	memcpy(pk->x + 32, xy, 32);
	memcpy(pk->y + 32, xy + 32, 32);
}

/* ---- GM/T 0010 digital envelopes: the SM4 content key inside the VSM only ---- */

static int envelope_args_ok(ccsp_pvsm *p, const uint8_t *in, size_t len, const uint8_t *out)
{
	return p != NULL && in != NULL && out != NULL && len > 0 && len % 16 == 0 && len <= CCSP_PVSM_ENVELOPE_MAX;
}

/* SM4-CBC of in with the session key k (encrypt or decrypt) into out; rv of SDF. */
static LONG cbc_with(pvsm_session *s, HANDLE k, int encrypt, const uint8_t iv[16], const uint8_t *in, size_t len,
                     uint8_t *out)
{
	BYTE v[16]; /* SDF may update the IV it is given */
	ULONG n = 0;
	memcpy(v, iv, sizeof v);
	LONG rv = encrypt ? SDF_Encrypt(s->h, k, SGD_SM4_CBC, v, (BYTE *)in, (ULONG)len, out, &n)
	                  : SDF_Decrypt(s->h, k, SGD_SM4_CBC, v, (BYTE *)in, (ULONG)len, out, &n);
	if (rv == SDR_OK && n != len)
		rv = SDR_COMMFAIL;
	return rv;
}

ccsp_err ccsp_pvsm_envelope_seal(ccsp_pvsm *p, const uint8_t recipient[64], const uint8_t *in, size_t len,
                                 uint8_t key_ct[CCSP_PVSM_ENVELOPE_KEY_CT_SIZE], uint8_t iv[16], uint8_t *out)
{
	ECCrefPublicKey pk;
	HANDLE k = NULL;
	if (!envelope_args_ok(p, in, len, out) || recipient == NULL || key_ct == NULL || iv == NULL)
		return CCSP_ERR_ARG;
	ECCCipher *c = calloc(1, SDF_ECCCIPHER_SIZE(16));
	if (c == NULL)
		return CCSP_ERR_NOMEM;
	pvsm_pub_of(recipient, &pk);
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_GenerateKeyWithEPK_ECC(s->h, 128, SGD_SM2_3, &pk, c, &k);
	if (rv == SDR_OK)
		rv = SDF_GenerateRandom(s->h, 16, iv);
	if (rv == SDR_OK)
		rv = cbc_with(s, k, 1, iv, in, len, out);
	if (k != NULL)
		(void)SDF_DestroyKey(s->h, k);
	pvsm_give_back(s);
	if (rv == SDR_OK && c->L != 16)
		rv = SDR_COMMFAIL;
	if (rv == SDR_OK) {
		memcpy(key_ct, c->x + 32, 32);
		memcpy(key_ct + 32, c->y + 32, 32);
		memcpy(key_ct + 64, c->M, 32);
		memcpy(key_ct + 96, (uint8_t *)c + SDF_ECCCIPHER_FIXED_SIZE, 16);
	} else {
		ccsp_memzero(out, len);
	}
	free(c);
	return pvsm_pair_err(rv);
}

ccsp_err ccsp_pvsm_envelope_open(ccsp_pvsm *p, unsigned kek_index, const uint8_t *wrapped, size_t wlen,
                                 const uint8_t key_ct[CCSP_PVSM_ENVELOPE_KEY_CT_SIZE], const uint8_t iv[16],
                                 const uint8_t *in, size_t len, uint8_t *out)
{
	BYTE w[CCSP_PVSM_WRAPPED_MAX], sk[SDF_WRAPPED_ECC_KEY_MAX]; /* sk: the SM4 key under the KEK, never plain */
	ULONG sklen = 0;
	HANDLE k = NULL;
	if (!envelope_args_ok(p, in, len, out) || wrapped == NULL || wlen == 0 || wlen > sizeof w || key_ct == NULL ||
	    iv == NULL)
		return CCSP_ERR_ARG;
	ECCCipher *c = pvsm_cipher_of(key_ct, CCSP_PVSM_ENVELOPE_KEY_CT_SIZE);
	if (c == NULL)
		return CCSP_ERR_NOMEM;
	memcpy(w, wrapped, wlen);
	pvsm_session *s = pvsm_take(p);
	LONG rv = SDF_ImportKeyWithWrappedKey_ECC(s->h, (ULONG)kek_index, w, (ULONG)wlen, SDF_KEY_KIND_SM4, c, NULL,
	                                          NULL, sk, &sklen);
	if (rv == SDR_OK)
		rv = sklen > 0 && sklen <= sizeof sk
		             ? SDF_ImportKeyWithKEK(s->h, wrap_alg(sklen), (ULONG)kek_index, sk, sklen, &k)
		             : SDR_COMMFAIL;
	if (rv == SDR_OK)
		rv = cbc_with(s, k, 0, iv, in, len, out);
	if (k != NULL)
		(void)SDF_DestroyKey(s->h, k);
	pvsm_give_back(s);
	free(c);
	ccsp_memzero(sk, sizeof sk);
	ccsp_memzero(w, sizeof w);
	if (rv != SDR_OK)
		ccsp_memzero(out, len);
	return pvsm_pair_err(rv);
}
