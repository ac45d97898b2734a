/* SPDX-License-Identifier: Apache-2.0 */
/* Application request authentication: header shapes, canonical string, HMAC-SM3 / SM2 verification, signing,
 * session tokens. The contract is in reqauth.h; the client's view in docs/api-auth.md. */
#include "platform/reqauth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm2_asn1.h>

#include "common/b64.h"

static const char B64_STD[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char B64_URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static const char *const result_names[CCSP_REQAUTH_RESULT_COUNT_] = {
	[CCSP_REQAUTH_OK] = "OK",
	[CCSP_REQAUTH_MALFORMED] = "MALFORMED",
	[CCSP_REQAUTH_UNKNOWN_KEY] = "UNKNOWN_KEY",
	[CCSP_REQAUTH_STALE] = "STALE",
	[CCSP_REQAUTH_FUTURE] = "FUTURE",
	[CCSP_REQAUTH_BAD_SIGNATURE] = "BAD_SIGNATURE",
	[CCSP_REQAUTH_ALG_NOT_ALLOWED] = "ALG_NOT_ALLOWED",
	[CCSP_REQAUTH_REPLAYED] = "REPLAYED",
	[CCSP_REQAUTH_NONCE_UNAVAILABLE] = "NONCE_UNAVAILABLE",
	[CCSP_REQAUTH_INTERNAL] = "INTERNAL",
};

const char *ccsp_reqauth_result_name(ccsp_reqauth_result r)
{
	if ((unsigned)r >= CCSP_REQAUTH_RESULT_COUNT_)
		return "UNKNOWN_RESULT";
	return result_names[r];
}

/* ---- shapes ---- */

static int is_alnum(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Length of s if it is min..max characters that all satisfy ok(), else 0. Reads at most max + 1 bytes. */
static size_t shape_len(const char *s, size_t min, size_t max, int (*ok)(int))
{
	if (s == NULL)
		return 0;
	size_t n = 0;
	while (n <= max && s[n] != '\0') {
		if (!ok((unsigned char)s[n]))
			return 0;
		n++;
	}
	return n >= min && n <= max ? n : 0;
}

static int access_key_char(int c)
{
	return is_alnum(c) || c == '_' || c == '-';
}

static int nonce_char(int c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '~' || c == '-';
}

static int path_char(int c)
{
	return c >= 0x21 && c <= 0x7e;
}

static int digit_char(int c)
{
	return c >= '0' && c <= '9';
}

static size_t access_key_len(const char *s)
{
	return shape_len(s, CCSP_REQAUTH_ACCESS_KEY_MIN, CCSP_REQAUTH_ACCESS_KEY_MAX, access_key_char);
}

static size_t nonce_len(const char *s)
{
	return shape_len(s, CCSP_REQAUTH_NONCE_MIN, CCSP_REQAUTH_NONCE_MAX, nonce_char);
}

static size_t path_len(const char *s)
{
	size_t n = shape_len(s, 1, CCSP_REQAUTH_PATH_MAX, path_char);
	return n > 0 && s[0] == '/' ? n : 0;
}

/* A timestamp: 1..19 digits, no leading zero (but "0"), <= INT64_MAX. Its length, 0 when malformed. */
static size_t timestamp_parse(const char *s, int64_t *value)
{
	size_t n = shape_len(s, 1, CCSP_REQAUTH_TIMESTAMP_MAX, digit_char);
	if (n == 0 || (s[0] == '0' && n > 1))
		return 0;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (uint64_t)(s[i] - '0'); /* 19 digits never overflow uint64 */
	if (v > (uint64_t)INT64_MAX)
		return 0;
	*value = (int64_t)v;
	return n;
}

/* ---- Base64 (RFC 4648 clause 4 and 5); signatures and tokens are public or hashed, so table lookups are fine */

static size_t b64_encode(const uint8_t *in, size_t n, char *out, const char *alphabet, int pad)
{
	size_t o = 0, i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (n - i > 0) {
		uint32_t v = (uint32_t)in[i] << 16 | (n - i == 2 ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		if (n - i == 2)
			out[o++] = alphabet[(v >> 6) & 63];
		else if (pad)
			out[o++] = '=';
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int b64_value(const char *alphabet, char c)
{
	const char *p = c != '\0' ? strchr(alphabet, c) : NULL;
	return p != NULL ? (int)(p - alphabet) : -1;
}

/* Strict decoding: len characters of the alphabet, then (pad) '=' to a multiple of 4; unused bits zero.
 * Returns the byte count, or (size_t)-1 when malformed or over cap. */
static size_t b64_decode(const char *in, size_t len, const char *alphabet, int pad, uint8_t *out, size_t cap)
{
	size_t npad = 0;
	if (pad) {
		if (len % 4 != 0)
			return (size_t)-1;
		while (npad < 2 && len > npad && in[len - 1 - npad] == '=')
			npad++;
	}
	size_t nchar = len - npad, nbytes = nchar * 3 / 4;
	if (nchar % 4 == 1 || nbytes > cap)
		return (size_t)-1;
	uint32_t acc = 0;
	size_t bits = 0, o = 0;
	for (size_t i = 0; i < nchar; i++) {
		int v = b64_value(alphabet, in[i]);
		if (v < 0)
			return (size_t)-1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return acc == 0 ? o : (size_t)-1; /* leftover bits must be zero */
}

/* ---- canonical string ---- */

static ccsp_err body_hex(const uint8_t *body, size_t len, char hex[65])
{
	uint8_t d[CCSP_SM3_DIGEST_SIZE];
	ccsp_err e = ccsp_sm3(body, len, d);
	if (e == CCSP_OK) {
		ccsp_hex_encode(d, sizeof d, hex);
	}
	return e;
}

/* Assemble the five lines; the components are already checked. */
static ccsp_err canonical_join(const char *path, size_t plen, const char *ts, size_t tlen, const char *nonce,
                               size_t nlen, const uint8_t *body, size_t blen, char *out, size_t cap, size_t *outlen)
{
	char hex[65];
	size_t need = 5 + plen + 1 + tlen + 1 + nlen + 1 + 64;
	if (cap < need + 1) {
		*outlen = need;
		return CCSP_ERR_BUFFER_TOO_SMALL;
	}
	ccsp_err e = body_hex(body, blen, hex);
	if (e != CCSP_OK)
		return e;
	size_t o = 0;
	const struct {
		const char *p;
		size_t n;
	} part[5] = {{"POST", 4}, {path, plen}, {ts, tlen}, {nonce, nlen}, {hex, 64}};
	for (size_t i = 0; i < 5; i++) {
		if (i > 0)
			out[o++] = '\n';
		memcpy(out + o, part[i].p, part[i].n);
		o += part[i].n;
	}
	out[o] = '\0';
	*outlen = o;
	return CCSP_OK;
}

ccsp_err ccsp_reqauth_canonical(const char *path, const char *timestamp, const char *nonce, const uint8_t *body,
                                size_t body_len, char *out, size_t cap, size_t *outlen)
{
	int64_t ts;
	size_t plen = path_len(path), tlen = timestamp_parse(timestamp, &ts), nlen = nonce_len(nonce);
	if (plen == 0 || tlen == 0 || nlen == 0 || (body == NULL && body_len > 0) || out == NULL || outlen == NULL)
		return CCSP_ERR_ARG;
	return canonical_join(path, plen, timestamp, tlen, nonce, nlen, body, body_len, out, cap, outlen);
}

/* ---- verifier ---- */

static int parse_alg(const char *alg, ccsp_reqauth_alg *out)
{
	if (alg == NULL || strcmp(alg, "HMAC-SM3") == 0)
		*out = CCSP_REQAUTH_HMAC_SM3;
	else if (strcmp(alg, "SM2-SM3") == 0)
		*out = CCSP_REQAUTH_SM2_SM3;
	else
		return -1;
	return 0;
}

/* The signature header: Base64 of 32 bytes (HMAC) or of a strict DER SM2 signature, kept raw (r || s). */
static int parse_signature(const char *s, ccsp_reqauth_alg alg, ccsp_reqauth_parsed *p)
{
	uint8_t raw[CCSP_REQAUTH_SIGNATURE_MAX];
	size_t slen = shape_len(s, 4, CCSP_REQAUTH_SIGNATURE_B64_MAX, path_char);
	size_t n = slen == 0 ? (size_t)-1 : b64_decode(s, slen, B64_STD, 1, raw, sizeof raw);
	if (n == (size_t)-1)
		return -1;
	if (alg == CCSP_REQAUTH_HMAC_SM3) {
		if (n != CCSP_SM3_DIGEST_SIZE)
			return -1;
		memcpy(p->sig, raw, n);
		p->sig_len = n;
		return 0;
	}
	if (ccsp_sm2_signature_from_der(raw, n, p->sig) != CCSP_OK)
		return -1;
	p->sig_len = CCSP_SM2_SIGNATURE_SIZE;
	return 0;
}

ccsp_reqauth_result ccsp_reqauth_parse(const ccsp_reqauth_request *req, ccsp_reqauth_parsed *out)
{
	if (req == NULL || out == NULL)
		return CCSP_REQAUTH_INTERNAL;
	memset(out, 0, sizeof *out);
	ccsp_reqauth_result r = CCSP_REQAUTH_MALFORMED;
	size_t aklen = access_key_len(req->access_key), nlen = nonce_len(req->nonce), plen = path_len(req->path);
	size_t tlen = timestamp_parse(req->timestamp, &out->timestamp);
	if (req->method == NULL || strcmp(req->method, "POST") != 0 || aklen == 0 || nlen == 0 || plen == 0 ||
	    tlen == 0 || (req->body == NULL && req->body_len > 0) || parse_alg(req->alg, &out->alg) != 0 ||
	    parse_signature(req->signature, out->alg, out) != 0)
		goto out;
	memcpy(out->access_key, req->access_key, aklen);
	memcpy(out->nonce, req->nonce, nlen);
	if (canonical_join(req->path, plen, req->timestamp, tlen, req->nonce, nlen, req->body, req->body_len,
	                   out->canonical, sizeof out->canonical, &out->canonical_len) != CCSP_OK) {
		r = CCSP_REQAUTH_INTERNAL;
		goto out;
	}
	r = CCSP_REQAUTH_OK;
out:
	if (r != CCSP_REQAUTH_OK)
		memset(out, 0, sizeof *out);
	return r;
}

static ccsp_reqauth_result check_window(int64_t ts, int64_t now)
{
	/* now >= 0 and ts >= 0: neither difference overflows */
	if (ts < now && now - ts > CCSP_REQAUTH_WINDOW_S)
		return CCSP_REQAUTH_STALE;
	if (ts > now && ts - now > CCSP_REQAUTH_WINDOW_S)
		return CCSP_REQAUTH_FUTURE;
	return CCSP_REQAUTH_OK;
}

/* HMAC-SM3 check; an absent secret (unknown key, or an SM2-only app) runs against a dummy key and fails, so
 * that the three 401s take the same time. */
static ccsp_reqauth_result verify_hmac(const ccsp_reqauth_parsed *p, const ccsp_reqauth_credential *cred)
{
	static const uint8_t dummy[32] = {0};
	int have = cred != NULL && cred->secret != NULL && cred->secret_len > 0;
	ccsp_err e = ccsp_hmac_sm3_verify(have ? cred->secret : dummy, have ? cred->secret_len : sizeof dummy,
	                                  p->canonical, p->canonical_len, p->sig, p->sig_len);
	if (cred == NULL)
		return CCSP_REQAUTH_UNKNOWN_KEY;
	if (!have)
		return CCSP_REQAUTH_ALG_NOT_ALLOWED;
	if (e == CCSP_ERR_AUTH)
		return CCSP_REQAUTH_BAD_SIGNATURE;
	return e == CCSP_OK ? CCSP_REQAUTH_OK : CCSP_REQAUTH_INTERNAL;
}

static ccsp_reqauth_result verify_sm2(const ccsp_reqauth_parsed *p, const ccsp_reqauth_credential *cred)
{
	if (cred == NULL)
		return CCSP_REQAUTH_UNKNOWN_KEY;
	if (cred->sm2_key == NULL)
		return CCSP_REQAUTH_ALG_NOT_ALLOWED;
	ccsp_err e = ccsp_sm2_verify(cred->sm2_key, (const uint8_t *)CCSP_SM2_DEFAULT_ID, CCSP_SM2_DEFAULT_ID_LEN,
	                             (const uint8_t *)p->canonical, p->canonical_len, p->sig);
	if (e == CCSP_ERR_SIGNATURE)
		return CCSP_REQAUTH_BAD_SIGNATURE;
	return e == CCSP_OK ? CCSP_REQAUTH_OK : CCSP_REQAUTH_INTERNAL;
}

ccsp_reqauth_result ccsp_reqauth_verify(const ccsp_reqauth_parsed *p, const ccsp_reqauth_credential *cred,
                                        int64_t now, ccsp_reqauth_nonce_fn nonce_fn, void *nonce_arg)
{
	if (p == NULL || nonce_fn == NULL || now < 0 || p->timestamp < 0 || p->canonical_len == 0 ||
	    p->canonical_len > CCSP_REQAUTH_CANONICAL_MAX)
		return CCSP_REQAUTH_INTERNAL;
	ccsp_reqauth_result r = check_window(p->timestamp, now);
	if (r != CCSP_REQAUTH_OK)
		return r;
	r = p->alg == CCSP_REQAUTH_SM2_SM3 ? verify_sm2(p, cred) : verify_hmac(p, cred);
	if (r != CCSP_REQAUTH_OK)
		return r;
	switch (nonce_fn(nonce_arg, p->access_key, p->nonce, p->timestamp, now)) {
	case CCSP_REQAUTH_NONCE_FRESH:
		return CCSP_REQAUTH_OK;
	case CCSP_REQAUTH_NONCE_REPLAYED:
		return CCSP_REQAUTH_REPLAYED;
	default:
		return CCSP_REQAUTH_NONCE_UNAVAILABLE;
	}
}

/* ---- signer ---- */

static ccsp_err fresh_nonce(char out[33])
{
	uint8_t r[16];
	ccsp_err e = ccsp_random(r, sizeof r);
	if (e != CCSP_OK)
		return e;
	ccsp_hex_encode(r, sizeof r, out);
	return CCSP_OK;
}

/* The raw signature of canonical[0..len) as Base64 into out->signature. */
static ccsp_err sign_canonical(const ccsp_reqauth_credential *cred, ccsp_reqauth_alg alg, const char *canonical,
                               size_t len, ccsp_reqauth_headers *out)
{
	uint8_t mac[CCSP_SM3_DIGEST_SIZE], sig[CCSP_SM2_SIGNATURE_SIZE], der[CCSP_SM2_SIGNATURE_DER_MAX];
	size_t derlen = 0;
	ccsp_err e;
	if (alg == CCSP_REQAUTH_HMAC_SM3) {
		if ((e = ccsp_hmac_sm3(cred->secret, cred->secret_len, canonical, len, mac)) == CCSP_OK)
			b64_encode(mac, sizeof mac, out->signature, B64_STD, 1);
		out->alg = "HMAC-SM3";
	} else {
		if ((e = ccsp_sm2_sign(cred->sm2_key, (const uint8_t *)CCSP_SM2_DEFAULT_ID, CCSP_SM2_DEFAULT_ID_LEN,
		                       (const uint8_t *)canonical, len, sig)) == CCSP_OK &&
		    (e = ccsp_sm2_signature_to_der(sig, der, sizeof der, &derlen)) == CCSP_OK)
			b64_encode(der, derlen, out->signature, B64_STD, 1);
		out->alg = "SM2-SM3";
	}
	ccsp_memzero(mac, sizeof mac);
	return e;
}

ccsp_err ccsp_reqauth_sign(const char *access_key, const ccsp_reqauth_credential *cred, ccsp_reqauth_alg alg,
                           const char *path, const uint8_t *body, size_t body_len, int64_t now, const char *nonce,
                           ccsp_reqauth_headers *out)
{
	char canonical[CCSP_REQAUTH_CANONICAL_MAX + 1];
	size_t clen, aklen = access_key_len(access_key);
	ccsp_err e = CCSP_ERR_ARG;
	if (out == NULL)
		return CCSP_ERR_ARG;
	memset(out, 0, sizeof *out);
	int have_key = cred != NULL && (alg == CCSP_REQAUTH_HMAC_SM3 ? cred->secret != NULL && cred->secret_len > 0
	                                : alg == CCSP_REQAUTH_SM2_SM3 ? cred->sm2_key != NULL : 0);
	if (aklen == 0 || !have_key || now < 0 || (nonce != NULL && nonce_len(nonce) == 0))
		goto out;
	memcpy(out->access_key, access_key, aklen);
	snprintf(out->timestamp, sizeof out->timestamp, "%lld", (long long)now);
	if (nonce != NULL)
		memcpy(out->nonce, nonce, nonce_len(nonce));
	else if ((e = fresh_nonce(out->nonce)) != CCSP_OK)
		goto out;
	if ((e = ccsp_reqauth_canonical(path, out->timestamp, out->nonce, body, body_len, canonical, sizeof canonical,
	                                &clen)) != CCSP_OK)
		goto out;
	e = sign_canonical(cred, alg, canonical, clen, out);
out:
	if (e != CCSP_OK)
		memset(out, 0, sizeof *out);
	return e;
}

/* ---- session tokens ---- */

static int b64url_char(int c)
{
	return access_key_char(c); /* the same set: [A-Za-z0-9_-] */
}

ccsp_err ccsp_reqauth_token_new(char token[CCSP_REQAUTH_TOKEN_LEN + 1], uint8_t stored[CCSP_SM3_DIGEST_SIZE])
{
	uint8_t r[32];
	if (token == NULL || stored == NULL)
		return CCSP_ERR_ARG;
	ccsp_err e = ccsp_random(r, sizeof r);
	if (e == CCSP_OK) {
		memcpy(token, CCSP_REQAUTH_TOKEN_PREFIX, 5);
		b64_encode(r, sizeof r, token + 5, B64_URL, 0);
		e = ccsp_sm3(token, CCSP_REQAUTH_TOKEN_LEN, stored);
	}
	if (e != CCSP_OK) {
		ccsp_memzero(token, CCSP_REQAUTH_TOKEN_LEN + 1);
		ccsp_memzero(stored, CCSP_SM3_DIGEST_SIZE);
	}
	ccsp_memzero(r, sizeof r);
	return e;
}

ccsp_err ccsp_reqauth_token_hash(const char *token, uint8_t stored[CCSP_SM3_DIGEST_SIZE])
{
	uint8_t r[32];
	if (token == NULL || stored == NULL)
		return CCSP_ERR_ARG;
	/* Exactly the shape ccsp_reqauth_token_new writes: one text per token, so one stored form. */
	if (strncmp(token, CCSP_REQAUTH_TOKEN_PREFIX, 5) != 0 ||
	    shape_len(token + 5, 43, 43, b64url_char) != 43 || b64_decode(token + 5, 43, B64_URL, 0, r, sizeof r) != 32) {
		ccsp_memzero(r, sizeof r);
		return CCSP_ERR_DECODE;
	}
	ccsp_memzero(r, sizeof r);
	return ccsp_sm3(token, CCSP_REQAUTH_TOKEN_LEN, stored);
}

ccsp_err ccsp_reqauth_bearer_hash(const char *authorization, uint8_t stored[CCSP_SM3_DIGEST_SIZE])
{
	if (authorization == NULL || stored == NULL)
		return CCSP_ERR_ARG;
	if (strncasecmp(authorization, "Bearer ", 7) != 0) /* RFC 7235 clause 2.1: the scheme is case-insensitive */
		return CCSP_ERR_DECODE;
	return ccsp_reqauth_token_hash(authorization + 7, stored);
}
