/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the ccsp command-line tool: one function per subcommand, and shared helpers. */
#ifndef CCSP_CLI_H
#define CCSP_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ccsp/error.h>
#include <ccsp/sm2.h>

/* Exit statuses: 0 success, CLI_EXIT_FAIL an operation failed (I/O, authentication, padding, ...),
 * CLI_EXIT_USAGE the command line is wrong. */
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

/* Bounds of cli_read_file() and cli_read_line(), by what the input can legitimately be. A larger input
 * is refused without reading past the bound (/dev/zero as a -sig costs nothing). */
#define CLI_MAX_FILE_SIZE ((size_t)1 << 30) /* data: messages, ciphertexts, request bodies */
/* An SM2 key file: the library reads PEM of at most 512 bytes of DER after up to CCSP_PEM_PREAMBLE_MAX
 * bytes of text lines (openssl's "Bag Attributes"); room is left for text after the block, such as
 * the certificate `openssl pkcs12 -nodes` writes after the key. */
#define CLI_MAX_KEY_FILE ((size_t)16384)
/* A password, secret or token line: openssl's -pass file: reads at most 1024 bytes (PEM_BUFSIZE). */
#define CLI_MAX_LINE ((size_t)1024)

/* Subcommands: argv[0] is the subcommand name. Return the process exit status. */
int cli_cmd_sm3(int argc, char **argv);
int cli_cmd_hmac(int argc, char **argv);
int cli_cmd_sm4(int argc, char **argv);
int cli_cmd_rand(int argc, char **argv);
int cli_cmd_selftest(int argc, char **argv);
int cli_cmd_version(int argc, char **argv);
int cli_cmd_sm2(int argc, char **argv);
int cli_cmd_vsm(int argc, char **argv);
int cli_cmd_chsm(int argc, char **argv);
/* ccsp api call|sign (cli_api.c): an application's signed calls of ccspd's platform API. */
int cli_cmd_api(int argc, char **argv);
int cli_cmd_audit(int argc, char **argv);
/* ccsp admin login|logout|password|call (cli_admin.c): a person's client of ccspd (session tokens). */
int cli_cmd_admin(int argc, char **argv);
/* ccsp cert ca|req|issue|print|verify (cli_cert*.c): SM2 X.509 certificates and requests. */
int cli_cmd_cert(int argc, char **argv);
/* ccsp tlcp client|server (cli_tlcp*.c): a TLCP (GB/T 38636) client and server like openssl s_client/s_server. */
int cli_cmd_tlcp(int argc, char **argv);

/* ccsp chsm configure / call (cli_chsm_call.c), dispatched by cli_cmd_chsm; argv[0] is the command name. */
int cli_chsm_configure(int argc, char **argv);
int cli_chsm_call(int argc, char **argv);
/* ccsp chsm package / sign (cli_chsm_pkg.c): build an upgrade package; sign a file with the platform key. */
int cli_chsm_package(int argc, char **argv);
int cli_chsm_sign(int argc, char **argv);
/* ccsp chsm domain init|join|show and ccsp chsm unseal (cli_chsm_domain.c): the custodians' m-of-n shares. */
int cli_chsm_domain(int argc, char **argv);
int cli_chsm_unseal(int argc, char **argv);
/* An SM2 key file (PEM or DER, unencrypted); need_private: it must hold the private key. NULL on error
 * (printed). Free with ccsp_sm2_key_free(). */
ccsp_sm2_key *cli_chsm_key_load(const char *path, int need_private);

/* "ccsp: <message>\n" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, followed by ": <ccsp_err_str(err)>". */
void cli_error_ccsp(ccsp_err err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Read a whole file ("-" = stdin) of at most max bytes into a malloc'd buffer; 0 on success (error already
 * printed). A larger input is refused after reading at most max + 1 bytes of it, the message naming what
 * ("an SM2 signature") and the bound. */
