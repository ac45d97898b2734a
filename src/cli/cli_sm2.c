/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp sm2 keygen|pub|sign|verify|encrypt|decrypt|exchange. Files are the ones openssl pkey and
 * openssl pkeyutl read and write: PKCS#8 / SEC1 / SPKI keys (PEM or DER), DER signatures
 * (SM2Signature) and DER ciphertexts (GM/T 0009 SM2Cipher).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ccsp/mem.h>
#include <ccsp/sm2_asn1.h>

#include "cli.h"

static const char usage[] =
	"usage: ccsp sm2 <command> [options]\n"
	"  keygen -out KEY [-pass P [-prf sm3|sha256] [-iter N]] [-sec1] [-der]\n"
	"        new key pair: PKCS#8 PEM (\"PRIVATE KEY\"), or SEC1 with -sec1, DER with -der;\n"
	"        with -pass, encrypted PKCS#8 (PBES2, SM4-CBC, PBKDF2 with HMAC-SM3; -prf sha256 gives\n"
	"        files the openssl 3.0 tool can read)\n"
	"  pub -in KEY [-pass P] -out PUB [-der]       public key (SubjectPublicKeyInfo)\n"
	"  sign -key KEY [-pass P] [-id ID] -in FILE -out SIG.der\n"
	"  verify -pub PUB [-id ID] -in FILE -sig SIG.der\n"
	"        prints \"Signature Verified Successfully\" (exit 0) or \"Verification failure\" (exit 1)\n"
	"  encrypt -pub PUB -in FILE -out CT.der\n"
	"  decrypt -key KEY [-pass P] -in CT.der -out FILE\n"
	"  exchange -key KEY [-pass P] -peer PEER_PUB -initiator|-responder -rout MY_R -rin PEER_R\n"
	"           [-sout MY_S -sin PEER_S] [-id ID] [-peer-id ID] [-len N] [-wait SECONDS] -out KEY.hex\n"
	"        SM2 key exchange (GB/T 32918.3) between two parties running at the same time: each\n"
	"        writes its ephemeral point to -rout and waits (default 60 s) for the peer's -rin\n"
	"        (the peer's -rout). With -sout/-sin the confirmation hashes are exchanged the same way\n"
	"        and checked before any key is written. The ephemeral key never leaves memory.\n"
	"        -len: key bytes (default 16); the key is written as hex.\n"
	"  KEY and PUB files: PEM or DER, any of PKCS#8, encrypted PKCS#8, SEC1, SubjectPublicKeyInfo;\n"
	"  at most 16 KiB; text lines before a PEM block (openssl's \"Bag Attributes\") are skipped.\n"
	"  SIG.der: at most 72 bytes. P: pass:TEXT, env:VAR, file:PATH (first line, at most 1024 bytes)\n"
	"  or TEXT, not empty. ID: the signer's distinguishing\n"
	"  ID as text (default 1234567812345678, as openssl's -pkeyopt distid:ID).\n";

typedef struct sm2_args {
	char *out, *in, *key, *pub, *pass, *prf, *iter, *sig, *id, *peer, *peer_id, *rout, *rin, *sout, *sin, *len,
		*wait;
	int der, sec1, initiator, responder;
} sm2_args;

/* ---- passwords and keys ---- */

/* The password as bytes in a malloc'd buffer (wiped and freed by pass_free). */
static int pass_get(const char *spec, uint8_t **pass, size_t *len)
{
	const char *text = spec;
	if (strncmp(spec, "pass:", 5) == 0) {
		text = spec + 5;
	} else if (strncmp(spec, "env:", 4) == 0) {
		text = getenv(spec + 4);
		if (text == NULL) {
			cli_error("environment variable %s is not set", spec + 4);
			return -1;
		}
	} else if (strncmp(spec, "file:", 5) == 0) {
		return cli_read_line(spec + 5, "password", CLI_MAX_LINE, pass, len);
	}
	*len = strlen(text);
	*pass = malloc(*len + 1);
	if (*pass == NULL) {
		cli_error("out of memory");
		return -1;
	}
	memcpy(*pass, text, *len + 1);
	return 0;
}

