/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp chsm configure|call: the cloud platform's side of the GM/T 0088 management interface
 * (../shared/spec/gmt0088-api.md). Builds the request of spec §3.10 (a fresh UUID as requestId), signs the
 * trusted ones as §3.5 says (SM2WithSM3, Z over the default ID, DER, Base64; CHSM-AuthPK = Base64(SM3(X||Y))),
 * sends it with libcurl and prints the JSON answer. The answer is the server's: nothing here interprets it
 * beyond its HTTP status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include <ccsp/mem.h>
#include <ccsp/sm2_asn1.h>
#include <ccsp/sm3.h>

#include "common/b64.h"
#include "common/g88_client.h"
#include "common/tlcp_http.h"
#include "cli.h"
#include "cli_http.h"

#define API_PREFIX "/api/1.0"
#define SETS_MAX 32

/* What an operation takes from the command line (spec §3.9). */
enum { OP_GET = 1, OP_VSM = 2, OP_CALLBACK = 4 };

typedef struct chsm_op {
	const char *area, *name, *path, *opr_type;
	unsigned flags;
} chsm_op;

static const chsm_op ops[] = {
	{"chsm", "status", "/chsm/status", NULL, OP_GET},                         /* 7.2.2 */
	{"chsm", "allstatus", "/chsm/allstatus", NULL, OP_GET},                   /* 7.2.3 */
	{"chsm", "info", "/chsm", "getinfo", 0},                                  /* 7.2.1 */
	{"chsm", "network", "/chsm/network", NULL, 0},                            /* 7.2.4 */
	{"chsm", "ntp", "/chsm/ntp", NULL, 0},                                    /* 7.2.5 */
	{"chsm", "imageuploader", "/chsm/imageuploader", NULL, 0},                /* 7.2.6 */
	{"chsm", "loguploader", "/chsm/loguploader", NULL, 0},                    /* 7.2.7 */
	{"chsm", "image-export", "/chsm/image", "export", OP_CALLBACK},           /* 7.2.8 */
	{"chsm", "image-import", "/chsm/image", "import", OP_CALLBACK},           /* 7.2.9 */
	{"chsm", "upgrade", "/chsm", "upgrade", OP_CALLBACK},                     /* 7.2.10 */
	{"chsm", "restart", "/chsm", "restart", OP_CALLBACK},                     /* 7.2.11 */
	{"chsm", "backup", "/chsm", "backup", OP_CALLBACK},                       /* 7.2.12 */
	{"chsm", "restore", "/chsm", "restore", OP_CALLBACK},                     /* 7.2.13 */
	{"vsm", "status", "/vsm/status", NULL, OP_GET | OP_VSM},                  /* 7.3.2 */
	{"vsm", "info", "/vsm", "getinfo", OP_VSM},                               /* 7.3.1 */
	{"vsm", "network", "/vsm/network", NULL, OP_VSM},                         /* 7.3.3 */
	{"vsm", "token", "/vsm/token", NULL, OP_VSM},                             /* 7.3.4 */
	{"vsm", "image-export", "/vsm/image", "export", OP_VSM | OP_CALLBACK},    /* 7.3.5 */
	{"vsm", "image-import", "/vsm/image", "import", OP_VSM | OP_CALLBACK},    /* 7.3.6 */
	{"vsm", "start", "/vsm", "start", OP_VSM | OP_CALLBACK},                  /* 7.3.7 */
	{"vsm", "stop", "/vsm", "stop", OP_VSM | OP_CALLBACK},                    /* 7.3.8 */
	{"vsm", "restart", "/vsm", "restart", OP_VSM | OP_CALLBACK},              /* 7.3.9 */
	{"vsm", "reset", "/vsm", "reset", OP_VSM | OP_CALLBACK},                  /* 7.3.10 */
	{"vsm", "upgrade", "/vsm", "upgrade", OP_VSM | OP_CALLBACK},              /* 7.3.11 */
	{"vsm", "create", "/vsm", "create", OP_CALLBACK},                         /* 7.3.12 */
	{"vsm", "destroy", "/vsm", "destroy", OP_VSM | OP_CALLBACK},              /* 7.3.13 */
	{"authpk", "get", "/chsm/authpk", NULL, OP_GET},                          /* 7.4.1 */
};

/* Fields the spec types as strings even when they look like numbers ("0" releases a token, an IPv6 mask
 * is a prefix length as text). */
static const char *const string_fields[] = {"token", "tenantId", "mask", "ip", "ip6", "gateway", "addr",
                                            "vsmId", "requestId", "packVersion", "version", NULL};

typedef struct chsm_client {
	char *url, *key_path, *cacert, *tlcp_dir;
	int insecure;
	ccsp_sm2_key *key;
} chsm_client;

