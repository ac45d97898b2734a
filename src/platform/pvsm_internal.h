/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the platform VSM's client (pvsm.c, pvsm_transfer.c): the handle's layout and the helpers both files
 * use. Not for other modules: they go through pvsm.h.
 */
#ifndef CCSP_PLATFORM_PVSM_INTERNAL_H
#define CCSP_PLATFORM_PVSM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <ccsp/sdf.h>

#include "platform/pvsm.h"

#define SESSIONS_MAX 64

typedef struct pvsm_session {
	pthread_mutex_t mu;
	HANDLE h;
	HANDLE dpk; /* the data-protection key in this session, NULL before ccsp_pvsm_dpk_load */
} pvsm_session;

struct ccsp_pvsm {
	HANDLE dev;
	unsigned n;
	_Atomic unsigned sign_index; /* 0 until ccsp_pvsm_sign_key_load */
	_Atomic unsigned next;
	pvsm_session s[SESSIONS_MAX];
};

/* A session of p, locked (round robin; waits for a busy one), and its release. */
pvsm_session *pvsm_take(ccsp_pvsm *p);
void pvsm_give_back(pvsm_session *s);
/* The pvsm.h error for the SDR code of an operation on a tenant's wrapped key (pvsm.c explains the mapping). */
ccsp_err pvsm_pair_err(LONG rv);
/* The ECCCipher (calloc'd; NULL when out of memory) of ct: C1 x || y (64) || C3 (32) || C2, ctlen > 96. */
ECCCipher *pvsm_cipher_of(const uint8_t *ct, size_t ctlen);
/* An SDF public key structure of the point x || y. */
void pvsm_pub_of(const uint8_t xy[64], ECCrefPublicKey *pk);

#endif
