/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The version chsmd reports: `chsmd --version`, getCHSMInfo `version`, and what an upgrade package's chsmd must
 * say for its packVersion (docs/operations.md "Upgrade"). It is fixed when the binary is built. This is the only
 * file that knows it, so that a test-only copy of chsmd reporting another version (CMake target chsmd-testrel,
 * built into testrel/ with -DCHSMD_VERSION_OVERRIDE for tests/cli/chsm_upgrade_test.sh) links the very same
 * objects as the real one and differs in this constant only.
 */
#include "chsmd/chsmd.h"

#ifdef CHSMD_VERSION_OVERRIDE
#define VERSION CHSMD_VERSION_OVERRIDE
#else
#define VERSION CHSMD_BUILD_VERSION
#endif

const char *chsmd_version(void)
{
	return VERSION;
}
