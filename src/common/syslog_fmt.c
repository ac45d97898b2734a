/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 5424 formatter of log events (see syslog_fmt.h): a bounded writer, every field sanitised to its grammar. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/syslog_fmt.h"

#define LINE_MAX_LEN (1u << 20)
#define HOST_MAX 64u
#define APP_MAX 48u    /* RFC 5424 §6.2.5 */
#define PROCID_MAX 16u /* §6.2.6 allows 128; a pid needs 10 */
#define MSGID_MAX 32u  /* §6.2.7 */
#define SD_NAME_MAX 32u
#define SD_VALUE_MAX 256u
#define SD_MAX 1024u
#define SD_ID "ccsp@32473"

/* A bounded output: never more than cap bytes. */
typedef struct wbuf {
	char *p;
	size_t cap, n;
} wbuf;

static int put(wbuf *b, const char *s, size_t n)
{
	if (n > b->cap - b->n)
		return -1;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	return 0;
}

static int put_str(wbuf *b, const char *s)
{
	return put(b, s, strlen(s));
}

int ccsp_syslog_severity(const char *level)
{
	static const struct {
		const char *name;
		int sev;
	} map[] = {{"debug", 7}, {"info", 6}, {"warn", 4}, {"error", 3}};
	for (size_t i = 0; level != NULL && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(level, map[i].name) == 0)
			return map[i].sev;
	return 3;
}

int ccsp_syslog_facility(const char *event)
{
	for (const char *c = event; c != NULL && *c != '\0';) {
		if (strncmp(c, "auth", 4) == 0)
			return CCSP_SYSLOG_FAC_AUTHPRIV;
		c = strchr(c, '.');
		if (c != NULL)
			c++;
	}
	return CCSP_SYSLOG_FAC_LOCAL0;
}

/* A header token (§6: PRINTUSASCII, 1..max bytes): other bytes become '_', an empty one is the NILVALUE. */
static int put_token(wbuf *b, const char *s, size_t max)
{
	size_t n = s != NULL ? strnlen(s, max) : 0;
	if (n == 0)
		return put(b, "-", 1);
	for (size_t i = 0; i < n; i++) {
		char c = s[i] >= 33 && s[i] <= 126 ? s[i] : '_';
		if (put(b, &c, 1) != 0)
			return -1;
	}
	return 0;
}

/* The logger's "ts" when it is an RFC 3339 FULL-DATE "T" FULL-TIME (§6.2.3), else NULL. */
static const char *valid_timestamp(const char *ts)
{
	static const char form[] = "dddd-dd-ddTdd:dd:dd";
	if (ts == NULL || strnlen(ts, 33) > 32 || strnlen(ts, 20) < 20)
		return NULL;
	for (size_t i = 0; i < 19; i++)
		if (form[i] == 'd' ? ts[i] < '0' || ts[i] > '9' : ts[i] != form[i])
			return NULL;
	const char *p = ts + 19;
	if (*p == '.') {
		size_t digits = strspn(p + 1, "0123456789");
		if (digits < 1 || digits > 6)
			return NULL;
		p += 1 + digits;
	}
	if (strcmp(p, "Z") == 0)
		return ts;
	int ok = (p[0] == '+' || p[0] == '-') && strlen(p) == 6 && p[3] == ':' && strspn(p + 1, "0123456789") == 2 &&
	         strspn(p + 4, "0123456789") == 2;
	return ok ? ts : NULL;
}

/* Length of the UTF-8 character starting at p (n bytes left): the lead byte's count, 1 for a stray byte. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t l = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 1;
	return l <= n ? l : n;
}

/* PARAM-VALUE (§6.3.3): '"', '\' and ']' escaped, control characters (which the grammar allows but receivers
 * split lines on) replaced by '?' (MSG keeps them, JSON-escaped), cut at SD_VALUE_MAX output bytes on a
 * character boundary. */
static size_t escape_value(const char *v, size_t vlen, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < vlen;) {
		size_t l = utf8_len((const unsigned char *)v + i, vlen - i);
		int esc = l == 1 && (v[i] == '"' || v[i] == '\\' || v[i] == ']');
		if (o + l + (size_t)esc > SD_VALUE_MAX)
			break;
		if (esc)
			out[o++] = '\\';
		if (l == 1 && ((unsigned char)v[i] < 0x20 || v[i] == 0x7f))
			out[o] = '?';
		else
			memcpy(out + o, v + i, l);
		o += l;
		i += l;
	}
	return o;
}

/* PARAM-NAME (§6.3.3): SD-NAME, printable US-ASCII except '=', ' ', ']', '"', 1..32 bytes. */
static size_t sd_name(const char *k, char out[SD_NAME_MAX])
{
	size_t o = 0;
	for (; *k != '\0' && o < SD_NAME_MAX; k++)
		if (*k > 32 && *k < 127 && *k != '=' && *k != ']' && *k != '"')
			out[o++] = *k;
	return o;
}

