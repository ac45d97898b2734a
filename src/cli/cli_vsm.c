/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp vsm keygen|keydel|keys|passwd|audit-verify: the crypto officer's key management of a VSM state
 * directory (src/vsm/vsm.h).
 *
 * When vsmd serves the directory, the requests go to it over its local admin socket DIR/admin.sock (SDF
 * frames without TLS or HELLO; the server side is src/vsmd/op_admin.c): vsmd holds the keystore and the
 * audit log, so nothing else may write them. When no vsmd answers there, the VSM is opened in this process
 * with ccsp_vsm_open(), the same module logic vsmd runs (self-tests, keystore, audit events), with the
 * dev-mode storage key file. The audit log's flock keeps the two modes from ever writing at the same time.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ccsp/mem.h>
#include <ccsp/sdf.h>
#include <ccsp/sm3.h>

#include "cli.h"
#include "cli_hex.h"
#include "cli_vsm.h"
#include "common/atomic_file.h"
#include "common/config.h"
#include "sdf/sdf_ops.h"
#include "sdf/sdf_token.h"
#include "sdf/sdf_wire.h"
#include "vsm/vsm.h"
#include "vsm/vsm_audit.h"

_Static_assert(CCSP_VSM_PASSWORD_MIN == 8 && CCSP_VSM_PASSWORD_MAX == 128, "the usage text names the bounds");

static const char usage[] =
	"usage: ccsp vsm <command> --dir DIR [options]\n"
	"  keygen --dir DIR --index N --sign|--enc|--kek [--password-file F]\n"
	"        new SM2 signing or encryption key pair, or SM4 KEK, at index N. The first SM2 key of an index\n"
	"        needs a password (8..128 bytes): it becomes the index's access password; later ones keep\n"
	"        it, or must give the same. KEKs take none.\n"
	"  keydel --dir DIR --index N --sign|--enc|--kek     delete (wipe) that key\n"
	"  keys --dir DIR      one line per key: kind, index, password set (yes/no, - for KEKs),\n"
	"                      creation time (UTC), SM2 public key 04||x||y in hex\n"
	"  passwd --dir DIR --index N --password-file F      new access password for index N\n"
	"  audit-verify --dir DIR                            check the HMAC chain of DIR/audit.log\n"
	"  seal-token --out FILE   seal the VSM token read from standard input (its first line, 8..64 bytes)\n"
	"                      into FILE for libsdf (sdf.conf token_file): the tenant's side of configVSMToken\n"
	"  F: the password is the first line of file F (\"-\": standard input).\n"
	"  When vsmd runs on DIR, requests go to its admin socket DIR/admin.sock; otherwise DIR is opened\n"
	"  here with its storage key (DIR/storage.key, dev mode). Every change is audited.\n";

#define STORAGE_KEY_FILE "storage.key"

enum { OPT_INDEX = 1, OPT_KIND = 2, OPT_PASSWORD = 4 };

typedef struct vsm_args {
	char *dir, *index, *pwfile;
	int sign, enc, kek;
	uint32_t idx;
	ccsp_vsm_key_kind kind;
} vsm_args;

static const char *kind_word(ccsp_vsm_key_kind kind)
{
	return kind == CCSP_VSM_KEY_SIGN ? "sign" : kind == CCSP_VSM_KEY_ENC ? "enc" : "kek";
}

static const char *kind_noun(ccsp_vsm_key_kind kind)
{
	return kind == CCSP_VSM_KEY_SIGN ? "signing key" : kind == CCSP_VSM_KEY_ENC ? "encryption key" : "KEK";
}

/* ---- command line ---- */

