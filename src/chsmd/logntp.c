/* SPDX-License-Identifier: Apache-2.0 */
/*
 * chsmd's log upload and NTP client (GM/T 0088 §7.2.5 configCHSMNtp, §7.2.7 configSyslogAddr): the settings made
 * real. Log upload is a log forwarder (common/logfwd.h) hung on chsmd's logger as its sink, replaced whole on
 * every reconfiguration. NTP is one thread that queries the configured server every syncPeriod seconds
 * (common/sntp.h) and keeps the last result for getCHSMInfo. chsmd never sets the system clock: it reports the
 * offset; the host's time service (chrony, systemd-timesyncd) owns the clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chsmd/chsmd.h"
#include "common/logfwd.h"
#include "common/netaddr.h"
#include "common/sntp.h"

#define NTP_TIMEOUT_MS 3000u /* one query; the thread is free again after this whatever the server does */
#define NTP_ADDR_MAX (CCSP_NET_HOST_MAX + 8)
#define LOG_FLUSH_MS 2000u   /* at shutdown */

typedef struct chsmd_logntp {
	pthread_mutex_t mu; /* everything below */
	pthread_cond_t cond;
	ccsp_logfwd *fwd; /* NULL: log upload not configured */
	char log_type[16];

	pthread_t ntp_thread;
	int ntp_started, stop;
	unsigned generation;        /* bumped by every reconfiguration: a result of an older one is discarded */
	char addr[NTP_ADDR_MAX + 1]; /* "" = not configured */
	unsigned period;
	int64_t due_ms;             /* monotonic: next query */
	const char *status;         /* "not configured", "pending", "ok", "unreachable", "invalid reply" */
	char error[96];
	int64_t last_sync_ms;       /* Unix ms of the last valid answer (0: none) */
	int64_t offset_ns, delay_ns;
} chsmd_logntp;

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t unix_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- NTP ---- */

/* Record a query's outcome (under mu); returns 1 when the status changed (worth a log line). */
static int ntp_record(chsmd_logntp *ln, ccsp_err ret, const ccsp_sntp_result *res)
{
	const char *before = ln->status;
	ln->error[0] = '\0';
	if (ret == CCSP_OK) {
		ln->status = "ok";
		ln->last_sync_ms = unix_ms();
		ln->offset_ns = res->offset_ns;
		ln->delay_ns = res->delay_ns;
	} else if (ret == CCSP_ERR_PROTOCOL) {
		ln->status = "invalid reply";
		if (res->verdict == CCSP_SNTP_KISS) {
			char code[5];
			for (int i = 0; i < 4; i++) {
				char c = (char)(res->reply.ref_id >> (24 - 8 * i));
				code[i] = c >= 'A' && c <= 'Z' ? c : '?';
			}
			code[4] = '\0';
			snprintf(ln->error, sizeof ln->error, "kiss-o'-death %s", code);
		} else {
			snprintf(ln->error, sizeof ln->error, "%s", ccsp_sntp_verdict_str(res->verdict));
		}
	} else if (ret == CCSP_ERR_COMM) {
		ln->status = "unreachable";
		snprintf(ln->error, sizeof ln->error, "no answer within %u ms, port closed or name not resolved",
		         NTP_TIMEOUT_MS);
	} else { /* not the server's doing (no random nonce, a bad stored address): said as it is */
		ln->status = "unreachable";
		snprintf(ln->error, sizeof ln->error, "query not sent: %s", ccsp_err_str(ret));
	}
	return strcmp(before, ln->status) != 0;
}

static void ntp_log(chsmd *d, const char *status, const char *addr, int64_t offset_ns, const char *error)
{
	char off[32];
	snprintf(off, sizeof off, "%lld", (long long)(offset_ns / 1000000));
	if (strcmp(status, "ok") == 0)
		ccsp_log_event(d->log, "info", "chsm.ntp.status", "addr", addr, "status", status, "offsetMillis", off,
		               (char *)NULL);
	else
		ccsp_log_event(d->log, "warn", "chsm.ntp.status", "addr", addr, "status", status, "error", error,
		               (char *)NULL);
}

/* One query of the configured server (called without the lock). */
static void ntp_query(chsmd *d, chsmd_logntp *ln, const char *addr, unsigned gen)
{
	char host[CCSP_NET_HOST_MAX + 1], port[6], error[96];
	ccsp_sntp_result res;
	memset(&res, 0, sizeof res);
	ccsp_err ret = ccsp_net_split_host_port(addr, CCSP_SNTP_PORT, host, port);
	if (ret == CCSP_OK)
		ret = ccsp_sntp_query(host, port, NTP_TIMEOUT_MS, &res);
	pthread_mutex_lock(&ln->mu);
	int changed = 0;
	const char *status = NULL;
	if (gen == ln->generation) { /* else reconfigured meanwhile: this answer is about the old server */
		changed = ntp_record(ln, ret, &res);
		status = ln->status;
		snprintf(error, sizeof error, "%s", ln->error);
		ln->due_ms = mono_ms() + (int64_t)ln->period * 1000;
	}
	pthread_mutex_unlock(&ln->mu);
	if (changed)
		ntp_log(d, status, addr, res.offset_ns, error); /* outside mu: the logger may forward it */
}

