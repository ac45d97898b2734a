/* SPDX-License-Identifier: Apache-2.0 */
/* SM3 Hash_DRBG and ccsp_random(). The entropy source and its health tests: entropy_test.c. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ccsp/rand.h>
#include <ccsp/selftest.h>

#include "rand/entropy.h"
#include "test_util.h"

/* ---- known answers ---------------------------------------------------------------------------- */

typedef struct drbg_kat {
	const char *entropy, *nonce, *pers, *add1, *reseed_entropy, *reseed_add, *add2; /* hex */
	const char *v0, *c0, *out1, *v1, *v2, *c2, *out2, *v3;
} drbg_kat;

/* "selftest" and "plain": tests/vectors/sm3_drbg_ref.py (independent Python reference over
 * OpenSSL's SM3). Sequence: instantiate -> generate(add1) -> reseed -> generate(add2). */
static const drbg_kat kat_selftest = {
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	"202122232425262728292a2b2c2d2e2f",
	"636373702d647262672d6b6174",                         /* "ccsp-drbg-kat" */
	"6164646974696f6e616c2d31",                           /* "additional-1" */
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	"7265736565642d6164646974696f6e616c",                 /* "reseed-additional" */
	"6164646974696f6e616c2d32",                           /* "additional-2" */
	"c2b2a0d2806b0daf67c16eb9abe0e9b6dbcb33ae73e91f4438bd9dff97256c0552e557cd1f372ac9c3b0d6e85c2febc594508aab635f1e",
	"5c730cc22fbe12399069f7d196bcfef0d0fca5d93277f7a5dbfa2b61b8478cfc807dd33dcef997deadbbd92f77ba8cce41eb061356f714",
	"a11f2879c26b89d3f86523bee3c3a78f021e0c4d46ec46e8a59e1702991cd3c4",
	"1f25ad94b0291fe8f82b668b429de8a7acc7d987a661186ec3eff1a8b566efe87a3f8d0a6c0d9c3a9604201dd07030ec4dc468942ad406",
	"d9461bdb7a222b437b6c4487dfff777712e86326fbe7c9045d5a9c059316f52068e09db6e4b7328f40c56dd8c0931cdb1226c680c7f104",
	"5a1f5ac44a6325ae6234bed123bfaab8ddf748463386547457c282d14cf282af0dfd7f809fd89c3c4c14f6ff83939e23debb85b4558a8e",
	"a0344b2bc6de916610885a4197061c1d1502422389de60f37522404294bde671",
	"3365769fc48550f1dda1035903bf222ff0dfab6d2f6e1d7ff639f0fda582250132265891f31d88f7c04ce04d29e42a6b21c49ce6b49c52",
};

static const drbg_kat kat_plain = {
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f",
	"707172737475767778797a7b7c7d7e7f",
	"",
	"",
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7",
	"",
	"",
	"647dc56114a867a7d9678ebcac2eab8acbd07689894876be0e9962a881d4b63c27a8749ee1abe13a12e491dd2d81b1e854717bb3abecad",
	"63abb64d6f5f794b4dcdd7c92c9678f6952b42011337f7828e461682379a535ca69702e1fdffeee41d4dc818ea0e5baea8ededfbab0553",
	"19304fb46441a4e4b7a458b75ab3305f2a",
	"c8297bae8407e0f327356685d8c5248160fbb88a9c806f2ff6856ed92f8d9120b278799c4ddfcbebe99fec03455a1c4850ac4505083c79",
	"89f5035dde17a41a90f3af26fa93bef8151bb73d0589dcf24a3fa7e1873388324d18b80557e92d7fffab812785eae7e78e87bee9677439",
	"36a106d2bad2e5a7a69962c342ab3fc9f6492e9d21ca5d2016f62765f08ab7d7ac4685914e895a0a68079c3ee8d7dd6695cc3020a60a34",
	"02713a5c8074e1c19e71c57a0bda8b96d3",
	"c0960a3098ea89c2378d11ea3d3efec20b64e5da27543ab8e2a2f9b02ee956a4ad515dea1ef76737f6f42c4a3dc5e5eb9add1fea0bb67b",
};

