/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SDF conformance of the file functions (GM/T 0018 6.7) against a running vsmd, through libsdf.so. Run by
 * tests/cli/sdf_e2e_test.sh on a VSM made by `vsmd --init` (default limits: 256 files, 1 MiB each, 16 MiB in
 * all). Each test checks the happy path and the SDR codes a caller can trigger, and leaves no file behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ccsp/sdf.h>

#define MIB (1u << 20)
#define DEFAULT_MAX_FILES 256
#define DEFAULT_QUOTA (16u * MIB)

static HANDLE dev, ses;

#define NAME(str) (BYTE *)(str), (ULONG)(sizeof(str) - 1)

/* Names this suite uses for the limits tests: "q<i>" (1 MiB files) and "c<i>" (empty files). */
static void limit_name(char kind, unsigned i, BYTE name[16], ULONG *len)
{
	*len = (ULONG)snprintf((char *)name, 16, "%c%u", kind, i);
}

/* Delete what an earlier, interrupted run may have left. */
static void delete_leftovers(void)
{
	static const char *const names[] = {"conf-a", "conf-b", "big", "pieces", "shared"};
	BYTE name[16];
	ULONG len;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		(void)SDF_DeleteFile(ses, (BYTE *)names[i], (ULONG)strlen(names[i]));
	for (unsigned i = 0; i <= DEFAULT_MAX_FILES; i++) {
		limit_name('q', i, name, &len);
		(void)SDF_DeleteFile(ses, name, len);
		limit_name('c', i, name, &len);
		(void)SDF_DeleteFile(ses, name, len);
	}
}

static int setup(void **state)
{
	(void)state;
	if (SDF_OpenDevice(&dev) != SDR_OK || SDF_OpenSession(dev, &ses) != SDR_OK)
		return -1;
	delete_leftovers();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	SDF_CloseSession(ses);
	SDF_CloseDevice(dev);
	return 0;
}

