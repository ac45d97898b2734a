/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one atomic-file helper of the daemons: a file is replaced as a whole or not at all, and once
 * ccsp_atomic_write() returns CCSP_OK the new content survives a crash (kill -9, power loss).
 */
#ifndef CCSP_COMMON_ATOMIC_FILE_H
#define CCSP_COMMON_ATOMIC_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ccsp/error.h>

/* Write buf to path atomically: a temporary file "<path>.tmp-XXXXXX" in the same directory (mode set with
 * fchmod before any byte is written, so exactly mode, umask not applied), write, fsync, rename over path,
 * fsync the directory. On any failure before the rename path is unchanged and the temporary file is
 * removed; a crash (kill -9) can leave a stray temporary behind, never a damaged path. The one failure after
 * the rename is the directory fsync: path then already holds the new content but its durability is not
 * known, and the caller must treat the outcome as unknown. A symbolic link at path is replaced, not
 * followed. CCSP_ERR_IO on an OS error (errno kept), CCSP_ERR_ARG on NULL arguments or an empty path,
 * CCSP_ERR_NOMEM. */
CCSP_MUST_CHECK ccsp_err ccsp_atomic_write(const char *path, const void *buf, size_t len, mode_t mode);

/* Read the whole regular file path (at most maxlen bytes) into a malloc'd buffer (*buf, *len; an empty file
 * gives a non-NULL *buf and *len 0). CCSP_ERR_FILE_NOT_FOUND when it does not exist, CCSP_ERR_LIMIT when
 * larger than maxlen, CCSP_ERR_IO on other errors (a directory or other non-regular file included),
 * CCSP_ERR_NOMEM. On failure *buf is NULL and nothing read is left unwiped. The caller frees *buf (and
 * wipes it first when it held a secret). */
CCSP_MUST_CHECK ccsp_err ccsp_file_read_all(const char *path, size_t maxlen, uint8_t **buf, size_t *len);

#endif