/* The GM-mode SM3 vector of emmansun/gmsm drbg/hash_drbg_test.go (commit 0342ada3; a third-party Go
 * implementation, the second `gm: true` entry of its table): instantiate -> reseed -> generate ->
 * generate; it publishes V and C along the way and the second output. */
static void test_kat_emmansun(void **state)
{
	(void)state;
	uint8_t e[32], n[16], re[32], radd[32], a1[32], a2[32], out[32];
	ccsp_sm3_drbg d;
	hex2bin("9cfb7ad03be487a3b42be06e9ae44f283c2b1458cec801da2ae6532fcb56cc4c", e, sizeof e);
	hex2bin("a20765538e8db31295747ec922c13a69", n, sizeof n);
	hex2bin("96bc8014f90ebdf690db0e171b59cc46c75e2e9b8e1dc699c65c03ceb2f4d7dc", re, sizeof re);
	hex2bin("6fea0894052dab3c44d503950c7c72bd7b87de87cb81d3bb51c32a62f742286d", radd, sizeof radd);
	hex2bin("d3467c78563b74c13db7af36c2a964820f2a9b1b167474906508fdac9b2049a6", a1, sizeof a1);
	hex2bin("5840a11cc9ebf77b963854726a826370ffdb2fc2b3d8479e1df5dcfa3dddd10b", a2, sizeof a2);

	assert_ok(ccsp_sm3_drbg_instantiate(&d, e, sizeof e, n, sizeof n, NULL, 0));
	assert_hex_equal("997cd31a7032c8643ca56de1d34ff4f930b13192e17c8947bcaf9b9d010cf79805511255c7ea18b41cde77e491ca943861ec29780f3f36",
	                 d.V, sizeof d.V);
	assert_hex_equal("4c5b167d27fa9d40cbc45d0d9f3c52504a1cb5aa2f37a3fa812037bd1e458412ecff0641dd5cb2785d0f8044151b42842777211547b457",
	                 d.C, sizeof d.C);
	assert_ok(ccsp_sm3_drbg_reseed(&d, re, sizeof re, radd, sizeof radd));
	assert_hex_equal("e3d804eda66df62f425c41047c5812fca471c8236395c92d4bd834c2e52d606be6ad3da8973df16e8567bcb16e45f2842ace91bf6dfeb3",
	                 d.V, sizeof d.V);
	assert_hex_equal("1a1b2fffca26953626e0fa3afd377e14e63c5e81275b39f1436b707efb2c3059e6ced8fdb238a45bf05aae9f2417dbf5c4f89d3772f324",
	                 d.C, sizeof d.C);
	assert_ok(ccsp_sm3_drbg_generate(&d, out, sizeof out, a1, sizeof a1));
	assert_hex_equal("fdf334ed70948b65693d3b3f798f91118aae26a48af1045be386984b75695902870479c3c53593d332d195ee7f1bed45fc5069cc4f9948",
	                 d.V, sizeof d.V);
	assert_ok(ccsp_sm3_drbg_generate(&d, out, sizeof out, a2, sizeof a2));
	assert_hex_equal("48709db5509a03d6131775fbbfe74fe52611e760d22fde61e274a295f4354d67", out, sizeof out);
	assert_hex_equal("180e64ed3abb209b901e357a76c70f2670ea8525b24c401d146b70b178e33d8fd10f7680c50bbe1f9773ba664dd14cd25d329c380bf399",
	                 d.V, sizeof d.V);
	ccsp_sm3_drbg_uninstantiate(&d);
}

