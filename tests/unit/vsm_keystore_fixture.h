/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by vsm_keystore_test.c and vsm_keystore_file_test.c: a fresh directory per test, keys, passwords. */
#ifndef CCSP_VSM_KEYSTORE_FIXTURE_H
#define CCSP_VSM_KEYSTORE_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ccsp/sm2.h>

#include "vsm/vsm_keystore.h"
#include "test_util.h"

#define MAX 64 /* max_index of most tests */

static const uint8_t SK[CCSP_VSM_STORAGE_KEY_SIZE] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                                      0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
static const uint8_t PW[] = "correct horse";
static const uint8_t PW2[] = "battery staple";
#define PWLEN (sizeof PW - 1)
#define PW2LEN (sizeof PW2 - 1)

/* GB/T 32918.5-2017 / GM/T 0003.5 example key on sm2p256v1 (as in sm2_test.c). */
#define STD_D "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
#define STD_P                                                                                      \
	"04"                                                                                       \
	"09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"                         \
	"CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
#define N_HEX "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123"

#define SIGN CCSP_VSM_KEY_SIGN
#define ENC CCSP_VSM_KEY_ENC
#define KEK CCSP_VSM_KEY_KEK

/* ---- fixture: a fresh directory per test ---- */

typedef struct fixture {
	char dir[256];
	char path[320];
} fixture;

static inline int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	const char *tmp = getenv("TMPDIR");
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "%s/vsm_keystore_test.XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof f->path, "%s/keystore.bin", f->dir);
	*state = f;
	return 0;
}

static inline int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static inline int teardown(void **state)
{
	fixture *f = *state;
	(void)nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static inline ccsp_vsm_keystore *ks_open_max(const char *path, uint32_t max)
{
	ccsp_vsm_keystore *ks = NULL;
	assert_ok(ccsp_vsm_keystore_open(path, SK, max, &ks));
	assert_non_null(ks);
	return ks;
}

static inline ccsp_vsm_keystore *ks_open(const fixture *f)
{
	return ks_open_max(f->path, MAX);
}

static inline void read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	long n = ftell(fp);
	assert_true(n >= 0);
	rewind(fp);
	*buf = malloc((size_t)n + 1);
	assert_non_null(*buf);
	assert_int_equal(fread(*buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
}

static inline void write_file(const char *path, const uint8_t *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static inline void expect_open(const char *path, uint32_t max, ccsp_err want)
{
	ccsp_vsm_keystore *ks = (ccsp_vsm_keystore *)1;
	assert_ccsp(want, ccsp_vsm_keystore_open(path, SK, max, &ks));
	if (want != CCSP_OK)
		assert_null(ks);
	ccsp_vsm_keystore_free(ks);
}

static inline size_t list_count(ccsp_vsm_keystore *ks)
{
	ccsp_vsm_key_info *v = NULL;
	size_t n = 99;
	assert_ok(ccsp_vsm_keystore_list(ks, &v, &n));
	free(v);
	return n;
}

/* ---- callbacks for with_sm2 ---- */

typedef struct sign_arg {
	const uint8_t *msg;
	size_t len;
	uint8_t sig[CCSP_SM2_SIGNATURE_SIZE];
} sign_arg;

static inline ccsp_err sign_fn(const ccsp_sm2_key *key, void *arg)
{
	sign_arg *a = arg;
	return ccsp_sm2_sign(key, NULL, 0, a->msg, a->len, a->sig);
}

static inline void assert_signs(ccsp_vsm_keystore *ks, uint32_t index)
{
	static const uint8_t msg[] = "message digest";
	sign_arg a = {msg, sizeof msg - 1, {0}};
	ccsp_sm2_key *pub = NULL;
	assert_ok(ccsp_vsm_keystore_with_sm2(ks, SIGN, index, sign_fn, &a));
	assert_ok(ccsp_vsm_keystore_public_key(ks, SIGN, index, &pub));
	assert_false(ccsp_sm2_key_has_private(pub));
	assert_ok(ccsp_sm2_verify(pub, NULL, 0, msg, sizeof msg - 1, a.sig));
	a.sig[5] ^= 1;
	assert_ccsp(CCSP_ERR_SIGNATURE, ccsp_sm2_verify(pub, NULL, 0, msg, sizeof msg - 1, a.sig));
	ccsp_sm2_key_free(pub);
}

/* ---- what a keystore holds, to compare across reopens ---- */

typedef struct snapshot {
	ccsp_vsm_key_info *infos;
	size_t n;
	uint8_t wrap[MAX][32];
} snapshot;

static const uint8_t WRAP_IN[32] = "thirty-two bytes of wrap input!";

static inline void take_snapshot(ccsp_vsm_keystore *ks, snapshot *s)
{
	memset(s, 0, sizeof *s);
	assert_ok(ccsp_vsm_keystore_list(ks, &s->infos, &s->n));
	for (size_t i = 0; i < s->n; i++)
		if (s->infos[i].kind == KEK)
			assert_ok(ccsp_vsm_keystore_kek_wrap(ks, s->infos[i].index, WRAP_IN, s->wrap[s->infos[i].index - 1],
			                                     sizeof WRAP_IN));
}

static inline void assert_same_snapshot(const snapshot *a, const snapshot *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->infos[i].kind, b->infos[i].kind);
		assert_int_equal(a->infos[i].index, b->infos[i].index);
		assert_int_equal(a->infos[i].has_password, b->infos[i].has_password);
		assert_int_equal(a->infos[i].created, b->infos[i].created);
		assert_memory_equal(a->infos[i].pub, b->infos[i].pub, CCSP_SM2_POINT_SIZE);
	}
	assert_memory_equal(a->wrap, b->wrap, sizeof a->wrap);
}

/* A keystore with every kind of record: two pairs and a password at 1, a signing pair at 5, KEKs at 1 and 7. */
static inline void populate(const fixture *f)
{
	ccsp_vsm_keystore *ks = ks_open(f);
	uint8_t kek[16];
	test_rand(kek, sizeof kek);
	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 1, PW, PWLEN));
	assert_ok(ccsp_vsm_keystore_generate(ks, ENC, 1, NULL, 0));
	assert_ok(ccsp_vsm_keystore_generate(ks, SIGN, 5, PW2, PW2LEN));
	assert_ok(ccsp_vsm_keystore_generate(ks, KEK, 1, NULL, 0));
	assert_ok(ccsp_vsm_keystore_import(ks, KEK, 7, kek, sizeof kek, NULL, 0));
	ccsp_vsm_keystore_free(ks);
}

#endif
