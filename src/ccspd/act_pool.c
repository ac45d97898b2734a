/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The resource pool's administration (docs/api-ccspd.md, area "pool"; system administrators only):
 *   device-register     {name, sdfConf}                 -> the device: a GM/T 0018 device reached through libsdf
 *                                                          with that client config (an absolute path on every
 *                                                          node); it must answer (availability check), its
 *                                                          vendor, model and serial are recorded
 *   device-list         {cursor?, limit?}               -> {"devices": [...], "next"}: with this node's view of
 *                                                          each one's health; the platform VSM listed first
 *   device-remove       {deviceId}                      -> the device (it must be in no group)
 *   group-create        {name, kekIndex?, tenantId?}    -> the group: its members hold one KEK at kekIndex
 *                                                          (default 1); with tenantId, that tenant's exclusive
 *                                                          group (its new keys are made and run only there)
 *   group-list          {cursor?, limit?}               -> {"groups": [...], "next"} with members and keys counted
 *   group-delete        {groupId}                       -> the group (no members, no keys; never "default")
 *   group-add-member    {groupId, deviceId}             -> the device, now in the group: it must reproduce the
 *                                                          group's key check (the first member sets it)
 *   group-remove-member {groupId, deviceId}             -> the device, in no group; the last device of a group
 *                                                          that holds keys cannot leave
 *   device-dedicate     {deviceId, tenantId?, appId?}   -> the device, dedicated to that application (POOL-3):
 *                                                          it runs the app's operations on its group's keys and
 *                                                          no one else's; without appId, shared again
 * Every change is audited (pool.*); the key check and the availability check talk to the device outside any
 * transaction, and membership changes reach this node's scheduler at once (others within
 * pool_health_interval_s).
 */
#include <stdlib.h>
#include <string.h>

#include "ccspd/act.h"
#include "crypto/guard.h" /* CCSP_GUARD */
#include "platform/pool.h"
#include "platform/store/store_pool.h"

typedef struct pool_job {
	act_job act; /* first: act_job_run's (act_util.c) */
	const char *id, *group_id, *name, *cursor, *tenant, *app;
	int64_t limit, kek_index;
	ccsp_store_pool_device dev;
	ccsp_store_pool_group grp;
	uint8_t probe[CCSP_STORE_POOL_PROBE_MAX], check[CCSP_STORE_POOL_CHECK_SIZE];
	size_t probe_len; /* a probe made for a group that had none: set with the membership */
} pool_job;

/* This node's view of member id's health, or NULL when it is in no group here. */
static json_t *health_json(ccspd *d, const char *id)
{
	ccsp_pool_info *infos = calloc(CCSP_POOL_MEMBERS_MAX, sizeof *infos);
	json_t *o = NULL;
	size_t n = 0;
	if (infos == NULL)
		return NULL;
	ccsp_pool_infos(d->pool, infos, CCSP_POOL_MEMBERS_MAX, &n);
	for (size_t i = 0; i < n && o == NULL; i++)
		if (strcmp(infos[i].id, id) == 0 && infos[i].state != CCSP_POOL_RETIRED)
			o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "state", ccsp_pool_state_name(infos[i].state),
			              "inflight", (json_int_t)infos[i].inflight, "operations", (json_int_t)infos[i].ops,
			              "failures", (json_int_t)infos[i].failures, "retries",
			              (json_int_t)infos[i].retries, "downs", (json_int_t)infos[i].downs);
	free(infos);
	return o;
}

static json_t *device_json(ccspd *d, const ccsp_store_pool_device *v)
{
	json_t *h = health_json(d, v->id);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:o}", "deviceId", v->id, "name",
	                 v->name, "kind", v->kind, "sdfConf", v->address, "vendor", v->vendor, "model", v->model,
	                 "serial", v->serial, "groupId",
	                 v->group_id[0] != '\0' ? json_string(v->group_id) : json_null(), "dedicatedApp",
	                 v->dedicated_app[0] != '\0' ? json_string(v->dedicated_app) : json_null(), "created",
	                 (json_int_t)v->created, "health", h != NULL ? h : json_null());
}

