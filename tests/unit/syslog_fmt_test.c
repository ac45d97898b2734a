/* SPDX-License-Identifier: Apache-2.0 */
/* The RFC 5424 formatter (src/common/syslog_fmt.h): every field against the grammar (syslog_check.h), PRI from
 * level and event, SD escaping, the MSG as ASCII JSON, bounds and truncation, refusals. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/syslog_fmt.h"
#include "syslog_check.h"
#include "test_util.h"

static const ccsp_syslog_origin origin = {"host-1", "chsmd", "4242"};

/* Format line with max_len and parse the result; returns the parsed message (static storage). */
static sc_msg *format_parse(const char *line, size_t max_len, int *truncated)
{
	static sc_msg m;
	char *out = malloc(max_len + 1);
	size_t len = 0;
	assert_non_null(out);
	assert_ok(ccsp_syslog_format(&origin, line, strlen(line), out, max_len, &len, truncated));
	assert_true(len <= max_len);
	assert_int_equal(strlen(out), len);
	if (sc_parse(out, len, &m) != 0)
		fail_msg("not RFC 5424: %s", out);
	free(out);
	return &m;
}

static void test_header(void **state)
{
	(void)state;
	const char *line = "{\"ts\":\"2024-05-01T02:00:00.123Z\",\"level\":\"info\",\"event\":\"chsm.vsm.started\","
	                   "\"vsmId\":\"bf356592d2a0\"}";
	int trunc = -1;
	sc_msg *m = format_parse(line, CCSP_SYSLOG_UDP_LEN, &trunc);
	assert_int_equal(trunc, 0);
	assert_int_equal(m->pri, CCSP_SYSLOG_FAC_LOCAL0 * 8 + 6); /* local0.info */
	assert_string_equal(m->ts, "2024-05-01T02:00:00.123Z");
	assert_string_equal(m->host, "host-1");
	assert_string_equal(m->app, "chsmd");
	assert_string_equal(m->procid, "4242");
	assert_string_equal(m->msgid, "chsm.vsm.started");
	assert_string_equal(m->sd_id, "ccsp@32473");
	assert_int_equal(m->n_params, 1);
	assert_string_equal(sc_param(m, "vsmId"), "bf356592d2a0");
	/* MSG is the event itself: the same JSON object */
	json_t *a = json_loads(line, 0, NULL), *b = json_loads(m->msg, 0, NULL);
	assert_non_null(b);
	assert_true(json_equal(a, b));
	json_decref(a);
	json_decref(b);
}

static void test_severity_facility(void **state)
{
	(void)state;
	assert_int_equal(ccsp_syslog_severity("debug"), 7);
	assert_int_equal(ccsp_syslog_severity("info"), 6);
	assert_int_equal(ccsp_syslog_severity("warn"), 4);
	assert_int_equal(ccsp_syslog_severity("error"), 3);
	assert_int_equal(ccsp_syslog_severity("bogus"), 3);
	assert_int_equal(ccsp_syslog_severity(NULL), 3);
	assert_int_equal(ccsp_syslog_facility("chsm.auth.refused"), CCSP_SYSLOG_FAC_AUTHPRIV);
	assert_int_equal(ccsp_syslog_facility("chsm.authpk.added"), CCSP_SYSLOG_FAC_AUTHPRIV);
	assert_int_equal(ccsp_syslog_facility("auth.login"), CCSP_SYSLOG_FAC_AUTHPRIV);
	assert_int_equal(ccsp_syslog_facility("http.request"), CCSP_SYSLOG_FAC_LOCAL0);
	assert_int_equal(ccsp_syslog_facility("chsm.vsm.oauth"), CCSP_SYSLOG_FAC_LOCAL0); /* not a component start */
	assert_int_equal(ccsp_syslog_facility(""), CCSP_SYSLOG_FAC_LOCAL0);
	assert_int_equal(ccsp_syslog_facility(NULL), CCSP_SYSLOG_FAC_LOCAL0);
	sc_msg *m = format_parse("{\"ts\":\"2024-05-01T02:00:00.123Z\",\"level\":\"warn\",\"event\":\"chsm.auth.refused\"}",
	                         CCSP_SYSLOG_UDP_LEN, NULL);
	assert_int_equal(m->pri, CCSP_SYSLOG_FAC_AUTHPRIV * 8 + 4); /* authpriv.warning */
	assert_string_equal(m->sd_id, "");                          /* no fields: the NILVALUE */
}