static int parse_index(const char *s, uint32_t *out)
{
	char *end;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Parse the options of subcommand argv[0]: --dir always, the others as allowed and required. */
static int parse_args(int argc, char **argv, unsigned allowed, unsigned required, vsm_args *a)
{
	cli_opt opts[6];
	size_t n = 0;
	int npos;
	memset(a, 0, sizeof *a);
	opts[n++] = (cli_opt){"--dir", &a->dir, NULL};
	if (allowed & OPT_INDEX)
		opts[n++] = (cli_opt){"--index", &a->index, NULL};
	if (allowed & OPT_KIND) {
		opts[n++] = (cli_opt){"--sign", NULL, &a->sign};
		opts[n++] = (cli_opt){"--enc", NULL, &a->enc};
		opts[n++] = (cli_opt){"--kek", NULL, &a->kek};
	}
	if (allowed & OPT_PASSWORD)
		opts[n++] = (cli_opt){"--password-file", &a->pwfile, NULL};
	if (cli_parse_opts(argc, argv, opts, n, argv + 1, 0, &npos) != 0)
		return -1;
	if (a->dir == NULL || a->dir[0] == '\0') {
		cli_error("vsm %s: --dir DIR is required", argv[0]);
		return -1;
	}
	if ((allowed & OPT_INDEX) && a->index == NULL) {
		cli_error("vsm %s: --index N is required", argv[0]);
		return -1;
	}
	if ((allowed & OPT_INDEX) && parse_index(a->index, &a->idx) != 0) {
		cli_error("vsm %s: --index: '%s' is not a key index (1..65535)", argv[0], a->index);
		return -1;
	}
	if (allowed & OPT_KIND) {
		if (a->sign + a->enc + a->kek != 1) {
			cli_error("vsm %s: give exactly one of --sign, --enc, --kek", argv[0]);
			return -1;
		}
		a->kind = a->sign ? CCSP_VSM_KEY_SIGN : a->enc ? CCSP_VSM_KEY_ENC : CCSP_VSM_KEY_KEK;
	}
	if ((required & OPT_PASSWORD) && a->pwfile == NULL) {
		cli_error("vsm %s: --password-file F is required", argv[0]);
		return -1;
	}
	return 0;
}

/* ---- secrets from files ---- */

/* The first line of path ("-": stdin) without its "\n" or "\r\n", CCSP_VSM_PASSWORD_MIN..MAX bytes. Reads
 * at most CCSP_VSM_PASSWORD_MAX + 2 bytes: a longer first line is refused without reading the rest. */
static int read_password(const char *path, uint8_t pw[CCSP_VSM_PASSWORD_MAX + 2], size_t *pwlen)
{
	const size_t cap = CCSP_VSM_PASSWORD_MAX + 2;
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t n = 0;
	if (fd < 0) {
		cli_error("cannot open the password file %s: %s", path, strerror(errno));
		return -1;
	}
	while (n < cap) {
		ssize_t r = read(fd, pw + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			cli_error("cannot read the password file %s: %s", path, strerror(errno));
			if (fd != STDIN_FILENO)
				close(fd);
			ccsp_memzero(pw, cap);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	uint8_t *nl = memchr(pw, '\n', n);
	size_t len = nl != NULL ? (size_t)(nl - pw) : n;
	if (nl != NULL && len > 0 && pw[len - 1] == '\r')
		len--;
	ccsp_memzero(pw + len, cap - len);
	*pwlen = len;
	if (len >= CCSP_VSM_PASSWORD_MIN && len <= CCSP_VSM_PASSWORD_MAX && (nl != NULL || n < cap))
		return 0;
	if (len > CCSP_VSM_PASSWORD_MAX || (nl == NULL && n == cap))
		cli_error("%s: the password is too long (at most %d bytes)", path, CCSP_VSM_PASSWORD_MAX);
	else
		cli_error("%s: the password is too short (%zu bytes; at least %d)", path, len, CCSP_VSM_PASSWORD_MIN);
	ccsp_memzero(pw, cap);
	return -1;
}

static int read_storage_key(const char *path, uint8_t key[CCSP_VSM_STORAGE_KEY_SIZE])
{
	uint8_t *buf = NULL;
	size_t len = 0;
	ccsp_err ret = ccsp_file_read_all(path, 64, &buf, &len);
	int e = errno;
	if (ret == CCSP_OK && len == CCSP_VSM_STORAGE_KEY_SIZE)
		memcpy(key, buf, len);
	if (buf != NULL)
		ccsp_memzero(buf, len);
	free(buf);
	if (ret == CCSP_ERR_FILE_NOT_FOUND)
		cli_error("cannot read the storage key: %s does not exist (not a VSM made by 'vsmd --init'?)", path);
	else if (ret == CCSP_ERR_LIMIT || (ret == CCSP_OK && len != CCSP_VSM_STORAGE_KEY_SIZE))
		cli_error("%s: not a storage key (%d bytes expected)", path, CCSP_VSM_STORAGE_KEY_SIZE);
	else if (ret != CCSP_OK)
		cli_error("cannot read the storage key %s: %s", path, ret == CCSP_ERR_IO ? strerror(e) : ccsp_err_str(ret));
	return ret == CCSP_OK && len == CCSP_VSM_STORAGE_KEY_SIZE ? 0 : -1;
}

/* The audit key, derived from the storage key exactly as src/vsm/vsm.c derive_keys() does:
 * SM3-KDF(storage key || label zero-padded to 32 bytes), 32 bytes. */
static ccsp_err derive_audit_key(const uint8_t skey[CCSP_VSM_STORAGE_KEY_SIZE], uint8_t akey[CCSP_VSM_AUDIT_KEY_SIZE])
{
	static const char label[] = "ccsp vsm audit key";
	uint8_t z[CCSP_VSM_STORAGE_KEY_SIZE + 32] = {0};
	memcpy(z, skey, CCSP_VSM_STORAGE_KEY_SIZE);
	memcpy(z + CCSP_VSM_STORAGE_KEY_SIZE, label, sizeof label - 1);
	ccsp_err ret = ccsp_sm3_kdf(z, sizeof z, akey, CCSP_VSM_AUDIT_KEY_SIZE);
	ccsp_memzero(z, sizeof z);
	return ret;
}

/* max_index and the storage key file as vsmd reads them from DIR/vsmd.conf (defaults when there is none). */
static int load_conf(vsm_target *t)
{
	char path[PATH_MAX], err[256] = "";
	ccsp_config *cfg = NULL;
	t->max_index = CCSP_VSM_DEFAULT_MAX_INDEX;
	snprintf(path, sizeof path, "%s/vsmd.conf", t->dir);
	ccsp_err ret = ccsp_config_load(path, &cfg, err, sizeof err);
	const char *key = NULL;
	if (ret == CCSP_OK) {
		ret = ccsp_config_get_u32(cfg, "max_index", 1, 65535, t->max_index, &t->max_index, err, sizeof err);
		key = ccsp_config_get(cfg, "storage_key_file");
	} else if (ret == CCSP_ERR_FILE_NOT_FOUND) {
		ret = CCSP_OK;
	}
	if (key == NULL)
		key = STORAGE_KEY_FILE;
	int n = key[0] == '/' ? snprintf(t->keyfile, sizeof t->keyfile, "%s", key)
	                      : snprintf(t->keyfile, sizeof t->keyfile, "%s/%s", t->dir, key);
	ccsp_config_free(cfg);
	if (ret != CCSP_OK) {
		cli_error("%s", err[0] != '\0' ? err : ccsp_err_str(ret));
		return -1;
	}
	if (n < 0 || (size_t)n >= sizeof t->keyfile) {
		cli_error("%s: path too long", t->dir);
		return -1;
	}
	return 0;
}

/* ---- the target: vsmd or the VSM opened here ---- */

static int target_open_local(vsm_target *t)
{
	uint8_t skey[CCSP_VSM_STORAGE_KEY_SIZE];
	ccsp_vsm_limits lim;
	if (read_storage_key(t->keyfile, skey) != 0)
		return -1;
	ccsp_vsm_limits_default(&lim);
	lim.max_index = t->max_index;
	ccsp_err ret = ccsp_vsm_open(t->dir, skey, &lim, &t->vsm);
	ccsp_memzero(skey, sizeof skey);
	if (ret == CCSP_OK && ccsp_vsm_get_state(t->vsm) == CCSP_VSM_STATE_OPERATIONAL)
		return 0;
	if (ret == CCSP_OK)
		ret = CCSP_ERR_MODULE_STATE; /* opened, but its first audit event could not be written */
	ccsp_vsm_free(t->vsm); /* also kept, in the error state, after a failed self-test */
	t->vsm = NULL;
	if (ret == CCSP_ERR_TAMPERED)
		cli_error("the VSM in %s fails its integrity check: its keystore or audit log was modified, or %s is "
		          "not its storage key ('ccsp vsm audit-verify' checks the log)", t->dir, t->keyfile);
	else if (ret == CCSP_ERR_IO)
		cli_error("cannot open the VSM in %s: %s (is a vsmd that does not answer on %s/admin.sock using it?)",
		          t->dir, ccsp_err_str(ret), t->dir);
	else
		cli_error_ccsp(ret, "cannot open the VSM in %s", t->dir);
	return -1;
}

static int target_open(const char *dir, vsm_target *t)
{
	memset(t, 0, sizeof *t);
	t->dir = dir;
	t->fd = -1;
	if (load_conf(t) != 0)
		return -1;
	int c = cli_vsm_admin_connect(dir, &t->fd);
	if (c != 0)
		return c > 0 ? 0 : -1;
	return target_open_local(t);
}

/* Close; 0, or -1 when the VSM opened here could not audit what it did (printed). */
static int target_close(vsm_target *t)
{
	int ret = 0;
	if (t->vsm != NULL && ccsp_vsm_get_state(t->vsm) != CCSP_VSM_STATE_OPERATIONAL) {
		cli_error("the VSM in %s went into the error state: its audit log %s could not be written", t->dir,
		          ccsp_vsm_audit_path(t->vsm));
		ret = -1;
	}
	ccsp_vsm_free(t->vsm);
	if (t->fd >= 0)
		close(t->fd);
	t->vsm = NULL;
	t->fd = -1;
	return ret;
}

static ccsp_err target_list(vsm_target *t, ccsp_vsm_key_info **infos, size_t *count)
{
	*infos = NULL;
	*count = 0;
	if (t->vsm != NULL)
		return ccsp_vsm_keystore_list(ccsp_vsm_get_keystore(t->vsm), infos, count);
	ccsp_sdf_writer w;
	uint8_t *body;
	size_t len;
	ccsp_err ret = ccsp_sdf_writer_init(&w, 0);
	if (ret == CCSP_OK)
		ret = cli_vsm_admin_call(t, CCSP_SDF_OP_ADMIN_KEYS, &w, &body, &len);
	if (ret == CCSP_OK) {
		ret = cli_vsm_parse_key_list(t, body, len, infos, count);
		free(body);
	}
	return ret;
}

/* The admin operations, each as op_admin.c runs it on vsmd (same keystore call, same audit event). */
static ccsp_err target_keygen(vsm_target *t, ccsp_vsm_key_kind kind, uint32_t index, const uint8_t *pw, size_t pwlen)
{
	if (t->vsm != NULL) {
		ccsp_err ret = ccsp_vsm_keystore_generate(ccsp_vsm_get_keystore(t->vsm), kind, index, pw, pwlen);
		ccsp_vsm_audit_event(t->vsm, "key.generate", "kind=%s index=%u result=%s", kind_word(kind), index,
		                     ccsp_err_name(ret));
		return ret;
	}
	ccsp_sdf_writer w;
	ccsp_err ret = ccsp_sdf_writer_init(&w, 64);
	if (ret != CCSP_OK)
		return ret;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_KIND, (uint32_t)kind);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, index);
	if (pw != NULL)
		ccsp_sdf_put_bytes(&w, CCSP_SDF_T_PASSWORD, pw, pwlen);
	return cli_vsm_admin_simple(t, CCSP_SDF_OP_ADMIN_KEYGEN, &w);
}

static ccsp_err target_keydel(vsm_target *t, ccsp_vsm_key_kind kind, uint32_t index)
{
	if (t->vsm != NULL) {
		ccsp_err ret = ccsp_vsm_keystore_delete(ccsp_vsm_get_keystore(t->vsm), kind, index);
		ccsp_vsm_audit_event(t->vsm, "key.delete", "kind=%s index=%u result=%s", kind_word(kind), index,
		                     ccsp_err_name(ret));
		return ret;
	}
	ccsp_sdf_writer w;
	ccsp_err ret = ccsp_sdf_writer_init(&w, 32);
	if (ret != CCSP_OK)
		return ret;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_KIND, (uint32_t)kind);
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, index);
	return cli_vsm_admin_simple(t, CCSP_SDF_OP_ADMIN_KEYDEL, &w);
}