static json_t *group_json(const ccsp_store_pool_group *g, int64_t keys, int64_t members)
{
	return json_pack("{s:s, s:s, s:o, s:I, s:b, s:I, s:I, s:I}", "groupId", g->id, "name", g->name, "tenantId",
	                 g->tenant_id[0] != '\0' ? json_string(g->tenant_id) : json_null(), "kekIndex",
	                 (json_int_t)g->kek_index, "keyCheck", g->probe_len > 0, "keys", (json_int_t)keys, "members",
	                 (json_int_t)members, "created", (json_int_t)g->created);
}

/* ---- devices ---- */

static ccsp_err register_fn(ccsp_store_tx *tx, void *arg)
{
	pool_job *p = arg;
	p->dev.created = ccspd_now_ms(p->act.c->d);
	CCSP_GUARD(ccsp_store_pool_device_create(tx, &p->dev));
	CCSP_GUARD(ccspd_audit(p->act.c, tx, "pool.device-register", p->dev.id, "ok",
	                       json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", p->dev.name, "sdfConf", p->dev.address,
	                                 "vendor", p->dev.vendor, "model", p->dev.model, "serial", p->dev.serial)));
	act_job_result(&p->act, device_json(p->act.c->d, &p->dev));
	return CCSP_OK;
}

void ccspd_act_pool_device_register(ccspd_call *c)
{
	pool_job p = {.act.c = c};
	const char *conf;
	if (act_str(c, "name", 1, CCSP_STORE_NAME_MAX, &p.name) != 0 ||
	    act_str(c, "sdfConf", 1, CCSP_STORE_POOL_ADDRESS_MAX, &conf) != 0)
		return;
	if (conf[0] != '/') {
		ccspd_call_fail(c, CCSP_APIERR_INVALID_PARAM,
		                "sdfConf must be an absolute path (the same on every node)");
		return;
	}
	snprintf(p.dev.name, sizeof p.dev.name, "%s", p.name);
	snprintf(p.dev.kind, sizeof p.dev.kind, "sdf");
	snprintf(p.dev.address, sizeof p.dev.address, "%s", conf);
	if (act_probe_device(conf, &p.dev) != CCSP_OK) {
		ccspd_call_fail(c, CCSP_APIERR_CRYPTO_MODULE,
		                "the device does not answer through that sdfConf (availability check failed)");
		return;
	}
	p.act.msg = "a device of that name or sdfConf is registered";
	act_job_run(&p.act, register_fn, &p);
}

static ccsp_err device_list_fn(ccsp_store_tx *tx, void *arg)
{
	pool_job *p = arg;
	size_t n = 0;
	ccsp_store_pool_device *ds = calloc((size_t)p->limit, sizeof *ds);
	ccsp_err ret =
	        ds != NULL ? ccsp_store_pool_device_list(tx, p->cursor, (size_t)p->limit, ds, &n) : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK) {
		json_t *list = json_array();
		if (p->cursor == NULL) { /* the first page starts with the node's platform VSM */
			json_t *h = health_json(p->act.c->d, CCSP_POOL_PLATFORM_ID);
			json_array_append_new(
			        list, json_pack("{s:s, s:s, s:s, s:s, s:o}", "deviceId", CCSP_POOL_PLATFORM_ID, "name",
			                        "platform VSM (vsm_conf of this node)", "kind", "sdf", "groupId",
			                        CCSP_STORE_POOL_DEFAULT_GROUP, "health", h != NULL ? h : json_null()));
		}
		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, device_json(p->act.c->d, &ds[i]));
		act_job_result(&p->act, json_pack("{s:o, s:o}", "devices", list, "next",
		                                  n == (size_t)p->limit ? json_string(ds[n - 1].id) : json_null()));
	}
	free(ds);
	return ret;
}

void ccspd_act_pool_device_list(ccspd_call *c)
{
	pool_job p = {.act.c = c};
	if (act_id(c, "cursor", 0, &p.cursor) != 0 ||
	    act_int(c, "limit", 1, CCSPD_LIST_MAX, CCSPD_LIST_DEFAULT, &p.limit) != 0)
		return;
	act_job_run(&p.act, device_list_fn, &p);
}

