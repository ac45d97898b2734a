/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLCP handshake (src/tlcp/tlcp_conn.c, tlcp_hs_*.c): client and server in memory, bytes moved between them in
 * random pieces. Full handshakes for the four suites with and without client authentication, application data both
 * ways (16 KiB+, empty writes), close_notify; resumption by session ID (and the fallback to a full handshake for an
 * unknown or expired ID); every refusal with its alert: untrusted CA, expired certificate, a signing certificate in
 * the encryption slot, wrong key usage, wrong server name, transcript tampering caught by Finished, a tampered
 * ServerKeyExchange signature, a missing client certificate, no common suite, truncated, oversized and out-of-order
 * messages, renegotiation. Certificates are made with ccsp_x509_cert_write() (GB/T 38636 double certificates).
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/x509.h>

#include "test_util.h"
#include "tlcp_hs_internal.h"

#define DAY 86400
static int64_t clock_now = INT64_C(1800000000);

static int64_t test_clock(void *arg)
{
	(void)arg;
	return clock_now;
}

/* ---- certificates ---- */

typedef struct cert {
	ccsp_sm2_key *key;
	uint8_t der[2048];
	size_t len;
	ccsp_x509_cert x;
} cert;

static ccsp_sm2_key *new_key(void)
{
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	assert_non_null(k);
	assert_ok(ccsp_sm2_key_generate(k));
	return k;
}

/* issuer NULL: a self-signed CA. */
static void make_cert(cert *c, const char *subj, unsigned ku, const cert *issuer, int64_t nb, int64_t na,
                      const char *dns)
{
	uint8_t name[256];
	size_t nlen;
	const char *names[1] = {dns};
	ccsp_x509_cert_params p = {.not_before = nb, .not_after = na, .key_usage = ku, .pathlen = -1};

	c->key = new_key();
	assert_ok(ccsp_x509_name_from_text(subj, name, sizeof name, &nlen));
	p.subject = name;
	p.subject_len = nlen;
	p.is_ca = issuer == NULL;
	if (dns != NULL) {
		p.dns = names;
		p.n_dns = 1;
	}
	assert_ok(ccsp_x509_cert_write(&p, c->key, issuer != NULL ? &issuer->x : NULL,
	                               issuer != NULL ? issuer->key : c->key, c->der, sizeof c->der, &c->len));
	assert_ok(ccsp_x509_cert_parse(&c->x, c->der, c->len));
}

#define KU_SIGN CCSP_X509_KU_DIGITAL_SIGNATURE
#define KU_ENC (CCSP_X509_KU_KEY_ENCIPHERMENT | CCSP_X509_KU_DATA_ENCIPHERMENT | CCSP_X509_KU_KEY_AGREEMENT)

static struct pki {
	cert root, other_root, s_sign, s_enc, c_sign, c_enc, expired, wrong_ku, untrusted_sign, untrusted_enc;
} k;

static int setup(void **state)
{
	int64_t nb = clock_now - DAY, na = clock_now + 30 * DAY;
	(void)state;
	make_cert(&k.root, "/O=ccsp/CN=TLCP Root", CCSP_X509_KU_KEY_CERT_SIGN, NULL, nb, clock_now + 3650 * DAY, NULL);
	make_cert(&k.other_root, "/O=other/CN=Other Root", CCSP_X509_KU_KEY_CERT_SIGN, NULL, nb, na, NULL);
	make_cert(&k.s_sign, "/O=ccsp/CN=server sign", KU_SIGN, &k.root, nb, na, "server.example");
	make_cert(&k.s_enc, "/O=ccsp/CN=server enc", KU_ENC, &k.root, nb, na, "server.example");
	make_cert(&k.c_sign, "/O=ccsp/CN=client sign", KU_SIGN, &k.root, nb, na, NULL);
	make_cert(&k.c_enc, "/O=ccsp/CN=client enc", KU_ENC, &k.root, nb, na, NULL);
	make_cert(&k.expired, "/O=ccsp/CN=expired", KU_SIGN, &k.root, clock_now - 30 * DAY, clock_now - DAY,
	          "server.example");
	make_cert(&k.wrong_ku, "/O=ccsp/CN=wrong ku", CCSP_X509_KU_KEY_ENCIPHERMENT, &k.root, nb, na, "server.example");
	make_cert(&k.untrusted_sign, "/O=other/CN=sign", KU_SIGN, &k.other_root, nb, na, "server.example");
	make_cert(&k.untrusted_enc, "/O=other/CN=enc", KU_ENC, &k.other_root, nb, na, "server.example");
	return 0;
}

static int teardown(void **state)
{
	cert *all = (cert *)&k;
	(void)state;
	for (size_t i = 0; i < sizeof k / sizeof(cert); i++)
		ccsp_sm2_key_free(all[i].key);
	return 0;
}

/* ---- configurations ---- */

static ccsp_tlcp_config *config(const cert *sign, const cert *enc, const cert *trust)
{
	ccsp_tlcp_config *cfg = ccsp_tlcp_config_new();
	assert_non_null(cfg);
	if (sign != NULL)
		assert_ok(ccsp_tlcp_config_set_cert(cfg, 1, sign->der, sign->len, sign->key));
	if (enc != NULL)
		assert_ok(ccsp_tlcp_config_set_cert(cfg, 0, enc->der, enc->len, enc->key));
	assert_ok(ccsp_tlcp_config_add_trust(cfg, trust->der, trust->len));
	ccsp_tlcp_config_set_time(cfg, test_clock, NULL);
	return cfg;
}

