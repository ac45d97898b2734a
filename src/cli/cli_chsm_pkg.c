/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp chsm package|sign: the cloud platform's side of upgradeCHSM / upgradeVSM (spec 7.2.10, 7.3.11). package
 * builds an upgrade package (format in src/chsm/chsm_pkg.h); sign signs any file with the platform key as chsmd
 * verifies it: SM2WithSM3, Z over the default ID (spec §3.5), DER, in Base64 or hex (spec 7.2.10 sends hex).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ccsp/mem.h>
#include <ccsp/sm2_asn1.h>
#include <ccsp/sm3.h>

#include "common/b64.h"
#include "chsm/chsm_pkg.h"
#include "cli.h"

#define PKG_ARGS_MAX CHSM_PKG_ENTRIES_MAX

/* ---- package ---- */

typedef struct pkg_files {
	chsm_pkg_entry e[CHSM_PKG_ENTRIES_MAX];
	uint8_t *data[CHSM_PKG_ENTRIES_MAX];
	size_t n;
} pkg_files;

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? slash + 1 : path;
}

static int have(const pkg_files *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->e[i].name, name) == 0)
			return 1;
	return 0;
}

/* Add the file at path as the entry named by its base name. */
static int add_file(pkg_files *f, const char *path)
{
	const char *name = base_name(path);
	struct stat st;
	if (!chsm_pkg_name_allowed(name)) {
		cli_error("chsm package: %s: a package holds only chsmd, vsmd, chsmd.hmac and vsmd.hmac", path);
		return -1;
	}
	if (have(f, name) || f->n == CHSM_PKG_ENTRIES_MAX) {
		cli_error("chsm package: %s given twice", name);
		return -1;
	}
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		cli_error("chsm package: %s: not a regular file", path);
		return -1;
	}
	chsm_pkg_entry *e = &f->e[f->n];
	if (cli_read_file(path, "a package entry", CLI_MAX_FILE_SIZE, &f->data[f->n], &e->len) != 0)
		return -1;
	snprintf(e->name, sizeof e->name, "%s", name);
	e->mode = (uint32_t)(st.st_mode & 0777);
	e->data = f->data[f->n++];
	return 0;
}

/* The integrity file beside a daemon (its crypto refuses to run without it), unless given explicitly. */
static int add_hmac(pkg_files *f, const char *path)
{
	char hmac[4096];
	if (strcmp(base_name(path), "chsmd") != 0 && strcmp(base_name(path), "vsmd") != 0)
		return 0;
	if (snprintf(hmac, sizeof hmac, "%s.hmac", path) >= (int)sizeof hmac || have(f, base_name(hmac)))
		return 0;
	struct stat st;
	if (stat(hmac, &st) != 0) {
		cli_error("chsm package: %s has no %s beside it (the daemon would not start without it)", path, hmac);
		return -1;
	}
	return add_file(f, hmac);
}

int cli_chsm_package(int argc, char **argv)
{
	char *version = NULL, *out = NULL, *pos[PKG_ARGS_MAX + 1];
	const cli_opt opts[] = {{"--version", &version, NULL}, {"--out", &out, NULL}};
	pkg_files f = {0};
	uint8_t *pkg = NULL;
	size_t len = 0;
	int npos, ret = CLI_EXIT_FAIL;
	if (cli_parse_opts(argc, argv, opts, 2, pos, PKG_ARGS_MAX + 1, &npos) != 0)
		return CLI_EXIT_USAGE;
	if (version == NULL || out == NULL || npos < 1 || npos > PKG_ARGS_MAX) {
		cli_error("chsm package: --version V --out FILE and 1 to %d files (chsmd, vsmd, their .hmac)", PKG_ARGS_MAX);
		return CLI_EXIT_USAGE;
	}
	if (!chsm_pkg_version_valid(version)) {
		cli_error("chsm package: --version: 1 to %d characters of [0-9A-Za-z._+-], the first a digit",
		          CHSM_PKG_VERSION_MAX);
		return CLI_EXIT_USAGE;
	}
	for (int i = 0; i < npos; i++)
		if (add_file(&f, pos[i]) != 0)
			goto out;
	for (int i = 0; i < npos; i++)
		if (add_hmac(&f, pos[i]) != 0)
			goto out;
	ccsp_err e = chsm_pkg_build(version, f.e, f.n, &pkg, &len);
	if (e != CCSP_OK)
		cli_error_ccsp(e, "chsm package: cannot build the package (at most %zu MiB)", CHSM_PKG_MAX >> 20);
	else if (cli_write_file(out, pkg, len) == 0)
		ret = 0;
out:
	for (size_t i = 0; i < f.n; i++)
		free(f.data[i]);
	free(pkg);
	return ret;
}

