/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CHSM and VSM images (GM/T 0088 exportCHSM/importCHSM, exportVSM/importVSM, backup/restore; design.md §3):
 * a list of named entries (a VSM's keystore, file area, audit log, storage key, settings, ...) sealed so that
 * only a CHSM of the same trust domain can open it, and signed by the device that made it.
 *
 * File layout (integers big-endian):
 *
 *   0    "CCSPIMG1"                                  8
 *   8    domain id (chsm_domain_id)                   8
 *   16   key iv 12 | image key wrapped 16 | tag 16    44   SM4-GCM(domain key, AAD = bytes 0..16), the image
 *                                                          key fresh for every image
 *   60   payload iv                                   12
 *   72   payload length L                             8
 *   80   signer public key 04||x||y                   65   the device key of the CHSM that made the image
 *   145  payload: SM4-GCM(image key, AAD = bytes 0..145) of the entries   L
 *   145+L  payload tag                                16
 *   161+L  signature r||s                             64   SM2 with the default ID, by the signer key, over
 *                                                          bytes 0..161+L
 *
 * Entries (the plaintext payload): count u32, then per entry name length u16 | name | data length u32 | data.
 * Names: 1..200 characters of [A-Za-z0-9._/-], no "." or ".." component, no leading or trailing '/', unique.
 *
 * Opening checks, in order, before anything is used: the layout and bounds, the signature (integrity: the
 * image is exactly what its signer made), the domain, the wrapped key and the payload tag (confidentiality and
 * origin inside the domain), then the entry list. Who may import an image at all is decided before this: chsmd
 * verifies the cloud platform's signature over the file first (spec §7.2.9).
 */
#ifndef CCSP_CHSM_IMAGE_H
#define CCSP_CHSM_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>
#include <ccsp/sm2.h>

#define CHSM_IMAGE_MAX ((size_t)512 << 20) /* bytes of an image file */
#define CHSM_IMAGE_ENTRIES_MAX 65536
#define CHSM_IMAGE_NAME_MAX 200
#define CHSM_IMAGE_SIGNER_SIZE 65

typedef struct chsm_image chsm_image;

CCSP_MUST_CHECK ccsp_err chsm_image_new(chsm_image **out);
/* Wipes every entry's data. NULL is ignored. */
void chsm_image_free(chsm_image *im);
/* Append a copy of data under name. CCSP_ERR_ARG invalid name, CCSP_ERR_FILE_EXISTS duplicate, CCSP_ERR_LIMIT
 * too many entries or too much data for one image. */
CCSP_MUST_CHECK ccsp_err chsm_image_add(chsm_image *im, const char *name, const void *data, size_t len);
/* The data of name (NULL when absent). */
const uint8_t *chsm_image_find(const chsm_image *im, const char *name, size_t *len);
size_t chsm_image_count(const chsm_image *im);
/* The name of entry i < count, its data into *data, *len. */
const char *chsm_image_entry(const chsm_image *im, size_t i, const uint8_t **data, size_t *len);
/* 1 when name is a valid entry name. */
int chsm_image_name_valid(const char *name);

/* Seal and sign: *out (malloc'd, *outlen bytes) is the image file. */
CCSP_MUST_CHECK ccsp_err chsm_image_seal(const chsm_image *im, const uint8_t domain_key[16],
                                         const ccsp_sm2_key *signer, uint8_t **out, size_t *outlen);
/* Check and open an image file. signer (may be NULL) receives the signer's public key. CCSP_ERR_DECODE malformed,
 * CCSP_ERR_SIGNATURE the signature does not verify (altered), CCSP_ERR_ACCESS_DENIED the image belongs to another
 * trust domain, CCSP_ERR_TAMPERED the wrapped key or payload fails authentication. */
CCSP_MUST_CHECK ccsp_err chsm_image_open(const uint8_t *file, size_t len, const uint8_t domain_key[16],
                                         chsm_image **out, uint8_t signer[CHSM_IMAGE_SIGNER_SIZE]);

/* The entry list of a decrypted payload alone (the last step of chsm_image_open; for tests and the fuzz target).
 * CCSP_ERR_DECODE when malformed: bad counts or lengths, invalid or duplicate names, trailing bytes. */
CCSP_MUST_CHECK ccsp_err chsm_image_decode(const uint8_t *payload, size_t len, chsm_image **out);

#endif
