/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the GM/T 0088 request verifier (src/chsm/chsm_auth.c) and the key-text parser behind CHSM-AuthPK
 * and configCHSMPk (src/chsm/chsm_pk.c).
 *
 * Input: one control byte, then CHSM-AuthPK, CHSM-SignatureAlg and CHSM-Signature separated by NUL bytes,
 * then everything left is the body (for a GET, the query: '&'-separated name=value pairs, not
 * percent-decoded). Control bits: 0 GET instead of POST; 1..3 leave out AuthPK / SignatureAlg / Signature;
 * 4 also parse AuthPK as a configCHSMPk key text (PEM allowed); 5 store the RSA key first.
 *
 * The store holds two fixed keys: the GM/T 0003 example SM2 key (gmt0088-api.md §3.12) and an RSA-2048 key;
 * the seeds carry real signatures by both. Checked beyond "no crash": a verdict is never a fault, an
 * accepted request is accepted again and no longer once a body byte changes, the GET string to sign does
 * not depend on parameter order, and a key that configCHSMPk takes is found again by its fingerprint.
 */
#include <stdlib.h>
#include <string.h>

#include "chsm/chsm_auth.h"
#include "chsm/chsm_pk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char SM2_SPKI[] = "MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAECfnfMR5UIaFQ3X0WHkvFxnIXn60YM/wHa7CP81bzUCDM6kkM4md1pS3G"
                               "6nGMwapgCu0F+/NeCEpmMvYHLamtEw==";
static const char RSA_SPKI[] =
	"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvVzEWm5Np1Klk3FxxTZOQlJ8D+0wTUh/tDG25R/nL77qHXH87b/vhT3yhZmX+zg3"
	"hYn/DYFOYYidTb1pAZBFxA7aNUYlVCR3rTrQ65wwf2dOEo2np855/3N4qhcpFsmTeEJc35H1DP/3Dl+6uAfnw6Ea3L9ozKqZ8FV9ml8sgX6Q"
	"MeGVp+wWObEW/esxWc/fWdzLjRu3/JY9OSvXDREiNyspFvt5LKGgouuEfwkCGrpzd4bPRiBrSVhvpmXB1p/5AgRL4fzgujlkkIEZ7vNrfXPA"
	"BIK+UNMEpAkkgrHi7cq+3u+TJGf674C+/K/Lp6H/hFYlfx7WRCS/MXmuT0LP1QIDAQAB";

#define MAX_PARAMS (CCSP_CHSM_AUTH_PARAMS_MAX + 2)

static ccsp_chsm_pk_store *make_store(int rsa_first)
{
	ccsp_chsm_pk_store *s;
	const char *keys[2] = {rsa_first ? RSA_SPKI : SM2_SPKI, rsa_first ? SM2_SPKI : RSA_SPKI};
	size_t lens[2] = {strlen(keys[0]), strlen(keys[1])};
	if (ccsp_chsm_pk_store_open(NULL, &s) != CCSP_OK ||
	    ccsp_chsm_pk_store_add(s, CCSP_CHSM_PK_ANY, keys, lens, 2, NULL, NULL) != CCSP_OK)
		abort();
	return s;
}

/* The next NUL-terminated field at *pos as a malloc'd string (the rest of the input when no NUL is left). */
static char *field(const uint8_t *data, size_t size, size_t *pos)
{
	size_t start = *pos, end = start;
	while (end < size && data[end] != 0)
		end++;
	*pos = end < size ? end + 1 : end;
	char *s = malloc(end - start + 1);
	if (s == NULL)
		abort();
	memcpy(s, data + start, end - start);
	s[end - start] = '\0';
	return s;
}

/* Split q[0..len) at '&' and the first '=' of each piece. */
static size_t split_query(const char *q, size_t len, ccsp_chsm_auth_param *p)
{
	size_t n = 0, i = 0;
	while (i < len && n < MAX_PARAMS) {
		const char *piece = q + i, *amp = memchr(piece, '&', len - i);
		size_t plen = amp != NULL ? (size_t)(amp - piece) : len - i;
		const char *eq = memchr(piece, '=', plen);
		p[n].name = piece;
		p[n].name_len = eq != NULL ? (size_t)(eq - piece) : plen;
		p[n].value = eq != NULL ? eq + 1 : piece + plen;
		p[n].value_len = eq != NULL ? plen - p[n].name_len - 1 : 0;
		n++;
		i += plen + 1;
	}
	return n;
}

