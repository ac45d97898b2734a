/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp chsm keygen|configure|call|callbacks|package|sign: the cloud platform's side of chsmd's GM/T 0088
 * management interface, for operators, scripts and tests. configure and call are in cli_chsm_call.c, package and
 * sign (upgrades) in cli_chsm_pkg.c; this file has the
 * dispatch, the platform key and the callback receiver (spec §3.7: plain HTTP POSTs, signed by the device key).
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <ccsp/mem.h>
#include <ccsp/sm2_asn1.h>

#include "common/b64.h"
#include "cli.h"

#define CB_HEADER_MAX 16384      /* request line and headers */
#define CB_BODY_MAX (1 << 20)    /* one callback body; chsmd's are well under 1 KiB */
#define CB_READ_TIMEOUT_MS 5000  /* per read: a stalled sender does not hold the receiver */

static const char usage[] =
	"usage: ccsp chsm <command> [options]   (the cloud platform's side of chsmd, GM/T 0088)\n"
	"  keygen --out KEY.pem\n"
	"        a new SM2 platform key (PKCS#8 PEM, mode 0600)\n"
	"  configure --url https://HOST:PORT|tlcp://HOST:PORT --key KEY.pem [--cacert CERT.pem | --insecure]\n"
	"            [--tlcp-cert DIR] [--add PUB.pem]\n"
	"        configure the key's public key on the CHSM (POST /chsm/authpk; unsigned use while the CHSM has\n"
	"        no platform key, signed by the same key otherwise); with --add, configure that public key\n"
	"        instead (another platform's, e.g. ccspd's pool/platform-key), signed by KEY\n"
	"  call --url URL --key KEY.pem [--cacert F | --insecure] [--tlcp-cert DIR] AREA OP [--vsm ID]\n"
	"       [--callback URL]\n"
	"       [--set name=value ...] [--set name:=JSON ...] [--body JSON]\n"
	"       [--pack-url URL --pack-version V --sign SIG [--alg SM2WithSM3]]\n"
	"        one interface: chsm status|allstatus|info|network|ntp|imageuploader|loguploader|\n"
	"                             image-export|image-import|upgrade|restart|backup|restore\n"
	"                       vsm status|info|network|token|image-export|image-import|start|stop|restart|\n"
	"                           reset|upgrade|create|destroy\n"
	"                       authpk get\n"
	"        The body is --body (a JSON object, default {}), plus requestId (a new UUID) and oprType when\n"
	"        absent, vsmId (--vsm), callbackUrl (--callback) and each --set (integers when they look like\n"
	"        one, except text fields such as token, ip, mask; name:=JSON for arrays). GET interfaces send\n"
	"        the same members as the query. POSTs are signed (SM2WithSM3, CHSM-* headers).\n"
	"        Prints the JSON answer; exit 0 when its status is 200, else 1.\n"
	"        A tlcp://HOST:PORT URL talks TLCP (GB/T 38636) instead of TLS; --cacert is then the CHSM's\n"
	"        SM2 CA (a dev-mode chsmd's tlcp-ca.pem) and is required; --tlcp-cert DIR presents the TLCP\n"
	"        double certificate in DIR (tlcp-sign.pem/.key, tlcp-enc.pem/.key) to a CHSM that requires one.\n"
	"        e.g. ccsp chsm call --url https://127.0.0.1:7443 --key p.pem --cacert tls-cert.pem \\\n"
	"                 vsm create --set flavor=1 --callback http://127.0.0.1:8000/cb\n"
	"        --pack-url, --pack-version, --sign and --alg set packUrl, packVersion, sign and alg (upgrade;\n"
	"        alg defaults to SM2WithSM3 when --sign is given).\n"
	"  package --version V --out FILE BIN...\n"
	"        an upgrade package of version V from chsmd and/or vsmd (each BIN named by its base name; the\n"
	"        BIN.hmac beside a daemon is added too), for chsm upgrade / vsm upgrade\n"
	"  sign --key KEY.pem FILE [--hex]\n"
	"        the platform's signature over FILE (SM2WithSM3, default ID, DER) in Base64, or hex\n"
	"  domain init --dir DIR --shares N --threshold M    (the CHSM's operator, with its custodians)\n"
	"        a new trust domain: a random domain key installed in DIR, its N shares (any M of which rebuild\n"
	"        it) printed one per line on stdout; refused when DIR belongs to a domain already\n"
	"  domain join --dir DIR [--id DOMAIN-ID]\n"
	"        join the domain whose share lines come on stdin (read until EOF or until enough); prints its id.\n"
	"        --id: the id \"domain show\" prints on a CHSM of the domain; other shares install nothing\n"
	"  domain show --dir DIR\n"
	"        the domain id (16 hex digits), or \"none\"\n"
	"  unseal --dir DIR [--status | --reset]\n"
	"        one custodian's master-key share (stdin, not echoed on a terminal) for a sealed production-mode\n"
	"        chsmd; prints how many more are needed\n"
	"        DIR in dev mode (master.key) is opened here; in production mode the requests go to the running\n"
	"        chsmd through DIR/admin.sock. Shares: ccsp-share-v1-<purpose>-<setid>-<m>of<n>-<x>-<y>-<check>\n"
	"  callbacks --listen ADDR:PORT --count N [--timeout S] [--out FILE] [--device-key PUB]\n"
	"        receive N callbacks (plain HTTP, each answered 200) and print each body as a JSON line;\n"
	"        with --device-key (SPKI PEM or DER, e.g. getCHSMInfo's devicePublicKey) each line also\n"
	"        has \"verified\": true|false for its CHSM-Signature. Port 0 prints the chosen port first.\n"
	"        Exit 1 if fewer than N arrived within S seconds (default 60).\n";

