/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The resource pool's scheduler versions and their gray release (POOL-3; ccspd.h "pool_sched.c"; docs/api-ccspd.md
 * "Scheduler versions"). The store keeps them under the config key "pool.scheduler" as one JSON object:
 *   {"stable": {"version", "policy", "since"}, "candidate": {"version", "policy", "grayPercent", "since"} | null,
 *    "lastVersion"}
 * An application runs on the candidate when the bucket of its id (FNV-1a mod 100: the same on every node, and
 * stable as the percentage grows) is below grayPercent; everyone else, people included, on the stable version.
 * Every node reads the record with its pool (resource_pool.c) and after each change it makes.
 */
#include <stdlib.h>
#include <string.h>

#include "ccspd/ccspd.h"
#include "crypto/guard.h" /* CCSP_GUARD */

#define SCHED_KEY "pool.scheduler"
#define SCHED_TEXT_MAX 1024

void ccspd_sched_default(ccspd_sched *s)
{
	memset(s, 0, sizeof *s);
	s->stable_version = 1;
	s->stable_policy = CCSP_POOL_LEAST_LOADED;
	s->last_version = 1;
}

/* A member "policy" of o, parsed: 0, or -1. */
static int policy_of(json_t *o, ccsp_pool_policy *out)
{
	return ccsp_pool_policy_parse(json_string_value(json_object_get(o, "policy")), out) == CCSP_OK ? 0 : -1;
}

static int int_of(json_t *o, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
	json_t *v = json_object_get(o, name);
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* The stored text into s: CCSP_ERR_TAMPERED when it is not a record this code wrote. */
static ccsp_err sched_parse(const char *text, ccspd_sched *s)
{
	json_error_t e;
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &e);
	json_t *st = json_object_get(o, "stable"), *ca = json_object_get(o, "candidate");
	int bad = !json_is_object(o) || !json_is_object(st) || policy_of(st, &s->stable_policy) != 0 ||
	          int_of(st, "version", 1, INT32_MAX, &s->stable_version) != 0 ||
	          int_of(st, "since", 0, INT64_MAX, &s->stable_since) != 0 ||
	          int_of(o, "lastVersion", 1, INT32_MAX, &s->last_version) != 0;
	s->candidate_version = 0;
	if (!bad && json_is_object(ca))
		bad = policy_of(ca, &s->candidate_policy) != 0 ||
		      int_of(ca, "version", 2, INT32_MAX, &s->candidate_version) != 0 ||
		      int_of(ca, "grayPercent", 1, 100, &s->gray_percent) != 0 ||
		      int_of(ca, "since", 0, INT64_MAX, &s->candidate_since) != 0;
	else if (!bad && !json_is_null(ca))
		bad = 1;
	json_decref(o);
	return bad ? CCSP_ERR_TAMPERED : CCSP_OK;
}

json_t *ccspd_sched_json(const ccspd_sched *s)
{
	json_t *ca = s->candidate_version == 0
	                     ? json_null()
	                     : json_pack("{s:I, s:s, s:I, s:I}", "version", (json_int_t)s->candidate_version, "policy",
	                                 ccsp_pool_policy_name(s->candidate_policy), "grayPercent",
	                                 (json_int_t)s->gray_percent, "since", (json_int_t)s->candidate_since);
	return json_pack("{s:{s:I, s:s, s:I}, s:o, s:I}", "stable", "version", (json_int_t)s->stable_version, "policy",
	                 ccsp_pool_policy_name(s->stable_policy), "since", (json_int_t)s->stable_since, "candidate", ca,
	                 "lastVersion", (json_int_t)s->last_version);
}

ccsp_err ccspd_sched_read(ccsp_store_tx *tx, ccspd_sched *s)
{
	char *text = NULL;
	ccsp_err ret = ccsp_store_config_get(tx, SCHED_KEY, &text);
	ccspd_sched_default(s);
	if (ret == CCSP_ERR_NOT_FOUND)
		return CCSP_OK; /* never changed: version 1, least-loaded */
	CCSP_GUARD(ret);
	ret = strlen(text) <= SCHED_TEXT_MAX ? sched_parse(text, s) : CCSP_ERR_TAMPERED;
	free(text);
	return ret;
}

ccsp_err ccspd_sched_write(ccsp_store_tx *tx, const ccspd_sched *s)
{
	json_t *o = ccspd_sched_json(s);
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	if (text == NULL)
		return CCSP_ERR_NOMEM;
	ccsp_err ret = ccsp_store_config_set(tx, SCHED_KEY, text);
	free(text);
	return ret;
}

/* FNV-1a of the id, mod 100: an application's bucket, the same on every node. */
static unsigned bucket(const char *app)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)app; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	return h % 100;
}

ccsp_pool_policy ccspd_sched_policy(const ccspd_sched *s, const char *app)
{
	if (s->candidate_version != 0 && app != NULL && app[0] != '\0' && bucket(app) < (unsigned)s->gray_percent)
		return s->candidate_policy;
	return s->stable_policy;
}
