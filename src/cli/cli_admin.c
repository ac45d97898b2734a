/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp admin login|logout|password|call: a person's client of ccspd's platform API (docs/api-ccspd.md,
 * docs/operations.md "Operators"). login sends the password and, for an operator, signs the platform's challenge
 * with the SM2 key of --key (registering that key when the operator has none yet); the session token is saved to
 * a 0600 file that the other commands read. Passwords are read from files ("-": standard input), never from the
 * command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sm2.h>
#include <ccsp/sm2_asn1.h>

#include "cli.h"
#include "cli_http.h"
#include "common/b64.h"

#define DEFAULT_ID "1234567812345678"

static const char admin_usage[] =
	"usage: ccsp admin login --url URL --login NAME [--tenant ID] --password-file F [--key PEM] --token-file OUT\n"
	"                        [--insecure | --cacert PEM] [--tlcp-cert DIR]\n"
	"       ccsp admin logout --url URL --token-file F [--insecure | --cacert PEM] [--tlcp-cert DIR]\n"
	"       ccsp admin password --url URL --token-file F --old-file F --new-file F [--insecure | --cacert PEM]\n"
	"       ccsp admin call --url URL --token-file F [--insecure | --cacert PEM] AREA ACTION [--body JSON]\n"
	"                        [--set NAME=VALUE ...]\n"
	"\n"
	"  login     a tenant member: the password gives a session token, saved to OUT (0600). An operator (no\n"
	"            --tenant) also signs the platform's challenge with the SM2 private key PEM (its UKey); an\n"
	"            operator without a registered key registers the public key of PEM at this login.\n"
	"  logout    revokes the session of the token in F.\n"
	"  password  changes the password (the files' first line each); the other sessions end.\n"
	"  call      POST URL/api/v1/AREA/ACTION with the session token (as 'ccsp api call --token-file').\n"
	"A tlcp://HOST:PORT URL talks TLCP (GB/T 38636): --cacert is the server's SM2 CA (required); --tlcp-cert DIR\n"
	"presents the double certificate in DIR (tlcp-sign.pem/.key, tlcp-enc.pem/.key) where one is required.\n"
	"Password files: one line, a final newline is not part of it; '-' reads standard input.\n";

typedef struct admin_args {
	char *url, *login, *tenant, *password_file, *key, *token_file, *cacert, *old_file, *new_file, *tlcp_dir;
	int insecure;
} admin_args;

/* The first line of path, without its newline (a secret: the caller wipes and frees it). */
static char *read_line(const char *path, const char *what)
{
	uint8_t *line = NULL;
	size_t l = 0;
	if (cli_read_line(path, what, CLI_MAX_LINE, &line, &l) != 0)
		return NULL;
	if (l > 0 && memchr(line, '\0', l) == NULL && memchr(line, '\r', l) == NULL)
		return (char *)line;
	cli_error("%s: the %s must be one non-empty line", path, what);
	ccsp_memzero(line, l);
	free(line);
	return NULL;
}

static void free_secret(char *s)
{
	if (s != NULL) {
		ccsp_memzero(s, strlen(s));
		free(s);
	}
}

/* POST body (a JSON object, stolen; wiped after sending) to URL/api/v1/path with the token of --token-file when
 * bearer; the answer object in *ans. Exit status. */
static int post(const admin_args *a, const char *path, json_t *body, int bearer, json_t **ans)
{
	const cli_http_target t = {a->cacert, a->insecure, a->tlcp_dir};
	struct curl_slist *hl = NULL;
	char url[2048], *text = json_dumps(body, JSON_COMPACT), *answer = NULL, *tok = NULL, line[128];
	long status = 0;
	int ret = CLI_EXIT_FAIL;
	*ans = NULL;
	snprintf(url, sizeof url, "%s/api/v1/%s", a->url, path);
	if (bearer && (tok = read_line(a->token_file, "session token")) == NULL)
		goto out;
	if (tok != NULL)
		snprintf(line, sizeof line, "Bearer %s", tok);
	if (text == NULL || cli_http_add_header(&hl, "Content-Type", "application/json") != 0 ||
	    (tok != NULL && cli_http_add_header(&hl, "Authorization", line) != 0) ||
	    cli_http_exchange(&t, "admin", url, text, strlen(text), hl, &status, &answer) != 0)
		goto out;
	*ans = json_loads(answer, 0, NULL);
	if (status >= 200 && status <= 299 && json_is_object(*ans))
		ret = 0;
	else
		cli_error("admin: %s: HTTP status %ld: %s", path, status, answer);
out:
	free_secret(text);
	free_secret(answer);
	free_secret(tok);
	ccsp_memzero(line, sizeof line);
	curl_slist_free_all(hl);
	json_decref(body);
	return ret;
}