/* One SD-PARAM ' name="value"' into b, only whole (b is left unchanged when it does not fit). */
static void put_param(wbuf *b, size_t budget, const char *key, json_t *value)
{
	char name[SD_NAME_MAX], esc[SD_VALUE_MAX], *dumped = NULL;
	size_t nl = sd_name(key, name), start = b->n;
	const char *v = json_string_value(value);
	size_t vlen = json_string_length(value);
	if (nl == 0)
		return;
	if (v == NULL) {
		dumped = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
		v = dumped != NULL ? dumped : "";
		vlen = strlen(v);
	}
	size_t el = escape_value(v, vlen, esc);
	free(dumped);
	if (start + 1 + nl + 2 + el + 1 + 1 > budget) /* ' ' name '="' value '"' and the closing ']' */
		return;
	if (put(b, " ", 1) != 0 || put(b, name, nl) != 0 || put(b, "=\"", 2) != 0 || put(b, esc, el) != 0 ||
	    put(b, "\"", 1) != 0)
		b->n = start;
}

/* STRUCTURED-DATA: "[ccsp@32473 ...]" with the event's fields that fit in budget (absolute offset in b), or "-". */
static int put_sd(wbuf *b, json_t *ev, size_t budget)
{
	size_t start = b->n;
	const char *key;
	json_t *value;
	if (put_str(b, "[" SD_ID) != 0)
		return -1;
	size_t empty = b->n;
	json_object_foreach(ev, key, value) {
		if (strcmp(key, "ts") != 0 && strcmp(key, "level") != 0 && strcmp(key, "event") != 0)
			put_param(b, budget, key, value);
	}
	if (b->n == empty) {
		b->n = start;
		return put(b, "-", 1);
	}
	return put(b, "]", 1);
}

/* The event as MSG: compact JSON, ASCII only (jansson escapes the rest), and DEL, the one control character
 * jansson writes raw, as \u007f too: a printable line. NULL when out of memory. */
static char *msg_json(json_t *ev)
{
	char *msg = json_dumps(ev, JSON_COMPACT | JSON_ENSURE_ASCII);
	size_t n = msg != NULL ? strlen(msg) : 0, dels = 0;
	for (size_t i = 0; i < n; i++)
		dels += msg[i] == 0x7f;
	if (dels == 0)
		return msg;
	char *out = malloc(n + 5 * dels + 1), *o = out; /* n is at most LINE_MAX_LEN-ish: no overflow */
	for (size_t i = 0; out != NULL && i <= n; i++) {
		if (msg[i] == 0x7f) {
			memcpy(o, "\\u007f", 6);
			o += 6;
		} else {
			*o++ = msg[i];
		}
	}
	free(msg);
	return out;
}

/* "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID " */
static int put_header(wbuf *b, const ccsp_syslog_origin *origin, json_t *ev)
{
	const char *level = json_string_value(json_object_get(ev, "level"));
	const char *event = json_string_value(json_object_get(ev, "event"));
	const char *ts = valid_timestamp(json_string_value(json_object_get(ev, "ts")));
	char pri[16];
	snprintf(pri, sizeof pri, "<%d>1 ", ccsp_syslog_facility(event) * 8 + ccsp_syslog_severity(level));
	return put_str(b, pri) != 0 || put_str(b, ts != NULL ? ts : "-") != 0 || put(b, " ", 1) != 0 ||
	               put_token(b, origin->hostname, HOST_MAX) != 0 || put(b, " ", 1) != 0 ||
	               put_token(b, origin->app_name, APP_MAX) != 0 || put(b, " ", 1) != 0 ||
	               put_token(b, origin->procid, PROCID_MAX) != 0 || put(b, " ", 1) != 0 ||
	               put_token(b, event, MSGID_MAX) != 0 || put(b, " ", 1) != 0
	           ? -1
	           : 0;
}

ccsp_err ccsp_syslog_format(const ccsp_syslog_origin *origin, const char *line, size_t line_len, char *out,
                            size_t max_len, size_t *len, int *truncated)
{
	if (origin == NULL || line == NULL || out == NULL || len == NULL || max_len < CCSP_SYSLOG_MIN_LEN)
		return CCSP_ERR_ARG;
	*len = 0;
	out[0] = '\0';
	if (truncated != NULL)
		*truncated = 0;
	if (line_len > LINE_MAX_LEN)
		return CCSP_ERR_DECODE;
	json_t *ev = json_loadb(line, line_len, JSON_REJECT_DUPLICATES, NULL);
	char *msg = NULL;
	ccsp_err ret = CCSP_ERR_DECODE;
	wbuf b = {out, max_len, 0};
	if (!json_is_object(ev))
		goto out;
	ret = CCSP_ERR_NOMEM;
	if ((msg = msg_json(ev)) == NULL)
		goto out;
	ret = CCSP_ERR_INTERNAL; /* the header is bounded well below CCSP_SYSLOG_MIN_LEN */
	if (put_header(&b, origin, ev) != 0)
		goto out;
	size_t room = max_len - b.n, sd_budget = b.n + (room / 2 < SD_MAX ? room / 2 : SD_MAX);
	if (put_sd(&b, ev, sd_budget) != 0 || put(&b, " ", 1) != 0)
		goto out;
	size_t ml = strlen(msg), fit = max_len - b.n; /* MSG is ASCII: any cut is on a character boundary */
	if (ml > fit && truncated != NULL)
		*truncated = 1;
	(void)put(&b, msg, ml < fit ? ml : fit);
	ret = CCSP_OK;
out:
	if (ret != CCSP_OK)
		b.n = 0;
	out[b.n] = '\0';
	*len = b.n;
	free(msg);
	json_decref(ev);
	return ret;
}

size_t ccsp_syslog_octet_prefix(size_t len, char out[24])
{
	int n = snprintf(out, 24, "%zu ", len);
	return n > 0 ? (size_t)n : 0;
}