static void pass_free(uint8_t *pass, size_t len)
{
	if (pass != NULL)
		ccsp_memzero(pass, len);
	free(pass);
}

static void buf_free(uint8_t *buf, size_t len)
{
	if (buf != NULL)
		ccsp_memzero(buf, len);
	free(buf);
}

/* Load a key file; need_private: the file must hold a private key. NULL on error (printed). */
static ccsp_sm2_key *load_key(const char *path, const char *passspec, int need_private)
{
	uint8_t *buf = NULL, *pass = NULL;
	size_t len = 0, passlen = 0;
	ccsp_sm2_key *key = NULL;
	if (cli_read_file(path, "an SM2 key file", CLI_MAX_KEY_FILE, &buf, &len) != 0)
		goto out;
	if (passspec != NULL && pass_get(passspec, &pass, &passlen) != 0)
		goto out;
	key = ccsp_sm2_key_new();
	if (key == NULL) {
		cli_error("out of memory");
		goto out;
	}
	ccsp_err e = ccsp_sm2_key_decode(key, buf, len, pass, passlen, NULL);
	if (e == CCSP_ERR_PASSWORD && pass == NULL) {
		cli_error("%s: encrypted key: a password is needed (-pass)", path);
	} else if (e != CCSP_OK) {
		cli_error_ccsp(e, "%s: cannot load SM2 key", path);
	} else if (need_private && !ccsp_sm2_key_has_private(key)) {
		cli_error("%s: not a private key", path);
		e = CCSP_ERR_KEY;
	}
	if (e != CCSP_OK) {
		ccsp_sm2_key_free(key);
		key = NULL;
	}
out:
	buf_free(buf, len);
	pass_free(pass, passlen);
	return key;
}

/* Write a key file; private key files are created readable by their owner only. */
static int save_key(const char *path, const ccsp_sm2_key *key, ccsp_sm2_key_format fmt, int der, const uint8_t *pass,
                    size_t passlen, ccsp_sm2_pbe_prf prf, uint32_t iter)
{
	uint8_t out[CCSP_SM2_KEY_FILE_MAX];
	size_t len;
	ccsp_err e = fmt == CCSP_SM2_KEY_PKCS8_ENCRYPTED
	                 ? ccsp_sm2_key_encode_encrypted(key, !der, pass, passlen, prf, iter, out, sizeof out, &len)
	                 : ccsp_sm2_key_encode(key, fmt, !der, NULL, 0, out, sizeof out, &len);
	if (e != CCSP_OK) {
		cli_error_ccsp(e, "cannot encode the key");
		return CLI_EXIT_FAIL;
	}
	int written = fmt == CCSP_SM2_KEY_SPKI ? cli_write_file(path, out, len) : cli_write_secret_file(path, out, len);
	int ret = written == 0 ? 0 : CLI_EXIT_FAIL;
	ccsp_memzero(out, sizeof out);
	return ret;
}

static int need(const char *what, const char *value)
{
	if (value == NULL) {
		cli_error("sm2: %s is required", what);
		return -1;
	}
	return 0;
}

static int parse_uint(const char *what, const char *s, unsigned long min, unsigned long max, unsigned long *v)
{
	char *end;
	unsigned long x = strtoul(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || x < min || x > max) {
		cli_error("%s must be a number from %lu to %lu", what, min, max);
		return -1;
	}
	*v = x;
	return 0;
}

/* ---- keygen, pub ---- */