/* ---- keygen ---- */

static int cmd_keygen(int argc, char **argv)
{
	char *out = NULL;
	const cli_opt opts[] = {{"--out", &out, NULL}};
	int npos;
	char *pos[1];
	if (cli_parse_opts(argc, argv, opts, 1, pos, 0, &npos) != 0)
		return CLI_EXIT_USAGE;
	if (out == NULL) {
		cli_error("chsm keygen: --out is required");
		return CLI_EXIT_USAGE;
	}
	uint8_t pem[CCSP_SM2_KEY_FILE_MAX];
	size_t len = 0;
	int ret = CLI_EXIT_FAIL;
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	ccsp_err e = key == NULL ? CCSP_ERR_NOMEM : ccsp_sm2_key_generate(key);
	if (e == CCSP_OK)
		e = ccsp_sm2_key_encode(key, CCSP_SM2_KEY_PKCS8, 1, NULL, 0, pem, sizeof pem, &len);
	if (e != CCSP_OK)
		cli_error_ccsp(e, "chsm keygen");
	else if (cli_write_secret_file(out, pem, len) == 0)
		ret = 0;
	ccsp_memzero(pem, sizeof pem);
	ccsp_sm2_key_free(key);
	return ret;
}

/* ---- callbacks ---- */

typedef struct cb_receiver {
	int fd;
	FILE *out;
	ccsp_sm2_key *device; /* NULL: no verification */
} cb_receiver;

/* Listen on "HOST:PORT" ("[v6]:PORT" too); prints the port when PORT is 0. -1 on error (printed). */
static int cb_listen(const char *spec)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	size_t hlen = colon != NULL ? (size_t)(colon - spec) : 0;
	if (colon == NULL || hlen == 0 || hlen >= sizeof host || colon[1] == '\0') {
		cli_error("chsm callbacks: --listen wants HOST:PORT, got '%s'", spec);
		return -1;
	}
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	if (host[0] == '[' && host[hlen - 1] == ']') {
		memmove(host, host + 1, hlen - 2);
		host[hlen - 2] = '\0';
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	int rc = getaddrinfo(host, colon + 1, &hints, &ai);
	if (rc != 0) {
		cli_error("chsm callbacks: %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	int one = 1, fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 16) != 0) {
		cli_error("chsm callbacks: cannot listen on %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd >= 0 && strcmp(colon + 1, "0") == 0) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		char port[16];
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
		    getnameinfo((struct sockaddr *)&ss, sl, NULL, 0, port, sizeof port, NI_NUMERICSERV) == 0) {
			printf("%s\n", port);
			fflush(stdout);
		}
	}
	return fd;
}

/* The value of header name in hdr[0..len) (a line "Name: value\r\n"), NUL-terminated in out; 0 if found. */
static int header_value(const char *hdr, size_t len, const char *name, char *out, size_t cap)
{
	size_t nlen = strlen(name);
	const char *end = hdr + len, *p = memchr(hdr, '\n', len);
	while (p != NULL && ++p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - p) > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			const char *v = p + nlen + 1, *e = eol;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
				e--;
			if ((size_t)(e - v) >= cap)
				return -1;
			memcpy(out, v, (size_t)(e - v));
			out[e - v] = '\0';
			return 0;
		}
		p = eol;
	}
	return -1;
}