/* Sign challenge with key: Base64 DER into out. */
static int sign_challenge(ccsp_sm2_key *key, const char *challenge, char out[CCSP_B64_LEN(80) + 1])
{
	uint8_t sig[CCSP_SM2_SIGNATURE_SIZE], der[CCSP_SM2_SIGNATURE_DER_MAX];
	size_t len = 0;
	ccsp_err e = ccsp_sm2_sign(key, (const uint8_t *)DEFAULT_ID, strlen(DEFAULT_ID), (const uint8_t *)challenge,
	                           strlen(challenge), sig);
	if (e == CCSP_OK)
		e = ccsp_sm2_signature_to_der(sig, der, sizeof der, &len);
	if (e != CCSP_OK) {
		cli_error_ccsp(e, "admin login: cannot sign the challenge");
		return -1;
	}
	ccsp_b64_encode(der, len, out);
	return 0;
}

/* The second step of an operator's login: login2, or register-key with the public key of --key. */
static int second_factor(const admin_args *a, const json_t *first, json_t **ans)
{
	const char *ch = json_string_value(json_object_get(first, "challenge"));
	const char *kind = json_string_value(json_object_get(first, "secondFactor"));
	char sig[CCSP_B64_LEN(80) + 1], pub[CCSP_B64_LEN(65) + 1];
	uint8_t point[CCSP_SM2_POINT_SIZE];
	if (a->key == NULL || ch == NULL || kind == NULL) {
		cli_error("admin login: an operator's login needs --key PEM (the SM2 second factor)");
		return CLI_EXIT_USAGE;
	}
	ccsp_sm2_key *k = cli_chsm_key_load(a->key, 1);
	if (k == NULL || sign_challenge(k, ch, sig) != 0 || ccsp_sm2_key_get_public(k, point) != CCSP_OK) {
		ccsp_sm2_key_free(k);
		return CLI_EXIT_FAIL;
	}
	ccsp_sm2_key_free(k);
	int reg = strcmp(kind, "register") == 0;
	json_t *body = json_pack("{s:s, s:s, s:s}", "login", a->login, "challenge", ch, "signature", sig);
	if (reg) {
		ccsp_b64_encode(point, sizeof point, pub);
		json_object_set_new(body, "publicKey", json_string(pub));
		fprintf(stderr, "ccsp: admin login: registering the key of %s as the second factor of %s\n", a->key,
		        a->login);
	}
	return post(a, reg ? "auth/register-key" : "auth/login2", body, 0, ans);
}

static int save_token(const admin_args *a, const json_t *ans)
{
	const char *tok = json_string_value(json_object_get(ans, "token"));
	char line[128];
	if (tok == NULL) {
		cli_error("admin login: no token in the answer");
		return CLI_EXIT_FAIL;
	}
	int n = snprintf(line, sizeof line, "%s\n", tok);
	int ret = n > 0 && (size_t)n < sizeof line &&
	                  cli_write_secret_file(a->token_file, (const uint8_t *)line, (size_t)n) == 0
	              ? 0
	              : CLI_EXIT_FAIL;
	ccsp_memzero(line, sizeof line);
	if (ret == 0)
		printf("logged in as %s (%s)%s; session token in %s\n", a->login,
		       json_string_value(json_object_get(ans, "role")),
		       json_is_true(json_object_get(ans, "mustChange")) ? ": the password must be changed now" : "",
		       a->token_file);
	return ret;
}

