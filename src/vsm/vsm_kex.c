/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SM2 key agreement (GM/T 0018 6.3.12-6.3.14 over GB/T 32918.3 clause 6) and the digital-envelope exchange
 * (GM/T 0018-2012). The sponsor's exchange lives in its session between its two calls: a ccsp_sm2_kex holding
 * the ephemeral state (t = d + x_bar r, secure memory), started before the responder is known and given the
 * responder with ccsp_sm2_kex_set_peer. A session keeps at most CCSP_VSM_AGREEMENTS of them; a new one beyond
 * replaces the oldest (GM/T 0018 has no call that abandons an agreement, so an application that drops one must
 * not fill its session for good). Every state is wiped when used, replaced, or its session closes.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/rand.h>

#include "vsm/vsm_internal.h"

#define CT_OVERHEAD 96 /* x1, y1, C3 */
/* In an agreement handle's low word, beside slot + 1: no session-key slot (at most 65535) looks like it. */
#define AGREEMENT_TAG 0x40000000u

typedef struct vsm_agreement {
	uint64_t handle; /* 0 = free */
	uint64_t seq;    /* creation order: the smallest is replaced when the table is full */
	uint32_t bits;
	ccsp_sm2_kex *kex;
} vsm_agreement;

struct vsm_agreements {
	uint64_t next_seq;
	vsm_agreement slot[CCSP_VSM_AGREEMENTS];
};

static void agreement_clear(vsm_agreement *a)
{
	ccsp_sm2_kex_free(a->kex); /* wipes */
	memset(a, 0, sizeof *a);
}

void vsm_session_end_agreements(ccsp_vsm_session *s)
{
	if (s->agreements == NULL)
		return;
	for (size_t i = 0; i < CCSP_VSM_AGREEMENTS; i++)
		agreement_clear(&s->agreements->slot[i]);
	free(s->agreements);
	s->agreements = NULL;
}

/* Keep kex (ownership passes on success) and return its new handle. */
static ccsp_err agreement_store(ccsp_vsm_session *s, ccsp_sm2_kex *kex, uint32_t bits, uint64_t *handle)
{
	uint32_t r;
	if (s->agreements == NULL && (s->agreements = calloc(1, sizeof *s->agreements)) == NULL)
		return CCSP_ERR_NOMEM;
	ccsp_err ret = ccsp_random(&r, sizeof r);
	if (ret != CCSP_OK)
		return ret;
	struct vsm_agreements *t = s->agreements;
	size_t pick = 0;
	for (size_t i = 0; i < CCSP_VSM_AGREEMENTS; i++) {
		if (t->slot[i].handle == 0) {
			pick = i;
			break;
		}
		if (t->slot[i].seq < t->slot[pick].seq)
			pick = i;
	}
	vsm_agreement *a = &t->slot[pick];
	agreement_clear(a); /* a free slot, or the oldest agreement */
	a->handle = ((uint64_t)(r | 1) << 32) | AGREEMENT_TAG | (uint32_t)(pick + 1);
	a->seq = t->next_seq++;
	a->bits = bits;
	a->kex = kex;
	*handle = a->handle;
	return CCSP_OK;
}

static vsm_agreement *agreement_find(ccsp_vsm_session *s, uint64_t handle)
{
	uint32_t low = (uint32_t)handle;
	if (s->agreements == NULL || (low & AGREEMENT_TAG) == 0)
		return NULL;
	uint32_t slot = (low & ~AGREEMENT_TAG) - 1;
	if (slot >= CCSP_VSM_AGREEMENTS)
		return NULL;
	vsm_agreement *a = &s->agreements->slot[slot];
	return a->handle == handle ? a : NULL;
}

static ccsp_err check_id(const uint8_t *id, size_t idlen)
{
	return id != NULL && idlen >= 1 && idlen <= CCSP_SM2_MAX_ID_LEN ? CCSP_OK : CCSP_ERR_ARG;
}

