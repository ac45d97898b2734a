/* SPDX-License-Identifier: Apache-2.0 */
/* The supervisor's work on a VSM directory: its record, config rewrites, offline VSM operations, TLS re-issue,
 * and shredding. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "chsm/chsm_vsm_internal.h"
#include "common/atomic_file.h"
#include "common/b64.h"
#include "common/config.h"
#include "common/netaddr.h"
#include "common/selfcert.h"
#include "vsm/vsm.h"

#define CONF_MAX 65536
#define SHRED_DEPTH 8

static int path_in(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* ---- the record ---- */

ccsp_err chsm_meta_write(const char *dir, const chsm_meta *m)
{
	char path[PATH_MAX], text[512];
	if (path_in(path, sizeof path, dir, CHSM_META_FILE) != 0)
		return CCSP_ERR_ARG;
	int n = snprintf(text, sizeof text, "# chsmd's record of this VSM (src/chsm/chsm_vsm.h)\nuuid = %s\nflavor = %u\nrun = %d\n",
	                 m->uuid, m->flavor, m->run ? 1 : 0);
	if (m->vsmd[0] != '\0') /* upgradeVSM (chsm_vsm_upgrade.c) */
		n += snprintf(text + n, sizeof text - (size_t)n, "vsmd = %s\nversion = %s\n", m->vsmd, m->version);
	return ccsp_atomic_write(path, text, (size_t)n, 0600);
}

ccsp_err chsm_meta_read(const char *dir, chsm_meta *m)
{
	static const char *const keys[] = {"uuid", "flavor", "run", "vsmd", "version", NULL};
	char path[PATH_MAX], err[128];
	ccsp_config *cfg = NULL;
	uint32_t run = 0;
	if (path_in(path, sizeof path, dir, CHSM_META_FILE) != 0)
		return CCSP_ERR_ARG;
	ccsp_err ret = ccsp_config_load(path, &cfg, err, sizeof err);
	if (ret != CCSP_OK)
		return ret;
	const char *uuid = ccsp_config_get(cfg, "uuid");
	ret = ccsp_config_check_keys(cfg, keys, err, sizeof err);
	if (ret == CCSP_OK)
		ret = ccsp_config_get_u32(cfg, "flavor", 1, 3, 1, &m->flavor, err, sizeof err);
	if (ret == CCSP_OK)
		ret = ccsp_config_get_u32(cfg, "run", 0, 1, 0, &run, err, sizeof err);
	if (ret == CCSP_OK && (uuid == NULL || strlen(uuid) != 36))
		ret = CCSP_ERR_DECODE;
	const char *vsmd = ccsp_config_get(cfg, "vsmd"), *version = ccsp_config_get(cfg, "version");
	if (ret == CCSP_OK && ((vsmd == NULL) != (version == NULL) ||
	                       (vsmd != NULL && (vsmd[0] == '\0' || strlen(vsmd) >= sizeof m->vsmd || version[0] == '\0' ||
	                                         strlen(version) >= sizeof m->version))))
		ret = CCSP_ERR_DECODE;
	if (ret == CCSP_OK) {
		memcpy(m->uuid, uuid, 37);
		m->run = (int)run;
		snprintf(m->vsmd, sizeof m->vsmd, "%s", vsmd != NULL ? vsmd : "");
		snprintf(m->version, sizeof m->version, "%s", version != NULL ? version : "");
	}
	ccsp_config_free(cfg);
	return ret;
}

/* ---- ids ---- */

