/* SPDX-License-Identifier: Apache-2.0 */
/* Distinguished names (RFC 5280 clause 4.1.2.4, X.520) to and from the text form of openssl -subj. */
#include "x509_internal.h"

#include <stdio.h>
#include <string.h>

#include "module.h"

#define NAME_PARTS_MAX 16
#define VALUE_MAX 128

typedef struct attr {
	const char *sn;
	uint8_t oid[9];
	uint8_t oidlen;
	uint8_t tag;    /* string type written */
	uint8_t maxlen;
} attr;

static const attr attrs[] = {
	{.sn = "CN", .oid = {0x55, 0x04, 0x03}, .oidlen = 3, .tag = X509_DER_UTF8, .maxlen = 64},
	{.sn = "C", .oid = {0x55, 0x04, 0x06}, .oidlen = 3, .tag = X509_DER_PRINTABLE, .maxlen = 2},
	{.sn = "L", .oid = {0x55, 0x04, 0x07}, .oidlen = 3, .tag = X509_DER_UTF8, .maxlen = 64},
	{.sn = "ST", .oid = {0x55, 0x04, 0x08}, .oidlen = 3, .tag = X509_DER_UTF8, .maxlen = 64},
	{.sn = "O", .oid = {0x55, 0x04, 0x0a}, .oidlen = 3, .tag = X509_DER_UTF8, .maxlen = 64},
	{.sn = "OU", .oid = {0x55, 0x04, 0x0b}, .oidlen = 3, .tag = X509_DER_UTF8, .maxlen = 64},
	{.sn = "serialNumber", .oid = {0x55, 0x04, 0x05}, .oidlen = 3, .tag = X509_DER_PRINTABLE, .maxlen = 64},
	{.sn = "emailAddress",
	 .oid = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01},
	 .oidlen = 9,
	 .tag = X509_DER_IA5,
	 .maxlen = 128},
};

typedef struct part {
	const attr *a;
	uint8_t val[VALUE_MAX];
	size_t len;
} part;

/* PrintableString's characters (X.680 clause 41.4). */
static int printable_ok(const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = v[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(" '()+,-./:=?", c) != NULL) || c == 0)
			return 0;
	}
	return 1;
}

/* One "/SN=value" component starting at text[*pos] (just after the '/'). */
static ccsp_err parse_part(const char *text, size_t *pos, part *pt)
{
	size_t i = *pos, n = 0;
	const char *eq = strchr(text + i, '=');
	CCSP_ENSURE(eq != NULL, CCSP_ERR_ARG);
	size_t snlen = (size_t)(eq - (text + i));
	pt->a = NULL;
	for (size_t k = 0; k < sizeof attrs / sizeof attrs[0]; k++)
		if (strlen(attrs[k].sn) == snlen && memcmp(attrs[k].sn, text + i, snlen) == 0)
			pt->a = &attrs[k];
	CCSP_ENSURE(pt->a != NULL, CCSP_ERR_ARG);
	for (i += snlen + 1; text[i] != '\0' && text[i] != '/'; i++) {
		if (text[i] == '\\' && text[i + 1] != '\0')
			i++;
		CCSP_ENSURE(n < pt->a->maxlen, CCSP_ERR_ARG);
		pt->val[n++] = (uint8_t)text[i];
	}
	CCSP_ENSURE(n >= 1 && (pt->a->tag != X509_DER_PRINTABLE || printable_ok(pt->val, n)), CCSP_ERR_ARG);
	CCSP_ENSURE(pt->a != &attrs[1] || n == 2, CCSP_ERR_ARG);
	for (size_t k = 0; k < n; k++)
		CCSP_ENSURE(pt->val[k] >= 0x20 && (pt->a->tag != X509_DER_IA5 || pt->val[k] < 0x80), CCSP_ERR_ARG);
	pt->len = n;
	*pos = i;
	return CCSP_OK;
}

ccsp_err ccsp_x509_name_from_text(const char *text, uint8_t *out, size_t outcap, size_t *outlen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(text != NULL && outlen != NULL && (out != NULL || outcap == 0), CCSP_ERR_ARG);
	CCSP_ENSURE(text[0] == '/', CCSP_ERR_ARG);
	part parts[NAME_PARTS_MAX];
	size_t n = 0, pos = 0;
	while (text[pos] == '/' && text[pos + 1] != '\0') {
		CCSP_ENSURE(n < NAME_PARTS_MAX, CCSP_ERR_ARG);
		pos++;
		CCSP_GUARD(parse_part(text, &pos, &parts[n++]));
	}
	CCSP_ENSURE(n >= 1 && (text[pos] == '\0' || (text[pos] == '/' && text[pos + 1] == '\0')), CCSP_ERR_ARG);
	ccsp_der_writer w;
	ccsp_der_writer_init(&w, out, outcap);
	for (size_t i = n; i-- > 0;) {
		size_t start = w.len;
		ccsp_der_put_tlv(&w, parts[i].a->tag, parts[i].val, parts[i].len);
		ccsp_der_put_tlv(&w, CCSP_DER_OID, parts[i].a->oid, parts[i].a->oidlen);
		ccsp_der_put_header(&w, CCSP_DER_SEQUENCE, w.len - start);
		ccsp_der_put_header(&w, X509_DER_SET, w.len - start);
	}
	ccsp_der_put_header(&w, CCSP_DER_SEQUENCE, w.len);
	return ccsp_der_writer_finish(&w, outlen);
}

