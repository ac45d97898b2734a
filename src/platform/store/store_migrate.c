/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's schema and its versioned migrations, applied at open.
 *
 * schema_version holds one row per applied migration. At open, in one transaction (which on PostgreSQL first
 * takes an advisory lock, so that nodes starting together migrate one after the other; on SQLite BEGIN IMMEDIATE
 * holds the write lock): read the highest version; refuse a database newer than the code (CCSP_ERR_UNSUPPORTED:
 * an older ccspd must not write a schema it does not know); apply each missing migration in order and record it;
 * commit. A migration is the same SQL for both engines, with @BLOB@ replaced by the engine's byte-string type,
 * plus optional engine-specific text (triggers). Never edit a released migration: append a new one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/store/store_db.h"

typedef struct st_migration {
	int64_t version;
	const char *sql;    /* both engines */
	const char *sqlite; /* SQLite only (may be NULL) */
	const char *pg;     /* PostgreSQL only (may be NULL) */
} st_migration;

/* Version 1: the platform's identity, audit and settings. Ids are 32 hex digits, times Unix ms, flags 0/1. */
static const char V1_SQL[] =
	"CREATE TABLE tenants ("
	" id TEXT PRIMARY KEY,"
	" parent_id TEXT REFERENCES tenants(id),"
	" name TEXT NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),"
	" created BIGINT NOT NULL);"
	"CREATE UNIQUE INDEX tenants_sibling_name ON tenants (COALESCE(parent_id, ''), name);"
	"CREATE INDEX tenants_parent ON tenants (parent_id);"

	"CREATE TABLE principals ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT REFERENCES tenants(id),"
	" login TEXT NOT NULL,"
	" role TEXT NOT NULL CHECK (role IN ('sysadmin', 'secadmin', 'auditor', 'tenant_admin', 'user')),"
	" pw_hash @BLOB@, pw_salt @BLOB@, pw_iter BIGINT NOT NULL DEFAULT 0,"
	" must_change BIGINT NOT NULL DEFAULT 1,"
	" pw_changed_at BIGINT NOT NULL DEFAULT 0,"
	" failed_logins BIGINT NOT NULL DEFAULT 0,"
	" locked_until BIGINT NOT NULL DEFAULT 0,"
	" sm2_pub @BLOB@,"
	" status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),"
	" created BIGINT NOT NULL,"
	" CHECK ((tenant_id IS NULL) = (role IN ('sysadmin', 'secadmin', 'auditor'))));"
	"CREATE UNIQUE INDEX principals_login ON principals (COALESCE(tenant_id, ''), login);"

	"CREATE TABLE apps ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id),"
	" name TEXT NOT NULL,"
	" access_key TEXT NOT NULL UNIQUE,"
	" secret_ct @BLOB@ NOT NULL,"
	" sm2_pub @BLOB@,"
	" status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),"
	" created BIGINT NOT NULL,"
	" UNIQUE (tenant_id, name));"

	"CREATE TABLE sessions ("
	" token_hash @BLOB@ PRIMARY KEY,"
	" principal_id TEXT REFERENCES principals(id) ON DELETE CASCADE,"
	" app_id TEXT REFERENCES apps(id) ON DELETE CASCADE,"
	" tenant_id TEXT REFERENCES tenants(id),"
	" created BIGINT NOT NULL, last_seen BIGINT NOT NULL, expires BIGINT NOT NULL,"
	" CHECK ((principal_id IS NULL) <> (app_id IS NULL)));"
	"CREATE INDEX sessions_principal ON sessions (principal_id);"
	"CREATE INDEX sessions_app ON sessions (app_id);"
	"CREATE INDEX sessions_expires ON sessions (expires);"

	"CREATE TABLE nonces ("
	" access_key TEXT NOT NULL, nonce TEXT NOT NULL, ts BIGINT NOT NULL,"
	" PRIMARY KEY (access_key, nonce));"
	"CREATE INDEX nonces_ts ON nonces (ts);"

	/* tenant_id without a foreign key: the trail outlives the tenants it mentions */
	"CREATE TABLE audit ("
	" seq BIGINT PRIMARY KEY CHECK (seq > 0), ts BIGINT NOT NULL,"
	" actor TEXT NOT NULL, actor_role TEXT NOT NULL, tenant_id TEXT,"
	" action TEXT NOT NULL, target TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL,"
	" chain @BLOB@ NOT NULL, mac @BLOB@ NOT NULL);"
	"CREATE INDEX audit_ts ON audit (ts);"
	"CREATE INDEX audit_tenant ON audit (tenant_id, seq);"
	"CREATE INDEX audit_actor ON audit (actor, seq);"
	"CREATE TABLE audit_head (id BIGINT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, chain @BLOB@);"
	"INSERT INTO audit_head (id, seq, chain) VALUES (1, 0, NULL);"
	"CREATE TABLE audit_checkpoints ("
	" seq BIGINT PRIMARY KEY REFERENCES audit(seq), chain @BLOB@ NOT NULL, signature @BLOB@ NOT NULL,"
	" ts BIGINT NOT NULL);"

	"CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL);";