static ccsp_err check_bits(uint32_t bits)
{
	return bits == 128 || bits == 256 ? CCSP_OK : CCSP_ERR_KEY_LENGTH;
}

static ccsp_err public_key(const uint8_t xy[64], ccsp_sm2_key **out)
{
	ccsp_sm2_key *k = ccsp_sm2_key_new();
	if (k == NULL)
		return CCSP_ERR_NOMEM;
	ccsp_err ret = ccsp_sm2_key_set_public(k, xy, 64);
	if (ret != CCSP_OK) {
		ccsp_sm2_key_free(k);
		return ret;
	}
	*out = k;
	return CCSP_OK;
}

/* ---- starting an exchange with the encryption pair of an index ---- */

typedef struct start_job {
	ccsp_sm2_kex *kex;
	int initiator;
	const uint8_t *id, *peer_id;
	size_t idlen, peer_idlen;
	const ccsp_sm2_key *peer; /* NULL for the sponsor: given later */
	uint8_t r[CCSP_SM2_POINT_SIZE];
} start_job;

static ccsp_err job_start(const ccsp_sm2_key *key, void *arg)
{
	start_job *j = arg;
	return ccsp_sm2_kex_start(j->kex, j->initiator, key, j->id, j->idlen, j->peer, j->peer_id, j->peer_idlen, j->r);
}

/* j->kex started with the pair of index (the caller checked the right); pub and tmp_pub: x||y. */
static ccsp_err start_with_index(ccsp_vsm_session *s, uint32_t index, start_job *j, uint8_t pub[64],
                                 uint8_t tmp_pub[64])
{
	ccsp_err ret = ccsp_vsm_export_public(s, CCSP_VSM_KEY_ENC, index, pub);
	if (ret == CCSP_OK)
		ret = ccsp_vsm_keystore_with_sm2(s->vsm->ks, CCSP_VSM_KEY_ENC, index, job_start, j);
	if (ret == CCSP_OK)
		memcpy(tmp_pub, j->r + 1, 64);
	return ret;
}

/* The agreed key from the peer's ephemeral point, stored as a session key. */
static ccsp_err finish(ccsp_vsm_session *s, ccsp_sm2_kex *kex, const uint8_t peer_tmp[64], uint32_t bits,
                       uint64_t *handle)
{
	uint8_t point[CCSP_SM2_POINT_SIZE], key[CCSP_VSM_SESSION_KEY_MAX];
	point[0] = 0x04;
	memcpy(point + 1, peer_tmp, 64);
	ccsp_err ret = ccsp_sm2_kex_compute(kex, point, sizeof point, key, bits / 8, NULL);
	if (ret == CCSP_OK)
		ret = vsm_session_add_key(s, key, bits / 8, handle);
	ccsp_memzero(key, sizeof key);
	return ret;
}

ccsp_err ccsp_vsm_agreement_data(ccsp_vsm_session *s, uint32_t index, uint32_t bits, const uint8_t *id, size_t idlen,
                                 uint8_t pub[64], uint8_t tmp_pub[64], uint64_t *agreement)
{
	start_job j = {.initiator = 1, .id = id, .idlen = idlen};
	ccsp_err ret = vsm_require_right(s, index);
	if (ret == CCSP_OK)
		ret = check_bits(bits);
	if (ret == CCSP_OK)
		ret = check_id(id, idlen);
	if (ret == CCSP_OK && (j.kex = ccsp_sm2_kex_new()) == NULL)
		ret = CCSP_ERR_NOMEM;
	if (ret == CCSP_OK)
		ret = start_with_index(s, index, &j, pub, tmp_pub);
	if (ret == CCSP_OK)
		ret = agreement_store(s, j.kex, bits, agreement);
	if (ret != CCSP_OK)
		ccsp_sm2_kex_free(j.kex);
	return ret;
}

