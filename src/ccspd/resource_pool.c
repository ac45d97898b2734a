/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccspd's resource pool (docs/api-ccspd.md "pool"): the scheduler of src/platform/pool.h fed from the store. A
 * ticker reads the groups and devices every pool_health_interval_s seconds (ccspd.conf, default 2), so that every
 * node sharing the store follows membership changes made on any of them, then runs one health round. Actions that
 * change membership refresh at once on their node. The node's platform VSM is the first member of the default
 * group.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccspd/ccspd.h"
#include "common/ticker.h"
#include "common/tlcp_http.h"
#include "crypto/guard.h" /* CCSP_GUARD */
#include "platform/pool.h"
#include "platform/store/store_pool.h"

#define PAGE 500

struct ccspd_pool_keeper {
	unsigned sessions; /* per member VSM (pool_pvsm.c reads it) */
	ccsp_ticker *ticker;
	ccsp_err last_err;
	pthread_mutex_t sched_mu; /* sched */
	ccspd_sched sched;        /* the scheduler's versions as this node last read or set them */
};

typedef struct refresh_job {
	ccsp_pool_spec *specs;
	size_t n;
	uint32_t default_kek; /* the default group's KEK index: vsm_kek_index */
	/* the CHSM VSMs among the members: their links, and which spec each is (its address set after the read) */
	ccsp_store_pool_vsm_link *links;
	size_t *link_spec, nlinks;
	ccspd_sched sched;
} refresh_job;

static void group_spec(ccsp_pool_spec *s, const ccsp_store_pool_group *g, uint32_t default_kek)
{
	memcpy(s->group, g->id, sizeof s->group);
	s->kek_index = g->kek_index != 0 ? g->kek_index : default_kek;
	memcpy(s->probe, g->probe, sizeof s->probe);
	s->probe_len = g->probe_len;
	memcpy(s->check, g->check, sizeof s->check);
}

/* The specs of every device in a group, and the platform member's key check (the default group's). */
static ccsp_err refresh_fn(ccsp_store_tx *tx, void *arg)
{
	refresh_job *j = arg;
	ccsp_store_pool_device *devs = calloc(PAGE, sizeof *devs);
	ccsp_store_pool_group g;
	char cursor[CCSP_STORE_ID_LEN + 1] = "";
	size_t got = 0;
	ccsp_err ret = devs != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	j->n = 0;
	if (ret == CCSP_OK && (ret = ccsp_store_pool_group_get(tx, CCSP_STORE_POOL_DEFAULT_GROUP, &g)) == CCSP_OK) {
		ccsp_pool_spec *s = &j->specs[j->n++];
		memset(s, 0, sizeof *s);
		memcpy(s->id, CCSP_POOL_PLATFORM_ID, sizeof CCSP_POOL_PLATFORM_ID);
		group_spec(s, &g, j->default_kek);
	}
	do {
		if (ret == CCSP_OK)
			ret = ccsp_store_pool_device_list(tx, cursor, PAGE, devs, &got);
		for (size_t i = 0; ret == CCSP_OK && i < got; i++) {
			if (devs[i].group_id[0] == '\0')
				continue;
			if (j->n >= CCSP_POOL_MEMBERS_MAX - 1) {
				ret = CCSP_ERR_LIMIT;
				break;
			}
			if ((ret = ccsp_store_pool_group_get(tx, devs[i].group_id, &g)) != CCSP_OK)
				break;
			ccsp_pool_spec *s = &j->specs[j->n++];
			memset(s, 0, sizeof *s);
			memcpy(s->id, devs[i].id, sizeof s->id);
			memcpy(s->address, devs[i].address, sizeof s->address);
			memcpy(s->app, devs[i].dedicated_app, sizeof s->app);
			group_spec(s, &g, j->default_kek);
			if (strcmp(devs[i].kind, CCSP_STORE_POOL_KIND_CHSM_VSM) == 0) {
				if ((ret = ccsp_store_pool_vsm_get(tx, devs[i].id, &j->links[j->nlinks])) != CCSP_OK)
					break;
				j->link_spec[j->nlinks++] = j->n - 1;
			}
		}
		if (ret == CCSP_OK && got > 0)
			memcpy(cursor, devs[got - 1].id, sizeof cursor);
	} while (ret == CCSP_OK && got == PAGE);
	free(devs);
	return ret == CCSP_OK ? ccspd_sched_read(tx, &j->sched) : ret;
}

void ccspd_pool_sched_get(ccspd *d, ccspd_sched *s)
{
	if (d->pool_keeper == NULL) {
		ccspd_sched_default(s);
		return;
	}
	pthread_mutex_lock(&d->pool_keeper->sched_mu);
	*s = d->pool_keeper->sched;
	pthread_mutex_unlock(&d->pool_keeper->sched_mu);
}