static const char V1_SQLITE[] =
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;";

static const char V1_PG[] =
	"CREATE FUNCTION ccsp_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
	" $$BEGIN RAISE EXCEPTION 'audit is append-only'; END$$;"
	"CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit"
	" FOR EACH ROW EXECUTE FUNCTION ccsp_audit_append_only();"
	"CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit"
	" FOR EACH STATEMENT EXECUTE FUNCTION ccsp_audit_append_only();";

/* Version 2: the security administrator's objects. Custodians hold key-backup shares under their SM2 public keys
 * (platform-wide, no tenant; a name or a key registered twice is refused: one person, one share). Approvals are the
 * two-person rule's requests: kind and target are the caller's (checked in code, so a new kind needs no
 * migration), detail a JSON object; at most one pending request per (kind, target). Principal ids without
 * foreign keys: a request outlives the people it names, as the audit trail does. */
static const char V2_SQL[] =
	"CREATE TABLE custodians ("
	" id TEXT PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" public_key @BLOB@ NOT NULL UNIQUE,"
	" created_by TEXT NOT NULL,"
	" created BIGINT NOT NULL);"

	"CREATE TABLE approvals ("
	" id TEXT PRIMARY KEY,"
	" kind TEXT NOT NULL,"
	" target TEXT NOT NULL,"
	" detail TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'expired', 'executed')),"
	" requested_by TEXT NOT NULL,"
	" decided_by TEXT,"
	" created BIGINT NOT NULL, expires BIGINT NOT NULL,"
	" decided_at BIGINT NOT NULL DEFAULT 0, executed_at BIGINT NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX approvals_pending ON approvals (kind, target) WHERE state = 'pending';"
	"CREATE INDEX approvals_state ON approvals (state, expires);";

/* Version 3: the KMS (store_kms.h). Keys belong to a tenant; a key's versions hold its material only wrapped by a
 * VSM's KEK (kek_index; wrapped becomes NULL when the key is destroyed, the row stays: the version numbers of old
 * ciphertexts still name something); aliases are unique per tenant and name one key. State names are those of
 * src/platform/kms_state.h. deletion_due is 0 unless the key is pending deletion. */
static const char V3_SQL[] =
	"CREATE TABLE kms_keys ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id),"
	" spec TEXT NOT NULL,"
	" description TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('enabled', 'disabled', 'pending_deletion', 'archived', 'compromised',"
	" 'destroyed')),"
	" primary_version BIGINT NOT NULL CHECK (primary_version > 0),"
	" deletion_due BIGINT NOT NULL DEFAULT 0,"
	" created BIGINT NOT NULL, updated BIGINT NOT NULL);"
	"CREATE INDEX kms_keys_tenant ON kms_keys (tenant_id, id);"
	"CREATE INDEX kms_keys_due ON kms_keys (state, deletion_due);"

	"CREATE TABLE kms_key_versions ("
	" key_id TEXT NOT NULL REFERENCES kms_keys(id),"
	" version BIGINT NOT NULL CHECK (version > 0),"
	" wrapped @BLOB@,"
	" kek_index BIGINT NOT NULL,"
	" compromised BIGINT NOT NULL DEFAULT 0,"
	" created BIGINT NOT NULL,"
	" PRIMARY KEY (key_id, version));"

	"CREATE TABLE kms_aliases ("
	" tenant_id TEXT NOT NULL REFERENCES tenants(id),"
	" alias TEXT NOT NULL,"
	" key_id TEXT NOT NULL REFERENCES kms_keys(id),"
	" created BIGINT NOT NULL,"
	" PRIMARY KEY (tenant_id, alias));"
	"CREATE INDEX kms_aliases_key ON kms_aliases (key_id);";

