/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CHSM key hierarchy (design.md §3): the master key protects the device SM2 key and every VSM storage key.
 *
 *   master key (SM4, 16 B)    dev mode: DIR/master.key (0600), made by chsmd --init; production mode (later):
 *                             reassembled from custodians' m-of-n shares at start, never stored
 *   device SM2 key            DIR/device.key: SM4-GCM(master key) of the private key; signs callbacks, images
 *   VSM storage key (16 B)    SM3-KDF(master key || "ccsp chsm vsm storage" || vsm id || salt), salt = 16 random
 *                             bytes chosen at createVSM and kept in the VSM's directory; a new VSM — even with a
 *                             reused id — gets a new key
 * Thread-safe: read-only after open.
 */
#ifndef CCSP_CHSM_KEYS_H
#define CCSP_CHSM_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>
#include <ccsp/sm2.h>

#define CHSM_MASTER_KEY_SIZE 16
#define CHSM_VSM_SALT_SIZE 16

typedef struct chsm_keys chsm_keys;

/* Dev mode: create DIR/master.key (random, 0600) and DIR/device.key (a fresh SM2 key wrapped under it).
 * CCSP_ERR_KEY_EXISTS when either exists. */
CCSP_MUST_CHECK ccsp_err chsm_keys_create(const char *dir);
/* Open with the dev-mode master key file. CCSP_ERR_TAMPERED when device.key fails authentication (wrong
 * master key or corruption). */
CCSP_MUST_CHECK ccsp_err chsm_keys_open(const char *dir, chsm_keys **out);
/* Open with a master key given by the caller (production mode: reassembled from shares). */
CCSP_MUST_CHECK ccsp_err chsm_keys_open_with(const char *dir, const uint8_t master[CHSM_MASTER_KEY_SIZE],
                                             chsm_keys **out);
void chsm_keys_free(chsm_keys *k);

/* The device key (public and private; read-only, valid until chsm_keys_free). */
const ccsp_sm2_key *chsm_keys_device(const chsm_keys *k);
/* The storage key of a VSM from its id and salt. */
CCSP_MUST_CHECK ccsp_err chsm_keys_vsm_storage(const chsm_keys *k, const char *vsm_id,
                                               const uint8_t salt[CHSM_VSM_SALT_SIZE], uint8_t key[16]);

#endif