ccsp_sm2_key *cli_chsm_key_load(const char *path, int need_private)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	if (cli_read_file(path, "an SM2 key file", CLI_MAX_KEY_FILE, &buf, &len) != 0)
		return NULL;
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	ccsp_err e = key == NULL ? CCSP_ERR_NOMEM : ccsp_sm2_key_decode(key, buf, len, NULL, 0, NULL);
	if (e != CCSP_OK) {
		cli_error_ccsp(e, "%s: cannot load the SM2 key", path);
	} else if (need_private && !ccsp_sm2_key_has_private(key)) {
		cli_error("%s: not a private key", path);
		e = CCSP_ERR_KEY;
	}
	if (e != CCSP_OK) {
		ccsp_sm2_key_free(key);
		key = NULL;
	}
	ccsp_memzero(buf, len);
	free(buf);
	return key;
}

/* ---- signing (spec §3.5, src/common/g88_client.c) ---- */

static ccsp_err sign_with_key(void *ctx, const uint8_t e[32], uint8_t sig[64])
{
	return ccsp_sm2_sign_digest(ctx, e, sig);
}

/* Append CHSM-AuthPK, CHSM-SignatureAlg and CHSM-Signature for the string to sign msg[0..len). */
static int sign_headers(ccsp_sm2_key *key, const char *msg, size_t len, struct curl_slist **h)
{
	ccsp_g88_signer s = {sign_with_key, key, {0}};
	ccsp_err e = ccsp_sm2_key_get_public(key, s.pub);
	if (e == CCSP_OK)
		e = ccsp_g88_sign_headers(&s, msg, len, h);
	if (e != CCSP_OK) {
		cli_error_ccsp(e, "chsm: cannot sign the request");
		return -1;
	}
	return 0;
}

/* ---- HTTP ---- */

/* Send one request (body == NULL: GET) to c->url + path; print the answer; exit status. */
static int http_exchange(const chsm_client *c, const char *path, const char *body, struct curl_slist *h)
{
	const cli_http_target t = {c->cacert, c->insecure, c->tlcp_dir};
	long code = 0;
	size_t ulen = strlen(c->url) + strlen(API_PREFIX) + strlen(path) + 1;
	char *url = malloc(ulen);
	if (url == NULL) {
		cli_error("out of memory");
		return CLI_EXIT_FAIL;
	}
	const char *base_end = c->url + strlen(c->url);
	while (base_end > c->url && base_end[-1] == '/')
		base_end--;
	snprintf(url, ulen, "%.*s%s%s", (int)(base_end - c->url), c->url, API_PREFIX, path);
	int ret = CLI_EXIT_FAIL;
	if (cli_http_send(&t, "chsm", url, body, body != NULL ? strlen(body) : 0, h, &code) == 0) {
		if (code != 200)
			cli_error("chsm: %s: HTTP status %ld", path, code);
		ret = code == 200 ? 0 : CLI_EXIT_FAIL;
	}
	free(url);
	return ret;
}

/* POST body (signed with c->key when sign) to path. */
static int post_json(const chsm_client *c, const char *path, json_t *obj, int sign)
{
	struct curl_slist *h = NULL;
	int ret = CLI_EXIT_FAIL;
	char *body = json_dumps(obj, JSON_COMPACT);
	if (body == NULL) {
		cli_error("out of memory");
		return CLI_EXIT_FAIL;
	}
	if (cli_http_add_header(&h, "Content-Type", "application/json") == 0 &&
	    (!sign || sign_headers(c->key, body, strlen(body), &h) == 0))
		ret = http_exchange(c, path, body, h);
	curl_slist_free_all(h);
	free(body);
	return ret;
}

/* ---- requests ---- */

/* A version 4 UUID in out[37]. */
static int new_request_id(char out[37])
{
	if (ccsp_g88_request_id(out) != CCSP_OK) {
		cli_error("chsm: no random numbers for the requestId");
		return -1;
	}
	return 0;
}

typedef struct call_args {
	char *vsm, *callback, *body;
	char *pack_url, *pack_version, *sign, *alg; /* upgrade (7.2.10, 7.3.11) */
	char *sets[SETS_MAX];
	int nsets;
} call_args;

/* The upgrade options: each sets one member; alg defaults to SM2WithSM3 when sign is given. */
static int set_upgrade(json_t *obj, const call_args *ca)
{
	const struct {
		const char *name, *value;
	} m[] = {{"packUrl", ca->pack_url},
	         {"packVersion", ca->pack_version},
	         {"sign", ca->sign},
	         {"alg", ca->alg != NULL ? ca->alg : ca->sign != NULL ? "SM2WithSM3" : NULL}};
	int bad = 0;
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (m[i].value != NULL)
			bad |= json_object_set_new(obj, m[i].name, json_string(m[i].value)) != 0;
	return bad;
}

