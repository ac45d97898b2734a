/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libsdf's config file: $CCSP_SDF_CONF, else /etc/ccsp/sdf.conf. Read with the one config loader
 * (src/common/config.h: "key = value" lines, '#' comments); unknown keys are refused.
 *
 *   address     = HOST:PORT   required. HOST: an IPv4 address, a DNS name, or [an IPv6 address]
 *                             (brackets required for IPv6; no zone ids). PORT: 1..65535.
 *   transport   = tls|tlcp    tls (the default): TLS 1.3; tlcp: TLCP (GB/T 38636), the approved-mode channel.
 *   ca_file     = PATH        required. PEM file of the CA certificate(s) that issued the VSM's certificate
 *                             (with tlcp: its signing and encryption certificates).
 *   server_name = NAME        the DNS name or IP address the VSM's certificate must carry (subjectAltName,
 *                             or CN for a DNS name without SANs). Default: the HOST of address.
 *   token_file  = PATH        required. The sealed client token (vsmd --init writes it; src/sdf/sdf_token.h).
 *                             Unsealed with $CCSP_SDF_PIN when set, else with the host's machine id.
 *   pool_size   = 1..64       connections per opened device, opened as concurrent calls need them. Default 4.
 *   timeout_ms  = 100..600000 deadline of one call (connecting, sending, waiting for the answer). A call that
 *                             misses it fails (CCSP_ERR_COMM: SDR_COMMFAIL) and its connection
 *                             is closed. Default 30000.
 *   tlcp_sign_cert, tlcp_sign_key, tlcp_enc_cert, tlcp_enc_key = PATH
 *                             tlcp only, optional: this client's SM2 signing and encryption certificates (PEM;
 *                             further certificates in tlcp_sign_cert are sent as its chain) and their
 *                             unencrypted keys, each certificate with its key. The ECDHE suites need both pairs;
 *                             a VSM that asks for client authentication needs them too.
 *   tlcp_suites = LIST        tlcp only: suites offered, comma-separated, in preference order. Default
 *                             ECDHE_SM4_GCM_SM3,ECC_SM4_GCM_SM3,ECDHE_SM4_CBC_SM3,ECC_SM4_CBC_SM3 (the ECDHE
 *                             ones are offered only with both certificate pairs).
 *
 * A relative PATH is relative to the directory of the config file.
 *
 * Example:
 *   address = vsm1.example.com:8620
 *   ca_file = vsm-ca.pem
 *   token_file = token
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/config.h"
#include "libsdf/sdfc_internal.h"
#include "tlcp.h"

#define CONF_MSG_MAX 256

static const char *const CONF_KEYS[] = {"address", "ca_file", "server_name", "token_file", "pool_size",
                                        "timeout_ms", "transport", "tlcp_sign_cert", "tlcp_sign_key",
                                        "tlcp_enc_cert", "tlcp_enc_key", "tlcp_suites", NULL};
static const char *const TLCP_FILE_KEYS[4] = {"tlcp_sign_cert", "tlcp_sign_key", "tlcp_enc_cert", "tlcp_enc_key"};
static const uint16_t TLCP_SUITES[4] = {CCSP_TLCP_ECDHE_SM4_GCM_SM3, CCSP_TLCP_ECC_SM4_GCM_SM3,
                                        CCSP_TLCP_ECDHE_SM4_CBC_SM3, CCSP_TLCP_ECC_SM4_CBC_SM3};

static int is_ip_literal(const char *s)
{
	unsigned char addr[16];
	return inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1;
}

/* Letters, digits, '-' and '.': a DNS name or an IPv4 address (RFC 1123 2.1). */
static int is_dns_chars(const char *s, size_t len)
{
	if (len == 0 || len > SDFC_HOST_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		      ch == '.'))
			return 0;
	}
	return 1;
}

/* 1..65535, decimal digits only. */
static int parse_port(const char *s, char out[6])
{
	size_t n = strlen(s);
	unsigned long v = 0;
	if (n == 0 || n > 5)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return 0;
	memcpy(out, s, n + 1);
	return 1;
}

