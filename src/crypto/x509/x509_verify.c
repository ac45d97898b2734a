/* SPDX-License-Identifier: Apache-2.0 */
/* Certification path validation (RFC 5280 clause 6, the subset this profile needs). */
#include "x509_internal.h"

#include <string.h>

#include "module.h"

static const char *const status_text[] = {
	[CCSP_X509_VALID] = "ok",
	[CCSP_X509_UNTRUSTED] = "unable to find a trusted issuer certificate",
	[CCSP_X509_BAD_SIGNATURE] = "certificate signature does not verify",
	[CCSP_X509_EXPIRED] = "certificate has expired",
	[CCSP_X509_NOT_YET_VALID] = "certificate is not yet valid",
	[CCSP_X509_ISSUER_NOT_CA] = "issuer is not a CA (no basicConstraints cA)",
	[CCSP_X509_ISSUER_NO_CERT_SIGN] = "issuer key usage does not allow certificate signing",
	[CCSP_X509_PATHLEN] = "path length constraint exceeded",
	[CCSP_X509_WRONG_USAGE] = "certificate key usage does not allow this purpose",
	[CCSP_X509_TOO_LONG] = "certificate chain too long",
};

const char *ccsp_x509_status_str(ccsp_x509_status status)
{
	if ((unsigned)status >= sizeof status_text / sizeof status_text[0])
		return "unknown certificate status";
	return status_text[status];
}

static int same_name(const ccsp_x509_span *a, const ccsp_x509_span *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

static int same_cert(const ccsp_x509_cert *a, const ccsp_x509_cert *b)
{
	return a->der.len == b->der.len && memcmp(a->der.p, b->der.p, a->der.len) == 0;
}

static ccsp_x509_status check_time(const ccsp_x509_cert *c, int64_t now)
{
	if (now < c->not_before)
		return CCSP_X509_NOT_YET_VALID;
	if (now > c->not_after)
		return CCSP_X509_EXPIRED;
	return CCSP_X509_VALID;
}

static ccsp_x509_status check_usage(const ccsp_x509_cert *leaf, ccsp_x509_purpose purpose)
{
	const unsigned enc = CCSP_X509_KU_KEY_ENCIPHERMENT | CCSP_X509_KU_DATA_ENCIPHERMENT | CCSP_X509_KU_KEY_AGREEMENT;
	if (!leaf->has_key_usage || purpose == CCSP_X509_PURPOSE_ANY)
		return CCSP_X509_VALID;
	if (purpose == CCSP_X509_PURPOSE_SIGN && !(leaf->key_usage & CCSP_X509_KU_DIGITAL_SIGNATURE))
		return CCSP_X509_WRONG_USAGE;
	if (purpose == CCSP_X509_PURPOSE_ENC && !(leaf->key_usage & enc))
		return CCSP_X509_WRONG_USAGE;
	return CCSP_X509_VALID;
}

/* An issuer at depth d (the leaf is 0) with d - 1 non-self-issued CA certificates below it. */
static ccsp_x509_status check_issuer(const ccsp_x509_cert *ca, size_t below, int64_t now)
{
	if (ca->version == 3 && (!ca->has_basic_constraints || !ca->is_ca))
		return CCSP_X509_ISSUER_NOT_CA;
	if (ca->has_key_usage && !(ca->key_usage & CCSP_X509_KU_KEY_CERT_SIGN))
		return CCSP_X509_ISSUER_NO_CERT_SIGN;
	if (ca->pathlen >= 0 && below > (size_t)ca->pathlen)
		return CCSP_X509_PATHLEN;
	return check_time(ca, now);
}

typedef struct search {
	const ccsp_x509_cert *found;
	int anchor;
	int bad_signature; /* a candidate with the right name did not verify */
} search;

/* Look for cur's issuer in list: the name must match and the signature verify. */
static ccsp_err find_in(const ccsp_x509_cert *cur, const ccsp_x509_cert *list, size_t n, int anchor,
                        const ccsp_x509_verify_params *p, search *s)
{
	for (size_t i = 0; i < n && s->found == NULL; i++) {
		if (!same_name(&list[i].subject, &cur->issuer) || same_cert(&list[i], cur))
			continue;
		ccsp_err e = ccsp_x509_verify_sig(list[i].pub, p->id, p->idlen, &cur->tbs, cur->sig);
		if (e == CCSP_OK) {
			s->found = &list[i];
			s->anchor = anchor;
		} else if (e == CCSP_ERR_SIGNATURE) {
			s->bad_signature = 1;
		} else {
			return e;
		}
	}
	return CCSP_OK;
}

static int in_list(const ccsp_x509_cert *c, const ccsp_x509_cert *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (same_cert(c, &list[i]))
			return 1;
	return 0;
}

/* Walk from the leaf to an anchor; *st and *at describe the first refusal. */
static ccsp_err walk(const ccsp_x509_cert *leaf, const ccsp_x509_cert *chain, size_t nchain,
                     const ccsp_x509_cert *trust, size_t ntrust, const ccsp_x509_verify_params *p,
                     ccsp_x509_status *st, size_t *at)
{
	const ccsp_x509_cert *cur = leaf;
	size_t below = 0; /* non-self-issued intermediates below the next issuer */
	*at = 0;
	if ((*st = check_time(leaf, p->time)) != CCSP_X509_VALID || (*st = check_usage(leaf, p->purpose)) != CCSP_X509_VALID)
		return CCSP_OK;
	if (in_list(leaf, trust, ntrust))
		return CCSP_OK; /* the leaf is itself trusted */
	for (size_t depth = 1;; depth++) {
		search s = {.found = NULL, .anchor = 0, .bad_signature = 0};
		*at = depth - 1;
		if (depth >= CCSP_X509_DEPTH_MAX) {
			*st = CCSP_X509_TOO_LONG;
			return CCSP_OK;
		}
		CCSP_GUARD(find_in(cur, trust, ntrust, 1, p, &s));
		if (s.found == NULL)
			CCSP_GUARD(find_in(cur, chain, nchain, 0, p, &s));
		if (s.found == NULL) {
			*st = s.bad_signature ? CCSP_X509_BAD_SIGNATURE : CCSP_X509_UNTRUSTED;
			return CCSP_OK;
		}
		*at = depth;
		if ((*st = check_issuer(s.found, below, p->time)) != CCSP_X509_VALID || s.anchor)
			return CCSP_OK;
		if (!same_name(&s.found->subject, &s.found->issuer))
			below++; /* RFC 5280 clause 6.1.4 (l): self-issued certificates do not count */
		cur = s.found;
	}
}

ccsp_err ccsp_x509_verify(const ccsp_x509_cert *leaf, const ccsp_x509_cert *chain, size_t nchain,
                          const ccsp_x509_cert *trust, size_t ntrust, const ccsp_x509_verify_params *params,
                          ccsp_x509_status *status, size_t *depth)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(leaf != NULL && params != NULL && (chain != NULL || nchain == 0) && (trust != NULL || ntrust == 0),
	            CCSP_ERR_ARG);
	CCSP_ENSURE(params->purpose >= CCSP_X509_PURPOSE_ANY && params->purpose <= CCSP_X509_PURPOSE_ENC, CCSP_ERR_ARG);
	ccsp_x509_status st = CCSP_X509_UNTRUSTED;
	size_t at = 0;
	CCSP_GUARD(walk(leaf, chain, nchain, trust, ntrust, params, &st, &at));
	if (status != NULL)
		*status = st;
	if (depth != NULL)
		*depth = at;
	return st == CCSP_X509_VALID ? CCSP_OK : CCSP_ERR_AUTH;
}