static int admin_login(const admin_args *a)
{
	json_t *first = NULL, *second = NULL;
	char *pw = NULL;
	int ret = CLI_EXIT_USAGE;
	if (a->login == NULL || a->password_file == NULL || a->token_file == NULL) {
		cli_error("admin login: --login, --password-file and --token-file are required");
		return ret;
	}
	if ((pw = read_line(a->password_file, "password")) == NULL)
		return CLI_EXIT_FAIL;
	json_t *body = json_pack("{s:s, s:s}", "login", a->login, "password", pw);
	if (a->tenant != NULL)
		json_object_set_new(body, "tenant", json_string(a->tenant));
	free_secret(pw);
	ret = post(a, "auth/login", body, 0, &first); /* post wipes the body's text it sent */
	if (ret == 0 && json_object_get(first, "challenge") != NULL)
		ret = second_factor(a, first, &second);
	if (ret == 0)
		ret = save_token(a, second != NULL ? second : first);
	json_decref(first);
	json_decref(second);
	return ret;
}

static int admin_password(const admin_args *a)
{
	json_t *ans = NULL;
	char *old = a->old_file != NULL ? read_line(a->old_file, "password") : NULL;
	char *new = old != NULL && a->new_file != NULL ? read_line(a->new_file, "password") : NULL;
	int ret = CLI_EXIT_FAIL;
	if (a->old_file == NULL || a->new_file == NULL) {
		cli_error("admin password: --old-file and --new-file are required");
		ret = CLI_EXIT_USAGE;
	} else if (new != NULL) {
		ret = post(a, "auth/password", json_pack("{s:s, s:s}", "old", old, "new", new), 1, &ans);
		if (ret == 0)
			printf("password changed; %lld other session(s) ended\n",
			       (long long)json_integer_value(json_object_get(ans, "sessionsRevoked")));
	}
	free_secret(old);
	free_secret(new);
	json_decref(ans);
	return ret;
}

static int admin_simple(int argc, char **argv, const char *cmd)
{
	admin_args a = {0};
	const cli_opt opts[] = {
		{"--url", &a.url, NULL},           {"--login", &a.login, NULL},       {"--tenant", &a.tenant, NULL},
		{"--password-file", &a.password_file, NULL}, {"--key", &a.key, NULL}, {"--token-file", &a.token_file, NULL},
		{"--cacert", &a.cacert, NULL},     {"--insecure", NULL, &a.insecure}, {"--old-file", &a.old_file, NULL},
		{"--new-file", &a.new_file, NULL}, {"--tlcp-cert", &a.tlcp_dir, NULL},
	};
	char *pos[1];
	int npos, ret;
	if (cli_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 1, &npos) != 0 || npos != 0)
		return CLI_EXIT_USAGE;
	const cli_http_target target = {a.cacert, a.insecure, a.tlcp_dir};
	if (a.url == NULL || a.token_file == NULL) {
		cli_error("admin %s: --url and --token-file are required (try 'ccsp admin help')", cmd);
		return CLI_EXIT_USAGE;
	}
	if (cli_http_target_check("admin", a.url, &target) != 0)
		return CLI_EXIT_USAGE;
	size_t ul = strlen(a.url);
	while (ul > 0 && a.url[ul - 1] == '/')
		a.url[--ul] = '\0';
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		cli_error("admin: cannot initialise libcurl");
		return CLI_EXIT_FAIL;
	}
	if (strcmp(cmd, "login") == 0) {
		ret = admin_login(&a);
	} else if (strcmp(cmd, "password") == 0) {
		ret = admin_password(&a);
	} else {
		json_t *ans = NULL;
		ret = post(&a, "auth/logout", json_object(), 1, &ans);
		json_decref(ans);
		if (ret == 0)
			printf("logged out\n");
	}
	curl_global_cleanup();
	return ret;
}

int cli_cmd_admin(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(admin_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "login") == 0 || strcmp(argv[1], "logout") == 0 || strcmp(argv[1], "password") == 0)
		return admin_simple(argc - 1, argv + 1, argv[1]);
	if (strcmp(argv[1], "call") == 0) { /* exactly `ccsp api call` with a person's session token */
		argv[0] = "api";
		return cli_cmd_api(argc, argv);
	}
	cli_error("admin: unknown command '%s' (try 'ccsp admin help')", argv[1]);
	return CLI_EXIT_USAGE;
}
