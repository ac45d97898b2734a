/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp api call|sign: an application's client of ccspd's platform API (docs/api-auth.md). Every action is
 * POST /api/v1/<area>/<action> with a JSON body, signed with the application's access key and secret (HMAC-SM3)
 * or SM2 key (src/platform/reqauth.h does the signing), or sent with a session token. `call` prints the JSON
 * answer and exits 0 only for a 2xx status; `sign` prints the headers for a given body, for scripts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccsp/mem.h>

#include "cli.h"
#include "cli_http.h"
#include "common/tlcp_http.h"
#include "platform/reqauth.h"

#define API_PREFIX "/api/v1/"
#define NAME_MAX_LEN 64
#define SETS_MAX 64

static const char api_usage[] =
	"usage: ccsp api call --url URL (--access-key AK (--secret-file F | --sm2-key PEM) | --token-file F)\n"
	"                     [--insecure | --cacert PEM] [--tlcp-cert DIR] AREA ACTION [--body JSON]\n"
	"                     [--set NAME=VALUE ...]\n"
	"       ccsp api sign --access-key AK (--secret-file F | --sm2-key PEM) (--body TEXT | --body-file F)\n"
	"                     [--timestamp T] [--nonce N] AREA ACTION\n"
	"\n"
	"  call   POST URL/api/v1/AREA/ACTION with the JSON object --body (default {}) after each --set:\n"
	"         NAME=VALUE sets a string, NAME:=JSON any JSON value. Signed with the access key and the secret\n"
	"         in F (HMAC-SM3; the file's one line, a final newline is not part of it) or the SM2 private key\n"
	"         PEM (SM2-SM3), or sent with 'Authorization: Bearer' and the session token in F. Prints the\n"
	"         answer; exit status 0 for HTTP 2xx, 1 otherwise.\n"
	"  sign   prints the X-Ccsp-* headers (one 'Name: value' line each, as curl -H @FILE reads them) that\n"
	"         sign a POST of exactly the bytes TEXT or F to /api/v1/AREA/ACTION; T defaults to now, N to\n"
	"         32 random hex digits.\n"
	"The scheme, the headers and a curl + openssl recipe: docs/api-auth.md.\n";

typedef struct api_args {
	char *url, *access_key, *secret_file, *sm2_key, *token_file, *cacert, *body, *body_file, *timestamp, *nonce;
	char *tlcp_dir;
	int insecure;
	char *sets[SETS_MAX];
	int nsets;
} api_args;

/* The credential named on the command line; free with cred_close. */
typedef struct api_cred {
	uint8_t *secret;
	size_t secret_len;
	ccsp_sm2_key *key;
	ccsp_reqauth_credential c;
	ccsp_reqauth_alg alg;
} api_cred;

static int name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > NAME_MAX_LEN)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* "/api/v1/AREA/ACTION" into out. */
static int make_path(const char *area, const char *action, char *out, size_t cap)
{
	if (!name_ok(area) || !name_ok(action)) {
		cli_error("api: AREA and ACTION are 1..%d of [A-Za-z0-9_.-]", NAME_MAX_LEN);
		return -1;
	}
	snprintf(out, cap, "%s%s/%s", API_PREFIX, area, action);
	return 0;
}

/* A one-line secret file (secret or token): the line without its final LF or CRLF, NUL-terminated. */
static int read_line_file(const char *path, const char *what, uint8_t **out, size_t *len)
{
	uint8_t *raw = NULL;
	size_t n = 0;
	*out = NULL;
	if (cli_read_file(path, what, CLI_MAX_LINE + 2, &raw, &n) != 0)
		return -1;
	size_t all = n;
	if (n > 0 && raw[n - 1] == '\n')
		n--;
	if (n > 0 && raw[n - 1] == '\r')
		n--;
	if (n == 0 || memchr(raw, '\n', n) != NULL || memchr(raw, '\0', n) != NULL)
		cli_error("%s: the %s must be one non-empty line", path, what);
	else if ((*out = malloc(n + 1)) == NULL)
		cli_error("out of memory");
	if (*out != NULL) {
		memcpy(*out, raw, n);
		(*out)[n] = '\0';
		*len = n;
	}
	ccsp_memzero(raw, all);
	free(raw);
	return *out != NULL ? 0 : -1;
}

