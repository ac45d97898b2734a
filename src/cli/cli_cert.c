/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp cert ca|req|issue|print|verify: SM2-with-SM3 X.509 certificates and PKCS#10 requests, files as
 * openssl req/x509/verify read and write them (PEM).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccsp/mem.h>

#include "cli.h"
#include "cli_cert.h"

static const char usage[] =
	"usage: ccsp cert <command> [options]\n"
	"  ca -key KEY -subj /CN=.../O=... -days N [-pathlen N] -out CA.pem\n"
	"        self-signed CA certificate (basicConstraints cA, keyCertSign and cRLSign)\n"
	"  req -key KEY -subj /CN=... -out REQ.pem\n"
	"        certificate request (PKCS#10) signed with KEY\n"
	"  issue -ca CA.pem -cakey CAKEY -in REQ.pem -usage sign|enc|server|client|ca -days N\n"
	"        [-san DNS:name,IP:1.2.3.4,...] [-pathlen N] -out CERT.pem\n"
	"        certificate for the request's key and subject, signed by the CA. Key usage: sign:\n"
	"        digitalSignature, nonRepudiation; enc: keyEncipherment, dataEncipherment, keyAgreement;\n"
	"        server/client: digitalSignature and extendedKeyUsage serverAuth/clientAuth; ca: an\n"
	"        intermediate CA (keyCertSign, cRLSign)\n"
	"  print -in FILE       a certificate or request in text\n"
	"  verify -CAfile CA.pem [-untrusted CHAIN.pem] [-purpose sign|enc] [-attime SECONDS] [-id ID] CERT...\n"
	"        prints \"CERT: OK\" for each valid certificate; otherwise says why (exit 1)\n"
	"  KEY: an unencrypted SM2 private key file (ccsp sm2 keygen, openssl genpkey). Signatures use the\n"
	"  signer ID 1234567812345678 (GM/T 0015); openssl needs -vfyopt distid:1234567812345678 to verify\n"
	"  them, and -sigopt distid:1234567812345678 to sign certificates ccsp verifies (or -id '').\n"
	"  -subj: attributes C, ST, L, O, OU, CN, emailAddress, serialNumber; \\ escapes a character.\n";

typedef struct cert_args {
	char *key, *subj, *days, *out, *ca, *cakey, *in, *usage, *san, *pathlen, *cafile, *untrusted, *purpose,
		*attime, *id;
} cert_args;

static int need(const char *what, const char *value)
{
	if (value == NULL) {
		cli_error("cert: %s is required", what);
		return -1;
	}
	return 0;
}

static int parse_num(const char *what, const char *s, long long min, long long max, long long *v)
{
	char *end;
	long long x = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || x < min || x > max) {
		cli_error("%s must be a number from %lld to %lld", what, min, max);
		return -1;
	}
	*v = x;
	return 0;
}

/* ---- files ---- */

void cli_cert_set_free(cli_cert_set *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->der[i]);
	free(s);
}

static int add_cert(cli_cert_set *s, const char *path, const uint8_t *der, size_t len)
{
	if (s->n == CLI_CERTS_MAX) {
		cli_error("%s: more than %d certificates", path, CLI_CERTS_MAX);
		return -1;
	}
	if ((s->der[s->n] = malloc(len + 1)) == NULL) {
		cli_error("out of memory");
		return -1;
	}
	memcpy(s->der[s->n], der, len);
	ccsp_err e = ccsp_x509_cert_parse(&s->certs[s->n], s->der[s->n], len);
	if (e != CCSP_OK) {
		free(s->der[s->n]);
		cli_error_ccsp(e, "%s: certificate %zu is not an SM2 certificate ccsp reads", path, s->n + 1);
		return -1;
	}
	s->n++;
	return 0;
}

static int load_pem_certs(cli_cert_set *s, const char *path, const uint8_t *buf, size_t len)
{
	uint8_t *der = malloc(CCSP_X509_CERT_MAX);
	size_t pos = 0, derlen, used;
	int ret = -1;
	if (der == NULL) {
		cli_error("out of memory");
		return -1;
	}
	for (;;) {
		ccsp_err e = ccsp_x509_pem_decode(buf + pos, len - pos, "CERTIFICATE", der, CCSP_X509_CERT_MAX, &derlen, &used);
		if (e == CCSP_ERR_NOT_FOUND)
			break;
		if (e != CCSP_OK) {
			cli_error_ccsp(e, "%s: bad PEM certificate", path);
			goto out;
		}
		if (add_cert(s, path, der, derlen) != 0)
			goto out;
		pos += used;
	}
	ret = 0;
	if (s->n == 0) {
		cli_error("%s: no certificate in the file", path);
		ret = -1;
	}
out:
	free(der);
	return ret;
}

