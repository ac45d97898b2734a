/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A strict reader of RFC 5424 messages for the tests (syslog_fmt_test, logfwd_test): written from the ABNF of
 * RFC 5424 §6 independently of src/common/syslog_fmt.c, so that a message the formatter writes is checked
 * against the grammar, not against itself. Header only; static functions.
 */
#ifndef CCSP_TEST_SYSLOG_CHECK_H
#define CCSP_TEST_SYSLOG_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SC_MAX_PARAMS 32

typedef struct sc_msg {
	int pri, version;
	char ts[64], host[256], app[64], procid[160], msgid[40];
	char sd_id[40]; /* "" when the SD is the NILVALUE */
	int n_params;
	char names[SC_MAX_PARAMS][40];
	char values[SC_MAX_PARAMS][600]; /* unescaped */
	char msg[65536];                 /* MSG, NUL-terminated ("" when absent) */
} sc_msg;

/* A header field: 1..max printable US-ASCII bytes up to the next SP. */
static inline int sc_token(const char **p, const char *end, char *out, size_t max)
{
	size_t n = 0;
	while (*p < end && **p != ' ') {
		unsigned char c = (unsigned char)**p;
		if (c < 33 || c > 126 || n >= max)
			return -1;
		out[n++] = (char)c;
		(*p)++;
	}
	out[n] = '\0';
	if (n == 0 || *p >= end)
		return -1;
	(*p)++; /* the SP */
	return 0;
}

/* SD-NAME: 1..32 of PRINTUSASCII except '=', SP, ']', '"'. */
static inline int sc_sd_name(const char **p, const char *end, char *out)
{
	size_t n = 0;
	while (*p < end && **p != '=' && **p != ' ' && **p != ']') {
		unsigned char c = (unsigned char)**p;
		if (c < 33 || c > 126 || c == '"' || n >= 32)
			return -1;
		out[n++] = (char)c;
		(*p)++;
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* PARAM-VALUE between quotes: '"', '\' and ']' must be escaped (§6.3.3). */
static inline int sc_value(const char **p, const char *end, char *out, size_t cap)
{
	size_t n = 0;
	if (*p >= end || **p != '"')
		return -1;
	for ((*p)++; *p < end && **p != '"'; (*p)++) {
		char c = **p;
		if (c == ']')
			return -1;
		if (c == '\\') {
			if (*p + 1 >= end || ((*p)[1] != '"' && (*p)[1] != '\\' && (*p)[1] != ']'))
				return -1; /* our formatter escapes exactly these three */
			c = *++(*p);
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	if (*p >= end)
		return -1;
	(*p)++;
	return 0;
}

static inline int sc_sd(const char **p, const char *end, sc_msg *m)
{
	if (*p < end && **p == '-') {
		(*p)++;
		return 0;
	}
	if (*p >= end || **p != '[')
		return -1;
	(*p)++;
	if (sc_sd_name(p, end, m->sd_id) != 0)
		return -1;
	while (*p < end && **p == ' ') {
		(*p)++;
		if (m->n_params >= SC_MAX_PARAMS || sc_sd_name(p, end, m->names[m->n_params]) != 0 || *p >= end ||
		    **p != '=')
			return -1;
		(*p)++;
		if (sc_value(p, end, m->values[m->n_params], sizeof m->values[0]) != 0)
			return -1;
		m->n_params++;
	}
	if (*p >= end || **p != ']')
		return -1;
	(*p)++;
	return 0; /* one element: the formatter writes no more */
}

/* Parse a whole message; 0 when it follows the grammar. */
static inline int sc_parse(const char *buf, size_t len, sc_msg *m)
{
	const char *p = buf, *end = buf + len;
	char ver[8];
	memset(m, 0, sizeof *m);
	if (len < 2 || *p++ != '<')
		return -1;
	int digits = 0;
	for (; p < end && *p >= '0' && *p <= '9' && digits < 4; p++, digits++)
		m->pri = m->pri * 10 + (*p - '0');
	if (digits == 0 || digits > 3 || m->pri > 191 || (digits > 1 && buf[1] == '0') || p >= end || *p++ != '>')
		return -1;
	if (sc_token(&p, end, ver, 2) != 0 || strcmp(ver, "1") != 0)
		return -1;
	m->version = 1;
	if (sc_token(&p, end, m->ts, 32) != 0 || sc_token(&p, end, m->host, 255) != 0 ||
	    sc_token(&p, end, m->app, 48) != 0 || sc_token(&p, end, m->procid, 128) != 0 ||
	    sc_token(&p, end, m->msgid, 32) != 0 || sc_sd(&p, end, m) != 0)
		return -1;
	if (p == end)
		return 0;
	if (*p++ != ' ' || (size_t)(end - p) >= sizeof m->msg)
		return -1;
	memcpy(m->msg, p, (size_t)(end - p));
	m->msg[end - p] = '\0';
	return 0;
}

/* The value of SD parameter name, or NULL. */
static inline const char *sc_param(const sc_msg *m, const char *name)
{
	for (int i = 0; i < m->n_params; i++)
		if (strcmp(m->names[i], name) == 0)
			return m->values[i];
	return NULL;
}

#endif
