/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp tlcp client|server: a TLCP (GB/T 38636) client and server for operators and tests, in the manner of
 * openssl s_client / s_server: handshake, the suite and the peer's certificates on stderr, then stdin and stdout
 * relayed over the connection. The sockets and the relay loop are in cli_tlcp_io.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ccsp/x509.h>

#include "cli.h"
#include "cli_cert.h"
#include "cli_tlcp.h"

static const char usage[] =
	"usage: ccsp tlcp <command> [options]\n"
	"  client HOST:PORT --ca CA.pem [--sign-cert F --sign-key F] [--enc-cert F --enc-key F]\n"
	"         [--servername NAME] [--suites LIST] [--reconnect N] [--timeout S]\n"
	"  server --listen ADDR:PORT --sign-cert F --sign-key F --enc-cert F --enc-key F\n"
	"         [--ca CA.pem] [--verify none|optional|required] [--count N] [--suites LIST] [--timeout S]\n"
	"  After the handshake, stderr shows the suite, whether the session was resumed and each peer certificate's\n"
	"  subject and issuer; then stdin is sent over the connection and what arrives goes to stdout. EOF on stdin\n"
	"  sends close_notify (what the peer still sends is read until its close_notify); the peer's close_notify\n"
	"  is answered at once and ends the relay (stdin not sent yet is dropped). A refused handshake names its\n"
	"  alert (exit 1).\n"
	"  --sign-cert/--sign-key, --enc-cert/--enc-key: this side's SM2 signing and encryption certificates (PEM;\n"
	"      certificates after the first in --sign-cert are sent as the chain) and their private keys. The\n"
	"      server needs both pairs; a client needs them for client authentication and the ECDHE suites.\n"
	"  --ca: trust anchors for the peer's certificates (PEM, one or more; required by the client, and by the\n"
	"      server unless --verify none)\n"
	"  --suites: comma-separated, in preference order, of ECC_SM4_CBC_SM3, ECC_SM4_GCM_SM3,\n"
	"      ECDHE_SM4_CBC_SM3, ECDHE_SM4_GCM_SM3 (default: all four, ECC first)\n"
	"  --verify: client authentication (default none; the ECDHE suites always need the client's certificates)\n"
	"  --servername: the name the server's signing certificate must carry (SAN DNS or IP); unchecked without it\n"
	"  --listen: port 0 takes any free port; the server prints \"listening on ADDR:PORT\" on stderr first\n"
	"  --count: connections served one after the other before exiting (default 1; stdin goes to the first)\n"
	"  --reconnect: N more connections after the first, each offering the session of the one before for\n"
	"      resumption (as openssl s_client -reconnect); every one prints its summary and all but the last close\n"
	"      at once (close_notify); stdin is relayed over the last\n"
	"  --timeout: bound in seconds of every wait: connect, accept, each handshake step, and silence both\n"
	"      ways while relaying (default 30)\n";

static const uint16_t all_suites[] = {CCSP_TLCP_ECC_SM4_CBC_SM3, CCSP_TLCP_ECC_SM4_GCM_SM3, CCSP_TLCP_ECDHE_SM4_CBC_SM3,
                                      CCSP_TLCP_ECDHE_SM4_GCM_SM3};
#define N_SUITES (sizeof all_suites / sizeof all_suites[0])

typedef struct tlcp_opts {
	char *sign_cert, *sign_key, *enc_cert, *enc_key, *ca, *suites, *verify, *servername, *count, *timeout, *listen;
	char *reconnect;
} tlcp_opts;

static int parse_num(const char *what, const char *s, unsigned long max, unsigned long *v)
{
	char *end;
	*v = strtoul(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || *v < 1 || *v > max) {
		cli_error("tlcp: %s must be a number from 1 to %lu", what, max);
		return -1;
	}
	return 0;
}

/* ---- configuration ---- */

