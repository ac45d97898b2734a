/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The platform's audit signing key and the checkpointer (audit_int.h).
 *
 * The key is an SM2 signing key pair at index audit_sign_index of the platform VSM, made there by its operator
 * (`ccsp vsm keygen --sign`); ccspd reads the index's access password from audit_sign_password_file (first line,
 * a file only its owner may read) to unlock it in its VSM sessions, and keeps only the public key. The store pins
 * the key's fingerprint ("audit.sign_key") at the first start that loads it: a later start with another key is
 * refused its signing (a chain's checkpoints must all verify under one key).
 *
 * The checkpointer: a ticker (common/ticker.h) that, once a second, signs a checkpoint of the newest record when
 * audit_checkpoint_records records or audit_checkpoint_interval_s seconds have passed since the last checkpoint —
 * after it verified every record since that checkpoint (linkage and MAC), so that a checkpoint never certifies a
 * row edited in the database. Several nodes may race to sign the same head: the store keeps one.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "ccspd/audit_int.h"
#include "common/atomic_file.h"
#include "common/b64.h"
#include "common/ticker.h"

#define PIN_KEY "audit.sign_key"
#define TICK_MS 1000

struct ccspd_auditor {
	ccsp_sm2_key *pub; /* NULL: no signing key */
	ccsp_audit_policy policy;
	ccsp_ticker *ticker;  /* checkpoint_tick every TICK_MS; NULL: no checkpoints */
	int64_t reported_seq; /* the newest record a tamper report was logged for (once each) */
	ccsp_err last_err;    /* the last tick's error, logged once until it changes */
};

const ccsp_sm2_key *ccspd_audit_pub(const ccspd *d)
{
	return d->auditor != NULL ? d->auditor->pub : NULL;
}

ccsp_err ccspd_audit_sign(void *ctx, const uint8_t e[CCSP_SM3_DIGEST_SIZE], uint8_t sig[CCSP_SM2_SIGNATURE_SIZE])
{
	ccspd *d = ctx;
	return d->pvsm != NULL ? ccsp_pvsm_sign(d->pvsm, e, sig) : CCSP_ERR_MODULE_STATE;
}

/* ---- loading the key ---- */

/* The first line of path (8..CCSP_PVSM_PASSWORD_MAX bytes) into pw; the file must not be readable by group or
 * others. 0, or -1 with why set. */
static int read_password(const char *path, uint8_t pw[CCSP_PVSM_PASSWORD_MAX], size_t *len, const char **why)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t n = 0, i = 0;
	if (stat(path, &st) != 0 || ccsp_file_read_all(path, 4096, &buf, &n) != CCSP_OK) {
		*why = "cannot read audit_sign_password_file";
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		*why = "audit_sign_password_file is readable by group or others (chmod 600 it)";
	} else {
		while (i < n && buf[i] != '\n' && buf[i] != '\r')
			i++;
		if (i < 8 || i > CCSP_PVSM_PASSWORD_MAX)
			*why = "audit_sign_password_file: the first line must hold 8..128 bytes";
		else
			memcpy(pw, buf, i), *len = i, *why = NULL;
	}
	ccsp_memzero(buf, n);
	free(buf);
	return *why == NULL ? 0 : -1;
}

/* Pin the key's fingerprint in the store (first load) or check it against the pinned one. */
static ccsp_err pin_key(ccspd *d, const ccsp_sm2_key *pub)
{
	uint8_t fp[CCSP_SM3_DIGEST_SIZE];
	char hex[2 * sizeof fp + 1], *pinned = NULL;
	ccsp_store_tx *tx = NULL;
	ccsp_err ret = ccsp_audit_key_fingerprint(pub, fp);
	if (ret == CCSP_OK)
		ret = ccsp_store_begin(d->store, &tx);
	if (ret != CCSP_OK)
		return ret;
	ccsp_hex_encode(fp, sizeof fp, hex);
	ret = ccsp_store_config_get(tx, PIN_KEY, &pinned);
	if (ret == CCSP_ERR_NOT_FOUND)
		ret = ccsp_store_config_set(tx, PIN_KEY, hex);
	else if (ret == CCSP_OK && strcmp(pinned, hex) != 0)
		ret = CCSP_ERR_KEY;
	if (ret == CCSP_OK)
		ret = ccsp_store_commit(tx), tx = NULL;
	ccsp_store_rollback(tx);
	free(pinned);
	return ret;
}