/* Version 4: asymmetric KMS keys, automatic rotation and metering. A version of an SM2 key keeps its public key
 * (x || y, 64 bytes; NULL for symmetric keys), which stays readable after the key is destroyed. A key rotates every
 * rotation_days days counted from rotated_at (when its primary version was made; keys of version 3 get 365 days from
 * their creation, the key policy's default). BYOK (store_kms.h): a key's origin; kms_imports holds the import keys
 * ccspd published (an SM2 encryption pair wrapped by a VSM KEK, one use, until expires); kms_recipients the public
 * keys a tenant registered to receive wrapped exports. usage_counts (store_usage.h) holds the
 * metering counters (OPS-6/7) per tenant, hour (ms since the epoch of the hour's start), application ("" for
 * operators' and tenant administrators' calls), key ("" for calls that use none) and action; ccspd adds its
 * in-memory counts to it with an upsert, so nodes sharing a store add up. */
static const char V4_SQL[] =
	"ALTER TABLE kms_key_versions ADD COLUMN public_key @BLOB@;"
	"ALTER TABLE kms_keys ADD COLUMN rotation_days BIGINT NOT NULL DEFAULT 365;"
	"ALTER TABLE kms_keys ADD COLUMN rotated_at BIGINT NOT NULL DEFAULT 0;"
	"UPDATE kms_keys SET rotated_at = created;"
	"CREATE INDEX kms_keys_rotation ON kms_keys (state, rotated_at);"
	"ALTER TABLE kms_keys ADD COLUMN origin TEXT NOT NULL DEFAULT 'generated' CHECK (origin IN ('generated',"
	" 'imported'));"
	"CREATE TABLE kms_imports ("
	" id TEXT PRIMARY KEY,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id),"
	" spec TEXT NOT NULL,"
	" wrapped @BLOB@ NOT NULL,"
	" kek_index BIGINT NOT NULL,"
	" public_key @BLOB@ NOT NULL,"
	" created BIGINT NOT NULL, expires BIGINT NOT NULL);"
	"CREATE INDEX kms_imports_tenant ON kms_imports (tenant_id, expires);"
	"CREATE TABLE kms_recipients ("
	" tenant_id TEXT NOT NULL REFERENCES tenants(id),"
	" name TEXT NOT NULL,"
	" public_key @BLOB@ NOT NULL,"
	" created BIGINT NOT NULL,"
	" PRIMARY KEY (tenant_id, name));"
	"CREATE TABLE usage_counts ("
	" tenant_id TEXT NOT NULL,"
	" hour BIGINT NOT NULL,"
	" app_id TEXT NOT NULL,"
	" key_id TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" calls BIGINT NOT NULL,"
	" errors BIGINT NOT NULL,"
	" bytes BIGINT NOT NULL,"
	" PRIMARY KEY (tenant_id, hour, app_id, key_id, action));"
	"CREATE INDEX usage_counts_hour ON usage_counts (hour);";

/* Version 5: the resource pool (store_pool.h) and a third key origin. Groups of VSMs: 'default' is the shared (SaaS)
 * group whose first member is each node's platform VSM (its KEK index is ccspd.conf's vsm_kek_index: kek_index 0
 * here); a group with a tenant_id is that tenant's exclusive group (one per tenant). probe / probe_check are the
 * group's key check: an SM4 key wrapped by the group's KEK and its SM4-CBC-MAC of a zero block, which a VSM can
 * reproduce only when it holds that KEK. Devices are GM/T 0018 devices reached through libsdf (kind 'sdf', address
 * the path of their client config), in at most one group (group_id NULL: spare). Keys and import keys name the
 * group whose KEK wraps them. The origin column is rebuilt to admit 'recovered' (SQLite cannot alter a CHECK): a
 * new column, the values copied, the old one dropped, the new one renamed. */
static const char V5_SQL[] =
	"ALTER TABLE kms_keys ADD COLUMN origin_v5 TEXT NOT NULL DEFAULT 'generated' CHECK (origin_v5 IN ('generated',"
	" 'imported', 'recovered'));"
	"UPDATE kms_keys SET origin_v5 = origin;"
	"ALTER TABLE kms_keys DROP COLUMN origin;"
	"ALTER TABLE kms_keys RENAME COLUMN origin_v5 TO origin;"
	"CREATE TABLE pool_groups ("
	" id TEXT PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" tenant_id TEXT REFERENCES tenants(id),"
	" kek_index BIGINT NOT NULL,"
	" probe @BLOB@,"
	" probe_check @BLOB@,"
	" created BIGINT NOT NULL);"
	"CREATE UNIQUE INDEX pool_groups_tenant ON pool_groups (tenant_id) WHERE tenant_id IS NOT NULL;"
	"INSERT INTO pool_groups (id, name, tenant_id, kek_index, created) VALUES ('default', 'default', NULL, 0, 0);"
	"CREATE TABLE pool_devices ("
	" id TEXT PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" kind TEXT NOT NULL,"
	" address TEXT NOT NULL UNIQUE,"
	" vendor TEXT NOT NULL,"
	" model TEXT NOT NULL,"
	" serial TEXT NOT NULL,"
	" group_id TEXT REFERENCES pool_groups(id),"
	" created BIGINT NOT NULL);"
	"CREATE INDEX pool_devices_group ON pool_devices (group_id);"
	"ALTER TABLE kms_keys ADD COLUMN group_id TEXT NOT NULL DEFAULT 'default';"
	"CREATE INDEX kms_keys_group ON kms_keys (group_id);"
	"ALTER TABLE kms_imports ADD COLUMN group_id TEXT NOT NULL DEFAULT 'default';";