/* ---- to text ---- */

typedef struct text_out {
	char *p;
	size_t cap, len; /* len excludes the NUL; cap >= 1 */
	int over;
} text_out;

static void emit(text_out *t, const char *s, size_t n)
{
	if (t->over || n > t->cap - 1 - t->len) {
		t->over = 1;
		return;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void emit_oid(text_out *t, const uint8_t *oid, size_t n)
{
	uint64_t v = 0;
	int first = 1;
	char buf[48];
	for (size_t i = 0; i < n; i++) {
		if (v > (UINT64_MAX >> 7)) {
			emit(t, "?", 1);
			return;
		}
		v = (v << 7) | (oid[i] & 0x7f);
		if (oid[i] & 0x80)
			continue;
		int len;
		if (first)
			len = snprintf(buf, sizeof buf, "%u.%llu", v < 80 ? (unsigned)(v / 40) : 2u,
			               (unsigned long long)(v < 80 ? v % 40 : v - 80));
		else
			len = snprintf(buf, sizeof buf, ".%llu", (unsigned long long)v);
		emit(t, buf, (size_t)len);
		first = 0;
		v = 0;
	}
}

static void emit_value(text_out *t, int tag, const uint8_t *v, size_t n)
{
	char hex[5];
	for (size_t i = 0; i < n; i++) {
		uint8_t c = v[i];
		if ((c >= 0x20 && c < 0x7f && c != '\\') || (c >= 0x80 && tag == X509_DER_UTF8)) {
			emit(t, (const char *)&v[i], 1);
		} else {
			snprintf(hex, sizeof hex, "\\x%02x", c);
			emit(t, hex, 4);
		}
	}
}

static void emit_atv(text_out *t, ccsp_der_reader *set)
{
	ccsp_der_reader atv, val;
	const uint8_t *oid = NULL;
	size_t oidlen = 0;
	/* The Name was checked by the parser or is checked below: a failed read prints nothing more. */
	if (ccsp_der_read_tlv(set, CCSP_DER_SEQUENCE, &atv) != CCSP_OK ||
	    ccsp_der_read_value(&atv, CCSP_DER_OID, &oid, &oidlen) != CCSP_OK)
		return;
	const attr *a = NULL;
	for (size_t k = 0; k < sizeof attrs / sizeof attrs[0]; k++)
		if (attrs[k].oidlen == oidlen && memcmp(attrs[k].oid, oid, oidlen) == 0)
			a = &attrs[k];
	if (a != NULL)
		emit(t, a->sn, strlen(a->sn));
	else
		emit_oid(t, oid, oidlen);
	emit(t, "=", 1);
	int tag = ccsp_der_peek_tag(&atv);
	if (tag >= 0 && ccsp_der_read_tlv(&atv, (uint8_t)tag, &val) == CCSP_OK)
		emit_value(t, tag, val.p, val.len);
}

ccsp_err ccsp_x509_name_to_text(const uint8_t *name, size_t len, char *out, size_t outcap)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(name != NULL && out != NULL && outcap >= 1, CCSP_ERR_ARG);
	ccsp_der_reader r, seq, set;
	ccsp_x509_span span;
	ccsp_der_reader_init(&r, name, len);
	CCSP_GUARD(ccsp_x509_read_name(&r, &span));
	CCSP_GUARD(ccsp_der_finish(&r));
	text_out t = {.p = out, .cap = outcap, .len = 0, .over = 0};
	out[0] = '\0';
	ccsp_der_reader_init(&r, name, len);
	CCSP_GUARD(ccsp_der_read_tlv(&r, CCSP_DER_SEQUENCE, &seq));
	for (int first = 1; ccsp_der_remaining(&seq) > 0; first = 0) {
		CCSP_GUARD(ccsp_der_read_tlv(&seq, X509_DER_SET, &set));
		if (!first)
			emit(&t, ", ", 2);
		for (int one = 1; ccsp_der_remaining(&set) > 0; one = 0) {
			if (!one)
				emit(&t, " + ", 3);
			emit_atv(&t, &set);
		}
	}
	return t.over ? CCSP_ERR_BUFFER_TOO_SMALL : CCSP_OK;
}
