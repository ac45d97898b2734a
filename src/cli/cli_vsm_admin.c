/* SPDX-License-Identifier: Apache-2.0 */
/* ccsp vsm's client of vsmd's admin socket (cli_vsm.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <ccsp/mem.h>
#include <ccsp/sdf.h>

#include "cli.h"
#include "cli_vsm.h"
#include "sdf/sdf_ops.h"

#define ANSWER_TIMEOUT_MS 60000
#define KEY_INFO_SIZE 85 /* one ADMIN_KEYS record: kind, index, has_password (u32), created (i64), public (65) */

const char *cli_vsm_sdr_name(uint32_t sdr)
{
	static const char *const names[] = {
		"SDR_UNKNOWERR",  "SDR_NOTSUPPORT", "SDR_COMMFAIL",    "SDR_HARDFAIL",    "SDR_OPENDEVICE",
		"SDR_OPENSESSION", "SDR_PARDENY",   "SDR_KEYNOTEXIST", "SDR_ALGNOTSUPPORT", "SDR_ALGMODNOTSUPPORT",
		"SDR_PKOPERR",    "SDR_SKOPERR",    "SDR_SIGNERR",     "SDR_VERIFYERR",   "SDR_SYMOPERR",
		"SDR_STEPERR",    "SDR_FILESIZEERR", "SDR_FILENOEXIST", "SDR_FILEOFSERR", "SDR_KEYTYPEERR",
		"SDR_KEYERR",     "SDR_ENCDATAERR", "SDR_RANDERR",     "SDR_PRKRERR",     "SDR_MACERR",
		"SDR_FILEEXISTS", "SDR_FILEWERR",   "SDR_NOBUFFER",    "SDR_INARGERR",    "SDR_OUTARGERR",
		"SDR_USERIDERR"};
	if (sdr == SDR_OK)
		return "SDR_OK";
	if (sdr > SDR_BASE && sdr - SDR_BASE - 1 < sizeof names / sizeof names[0])
		return names[sdr - SDR_BASE - 1];
	return "an unknown SDR code";
}

/* The error an admin operation of op_admin.c turned into sdr (src/sdf/sdf_status.c read backwards; of the
 * errors sharing an SDR code, the one these operations return). */
static ccsp_err sdr_to_err(uint32_t sdr)
{
	static const struct {
		uint32_t sdr;
		ccsp_err err;
	} map[] = {{SDR_OK, CCSP_OK},                          {SDR_KEYERR, CCSP_ERR_KEY_EXISTS},
	           {SDR_KEYNOTEXIST, CCSP_ERR_KEY_NOT_FOUND},    {SDR_PRKRERR, CCSP_ERR_PASSWORD},
	           {SDR_INARGERR, CCSP_ERR_ARG},                 {SDR_HARDFAIL, CCSP_ERR_MODULE_STATE},
	           {SDR_NOBUFFER, CCSP_ERR_LIMIT},               {SDR_RANDERR, CCSP_ERR_RNG},
	           {SDR_PARDENY, CCSP_ERR_ACCESS_DENIED},        {SDR_NOTSUPPORT, CCSP_ERR_UNSUPPORTED}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].sdr == sdr)
			return map[i].err;
	return CCSP_ERR_INTERNAL;
}

/* 1 connected (*fd set), 0 no vsmd serves dir, -1 error (printed). */
int cli_vsm_admin_connect(const char *dir, int *fd)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int n = snprintf(sun.sun_path, sizeof sun.sun_path, "%s/admin.sock", dir);
	if (n < 0 || (size_t)n >= sizeof sun.sun_path)
		return 0; /* vsmd cannot have bound a socket there either */
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		cli_error("socket: %s", strerror(errno));
		return -1;
	}
	if (connect(s, (const struct sockaddr *)&sun, sizeof sun) == 0) {
		*fd = s;
		return 1;
	}
	int e = errno;
	close(s);
	if (e == ENOENT || e == ECONNREFUSED)
		return 0;
	cli_error("cannot connect to vsmd's admin socket %s: %s", sun.sun_path, strerror(e));
	return -1;
}

static int send_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Read exactly len bytes before deadline (CLOCK_MONOTONIC ms). 0, or -1 with errno (0 = peer closed,
 * ETIMEDOUT). */
