/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the HTTP layer's request checks (src/common/http_parse.c): the JSON content type, the nesting pre-scan,
 * the body check, and the query-string parser.
 *
 * Input: one control byte, then (when its top bit is set) a content type up to the first '\n', then the body.
 * The control byte's low 5 bits + 1 give the depth limit; bits 5-6 choose a fixed content type when none is
 * in the input. The verdict is checked against a reference made of plain jansson (no depth limit but its own)
 * and a depth computed on the parsed value; whatever is accepted is re-serialised and re-parsed. The same
 * bytes are also parsed as a query string and the result checked: sorted, unique, and identical after
 * re-encoding.
 */
#include <stdlib.h>
#include <string.h>

#include "common/http_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fixed_types[] = {"application/json", "application/json; charset=utf-8",
                                          "Application/JSON;charset=\"gbk\"", "text/plain"};

static unsigned json_depth(const json_t *j)
{
	unsigned d = 0, sub;
	size_t i;
	const char *key;
	json_t *v;
	if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			sub = json_depth(v);
			d = sub > d ? sub : d;
		}
		return d + 1;
	}
	if (json_is_object(j)) {
		json_object_foreach((json_t *)j, key, v) {
			sub = json_depth(v);
			d = sub > d ? sub : d;
		}
		return d + 1;
	}
	return 0;
}

/* What a correct check must answer, from plain jansson. */
static int reference_verdict(const char *ct, const uint8_t *body, size_t len, unsigned max_depth)
{
	if (!ccsp_http_content_type_is_json(ct))
		return 415;
	json_error_t err;
	json_t *j = len > 0 ? json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &err) : NULL;
	int ok = j != NULL && json_is_object(j) && json_depth(j) <= max_depth;
	json_decref(j);
	return ok ? 0 : 400;
}

/* A few properties of the content-type check that hold whatever the parameters are. */
static void check_content_type(const char *ct)
{
	if (!ccsp_http_content_type_is_json(ct))
		return;
	const char *p = ct + strspn(ct, " \t");
	if (strncasecmp(p, "application/json", 16) != 0)
		abort();
	p += 16;
	p += strspn(p, " \t");
	if (*p != '\0' && *p != ';')
		abort();
}

static void check_body(const char *ct, const uint8_t *body, size_t len, unsigned max_depth)
{
	json_t *j = NULL;
	const char *msg = NULL;
	int status = ccsp_http_body_check(ct, body, len, max_depth, &j, &msg);
	if (status != reference_verdict(ct, body, len, max_depth))
		abort();
	if (status != 0) {
		if (j != NULL || msg == NULL || (status != 400 && status != 415))
			abort();
		return;
	}
	if (j == NULL || !json_is_object(j) || json_depth(j) > max_depth)
		abort();
	char *again = json_dumps(j, JSON_COMPACT);
	json_t *k = NULL;
	if (again == NULL || ccsp_http_body_check("application/json", (const uint8_t *)again, strlen(again), max_depth,
	                                          &k, &msg) != 0 ||
	    !json_equal(j, k))
		abort();
	free(again);
	json_decref(k);
	json_decref(j);
}

/* Percent-encode every byte, so that the re-encoded query must parse to the same parameters. */
static size_t encode(const char *s, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (; *s != '\0'; s++) {
		out[o++] = '%';
		out[o++] = hex[(unsigned char)*s >> 4];
		out[o++] = hex[(unsigned char)*s & 15];
	}
	return o;
}

static void check_query(const uint8_t *data, size_t size)
{
	ccsp_http_param *p = NULL, *p2 = NULL;
	size_t n = 0, n2 = 0;
	ccsp_err err = ccsp_http_query_parse((const char *)data, size, &p, &n);
	if (err != CCSP_OK) {
		if (p != NULL || n != 0 || (err != CCSP_ERR_DECODE && err != CCSP_ERR_LIMIT))
			abort();
		return;
	}
	if (n > CCSP_HTTP_MAX_QUERY_PARAMS || (n == 0) != (p == NULL))
		abort();
	size_t cap = 1 + 3 * (size_t)CCSP_HTTP_MAX_QUERY * 3, o = 0;
	char *q = malloc(cap);
	if (q == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (p[i].name[0] == '\0' || (i > 0 && strcmp(p[i - 1].name, p[i].name) >= 0))
			abort();
		if (i > 0)
			q[o++] = '&';
		o += encode(p[i].name, q + o);
		q[o++] = '=';
		o += encode(p[i].value, q + o);
	}
	/* the encoded form may exceed the raw limit: only compare when it does not */
	if (o <= CCSP_HTTP_MAX_QUERY) {
		if (ccsp_http_query_parse(q, o, &p2, &n2) != CCSP_OK || n2 != n)
			abort();
		for (size_t i = 0; i < n; i++)
			if (strcmp(p[i].name, p2[i].name) != 0 || strcmp(p[i].value, p2[i].value) != 0)
				abort();
	}
	free(q);
	ccsp_http_params_free(p, n);
	ccsp_http_params_free(p2, n2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t ctrl = data[0];
	unsigned max_depth = (ctrl & 0x1f) + 1u;
	const uint8_t *body = data + 1;
	size_t len = size - 1;
	char ct[256];
	const char *ctype = fixed_types[(ctrl >> 5) & 3];
	if (ctrl & 0x80) {
		const uint8_t *nl = memchr(body, '\n', len);
		size_t cl = nl != NULL ? (size_t)(nl - body) : len;
		if (cl >= sizeof ct)
			cl = sizeof ct - 1;
		memcpy(ct, body, cl);
		ct[cl] = '\0';
		ctype = ct; /* a NUL inside the type just ends it early, as in a C string */
		cl = nl != NULL ? (size_t)(nl - body) + 1 : len;
		body += cl;
		len -= cl;
	}
	check_content_type(ctype);
	check_body(ctype, body, len, max_depth);
	check_query(data + 1, size - 1);
	return 0;
}
