/* SPDX-License-Identifier: Apache-2.0 */
/* ccspd --init DIR [--listen ADDR:PORT] [--store URL] [--vsm-conf PATH]: a new state directory. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ccspd/ccspd.h"
#include "common/atomic_file.h"
#include "common/netaddr.h"
#include "common/selfcert.h"

typedef struct init_opts {
	const char *listen, *store, *vsm_conf;
} init_opts;

static int parse(int argc, char **argv, init_opts *o)
{
	for (int i = 0; i < argc; i += 2) {
		const char **slot = strcmp(argv[i], "--listen") == 0    ? &o->listen
		                    : strcmp(argv[i], "--store") == 0    ? &o->store
		                    : strcmp(argv[i], "--vsm-conf") == 0 ? &o->vsm_conf
		                                                         : NULL;
		if (slot == NULL || *slot != NULL || i + 1 >= argc || strchr(argv[i + 1], '\n') != NULL) {
			fprintf(stderr, "ccspd: --init: unknown, repeated or incomplete option '%s'\n", argv[i]);
			return -1;
		}
		*slot = argv[i + 1];
	}
	return 0;
}

/* The certificate's subjectAltName for the listen address. */
static int alt_names(const char *listen, char *out, size_t cap)
{
	char host[128];
	unsigned port;
	const char *colon = strrchr(listen, ':');
	if (colon == NULL || colon == listen || sscanf(colon + 1, "%u", &port) != 1 || port > 65535)
		return -1;
	size_t n = (size_t)(colon - listen);
	const char *start = listen[0] == '[' ? listen + 1 : listen;
	n -= listen[0] == '[' ? 2 : 0;
	if (n == 0 || n >= sizeof host)
		return -1;
	memcpy(host, start, n);
	host[n] = '\0';
	int ip = strspn(host, "0123456789.") == n || strchr(host, ':') != NULL;
	snprintf(out, cap, "%s:%s,IP:127.0.0.1,DNS:localhost", ip ? "IP" : "DNS", host);
	return 0;
}

int ccspd_init(const char *dir, int argc, char **argv)
{
	char path[PATH_MAX], cert[PATH_MAX], key[PATH_MAX], alt[300], text[2048];
	init_opts o = {0};
	if (parse(argc, argv, &o) != 0)
		return 1;
	const char *listen = o.listen != NULL ? o.listen : CCSPD_DEFAULT_LISTEN;
	if (alt_names(listen, alt, sizeof alt) != 0) {
		fprintf(stderr, "ccspd: --listen wants ADDR:PORT, got '%s'\n", listen);
		return 1;
	}
	snprintf(path, sizeof path, "%s/" CCSPD_CONF, dir);
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "ccspd: %s already holds a platform; refusing to overwrite it\n", dir);
		return 1;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "ccspd: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(cert, sizeof cert, "%s/tls-cert.pem", dir);
	snprintf(key, sizeof key, "%s/tls-key.pem", dir);
	snprintf(text, sizeof text,
	         "# ccspd configuration (docs/operations.md lists every option)\n"
	         "listen = %s\ncert_file = tls-cert.pem\nkey_file = tls-key.pem\nstore = %s\n%s%s%s"
	         "workers = 8\nvsm_sessions = 8\n",
	         listen, o.store != NULL ? o.store : "sqlite:ccspd.db", o.vsm_conf != NULL ? "vsm_conf = " : "",
	         o.vsm_conf != NULL ? o.vsm_conf : "", o.vsm_conf != NULL ? "\n" : "");
	ccsp_err ret = ccsp_selfcert_create(cert, key, "ccsp platform", alt, 825);
	if (ret == CCSP_OK)
		ret = ccsp_atomic_write(path, text, strlen(text), 0600);
	if (ret != CCSP_OK) {
		fprintf(stderr, "ccspd: --init %s failed: %s\n", dir, ccsp_err_str(ret));
		return 1;
	}
	printf("ccspd: created a platform in %s\n", dir);
	printf("ccspd: the API on https://%s" API " once started with: ccspd --dir %s\n", listen, dir);
	return 0;
}