static ccsp_err device_remove_fn(ccsp_store_tx *tx, void *arg)
{
	pool_job *p = arg;
	ccsp_err ret = ccsp_store_pool_device_get(tx, p->id, &p->dev);
	if (ret == CCSP_OK)
		ret = ccsp_store_pool_device_delete(tx, p->id);
	if (ret == CCSP_ERR_NOT_FOUND)
		return act_job_refuse(&p->act, CCSP_APIERR_NOT_FOUND, NULL);
	if (ret == CCSP_ERR_STATE)
		return act_job_refuse(&p->act, CCSP_APIERR_CONFLICT,
		                      "the device is in a group: remove it from the group first");
	CCSP_GUARD(ret);
	CCSP_GUARD(ccspd_audit(p->act.c, tx, "pool.device-remove", p->dev.id, "ok",
	                       json_pack("{s:s, s:s}", "name", p->dev.name, "sdfConf", p->dev.address)));
	act_job_result(&p->act, device_json(p->act.c->d, &p->dev));
	return CCSP_OK;
}

void ccspd_act_pool_device_remove(ccspd_call *c)
{
	pool_job p = {.act.c = c};
	if (act_id(c, "deviceId", 1, &p.id) == 0)
		act_job_run(&p.act, device_remove_fn, &p);
}

/* ---- groups ---- */

static ccsp_err group_create_fn(ccsp_store_tx *tx, void *arg)
{
	pool_job *p = arg;
	ccsp_store_pool_group g = {.kek_index = (uint32_t)p->kek_index, .created = ccspd_now_ms(p->act.c->d)};
	snprintf(g.name, sizeof g.name, "%s", p->name);
	snprintf(g.tenant_id, sizeof g.tenant_id, "%s", p->tenant != NULL ? p->tenant : "");
	ccsp_err ret = ccsp_store_pool_group_create(tx, &g);
	if (ret == CCSP_ERR_NOT_FOUND)
		return act_job_refuse(&p->act, CCSP_APIERR_NOT_FOUND, "no such tenant");
	CCSP_GUARD(ret); /* EXISTS: rolled back, answered with p->act.msg */
	CCSP_GUARD(ccspd_audit(p->act.c, tx, "pool.group-create", g.id, "ok",
	                       json_pack("{s:s, s:s?, s:I}", "name", g.name, "tenantId", p->tenant, "kekIndex",
	                                 (json_int_t)g.kek_index)));
	act_job_result(&p->act, group_json(&g, 0, 0));
	return CCSP_OK;
}

void ccspd_act_pool_group_create(ccspd_call *c)
{
	pool_job p = {.act.c = c};
	if (act_str(c, "name", 1, CCSP_STORE_NAME_MAX, &p.name) != 0 ||
	    act_int(c, "kekIndex", 1, 65535, 1, &p.kek_index) != 0 || act_id(c, "tenantId", 0, &p.tenant) != 0)
		return;
	p.act.msg = "a group of that name exists, or the tenant has an exclusive group already";
	act_job_run(&p.act, group_create_fn, &p);
}

static ccsp_err group_list_fn(ccsp_store_tx *tx, void *arg)
{
	pool_job *p = arg;
	size_t n = 0;
	int64_t keys = 0, members = 0;
	ccsp_store_pool_group *gs = calloc((size_t)p->limit, sizeof *gs);
	ccsp_err ret =
	        gs != NULL ? ccsp_store_pool_group_list(tx, p->cursor, (size_t)p->limit, gs, &n) : CCSP_ERR_NOMEM;
	json_t *list = json_array();
	for (size_t i = 0; ret == CCSP_OK && i < n; i++)
		if ((ret = ccsp_store_pool_group_usage(tx, gs[i].id, &keys, &members)) == CCSP_OK)
			json_array_append_new(list, group_json(&gs[i], keys, members));
	if (ret == CCSP_OK)
		act_job_result(&p->act, json_pack("{s:O, s:o}", "groups", list, "next",
		                                  n == (size_t)p->limit ? json_string(gs[n - 1].id) : json_null()));
	json_decref(list);
	free(gs);
	return ret;
}

void ccspd_act_pool_group_list(ccspd_call *c)
{
	pool_job p = {.act.c = c};
	if (act_str(c, "cursor", 0, CCSP_STORE_ID_LEN, &p.cursor) != 0 ||
	    act_int(c, "limit", 1, CCSPD_LIST_MAX, CCSPD_LIST_DEFAULT, &p.limit) != 0)
		return;
	act_job_run(&p.act, group_list_fn, &p);
}

