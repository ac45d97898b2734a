/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The version vsmd reports (`vsmd --version`, which the VSM supervisor reads for getVSMInfo `version` and an
 * upgrade checks against packVersion): the crypto core's version, fixed when the binary is built. The only file
 * that knows it, so that a test-only copy reporting another version (CMake target vsmd-testrel, built into
 * testrel/ with -DVSMD_VERSION_OVERRIDE) links the very same objects as the real vsmd.
 */
#include <ccsp/common.h>

#include "vsmd/version.h"

#ifdef VSMD_VERSION_OVERRIDE
#define VERSION VSMD_VERSION_OVERRIDE
#else
#define VERSION CCSP_VERSION_STRING
#endif

const char *vsmd_version(void)
{
	return VERSION;
}
