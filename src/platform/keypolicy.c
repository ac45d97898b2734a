/* SPDX-License-Identifier: Apache-2.0 */
/* The platform's key policy (keypolicy.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "platform/keypolicy.h"
#include "platform/kms_spec.h"

/* The integer members: name, where, bounds, and the message of a refusal. */
static const struct {
	const char *name;
	size_t off;
	int64_t lo, hi;
	const char *why;
} ints[] = {
	{"rotationMinDays", offsetof(ccsp_keypolicy, rotation_min_days), 1, 3650, "rotationMinDays must be 1..3650"},
	{"rotationDefaultDays", offsetof(ccsp_keypolicy, rotation_default_days), 1, 3650,
	 "rotationDefaultDays must be 1..3650"},
	{"rotationMaxDays", offsetof(ccsp_keypolicy, rotation_max_days), 1, 3650, "rotationMaxDays must be 1..3650"},
	{"deletionMinDays", offsetof(ccsp_keypolicy, deletion_min_days), 7, 365, "deletionMinDays must be 7..365"},
	{"deletionMaxDays", offsetof(ccsp_keypolicy, deletion_max_days), 7, 365, "deletionMaxDays must be 7..365"},
	{"maxVersions", offsetof(ccsp_keypolicy, max_versions), 1, 1000, "maxVersions must be 1..1000"},
};
#define N_INTS (sizeof ints / sizeof ints[0])

static const struct {
	const char *name;
	unsigned bit;
} specs[] = {{"SM4", CCSP_KEYSPEC_SM4}, {"SM2", CCSP_KEYSPEC_SM2}, {"HMAC", CCSP_KEYSPEC_HMAC}};
#define ALL_SPECS (CCSP_KEYSPEC_SM4 | CCSP_KEYSPEC_SM2 | CCSP_KEYSPEC_HMAC)
#define N_SPECS (sizeof specs / sizeof specs[0])

void ccsp_keypolicy_default(ccsp_keypolicy *p)
{
	*p = (ccsp_keypolicy){
		.key_specs = ALL_SPECS,
		.rotation_min_days = 30,
		.rotation_default_days = 365,
		.rotation_max_days = 1825,
		.deletion_min_days = 7,
		.deletion_max_days = 30,
		.allow_wrapped_export = 0,
		.max_versions = 100,
	};
}

static unsigned spec_bit(const char *name)
{
	for (size_t i = 0; name != NULL && i < N_SPECS; i++)
		if (strcmp(name, specs[i].name) == 0)
			return specs[i].bit;
	return 0;
}

/* keySpecs: a non-empty array of distinct known names. 0 when malformed. */
static unsigned parse_specs(const json_t *a)
{
	unsigned set = 0;
	size_t i;
	json_t *v;
	if (!json_is_array(a) || json_array_size(a) == 0)
		return 0;
	json_array_foreach(a, i, v) {
		unsigned bit = spec_bit(json_string_value(v));
		if (bit == 0 || (set & bit) != 0)
			return 0;
		set |= bit;
	}
	return set;
}

static int64_t *int_field(ccsp_keypolicy *p, size_t i)
{
	return (int64_t *)((char *)p + ints[i].off);
}

/* One member of an update into q. */
static ccsp_err apply_member(ccsp_keypolicy *q, const char *key, const json_t *v, const char **why)
{
	if (strcmp(key, "keySpecs") == 0) {
		q->key_specs = parse_specs(v);
		*why = "keySpecs must be a non-empty array of distinct \"SM4\", \"SM2\", \"HMAC\"";
		return q->key_specs != 0 ? CCSP_OK : CCSP_ERR_ARG;
	}
	if (strcmp(key, "allowWrappedExport") == 0) {
		*why = "allowWrappedExport must be a boolean";
		q->allow_wrapped_export = json_is_true(v);
		return json_is_boolean(v) ? CCSP_OK : CCSP_ERR_ARG;
	}
	for (size_t i = 0; i < N_INTS; i++) {
		if (strcmp(key, ints[i].name) != 0)
			continue;
		*why = ints[i].why;
		if (!json_is_integer(v) || json_integer_value(v) < ints[i].lo || json_integer_value(v) > ints[i].hi)
			return CCSP_ERR_ARG;
		*int_field(q, i) = (int64_t)json_integer_value(v);
		return CCSP_OK;
	}
	*why = "unknown member (see the key policy's fields)";
	return CCSP_ERR_ARG;
}

