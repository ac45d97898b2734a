/* SPDX-License-Identifier: Apache-2.0 */
/* CHSM/VSM images: the entry list, sealing and opening (layout in chsm_image.h). */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>
#include <ccsp/sm4.h>

#include "chsm/chsm_image.h"
#include "chsm/chsm_keys.h"

#define MAGIC "CCSPIMG1"
#define OFF_KEY 16
#define OFF_PIV 60
#define OFF_LEN 72
#define OFF_SIGNER 80
#define HEADER_SIZE 145
#define TRAILER_SIZE (16 + CCSP_SM2_SIGNATURE_SIZE)
#define PAYLOAD_MAX (CHSM_IMAGE_MAX - HEADER_SIZE - TRAILER_SIZE)

typedef struct entry {
	char *name;
	uint8_t *data;
	size_t len;
} entry;

struct chsm_image {
	entry *e;
	size_t n, cap;
	size_t payload; /* bytes of the serialised entry list */
};

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

ccsp_err chsm_image_new(chsm_image **out)
{
	*out = calloc(1, sizeof **out);
	if (*out == NULL)
		return CCSP_ERR_NOMEM;
	(*out)->payload = 4;
	return CCSP_OK;
}

void chsm_image_free(chsm_image *im)
{
	if (im == NULL)
		return;
	for (size_t i = 0; i < im->n; i++) {
		if (im->e[i].data != NULL)
			ccsp_memzero(im->e[i].data, im->e[i].len);
		free(im->e[i].data);
		free(im->e[i].name);
	}
	free(im->e);
	free(im);
}

int chsm_image_name_valid(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;
	if (n == 0 || n > CHSM_IMAGE_NAME_MAX || name[0] == '/' || name[n - 1] == '/')
		return 0;
	for (const char *c = name; *c != '\0'; c++) {
		int ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		         *c == '.' || *c == '_' || *c == '-' || *c == '/';
		if (!ok || (*c == '/' && c[1] == '/'))
			return 0;
	}
	for (const char *comp = name; comp != NULL; comp = strchr(comp, '/') != NULL ? strchr(comp, '/') + 1 : NULL) {
		size_t len = strcspn(comp, "/");
		if ((len == 1 && comp[0] == '.') || (len == 2 && comp[0] == '.' && comp[1] == '.'))
			return 0;
	}
	return 1;
}

const uint8_t *chsm_image_find(const chsm_image *im, const char *name, size_t *len)
{
	for (size_t i = 0; i < im->n; i++)
		if (strcmp(im->e[i].name, name) == 0) {
			if (len != NULL)
				*len = im->e[i].len;
			return im->e[i].data != NULL ? im->e[i].data : (const uint8_t *)"";
		}
	return NULL;
}

ccsp_err chsm_image_add(chsm_image *im, const char *name, const void *data, size_t len)
{
	if (im == NULL || (data == NULL && len > 0) || !chsm_image_name_valid(name))
		return CCSP_ERR_ARG;
	if (chsm_image_find(im, name, NULL) != NULL)
		return CCSP_ERR_FILE_EXISTS;
	size_t more = 6 + strlen(name) + len;
	if (im->n >= CHSM_IMAGE_ENTRIES_MAX || len > UINT32_MAX || more > PAYLOAD_MAX - im->payload)
		return CCSP_ERR_LIMIT;
	if (im->n == im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 16;
		entry *e = realloc(im->e, cap * sizeof *e);
		if (e == NULL)
			return CCSP_ERR_NOMEM;
		im->e = e, im->cap = cap;
	}
	entry *e = &im->e[im->n];
	e->name = strdup(name);
	e->data = len > 0 ? malloc(len) : NULL;
	if (e->name == NULL || (len > 0 && e->data == NULL)) {
		free(e->name);
		free(e->data);
		return CCSP_ERR_NOMEM;
	}
	if (len > 0)
		memcpy(e->data, data, len);
	e->len = len;
	im->n++;
	im->payload += more;
	return CCSP_OK;
}

size_t chsm_image_count(const chsm_image *im)
{
	return im->n;
}

const char *chsm_image_entry(const chsm_image *im, size_t i, const uint8_t **data, size_t *len)
{
	if (i >= im->n)
		return NULL;
	*data = im->e[i].data != NULL ? im->e[i].data : (const uint8_t *)"";
	*len = im->e[i].len;
	return im->e[i].name;
}

/* ---- the entry list <-> bytes ---- */

