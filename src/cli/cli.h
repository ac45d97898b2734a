/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the ccsp command-line tool: one function per subcommand, and shared helpers. */
#ifndef CCSP_CLI_H
#define CCSP_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

/* Subcommands: argv[0] is the subcommand name. Return the process exit status. */
int cli_cmd_sm3(int argc, char **argv);
int cli_cmd_hmac(int argc, char **argv);
int cli_cmd_sm4(int argc, char **argv);
int cli_cmd_rand(int argc, char **argv);
int cli_cmd_selftest(int argc, char **argv);
int cli_cmd_version(int argc, char **argv);
int cli_cmd_sm2(int argc, char **argv);

/* "ccsp: <message>\n" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, followed by ": <ccsp_err_str(err)>". */
void cli_error_ccsp(ccsp_err err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Read a whole file ("-" = stdin) into a malloc'd buffer; 0 on success (error already printed). */
int cli_read_file(const char *path, uint8_t **buf, size_t *len);
/* Write atomically (temporary file in the same directory, fsync, rename); "-" = stdout. On failure
 * nothing is left behind. 0 on success (error already printed). */
int cli_write_file(const char *path, const uint8_t *buf, size_t len);
/* Parse hex (even length, no separators) into out; 0 on success (error already printed, naming what). */
int cli_parse_hex(const char *what, const char *hex, uint8_t *out, size_t cap, size_t *outlen);

#endif
