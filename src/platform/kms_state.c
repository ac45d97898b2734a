/* SPDX-License-Identifier: Apache-2.0 */
/* The KMS key lifecycle (kms_state.h): one table, read by every question. */
#include <string.h>

#include "platform/kms_state.h"

/* next[from][event]: the state reached, or CCSP_KMS_NONE when refused (no transition leads to NONE). */
static const ccsp_kms_state next[CCSP_KMS_STATE_COUNT_][CCSP_KMS_EVENT_COUNT_] = {
	[CCSP_KMS_NONE] = {[CCSP_KMS_CREATE] = CCSP_KMS_ENABLED},
	[CCSP_KMS_ENABLED] =
		{
			[CCSP_KMS_DISABLE] = CCSP_KMS_DISABLED,
			[CCSP_KMS_SCHEDULE_DELETION] = CCSP_KMS_PENDING_DELETION,
			[CCSP_KMS_ARCHIVE] = CCSP_KMS_ARCHIVED,
			[CCSP_KMS_EMERGENCY_DESTROY] = CCSP_KMS_DESTROYED,
			[CCSP_KMS_MARK_COMPROMISED] = CCSP_KMS_COMPROMISED,
			[CCSP_KMS_ROTATE] = CCSP_KMS_ENABLED,
		},
	[CCSP_KMS_DISABLED] =
		{
			[CCSP_KMS_ENABLE] = CCSP_KMS_ENABLED,
			[CCSP_KMS_SCHEDULE_DELETION] = CCSP_KMS_PENDING_DELETION,
			[CCSP_KMS_ARCHIVE] = CCSP_KMS_ARCHIVED,
			[CCSP_KMS_EMERGENCY_DESTROY] = CCSP_KMS_DESTROYED,
			[CCSP_KMS_MARK_COMPROMISED] = CCSP_KMS_COMPROMISED,
		},
	[CCSP_KMS_PENDING_DELETION] =
		{
			[CCSP_KMS_CANCEL_DELETION] = CCSP_KMS_DISABLED,
			[CCSP_KMS_DESTROY_DUE] = CCSP_KMS_DESTROYED,
			[CCSP_KMS_EMERGENCY_DESTROY] = CCSP_KMS_DESTROYED,
		},
	[CCSP_KMS_ARCHIVED] =
		{
			[CCSP_KMS_SCHEDULE_DELETION] = CCSP_KMS_PENDING_DELETION,
			[CCSP_KMS_EMERGENCY_DESTROY] = CCSP_KMS_DESTROYED,
			[CCSP_KMS_MARK_COMPROMISED] = CCSP_KMS_COMPROMISED,
		},
	[CCSP_KMS_COMPROMISED] =
		{
			[CCSP_KMS_EMERGENCY_DESTROY] = CCSP_KMS_DESTROYED,
			[CCSP_KMS_ROTATE] = CCSP_KMS_ENABLED,
		},
	[CCSP_KMS_DESTROYED] = {0},
};

ccsp_err ccsp_kms_transition(ccsp_kms_state from, ccsp_kms_event event, ccsp_kms_state *to)
{
	ccsp_kms_state n = CCSP_KMS_NONE;
	if ((unsigned)from < CCSP_KMS_STATE_COUNT_ && (unsigned)event < CCSP_KMS_EVENT_COUNT_)
		n = next[from][event];
	*to = n != CCSP_KMS_NONE ? n : from;
	return n != CCSP_KMS_NONE ? CCSP_OK : CCSP_ERR_STATE;
}

int ccsp_kms_allowed(ccsp_kms_state from, ccsp_kms_event event)
{
	ccsp_kms_state to;
	return ccsp_kms_transition(from, event, &to) == CCSP_OK;
}

int ccsp_kms_may_encrypt(ccsp_kms_state s)
{
	return s == CCSP_KMS_ENABLED;
}

int ccsp_kms_may_decrypt(ccsp_kms_state s)
{
	return s == CCSP_KMS_ENABLED || s == CCSP_KMS_ARCHIVED || s == CCSP_KMS_COMPROMISED;
}

int ccsp_kms_deletion_due(ccsp_kms_state s, int64_t due_ms, int64_t now_ms)
{
	return s == CCSP_KMS_PENDING_DELETION && due_ms <= now_ms;
}

int ccsp_kms_deletion_days_ok(int64_t days, int64_t min_days, int64_t max_days)
{
	return min_days >= 7 && max_days <= 365 && min_days <= max_days && days >= min_days && days <= max_days;
}

static const char *const state_names[CCSP_KMS_STATE_COUNT_] = {
	[CCSP_KMS_ENABLED] = "enabled",         [CCSP_KMS_DISABLED] = "disabled",
	[CCSP_KMS_PENDING_DELETION] = "pending_deletion", [CCSP_KMS_ARCHIVED] = "archived",
	[CCSP_KMS_COMPROMISED] = "compromised", [CCSP_KMS_DESTROYED] = "destroyed",
};

static const char *const event_names[CCSP_KMS_EVENT_COUNT_] = {
	[CCSP_KMS_CREATE] = "create",
	[CCSP_KMS_ENABLE] = "enable",
	[CCSP_KMS_DISABLE] = "disable",
	[CCSP_KMS_SCHEDULE_DELETION] = "schedule-deletion",
	[CCSP_KMS_CANCEL_DELETION] = "cancel-deletion",
	[CCSP_KMS_ARCHIVE] = "archive",
	[CCSP_KMS_DESTROY_DUE] = "destroy-due",
	[CCSP_KMS_EMERGENCY_DESTROY] = "emergency-destroy",
	[CCSP_KMS_MARK_COMPROMISED] = "mark-compromised",
	[CCSP_KMS_ROTATE] = "rotate",
};

const char *ccsp_kms_state_name(ccsp_kms_state s)
{
	return (unsigned)s < CCSP_KMS_STATE_COUNT_ ? state_names[s] : NULL;
}

ccsp_kms_state ccsp_kms_state_parse(const char *s)
{
	for (unsigned i = CCSP_KMS_ENABLED; s != NULL && i < CCSP_KMS_STATE_COUNT_; i++)
		if (strcmp(s, state_names[i]) == 0)
			return (ccsp_kms_state)i;
	return CCSP_KMS_NONE;
}

const char *ccsp_kms_event_name(ccsp_kms_event e)
{
	return (unsigned)e < CCSP_KMS_EVENT_COUNT_ ? event_names[e] : NULL;
}