static ccsp_tlcp_config *server_config(void)
{
	return config(&k.s_sign, &k.s_enc, &k.root);
}

static ccsp_tlcp_config *client_config(int with_certs)
{
	ccsp_tlcp_config *cfg = with_certs ? config(&k.c_sign, &k.c_enc, &k.root) : config(NULL, NULL, &k.root);
	assert_ok(ccsp_tlcp_config_set_server_name(cfg, "server.example"));
	return cfg;
}

/* ---- moving bytes ---- */

/* Give `to` what `from` has to send, in random pieces, as much as it takes now. A hook may change the bytes first. */
typedef void (*tamper_fn)(uint8_t *p, size_t len);

static void transfer(ccsp_tlcp_conn *from, ccsp_tlcp_conn *to, tamper_fn hook)
{
	const uint8_t *p;
	size_t len, pos = 0;

	ccsp_tlcp_conn_out(from, &p, &len);
	if (hook != NULL && len > 0)
		hook((uint8_t *)(uintptr_t)p, len);
	while (pos < len) {
		size_t n = 1 + test_rand_below(len - pos), used = 0;
		if (ccsp_tlcp_conn_feed(to, p + pos, n, &used) != CCSP_OK || used == 0)
			break;
		pos += used;
	}
	ccsp_tlcp_conn_out_consume(from, pos);
}

typedef struct pair {
	ccsp_tlcp_conn *c, *s;
	ccsp_err ec, es;
	tamper_fn to_client, to_server;
} pair;

static pair make_pair(ccsp_tlcp_config *ccfg, ccsp_tlcp_config *scfg)
{
	pair p = {.c = ccsp_tlcp_conn_new(ccfg, 0), .s = ccsp_tlcp_conn_new(scfg, 1)};
	assert_non_null(p.c);
	assert_non_null(p.s);
	return p;
}

/* Run both handshakes until both are done or one failed and nothing moves; 1 when both are done. */
static int run(pair *p)
{
	for (int round = 0; round < 100; round++) {
		int dc = 0, ds = 0;
		p->ec = ccsp_tlcp_conn_handshake(p->c, &dc);
		transfer(p->c, p->s, p->to_server);
		p->es = ccsp_tlcp_conn_handshake(p->s, &ds);
		transfer(p->s, p->c, p->to_client);
		p->ec = ccsp_tlcp_conn_handshake(p->c, &dc);
		if (dc && ds && p->ec == CCSP_OK && p->es == CCSP_OK)
			return 1;
		if (p->ec != CCSP_OK && p->es != CCSP_OK)
			return 0;
	}
	return 0;
}

static void free_pair(pair *p)
{
	ccsp_tlcp_conn_free(p->c);
	ccsp_tlcp_conn_free(p->s);
}

/* Send len bytes from one side and read them all on the other. */
static void send_recv(ccsp_tlcp_conn *from, ccsp_tlcp_conn *to, const uint8_t *data, size_t len)
{
	static uint8_t got[70000];
	size_t have = 0;

	assert_ok(ccsp_tlcp_conn_write(from, data, len));
	for (int i = 0; i < 1000 && have < len; i++) {
		size_t n = 0;
		transfer(from, to, NULL);
		assert_ok(ccsp_tlcp_conn_read(to, got + have, sizeof got - have, &n));
		have += n;
	}
	assert_int_equal(have, len);
	assert_memory_equal(got, data, len);
}

static void app_data(pair *p)
{
	static uint8_t msg[70000];
	size_t n = 1;
	test_rand(msg, sizeof msg);
	send_recv(p->c, p->s, msg, 1);
	send_recv(p->s, p->c, msg, 100);
	send_recv(p->c, p->s, msg, 16384);
	send_recv(p->s, p->c, msg, 16385);
	send_recv(p->c, p->s, msg, sizeof msg);
	/* an empty write is one empty record: the reader skips it */
	assert_ok(ccsp_tlcp_conn_write(p->c, NULL, 0));
	transfer(p->c, p->s, NULL);
	assert_ok(ccsp_tlcp_conn_read(p->s, msg, sizeof msg, &n));
	assert_int_equal(n, 0);
	send_recv(p->s, p->c, msg, 0);
	send_recv(p->c, p->s, msg, 3);
}

/* ---- full handshakes ---- */

static const uint16_t all_suites[] = {CCSP_TLCP_ECC_SM4_CBC_SM3, CCSP_TLCP_ECC_SM4_GCM_SM3, CCSP_TLCP_ECDHE_SM4_CBC_SM3,
                                      CCSP_TLCP_ECDHE_SM4_GCM_SM3};

static void check_peer(ccsp_tlcp_conn *c, const cert *sign, const cert *enc)
{
	const uint8_t *der;
	size_t len;
	assert_int_equal(ccsp_tlcp_conn_peer_cert_count(c), 2);
	assert_ok(ccsp_tlcp_conn_peer_cert(c, 0, &der, &len));
	assert_int_equal(len, sign->len);
	assert_memory_equal(der, sign->der, len);
	assert_ok(ccsp_tlcp_conn_peer_cert(c, 1, &der, &len));
	assert_int_equal(len, enc->len);
	assert_memory_equal(der, enc->der, len);
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_conn_peer_cert(c, 2, &der, &len));
}