/* This side's certificate (the first of certpath; for the signing one, the others are sent as its chain) and key. */
static int load_pair(ccsp_tlcp_config *cfg, int sign, const char *certpath, const char *keypath)
{
	cli_cert_set *set = cli_cert_load(certpath);
	ccsp_sm2_key *key = set != NULL ? cli_chsm_key_load(keypath, 1) : NULL;
	ccsp_err e = CCSP_OK;
	int ret = -1;
	if (key == NULL)
		goto out;
	e = ccsp_tlcp_config_set_cert(cfg, sign, set->certs[0].der.p, set->certs[0].der.len, key);
	if (e != CCSP_OK) {
		cli_error_ccsp(e, "tlcp: %s and %s: not a usable certificate and private key", certpath, keypath);
		goto out;
	}
	for (size_t i = 1; sign && i < set->n; i++)
		if ((e = ccsp_tlcp_config_add_chain(cfg, set->certs[i].der.p, set->certs[i].der.len)) != CCSP_OK) {
			cli_error_ccsp(e, "tlcp: %s: certificate %zu", certpath, i + 1);
			goto out;
		}
	ret = 0;
out:
	ccsp_sm2_key_free(key);
	cli_cert_set_free(set);
	return ret;
}

static int load_trust(ccsp_tlcp_config *cfg, const char *path)
{
	cli_cert_set *set = cli_cert_load(path);
	int ret = set != NULL ? 0 : -1;
	for (size_t i = 0; set != NULL && i < set->n && ret == 0; i++) {
		ccsp_err e = ccsp_tlcp_config_add_trust(cfg, set->certs[i].der.p, set->certs[i].der.len);
		if (e != CCSP_OK) {
			cli_error_ccsp(e, "tlcp: %s: certificate %zu", path, i + 1);
			ret = -1;
		}
	}
	cli_cert_set_free(set);
	return ret;
}

static int suite_by_name(const char *name, uint16_t *id)
{
	for (size_t i = 0; i < N_SUITES; i++) {
		const ccsp_tlcp_suite *s = ccsp_tlcp_suite_find(all_suites[i]);
		if (s != NULL && strcasecmp(s->name, name) == 0) {
			*id = s->id;
			return 0;
		}
	}
	cli_error("tlcp: unknown suite '%s' (ECC_SM4_CBC_SM3, ECC_SM4_GCM_SM3, ECDHE_SM4_CBC_SM3, ECDHE_SM4_GCM_SM3)",
	          name);
	return -1;
}

/* CLI_EXIT_USAGE for a bad list, CLI_EXIT_FAIL when the library refuses it, 0. */
static int set_suites(ccsp_tlcp_config *cfg, const char *list)
{
	uint16_t ids[N_SUITES];
	size_t n = 0;
	char *copy = strdup(list), *save = NULL;
	int ret = CLI_EXIT_USAGE;
	if (copy == NULL) {
		cli_error("out of memory");
		return CLI_EXIT_FAIL;
	}
	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (n == N_SUITES) {
			cli_error("tlcp: --suites: more than %zu suites", N_SUITES);
			goto out;
		}
		if (suite_by_name(t, &ids[n++]) != 0)
			goto out;
	}
	if (n == 0) {
		cli_error("tlcp: --suites: no suite");
		goto out;
	}
	ccsp_err e = ccsp_tlcp_config_set_suites(cfg, ids, n);
	ret = e == CCSP_OK ? 0 : CLI_EXIT_USAGE;
	if (e != CCSP_OK)
		cli_error_ccsp(e, "tlcp: --suites %s (a suite named twice?)", list);
out:
	free(copy);
	return ret;
}

/* Both files of a pair or neither; is the pair given? -1: only one of them. */
static int pair_given(const char *cert, const char *key, const char *what)
{
	if ((cert == NULL) != (key == NULL)) {
		cli_error("tlcp: --%s-cert and --%s-key go together", what, what);
		return -1;
	}
	return cert != NULL;
}