static ccsp_err target_passwd(vsm_target *t, uint32_t index, const uint8_t *pw, size_t pwlen)
{
	if (t->vsm != NULL) {
		ccsp_err ret = ccsp_vsm_keystore_set_password(ccsp_vsm_get_keystore(t->vsm), index, pw, pwlen);
		ccsp_vsm_audit_event(t->vsm, "key.password", "index=%u result=%s", index, ccsp_err_name(ret));
		return ret;
	}
	ccsp_sdf_writer w;
	ccsp_err ret = ccsp_sdf_writer_init(&w, 32 + pwlen);
	if (ret != CCSP_OK)
		return ret;
	ccsp_sdf_put_u32(&w, CCSP_SDF_T_INDEX, index);
	ccsp_sdf_put_bytes(&w, CCSP_SDF_T_PASSWORD, pw, pwlen);
	return cli_vsm_admin_simple(t, CCSP_SDF_OP_ADMIN_SET_PASSWORD, &w);
}

/* ---- messages ---- */

/* Report a failed operation (kind 0: the index's SM2 pairs). Transport failures were reported already. */
static void report(const vsm_target *t, ccsp_err err, const char *what, ccsp_vsm_key_kind kind, uint32_t index)
{
	char via[64] = "";
	if (err == CCSP_ERR_COMM)
		return;
	if (t->fd >= 0)
		snprintf(via, sizeof via, " (vsmd answered %s)", cli_vsm_sdr_name(t->sdr));
	switch (err) {
	case CCSP_ERR_KEY_EXISTS:
		cli_error("%s: index %u already holds a %s%s", what, index, kind_noun(kind), via);
		break;
	case CCSP_ERR_KEY_NOT_FOUND:
		cli_error("%s: index %u holds no %s%s", what, index, kind != 0 ? kind_noun(kind) : "SM2 key pair", via);
		break;
	case CCSP_ERR_PASSWORD:
		cli_error("%s: the password does not match the access password index %u already has (leave out "
		          "--password-file to keep it)%s", what, index, via);
		break;
	case CCSP_ERR_ARG:
		cli_error("%s: refused: index %u out of range or a password not of %d..%d bytes%s", what, index,
		          CCSP_VSM_PASSWORD_MIN, CCSP_VSM_PASSWORD_MAX, via);
		break;
	case CCSP_ERR_MODULE_STATE:
		cli_error("%s: the VSM is in the error state (failed self-test, integrity check or audit) and serves "
		          "nothing%s", what, via);
		break;
	default:
		cli_error("%s failed: %s%s", what, t->fd >= 0 ? "vsmd reports an error" : ccsp_err_str(err), via);
		break;
	}
}

