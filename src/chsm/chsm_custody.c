/* SPDX-License-Identifier: Apache-2.0 */
/* The custodians' keys: the production master key and the trust-domain key from and to m-of-n shares. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "chsm/chsm_custody.h"
#include "common/atomic_file.h"
#include "common/config.h"
#include "crypto/guard.h" /* CCSP_CHECK */

/* Combine count shares of purpose into key (len bytes exactly). */
static ccsp_err combine_key(chsm_share_purpose purpose, const chsm_share *shares, size_t count, uint8_t *key,
                            size_t len)
{
	uint8_t secret[CHSM_SHARE_SECRET_MAX];
	size_t got = 0;
	ccsp_err ret = CCSP_ERR_ARG;
	if (shares == NULL)
		return ret;
	for (size_t i = 0; i < count; i++)
		if (shares[i].purpose != purpose)
			return CCSP_ERR_SHARE_MIXED;
	CCSP_CHECK(chsm_shamir_combine(shares, count, secret, sizeof secret, &got));
	CCSP_CHECK(got == len ? CCSP_OK : CCSP_ERR_SHARE_WRONG); /* a split of a secret of another size */
	memcpy(key, secret, len);
out:
	ccsp_memzero(secret, sizeof secret);
	return ret;
}

static int dir_path(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

static ccsp_err production_save(const char *dir, const chsm_share *s)
{
	char path[PATH_MAX], text[256];
	if (dir_path(path, sizeof path, dir, CHSM_PRODUCTION_CONF) != 0)
		return CCSP_ERR_ARG;
	int n = snprintf(text, sizeof text,
	                 "# chsmd production mode: the master key exists only as custodians' shares (docs/operations.md)\n"
	                 "mode = production\nmaster_set = %02x%02x%02x%02x\nthreshold = %u\nshares = %u\n",
	                 s->setid[0], s->setid[1], s->setid[2], s->setid[3], s->m, s->n);
	return ccsp_atomic_write(path, text, (size_t)n, 0600);
}

/* 8 hex digits (public: the set id). */
static int setid_parse(const char *hex, uint8_t out[CHSM_SHARE_SETID_SIZE])
{
	for (size_t i = 0; i < 2 * CHSM_SHARE_SETID_SIZE; i++) {
		char c = hex[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			return -1;
		out[i / 2] = (uint8_t)(i % 2 == 0 ? v << 4 : out[i / 2] | v);
	}
	return 0;
}

ccsp_err chsm_custody_production_load(const char *dir, chsm_production *p, char *err, size_t errlen)
{
	static const char *const keys[] = {"mode", "master_set", "threshold", "shares", NULL};
	char path[PATH_MAX];
	ccsp_config *cfg = NULL;
	uint32_t m = 0, n = 0;
	if (dir == NULL || p == NULL || dir_path(path, sizeof path, dir, CHSM_PRODUCTION_CONF) != 0)
		return CCSP_ERR_ARG;
	ccsp_err ret = ccsp_config_load(path, &cfg, err, errlen);
	if (ret != CCSP_OK)
		return ret;
	const char *mode = ccsp_config_get(cfg, "mode"), *set = ccsp_config_get(cfg, "master_set");
	CCSP_CHECK(ccsp_config_check_keys(cfg, keys, err, errlen));
	CCSP_CHECK(ccsp_config_get_u32(cfg, "threshold", 2, CHSM_SHARE_N_MAX, 0, &m, err, errlen));
	CCSP_CHECK(ccsp_config_get_u32(cfg, "shares", 2, CHSM_SHARE_N_MAX, 0, &n, err, errlen));
	ret = CCSP_ERR_DECODE;
	if (mode == NULL || strcmp(mode, "production") != 0 || set == NULL || strlen(set) != 8 ||
	    setid_parse(set, p->setid) != 0 || m < 2 || m > n) {
		snprintf(err, errlen, "%s: expected mode = production, master_set = 8 hex digits, 2 <= threshold <= shares",
		         CHSM_PRODUCTION_CONF);
		goto out;
	}
	p->m = m;
	p->n = n;
	ret = CCSP_OK;
out:
	ccsp_config_free(cfg);
	return ret;
}

ccsp_err chsm_custody_master_create(const char *dir, unsigned m, unsigned n, chsm_share *shares)
{
	uint8_t master[CHSM_MASTER_KEY_SIZE];
	ccsp_err ret = CCSP_ERR_ARG;
	if (dir == NULL || shares == NULL)
		return ret;
	CCSP_CHECK(ccsp_random(master, sizeof master));
	CCSP_CHECK(chsm_shamir_split(CHSM_SHARE_MASTER, master, sizeof master, m, n, shares));
	ret = chsm_keys_create_with(dir, master);
	if (ret == CCSP_OK)
		ret = production_save(dir, &shares[0]);
	if (ret != CCSP_OK)
		chsm_share_wipe(shares, n);
out:
	ccsp_memzero(master, sizeof master);
	return ret;
}

ccsp_err chsm_custody_master_open(const char *dir, const chsm_share *shares, size_t count, chsm_keys **out)
{
	uint8_t master[CHSM_MASTER_KEY_SIZE];
	ccsp_err ret = CCSP_ERR_ARG;
	if (out != NULL)
		*out = NULL;
	if (dir == NULL || out == NULL)
		return ret;
	CCSP_CHECK(combine_key(CHSM_SHARE_MASTER, shares, count, master, sizeof master));
	ret = chsm_keys_open_with(dir, master, out);
	if (ret == CCSP_ERR_TAMPERED) /* device.key does not authenticate under it */
		ret = CCSP_ERR_SHARE_WRONG;
out:
	ccsp_memzero(master, sizeof master);
	return ret;
}

ccsp_err chsm_custody_domain_id(const chsm_keys *k, uint8_t id[CHSM_DOMAIN_ID_SIZE])
{
	uint8_t key[CHSM_DOMAIN_KEY_SIZE];
	ccsp_err ret = CCSP_ERR_ARG;
	if (k == NULL || id == NULL)
		return ret;
	CCSP_CHECK(chsm_keys_domain_get(k, key));
	CCSP_CHECK(chsm_domain_id(key, id));
out:
	ccsp_memzero(key, sizeof key);
	return ret;
}

ccsp_err chsm_custody_domain_create(const chsm_keys *k, unsigned m, unsigned n, chsm_share *shares,
                                    uint8_t id[CHSM_DOMAIN_ID_SIZE])
{
	uint8_t key[CHSM_DOMAIN_KEY_SIZE];
	ccsp_err ret = CCSP_ERR_ARG;
	int split = 0;
	if (k == NULL || shares == NULL || id == NULL)
		return ret;
	ret = chsm_custody_domain_id(k, id);
	if (ret == CCSP_OK)
		ret = CCSP_ERR_KEY_EXISTS;
	if (ret != CCSP_ERR_KEY_NOT_FOUND)
		goto out;
	CCSP_CHECK(ccsp_random(key, sizeof key));
	CCSP_CHECK(chsm_shamir_split(CHSM_SHARE_DOMAIN, key, sizeof key, m, n, shares));
	split = 1;
	CCSP_CHECK(chsm_domain_id(key, id));
	/* Installed only now: a domain whose shares could not be made never exists. Between the check above and
	 * this, another process may have installed a domain: then KEY_EXISTS and these shares are dropped. */
	CCSP_CHECK(chsm_keys_domain_set(k, key));
out:
	if (ret != CCSP_OK && split)
		chsm_share_wipe(shares, n);
	ccsp_memzero(key, sizeof key);
	return ret;
}

ccsp_err chsm_custody_domain_join(const chsm_keys *k, const chsm_share *shares, size_t count,
                                  const uint8_t *expect, uint8_t id[CHSM_DOMAIN_ID_SIZE])
{
	uint8_t key[CHSM_DOMAIN_KEY_SIZE];
	ccsp_err ret = CCSP_ERR_ARG;
	if (k == NULL || id == NULL)
		return ret;
	CCSP_CHECK(combine_key(CHSM_SHARE_DOMAIN, shares, count, key, sizeof key));
	CCSP_CHECK(chsm_domain_id(key, id));
	CCSP_CHECK(expect == NULL || memcmp(expect, id, CHSM_DOMAIN_ID_SIZE) == 0 ? CCSP_OK : CCSP_ERR_SHARE_WRONG);
	CCSP_CHECK(chsm_keys_domain_set(k, key)); /* KEY_EXISTS: another domain; CCSP_OK: this one, again */
out:
	ccsp_memzero(key, sizeof key);
	return ret;
}

ccsp_err chsm_custody_collect(chsm_share *set, size_t *count, chsm_share_purpose purpose, const char *line,
                              size_t len)
{
	chsm_share s;
	ccsp_err ret = CCSP_ERR_ARG;
	if (set == NULL || count == NULL || *count >= CHSM_SHARE_N_MAX)
		return ret;
	CCSP_CHECK(chsm_share_parse(line, len, &s));
	CCSP_CHECK(s.purpose == purpose ? CCSP_OK : CCSP_ERR_SHARE_MIXED);
	CCSP_CHECK(chsm_shamir_check_join(set, *count, &s));
	set[(*count)++] = s;
out:
	chsm_share_wipe(&s, 1);
	return ret;
}

size_t chsm_custody_needed(const chsm_share *set, size_t count)
{
	if (set == NULL || count == 0)
		return 0;
	return count < set[0].m ? set[0].m - count : 0;
}

const char *chsm_custody_describe(ccsp_err err)
{
	switch (err) {
	case CCSP_ERR_DECODE:
		return "not a share line (ccsp-share-v1-...): check it for typing errors";
	case CCSP_ERR_SHARE_CHECKSUM:
		return "its check digits do not match: a typing error in the share";
	case CCSP_ERR_SHARE_MIXED:
		return "it belongs to another split (another key, or a share of the other kind: master key / trust domain)";
	case CCSP_ERR_SHARE_DUPLICATE:
		return "a share with the same number (x) was given already";
	case CCSP_ERR_SHARE_TOO_FEW:
		return "fewer shares than the threshold";
	case CCSP_ERR_SHARE_WRONG:
		return "the shares do not reassemble the key: one of them is wrong (forged or damaged)";
	default:
		return ccsp_err_str(err);
	}
}