static int parse_verify(const char *s, ccsp_tlcp_client_auth *mode)
{
	static const char *const names[] = {"none", "optional", "required"};
	static const ccsp_tlcp_client_auth modes[] = {CCSP_TLCP_CLIENT_AUTH_NONE, CCSP_TLCP_CLIENT_AUTH_OPTIONAL,
	                                              CCSP_TLCP_CLIENT_AUTH_REQUIRED};
	for (size_t i = 0; i < 3; i++)
		if (s == NULL || strcmp(s, names[i]) == 0) {
			*mode = s == NULL ? CCSP_TLCP_CLIENT_AUTH_NONE : modes[i];
			return 0;
		}
	cli_error("tlcp: --verify must be none, optional or required");
	return -1;
}

/* Check the options for one side; CLI_EXIT_USAGE or 0. */
static int check_opts(const tlcp_opts *o, int is_server, ccsp_tlcp_client_auth *auth)
{
	int sign = pair_given(o->sign_cert, o->sign_key, "sign"), enc = pair_given(o->enc_cert, o->enc_key, "enc");
	if (sign < 0 || enc < 0 || parse_verify(o->verify, auth) != 0)
		return CLI_EXIT_USAGE;
	if (is_server && (sign == 0 || enc == 0)) {
		cli_error("tlcp server: --sign-cert, --sign-key, --enc-cert and --enc-key are required");
		return CLI_EXIT_USAGE;
	}
	if (is_server && o->listen == NULL) {
		cli_error("tlcp server: --listen ADDR:PORT is required");
		return CLI_EXIT_USAGE;
	}
	if (o->ca == NULL && (!is_server || *auth != CCSP_TLCP_CLIENT_AUTH_NONE)) {
		cli_error("tlcp %s: --ca is required%s", is_server ? "server" : "client",
		          is_server ? " to verify clients" : " (the server's certificates are always verified)");
		return CLI_EXIT_USAGE;
	}
	return 0;
}

/* The configuration of one side, or NULL with *status set (error printed). */
static ccsp_tlcp_config *make_config(const tlcp_opts *o, int is_server, int *status)
{
	ccsp_tlcp_client_auth auth;
	ccsp_tlcp_config *cfg = NULL;
	if ((*status = check_opts(o, is_server, &auth)) != 0)
		return NULL;
	*status = CLI_EXIT_FAIL;
	if ((cfg = ccsp_tlcp_config_new()) == NULL) {
		cli_error("out of memory");
		return NULL;
	}
	if ((o->sign_cert != NULL && load_pair(cfg, 1, o->sign_cert, o->sign_key) != 0) ||
	    (o->enc_cert != NULL && load_pair(cfg, 0, o->enc_cert, o->enc_key) != 0) ||
	    (o->ca != NULL && load_trust(cfg, o->ca) != 0))
		goto fail;
	if (o->suites != NULL && (*status = set_suites(cfg, o->suites)) != 0)
		goto fail;
	*status = CLI_EXIT_FAIL;
	ccsp_err e = ccsp_tlcp_config_set_client_auth(cfg, auth);
	if (e == CCSP_OK && is_server)
		e = ccsp_tlcp_config_set_session_cache(cfg, 256, 3600); /* so that other clients can resume */
	if (e == CCSP_OK && o->servername != NULL)
		e = ccsp_tlcp_config_set_server_name(cfg, o->servername);
	if (e != CCSP_OK) {
		cli_error_ccsp(e, "tlcp: configuration");
		goto fail;
	}
	*status = 0;
	return cfg;
fail:
	ccsp_tlcp_config_free(cfg);
	return NULL;
}

/* ---- one connection ---- */

static void print_name(const char *label, const ccsp_x509_span *name)
{
	char text[CCSP_X509_NAME_TEXT_MAX];
	if (ccsp_x509_name_to_text(name->p, name->len, text, sizeof text) != CCSP_OK)
		snprintf(text, sizeof text, "(a name too long to print)");
	fprintf(stderr, "    %s: %s\n", label, text);
}