cli_cert_set *cli_cert_from_buf(const char *path, const uint8_t *buf, size_t len)
{
	cli_cert_set *s = calloc(1, sizeof *s);
	if (s == NULL) {
		cli_error("out of memory");
		return NULL;
	}
	if ((len > 0 && buf[0] == 0x30 ? add_cert(s, path, buf, len) : load_pem_certs(s, path, buf, len)) != 0) {
		cli_cert_set_free(s);
		return NULL;
	}
	return s;
}

cli_cert_set *cli_cert_load(const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	if (cli_read_file(path, "a certificate file", CLI_MAX_CERT_FILE, &buf, &len) != 0)
		return NULL;
	cli_cert_set *s = cli_cert_from_buf(path, buf, len);
	free(buf);
	return s;
}

static int write_pem(const char *path, const char *label, const uint8_t *der, size_t len)
{
	size_t cap = 2 * len + 128, pemlen;
	uint8_t *pem = malloc(cap);
	if (pem == NULL) {
		cli_error("out of memory");
		return CLI_EXIT_FAIL;
	}
	ccsp_err e = ccsp_x509_pem_encode(label, der, len, pem, cap, &pemlen);
	int ret = CLI_EXIT_FAIL;
	if (e != CCSP_OK)
		cli_error_ccsp(e, "cannot encode PEM");
	else if (cli_write_file(path, pem, pemlen) == 0)
		ret = 0;
	free(pem);
	return ret;
}

static int subject_der(const char *subj, uint8_t *out, size_t cap, size_t *len)
{
	ccsp_err e = ccsp_x509_name_from_text(subj, out, cap, len);
	if (e != CCSP_OK) {
		cli_error("-subj '%s': not a name (\"/CN=name/O=org\"; C, ST, L, O, OU, CN, emailAddress, "
		          "serialNumber; values 1..64 bytes, C 2 letters)",
		          subj);
		return -1;
	}
	return 0;
}

/* ---- ca, req ---- */

static int validity(const cert_args *a, ccsp_x509_cert_params *p)
{
	long long days;
	if (need("-days", a->days) != 0 || parse_num("-days", a->days, 1, 36500, &days) != 0)
		return -1;
	p->not_before = (int64_t)time(NULL);
	p->not_after = p->not_before + (int64_t)days * 86400;
	return 0;
}

static int pathlen_of(const cert_args *a, ccsp_x509_cert_params *p)
{
	long long v = -1;
	if (a->pathlen != NULL && parse_num("-pathlen", a->pathlen, 0, 255, &v) != 0)
		return -1;
	p->pathlen = (int)v;
	return 0;
}

static int cmd_ca(cert_args *a)
{
	uint8_t name[2048], der[CCSP_X509_CERT_MAX];
	size_t namelen, len;
	ccsp_x509_cert_params p = {.is_ca = 1, .key_usage = CCSP_X509_KU_KEY_CERT_SIGN | CCSP_X509_KU_CRL_SIGN};
	if (need("-key", a->key) != 0 || need("-subj", a->subj) != 0 || need("-out", a->out) != 0 ||
	    validity(a, &p) != 0 || pathlen_of(a, &p) != 0 || subject_der(a->subj, name, sizeof name, &namelen) != 0)
		return CLI_EXIT_USAGE;
	p.subject = name;
	p.subject_len = namelen;
	ccsp_sm2_key *key = cli_chsm_key_load(a->key, 1);
	if (key == NULL)
		return CLI_EXIT_FAIL;
	int ret = CLI_EXIT_FAIL;
	ccsp_err e = ccsp_x509_cert_write(&p, key, NULL, key, der, sizeof der, &len);
	if (e != CCSP_OK)
		cli_error_ccsp(e, "cannot make the certificate");
	else
		ret = write_pem(a->out, "CERTIFICATE", der, len);
	ccsp_sm2_key_free(key);
	return ret;
}

