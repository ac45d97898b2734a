/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Software integrity test (GB/T 37092 7.10.2): HMAC-SM3 over the file that holds this code — the
 * shared library, or the executable it is statically linked into — compared with the value the
 * build recorded in "<file>.hmac" (scripts/integrity-hmac.sh). A missing or different value puts the
 * module into the error state before any known-answer test runs.
 */
#include <ccsp/mem.h>
#include <ccsp/sm3.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ct.h"
#include "selftest.h"

#define INTEGRITY_HEX_LEN (2 * CCSP_SM3_DIGEST_SIZE)

struct find_self {
	uintptr_t addr;
	char path[PATH_MAX];
	int found;
};

/* dl_iterate_phdr callback: is the address inside one of this object's loaded segments? */
static int find_self_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct find_self *fs = arg;
	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type != PT_LOAD || fs->addr < start || fs->addr >= start + ph->p_memsz)
			continue;
		/* The main program has an empty name; the kernel knows its file. */
		const char *name = info->dlpi_name[0] ? info->dlpi_name : "/proc/self/exe";
		fs->found = realpath(name, fs->path) != NULL;
		return 1;
	}
	return 0;
}

static ccsp_err module_file(char path[PATH_MAX])
{
	struct find_self fs = {.addr = (uintptr_t)&ccsp_integrity_selftest};
	dl_iterate_phdr(find_self_cb, &fs);
	if (!fs.found)
		return CCSP_ERR_INTEGRITY;
	memcpy(path, fs.path, PATH_MAX);
	return CCSP_OK;
}

static ccsp_err hmac_file(const char *path, const uint8_t *key, size_t keylen, uint8_t mac[CCSP_SM3_DIGEST_SIZE])
{
	uint8_t buf[16384];
	ccsp_hmac_sm3_ctx ctx;
	ccsp_err ret = CCSP_ERR_INTEGRITY;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return CCSP_ERR_INTEGRITY;
	if (ccsp_hmac_sm3_init(&ctx, key, keylen) != CCSP_OK)
		goto out;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		if (ccsp_hmac_sm3_update(&ctx, buf, (size_t)n) != CCSP_OK)
			goto out;
	}
	ret = ccsp_hmac_sm3_final(&ctx, mac) == CCSP_OK ? CCSP_OK : CCSP_ERR_INTEGRITY;
out:
	close(fd);
	ccsp_memzero(&ctx, sizeof ctx);
	return ret;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode exactly 2*n lowercase hex digits. 0 on success. */
static int hex_decode(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static ccsp_err read_recorded_mac(const char *path, uint8_t mac[CCSP_SM3_DIGEST_SIZE])
{
	char name[PATH_MAX + 8], hex[INTEGRITY_HEX_LEN + 2] = {0};
	if ((size_t)snprintf(name, sizeof name, "%s.hmac", path) >= sizeof name)
		return CCSP_ERR_INTEGRITY;
	FILE *f = fopen(name, "re");
	if (f == NULL)
		return CCSP_ERR_INTEGRITY;
	size_t n = fread(hex, 1, sizeof hex - 1, f);
	fclose(f);
	if (n < INTEGRITY_HEX_LEN || (n > INTEGRITY_HEX_LEN && hex[INTEGRITY_HEX_LEN] != '\n'))
		return CCSP_ERR_INTEGRITY;
	return hex_decode(hex, mac, CCSP_SM3_DIGEST_SIZE) == 0 ? CCSP_OK : CCSP_ERR_INTEGRITY;
}

ccsp_err ccsp_integrity_selftest(const ccsp_selftest_report *r)
{
	static const char key_hex[] = CCSP_INTEGRITY_KEY_HEX;
	uint8_t key[sizeof key_hex / 2], expected[CCSP_SM3_DIGEST_SIZE], actual[CCSP_SM3_DIGEST_SIZE];
	char path[PATH_MAX];
	ccsp_err ret = CCSP_ERR_INTEGRITY;

	if (hex_decode(key_hex, key, sizeof key) != 0 || module_file(path) != CCSP_OK)
		goto out;
	if (read_recorded_mac(path, expected) != CCSP_OK || hmac_file(path, key, sizeof key, actual) != CCSP_OK)
		goto out;
	ret = ct_memeq(expected, actual, sizeof actual) ? CCSP_OK : CCSP_ERR_INTEGRITY;
out:
	return ccsp_selftest_result(r, "integrity", ret);
}
