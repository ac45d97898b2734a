/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CCSP_VSMD_VERSION_H
#define CCSP_VSMD_VERSION_H

/* The version of this vsmd binary (version.c), e.g. "0.1.0". */
const char *vsmd_version(void);

#endif
