/* SPDX-License-Identifier: Apache-2.0 */
/* vsmd --init: create a standalone VSM state directory (dev mode). */
#ifndef CCSP_VSMD_INIT_H
#define CCSP_VSMD_INIT_H

#include <ccsp/error.h>

#define VSMD_CONF "vsmd.conf"
#define VSMD_STORAGE_KEY "storage.key"
#define VSMD_DEFAULT_LISTEN "127.0.0.1:8800"

#include <stdint.h>

/* Create dir (must not hold a VSM yet): a dev-mode storage key (0600 file), the VSM's stores, a self-issued
 * TLS certificate for the listen address, vsmd.conf, a client token (its SM3 hash kept by the VSM, the token
 * itself sealed in client.token) and the client config sdf.conf. Prints what it made to stdout; on failure
 * prints the reason to stderr. Returns 0 or 1.
 * skey not NULL (vsmd --init DIR --storage-key-fd N: the VSM is chsmd's): the VSM is created under that key,
 * which is not stored anywhere (no storage.key, no storage_key_file in vsmd.conf: it is served only with
 * --storage-key-fd), and it gets no client token (it starts free, GM/T 0088 token "0", until chsmd sets one).
 * The caller wipes skey.
 * tlcp (vsmd --init DIR --transport tlcp): the listener serves TLCP (GB/T 38636): double certificates issued by a
 * dev CA made for the occasion (src/common/tlcp_devcert.h: tlcp-ca.pem, tlcp-sign.pem/.key, tlcp-enc.pem/.key; the
 * CA's key is wiped unused afterwards), transport = tlcp in vsmd.conf and in sdf.conf, whose ca_file is tlcp-ca.pem.
 * A VSM of chsmd is made with tlcp 0: chsmd sets up its channel before each start (vsm_transport). */
int vsmd_init(const char *dir, const char *listen, const uint8_t *skey, int tlcp);

#endif
