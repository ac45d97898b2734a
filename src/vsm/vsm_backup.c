/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vendor extension: split-knowledge backup of KEK-wrapped keys (KM-9; vsm.h, docs/sdf.md). The material is
 * unwrapped and rewrapped with BYOK's helpers (vsm_byok.c), split and recombined with ccsp's one GF(2^8) Shamir
 * core (src/crypto/shamir). A share leaves the VSM only SM2-encrypted to a custodian and comes back only
 * SM2-encrypted to an import key of the VSM; the material, its shares and the import key's d live on this stack
 * for one call and are wiped.
 *
 * The 8-byte check (SM3 of the kind byte and the material) is split with the material: interpolating too few,
 * altered or foreign shares gives a random value whose check fails (2^-64), so a wrong key is never wrapped.
 */
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sm3.h>

#include "crypto/ct.h"
#include "crypto/shamir/shamir.h"
#include "vsm/vsm_internal.h"

#define CT_OVERHEAD 96
#define CHECK CCSP_VSM_SHARE_CHECK_SIZE
#define SECRET_MAX (VSM_MATERIAL_MAX + CHECK)
#define PLAIN_MAX (CCSP_VSM_SHARE_CT_MAX - CT_OVERHEAD) /* the longest share plaintext recover takes */
_Static_assert(CCSP_VSM_SHARES_MAX <= CCSP_SHAMIR_N_MAX, "the core takes every split");
_Static_assert(1 + SECRET_MAX <= PLAIN_MAX, "a share fits its ciphertext");

/* The check of material m (len bytes) of kind: the first CHECK bytes of SM3(kind byte || m). */
static ccsp_err material_check(ccsp_vsm_material kind, const uint8_t *m, size_t len, uint8_t check[CHECK])
{
	ccsp_sm3_ctx c;
	uint8_t h[CCSP_SM3_DIGEST_SIZE], k = (uint8_t)kind;
	ccsp_err ret = ccsp_sm3_init(&c);
	if (ret == CCSP_OK)
		ret = ccsp_sm3_update(&c, &k, 1);
	if (ret == CCSP_OK)
		ret = ccsp_sm3_update(&c, m, len);
	if (ret == CCSP_OK)
		ret = ccsp_sm3_final(&c, h);
	if (ret == CCSP_OK)
		memcpy(check, h, CHECK);
	ccsp_memzero(&c, sizeof c);
	ccsp_memzero(h, sizeof h);
	return ret;
}

/* Share j (x = j + 1 || y) of every custodian, encrypted to it. */
static ccsp_err shares_seal(ccsp_vsm_session *s, uint8_t (*y)[1 + SECRET_MAX], size_t slen, unsigned n,
                            const uint8_t (*custodians)[64], uint8_t (*shares)[CCSP_VSM_SHARE_CT_MAX],
                            size_t *share_lens)
{
	ccsp_err ret = CCSP_OK;
	for (unsigned j = 0; j < n && ret == CCSP_OK; j++) {
		ret = ccsp_vsm_external_encrypt(s, custodians[j], y[j], slen, shares[j]);
		share_lens[j] = CT_OVERHEAD + slen;
	}
	if (ret != CCSP_OK) { /* all or nothing */
		ccsp_memzero(shares, n * sizeof *shares);
		ccsp_memzero(share_lens, n * sizeof *share_lens);
	}
	return ret;
}

ccsp_err ccsp_vsm_key_backup(ccsp_vsm_session *s, uint32_t kek_index, ccsp_vsm_material kind,
                             const uint8_t *wrapped, size_t wlen, unsigned m, unsigned n,
                             const uint8_t (*custodians)[64], uint8_t (*shares)[CCSP_VSM_SHARE_CT_MAX],
                             size_t *share_lens)
{
	uint8_t secret[SECRET_MAX], y[CCSP_VSM_SHARES_MAX][1 + SECRET_MAX], *yp[CCSP_VSM_SHARES_MAX];
	size_t len = vsm_material_len(kind);
	ccsp_err ret = vsm_ready(s->vsm);

	if (ret != CCSP_OK)
		goto out;
	ret = CCSP_ERR_ARG;
	if (len == 0 || wrapped == NULL || custodians == NULL || shares == NULL || share_lens == NULL || m < 2 ||
	    m > n || n > CCSP_VSM_SHARES_MAX)
		goto out;
	for (unsigned j = 0; j < n; j++) {
		y[j][0] = (uint8_t)(j + 1); /* the core's abscissa of yp[j] */
		yp[j] = y[j] + 1;
	}
	ret = vsm_material_unwrap(s, kek_index, kind, wrapped, wlen, secret);
	if (ret == CCSP_OK)
		ret = material_check(kind, secret, len, secret + len);
	if (ret == CCSP_OK)
		ret = ccsp_shamir_split(secret, len + CHECK, m, n, yp);
	if (ret == CCSP_OK)
		ret = shares_seal(s, y, 1 + len + CHECK, n, custodians, shares, share_lens);
	if (ret == CCSP_OK)
		ccsp_vsm_audit_event(s->vsm, "key.backup", "kek=%u kind=%d m=%u n=%u", kek_index, (int)kind, m, n);
out:
	ccsp_memzero(secret, sizeof secret);
	ccsp_memzero(y, sizeof y);
	return ret;
}

