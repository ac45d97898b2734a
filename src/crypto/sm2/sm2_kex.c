/* SPDX-License-Identifier: Apache-2.0 */
/* SM2 key exchange (GB/T 32918.3-2016 clause 6.1), both roles, optional confirmation. The peer may be given
 * after the ephemeral point (GM/T 0018's sponsor sends RA before it knows the responder). */
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sm3.h>

#include "module.h"
#include "sm2_internal.h"

enum { KEX_NEW, KEX_STARTED, KEX_DONE };

struct ccsp_sm2_kex {
	int state;
	int initiator;
	int has_peer;            /* z_peer and peer_xy are set */
	uint64_t t[4];           /* t = (d + x_bar r) mod n (A5 / B4); r itself is not kept */
	uint8_t r_self[64];      /* own ephemeral point x || y */
	uint8_t z_self[32], z_peer[32];
	uint8_t peer_xy[64];     /* peer static public key */
	uint8_t s_peer[32];      /* expected confirmation hash from the peer */
};

ccsp_sm2_kex *ccsp_sm2_kex_new(void)
{
	return ccsp_secure_alloc(sizeof(ccsp_sm2_kex));
}

void ccsp_sm2_kex_free(ccsp_sm2_kex *kex)
{
	ccsp_secure_free(kex);
}

/* x_bar = 2^w + (x & (2^w - 1)), w = ceil(ceil(log2 n) / 2) - 1 = 127 (clause 6.1 A4). */
static void x_bar(uint64_t r[4], const uint8_t x[32])
{
	uint64_t v[4];
	ccsp_sm2_limbs_from_bytes(v, x);
	r[0] = v[0];
	r[1] = (v[1] & 0x7fffffffffffffffULL) | 0x8000000000000000ULL;
	r[2] = 0;
	r[3] = 0;
}

/* Z of the peer and its static key: all the exchange needs of the peer before its ephemeral point. */
static ccsp_err set_peer(ccsp_sm2_kex *kex, const ccsp_sm2_key *peer, const uint8_t *peer_id, size_t peer_idlen)
{
	CCSP_ENSURE(peer->has_public, CCSP_ERR_KEY);
	CCSP_GUARD(ccsp_sm2_compute_z(peer, peer_id, peer_idlen, kex->z_peer));
	memcpy(kex->peer_xy, peer->pub_xy, 64);
	kex->has_peer = 1;
	return CCSP_OK;
}