static ccsp_err conf_address(const char *name, const char *v, sdfc_conf *cf)
{
	const char *host, *port;
	size_t hlen;
	if (v == NULL)
		return sdfc_fail(CCSP_ERR_DECODE, "%s: address is required (HOST:PORT)", name);
	if (v[0] == '[') {
		const char *end = strchr(v, ']');
		if (end == NULL || end[1] != ':')
			goto bad;
		host = v + 1;
		hlen = (size_t)(end - host);
		port = end + 2;
	} else {
		const char *colon = strrchr(v, ':');
		if (colon == NULL)
			goto bad;
		host = v;
		hlen = (size_t)(colon - v);
		port = colon + 1;
		if (!is_dns_chars(host, hlen))
			goto bad; /* also refuses an IPv6 address without brackets */
	}
	if (hlen == 0 || hlen > SDFC_HOST_MAX || !parse_port(port, cf->port))
		goto bad;
	memcpy(cf->host, host, hlen);
	cf->host[hlen] = '\0';
	if (v[0] == '[') {
		unsigned char a6[16];
		if (inet_pton(AF_INET6, cf->host, a6) != 1)
			goto bad;
	}
	return CCSP_OK;
bad:
	return sdfc_fail(CCSP_ERR_DECODE, "%s: address %s: expected HOST:PORT or [IPv6]:PORT, port 1..65535", name, v);
}

static ccsp_err conf_server_name(const char *name, const char *v, sdfc_conf *cf)
{
	if (v == NULL)
		v = cf->host;
	size_t n = strlen(v);
	if (n > SDFC_HOST_MAX || !(is_ip_literal(v) || is_dns_chars(v, n)))
		return sdfc_fail(CCSP_ERR_DECODE, "%s: server_name %s: expected a DNS name or an IP address", name, v);
	memcpy(cf->server_name, v, n + 1);
	return CCSP_OK;
}

/* A path value, relative to the config file's directory unless absolute. */
static ccsp_err conf_path(const char *name, const ccsp_config *cfg, const char *key, char **out)
{
	const char *v = ccsp_config_get(cfg, key);
	const char *slash = strrchr(name, '/');
	size_t dlen = v != NULL && v[0] != '/' && slash != NULL ? (size_t)(slash - name) + 1 : 0;
	if (v == NULL)
		return sdfc_fail(CCSP_ERR_DECODE, "%s: %s is required", name, key);
	size_t vlen = strlen(v);
	if (vlen >= PATH_MAX || dlen >= PATH_MAX - vlen)
		return sdfc_fail(CCSP_ERR_DECODE, "%s: %s: path too long", name, key);
	char *p = malloc(dlen + vlen + 1);
	if (p == NULL)
		return sdfc_fail(CCSP_ERR_NOMEM, "out of memory");
	memcpy(p, name, dlen);
	memcpy(p + dlen, v, vlen + 1);
	*out = p;
	return CCSP_OK;
}

/* One suite name of tlcp_suites (any case) appended to cf->suites; 0 when unknown, repeated or too many. */
static int conf_suite(const char *name, sdfc_conf *cf)
{
	for (size_t i = 0; i < 4; i++) {
		const ccsp_tlcp_suite *st = ccsp_tlcp_suite_find(TLCP_SUITES[i]);
		if (st == NULL || strcasecmp(st->name, name) != 0)
			continue;
		for (size_t j = 0; j < cf->n_suites; j++)
			if (cf->suites[j] == st->id)
				return 0;
		if (cf->n_suites == 4)
			return 0;
		cf->suites[cf->n_suites++] = st->id;
		return 1;
	}
	return 0;
}

static ccsp_err conf_suites(const char *name, const char *v, sdfc_conf *cf)
{
	char list[256], *save = NULL;
	int ok = 1;
	if (v == NULL) {
		memcpy(cf->suites, TLCP_SUITES, sizeof TLCP_SUITES);
		cf->n_suites = 4;
		return CCSP_OK;
	}
	if (strlen(v) >= sizeof list)
		ok = 0;
	else
		memcpy(list, v, strlen(v) + 1);
	for (char *t = ok ? strtok_r(list, ", ", &save) : NULL; t != NULL && ok; t = strtok_r(NULL, ", ", &save))
		ok = conf_suite(t, cf);
	if (!ok || cf->n_suites == 0)
		return sdfc_fail(CCSP_ERR_DECODE, "%s: tlcp_suites %s: expected a comma-separated list of ECC_SM4_GCM_SM3, "
		                 "ECC_SM4_CBC_SM3, ECDHE_SM4_GCM_SM3, ECDHE_SM4_CBC_SM3, each at most once", name, v);
	return CCSP_OK;
}