static void test_create_read_write_delete(void **state)
{
	(void)state;
	BYTE buf[64], zero[40] = {0};
	ULONG n;

	assert_int_equal(SDF_CreateFile(ses, NAME("conf-a"), 40), SDR_OK);
	n = sizeof buf; /* more than there is: the read stops at the end */
	assert_int_equal(SDF_ReadFile(ses, NAME("conf-a"), 0, &n, buf), SDR_OK);
	assert_int_equal(n, 40);
	assert_memory_equal(buf, zero, 40);
	assert_int_equal(SDF_WriteFile(ses, NAME("conf-a"), 4, 6, (BYTE *)"config"), SDR_OK);
	n = 8;
	assert_int_equal(SDF_ReadFile(ses, NAME("conf-a"), 2, &n, buf), SDR_OK);
	assert_int_equal(n, 8);
	assert_memory_equal(buf, "\0\0config", 8);
	n = 10;
	assert_int_equal(SDF_ReadFile(ses, NAME("conf-a"), 35, &n, buf), SDR_OK);
	assert_int_equal(n, 5);
	n = 10;
	assert_int_equal(SDF_ReadFile(ses, NAME("conf-a"), 40, &n, buf), SDR_OK);
	assert_int_equal(n, 0);
	n = 0;
	assert_int_equal(SDF_ReadFile(ses, NAME("conf-a"), 0, &n, NULL), SDR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(SDF_WriteFile(ses, NAME("conf-a"), 34, 6, (BYTE *)"ending"), SDR_OK);
	assert_int_equal(SDF_WriteFile(ses, NAME("conf-a"), 40, 0, NULL), SDR_OK);

	/* files belong to the VSM: another session (and another device) sees them */
	HANDLE dev2, s2;
	assert_int_equal(SDF_OpenDevice(&dev2), SDR_OK);
	assert_int_equal(SDF_OpenSession(dev2, &s2), SDR_OK);
	n = 6;
	assert_int_equal(SDF_ReadFile(s2, NAME("conf-a"), 34, &n, buf), SDR_OK);
	assert_memory_equal(buf, "ending", 6);
	assert_int_equal(SDF_CloseSession(s2), SDR_OK);
	assert_int_equal(SDF_CloseDevice(dev2), SDR_OK);

	/* binary names: one byte more or less is another file */
	static BYTE bin1[] = {0x00, 0xff, '/'}, bin2[] = {0x00, 0xff, '/', 0x00};
	assert_int_equal(SDF_CreateFile(ses, bin1, sizeof bin1, 1), SDR_OK);
	assert_int_equal(SDF_CreateFile(ses, bin2, sizeof bin2, 2), SDR_OK);
	n = 8;
	assert_int_equal(SDF_ReadFile(ses, bin2, sizeof bin2, 0, &n, buf), SDR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(SDF_DeleteFile(ses, bin1, sizeof bin1), SDR_OK);
	assert_int_equal(SDF_DeleteFile(ses, bin2, sizeof bin2), SDR_OK);
	/* a name of 128 bytes is the longest */
	BYTE longname[129];
	memset(longname, 'L', sizeof longname);
	assert_int_equal(SDF_CreateFile(ses, longname, 128, 0), SDR_OK);
	assert_int_equal(SDF_DeleteFile(ses, longname, 128), SDR_OK);

	assert_int_equal(SDF_DeleteFile(ses, NAME("conf-a")), SDR_OK);
	n = 1;
	assert_int_equal(SDF_ReadFile(ses, NAME("conf-a"), 0, &n, buf), SDR_FILENOEXIST);
}

static void test_error_codes(void **state)
{
	(void)state;
	BYTE buf[16], longname[129];
	ULONG n = sizeof buf;
	memset(longname, 'L', sizeof longname);

	/* SDR_INARGERR: names */
	assert_int_equal(SDF_CreateFile(ses, NULL, 4, 10), SDR_INARGERR);
	assert_int_equal(SDF_CreateFile(ses, NAME(""), 10), SDR_INARGERR);
	assert_int_equal(SDF_CreateFile(ses, longname, 129, 10), SDR_INARGERR);
	assert_int_equal(SDF_ReadFile(ses, NULL, 4, 0, &n, buf), SDR_INARGERR);
	assert_int_equal(SDF_WriteFile(ses, longname, 129, 0, 1, buf), SDR_INARGERR);
	assert_int_equal(SDF_DeleteFile(ses, NAME("")), SDR_INARGERR);
	/* SDR_FILENOEXIST */
	assert_int_equal(SDF_ReadFile(ses, NAME("conf-b"), 0, &n, buf), SDR_FILENOEXIST);
	assert_int_equal(SDF_WriteFile(ses, NAME("conf-b"), 0, 1, buf), SDR_FILENOEXIST);
	assert_int_equal(SDF_DeleteFile(ses, NAME("conf-b")), SDR_FILENOEXIST);
	/* SDR_FILEEXISTS */
	assert_int_equal(SDF_CreateFile(ses, NAME("conf-b"), 10), SDR_OK);
	assert_int_equal(SDF_CreateFile(ses, NAME("conf-b"), 10), SDR_FILEEXISTS);
	assert_int_equal(SDF_CreateFile(ses, NAME("conf-b"), 20), SDR_FILEEXISTS);
	/* SDR_FILEOFSERR: beyond the size given at creation; nothing of a refused write is written */
	n = 1;
	assert_int_equal(SDF_ReadFile(ses, NAME("conf-b"), 11, &n, buf), SDR_FILEOFSERR);
	assert_int_equal(SDF_WriteFile(ses, NAME("conf-b"), 5, 6, (BYTE *)"abcdef"), SDR_FILEOFSERR);
	assert_int_equal(SDF_WriteFile(ses, NAME("conf-b"), 11, 0, NULL), SDR_FILEOFSERR);
	assert_int_equal(SDF_WriteFile(ses, NAME("conf-b"), 0xFFFFFFFFu, 1, buf), SDR_FILEOFSERR);
	n = sizeof buf;
	assert_int_equal(SDF_ReadFile(ses, NAME("conf-b"), 0, &n, buf), SDR_OK);
	assert_int_equal(n, 10);
	for (int i = 0; i < 10; i++)
		assert_int_equal(buf[i], 0);
	/* SDR_INARGERR / SDR_OUTARGERR: buffers */
	assert_int_equal(SDF_ReadFile(ses, NAME("conf-b"), 0, NULL, buf), SDR_INARGERR);
	n = 4;
	assert_int_equal(SDF_ReadFile(ses, NAME("conf-b"), 0, &n, NULL), SDR_OUTARGERR);
	assert_int_equal(SDF_WriteFile(ses, NAME("conf-b"), 0, 4, NULL), SDR_INARGERR);
	/* SDR_OPENSESSION */
	n = 1;
	assert_int_equal(SDF_CreateFile(NULL, NAME("conf-x"), 1), SDR_OPENSESSION);
	assert_int_equal(SDF_ReadFile(NULL, NAME("conf-b"), 0, &n, buf), SDR_OPENSESSION);
	assert_int_equal(SDF_WriteFile(NULL, NAME("conf-b"), 0, 1, buf), SDR_OPENSESSION);
	assert_int_equal(SDF_DeleteFile(NULL, NAME("conf-b")), SDR_OPENSESSION);
	assert_int_equal(SDF_DeleteFile(ses, NAME("conf-b")), SDR_OK);
}

/* SDR_FILESIZEERR: a file beyond BufferSize (the VSM's max_file_size), the total quota, the number of files. */
static void test_limits(void **state)
{
	(void)state;
	DEVICEINFO info;
	BYTE name[16];
	ULONG len;
	unsigned i;
	assert_int_equal(SDF_GetDeviceInfo(ses, &info), SDR_OK);
	assert_int_equal(info.BufferSize, MIB);
	assert_int_equal(SDF_CreateFile(ses, NAME("big"), info.BufferSize + 1), SDR_FILESIZEERR);
	assert_int_equal(SDF_CreateFile(ses, NAME("big"), 0xFFFFFFFFu), SDR_FILESIZEERR);

	for (i = 0; i < DEFAULT_QUOTA / MIB; i++) {
		limit_name('q', i, name, &len);
		assert_int_equal(SDF_CreateFile(ses, name, len, MIB), SDR_OK);
	}
	assert_int_equal(SDF_CreateFile(ses, NAME("big"), 1), SDR_FILESIZEERR); /* 16 MiB + 1 */
	assert_int_equal(SDF_CreateFile(ses, NAME("big"), 0), SDR_OK);
	assert_int_equal(SDF_DeleteFile(ses, NAME("big")), SDR_OK);
	limit_name('q', 0, name, &len);
	assert_int_equal(SDF_DeleteFile(ses, name, len), SDR_OK);
	assert_int_equal(SDF_CreateFile(ses, NAME("big"), MIB), SDR_OK); /* room again */
	assert_int_equal(SDF_DeleteFile(ses, NAME("big")), SDR_OK);
	for (i = 1; i < DEFAULT_QUOTA / MIB; i++) {
		limit_name('q', i, name, &len);
		assert_int_equal(SDF_DeleteFile(ses, name, len), SDR_OK);
	}

	for (i = 0; i < DEFAULT_MAX_FILES; i++) {
		limit_name('c', i, name, &len);
		assert_int_equal(SDF_CreateFile(ses, name, len, 0), SDR_OK);
	}
	limit_name('c', i, name, &len);
	assert_int_equal(SDF_CreateFile(ses, name, len, 0), SDR_FILESIZEERR); /* file 257 */
	for (i = 0; i < DEFAULT_MAX_FILES; i++) {
		limit_name('c', i, name, &len);
		assert_int_equal(SDF_DeleteFile(ses, name, len), SDR_OK);
	}
}

/* A 1 MiB file written and read in pieces of odd sizes, and at once; a read or write larger than a frame. */
static void test_one_mib_in_pieces(void **state)
{
	(void)state;
	const ULONG size = MIB;
	BYTE *data = malloc(size), *got = malloc(8 * MIB);
	ULONG off, n;
	assert_non_null(data);
	assert_non_null(got);
	for (ULONG i = 0; i < size; i++)
		data[i] = (BYTE)(i * 31 + (i >> 11));

	assert_int_equal(SDF_CreateFile(ses, NAME("pieces"), size), SDR_OK);
	for (off = 0; off < size; off += n) {
		n = size - off < 100003 ? size - off : 100003;
		assert_int_equal(SDF_WriteFile(ses, NAME("pieces"), off, n, data + off), SDR_OK);
	}
	memset(got, 0, size);
	for (off = 0; off < size; off += n) {
		n = 65537;
		assert_int_equal(SDF_ReadFile(ses, NAME("pieces"), off, &n, got + off), SDR_OK);
		assert_true(n == 65537 || off + n == size);
	}
	assert_memory_equal(got, data, size);

	/* at once: a read asking for 8 MiB (two frames' worth) returns the 1 MiB there is */
	n = 8 * MIB;
	memset(got, 0, size);
	assert_int_equal(SDF_ReadFile(ses, NAME("pieces"), 0, &n, got), SDR_OK);
	assert_int_equal(n, size);
	assert_memory_equal(got, data, size);
	/* a write of 5 MiB (two frames) into a 1 MiB file: SDR_FILEOFSERR, and nothing of it is written */
	memset(got, 0xA5, 5 * MIB);
	assert_int_equal(SDF_WriteFile(ses, NAME("pieces"), 0, 5 * MIB, got), SDR_FILEOFSERR);
	n = size;
	assert_int_equal(SDF_ReadFile(ses, NAME("pieces"), 0, &n, got), SDR_OK);
	assert_memory_equal(got, data, size);
	/* the whole file rewritten at once */
	for (ULONG i = 0; i < size; i++)
		data[i] ^= 0x5A;
	assert_int_equal(SDF_WriteFile(ses, NAME("pieces"), 0, size, data), SDR_OK);
	n = size;
	assert_int_equal(SDF_ReadFile(ses, NAME("pieces"), 0, &n, got), SDR_OK);
	assert_memory_equal(got, data, size);
	assert_int_equal(SDF_DeleteFile(ses, NAME("pieces")), SDR_OK);
	free(data);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_read_write_delete),
		cmocka_unit_test(test_error_codes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_one_mib_in_pieces),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
