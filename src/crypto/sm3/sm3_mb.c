/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Multi-buffer SM3: the lane scheduler shared by the SIMD kernels (sm3_mb_avx2.c, sm3_mb_avx512.c).
 *
 * Each lane hashes one message: first the message's whole blocks, read in place, then its one or
 * two padded final blocks (clause 5.2), built in the lane's own buffer. Every kernel call runs all
 * lanes for as many blocks as the shortest remaining run among the busy lanes; a lane whose
 * message is done writes its digest and takes the next message of the batch, so messages of
 * different lengths keep the lanes busy. Once the batch runs out, idle lanes recompute a busy
 * lane's blocks and their result is dropped. Every decision depends only on the lengths.
 */
#include <string.h>

#include <ccsp/mem.h>

#include "module.h"
#include "sm3_internal.h"
#include "sm3_mb.h"

#define IDLE SIZE_MAX

typedef struct mb_lane {
	const uint8_t *p; /* next block to compress */
	size_t left;      /* blocks left at p */
	size_t tail;      /* padded blocks waiting in the lane's buffer once the run at p is done */
	size_t msg;       /* index of the message in the batch, or IDLE */
} mb_lane;

typedef struct mb_sched {
	uint32_t state[8 * CCSP_SM3_MB_MAX_LANES];
	uint8_t buf[CCSP_SM3_MB_MAX_LANES][2 * CCSP_SM3_BLOCK_SIZE];
	const uint8_t *in[CCSP_SM3_MB_MAX_LANES];
	mb_lane lane[CCSP_SM3_MB_MAX_LANES];
	size_t lanes;
} mb_sched;

/* Clause 5.2 for the final len % 64 bytes: append bit 1, zeros, and the 64-bit bit length; one block, or two
 * when fewer than 9 bytes are left in the first. Returns the number of blocks. */
static size_t pad_tail(uint8_t buf[2 * CCSP_SM3_BLOCK_SIZE], const uint8_t *msg, size_t len)
{
	size_t rem = len % CCSP_SM3_BLOCK_SIZE;
	size_t nb = rem < CCSP_SM3_BLOCK_SIZE - 8 ? 1 : 2;
	uint64_t bits = (uint64_t)len * 8;
	uint8_t *end = buf + nb * CCSP_SM3_BLOCK_SIZE;

	memset(buf, 0, 2 * CCSP_SM3_BLOCK_SIZE);
	if (rem > 0)
		memcpy(buf, msg + (len - rem), rem);
	buf[rem] = 0x80;
	ccsp_sm3_store_be32(end - 8, (uint32_t)(bits >> 32));
	ccsp_sm3_store_be32(end - 4, (uint32_t)bits);
	return nb;
}

static void lane_start(mb_sched *s, size_t l, const uint8_t *msg, size_t len, size_t idx)
{
	mb_lane *ln = &s->lane[l];

	for (size_t i = 0; i < 8; i++)
		s->state[i * s->lanes + l] = ccsp_sm3_iv[i];
	ln->msg = idx;
	ln->p = msg;
	ln->left = len / CCSP_SM3_BLOCK_SIZE;
	ln->tail = pad_tail(s->buf[l], msg, len);
	if (ln->left == 0) {
		ln->p = s->buf[l];
		ln->left = ln->tail;
		ln->tail = 0;
	}
}

static void lane_digest(const mb_sched *s, size_t l, uint8_t out[CCSP_SM3_DIGEST_SIZE])
{
	for (size_t i = 0; i < 8; i++)
		ccsp_sm3_store_be32(out + 4 * i, s->state[i * s->lanes + l]);
}

/* Lane l's run is done: go on to its padded blocks, or output and take the next message. */
static void lane_advance(mb_sched *s, size_t l, const uint8_t *const msgs[], const size_t lens[], size_t n,
                         size_t *next, uint8_t (*out)[CCSP_SM3_DIGEST_SIZE])
{
	mb_lane *ln = &s->lane[l];

	if (ln->tail > 0) {
		ln->p = s->buf[l];
		ln->left = ln->tail;
		ln->tail = 0;
		return;
	}
	lane_digest(s, l, out[ln->msg]);
	ln->msg = IDLE;
	if (*next < n) {
		lane_start(s, l, msgs[*next], lens[*next], *next);
		++*next;
	}
}