static void check_query_order(const ccsp_chsm_auth_param *p, size_t n)
{
	ccsp_chsm_auth_param rev[MAX_PARAMS];
	char *a, *b;
	size_t alen, blen;
	for (size_t i = 0; i < n; i++)
		rev[i] = p[n - 1 - i];
	ccsp_err ea = ccsp_chsm_auth_query_string(p, n, &a, &alen);
	ccsp_err eb = ccsp_chsm_auth_query_string(rev, n, &b, &blen);
	if (ea != eb || (ea == CCSP_OK && (alen != blen || memcmp(a, b, alen) != 0)))
		abort();
	free(a);
	free(b);
}

/* configCHSMPk with the AuthPK text: a key taken is found by its fingerprint and by the same text. */
static void check_key_text(const char *text)
{
	ccsp_chsm_pk_store *s;
	size_t len = strlen(text), added = 0, bad = 0;
	if (ccsp_chsm_pk_store_open(NULL, &s) != CCSP_OK)
		abort();
	ccsp_err err = ccsp_chsm_pk_store_add(s, CCSP_CHSM_PK_ANY, &text, &len, 1, &added, &bad);
	if ((err == CCSP_OK) != (ccsp_chsm_pk_store_count(s) == 1) || (err == CCSP_OK) != (added == 1) || bad != 0)
		abort();
	if (err == CCSP_OK) {
		const ccsp_chsm_pk *k = ccsp_chsm_pk_store_get(s, 0);
		const char *fp = ccsp_chsm_pk_fingerprint(k);
		if (strlen(fp) != CCSP_CHSM_PK_FINGERPRINT_LEN || ccsp_chsm_pk_store_find(s, fp, strlen(fp)) != k)
			abort();
		if (strstr(text, "-----") == NULL && ccsp_chsm_pk_store_find(s, text, len) != k)
			abort();
		if (ccsp_chsm_pk_store_add(s, CCSP_CHSM_PK_ANY, &text, &len, 1, &added, NULL) != CCSP_OK || added != 0)
			abort();
	}
	ccsp_chsm_pk_store_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ccsp_chsm_pk_store *stores[2];
	ccsp_chsm_auth_param params[MAX_PARAMS];
	if (size == 0)
		return 0;
	uint8_t ctrl = data[0];
	size_t pos = 1;
	if (stores[(ctrl >> 5) & 1] == NULL)
		stores[(ctrl >> 5) & 1] = make_store((ctrl >> 5) & 1);
	ccsp_chsm_pk_store *s = stores[(ctrl >> 5) & 1];
	char *authpk = field(data, size, &pos), *alg = field(data, size, &pos), *sig = field(data, size, &pos);
	size_t blen = size - pos;
	uint8_t *body = malloc(blen + 1);
	if (body == NULL)
		abort();
	memcpy(body, data + pos, blen);

	ccsp_chsm_auth_request r = {.method = (ctrl & 1) ? "GET" : "POST", .body = body, .body_len = blen,
	                            .authpk = (ctrl & 2) ? NULL : authpk, .sig_alg = (ctrl & 4) ? NULL : alg,
	                            .signature = (ctrl & 8) ? NULL : sig};
	if (ctrl & 1) {
		r.nparams = split_query((const char *)body, blen, params);
		r.params = params;
		check_query_order(params, r.nparams);
	}
	const ccsp_chsm_pk *who = NULL;
	ccsp_chsm_auth_verdict v = ccsp_chsm_auth_verify(s, &r, &who);
	if (v == CCSP_CHSM_AUTH_INTERNAL || (unsigned)v >= CCSP_CHSM_AUTH_VERDICT_COUNT_ || (v == CCSP_CHSM_AUTH_OK) != (who != NULL))
		abort();
	if (v == CCSP_CHSM_AUTH_OK) {
		if (ccsp_chsm_auth_verify(s, &r, NULL) != CCSP_CHSM_AUTH_OK)
			abort();
		if (!(ctrl & 1) && blen > 0) {
			body[blen / 2] ^= 1;
			if (ccsp_chsm_auth_verify(s, &r, NULL) == CCSP_CHSM_AUTH_OK)
				abort();
		}
	}
	if (ctrl & 16)
		check_key_text(authpk);
	free(body);
	free(authpk);
	free(alg);
	free(sig);
	return 0;
}