static void run_kat(const drbg_kat *k)
{
	uint8_t e[64], n[32], p[32], a1[32], re[64], ra[32], a2[32], out[32];
	size_t el = hex2bin(k->entropy, e, sizeof e), nl = hex2bin(k->nonce, n, sizeof n);
	size_t pl = hex2bin(k->pers, p, sizeof p), a1l = hex2bin(k->add1, a1, sizeof a1);
	size_t rel = hex2bin(k->reseed_entropy, re, sizeof re), ral = hex2bin(k->reseed_add, ra, sizeof ra);
	size_t a2l = hex2bin(k->add2, a2, sizeof a2), outlen = strlen(k->out1) / 2;
	ccsp_sm3_drbg d;

	assert_ok(ccsp_sm3_drbg_instantiate(&d, e, el, n, nl, pl ? p : NULL, pl));
	assert_hex_equal(k->v0, d.V, sizeof d.V);
	assert_hex_equal(k->c0, d.C, sizeof d.C);
	assert_int_equal(d.reseed_counter, 1);
	assert_ok(ccsp_sm3_drbg_generate(&d, out, outlen, a1l ? a1 : NULL, a1l));
	assert_hex_equal(k->out1, out, outlen);
	assert_hex_equal(k->v1, d.V, sizeof d.V);
	assert_int_equal(d.reseed_counter, 2);
	assert_ok(ccsp_sm3_drbg_reseed(&d, re, rel, ral ? ra : NULL, ral));
	assert_hex_equal(k->v2, d.V, sizeof d.V);
	assert_hex_equal(k->c2, d.C, sizeof d.C);
	assert_int_equal(d.reseed_counter, 1);
	assert_ok(ccsp_sm3_drbg_generate(&d, out, outlen, a2l ? a2 : NULL, a2l));
	assert_hex_equal(k->out2, out, outlen);
	assert_hex_equal(k->v3, d.V, sizeof d.V);
	ccsp_sm3_drbg_uninstantiate(&d);
}

static void test_kat_selftest_vector(void **state)
{
	(void)state;
	run_kat(&kat_selftest);
}

static void test_kat_plain_vector(void **state)
{
	(void)state;
	run_kat(&kat_plain);
}

/* A short request returns the prefix of what a full one returns from the same state. */
static void test_short_output_is_prefix(void **state)
{
	(void)state;
	uint8_t e[32] = {1}, n[16] = {2}, full[32], part[32];
	ccsp_sm3_drbg a, b;
	assert_ok(ccsp_sm3_drbg_instantiate(&a, e, sizeof e, n, sizeof n, NULL, 0));
	for (size_t len = 1; len <= 32; len++) {
		b = a;
		assert_ok(ccsp_sm3_drbg_generate(&a, full, 32, NULL, 0));
		assert_ok(ccsp_sm3_drbg_generate(&b, part, len, NULL, 0));
		assert_memory_equal(full, part, len);
		assert_memory_equal(a.V, b.V, sizeof a.V);
	}
	ccsp_sm3_drbg_uninstantiate(&a);
	ccsp_sm3_drbg_uninstantiate(&b);
}

/* ---- argument and state errors leave the instance untouched ----------------------------------- */

static void instantiated(ccsp_sm3_drbg *d, ccsp_sm3_drbg *copy)
{
	uint8_t e[32], n[16];
	test_rand(e, sizeof e);
	test_rand(n, sizeof n);
	assert_ok(ccsp_sm3_drbg_instantiate(d, e, sizeof e, n, sizeof n, NULL, 0));
	*copy = *d;
}

/* Field by field: struct padding is not part of the state (and not initialised). */
static void assert_unchanged(const ccsp_sm3_drbg *d, const ccsp_sm3_drbg *copy)
{
	assert_memory_equal(d->V, copy->V, sizeof d->V);
	assert_memory_equal(d->C, copy->C, sizeof d->C);
	assert_int_equal(d->reseed_counter, copy->reseed_counter);
	assert_int_equal(d->last_reseed_time, copy->last_reseed_time);
	assert_int_equal(d->instantiated, copy->instantiated);
}