/* The key of index, unlocked with the password of pwfile. NULL with why set when it cannot be used. */
static ccsp_sm2_key *load_key(ccspd *d, unsigned index, const char *pwfile, const char **why)
{
	uint8_t pw[CCSP_PVSM_PASSWORD_MAX], point[65];
	size_t pwlen = 0;
	ccsp_sm2_key *pub = NULL;
	if (d->pvsm == NULL) {
		*why = "the platform VSM is unavailable";
		return NULL;
	}
	if (read_password(pwfile, pw, &pwlen, why) != 0)
		return NULL;
	ccsp_err ret = ccsp_pvsm_sign_key_load(d->pvsm, index, pw, pwlen, point);
	ccsp_memzero(pw, sizeof pw);
	if (ret == CCSP_OK && ((pub = ccsp_sm2_key_new()) == NULL || ccsp_sm2_key_set_public(pub, point, 65) != CCSP_OK))
		ret = CCSP_ERR_KEY;
	if (ret == CCSP_OK)
		ret = pin_key(d, pub);
	if (ret == CCSP_OK)
		return pub;
	ccsp_sm2_key_free(pub);
	*why = ret == CCSP_ERR_NOT_FOUND ? "the platform VSM holds no signing key at audit_sign_index"
	       : ret == CCSP_ERR_AUTH    ? "the platform VSM refused the audit key's access password"
	       : ret == CCSP_ERR_KEY     ? "the signing key at audit_sign_index is not the one that signed this "
	                                   "platform's audit checkpoints (store config audit.sign_key)"
	                                 : ccsp_err_str(ret);
	return NULL;
}

/* ---- the checkpointer ---- */

typedef struct cp_check {
	ccsp_audit_verifier *v;
	uint64_t pos;
} cp_check;

static ccsp_err cp_check_record(void *ctx, const ccsp_audit_record *r)
{
	cp_check *k = ctx;
	return ccsp_audit_verifier_record(k->v, r, ++k->pos); /* the first fault ends the walk */
}

/* The last checkpoint (seq, time, h; zeros when none), its signature verified. */
static ccsp_err last_checkpoint(ccspd *d, ccsp_store_tx *tx, ccsp_audit_checkpoint *cp)
{
	ccsp_store_audit_checkpoint s;
	memset(cp, 0, sizeof *cp);
	ccsp_err ret = ccsp_store_audit_checkpoint_last(tx, &s);
	if (ret == CCSP_ERR_NOT_FOUND)
		return CCSP_OK;
	if (ret == CCSP_OK && ccspd_audit_cp_from_store(&s, cp) != CCSP_OK)
		ret = CCSP_ERR_TAMPERED;
	if (ret == CCSP_OK && ccsp_audit_checkpoint_verify(cp, d->auditor->pub) != CCSP_OK)
		ret = CCSP_ERR_TAMPERED;
	return ret;
}