static void cred_close(api_cred *k)
{
	if (k->secret != NULL) {
		ccsp_memzero(k->secret, k->secret_len);
		free(k->secret);
	}
	ccsp_sm2_key_free(k->key);
	memset(k, 0, sizeof *k);
}

/* Load --secret-file or --sm2-key (exactly one). Exit status (0 on success). */
static int cred_open(const api_args *a, api_cred *k)
{
	memset(k, 0, sizeof *k);
	if (a->access_key == NULL || (a->secret_file == NULL) == (a->sm2_key == NULL)) {
		cli_error("api: --access-key and one of --secret-file, --sm2-key are required");
		return CLI_EXIT_USAGE;
	}
	if (a->secret_file != NULL) {
		if (read_line_file(a->secret_file, "secret", &k->secret, &k->secret_len) != 0)
			return CLI_EXIT_FAIL;
		k->c.secret = k->secret;
		k->c.secret_len = k->secret_len;
		k->alg = CCSP_REQAUTH_HMAC_SM3;
		return 0;
	}
	if ((k->key = cli_chsm_key_load(a->sm2_key, 1)) == NULL)
		return CLI_EXIT_FAIL;
	k->c.sm2_key = k->key;
	k->alg = CCSP_REQAUTH_SM2_SM3;
	return 0;
}

/* Sign body for path into h (timestamp and nonce from the options when given). */
static int sign_request(const api_args *a, const api_cred *k, const char *path, const uint8_t *body, size_t len,
                        ccsp_reqauth_headers *h)
{
	int64_t now = (int64_t)time(NULL);
	if (a->timestamp != NULL) {
		char *end;
		long long t = strtoll(a->timestamp, &end, 10);
		if (*a->timestamp < '0' || *a->timestamp > '9' || *end != '\0' || t < 0) {
			cli_error("api: --timestamp: Unix seconds expected");
			return CLI_EXIT_USAGE;
		}
		now = (int64_t)t;
	}
	ccsp_err e = ccsp_reqauth_sign(a->access_key, &k->c, k->alg, path, body, len, now, a->nonce, h);
	if (e == CCSP_ERR_ARG) {
		cli_error("api: cannot sign: the access key (20..64 of [A-Za-z0-9_-]) or the nonce (16..64 of "
		          "[A-Za-z0-9._~-]) is malformed");
		return CLI_EXIT_USAGE;
	}
	if (e != CCSP_OK) {
		cli_error_ccsp(e, "api: cannot sign the request");
		return CLI_EXIT_FAIL;
	}
	return 0;
}

/* The header lines of h (X-Ccsp-Signature-Alg only for SM2: absent means HMAC-SM3). */
static int print_headers(const ccsp_reqauth_headers *h)
{
	int bad = printf("%s: %s\n%s: %s\n%s: %s\n", CCSP_REQAUTH_HEADER_ACCESS_KEY, h->access_key,
	                 CCSP_REQAUTH_HEADER_TIMESTAMP, h->timestamp, CCSP_REQAUTH_HEADER_NONCE, h->nonce) < 0;
	if (strcmp(h->alg, "HMAC-SM3") != 0)
		bad |= printf("%s: %s\n", CCSP_REQAUTH_HEADER_ALG, h->alg) < 0;
	bad |= printf("%s: %s\n", CCSP_REQAUTH_HEADER_SIGNATURE, h->signature) < 0;
	if (bad || fflush(stdout) != 0) {
		cli_error("cannot write to standard output");
		return CLI_EXIT_FAIL;
	}
	return 0;
}