int chsm_id_valid(const char *id)
{
	size_t n = id != NULL ? strlen(id) : 0;
	static const char ok[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-";
	return n >= 1 && n <= CCSP_CHSM_VSM_ID_MAX && strspn(id, ok) == n;
}

int ccsp_chsm_vsm_id_valid(const char *id)
{
	return chsm_id_valid(id);
}


ccsp_err chsm_id_new(char id[CCSP_CHSM_VSM_ID_MAX + 1])
{
	uint8_t b[6];
	ccsp_err ret = ccsp_random(b, sizeof b);
	if (ret == CCSP_OK)
		ccsp_hex_encode(b, sizeof b, id);
	return ret;
}

ccsp_err chsm_uuid_new(char uuid[37])
{
	uint8_t b[16];
	char h[33];
	ccsp_err ret = ccsp_random(b, sizeof b);
	if (ret != CCSP_OK)
		return ret;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* RFC 4122 4.4: version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* variant 10 */
	ccsp_hex_encode(b, sizeof b, h);
	snprintf(uuid, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
	return CCSP_OK;
}

/* ---- addresses ---- */

/* The one listen parser (src/common/netaddr.c); host gets the address in its canonical text form. */
static ccsp_err listen_sockaddr(const char *listen, char host[CHSM_HOST_MAX], struct sockaddr_storage *ss,
                                socklen_t *sslen)
{
	_Static_assert(CHSM_HOST_MAX >= INET6_ADDRSTRLEN, "an IPv6 literal fits");
	if (listen == NULL || strlen(listen) > CCSP_CHSM_VSM_LISTEN_MAX ||
	    ccsp_net_parse_listen(listen, ss, sslen) != CCSP_OK)
		return CCSP_ERR_ARG;
	const void *addr = ss->ss_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)ss)->sin6_addr
	                                             : (const void *)&((struct sockaddr_in *)ss)->sin_addr;
	return inet_ntop(ss->ss_family, addr, host, CHSM_HOST_MAX) != NULL ? CCSP_OK : CCSP_ERR_ARG;
}

ccsp_err chsm_listen_parse(const char *listen, char host[CHSM_HOST_MAX])
{
	char h[CHSM_HOST_MAX];
	struct sockaddr_storage ss;
	socklen_t len;
	ccsp_err ret = listen_sockaddr(listen, h, &ss, &len);
	if (ret == CCSP_OK && host != NULL)
		memcpy(host, h, sizeof h);
	return ret;
}

ccsp_err chsm_listen_bindable(const char *listen)
{
	char host[CHSM_HOST_MAX];
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;
	ccsp_err ret = listen_sockaddr(listen, host, &ss, &len);
	if (ret != CCSP_OK)
		return ret;
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return CCSP_ERR_IO;
	/* as vsmd binds (SO_REUSEADDR): a port in TIME_WAIT is free for it too */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 || bind(fd, (struct sockaddr *)&ss, len) != 0)
		ret = CCSP_ERR_ARG;
	(void)close(fd);
	return ret;
}

/* ---- config files ---- */

/* The key of a "key = value" line, or 0 (blank, comment, malformed). */
static size_t line_key(const char *line, size_t len, const char **key)
{
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	size_t start = i;
	while (i < len && (strchr("abcdefghijklmnopqrstuvwxyz0123456789_.", line[i]) != NULL && line[i] != '\0'))
		i++;
	size_t klen = i - start;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	*key = line + start;
	return klen > 0 && i < len && line[i] == '=' ? klen : 0;
}

static int key_index(const char *const *keys, size_t n, const char *key, size_t klen)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(keys[i]) == klen && memcmp(keys[i], key, klen) == 0)
			return (int)i;
	return -1;
}

ccsp_err chsm_conf_set(const char *path, const char *const *keys, const char *const *vals, size_t n)
{
	uint8_t *in = NULL;
	char *out = NULL;
	size_t inlen = 0, cap, o = 0;
	unsigned done = 0;
	struct stat st;
	if (n > 8)
		return CCSP_ERR_ARG;
	cap = 1;
	for (size_t i = 0; i < n; i++) {
		if (strpbrk(vals[i], "\r\n") != NULL || strpbrk(keys[i], "\r\n") != NULL)
			return CCSP_ERR_ARG;
		cap += strlen(keys[i]) + strlen(vals[i]) + 5;
	}
	if (stat(path, &st) != 0)
		return errno == ENOENT ? CCSP_ERR_FILE_NOT_FOUND : CCSP_ERR_IO;
	ccsp_err ret = ccsp_file_read_all(path, CONF_MAX, &in, &inlen);
	if (ret != CCSP_OK)
		return ret;
	cap += inlen + 1;
	ret = CCSP_ERR_NOMEM;
	if ((out = malloc(cap)) == NULL)
		goto out;
	for (size_t pos = 0; pos < inlen;) {
		const char *line = (const char *)in + pos, *key, *nl = memchr(line, '\n', inlen - pos);
		size_t len = nl != NULL ? (size_t)(nl - line) : inlen - pos;
		size_t klen = line_key(line, len, &key);
		int k = klen > 0 ? key_index(keys, n, key, klen) : -1;
		if (k >= 0 && !(done & (1u << k))) {
			o += (size_t)snprintf(out + o, cap - o, "%s = %s\n", keys[k], vals[k]);
			done |= 1u << k;
		} else if (k < 0) { /* a repeated line of a key being set is dropped: vsmd refuses repeated keys */
			memcpy(out + o, line, len);
			o += len;
			out[o++] = '\n';
		}
		pos += len + 1;
	}
	for (size_t i = 0; i < n; i++)
		if (!(done & (1u << i)))
			o += (size_t)snprintf(out + o, cap - o, "%s = %s\n", keys[i], vals[i]);
	ret = ccsp_atomic_write(path, out, o, st.st_mode & 07777);
out:
	free(in);
	free(out);
	return ret;
}

