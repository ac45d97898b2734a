/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit export (JSON lines, format in audit.h): line writers, the strict line parser, the exporter (online
 * check, then the export checkpoint) and the offline verification of a whole export.
 */
#include "platform/audit.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ccsp/mem.h>
#include <ccsp/sm2_asn1.h>

#include "common/b64.h"
#include "crypto/guard.h"

#define FORMAT_NAME "ccsp-audit-export"
#define FORMAT_VERSION 1
#define HEX_MAX (2 * CCSP_SM2_SIGNATURE_DER_MAX)


static int hex_val(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Lowercase hex of at most cap bytes; *n the byte count. */
static int hex_get(const char *s, size_t len, uint8_t *out, size_t cap, size_t *n)
{
	if (len % 2 != 0 || len / 2 > cap)
		return 0;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hex_val(s[2 * i]), lo = hex_val(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return 0;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*n = len / 2;
	return 1;
}

/* ---- writing ---- */

static int set_hex(json_t *o, const char *key, const uint8_t *b, size_t n)
{
	char hex[HEX_MAX + 1];
	ccsp_hex_encode(b, n, hex);
	return json_object_set_new(o, key, json_string(hex)) == 0;
}

static int set_int(json_t *o, const char *key, uint64_t v)
{
	return v <= CCSP_AUDIT_SEQ_MAX && json_object_set_new(o, key, json_integer((json_int_t)v)) == 0;
}

static int set_str(json_t *o, const char *key, const char *s)
{
	json_t *j = json_string(s);
	return j != NULL && json_object_set_new(o, key, j) == 0;
}

/* Serialise o (consumed) into out, NUL-terminated. */
static ccsp_err dump(json_t *o, int ok, char *out, size_t cap, size_t *len)
{
	ccsp_err ret = ok ? CCSP_OK : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK) {
		size_t n = json_dumpb(o, out, cap, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (n == 0)
			ret = CCSP_ERR_NOMEM;
		else if (n >= cap || n > CCSP_AUDIT_LINE_MAX)
			ret = CCSP_ERR_BUFFER_TOO_SMALL;
		else {
			out[n] = '\0';
			*len = n;
		}
	}
	json_decref(o);
	return ret;
}

ccsp_err ccsp_audit_line_header(const uint8_t fp[CCSP_SM3_DIGEST_SIZE], uint64_t first_seq,
                                const uint8_t prev_h[CCSP_AUDIT_HASH_SIZE], char *out, size_t cap, size_t *len)
{
	CCSP_ENSURE(fp != NULL && prev_h != NULL && out != NULL && len != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(first_seq >= 1 && first_seq <= CCSP_AUDIT_SEQ_MAX, CCSP_ERR_ARG);
	json_t *o = json_object();
	int ok = o != NULL && set_str(o, "type", "header") && set_str(o, "format", FORMAT_NAME) &&
	         set_int(o, "version", FORMAT_VERSION) && set_hex(o, "key", fp, CCSP_SM3_DIGEST_SIZE) &&
	         set_int(o, "first_seq", first_seq) && set_hex(o, "prev", prev_h, CCSP_AUDIT_HASH_SIZE);
	return dump(o, ok, out, cap, len);
}

ccsp_err ccsp_audit_line_record(const ccsp_audit_record *r, char *out, size_t cap, size_t *len)
{
	CCSP_ENSURE(out != NULL && len != NULL, CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_audit_record_check(r));
	json_t *o = json_object();
	int ok = o != NULL && set_str(o, "type", "record") && set_int(o, "seq", r->seq) && set_int(o, "ts", r->ts_ms) &&
	         set_str(o, "actor", r->actor) && set_str(o, "role", r->role) && set_str(o, "tenant", r->tenant) &&
	         set_str(o, "action", r->action) && set_str(o, "target", r->target) &&
	         set_str(o, "outcome", r->outcome) && set_str(o, "detail", r->detail) &&
	         set_hex(o, "h", r->h, sizeof r->h) && set_hex(o, "m", r->m, sizeof r->m);
	return dump(o, ok, out, cap, len);
}

ccsp_err ccsp_audit_line_checkpoint(const ccsp_audit_checkpoint *cp, char *out, size_t cap, size_t *len)
{
	uint8_t tbs[CCSP_AUDIT_TBS_SIZE], der[CCSP_SM2_SIGNATURE_DER_MAX];
	size_t derlen = 0;
	CCSP_ENSURE(out != NULL && len != NULL, CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_audit_checkpoint_tbs(cp, tbs));
	CCSP_GUARD(ccsp_sm2_signature_to_der(cp->sig, der, sizeof der, &derlen));
	json_t *o = json_object();
	int ok = o != NULL && set_str(o, "type", "checkpoint") &&
	         set_str(o, "kind", cp->kind == CCSP_AUDIT_CP_EXPORT ? "export" : "periodic") &&
	         set_int(o, "seq", cp->seq) && set_int(o, "time", cp->time_ms) && set_hex(o, "h", cp->h, sizeof cp->h) &&
	         set_hex(o, "sig", der, derlen);
	return dump(o, ok, out, cap, len);
}

/* ---- parsing ---- */

/* A string member without NUL, at most max bytes, into dst (NUL-terminated). */
static int get_str(json_t *o, const char *key, char *dst, size_t max)
{
	json_t *j = json_object_get(o, key);
	if (!json_is_string(j))
		return 0;
	size_t n = json_string_length(j);
	const char *s = json_string_value(j);
	if (n > max || memchr(s, '\0', n) != NULL)
		return 0;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 1;
}

static int get_int(json_t *o, const char *key, uint64_t *v)
{
	json_t *j = json_object_get(o, key);
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return 0;
	*v = (uint64_t)json_integer_value(j);
	return 1;
}

/* Exactly n bytes of hex (want > 0), or 1..n bytes (want == 0) with *got set. */
static int get_hex(json_t *o, const char *key, uint8_t *out, size_t n, size_t *got)
{
	json_t *j = json_object_get(o, key);
	size_t k = 0;
	if (!json_is_string(j) || !hex_get(json_string_value(j), json_string_length(j), out, n, &k))
		return 0;
	if (got != NULL) {
		*got = k;
		return k > 0;
	}
	return k == n;
}

static int type_is(json_t *o, const char *type)
{
	json_t *t = json_object_get(o, "type");
	return json_is_string(t) && strcmp(json_string_value(t), type) == 0;
}

static int parse_header(json_t *o, ccsp_audit_line *out)
{
	uint64_t version = 0;
	json_t *f = json_object_get(o, "format");
	return json_object_size(o) == 6 && json_is_string(f) && strcmp(json_string_value(f), FORMAT_NAME) == 0 &&
	       get_int(o, "version", &version) && version == FORMAT_VERSION &&
	       get_hex(o, "key", out->header.fp, sizeof out->header.fp, NULL) &&
	       get_int(o, "first_seq", &out->header.first_seq) && out->header.first_seq >= 1 &&
	       get_hex(o, "prev", out->header.prev, sizeof out->header.prev, NULL);
}

static int parse_record(json_t *o, ccsp_audit_record *r)
{
	return json_object_size(o) == 12 && get_int(o, "seq", &r->seq) && get_int(o, "ts", &r->ts_ms) &&
	       get_str(o, "actor", r->actor, CCSP_AUDIT_ACTOR_MAX) && get_str(o, "role", r->role, CCSP_AUDIT_ROLE_MAX) &&
	       get_str(o, "tenant", r->tenant, CCSP_AUDIT_TENANT_MAX) &&
	       get_str(o, "action", r->action, CCSP_AUDIT_ACTION_MAX) &&
	       get_str(o, "target", r->target, CCSP_AUDIT_TARGET_MAX) &&
	       get_str(o, "outcome", r->outcome, CCSP_AUDIT_OUTCOME_MAX) &&
	       get_str(o, "detail", r->detail, CCSP_AUDIT_DETAIL_MAX) && get_hex(o, "h", r->h, sizeof r->h, NULL) &&
	       get_hex(o, "m", r->m, sizeof r->m, NULL) && ccsp_audit_record_check(r) == CCSP_OK;
}

static int parse_checkpoint(json_t *o, ccsp_audit_checkpoint *cp)
{
	uint8_t der[CCSP_SM2_SIGNATURE_DER_MAX], tbs[CCSP_AUDIT_TBS_SIZE];
	size_t derlen = 0;
	json_t *k = json_object_get(o, "kind");
	if (json_object_size(o) != 6 || !json_is_string(k))
		return 0;
	if (strcmp(json_string_value(k), "export") == 0)
		cp->kind = CCSP_AUDIT_CP_EXPORT;
	else if (strcmp(json_string_value(k), "periodic") == 0)
		cp->kind = CCSP_AUDIT_CP_PERIODIC;
	else
		return 0;
	if (!get_int(o, "seq", &cp->seq) || !get_int(o, "time", &cp->time_ms) ||
	    !get_hex(o, "h", cp->h, sizeof cp->h, NULL) || !get_hex(o, "sig", der, sizeof der, &derlen) ||
	    ccsp_audit_checkpoint_tbs(cp, tbs) != CCSP_OK)
		return 0;
	/* A signature that is not even DER is a bad signature, not a malformed line: r = s = 0 never verifies. */
	if (ccsp_sm2_signature_from_der(der, derlen, cp->sig) != CCSP_OK)
		memset(cp->sig, 0, sizeof cp->sig);
	return 1;
}

ccsp_err ccsp_audit_line_parse(const char *line, size_t len, ccsp_audit_line *out)
{
	CCSP_ENSURE((line != NULL || len == 0) && out != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(len > 0 && len <= CCSP_AUDIT_LINE_MAX, CCSP_ERR_DECODE);
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	int ok = 0;
	memset(out, 0, sizeof *out);
	if (json_is_object(o)) {
		if (type_is(o, "record")) {
			out->type = CCSP_AUDIT_LINE_RECORD;
			ok = parse_record(o, &out->record);
		} else if (type_is(o, "checkpoint")) {
			out->type = CCSP_AUDIT_LINE_CHECKPOINT;
			ok = parse_checkpoint(o, &out->checkpoint);
		} else if (type_is(o, "header")) {
			out->type = CCSP_AUDIT_LINE_HEADER;
			ok = parse_header(o, out);
		}
	}
	json_decref(o);
	return ok ? CCSP_OK : CCSP_ERR_DECODE;
}

/* ---- the exporter ---- */

struct ccsp_audit_exporter {
	const ccsp_sm2_key *pub;
	ccsp_audit_verifier *v;
	ccsp_audit_write_fn write;
	void *wctx;
	uint64_t lines; /* written so far */
	char line[CCSP_AUDIT_LINE_MAX + 1];
};

ccsp_err ccsp_audit_exporter_new(const ccsp_sm2_key *pub, const uint8_t *key, size_t keylen, uint64_t first_seq,
                                 const uint8_t prev_h[CCSP_AUDIT_HASH_SIZE], ccsp_audit_write_fn write, void *wctx,
                                 ccsp_audit_exporter **out)
{
	ccsp_err ret;
	uint8_t fp[CCSP_SM3_DIGEST_SIZE];
	size_t len = 0;
	CCSP_ENSURE(out != NULL, CCSP_ERR_ARG);
	*out = NULL;
	CCSP_ENSURE(key != NULL && write != NULL, CCSP_ERR_ARG);
	ccsp_audit_exporter *x = calloc(1, sizeof *x);
	CCSP_ENSURE(x != NULL, CCSP_ERR_NOMEM);
	x->pub = pub;
	x->write = write;
	x->wctx = wctx;
	CCSP_CHECK(ccsp_audit_verifier_new(pub, key, keylen, first_seq, prev_h, &x->v));
	CCSP_CHECK(ccsp_audit_key_fingerprint(pub, fp));
	CCSP_CHECK(ccsp_audit_line_header(fp, first_seq, prev_h, x->line, sizeof x->line, &len));
	CCSP_CHECK(write(wctx, x->line, len));
	x->lines = 1;
	*out = x;
	x = NULL;
out:
	ccsp_audit_exporter_free(x);
	return ret;
}

void ccsp_audit_exporter_free(ccsp_audit_exporter *x)
{
	if (x == NULL)
		return;
	ccsp_audit_verifier_free(x->v);
	free(x);
}

ccsp_err ccsp_audit_exporter_record(ccsp_audit_exporter *x, const ccsp_audit_record *r)
{
	size_t len = 0;
	CCSP_ENSURE(x != NULL && r != NULL, CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_audit_verifier_record(x->v, r, x->lines + 1));
	CCSP_GUARD(ccsp_audit_line_record(r, x->line, sizeof x->line, &len));
	CCSP_GUARD(x->write(x->wctx, x->line, len));
	x->lines++;
	return CCSP_OK;
}

ccsp_err ccsp_audit_exporter_checkpoint(ccsp_audit_exporter *x, const ccsp_audit_checkpoint *cp)
{
	size_t len = 0;
	CCSP_ENSURE(x != NULL && cp != NULL, CCSP_ERR_ARG);
	CCSP_GUARD(ccsp_audit_verifier_checkpoint(x->v, cp, x->lines + 1));
	CCSP_GUARD(ccsp_audit_line_checkpoint(cp, x->line, sizeof x->line, &len));
	CCSP_GUARD(x->write(x->wctx, x->line, len));
	x->lines++;
	return CCSP_OK;
}

ccsp_err ccsp_audit_exporter_finish(ccsp_audit_exporter *x, uint64_t now_ms, ccsp_audit_sign_fn sign, void *sctx,
                                    ccsp_audit_report *rep)
{
	ccsp_audit_checkpoint cp;
	ccsp_audit_report r;
	uint8_t h[CCSP_AUDIT_HASH_SIZE];
	uint64_t seq = 0;
	size_t len = 0;
	CCSP_ENSURE(x != NULL && sign != NULL, CCSP_ERR_ARG);
	ccsp_err ret = ccsp_audit_verifier_finish(x->v, 0, &r);
	if (rep != NULL)
		*rep = r;
	CCSP_GUARD(ret);
	ccsp_audit_verifier_head(x->v, &seq, h);
	CCSP_GUARD(ccsp_audit_checkpoint_make(&cp, CCSP_AUDIT_CP_EXPORT, seq, h, now_ms, x->pub, sign, sctx));
	CCSP_GUARD(ccsp_audit_line_checkpoint(&cp, x->line, sizeof x->line, &len));
	CCSP_GUARD(x->write(x->wctx, x->line, len));
	if (rep != NULL)
		rep->checkpoints++;
	return CCSP_OK;
}

/* ---- offline verification of an export ---- */

struct export_check {
	const ccsp_sm2_key *pub;
	ccsp_audit_verifier *v; /* once the header is read */
	ccsp_audit_report early; /* a fault before there is a verifier */
	uint8_t fp[CCSP_SM3_DIGEST_SIZE];
	ccsp_audit_line parsed;
};

/* The header (line 1) makes the verifier. CCSP_ERR_TAMPERED when it is missing, malformed or names another key. */
static ccsp_err check_header(struct export_check *c, const char *line, size_t len)
{
	c->early.line = 1;
	c->early.fault = CCSP_AUDIT_FAULT_MALFORMED;
	if (ccsp_audit_line_parse(line, len, &c->parsed) != CCSP_OK || c->parsed.type != CCSP_AUDIT_LINE_HEADER)
		return CCSP_ERR_TAMPERED;
	c->early.first_seq = c->parsed.header.first_seq;
	c->early.last_seq = c->parsed.header.first_seq - 1;
	if (memcmp(c->parsed.header.fp, c->fp, sizeof c->fp) != 0) {
		c->early.fault = CCSP_AUDIT_FAULT_WRONG_KEY;
		return CCSP_ERR_TAMPERED;
	}
	c->early.fault = CCSP_AUDIT_FAULT_NONE;
	c->early.line = 0;
	return ccsp_audit_verifier_new(c->pub, NULL, 0, c->parsed.header.first_seq, c->parsed.header.prev, &c->v);
}

/* One line after the header. Returns CCSP_OK or CCSP_ERR_TAMPERED to go on reading, anything else to stop. */
static ccsp_err check_line(struct export_check *c, const char *line, size_t len, uint64_t lineno)
{
	if (ccsp_audit_line_parse(line, len, &c->parsed) != CCSP_OK ||
	    c->parsed.type == CCSP_AUDIT_LINE_HEADER) {
		ccsp_audit_verifier_fail(c->v, CCSP_AUDIT_FAULT_MALFORMED, lineno);
		return CCSP_ERR_TAMPERED;
	}
	if (c->parsed.type == CCSP_AUDIT_LINE_RECORD)
		return ccsp_audit_verifier_record(c->v, &c->parsed.record, lineno);
	return ccsp_audit_verifier_checkpoint(c->v, &c->parsed.checkpoint, lineno);
}

static ccsp_err check_begin(struct export_check *c, const ccsp_sm2_key *pub)
{
	memset(c, 0, sizeof *c);
	c->pub = pub;
	return ccsp_audit_key_fingerprint(pub, c->fp);
}

/* Feed line lineno (1-based). */
static ccsp_err check_feed(struct export_check *c, const char *line, size_t len, uint64_t lineno)
{
	if (lineno == 1)
		return check_header(c, line, len);
	if (c->v == NULL)
		return CCSP_ERR_TAMPERED;
	return check_line(c, line, len, lineno);
}

static ccsp_err check_end(struct export_check *c, ccsp_err ret, uint64_t lines, ccsp_audit_report *rep)
{
	if (c->v != NULL) {
		ccsp_err fin = ccsp_audit_verifier_finish(c->v, 1, rep);
		ret = ret == CCSP_OK || ret == CCSP_ERR_TAMPERED ? fin : ret;
		/* "no export checkpoint": it belongs after the last line (the verifier never saw the header line) */
		if (rep->fault == CCSP_AUDIT_FAULT_UNCOVERED && rep->seq < rep->seq_from)
			rep->line = lines + 1;
	} else {
		if (lines == 0) { /* an empty file: the header is missing */
			c->early.fault = CCSP_AUDIT_FAULT_MALFORMED;
			c->early.line = 1;
		}
		*rep = c->early;
		if (ret == CCSP_OK)
			ret = CCSP_ERR_TAMPERED;
	}
	ccsp_audit_verifier_free(c->v);
	c->v = NULL;
	return ret;
}

ccsp_err ccsp_audit_export_verify(const char *buf, size_t len, const ccsp_sm2_key *pub, ccsp_audit_report *rep)
{
	CCSP_ENSURE((buf != NULL || len == 0) && pub != NULL && rep != NULL, CCSP_ERR_ARG);
	memset(rep, 0, sizeof *rep);
	struct export_check *c = malloc(sizeof *c);
	CCSP_ENSURE(c != NULL, CCSP_ERR_NOMEM);
	ccsp_err ret = check_begin(c, pub);
	uint64_t lineno = 0;
	size_t pos = 0;
	while (ret == CCSP_OK && pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
		ret = check_feed(c, buf + pos, n, ++lineno);
		if (ret == CCSP_ERR_TAMPERED && c->v != NULL)
			ret = CCSP_OK; /* keep reading: a later record may show a gap was a move */
		pos += n + (nl != NULL);
	}
	ret = check_end(c, ret, lineno, rep);
	free(c);
	return ret;
}

/* The next line of in, without its newline, into buf (cap bytes): *len, or *too_long when it does not fit
 * (the rest of the line is skipped). 0 at the end of input, -1 on a read error. */
static int read_line(FILE *in, char *buf, size_t cap, size_t *len, int *too_long)
{
	size_t n = 0;
	int c;
	*too_long = 0;
	while ((c = getc(in)) != EOF && c != '\n') {
		if (n < cap)
			buf[n++] = (char)c;
		else
			*too_long = 1;
	}
	*len = n;
	if (ferror(in))
		return -1;
	return c == EOF && n == 0 && !*too_long ? 0 : 1;
}

ccsp_err ccsp_audit_export_verify_stream(FILE *in, const ccsp_sm2_key *pub, ccsp_audit_report *rep)
{
	CCSP_ENSURE(in != NULL && pub != NULL && rep != NULL, CCSP_ERR_ARG);
	memset(rep, 0, sizeof *rep);
	struct export_check *c = malloc(sizeof *c);
	char *line = malloc(CCSP_AUDIT_LINE_MAX);
	ccsp_err ret = c != NULL && line != NULL ? check_begin(c, pub) : CCSP_ERR_NOMEM;
	uint64_t lineno = 0;
	size_t len = 0;
	int too_long = 0, got;
	while (ret == CCSP_OK && (got = read_line(in, line, CCSP_AUDIT_LINE_MAX, &len, &too_long)) != 0) {
		if (got < 0) {
			ret = CCSP_ERR_IO;
			break;
		}
		/* an over-long line is malformed: parse an empty one in its place */
		ret = check_feed(c, line, too_long ? 0 : len, ++lineno);
		if (ret == CCSP_ERR_TAMPERED && c->v != NULL)
			ret = CCSP_OK;
	}
	if (c != NULL)
		ret = check_end(c, ret, lineno, rep);
	free(line);
	free(c);
	return ret;
}