static int api_sign(int argc, char **argv)
{
	api_args a = {0};
	const cli_opt opts[] = {{"--access-key", &a.access_key, NULL}, {"--secret-file", &a.secret_file, NULL},
	                        {"--sm2-key", &a.sm2_key, NULL},       {"--body", &a.body, NULL},
	                        {"--body-file", &a.body_file, NULL},   {"--timestamp", &a.timestamp, NULL},
	                        {"--nonce", &a.nonce, NULL}};
	char *pos[2], path[sizeof API_PREFIX + 2 * NAME_MAX_LEN + 1];
	int npos, ret;
	if (cli_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 2, &npos) != 0)
		return CLI_EXIT_USAGE;
	if (npos != 2 || (a.body == NULL) == (a.body_file == NULL)) {
		cli_error("api sign: expected AREA ACTION and one of --body, --body-file (try 'ccsp api help')");
		return CLI_EXIT_USAGE;
	}
	if (make_path(pos[0], pos[1], path, sizeof path) != 0)
		return CLI_EXIT_USAGE;
	uint8_t *body = NULL;
	size_t len = 0;
	api_cred k;
	if (a.body_file != NULL && cli_read_file(a.body_file, "a request body", CLI_MAX_FILE_SIZE, &body, &len) != 0)
		return CLI_EXIT_FAIL;
	if ((ret = cred_open(&a, &k)) == 0) {
		ccsp_reqauth_headers h;
		const uint8_t *b = body != NULL ? body : (const uint8_t *)a.body;
		ret = sign_request(&a, &k, path, b, body != NULL ? len : strlen(a.body), &h);
		if (ret == 0)
			ret = print_headers(&h);
	}
	cred_close(&k);
	free(body);
	return ret;
}

/* The request body: --body (a JSON object, default {}), then each --set; compact JSON text. */
static char *build_body(const api_args *a)
{
	json_error_t err;
	json_t *obj = a->body != NULL ? json_loads(a->body, 0, &err) : json_object();
	char *text = NULL;
	if (obj == NULL || !json_is_object(obj)) {
		cli_error("api call: --body: not a JSON object%s%s", obj == NULL ? ": " : "", obj == NULL ? err.text : "");
		goto out;
	}
	for (int i = 0; i < a->nsets; i++)
		if (cli_json_set(obj, a->sets[i], 0, NULL, "api call") != 0)
			goto out;
	if ((text = json_dumps(obj, JSON_COMPACT)) == NULL)
		cli_error("out of memory");
out:
	json_decref(obj);
	return text;
}

/* The authentication headers: signed (access key) or Bearer (token file). */
static int auth_headers(const api_args *a, const char *path, const char *body, struct curl_slist **hl)
{
	if (a->token_file != NULL) {
		uint8_t *tok = NULL, stored[CCSP_SM3_DIGEST_SIZE];
		size_t len = 0;
		int ret = CLI_EXIT_FAIL;
		if (a->access_key != NULL || a->secret_file != NULL || a->sm2_key != NULL) {
			cli_error("api call: --token-file excludes --access-key, --secret-file and --sm2-key");
			return CLI_EXIT_USAGE;
		}
		if (read_line_file(a->token_file, "session token", &tok, &len) != 0)
			return CLI_EXIT_FAIL;
		char line[8 + CCSP_REQAUTH_TOKEN_LEN];
		if (ccsp_reqauth_token_hash((const char *)tok, stored) != CCSP_OK) {
			cli_error("%s: not a session token (ccsp_ and 43 Base64url characters)", a->token_file);
		} else {
			snprintf(line, sizeof line, "Bearer %s", (const char *)tok);
			ret = cli_http_add_header(hl, "Authorization", line) == 0 ? 0 : CLI_EXIT_FAIL;
		}
		ccsp_memzero(line, sizeof line);
		ccsp_memzero(tok, len);
		free(tok);
		return ret;
	}
	api_cred k;
	ccsp_reqauth_headers h;
	int ret = cred_open(a, &k);
	if (ret == 0)
		ret = sign_request(a, &k, path, (const uint8_t *)body, strlen(body), &h);
	if (ret == 0 &&
	    (cli_http_add_header(hl, CCSP_REQAUTH_HEADER_ACCESS_KEY, h.access_key) != 0 ||
	     cli_http_add_header(hl, CCSP_REQAUTH_HEADER_TIMESTAMP, h.timestamp) != 0 ||
	     cli_http_add_header(hl, CCSP_REQAUTH_HEADER_NONCE, h.nonce) != 0 ||
	     cli_http_add_header(hl, CCSP_REQAUTH_HEADER_ALG, h.alg) != 0 ||
	     cli_http_add_header(hl, CCSP_REQAUTH_HEADER_SIGNATURE, h.signature) != 0))
		ret = CLI_EXIT_FAIL;
	cred_close(&k);
	return ret;
}