static void test_sd_escaping(void **state)
{
	(void)state;
	const char *line = "{\"ts\":\"2024-05-01T02:00:00Z\",\"level\":\"error\",\"event\":\"x\","
	                   "\"q\":\"a\\\"b\\\\c]d\",\"bad name=1\":\"v\",\"n\":5,\"b\":true,\"o\":{\"k\":[1,2]},"
	                   "\"zh\":\"\xe4\xb8\xad\xe6\x96\x87\",\"nl\":\"a\\nb\\u0001c\\u007f\"}";
	sc_msg *m = format_parse(line, CCSP_SYSLOG_UDP_LEN, NULL);
	assert_string_equal(m->ts, "2024-05-01T02:00:00Z");
	assert_string_equal(sc_param(m, "q"), "a\"b\\c]d");
	assert_string_equal(sc_param(m, "badname1"), "v"); /* SP and '=' cannot be in an SD-NAME */
	assert_string_equal(sc_param(m, "n"), "5");
	assert_string_equal(sc_param(m, "b"), "true");
	assert_string_equal(sc_param(m, "o"), "{\"k\":[1,2]}");
	assert_string_equal(sc_param(m, "zh"), "\xe4\xb8\xad\xe6\x96\x87"); /* SD values are UTF-8 */
	assert_string_equal(sc_param(m, "nl"), "a?b?c?");                     /* one line */
	assert_non_null(strstr(m->msg, "a\\nb\\u0001c"));                       /* MSG has them all */
	for (const char *c = m->msg; *c != '\0'; c++)
		assert_true((unsigned char)*c >= 32 && (unsigned char)*c < 127); /* MSG is plain ASCII: no BOM needed */
	assert_non_null(strcasestr(m->msg, "\\u4e2d\\u6587")); /* jansson writes upper-case hex */
}

static void test_header_sanitising(void **state)
{
	(void)state;
	const ccsp_syslog_origin odd = {"a host\twith spaces", "", NULL};
	const char *line = "{\"ts\":\"yesterday\",\"level\":\"info\",\"event\":\"an event name that is far longer than "
	                   "thirty-two bytes\"}";
	char out[CCSP_SYSLOG_UDP_LEN + 1];
	size_t len;
	sc_msg m;
	assert_ok(ccsp_syslog_format(&odd, line, strlen(line), out, CCSP_SYSLOG_UDP_LEN, &len, NULL));
	assert_int_equal(sc_parse(out, len, &m), 0);
	assert_string_equal(m.ts, "-"); /* not RFC 3339: the NILVALUE */
	assert_string_equal(m.host, "a_host_with_spaces");
	assert_string_equal(m.app, "-");
	assert_string_equal(m.procid, "-");
	assert_int_equal(strlen(m.msgid), 32);
	assert_memory_equal(m.msgid, "an_event_name_that_is_far_longer", 32);
	/* no ts at all, odd offsets */
	const char *forms[][2] = {{"2024-05-01T02:00:00.123456+08:00", "2024-05-01T02:00:00.123456+08:00"},
	                          {"2024-05-01T02:00:00.1234567Z", "-"}, {"2024-05-01 02:00:00Z", "-"},
	                          {"2024-05-01T02:00:00+0800", "-"}};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		char l[256];
		snprintf(l, sizeof l, "{\"ts\":\"%s\",\"level\":\"info\",\"event\":\"e\"}", forms[i][0]);
		assert_ok(ccsp_syslog_format(&origin, l, strlen(l), out, CCSP_SYSLOG_UDP_LEN, &len, NULL));
		assert_int_equal(sc_parse(out, len, &m), 0);
		assert_string_equal(m.ts, forms[i][1]);
	}
}

/* A long event cut to the bound: still well-formed, the SD holds what fits whole, MSG is cut. */
static void test_truncation(void **state)
{
	(void)state;
	char big[9000]; /* longer than the largest bound: MSG is always cut */
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ts", "2024-05-01T02:00:00.123Z", "level", "info", "event",
	                       "http.request", "requestId", "r-1", "big", big, "after", "yes");
	char *line = json_dumps(ev, JSON_COMPACT);
	for (size_t max = CCSP_SYSLOG_MIN_LEN; max <= CCSP_SYSLOG_TCP_LEN; max *= 2) {
		int trunc = 0;
		sc_msg *m = format_parse(line, max, &trunc);
		assert_int_equal(trunc, 1);
		assert_string_equal(sc_param(m, "requestId"), "r-1");
		/* the 256-byte value cut of "big" fits whole or not at all */
		const char *b = sc_param(m, "big");
		assert_true(b == NULL || strlen(b) == 256);
		assert_true(strncmp(m->msg, "{\"ts\":", 6) == 0);
	}
	/* a value cut inside a multi-byte character is cut before it */
	char zh[3 * 100 + 1] = "";
	for (int i = 0; i < 100; i++)
		strcat(zh, "\xe4\xb8\xad");
	json_object_set_new(ev, "zh", json_string(zh));
	json_object_del(ev, "big");
	free(line);
	line = json_dumps(ev, JSON_COMPACT);
	sc_msg *m = format_parse(line, CCSP_SYSLOG_UDP_LEN, NULL);
	const char *v = sc_param(m, "zh");
	assert_non_null(v);
	assert_int_equal(strlen(v), 255); /* 85 whole characters: 256 would split the 86th */
	free(line);
	json_decref(ev);
}

