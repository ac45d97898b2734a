/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The platform's own crypto module: a VSM reached through libsdf (GM/T 0018), where ccspd keeps its keys (the
 * data-protection KEK, the audit signing key) and takes its random numbers. ccspd never holds those keys: it asks
 * the VSM. A small pool of SDF sessions serves concurrent callers (one caller per session at a time).
 * The VSM is named by a libsdf client config file (docs/sdf.md), given as ccspd.conf's vsm_conf.
 */
#ifndef CCSP_PLATFORM_PVSM_H
#define CCSP_PLATFORM_PVSM_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_PVSM_RANDOM_MAX 4096 /* bytes one random request may ask for */

typedef struct ccsp_pvsm ccsp_pvsm;

/* Open the device of the libsdf config sdf_conf with sessions sessions (1..64). CCSP_ERR_COMM when the VSM does
 * not answer or refuses (wrong token, TLS), CCSP_ERR_ARG. Must be called before other threads use libsdf (it
 * sets CCSP_SDF_CONF for libsdf). */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_open(const char *sdf_conf, unsigned sessions, ccsp_pvsm **out);
void ccsp_pvsm_close(ccsp_pvsm *p);
/* n (1..CCSP_PVSM_RANDOM_MAX) random bytes from the VSM's generator. CCSP_ERR_COMM when the VSM fails. */
CCSP_MUST_CHECK ccsp_err ccsp_pvsm_random(ccsp_pvsm *p, uint8_t *out, size_t n);
/* 1 when the VSM answers (device information), else 0: /readyz. */
int ccsp_pvsm_ready(ccsp_pvsm *p);

#endif