ccsp_err ccsp_vsm_agreement_key(ccsp_vsm_session *s, const uint8_t *resp_id, size_t resp_idlen,
                                const uint8_t resp_pub[64], const uint8_t resp_tmp_pub[64], uint64_t agreement,
                                uint64_t *handle)
{
	ccsp_sm2_key *peer = NULL;
	ccsp_err ret = vsm_ready(s->vsm);
	if (ret == CCSP_OK)
		ret = check_id(resp_id, resp_idlen);
	if (ret != CCSP_OK)
		return ret;
	vsm_agreement *a = agreement_find(s, agreement);
	if (a == NULL)
		return CCSP_ERR_KEY_NOT_FOUND;
	ccsp_sm2_kex *kex = a->kex;
	uint32_t bits = a->bits;
	a->kex = NULL;
	agreement_clear(a); /* consumed: an ephemeral key serves one exchange */
	ret = public_key(resp_pub, &peer);
	if (ret == CCSP_OK)
		ret = ccsp_sm2_kex_set_peer(kex, peer, resp_id, resp_idlen);
	if (ret == CCSP_OK)
		ret = finish(s, kex, resp_tmp_pub, bits, handle);
	ccsp_sm2_kex_free(kex);
	ccsp_sm2_key_free(peer);
	return ret;
}

ccsp_err ccsp_vsm_agreement_data_and_key(ccsp_vsm_session *s, uint32_t index, uint32_t bits, const uint8_t *resp_id,
                                         size_t resp_idlen, const uint8_t *sponsor_id, size_t sponsor_idlen,
                                         const uint8_t sponsor_pub[64], const uint8_t sponsor_tmp_pub[64],
                                         uint8_t pub[64], uint8_t tmp_pub[64], uint64_t *handle)
{
	ccsp_sm2_key *peer = NULL;
	start_job j = {.initiator = 0, .id = resp_id, .idlen = resp_idlen, .peer_id = sponsor_id,
	               .peer_idlen = sponsor_idlen};
	ccsp_err ret = vsm_require_right(s, index);
	if (ret == CCSP_OK)
		ret = check_bits(bits);
	if (ret == CCSP_OK)
		ret = check_id(resp_id, resp_idlen);
	if (ret == CCSP_OK)
		ret = check_id(sponsor_id, sponsor_idlen);
	if (ret == CCSP_OK)
		ret = public_key(sponsor_pub, &peer);
	if (ret == CCSP_OK && (j.kex = ccsp_sm2_kex_new()) == NULL)
		ret = CCSP_ERR_NOMEM;
	if (ret == CCSP_OK) {
		j.peer = peer;
		ret = start_with_index(s, index, &j, pub, tmp_pub);
	}
	if (ret == CCSP_OK)
		ret = finish(s, j.kex, sponsor_tmp_pub, bits, handle);
	ccsp_sm2_kex_free(j.kex);
	ccsp_sm2_key_free(peer);
	return ret;
}

/* ---- digital envelope ---- */

ccsp_err ccsp_vsm_exchange_envelope(ccsp_vsm_session *s, uint32_t index, const uint8_t pub[64], const uint8_t *ct,
                                    size_t ctlen, uint8_t *out)
{
	ccsp_err ret = vsm_require_right(s, index);
	if (ret != CCSP_OK)
		return ret;
	if (ct == NULL || ctlen <= CT_OVERHEAD || ctlen - CT_OVERHEAD > CCSP_VSM_SM2_PLAIN_MAX)
		return CCSP_ERR_DATA_LENGTH;
	size_t len = ctlen - CT_OVERHEAD;
	uint8_t *plain = ccsp_secure_alloc(len);
	if (plain == NULL)
		return CCSP_ERR_NOMEM;
	ret = ccsp_vsm_internal_decrypt(s, index, ct, ctlen, plain);
	if (ret == CCSP_OK)
		ret = ccsp_vsm_external_encrypt(s, pub, plain, len, out);
	ccsp_secure_free(plain); /* wipes */
	return ret;
}
