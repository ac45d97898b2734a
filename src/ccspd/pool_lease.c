/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A CHSM VSM leased into the pool (ccspd.h "pool_lease.c"): the steps of pool/chsm-vsm-register, also run for a VSM
 * that ccspd created once the CHSM's callback said it is ready. In order: a fresh token set on the VSM with
 * configVSMToken (its vsmd restarts with it) and sealed by the data-protection key; getVSMInfo for the address the
 * VSM has after that restart, its TLS certificate (tlsCert) and its channel (transport; on TLCP the CHSM's device
 * CA, tlcpCaCert); this node's libsdf config; the availability check through it; the device and its link stored and
 * audited in one transaction.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>

#include "ccspd/act.h"
#include "crypto/guard.h" /* CCSP_GUARD */


static int fail(ccspd_pool_fail *f, ccsp_apierr code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	f->code = code;
	vsnprintf(f->msg, sizeof f->msg, fmt, ap);
	va_end(ap);
	return -1;
}

ccsp_g88_target ccspd_g88_target(const ccspd *d, const char *url, const char *ca_pem)
{
	return (ccsp_g88_target){.url = url, .ca_pem = ca_pem != NULL && ca_pem[0] != '\0' ? ca_pem : NULL,
	                         .tlcp_own = d->g88_tlcp_own.sign_cert != NULL ? &d->g88_tlcp_own : NULL};
}

int ccspd_g88_call(const ccsp_g88_target *t, const ccsp_g88_signer *s, const char *path, json_t *req,
                   json_t **result, ccspd_pool_fail *f)
{
	ccsp_g88_answer a;
	ccsp_err ret = ccsp_g88_call(t, s, path, req, &a);
	json_decref(req);
	if (ret == CCSP_OK && a.http == 200 && a.status == 200) {
		*result = a.result;
		return 0;
	}
	json_decref(a.result);
	f->no_answer = ret != CCSP_OK;
	if (ret != CCSP_OK)
		return fail(f, CCSP_APIERR_UNAVAILABLE, "the CHSM does not answer at %s: %s", path, a.message);
	return fail(f, CCSP_APIERR_UNAVAILABLE, "the CHSM refused %s: %d %s", path, a.status, a.message);
}

/* The platform key and the CHSM's target. */
static int chsm_target(ccspd *d, const ccsp_store_pool_chsm *chsm, ccspd_g88_key *k, ccsp_g88_target *t,
                       ccspd_pool_fail *f)
{
	int created = 0;
	if (ccspd_g88_key_load(d, 0, k, &created) != CCSP_OK) /* made when the CHSM was registered */
		return fail(f, CCSP_APIERR_CRYPTO_MODULE, "cannot load the platform's GM/T 0088 key");
	*t = ccspd_g88_target(d, chsm->url, chsm->ca_pem);
	return 0;
}

int ccspd_g88_vsm_token(ccspd *d, const ccsp_store_pool_chsm *chsm, const char *vsm_id, const char *tenant_id,
                        char token[CCSPD_VSM_TOKEN_LEN + 1], ccspd_pool_fail *f)
{
	uint8_t raw[CCSPD_VSM_TOKEN_LEN / 2];
	ccspd_g88_key k;
	ccsp_g88_target t;
	json_t *r = NULL, *req;
	int rc = -1;
	if (chsm_target(d, chsm, &k, &t, f) != 0)
		return -1;
	if (ccsp_pvsm_random(d->pvsm, raw, sizeof raw) != CCSP_OK) {
		fail(f, CCSP_APIERR_CRYPTO_MODULE, "the platform VSM gives no random numbers");
		goto out;
	}
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	req = tenant_id != NULL ? json_pack("{s:s, s:s, s:s}", "vsmId", vsm_id, "token", token, "tenantId", tenant_id)
	                        : json_pack("{s:s, s:s}", "vsmId", vsm_id, "token", token);
	rc = ccspd_g88_call(&t, &k.signer, "/vsm/token", req, &r, f);
out:
	json_decref(r);
	ccsp_memzero(raw, sizeof raw);
	return rc;
}