/* Decrypt the m shares with the import key's d into pt (x || y of slen bytes each) and x. */
static ccsp_err shares_open(ccsp_vsm_session *s, const uint8_t dk[32], unsigned m, const uint8_t *const *shares,
                            const size_t *share_lens, size_t slen, uint8_t (*pt)[PLAIN_MAX], uint8_t *x,
                            const char **why)
{
	for (unsigned i = 0; i < m; i++) {
		ccsp_err ret = ccsp_vsm_external_decrypt(s, dk, shares[i], share_lens[i], pt[i]);
		if (ret == CCSP_ERR_POINT || ret == CCSP_ERR_DECODE)
			ret = CCSP_ERR_AUTH; /* C1 not a point: no ciphertext for this key either */
		if (ret == CCSP_ERR_AUTH)
			*why = "ciphertext";
		else if (ret == CCSP_OK && share_lens[i] - CT_OVERHEAD != slen) {
			*why = "length";
			ret = CCSP_ERR_KEY;
		}
		if (ret != CCSP_OK)
			return ret;
		x[i] = pt[i][0]; /* public: the share's abscissa */
	}
	return CCSP_OK;
}

static int shares_args_ok(unsigned m, const uint8_t *const *shares, const size_t *share_lens)
{
	if (m < 2 || m > CCSP_VSM_SHARES_MAX || shares == NULL || share_lens == NULL)
		return 0;
	for (unsigned i = 0; i < m; i++)
		if (shares[i] == NULL || share_lens[i] <= CT_OVERHEAD || share_lens[i] > CCSP_VSM_SHARE_CT_MAX)
			return 0;
	return 1;
}

/* The secret of the m opened shares, its check verified, and for SM2 kinds d checked against pub. */
static ccsp_err combine(ccsp_vsm_material kind, int pair, size_t len, unsigned m, uint8_t (*pt)[PLAIN_MAX],
                        const uint8_t *x, const uint8_t pub[64], uint8_t secret[SECRET_MAX], const char **why)
{
	uint8_t check[CHECK];
	const uint8_t *yp[CCSP_VSM_SHARES_MAX];
	for (unsigned i = 0; i < m; i++)
		yp[i] = pt[i] + 1;
	ccsp_err ret = ccsp_shamir_interpolate(x, yp, m, len + CHECK, secret); /* ARG: x = 0 or repeated */
	if (ret == CCSP_ERR_ARG)
		*why = "abscissa";
	if (ret == CCSP_OK)
		ret = material_check(kind, secret, len, check);
	if (ret == CCSP_OK && !ct_memeq(check, secret + len, CHECK)) {
		*why = "check";
		ret = CCSP_ERR_KEY;
	}
	if (ret == CCSP_OK && pair) {
		ret = vsm_pair_check(secret, pub);
		if (ret == CCSP_ERR_KEY)
			*why = "private-key";
	}
	ccsp_memzero(check, sizeof check);
	return ret;
}

ccsp_err ccsp_vsm_key_recover(ccsp_vsm_session *s, uint32_t kek_index, const uint8_t *import_wrapped,
                              size_t import_wlen, ccsp_vsm_material kind, unsigned m, const uint8_t *const *shares,
                              const size_t *share_lens, const uint8_t pub[64],
                              uint8_t wrapped[CCSP_VSM_WRAPPED_PAIR_SIZE], size_t *wlen)
{
	uint8_t dk[CCSP_SM2_PRIVATE_KEY_SIZE], pt[CCSP_VSM_SHARES_MAX][PLAIN_MAX], x[CCSP_VSM_SHARES_MAX];
	uint8_t secret[SECRET_MAX];
	size_t len = vsm_material_len(kind);
	int pair = kind == CCSP_VSM_MATERIAL_SM2_SIGN || kind == CCSP_VSM_MATERIAL_SM2_ENC;
	const char *why = NULL;
	ccsp_err ret = CCSP_ERR_ARG;

	if (len == 0 || !shares_args_ok(m, shares, share_lens) || wrapped == NULL || wlen == NULL ||
	    (pair && pub == NULL))
		goto out;
	ret = vsm_pair_unwrap(s, kek_index, CCSP_VSM_KEY_ENC, import_wrapped, import_wlen, dk); /* vsm_ready */
	if (ret == CCSP_OK)
		ret = shares_open(s, dk, m, shares, share_lens, 1 + len + CHECK, pt, x, &why);
	if (ret == CCSP_OK)
		ret = combine(kind, pair, len, m, pt, x, pub, secret, &why);
	if (ret == CCSP_OK)
		ret = vsm_material_wrap(s, kek_index, kind, secret, wrapped, wlen);
out:
	if (ret == CCSP_OK)
		ccsp_vsm_audit_event(s->vsm, "key.recover", "kek=%u kind=%d m=%u", kek_index, (int)kind, m);
	else if (why != NULL)
		ccsp_vsm_audit_event(s->vsm, "recover.refused", "kek=%u kind=%d reason=%s", kek_index, (int)kind, why);
	ccsp_memzero(dk, sizeof dk);
	ccsp_memzero(pt, sizeof pt);
	ccsp_memzero(secret, sizeof secret);
	return ret;
}