static int cmd_keygen(sm2_args *a)
{
	unsigned long iter = CCSP_SM2_PBE_DEFAULT_ITERATIONS;
	ccsp_sm2_pbe_prf prf = CCSP_SM2_PBE_HMAC_SM3;
	if (need("-out", a->out) != 0)
		return CLI_EXIT_USAGE;
	if (a->iter != NULL && parse_uint("-iter", a->iter, 1, CCSP_SM2_PBE_MAX_ITERATIONS, &iter) != 0)
		return CLI_EXIT_USAGE;
	if (a->prf != NULL && strcmp(a->prf, "sha256") == 0) {
		prf = CCSP_SM2_PBE_HMAC_SHA256;
	} else if (a->prf != NULL && strcmp(a->prf, "sm3") != 0) {
		cli_error("-prf must be sm3 or sha256");
		return CLI_EXIT_USAGE;
	}
	if (a->pass != NULL && a->sec1) {
		cli_error("-sec1 keys cannot be encrypted; use PKCS#8 (no -sec1) with -pass");
		return CLI_EXIT_USAGE;
	}
	uint8_t *pass = NULL;
	size_t passlen = 0;
	int ret = CLI_EXIT_FAIL;
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	if (key == NULL || (a->pass != NULL && pass_get(a->pass, &pass, &passlen) != 0))
		goto out;
	if (a->pass != NULL && passlen == 0) {
		cli_error("empty password");
		goto out;
	}
	ccsp_err e = ccsp_sm2_key_generate(key);
	if (e != CCSP_OK) {
		cli_error_ccsp(e, "key generation failed");
		goto out;
	}
	ccsp_sm2_key_format fmt = a->pass != NULL ? CCSP_SM2_KEY_PKCS8_ENCRYPTED
	                          : a->sec1       ? CCSP_SM2_KEY_SEC1
	                                          : CCSP_SM2_KEY_PKCS8;
	ret = save_key(a->out, key, fmt, a->der, pass, passlen, prf, (uint32_t)iter);
out:
	pass_free(pass, passlen);
	ccsp_sm2_key_free(key);
	return ret;
}

static int cmd_pub(sm2_args *a)
{
	if (need("-in", a->in) != 0 || need("-out", a->out) != 0)
		return CLI_EXIT_USAGE;
	ccsp_sm2_key *key = load_key(a->in, a->pass, 0);
	if (key == NULL)
		return CLI_EXIT_FAIL;
	int ret = save_key(a->out, key, CCSP_SM2_KEY_SPKI, a->der, NULL, 0, CCSP_SM2_PBE_HMAC_SM3, 1);
	ccsp_sm2_key_free(key);
	return ret;
}

/* ---- sign, verify ---- */

static int id_of(const char *id, const uint8_t **p, size_t *len)
{
	*p = (const uint8_t *)id;
	*len = id != NULL ? strlen(id) : 0;
	if (*len > CCSP_SM2_MAX_ID_LEN) {
		cli_error("ID longer than %d bytes", CCSP_SM2_MAX_ID_LEN);
		return -1;
	}
	return 0;
}

static int cmd_sign(sm2_args *a)
{
	const uint8_t *id;
	size_t idlen, msglen = 0, derlen;
	if (need("-key", a->key) != 0 || need("-in", a->in) != 0 || need("-out", a->out) != 0 ||
	    id_of(a->id, &id, &idlen) != 0)
		return CLI_EXIT_USAGE;
	uint8_t *msg = NULL, sig[CCSP_SM2_SIGNATURE_SIZE], der[CCSP_SM2_SIGNATURE_DER_MAX];
	int ret = CLI_EXIT_FAIL;
	ccsp_sm2_key *key = load_key(a->key, a->pass, 1);
	if (key == NULL || cli_read_file(a->in, "input", CLI_MAX_FILE_SIZE, &msg, &msglen) != 0)
		goto out;
	ccsp_err e = ccsp_sm2_sign(key, id, idlen, msg, msglen, sig);
	if (e == CCSP_OK)
		e = ccsp_sm2_signature_to_der(sig, der, sizeof der, &derlen);
	if (e != CCSP_OK) {
		cli_error_ccsp(e, "signing failed");
		goto out;
	}
	ret = cli_write_file(a->out, der, derlen) == 0 ? 0 : CLI_EXIT_FAIL;
out:
	free(msg);
	ccsp_sm2_key_free(key);
	return ret;
}