static ccsp_err group_delete_fn(ccsp_store_tx *tx, void *arg)
{
	pool_job *p = arg;
	ccsp_err ret = ccsp_store_pool_group_get(tx, p->group_id, &p->grp);
	if (ret == CCSP_OK)
		ret = ccsp_store_pool_group_delete(tx, p->group_id);
	if (ret == CCSP_ERR_NOT_FOUND)
		return act_job_refuse(&p->act, CCSP_APIERR_NOT_FOUND, NULL);
	if (ret == CCSP_ERR_STATE)
		return act_job_refuse(&p->act, CCSP_APIERR_CONFLICT,
		                      "the group has members or keys (or is the default group): it cannot be deleted");
	CCSP_GUARD(ret);
	CCSP_GUARD(ccspd_audit(p->act.c, tx, "pool.group-delete", p->grp.id, "ok",
	                       json_pack("{s:s}", "name", p->grp.name)));
	act_job_result(&p->act, group_json(&p->grp, 0, 0));
	return CCSP_OK;
}

void ccspd_act_pool_group_delete(ccspd_call *c)
{
	pool_job p = {.act.c = c};
	if (act_str(c, "groupId", 1, CCSP_STORE_ID_LEN, &p.group_id) == 0)
		act_job_run(&p.act, group_delete_fn, &p);
}

/* ---- membership ---- */

/* The group and the device named, read: 0, or -1 after answering CCSP-1002. */
static int read_pair(pool_job *p)
{
	ccsp_store_tx *tx = NULL;
	ccsp_err ret = ccsp_store_begin_ro(p->act.c->d->store, &tx);
	if (ret == CCSP_OK)
		ret = ccsp_store_pool_group_get(tx, p->group_id, &p->grp);
	if (ret == CCSP_OK)
		ret = ccsp_store_pool_device_get(tx, p->id, &p->dev);
	ccsp_store_rollback(tx);
	if (ret == CCSP_ERR_NOT_FOUND)
		ccspd_call_fail(p->act.c, CCSP_APIERR_NOT_FOUND, "no such group or device");
	else if (ret != CCSP_OK)
		act_fail(p->act.c, ret, NULL);
	return ret == CCSP_OK ? 0 : -1;
}

/* The key check of the joining device against the group's: 0, or -1 after answering. A group without one gets it
 * now: from the platform VSM for the default group, else from the device itself (the first member defines the
 * group's KEK); join_fn records it with the membership. */
static int key_check(pool_job *p)
{
	ccspd *d = p->act.c->d;
	uint8_t got[CCSP_STORE_POOL_CHECK_SIZE];
	int is_default = strcmp(p->grp.id, CCSP_STORE_POOL_DEFAULT_GROUP) == 0;
	uint32_t kek = is_default ? d->vsm_kek_index : p->grp.kek_index;
	size_t len = p->grp.probe_len;
	ccsp_err ret = CCSP_OK;
	if (len > 0) {
		memcpy(p->probe, p->grp.probe, len);
		memcpy(p->check, p->grp.check, sizeof p->check);
	} else if (is_default && ccsp_pool_platform_key_check(d->pool, p->probe, &len, p->check) != CCSP_OK) {
		ccspd_call_fail(p->act.c, CCSP_APIERR_CRYPTO_MODULE,
		                "the platform VSM must answer to start the default group's key check");
		return -1;
	}
	char conf[PATH_MAX];
	ret = ccspd_pool_device_conf(d, &p->dev, conf);
	if (ret == CCSP_OK)
		ret = ccsp_pool_key_check(d->pool, conf, kek, p->probe, &len, got);
	if (ret == CCSP_OK && p->grp.probe_len == 0) {
		p->probe_len = len;
		if (!is_default)
			memcpy(p->check, got, sizeof got);
	}
	if (ret == CCSP_ERR_COMM || ret == CCSP_ERR_MODULE_STATE)
		ccspd_call_fail(p->act.c, CCSP_APIERR_CRYPTO_MODULE, "the device does not answer");
	else if (ret != CCSP_OK || memcmp(got, p->check, sizeof got) != 0)
		ccspd_call_fail(
		        p->act.c, CCSP_APIERR_CONFLICT,
		        "the device does not hold the group's KEK (its key check differs, or it has no KEK at the "
		        "group's index)");
	else
		return 0;
	return -1;
}