/* A string member of at most max bytes into out (max + 1 bytes): 1, or 0 when absent, empty or longer. */
static int member_copy(json_t *obj, const char *name, char *out, size_t max)
{
	json_t *v = json_object_get(obj, name);
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max)
		return 0;
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 1;
}

/* getVSMInfo's answer into ch: 0, or -1 with f set. */
static int channel_parse(json_t *info, ccspd_vsm_channel *ch, ccspd_pool_fail *f)
{
	json_t *ip = json_object_get(info, "ip"), *port = json_object_get(info, "port"),
	       *transport = json_object_get(info, "transport");
	int ok = json_is_string(ip) && json_is_integer(port) && json_integer_value(port) > 0 &&
	         json_integer_value(port) < 65536 && member_copy(info, "tlsCert", ch->tls_cert, CCSP_STORE_POOL_PEM_MAX);
	if (!ok)
		return fail(f, CCSP_APIERR_UNAVAILABLE,
		            "the CHSM's getVSMInfo gives no address (ip, port) or TLS certificate (tlsCert) for the VSM");
	const char *host = json_string_value(ip);
	snprintf(ch->address, sizeof ch->address, strchr(host, ':') ? "[%s]:%d" : "%s:%d", host,
	         (int)json_integer_value(port));
	/* a CHSM without the extension serves TLS */
	ch->tlcp = json_is_string(transport) && strcmp(json_string_value(transport), "tlcp") == 0;
	ch->tlcp_ca[0] = '\0';
	if (ch->tlcp && !member_copy(info, "tlcpCaCert", ch->tlcp_ca, CCSP_STORE_POOL_PEM_MAX))
		return fail(f, CCSP_APIERR_UNAVAILABLE,
		            "the CHSM's getVSMInfo says the VSM serves TLCP but gives no device CA (tlcpCaCert)");
	return 0;
}

int ccspd_g88_vsm_channel(ccspd *d, const ccsp_store_pool_chsm *chsm, const char *vsm_id, ccspd_vsm_channel *ch,
                          ccspd_pool_fail *f)
{
	ccspd_g88_key k;
	ccsp_g88_target t;
	json_t *info = NULL;
	if (chsm_target(d, chsm, &k, &t, f) != 0 ||
	    ccspd_g88_call(&t, &k.signer, "/vsm", json_pack("{s:s, s:s}", "oprType", "getinfo", "vsmId", vsm_id), &info,
	                   f) != 0)
		return -1;
	int rc = channel_parse(info, ch, f);
	json_decref(info);
	return rc;
}

const char *ccspd_vsm_channel_trust(const ccspd_vsm_channel *ch)
{
	return ch->tlcp ? ch->tlcp_ca : ch->tls_cert;
}

int ccspd_g88_vsm_info(ccspd *d, const ccsp_store_pool_chsm *chsm, const char *vsm_id,
                       char address[CCSP_STORE_POOL_INFO_MAX + 1], char cert_pem[CCSP_STORE_POOL_PEM_MAX + 1],
                       ccspd_pool_fail *f)
{
	ccspd_vsm_channel *ch = malloc(sizeof *ch);
	int rc = ch != NULL ? ccspd_g88_vsm_channel(d, chsm, vsm_id, ch, f)
	                    : fail(f, CCSP_APIERR_INTERNAL, "out of memory");
	if (rc == 0) {
		memcpy(address, ch->address, sizeof ch->address);
		memcpy(cert_pem, ch->tls_cert, sizeof ch->tls_cert);
	}
	free(ch);
	return rc;
}

/* A fresh token into token, set on the VSM and sealed into link. */
static int lease_token(ccspd *d, const ccsp_store_pool_chsm *chsm, ccsp_store_pool_vsm_link *link,
                       char token[CCSPD_VSM_TOKEN_LEN + 1], ccspd_pool_fail *f)
{
	char aad[128];
	if (ccspd_g88_vsm_token(d, chsm, link->vsm_id, NULL, token, f) != 0)
		return -1;
	ccspd_pool_vsm_token_aad(link->chsm_id, link->vsm_id, aad, sizeof aad);
	if (ccsp_pvsm_seal(d->pvsm, (const uint8_t *)aad, strlen(aad), (const uint8_t *)token, strlen(token),
	                   link->token_sealed) != CCSP_OK)
		return fail(f, CCSP_APIERR_CRYPTO_MODULE, "the platform VSM cannot seal the token");
	link->token_sealed_len = strlen(token) + CCSP_PVSM_SEAL_OVERHEAD;
	return 0;
}

