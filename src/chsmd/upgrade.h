/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to upgrade.c, upgrade_pkg.c and release.c: fetching, checking and installing upgrade packages. */
#ifndef CCSP_CHSMD_UPGRADE_H
#define CCSP_CHSMD_UPGRADE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "chsm/chsm_pkg.h"
#include "chsmd/chsmd.h"

#define CHSMD_RELEASES "releases"         /* DIR/releases/<version>/: chsmd's releases, and "current" */
#define CHSMD_VSM_RELEASES "vsm-releases" /* DIR/vsm-releases/<version>/: vsmd releases of upgradeVSM */
#define CHSMD_PKG_MSG_MAX 256

/* A downloaded package: the file (DIR/releases/.download-XXXXXX, removed by _close), mapped read-only, parsed. */
typedef struct chsmd_pkgfile {
	chsmd_fetched file; /* the downloaded package (transfer.c) */
	chsm_pkg pkg;
} chsmd_pkgfile;

/* upgrade_pkg.c. Download params' packUrl (at most CHSM_PKG_MAX bytes), verify the platform's {alg, sign} over
 * the file with the keys the handler copied (platform_sig.c), parse it, check that its version is packVersion and
 * that it holds every name of need (NULL-terminated). Returns the spec §3.11 status: 200, 400 (signature, format,
 * version, contents), 500 (download, I/O); msg says why. f is to be closed in every case. */
int chsmd_pkgfile_fetch(chsmd *d, json_t *params, const char *const *need, chsmd_pkgfile *f, char *msg, size_t cap);
void chsmd_pkgfile_close(chsmd_pkgfile *f);
/* Install f as the release root/<version>/ (root: DIR/releases or DIR/vsm-releases, created 0700): a fresh 0700
 * directory root/.stage-XXXXXX is written and fsync'd, each daemon in it must run and report the version
 * ("chsmd V", "vsmd V" from --version), then it is renamed into place atomically (exchanged with an existing
 * release of that version, which is then removed). An existing release with the very same files is kept as it
 * is; one that differs is replaced unless in_use (409). Returns 200, 400 (a binary does not run or reports
 * another version), 409, 500; msg says why. */
int chsmd_release_install(const char *root, const chsmd_pkgfile *f, int in_use, char *msg, size_t cap);

/* release.c. 1 when DIR/releases/<version> is the release current names or the one self runs from. */
int chsmd_release_in_use(const char *dir, const char *self, const char *version);
/* Record the upgrade to version in DIR/upgrade.json (from: what current names now, and self), then point
 * DIR/releases/current at version, atomically. On failure nothing is switched. */
CCSP_MUST_CHECK ccsp_err chsmd_release_switch(const char *dir, const char *self, const char *version);

#endif
