/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CHSM key hierarchy (design.md §3): the master key protects the device SM2 key, the domain key and every VSM
 * storage key.
 *
 *   master key (SM4, 16 B)    dev mode: DIR/master.key (0600), made by chsmd --init; production mode: reassembled
 *                             from custodians' m-of-n shares at start, never stored
 *   device SM2 key            DIR/device.key: SM4-GCM(master key) of the private key; signs callbacks and images
 *   domain key (SM4, 16 B)    DIR/domain.key: sealed under the master key. Shared by every CHSM of one trust domain
 *                             (installed from m-of-n shares: ccsp chsm domain init / join); wraps image keys, so
 *                             only CHSMs of the domain can open each other's images
 *   VSM storage key (16 B)    random, made when the VSM is created; kept sealed under the master key in the VSM's
 *                             own directory (chsmd's vsm_keys.c), so that the directory is self-contained and an
 *                             imported VSM keeps the key its data is encrypted under
 *
 * Sealed blobs (domain.key, VSM storage keys): "CCSPSB01" | iv (12) | SM4-GCM(master key, AAD = magic || label)
 * (data) | tag (16). The label names the use ("domain", "vsm storage <id>"), so a blob cannot be passed off as
 * another. Thread-safe: read-only after open (the domain key file is read on each use, so that a domain installed
 * while chsmd runs is seen at once).
 */
#ifndef CCSP_CHSM_KEYS_H
#define CCSP_CHSM_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>
#include <ccsp/sm2.h>

#define CHSM_MASTER_KEY_SIZE 16
#define CHSM_DOMAIN_KEY_SIZE 16
#define CHSM_DOMAIN_ID_SIZE 8     /* bytes of a domain id (SM3 prefix of the key; names it, reveals nothing) */
#define CHSM_SEALED_OVERHEAD 36   /* magic 8 + iv 12 + tag 16 */
#define CHSM_SEALED_MAX 4096      /* bytes a sealed blob may hold */

typedef struct chsm_keys chsm_keys;

/* Dev mode: create DIR/master.key (random, 0600) and DIR/device.key (a fresh SM2 key wrapped under it).
 * CCSP_ERR_KEY_EXISTS when either exists. */
CCSP_MUST_CHECK ccsp_err chsm_keys_create(const char *dir);
/* Production mode: as chsm_keys_create with the master key given by the caller (made from shares) and no
 * master.key file. */
CCSP_MUST_CHECK ccsp_err chsm_keys_create_with(const char *dir, const uint8_t master[CHSM_MASTER_KEY_SIZE]);
/* Open with the dev-mode master key file. CCSP_ERR_TAMPERED when device.key fails authentication (wrong
 * master key or corruption). */
CCSP_MUST_CHECK ccsp_err chsm_keys_open(const char *dir, chsm_keys **out);
/* Open with a master key given by the caller (production mode: reassembled from shares). */
CCSP_MUST_CHECK ccsp_err chsm_keys_open_with(const char *dir, const uint8_t master[CHSM_MASTER_KEY_SIZE],
                                             chsm_keys **out);
void chsm_keys_free(chsm_keys *k);

/* The device key (public and private; read-only, valid until chsm_keys_free). */
const ccsp_sm2_key *chsm_keys_device(const chsm_keys *k);

/* Seal len (<= CHSM_SEALED_MAX) bytes under the master key for label into out (len + CHSM_SEALED_OVERHEAD). */
CCSP_MUST_CHECK ccsp_err chsm_keys_seal(const chsm_keys *k, const char *label, const uint8_t *in, size_t len,
                                        uint8_t *out);
/* Open a sealed blob of inlen bytes into out (inlen - CHSM_SEALED_OVERHEAD bytes). CCSP_ERR_TAMPERED when it is
 * malformed, altered, sealed for another label or under another master key. */
CCSP_MUST_CHECK ccsp_err chsm_keys_unseal(const chsm_keys *k, const char *label, const uint8_t *in, size_t inlen,
                                          uint8_t *out);

/* The domain key: CCSP_ERR_KEY_NOT_FOUND when this CHSM belongs to no domain yet, CCSP_ERR_TAMPERED when
 * domain.key fails its check. */
CCSP_MUST_CHECK ccsp_err chsm_keys_domain_get(const chsm_keys *k, uint8_t key[CHSM_DOMAIN_KEY_SIZE]);
/* Install key as the domain key (atomically). CCSP_OK also when this very key is installed already;
 * CCSP_ERR_KEY_EXISTS when another one is (a CHSM leaves a domain only by being re-initialised). */
CCSP_MUST_CHECK ccsp_err chsm_keys_domain_set(const chsm_keys *k, const uint8_t key[CHSM_DOMAIN_KEY_SIZE]);
/* The domain id: the first 8 bytes of SM3("ccsp chsm domain id" || key). */
CCSP_MUST_CHECK ccsp_err chsm_domain_id(const uint8_t key[CHSM_DOMAIN_KEY_SIZE], uint8_t id[CHSM_DOMAIN_ID_SIZE]);

#endif
