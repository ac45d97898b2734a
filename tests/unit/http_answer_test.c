/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bounded HTTP/1.1 answer reader (src/common/http_answer.h): each framing (length, chunked with extensions and
 * trailers, end of stream, none for 204/304), interim 1xx answers, every answer fed one byte at a time giving the
 * same result as whole, and the refusals RFC 9112 asks for or our bounds impose — each on a minimal answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/http_answer.h"
#include "test_util.h"

/* Parse text whole; the error, *a filled when complete. */
static ccsp_err parse(const char *text, int eof, size_t max, ccsp_http_answer *a, int *complete)
{
	return ccsp_http_answer_parse((const uint8_t *)text, strlen(text), eof, max, a, complete);
}

/* text is a complete answer with this status and body, whole and at every prefix not yet complete. */
static void expect_answer(const char *text, int eof, int status, const char *body)
{
	ccsp_http_answer a = {0};
	int complete = 0;
	assert_ok(parse(text, eof, 1 << 20, &a, &complete));
	assert_int_equal(complete, 1);
	assert_int_equal(a.status, status);
	assert_int_equal(a.body_len, strlen(body));
	assert_memory_equal(a.body, body, a.body_len);
	assert_int_equal(a.body[a.body_len], '\0');
	ccsp_http_answer_clear(&a);
	assert_null(a.body);
	/* fed in pieces: nothing complete before the whole is there (for a body up to the end: before eof) */
	for (size_t n = 0; n < strlen(text); n++) {
		complete = 0;
		assert_ok(ccsp_http_answer_parse((const uint8_t *)text, n, 0, 1 << 20, &a, &complete));
		if (complete) { /* the answer was complete before its last bytes: they are not part of it */
			assert_int_equal(a.status, status);
			assert_string_equal(a.body, body);
			ccsp_http_answer_clear(&a);
			return;
		}
	}
}

static void expect_error(const char *text, int eof, size_t max, ccsp_err err)
{
	ccsp_http_answer a = {0};
	int complete = 1;
	assert_ccsp(err, parse(text, eof, max, &a, &complete));
	assert_int_equal(complete, 0);
	assert_null(a.body);
}

static void test_framings(void **state)
{
	(void)state;
	expect_answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0, 200, "hello");
	expect_answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA", 0, 200, "hello");
	expect_answer("HTTP/1.1 200 OK\r\ncontent-length:  5 \r\nContent-Length: 5\r\n\r\nhello", 0, 200, "hello");
	expect_answer("HTTP/1.0 404\r\nContent-Length: 0\r\n\r\n", 0, 404, "");
	expect_answer("HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", 0, 200, "hi"); /* bare LF (RFC 9112 §2.2) */
	expect_answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n"
	              "Trailer-A: 1\r\n\r\n",
	              0, 200, "hello world");
	expect_answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", 0, 200,
	              "0123456789");
	expect_answer("HTTP/1.1 200 OK\r\nServer: x\r\n\r\nto the end", 1, 200, "to the end");
	expect_answer("HTTP/1.1 204 No Content\r\n\r\n", 0, 204, "");
	expect_answer("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 0, 304, "");
	expect_answer("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 201 Created\r\n"
	              "Content-Length: 2\r\n\r\nok",
	              0, 201, "ok");
	/* a body to the end of the stream is never complete before it */
	ccsp_http_answer a = {0};
	int complete = 1;
	assert_ok(parse("HTTP/1.1 200 OK\r\n\r\nsome", 0, 100, &a, &complete));
	assert_int_equal(complete, 0);
}