static int cmd_verify(sm2_args *a)
{
	const uint8_t *id;
	size_t idlen, msglen = 0, siglen = 0;
	if (need("-pub", a->pub) != 0 || need("-in", a->in) != 0 || need("-sig", a->sig) != 0 ||
	    id_of(a->id, &id, &idlen) != 0)
		return CLI_EXIT_USAGE;
	uint8_t *msg = NULL, *der = NULL, sig[CCSP_SM2_SIGNATURE_SIZE];
	int ret = CLI_EXIT_FAIL;
	ccsp_sm2_key *key = load_key(a->pub, NULL, 0);
	if (key == NULL || cli_read_file(a->in, "input", CLI_MAX_FILE_SIZE, &msg, &msglen) != 0 || cli_read_file(a->sig, "an SM2 signature (DER)", CCSP_SM2_SIGNATURE_DER_MAX, &der, &siglen) != 0)
		goto out;
	ccsp_err e = ccsp_sm2_signature_from_der(der, siglen, sig);
	if (e == CCSP_OK)
		e = ccsp_sm2_verify(key, id, idlen, msg, msglen, sig);
	if (e == CCSP_OK) {
		puts("Signature Verified Successfully");
		ret = 0;
	} else {
		puts("Verification failure");
		if (e != CCSP_ERR_SIGNATURE)
			cli_error_ccsp(e, "%s", a->sig);
	}
out:
	free(msg);
	free(der);
	ccsp_sm2_key_free(key);
	return ret;
}

/* ---- encrypt, decrypt ---- */

static int cmd_encrypt(sm2_args *a)
{
	if (need("-pub", a->pub) != 0 || need("-in", a->in) != 0 || need("-out", a->out) != 0)
		return CLI_EXIT_USAGE;
	uint8_t *msg = NULL, *ct = NULL;
	size_t msglen = 0, ctlen = 0, cap = 0;
	int ret = CLI_EXIT_FAIL;
	ccsp_sm2_key *key = load_key(a->pub, NULL, 0);
	if (key == NULL || cli_read_file(a->in, "input", CLI_MAX_FILE_SIZE, &msg, &msglen) != 0)
		goto out;
	if (msglen == 0) {
		cli_error("%s: SM2 cannot encrypt an empty message", a->in);
		goto out;
	}
	cap = 2 * (msglen + CCSP_SM2_CIPHERTEXT_OVERHEAD + 32);
	if ((ct = malloc(cap)) == NULL) {
		cli_error("out of memory");
		goto out;
	}
	/* DER = GM/T 0009 SM2Cipher over the raw C1C3C2 encryption; ct holds both, raw first. */
	size_t rawlen;
	ccsp_err e = ccsp_sm2_encrypt(key, CCSP_SM2_C1C3C2, msg, msglen, ct, cap / 2, &rawlen);
	if (e == CCSP_OK)
		e = ccsp_sm2_ciphertext_to_der(ct, rawlen, ct + cap / 2, cap - cap / 2, &ctlen);
	if (e != CCSP_OK) {
		cli_error_ccsp(e, "encryption failed");
		goto out;
	}
	ret = cli_write_file(a->out, ct + cap / 2, ctlen) == 0 ? 0 : CLI_EXIT_FAIL;
out:
	buf_free(msg, msglen);
	free(ct);
	ccsp_sm2_key_free(key);
	return ret;
}

static int cmd_decrypt(sm2_args *a)
{
	if (need("-key", a->key) != 0 || need("-in", a->in) != 0 || need("-out", a->out) != 0)
		return CLI_EXIT_USAGE;
	uint8_t *ct = NULL, *msg = NULL;
	size_t ctlen = 0, msglen = 0, cap = 0;
	int ret = CLI_EXIT_FAIL;
	ccsp_sm2_key *key = load_key(a->key, a->pass, 1);
	if (key == NULL || cli_read_file(a->in, "input", CLI_MAX_FILE_SIZE, &ct, &ctlen) != 0)
		goto out;
	cap = ctlen;
	if ((msg = malloc(cap + 1)) == NULL) {
		cli_error("out of memory");
		goto out;
	}
	/* The DER is converted in place to raw C1C3C2 (never longer), then decrypted. */
	size_t rawlen;
	ccsp_err e = ccsp_sm2_ciphertext_from_der(ct, ctlen, msg, cap, &rawlen);
	if (e == CCSP_OK) {
		memcpy(ct, msg, rawlen);
		e = ccsp_sm2_decrypt(key, CCSP_SM2_C1C3C2, ct, rawlen, msg, cap, &msglen);
	}
	if (e != CCSP_OK) {
		cli_error_ccsp(e, "%s: decryption failed", a->in);
		goto out;
	}
	ret = cli_write_file(a->out, msg, msglen) == 0 ? 0 : CLI_EXIT_FAIL;
out:
	buf_free(msg, cap);
	free(ct);
	ccsp_sm2_key_free(key);
	return ret;
}