static void sched_set(ccspd *d, const ccspd_sched *s)
{
	pthread_mutex_lock(&d->pool_keeper->sched_mu);
	d->pool_keeper->sched = *s;
	pthread_mutex_unlock(&d->pool_keeper->sched_mu);
}

ccsp_err ccspd_pool_refresh(ccspd *d)
{
	refresh_job j = {.specs = calloc(CCSP_POOL_MEMBERS_MAX, sizeof *j.specs),
	                 .default_kek = d->vsm_kek_index,
	                 .links = calloc(CCSP_POOL_MEMBERS_MAX, sizeof *j.links),
	                 .link_spec = calloc(CCSP_POOL_MEMBERS_MAX, sizeof *j.link_spec)};
	ccsp_err ret = j.specs != NULL && j.links != NULL && j.link_spec != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		ret = ccsp_store_run(d->store, refresh_fn, &j);
	/* a CHSM VSM is opened through this node's client config, written from its record when missing */
	for (size_t i = 0; ret == CCSP_OK && i < j.nlinks; i++) {
		char path[PATH_MAX];
		ccsp_pool_spec *s = &j.specs[j.link_spec[i]];
		if (ccspd_pool_vsm_conf_ensure(d, &j.links[i], path) == CCSP_OK && strlen(path) < sizeof s->address)
			memcpy(s->address, path, strlen(path) + 1);
		else
			ccsp_log_event(d->log, "warn", "ccspd.pool", "detail", "cannot write a CHSM VSM's client config",
			               "device", j.links[i].device_id, (char *)NULL);
	}
	if (ret == CCSP_OK)
		ret = ccsp_pool_sync(d->pool, j.specs, j.n);
	if (ret == CCSP_OK)
		sched_set(d, &j.sched);
	free(j.specs);
	free(j.links);
	free(j.link_spec);
	return ret;
}

static void tick(void *arg)
{
	ccspd *d = arg;
	ccsp_err ret = ccspd_pool_refresh(d);
	if (ret != d->pool_keeper->last_err && ret != CCSP_OK)
		ccsp_log_event(d->log, "warn", "ccspd.pool", "detail", "cannot read the pool from the store: retrying",
		               "error", ccsp_err_name(ret), (char *)NULL);
	d->pool_keeper->last_err = ret;
	ccsp_pool_tick(d->pool);
}

ccsp_err ccspd_pool_open(ccspd *d, const ccsp_config *cfg, char *err, size_t errlen)
{
	uint32_t interval, sessions;
	ccsp_pool_backend be;
	const char *cb = ccsp_config_get_or(cfg, "g88_callback_url", "");
	if (ccsp_config_get_u32(cfg, "pool_health_interval_s", 1, 3600, 2, &interval, err, errlen) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "pool_sessions", 1, 64, 8, &sessions, err, errlen) != CCSP_OK)
		return CCSP_ERR_ARG;
	if (strlen(cb) >= sizeof d->g88_callback_url || (cb[0] != '\0' && strncmp(cb, "https://", 8) != 0 &&
	                                                 strncmp(cb, "http://", 7) != 0 && !ccsp_tlcp_http_is_url(cb))) {
		snprintf(err, errlen, "g88_callback_url: an http(s) or tlcp URL of at most %zu bytes",
		         sizeof d->g88_callback_url - 1);
		return CCSP_ERR_ARG;
	}
	memcpy(d->g88_callback_url, cb, strlen(cb) + 1);
	if ((d->pool_keeper = calloc(1, sizeof *d->pool_keeper)) == NULL)
		return CCSP_ERR_NOMEM;
	d->pool_keeper->sessions = sessions;
	pthread_mutex_init(&d->pool_keeper->sched_mu, NULL);
	ccspd_sched_default(&d->pool_keeper->sched);
	ccsp_pool_pvsm_backend(&be, &d->pool_keeper->sessions);
	CCSP_GUARD(ccsp_pool_new(&be, &d->pool));
	ccsp_pool_set_platform(d->pool, d->pvsm, d->vsm_kek_index);
	ccsp_err ret = ccspd_pool_refresh(d);
	if (ret != CCSP_OK)
		ccsp_log_event(d->log, "warn", "ccspd.pool", "detail", "cannot read the pool from the store: retrying",
		               "error", ccsp_err_name(ret), (char *)NULL);
	ccsp_pool_tick(d->pool); /* the members in rotation before the first request */
	return ccsp_ticker_start(interval * 1000, interval * 1000, tick, d, &d->pool_keeper->ticker);
}