static ccsp_err check_whole(const ccsp_keypolicy *p, const char **why)
{
	ccsp_keypolicy q = *p;
	for (size_t i = 0; i < N_INTS; i++) {
		int64_t v = *int_field(&q, i);
		if (v < ints[i].lo || v > ints[i].hi) {
			*why = ints[i].why;
			return CCSP_ERR_ARG;
		}
	}
	*why = "keySpecs must be a non-empty array of distinct \"SM4\", \"SM2\", \"HMAC\"";
	if (p->key_specs == 0 || (p->key_specs & ~(unsigned)ALL_SPECS) != 0)
		return CCSP_ERR_ARG;
	*why = "rotation days must be rotationMinDays <= rotationDefaultDays <= rotationMaxDays";
	if (p->rotation_min_days > p->rotation_default_days || p->rotation_default_days > p->rotation_max_days)
		return CCSP_ERR_ARG;
	*why = "deletion days must be deletionMinDays <= deletionMaxDays";
	if (p->deletion_min_days > p->deletion_max_days)
		return CCSP_ERR_ARG;
	*why = NULL;
	return CCSP_OK;
}

ccsp_err ccsp_keypolicy_apply(ccsp_keypolicy *p, const json_t *obj, const char **why)
{
	ccsp_keypolicy q = *p;
	const char *key;
	json_t *v;
	*why = "the key policy must be a JSON object";
	if (!json_is_object(obj))
		return CCSP_ERR_ARG;
	json_object_foreach((json_t *)obj, key, v) {
		ccsp_err ret = apply_member(&q, key, v, why);
		if (ret != CCSP_OK)
			return ret;
	}
	ccsp_err ret = check_whole(&q, why);
	if (ret == CCSP_OK)
		*p = q;
	return ret;
}

json_t *ccsp_keypolicy_json(const ccsp_keypolicy *p)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < N_SPECS; i++)
		if (p->key_specs & specs[i].bit)
			json_array_append_new(a, json_string(specs[i].name));
	return json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:b, s:I}", "keySpecs", a, "rotationMinDays",
	                 (json_int_t)p->rotation_min_days, "rotationDefaultDays", (json_int_t)p->rotation_default_days,
	                 "rotationMaxDays", (json_int_t)p->rotation_max_days, "deletionMinDays",
	                 (json_int_t)p->deletion_min_days, "deletionMaxDays", (json_int_t)p->deletion_max_days,
	                 "allowWrappedExport", p->allow_wrapped_export, "maxVersions", (json_int_t)p->max_versions);
}

int ccsp_keypolicy_spec_allowed(const ccsp_keypolicy *p, const char *spec)
{
	unsigned bit = spec_bit(spec);
	if (bit == 0)
		bit = spec_bit(ccsp_kms_spec_family(ccsp_kms_spec_parse(spec)));
	return bit != 0 && (p->key_specs & bit) != 0;
}

ccsp_err ccsp_keypolicy_load(ccsp_store_tx *tx, ccsp_keypolicy *p)
{
	char *text = NULL;
	const char *why = NULL;
	ccsp_keypolicy_default(p);
	ccsp_err ret = ccsp_store_config_get(tx, CCSP_KEYPOLICY_CONFIG_KEY, &text);
	if (ret == CCSP_ERR_NOT_FOUND)
		return CCSP_OK;
	if (ret != CCSP_OK)
		return ret;
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	/* a member this code does not know (a newer ccspd wrote it) is refused as well: never enforce half a policy */
	ret = o != NULL && ccsp_keypolicy_apply(p, o, &why) == CCSP_OK ? CCSP_OK : CCSP_ERR_TAMPERED;
	json_decref(o);
	free(text);
	if (ret != CCSP_OK)
		ccsp_keypolicy_default(p);
	return ret;
}

ccsp_err ccsp_keypolicy_save(ccsp_store_tx *tx, const ccsp_keypolicy *p)
{
	const char *why = NULL;
	if (check_whole(p, &why) != CCSP_OK)
		return CCSP_ERR_ARG;
	json_t *o = ccsp_keypolicy_json(p);
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	ccsp_err ret = text != NULL ? ccsp_store_config_set(tx, CCSP_KEYPOLICY_CONFIG_KEY, text) : CCSP_ERR_NOMEM;
	free(text);
	json_decref(o);
	return ret;
}
