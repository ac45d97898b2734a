/* SPDX-License-Identifier: Apache-2.0 */
/* The CLI's shared HTTPS/JSON client pieces (cli_http.h): moved here from cli_chsm_call.c for ccsp api call. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_http.h"
#include "common/tlcp_http.h"

#define ANSWER_MAX ((size_t)16 << 20) /* the largest answer read; the daemons' are a few KiB */
#define HTTP_TIMEOUT_S 60L

typedef struct answer {
	char *buf;
	size_t len, cap;
	int too_big;
} answer;

int cli_http_add_header(struct curl_slist **h, const char *name, const char *value)
{
	char line[4096];
	int n = snprintf(line, sizeof line, "%s: %s", name, value);
	if (n < 0 || (size_t)n >= sizeof line) {
		cli_error("%s: header too long", name);
		return -1;
	}
	struct curl_slist *s = curl_slist_append(*h, line);
	if (s == NULL) {
		cli_error("out of memory");
		return -1;
	}
	*h = s;
	return 0;
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	answer *a = arg;
	size_t len = size * n;
	if (len > ANSWER_MAX - a->len) {
		a->too_big = 1;
		return 0;
	}
	if (a->len + len + 1 > a->cap) {
		size_t cap = (a->len + len + 1) * 2;
		char *b = realloc(a->buf, cap);
		if (b == NULL)
			return 0;
		a->buf = b;
		a->cap = cap;
	}
	memcpy(a->buf + a->len, p, len);
	a->len += len;
	a->buf[a->len] = '\0';
	return len;
}

int cli_http_send(const cli_http_target *t, const char *who, const char *url, const char *body, size_t len,
                  struct curl_slist *h, long *status)
{
	return cli_http_exchange(t, who, url, body, len, h, status, NULL);
}

/* The answer to the caller (out != NULL: it takes the buffer) or to stdout. 0, or -1 (printed). */
static int deliver(answer *a, char **out)
{
	if (out != NULL) { /* the caller's, NUL-terminated */
		*out = a->buf != NULL ? a->buf : calloc(1, 1);
		a->buf = NULL;
		return *out != NULL ? 0 : -1;
	}
	if ((a->len > 0 && fwrite(a->buf, 1, a->len, stdout) != a->len) ||
	    ((a->len == 0 || a->buf[a->len - 1] != '\n') && putchar('\n') == EOF) || fflush(stdout) != 0) {
		cli_error("cannot write to standard output");
		return -1;
	}
	return 0;
}

int cli_http_target_check(const char *who, const char *url, const cli_http_target *t)
{
	int tlcp = ccsp_tlcp_http_is_url(url);
	if (url == NULL || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0 && !tlcp)) {
		cli_error("%s: --url must be https://HOST[:PORT] or tlcp://HOST:PORT", who);
		return -1;
	}
	if (t->insecure && t->cacert != NULL) {
		cli_error("%s: --cacert and --insecure exclude each other", who);
		return -1;
	}
	if (tlcp && (t->insecure || t->cacert == NULL)) {
		cli_error("%s: a tlcp:// URL needs --cacert with the server's SM2 CA certificate (no --insecure)", who);
		return -1;
	}
	if (t->tlcp_dir != NULL && !tlcp) {
		cli_error("%s: --tlcp-cert is for tlcp:// URLs", who);
		return -1;
	}
	return 0;
}

/* The exchange over TLCP (common/tlcp_http.h) for a tlcp:// URL: the answer into *a. */
static int exchange_tlcp(const cli_http_target *t, const char *who, const char *url, const char *body, size_t len,
                         struct curl_slist *h, long *status, answer *a)
{
	char f[4][PATH_MAX];
	static const char *const names[4] = {"tlcp-sign.pem", "tlcp-sign.key", "tlcp-enc.pem", "tlcp-enc.key"};
	for (int i = 0; t->tlcp_dir != NULL && i < 4; i++)
		snprintf(f[i], sizeof f[i], "%s/%s", t->tlcp_dir, names[i]);
	const ccsp_tlcp_http_identity own = {f[0], f[1], f[2], f[3]};
	const ccsp_tlcp_http_target tt = {.ca_file = t->cacert,
	                                  .own = t->tlcp_dir != NULL ? &own : NULL,
	                                  .timeout_s = HTTP_TIMEOUT_S,
	                                  .answer_max = ANSWER_MAX};
	ccsp_http_answer r = {0};
	char why[256];
	if (cli_http_target_check(who, url, t) != 0)
		return -1;
	if (ccsp_tlcp_http_exchange(&tt, url, body, len, h, &r, why, sizeof why) != CCSP_OK) {
		cli_error("%s: %s: %s", who, url, why);
		return -1;
	}
	*status = r.status;
	a->buf = r.body; /* ownership moves to a */
	a->len = r.body_len;
	return 0;
}