static void full(uint16_t suite, ccsp_tlcp_client_auth auth)
{
	ccsp_tlcp_config *scfg = server_config(), *ccfg = client_config(1);
	pair p;

	assert_ok(ccsp_tlcp_config_set_suites(scfg, &suite, 1));
	assert_ok(ccsp_tlcp_config_set_client_auth(scfg, auth));
	p = make_pair(ccfg, scfg);
	assert_int_equal(ccsp_tlcp_conn_state(p.c), CCSP_TLCP_STATE_HANDSHAKE);
	if (!run(&p))
		fail_msg("suite %04x auth %d: client %s alert %u, server %s alert %u", suite, auth, ccsp_err_name(p.ec),
		         ccsp_tlcp_conn_alert_sent(p.c), ccsp_err_name(p.es), ccsp_tlcp_conn_alert_sent(p.s));
	assert_int_equal(ccsp_tlcp_conn_suite(p.c), suite);
	assert_int_equal(ccsp_tlcp_conn_suite(p.s), suite);
	assert_int_equal(ccsp_tlcp_conn_state(p.s), CCSP_TLCP_STATE_ESTABLISHED);
	assert_false(ccsp_tlcp_conn_resumed(p.c));
	check_peer(p.c, &k.s_sign, &k.s_enc);
	if (auth != CCSP_TLCP_CLIENT_AUTH_NONE || ccsp_tlcp_suite_find(suite)->ecdhe)
		check_peer(p.s, &k.c_sign, &k.c_enc);
	else
		assert_int_equal(ccsp_tlcp_conn_peer_cert_count(p.s), 0);
	app_data(&p);
	/* close_notify: the peer sees the end, then nothing more */
	assert_ok(ccsp_tlcp_conn_close(p.c));
	assert_int_equal(ccsp_tlcp_conn_state(p.c), CCSP_TLCP_STATE_CLOSED);
	assert_ccsp(CCSP_ERR_STATE, ccsp_tlcp_conn_write(p.c, (const uint8_t *)"x", 1));
	transfer(p.c, p.s, NULL);
	size_t n = 1;
	uint8_t b[8];
	assert_ok(ccsp_tlcp_conn_read(p.s, b, sizeof b, &n));
	assert_int_equal(n, 0);
	assert_int_equal(ccsp_tlcp_conn_state(p.s), CCSP_TLCP_STATE_PEER_CLOSED);
	assert_int_equal(ccsp_tlcp_conn_alert_received(p.s), CCSP_TLCP_ALERT_CLOSE_NOTIFY);
	free_pair(&p);
	ccsp_tlcp_config_free(scfg);
	ccsp_tlcp_config_free(ccfg);
}

static void test_full_handshakes(void **state)
{
	(void)state;
	for (size_t i = 0; i < 4; i++) {
		full(all_suites[i], CCSP_TLCP_CLIENT_AUTH_NONE);
		full(all_suites[i], CCSP_TLCP_CLIENT_AUTH_REQUIRED);
	}
	full(CCSP_TLCP_ECC_SM4_GCM_SM3, CCSP_TLCP_CLIENT_AUTH_OPTIONAL);
}

/* Optional client authentication with a client that has no certificate: an empty Certificate is fine. */
static void test_optional_auth_no_cert(void **state)
{
	ccsp_tlcp_config *scfg = server_config(), *ccfg = client_config(0);
	pair p;
	(void)state;
	assert_ok(ccsp_tlcp_config_set_client_auth(scfg, CCSP_TLCP_CLIENT_AUTH_OPTIONAL));
	p = make_pair(ccfg, scfg);
	assert_true(run(&p));
	assert_int_equal(ccsp_tlcp_conn_peer_cert_count(p.s), 0);
	/* without certificates the client never offers ECDHE */
	assert_false(ccsp_tlcp_suite_find(ccsp_tlcp_conn_suite(p.c))->ecdhe);
	app_data(&p);
	free_pair(&p);
	ccsp_tlcp_config_free(scfg);
	ccsp_tlcp_config_free(ccfg);
}

/* ---- resumption ---- */

static void resume_once(ccsp_tlcp_config *ccfg, ccsp_tlcp_config *scfg, const ccsp_tlcp_session *s, int expect)
{
	pair p = make_pair(ccfg, scfg);
	assert_ok(ccsp_tlcp_conn_set_session(p.c, s));
	assert_true(run(&p));
	assert_int_equal(ccsp_tlcp_conn_resumed(p.c), expect);
	assert_int_equal(ccsp_tlcp_conn_resumed(p.s), expect);
	check_peer(p.c, &k.s_sign, &k.s_enc);
	app_data(&p);
	free_pair(&p);
}

