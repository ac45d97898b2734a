/* SPDX-License-Identifier: Apache-2.0 */
/* ccsp sm3 / ccsp hmac: digests of files, streamed (no size limit), printed like sha256sum. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <ccsp/mem.h>
#include <ccsp/sm3.h>

#include "cli.h"
#include "cli_hex.h"

#define HMAC_MAX_KEY 1024
#define CHUNK 65536

/* The key, when HMAC is wanted; NULL for a plain digest. */
typedef struct digest_spec {
	const uint8_t *key;
	size_t keylen;
} digest_spec;

typedef union digest_ctx {
	ccsp_sm3_ctx sm3;
	ccsp_hmac_sm3_ctx hmac;
} digest_ctx;

static ccsp_err digest_init(digest_ctx *c, const digest_spec *s)
{
	return s->key != NULL ? ccsp_hmac_sm3_init(&c->hmac, s->key, s->keylen) : ccsp_sm3_init(&c->sm3);
}

static ccsp_err digest_update(digest_ctx *c, const digest_spec *s, const uint8_t *p, size_t n)
{
	return s->key != NULL ? ccsp_hmac_sm3_update(&c->hmac, p, n) : ccsp_sm3_update(&c->sm3, p, n);
}

static ccsp_err digest_final(digest_ctx *c, const digest_spec *s, uint8_t out[CCSP_SM3_DIGEST_SIZE])
{
	return s->key != NULL ? ccsp_hmac_sm3_final(&c->hmac, out) : ccsp_sm3_final(&c->sm3, out);
}

/* Digest one file; 0 on success (error already printed). */
static int digest_file(const char *path, const digest_spec *s, uint8_t out[CCSP_SM3_DIGEST_SIZE])
{
	static uint8_t chunk[CHUNK];
	digest_ctx ctx;
	int ret = -1;
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cli_error("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	ccsp_err err = digest_init(&ctx, s);
	while (err == CCSP_OK) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cli_error("cannot read %s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		err = digest_update(&ctx, s, chunk, (size_t)r);
	}
	if (err == CCSP_OK)
		err = digest_final(&ctx, s, out);
	if (err != CCSP_OK)
		cli_error_ccsp(err, "%s", path);
	ret = err == CCSP_OK ? 0 : -1;
out:
	ccsp_memzero(&ctx, sizeof ctx); /* an HMAC context holds key-derived state */
	if (fd != STDIN_FILENO)
		close(fd);
	return ret;
}

/* Print "<hex>  <name>" for each file (stdin when there is none); 1 if any failed. */
static int digest_files(char **files, int nfiles, const digest_spec *s)
{
	static char *stdin_only[] = {"-"};
	int status = 0;
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	for (int i = 0; i < nfiles; i++) {
		uint8_t md[CCSP_SM3_DIGEST_SIZE];
		char hex[2 * CCSP_SM3_DIGEST_SIZE + 1];
		if (digest_file(files[i], s, md) != 0) {
			status = CLI_EXIT_FAIL;
			continue;
		}
		cli_hex_encode(md, sizeof md, hex);
		printf("%s  %s\n", hex, files[i]);
	}
	if (fflush(stdout) != 0) {
		cli_error("cannot write to standard output: %s", strerror(errno));
		status = CLI_EXIT_FAIL;
	}
	return status;
}

int cli_cmd_sm3(int argc, char **argv)
{
	char **files = argv + 1; /* the parser packs the file names there */
	int nfiles;
	digest_spec spec = {NULL, 0};
	if (cli_parse_opts(argc, argv, NULL, 0, files, argc - 1, &nfiles) != 0)
		return CLI_EXIT_USAGE;
	return digest_files(files, nfiles, &spec);
}

int cli_cmd_hmac(int argc, char **argv)
{
	char **files = argv + 1;
	char *keyhex = NULL;
	uint8_t key[HMAC_MAX_KEY];
	digest_spec spec = {key, 0};
	const cli_opt opts[] = {{"-k", &keyhex, NULL}};
	int nfiles, status = CLI_EXIT_USAGE;

	if (cli_parse_opts(argc, argv, opts, 1, files, argc - 1, &nfiles) != 0)
		goto out;
	if (keyhex == NULL) {
		cli_error("hmac: the key is missing (-k KEYHEX)");
		goto out;
	}
	if (cli_parse_hex("hmac key", keyhex, key, sizeof key, &spec.keylen) != 0)
		goto out;
	status = digest_files(files, nfiles, &spec);
out:
	cli_wipe_arg(keyhex);
	ccsp_memzero(key, sizeof key);
	return status;
}
