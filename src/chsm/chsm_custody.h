/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CHSM keys held by custodians as m-of-n shares (chsm_shamir.h): the production-mode master key, which exists
 * only as shares (made by chsmd --init --production, reassembled at every start), and the trust-domain key (made
 * on one CHSM by "ccsp chsm domain init", installed on the others from its shares by "ccsp chsm domain join").
 * Every reassembled key is verified against what the CHSM already has before it is used or installed: the master
 * key must open device.key, the domain key must match its shares' set id. Nothing here prints or logs.
 * Thread-safe as chsm_keys is (the domain functions write DIR/domain.key atomically).
 */
#ifndef CCSP_CHSM_CUSTODY_H
#define CCSP_CHSM_CUSTODY_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#include "chsm/chsm_keys.h"
#include "chsm/chsm_shamir.h"

/*
 * A production-mode CHSM directory has no master.key and a DIR/production.conf (0600, the config loader's
 * "key = value" form) naming the split of its master key, so that chsmd can tell a share of this CHSM's key from
 * any other before combining:
 *   mode = production
 *   master_set = <8 hex: the shares' set id>
 *   threshold = <m>
 *   shares = <n>
 * The set id is public by design (chsm_shamir.h says what it reveals); nothing else about the key is stored.
 *
 * chsmd serves production-mode commands on DIR/admin.sock (unix stream, 0600, root or chsmd's user only): one
 * request line per connection (at most CHSM_ADMIN_LINE_MAX bytes with its LF), answered with lines of which the
 * last is "ok[ TEXT]" or "err <CCSP_ERR_NAME> <message>", then the connection is closed:
 *   status                       ok sealed <entered> <m> <n>   |  ok unsealed
 *   unseal <share line>          ok need <k>  (0: unsealed now)
 *   unseal-reset                 ok need <m>  (the shares entered so far are forgotten)
 *   domain-show                  ok <domain id hex>  |  ok none
 *   domain-init <m> <n>          share <line>  (n lines), then ok <domain id hex>
 *   domain-join [id=<hex>] <line> ...   ok <domain id hex>  (id=: the domain id expected, checked first)
 */
#define CHSM_PRODUCTION_CONF "production.conf"
#define CHSM_ADMIN_SOCKET "admin.sock"
#define CHSM_ADMIN_LINE_MAX 4096

typedef struct chsm_production {
	uint8_t setid[CHSM_SHARE_SETID_SIZE];
	unsigned m, n;
} chsm_production;

/* Production mode: a random master key, DIR/device.key sealed under it (chsm_keys_create_with; no master.key
 * file), DIR/production.conf, and the key's n shares with threshold m in shares[0..n-1] (the caller hands them
 * out and wipes them). The master key itself is wiped before returning. CCSP_ERR_KEY_EXISTS when DIR has keys
 * already, CCSP_ERR_ARG on bad m, n. */
CCSP_MUST_CHECK ccsp_err chsm_custody_master_create(const char *dir, unsigned m, unsigned n, chsm_share *shares);

/* Read DIR/production.conf. CCSP_ERR_FILE_NOT_FOUND when absent (a dev-mode or no CHSM); CCSP_ERR_DECODE with a
 * one-line reason in err when it is malformed. */
CCSP_MUST_CHECK ccsp_err chsm_custody_production_load(const char *dir, chsm_production *p, char *err, size_t errlen);

/* Reassemble the master key from count master-key shares and open DIR's keys with it (chsm_keys_open_with).
 * Errors of chsm_shamir_combine; CCSP_ERR_SHARE_MIXED also for shares of another purpose; CCSP_ERR_SHARE_WRONG
 * also when the key does not open device.key (the shares are of another CHSM's key, or one is forged). */
CCSP_MUST_CHECK ccsp_err chsm_custody_master_open(const char *dir, const chsm_share *shares, size_t count,
                                                  chsm_keys **out);

/* A new trust domain: a random domain key installed on k (chsm_keys_domain_set) and split m of n into
 * shares[0..n-1]; its id in id. CCSP_ERR_KEY_EXISTS when k belongs to a domain already: nothing changes, id is
 * that domain's. */
CCSP_MUST_CHECK ccsp_err chsm_custody_domain_create(const chsm_keys *k, unsigned m, unsigned n, chsm_share *shares,
                                                    uint8_t id[CHSM_DOMAIN_ID_SIZE]);

/* Join the domain of count domain-key shares: combine, verify, install on k; its id in id (also on
 * CCSP_ERR_KEY_EXISTS: k belongs to another domain, nothing changes). Joining the domain k is in already is
 * CCSP_OK. Errors of chsm_shamir_combine; CCSP_ERR_SHARE_MIXED also for shares of another purpose;
 * CCSP_ERR_SHARE_WRONG also when expect (the id the operator read on a CHSM of the domain; NULL: not checked)
 * is not the reassembled key's id — checked before anything is installed. */
CCSP_MUST_CHECK ccsp_err chsm_custody_domain_join(const chsm_keys *k, const chsm_share *shares, size_t count,
                                                  const uint8_t *expect, uint8_t id[CHSM_DOMAIN_ID_SIZE]);

/* Parse line (len bytes, untrusted) as the next share of a set being collected for purpose (set[0..*count-1],
 * room for CHSM_SHARE_N_MAX) and append it. CCSP_ERR_DECODE / CCSP_ERR_SHARE_CHECKSUM (chsm_share_parse),
 * CCSP_ERR_SHARE_MIXED (a share of the other purpose, or of another split than those before it),
 * CCSP_ERR_SHARE_DUPLICATE; then nothing is appended. */
CCSP_MUST_CHECK ccsp_err chsm_custody_collect(chsm_share *set, size_t *count, chsm_share_purpose purpose,
                                              const char *line, size_t len);
/* How many more shares the set needs: 0 when it has its threshold, and when it is empty (the threshold is known
 * from the first share on). */
size_t chsm_custody_needed(const chsm_share *set, size_t count);

/* What an error of the functions above means for the person who typed the shares, in one sentence (for the
 * share errors; ccsp_err_str for the others). Never NULL. */
const char *chsm_custody_describe(ccsp_err err);

/* The id of k's domain; CCSP_ERR_KEY_NOT_FOUND when it has none. */
CCSP_MUST_CHECK ccsp_err chsm_custody_domain_id(const chsm_keys *k, uint8_t id[CHSM_DOMAIN_ID_SIZE]);

#endif
