/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit_export_gen DIR N [EVERY [KEYHEX]]: the audit export that ccspd's auditor API will give, made with the platform's
 * audit module, for tests/cli/audit_verify_test.sh (until ccspd exists). Writes DIR/platform.pem (the platform
 * key, PKCS#8), DIR/platform.pub (its SPKI) and DIR/export.jsonl: N records chained and MACed, a periodic
 * checkpoint every EVERY records (default 100; 0: none), closed by the export checkpoint. The records are
 * varied (tenants, roles, outcomes, UTF-8, JSON details with quotes) and reproducible; the key is fresh, or the
 * private key KEYHEX (32 bytes; the fuzz seeds are made so).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/sm2_asn1.h>

#include "platform/audit.h"

struct sink {
	FILE *f;
};

static ccsp_err write_line(void *ctx, const char *line, size_t len)
{
	struct sink *s = ctx;
	if (fwrite(line, 1, len, s->f) != len || fputc('\n', s->f) == EOF)
		return CCSP_ERR_IO;
	return CCSP_OK;
}

/* The platform's VSM, played by an in-process key. */
static ccsp_err sign_digest(void *ctx, const uint8_t e[CCSP_SM3_DIGEST_SIZE], uint8_t sig[CCSP_SM2_SIGNATURE_SIZE])
{
	return ccsp_sm2_sign_digest(ctx, e, sig);
}

static int write_key(const ccsp_sm2_key *key, ccsp_sm2_key_format fmt, const char *dir, const char *name)
{
	uint8_t buf[CCSP_SM2_KEY_FILE_MAX];
	size_t len = 0;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	int ok = f != NULL && ccsp_sm2_key_encode(key, fmt, 1, NULL, 0, buf, sizeof buf, &len) == CCSP_OK &&
	         fwrite(buf, 1, len, f) == len;
	if (f != NULL && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

static void make_record(uint64_t i, ccsp_audit_record *r)
{
	static const char *const actions[] = {"key.create", "key.rotate", "crypto.sign", "user.login", "key.destroy"};
	static const char *const roles[] = {"tenant-admin", "app", "security-admin", "auditor"};
	static const char *const outcomes[] = {"ok", "denied", "CCSP_ERR_AUTH"};
	memset(r, 0, sizeof *r);
	r->ts_ms = 1796000000000ULL + i * 1000;
	snprintf(r->actor, sizeof r->actor, "user-%llu", (unsigned long long)(i % 17));
	snprintf(r->role, sizeof r->role, "%s", roles[i % 4]);
	snprintf(r->tenant, sizeof r->tenant, i % 5 == 0 ? "" : "tenant-%llu", (unsigned long long)(i % 3));
	snprintf(r->action, sizeof r->action, "%s", actions[i % 5]);
	snprintf(r->target, sizeof r->target, "key/%llu 密钥", (unsigned long long)(i * 7 % 101));
	snprintf(r->outcome, sizeof r->outcome, "%s", outcomes[i % 3]);
	snprintf(r->detail, sizeof r->detail, "{\"ip\":\"10.0.%llu.%llu\",\"note\":\"a \\\"quoted\\\" word\"}",
	         (unsigned long long)(i / 250 % 250), (unsigned long long)(i % 250));
}

static int generate(const char *dir, uint64_t n, uint64_t every, ccsp_sm2_key *key)
{
	static const uint8_t mac_key[32] = "platform audit MAC key for test";
	char path[4096];
	snprintf(path, sizeof path, "%s/export.jsonl", dir);
	struct sink s = {fopen(path, "w")};
	ccsp_audit_exporter *x = NULL;
	ccsp_audit_record r;
	ccsp_audit_checkpoint cp;
	uint8_t prev[CCSP_AUDIT_HASH_SIZE] = {0};
	ccsp_err ret = s.f == NULL ? CCSP_ERR_IO : CCSP_OK;
	if (ret == CCSP_OK)
		ret = ccsp_audit_exporter_new(key, mac_key, sizeof mac_key, 1, prev, write_line, &s, &x);
	for (uint64_t i = 1; i <= n && ret == CCSP_OK; i++) {
		make_record(i, &r);
		ret = ccsp_audit_record_seal(&r, i - 1, prev, mac_key, sizeof mac_key);
		if (ret == CCSP_OK)
			ret = ccsp_audit_exporter_record(x, &r);
		memcpy(prev, r.h, sizeof prev);
		if (ret == CCSP_OK && every != 0 && i % every == 0) {
			ret = ccsp_audit_checkpoint_make(&cp, CCSP_AUDIT_CP_PERIODIC, i, r.h, r.ts_ms, key, sign_digest, key);
			if (ret == CCSP_OK)
				ret = ccsp_audit_exporter_checkpoint(x, &cp);
		}
	}
	if (ret == CCSP_OK)
		ret = ccsp_audit_exporter_finish(x, 1796000000000ULL + (n + 1) * 1000, sign_digest, key, NULL);
	ccsp_audit_exporter_free(x);
	if (s.f != NULL && fclose(s.f) != 0 && ret == CCSP_OK)
		ret = CCSP_ERR_IO;
	if (ret != CCSP_OK)
		fprintf(stderr, "audit_export_gen: %s\n", ccsp_err_str(ret));
	return ret == CCSP_OK ? 0 : -1;
}

static int parse_key(const char *hex, uint8_t d[32])
{
	if (strlen(hex) != 64)
		return -1;
	for (size_t i = 0; i < 32; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		d[i] = (uint8_t)v;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: audit_export_gen DIR N [EVERY [KEYHEX]]\n");
		return 2;
	}
	uint64_t n = strtoull(argv[2], NULL, 10), every = argc >= 4 ? strtoull(argv[3], NULL, 10) : 100;
	uint8_t d[32];
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	int have = key != NULL && (argc == 5 ? parse_key(argv[4], d) == 0 && ccsp_sm2_key_set_private(key, d) == CCSP_OK
	                                     : ccsp_sm2_key_generate(key) == CCSP_OK);
	int rc = have &&
	                 write_key(key, CCSP_SM2_KEY_PKCS8, argv[1], "platform.pem") == 0 &&
	                 write_key(key, CCSP_SM2_KEY_SPKI, argv[1], "platform.pub") == 0 &&
	                 generate(argv[1], n, every, key) == 0
	         ? 0
	         : 1;
	ccsp_sm2_key_free(key);
	return rc;
}