ccsp_err chsm_conf_get(const char *path, const char *key, char *out, size_t cap)
{
	char err[128];
	ccsp_config *cfg = NULL;
	ccsp_err ret = ccsp_config_load(path, &cfg, err, sizeof err);
	if (ret != CCSP_OK)
		return ret;
	const char *v = ccsp_config_get(cfg, key);
	if (v == NULL)
		ret = CCSP_ERR_FILE_NOT_FOUND;
	else if (strlen(v) >= cap)
		ret = CCSP_ERR_LIMIT;
	else
		memcpy(out, v, strlen(v) + 1);
	ccsp_config_free(cfg);
	return ret;
}

/* ---- offline operations ---- */

/* The limits vsmd would open the VSM with (src/vsmd/main.c load_limits): the keystore refuses a smaller
 * max_index than its keys use. */
static ccsp_err vsm_limits(const char *dir, ccsp_vsm_limits *lim)
{
	char path[PATH_MAX], err[128];
	ccsp_config *cfg = NULL;
	ccsp_vsm_limits_default(lim);
	if (path_in(path, sizeof path, dir, CHSM_VSMD_CONF) != 0)
		return CCSP_ERR_ARG;
	ccsp_err ret = ccsp_config_load(path, &cfg, err, sizeof err);
	if (ret == CCSP_OK)
		ret = ccsp_config_get_u32(cfg, "max_index", 1, 65535, lim->max_index, &lim->max_index, err, sizeof err);
	if (ret == CCSP_OK)
		ret = ccsp_config_get_u32(cfg, "max_sessions", 1, 65535, lim->max_sessions, &lim->max_sessions, err,
		                          sizeof err);
	if (ret == CCSP_OK)
		ret = ccsp_config_get_u32(cfg, "max_session_keys", 1, 65535, lim->max_session_keys,
		                          &lim->max_session_keys, err, sizeof err);
	ccsp_config_free(cfg);
	return ret;
}

static ccsp_err token_release(ccsp_vsm *vsm, const char *dir)
{
	char path[PATH_MAX];
	if (path_in(path, sizeof path, dir, CHSM_TOKEN_FILE) != 0)
		return CCSP_ERR_ARG;
	if (unlink(path) != 0 && errno != ENOENT)
		return CCSP_ERR_IO;
	ccsp_vsm_audit_event(vsm, "token.release", "ok");
	return ccsp_vsm_get_state(vsm) == CCSP_VSM_STATE_OPERATIONAL ? CCSP_OK : CCSP_ERR_MODULE_STATE;
}

ccsp_err chsm_vsm_offline(const char *dir, const uint8_t key[CCSP_CHSM_VSM_KEY_SIZE], chsm_offline_op op,
                          const char *token)
{
	ccsp_vsm_limits lim;
	ccsp_vsm *vsm = NULL;
	ccsp_err ret = vsm_limits(dir, &lim);
	if (ret == CCSP_OK)
		ret = ccsp_vsm_open(dir, key, &lim, &vsm);
	if (ret == CCSP_ERR_SELFTEST || ret == CCSP_ERR_TAMPERED)
		ret = CCSP_ERR_MODULE_STATE;
	if (ret == CCSP_OK) {
		if (op == CHSM_OFFLINE_RESET)
			ret = ccsp_vsm_reset(vsm);
		else if (op == CHSM_OFFLINE_TOKEN_SET)
			ret = ccsp_vsm_token_set(vsm, (const uint8_t *)token, strlen(token));
		else
			ret = token_release(vsm, dir);
	}
	ccsp_vsm_free(vsm);
	return ret;
}