static void test_refusals(void **state)
{
	(void)state;
	/* status lines */
	expect_error("HTTP/2 200 OK\r\n\r\n", 0, 100, CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 099 x\r\n\r\n", 0, 100, CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 600 x\r\n\r\n", 0, 100, CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 20x OK\r\n\r\n", 0, 100, CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 200OK\r\n\r\n", 0, 100, CCSP_ERR_PROTOCOL);
	expect_error("http/1.1 200 OK\r\n\r\n", 0, 100, CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 101 Switching\r\n\r\n", 0, 100, CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 100 a\r\n\r\nHTTP/1.1 100 a\r\n\r\nHTTP/1.1 100 a\r\n\r\nHTTP/1.1 100 a\r\n\r\n"
	             "HTTP/1.1 100 a\r\n\r\nHTTP/1.1 200 a\r\n\r\n",
	             1, 100, CCSP_ERR_PROTOCOL);
	/* fields */
	expect_error("HTTP/1.1 200 OK\r\nX : y\r\n\r\n", 0, 100, CCSP_ERR_PROTOCOL);          /* blank before ':' */
	expect_error("HTTP/1.1 200 OK\r\nX: y\r\n folded\r\n\r\n", 0, 100, CCSP_ERR_PROTOCOL); /* obs-fold */
	expect_error("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", 0, 100, CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 200 OK\r\nX: a\x01b\r\n\r\n", 0, 100, CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", 0, 100, CCSP_ERR_PROTOCOL);
	/* framing */
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello", 0, 100, CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello", 0, 100, CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 0, 100,
	             CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0, 100, CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, 100,
	             CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 0, 100, CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0,
	             100, CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, 100, CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n", 0, 100,
	             CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n", 0, 100,
	             CCSP_ERR_LIMIT);
	/* bounds */
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n", 0, 100, CCSP_ERR_LIMIT);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", 0, 100, CCSP_ERR_LIMIT);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n", 0, 63, CCSP_ERR_LIMIT);
	expect_error("HTTP/1.1 200 OK\r\n\r\n0123456789", 0, 9, CCSP_ERR_LIMIT);
	/* ended early */
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell", 1, 100, CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", 1, 100, CCSP_ERR_PROTOCOL);
	expect_error("HTTP/1.1 200 OK\r\nX: y\r\n", 1, 100, CCSP_ERR_PROTOCOL);
	expect_error("", 1, 100, CCSP_ERR_PROTOCOL);
	ccsp_http_answer a = {0};
	int complete;
	assert_ccsp(CCSP_ERR_ARG, ccsp_http_answer_parse(NULL, 1, 0, 100, &a, &complete));
	assert_ccsp(CCSP_ERR_ARG, ccsp_http_answer_parse((const uint8_t *)"x", 1, 0, 100, NULL, &complete));
}

static void test_head_bounds(void **state)
{
	(void)state;
	size_t cap = CCSP_HTTP_ANSWER_HEAD_MAX + 4096;
	char *text = malloc(cap);
	assert_non_null(text);
	/* a head that does not end within the bound */
	size_t n = (size_t)snprintf(text, cap, "HTTP/1.1 200 OK\r\n");
	while (n < CCSP_HTTP_ANSWER_HEAD_MAX + 100)
		n += (size_t)snprintf(text + n, cap - n, "X-Pad: %s\r\n", "0123456789012345678901234567890123456789");
	expect_error(text, 0, 100, CCSP_ERR_LIMIT);
	/* more fields than allowed, in a small head */
	n = (size_t)snprintf(text, cap, "HTTP/1.1 200 OK\r\n");
	for (unsigned i = 0; i <= CCSP_HTTP_ANSWER_FIELDS_MAX; i++)
		n += (size_t)snprintf(text + n, cap - n, "A: b\r\n");
	snprintf(text + n, cap - n, "\r\n");
	expect_error(text, 0, 100, CCSP_ERR_LIMIT);
	/* as many as allowed: taken */
	n = (size_t)snprintf(text, cap, "HTTP/1.1 200 OK\r\n");
	for (unsigned i = 0; i + 1 < CCSP_HTTP_ANSWER_FIELDS_MAX; i++)
		n += (size_t)snprintf(text + n, cap - n, "A: b\r\n");
	snprintf(text + n, cap - n, "Content-Length: 0\r\n\r\n");
	expect_answer(text, 0, 200, "");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_framings),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_head_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
