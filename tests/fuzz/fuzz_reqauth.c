/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz ccspd's application request authentication (src/platform/reqauth.c): the header parser, the canonical
 * string, HMAC-SM3 and SM2 verification, the nonce table, the session-token parser.
 *
 * Input: two control bytes, then path, access key, timestamp, nonce, signature and algorithm separated by NUL
 * bytes; everything left is the body. Control byte 0: bit 0 leave X-Ccsp-Signature-Alg out; bit 1 sign the
 * fields (when they have the right shapes) and check the properties below; bit 2 with SM2-SM3 instead of
 * HMAC-SM3. Control byte 1: which byte to change for the tamper property (index into path, access key,
 * timestamp, nonce, signature and body in turn, modulo their total length), and by what (xor, never 0).
 *
 * Checked beyond "no crash":
 *   - whatever the input, parse and verify answer a verdict, never INTERNAL; a parsed request's canonical string
 *     has five lines and ends with 64 lowercase hex digits;
 *   - a request signed with the fixed credentials is accepted once, then REPLAYED by the same nonce table;
 *   - it is accepted at now = timestamp +- 300 and refused at +- 301;
 *   - once any one byte of path, access key, timestamp, nonce, signature or body changes, it is refused (the
 *     access key selects the credential: a changed one is unknown);
 *   - the session-token parser takes the remaining data as a token and an Authorization value without crashing,
 *     and agrees with itself.
 */
#include <stdlib.h>
#include <string.h>

#include "platform/reqauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define AK "AKfuzz0123456789abcdef"
#define SECRET "fuzz-secret-0123456789"
#define BUF 2048

/* GB/T 32918.5 example private key */
static const uint8_t SM2_D[32] = {0x39, 0x45, 0x20, 0x8f, 0x7b, 0x21, 0x44, 0xb1, 0x3f, 0x36, 0xe3,
                                  0x8a, 0xc6, 0xd3, 0x9f, 0x95, 0x88, 0x93, 0x93, 0x69, 0x28, 0x60,
                                  0xb5, 0x1a, 0x42, 0xfb, 0x81, 0xef, 0x4d, 0xf7, 0xc5, 0xb8};

static ccsp_reqauth_credential cred;

static void setup(void)
{
	static ccsp_sm2_key *key;
	if (key != NULL)
		return;
	key = ccsp_sm2_key_new();
	if (key == NULL || ccsp_sm2_key_set_private(key, SM2_D) != CCSP_OK)
		abort();
	cred.secret = (const uint8_t *)SECRET;
	cred.secret_len = sizeof SECRET - 1;
	cred.sm2_key = key;
}

static ccsp_reqauth_nonce always_fresh(void *arg, const char *ak, const char *nonce, int64_t ts, int64_t now)
{
	(void)arg, (void)ak, (void)nonce, (void)ts, (void)now;
	return CCSP_REQAUTH_NONCE_FRESH;
}

/* parse, look the access key up, verify */
static ccsp_reqauth_result run(const ccsp_reqauth_request *req, int64_t now, ccsp_reqauth_nonce_fn fn, void *arg)
{
	ccsp_reqauth_parsed p;
	ccsp_reqauth_result r = ccsp_reqauth_parse(req, &p);
	if (r != CCSP_REQAUTH_OK)
		return r;
	if (p.canonical_len < 90) /* "POST\n/\n0\n" + 16-character nonce + "\n" + 64 hex digits */
		abort();
	if (memcmp(p.canonical, "POST\n", 5) != 0 || p.canonical[p.canonical_len - 65] != '\n' ||
	    strspn(p.canonical + p.canonical_len - 64, "0123456789abcdef") != 64)
		abort();
	return ccsp_reqauth_verify(&p, strcmp(p.access_key, AK) == 0 ? &cred : NULL, now < 0 ? 0 : now, fn, arg);
}

/* Split the input into the six NUL-terminated fields and the body. */
static size_t split(const uint8_t *data, size_t size, char f[6][BUF], const uint8_t **body)
{
	size_t pos = 0;
	for (int i = 0; i < 6; i++) {
		size_t n = 0;
		while (pos < size && data[pos] != 0 && n < BUF - 1)
			f[i][n++] = (char)data[pos++];
		f[i][n] = '\0';
		if (pos < size)
			pos++;
	}
	*body = data + pos;
	return size - pos;
}

