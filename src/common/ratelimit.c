/* SPDX-License-Identifier: Apache-2.0 */
/* Per-client token buckets (ratelimit.h). Tokens are counted in thousandths, so that rate tokens per second is
 * rate thousandths per millisecond: integer arithmetic, no rounding drift. */
#include <stdlib.h>
#include <string.h>

#include <ccsp/rand.h>

#include "common/ratelimit.h"

#define MILLI 1000

typedef struct bucket {
	uint64_t key;    /* salted hash of the client; 0: free */
	int64_t tokens;  /* thousandths of a request */
	int64_t last_ms; /* when tokens was last brought up to date */
} bucket;

struct ccsp_ratelimit {
	int64_t rate, cap; /* thousandths per ms (= requests per second), bucket size in thousandths */
	uint64_t salt;
	bucket b[CCSP_RATELIMIT_SLOTS];
};

ccsp_err ccsp_ratelimit_new(unsigned rate, unsigned burst, ccsp_ratelimit **out)
{
	*out = NULL;
	if (rate < 1 || rate > 1000000 || burst < 1 || burst > 1000000)
		return CCSP_ERR_ARG;
	ccsp_ratelimit *rl = calloc(1, sizeof *rl);
	if (rl == NULL)
		return CCSP_ERR_NOMEM;
	ccsp_err ret = ccsp_random((uint8_t *)&rl->salt, sizeof rl->salt);
	if (ret != CCSP_OK) {
		free(rl);
		return ret;
	}
	rl->rate = rate;
	rl->cap = (int64_t)burst * MILLI;
	*out = rl;
	return CCSP_OK;
}

void ccsp_ratelimit_free(ccsp_ratelimit *rl)
{
	free(rl);
}

/* FNV-1a over the salt and the address; never 0 (the free mark). */
static uint64_t client_key(const ccsp_ratelimit *rl, const char *client)
{
	uint64_t h = 0xcbf29ce484222325u ^ rl->salt;
	for (const unsigned char *p = (const unsigned char *)client; *p != '\0'; p++)
		h = (h ^ *p) * 0x100000001b3u;
	h ^= h >> 29;
	return h != 0 ? h : 1;
}

int ccsp_ratelimit_allow(ccsp_ratelimit *rl, const char *client, int64_t now_ms)
{
	uint64_t key = client_key(rl, client);
	bucket *b = &rl->b[(key >> 7) % CCSP_RATELIMIT_SLOTS];
	if (b->key != key) /* a new client, or one whose slot was taken: a full bucket */
		*b = (bucket){.key = key, .tokens = rl->cap, .last_ms = now_ms};
	if (now_ms > b->last_ms) {
		int64_t t = b->tokens + (now_ms - b->last_ms) * rl->rate;
		b->tokens = t < rl->cap ? t : rl->cap;
		b->last_ms = now_ms;
	}
	if (b->tokens < MILLI)
		return 0;
	b->tokens -= MILLI;
	return 1;
}
