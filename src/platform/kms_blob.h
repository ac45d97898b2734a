/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS ciphertext blob and the AAD of its SM4-GCM (crypto/encrypt, crypto/decrypt; docs/api-ccspd.md "The
 * ciphertext blob"). Pure: no store, no VSM.
 *
 *   offset  size  field
 *   0       1     format, 0x01
 *   1       16    key id: its 32 hex digits as 16 bytes
 *   17      4     key version, big-endian, >= 1
 *   21      12    IV (from the VSM's generator)
 *   33      n     ciphertext (n = plaintext length)
 *   33+n    16    GCM tag
 *
 * AAD = "ccsp-kms-v1" (11 bytes) || blob[0..21) (format, key id, version) || tenant id (32 ASCII hex digits) ||
 *       application id (32 ASCII hex digits) || context (canonical JSON text: ccsp_kms_context_canon; "{}" without)
 * so a blob moved to another tenant or application, relabelled with another key or version, or opened with another
 * context fails the tag (SVC-2/3: the data is bound to the subject that owns it).
 */
#ifndef CCSP_PLATFORM_KMS_BLOB_H
#define CCSP_PLATFORM_KMS_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>
#include <jansson.h>

#define CCSP_KMS_BLOB_FORMAT 0x01
#define CCSP_KMS_BLOB_HEADER 21 /* format, key id, version */
#define CCSP_KMS_BLOB_IV_OFF 21
#define CCSP_KMS_BLOB_CT_OFF 33
#define CCSP_KMS_BLOB_OVERHEAD 49 /* header, IV, tag */
#define CCSP_KMS_AAD_PREFIX "ccsp-kms-v1"
#define CCSP_KMS_CONTEXT_MAX 4096 /* bytes of a context's canonical text */
#define CCSP_KMS_CONTEXT_MEMBERS 32

/* The parsed header of a blob; iv, ct and tag point into the blob. */
typedef struct ccsp_kms_blob {
	char key_id[33];
	uint32_t version;
	const uint8_t *header, *iv, *ct, *tag;
	size_t ctlen;
} ccsp_kms_blob;

/* Write the header (format, key id, version) into out[0..21). CCSP_ERR_ARG when key_id is not 32 lowercase hex
 * digits or version is 0. */
CCSP_MUST_CHECK ccsp_err ccsp_kms_blob_header(const char *key_id, uint32_t version,
                                              uint8_t out[CCSP_KMS_BLOB_HEADER]);
/* Parse blob (len bytes). CCSP_ERR_ARG when it is shorter than the overhead, of another format or version 0. */
CCSP_MUST_CHECK ccsp_err ccsp_kms_blob_parse(const uint8_t *blob, size_t len, ccsp_kms_blob *out);
/* The canonical text of a context: NULL -> "{}"; an object of at most CCSP_KMS_CONTEXT_MEMBERS members whose values
 * are strings -> compact JSON, keys sorted, non-ASCII escaped as \uXXXX (upper-case hex), at most
 * CCSP_KMS_CONTEXT_MAX bytes (malloc'd, the caller frees). CCSP_ERR_ARG for anything else (*out NULL). */
CCSP_MUST_CHECK ccsp_err ccsp_kms_context_canon(const json_t *context, char **out);
/* The AAD for header, tenant, application and canonical context into a malloc'd buffer (*out, *len). CCSP_ERR_ARG
 * when an id is not 32 characters. */
CCSP_MUST_CHECK ccsp_err ccsp_kms_aad(const uint8_t header[CCSP_KMS_BLOB_HEADER], const char *tenant_id,
                                      const char *app_id, const char *context_canon, uint8_t **out, size_t *len);

#endif