/* The properties of a request signed from the fuzzer's fields. */
static void signed_properties(char f[6][BUF], const uint8_t *body, size_t blen, unsigned sm2, unsigned tamper)
{
	ccsp_reqauth_headers h;
	const int64_t now = 1767225600;
	if (ccsp_reqauth_sign(f[1], &cred, sm2 ? CCSP_REQAUTH_SM2_SM3 : CCSP_REQAUTH_HMAC_SM3, f[0], body, blen, now,
	                      f[3], &h) != CCSP_OK)
		return; /* fields outside their shapes */
	ccsp_reqauth_request req = {"POST", f[0], body, blen, h.access_key, h.timestamp, h.nonce, h.signature, h.alg};
	ccsp_reqauth_nonce_cache *c = ccsp_reqauth_nonce_cache_new(4);
	if (c == NULL)
		abort();
	int wrong_app = strcmp(f[1], AK) != 0;
	ccsp_reqauth_result want = wrong_app ? CCSP_REQAUTH_UNKNOWN_KEY : CCSP_REQAUTH_OK;
	if (run(&req, now, ccsp_reqauth_nonce_cache_check, c) != want)
		abort();
	if (!wrong_app && run(&req, now, ccsp_reqauth_nonce_cache_check, c) != CCSP_REQAUTH_REPLAYED)
		abort();
	ccsp_reqauth_nonce_cache_free(c);
	if (run(&req, now + 300, always_fresh, NULL) != want || run(&req, now - 300, always_fresh, NULL) != want ||
	    run(&req, now + 301, always_fresh, NULL) != CCSP_REQAUTH_STALE ||
	    run(&req, now - 301, always_fresh, NULL) != CCSP_REQAUTH_FUTURE)
		abort();
	/* change one byte */
	char *parts[5] = {f[0], h.access_key, h.timestamp, h.nonce, h.signature};
	size_t lens[6], total = 0;
	for (int i = 0; i < 5; i++)
		total += lens[i] = strlen(parts[i]);
	total += lens[5] = blen;
	uint8_t *b2 = malloc(blen + 1);
	if (b2 == NULL)
		abort();
	memcpy(b2, body, blen);
	size_t at = (tamper >> 3) * 7919 % total;
	uint8_t x = (uint8_t)((tamper & 7) + 1);
	for (int i = 0; i < 6; i++) {
		if (at >= lens[i]) {
			at -= lens[i];
			continue;
		}
		if (i < 5)
			parts[i][at] = (char)(parts[i][at] ^ x); /* printable ^ 1..8: never NUL */
		else
			b2[at] ^= x;
		break;
	}
	req.body = b2;
	/* Unless the change turned a wrong access key into the app's own: the request is then the app's, signed with its
	 * secret (the access key only selects the secret, docs/api-auth.md), and acceptance is right. */
	int became_app = wrong_app && strcmp(h.access_key, AK) == 0;
	if (!became_app && run(&req, now, always_fresh, NULL) == CCSP_REQAUTH_OK)
		abort();
	free(b2);
}

static void tokens(const uint8_t *data, size_t size)
{
	char t[80], a[90];
	uint8_t s1[32], s2[32];
	size_t n = size < sizeof t - 1 ? size : sizeof t - 1;
	memcpy(t, data, n);
	t[n] = '\0';
	memcpy(a, "Bearer ", 7);
	memcpy(a + 7, t, n + 1);
	ccsp_err e1 = ccsp_reqauth_token_hash(t, s1), e2 = ccsp_reqauth_bearer_hash(a, s2);
	if (e1 != e2 || (e1 == CCSP_OK && memcmp(s1, s2, 32) != 0) || (e1 == CCSP_OK && strlen(t) != 48))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char f[6][BUF];
	const uint8_t *body;
	if (size < 2)
		return 0;
	setup();
	unsigned ctl = data[0], tamper = data[1];
	size_t blen = split(data + 2, size - 2, f, &body);
	ccsp_reqauth_request req = {"POST", f[0], body, blen, f[1], f[2], f[3], f[4], (ctl & 1) ? NULL : f[5]};
	ccsp_reqauth_parsed p;
	int64_t now = ccsp_reqauth_parse(&req, &p) == CCSP_REQAUTH_OK ? p.timestamp : 0;
	ccsp_reqauth_nonce_cache *c = ccsp_reqauth_nonce_cache_new(2);
	if (c == NULL)
		abort();
	ccsp_reqauth_result r = run(&req, now, ccsp_reqauth_nonce_cache_check, c);
	if (r == CCSP_REQAUTH_INTERNAL || (r == CCSP_REQAUTH_OK && run(&req, now, ccsp_reqauth_nonce_cache_check, c) !=
	                                                               CCSP_REQAUTH_REPLAYED))
		abort();
	ccsp_reqauth_nonce_cache_free(c);
	if (ctl & 2)
		signed_properties(f, body, blen, ctl & 4, tamper);
	tokens(data + 2, size - 2);
	return 0;
}