/* Read until buf holds want bytes (or the headers' end when want is 0); bounded by cap and a timeout. */
static ssize_t read_some(int fd, char *buf, size_t have, size_t cap)
{
	struct pollfd pfd = {fd, POLLIN, 0};
	if (have >= cap || poll(&pfd, 1, CB_READ_TIMEOUT_MS) <= 0)
		return -1;
	ssize_t r = read(fd, buf + have, cap - have);
	return r > 0 ? r : -1;
}

static void answer(int fd, const char *status)
{
	char msg[128];
	int n = snprintf(msg, sizeof msg, "HTTP/1.1 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status);
	if (write(fd, msg, (size_t)n) < 0) {
		/* the sender has gone: nothing to do */
	}
}

/* "verified" for body under the CHSM-Signature in the headers (raw r||s or DER, Base64; spec §3.5). */
static int cb_verify(const ccsp_sm2_key *device, const char *hdr, size_t hlen, const char *body, size_t blen)
{
	char sig64[256];
	uint8_t raw[128], sig[CCSP_SM2_SIGNATURE_SIZE];
	size_t n;
	if (header_value(hdr, hlen, "CHSM-Signature", sig64, sizeof sig64) != 0 ||
	    ccsp_b64_decode(sig64, strlen(sig64), raw, sizeof raw, &n) != CCSP_OK)
		return 0;
	if (n == sizeof sig)
		memcpy(sig, raw, sizeof sig);
	else if (ccsp_sm2_signature_from_der(raw, n, sig) != CCSP_OK)
		return 0;
	return ccsp_sm2_verify(device, (const uint8_t *)CCSP_SM2_DEFAULT_ID, CCSP_SM2_DEFAULT_ID_LEN,
	                       (const uint8_t *)body, blen, sig) == CCSP_OK;
}

/* Print one callback as a JSON line: the body (an object) plus "verified", or {"body": TEXT}. */
static int cb_print(const cb_receiver *r, const char *hdr, size_t hlen, const char *body, size_t blen)
{
	json_t *obj = json_loadb(body, blen, 0, NULL);
	if (obj == NULL || !json_is_object(obj)) {
		json_decref(obj);
		obj = json_pack("{s:s%}", "body", body, blen);
		if (obj == NULL) /* not UTF-8 text either: say what arrived */
			obj = json_pack("{s:n, s:I}", "body", "bodyBytes", (json_int_t)blen);
	}
	if (obj != NULL && r->device != NULL)
		json_object_set_new(obj, "verified", json_boolean(cb_verify(r->device, hdr, hlen, body, blen)));
	char *line = obj != NULL ? json_dumps(obj, JSON_COMPACT) : NULL;
	int ret = line != NULL && fprintf(r->out, "%s\n", line) > 0 && fflush(r->out) == 0 ? 0 : -1;
	free(line);
	json_decref(obj);
	return ret;
}

/* Serve one connection: one POST with a Content-Length body. 1 when a callback was received. */
static int cb_serve(const cb_receiver *r, int fd)
{
	char *buf = malloc(CB_HEADER_MAX + CB_BODY_MAX + 1), *end = NULL;
	char clen_text[32];
	size_t have = 0, hlen = 0;
	long clen = -1;
	int got = 0;
	ssize_t n;
	while (buf != NULL && end == NULL && (n = read_some(fd, buf, have, CB_HEADER_MAX)) > 0) {
		have += (size_t)n;
		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	if (end == NULL) {
		answer(fd, "400 Bad Request");
		goto out;
	}
	hlen = (size_t)(end - buf) + 2;
	char *cend;
	if (header_value(buf, hlen, "Content-Length", clen_text, sizeof clen_text) != 0 ||
	    (clen = strtol(clen_text, &cend, 10)) < 0 || *cend != '\0' || clen > CB_BODY_MAX) {
		answer(fd, clen > CB_BODY_MAX ? "413 Payload Too Large" : "411 Length Required");
		goto out;
	}
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	if (header_value(buf, hlen, "Expect", clen_text, sizeof clen_text) == 0 &&
	    strcasecmp(clen_text, "100-continue") == 0 && write(fd, cont, sizeof cont - 1) < 0)
		goto out;
	size_t total = hlen + 2 + (size_t)clen;
	while (have < total && (n = read_some(fd, buf, have, total)) > 0)
		have += (size_t)n;
	if (have < total) {
		answer(fd, "400 Bad Request");
		goto out;
	}
	answer(fd, "200 OK");
	got = cb_print(r, buf, hlen, buf + hlen + 2, (size_t)clen) == 0 ? 1 : -1;
out:
	free(buf);
	close(fd);
	return got;
}

static int cb_receive(cb_receiver *r, unsigned long count, unsigned long timeout)
{
	time_t deadline = time(NULL) + (time_t)timeout;
	unsigned long got = 0;
	struct pollfd pfd = {r->fd, POLLIN, 0};
	while (got < count && time(NULL) < deadline) {
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		int c = accept4(r->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		int one = cb_serve(r, c);
		if (one < 0) {
			cli_error("chsm callbacks: cannot write the output");
			return CLI_EXIT_FAIL;
		}
		got += (unsigned long)one;
	}
	if (got < count) {
		cli_error("chsm callbacks: %lu of %lu callbacks within %lu s", got, count, timeout);
		return CLI_EXIT_FAIL;
	}
	return 0;
}

static int parse_count(const char *what, const char *s, unsigned long max, unsigned long *v)
{
	char *end;
	*v = s != NULL ? strtoul(s, &end, 10) : 0;
	if (s == NULL || *s == '\0' || *s == '-' || *end != '\0' || *v < 1 || *v > max) {
		cli_error("chsm callbacks: %s must be a number from 1 to %lu", what, max);
		return -1;
	}
	return 0;
}

static int cmd_callbacks(int argc, char **argv)
{
	char *listen_on = NULL, *count_s = NULL, *timeout_s = NULL, *out = NULL, *devkey = NULL;
	const cli_opt opts[] = {{"--listen", &listen_on, NULL},   {"--count", &count_s, NULL},
	                        {"--timeout", &timeout_s, NULL},  {"--out", &out, NULL},
	                        {"--device-key", &devkey, NULL}};
	int npos;
	char *pos[1];
	unsigned long count, timeout = 60;
	if (cli_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &npos) != 0)
		return CLI_EXIT_USAGE;
	if (listen_on == NULL) {
		cli_error("chsm callbacks: --listen is required");
		return CLI_EXIT_USAGE;
	}
	if (parse_count("--count", count_s, 1000000, &count) != 0 ||
	    (timeout_s != NULL && parse_count("--timeout", timeout_s, 86400, &timeout) != 0))
		return CLI_EXIT_USAGE;
	cb_receiver r = {.fd = -1, .out = stdout};
	int ret = CLI_EXIT_FAIL;
	if (devkey != NULL && (r.device = cli_chsm_key_load(devkey, 0)) == NULL)
		goto out;
	if (out != NULL && (r.out = fopen(out, "w")) == NULL) {
		cli_error("cannot open %s: %s", out, strerror(errno));
		goto out;
	}
	if ((r.fd = cb_listen(listen_on)) >= 0)
		ret = cb_receive(&r, count, timeout);
out:
	if (r.fd >= 0)
		close(r.fd);
	if (r.out != NULL && r.out != stdout && fclose(r.out) != 0 && ret == 0) {
		cli_error("cannot write %s", out);
		ret = CLI_EXIT_FAIL;
	}
	ccsp_sm2_key_free(r.device);
	return ret;
}

int cli_cmd_chsm(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : 0;
	}
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} cmds[] = {{"keygen", cmd_keygen},
	            {"configure", cli_chsm_configure},
	            {"call", cli_chsm_call},
	            {"callbacks", cmd_callbacks},
	            {"domain", cli_chsm_domain},
	            {"unseal", cli_chsm_unseal},
	            {"package", cli_chsm_package},
	            {"sign", cli_chsm_sign}};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].run(argc - 1, argv + 1);
	cli_error("chsm: unknown command '%s' (try 'ccsp chsm help')", argv[1]);
	return CLI_EXIT_USAGE;
}