typedef struct lease_job {
	ccspd *d;
	ccspd_call *c; /* the caller, or NULL: the system */
	ccsp_store_pool_device *dev;
	ccsp_store_pool_vsm_link *link;
} lease_job;

static ccsp_err lease_store_fn(ccsp_store_tx *tx, void *arg)
{
	lease_job *j = arg;
	j->dev->created = ccspd_now_ms(j->d);
	CCSP_GUARD(ccsp_store_pool_vsm_create(tx, j->dev, j->link));
	json_t *detail = json_pack("{s:s, s:s, s:s, s:s}", "name", j->dev->name, "chsmId", j->link->chsm_id, "vsmId",
	                           j->link->vsm_id, "address", j->link->address);
	return j->c != NULL ? ccspd_audit(j->c, tx, "pool.chsm-vsm-register", j->dev->id, "ok", detail)
	                    : ccspd_audit_as(j->d, tx, "system", "system", NULL, "pool.chsm-vsm-register", j->dev->id,
	                                     "ok", detail);
}

int ccspd_pool_vsm_lease(ccspd *d, ccspd_call *c, const ccsp_store_pool_chsm *chsm, const char *vsm_id,
                         ccsp_store_pool_device *dev, ccsp_store_pool_vsm_link *link, ccspd_pool_fail *f)
{
	char conf[PATH_MAX], token[CCSPD_VSM_TOKEN_LEN + 1] = "";
	ccspd_vsm_channel *ch = malloc(sizeof *ch);
	int rc = -1;
	if (ch == NULL)
		return fail(f, CCSP_APIERR_INTERNAL, "out of memory");
	snprintf(dev->kind, sizeof dev->kind, "%s", CCSP_STORE_POOL_KIND_CHSM_VSM);
	snprintf(dev->address, sizeof dev->address, "chsm:%s/%s", chsm->id, vsm_id);
	memset(link, 0, sizeof *link);
	snprintf(link->chsm_id, sizeof link->chsm_id, "%s", chsm->id);
	snprintf(link->vsm_id, sizeof link->vsm_id, "%s", vsm_id);
	/* the token first: the VSM restarts with it, and its address is the one it has after that */
	if (lease_token(d, chsm, link, token, f) != 0 || ccspd_g88_vsm_channel(d, chsm, vsm_id, ch, f) != 0)
		goto out;
	/* the record keeps the TLS certificate; the node's config trusts what the channel needs (pool_chsm.c) */
	memcpy(link->address, ch->address, sizeof ch->address);
	memcpy(link->cert_pem, ch->tls_cert, sizeof ch->tls_cert);
	if (ccspd_pool_vsm_conf_write(d, link, ch, token, conf) != CCSP_OK) {
		fail(f, CCSP_APIERR_INTERNAL, "cannot write the VSM's client config");
		goto out;
	}
	if (act_probe_device(conf, dev) != CCSP_OK) {
		fail(f, CCSP_APIERR_CRYPTO_MODULE,
		     "the VSM does not answer through libsdf with its new token (availability check failed)");
		goto out;
	}
	lease_job j = {.d = d, .c = c, .dev = dev, .link = link};
	ccsp_err ret = ccsp_store_run(d->store, lease_store_fn, &j);
	if (ret != CCSP_OK) {
		fail(f, ret == CCSP_ERR_EXISTS ? CCSP_APIERR_CONFLICT : CCSP_APIERR_INTERNAL,
		     ret == CCSP_ERR_EXISTS ? "a device of that name, or that CHSM's VSM, is registered or a tenant's"
		                            : "cannot store the device");
		goto out;
	}
	rc = 0;
out:
	ccsp_memzero(token, sizeof token);
	free(ch);
	return rc;
}