/* ---- subcommands ---- */

typedef enum vsm_change { CHANGE_KEYGEN, CHANGE_KEYDEL, CHANGE_PASSWD } vsm_change;

/* Run the change even when it must fail (occupied or empty slot, index out of range): a refused attempt is
 * audited as vsmd audits it. Then explain a failure. */
static int run_change(vsm_target *t, vsm_change op, ccsp_vsm_key_kind kind, uint32_t index, const uint8_t *pw,
                      size_t pwlen)
{
	static const char *const names[] = {"keygen", "keydel", "passwd"};
	ccsp_err ret = op == CHANGE_KEYGEN   ? target_keygen(t, kind, index, pw, pwlen)
	               : op == CHANGE_KEYDEL ? target_keydel(t, kind, index)
	                                     : target_passwd(t, index, pw, pwlen);
	if (ret == CCSP_OK)
		return 0;
	if (ret == CCSP_ERR_ARG && index > t->max_index)
		cli_error("%s: index %u is out of range: the VSM in %s has indices 1..%u", names[op], index, t->dir,
		          t->max_index);
	else if (ret == CCSP_ERR_ARG && op == CHANGE_KEYGEN && kind != CCSP_VSM_KEY_KEK && pw == NULL)
		/* the other reasons for CCSP_ERR_ARG (index range, password length) are excluded by now */
		cli_error("keygen: index %u has no access password yet: its first SM2 key needs one "
		          "(--password-file F, %d..%d bytes)", index, CCSP_VSM_PASSWORD_MIN, CCSP_VSM_PASSWORD_MAX);
	else
		report(t, ret, names[op], kind, index);
	return CLI_EXIT_FAIL;
}

