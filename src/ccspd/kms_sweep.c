/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sweep of due deletions and rotations (docs/api-ccspd.md "kms"): a ticker (common/ticker.h) that, a second
 * after start and then every kms_sweep_interval_s seconds (ccspd.conf; 0: no sweep, keys are then destroyed only
 * lazily when read, and never rotated automatically), destroys the keys of every tenant whose waiting period is over on the platform's clock — material erased, aliases freed,
 * audited as kms.key-destroy by "system" — in batches of SWEEP_BATCH keys, one store transaction each, at most
 * SWEEP_BATCHES batches a round (the rest on the next round); then rotates the keys due for it (kms_rotate.c).
 *
 * Several ccspd nodes on one store sweep the same keys: each destruction writes the key's state first, only while
 * it is still pending deletion (ccsp_store_kms_key_update_from), so a key another node (or a lazy destruction)
 * destroyed first is skipped, never erased or audited twice.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ccspd/act_kms.h"
#include "common/ticker.h"

#define SWEEP_BATCH 32
#define SWEEP_BATCHES 16
#define FIRST_MS 1000

struct ccspd_kms_sweeper {
	ccsp_ticker *ticker;
	ccsp_err last_err; /* the last round's error, logged once until it changes */
};

typedef struct sweep_job {
	ccspd *d;
	int64_t now;
	size_t found, destroyed;
} sweep_job;

/* One batch: the due keys of every tenant, each destroyed in its own tenant unless someone did it first. */
static ccsp_err batch_fn(ccsp_store_tx *tx, void *arg)
{
	sweep_job *j = arg;
	ccsp_store_kms_ref refs[SWEEP_BATCH];
	ccsp_store_kms_key k;
	j->found = j->destroyed = 0; /* this run's (ccsp_store_run may run it again) */
	CCSP_GUARD(ccsp_store_kms_key_due_all(tx, j->now, refs, SWEEP_BATCH, &j->found));
	for (size_t i = 0; i < j->found; i++) {
		ccsp_err ret = ccsp_store_kms_key_get(tx, refs[i].tenant_id, refs[i].id, &k);
		if (ret == CCSP_OK && !ccsp_kms_deletion_due(k.state, k.deletion_due, j->now))
			continue; /* cancelled, or destroyed meanwhile */
		if (ret == CCSP_OK)
			ret = kms_destroy(j->d, NULL, tx, &k, CCSP_KMS_DESTROY_DUE, j->now,
			                  json_pack("{s:s, s:I}", "reason", "waiting period elapsed (sweep)", "deletionDue",
			                            (json_int_t)k.deletion_due));
		if (ret == CCSP_ERR_NOT_FOUND)
			continue; /* another node's sweep or a lazy destruction came first */
		CCSP_GUARD(ret);
		j->destroyed++;
	}
	return CCSP_OK;
}

static ccsp_err sweep_round(ccspd *d, size_t *destroyed)
{
	sweep_job j = {.d = d};
	ccsp_err ret = CCSP_OK;
	*destroyed = 0;
	for (int b = 0; b < SWEEP_BATCHES && !atomic_load(&d->stopping); b++) {
		j.now = ccspd_now_ms(d);
		if ((ret = ccsp_store_run(d->store, batch_fn, &j)) != CCSP_OK)
			break;
		*destroyed += j.destroyed;
		if (j.found < SWEEP_BATCH)
			break;
	}
	return ret;
}

static void report(ccspd *d, ccsp_err ret, size_t destroyed, size_t rotated)
{
	ccspd_kms_sweeper *w = d->kms_sweeper;
	char n[24], r[24];
	if (destroyed > 0 || rotated > 0) {
		snprintf(n, sizeof n, "%zu", destroyed);
		snprintf(r, sizeof r, "%zu", rotated);
		ccsp_log_event(d->log, "info", "ccspd.kms.sweep", "destroyed", n, "rotated", r, (char *)NULL);
	}
	if (ret != CCSP_OK && ret != w->last_err)
		ccsp_log_event(d->log, "warn", "ccspd.kms.sweep", "detail",
		               "due deletions or rotations not done: retrying next round", "error", ccsp_err_name(ret),
		               (char *)NULL);
	w->last_err = ret;
}

static void sweeper(void *arg)
{
	ccspd *d = arg;
	size_t destroyed = 0, rotated = 0;
	ccsp_err ret = sweep_round(d, &destroyed);
	if (ret == CCSP_OK)
		ret = kms_rotate_round(d, &rotated);
	report(d, ret, destroyed, rotated);
}

ccsp_err ccspd_kms_sweep_open(ccspd *d, const ccsp_config *cfg, char *err, size_t errlen)
{
	uint32_t interval;
	if (ccsp_config_get_u32(cfg, "kms_sweep_interval_s", 0, 86400, 60, &interval, err, errlen) != CCSP_OK)
		return CCSP_ERR_ARG;
	if (interval == 0) {
		ccsp_log_event(d->log, "warn", "ccspd.kms.sweep", "detail",
		               "kms_sweep_interval_s 0: due key deletions happen only when a key is read, and no key rotates "
		               "automatically", (char *)NULL);
		return CCSP_OK;
	}
	ccspd_kms_sweeper *w = calloc(1, sizeof *w);
	if (w == NULL)
		return CCSP_ERR_NOMEM;
	d->kms_sweeper = w;
	return ccsp_ticker_start(FIRST_MS, interval * 1000, sweeper, d, &w->ticker);
}

void ccspd_kms_sweep_close(ccspd *d)
{
	ccspd_kms_sweeper *w = d->kms_sweeper;
	if (w == NULL)
		return;
	ccsp_ticker_stop(w->ticker);
	free(w);
	d->kms_sweeper = NULL;
}