/* ---- sign ---- */

/* e = SM3(Z || the bytes of path), read in chunks (a package may be hundreds of MiB). */
static int digest_file(const ccsp_sm2_key *key, const char *path, uint8_t e[CCSP_SM3_DIGEST_SIZE])
{
	uint8_t z[32], buf[65536];
	ccsp_sm3_ctx ctx;
	FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (in == NULL) {
		cli_error("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	ccsp_err err = ccsp_sm2_compute_z(key, NULL, 0, z);
	if (err == CCSP_OK)
		err = ccsp_sm3_init(&ctx);
	if (err == CCSP_OK)
		err = ccsp_sm3_update(&ctx, z, sizeof z);
	for (size_t n; err == CCSP_OK && (n = fread(buf, 1, sizeof buf, in)) > 0;)
		err = ccsp_sm3_update(&ctx, buf, n);
	int bad = ferror(in);
	if (in != stdin)
		fclose(in);
	if (err == CCSP_OK && !bad)
		err = ccsp_sm3_final(&ctx, e);
	if (bad)
		cli_error("cannot read %s", path);
	else if (err != CCSP_OK)
		cli_error_ccsp(err, "chsm sign");
	return bad || err != CCSP_OK ? -1 : 0;
}

static void print_hex(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

int cli_chsm_sign(int argc, char **argv)
{
	char *key_path = NULL, *pos[1];
	int hex = 0, npos, ret = CLI_EXIT_FAIL;
	const cli_opt opts[] = {{"--key", &key_path, NULL}, {"--hex", NULL, &hex}};
	uint8_t e[CCSP_SM3_DIGEST_SIZE], sig[CCSP_SM2_SIGNATURE_SIZE], der[CCSP_SM2_SIGNATURE_DER_MAX];
	char b64[CCSP_B64_LEN(sizeof der) + 1];
	size_t derlen;
	if (cli_parse_opts(argc, argv, opts, 2, pos, 1, &npos) != 0)
		return CLI_EXIT_USAGE;
	if (key_path == NULL || npos != 1) {
		cli_error("chsm sign: --key KEY.pem FILE [--hex]");
		return CLI_EXIT_USAGE;
	}
	ccsp_sm2_key *key = cli_chsm_key_load(key_path, 1);
	if (key == NULL)
		return CLI_EXIT_FAIL;
	if (digest_file(key, pos[0], e) == 0) {
		ccsp_err err = ccsp_sm2_sign_digest(key, e, sig);
		if (err == CCSP_OK)
			err = ccsp_sm2_signature_to_der(sig, der, sizeof der, &derlen);
		if (err != CCSP_OK) {
			cli_error_ccsp(err, "chsm sign");
		} else {
			if (hex)
				print_hex(der, derlen);
			else
				printf("%.*s\n", (int)ccsp_b64_encode(der, derlen, b64), b64);
			ret = fflush(stdout) == 0 ? 0 : CLI_EXIT_FAIL;
		}
	}
	ccsp_sm2_key_free(key);
	return ret;
}