static int cmd_change(int argc, char **argv, vsm_change op, unsigned allowed, unsigned required)
{
	uint8_t pw[CCSP_VSM_PASSWORD_MAX + 2];
	size_t pwlen = 0;
	vsm_args a;
	vsm_target t;
	if (parse_args(argc, argv, allowed, required, &a) != 0)
		return CLI_EXIT_USAGE;
	if (a.kind == CCSP_VSM_KEY_KEK && a.pwfile != NULL) {
		cli_error("vsm %s: --password-file does not apply to --kek (KEKs have no password)", argv[0]);
		return CLI_EXIT_USAGE;
	}
	if (a.pwfile != NULL && read_password(a.pwfile, pw, &pwlen) != 0)
		return CLI_EXIT_FAIL;
	int ret = CLI_EXIT_FAIL;
	if (target_open(a.dir, &t) == 0) {
		ret = run_change(&t, op, a.kind, a.idx, a.pwfile != NULL ? pw : NULL, pwlen);
		if (target_close(&t) != 0)
			ret = CLI_EXIT_FAIL;
	}
	ccsp_memzero(pw, sizeof pw);
	if (ret == 0 && op == CHANGE_PASSWD)
		printf("index %u: new access password set\n", a.idx);
	else if (ret == 0)
		printf("index %u: %s %s\n", a.idx, kind_noun(a.kind), op == CHANGE_KEYGEN ? "generated" : "deleted");
	return ret;
}