/* POST body to URL + path with the headers; exit status. */
static int post(const api_args *a, const char *path, const char *body)
{
	const cli_http_target t = {a->cacert, a->insecure, a->tlcp_dir};
	struct curl_slist *hl = NULL;
	long status = 0;
	size_t ulen = strlen(a->url) + strlen(path) + 1;
	char *url = malloc(ulen);
	int ret = CLI_EXIT_FAIL;
	if (url == NULL) {
		cli_error("out of memory");
		return CLI_EXIT_FAIL;
	}
	const char *end = a->url + strlen(a->url);
	while (end > a->url && end[-1] == '/')
		end--;
	snprintf(url, ulen, "%.*s%s", (int)(end - a->url), a->url, path);
	if ((ret = auth_headers(a, path, body, &hl)) == 0) {
		ret = CLI_EXIT_FAIL;
		if (cli_http_add_header(&hl, "Content-Type", "application/json") == 0 &&
		    cli_http_send(&t, "api", url, body, strlen(body), hl, &status) == 0) {
			if (status < 200 || status > 299)
				cli_error("api: %s: HTTP status %ld", path, status);
			else
				ret = 0;
		}
	}
	curl_slist_free_all(hl);
	free(url);
	return ret;
}

static int api_call(int argc, char **argv)
{
	api_args a = {0};
	if (cli_take_sets(&argc, argv, a.sets, SETS_MAX, &a.nsets, "api call") != 0)
		return CLI_EXIT_USAGE;
	const cli_opt opts[] = {
		{"--url", &a.url, NULL},           {"--access-key", &a.access_key, NULL}, {"--secret-file", &a.secret_file, NULL},
		{"--sm2-key", &a.sm2_key, NULL},   {"--token-file", &a.token_file, NULL}, {"--cacert", &a.cacert, NULL},
		{"--insecure", NULL, &a.insecure}, {"--body", &a.body, NULL}, {"--tlcp-cert", &a.tlcp_dir, NULL},
	};
	char *pos[2], path[sizeof API_PREFIX + 2 * NAME_MAX_LEN + 1];
	int npos;
	if (cli_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 2, &npos) != 0)
		return CLI_EXIT_USAGE;
	if (npos != 2 || a.url == NULL) {
		cli_error("api call: expected --url URL and AREA ACTION (try 'ccsp api help')");
		return CLI_EXIT_USAGE;
	}
	const cli_http_target target = {a.cacert, a.insecure, a.tlcp_dir};
	if (cli_http_target_check("api call", a.url, &target) != 0)
		return CLI_EXIT_USAGE;
	if (make_path(pos[0], pos[1], path, sizeof path) != 0)
		return CLI_EXIT_USAGE;
	char *body = build_body(&a);
	if (body == NULL)
		return CLI_EXIT_USAGE;
	int ret = CLI_EXIT_FAIL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		cli_error("api: cannot initialise libcurl");
	} else {
		ret = post(&a, path, body);
		curl_global_cleanup();
	}
	free(body);
	return ret;
}

int cli_cmd_api(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(api_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "call") == 0)
		return api_call(argc - 1, argv + 1);
	if (strcmp(argv[1], "sign") == 0)
		return api_sign(argc - 1, argv + 1);
	cli_error("api: unknown command '%s' (try 'ccsp api help')", argv[1]);
	return CLI_EXIT_USAGE;
}