static void test_resumption(void **state)
{
	ccsp_tlcp_config *scfg = server_config(), *ccfg = client_config(1);
	ccsp_tlcp_session *s, *bad;
	pair p;
	(void)state;
	assert_ok(ccsp_tlcp_config_set_session_cache(scfg, 4, 3600));
	assert_ok(ccsp_tlcp_config_set_client_auth(scfg, CCSP_TLCP_CLIENT_AUTH_REQUIRED));
	p = make_pair(ccfg, scfg);
	assert_null(ccsp_tlcp_conn_get_session(p.c)); /* not before the handshake */
	assert_true(run(&p));
	s = ccsp_tlcp_conn_get_session(p.c);
	assert_non_null(s);
	assert_int_equal(s->id_len, 32);
	free_pair(&p);

	/* the abbreviated handshake, twice; the server still knows the client's certificates */
	for (int i = 0; i < 2; i++) {
		p = make_pair(ccfg, scfg);
		assert_ok(ccsp_tlcp_conn_set_session(p.c, s));
		assert_true(run(&p));
		assert_true(ccsp_tlcp_conn_resumed(p.c));
		assert_true(ccsp_tlcp_conn_resumed(p.s));
		assert_int_equal(ccsp_tlcp_conn_suite(p.s), s->suite);
		check_peer(p.s, &k.c_sign, &k.c_enc);
		app_data(&p);
		free_pair(&p);
	}

	/* an unknown ID: a full handshake */
	bad = calloc(1, sizeof *bad);
	assert_non_null(bad);
	assert_ok(tlcp_session_copy(bad, s));
	bad->id[5] ^= 1;
	resume_once(ccfg, scfg, bad, 0);
	ccsp_tlcp_session_free(bad);

	/* a server without a cache: a full handshake */
	ccsp_tlcp_config *nocache = server_config();
	resume_once(ccfg, nocache, s, 0);
	ccsp_tlcp_config_free(nocache);

	/* expired: a full handshake, which gives a new session that resumes */
	clock_now += 3600;
	resume_once(ccfg, scfg, s, 0);
	clock_now -= 3600;
	ccsp_tlcp_session_free(s);
	ccsp_tlcp_session_free(NULL);

	/* a failed connection removes its session from the cache */
	p = make_pair(ccfg, scfg);
	assert_true(run(&p));
	s = ccsp_tlcp_conn_get_session(p.c);
	assert_non_null(s);
	assert_int_equal(tlcp_fail(p.s, CCSP_ERR_PROTOCOL, CCSP_TLCP_ALERT_INTERNAL_ERROR), CCSP_ERR_PROTOCOL);
	free_pair(&p);
	resume_once(ccfg, scfg, s, 0);
	ccsp_tlcp_session_free(s);
	ccsp_tlcp_config_free(scfg);
	ccsp_tlcp_config_free(ccfg);
}

/* ---- refusals ---- */

/* A handshake that must fail: who (0 client, 1 server) sends `alert`, with error `err`. */
static void refused(ccsp_tlcp_config *ccfg, ccsp_tlcp_config *scfg, tamper_fn to_client, tamper_fn to_server, int who,
                    uint8_t alert, ccsp_err err)
{
	pair p = make_pair(ccfg, scfg);
	ccsp_tlcp_conn *refuser, *other;
	int done = 1;

	p.to_client = to_client;
	p.to_server = to_server;
	assert_false(run(&p));
	refuser = who ? p.s : p.c;
	other = who ? p.c : p.s;
	if (ccsp_tlcp_conn_alert_sent(refuser) != alert)
		fail_msg("%s sent alert %u (%s), expected %u", who ? "server" : "client",
		         ccsp_tlcp_conn_alert_sent(refuser), ccsp_err_name(who ? p.es : p.ec), alert);
	assert_ccsp(err, who ? p.es : p.ec);
	assert_int_equal(ccsp_tlcp_conn_state(refuser), CCSP_TLCP_STATE_FAILED);
	/* the alert reached the peer, which stops too */
	assert_int_equal(ccsp_tlcp_conn_alert_received(other), alert);
	assert_int_equal(ccsp_tlcp_conn_state(other), CCSP_TLCP_STATE_FAILED);
	/* final: every later call gives the same error */
	assert_ccsp(err, ccsp_tlcp_conn_handshake(refuser, &done));
	assert_int_equal(done, 0);
	assert_ccsp(err, ccsp_tlcp_conn_write(refuser, (const uint8_t *)"x", 1));
	free_pair(&p);
	ccsp_tlcp_config_free(ccfg);
	ccsp_tlcp_config_free(scfg);
}

static void test_bad_server_certs(void **state)
{
	(void)state;
	refused(client_config(0), config(&k.untrusted_sign, &k.untrusted_enc, &k.root), NULL, NULL, 0,
	        CCSP_TLCP_ALERT_UNKNOWN_CA, CCSP_ERR_AUTH);
	refused(client_config(0), config(&k.expired, &k.s_enc, &k.root), NULL, NULL, 0,
	        CCSP_TLCP_ALERT_CERTIFICATE_EXPIRED, CCSP_ERR_AUTH);
	/* the signing certificate in the encryption slot */
	refused(client_config(0), config(&k.s_sign, &k.s_sign, &k.root), NULL, NULL, 0,
	        CCSP_TLCP_ALERT_UNSUPPORTED_CERTIFICATE, CCSP_ERR_AUTH);
	/* a signing certificate without digitalSignature */
	refused(client_config(0), config(&k.wrong_ku, &k.s_enc, &k.root), NULL, NULL, 0,
	        CCSP_TLCP_ALERT_UNSUPPORTED_CERTIFICATE, CCSP_ERR_AUTH);
	/* another name than the one expected */
	ccsp_tlcp_config *ccfg = client_config(0);
	assert_ok(ccsp_tlcp_config_set_server_name(ccfg, "other.example"));
	refused(ccfg, server_config(), NULL, NULL, 0, CCSP_TLCP_ALERT_BAD_CERTIFICATE, CCSP_ERR_AUTH);
	/* the same certificates, checked once at a time where they are expired */
	clock_now += 60 * DAY;
	refused(client_config(0), server_config(), NULL, NULL, 0, CCSP_TLCP_ALERT_CERTIFICATE_EXPIRED, CCSP_ERR_AUTH);
	clock_now -= 60 * DAY;
}

