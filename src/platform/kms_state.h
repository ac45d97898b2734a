/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KMS key lifecycle (KM-1, KM-6..8, KM-11): the states of a tenant key, every transition as a pure function of
 * (state, event), and what each state permits. No store, no clock, no I/O: the actions (src/ccspd/act_kms.c) ask
 * here, then write what was decided; tests/unit/kms_state_test.c walks the whole table.
 *
 *   from \ event      create  enable  disable  schedule  cancel  archive  destroy-due  emergency  compromised  rotate
 *   (none)            ENABLED
 *   enabled                           DISABLED PENDING           ARCHIVED             DESTROYED  COMPROMISED  ENABLED
 *   disabled                  ENABLED          PENDING           ARCHIVED             DESTROYED  COMPROMISED
 *   pending-deletion                                    DISABLED          DESTROYED    DESTROYED
 *   archived                                   PENDING                                DESTROYED  COMPROMISED
 *   compromised                                                                       DESTROYED               ENABLED
 *   destroyed         (final: every event refused)
 *
 * Decisions (docs/api-ccspd.md "kms"):
 * - A cancelled deletion leaves the key disabled, whatever it was before (the administrator enables it again on
 *   purpose: a key nearly destroyed comes back only by a second decision).
 * - A disabled key makes no new version (enable it first); rotation of a compromised key is the emergency re-key
 *   (KM-7): a new version, the key enabled again, the old versions kept for decryption only.
 * - A compromised key is never scheduled for deletion nor archived: it is re-keyed or destroyed at once.
 * - A key pending deletion cannot be marked compromised: it is going, emergency-destroy it if it must go now.
 *
 * What each state permits:   encrypt   decrypt
 *   enabled                     yes       yes
 *   disabled                    no        no      (suspended: any use refused, as AWS KMS and GM/T 0051's "停用")
 *   pending-deletion            no        no      (a dependency shows up as a failure while it can still be cancelled)
 *   archived                    no        yes     (KM-8: long-term keeping of data protected before)
 *   compromised                 no        yes     (KM-7: the data must be recovered to be re-protected under a new
 *                                                  version; new work stops at once)
 *   destroyed                   no        no      (the wrapped material is erased)
 */
#ifndef CCSP_PLATFORM_KMS_STATE_H
#define CCSP_PLATFORM_KMS_STATE_H

#include <stdint.h>

#include <ccsp/error.h>

typedef enum ccsp_kms_state {
	CCSP_KMS_NONE = 0, /* before create: the only state create leaves */
	CCSP_KMS_ENABLED,
	CCSP_KMS_DISABLED,
	CCSP_KMS_PENDING_DELETION,
	CCSP_KMS_ARCHIVED,
	CCSP_KMS_COMPROMISED,
	CCSP_KMS_DESTROYED,
	CCSP_KMS_STATE_COUNT_
} ccsp_kms_state;

typedef enum ccsp_kms_event {
	CCSP_KMS_CREATE = 0,
	CCSP_KMS_ENABLE,
	CCSP_KMS_DISABLE,
	CCSP_KMS_SCHEDULE_DELETION,
	CCSP_KMS_CANCEL_DELETION,
	CCSP_KMS_ARCHIVE,
	CCSP_KMS_DESTROY_DUE,       /* the waiting period elapsed (ccsp_kms_deletion_due) */
	CCSP_KMS_EMERGENCY_DESTROY,
	CCSP_KMS_MARK_COMPROMISED,
	CCSP_KMS_ROTATE,
	CCSP_KMS_EVENT_COUNT_
} ccsp_kms_event;

#define CCSP_KMS_DAY_MS (86400 * 1000LL)

/* The state event leads to from `from`: CCSP_OK with *to, or CCSP_ERR_STATE (refused; *to = from) — also for an
 * out-of-range state or event. */
CCSP_MUST_CHECK ccsp_err ccsp_kms_transition(ccsp_kms_state from, ccsp_kms_event event, ccsp_kms_state *to);
/* 1 when ccsp_kms_transition(from, event) is allowed. */
int ccsp_kms_allowed(ccsp_kms_state from, ccsp_kms_event event);
/* 1 when a key in state s may encrypt / decrypt (the table above). */
int ccsp_kms_may_encrypt(ccsp_kms_state s);
int ccsp_kms_may_decrypt(ccsp_kms_state s);
/* 1 when a key in state s, due for destruction at due_ms, is to be destroyed at now_ms (pending and due <= now). */
int ccsp_kms_deletion_due(ccsp_kms_state s, int64_t due_ms, int64_t now_ms);
/* 1 when days is a waiting period the policy's bounds allow (min_days..max_days; both within 7..365). */
int ccsp_kms_deletion_days_ok(int64_t days, int64_t min_days, int64_t max_days);
/* "enabled", "disabled", "pending_deletion", "archived", "compromised", "destroyed"; NULL for NONE or out of range. */
const char *ccsp_kms_state_name(ccsp_kms_state s);
/* The state named s (one of the above), or CCSP_KMS_NONE when s names none. */
ccsp_kms_state ccsp_kms_state_parse(const char *s);
/* "create", "enable", "disable", "schedule-deletion", "cancel-deletion", "archive", "destroy-due",
 * "emergency-destroy", "mark-compromised", "rotate"; NULL out of range. */
const char *ccsp_kms_event_name(ccsp_kms_event e);

#endif
