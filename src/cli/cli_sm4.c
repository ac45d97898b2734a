/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp sm4 enc|dec: one whole file through one SM4 mode. The output layouts match `openssl enc
 * -sm4-<mode> -K -iv` (no salt header, PKCS#7 for ECB and CBC unless -nopad); GCM appends the tag.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sm4.h>

#include "cli.h"

#define GCM_MAX_IV 128

typedef enum sm4_mode { MODE_ECB, MODE_CBC, MODE_CFB, MODE_OFB, MODE_CTR, MODE_GCM, MODE_XTS } sm4_mode;

typedef struct mode_info {
	const char *name;
	const char *display; /* in messages: "SM4-CBC" */
	sm4_mode mode;
	size_t keylen;
	size_t ivmin, ivmax; /* 0, 0: the mode takes no IV */
	int padded;          /* PKCS#7 by default, -nopad allowed */
} mode_info;

static const mode_info modes[] = {
	{"ecb", "SM4-ECB", MODE_ECB, CCSP_SM4_KEY_SIZE, 0, 0, 1},
	{"cbc", "SM4-CBC", MODE_CBC, CCSP_SM4_KEY_SIZE, 16, 16, 1},
	{"cfb", "SM4-CFB", MODE_CFB, CCSP_SM4_KEY_SIZE, 16, 16, 0},
	{"ofb", "SM4-OFB", MODE_OFB, CCSP_SM4_KEY_SIZE, 16, 16, 0},
	{"ctr", "SM4-CTR", MODE_CTR, CCSP_SM4_KEY_SIZE, 16, 16, 0},
	{"gcm", "SM4-GCM", MODE_GCM, CCSP_SM4_KEY_SIZE, 1, GCM_MAX_IV, 0},
	{"xts", "SM4-XTS", MODE_XTS, CCSP_SM4_XTS_KEY_SIZE, 16, 16, 0},
};

/* Everything one run needs; key material wiped by job_clear(). */
typedef struct sm4_job {
	const mode_info *m;
	int encrypt;
	int pad;
	uint8_t key[CCSP_SM4_XTS_KEY_SIZE];
	uint8_t iv[GCM_MAX_IV];
	size_t ivlen;
	uint8_t *aad;
	size_t aadlen;
	const uint8_t *in;
	size_t inlen;
	uint8_t *out; /* capacity inlen + 32: room for padding and a GCM tag */
	size_t outlen;
} sm4_job;

static const mode_info *find_mode(const char *name)
{
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (strcmp(modes[i].name, name) == 0)
			return &modes[i];
	return NULL;
}

/* ---- ECB with PKCS#7 (the library pads CBC only) ---- */

static ccsp_err ecb_pad_encrypt(const ccsp_sm4_key *k, sm4_job *j)
{
	size_t padlen = 16 - j->inlen % 16;
	memcpy(j->out, j->in, j->inlen);
	memset(j->out + j->inlen, (int)padlen, padlen);
	j->outlen = j->inlen + padlen;
	return ccsp_sm4_ecb_encrypt(k, j->out, j->out, j->outlen);
}

/*
 * PKCS#7 check of the last block without branching on its bytes (a padding oracle must learn no
 * more than the verdict): the pad value p must be 1..16 and the last p bytes must all equal p.
 */
static ccsp_err pkcs7_strip(const uint8_t *buf, size_t len, size_t *outlen)
{
	const uint8_t *last = buf + len - 16;
	int32_t p = last[15];
	uint32_t bad = (uint32_t)((p - 1) >> 31) | (uint32_t)((16 - p) >> 31); /* p == 0 or p > 16 */
	for (int32_t i = 0; i < 16; i++) {
		uint32_t in_pad = ~(uint32_t)((p - (16 - i)) >> 31); /* byte i is among the last p */
		bad |= in_pad & (uint32_t)(last[i] ^ p);
	}
	if (bad != 0)
		return CCSP_ERR_PADDING;
	*outlen = len - (size_t)p;
	return CCSP_OK;
}

static ccsp_err ecb_pad_decrypt(const ccsp_sm4_key *k, sm4_job *j)
{
	if (j->inlen == 0 || j->inlen % 16 != 0)
		return CCSP_ERR_DATA_LENGTH;
	ccsp_err err = ccsp_sm4_ecb_decrypt(k, j->in, j->out, j->inlen);
	if (err == CCSP_OK)
		err = pkcs7_strip(j->out, j->inlen, &j->outlen);
	return err;
}

/* ---- the modes ---- */

static ccsp_err run_ecb_cbc(const ccsp_sm4_key *k, sm4_job *j)
{
	size_t cap = j->inlen + 32;
	int cbc = j->m->mode == MODE_CBC;
	if (j->pad && cbc && j->encrypt)
		return ccsp_sm4_cbc_pad_encrypt(k, j->iv, j->in, j->inlen, j->out, cap, &j->outlen);
	if (j->pad && cbc)
		return ccsp_sm4_cbc_pad_decrypt(k, j->iv, j->in, j->inlen, j->out, cap, &j->outlen);
	if (j->pad)
		return j->encrypt ? ecb_pad_encrypt(k, j) : ecb_pad_decrypt(k, j);
	if (j->inlen % 16 != 0)
		return CCSP_ERR_DATA_LENGTH;
	j->outlen = j->inlen;
	if (cbc)
		return j->encrypt ? ccsp_sm4_cbc_encrypt(k, j->iv, j->in, j->out, j->inlen)
		                  : ccsp_sm4_cbc_decrypt(k, j->iv, j->in, j->out, j->inlen);
	return j->encrypt ? ccsp_sm4_ecb_encrypt(k, j->in, j->out, j->inlen)
	                  : ccsp_sm4_ecb_decrypt(k, j->in, j->out, j->inlen);
}

static ccsp_err run_stream(const ccsp_sm4_key *k, sm4_job *j)
{
	j->outlen = j->inlen;
	switch (j->m->mode) {
	case MODE_CFB:
		return j->encrypt ? ccsp_sm4_cfb_encrypt(k, j->iv, j->in, j->out, j->inlen)
		                  : ccsp_sm4_cfb_decrypt(k, j->iv, j->in, j->out, j->inlen);
	case MODE_OFB:
		return ccsp_sm4_ofb_crypt(k, j->iv, j->in, j->out, j->inlen);
	default:
		return ccsp_sm4_ctr_crypt(k, j->iv, j->in, j->out, j->inlen);
	}
}

/* Ciphertext layout: C || T (16-byte tag), the tag last as most GCM tools write it. */
static ccsp_err run_gcm(const ccsp_sm4_key *k, sm4_job *j)
{
	if (j->encrypt) {
		j->outlen = j->inlen + CCSP_SM4_GCM_TAG_SIZE;
		return ccsp_sm4_gcm_encrypt(k, j->iv, j->ivlen, j->aad, j->aadlen, j->in, j->out, j->inlen,
		                            j->out + j->inlen);
	}
	if (j->inlen < CCSP_SM4_GCM_TAG_SIZE)
		return CCSP_ERR_DATA_LENGTH;
	j->outlen = j->inlen - CCSP_SM4_GCM_TAG_SIZE;
	return ccsp_sm4_gcm_decrypt(k, j->iv, j->ivlen, j->aad, j->aadlen, j->in, j->out, j->outlen,
	                            j->in + j->outlen);
}

static ccsp_err run_job(sm4_job *j)
{
	ccsp_sm4_key k;
	ccsp_err ret;
	if (j->m->mode == MODE_XTS) {
		if (j->inlen < 16)
			return CCSP_ERR_DATA_LENGTH;
		j->outlen = j->inlen;
		return j->encrypt ? ccsp_sm4_xts_encrypt(j->key, j->iv, j->in, j->out, j->inlen)
		                  : ccsp_sm4_xts_decrypt(j->key, j->iv, j->in, j->out, j->inlen);
	}
	ret = ccsp_sm4_set_key(&k, j->key, j->m->keylen);
	if (ret != CCSP_OK)
		goto out;
	if (j->m->mode == MODE_ECB || j->m->mode == MODE_CBC)
		ret = run_ecb_cbc(&k, j);
	else if (j->m->mode == MODE_GCM)
		ret = run_gcm(&k, j);
	else
		ret = run_stream(&k, j);
out:
	ccsp_sm4_key_wipe(&k);
	return ret;
}

/* ---- command line ---- */

/* The paths and the raw option values, before they become a job. */
typedef struct sm4_args {
	char *op, *mode, *keyhex, *ivhex, *aadhex, *in, *out;
	int nopad;
} sm4_args;

static int parse_iv(const sm4_args *a, sm4_job *j)
{
	const mode_info *m = j->m;
	if (m->ivmax == 0) {
		if (a->ivhex != NULL) {
			cli_error("sm4: -mode %s takes no IV (-iv)", m->name);
			return -1;
		}
		return 0;
	}
	if (a->ivhex == NULL) {
		cli_error("sm4: -mode %s needs an IV (-iv HEX, %s)", m->name,
		          m->ivmin == m->ivmax ? "32 hex digits" : "24 hex digits recommended");
		return -1;
	}
	if (m->ivmin == m->ivmax) {
		j->ivlen = m->ivmin;
		return cli_parse_hex_exact(m->mode == MODE_XTS ? "XTS tweak (-iv)" : "IV", a->ivhex, j->iv, j->ivlen);
	}
	if (cli_parse_hex("IV", a->ivhex, j->iv, m->ivmax, &j->ivlen) != 0)
		return -1;
	if (j->ivlen < m->ivmin) {
		cli_error("IV must not be empty");
		return -1;
	}
	return 0;
}

static int parse_aad(const sm4_args *a, sm4_job *j)
{
	if (a->aadhex == NULL)
		return 0;
	if (j->m->mode != MODE_GCM) {
		cli_error("sm4: -aad applies only to -mode gcm");
		return -1;
	}
	size_t cap = strlen(a->aadhex) / 2 + 1;
	j->aad = malloc(cap);
	if (j->aad == NULL) {
		cli_error("sm4: out of memory");
		return -1;
	}
	return cli_parse_hex("AAD", a->aadhex, j->aad, cap, &j->aadlen);
}

static int parse_job(const sm4_args *a, sm4_job *j)
{
	if (a->op == NULL || (strcmp(a->op, "enc") != 0 && strcmp(a->op, "dec") != 0)) {
		cli_error("sm4: say enc or dec (ccsp sm4 enc|dec -mode MODE -k KEYHEX ...)");
		return -1;
	}
	j->encrypt = strcmp(a->op, "enc") == 0;
	if (a->mode == NULL) {
		cli_error("sm4: the mode is missing (-mode ecb|cbc|cfb|ofb|ctr|gcm|xts)");
		return -1;
	}
	j->m = find_mode(a->mode);
	if (j->m == NULL) {
		cli_error("sm4: unknown mode '%s' (ecb, cbc, cfb, ofb, ctr, gcm, xts)", a->mode);
		return -1;
	}
	if (a->nopad && !j->m->padded) {
		cli_error("sm4: -nopad applies only to ecb and cbc");
		return -1;
	}
	j->pad = j->m->padded && !a->nopad;
	if (a->keyhex == NULL) {
		cli_error("sm4: the key is missing (-k KEYHEX)");
		return -1;
	}
	if (cli_parse_hex_exact(j->m->mode == MODE_XTS ? "XTS key" : "key", a->keyhex, j->key, j->m->keylen) != 0)
		return -1;
	/* The data key and the tweak key must differ (GB/T 17964-2021 12.1, as IEEE 1619 5.1): a key from
	 * the command line, so a usage error rather than the library's CCSP_ERR_KEY. No early exit on the
	 * key bytes; only the verdict is public. */
	uint8_t diff = 0;
	for (size_t i = 0; j->m->mode == MODE_XTS && i < CCSP_SM4_KEY_SIZE; i++)
		diff |= (uint8_t)(j->key[i] ^ j->key[CCSP_SM4_KEY_SIZE + i]);
	if (j->m->mode == MODE_XTS && diff == 0) {
		cli_error("sm4: the XTS key's two halves (data key || tweak key) must differ");
		return -1;
	}
	return parse_iv(a, j) != 0 || parse_aad(a, j) != 0 ? -1 : 0;
}

/* Input lengths the mode cannot take, with a message that says why. */
static int check_length(const sm4_job *j)
{
	size_t n = j->inlen;
	const char *what = j->encrypt ? "input" : "ciphertext";
	if (j->m->mode == MODE_XTS && n < 16) {
		cli_error("sm4: XTS needs at least 16 bytes of data, %s has %zu", what, n);
		return -1;
	}
	if (j->m->mode == MODE_GCM && !j->encrypt && n < CCSP_SM4_GCM_TAG_SIZE) {
		cli_error("sm4: ciphertext of %zu bytes is shorter than the 16-byte GCM tag (truncated?)", n);
		return -1;
	}
	if (j->m->padded && !j->pad && n % 16 != 0) {
		cli_error("sm4: %s of %zu bytes is not a multiple of 16 (needed with -nopad)", what, n);
		return -1;
	}
	if (j->m->padded && j->pad && !j->encrypt && (n == 0 || n % 16 != 0)) {
		cli_error("sm4: ciphertext of %zu bytes is not a positive multiple of 16 (truncated?)", n);
		return -1;
	}
	return 0;
}

/* Read, transform, write; the output file appears only if every step succeeded. */
static int execute(sm4_job *j, const char *inpath, const char *outpath)
{
	uint8_t *in = NULL;
	int status = CLI_EXIT_FAIL;
	if (cli_read_file(inpath, "input", CLI_MAX_FILE_SIZE, &in, &j->inlen) != 0)
		return CLI_EXIT_FAIL;
	j->in = in;
	if (check_length(j) != 0)
		goto out;
	j->out = malloc(j->inlen + 32);
	if (j->out == NULL) {
		cli_error("sm4: out of memory");
		goto out;
	}
	ccsp_err err = run_job(j);
	if (err != CCSP_OK) {
		cli_error_ccsp(err, "%s %s failed", j->m->display, j->encrypt ? "encryption" : "decryption");
		goto out;
	}
	if (cli_write_file(outpath, j->out, j->outlen) == 0)
		status = 0;
out:
	/* One of the two buffers is plaintext. */
	ccsp_memzero(in, j->inlen);
	free(in);
	if (j->out != NULL)
		ccsp_memzero(j->out, j->inlen + 32);
	free(j->out);
	return status;
}

int cli_cmd_sm4(int argc, char **argv)
{
	sm4_args a = {0};
	sm4_job j = {0};
	int nops, status = CLI_EXIT_USAGE;
	const cli_opt opts[] = {
		{"-mode", &a.mode, NULL}, {"-k", &a.keyhex, NULL}, {"-iv", &a.ivhex, NULL},
		{"-aad", &a.aadhex, NULL}, {"-in", &a.in, NULL},   {"-out", &a.out, NULL},
		{"-nopad", NULL, &a.nopad},
	};
	if (cli_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], argv + 1, 1, &nops) != 0)
		goto out;
	a.op = nops == 1 ? argv[1] : NULL;
	if (parse_job(&a, &j) != 0)
		goto out;
	status = execute(&j, a.in != NULL ? a.in : "-", a.out != NULL ? a.out : "-");
out:
	cli_wipe_arg(a.keyhex);
	ccsp_memzero(j.key, sizeof j.key);
	free(j.aad);
	return status;
}