/* ---- TLS ---- */

static ccsp_err tls_paths(const char *dir, char cert[PATH_MAX], char key[PATH_MAX])
{
	if (path_in(cert, PATH_MAX, dir, "tls-cert.pem") != 0 || path_in(key, PATH_MAX, dir, "tls-key.pem") != 0)
		return CCSP_ERR_ARG;
	return CCSP_OK;
}

ccsp_err chsm_tls_reissue(const char *dir, const char *host, chsm_tls_backup *b)
{
	char cert[PATH_MAX], key[PATH_MAX], alt[160];
	memset(b, 0, sizeof *b);
	ccsp_err ret = tls_paths(dir, cert, key);
	if (ret == CCSP_OK)
		ret = ccsp_file_read_all(cert, CONF_MAX, &b->cert, &b->certlen);
	if (ret == CCSP_OK)
		ret = ccsp_file_read_all(key, CONF_MAX, &b->key, &b->keylen);
	if (ret != CCSP_OK) {
		chsm_tls_backup_free(b);
		return ret;
	}
	/* the names vsmd --init gives (src/vsmd/init.c make_tls) */
	snprintf(alt, sizeof alt, "IP:%s,IP:127.0.0.1,DNS:localhost", host);
	return ccsp_selfcert_create(cert, key, "ccsp vsm", alt, 825);
}

ccsp_err chsm_tls_restore(const char *dir, const chsm_tls_backup *b)
{
	char cert[PATH_MAX], key[PATH_MAX];
	ccsp_err ret = tls_paths(dir, cert, key);
	if (ret == CCSP_OK && b->cert != NULL)
		ret = ccsp_atomic_write(cert, b->cert, b->certlen, 0644);
	if (ret == CCSP_OK && b->key != NULL)
		ret = ccsp_atomic_write(key, b->key, b->keylen, 0600);
	return ret;
}

void chsm_tls_backup_free(chsm_tls_backup *b)
{
	if (b->key != NULL)
		ccsp_memzero(b->key, b->keylen);
	free(b->key);
	free(b->cert);
	memset(b, 0, sizeof *b);
}

/* ---- shredding ---- */

static int overwrite(int dfd, const char *name, off_t size)
{
	static const uint8_t zeros[4096];
	int fd = openat(dfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = 0;
	for (off_t done = 0; done < size && rc == 0;) {
		size_t n = size - done < (off_t)sizeof zeros ? (size_t)(size - done) : sizeof zeros;
		ssize_t w = write(fd, zeros, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = -1;
		else
			done += w;
	}
	if (fsync(fd) != 0)
		rc = -1;
	(void)close(fd);
	return rc;
}

static int shred_at(int dfd, const char *name, int depth)
{
	struct stat st;
	int rc = 0;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISDIR(st.st_mode)) {
		int fd = depth < SHRED_DEPTH ? openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		if (d == NULL) {
			if (fd >= 0)
				(void)close(fd);
			return -1;
		}
		for (struct dirent *de; (de = readdir(d)) != NULL;)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
			    shred_at(dirfd(d), de->d_name, depth + 1) != 0)
				rc = -1;
		(void)closedir(d);
		return unlinkat(dfd, name, AT_REMOVEDIR) == 0 ? rc : -1;
	}
	if (S_ISREG(st.st_mode) && overwrite(dfd, name, st.st_size) != 0)
		rc = -1;
	if (unlinkat(dfd, name, 0) != 0 && errno != ENOENT)
		rc = -1;
	return rc;
}

ccsp_err chsm_dir_shred(const char *dir)
{
	return shred_at(AT_FDCWD, dir, 0) == 0 ? CCSP_OK : CCSP_ERR_IO;
}
