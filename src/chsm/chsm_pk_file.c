/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The platform-key store file (mode 0600, replaced atomically with ccsp_atomic_write). Text, LF line ends,
 * single spaces, nothing else:
 *
 *   CCSP-CHSM-AUTHPK 1
 *   <alg> <Base64 canonical SPKI DER> <Base64 hash of the text configCHSMPk received>   (0 to 2 lines)
 *   SM3 <64 lowercase hex: SM3 of every byte above this line>
 *
 * <alg> is "sm2" or "rsa"; the hash is SM3 for SM2 keys and SHA-256 for RSA keys (it keeps that text usable
 * as a CHSM-AuthPK fingerprint after a restart). The SM3 line detects truncation and corruption; it is not
 * a MAC (the keys are public, and whoever can write this file can also replace chsmd). On load every
 * field must be exactly as written here (canonical Base64 and DER, keys that validate, no duplicates, at
 * most 2 keys), or the whole file is refused with CCSP_ERR_TAMPERED.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/sm3.h>

#include "common/b64.h"
#include "chsm/chsm_pk_internal.h"
#include "common/atomic_file.h"
#include "crypto/guard.h" /* CCSP_CHECK, CCSP_ENSURE */

#define FILE_HEADER "CCSP-CHSM-AUTHPK 1"
#define SUM_PREFIX "SM3 "
#define SUM_LINE_LEN (sizeof SUM_PREFIX - 1 + 2 * CCSP_SM3_DIGEST_SIZE + 1) /* with its LF */
#define HASH_B64_LEN CCSP_B64_LEN(CHSM_PK_HASH_SIZE)


static void put(char *buf, size_t *len, const char *s, size_t n)
{
	memcpy(buf + *len, s, n);
	*len += n;
}

ccsp_err ccsp_chsm_pk_file_save(const char *path, ccsp_chsm_pk *const *keys, size_t n)
{
	uint8_t sum[CCSP_SM3_DIGEST_SIZE];
	char hex[2 * CCSP_SM3_DIGEST_SIZE + 1];
	CCSP_ENSURE(path != NULL && (keys != NULL || n == 0) && n <= CCSP_CHSM_PK_MAX, CCSP_ERR_ARG);
	/* each SPKI is at most CHSM_PK_SPKI_MAX bytes: the sizes below cannot overflow */
	size_t cap = sizeof FILE_HEADER + SUM_LINE_LEN, len = 0;
	for (size_t i = 0; i < n; i++)
		cap += 4 + CCSP_B64_LEN(keys[i]->spki_len) + 1 + HASH_B64_LEN + 1;
	char *buf = malloc(cap + 1); /* + 1: the encoder's NUL */
	CCSP_ENSURE(buf != NULL, CCSP_ERR_NOMEM);
	put(buf, &len, FILE_HEADER "\n", sizeof FILE_HEADER);
	for (size_t i = 0; i < n; i++) {
		put(buf, &len, keys[i]->alg == CCSP_CHSM_PK_SM2 ? "sm2 " : "rsa ", 4);
		len += ccsp_b64_encode(keys[i]->spki, keys[i]->spki_len, buf + len);
		buf[len++] = ' ';
		len += ccsp_b64_encode(keys[i]->text_hash, CHSM_PK_HASH_SIZE, buf + len);
		buf[len++] = '\n';
	}
	ccsp_err ret = ccsp_sm3(buf, len, sum);
	if (ret == CCSP_OK) {
		ccsp_hex_encode(sum, sizeof sum, hex);
		put(buf, &len, SUM_PREFIX, sizeof SUM_PREFIX - 1);
		put(buf, &len, hex, sizeof hex - 1);
		buf[len++] = '\n';
		ret = ccsp_atomic_write(path, buf, len, 0600);
	}
	free(buf);
	return ret;
}

/* The next LF-terminated line at *pos (without its LF); 0 at the end or on a last line without LF. */
static int next_line(const char *buf, size_t len, size_t *pos, const char **line, size_t *linelen)
{
	if (*pos >= len)
		return 0;
	const char *nl = memchr(buf + *pos, '\n', len - *pos);
	if (nl == NULL)
		return 0;
	*line = buf + *pos;
	*linelen = (size_t)(nl - *line);
	*pos += *linelen + 1;
	return 1;
}

/* A field that must be the canonical Base64 of exactly its decoding. */
static ccsp_err canonical_b64(const char *f, size_t flen, uint8_t *out, size_t outcap, size_t *outlen)
{
	char again[CCSP_B64_LEN(CHSM_PK_SPKI_MAX) + 1];
	CCSP_ENSURE(flen < sizeof again, CCSP_ERR_DECODE);
	CCSP_GUARD(ccsp_b64_decode(f, flen, out, outcap, outlen));
	CCSP_ENSURE(ccsp_b64_encode(out, *outlen, again) == flen && memcmp(again, f, flen) == 0, CCSP_ERR_DECODE);
	return CCSP_OK;
}