static void print_peer_certs(const ccsp_tlcp_conn *c)
{
	size_t n = ccsp_tlcp_conn_peer_cert_count(c);
	if (n == 0)
		fputs("peer certificates: none\n", stderr);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *der;
		size_t len;
		ccsp_x509_cert cert;
		if (ccsp_tlcp_conn_peer_cert(c, i, &der, &len) != CCSP_OK ||
		    ccsp_x509_cert_parse(&cert, der, len) != CCSP_OK) {
			fprintf(stderr, "peer certificate %zu: not readable\n", i + 1);
			continue;
		}
		const char *role = i == 0 ? "signing" : i == 1 && !cert.is_ca ? "encryption" : "chain";
		fprintf(stderr, "peer certificate %zu (%s):\n", i + 1, role);
		print_name("subject", &cert.subject);
		print_name("issuer", &cert.issuer);
	}
}

static void print_summary(const ccsp_tlcp_conn *c)
{
	const ccsp_tlcp_suite *s = ccsp_tlcp_suite_find(ccsp_tlcp_conn_suite(c));
	fprintf(stderr, "suite: %s\n", s != NULL ? s->name : "unknown");
	fprintf(stderr, "resumed: %s\n", ccsp_tlcp_conn_resumed(c) ? "yes" : "no");
	print_peer_certs(c);
	fflush(stderr);
}

/* A client's session: the one to offer (*sess, when set), then the one the handshake ended with. 0, or -1 after
 * the error. */
static int offer_session(ccsp_tlcp_conn *c, ccsp_tlcp_session *const *sess)
{
	if (sess == NULL || *sess == NULL || ccsp_tlcp_conn_set_session(c, *sess) == CCSP_OK)
		return 0;
	cli_error("tlcp: cannot offer the previous session");
	return -1;
}

static void keep_session(const ccsp_tlcp_conn *c, ccsp_tlcp_session **sess)
{
	ccsp_tlcp_session *now = sess != NULL ? ccsp_tlcp_conn_get_session(c) : NULL;
	if (now != NULL) {
		ccsp_tlcp_session_free(*sess);
		*sess = now;
	}
}

/* Handshake (a client offering and keeping *sess when sess is not NULL), summary, then the relay — or, relay 0,
 * close_notify at once —, close; fd is closed. 0 or CLI_EXIT_FAIL. */
static int run_conn(ccsp_tlcp_config *cfg, int is_server, int fd, const tlcp_opts *o, int timeout_ms, int *stdin_eof,
                    ccsp_tlcp_session **sess, int relay)
{
	static cli_tlcp_link l; /* 16 KiB of input buffer: not on the stack; one connection at a time */
	int ret = CLI_EXIT_FAIL, closing = 1;
	memset(&l, 0, sizeof l);
	l.fd = fd;
	l.timeout_ms = timeout_ms;
	if ((l.conn = ccsp_tlcp_conn_new(cfg, is_server)) == NULL) {
		cli_error("tlcp: cannot make a connection (out of memory)");
		goto out;
	}
	if (!is_server && o->servername != NULL && ccsp_tlcp_conn_set_server_name(l.conn, o->servername) != CCSP_OK) {
		cli_error("tlcp: --servername %s refused", o->servername);
		goto out;
	}
	if (offer_session(l.conn, sess) != 0 || cli_tlcp_handshake(&l) != 0)
		goto out;
	print_summary(l.conn);
	keep_session(l.conn, sess);
	if (cli_tlcp_relay(&l, relay ? stdin_eof : &closing) == 0)
		ret = 0;
out:
	cli_tlcp_linger_close(&l);
	ccsp_tlcp_conn_free(l.conn);
	l.conn = NULL;
	return ret;
}

/* ---- commands ---- */

/* An option given that belongs to the other command, or NULL. */
static const char *other_side_opt(const tlcp_opts *o, int is_server)
{
	if (is_server)
		return o->servername != NULL ? "--servername" : o->reconnect != NULL ? "--reconnect" : NULL;
	if (o->listen != NULL)
		return "--listen";
	if (o->verify != NULL)
		return "--verify";
	return o->count != NULL ? "--count" : NULL;
}

/* The options of either command (one table; an option of the other command is refused afterwards); 0 or
 * CLI_EXIT_USAGE. */