/* Version 6: CHSMs registered by their GM/T 0088 management URL, the CHSM VSMs among the pool's devices (kind
 * 'chsm-vsm': their address, TLS certificate and the token ccspd set on them, sealed by the data-protection key),
 * the CHSMs' long operations ccspd started, completed by their callbacks, and CHSM VSMs assigned to tenants as
 * their own (tenant_vsms: not pool devices; ccspd keeps no token of theirs). */
static const char V6_SQL[] =
	"CREATE TABLE pool_chsms ("
	" id TEXT PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" url TEXT NOT NULL UNIQUE,"
	" ca_pem TEXT NOT NULL,"
	" device_pk TEXT NOT NULL,"
	" vendor TEXT NOT NULL,"
	" model TEXT NOT NULL,"
	" serial TEXT NOT NULL,"
	" version TEXT NOT NULL,"
	" created BIGINT NOT NULL);"
	"CREATE TABLE pool_vsm_links ("
	" device_id TEXT PRIMARY KEY REFERENCES pool_devices(id),"
	" chsm_id TEXT NOT NULL REFERENCES pool_chsms(id),"
	" vsm_id TEXT NOT NULL,"
	" address TEXT NOT NULL,"
	" cert_pem TEXT NOT NULL,"
	" token_sealed @BLOB@ NOT NULL,"
	" UNIQUE (chsm_id, vsm_id));"
	"CREATE TABLE pool_chsm_tasks ("
	" request_id TEXT PRIMARY KEY,"
	" chsm_id TEXT NOT NULL REFERENCES pool_chsms(id),"
	" opr_type TEXT NOT NULL,"
	" vsm_id TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" state TEXT NOT NULL CHECK (state IN ('accepted', 'done', 'failed')),"
	" status BIGINT NOT NULL,"
	" message TEXT NOT NULL,"
	" created BIGINT NOT NULL,"
	" completed BIGINT NOT NULL);"
	"CREATE INDEX pool_chsm_tasks_chsm ON pool_chsm_tasks (chsm_id, created);"
	"CREATE TABLE tenant_vsms ("
	" chsm_id TEXT NOT NULL REFERENCES pool_chsms(id),"
	" vsm_id TEXT NOT NULL,"
	" tenant_id TEXT NOT NULL REFERENCES tenants(id),"
	" address TEXT NOT NULL,"
	" cert_pem TEXT NOT NULL,"
	" created BIGINT NOT NULL,"
	" PRIMARY KEY (chsm_id, vsm_id));"
	"CREATE INDEX tenant_vsms_tenant ON tenant_vsms (tenant_id);";

/* Version 7: the newest image of each tenant VSM and the drift under way (store_pool.h ccsp_store_tvsm_image); VSMs
 * that held a tenant's keys and wait for their reset (ccsp_store_retired_vsm). */
static const char V7_SQL[] =
	"CREATE TABLE tenant_vsm_images ("
	" chsm_id TEXT NOT NULL,"
	" vsm_id TEXT NOT NULL,"
	" url TEXT NOT NULL,"
	" digest TEXT NOT NULL,"
	" size BIGINT NOT NULL,"
	" data_version TEXT NOT NULL,"
	" drift_task TEXT NOT NULL,"
	" drift_claimed BIGINT NOT NULL,"
	" created BIGINT NOT NULL,"
	" PRIMARY KEY (chsm_id, vsm_id));"
	"ALTER TABLE pool_chsm_tasks ADD COLUMN detail TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE retired_vsms ("
	" chsm_id TEXT NOT NULL,"
	" vsm_id TEXT NOT NULL,"
	" reason TEXT NOT NULL,"
	" since BIGINT NOT NULL,"
	" PRIMARY KEY (chsm_id, vsm_id));";