static void cond_wait_until(chsmd_logntp *ln, int64_t until_ms)
{
	int64_t left = until_ms - mono_ms();
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += left / 1000;
	ts.tv_nsec += (left % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	(void)pthread_cond_timedwait(&ln->cond, &ln->mu, &ts);
}

static void *ntp_thread(void *arg)
{
	chsmd *d = arg;
	chsmd_logntp *ln = d->logntp;
	char addr[NTP_ADDR_MAX + 1];
	pthread_mutex_lock(&ln->mu);
	while (!ln->stop) {
		if (ln->addr[0] == '\0') {
			pthread_cond_wait(&ln->cond, &ln->mu);
			continue;
		}
		if (mono_ms() < ln->due_ms) {
			cond_wait_until(ln, ln->due_ms);
			continue;
		}
		unsigned gen = ln->generation;
		memcpy(addr, ln->addr, sizeof addr);
		ln->due_ms = mono_ms() + (int64_t)ln->period * 1000; /* also if the query result is discarded */
		pthread_mutex_unlock(&ln->mu);
		ntp_query(d, ln, addr, gen);
		pthread_mutex_lock(&ln->mu);
	}
	pthread_mutex_unlock(&ln->mu);
	return NULL;
}

void chsmd_ntp_apply(chsmd *d, const char *addr, unsigned period)
{
	chsmd_logntp *ln = d->logntp;
	if (ln == NULL)
		return;
	pthread_mutex_lock(&ln->mu);
	snprintf(ln->addr, sizeof ln->addr, "%s", addr);
	ln->period = period;
	ln->generation++;
	ln->status = "pending";
	ln->error[0] = '\0';
	ln->last_sync_ms = 0;
	ln->offset_ns = ln->delay_ns = 0;
	ln->due_ms = 0; /* at once */
	pthread_cond_broadcast(&ln->cond);
	pthread_mutex_unlock(&ln->mu);
}

static long long round_ms(int64_t ns)
{
	return (long long)((ns >= 0 ? ns + 500000 : ns - 500000) / 1000000);
}

json_t *chsmd_ntp_report(chsmd *d)
{
	chsmd_logntp *ln = d->logntp;
	if (ln == NULL)
		return json_pack("{s:s}", "status", "not configured");
	char ts[32];
	pthread_mutex_lock(&ln->mu);
	json_t *r = json_pack("{s:s}", "status", ln->status);
	if (r != NULL && ln->addr[0] != '\0') {
		json_object_set_new(r, "addr", json_string(ln->addr));
		json_object_set_new(r, "syncPeriod", json_integer(ln->period));
	}
	if (r != NULL && ln->last_sync_ms != 0) {
		chsmd_timestamp(ln->last_sync_ms, ts);
		json_object_set_new(r, "lastSync", json_string(ts));
		json_object_set_new(r, "offsetMillis", json_integer(round_ms(ln->offset_ns)));
		json_object_set_new(r, "delayMillis", json_integer(round_ms(ln->delay_ns)));
	}
	if (r != NULL && ln->error[0] != '\0')
		json_object_set_new(r, "error", json_string(ln->error));
	pthread_mutex_unlock(&ln->mu);
	return r;
}

/* ---- log upload ---- */

ccsp_err chsmd_logupload_apply(chsmd *d, const char *type, const char *address)
{
	chsmd_logntp *ln = d->logntp;
	ccsp_logfwd_config c = {.app_name = "chsmd", .device = d->device_fingerprint};
	ccsp_logfwd *next = NULL, *old;
	ccsp_err ret = ln != NULL ? ccsp_logfwd_target_parse(type, address, &c.target) : CCSP_ERR_ARG;
	if (ret != CCSP_OK || (ret = ccsp_logfwd_new(&c, &next)) != CCSP_OK)
		return ret;
	pthread_mutex_lock(&ln->mu);
	old = ln->fwd;
	ln->fwd = next;
	snprintf(ln->log_type, sizeof ln->log_type, "%s", type);
	pthread_mutex_unlock(&ln->mu);
	ccsp_log_set_sink(d->log, ccsp_logfwd_sink, next); /* once it returns, nothing feeds the old one */
	ccsp_logfwd_free(old, 0);                          /* never waits: it finishes on its own thread */
	const char *transport = c.target.kind == CCSP_LOGFWD_HTTP ? "http" :
	                        c.target.kind == CCSP_LOGFWD_SYSLOG_TCP ? "tcp" : "udp";
	/* not the address itself: a logserver URL may carry credentials */
	ccsp_log_event(d->log, "info", "chsm.logupload.configured", "logServerType", type, "transport", transport,
	               (char *)NULL);
	return CCSP_OK;
}

json_t *chsmd_logupload_report(chsmd *d)
{
	chsmd_logntp *ln = d->logntp;
	ccsp_logfwd_stats st;
	json_t *r = NULL;
	if (ln != NULL)
		pthread_mutex_lock(&ln->mu);
	if (ln == NULL || ln->fwd == NULL) {
		r = json_pack("{s:s}", "status", "not configured");
		goto out;
	}
	ccsp_logfwd_stats_get(ln->fwd, &st);
	static const char *const states[] = {"idle", "ok", "retrying"};
	r = json_pack("{s:s, s:s, s:I, s:I, s:I}", "logServerType", ln->log_type, "status",
	              states[st.state >= 0 && st.state <= 2 ? st.state : 2], "sent", (json_int_t)st.sent, "dropped",
	              (json_int_t)st.dropped, "pending", (json_int_t)st.pending);
	if (r != NULL && st.state == CCSP_LOGFWD_STATE_RETRYING)
		json_object_set_new(r, "lastError", json_string(st.last_error));
out:
	if (ln != NULL)
		pthread_mutex_unlock(&ln->mu);
	return r;
}

/* ---- lifecycle ---- */

/* Apply what settings.json holds; a value that does not parse is logged and left unconfigured. */
static void apply_settings(chsmd *d)
{
	json_t *s = chsmd_settings_get(d);
	const char *type = json_string_value(json_object_get(s, "logServerType"));
	const char *laddr = json_string_value(json_object_get(s, "logServerAddress"));
	const char *naddr = json_string_value(json_object_get(s, "ntpAddr"));
	json_t *period = json_object_get(s, "syncPeriod");
	char host[CCSP_NET_HOST_MAX + 1], port[6];
	if (type != NULL && laddr != NULL && chsmd_logupload_apply(d, type, laddr) != CCSP_OK)
		ccsp_log_event(d->log, "warn", "chsm.logupload.invalid", "logServerType", type, (char *)NULL);
	if (naddr != NULL) {
		json_int_t p = json_is_integer(period) ? json_integer_value(period) : 0;
		if (p >= 1 && p <= 86400 && strlen(naddr) <= NTP_ADDR_MAX &&
		    ccsp_net_split_host_port(naddr, CCSP_SNTP_PORT, host, port) == CCSP_OK)
			chsmd_ntp_apply(d, naddr, (unsigned)p);
		else
			ccsp_log_event(d->log, "warn", "chsm.ntp.invalid", "addr", naddr, (char *)NULL);
	}
	json_decref(s);
}

static ccsp_err logntp_new(chsmd_logntp **out)
{
	pthread_condattr_t ca;
	chsmd_logntp *ln = calloc(1, sizeof *ln);
	*out = NULL;
	if (ln == NULL)
		return CCSP_ERR_NOMEM;
	ln->status = "not configured";
	if (pthread_condattr_init(&ca) != 0 || pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&ln->cond, &ca) != 0) {
		free(ln);
		return CCSP_ERR_INTERNAL;
	}
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&ln->mu, NULL);
	*out = ln;
	return CCSP_OK;
}