static int recv_all(int fd, uint8_t *p, size_t len, int64_t deadline)
{
	while (len > 0) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		int64_t left = deadline - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int pr = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			errno = pr == 0 ? ETIMEDOUT : errno;
			return -1;
		}
		ssize_t r = recv(fd, p, len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			errno = r == 0 ? 0 : errno;
			return -1;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static void comm_error(const vsm_target *t, const char *what)
{
	if (errno == 0)
		cli_error("vsmd closed its admin socket in %s without answering (only root and the user vsmd runs as "
		          "may use it)", t->dir);
	else
		cli_error("vsmd's admin socket in %s: %s: %s", t->dir, what, strerror(errno));
}

/* Send the request in w (finished and freed here) and read the answer: CCSP_OK with the body (*body malloc'd,
 * caller frees), or the error its SDR status stands for (t->sdr keeps the status). Transport and protocol
 * failures are reported here and return CCSP_ERR_COMM. */
ccsp_err cli_vsm_admin_call(vsm_target *t, uint16_t opcode, ccsp_sdf_writer *w, uint8_t **body, size_t *bodylen)
{
	ccsp_sdf_header h = {.version = CCSP_SDF_WIRE_VERSION, .type = CCSP_SDF_REQUEST, .opcode = opcode,
	                     .request = ++t->request};
	uint8_t *frame = NULL, hdr[CCSP_SDF_HEADER_SIZE];
	size_t len = 0;
	struct timespec ts;
	*body = NULL;
	*bodylen = 0;
	ccsp_err ret = ccsp_sdf_writer_finish(w, &h, &frame, &len);
	if (ret != CCSP_OK) {
		cli_error_ccsp(ret, "cannot encode the request");
		return CCSP_ERR_COMM;
	}
	int sent = send_all(t->fd, frame, len);
	ccsp_memzero(frame, len); /* it may carry a password */
	free(frame);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t deadline = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + ANSWER_TIMEOUT_MS;
	if (sent != 0 || recv_all(t->fd, hdr, sizeof hdr, deadline) != 0) {
		comm_error(t, sent != 0 ? "send" : "no answer");
		return CCSP_ERR_COMM;
	}
	if (ccsp_sdf_header_decode(hdr, &h) != CCSP_OK || h.type != CCSP_SDF_RESPONSE || h.request != t->request ||
	    h.opcode != opcode) {
		cli_error("vsmd's admin socket in %s: malformed answer", t->dir);
		return CCSP_ERR_COMM;
	}
	uint8_t *b = malloc(h.length > 0 ? h.length : 1);
	if (b == NULL) {
		cli_error("out of memory");
		return CCSP_ERR_COMM;
	}
	if (recv_all(t->fd, b, h.length, deadline) != 0) {
		comm_error(t, "answer cut short");
		free(b);
		return CCSP_ERR_COMM;
	}
	t->sdr = h.status;
	if (h.status != SDR_OK) {
		free(b);
		return sdr_to_err(h.status);
	}
	*body = b;
	*bodylen = h.length;
	return CCSP_OK;
}

/* A request whose answer has an empty body. */
ccsp_err cli_vsm_admin_simple(vsm_target *t, uint16_t opcode, ccsp_sdf_writer *w)
{
	uint8_t *body;
	size_t len;
	ccsp_err ret = cli_vsm_admin_call(t, opcode, w, &body, &len);
	free(body);
	if (ret == CCSP_OK && len != 0) {
		cli_error("vsmd's admin socket in %s: unexpected answer", t->dir);
		ret = CCSP_ERR_COMM;
	}
	return ret;
}

static uint64_t be_load(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

/* Decode the ADMIN_KEYS answer (repeated T_INFO records). */
ccsp_err cli_vsm_parse_key_list(const vsm_target *t, const uint8_t *body, size_t len, ccsp_vsm_key_info **infos,
                               size_t *count)
{
	ccsp_sdf_reader r;
	size_t max = len / (CCSP_SDF_FIELD_HEADER + KEY_INFO_SIZE);
	ccsp_vsm_key_info *out = calloc(max > 0 ? max : 1, sizeof *out);
	size_t n = 0;
	int bad = 0;
	if (out == NULL) {
		cli_error("out of memory");
		return CCSP_ERR_COMM;
	}
	ccsp_sdf_reader_init(&r, body, len);
	while (n < max && ccsp_sdf_peek_tag(&r, CCSP_SDF_T_INFO)) {
		uint8_t rec[KEY_INFO_SIZE];
		uint32_t kind = 0;
		if (ccsp_sdf_get_fixed(&r, CCSP_SDF_T_INFO, rec, sizeof rec) == CCSP_OK)
			kind = (uint32_t)be_load(rec, 4);
		if (kind != CCSP_VSM_KEY_SIGN && kind != CCSP_VSM_KEY_ENC && kind != CCSP_VSM_KEY_KEK) {
			bad = 1;
			break;
		}
		out[n].kind = (ccsp_vsm_key_kind)kind;
		out[n].index = (uint32_t)be_load(rec + 4, 4);
		out[n].has_password = be_load(rec + 8, 4) != 0;
		out[n].created = (int64_t)be_load(rec + 12, 8);
		memcpy(out[n].pub, rec + 20, CCSP_SM2_POINT_SIZE);
		n++;
	}
	if (bad || ccsp_sdf_reader_end(&r) != CCSP_OK) {
		cli_error("vsmd's admin socket in %s: malformed key list", t->dir);
		free(out);
		return CCSP_ERR_COMM;
	}
	*infos = out;
	*count = n;
	return CCSP_OK;
}