static void test_bad_client_certs(void **state)
{
	ccsp_tlcp_config *scfg;
	(void)state;
	/* required, and the client has none */
	scfg = server_config();
	assert_ok(ccsp_tlcp_config_set_client_auth(scfg, CCSP_TLCP_CLIENT_AUTH_REQUIRED));
	refused(client_config(0), scfg, NULL, NULL, 1, CCSP_TLCP_ALERT_HANDSHAKE_FAILURE, CCSP_ERR_AUTH);
	/* a client from another CA */
	scfg = server_config();
	assert_ok(ccsp_tlcp_config_set_client_auth(scfg, CCSP_TLCP_CLIENT_AUTH_OPTIONAL));
	ccsp_tlcp_config *ccfg = config(&k.untrusted_sign, &k.untrusted_enc, &k.root);
	refused(ccfg, scfg, NULL, NULL, 1, CCSP_TLCP_ALERT_UNKNOWN_CA, CCSP_ERR_AUTH);
	/* ECDHE with the client's signing certificate in its encryption slot */
	scfg = server_config();
	uint16_t ecdhe = CCSP_TLCP_ECDHE_SM4_GCM_SM3;
	assert_ok(ccsp_tlcp_config_set_suites(scfg, &ecdhe, 1));
	refused(config(&k.c_sign, &k.c_sign, &k.root), scfg, NULL, NULL, 1, CCSP_TLCP_ALERT_UNSUPPORTED_CERTIFICATE,
	        CCSP_ERR_AUTH);
}

static void test_no_common_suite(void **state)
{
	ccsp_tlcp_config *scfg = server_config(), *ccfg = client_config(0);
	uint16_t gcm = CCSP_TLCP_ECC_SM4_GCM_SM3, cbc = CCSP_TLCP_ECC_SM4_CBC_SM3;
	(void)state;
	assert_ok(ccsp_tlcp_config_set_suites(scfg, &gcm, 1));
	assert_ok(ccsp_tlcp_config_set_suites(ccfg, &cbc, 1));
	refused(ccfg, scfg, NULL, NULL, 1, CCSP_TLCP_ALERT_HANDSHAKE_FAILURE, CCSP_ERR_PROTOCOL);
	/* a client with only ECDHE suites and no certificate offers nothing */
	uint16_t e = CCSP_TLCP_ECDHE_SM4_CBC_SM3;
	int done;
	ccfg = client_config(0);
	assert_ok(ccsp_tlcp_config_set_suites(ccfg, &e, 1));
	ccsp_tlcp_conn *c = ccsp_tlcp_conn_new(ccfg, 0);
	assert_ccsp(CCSP_ERR_UNSUPPORTED, ccsp_tlcp_conn_handshake(c, &done));
	ccsp_tlcp_conn_free(c);
	ccsp_tlcp_config_free(ccfg);
	uint16_t unknown = 0x00ff;
	assert_ccsp(CCSP_ERR_UNSUPPORTED, ccsp_tlcp_config_set_suites(scfg = server_config(), &unknown, 1));
	ccsp_tlcp_config_free(scfg);
}

/* Find handshake message `type` in a flight of unprotected records (one message per record, as we send them):
 * the offset of its body, or 0. */
static size_t find_msg(const uint8_t *p, size_t len, uint8_t type)
{
	for (size_t off = 0; off + 9 <= len;) {
		size_t rlen = (size_t)p[off + 3] << 8 | p[off + 4];
		if (p[off] == CCSP_TLCP_HANDSHAKE && p[off + 5] == type)
			return off + 9;
		off += 5 + rlen;
	}
	return 0;
}

static void flip_ske_signature(uint8_t *p, size_t len)
{
	size_t off = find_msg(p, len, TLCP_SERVER_KEY_EXCHANGE);
	if (off != 0) {
		size_t mlen = (size_t)p[off - 3] << 16 | (size_t)p[off - 2] << 8 | p[off - 1];
		p[off + mlen - 1] ^= 0x01; /* the last byte of the signature's s */
	}
}

static void flip_ske_point(uint8_t *p, size_t len)
{
	size_t off = find_msg(p, len, TLCP_SERVER_KEY_EXCHANGE);
	if (off != 0)
		p[off + 10] ^= 0x01; /* inside the ephemeral point: covered by the signature */
}

/* The client's last offered suite, which the server does not pick, changed on the way: only Finished sees it. */
static void change_offer(uint8_t *p, size_t len)
{
	size_t off = find_msg(p, len, TLCP_CLIENT_HELLO);
	if (off != 0) {
		size_t sid = p[off + 34], n = (size_t)p[off + 35 + sid] << 8 | p[off + 36 + sid];
		p[off + 36 + sid + n] ^= 0x80;
	}
}

static void test_tampering(void **state)
{
	ccsp_tlcp_config *scfg;
	uint16_t ecdhe = CCSP_TLCP_ECDHE_SM4_CBC_SM3;
	(void)state;
	refused(client_config(0), server_config(), flip_ske_signature, NULL, 0, CCSP_TLCP_ALERT_DECRYPT_ERROR,
	        CCSP_ERR_SIGNATURE);
	scfg = server_config();
	assert_ok(ccsp_tlcp_config_set_suites(scfg, &ecdhe, 1));
	refused(client_config(1), scfg, flip_ske_point, NULL, 0, CCSP_TLCP_ALERT_DECRYPT_ERROR, CCSP_ERR_SIGNATURE);
	refused(client_config(0), server_config(), NULL, change_offer, 1, CCSP_TLCP_ALERT_DECRYPT_ERROR, CCSP_ERR_AUTH);
}

/* ---- raw messages ---- */

/* Feed one unprotected record with a handshake message (type, body of blen bytes, header length hlen) to a fresh
 * server, and check the alert it answers with. */