static int parse_tlcp_opts(int argc, char **argv, tlcp_opts *o, int is_server, char **target, int *timeout_ms)
{
	const cli_opt opts[] = {
		{"--sign-cert", &o->sign_cert, NULL}, {"--sign-key", &o->sign_key, NULL}, {"--enc-cert", &o->enc_cert, NULL},
		{"--enc-key", &o->enc_key, NULL},     {"--ca", &o->ca, NULL},             {"--suites", &o->suites, NULL},
		{"--timeout", &o->timeout, NULL},     {"--servername", &o->servername, NULL},
		{"--listen", &o->listen, NULL},       {"--verify", &o->verify, NULL},     {"--count", &o->count, NULL},
		{"--reconnect", &o->reconnect, NULL},
	};
	char *pos[1] = {NULL};
	int npos = 0;
	unsigned long t = 30;
	if (cli_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], pos, is_server ? 0 : 1, &npos) != 0)
		return CLI_EXIT_USAGE;
	const char *other = other_side_opt(o, is_server);
	if (other != NULL) {
		cli_error("tlcp %s: %s is an option of the %s", argv[0], other, is_server ? "client" : "server");
		return CLI_EXIT_USAGE;
	}
	if (!is_server && npos != 1) {
		cli_error("tlcp client: HOST:PORT is required");
		return CLI_EXIT_USAGE;
	}
	if (o->timeout != NULL && parse_num("--timeout", o->timeout, 86400, &t) != 0)
		return CLI_EXIT_USAGE;
	*timeout_ms = (int)t * 1000;
	if (target != NULL)
		*target = pos[0];
	return 0;
}

static int cmd_client(int argc, char **argv)
{
	tlcp_opts o = {0};
	char *target = NULL;
	unsigned long more = 0;
	int timeout_ms, status, stdin_eof = 0, fd;
	ccsp_tlcp_session *sess = NULL;
	if ((status = parse_tlcp_opts(argc, argv, &o, 0, &target, &timeout_ms)) != 0)
		return status;
	if (o.reconnect != NULL && parse_num("--reconnect", o.reconnect, 100, &more) != 0)
		return CLI_EXIT_USAGE;
	ccsp_tlcp_config *cfg = make_config(&o, 0, &status);
	if (cfg == NULL)
		return status;
	for (unsigned long i = 0; i <= more && status == 0; i++) {
		status = CLI_EXIT_FAIL;
		if ((fd = cli_tlcp_connect(target, timeout_ms)) >= 0)
			status = run_conn(cfg, 0, fd, &o, timeout_ms, &stdin_eof, &sess, i == more);
	}
	ccsp_tlcp_session_free(sess);
	ccsp_tlcp_config_free(cfg);
	return status;
}

static int cmd_server(int argc, char **argv)
{
	tlcp_opts o = {0};
	unsigned long count = 1;
	int timeout_ms, status, stdin_eof = 0, lfd = -1, failed = 0;
	if ((status = parse_tlcp_opts(argc, argv, &o, 1, NULL, &timeout_ms)) != 0)
		return status;
	if (o.count != NULL && parse_num("--count", o.count, 1000000, &count) != 0)
		return CLI_EXIT_USAGE;
	ccsp_tlcp_config *cfg = make_config(&o, 1, &status);
	if (cfg == NULL)
		return status;
	if ((lfd = cli_tlcp_listen(o.listen)) < 0) {
		ccsp_tlcp_config_free(cfg);
		return CLI_EXIT_FAIL;
	}
	for (unsigned long i = 0; i < count; i++) {
		int fd = cli_tlcp_accept(lfd, timeout_ms);
		if (fd < 0) {
			failed = 1;
			break;
		}
		failed |= run_conn(cfg, 1, fd, &o, timeout_ms, &stdin_eof, NULL, 1) != 0;
	}
	close(lfd);
	ccsp_tlcp_config_free(cfg);
	return failed ? CLI_EXIT_FAIL : 0;
}

int cli_cmd_tlcp(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "client") == 0)
		return cmd_client(argc - 1, argv + 1);
	if (strcmp(argv[1], "server") == 0)
		return cmd_server(argc - 1, argv + 1);
	cli_error("tlcp: unknown command '%s' (try 'ccsp tlcp help')", argv[1]);
	return CLI_EXIT_USAGE;
}