static void serialise(const chsm_image *im, uint8_t *p)
{
	put_be(p, im->n, 4), p += 4;
	for (size_t i = 0; i < im->n; i++) {
		size_t nl = strlen(im->e[i].name);
		put_be(p, nl, 2), p += 2;
		memcpy(p, im->e[i].name, nl), p += nl;
		put_be(p, im->e[i].len, 4), p += 4;
		if (im->e[i].len > 0)
			memcpy(p, im->e[i].data, im->e[i].len), p += im->e[i].len;
	}
}

static ccsp_err parse(const uint8_t *p, size_t len, chsm_image *im)
{
	char name[CHSM_IMAGE_NAME_MAX + 1];
	if (len < 4)
		return CCSP_ERR_DECODE;
	uint64_t count = get_be(p, 4);
	size_t off = 4;
	if (count > CHSM_IMAGE_ENTRIES_MAX)
		return CCSP_ERR_DECODE;
	for (uint64_t i = 0; i < count; i++) {
		if (len - off < 2)
			return CCSP_ERR_DECODE;
		size_t nl = (size_t)get_be(p + off, 2);
		off += 2;
		if (nl == 0 || nl > CHSM_IMAGE_NAME_MAX || len - off < nl + 4)
			return CCSP_ERR_DECODE;
		memcpy(name, p + off, nl);
		name[nl] = '\0';
		off += nl;
		size_t dl = (size_t)get_be(p + off, 4);
		off += 4;
		if (len - off < dl || memchr(name, '\0', nl) != NULL)
			return CCSP_ERR_DECODE;
		ccsp_err ret = chsm_image_add(im, name, p + off, dl);
		if (ret != CCSP_OK)
			return ret == CCSP_ERR_NOMEM ? ret : CCSP_ERR_DECODE;
		off += dl;
	}
	return off == len ? CCSP_OK : CCSP_ERR_DECODE;
}

ccsp_err chsm_image_decode(const uint8_t *payload, size_t len, chsm_image **out)
{
	chsm_image *im;
	*out = NULL;
	if (payload == NULL && len > 0)
		return CCSP_ERR_ARG;
	ccsp_err ret = len <= PAYLOAD_MAX ? chsm_image_new(&im) : CCSP_ERR_DECODE;
	if (ret != CCSP_OK)
		return ret;
	ret = parse(payload, len, im);
	if (ret != CCSP_OK)
		chsm_image_free(im);
	else
		*out = im;
	return ret;
}

/* ---- sealing ---- */

static ccsp_err gcm_seal(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad, size_t aadlen,
                         const uint8_t *in, uint8_t *out, size_t len, uint8_t tag[16])
{
	ccsp_sm4_key k;
	ccsp_err ret = ccsp_sm4_set_key(&k, key, 16);
	if (ret == CCSP_OK)
		ret = ccsp_sm4_gcm_encrypt(&k, iv, 12, aad, aadlen, in, out, len, tag);
	ccsp_sm4_key_wipe(&k);
	return ret;
}

/* CCSP_ERR_TAMPERED when the tag does not verify (out wiped). */
static ccsp_err gcm_open(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad, size_t aadlen,
                         const uint8_t *in, uint8_t *out, size_t len, const uint8_t tag[16])
{
	ccsp_sm4_key k;
	ccsp_err ret = ccsp_sm4_set_key(&k, key, 16);
	if (ret == CCSP_OK)
		ret = ccsp_sm4_gcm_decrypt(&k, iv, 12, aad, aadlen, in, out, len, tag);
	ccsp_sm4_key_wipe(&k);
	return ret == CCSP_ERR_AUTH ? CCSP_ERR_TAMPERED : ret;
}

