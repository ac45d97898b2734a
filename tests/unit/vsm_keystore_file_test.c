/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VSM keystore's file: reopen gives the same keys; a wrong storage key, every byte flipped, every
 * truncation and crafted authentic-but-malformed plaintexts are refused; kill -9 in the middle of a stream of
 * changes never loses an acknowledged key nor leaves a file that does not open.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ccsp/rand.h>
#include <ccsp/sm2.h>
#include <ccsp/sm4.h>

#include "vsm_keystore_fixture.h"

/* ---- reopen, wrong key, flips, truncation ---- */

static void test_reopen_same_keys(void **state)
{
	fixture *f = *state;
	snapshot a, b;
	populate(f);
	ccsp_vsm_keystore *ks = ks_open(f);
	take_snapshot(ks, &a);
	assert_int_equal(a.n, 5);
	sign_arg sig = {(const uint8_t *)"abc", 3, {0}};
	assert_ok(ccsp_vsm_keystore_with_sm2(ks, SIGN, 5, sign_fn, &sig));
	ccsp_vsm_keystore_free(ks);

	ks = ks_open(f);
	take_snapshot(ks, &b);
	assert_same_snapshot(&a, &b);
	assert_ok(ccsp_vsm_keystore_check_password(ks, 1, PW, PWLEN));
	assert_ok(ccsp_vsm_keystore_check_password(ks, 5, PW2, PW2LEN));
	assert_ccsp(CCSP_ERR_PASSWORD, ccsp_vsm_keystore_check_password(ks, 5, PW, PWLEN));
	/* a signature made before the reopen verifies with the key after it */
	ccsp_sm2_key *pub = NULL;
	assert_ok(ccsp_vsm_keystore_public_key(ks, SIGN, 5, &pub));
	assert_ok(ccsp_sm2_verify(pub, NULL, 0, (const uint8_t *)"abc", 3, sig.sig));
	ccsp_sm2_key_free(pub);
	assert_signs(ks, 1);
	ccsp_vsm_keystore_free(ks);

	/* a larger max_index reads the same file */
	ks = ks_open_max(f->path, 1000);
	free(b.infos);
	take_snapshot(ks, &b);
	assert_same_snapshot(&a, &b);
	ccsp_vsm_keystore_free(ks);
	free(a.infos);
	free(b.infos);
}

static void test_wrong_storage_key(void **state)
{
	fixture *f = *state;
	populate(f);
	uint8_t other[16];
	memcpy(other, SK, sizeof other);
	for (size_t i = 0; i < 16; i++) {
		other[i] ^= 0x01;
		ccsp_vsm_keystore *ks = (ccsp_vsm_keystore *)1;
		assert_ccsp(CCSP_ERR_TAMPERED, ccsp_vsm_keystore_open(f->path, other, MAX, &ks));
		assert_null(ks);
		other[i] ^= 0x01;
	}
	expect_open(f->path, MAX, CCSP_OK);
}

static void test_every_byte_flip(void **state)
{
	fixture *f = *state;
	static const uint8_t masks[] = {0x01, 0x80, 0xff};
	uint8_t *file;
	size_t len;
	populate(f);
	read_file(f->path, &file, &len);
	assert_true(len > 36);
	for (size_t i = 0; i < len; i++)
		for (size_t m = 0; m < sizeof masks; m++) {
			file[i] ^= masks[m];
			write_file(f->path, file, len);
			expect_open(f->path, MAX, CCSP_ERR_TAMPERED);
			file[i] ^= masks[m];
		}
	write_file(f->path, file, len);
	expect_open(f->path, MAX, CCSP_OK);
	free(file);
}

static void test_every_truncation(void **state)
{
	fixture *f = *state;
	uint8_t *file;
	size_t len;
	populate(f);
	read_file(f->path, &file, &len);
	for (size_t n = 0; n < len; n++) {
		write_file(f->path, file, n);
		expect_open(f->path, MAX, CCSP_ERR_TAMPERED);
	}
	/* and one byte too many */
	uint8_t *longer = malloc(len + 1);
	assert_non_null(longer);
	memcpy(longer, file, len);
	longer[len] = 0;
	write_file(f->path, longer, len + 1);
	expect_open(f->path, MAX, CCSP_ERR_TAMPERED);
	free(longer);
	write_file(f->path, file, len);
	expect_open(f->path, MAX, CCSP_OK);
	free(file);
}