/* Random field names and values (log.c keeps them valid UTF-8): always within the bound and well-formed. */
static void test_random_events(void **state)
{
	(void)state;
	static const char alphabet[] = "ab ]\"\\=\xc3\xa9\xe4\xb8\xad{}[]:,.-_~\t";
	test_rand_seed(5424);
	for (int iter = 0; iter < 300; iter++) {
		json_t *ev = json_pack("{s:s, s:s, s:s}", "ts", "2024-05-01T02:00:00.123Z", "level", "info", "event", "e.f");
		size_t fields = test_rand_below(12);
		for (size_t f = 0; f < fields; f++) {
			char k[24], v[700];
			size_t kl = 1 + test_rand_below(sizeof k - 2), vl = test_rand_below(sizeof v - 4), o = 0;
			for (size_t i = 0; i < kl; i++)
				k[i] = "abcdefgh=] \""[test_rand_below(12)];
			k[kl] = '\0';
			while (o < vl) {
				size_t c = test_rand_below(sizeof alphabet - 1);
				/* copy whole UTF-8 characters only */
				size_t l = (unsigned char)alphabet[c] >= 0xe0 ? 3 : (unsigned char)alphabet[c] >= 0xc0 ? 2 : 1;
				if ((unsigned char)alphabet[c] >= 0x80 && (unsigned char)alphabet[c] < 0xc0)
					continue;
				memcpy(v + o, alphabet + c, l);
				o += l;
			}
			v[o] = '\0';
			json_object_set_new(ev, k, json_string(v));
		}
		char *line = json_dumps(ev, JSON_COMPACT);
		size_t max = CCSP_SYSLOG_MIN_LEN + test_rand_below(3000);
		(void)format_parse(line, max, NULL);
		free(line);
		json_decref(ev);
	}
}

static void test_refusals(void **state)
{
	(void)state;
	char out[CCSP_SYSLOG_UDP_LEN + 1];
	size_t len = 99;
	const char *ok = "{\"event\":\"e\"}";
	assert_ccsp(CCSP_ERR_ARG, ccsp_syslog_format(NULL, ok, strlen(ok), out, sizeof out - 1, &len, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_syslog_format(&origin, NULL, 0, out, sizeof out - 1, &len, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_syslog_format(&origin, ok, strlen(ok), out, CCSP_SYSLOG_MIN_LEN - 1, &len, NULL));
	const char *bad[] = {"", "[1,2]", "\"s\"", "{\"a\":", "{\"a\":1,\"a\":2}", "not json"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		len = 99;
		assert_ccsp(CCSP_ERR_DECODE, ccsp_syslog_format(&origin, bad[i], strlen(bad[i]), out, sizeof out - 1, &len, NULL));
		assert_int_equal(len, 0);
		assert_int_equal(out[0], '\0');
	}
	/* the length given is the bound: bytes after it are not read */
	assert_ccsp(CCSP_ERR_DECODE, ccsp_syslog_format(&origin, ok, strlen(ok) - 1, out, sizeof out - 1, &len, NULL));
}

static void test_octet_prefix(void **state)
{
	(void)state;
	char p[24];
	assert_int_equal(ccsp_syslog_octet_prefix(0, p), 2);
	assert_string_equal(p, "0 ");
	assert_int_equal(ccsp_syslog_octet_prefix(8192, p), 5);
	assert_string_equal(p, "8192 ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),         cmocka_unit_test(test_severity_facility),
		cmocka_unit_test(test_sd_escaping),    cmocka_unit_test(test_header_sanitising),
		cmocka_unit_test(test_truncation),     cmocka_unit_test(test_random_events),
		cmocka_unit_test(test_refusals),       cmocka_unit_test(test_octet_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