/* "<alg> <spki> <hash>" -> a validated key. */
static ccsp_err parse_key_line(const char *line, size_t len, ccsp_chsm_pk **out)
{
	uint8_t der[CHSM_PK_SPKI_MAX], th[CHSM_PK_HASH_SIZE];
	size_t derlen, thlen;
	CCSP_ENSURE(len > 4 && line[3] == ' ', CCSP_ERR_DECODE);
	ccsp_chsm_pk_alg alg = memcmp(line, "sm2", 3) == 0   ? CCSP_CHSM_PK_SM2
	                       : memcmp(line, "rsa", 3) == 0 ? CCSP_CHSM_PK_RSA
	                                                     : CCSP_CHSM_PK_ANY;
	CCSP_ENSURE(alg != CCSP_CHSM_PK_ANY, CCSP_ERR_DECODE);
	const char *spki = line + 4, *sp = memchr(spki, ' ', len - 4);
	CCSP_ENSURE(sp != NULL, CCSP_ERR_DECODE);
	size_t spkilen = (size_t)(sp - spki), hlen = len - 4 - spkilen - 1;
	CCSP_GUARD(canonical_b64(spki, spkilen, der, sizeof der, &derlen));
	CCSP_GUARD(canonical_b64(sp + 1, hlen, th, sizeof th, &thlen));
	CCSP_ENSURE(thlen == sizeof th, CCSP_ERR_DECODE);
	return ccsp_chsm_pk_from_spki(der, derlen, alg, th, out);
}

/* The checksum line closes the file and matches the bytes above it: their length, else 0. */
static size_t checked_body(const uint8_t *buf, size_t len)
{
	uint8_t sum[CCSP_SM3_DIGEST_SIZE];
	char hex[2 * CCSP_SM3_DIGEST_SIZE + 1];
	if (len < sizeof FILE_HEADER + SUM_LINE_LEN || buf[len - 1] != '\n')
		return 0;
	size_t body = len - SUM_LINE_LEN;
	if (buf[body - 1] != '\n' || memcmp(buf + body, SUM_PREFIX, sizeof SUM_PREFIX - 1) != 0)
		return 0;
	if (ccsp_sm3(buf, body, sum) != CCSP_OK)
		return 0;
	ccsp_hex_encode(sum, sizeof sum, hex);
	return memcmp(buf + body + sizeof SUM_PREFIX - 1, hex, sizeof hex - 1) == 0 ? body : 0;
}

static ccsp_err parse_file(const char *buf, size_t body, ccsp_chsm_pk *keys[CCSP_CHSM_PK_MAX], size_t *n)
{
	const char *line;
	size_t linelen, pos = 0;
	if (!next_line(buf, body, &pos, &line, &linelen) || linelen != sizeof FILE_HEADER - 1 ||
	    memcmp(line, FILE_HEADER, linelen) != 0)
		return CCSP_ERR_DECODE;
	while (next_line(buf, body, &pos, &line, &linelen)) {
		CCSP_ENSURE(*n < CCSP_CHSM_PK_MAX, CCSP_ERR_DECODE);
		CCSP_GUARD(parse_key_line(line, linelen, &keys[*n]));
		(*n)++;
		for (size_t i = 0; i + 1 < *n; i++)
			CCSP_ENSURE(!ccsp_chsm_pk_same(keys[i], keys[*n - 1]), CCSP_ERR_DECODE);
	}
	return CCSP_OK; /* checked_body() ends the body with an LF: every byte was in some line */
}

ccsp_err ccsp_chsm_pk_file_load(const char *path, ccsp_chsm_pk *keys[CCSP_CHSM_PK_MAX], size_t *n)
{
	ccsp_chsm_pk *got[CCSP_CHSM_PK_MAX] = {NULL};
	uint8_t *buf = NULL;
	size_t len, m = 0;
	CCSP_ENSURE(path != NULL && keys != NULL && n != NULL, CCSP_ERR_ARG);
	*n = 0;
	ccsp_err ret = ccsp_file_read_all(path, CHSM_PK_FILE_MAX, &buf, &len);
	CCSP_CHECK(ret == CCSP_ERR_LIMIT ? CCSP_ERR_TAMPERED : ret);
	size_t body = checked_body(buf, len);
	CCSP_CHECK(body != 0 ? CCSP_OK : CCSP_ERR_TAMPERED);
	ret = parse_file((const char *)buf, body, got, &m);
	/* a fault is reported as such; anything else wrong with the content is tampering */
	if (ret != CCSP_OK && ret != CCSP_ERR_NOMEM && ret != CCSP_ERR_MODULE_STATE && ret != CCSP_ERR_INTERNAL)
		ret = CCSP_ERR_TAMPERED;
	CCSP_CHECK(ret);
	memcpy(keys, got, m * sizeof got[0]);
	*n = m;
	m = 0;
out:
	for (size_t i = 0; i < m; i++)
		ccsp_chsm_pk_free(got[i]);
	free(buf);
	return ret;
}