static void test_instantiate_errors(void **state)
{
	(void)state;
	uint8_t e[64] = {0}, n[16] = {0}, p[8] = {0};
	ccsp_sm3_drbg d, copy;
	instantiated(&d, &copy);
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_instantiate(NULL, e, 32, n, 16, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_instantiate(&d, e, 31, n, 16, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_instantiate(&d, e, 0, n, 16, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_instantiate(&d, NULL, 32, n, 16, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_instantiate(&d, e, 32, n, 15, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_instantiate(&d, e, 32, NULL, 16, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_instantiate(&d, e, 32, n, 16, NULL, 1));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_instantiate(&d, e, 32, n, 16, p, (size_t)CCSP_SM3_DRBG_MAX_INPUT + 1));
	assert_unchanged(&d, &copy);
	/* the boundaries themselves are accepted */
	assert_ok(ccsp_sm3_drbg_instantiate(&d, e, 32, n, 16, p, sizeof p));
	ccsp_sm3_drbg_uninstantiate(&d);
}

static void test_reseed_errors(void **state)
{
	(void)state;
	uint8_t e[32] = {0}, a[4] = {0};
	ccsp_sm3_drbg d, copy;
	instantiated(&d, &copy);
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_reseed(NULL, e, 32, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_reseed(&d, e, 31, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_reseed(&d, NULL, 32, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_reseed(&d, e, 32, NULL, 4));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_reseed(&d, e, 32, a, (size_t)CCSP_SM3_DRBG_MAX_INPUT + 1));
	assert_unchanged(&d, &copy);
	ccsp_sm3_drbg_uninstantiate(&d);
	copy = d;
	assert_ccsp(CCSP_ERR_STATE, ccsp_sm3_drbg_reseed(&d, e, 32, NULL, 0));
	assert_unchanged(&d, &copy);
}

static void test_generate_errors(void **state)
{
	(void)state;
	uint8_t out[33], a[4] = {0};
	ccsp_sm3_drbg d, copy;
	instantiated(&d, &copy);
	memset(out, 0xee, sizeof out);
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_generate(NULL, out, 32, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_generate(&d, NULL, 32, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_generate(&d, out, 0, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_generate(&d, out, 33, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_generate(&d, out, SIZE_MAX, NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_generate(&d, out, 32, NULL, 4));
	assert_ccsp(CCSP_ERR_ARG, ccsp_sm3_drbg_generate(&d, out, 32, a, (size_t)CCSP_SM3_DRBG_MAX_INPUT + 1));
	assert_unchanged(&d, &copy);
	for (size_t i = 0; i < sizeof out; i++)
		assert_int_equal(out[i], 0xee);
	ccsp_sm3_drbg_uninstantiate(&d);
	copy = d;
	assert_ccsp(CCSP_ERR_STATE, ccsp_sm3_drbg_generate(&d, out, 32, NULL, 0));
	assert_unchanged(&d, &copy);
}

static void test_uninstantiate_wipes(void **state)
{
	(void)state;
	static const uint8_t zero[sizeof(ccsp_sm3_drbg)];
	ccsp_sm3_drbg d, copy;
	instantiated(&d, &copy);
	ccsp_sm3_drbg_uninstantiate(&d);
	assert_memory_equal(&d, zero, sizeof d);
	ccsp_sm3_drbg_uninstantiate(NULL);
}

/* ---- reseed policy ---------------------------------------------------------------------------- */

static void test_reseed_after_interval(void **state)
{
	(void)state;
	uint8_t out[32], e[32] = {7};
	ccsp_sm3_drbg d, copy;
	instantiated(&d, &copy);
	for (unsigned i = 0; i < CCSP_SM3_DRBG_RESEED_INTERVAL; i++)
		assert_ok(ccsp_sm3_drbg_generate(&d, out, 1 + i % 32, NULL, 0));
	copy = d;
	assert_ccsp(CCSP_ERR_RESEED_REQUIRED, ccsp_sm3_drbg_generate(&d, out, 32, NULL, 0));
	assert_ccsp(CCSP_ERR_RESEED_REQUIRED, ccsp_sm3_drbg_generate(&d, out, 32, e, 4));
	assert_unchanged(&d, &copy);
	assert_ok(ccsp_sm3_drbg_reseed(&d, e, sizeof e, NULL, 0));
	assert_int_equal(d.reseed_counter, 1);
	assert_ok(ccsp_sm3_drbg_generate(&d, out, 32, NULL, 0));
	ccsp_sm3_drbg_uninstantiate(&d);
}

/* The 60 s limit, checked by moving the recorded seed time rather than waiting. */
static void test_reseed_after_time_limit(void **state)
{
	(void)state;
	uint8_t out[32], e[32] = {7};
	ccsp_sm3_drbg d, copy;
	instantiated(&d, &copy);
	d.last_reseed_time -= CCSP_SM3_DRBG_RESEED_SECONDS;
	copy = d;
	assert_ccsp(CCSP_ERR_RESEED_REQUIRED, ccsp_sm3_drbg_generate(&d, out, 32, NULL, 0));
	assert_unchanged(&d, &copy);
	/* a seed time in the future (a copied or corrupted instance) is not trusted either */
	d.last_reseed_time += 10 * CCSP_SM3_DRBG_RESEED_SECONDS;
	assert_ccsp(CCSP_ERR_RESEED_REQUIRED, ccsp_sm3_drbg_generate(&d, out, 32, NULL, 0));
	assert_ok(ccsp_sm3_drbg_reseed(&d, e, sizeof e, NULL, 0));
	assert_ok(ccsp_sm3_drbg_generate(&d, out, 32, NULL, 0));
	ccsp_sm3_drbg_uninstantiate(&d);
}

/* ---- ccsp_random ------------------------------------------------------------------------------ */

static uint8_t big[1 << 20];

/* Every length 0..1000: bytes past the end untouched, every byte inside written. A byte is taken as
 * "not written" when it kept the fill value in 3 calls filled with 0x00 and 3 filled with 0xff
 * (chance for a written byte: 2^-48). */
static void test_random_lengths(void **state)
{
	(void)state;
	static uint8_t seen00[1001], seenff[1001];
	uint8_t *buf = big;
	for (size_t len = 0; len <= 1000; len++) {
		memset(seen00, 1, len);
		memset(seenff, 1, len);
		for (int round = 0; round < 6; round++) {
			uint8_t fill = round & 1 ? 0xff : 0x00;
			memset(buf, fill, len + 16);
			assert_ok(ccsp_random(buf, len));
			for (size_t i = 0; i < len; i++) {
				if (fill == 0x00)
					seen00[i] &= buf[i] == 0x00;
				else
					seenff[i] &= buf[i] == 0xff;
			}
			for (size_t i = len; i < len + 16; i++)
				assert_int_equal(buf[i], fill);
		}
		for (size_t i = 0; i < len; i++)
			if (seen00[i] && seenff[i])
				fail_msg("len %zu: byte %zu never written", len, i);
	}
	assert_ok(ccsp_random(NULL, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_random(NULL, 1));
}

static void test_random_calls_differ(void **state)
{
	(void)state;
	uint8_t a[32], b[32], c[100], d[100];
	assert_ok(ccsp_random(a, sizeof a));
	assert_ok(ccsp_random(b, sizeof b));
	assert_memory_not_equal(a, b, sizeof a);
	assert_ok(ccsp_random(c, sizeof c));
	assert_ok(ccsp_random(d, sizeof d));
	assert_memory_not_equal(c, d, sizeof c);
	/* inside one request, consecutive 32-byte blocks differ too */
	assert_memory_not_equal(c, c + 32, 32);
}

#define NTHREADS 8
static uint8_t thread_out[NTHREADS][32];

static void *thread_main(void *arg)
{
	uint8_t *out = arg, tmp[300];
	ccsp_err ret = ccsp_random(out, 32);
	for (int i = 0; i < 50 && ret == CCSP_OK; i++)
		ret = ccsp_random(tmp, sizeof tmp);
	return ret == CCSP_OK ? out : NULL;
}

/* 8 threads, each with its own instance, exit and have it wiped by the key destructor (ASan/UBSan
 * builds check that the destructor path is clean). */
static void test_random_threads(void **state)
{
	(void)state;
	pthread_t t[NTHREADS];
	uint8_t mine[32];
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_main, thread_out[i]), 0);
	for (int i = 0; i < NTHREADS; i++) {
		void *res;
		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_ptr_equal(res, thread_out[i]);
	}
	assert_ok(ccsp_random(mine, sizeof mine));
	for (int i = 0; i < NTHREADS; i++) {
		assert_memory_not_equal(thread_out[i], mine, 32);
		for (int j = i + 1; j < NTHREADS; j++)
			assert_memory_not_equal(thread_out[i], thread_out[j], 32);
	}
}

/* Child gets 32 bytes, sends them through the pipe; the parent takes its own next 32 bytes. With
 * the parent's state copied into the child, both would be equal. */
static void check_child_differs(int use_raw_clone)
{
	int fd[2];
	uint8_t parent[32], child[32];
	assert_ok(ccsp_random(parent, sizeof parent)); /* the instance exists before the fork */
	assert_int_equal(pipe(fd), 0);
	pid_t pid = use_raw_clone ? (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL) : fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int ok = ccsp_random(child, sizeof child) == CCSP_OK &&
		         write(fd[1], child, sizeof child) == (ssize_t)sizeof child;
		_exit(ok ? 0 : 1);
	}
	close(fd[1]);
	assert_ok(ccsp_random(parent, sizeof parent));
	assert_int_equal(read(fd[0], child, sizeof child), (ssize_t)sizeof child);
	close(fd[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_memory_not_equal(parent, child, sizeof parent);
}

static void test_random_fork(void **state)
{
	(void)state;
	check_child_differs(0);
}

/* clone() without libc's fork(): no atfork handler runs, only the pid check can catch it. */
static void test_random_raw_clone(void **state)
{
	(void)state;
	check_child_differs(1);
}

/* Monobit and poker (4-bit) over 1 MB, bounds so loose that a working generator cannot fail them
 * (> 10 sigma for monobit; chi-square with 15 d.o.f. outside [0.3, 100] has probability < 1e-10)
 * while a stuck, biased or badly structured output would. */
static void test_random_statistics(void **state)
{
	(void)state;
	uint64_t ones = 0, f[16] = {0};
	assert_ok(ccsp_random(big, sizeof big));
	for (size_t i = 0; i < sizeof big; i++) {
		ones += (uint64_t)__builtin_popcount(big[i]);
		f[big[i] & 15]++;
		f[big[i] >> 4]++;
	}
	/* |ones - n/2| < 10 sigma with sigma^2 = n/4 */
	double nbits = 8.0 * sizeof big, dev = (double)ones - nbits / 2;
	if (!(dev * dev < 100 * nbits / 4))
		fail_msg("monobit: %llu ones in %.0f bits", (unsigned long long)ones, nbits);
	double k = 2.0 * sizeof big, sum = 0;
	for (int i = 0; i < 16; i++)
		sum += (double)f[i] * (double)f[i];
	double x = 16.0 / k * sum - k;
	if (!(x > 0.3 && x < 100))
		fail_msg("poker statistic %f", x);
}

/* ---- reseeding inside ccsp_random, observed through the entropy draws --------------------------- */

static _Atomic int draws;

static ccsp_err counting_source(uint8_t *buf, size_t len)
{
	atomic_fetch_add(&draws, 1);
	return syscall(SYS_getrandom, buf, len, 0) == (long)len ? CCSP_OK : CCSP_ERR_RNG;
}

static void *pr_thread(void *arg)
{
	int *res = arg;
	uint8_t buf[32];
	int ok = 1;
	atomic_store(&draws, 0);
	ok &= ccsp_random(buf, sizeof buf) == CCSP_OK && atomic_load(&draws) == 1; /* instantiate */
	for (int i = 0; i < 10; i++)
		ok &= ccsp_random(buf, sizeof buf) == CCSP_OK;
	ok &= atomic_load(&draws) == 1; /* no reseed without a reason */
	ccsp_random_set_prediction_resistance(1);
	for (int i = 0; i < 10; i++)
		ok &= ccsp_random(buf, sizeof buf) == CCSP_OK;
	ok &= atomic_load(&draws) == 11; /* one reseed per call */
	*res = ok;
	return NULL;
}

static void *interval_thread(void *arg)
{
	int *res = arg;
	static uint8_t buf[(CCSP_SM3_DRBG_RESEED_INTERVAL + 1) * 32];
	atomic_store(&draws, 0);
	/* one request spanning more generates than the interval allows: reseeded inside the loop */
	*res = ccsp_random(buf, sizeof buf) == CCSP_OK && atomic_load(&draws) >= 2;
	return NULL;
}

static void run_thread(void *(*fn)(void *))
{
	pthread_t t;
	int res = 0;
	ccsp_entropy_set_source_for_testing(counting_source);
	assert_int_equal(pthread_create(&t, NULL, fn, &res), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	ccsp_entropy_set_source_for_testing(NULL);
	assert_true(res);
}

static void test_random_prediction_resistance(void **state)
{
	(void)state;
	run_thread(pr_thread);
}

static void test_random_reseeds_automatically(void **state)
{
	(void)state;
	run_thread(interval_thread);
}

static void record_result(const char *name, ccsp_err result, void *arg)
{
	int *seen = arg;
	if (strcmp(name, "SM3-DRBG") == 0 && result == CCSP_OK)
		seen[0]++;
	if (strcmp(name, "entropy-startup") == 0 && result == CCSP_OK)
		seen[1]++;
}

/* The DRBG self-test is registered and reports both of its parts. */
static void test_selftest_registered(void **state)
{
	(void)state;
	int seen[2] = {0, 0};
	assert_ok(ccsp_selftest(record_result, seen));
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 1);
}

static int setup(void **state)
{
	(void)state;
	uint8_t b[1];
	/* power-on self-tests (including the DRBG KAT) run here, before any test hook is set */
	return ccsp_random(b, sizeof b) == CCSP_OK && ccsp_module_get_state() == CCSP_STATE_OPERATIONAL ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kat_selftest_vector),
		cmocka_unit_test(test_kat_plain_vector),
		cmocka_unit_test(test_kat_emmansun),
		cmocka_unit_test(test_selftest_registered),
		cmocka_unit_test(test_short_output_is_prefix),
		cmocka_unit_test(test_instantiate_errors),
		cmocka_unit_test(test_reseed_errors),
		cmocka_unit_test(test_generate_errors),
		cmocka_unit_test(test_uninstantiate_wipes),
		cmocka_unit_test(test_reseed_after_interval),
		cmocka_unit_test(test_reseed_after_time_limit),
		cmocka_unit_test(test_random_lengths),
		cmocka_unit_test(test_random_calls_differ),
		cmocka_unit_test(test_random_threads),
		cmocka_unit_test(test_random_fork),
		cmocka_unit_test(test_random_raw_clone),
		cmocka_unit_test(test_random_statistics),
		cmocka_unit_test(test_random_prediction_resistance),
		cmocka_unit_test(test_random_reseeds_automatically),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
