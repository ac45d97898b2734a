/* SPDX-License-Identifier: Apache-2.0 */
/* The SDR_* code each ccsp_err becomes at the SDF boundary (the one mapping; docs/sdf.md lists it). */
#ifndef CCSP_SDF_STATUS_H
#define CCSP_SDF_STATUS_H

#include <stdint.h>

#include <ccsp/error.h>

uint32_t ccsp_sdf_status(ccsp_err err);

#endif
