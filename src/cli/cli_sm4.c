/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp sm4 enc|dec: a file streamed through one SM4 mode, in constant memory. The output layouts match
 * `openssl enc -sm4-<mode> -K -iv` (no salt header, PKCS#7 for ECB and CBC unless -nopad); GCM appends the tag.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Bytes read per step, a multiple of 16: small enough to stay in cache, large enough that system calls cost
 * nothing next to the cipher. */
#define CHUNK ((size_t)256 * 1024)
/* Room beyond a step's input in the output buffer: bytes kept back from the step before (at most 16), the
 * scratch space ccsp_sm4_xts_update wants (32), a last padding block or GCM tag (16). */
#define OUT_SLACK 64

/* The running state of one mode; wiped at the end whatever happened. */
typedef union mode_state {
	struct {
		ccsp_sm4_key k;
		uint8_t fb[16]; /* CFB, OFB: the IV of the next step (the chaining value after the last block) */
	} blk;
	ccsp_sm4_cbc_ctx cbc;
	ccsp_sm4_ctr_ctx ctr;
	ccsp_sm4_gcm_ctx gcm;
	ccsp_sm4_xts_ctx xts;
} mode_state;

/* Everything one run needs; key material wiped by cli_cmd_sm4. */
typedef struct sm4_job {
	const mode_info *m;
	int encrypt;
	int pad;
	uint8_t key[CCSP_SM4_XTS_KEY_SIZE];
	uint8_t iv[GCM_MAX_IV];
	size_t ivlen;
	uint8_t *aad;
	size_t aadlen;
	mode_state st;
	uint64_t total; /* input bytes read so far */
} sm4_job;

static const mode_info *find_mode(const char *name)
{
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (strcmp(modes[i].name, name) == 0)
			return &modes[i];
	return NULL;
}

/*
 * The input is cut into steps. Every step but the last hands the mode a multiple of 16 bytes, so that ECB, CFB
 * and OFB can be chained across steps with the one-shot calls. mode_hold() bytes at the end of the input are kept
 * back for final (a GCM tag to check, an ECB block that may be padding); ECB's last step gets whole blocks only,
 * final the partial rest (to pad).
 */
static size_t mode_hold(const sm4_job *j)
{
	if (!j->encrypt && (j->m->mode == MODE_GCM || (j->m->mode == MODE_ECB && j->pad)))
		return 16;
	return 0;
}

static ccsp_err mode_init(sm4_job *j)
{
	mode_state *s = &j->st;
	ccsp_err err;
	switch (j->m->mode) {
	case MODE_CBC:
		return ccsp_sm4_cbc_init(&s->cbc, j->key, CCSP_SM4_KEY_SIZE, j->iv, j->encrypt, j->pad);
	case MODE_CTR:
		return ccsp_sm4_ctr_init(&s->ctr, j->key, CCSP_SM4_KEY_SIZE, j->iv);
	case MODE_XTS:
		return ccsp_sm4_xts_init(&s->xts, j->key, j->iv, j->encrypt);
	case MODE_GCM:
		err = ccsp_sm4_gcm_init(&s->gcm, j->key, CCSP_SM4_KEY_SIZE, j->iv, j->ivlen, j->encrypt);
		return err == CCSP_OK ? ccsp_sm4_gcm_aad(&s->gcm, j->aad, j->aadlen) : err;
	default:
		memcpy(s->blk.fb, j->iv, 16); /* ECB: unused */
		return ccsp_sm4_set_key(&s->blk.k, j->key, CCSP_SM4_KEY_SIZE);
	}
}

/* CFB and OFB one step at a time: the next step's IV is the last ciphertext block (CFB) or the last keystream
 * block, P ^ C (OFB), as the modes chain (GB/T 17964-2021 clauses 9 and 10). len is a multiple of 16 except in
 * the last step, whose chaining value is never used. */
static ccsp_err feedback_update(sm4_job *j, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t *fb = j->st.blk.fb;
	ccsp_err err;
	if (j->m->mode == MODE_OFB)
		err = ccsp_sm4_ofb_crypt(&j->st.blk.k, fb, in, out, len);
	else if (j->encrypt)
		err = ccsp_sm4_cfb_encrypt(&j->st.blk.k, fb, in, out, len);
	else
		err = ccsp_sm4_cfb_decrypt(&j->st.blk.k, fb, in, out, len);
	if (err != CCSP_OK || len < 16)
		return err;
	if (j->m->mode == MODE_OFB)
		for (int i = 0; i < 16; i++)
			fb[i] = (uint8_t)(in[len - 16 + i] ^ out[len - 16 + i]);
	else
		memcpy(fb, (j->encrypt ? out : in) + len - 16, 16);
	return CCSP_OK;
}

/* len bytes of input to *outlen bytes of output (out has room for len + OUT_SLACK). */
static ccsp_err mode_update(sm4_job *j, const uint8_t *in, size_t len, uint8_t *out, size_t *outlen)
{
	mode_state *s = &j->st;
	*outlen = len;
	switch (j->m->mode) {
	case MODE_ECB:
		if (len % 16 != 0)
			return CCSP_ERR_DATA_LENGTH;
		return j->encrypt ? ccsp_sm4_ecb_encrypt(&s->blk.k, in, out, len)
		                  : ccsp_sm4_ecb_decrypt(&s->blk.k, in, out, len);
	case MODE_CBC:
		return ccsp_sm4_cbc_update(&s->cbc, in, len, out, outlen);
	case MODE_CTR:
		return ccsp_sm4_ctr_update(&s->ctr, in, out, len);
	case MODE_GCM:
		return ccsp_sm4_gcm_update(&s->gcm, in, out, len);
	case MODE_XTS:
		return ccsp_sm4_xts_update(&s->xts, in, len, out, outlen);
	default:
		return feedback_update(j, in, len, out);
	}
}

/*
 * PKCS#7 check of the last block without branching on its bytes (a padding oracle must learn no
 * more than the verdict): the pad value p must be 1..16 and the last p bytes must all equal p.
 */
static ccsp_err pkcs7_strip(const uint8_t last[16], size_t *outlen)
{
	int32_t p = last[15];
	uint32_t bad = (uint32_t)((p - 1) >> 31) | (uint32_t)((16 - p) >> 31); /* p == 0 or p > 16 */
	for (int32_t i = 0; i < 16; i++) {
		uint32_t in_pad = ~(uint32_t)((p - (16 - i)) >> 31); /* byte i is among the last p */
		bad |= in_pad & (uint32_t)(last[i] ^ p);
	}
	if (bad != 0)
		return CCSP_ERR_PADDING;
	*outlen = 16 - (size_t)p;
	return CCSP_OK;
}

/* ECB's end (the library pads CBC only): rest is the partial block to pad (encryption) or the block kept back
 * (decryption), which must be whole. */
static ccsp_err ecb_final(sm4_job *j, const uint8_t *rest, size_t restlen, uint8_t *out, size_t *outlen)
{
	*outlen = 0;
	if (!j->pad)
		return restlen == 0 ? CCSP_OK : CCSP_ERR_DATA_LENGTH;
	if (j->encrypt) {
		memcpy(out, rest, restlen);
		memset(out + restlen, (int)(16 - restlen), 16 - restlen);
		*outlen = 16;
		return ccsp_sm4_ecb_encrypt(&j->st.blk.k, out, out, 16);
	}
	if (restlen != 16)
		return CCSP_ERR_DATA_LENGTH;
	ccsp_err err = ccsp_sm4_ecb_decrypt(&j->st.blk.k, rest, out, 16);
	return err == CCSP_OK ? pkcs7_strip(out, outlen) : err;
}

/* The end of the input: rest is what mode_hold kept back or the partial block of an aligned mode. */
static ccsp_err mode_final(sm4_job *j, const uint8_t *rest, size_t restlen, uint8_t *out, size_t *outlen)
{
	mode_state *s = &j->st;
	*outlen = 0;
	switch (j->m->mode) {
	case MODE_ECB:
		return ecb_final(j, rest, restlen, out, outlen);
	case MODE_CBC:
		return ccsp_sm4_cbc_final(&s->cbc, out, outlen);
	case MODE_XTS:
		return ccsp_sm4_xts_final(&s->xts, out, outlen);
	case MODE_GCM:
		/* Ciphertext layout: C || T (16-byte tag), the tag last as most GCM tools write it. */
		if (j->encrypt) {
			*outlen = CCSP_SM4_GCM_TAG_SIZE;
			return ccsp_sm4_gcm_encrypt_final(&s->gcm, out);
		}
		return restlen == 16 ? ccsp_sm4_gcm_decrypt_final(&s->gcm, rest) : CCSP_ERR_DATA_LENGTH;
	default:
		return CCSP_OK;
	}
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

/* Input lengths the mode cannot take, with a message that says why; known once the input has ended. */
static int check_length(const sm4_job *j)
{
	unsigned long long n = j->total;
	const char *what = j->encrypt ? "input" : "ciphertext";
	if (j->m->mode == MODE_XTS && n < 16) {
		cli_error("sm4: XTS needs at least 16 bytes of data, %s has %llu", what, n);
		return -1;
	}
	if (j->m->mode == MODE_GCM && !j->encrypt && n < CCSP_SM4_GCM_TAG_SIZE) {
		cli_error("sm4: ciphertext of %llu bytes is shorter than the 16-byte GCM tag (truncated?)", n);
		return -1;
	}
	if (j->m->padded && !j->pad && n % 16 != 0) {
		cli_error("sm4: %s of %llu bytes is not a multiple of 16 (needed with -nopad)", what, n);
		return -1;
	}
	if (j->m->padded && j->pad && !j->encrypt && (n == 0 || n % 16 != 0)) {
		cli_error("sm4: ciphertext of %llu bytes is not a positive multiple of 16 (truncated?)", n);
		return -1;
	}
	return 0;
}

static int crypto_failed(const sm4_job *j, ccsp_err err)
{
	cli_error_ccsp(err, "%s %s failed", j->m->display, j->encrypt ? "encryption" : "decryption");
	return -1;
}

/* len bytes of in through the mode, the result to o. */
static int step(sm4_job *j, const uint8_t *in, size_t len, uint8_t *out, cli_out *o)
{
	size_t n;
	ccsp_err err = mode_update(j, in, len, out, &n);
	if (err != CCSP_OK)
		return crypto_failed(j, err);
	return cli_out_write(o, out, n);
}

/* The input has ended with have bytes in in: the last step and the mode's end. */
static int last_step(sm4_job *j, const uint8_t *in, size_t have, uint8_t *out, cli_out *o)
{
	size_t hold = mode_hold(j), n;
	size_t len = have > hold ? have - hold : 0;
	if (j->m->mode == MODE_ECB)
		len -= len % 16;
	if (check_length(j) != 0 || step(j, in, len, out, o) != 0)
		return -1;
	ccsp_err err = mode_final(j, in + len, have - len, out, &n);
	if (err != CCSP_OK)
		return crypto_failed(j, err);
	return cli_out_write(o, out, n);
}

/* The whole input, CHUNK bytes at a time (in has room for CHUNK + 16, out for CHUNK + 16 + OUT_SLACK). */
static int stream(sm4_job *j, int fd, const char *inpath, uint8_t *in, uint8_t *out, cli_out *o)
{
	size_t have = 0, hold = mode_hold(j);
	for (;;) {
		ssize_t r = cli_read_full(fd, inpath, in + have, CHUNK);
		if (r < 0)
			return -1;
		j->total += (uint64_t)r;
		have += (size_t)r;
		if ((size_t)r < CHUNK)
			return last_step(j, in, have, out, o);
		if (step(j, in, have - hold, out, o) != 0)
			return -1;
		memmove(in, in + have - hold, hold);
		have = hold;
	}
}

/*
 * Read, transform, write, in steps: memory stays the same whatever the size. The output goes through a
 * temporary file and appears only if every step succeeded; GCM decryption holds back even standard output
 * until the tag is checked.
 */
static int execute(sm4_job *j, const char *inpath, const char *outpath)
{
	int status = CLI_EXIT_FAIL, fd = -1;
	cli_out *o = NULL;
	uint8_t *in = malloc(CHUNK + 16), *out = malloc(CHUNK + 16 + OUT_SLACK);
	if (in == NULL || out == NULL) {
		cli_error("sm4: out of memory");
		goto out;
	}
	ccsp_err err = mode_init(j);
	if (err != CCSP_OK) {
		crypto_failed(j, err);
		goto out;
	}
	if ((fd = cli_open_input(inpath)) < 0)
		goto out;
	o = cli_out_open(outpath, 0, j->m->mode == MODE_GCM && !j->encrypt);
	if (o == NULL || stream(j, fd, inpath, in, out, o) != 0)
		goto out;
	status = cli_out_commit(o) == 0 ? 0 : CLI_EXIT_FAIL;
	o = NULL;
out:
	cli_out_abort(o);
	if (fd >= 0 && fd != STDIN_FILENO)
		close(fd);
	/* one of the two buffers is plaintext */
	if (in != NULL)
		ccsp_memzero(in, CHUNK + 16);
	if (out != NULL)
		ccsp_memzero(out, CHUNK + 16 + OUT_SLACK);
	free(in);
	free(out);
	ccsp_memzero(&j->st, sizeof j->st);
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