/* ---- exchange ---- */

/* Wait until path exists with exactly len bytes (the peer writes it atomically), then read it. */
static int wait_for(const char *path, uint8_t *out, size_t len, unsigned long seconds)
{
	struct timespec step = {0, 100 * 1000 * 1000};
	for (unsigned long tries = 0; tries <= seconds * 10; tries++) {
		if (access(path, F_OK) == 0) {
			uint8_t *buf;
			size_t n;
			if (cli_read_file(path, "the peer's value", len, &buf, &n) != 0)
				return -1;
			int ok = n == len;
			if (ok)
				memcpy(out, buf, len);
			free(buf);
			if (!ok)
				cli_error("%s: expected %zu bytes, got %zu", path, len, n);
			return ok ? 0 : -1;
		}
		nanosleep(&step, NULL);
	}
	cli_error("%s: not there after %lu s", path, seconds);
	return -1;
}

static int write_hex(const char *path, const uint8_t *k, size_t len)
{
	char *hex = malloc(2 * len + 2);
	if (hex == NULL)
		return -1;
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", k[i]);
	hex[2 * len] = '\n';
	int ret = cli_write_secret_file(path, (const uint8_t *)hex, 2 * len + 1);
	ccsp_memzero(hex, 2 * len + 2);
	free(hex);
	return ret;
}

static int exchange_args(sm2_args *a, unsigned long *klen, unsigned long *wait)
{
	if (need("-key", a->key) != 0 || need("-peer", a->peer) != 0 || need("-rout", a->rout) != 0 ||
	    need("-rin", a->rin) != 0 || need("-out", a->out) != 0)
		return -1;
	if (a->initiator == a->responder) {
		cli_error("sm2 exchange: give exactly one of -initiator and -responder");
		return -1;
	}
	if ((a->sout == NULL) != (a->sin == NULL)) {
		cli_error("sm2 exchange: -sout and -sin go together");
		return -1;
	}
	*klen = 16;
	*wait = 60;
	if (a->len != NULL && parse_uint("-len", a->len, 1, 4096, klen) != 0)
		return -1;
	if (a->wait != NULL && parse_uint("-wait", a->wait, 0, 86400, wait) != 0)
		return -1;
	return 0;
}

static int cmd_exchange(sm2_args *a)
{
	unsigned long klen, wait;
	const uint8_t *id, *pid;
	size_t idlen, pidlen;
	if (exchange_args(a, &klen, &wait) != 0 || id_of(a->id, &id, &idlen) != 0 ||
	    id_of(a->peer_id, &pid, &pidlen) != 0)
		return CLI_EXIT_USAGE;
	uint8_t r[CCSP_SM2_POINT_SIZE], r_peer[CCSP_SM2_POINT_SIZE], s_self[32], s_peer[32], *k = malloc(klen);
	int ret = CLI_EXIT_FAIL;
	ccsp_sm2_kex *kex = ccsp_sm2_kex_new();
	ccsp_sm2_key *self = load_key(a->key, a->pass, 1), *peer = self != NULL ? load_key(a->peer, NULL, 0) : NULL;
	if (k == NULL || kex == NULL || self == NULL || peer == NULL)
		goto out;
	ccsp_err e = ccsp_sm2_kex_start(kex, a->initiator, self, id, idlen, peer, pid, pidlen, r);
	if (e != CCSP_OK) {
		cli_error_ccsp(e, "key exchange");
		goto out;
	}
	if (cli_write_file(a->rout, r, sizeof r) != 0 || wait_for(a->rin, r_peer, sizeof r_peer, wait) != 0)
		goto out;
	e = ccsp_sm2_kex_compute(kex, r_peer, sizeof r_peer, k, klen, s_self);
	if (e == CCSP_OK && a->sout != NULL) {
		if (cli_write_file(a->sout, s_self, sizeof s_self) != 0 || wait_for(a->sin, s_peer, sizeof s_peer, wait) != 0)
			goto out;
		e = ccsp_sm2_kex_confirm(kex, s_peer);
	}
	if (e != CCSP_OK) {
		cli_error_ccsp(e, "key exchange failed");
		goto out;
	}
	ret = write_hex(a->out, k, klen) == 0 ? 0 : CLI_EXIT_FAIL;
out:
	buf_free(k, klen);
	ccsp_sm2_kex_free(kex);
	ccsp_sm2_key_free(self);
	ccsp_sm2_key_free(peer);
	return ret;
}

