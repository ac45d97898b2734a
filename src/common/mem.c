/* SPDX-License-Identifier: Apache-2.0 */
#include <ccsp/mem.h>

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void ccsp_memzero(void *p, size_t len)
{
	if (len != 0)
		explicit_bzero(p, len);
}

/*
 * Secure memory comes in two shapes, both locked (mlock, best effort) and excluded from core dumps:
 * - small allocations (at most SLOT_MAX - header bytes) take a slot of a size class from a pooled heap: 64 KiB
 *   chunks mapped on demand and never unmapped, carved into equal slots kept on a free list per class. A freed slot
 *   is wiped whole before it goes back on the list, so every free slot is zero but for its list link (cleared again
 *   when it is handed out): allocations come back zeroed, as mmap's did.
 * - larger ones are a mapping of their own, unmapped (after the wipe) when freed.
 * The pool exists because a mapping per small key object costs an mmap, mlock, munlock and munmap each time, and
 * the unmapping a TLB shootdown across every CPU the process runs on: measured at a quarter of vsmd's and an
 * eighth of ccspd's time under the KMS sign load before it (make bench, perf). Every allocation starts with a
 * header; the user area is 16-byte aligned.
 */
#include <pthread.h>

#define CHUNK_SIZE (64u * 1024)

struct secure_hdr {
	size_t map_len;  /* a mapping of its own: its length; a pool slot: 0 */
	size_t user_len; /* asked for */
	int locked;      /* the mapping (or the slot's chunk) is mlocked */
	int cls;         /* a pool slot: its class */
	struct secure_hdr *next; /* a free slot: the next free one */
};
_Static_assert(sizeof(struct secure_hdr) % 16 == 0, "the user area stays 16-byte aligned");

static const size_t slot_size[] = {256, 1024, 4096};
#define N_CLASSES (sizeof slot_size / sizeof slot_size[0])
#define SLOT_MAX 4096

static struct {
	pthread_mutex_t mu;
	struct secure_hdr *free;
} pool[N_CLASSES] = {{PTHREAD_MUTEX_INITIALIZER, NULL}, {PTHREAD_MUTEX_INITIALIZER, NULL},
                     {PTHREAD_MUTEX_INITIALIZER, NULL}};

/* A locked, non-dumpable mapping of len bytes (zeroed); *locked says whether mlock took. */
static void *map_secure(size_t len, int *locked)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	(void)madvise(m, len, MADV_DONTDUMP);
	*locked = mlock(m, len) == 0; /* best effort: RLIMIT_MEMLOCK may refuse */
	return m;
}

/* Carve a new chunk into slots of class c onto its free list (called with the class's lock held). */
static int refill(int c)
{
	int locked = 0;
	uint8_t *m = map_secure(CHUNK_SIZE, &locked);
	if (m == NULL)
		return -1;
	for (size_t off = 0; off + slot_size[c] <= CHUNK_SIZE; off += slot_size[c]) {
		struct secure_hdr *h = (struct secure_hdr *)(m + off);
		h->locked = locked;
		h->cls = c;
		h->next = pool[c].free;
		pool[c].free = h;
	}
	return 0;
}

static void *slot_alloc(int c, size_t len)
{
	pthread_mutex_lock(&pool[c].mu);
	struct secure_hdr *h = pool[c].free;
	if (h == NULL && refill(c) == 0)
		h = pool[c].free;
	if (h != NULL)
		pool[c].free = h->next;
	pthread_mutex_unlock(&pool[c].mu);
	if (h == NULL)
		return NULL;
	h->next = NULL;
	h->map_len = 0;
	h->user_len = len;
	return h + 1;
}

void *ccsp_secure_alloc(size_t len)
{
	size_t need = sizeof(struct secure_hdr) + len;
	if (len == 0 || need < len)
		return NULL;
	for (size_t c = 0; c < N_CLASSES; c++)
		if (need <= slot_size[c])
			return slot_alloc((int)c, len);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t map_len = (need + page - 1) / page * page;
	if (map_len < need)
		return NULL;
	int locked = 0;
	struct secure_hdr *h = map_secure(map_len, &locked);
	if (h == NULL)
		return NULL;
	h->map_len = map_len;
	h->user_len = len;
	h->locked = locked;
	return h + 1;
}

void ccsp_secure_free(void *p)
{
	if (p == NULL)
		return;
	struct secure_hdr *h = (struct secure_hdr *)p - 1;
	if (h->map_len == 0) { /* a pool slot: wiped whole, back on its list */
		int c = h->cls;
		ccsp_memzero(p, slot_size[c] - sizeof *h);
		h->user_len = 0;
		pthread_mutex_lock(&pool[c].mu);
		h->next = pool[c].free;
		pool[c].free = h;
		pthread_mutex_unlock(&pool[c].mu);
		return;
	}
	size_t map_len = h->map_len;
	ccsp_memzero(p, h->user_len);
	if (h->locked)
		(void)munlock(h, map_len);
	(void)munmap(h, map_len);
}