/* Verify records cp->seq+1..newest under key; the chain's head into (seq, h). */
static ccsp_err verify_since(ccspd *d, const ccsp_audit_checkpoint *cp, int64_t newest, const uint8_t key[32],
                             ccsp_audit_report *rep, uint64_t *seq, uint8_t h[CCSP_AUDIT_HASH_SIZE])
{
	cp_check k = {0};
	int stopped = 0;
	ccsp_err ret = ccsp_audit_verifier_new(d->auditor->pub, key, 32, cp->seq + 1, cp->h, &k.v);
	ccspd_audit_sink sink = {.record = cp_check_record, .ctx = &k};
	if (ret == CCSP_OK)
		ret = ccspd_audit_walk(d, (int64_t)cp->seq + 1, newest, &sink, &stopped);
	if (ret == CCSP_OK || ret == CCSP_ERR_TAMPERED)
		ret = ccsp_audit_verifier_finish(k.v, 0, rep);
	if (ret == CCSP_OK)
		ccsp_audit_verifier_head(k.v, seq, h);
	ccsp_audit_verifier_free(k.v);
	return ret;
}

static void report_tampered(ccspd *d, const ccsp_audit_report *rep, int64_t newest)
{
	char msg[160];
	if (d->auditor->reported_seq == newest)
		return;
	d->auditor->reported_seq = newest;
	snprintf(msg, sizeof msg, "the stored audit chain does not verify (%s at seq %llu): no checkpoint signed",
	         ccsp_audit_fault_str(rep->fault), (unsigned long long)rep->seq);
	ccsp_log_event(d->log, "error", "ccspd.audit", "detail", msg, (char *)NULL);
}

/* Store a signed checkpoint of (seq, h); another node's of the same seq is as good. */
static ccsp_err store_checkpoint(ccspd *d, const ccsp_audit_checkpoint *cp)
{
	ccsp_store_audit_checkpoint s = {.seq = (int64_t)cp->seq, .chain_len = sizeof cp->h,
	                                 .sig_len = CCSP_AUDIT_CHECKPOINT_BYTES, .ts = (int64_t)cp->time_ms};
	ccsp_store_tx *tx = NULL;
	memcpy(s.chain, cp->h, sizeof cp->h);
	ccsp_err ret = ccsp_audit_checkpoint_to_bytes(cp, s.sig);
	if (ret == CCSP_OK)
		ret = ccsp_store_begin(d->store, &tx);
	if (ret == CCSP_OK)
		ret = ccsp_store_audit_checkpoint_add(tx, &s);
	if (ret == CCSP_OK)
		ret = ccsp_store_commit(tx), tx = NULL;
	ccsp_store_rollback(tx);
	return ret == CCSP_ERR_EXISTS ? CCSP_OK : ret;
}

/* The checkpoint in ccspd's log too: an anchor outside the database, so that cutting the chain's tail together
 * with its checkpoints in the database is seen by comparing the log (docs/security-policy.md §10). */
static void log_checkpoint(ccspd *d, const ccsp_audit_checkpoint *cp)
{
	uint8_t bytes[CCSP_AUDIT_CHECKPOINT_BYTES];
	char hex[2 * sizeof bytes + 1], seq[24];
	if (ccsp_audit_checkpoint_to_bytes(cp, bytes) != CCSP_OK)
		return;
	ccsp_hex_encode(bytes, sizeof bytes, hex);
	snprintf(seq, sizeof seq, "%llu", (unsigned long long)cp->seq);
	ccsp_log_event(d->log, "info", "ccspd.audit.checkpoint", "seq", seq, "checkpoint", hex, (char *)NULL);
}