static ccsp_err join_fn(ccsp_store_tx *tx, void *arg)
{
	pool_job *p = arg;
	if (p->grp.probe_len == 0) {
		ccsp_err ret = ccsp_store_pool_group_set_probe(tx, p->grp.id, p->probe, p->probe_len, p->check);
		if (ret == CCSP_ERR_EXISTS) /* another member joined first: its check now rules */
			return act_job_refuse(&p->act, CCSP_APIERR_CONFLICT, "the group changed meanwhile: try again");
		CCSP_GUARD(ret);
	}
	ccsp_err ret = ccsp_store_pool_device_set_group(tx, p->dev.id, p->grp.id);
	if (ret == CCSP_ERR_STATE)
		return act_job_refuse(&p->act, CCSP_APIERR_CONFLICT, "the device is in another group");
	CCSP_GUARD(ret);
	memcpy(p->dev.group_id, p->grp.id, sizeof p->dev.group_id);
	CCSP_GUARD(ccspd_audit(p->act.c, tx, "pool.group-add-member", p->dev.id, "ok",
	                       json_pack("{s:s, s:s}", "groupId", p->grp.id, "device", p->dev.name)));
	act_job_result(&p->act, NULL);
	return CCSP_OK;
}

static ccsp_err leave_fn(ccsp_store_tx *tx, void *arg)
{
	pool_job *p = arg;
	int64_t keys = 0, members = 0;
	ccsp_store_pool_device now;
	CCSP_GUARD(ccsp_store_pool_device_get(tx, p->dev.id, &now));
	if (strcmp(now.group_id, p->grp.id) != 0)
		return act_job_refuse(&p->act, CCSP_APIERR_NOT_FOUND, "the device is not in that group");
	CCSP_GUARD(ccsp_store_pool_group_usage(tx, p->grp.id, &keys, &members));
	if (keys > 0 && members == 1 && strcmp(p->grp.id, CCSP_STORE_POOL_DEFAULT_GROUP) != 0)
		return act_job_refuse(&p->act, CCSP_APIERR_CONFLICT,
		                      "the group holds keys and this is its last device: add another device first");
	int64_t shared = 0;
	CCSP_GUARD(ccsp_store_pool_group_shared(tx, p->grp.id, p->dev.id, &shared));
	if (now.dedicated_app[0] == '\0' && shared == 0 && members > 1 &&
	    strcmp(p->grp.id, CCSP_STORE_POOL_DEFAULT_GROUP) != 0)
		return act_job_refuse(&p->act, CCSP_APIERR_CONFLICT,
		                      "this is the group's last shared device: its other members are dedicated to "
		                      "applications (share one first)");
	CCSP_GUARD(ccsp_store_pool_device_set_group(tx, p->dev.id, NULL));
	p->dev.group_id[0] = '\0';
	CCSP_GUARD(ccspd_audit(p->act.c, tx, "pool.group-remove-member", p->dev.id, "ok",
	                       json_pack("{s:s, s:s}", "groupId", p->grp.id, "device", p->dev.name)));
	act_job_result(&p->act, NULL);
	return CCSP_OK;
}

/* After a membership change: this node's scheduler follows at once, then the device answered. */
static void membership(ccspd_call *c, pool_job *p, ccsp_store_fn fn)
{
	ccspd *d = c->d;
	ccsp_err ret = ccsp_store_run(d->store, fn, p);
	if (ret == CCSP_OK && p->act.err == CCSP_APIERR_COUNT_) {
		if (ccspd_pool_refresh(d) == CCSP_OK)
			ccsp_pool_tick(d->pool);
		act_job_result(&p->act, device_json(d, &p->dev));
	}
	if (ret != CCSP_OK)
		act_fail(c, ret, NULL);
	else if (p->act.err != CCSP_APIERR_COUNT_)
		ccspd_call_fail(c, p->act.err, p->act.msg);
	else
		ccspd_call_ok(c, json_incref(p->act.result));
	json_decref(p->act.result);
}

