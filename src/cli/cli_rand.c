/* SPDX-License-Identifier: Apache-2.0 */
/* ccsp rand N [-out FILE]: random bytes from the library's SM3 Hash_DRBG. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "cli.h"
#include "cli_hex.h"

#define RAND_MAX_BYTES ((size_t)1 << 30)

/* Strict decimal 1..RAND_MAX_BYTES: no sign, no spaces, no suffix. */
static int parse_count(const char *s, size_t *n)
{
	size_t v = 0;
	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (size_t)(*s - '0');
		if (v > RAND_MAX_BYTES)
			return -1;
	}
	*n = v;
	return v >= 1 ? 0 : -1;
}

static int print_hex(const uint8_t *buf, size_t len)
{
	char hex[2 * 4096 + 1];
	for (size_t off = 0; off < len; off += 4096) {
		size_t n = len - off < 4096 ? len - off : 4096;
		cli_hex_encode(buf + off, n, hex);
		fputs(hex, stdout);
	}
	ccsp_memzero(hex, sizeof hex);
	putchar('\n');
	if (fflush(stdout) != 0) {
		cli_error("cannot write to standard output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int cli_cmd_rand(int argc, char **argv)
{
	char *out = NULL;
	const cli_opt opts[] = {{"-out", &out, NULL}};
	int npos;
	size_t n;
	if (cli_parse_opts(argc, argv, opts, 1, argv + 1, 1, &npos) != 0)
		return CLI_EXIT_USAGE;
	if (npos != 1) {
		cli_error("rand: say how many bytes (ccsp rand N [-out FILE])");
		return CLI_EXIT_USAGE;
	}
	if (parse_count(argv[1], &n) != 0) {
		cli_error("rand: N must be a whole number from 1 to %zu, got '%s'", RAND_MAX_BYTES, argv[1]);
		return CLI_EXIT_USAGE;
	}
	uint8_t *buf = malloc(n);
	if (buf == NULL) {
		cli_error("rand: out of memory");
		return CLI_EXIT_FAIL;
	}
	int status = CLI_EXIT_FAIL;
	ccsp_err err = ccsp_random(buf, n);
	if (err != CCSP_OK)
		cli_error_ccsp(err, "rand: the random generator failed");
	else if (out != NULL ? cli_write_secret_file(out, buf, n) == 0 : print_hex(buf, n) == 0)
		status = 0;
	ccsp_memzero(buf, n); /* may become a key */
	free(buf);
	return status;
}
