/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Throughput of a VSM per algorithm family (GM/T 0088 getVSMInfo "eps": max and average operations per second,
 * measured by the VSM). Every successful SDF operation counts once for its family (SM2: signatures, encryption,
 * key agreement and the key operations under SM2 keys; SM3: hash and HMAC; SM4: symmetric encryption, MAC and the
 * key operations under KEKs). A thread of its own samples the counters every second: max is the best one-second
 * count since vsmd started, avg the count since then divided by the seconds since then; it writes
 * DIR/eps.json every 5 s (and at stop):
 *   {"SM2":{"max":N,"avg":N},"SM3":{...},"SM4":{...},"wrapCache":{"hits":N,"misses":N,"entries":N},"uptime":S}
 * (wrapCache: wrapped-key signatures served from the VSM's wrap cache and not, and its entries now, vsm_keystore.h)
 * (atomically replaced; chsmd reads it for getVSMInfo). Counting is one relaxed atomic add: no lock.
 */
#ifndef CCSP_VSMD_STATS_H
#define CCSP_VSMD_STATS_H

#include <stdint.h>

#include <ccsp/error.h>

#include "vsm/vsm.h"

#define VSMD_EPS_FILE "eps.json"

typedef enum vsmd_family { VSMD_FAMILY_NONE = -1, VSMD_FAMILY_SM2 = 0, VSMD_FAMILY_SM3, VSMD_FAMILY_SM4 } vsmd_family;

/* The family an SDF opcode counts for (VSMD_FAMILY_NONE: sessions, files, device info, administration). */
vsmd_family vsmd_stats_family(uint16_t opcode);
/* Count one successful operation of opcode. */
void vsmd_stats_count(uint16_t opcode);
/* Start the sampling thread writing DIR/eps.json (vsm: whose wrap cache it reports; it outlives the thread); stop
 * it (writing the file a last time). */
CCSP_MUST_CHECK ccsp_err vsmd_stats_start(const char *dir, ccsp_vsm *vsm);
void vsmd_stats_stop(void);

#endif