static int cmd_keygen(int argc, char **argv)
{
	return cmd_change(argc, argv, CHANGE_KEYGEN, OPT_INDEX | OPT_KIND | OPT_PASSWORD, OPT_INDEX | OPT_KIND);
}

static int cmd_keydel(int argc, char **argv)
{
	return cmd_change(argc, argv, CHANGE_KEYDEL, OPT_INDEX | OPT_KIND, OPT_INDEX | OPT_KIND);
}

static int cmd_passwd(int argc, char **argv)
{
	return cmd_change(argc, argv, CHANGE_PASSWD, OPT_INDEX | OPT_PASSWORD, OPT_INDEX | OPT_PASSWORD);
}

static void print_key(const ccsp_vsm_key_info *k)
{
	char when[32], pub[2 * CCSP_SM2_POINT_SIZE + 1];
	struct tm tm;
	time_t tt = (time_t)k->created;
	if (gmtime_r(&tt, &tm) == NULL || strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof when, "@%lld", (long long)k->created);
	if (k->kind == CCSP_VSM_KEY_KEK) {
		printf("kind=kek index=%u password=- created=%s\n", k->index, when);
		return;
	}
	cli_hex_encode(k->pub, CCSP_SM2_POINT_SIZE, pub);
	printf("kind=%s index=%u password=%s created=%s public=%s\n", kind_word(k->kind), k->index,
	       k->has_password ? "yes" : "no", when, pub);
}

static int cmd_keys(int argc, char **argv)
{
	vsm_args a;
	vsm_target t;
	ccsp_vsm_key_info *keys = NULL;
	size_t n = 0;
	if (parse_args(argc, argv, 0, 0, &a) != 0)
		return CLI_EXIT_USAGE;
	if (target_open(a.dir, &t) != 0)
		return CLI_EXIT_FAIL;
	ccsp_err ret = target_list(&t, &keys, &n);
	if (ret != CCSP_OK)
		report(&t, ret, "keys", 0, 0);
	for (size_t i = 0; ret == CCSP_OK && i < n; i++)
		print_key(&keys[i]);
	free(keys);
	int closed = target_close(&t);
	return ret == CCSP_OK && closed == 0 ? 0 : CLI_EXIT_FAIL;
}