int cli_read_file(const char *path, const char *what, size_t max, uint8_t **buf, size_t *len);
/* The first line of a file ("-" = stdin), without its LF or CRLF, at most max bytes: reads no more than
 * max + 2 bytes, so a longer line is refused ("<path>: the <what> is longer than <max> bytes") without
 * reading the rest; lines after the first are ignored. A malloc'd NUL-terminated copy in *buf (a secret:
 * wipe and free it; cli_read_file's buffers too when they hold one), *len its length. 0 on success. */
int cli_read_line(const char *path, const char *what, size_t max, uint8_t **buf, size_t *len);
/* Write path as a user means it. "-", /dev/stdout, /dev/fd/1: standard output. Symbolic links are followed
 * (the file they name is written, the link stays). An existing character device or FIFO is written
 * through (never replaced). A regular file, or a new path, is replaced atomically (temporary file in the
 * same directory, fsync, rename, directory fsync): on failure nothing is left behind. Anything else
 * (a directory, a socket, a block device) is refused. 0 on success (error already printed). */
int cli_write_file(const char *path, const uint8_t *buf, size_t len);
/* The same for private keys and shared secrets: the file is always mode 0600, whatever the umask or the
 * mode of a file it replaces. */
int cli_write_secret_file(const char *path, const uint8_t *buf, size_t len);

/* An output written in pieces under cli_write_file's rules (cli_out.c). A regular file or a new path is
 * written to a temporary file beside it and replaces the target only at cli_out_commit(). Standard output, a
 * character device or a FIFO is written as the pieces come, unless hold is set: then the pieces wait in an
 * unlinked temporary file in $TMPDIR (default /tmp, mode 0600) and reach the destination only at commit, so
 * nothing is released before the caller knows it is good (authenticated decryption). secret: mode 0600 as
 * cli_write_secret_file. Every function prints its error; commit and abort free o (abort removes what was
 * written: the target stays as it was). */
typedef struct cli_out cli_out;
cli_out *cli_out_open(const char *path, int secret, int hold);
int cli_out_write(cli_out *o, const uint8_t *buf, size_t len);
int cli_out_commit(cli_out *o);
void cli_out_abort(cli_out *o);
/* Open an input file ("-": stdin) for streaming; a directory is refused. The descriptor, or -1 (error
 * printed). Close it unless it is STDIN_FILENO. */
int cli_open_input(const char *path);
/* Read until len bytes or the end of the input: the count (less than len only at the end), or -1 (error
 * printed, naming path). */
ssize_t cli_read_full(int fd, const char *path, uint8_t *buf, size_t len);
/* Parse hex (even length, no separators) into out; 0 on success (error already printed, naming what). */
int cli_parse_hex(const char *what, const char *hex, uint8_t *out, size_t cap, size_t *outlen);

/* Same, and the value must be exactly len bytes (else an error naming the expected length). */
int cli_parse_hex_exact(const char *what, const char *hex, uint8_t *out, size_t len);
/* Overwrite a command-line argument that held a secret, so it no longer shows in memory or ps. */
void cli_wipe_arg(char *arg);

/* Options of one subcommand, single dash as in openssl ("-k", "-in"). A flag option (value == NULL)
 * sets *flag to 1. An option given twice is an error. */
typedef struct cli_opt {
	const char *name;
	char **value; /* option takes a value: stored here (pointer into argv) */
	int *flag;    /* option is a flag */
} cli_opt;

/* Parse argv[1..argc-1]: options from opts (nopts entries), other arguments ("-" included) into
 * pos[0..maxpos-1], which may be argv + 1 itself (arguments are packed in place); "--" ends the
 * options. 0 on success with *npos set; otherwise the error has
 * been printed (unknown option, missing value, repeated option, too many arguments). */
int cli_parse_opts(int argc, char **argv, const cli_opt *opts, size_t nopts, char **pos, int maxpos, int *npos);
/* A subcommand's own table out of a command's table of every option: the entries of all (nall of them) whose
 * names are words of names ("-in -out -der"), in the order of all; out has room for nall. Returns their count.
 * A word of names that all lacks is a programming error: the process aborts (the tests find it). */
size_t cli_opts_pick(const cli_opt *all, size_t nall, const char *names, cli_opt *out);

#endif