void ccspd_act_pool_group_add_member(ccspd_call *c)
{
	pool_job p = {.act.c = c};
	if (act_str(c, "groupId", 1, CCSP_STORE_ID_LEN, &p.group_id) != 0 || act_id(c, "deviceId", 1, &p.id) != 0 ||
	    read_pair(&p) != 0)
		return;
	if (p.dev.group_id[0] != '\0') {
		ccspd_call_fail(c, CCSP_APIERR_CONFLICT,
		                strcmp(p.dev.group_id, p.grp.id) == 0 ? "the device is in that group already"
		                                                      : "the device is in another group");
		return;
	}
	if (key_check(&p) == 0)
		membership(c, &p, join_fn);
}

void ccspd_act_pool_group_remove_member(ccspd_call *c)
{
	pool_job p = {.act.c = c};
	if (act_str(c, "groupId", 1, CCSP_STORE_ID_LEN, &p.group_id) != 0 || act_id(c, "deviceId", 1, &p.id) != 0 ||
	    read_pair(&p) != 0)
		return;
	membership(c, &p, leave_fn);
}

/* ---- dedication (POOL-3) ---- */

/* The application is the tenant's, and the device's group (if any) may serve that tenant. */
static ccsp_err dedicate_check(ccsp_store_tx *tx, pool_job *p)
{
	ccsp_store_app app;
	ccsp_err ret = ccsp_store_app_get(tx, p->tenant, p->app, &app);
	if (ret == CCSP_ERR_NOT_FOUND)
		return act_job_refuse(&p->act, CCSP_APIERR_NOT_FOUND, "no such application in that tenant");
	CCSP_GUARD(ret);
	if (p->dev.group_id[0] == '\0')
		return CCSP_OK;
	CCSP_GUARD(ccsp_store_pool_group_get(tx, p->dev.group_id, &p->grp));
	if (p->grp.tenant_id[0] != '\0' && strcmp(p->grp.tenant_id, p->tenant) != 0)
		return act_job_refuse(&p->act, CCSP_APIERR_CONFLICT,
		                      "the device's group is another tenant's exclusive group");
	return CCSP_OK;
}

static ccsp_err dedicate_fn(ccsp_store_tx *tx, void *arg)
{
	pool_job *p = arg;
	p->act.err = CCSP_APIERR_INTERNAL; /* a refusal sets another */
	ccsp_err ret = ccsp_store_pool_device_get(tx, p->id, &p->dev);
	if (ret == CCSP_ERR_NOT_FOUND)
		return act_job_refuse(&p->act, CCSP_APIERR_NOT_FOUND, "no such device");
	CCSP_GUARD(ret);
	if (p->app != NULL) {
		CCSP_GUARD(dedicate_check(tx, p));
		if (p->act.err != CCSP_APIERR_INTERNAL)
			return CCSP_OK;
	}
	ret = ccsp_store_pool_device_dedicate(tx, p->dev.id, p->app);
	if (ret == CCSP_ERR_STATE)
		return act_job_refuse(&p->act, CCSP_APIERR_CONFLICT,
		                      "the device is its group's last shared member: the group's other callers would "
		                      "have none (add a device first)");
	CCSP_GUARD(ret);
	snprintf(p->dev.dedicated_app, sizeof p->dev.dedicated_app, "%s", p->app != NULL ? p->app : "");
	CCSP_GUARD(ccspd_audit(p->act.c, tx, "pool.device-dedicate", p->dev.id, "ok",
	                       json_pack("{s:s, s:o, s:o}", "device", p->dev.name, "tenantId",
	                                 p->app != NULL ? json_string(p->tenant) : json_null(), "appId",
	                                 p->app != NULL ? json_string(p->app) : json_null())));
	act_job_result(&p->act, NULL);
	return CCSP_OK;
}

void ccspd_act_pool_device_dedicate(ccspd_call *c)
{
	pool_job p = {.act.c = c};
	if (act_id(c, "deviceId", 1, &p.id) != 0 || act_id(c, "appId", 0, &p.app) != 0 ||
	    act_id(c, "tenantId", p.app != NULL, &p.tenant) != 0)
		return;
	membership(c, &p, dedicate_fn);
}