/* transport, and with tlcp its optional certificate pairs and suites. */
static ccsp_err conf_transport(const char *name, const ccsp_config *cfg, sdfc_conf *cf)
{
	const char *t = ccsp_config_get_or(cfg, "transport", "tls");
	ccsp_err err = CCSP_OK;
	if (strcmp(t, "tls") == 0)
		return CCSP_OK;
	if (strcmp(t, "tlcp") != 0)
		return sdfc_fail(CCSP_ERR_DECODE, "%s: transport %s: expected tls or tlcp", name, t);
	cf->tlcp = 1;
	for (size_t i = 0; i < 4 && err == CCSP_OK; i++)
		if (ccsp_config_get(cfg, TLCP_FILE_KEYS[i]) != NULL)
			err = conf_path(name, cfg, TLCP_FILE_KEYS[i], &cf->tlcp_files[i]);
	for (size_t i = 0; i < 4 && err == CCSP_OK; i += 2)
		if ((cf->tlcp_files[i] == NULL) != (cf->tlcp_files[i + 1] == NULL))
			err = sdfc_fail(CCSP_ERR_DECODE, "%s: %s and %s go together", name, TLCP_FILE_KEYS[i],
			                TLCP_FILE_KEYS[i + 1]);
	return err == CCSP_OK ? conf_suites(name, ccsp_config_get(cfg, "tlcp_suites"), cf) : err;
}

static ccsp_err conf_numbers(const ccsp_config *cfg, sdfc_conf *cf)
{
	char msg[CONF_MSG_MAX];
	ccsp_err err = ccsp_config_get_u32(cfg, "pool_size", 1, SDFC_POOL_MAX, 4, &cf->pool_size, msg, sizeof msg);
	if (err == CCSP_OK)
		err = ccsp_config_get_u32(cfg, "timeout_ms", 100, 600000, 30000, &cf->timeout_ms, msg, sizeof msg);
	return err == CCSP_OK ? CCSP_OK : sdfc_fail(err, "%s", msg);
}

ccsp_err sdfc_conf_load(const char *path, sdfc_conf *cf)
{
	char msg[CONF_MSG_MAX];
	ccsp_config *cfg = NULL;
	ccsp_err err;
	memset(cf, 0, sizeof *cf);
	if ((err = ccsp_config_load(path, &cfg, msg, sizeof msg)) != CCSP_OK) {
		sdfc_fail(err, "%s", msg);
		goto out;
	}
	if ((err = ccsp_config_check_keys(cfg, CONF_KEYS, msg, sizeof msg)) != CCSP_OK) {
		sdfc_fail(err, "%s", msg);
		goto out;
	}
	if ((err = conf_address(path, ccsp_config_get(cfg, "address"), cf)) != CCSP_OK ||
	    (err = conf_server_name(path, ccsp_config_get(cfg, "server_name"), cf)) != CCSP_OK ||
	    (err = conf_path(path, cfg, "ca_file", &cf->ca_file)) != CCSP_OK ||
	    (err = conf_path(path, cfg, "token_file", &cf->token_file)) != CCSP_OK ||
	    (err = conf_transport(path, cfg, cf)) != CCSP_OK)
		goto out;
	err = conf_numbers(cfg, cf);
out:
	ccsp_config_free(cfg);
	if (err != CCSP_OK)
		sdfc_conf_clear(cf);
	return err;
}

void sdfc_conf_clear(sdfc_conf *cf)
{
	free(cf->ca_file);
	free(cf->token_file);
	for (size_t i = 0; i < 4; i++)
		free(cf->tlcp_files[i]);
	memset(cf, 0, sizeof *cf);
}
