/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLCP (src/tlcp/): handshakes per second and record throughput, on the one pinned core.
 *
 * Handshakes: a client and a server connection object in this process exchange bytes through their memory
 * buffers, so one handshake costs the protocol's CPU on both sides and nothing of a transport: "ccsp-pair" is
 * handshakes/s of one core doing client and server, the per-core figure of issue 9's goal (the 2-core figure is
 * twice it when nothing else runs). "ccsp-server" is the same rate divided by the server's share of the time
 * (the server's new, feed, handshake and free calls timed apart from the client's): what one core would give doing only the server side. Suites:
 * ECC_SM4_GCM_SM3 without client authentication, ECDHE_SM4_GCM_SM3 (client certificates required), and the
 * abbreviated handshake resuming an ECC_SM4_GCM_SM3 session from the server's cache.
 *
 * Records: 16 KiB application-data records through the record layer (ccsp_tlcp_record_write, then _feed and
 * _read on a second object with the peer's keys): "ccsp-write" protects only, "ccsp-write+read" protects and
 * opens on the same core (MB/s of payload); "ccsp-conn" goes through a connected pair (conn_write, feed, read),
 * buffers and copies included. OpenSSL 3.0 has no TLCP: its rows are n/a.
 *
 * Certificates: a root, and double certificates (signing, encryption) for server and client, made here with
 * ccsp_x509_cert_write() before anything is timed.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <ccsp/mem.h>
#include <ccsp/x509.h>

#include "bench.h"
#include "tlcp_conn.h"

#define DAY 86400
#define REC_LEN CCSP_TLCP_MAX_PLAINTEXT

/* ---- certificates ---- */

typedef struct bench_cert {
	ccsp_sm2_key *key;
	uint8_t der[1024];
	size_t len;
	ccsp_x509_cert x;
} bench_cert;

typedef struct bench_pki {
	bench_cert root, s_sign, s_enc, c_sign, c_enc;
} bench_pki;

#define KU_SIGN CCSP_X509_KU_DIGITAL_SIGNATURE
#define KU_ENC (CCSP_X509_KU_KEY_ENCIPHERMENT | CCSP_X509_KU_DATA_ENCIPHERMENT | CCSP_X509_KU_KEY_AGREEMENT)

/* A certificate for subj valid from yesterday for 30 days, signed by issuer (NULL: a self-signed CA). */
static ccsp_err cert_make(bench_cert *c, const char *subj, unsigned ku, const bench_cert *issuer, const char *dns)
{
	int64_t t = (int64_t)time(NULL);
	uint8_t name[256];
	size_t nlen;
	const char *names[1] = {dns};
	ccsp_x509_cert_params p = {.not_before = t - DAY, .not_after = t + 30 * DAY, .key_usage = ku, .pathlen = -1};
	ccsp_err e;

	c->key = ccsp_sm2_key_new();
	if (c->key == NULL)
		return CCSP_ERR_NOMEM;
	if ((e = ccsp_sm2_key_generate(c->key)) != CCSP_OK ||
	    (e = ccsp_x509_name_from_text(subj, name, sizeof name, &nlen)) != CCSP_OK)
		return e;
	p.subject = name;
	p.subject_len = nlen;
	p.is_ca = issuer == NULL;
	p.dns = dns != NULL ? names : NULL;
	p.n_dns = dns != NULL;
	e = ccsp_x509_cert_write(&p, c->key, issuer != NULL ? &issuer->x : NULL, issuer != NULL ? issuer->key : c->key,
	                         c->der, sizeof c->der, &c->len);
	return e != CCSP_OK ? e : ccsp_x509_cert_parse(&c->x, c->der, c->len);
}

static ccsp_err pki_make(bench_pki *k)
{
	ccsp_err e;
	if ((e = cert_make(&k->root, "/O=ccsp/CN=bench root", CCSP_X509_KU_KEY_CERT_SIGN, NULL, NULL)) != CCSP_OK ||
	    (e = cert_make(&k->s_sign, "/O=ccsp/CN=server sign", KU_SIGN, &k->root, "server.example")) != CCSP_OK ||
	    (e = cert_make(&k->s_enc, "/O=ccsp/CN=server enc", KU_ENC, &k->root, "server.example")) != CCSP_OK ||
	    (e = cert_make(&k->c_sign, "/O=ccsp/CN=client sign", KU_SIGN, &k->root, NULL)) != CCSP_OK)
		return e;
	return cert_make(&k->c_enc, "/O=ccsp/CN=client enc", KU_ENC, &k->root, NULL);
}

static void pki_free(bench_pki *k)
{
	bench_cert *all[] = {&k->root, &k->s_sign, &k->s_enc, &k->c_sign, &k->c_enc};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		ccsp_sm2_key_free(all[i]->key);
}

/* A configuration with this side's double certificates (sign NULL: none) and the root as trust anchor. */
static ccsp_tlcp_config *config_make(const bench_pki *k, const bench_cert *sign, const bench_cert *enc)
{
	ccsp_tlcp_config *cfg = ccsp_tlcp_config_new();
	if (cfg == NULL)
		return NULL;
	if ((sign != NULL && (ccsp_tlcp_config_set_cert(cfg, 1, sign->der, sign->len, sign->key) != CCSP_OK ||
	                      ccsp_tlcp_config_set_cert(cfg, 0, enc->der, enc->len, enc->key) != CCSP_OK)) ||
	    ccsp_tlcp_config_add_trust(cfg, k->root.der, k->root.len) != CCSP_OK) {
		ccsp_tlcp_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* ---- a connected pair in memory ---- */

typedef struct hs_bench {
	ccsp_tlcp_config *scfg, *ccfg;
	ccsp_tlcp_session *session; /* resumed handshakes: the session offered */
	double server_s;            /* time in the server's calls, over every handshake timed */
	unsigned long n;            /* handshakes timed */
	int failed;
} hs_bench;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Everything `from` has to send, into `to`. */
static int transfer(ccsp_tlcp_conn *from, ccsp_tlcp_conn *to)
{
	const uint8_t *p;
	size_t len, pos = 0;

	ccsp_tlcp_conn_out(from, &p, &len);
	while (pos < len) {
		size_t used = 0;
		if (ccsp_tlcp_conn_feed(to, p + pos, len - pos, &used) != CCSP_OK || used == 0)
			break;
		pos += used;
	}
	ccsp_tlcp_conn_out_consume(from, pos);
	return pos == len ? 0 : -1;
}

/* Both handshakes to the end: 0, or -1 when one side failed or it did not finish. */
static int pair_handshake(hs_bench *b, ccsp_tlcp_conn *c, ccsp_tlcp_conn *s)
{
	for (int round = 0; round < 8; round++) {
		int dc = 0, ds = 0;
		double t0;
		if (ccsp_tlcp_conn_handshake(c, &dc) != CCSP_OK)
			return -1;
		t0 = now();
		if (transfer(c, s) != 0 || ccsp_tlcp_conn_handshake(s, &ds) != CCSP_OK)
			return -1;
		b->server_s += now() - t0;
		if (transfer(s, c) != 0 || ccsp_tlcp_conn_handshake(c, &dc) != CCSP_OK)
			return -1;
		if (dc && ds)
			return 0;
	}
	return -1;
}

/* One handshake on new connections (a resumed one when b->session is set). */
static int handshake(void *arg)
{
	hs_bench *b = arg;
	double t0 = now();
	ccsp_tlcp_conn *s = ccsp_tlcp_conn_new(b->scfg, 1), *c;
	b->server_s += now() - t0;
	c = ccsp_tlcp_conn_new(b->ccfg, 0);
	int rc = c == NULL || s == NULL || (b->session != NULL && ccsp_tlcp_conn_set_session(c, b->session) != CCSP_OK) ||
	         pair_handshake(b, c, s) != 0 || ccsp_tlcp_conn_resumed(s) != (b->session != NULL);
	ccsp_tlcp_conn_free(c);
	t0 = now();
	ccsp_tlcp_conn_free(s);
	b->server_s += now() - t0;
	b->n++;
	b->failed |= rc;
	return rc;
}

/* Configurations for one suite: the client has certificates when the suite or the server asks for them. */
static int hs_setup(hs_bench *b, const bench_pki *k, uint16_t suite, int client_certs, int cache)
{
	memset(b, 0, sizeof *b);
	b->scfg = config_make(k, &k->s_sign, &k->s_enc);
	b->ccfg = client_certs ? config_make(k, &k->c_sign, &k->c_enc) : config_make(k, NULL, NULL);
	if (b->scfg == NULL || b->ccfg == NULL || ccsp_tlcp_config_set_suites(b->scfg, &suite, 1) != CCSP_OK ||
	    ccsp_tlcp_config_set_server_name(b->ccfg, "server.example") != CCSP_OK ||
	    (client_certs && ccsp_tlcp_config_set_client_auth(b->scfg, CCSP_TLCP_CLIENT_AUTH_REQUIRED) != CCSP_OK) ||
	    (cache && ccsp_tlcp_config_set_session_cache(b->scfg, 1024, 3600) != CCSP_OK))
		return -1;
	return 0;
}

static void hs_teardown(hs_bench *b)
{
	ccsp_tlcp_session_free(b->session);
	ccsp_tlcp_config_free(b->scfg);
	ccsp_tlcp_config_free(b->ccfg);
}

/* A full handshake that leaves b->session set for the resumed ones. */
static int hs_first_session(hs_bench *b)
{
	ccsp_tlcp_conn *c = ccsp_tlcp_conn_new(b->ccfg, 0), *s = ccsp_tlcp_conn_new(b->scfg, 1);
	if (c != NULL && s != NULL && pair_handshake(b, c, s) == 0)
		b->session = ccsp_tlcp_conn_get_session(c);
	ccsp_tlcp_conn_free(c);
	ccsp_tlcp_conn_free(s);
	b->server_s = 0;
	return b->session != NULL ? 0 : -1;
}

/* The pair's rate (best of 3), then the server side's alone (over the three runs: handshakes / server time). */
static void hs_measure(const char *op, hs_bench *b)
{
	bench_measure(op, "ccsp-pair", "hs/s", 1, handshake, b);
	bench_value(op, "ccsp-server", "hs/s", !b->failed && b->server_s > 0 ? (double)b->n / b->server_s : -1);
	bench_na(op, "openssl", "hs/s");
}

static void bench_handshakes(const bench_pki *k)
{
	static const struct {
		const char *op;
		uint16_t suite;
		int client_certs, resume;
	} runs[] = {
		{"tlcp-hs-ecc", CCSP_TLCP_ECC_SM4_GCM_SM3, 0, 0},
		{"tlcp-hs-ecdhe", CCSP_TLCP_ECDHE_SM4_GCM_SM3, 1, 0},
		{"tlcp-hs-resume", CCSP_TLCP_ECC_SM4_GCM_SM3, 0, 1},
	};
	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		hs_bench b;
		if (hs_setup(&b, k, runs[i].suite, runs[i].client_certs, runs[i].resume) != 0 ||
		    (runs[i].resume && hs_first_session(&b) != 0)) {
			fprintf(stderr, "ccsp-bench: %s: setup failed\n", runs[i].op);
			bench_na(runs[i].op, "ccsp-pair", "hs/s");
		} else {
			hs_measure(runs[i].op, &b);
		}
		hs_teardown(&b);
	}
}

/* ---- records ---- */

typedef struct rec_bench {
	ccsp_tlcp_record *w, *r;           /* client writes, server reads */
	ccsp_tlcp_conn *c, *s;             /* or a connected pair */
	uint8_t in[REC_LEN], wire[CCSP_TLCP_MAX_RECORD], out[REC_LEN];
} rec_bench;

static int rec_write(void *arg)
{
	rec_bench *b = arg;
	size_t n;
	return ccsp_tlcp_record_write(b->w, CCSP_TLCP_APPLICATION_DATA, b->in, REC_LEN, b->wire, sizeof b->wire, &n) !=
	       CCSP_OK;
}

static int rec_write_read(void *arg)
{
	rec_bench *b = arg;
	size_t n, used;
	uint8_t type;
	const uint8_t *data;
	size_t len;
	if (ccsp_tlcp_record_write(b->w, CCSP_TLCP_APPLICATION_DATA, b->in, REC_LEN, b->wire, sizeof b->wire, &n) !=
	            CCSP_OK ||
	    ccsp_tlcp_record_feed(b->r, b->wire, n, &used) != CCSP_OK || used != n ||
	    ccsp_tlcp_record_read(b->r, &type, &data, &len) != CCSP_OK)
		return 1;
	return type != CCSP_TLCP_APPLICATION_DATA || len != REC_LEN;
}

static int conn_write_read(void *arg)
{
	rec_bench *b = arg;
	size_t have = 0;
	if (ccsp_tlcp_conn_write(b->c, b->in, REC_LEN) != CCSP_OK || transfer(b->c, b->s) != 0)
		return 1;
	while (have < REC_LEN) {
		size_t n = 0;
		if (ccsp_tlcp_conn_read(b->s, b->out + have, sizeof b->out - have, &n) != CCSP_OK || n == 0)
			return 1;
		have += n;
	}
	return 0;
}

/* Record objects keyed with a fixed master secret; an established pair for the connection figure. */
static int rec_setup(rec_bench *b, const bench_pki *k, uint16_t suite, hs_bench *hs)
{
	static const uint8_t master[CCSP_TLCP_MASTER_SIZE] = {1}, cr[CCSP_TLCP_RANDOM_SIZE] = {2},
	                     sr[CCSP_TLCP_RANDOM_SIZE] = {3};
	ccsp_tlcp_key_block kb;
	int rc = -1;

	memset(b->in, 0x5a, sizeof b->in);
	b->w = ccsp_tlcp_record_new();
	b->r = ccsp_tlcp_record_new();
	if (b->w == NULL || b->r == NULL || ccsp_tlcp_key_block_derive(suite, master, cr, sr, &kb) != CCSP_OK)
		goto out;
	if (ccsp_tlcp_record_set_cipher(b->w, CCSP_TLCP_WRITE, &kb, 0) != CCSP_OK ||
	    ccsp_tlcp_record_set_cipher(b->r, CCSP_TLCP_READ, &kb, 1) != CCSP_OK || hs_setup(hs, k, suite, 0, 0) != 0)
		goto out;
	b->c = ccsp_tlcp_conn_new(hs->ccfg, 0);
	b->s = ccsp_tlcp_conn_new(hs->scfg, 1);
	if (b->c != NULL && b->s != NULL && pair_handshake(hs, b->c, b->s) == 0)
		rc = 0;
out:
	ccsp_memzero(&kb, sizeof kb);
	return rc;
}

static void rec_teardown(rec_bench *b)
{
	ccsp_tlcp_record_free(b->w);
	ccsp_tlcp_record_free(b->r);
	ccsp_tlcp_conn_free(b->c);
	ccsp_tlcp_conn_free(b->s);
}

static void bench_records(const bench_pki *k)
{
	static const struct {
		const char *op;
		uint16_t suite;
	} runs[] = {
		{"tlcp-rec-cbc", CCSP_TLCP_ECC_SM4_CBC_SM3},
		{"tlcp-rec-gcm", CCSP_TLCP_ECC_SM4_GCM_SM3},
	};
	static rec_bench b; /* ~50 KiB of buffers */
	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		hs_bench hs;
		memset(&hs, 0, sizeof hs);
		memset(&b, 0, sizeof b);
		if (rec_setup(&b, k, runs[i].suite, &hs) != 0) {
			fprintf(stderr, "ccsp-bench: %s: setup failed\n", runs[i].op);
			bench_na(runs[i].op, "ccsp-write", "MB/s");
		} else {
			bench_measure(runs[i].op, "ccsp-write", "MB/s", REC_LEN / BENCH_MB, rec_write, &b);
			/* the reader expects the sequence number the writer-only run left behind */
			ccsp_tlcp_record_set_seq(b.w, CCSP_TLCP_WRITE, ccsp_tlcp_record_seq(b.r, CCSP_TLCP_READ));
			bench_measure(runs[i].op, "ccsp-write+read", "MB/s", REC_LEN / BENCH_MB, rec_write_read, &b);
			bench_measure(runs[i].op, "ccsp-conn", "MB/s", REC_LEN / BENCH_MB, conn_write_read, &b);
			bench_na(runs[i].op, "openssl", "MB/s");
		}
		rec_teardown(&b);
		hs_teardown(&hs);
	}
}

void bench_tlcp(void)
{
	bench_pki k;
	memset(&k, 0, sizeof k);
	if (pki_make(&k) != CCSP_OK) {
		fprintf(stderr, "ccsp-bench: tlcp: certificates could not be made\n");
		bench_na("tlcp-hs-ecc", "ccsp-pair", "hs/s");
	} else {
		bench_handshakes(&k);
		bench_records(&k);
	}
	pki_free(&k);
}