/* Version 8: a pool device dedicated to one application (POOL-3): it runs that application's operations on its
 * group's keys and no one else's; the application's deletion frees it. */
static const char V8_SQL[] = "ALTER TABLE pool_devices ADD COLUMN dedicated_app TEXT REFERENCES apps(id) ON DELETE SET NULL;";

static const st_migration MIGRATIONS[] = {
	{1, V1_SQL, V1_SQLITE, V1_PG},
	{2, V2_SQL, NULL, NULL},
	{3, V3_SQL, NULL, NULL},
	{4, V4_SQL, NULL, NULL},
	{5, V5_SQL, NULL, NULL},
	{6, V6_SQL, NULL, NULL},
	{7, V7_SQL, NULL, NULL},
	{8, V8_SQL, NULL, NULL},
};
#define N_MIGRATIONS (sizeof MIGRATIONS / sizeof MIGRATIONS[0])

_Static_assert(sizeof MIGRATIONS / sizeof MIGRATIONS[0] == CCSP_STORE_SCHEMA_VERSION,
               "CCSP_STORE_SCHEMA_VERSION is the last migration");

/* sql with every @BLOB@ replaced by the engine's type, malloc'd. */
static char *migrate_text(const char *sql, const char *blob)
{
	static const char tok[] = "@BLOB@";
	size_t len = strlen(sql), blen = strlen(blob);
	char *out = malloc(len * (blen > 6 ? blen : 6) / 6 + len + 1), *o = out;
	if (out == NULL)
		return NULL;
	while (*sql) {
		if (strncmp(sql, tok, sizeof tok - 1) == 0) {
			memcpy(o, blob, blen);
			o += blen;
			sql += sizeof tok - 1;
		} else {
			*o++ = *sql++;
		}
	}
	*o = 0;
	return out;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ccsp_err migrate_one(st_conn *c, const st_migration *m)
{
	char *sql = migrate_text(m->sql, c->ops->blob_type);
	ccsp_err ret = sql ? c->ops->script(c, sql) : CCSP_ERR_NOMEM;
	free(sql);
	const char *extra = c->ops == &st_sqlite_ops ? m->sqlite : m->pg;
	if (ret == CCSP_OK && extra != NULL)
		ret = c->ops->script(c, extra);
	st_val v[] = {ST_I(m->version), ST_I(now_ms())};
	if (ret == CCSP_OK)
		ret = c->ops->query(c, "INSERT INTO schema_version (version, applied) VALUES (?, ?)", v, 2, NULL, NULL);
	return ret;
}

static ccsp_err migrate_in_tx(st_conn *c, char *err, size_t errlen)
{
	st_res *r = NULL;
	ccsp_err ret = CCSP_OK;
	CCSP_CHECK(c->ops->migrate_lock(c));
	CCSP_CHECK(c->ops->script(c, "CREATE TABLE IF NOT EXISTS schema_version ("
	                             " version BIGINT PRIMARY KEY, applied BIGINT NOT NULL)"));
	CCSP_CHECK(c->ops->query(c, "SELECT COALESCE(MAX(version), 0) FROM schema_version", NULL, 0, &r, NULL));
	int64_t have = st_res_int(r, 0, 0);
	if (have > CCSP_STORE_SCHEMA_VERSION) {
		if (err != NULL)
			snprintf(err, errlen, "store: the database has schema version %lld, newer than this ccspd knows "
			         "(%d): run a newer ccspd", (long long)have, CCSP_STORE_SCHEMA_VERSION);
		ret = CCSP_ERR_UNSUPPORTED;
		goto out;
	}
	for (size_t i = 0; i < N_MIGRATIONS; i++)
		if (MIGRATIONS[i].version > have)
			CCSP_CHECK(migrate_one(c, &MIGRATIONS[i]));
out:
	if (ret != CCSP_OK && ret != CCSP_ERR_UNSUPPORTED && err != NULL)
		snprintf(err, errlen, "store: migration failed: %s", c->msg);
	st_res_free(r);
	return ret;
}

ccsp_err st_migrate(st_conn *c, char *err, size_t errlen)
{
	ccsp_err ret = c->ops->script(c, c->ops->begin_rw);
	if (ret != CCSP_OK) {
		if (err != NULL)
			snprintf(err, errlen, "store: cannot begin the migration: %s", c->msg);
		return ret;
	}
	ret = migrate_in_tx(c, err, errlen);
	if (ret == CCSP_OK)
		ret = c->ops->script(c, "COMMIT");
	if (ret != CCSP_OK)
		(void)c->ops->script(c, "ROLLBACK");
	return ret;
}