static int cmd_req(cert_args *a)
{
	uint8_t name[2048], der[CCSP_X509_CERT_MAX];
	size_t namelen, len;
	if (need("-key", a->key) != 0 || need("-subj", a->subj) != 0 || need("-out", a->out) != 0 ||
	    subject_der(a->subj, name, sizeof name, &namelen) != 0)
		return CLI_EXIT_USAGE;
	ccsp_sm2_key *key = cli_chsm_key_load(a->key, 1);
	if (key == NULL)
		return CLI_EXIT_FAIL;
	int ret = CLI_EXIT_FAIL;
	ccsp_err e = ccsp_x509_csr_write(name, namelen, key, der, sizeof der, &len);
	if (e != CCSP_OK)
		cli_error_ccsp(e, "cannot make the request");
	else
		ret = write_pem(a->out, "CERTIFICATE REQUEST", der, len);
	ccsp_sm2_key_free(key);
	return ret;
}

/* ---- issue ---- */

typedef struct san_list {
	char buf[4096];
	const char *dns[CCSP_X509_SAN_MAX];
	ccsp_x509_ip ip[CCSP_X509_SAN_MAX];
} san_list;

/* "DNS:a.example,IP:192.0.2.1,IP:2001:db8::1" */
static int parse_san(const char *spec, san_list *s, ccsp_x509_cert_params *p)
{
	size_t n = strlen(spec);
	if (n >= sizeof s->buf) {
		cli_error("-san: longer than %zu bytes", sizeof s->buf - 1);
		return -1;
	}
	memcpy(s->buf, spec, n + 1);
	for (char *save = NULL, *item = strtok_r(s->buf, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		if (p->n_dns + p->n_ip == CCSP_X509_SAN_MAX) {
			cli_error("-san: at most %d names", CCSP_X509_SAN_MAX);
			return -1;
		}
		ccsp_x509_ip *ip = &s->ip[p->n_ip];
		if (strncmp(item, "DNS:", 4) == 0 && item[4] != '\0') {
			s->dns[p->n_dns++] = item + 4;
		} else if (strncmp(item, "IP:", 3) == 0 && inet_pton(AF_INET, item + 3, ip->addr) == 1) {
			ip->len = 4;
			p->n_ip++;
		} else if (strncmp(item, "IP:", 3) == 0 && inet_pton(AF_INET6, item + 3, ip->addr) == 1) {
			ip->len = 16;
			p->n_ip++;
		} else {
			cli_error("-san: '%s' is not DNS:NAME or IP:ADDRESS", item);
			return -1;
		}
	}
	p->dns = s->dns;
	p->ip = s->ip;
	return 0;
}

static int usage_of(const char *u, ccsp_x509_cert_params *p)
{
	if (strcmp(u, "sign") == 0) {
		p->key_usage = CCSP_X509_KU_DIGITAL_SIGNATURE | CCSP_X509_KU_NON_REPUDIATION;
	} else if (strcmp(u, "enc") == 0) {
		p->key_usage = CCSP_X509_KU_KEY_ENCIPHERMENT | CCSP_X509_KU_DATA_ENCIPHERMENT | CCSP_X509_KU_KEY_AGREEMENT;
	} else if (strcmp(u, "server") == 0 || strcmp(u, "client") == 0) {
		p->key_usage = CCSP_X509_KU_DIGITAL_SIGNATURE;
		p->ext_key_usage = u[0] == 's' ? CCSP_X509_EKU_SERVER_AUTH : CCSP_X509_EKU_CLIENT_AUTH;
	} else if (strcmp(u, "ca") == 0) {
		p->key_usage = CCSP_X509_KU_KEY_CERT_SIGN | CCSP_X509_KU_CRL_SIGN;
		p->is_ca = 1;
	} else {
		cli_error("-usage must be sign, enc, server, client or ca");
		return -1;
	}
	return 0;
}

/* The request: parsed, its signature checked, its key as an SM2 public key. */
static ccsp_sm2_key *load_request(const char *path, uint8_t *der, ccsp_x509_csr *csr)
{
	uint8_t *buf = NULL;
	size_t len = 0, derlen = 0;
	ccsp_sm2_key *key = NULL;
	if (cli_read_file(path, "a certificate request", CLI_MAX_CERT_FILE, &buf, &len) != 0)
		return NULL;
	ccsp_err e = CCSP_OK;
	if (len > 0 && buf[0] == 0x30 && len <= CCSP_X509_CERT_MAX) {
		memcpy(der, buf, len);
		derlen = len;
	} else {
		e = ccsp_x509_pem_decode(buf, len, "CERTIFICATE REQUEST", der, CCSP_X509_CERT_MAX, &derlen, NULL);
	}
	if (e == CCSP_OK)
		e = ccsp_x509_csr_parse(csr, der, derlen);
	if (e != CCSP_OK) {
		cli_error_ccsp(e, "%s: not an SM2 certificate request", path);
	} else if ((e = ccsp_x509_csr_verify(csr)) != CCSP_OK) {
		cli_error_ccsp(e, "%s: the request's signature does not verify", path);
	} else if ((key = ccsp_sm2_key_new()) == NULL ||
	           (e = ccsp_sm2_key_set_public(key, csr->pub, sizeof csr->pub)) != CCSP_OK) {
		cli_error_ccsp(e, "%s: the request's key", path);
		ccsp_sm2_key_free(key);
		key = NULL;
	}
	free(buf);
	return key;
}

static int issue_args(cert_args *a, ccsp_x509_cert_params *p, san_list *san)
{
	if (need("-ca", a->ca) != 0 || need("-cakey", a->cakey) != 0 || need("-in", a->in) != 0 ||
	    need("-usage", a->usage) != 0 || need("-out", a->out) != 0)
		return -1;
	if (usage_of(a->usage, p) != 0 || validity(a, p) != 0 || pathlen_of(a, p) != 0 ||
	    (a->san != NULL && parse_san(a->san, san, p) != 0))
		return -1;
	if (a->pathlen != NULL && !p->is_ca) {
		cli_error("-pathlen goes with -usage ca");
		return -1;
	}
	return 0;
}

static int cmd_issue(cert_args *a)
{
	ccsp_x509_cert_params p = {.pathlen = -1};
	san_list *san = calloc(1, sizeof *san);
	uint8_t *req = malloc(CCSP_X509_CERT_MAX), *der = malloc(CCSP_X509_CERT_MAX);
	if (san == NULL || req == NULL || der == NULL || issue_args(a, &p, san) != 0) {
		free(san);
		free(req);
		free(der);
		return san == NULL || req == NULL || der == NULL ? CLI_EXIT_FAIL : CLI_EXIT_USAGE;
	}
	int ret = CLI_EXIT_FAIL;
	ccsp_x509_csr csr;
	size_t len;
	ccsp_sm2_key *cakey = NULL, *subject = load_request(a->in, req, &csr);
	cli_cert_set *ca = subject != NULL ? cli_cert_load(a->ca) : NULL;
	if (ca == NULL || (cakey = cli_chsm_key_load(a->cakey, 1)) == NULL)
		goto out;
	const ccsp_x509_cert *issuer = &ca->certs[0];
	if (!issuer->is_ca || (issuer->has_key_usage && !(issuer->key_usage & CCSP_X509_KU_KEY_CERT_SIGN))) {
		cli_error("%s is not a CA certificate (basicConstraints cA and keyCertSign)", a->ca);
		goto out;
	}
	p.subject = csr.subject.p;
	p.subject_len = csr.subject.len;
	ccsp_err e = ccsp_x509_cert_write(&p, subject, issuer, cakey, der, CCSP_X509_CERT_MAX, &len);
	if (e == CCSP_ERR_KEY)
		cli_error("%s is not the key of the CA certificate %s", a->cakey, a->ca);
	else if (e != CCSP_OK)
		cli_error_ccsp(e, "cannot make the certificate");
	else
		ret = write_pem(a->out, "CERTIFICATE", der, len);
out:
	ccsp_sm2_key_free(subject);
	ccsp_sm2_key_free(cakey);
	cli_cert_set_free(ca);
	free(san);
	free(req);
	free(der);
	return ret;
}

/* ---- verify ---- */

static int verify_params(const cert_args *a, ccsp_x509_verify_params *vp)
{
	long long t = (long long)time(NULL);
	if (a->attime != NULL && parse_num("-attime", a->attime, 0, 253402300799LL, &t) != 0)
		return -1;
	vp->time = (int64_t)t;
	vp->purpose = CCSP_X509_PURPOSE_ANY;
	if (a->purpose != NULL && strcmp(a->purpose, "sign") == 0) {
		vp->purpose = CCSP_X509_PURPOSE_SIGN;
	} else if (a->purpose != NULL && strcmp(a->purpose, "enc") == 0) {
		vp->purpose = CCSP_X509_PURPOSE_ENC;
	} else if (a->purpose != NULL) {
		cli_error("-purpose must be sign or enc");
		return -1;
	}
	if (a->id != NULL) {
		if (strlen(a->id) > CCSP_SM2_MAX_ID_LEN) {
			cli_error("-id: longer than %d bytes", CCSP_SM2_MAX_ID_LEN);
			return -1;
		}
		vp->id = (const uint8_t *)a->id;
		vp->idlen = strlen(a->id);
	}
	return 0;
}

static int verify_one(const char *path, const cli_cert_set *trust, const cli_cert_set *chain,
                      const ccsp_x509_verify_params *vp)
{
	cli_cert_set *leaf = cli_cert_load(path);
	if (leaf == NULL)
		return CLI_EXIT_FAIL;
	ccsp_x509_status st = CCSP_X509_VALID;
	size_t depth = 0;
	ccsp_err e = ccsp_x509_verify(&leaf->certs[0], chain != NULL ? chain->certs : NULL, chain != NULL ? chain->n : 0,
	                              trust->certs, trust->n, vp, &st, &depth);
	int ret = CLI_EXIT_FAIL;
	if (e == CCSP_OK) {
		printf("%s: OK\n", path);
		ret = 0;
	} else if (e == CCSP_ERR_AUTH) {
		cli_error("%s: verification failed at depth %zu: %s", path, depth, ccsp_x509_status_str(st));
	} else {
		cli_error_ccsp(e, "%s: verification failed", path);
	}
	cli_cert_set_free(leaf);
	return ret;
}

static int cmd_verify(cert_args *a, char **files, int nfiles)
{
	ccsp_x509_verify_params vp = {.id = NULL};
	if (need("-CAfile", a->cafile) != 0 || verify_params(a, &vp) != 0)
		return CLI_EXIT_USAGE;
	if (nfiles == 0) {
		cli_error("cert verify: give the certificate file(s) to verify");
		return CLI_EXIT_USAGE;
	}
	int ret = CLI_EXIT_FAIL;
	cli_cert_set *trust = cli_cert_load(a->cafile), *chain = NULL;
	if (trust == NULL || (a->untrusted != NULL && (chain = cli_cert_load(a->untrusted)) == NULL))
		goto out;
	ret = 0;
	for (int i = 0; i < nfiles; i++)
		if (verify_one(files[i], trust, chain, &vp) != 0)
			ret = CLI_EXIT_FAIL;
out:
	cli_cert_set_free(trust);
	cli_cert_set_free(chain);
	return ret;
}

/* The subcommands print aside (cli_cert_print.c) and the options each takes, as the usage lists them. */
typedef struct cert_cmd {
	const char *name;
	int (*run)(cert_args *a);
	const char *opts;
} cert_cmd;

static const cert_cmd cmds[] = {
	{"ca", cmd_ca, "-key -subj -days -pathlen -out"},
	{"req", cmd_req, "-key -subj -out"},
	{"issue", cmd_issue, "-ca -cakey -in -usage -days -san -pathlen -out"},
	{"verify", NULL, "-CAfile -untrusted -purpose -attime -id"},
};

int cli_cmd_cert(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "print") == 0)
		return cli_cert_print(argc - 1, argv + 1);
	const cert_cmd *c = NULL;
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			c = &cmds[i];
	if (c == NULL) {
		cli_error("cert: unknown command '%s' (try 'ccsp cert help')", argv[1]);
		return CLI_EXIT_USAGE;
	}
	cert_args a;
	memset(&a, 0, sizeof a);
	const cli_opt all[] = {
		{"-key", &a.key, NULL},         {"-subj", &a.subj, NULL},       {"-days", &a.days, NULL},
		{"-out", &a.out, NULL},         {"-ca", &a.ca, NULL},           {"-cakey", &a.cakey, NULL},
		{"-in", &a.in, NULL},           {"-usage", &a.usage, NULL},     {"-san", &a.san, NULL},
		{"-pathlen", &a.pathlen, NULL}, {"-CAfile", &a.cafile, NULL},   {"-untrusted", &a.untrusted, NULL},
		{"-purpose", &a.purpose, NULL}, {"-attime", &a.attime, NULL},   {"-id", &a.id, NULL},
	};
	cli_opt opts[sizeof all / sizeof all[0]];
	size_t nopts = cli_opts_pick(all, sizeof all / sizeof all[0], c->opts, opts);
	int npos;
	char **pos = argv + 2;
	int verify = c->run == NULL;
	if (cli_parse_opts(argc - 1, argv + 1, opts, nopts, pos, verify ? argc : 0, &npos) != 0)
		return CLI_EXIT_USAGE;
	return verify ? cmd_verify(&a, pos, npos) : c->run(&a);
}