/* One kernel call over the shortest run; returns 0 when every lane is idle. */
static int sched_step(mb_sched *s, ccsp_sm3_mb_compress_fn compress)
{
	size_t k = SIZE_MAX, busy = IDLE;

	for (size_t l = 0; l < s->lanes; l++)
		if (s->lane[l].msg != IDLE) {
			k = s->lane[l].left < k ? s->lane[l].left : k;
			busy = l;
		}
	if (busy == IDLE)
		return 0;
	for (size_t l = 0; l < s->lanes; l++)
		s->in[l] = s->lane[s->lane[l].msg != IDLE ? l : busy].p;
	compress(s->state, s->in, k);
	for (size_t l = 0; l < s->lanes; l++)
		if (s->lane[l].msg != IDLE) {
			s->lane[l].p += k * CCSP_SM3_BLOCK_SIZE;
			s->lane[l].left -= k;
		}
	return 1;
}

static void digest_lanes(const ccsp_sm3_mb_impl *impl, const uint8_t *const msgs[], const size_t lens[], size_t n,
                         uint8_t (*out)[CCSP_SM3_DIGEST_SIZE])
{
	mb_sched s;
	size_t next = 0;

	s.lanes = impl->lanes;
	for (size_t l = 0; l < s.lanes; l++) {
		s.lane[l].msg = IDLE;
		if (next < n) {
			lane_start(&s, l, msgs[next], lens[next], next);
			next++;
		}
	}
	while (sched_step(&s, impl->compress))
		for (size_t l = 0; l < s.lanes; l++)
			if (s.lane[l].msg != IDLE && s.lane[l].left == 0)
				lane_advance(&s, l, msgs, lens, n, &next, out);
	/* The buffers hold message tails and the states chaining values: either may be secret (HMAC keys). */
	ccsp_memzero(&s, sizeof s);
}

static void digest_serial(const uint8_t *const msgs[], const size_t lens[], size_t n,
                          uint8_t (*out)[CCSP_SM3_DIGEST_SIZE])
{
	ccsp_sm3_ctx ctx;

	for (size_t i = 0; i < n; i++) {
		ccsp_sm3_ctx_init(&ctx);
		ccsp_sm3_ctx_update(&ctx, msgs[i], lens[i]);
		ccsp_sm3_ctx_final(&ctx, out[i]); /* wipes ctx */
	}
}

ccsp_err ccsp_sm3_digest_many_impl(const ccsp_sm3_mb_impl *impl, const uint8_t *const msgs[], const size_t lens[],
                                   size_t n, uint8_t (*out)[CCSP_SM3_DIGEST_SIZE])
{
	CCSP_GUARD(ccsp_module_ready());
	CCSP_ENSURE(impl != NULL && impl->lanes >= 1 && impl->lanes <= CCSP_SM3_MB_MAX_LANES, CCSP_ERR_ARG);
	CCSP_ENSURE(impl->compress != NULL || impl->lanes == 1, CCSP_ERR_ARG);
	if (n == 0)
		return CCSP_OK;
	CCSP_ENSURE(msgs != NULL && lens != NULL && out != NULL, CCSP_ERR_ARG);
	for (size_t i = 0; i < n; i++) {
		CCSP_ENSURE(msgs[i] != NULL || lens[i] == 0, CCSP_ERR_ARG);
		CCSP_ENSURE(lens[i] <= CCSP_SM3_MAX_BYTES, CCSP_ERR_DATA_LENGTH);
	}
	if (impl->compress == NULL)
		digest_serial(msgs, lens, n, out);
	else
		digest_lanes(impl, msgs, lens, n, out);
	return CCSP_OK;
}

/*
 * A kernel block costs all its lanes whether busy or not: about six single-stream blocks for avx512-2x16 (32
 * lanes, 200-byte messages: serial faster at 4 messages, slower at 8; ccsp-bench's machine, issue 11). So a batch
 * that fills less than a sixth of the lanes goes message by message.
 */
#define MB_MIN_FILL 6

ccsp_err ccsp_sm3_digest_many(const uint8_t *const msgs[], const size_t lens[], size_t n,
                              uint8_t (*out)[CCSP_SM3_DIGEST_SIZE])
{
	const ccsp_sm3_mb_impl *impl = ccsp_sm3_mb_impl_best();

	if (n * MB_MIN_FILL <= impl->lanes)
		impl = &ccsp_sm3_mb_impl_serial;
	return ccsp_sm3_digest_many_impl(impl, msgs, lens, n, out);
}

const ccsp_sm3_mb_impl ccsp_sm3_mb_impl_serial = {"serial", 1, NULL};