static void raw_to_server(uint8_t type, const uint8_t *body, size_t blen, size_t hlen, uint8_t alert)
{
	ccsp_tlcp_config *scfg = server_config();
	ccsp_tlcp_conn *s = ccsp_tlcp_conn_new(scfg, 1);
	uint8_t rec[600];
	size_t used;
	int done;

	assert_true(blen + 9 <= sizeof rec);
	rec[0] = CCSP_TLCP_HANDSHAKE;
	rec[1] = 1;
	rec[2] = 1;
	rec[3] = (uint8_t)((blen + 4) >> 8);
	rec[4] = (uint8_t)(blen + 4);
	rec[5] = type;
	rec[6] = (uint8_t)(hlen >> 16);
	rec[7] = (uint8_t)(hlen >> 8);
	rec[8] = (uint8_t)hlen;
	memcpy(rec + 9, body, blen);
	assert_ok(ccsp_tlcp_conn_feed(s, rec, blen + 9, &used));
	assert_int_equal(used, blen + 9);
	ccsp_err e = ccsp_tlcp_conn_handshake(s, &done);
	if (ccsp_tlcp_conn_alert_sent(s) != alert)
		fail_msg("type %u, %zu bytes: alert %u (%s), expected %u", type, blen, ccsp_tlcp_conn_alert_sent(s),
		         ccsp_err_name(e), alert);
	assert_int_equal(done, 0);
	/* the alert is on the wire: level 2, the description */
	const uint8_t *out;
	size_t olen;
	ccsp_tlcp_conn_out(s, &out, &olen);
	if (alert != CCSP_TLCP_ALERT_NONE) {
		assert_int_equal(olen, 7);
		assert_int_equal(out[0], CCSP_TLCP_ALERT);
		assert_int_equal(out[5], 2);
		assert_int_equal(out[6], alert);
	}
	ccsp_tlcp_conn_free(s);
	ccsp_tlcp_config_free(scfg);
}

static size_t client_hello(uint8_t *b, const uint8_t *suites, size_t nsuites, const uint8_t *tail, size_t tlen)
{
	size_t n = 0;
	b[n++] = 1;
	b[n++] = 1;
	memset(b + n, 0x5a, 32);
	n += 32;
	b[n++] = 0; /* session id */
	b[n++] = 0;
	b[n++] = (uint8_t)nsuites;
	memcpy(b + n, suites, nsuites);
	n += nsuites;
	b[n++] = 1; /* compression: null */
	b[n++] = 0;
	if (tlen > 0)
		memcpy(b + n, tail, tlen);
	return n + tlen;
}

static void test_raw_messages(void **state)
{
	static const uint8_t ecc[] = {0xe0, 0x13}, unknown[] = {0x00, 0xff, 0xc0, 0x2f};
	static const uint8_t ext[] = {0x00, 0x0c, 0x00, 0x00, 0x00, 0x04, 0x00,
	                              0x02, 0x61, 0x62, 0xff, 0x01, 0x00, 0x00};
	uint8_t b[512];
	size_t n;
	(void)state;

	/* unknown extensions are tolerated: the server answers with its flight */
	n = client_hello(b, ecc, 2, ext, sizeof ext);
	raw_to_server(TLCP_CLIENT_HELLO, b, n, n, CCSP_TLCP_ALERT_NONE);
	/* every truncation of a ClientHello: decode_error */
	n = client_hello(b, ecc, 2, ext, sizeof ext);
	for (size_t cut = 0; cut < n; cut++)
		if (cut != n - sizeof ext) /* without the extensions it is complete */
			raw_to_server(TLCP_CLIENT_HELLO, b, cut, cut, CCSP_TLCP_ALERT_DECODE_ERROR);
	/* a trailing byte, an extension list longer than its message */
	raw_to_server(TLCP_CLIENT_HELLO, b, n + 1, n + 1, CCSP_TLCP_ALERT_DECODE_ERROR);
	b[n - sizeof ext + 1] ^= 0x10;
	raw_to_server(TLCP_CLIENT_HELLO, b, n, n, CCSP_TLCP_ALERT_DECODE_ERROR);
	/* oversized: the header announces more than 64 KiB */
	n = client_hello(b, ecc, 2, NULL, 0);
	raw_to_server(TLCP_CLIENT_HELLO, b, n, CCSP_TLCP_MAX_HS_MSG + 1, CCSP_TLCP_ALERT_DECODE_ERROR);
	/* odd suite list length, empty suite list */
	n = client_hello(b, unknown, 3, NULL, 0);
	raw_to_server(TLCP_CLIENT_HELLO, b, n, n, CCSP_TLCP_ALERT_DECODE_ERROR);
	n = client_hello(b, unknown, 0, NULL, 0);
	raw_to_server(TLCP_CLIENT_HELLO, b, n, n, CCSP_TLCP_ALERT_DECODE_ERROR);
	/* only unknown suites */
	n = client_hello(b, unknown, 4, NULL, 0);
	raw_to_server(TLCP_CLIENT_HELLO, b, n, n, CCSP_TLCP_ALERT_HANDSHAKE_FAILURE);
	/* another version; compression without null */
	n = client_hello(b, ecc, 2, NULL, 0);
	b[1] = 3;
	raw_to_server(TLCP_CLIENT_HELLO, b, n, n, CCSP_TLCP_ALERT_PROTOCOL_VERSION);
	n = client_hello(b, ecc, 2, NULL, 0);
	b[n - 1] = 1;
	raw_to_server(TLCP_CLIENT_HELLO, b, n, n, CCSP_TLCP_ALERT_HANDSHAKE_FAILURE);
	/* out of order: anything but a ClientHello first */
	static const uint8_t types[] = {TLCP_HELLO_REQUEST,
	                                TLCP_SERVER_HELLO,
	                                TLCP_CERTIFICATE,
	                                TLCP_SERVER_KEY_EXCHANGE,
	                                TLCP_CERTIFICATE_REQUEST,
	                                TLCP_SERVER_HELLO_DONE,
	                                TLCP_CERTIFICATE_VERIFY,
	                                TLCP_CLIENT_KEY_EXCHANGE,
	                                TLCP_FINISHED,
	                                99};
	for (size_t i = 0; i < sizeof types; i++)
		raw_to_server(types[i], b, 12, 12, CCSP_TLCP_ALERT_UNEXPECTED_MESSAGE);
}