/* Read only, and with or without vsmd: the log may be appended to meanwhile (vsm_audit.h). */
static int cmd_audit_verify(int argc, char **argv)
{
	vsm_args a;
	vsm_target t = {0};
	uint8_t skey[CCSP_VSM_STORAGE_KEY_SIZE], akey[CCSP_VSM_AUDIT_KEY_SIZE];
	char path[PATH_MAX];
	ccsp_vsm_audit_report rep = {0};
	if (parse_args(argc, argv, 0, 0, &a) != 0)
		return CLI_EXIT_USAGE;
	t.dir = a.dir;
	if (load_conf(&t) != 0 || read_storage_key(t.keyfile, skey) != 0)
		return CLI_EXIT_FAIL;
	snprintf(path, sizeof path, "%s/audit.log", a.dir);
	ccsp_err ret = derive_audit_key(skey, akey);
	if (ret == CCSP_OK)
		ret = ccsp_vsm_audit_verify(path, akey, &rep);
	ccsp_memzero(skey, sizeof skey);
	ccsp_memzero(akey, sizeof akey);
	if (ret == CCSP_OK) {
		printf("%s: %llu lines verified%s\n", path, (unsigned long long)rep.lines,
		       rep.truncated_tail ? "; the last line is incomplete (cut by a crash while it was written)" : "");
		return 0;
	}
	if (ret == CCSP_ERR_TAMPERED)
		cli_error("%s: line %llu does not verify: the log was modified (or %s is not this VSM's storage key); "
		          "%llu lines before it verified", path, (unsigned long long)rep.bad_line, t.keyfile,
		          (unsigned long long)rep.lines);
	else if (ret == CCSP_ERR_FILE_NOT_FOUND)
		cli_error("%s: no audit log there", path);
	else
		cli_error_ccsp(ret, "cannot verify %s", path);
	return CLI_EXIT_FAIL;
}

/* seal-token --out FILE: the token given to configVSMToken, sealed for this host's libsdf (docs/sdf.md). */
static int cmd_seal_token(int argc, char **argv)
{
	char *out = NULL, line[CCSP_SDF_TOKEN_MAX + 3];
	const cli_opt opts[] = {{"--out", &out, NULL}};
	int npos;
	if (cli_parse_opts(argc, argv, opts, 1, NULL, 0, &npos) != 0 || out == NULL) {
		if (out == NULL)
			cli_error("vsm seal-token: --out FILE is required");
		return CLI_EXIT_USAGE;
	}
	size_t len = fgets(line, sizeof line, stdin) != NULL ? strcspn(line, "\r\n") : 0;
	int rc = CLI_EXIT_FAIL;
	if (len < CCSP_SDF_TOKEN_MIN || len > CCSP_SDF_TOKEN_MAX) {
		cli_error("vsm seal-token: the token (first line of standard input) must be %d..%d bytes",
		          CCSP_SDF_TOKEN_MIN, CCSP_SDF_TOKEN_MAX);
	} else {
		ccsp_err ret = ccsp_sdf_token_seal(out, (const uint8_t *)line, len);
		if (ret == CCSP_OK)
			rc = 0;
		else
			cli_error_ccsp(ret, "cannot seal the token into %s", out);
	}
	ccsp_memzero(line, sizeof line);
	return rc;
}

int cli_cmd_vsm(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} cmds[] = {{"keygen", cmd_keygen}, {"keydel", cmd_keydel}, {"keys", cmd_keys},
	            {"passwd", cmd_passwd}, {"audit-verify", cmd_audit_verify}, {"seal-token", cmd_seal_token}};
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : 0;
	}
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	cli_error("vsm: unknown command '%s' (try 'ccsp vsm help')", argv[1]);
	return CLI_EXIT_USAGE;
}
