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
 * Each allocation is its own mapping: a header page-fraction holding the mapping size, then the
 * user area. mmap gives page alignment, which MADV_DONTDUMP and mlock need. Small key objects
 * therefore cost a page each; a pooled secure heap can replace this without changing the API.
 */
struct secure_hdr {
	size_t map_len;
	size_t user_len;
	int locked;
	uint64_t pad_; /* keeps the user area 16-byte aligned */
};

void *ccsp_secure_alloc(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t need = sizeof(struct secure_hdr) + len;
	if (len == 0 || need < len)
		return NULL;
	size_t map_len = (need + page - 1) / page * page;
	void *m = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	(void)madvise(m, map_len, MADV_DONTDUMP);
	struct secure_hdr *h = m;
	h->map_len = map_len;
	h->user_len = len;
	h->locked = mlock(m, map_len) == 0; /* best effort: RLIMIT_MEMLOCK may refuse */
	return h + 1;
}

void ccsp_secure_free(void *p)
{
	if (p == NULL)
		return;
	struct secure_hdr *h = (struct secure_hdr *)p - 1;
	size_t map_len = h->map_len;
	ccsp_memzero(p, h->user_len);
	if (h->locked)
		(void)munlock(h, map_len);
	(void)munmap(h, map_len);
}
