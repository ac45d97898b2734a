/* SPDX-License-Identifier: Apache-2.0 */
/* chsmd --init DIR [--listen ADDR:PORT]: a CHSM state directory in dev mode (production mode: unseal.c). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chsmd/chsmd.h"
#include "common/atomic_file.h"
#include "common/selfcert.h"
#include "common/tlcp_devcert.h"

/* Dev mode: the device CA (device_ca.c) at once. */
static ccsp_err make_device_ca(const char *dir)
{
	uint8_t der[CCSP_X509_CERT_MAX];
	size_t len = 0;
	chsm_keys *keys = NULL;
	ccsp_err ret = chsm_keys_open(dir, &keys);
	if (ret == CCSP_OK)
		ret = chsmd_device_ca_ensure(dir, chsm_keys_device(keys), der, &len);
	chsm_keys_free(keys); /* wipes the keys */
	return ret;
}

int chsmd_init_with(const char *dir, const char *listen, chsmd_make_keys_fn make_keys, void *arg)
{
	char path[PATH_MAX], cert[PATH_MAX], key[PATH_MAX], alt[300], text[1400];
	if (ccsp_selfcert_alt_names(listen, alt, sizeof alt) != CCSP_OK) {
		fprintf(stderr, "chsmd: --listen wants ADDR:PORT, got '%s'\n", listen);
		return 1;
	}
	snprintf(path, sizeof path, "%s/" CHSMD_CONF, dir);
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "chsmd: %s already holds a CHSM; refusing to overwrite it\n", dir);
		return 1;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "chsmd: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(cert, sizeof cert, "%s/tls-cert.pem", dir);
	snprintf(key, sizeof key, "%s/tls-key.pem", dir);
	snprintf(text, sizeof text,
	         "# chsmd configuration (docs/operations.md lists every option)\n"
	         "listen = %s\ncert_file = tls-cert.pem\nkey_file = tls-key.pem\n"
	         "vsm_host = 127.0.0.1\nvsm_port_base = 7500\nworkers = 4\n"
	         "# tlcp_listen = ADDR:PORT   the same API over TLCP (GB/T 38636) too: tlcp-*.pem, CA tlcp-ca.pem\n"
	         "# the VSMs' channel to libsdf: tls (TLS 1.3) or tlcp (GB/T 38636, certificates from the device CA\n"
	         "# " CHSMD_DEVICE_CA_FILE "; the approved mode, which --production writes)\n"
	         "vsm_transport = %s\n",
	         listen, make_keys != NULL ? "tlcp" : "tls");
	ccsp_err ret = make_keys != NULL ? make_keys(dir, arg) : chsm_keys_create(dir);
	if (ret == CCSP_OK && make_keys == NULL) /* production: the keys are sealed, the first start makes it */
		ret = make_device_ca(dir);
	if (ret == CCSP_OK)
		ret = ccsp_selfcert_create(cert, key, "ccsp chsm", alt, 825);
	if (ret == CCSP_OK)
		ret = ccsp_tlcp_devcert_create(dir, "ccsp chsm", listen, 825);
	if (ret == CCSP_OK)
		ret = ccsp_atomic_write(path, text, strlen(text), 0600);
	if (ret != CCSP_OK) {
		fprintf(stderr, "chsmd: --init %s failed: %s\n", dir, ccsp_err_str(ret));
		return 1;
	}
	return 0;
}

int chsmd_init(const char *dir, const char *listen)
{
	if (chsmd_init_with(dir, listen, NULL, NULL) != 0)
		return 1;
	printf("chsmd: created a CHSM in %s (dev mode: master key in %s/master.key, mode 0600)\n", dir, dir);
	printf("chsmd: management API on https://%s/api/1.0 once started with: chsmd --dir %s\n", listen, dir);
	return 0;
}