/* ---- authentic but malformed plaintexts: sealed here with the storage key, so only the parser can refuse
 * them. The layout is the one documented at the top of src/vsm/vsm_keystore_file.c. ---- */

typedef struct pbuf {
	uint8_t b[1024];
	size_t n;
} pbuf;

static void put(pbuf *p, uint64_t v, size_t n)
{
	assert_true(n <= 8 && p->n + n <= sizeof p->b);
	for (size_t i = 0; i < n; i++)
		p->b[p->n++] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static void put_bytes(pbuf *p, const uint8_t *v, size_t n)
{
	assert_true(p->n + n <= sizeof p->b);
	memcpy(p->b + p->n, v, n);
	p->n += n;
}

static void rec_sm2(pbuf *p, uint8_t kind, uint32_t index, const char *dhex)
{
	uint8_t d[32];
	hex2bin(dhex, d, sizeof d);
	put(p, kind, 1);
	put(p, index, 4);
	put(p, 1700000000, 8);
	put_bytes(p, d, 32);
}

static void rec_kek(pbuf *p, uint32_t index)
{
	static const uint8_t k[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	put(p, 3, 1);
	put(p, index, 4);
	put(p, 1700000000, 8);
	put_bytes(p, k, 16);
}

static void rec_pw(pbuf *p, uint32_t index, uint32_t iterations)
{
	static const uint8_t salt[16] = {0x5a}, hash[32] = {0xa5};
	put(p, 4, 1);
	put(p, index, 4);
	put_bytes(p, salt, 16);
	put(p, iterations, 4);
	put_bytes(p, hash, 32);
}

/* Write magic | iv | SM4-GCM(pt) | tag with AAD = magic, as the keystore does. */
static void seal(const char *path, const char *magic, const uint8_t *pt, size_t ptlen)
{
	uint8_t file[1100];
	ccsp_sm4_key k;
	assert_true(8 + 12 + ptlen + 16 <= sizeof file);
	memcpy(file, magic, 8);
	assert_ok(ccsp_random(file + 8, 12));
	assert_ok(ccsp_sm4_set_key(&k, SK, sizeof SK));
	assert_ok(ccsp_sm4_gcm_encrypt(&k, file + 8, 12, (const uint8_t *)magic, 8, pt, file + 20, ptlen,
	                               file + 20 + ptlen));
	ccsp_sm4_key_wipe(&k);
	write_file(path, file, 20 + ptlen + 16);
}

static void expect_sealed(const fixture *f, const pbuf *p, ccsp_err want)
{
	seal(f->path, "CCSPKS01", p->b, p->n);
	expect_open(f->path, MAX, want);
}

/* count | SIGN 1 | KEK 2 | PW 1: a well-formed plaintext, the base of the malformed ones. */
static void good_plaintext(pbuf *p, uint32_t count)
{
	p->n = 0;
	put(p, count, 4);
	rec_sm2(p, 1, 1, STD_D);
	rec_kek(p, 2);
	rec_pw(p, 1, 1);
}

static void test_crafted_plaintexts(void **state)
{
	fixture *f = *state;
	pbuf p;

	/* the positive control: the documented format, read as documented */
	good_plaintext(&p, 3);
	seal(f->path, "CCSPKS01", p.b, p.n);
	ccsp_vsm_keystore *ks = ks_open(f);
	uint8_t pub[CCSP_SM2_POINT_SIZE];
	assert_ok(ccsp_vsm_keystore_public(ks, SIGN, 1, pub));
	assert_hex_equal(STD_P, pub, sizeof pub);
	assert_int_equal(list_count(ks), 2);
	ccsp_vsm_keystore_free(ks);

	/* an empty keystore is count 0 and nothing else */
	p.n = 0;
	put(&p, 0, 4);
	expect_sealed(f, &p, CCSP_OK);

	/* the magic is checked, not only authenticated */
	good_plaintext(&p, 3);
	seal(f->path, "CCSPKS02", p.b, p.n);
	expect_open(f->path, MAX, CCSP_ERR_TAMPERED);

	/* counts that disagree with the records; trailing bytes; no count at all */
	good_plaintext(&p, 2);
	expect_sealed(f, &p, CCSP_ERR_TAMPERED);
	good_plaintext(&p, 4);
	expect_sealed(f, &p, CCSP_ERR_TAMPERED);
	good_plaintext(&p, 0xffffffff);
	expect_sealed(f, &p, CCSP_ERR_TAMPERED);
	good_plaintext(&p, 3);
	put(&p, 0, 1);
	expect_sealed(f, &p, CCSP_ERR_TAMPERED);
	p.n = 3;
	expect_sealed(f, &p, CCSP_ERR_TAMPERED);
	p.n = 0;
	expect_sealed(f, &p, CCSP_ERR_TAMPERED);

	/* every record cut short */
	good_plaintext(&p, 3);
	size_t full = p.n;
	for (size_t n = 4; n < full; n++) {
		good_plaintext(&p, 3);
		p.n = n;
		expect_sealed(f, &p, CCSP_ERR_TAMPERED);
	}

	/* duplicates and order */
	p.n = 0;
	put(&p, 3, 4);
	rec_sm2(&p, 1, 1, STD_D);
	rec_sm2(&p, 1, 1, STD_D);
	rec_pw(&p, 1, 1);
	expect_sealed(f, &p, CCSP_ERR_TAMPERED);
	p.n = 0;
	put(&p, 3, 4);
	rec_kek(&p, 2);
	rec_sm2(&p, 1, 1, STD_D);
	rec_pw(&p, 1, 1);
	expect_sealed(f, &p, CCSP_ERR_TAMPERED);
	p.n = 0;
	put(&p, 2, 4);
	rec_kek(&p, 3);
	rec_kek(&p, 2);
	expect_sealed(f, &p, CCSP_ERR_TAMPERED);
	p.n = 0;
	put(&p, 3, 4);
	rec_sm2(&p, 1, 1, STD_D);
	rec_pw(&p, 1, 1);
	rec_pw(&p, 1, 1);
	expect_sealed(f, &p, CCSP_ERR_TAMPERED);

	/* bad kinds and indices */
	static const uint8_t bad_kinds[] = {0, 5, 0xff}, zeros[32];
	for (size_t i = 0; i < sizeof bad_kinds; i++) {
		p.n = 0;
		put(&p, 1, 4);
		put(&p, bad_kinds[i], 1);
		put(&p, 1, 4);
		put(&p, 0, 8);
		put_bytes(&p, zeros, 32);
		expect_sealed(f, &p, CCSP_ERR_TAMPERED);
	}
	p.n = 0;
	put(&p, 1, 4);
	rec_kek(&p, 0);
	expect_sealed(f, &p, CCSP_ERR_TAMPERED);
	p.n = 0;
	put(&p, 1, 4);
	rec_kek(&p, 65536);
	expect_sealed(f, &p, CCSP_ERR_TAMPERED);
	/* authentic, but beyond this keystore's max_index: a configuration error */
	p.n = 0;
	put(&p, 1, 4);
	rec_kek(&p, MAX + 1);
	expect_sealed(f, &p, CCSP_ERR_LIMIT);
	expect_open(f->path, MAX + 1, CCSP_OK);

	/* invalid private keys */
	static const char *const bad_d[] = {"0000000000000000000000000000000000000000000000000000000000000000", N_HEX,
	                                    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"};
	for (size_t i = 0; i < sizeof bad_d / sizeof bad_d[0]; i++) {
		p.n = 0;
		put(&p, 2, 4);
		rec_sm2(&p, 2, 1, bad_d[i]);
		rec_pw(&p, 1, 1);
		expect_sealed(f, &p, CCSP_ERR_TAMPERED);
	}

	/* password records: iteration bounds, missing, orphaned */
	const uint32_t bad_iter[] = {0, (1u << 24) + 1, 0xffffffff};
	for (size_t i = 0; i < sizeof bad_iter / sizeof bad_iter[0]; i++) {
		p.n = 0;
		put(&p, 2, 4);
		rec_sm2(&p, 1, 1, STD_D);
		rec_pw(&p, 1, bad_iter[i]);
		expect_sealed(f, &p, CCSP_ERR_TAMPERED);
	}
	p.n = 0;
	put(&p, 2, 4);
	rec_sm2(&p, 1, 1, STD_D);
	rec_pw(&p, 1, 1u << 24);
	expect_sealed(f, &p, CCSP_OK);
	p.n = 0;
	put(&p, 1, 4);
	rec_sm2(&p, 2, 1, STD_D);
	expect_sealed(f, &p, CCSP_ERR_TAMPERED);
	p.n = 0;
	put(&p, 2, 4);
	rec_sm2(&p, 1, 1, STD_D);
	rec_pw(&p, 2, 1);
	expect_sealed(f, &p, CCSP_ERR_TAMPERED);
	p.n = 0;
	put(&p, 2, 4);
	rec_kek(&p, 1);
	rec_pw(&p, 1, 1);
	expect_sealed(f, &p, CCSP_ERR_TAMPERED);
}

static void test_limit_smaller_max_index(void **state)
{
	fixture *f = *state;
	ccsp_vsm_keystore *ks = ks_open(f);
	assert_ok(ccsp_vsm_keystore_generate(ks, KEK, 50, NULL, 0));
	ccsp_vsm_keystore_free(ks);
	expect_open(f->path, 49, CCSP_ERR_LIMIT);
	expect_open(f->path, 50, CCSP_OK);
}

static void test_open_unreadable(void **state)
{
	fixture *f = *state;
	assert_int_equal(mkdir(f->path, 0700), 0); /* a directory where the file should be */
	expect_open(f->path, MAX, CCSP_ERR_IO);
}

/* ---- crash test: kill -9 at random points of a stream of changes ---- */

#define CRASH_ROUNDS 5
#define CRASH_PER_ROUND 200
#define CRASH_MAX_INDEX (CRASH_ROUNDS * CRASH_PER_ROUND)

/* What the child reports after generate returned CCSP_OK: the public key, or the KEK's wrap of zeros. One
 * write of less than PIPE_BUF bytes, so it reaches the pipe whole or not at all. */
typedef struct ack {
	uint32_t kind;
	uint32_t index;
	uint8_t data[CCSP_SM2_POINT_SIZE];
} ack;

static ccsp_vsm_key_kind crash_kind(uint32_t index)
{
	static const ccsp_vsm_key_kind kinds[] = {CCSP_VSM_KEY_SIGN, CCSP_VSM_KEY_KEK, CCSP_VSM_KEY_ENC};
	return kinds[index % 3];
}

/* The key's identity as the ack carries it. */
static ccsp_err key_identity(ccsp_vsm_keystore *ks, ccsp_vsm_key_kind kind, uint32_t index, uint8_t *data)
{
	static const uint8_t zeros[16];
	memset(data, 0, CCSP_SM2_POINT_SIZE);
	if (kind == CCSP_VSM_KEY_KEK)
		return ccsp_vsm_keystore_kek_wrap(ks, index, zeros, data, sizeof zeros);
	return ccsp_vsm_keystore_public(ks, kind, index, data);
}

static void crash_child(const char *path, uint32_t first, int fd)
{
	ccsp_vsm_keystore *ks = NULL;
	if (ccsp_vsm_keystore_open(path, SK, CRASH_MAX_INDEX, &ks) != CCSP_OK)
		_exit(2);
	for (uint32_t index = first; index < first + CRASH_PER_ROUND; index++) {
		ack a;
		memset(&a, 0, sizeof a);
		a.kind = crash_kind(index);
		a.index = index;
		int sm2 = a.kind != CCSP_VSM_KEY_KEK;
		if (ccsp_vsm_keystore_generate(ks, a.kind, index, sm2 ? PW : NULL, sm2 ? PWLEN : 0) != CCSP_OK)
			_exit(3);
		if (key_identity(ks, a.kind, index, a.data) != CCSP_OK)
			_exit(4);
		if (write(fd, &a, sizeof a) != (ssize_t)sizeof a)
			_exit(5);
	}
	_exit(0);
}

/* 1: one whole ack read; 0: end of the pipe. */
static int read_ack(int fd, ack *a)
{
	size_t got = 0;
	while (got < sizeof *a) {
		ssize_t r = read(fd, (uint8_t *)a + got, sizeof *a - got);
		if (r < 0 && errno == EINTR)
			continue;
		assert_true(r >= 0);
		if (r == 0)
			break;
		got += (size_t)r;
	}
	assert_true(got == 0 || got == sizeof *a); /* never a torn ack */
	return got == sizeof *a;
}

/* One round: start the child, let it acknowledge `target` keys, kill it, collect every ack it sent. */
static size_t crash_round(const char *path, uint32_t first, ack *acks)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		crash_child(path, first, p[1]);
	}
	close(p[1]);

	size_t target = 5 + test_rand_below(56), n = 0;
	while (n < target && read_ack(p[0], &acks[n]))
		n++;
	if (n < target) { /* the child stopped early: report how */
		int status = 0;
		waitpid(pid, &status, 0);
		fail_msg("child stopped after %zu acks, status %#x", n, status);
	}
	usleep((useconds_t)test_rand_below(5000)); /* land the kill anywhere in the next change */
	assert_int_equal(kill(pid, SIGKILL), 0);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* killed, or (on a very slow parent) finished all its work */
	assert_true((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) || (WIFEXITED(status) && WEXITSTATUS(status) == 0));
	while (n < CRASH_PER_ROUND && read_ack(p[0], &acks[n])) /* acks sent before the kill */
		n++;
	close(p[0]);
	return n;
}

/* A listed key is either acknowledged or the one change that was in flight when its round's child died: the
 * index right after that round's last ack. */
static int expected_key(const ack *acks, size_t total, const uint32_t *next, uint32_t rounds,
                        const ccsp_vsm_key_info *k)
{
	for (size_t i = 0; i < total; i++)
		if (acks[i].index == k->index)
			return acks[i].kind == (uint32_t)k->kind;
	for (uint32_t r = 0; r < rounds; r++)
		if (next[r] == k->index)
			return crash_kind(k->index) == k->kind;
	return 0;
}

static void test_crash_kill9(void **state)
{
	fixture *f = *state;
	static ack acks[CRASH_MAX_INDEX];
	uint32_t next[CRASH_ROUNDS];
	size_t total = 0;
	uint64_t seed = (uint64_t)time(NULL) ^ (uint64_t)getpid();
	print_message("crash test seed %llu\n", (unsigned long long)seed);
	test_rand_seed(seed);

	for (uint32_t round = 0; round < CRASH_ROUNDS; round++) {
		uint32_t first = 1 + round * CRASH_PER_ROUND;
		size_t n = crash_round(f->path, first, acks + total);
		total += n;
		next[round] = first + (uint32_t)n;

		/* the file opens, and every acknowledged key of every round so far is there, unchanged */
		ccsp_vsm_keystore *ks = NULL;
		assert_ok(ccsp_vsm_keystore_open(f->path, SK, CRASH_MAX_INDEX, &ks));
		for (size_t i = 0; i < total; i++) {
			uint8_t data[CCSP_SM2_POINT_SIZE];
			assert_ok(key_identity(ks, acks[i].kind, acks[i].index, data));
			assert_memory_equal(data, acks[i].data, sizeof data);
			if (acks[i].kind != CCSP_VSM_KEY_KEK)
				assert_ok(ccsp_vsm_keystore_check_password(ks, acks[i].index, PW, PWLEN));
		}
		ccsp_vsm_key_info *v = NULL;
		size_t listed = 0;
		assert_ok(ccsp_vsm_keystore_list(ks, &v, &listed));
		assert_true(listed >= total && listed <= total + round + 1);
		for (size_t i = 0; i < listed; i++)
			if (!expected_key(acks, total, next, round + 1, &v[i]))
				fail_msg("unexpected key kind %d index %u", (int)v[i].kind, v[i].index);
		free(v);
		ccsp_vsm_keystore_free(ks);
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	        T(test_reopen_same_keys),
	        T(test_wrong_storage_key),
	        T(test_every_byte_flip),
	        T(test_every_truncation),
	        T(test_crafted_plaintexts),
	        T(test_limit_smaller_max_index),
	        T(test_open_unreadable),
	        T(test_crash_kill9),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