/* The request object: --body, then requestId/oprType if absent, then --vsm, --callback and --set. */
static json_t *build_request(const chsm_op *op, const call_args *ca)
{
	char rid[37];
	json_error_t err;
	json_t *obj = ca->body != NULL ? json_loads(ca->body, 0, &err) : json_object();
	if (obj == NULL || !json_is_object(obj)) {
		cli_error("chsm call: --body: not a JSON object%s%s", obj == NULL ? ": " : "", obj == NULL ? err.text : "");
		json_decref(obj);
		return NULL;
	}
	int bad = 0;
	if (json_object_get(obj, "requestId") == NULL)
		bad |= new_request_id(rid) != 0 || json_object_set_new(obj, "requestId", json_string(rid)) != 0;
	if (op->opr_type != NULL && json_object_get(obj, "oprType") == NULL)
		bad |= json_object_set_new(obj, "oprType", json_string(op->opr_type)) != 0;
	if (ca->vsm != NULL)
		bad |= json_object_set_new(obj, "vsmId", json_string(ca->vsm)) != 0;
	if (ca->callback != NULL)
		bad |= json_object_set_new(obj, "callbackUrl", json_string(ca->callback)) != 0;
	bad |= set_upgrade(obj, ca);
	for (int i = 0; i < ca->nsets && !bad; i++)
		bad |= cli_json_set(obj, ca->sets[i], 1, string_fields, "chsm call") != 0;
	if (!bad && (op->flags & OP_VSM) && json_object_get(obj, "vsmId") == NULL) {
		cli_error("chsm call: %s %s needs --vsm ID", op->area, op->name);
		bad = 1;
	}
	if (!bad && (op->flags & OP_CALLBACK) && json_object_get(obj, "callbackUrl") == NULL) {
		cli_error("chsm call: %s %s needs --callback URL", op->area, op->name);
		bad = 1;
	}
	if (bad) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A member of a GET request as query text: strings as they are, integers in decimal. */
static const char *query_value(json_t *v, char num[24])
{
	if (json_is_integer(v)) {
		snprintf(num, 24, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return num;
	}
	return json_string_value(v);
}

/* A query string from the request object's members, in name order (spec §3.5 signs that order too). */
static char *query_of(CURL *curl, json_t *obj)
{
	const char *names[SETS_MAX + 4];
	char num[24];
	size_t n = 0, cap = 2;
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v) {
		if (n == sizeof names / sizeof names[0]) {
			cli_error("chsm call: a GET query takes at most %zu parameters", sizeof names / sizeof names[0]);
			return NULL;
		}
		if (query_value(v, num) == NULL) {
			cli_error("chsm call: %s: a GET query takes text and integer parameters only", k);
			return NULL;
		}
		names[n++] = k;
		cap += strlen(k) + 3 * strlen(query_value(v, num)) + 2;
	}
	qsort(names, n, sizeof names[0], cmp_keys);
	char *q = malloc(cap);
	if (q == NULL) {
		cli_error("out of memory");
		return NULL;
	}
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		char *esc = curl_easy_escape(curl, query_value(json_object_get(obj, names[i]), num), 0);
		if (esc == NULL) {
			cli_error("out of memory");
			free(q);
			return NULL;
		}
		len += (size_t)snprintf(q + len, cap - len, "%c%s=%s", i == 0 ? '?' : '&', names[i], esc);
		curl_free(esc);
	}
	q[len] = '\0';
	return q;
}

static int get_query(const chsm_client *c, const chsm_op *op, json_t *obj)
{
	CURL *curl = curl_easy_init();
	char *q = curl != NULL ? query_of(curl, obj) : NULL;
	size_t plen = q != NULL ? strlen(op->path) + strlen(q) + 1 : 0;
	char *path = q != NULL ? malloc(plen) : NULL;
	int ret = CLI_EXIT_FAIL;
	if (path != NULL) {
		snprintf(path, plen, "%s%s", op->path, q);
		ret = http_exchange(c, path, NULL, NULL);
	} else if (curl == NULL || q != NULL) {
		cli_error("out of memory");
	}
	free(path);
	free(q);
	curl_easy_cleanup(curl);
	return ret;
}

/* ---- commands ---- */

static int client_open(chsm_client *c)
{
	if (c->url == NULL || c->key_path == NULL) {
		cli_error("chsm: --url and --key are required");
		return CLI_EXIT_USAGE;
	}
	const cli_http_target t = {c->cacert, c->insecure, c->tlcp_dir};
	if (cli_http_target_check("chsm", c->url, &t) != 0)
		return CLI_EXIT_USAGE;
	if ((c->key = cli_chsm_key_load(c->key_path, 1)) == NULL)
		return CLI_EXIT_FAIL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		cli_error("chsm: cannot initialise libcurl");
		return CLI_EXIT_FAIL;
	}
	return 0;
}

