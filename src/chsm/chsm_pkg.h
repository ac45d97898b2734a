/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Upgrade packages of chsmd (GM/T 0088 upgradeCHSM 7.2.10, upgradeVSM 7.3.11; docs/operations.md "Upgrade").
 * A package is a small archive of the daemons' binaries; its integrity and origin come from the cloud
 * platform's detached signature over the whole file (the request's `sign`), which chsmd verifies before this
 * parser ever sees the bytes. The parser is still written for hostile input: every length is checked against
 * what is left before it is used, and it is fuzzed (tests/fuzz/fuzz_chsm_pkg.c).
 *
 * File layout (integers big-endian, no padding, nothing after the last entry):
 *
 *   0      magic "CCSPPKG1"                                      8
 *   8      version length V, 1..CHSM_PKG_VERSION_MAX             1
 *   9      version: V characters of [0-9A-Za-z._+-], the first a digit (it names a directory, so never
 *          ".", "..", "current" or a hidden name)
 *   9+V    entry count N, 1..CHSM_PKG_ENTRIES_MAX                1
 *   then N entries:
 *          name length L, 1..CHSM_PKG_NAME_MAX                   1
 *          name: one of the allow-list below (no paths), each at most once
 *          mode: permission bits, 0..0777                        4
 *          data length D                                         8
 *          data                                                  D
 *
 * The allow-list: "chsmd", "vsmd" and their integrity files "chsmd.hmac", "vsmd.hmac" (the HMAC-SM3 the
 * crypto module checks at start, docs/security-policy.md; an executable without it refuses to run its crypto).
 * The whole file is at most CHSM_PKG_MAX bytes.
 *
 * Thread-safe (no state); the file functions touch only the directory they are given.
 */
#ifndef CCSP_CHSM_PKG_H
#define CCSP_CHSM_PKG_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CHSM_PKG_MAGIC "CCSPPKG1"
#define CHSM_PKG_MAGIC_LEN 8
#define CHSM_PKG_MAX ((size_t)256 << 20) /* bytes of a package file */
#define CHSM_PKG_VERSION_MAX 31
#define CHSM_PKG_NAME_MAX 15
#define CHSM_PKG_ENTRIES_MAX 4 /* the size of the allow-list */

typedef struct chsm_pkg_entry {
	char name[CHSM_PKG_NAME_MAX + 1];
	uint32_t mode;       /* permission bits as packaged; staged files keep only the owner's */
	const uint8_t *data; /* points into the parsed buffer */
	size_t len;
} chsm_pkg_entry;

typedef struct chsm_pkg {
	char version[CHSM_PKG_VERSION_MAX + 1];
	size_t count;
	chsm_pkg_entry entries[CHSM_PKG_ENTRIES_MAX];
} chsm_pkg;

/* 1 when v is a valid package version (the rules above), NUL-terminated. */
int chsm_pkg_version_valid(const char *v);
/* 1 when name is on the allow-list. */
int chsm_pkg_name_allowed(const char *name);

/* Parse the package buf[0..len). out's entries point into buf, which must outlive them. CCSP_ERR_LIMIT when len
 * exceeds CHSM_PKG_MAX, CCSP_ERR_UNSUPPORTED for a well-formed entry whose name is not on the allow-list,
 * CCSP_ERR_DECODE for anything else malformed (magic, bounds, version, counts, duplicates, modes, trailing
 * bytes), CCSP_ERR_ARG for NULL pointers. On failure *out is zeroed. */
CCSP_MUST_CHECK ccsp_err chsm_pkg_parse(const uint8_t *buf, size_t len, chsm_pkg *out);
/* The entry called name, NULL when absent. */
const chsm_pkg_entry *chsm_pkg_find(const chsm_pkg *p, const char *name);

/* Build a package (the writer of `ccsp chsm package` and of the tests) from n entries into a malloc'd *out of
 * *outlen bytes. The same rules as the parser: CCSP_ERR_ARG for a bad version, name, mode, duplicate or count,
 * CCSP_ERR_LIMIT when the file would exceed CHSM_PKG_MAX, CCSP_ERR_NOMEM. */
CCSP_MUST_CHECK ccsp_err chsm_pkg_build(const char *version, const chsm_pkg_entry *entries, size_t n, uint8_t **out,
                                        size_t *outlen);

/* Write every entry of p as a file dir/<name> (created exclusively, never following a link, mode = the
 * packaged mode & 0700, data written and fsync'd), then fsync dir. dir must exist (the caller makes a fresh
 * 0700 directory and renames it into place when everything checks out). CCSP_ERR_FILE_EXISTS when a file is
 * already there, CCSP_ERR_IO (errno kept). Files written before a failure are left for the caller to remove
 * with the directory. */
CCSP_MUST_CHECK ccsp_err chsm_pkg_write_dir(const chsm_pkg *p, const char *dir);
/* 1 when dir holds every entry of p as a regular file with exactly its bytes (other files in dir do not
 * matter), else 0. Reads at most an entry's length plus one byte of each file. */
int chsm_pkg_matches_dir(const chsm_pkg *p, const char *dir);

#endif