ccsp_err chsmd_logntp_start(chsmd *d)
{
	ccsp_err ret = logntp_new(&d->logntp);
	if (ret == CCSP_OK && pthread_create(&d->logntp->ntp_thread, NULL, ntp_thread, d) != 0)
		ret = CCSP_ERR_INTERNAL; /* chsmd_logntp_stop frees it */
	if (ret != CCSP_OK) {
		fprintf(stderr, "chsmd: cannot start the NTP client and log upload: %s\n", ccsp_err_str(ret));
		return ret;
	}
	d->logntp->ntp_started = 1;
	apply_settings(d);
	return CCSP_OK;
}

void chsmd_logntp_stop(chsmd *d)
{
	chsmd_logntp *ln = d->logntp;
	if (ln == NULL)
		return;
	ccsp_log_set_sink(d->log, NULL, NULL);
	pthread_mutex_lock(&ln->mu);
	ln->stop = 1;
	ccsp_logfwd *fwd = ln->fwd;
	ln->fwd = NULL;
	pthread_cond_broadcast(&ln->cond);
	pthread_mutex_unlock(&ln->mu);
	ccsp_logfwd_free(fwd, LOG_FLUSH_MS);
	if (ln->ntp_started)
		pthread_join(ln->ntp_thread, NULL); /* at most one query: NTP_TIMEOUT_MS (and a name lookup) */
	pthread_cond_destroy(&ln->cond);
	pthread_mutex_destroy(&ln->mu);
	free(ln);
	d->logntp = NULL;
}