static void client_close(chsm_client *c)
{
	ccsp_sm2_key_free(c->key);
	curl_global_cleanup();
}

int cli_chsm_configure(int argc, char **argv)
{
	chsm_client c = {0};
	char *add_path = NULL;
	const cli_opt opts[] = {{"--url", &c.url, NULL},
	                        {"--key", &c.key_path, NULL},
	                        {"--cacert", &c.cacert, NULL},
	                        {"--insecure", NULL, &c.insecure},
	                        {"--tlcp-cert", &c.tlcp_dir, NULL},
	                        {"--add", &add_path, NULL}};
	int npos, ret;
	char *pos[1];
	if (cli_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &npos) != 0)
		return CLI_EXIT_USAGE;
	if ((ret = client_open(&c)) != 0) {
		ccsp_sm2_key_free(c.key);
		return ret;
	}
	/* --add: another platform's public key (ccspd's pool/platform-key), signed in by this one */
	ccsp_sm2_key *added = add_path != NULL ? cli_chsm_key_load(add_path, 0) : NULL;
	uint8_t spki[CCSP_SM2_KEY_FILE_MAX];
	char spki64[CCSP_B64_LEN(sizeof spki) + 1], rid[37];
	size_t len;
	ccsp_err e = add_path != NULL && added == NULL
	                     ? CCSP_ERR_KEY
	                     : ccsp_sm2_key_encode(added != NULL ? added : c.key, CCSP_SM2_KEY_SPKI, 0, NULL, 0, spki,
	                                           sizeof spki, &len);
	ccsp_sm2_key_free(added);
	json_t *obj = NULL;
	ret = CLI_EXIT_FAIL;
	if (e != CCSP_OK) {
		cli_error_ccsp(e, "chsm configure: cannot encode the public key");
	} else if (new_request_id(rid) == 0) {
		ccsp_b64_encode(spki, len, spki64);
		/* Signed: chsmd ignores the headers while it has no platform key (guest, spec §3.4) and needs
		 * them once it has one, so the same request works both ways. */
		obj = json_pack("{s:s, s:s, s:[s]}", "requestId", rid, "algorithm", "sm2", "pks", spki64);
		ret = obj != NULL ? post_json(&c, "/chsm/authpk", obj, 1) : CLI_EXIT_FAIL;
	}
	json_decref(obj);
	client_close(&c);
	return ret;
}

static const chsm_op *find_op(const char *area, const char *name)
{
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcmp(ops[i].area, area) == 0 && strcmp(ops[i].name, name) == 0)
			return &ops[i];
	cli_error("chsm call: unknown operation '%s %s' (try 'ccsp chsm help')", area, name);
	return NULL;
}

int cli_chsm_call(int argc, char **argv)
{
	chsm_client c = {0};
	call_args ca = {0};
	if (cli_take_sets(&argc, argv, ca.sets, SETS_MAX, &ca.nsets, "chsm call") != 0)
		return CLI_EXIT_USAGE;
	const cli_opt opts[] = {
		{"--url", &c.url, NULL},      {"--key", &c.key_path, NULL},     {"--cacert", &c.cacert, NULL},
		{"--insecure", NULL, &c.insecure}, {"--vsm", &ca.vsm, NULL}, {"--callback", &ca.callback, NULL},
		{"--body", &ca.body, NULL},   {"--pack-url", &ca.pack_url, NULL}, {"--pack-version", &ca.pack_version, NULL},
		{"--sign", &ca.sign, NULL},   {"--alg", &ca.alg, NULL},     {"--tlcp-cert", &c.tlcp_dir, NULL},
	};
	int npos, ret;
	char *pos[2];
	if (cli_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 2, &npos) != 0)
		return CLI_EXIT_USAGE;
	if (npos != 2) {
		cli_error("chsm call: expected AREA OP (chsm|vsm|authpk and an operation; try 'ccsp chsm help')");
		return CLI_EXIT_USAGE;
	}
	const chsm_op *op = find_op(pos[0], pos[1]);
	if (op == NULL)
		return CLI_EXIT_USAGE;
	json_t *obj = build_request(op, &ca);
	if (obj == NULL)
		return CLI_EXIT_USAGE;
	if ((ret = client_open(&c)) == 0) {
		/* GET interfaces are guest ones (spec §3.4): sent unsigned. */
		ret = (op->flags & OP_GET) ? get_query(&c, op, obj) : post_json(&c, op->path, obj, 1);
		client_close(&c);
	} else {
		ccsp_sm2_key_free(c.key);
	}
	json_decref(obj);
	return ret;
}