/* The subcommands and the options each takes, as the usage lists them: any other option is a usage error. */
typedef struct sm2_cmd {
	const char *name;
	int (*run)(sm2_args *a);
	const char *opts;
} sm2_cmd;

static const sm2_cmd cmds[] = {
	{"keygen", cmd_keygen, "-out -pass -prf -iter -sec1 -der"},
	{"pub", cmd_pub, "-in -pass -out -der"},
	{"sign", cmd_sign, "-key -pass -id -in -out"},
	{"verify", cmd_verify, "-pub -id -in -sig"},
	{"encrypt", cmd_encrypt, "-pub -in -out"},
	{"decrypt", cmd_decrypt, "-key -pass -in -out"},
	{"exchange", cmd_exchange,
	 "-key -pass -peer -initiator -responder -rout -rin -sout -sin -id -peer-id -len -wait -out"},
};

/* Parse the options of command c (argv[0] its name) into a; 0 or -1 (error printed). */
static int parse_sm2_opts(const sm2_cmd *c, int argc, char **argv, sm2_args *a)
{
	const cli_opt all[] = {
		{"-out", &a->out, NULL},        {"-in", &a->in, NULL},          {"-key", &a->key, NULL},
		{"-pub", &a->pub, NULL},        {"-pass", &a->pass, NULL},      {"-prf", &a->prf, NULL},
		{"-iter", &a->iter, NULL},      {"-sig", &a->sig, NULL},        {"-id", &a->id, NULL},
		{"-peer", &a->peer, NULL},      {"-peer-id", &a->peer_id, NULL}, {"-rout", &a->rout, NULL},
		{"-rin", &a->rin, NULL},        {"-sout", &a->sout, NULL},      {"-sin", &a->sin, NULL},
		{"-len", &a->len, NULL},        {"-wait", &a->wait, NULL},      {"-der", NULL, &a->der},
		{"-sec1", NULL, &a->sec1},      {"-initiator", NULL, &a->initiator},
		{"-responder", NULL, &a->responder},
	};
	cli_opt opts[sizeof all / sizeof all[0]];
	size_t n = cli_opts_pick(all, sizeof all / sizeof all[0], c->opts, opts);
	int npos;
	char *pos[1];
	if (cli_parse_opts(argc, argv, opts, n, pos, 0, &npos) != 0)
		return -1;
	if (a->pass != NULL && (strcmp(a->pass, "") == 0 || strcmp(a->pass, "pass:") == 0)) {
		cli_error("sm2: -pass is empty (an encrypted key needs a password of at least one byte)");
		return -1;
	}
	return 0;
}

int cli_cmd_sm2(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : 0;
	}
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		sm2_args a;
		int ret = CLI_EXIT_USAGE;
		memset(&a, 0, sizeof a);
		if (parse_sm2_opts(&cmds[i], argc - 1, argv + 1, &a) == 0)
			ret = cmds[i].run(&a);
		cli_wipe_arg(a.pass);
		return ret;
	}
	cli_error("sm2: unknown command '%s' (try 'ccsp sm2 help')", argv[1]);
	return CLI_EXIT_USAGE;
}
