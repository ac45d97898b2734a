/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP layer's pure parsers (no libevent, no I/O): the JSON content type, the nesting pre-scan, the body
 * checks, and the query string. Every input here is untrusted and is read through explicit lengths.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "common/http_server.h"

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 token characters. */
static int is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *skip_blanks(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

/* One ";" name "=" value parameter at p (after the ';'); returns the position after it, or NULL. */
static const char *parameter(const char *p)
{
	p = skip_blanks(p);
	const char *s = p;
	while (is_tchar(*p))
		p++;
	if (p == s || *p++ != '=')
		return NULL;
	if (*p == '"') { /* quoted-string: qdtext and quoted pairs, no control characters */
		for (p++; *p != '"'; p++) {
			if (*p == '\\')
				p++;
			if (*p == '\0' || ((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
				return NULL;
		}
		return skip_blanks(p + 1);
	}
	s = p;
	while (is_tchar(*p))
		p++;
	return p == s ? NULL : skip_blanks(p);
}

int ccsp_http_content_type_is_json(const char *ct)
{
	static const char want[] = "application/json";
	if (ct == NULL)
		return 0;
	const char *p = skip_blanks(ct);
	if (strncasecmp(p, want, sizeof want - 1) != 0)
		return 0;
	p = skip_blanks(p + sizeof want - 1);
	while (*p == ';') {
		p = parameter(p + 1);
		if (p == NULL)
			return 0;
	}
	return *p == '\0';
}

int ccsp_http_json_depth_ok(const uint8_t *body, size_t len, unsigned max_depth)
{
	unsigned depth = 0;
	int in_string = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = body[i];
		if (in_string) {
			if (c == '\\')
				i++; /* the escaped character cannot end the string */
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return 0;
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return 1;
}

int ccsp_http_body_check(const char *content_type, const uint8_t *body, size_t len, unsigned max_depth,
                         json_t **out, const char **message)
{
	json_error_t jerr;
	*out = NULL;
	if (!ccsp_http_content_type_is_json(content_type)) {
		*message = "unsupported content type: expected application/json";
		return 415;
	}
	if (len == 0) {
		*message = "empty body: expected a JSON object";
		return 400;
	}
	if (!ccsp_http_json_depth_ok(body, len, max_depth)) {
		*message = "JSON nested too deeply";
		return 400;
	}
	/* duplicate names are refused: two parsers that keep different copies could disagree about a signed body */
	json_t *j = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		*message = "malformed JSON";
		return 400;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		*message = "body is not a JSON object";
		return 400;
	}
	*out = j;
	return 0;
}

/* ---- query strings ---- */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode n bytes of a name or value into a new string; NULL with *err set on a bad escape or decoded NUL. */
static char *form_decode(const char *s, size_t n, ccsp_err *err)
{
	char *out = malloc(n + 1);
	size_t o = 0;
	if (out == NULL) {
		*err = CCSP_ERR_NOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= n)
				goto bad;
			int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == 0)
			goto bad;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
bad:
	free(out);
	*err = CCSP_ERR_DECODE;
	return NULL;
}

static int param_cmp(const void *a, const void *b)
{
	return strcmp(((const ccsp_http_param *)a)->name, ((const ccsp_http_param *)b)->name);
}

void ccsp_http_params_free(ccsp_http_param *params, size_t count)
{
	for (size_t i = 0; params != NULL && i < count; i++) {
		free(params[i].name);
		if (params[i].value != NULL) /* header values carry tokens and signatures */
			ccsp_memzero(params[i].value, strlen(params[i].value));
		free(params[i].value);
	}
	free(params);
}

/* Decode the pair s[0..n) into p. */
static ccsp_err parse_pair(const char *s, size_t n, ccsp_http_param *p)
{
	ccsp_err err = CCSP_OK;
	const char *eq = memchr(s, '=', n);
	size_t nl = eq != NULL ? (size_t)(eq - s) : n;
	if (nl == 0)
		return CCSP_ERR_DECODE;
	p->name = form_decode(s, nl, &err);
	if (p->name == NULL)
		return err;
	p->value = eq != NULL ? form_decode(eq + 1, n - nl - 1, &err) : strdup("");
	if (p->value == NULL)
		return eq != NULL ? err : CCSP_ERR_NOMEM;
	return CCSP_OK;
}

ccsp_err ccsp_http_query_parse(const char *query, size_t len, ccsp_http_param **out, size_t *count)
{
	ccsp_err err = CCSP_ERR_ARG;
	ccsp_http_param *params = NULL;
	size_t n = 0;
	if (out == NULL || count == NULL)
		return CCSP_ERR_ARG;
	*out = NULL;
	*count = 0;
	if (query == NULL && len != 0)
		return CCSP_ERR_ARG;
	if (len > CCSP_HTTP_MAX_QUERY)
		return CCSP_ERR_LIMIT;
	if (len == 0)
		return CCSP_OK;
	err = CCSP_ERR_NOMEM;
	params = calloc(CCSP_HTTP_MAX_QUERY_PARAMS, sizeof *params);
	if (params == NULL)
		goto out;
	for (size_t pos = 0; pos < len;) {
		const char *amp = memchr(query + pos, '&', len - pos);
		size_t end = amp != NULL ? (size_t)(amp - query) : len;
		if (end > pos) {
			err = CCSP_ERR_LIMIT;
			if (n == CCSP_HTTP_MAX_QUERY_PARAMS)
				goto out;
			err = parse_pair(query + pos, end - pos, &params[n++]);
			if (err != CCSP_OK)
				goto out;
		}
		pos = end + 1;
	}
	qsort(params, n, sizeof *params, param_cmp);
	err = CCSP_ERR_DECODE;
	for (size_t i = 1; i < n; i++)
		if (strcmp(params[i - 1].name, params[i].name) == 0)
			goto out; /* a repeated name: which one is signed would be ambiguous */
	err = CCSP_OK;
	if (n > 0) {
		*out = params;
		*count = n;
		params = NULL;
	}
out:
	ccsp_http_params_free(params, CCSP_HTTP_MAX_QUERY_PARAMS); /* unused slots are NULL */
	return err;
}