ccsp_err chsm_image_seal(const chsm_image *im, const uint8_t domain_key[16], const ccsp_sm2_key *signer,
                         uint8_t **out, size_t *outlen)
{
	uint8_t ikey[16], sig[CCSP_SM2_SIGNATURE_SIZE];
	size_t L = im != NULL ? im->payload : 0, total = HEADER_SIZE + L + TRAILER_SIZE;
	*out = NULL;
	if (im == NULL || domain_key == NULL || signer == NULL)
		return CCSP_ERR_ARG;
	uint8_t *f = malloc(total), *plain = malloc(L);
	ccsp_err ret = f != NULL && plain != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK) {
		memcpy(f, MAGIC, 8);
		ret = chsm_domain_id(domain_key, f + 8);
	}
	if (ret == CCSP_OK)
		ret = ccsp_random(ikey, sizeof ikey);
	if (ret == CCSP_OK)
		ret = ccsp_random(f + OFF_KEY, 12);
	if (ret == CCSP_OK)
		ret = gcm_seal(domain_key, f + OFF_KEY, f, OFF_KEY, ikey, f + OFF_KEY + 12, 16, f + OFF_KEY + 28);
	if (ret == CCSP_OK)
		ret = ccsp_random(f + OFF_PIV, 12);
	if (ret == CCSP_OK) {
		put_be(f + OFF_LEN, L, 8);
		ret = ccsp_sm2_key_get_public(signer, f + OFF_SIGNER);
	}
	if (ret == CCSP_OK) {
		serialise(im, plain);
		ret = gcm_seal(ikey, f + OFF_PIV, f, HEADER_SIZE, plain, f + HEADER_SIZE, L, f + HEADER_SIZE + L);
	}
	if (ret == CCSP_OK)
		ret = ccsp_sm2_sign(signer, NULL, 0, f, HEADER_SIZE + L + 16, sig);
	if (ret == CCSP_OK)
		memcpy(f + HEADER_SIZE + L + 16, sig, sizeof sig);
	ccsp_memzero(ikey, sizeof ikey);
	if (plain != NULL)
		ccsp_memzero(plain, L);
	free(plain);
	if (ret != CCSP_OK) {
		free(f);
		return ret;
	}
	*out = f;
	*outlen = total;
	return CCSP_OK;
}

static ccsp_err check_signature(const uint8_t *f, size_t len, uint8_t signer[CHSM_IMAGE_SIGNER_SIZE])
{
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	ccsp_err ret = k != NULL ? ccsp_sm2_key_set_public(k, f + OFF_SIGNER, CHSM_IMAGE_SIGNER_SIZE) : CCSP_ERR_NOMEM;
	if (ret == CCSP_ERR_POINT || ret == CCSP_ERR_DECODE || ret == CCSP_ERR_KEY)
		ret = CCSP_ERR_DECODE;
	if (ret == CCSP_OK)
		ret = ccsp_sm2_verify(k, NULL, 0, f, len - CCSP_SM2_SIGNATURE_SIZE, f + len - CCSP_SM2_SIGNATURE_SIZE);
	if (ret == CCSP_OK && signer != NULL)
		memcpy(signer, f + OFF_SIGNER, CHSM_IMAGE_SIGNER_SIZE);
	ccsp_sm2_key_free(k);
	return ret;
}

ccsp_err chsm_image_open(const uint8_t *f, size_t len, const uint8_t domain_key[16], chsm_image **out,
                         uint8_t signer[CHSM_IMAGE_SIGNER_SIZE])
{
	uint8_t ikey[16], did[CHSM_DOMAIN_ID_SIZE];
	uint8_t *plain = NULL;
	chsm_image *im = NULL;
	*out = NULL;
	if (f == NULL || domain_key == NULL)
		return CCSP_ERR_ARG;
	if (len < HEADER_SIZE + TRAILER_SIZE || len > CHSM_IMAGE_MAX || memcmp(f, MAGIC, 8) != 0 ||
	    get_be(f + OFF_LEN, 8) != len - HEADER_SIZE - TRAILER_SIZE)
		return CCSP_ERR_DECODE;
	size_t L = len - HEADER_SIZE - TRAILER_SIZE;
	ccsp_err ret = check_signature(f, len, signer);
	if (ret == CCSP_OK)
		ret = chsm_domain_id(domain_key, did);
	if (ret == CCSP_OK && memcmp(did, f + 8, sizeof did) != 0)
		ret = CCSP_ERR_ACCESS_DENIED;
	if (ret == CCSP_OK)
		ret = gcm_open(domain_key, f + OFF_KEY, f, OFF_KEY, f + OFF_KEY + 12, ikey, 16, f + OFF_KEY + 28);
	if (ret == CCSP_OK)
		ret = (plain = malloc(L > 0 ? L : 1)) != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		ret = gcm_open(ikey, f + OFF_PIV, f, HEADER_SIZE, f + HEADER_SIZE, plain, L, f + HEADER_SIZE + L);
	if (ret == CCSP_OK)
		ret = chsm_image_decode(plain, L, &im);
	ccsp_memzero(ikey, sizeof ikey);
	if (plain != NULL)
		ccsp_memzero(plain, L);
	free(plain);
	*out = im;
	return ret;
}