/* One tick: sign a checkpoint of the newest record when one is due. */
static ccsp_err checkpoint_tick(ccspd *d)
{
	ccsp_audit_checkpoint last, cp;
	ccsp_audit_report rep;
	uint8_t key[32], h[CCSP_AUDIT_HASH_SIZE];
	uint64_t seq = 0, now = (uint64_t)ccspd_now_ms(d);
	int64_t newest = 0;
	ccsp_store_tx *tx = NULL;
	ccsp_err ret = ccsp_store_begin_ro(d->store, &tx);
	if (ret == CCSP_OK)
		ret = ccsp_store_audit_newest(tx, &newest);
	if (ret == CCSP_OK)
		ret = last_checkpoint(d, tx, &last);
	int due = ret == CCSP_OK && (uint64_t)newest > last.seq &&
	          ccsp_audit_checkpoint_due(&d->auditor->policy, (uint64_t)newest, now, last.seq, last.time_ms);
	if (due)
		ret = ccspd_audit_mac_key(d, tx, 0, key);
	ccsp_store_rollback(tx);
	if (ret == CCSP_ERR_TAMPERED) {
		rep = (ccsp_audit_report){.fault = CCSP_AUDIT_FAULT_BAD_SIGNATURE, .seq = last.seq};
		report_tampered(d, &rep, newest);
	}
	if (ret != CCSP_OK || !due)
		return ret;
	ret = verify_since(d, &last, newest, key, &rep, &seq, h);
	ccsp_memzero(key, sizeof key);
	if (ret == CCSP_ERR_TAMPERED)
		report_tampered(d, &rep, newest);
	if (ret == CCSP_OK)
		ret = ccsp_audit_checkpoint_make(&cp, CCSP_AUDIT_CP_PERIODIC, seq, h, now, d->auditor->pub, ccspd_audit_sign,
		                                 d);
	if (ret == CCSP_OK)
		ret = store_checkpoint(d, &cp);
	if (ret == CCSP_OK)
		log_checkpoint(d, &cp);
	return ret;
}

static void checkpointer(void *arg)
{
	ccspd *d = arg;
	ccspd_auditor *a = d->auditor;
	ccsp_err ret = checkpoint_tick(d);
	if (ret != CCSP_OK && ret != CCSP_ERR_TAMPERED && ret != a->last_err)
		ccsp_log_event(d->log, "warn", "ccspd.audit", "detail", "no checkpoint signed: retrying every second",
		               "error", ccsp_err_name(ret), (char *)NULL);
	a->last_err = ret;
}

ccsp_err ccspd_audit_open(ccspd *d, const ccsp_config *cfg, char *err, size_t errlen)
{
	uint32_t index, every, interval;
	char pwfile[4096];
	const char *why = NULL;
	if (ccsp_config_get_u32(cfg, "audit_sign_index", 0, 65535, 0, &index, err, errlen) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "audit_checkpoint_records", 0, 1000000, 1000, &every, err, errlen) != CCSP_OK ||
	    ccsp_config_get_u32(cfg, "audit_checkpoint_interval_s", 0, 86400, 300, &interval, err, errlen) != CCSP_OK)
		return CCSP_ERR_ARG;
	ccspd_auditor *a = calloc(1, sizeof *a);
	if (a == NULL)
		return CCSP_ERR_NOMEM;
	a->policy = (ccsp_audit_policy){.every_n = every, .every_ms = (uint64_t)interval * 1000};
	a->reported_seq = -1;
	d->auditor = a;
	if (index == 0) {
		ccsp_log_event(d->log, "warn", "ccspd.audit", "detail",
		               "no audit signing key (audit_sign_index 0): no checkpoints, no audit/export", (char *)NULL);
		return CCSP_OK;
	}
	ccsp_config_path(pwfile, sizeof pwfile, d->dir,
	                 ccsp_config_get_or(cfg, "audit_sign_password_file", "audit-sign-password"));
	a->pub = load_key(d, index, pwfile, &why);
	if (a->pub == NULL) { /* serves on: the chain still grows; checkpoints and exports wait for the key */
		ccsp_log_event(d->log, "error", "ccspd.audit", "detail", why, (char *)NULL);
		return CCSP_OK;
	}
	if (every != 0 || interval != 0)
		return ccsp_ticker_start(TICK_MS, TICK_MS, checkpointer, d, &a->ticker);
	return CCSP_OK;
}

void ccspd_audit_close(ccspd *d)
{
	ccspd_auditor *a = d->auditor;
	if (a == NULL)
		return;
	ccsp_ticker_stop(a->ticker);
	ccsp_sm2_key_free(a->pub);
	free(a);
	d->auditor = NULL;
}
