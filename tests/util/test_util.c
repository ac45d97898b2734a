/* SPDX-License-Identifier: Apache-2.0 */
#include "test_util.h"

#include <ftw.h>
#include <stdio.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t hex2bin(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex);
	if (n % 2 != 0 || n / 2 > cap)
		fail_msg("hex2bin: odd length or too long: %s", hex);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			fail_msg("hex2bin: bad hex: %s", hex);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return n / 2;
}

const char *bin2hex(const uint8_t *p, size_t n)
{
	static char bufs[4][8200];
	static int which;
	char *b = bufs[which++ & 3];
	if (n > 4096)
		n = 4096;
	for (size_t i = 0; i < n; i++)
		snprintf(b + 2 * i, 3, "%02x", p[i]);
	b[2 * n] = 0;
	return b;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

void test_rand_seed(uint64_t seed)
{
	rng_state = seed ? seed : 1;
}

static uint64_t splitmix(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void test_rand(void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n > 0) {
		uint64_t r = splitmix();
		size_t k = n < 8 ? n : 8;
		memcpy(p, &r, k);
		p += k;
		n -= k;
	}
}

size_t test_rand_below(size_t n)
{
	return n == 0 ? 0 : (size_t)(splitmix() % n);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

void test_rm_tree(const char *dir)
{
	(void)nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
