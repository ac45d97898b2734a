/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bundle of a resource group's key-set backup (KM-9; docs/api-ccspd.md "Backup by split knowledge"): every
 * key version the group serves, its material sealed inside the VSM under the backup key (pvsm.h "a key set's
 * backup"), the backup key itself split among custodians. Pure: no store, no VSM.
 *
 * The bundle is a JSON document:
 *   {"format": "ccsp-key-set-backup", "version": 1, "backupId", "groupId", "created", "m", "n",
 *    "keys": [{"tenantId", "keyId", "version", "spec", "alias", "description", "rotationDays", "compromised",
 *              "publicKey" (SM2 specs: x || y in hex), "sealed" (Base64 of iv (12) || ct (16 or 32) || tag (16))}],
 *    "digest": hex of D}
 * with the entries in strictly increasing (tenantId, keyId, version) order. D = SM3 over the canonical manifest:
 * "ccsp-keyset-v1", then every field above but "sealed" and "digest", each as a 4-byte big-endian length and its
 * bytes (integers as 8 bytes big-endian, compromised as 1 byte, an absent public key as length 0). Each entry is
 * sealed with aad = "ccsp-keyset-v1" || D || its tenant id, key id, version, spec and public key (as above), so an
 * entry moved, relabelled, added, dropped or altered, or any header field changed, changes D or the aad and
 * every seal (or that one) fails inside the VSM. "digest" lets a reader refuse an altered bundle early; the seals
 * are what prove it.
 */
#ifndef CCSP_PLATFORM_KMS_KEYSET_H
#define CCSP_PLATFORM_KMS_KEYSET_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>
#include <jansson.h>

#define CCSP_KMS_KEYSET_FORMAT "ccsp-key-set-backup"
#define CCSP_KMS_KEYSET_VERSION 1
#define CCSP_KMS_KEYSET_MAX 1024 /* key versions in one backup */
#define CCSP_KMS_KEYSET_ID_LEN 32
#define CCSP_KMS_KEYSET_AAD_SIZE_MAX 256 /* the longest aad ccsp_kms_keyset_aad makes */

/* One key's material sealed under the backup key. */
typedef struct ccsp_kms_sealed {
	uint8_t iv[12];
	uint8_t ct[32];
	size_t len; /* 16 (SM4, SM4_MAC) or 32 */
	uint8_t tag[16];
} ccsp_kms_sealed;

typedef struct ccsp_kms_keyset_entry {
	char tenant_id[CCSP_KMS_KEYSET_ID_LEN + 1];
	char key_id[CCSP_KMS_KEYSET_ID_LEN + 1];
	int64_t version;        /* 1..INT32_MAX */
	char spec[17];          /* kms_spec.h's name */
	char alias[129];        /* "" when none */
	char description[256];
	int64_t rotation_days;  /* 1..3650 */
	int compromised;
	uint8_t pub[64];        /* SM2 specs: x || y */
	size_t publen;          /* 64 for SM2 specs, else 0 */
	ccsp_kms_sealed sealed;
} ccsp_kms_keyset_entry;

typedef struct ccsp_kms_keyset {
	char backup_id[CCSP_KMS_KEYSET_ID_LEN + 1];
	char group_id[CCSP_KMS_KEYSET_ID_LEN + 1]; /* a group id, or "default" */
	int64_t created;                           /* ms since the epoch */
	unsigned m, n;                             /* 2 <= m <= n <= 16 */
	size_t count;                              /* 1..CCSP_KMS_KEYSET_MAX */
	ccsp_kms_keyset_entry *e;                  /* count entries, calloc'd */
} ccsp_kms_keyset;

/* D of ks (above) into d. CCSP_ERR_ARG for a NULL. */
CCSP_MUST_CHECK ccsp_err ccsp_kms_keyset_digest(const ccsp_kms_keyset *ks, uint8_t d[32]);
/* The aad of entry e under D = d into aad (cap bytes; CCSP_KMS_KEYSET_AAD_SIZE_MAX always suffice), *len set.
 * CCSP_ERR_ARG for a NULL or a field too long, CCSP_ERR_BUFFER_TOO_SMALL. */
CCSP_MUST_CHECK ccsp_err ccsp_kms_keyset_aad(const ccsp_kms_keyset_entry *e, const uint8_t d[32], uint8_t *aad,
                                             size_t cap, size_t *len);
/* The bundle of ks as a new JSON object (its "digest" computed), NULL when out of memory or ks is NULL. */
json_t *ccsp_kms_keyset_json(const ccsp_kms_keyset *ks);
/* The bundle doc read into *ks (allocated; free with ccsp_kms_keyset_free) and D into d. CCSP_ERR_DECODE for
 * anything malformed (a member missing, of the wrong type or out of bounds, another format or version, entries out
 * of order or repeated, no entry, more than CCSP_KMS_KEYSET_MAX), CCSP_ERR_AUTH when "digest" is not D,
 * CCSP_ERR_NOMEM; *ks is empty after any failure. */
CCSP_MUST_CHECK ccsp_err ccsp_kms_keyset_parse(const json_t *doc, ccsp_kms_keyset *ks, uint8_t d[32]);
/* Wipe and free ks's entries; ks empty. */
void ccsp_kms_keyset_free(ccsp_kms_keyset *ks);

#endif