ccsp_err ccsp_sm2_kex_start_with_r(const ccsp_sm2_impl *impl, ccsp_sm2_kex *kex, int initiator,
                                   const ccsp_sm2_key *self, const uint8_t *self_id, size_t self_idlen,
                                   const ccsp_sm2_key *peer, const uint8_t *peer_id, size_t peer_idlen,
                                   const uint8_t r[32], uint8_t r_self[CCSP_SM2_POINT_SIZE])
{
	ccsp_sm2_apoint rp;
	uint64_t rv[4], xb[4], t[4];
	ccsp_err ret;
	CCSP_ENSURE(kex != NULL && self != NULL && r != NULL && r_self != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(kex->state == KEX_NEW, CCSP_ERR_STATE);
	CCSP_ENSURE(self->has_private && (peer == NULL || peer->has_public), CCSP_ERR_KEY);
	ccsp_sm2_limbs_from_bytes(rv, r);
	uint64_t ok = ~ccsp_sm2_fe_is_zero(rv) & ccsp_sm2_limbs_lt(rv, ccsp_sm2_n);
	ct_declassify(&ok, sizeof ok);
	if (!ok) {
		ret = CCSP_ERR_ARG;
		goto out;
	}
	CCSP_CHECK(ccsp_sm2_compute_z(self, self_id, self_idlen, kex->z_self));
	if (peer != NULL)
		CCSP_CHECK(set_peer(kex, peer, peer_id, peer_idlen));
	impl->mul_base(&rp, rv); /* A2 / B2: R = r G */
	ccsp_sm2_point_encode(impl, kex->r_self, &rp);
	x_bar(xb, kex->r_self);
	ccsp_sm2_sc_to_mont(t, xb);
	ccsp_sm2_sc_mont_mul(t, t, rv);     /* x_bar r */
	ccsp_sm2_sc_add(kex->t, t, self->d); /* d + x_bar r */
	kex->initiator = initiator != 0;
	kex->state = KEX_STARTED;
	r_self[0] = 0x04;
	memcpy(r_self + 1, kex->r_self, 64);
	ret = CCSP_OK;
out:
	ccsp_memzero(&rp, sizeof rp);
	ccsp_memzero(rv, sizeof rv);
	ccsp_memzero(t, sizeof t);
	return ret;
}

ccsp_err ccsp_sm2_kex_start(ccsp_sm2_kex *kex, int initiator, const ccsp_sm2_key *self, const uint8_t *self_id,
                            size_t self_idlen, const ccsp_sm2_key *peer, const uint8_t *peer_id, size_t peer_idlen,
                            uint8_t r_self[CCSP_SM2_POINT_SIZE])
{
	uint64_t rv[4];
	uint8_t r[32];
	ccsp_err ret;
	CCSP_GUARD(ccsp_module_ready());
	CCSP_CHECK(ccsp_sm2_random_scalar(rv));
	ccsp_sm2_limbs_to_bytes(r, rv);
	ret = ccsp_sm2_kex_start_with_r(ccsp_sm2_impl_get(), kex, initiator, self, self_id, self_idlen, peer, peer_id,
	                                peer_idlen, r, r_self);
out:
	ccsp_memzero(rv, sizeof rv);
	ccsp_memzero(r, sizeof r);
	return ret;
}

ccsp_err ccsp_sm2_kex_set_peer(ccsp_sm2_kex *kex, const ccsp_sm2_key *peer, const uint8_t *peer_id, size_t peer_idlen)
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(kex != NULL && peer != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(kex->state == KEX_STARTED && !kex->has_peer, CCSP_ERR_STATE);
	return set_peer(kex, peer, peer_id, peer_idlen);
}

/* Hash(tag || yU || Hash(xU || ZA || ZB || x1 || y1 || x2 || y2)) (clause 6.1 A9, A10, B8, B10) */
static ccsp_err confirm_hash(const ccsp_sm2_kex *kex, uint8_t tag, const uint8_t uxy[64], const uint8_t *r_peer,
                             uint8_t out[32])
{
	const uint8_t *za = kex->initiator ? kex->z_self : kex->z_peer;
	const uint8_t *zb = kex->initiator ? kex->z_peer : kex->z_self;
	const uint8_t *ra = kex->initiator ? kex->r_self : r_peer;
	const uint8_t *rb = kex->initiator ? r_peer : kex->r_self;
	uint8_t inner[32];
	ccsp_sm3_ctx ctx;
	ccsp_err ret;
	CCSP_CHECK(ccsp_sm3_init(&ctx));
	CCSP_CHECK(ccsp_sm3_update(&ctx, uxy, 32));
	CCSP_CHECK(ccsp_sm3_update(&ctx, za, 32));
	CCSP_CHECK(ccsp_sm3_update(&ctx, zb, 32));
	CCSP_CHECK(ccsp_sm3_update(&ctx, ra, 64));
	CCSP_CHECK(ccsp_sm3_update(&ctx, rb, 64));
	CCSP_CHECK(ccsp_sm3_final(&ctx, inner));
	CCSP_CHECK(ccsp_sm3_init(&ctx));
	CCSP_CHECK(ccsp_sm3_update(&ctx, &tag, 1));
	CCSP_CHECK(ccsp_sm3_update(&ctx, uxy + 32, 32));
	CCSP_CHECK(ccsp_sm3_update(&ctx, inner, 32));
	CCSP_CHECK(ccsp_sm3_final(&ctx, out));
out:
	ccsp_memzero(&ctx, sizeof ctx);
	ccsp_memzero(inner, sizeof inner);
	return ret;
}

/* U = [h t](P_peer + [x_bar_peer] R_peer) (A7 / B5); all-ones when U is infinity. */
static uint64_t shared_point(const ccsp_sm2_impl *impl, const ccsp_sm2_kex *kex, const ccsp_sm2_apoint *peer_pub,
                             const ccsp_sm2_apoint *rpeer, const uint8_t rpeer_x[32], ccsp_sm2_apoint *u)
{
	ccsp_sm2_jpoint a, b;
	ccsp_sm2_apoint q;
	uint64_t xb[4];
	x_bar(xb, rpeer_x);
	uint64_t inf = impl->mul_point(&q, xb, rpeer); /* public: x_bar and R_peer */
	memcpy(a.x, q.x, 32);
	memcpy(a.y, q.y, 32);
	ccsp_sm2_fe_select(a.z, inf, a.x /* zero */, ccsp_sm2_fe_one);
	memcpy(b.x, peer_pub->x, 32);
	memcpy(b.y, peer_pub->y, 32);
	memcpy(b.z, ccsp_sm2_fe_one, 32);
	impl->point_add(&a, &a, &b);
	inf = impl->to_affine(&q, &a);
	if (inf) /* public: depends on the peer's points only */
		return inf;
	inf = impl->mul_point(u, kex->t, &q);
	ccsp_memzero(&q, sizeof q);
	return inf;
}

ccsp_err ccsp_sm2_kex_compute_impl(const ccsp_sm2_impl *impl, ccsp_sm2_kex *kex, const uint8_t *r_peer,
                                   size_t r_peer_len, uint8_t *key_out, size_t klen, uint8_t s_self[32])
{
	ccsp_sm2_apoint rpeer, ppeer, u;
	uint8_t rpeer_xy[64], uxy[64], kdf_in[128];
	ccsp_err ret;
	CCSP_ENSURE(kex != NULL && r_peer != NULL && key_out != NULL && klen >= 1, CCSP_ERR_ARG);
	CCSP_ENSURE(kex->state == KEX_STARTED && kex->has_peer, CCSP_ERR_STATE);
	/* A6 / B3: the peer's ephemeral point must be on the curve */
	CCSP_GUARD(ccsp_sm2_point_decode(impl, &rpeer, r_peer, r_peer_len));
	CCSP_GUARD(ccsp_sm2_point_decode(impl, &ppeer, kex->peer_xy, 64));
	ccsp_sm2_point_encode(impl, rpeer_xy, &rpeer);
	uint64_t inf = shared_point(impl, kex, &ppeer, &rpeer, rpeer_xy, &u);
	ct_declassify(&inf, sizeof inf);
	if (inf) {
		ret = CCSP_ERR_KEY_EXCHANGE;
		goto out;
	}
	ccsp_sm2_point_encode(impl, uxy, &u);
	/* A8 / B7: K = KDF(xU || yU || ZA || ZB, klen) */
	memcpy(kdf_in, uxy, 64);
	memcpy(kdf_in + 64, kex->initiator ? kex->z_self : kex->z_peer, 32);
	memcpy(kdf_in + 96, kex->initiator ? kex->z_peer : kex->z_self, 32);
	CCSP_CHECK(ccsp_sm3_kdf(kdf_in, sizeof kdf_in, key_out, klen));
	/* the initiator sends SA (tag 3) and expects SB (tag 2); the responder the other way round */
	CCSP_CHECK(confirm_hash(kex, kex->initiator ? 0x02 : 0x03, uxy, rpeer_xy, kex->s_peer));
	if (s_self != NULL)
		CCSP_CHECK(confirm_hash(kex, kex->initiator ? 0x03 : 0x02, uxy, rpeer_xy, s_self));
	kex->state = KEX_DONE;
out:
	if (ret != CCSP_OK)
		ccsp_memzero(key_out, klen);
	ccsp_memzero(kex->t, sizeof kex->t); /* one computation per ephemeral key */
	ccsp_memzero(&u, sizeof u);
	ccsp_memzero(uxy, sizeof uxy);
	ccsp_memzero(kdf_in, sizeof kdf_in);
	return ret;
}

ccsp_err ccsp_sm2_kex_compute(ccsp_sm2_kex *kex, const uint8_t *r_peer, size_t r_peer_len, uint8_t *key_out,
                              size_t klen, uint8_t s_self[32])
{
	CCSP_GUARD(ccsp_module_ready());
	return ccsp_sm2_kex_compute_impl(ccsp_sm2_impl_get(), kex, r_peer, r_peer_len, key_out, klen, s_self);
}

ccsp_err ccsp_sm2_kex_confirm(const ccsp_sm2_kex *kex, const uint8_t s_peer[32])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(kex != NULL && s_peer != NULL, CCSP_ERR_ARG);
	CCSP_ENSURE(kex->state == KEX_DONE, CCSP_ERR_STATE);
	int match = ct_memeq(kex->s_peer, s_peer, 32);
	ct_declassify(&match, sizeof match); /* the outcome is public, the hashes are not compared byte by byte */
	return match ? CCSP_OK : CCSP_ERR_KEY_EXCHANGE;
}