/* An unknown message type where the client waits for ServerKeyExchange. */
static void drop_ske(uint8_t *p, size_t len)
{
	size_t off = find_msg(p, len, TLCP_SERVER_KEY_EXCHANGE);
	if (off != 0)
		p[off - 4] = TLCP_SERVER_HELLO_DONE + 100; /* an unknown type in its place */
}

static void swap_to_cke(uint8_t *p, size_t len)
{
	size_t off = find_msg(p, len, TLCP_CLIENT_KEY_EXCHANGE);
	if (off != 0)
		p[off - 4] = TLCP_CERTIFICATE_VERIFY; /* CertificateVerify before ClientKeyExchange */
}

static void test_order(void **state)
{
	(void)state;
	refused(client_config(0), server_config(), drop_ske, NULL, 0, CCSP_TLCP_ALERT_UNEXPECTED_MESSAGE,
	        CCSP_ERR_PROTOCOL);
	refused(client_config(0), server_config(), NULL, swap_to_cke, 1, CCSP_TLCP_ALERT_UNEXPECTED_MESSAGE,
	        CCSP_ERR_PROTOCOL);
}

/* After the handshake: a HelloRequest to the client, a ClientHello to the server (both protected). */
static void test_renegotiation(void **state)
{
	uint8_t b[128], got[8];
	size_t n;
	(void)state;
	for (int side = 0; side < 2; side++) {
		ccsp_tlcp_config *scfg = server_config(), *ccfg = client_config(0);
		pair p = make_pair(ccfg, scfg);
		assert_true(run(&p));
		ccsp_tlcp_conn *from = side ? p.c : p.s, *to = side ? p.s : p.c;
		if (side)
			n = client_hello(b, (const uint8_t *)"\xe0\x13", 2, NULL, 0);
		else
			n = 0;
		assert_ok(tlcp_send_hs(from, side ? TLCP_CLIENT_HELLO : TLCP_HELLO_REQUEST, b, n));
		transfer(from, to, NULL);
		assert_ccsp(CCSP_ERR_PROTOCOL, ccsp_tlcp_conn_read(to, got, sizeof got, &n));
		assert_int_equal(ccsp_tlcp_conn_alert_sent(to), CCSP_TLCP_ALERT_NO_RENEGOTIATION);
		transfer(to, from, NULL);
		assert_ccsp(CCSP_ERR_PROTOCOL, ccsp_tlcp_conn_read(from, got, sizeof got, &n));
		assert_int_equal(ccsp_tlcp_conn_alert_received(from), CCSP_TLCP_ALERT_NO_RENEGOTIATION);
		free_pair(&p);
		ccsp_tlcp_config_free(scfg);
		ccsp_tlcp_config_free(ccfg);
	}
}

/* A record tampered after ChangeCipherSpec. */
static void flip_last(uint8_t *p, size_t len)
{
	for (size_t off = 0; off + 5 <= len; off += 5 + ((size_t)p[off + 3] << 8 | p[off + 4]))
		if (p[off] == CCSP_TLCP_CHANGE_CIPHER_SPEC) {
			p[len - 1] ^= 1; /* the Finished record after it */
			return;
		}
}

static void test_misc_refusals(void **state)
{
	(void)state;
	/* the client's Finished record altered: bad_record_mac */
	refused(client_config(0), server_config(), NULL, flip_last, 1, CCSP_TLCP_ALERT_BAD_RECORD_MAC, CCSP_ERR_AUTH);
}

/* As transfer(), through in_space()/in_commit() in pieces of random size, with reads of random size in between (so
 * that application data waits in place while more arrives): the bytes read into got. */
static size_t transfer_in_place(ccsp_tlcp_conn *from, ccsp_tlcp_conn *to, uint8_t *got, size_t cap)
{
	const uint8_t *p;
	size_t len, pos = 0, have = 0;

	ccsp_tlcp_conn_out(from, &p, &len);
	for (int i = 0; i < 100000; i++) {
		uint8_t *dst;
		size_t room, n = 0, r = 0;
		ccsp_tlcp_conn_in_space(to, &dst, &room);
		if (pos < len)
			n = 1 + test_rand_below(len - pos);
		n = n < room ? n : room;
		if (n > 0) {
			memcpy(dst, p + pos, n);
			assert_ok(ccsp_tlcp_conn_in_commit(to, n));
			pos += n;
		}
		size_t want = 1 + test_rand_below(5000);
		assert_ok(ccsp_tlcp_conn_read(to, got + have, want < cap - have ? want : cap - have, &r));
		have += r;
		if ((pos == len && r == 0) || (n == 0 && r == 0))
			break;
	}
	ccsp_tlcp_conn_out_consume(from, pos);
	return have;
}

