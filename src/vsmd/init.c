/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "common/atomic_file.h"
#include "common/selfcert.h"
#include "common/tlcp_devcert.h"
#include "sdf/sdf_token.h"
#include "vsm/vsm.h"
#include "vsmd/init.h"

#define TOKEN_SIZE 32

/* "host" of "host:port" or "[v6]:port" into host (cap bytes). */
static int split_host(const char *listen, char *host, size_t cap)
{
	const char *colon = strrchr(listen, ':');
	if (colon == NULL || colon == listen || strlen(colon + 1) == 0)
		return -1;
	const char *start = listen, *end = colon;
	if (*start == '[') {
		start++;
		if (end[-1] != ']')
			return -1;
		end--;
	}
	if ((size_t)(end - start) >= cap)
		return -1;
	memcpy(host, start, (size_t)(end - start));
	host[end - start] = '\0';
	return 0;
}

static int is_ip(const char *host)
{
	return strspn(host, "0123456789.") == strlen(host) || strchr(host, ':') != NULL;
}

static ccsp_err write_text(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return CCSP_ERR_ARG;
	return ccsp_atomic_write(path, text, strlen(text), mode);
}

static ccsp_err make_tls(const char *dir, const char *host)
{
	char cert[PATH_MAX + 16], key[PATH_MAX + 16], alt[600];
	snprintf(cert, sizeof cert, "%s/tls-cert.pem", dir);
	snprintf(key, sizeof key, "%s/tls-key.pem", dir);
	if (is_ip(host))
		snprintf(alt, sizeof alt, "IP:%s,IP:127.0.0.1,DNS:localhost", host);
	else
		snprintf(alt, sizeof alt, "DNS:%s,IP:127.0.0.1,DNS:localhost", host);
	return ccsp_selfcert_create(cert, key, "ccsp vsm", alt, 825);
}

/* managed: the storage key comes from chsmd on a descriptor, so vsmd.conf names no key file. tlcp: the listener
 * serves TLCP with the double certificates of make_tlcp, and clients trust their dev CA. */
static ccsp_err make_configs(const char *dir, const char *listen, const char *host, int managed, int tlcp)
{
	char text[3 * PATH_MAX], absdir[PATH_MAX];
	if (realpath(dir, absdir) == NULL)
		return CCSP_ERR_IO;
	snprintf(text, sizeof text,
	         "# vsmd configuration (docs/operations.md lists every option)\n"
	         "listen = %s\ncert_file = tls-cert.pem\nkey_file = tls-key.pem\n%s%s"
	         "workers = 2\nmax_connections = 256\nmax_inflight = 64\n",
	         listen, managed ? "" : "storage_key_file = " VSMD_STORAGE_KEY "\n",
	         tlcp ? "transport = tlcp\ntlcp_sign_cert = tlcp-sign.pem\ntlcp_sign_key = tlcp-sign.key\n"
	                "tlcp_enc_cert = tlcp-enc.pem\ntlcp_enc_key = tlcp-enc.key\n"
	              : "");
	ccsp_err ret = write_text(dir, VSMD_CONF, text, 0600);
	if (ret != CCSP_OK)
		return ret;
	snprintf(text, sizeof text,
	         "# libsdf client configuration: point CCSP_SDF_CONF at this file (docs/sdf.md)\n"
	         "%saddress = %s\nserver_name = %s\nca_file = %s/%s\ntoken_file = %s/client.token\n"
	         "pool_size = 4\n",
	         tlcp ? "transport = tlcp\n" : "", listen, host, absdir, tlcp ? "tlcp-ca.pem" : "tls-cert.pem", absdir);
	return write_text(dir, "sdf.conf", text, 0644);
}

/* Open the new VSM once (self-tests, empty keystore, audit log) and, unless managed, give it a client token. */
static ccsp_err make_vsm(const char *dir, const uint8_t skey[CCSP_VSM_STORAGE_KEY_SIZE], int managed)
{
	uint8_t token[TOKEN_SIZE];
	char path[PATH_MAX];
	ccsp_vsm *vsm = NULL;
	ccsp_err ret = ccsp_vsm_open(dir, skey, NULL, &vsm);
	if (ret == CCSP_OK && managed) {
		ccsp_vsm_free(vsm);
		return CCSP_OK;
	}
	if (ret == CCSP_OK)
		ret = ccsp_random(token, sizeof token);
	if (ret == CCSP_OK)
		ret = ccsp_vsm_token_set(vsm, token, sizeof token);
	snprintf(path, sizeof path, "%s/client.token", dir);
	if (ret == CCSP_OK)
		ret = ccsp_sdf_token_seal(path, token, sizeof token);
	ccsp_memzero(token, sizeof token);
	ccsp_vsm_free(vsm);
	return ret;
}

int vsmd_init(const char *dir, const char *listen, const uint8_t *given_key, int tlcp)
{
	uint8_t skey[CCSP_VSM_STORAGE_KEY_SIZE];
	char host[256], path[PATH_MAX];
	int managed = given_key != NULL;
	ccsp_err ret = CCSP_OK;
	if (split_host(listen, host, sizeof host) != 0) {
		fprintf(stderr, "vsmd: --listen wants ADDR:PORT, got '%s'\n", listen);
		return 1;
	}
	snprintf(path, sizeof path, "%s/" VSMD_CONF, dir);
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "vsmd: %s already holds a VSM; refusing to overwrite it\n", dir);
		return 1;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "vsmd: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(path, sizeof path, "%s/" VSMD_STORAGE_KEY, dir);
	if (managed) {
		memcpy(skey, given_key, sizeof skey);
	} else {
		ret = ccsp_random(skey, sizeof skey);
		if (ret == CCSP_OK)
			ret = ccsp_atomic_write(path, skey, sizeof skey, 0600);
	}
	if (ret == CCSP_OK)
		ret = make_vsm(dir, skey, managed);
	if (ret == CCSP_OK)
		ret = make_tls(dir, host);
	if (ret == CCSP_OK && tlcp) /* a dev CA made for the occasion: tlcp-ca.pem, its key wiped unused afterwards */
		ret = ccsp_tlcp_devcert_create(dir, "ccsp vsm", listen, 825);
	if (ret == CCSP_OK)
		ret = make_configs(dir, listen, host, managed, tlcp);
	ccsp_memzero(skey, sizeof skey);
	if (ret != CCSP_OK) {
		fprintf(stderr, "vsmd: --init %s failed: %s\n", dir, ccsp_err_str(ret));
		return 1;
	}
	if (managed) {
		printf("vsmd: created a VSM in %s under the given storage key (not stored; no client token yet)\n", dir);
		printf("vsmd: it will listen on %s; start it with: vsmd --dir %s --storage-key-fd N\n", listen, dir);
		return 0;
	}
	printf("vsmd: created a VSM in %s (dev mode: storage key in %s/" VSMD_STORAGE_KEY ", mode 0600)\n", dir, dir);
	printf("vsmd: it will listen on %s; start it with: vsmd --dir %s\n", listen, dir);
	printf("vsmd: client config: %s/sdf.conf (export CCSP_SDF_CONF=%s/sdf.conf)\n", dir, dir);
	if (tlcp)
		printf("vsmd: it serves TLCP (GB/T 38636); clients trust its dev CA %s/tlcp-ca.pem\n", dir);
	return 0;
}
