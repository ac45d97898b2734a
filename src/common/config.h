/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one config loader: "key = value" lines, '#' comments, blank lines. Keys are [a-z0-9_.]+; values run
 * to the end of the line with surrounding blanks trimmed (no quoting, no escapes). Bounded: a file over
 * 64 KiB, a line over 4096 bytes, over 256 keys, a repeated key or a malformed line is refused with the
 * line number in the message.
 */
#ifndef CCSP_COMMON_CONFIG_H
#define CCSP_COMMON_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

typedef struct ccsp_config ccsp_config;

/* Load path. On failure *out is NULL and errmsg (if not NULL) holds a one-line reason such as
 * "sdf.conf:3: expected key = value". CCSP_ERR_FILE_NOT_FOUND, CCSP_ERR_IO, CCSP_ERR_DECODE, CCSP_ERR_LIMIT. */
CCSP_MUST_CHECK ccsp_err ccsp_config_load(const char *path, ccsp_config **out, char *errmsg, size_t errlen);
/* Parse a config held in memory (same rules; name is used in messages). */
CCSP_MUST_CHECK ccsp_err ccsp_config_parse(const char *name, const char *text, size_t len, ccsp_config **out,
                                           char *errmsg, size_t errlen);
void ccsp_config_free(ccsp_config *cfg);

/* The value of key, or NULL when absent. Valid until ccsp_config_free. */
const char *ccsp_config_get(const ccsp_config *cfg, const char *key);
/* The value of key, or def when the config has none. */
const char *ccsp_config_get_or(const ccsp_config *cfg, const char *key, const char *def);
/* A path option's file: name as it is when absolute, else dir/name, into out (cap bytes, truncated to fit). */
void ccsp_config_path(char *out, size_t cap, const char *dir, const char *name);
/* Unsigned decimal value in min..max, or def when absent. CCSP_ERR_DECODE (not a number, out of range:
 * errmsg names the key and the range). */
CCSP_MUST_CHECK ccsp_err ccsp_config_get_u32(const ccsp_config *cfg, const char *key, uint32_t min, uint32_t max,
                                             uint32_t def, uint32_t *out, char *errmsg, size_t errlen);
/* CCSP_OK when every key of cfg is in known (NULL-terminated); otherwise CCSP_ERR_DECODE and errmsg names
 * the first unknown key: a misspelt option is an error, never silently ignored. */
CCSP_MUST_CHECK ccsp_err ccsp_config_check_keys(const ccsp_config *cfg, const char *const *known, char *errmsg,
                                                size_t errlen);

#endif
