/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Automatic rotation (KM-6; docs/api-ccspd.md "Rotation"): each round of the sweep (kms_sweep.c) finds the enabled
 * keys of every tenant whose period is over (rotated_at + rotationDays, on the platform's clock) and gives each a
 * new primary version: the material is generated in the VSM first, outside any transaction, then the key is read
 * again in one and the version added only if it is still enabled, still due and still at the primary version seen
 * (a manual rotation or another node's sweep in between wins; the material made here is dropped, never stored).
 * Audited as kms.key-rotate by "system" with reason "automatic". A key at the key policy's maxVersions is not
 * rotated (logged each round, so that an operator raises the limit or the tenant retires the key).
 */
#include <string.h>

#include <ccsp/mem.h>

#include "ccspd/act_kms.h"
#include "platform/keypolicy.h"

#define ROTATE_BATCH 16
#define ROTATE_BATCHES 8

typedef struct rot_job {
	ccspd *d;
	int64_t now;
	ccsp_store_kms_ref ref;
	ccsp_store_kms_key seen; /* the key as read before generating */
	ccsp_kms_spec kind;
	ccsp_kms_wrapped w;
	uint8_t pub[CCSP_KMS_PUBLIC_SIZE];
	int rotated, capped;
} rot_job;

static int due(const ccsp_store_kms_key *k, int64_t now)
{
	return k->state == CCSP_KMS_ENABLED && k->rotated_at + k->rotation_days * CCSP_KMS_DAY_MS <= now;
}

static ccsp_err add_version(rot_job *j, ccsp_store_tx *tx, int64_t version)
{
	ccsp_store_kms_version v = {.version = version, .wrapped_len = j->w.len, .kek_index = j->w.kek_index,
	                            .created = j->now};
	memcpy(v.key_id, j->ref.id, sizeof v.key_id);
	memcpy(v.wrapped, j->w.bytes, j->w.len);
	if (ccsp_kms_spec_is_pair(j->kind)) {
		memcpy(v.public_key, j->pub, sizeof v.public_key);
		v.public_key_len = sizeof v.public_key;
	}
	ccsp_err ret = ccsp_store_kms_version_add(tx, j->ref.tenant_id, &v);
	ccsp_memzero(&v, sizeof v);
	return ret;
}

static ccsp_err rotate_fn(ccsp_store_tx *tx, void *arg)
{
	rot_job *j = arg;
	ccsp_store_kms_key k;
	ccsp_keypolicy p;
	j->rotated = j->capped = 0;
	ccsp_err ret = ccsp_store_kms_key_get(tx, j->ref.tenant_id, j->ref.id, &k);
	if (ret == CCSP_ERR_NOT_FOUND || (ret == CCSP_OK && (!due(&k, j->now) ||
	                                                      k.primary_version != j->seen.primary_version)))
		return CCSP_OK; /* changed meanwhile: someone else rotated it, or it is no longer enabled */
	CCSP_GUARD(ret);
	CCSP_GUARD(ccsp_keypolicy_load(tx, &p));
	if (k.primary_version >= p.max_versions) {
		j->capped = 1;
		return CCSP_OK;
	}
	CCSP_GUARD(add_version(j, tx, k.primary_version + 1));
	k.primary_version++;
	k.rotated_at = j->now;
	k.updated = j->now;
	CCSP_GUARD(ccsp_store_kms_key_update_from(tx, &k, CCSP_KMS_ENABLED));
	CCSP_GUARD(ccspd_audit_as(j->d, tx, "system", "system", k.tenant_id, "kms.key-rotate", k.id, "ok",
	                          json_pack("{s:s, s:s, s:s, s:I, s:I}", "reason", "automatic", "from", "enabled", "to",
	                                    "enabled", "primaryVersion", (json_int_t)k.primary_version, "rotationDays",
	                                    (json_int_t)k.rotation_days)));
	j->rotated = 1;
	return CCSP_OK;
}

/* Rotate the key j->ref if it is due: CCSP_OK (rotated or not: j->rotated, j->capped), or the VSM's or the store's
 * error. */
static ccsp_err rotate_one(rot_job *j)
{
	ccsp_store_tx *tx = NULL;
	ccsp_kms_vsm v;
	ccsp_err ret = ccsp_store_begin_ro(j->d->store, &tx);
	if (ret == CCSP_OK)
		ret = ccsp_store_kms_key_get(tx, j->ref.tenant_id, j->ref.id, &j->seen);
	ccsp_store_rollback(tx);
	if (ret != CCSP_OK || !due(&j->seen, j->now))
		return ret == CCSP_ERR_NOT_FOUND ? CCSP_OK : ret;
	j->kind = ccsp_kms_spec_parse(j->seen.spec);
	kms_vsm_of(j->d, j->seen.group_id, &v);
	ret = v.ops->generate(v.ctx, j->kind, v.kek_index, &j->w, j->pub);
	if (ret == CCSP_OK)
		ret = ccsp_store_run(j->d->store, rotate_fn, j);
	ccsp_memzero(&j->w, sizeof j->w);
	return ret;
}

static void log_capped(ccspd *d, const rot_job *j)
{
	ccsp_log_event(d->log, "warn", "ccspd.kms.rotate", "tenantId", j->ref.tenant_id, "keyId", j->ref.id, "detail",
	               "rotation due but the key has the key policy's maxVersions versions: not rotated", (char *)NULL);
}

ccsp_err kms_rotate_round(ccspd *d, size_t *rotated)
{
	ccsp_store_kms_ref refs[ROTATE_BATCH];
	rot_job j = {.d = d};
	ccsp_err ret = CCSP_OK;
	*rotated = 0;
	for (int b = 0; b < ROTATE_BATCHES && ret == CCSP_OK && !atomic_load(&d->stopping); b++) {
		size_t n = 0, done = 0;
		ccsp_store_tx *tx = NULL;
		j.now = ccspd_now_ms(d);
		ret = ccsp_store_begin_ro(d->store, &tx);
		if (ret == CCSP_OK)
			ret = ccsp_store_kms_rotation_due_all(tx, j.now, refs, ROTATE_BATCH, &n);
		ccsp_store_rollback(tx);
		for (size_t i = 0; i < n && ret == CCSP_OK; i++) {
			j.ref = refs[i];
			ret = rotate_one(&j);
			done += j.rotated || j.capped;
			*rotated += j.rotated;
			if (j.capped)
				log_capped(d, &j);
		}
		if (n < ROTATE_BATCH || done == 0)
			break; /* all due keys seen, or only keys that cannot rotate are left: the next round */
	}
	return ret;
}