/* Receiving in place, for both record protections: the data, a commit beyond the space, a tampered record. */
static void test_in_place_receive(void **state)
{
	static uint8_t msg[70000], got[70000];
	const uint16_t suites[] = {CCSP_TLCP_ECC_SM4_GCM_SM3, CCSP_TLCP_ECC_SM4_CBC_SM3};
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		ccsp_tlcp_config *scfg = server_config(), *ccfg = client_config(0);
		assert_ok(ccsp_tlcp_config_set_suites(scfg, &suites[i], 1));
		pair p = make_pair(ccfg, scfg);
		assert_true(run(&p));
		test_rand(msg, sizeof msg);
		assert_ok(ccsp_tlcp_conn_write(p.c, msg, sizeof msg));
		assert_int_equal(transfer_in_place(p.c, p.s, got, sizeof got), sizeof msg);
		assert_memory_equal(got, msg, sizeof msg);
		uint8_t *dst;
		size_t room, n;
		ccsp_tlcp_conn_in_space(p.s, &dst, &room);
		assert_true(room >= CCSP_TLCP_MAX_RECORD);
		assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_conn_in_commit(p.s, room + 1));
		/* a record with its last byte (tag or padding) flipped: bad_record_mac, then nothing more is taken */
		const uint8_t *out;
		size_t len;
		assert_ok(ccsp_tlcp_conn_write(p.c, msg, 100));
		ccsp_tlcp_conn_out(p.c, &out, &len);
		assert_true(len <= room);
		memcpy(dst, out, len);
		dst[len - 1] ^= 1;
		assert_ok(ccsp_tlcp_conn_in_commit(p.s, len));
		assert_ccsp(CCSP_ERR_AUTH, ccsp_tlcp_conn_read(p.s, got, sizeof got, &n));
		assert_int_equal(ccsp_tlcp_conn_alert_sent(p.s), CCSP_TLCP_ALERT_BAD_RECORD_MAC);
		ccsp_tlcp_conn_in_space(p.s, &dst, &room);
		assert_int_equal(room, 0);
		assert_ccsp(CCSP_ERR_AUTH, ccsp_tlcp_conn_in_commit(p.s, 0));
		free_pair(&p);
		ccsp_tlcp_config_free(scfg);
		ccsp_tlcp_config_free(ccfg);
	}
}

static void test_api(void **state)
{
	ccsp_tlcp_config *cfg = ccsp_tlcp_config_new(), *scfg = server_config();
	uint8_t buf[4];
	size_t n;
	int done;
	(void)state;
	assert_null(ccsp_tlcp_conn_new(cfg, 1)); /* a server needs its certificates */
	assert_null(ccsp_tlcp_conn_new(NULL, 0));
	assert_ccsp(CCSP_ERR_KEY, ccsp_tlcp_config_set_cert(cfg, 1, k.s_sign.der, k.s_sign.len, k.s_enc.key));
	assert_ccsp(CCSP_ERR_DECODE, ccsp_tlcp_config_set_cert(cfg, 1, k.s_sign.der, k.s_sign.len - 1, k.s_sign.key));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_config_set_client_auth(cfg, 7));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_config_set_session_cache(cfg, 1, 0));
	uint16_t twice[] = {CCSP_TLCP_ECC_SM4_CBC_SM3, CCSP_TLCP_ECC_SM4_CBC_SM3};
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_config_set_suites(cfg, twice, 2));
	ccsp_tlcp_conn *c = ccsp_tlcp_conn_new(cfg, 0), *s = ccsp_tlcp_conn_new(scfg, 1);
	assert_non_null(c);
	assert_ccsp(CCSP_ERR_STATE, ccsp_tlcp_conn_write(c, buf, 1));
	assert_ccsp(CCSP_ERR_STATE, ccsp_tlcp_conn_read(c, buf, sizeof buf, &n));
	assert_ccsp(CCSP_ERR_STATE, ccsp_tlcp_conn_set_server_name(s, "x"));
	assert_ok(ccsp_tlcp_conn_handshake(c, &done));
	assert_int_equal(done, 0);
	assert_ccsp(CCSP_ERR_STATE, ccsp_tlcp_conn_set_server_name(c, "x"));
	/* the input buffer is bounded: feeding stops when it is full */
	static uint8_t junk[6 * CCSP_TLCP_MAX_RECORD];
	assert_ok(ccsp_tlcp_conn_feed(s, junk, sizeof junk, &n));
	assert_true(n > 0 && n < sizeof junk);
	ccsp_tlcp_conn_free(c);
	ccsp_tlcp_conn_free(s);
	ccsp_tlcp_conn_free(NULL);
	ccsp_tlcp_config_free(cfg);
	ccsp_tlcp_config_free(scfg);
	ccsp_tlcp_config_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_full_handshakes),
	        cmocka_unit_test(test_optional_auth_no_cert),
	        cmocka_unit_test(test_resumption),
	        cmocka_unit_test(test_bad_server_certs),
	        cmocka_unit_test(test_bad_client_certs),
	        cmocka_unit_test(test_no_common_suite),
	        cmocka_unit_test(test_tampering),
	        cmocka_unit_test(test_raw_messages),
	        cmocka_unit_test(test_order),
	        cmocka_unit_test(test_renegotiation),
	        cmocka_unit_test(test_misc_refusals),
	        cmocka_unit_test(test_in_place_receive),
	        cmocka_unit_test(test_api),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