/* One metric family of every member: HELP, TYPE and a line per member. */
static void family(FILE *f, const char *name, const char *type, const char *help, const ccsp_pool_info *in, size_t n,
                   int which)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	for (size_t i = 0; i < n; i++) {
		unsigned long long v = which == 0   ? in[i].state == CCSP_POOL_UP
		                       : which == 1 ? in[i].inflight
		                       : which == 2 ? in[i].ops
		                       : which == 3 ? in[i].failures
		                                    : in[i].retries;
		fprintf(f, "%s{device=\"%s\",group=\"%s\"} %llu\n", name, in[i].id, in[i].group, v);
	}
}

/* The scheduler's versions and what each policy's leases did on this node. */
static void sched_metrics(ccspd *d, FILE *f)
{
	ccspd_sched s;
	ccsp_pool_policy_stats st[CCSP_POOL_POLICIES_];
	ccspd_pool_sched_get(d, &s);
	ccsp_pool_policy_counts(d->pool, st);
	fputs("# HELP ccsp_pool_scheduler_version the scheduler's versions: stable, and candidate in gray release\n"
	      "# TYPE ccsp_pool_scheduler_version gauge\n",
	      f);
	fprintf(f, "ccsp_pool_scheduler_version{track=\"stable\",policy=\"%s\"} %lld\n",
	        ccsp_pool_policy_name(s.stable_policy), (long long)s.stable_version);
	if (s.candidate_version != 0)
		fprintf(f, "ccsp_pool_scheduler_version{track=\"candidate\",policy=\"%s\"} %lld\n",
		        ccsp_pool_policy_name(s.candidate_policy), (long long)s.candidate_version);
	fprintf(f, "# HELP ccsp_pool_scheduler_gray_percent applications on the candidate version\n"
	           "# TYPE ccsp_pool_scheduler_gray_percent gauge\nccsp_pool_scheduler_gray_percent %lld\n",
	        (long long)(s.candidate_version != 0 ? s.gray_percent : 0));
	static const char *const names[] = {"ccsp_pool_policy_operations_total", "ccsp_pool_policy_failures_total",
	                                    "ccsp_pool_policy_seconds_total"};
	static const char *const helps[] = {"operations leased by the policy", "of those, failed to reach the member",
	                                    "time the policy's leases took"};
	for (size_t k = 0; k < 3; k++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", names[k], helps[k], names[k]);
		for (unsigned i = 0; i < CCSP_POOL_POLICIES_; i++) {
			const char *pol = ccsp_pool_policy_name((ccsp_pool_policy)i);
			if (k < 2)
				fprintf(f, "%s{policy=\"%s\"} %llu\n", names[k], pol,
				        (unsigned long long)(k == 0 ? st[i].ops : st[i].failures));
			else
				fprintf(f, "%s{policy=\"%s\"} %.6f\n", names[k], pol, (double)st[i].ns / 1e9);
		}
	}
}

char *ccspd_pool_metrics(ccspd *d)
{
	ccsp_pool_info *in = calloc(CCSP_POOL_MEMBERS_MAX, sizeof *in);
	char *text = NULL;
	size_t len = 0, n = 0, live = 0;
	FILE *f = in != NULL ? open_memstream(&text, &len) : NULL;
	if (f == NULL) {
		free(in);
		return NULL;
	}
	ccsp_pool_infos(d->pool, in, CCSP_POOL_MEMBERS_MAX, &n);
	for (size_t i = 0; i < n; i++) /* ids and groups are hex ids, "platform" or "default": safe label values */
		if (in[i].state != CCSP_POOL_RETIRED)
			in[live++] = in[i];
	family(f, "ccsp_pool_member_up", "gauge", "1 while the member is in rotation on this node", in, live, 0);
	family(f, "ccsp_pool_inflight", "gauge", "operations running on the member", in, live, 1);
	family(f, "ccsp_pool_operations_total", "counter", "operations leased to the member", in, live, 2);
	family(f, "ccsp_pool_failures_total", "counter", "operations that failed to reach the member", in, live, 3);
	family(f, "ccsp_pool_retries_total", "counter", "of those, retried on another member", in, live, 4);
	sched_metrics(d, f);
	free(in);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

void ccspd_pool_close(ccspd *d)
{
	if (d->pool_keeper != NULL)
		ccsp_ticker_stop(d->pool_keeper->ticker);
	ccsp_pool_free(d->pool);
	if (d->pool_keeper != NULL)
		pthread_mutex_destroy(&d->pool_keeper->sched_mu);
	free(d->pool_keeper);
	d->pool = NULL;
	d->pool_keeper = NULL;
}