/* The exchange with libcurl (https://, http://): the answer into *a. */
static int exchange_curl(const cli_http_target *t, const char *who, const char *url, const char *body, size_t len,
                         struct curl_slist *h, long *status, answer *a)
{
	int ret = -1;
	CURL *curl = curl_easy_init();
	if (curl == NULL) {
		cli_error("out of memory");
		return -1;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, HTTP_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	if (t->cacert != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, t->cacert);
	if (t->insecure) {
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (body != NULL) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	CURLcode cc = curl_easy_perform(curl);
	if (cc != CURLE_OK)
		cli_error("%s: %s: %s", who, url, a->too_big ? "answer over 16 MiB" : curl_easy_strerror(cc));
	else
		ret = (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status), 0);
	curl_easy_cleanup(curl);
	return ret;
}

int cli_http_exchange(const cli_http_target *t, const char *who, const char *url, const char *body, size_t len,
                      struct curl_slist *h, long *status, char **out)
{
	answer a = {0};
	int ret = ccsp_tlcp_http_is_url(url) ? exchange_tlcp(t, who, url, body, len, h, status, &a)
	                                     : exchange_curl(t, who, url, body, len, h, status, &a);
	if (ret == 0)
		ret = deliver(&a, out);
	free(a.buf);
	return ret;
}

int cli_take_sets(int *argc, char **argv, char **sets, int max, int *nsets, const char *who)
{
	int j = 1;
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < *argc)
				argv[j++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--set") != 0) {
			argv[j++] = argv[i];
			continue;
		}
		if (i + 1 == *argc || *nsets == max) {
			cli_error("%s: --set needs name=value (at most %d)", who, max);
			return -1;
		}
		sets[(*nsets)++] = argv[++i];
	}
	*argc = j;
	return 0;
}

static int looks_integer(const char *s)
{
	const char *p = s + (*s == '-');
	if (*p == '\0' || strlen(p) > 15 || (p[0] == '0' && p[1] != '\0'))
		return 0;
	for (; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

static int in_list(const char *const *list, const char *name)
{
	for (const char *const *f = list; f != NULL && *f != NULL; f++)
		if (strcmp(*f, name) == 0)
			return 1;
	return 0;
}

int cli_json_set(json_t *obj, const char *set, int integers, const char *const *string_fields, const char *who)
{
	const char *eq = strchr(set, '=');
	if (eq == NULL || eq == set || (eq == set + 1 && set[0] == ':')) {
		cli_error("%s: --set %s: expected name=value or name:=JSON", who, set);
		return -1;
	}
	int raw = eq[-1] == ':';
	char name[128];
	size_t nlen = (size_t)(eq - set) - (size_t)raw;
	if (nlen >= sizeof name) {
		cli_error("%s: --set: name too long", who);
		return -1;
	}
	memcpy(name, set, nlen);
	name[nlen] = '\0';
	const char *v = eq + 1;
	json_t *val;
	if (raw) {
		json_error_t err;
		val = json_loads(v, JSON_DECODE_ANY, &err);
		if (val == NULL) {
			cli_error("%s: --set %s: not JSON: %s", who, name, err.text);
			return -1;
		}
	} else if (integers && looks_integer(v) && !in_list(string_fields, name)) {
		val = json_integer(strtoll(v, NULL, 10));
	} else {
		val = json_string(v);
	}
	if (val == NULL || json_object_set_new(obj, name, val) != 0) {
		cli_error("%s: --set %s: not a valid value (UTF-8 text expected)", who, name);
		return -1;
	}
	return 0;
}
