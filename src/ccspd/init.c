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
#include "common/tlcp_devcert.h"
#include "platform/password.h"
#include "platform/store/store_identity.h"

#include <ccsp/mem.h>

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

int ccspd_store_url(const char *dir, const char *store, char *out, size_t cap)
{
	int n = strncmp(store, "sqlite:", 7) == 0 && store[7] != '/' ? snprintf(out, cap, "sqlite:%s/%s", dir, store + 7)
	                                                             : snprintf(out, cap, "%s", store);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* The first system administrator: login "admin", a one-time password that must be changed at the first login,
 * written to DIR/initial-admin-password (0600) and printed once. */
static ccsp_err create_admin(const char *dir, const char *store_conf, char otp[CCSP_PASSWORD_OTP_LEN + 1])
{
	char url[PATH_MAX + 16], path[PATH_MAX], err[256] = "";
	ccsp_store *s = NULL;
	ccsp_store_tx *tx = NULL;
	ccsp_password_hash h;
	ccsp_store_principal p = {.role = CCSP_ROLE_SYSADMIN, .must_change = 1, .status = CCSP_STORE_ACTIVE};
	ccsp_err ret = ccspd_store_url(dir, store_conf, url, sizeof url) == 0 ? CCSP_OK : CCSP_ERR_ARG;
	if (ret == CCSP_OK)
		ret = ccsp_password_otp(otp);
	if (ret == CCSP_OK)
		ret = ccsp_password_hash_new(otp, strlen(otp), &h);
	if (ret == CCSP_OK && (ret = ccsp_store_open(url, NULL, &s, err, sizeof err)) != CCSP_OK)
		fprintf(stderr, "ccspd: cannot open the store %s: %s\n", store_conf, err);
	if (ret == CCSP_OK)
		ret = ccsp_store_begin(s, &tx);
	if (ret == CCSP_OK) {
		snprintf(p.login, sizeof p.login, CCSPD_ADMIN_LOGIN);
		memcpy(p.pw_hash, h.hash, sizeof h.hash);
		p.pw_hash_len = sizeof h.hash;
		memcpy(p.pw_salt, h.salt, sizeof h.salt);
		p.pw_salt_len = sizeof h.salt;
		p.pw_iter = h.iterations;
		ret = ccsp_store_principal_create(tx, &p);
	}
	if (ret == CCSP_OK) {
		ret = ccsp_store_commit(tx);
		tx = NULL;
	}
	snprintf(path, sizeof path, "%s/" CCSPD_ADMIN_PASSWORD_FILE, dir);
	if (ret == CCSP_OK)
		ret = ccsp_atomic_write(path, otp, strlen(otp), 0600);
	if (tx != NULL)
		ccsp_store_rollback(tx);
	ccsp_store_free(s);
	ccsp_memzero(&h, sizeof h);
	return ret;
}

int ccspd_init(const char *dir, int argc, char **argv)
{
	char path[PATH_MAX], cert[PATH_MAX], key[PATH_MAX], alt[300], text[2048];
	init_opts o = {0};
	if (parse(argc, argv, &o) != 0)
		return 1;
	const char *listen = o.listen != NULL ? o.listen : CCSPD_DEFAULT_LISTEN;
	if (ccsp_selfcert_alt_names(listen, alt, sizeof alt) != CCSP_OK) {
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
	         "workers = 8\nvsm_sessions = 8\n"
	         "# audit_sign_index = 2   the platform VSM's SM2 key that signs audit checkpoints and exports\n"
	         "# tlcp_listen = ADDR:PORT   the same API over TLCP (GB/T 38636) too: tlcp-*.pem, CA tlcp-ca.pem\n",
	         listen, o.store != NULL ? o.store : "sqlite:ccspd.db", o.vsm_conf != NULL ? "vsm_conf = " : "",
	         o.vsm_conf != NULL ? o.vsm_conf : "", o.vsm_conf != NULL ? "\n" : "");
	char otp[CCSP_PASSWORD_OTP_LEN + 1] = "";
	ccsp_err ret = ccsp_selfcert_create(cert, key, "ccsp platform", alt, 825);
	if (ret == CCSP_OK)
		ret = ccsp_tlcp_devcert_create(dir, "ccsp platform", listen, 825);
	if (ret == CCSP_OK)
		ret = create_admin(dir, o.store != NULL ? o.store : "sqlite:ccspd.db", otp);
	if (ret == CCSP_OK) /* the config last: a directory without it is an unfinished init */
		ret = ccsp_atomic_write(path, text, strlen(text), 0600);
	if (ret != CCSP_OK) {
		ccsp_memzero(otp, sizeof otp);
		fprintf(stderr, "ccspd: --init %s failed: %s\n", dir, ccsp_err_str(ret));
		return 1;
	}
	printf("ccspd: created a platform in %s\n", dir);
	printf("ccspd: first system administrator: %s, one-time password %s (also in %s/" CCSPD_ADMIN_PASSWORD_FILE
	       ", 0600); it must be changed at the first login\n",
	       CCSPD_ADMIN_LOGIN, otp, dir);
	ccsp_memzero(otp, sizeof otp);
	printf("ccspd: the API on https://%s" API " once started with: ccspd --dir %s\n", listen, dir);
	return 0;
}
