/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLCP record layer (src/tlcp/tlcp_record*.c): round trips for no protection, CBC and GCM across sizes 0..16384
 * (every size to 2 KiB, then every 7th, and the last 17) fed in random pieces; every tampering (each byte of header, IV or explicit nonce, ciphertext, MAC or
 * tag), truncation, reordering, replay, wrong keys; CBC records built by hand with every padding length, valid and
 * bad, which must all get the one answer (CCSP_ERR_AUTH, bad_record_mac); strict headers; sequence-number wrap;
 * open() in place against feed() + read().
 */
#include <string.h>

#include <ccsp/mem.h>
#include <ccsp/sm3.h>
#include <ccsp/sm4.h>

#include "test_util.h"
#include "tlcp.h"

static uint8_t wire[3 * CCSP_TLCP_MAX_RECORD + 64];
static uint8_t msg[40000];

static ccsp_tlcp_key_block make_kb(uint16_t suite, uint64_t seed)
{
	ccsp_tlcp_key_block kb;
	const ccsp_tlcp_suite *s = ccsp_tlcp_suite_find(suite);
	memset(&kb, 0, sizeof kb);
	test_rand_seed(seed);
	kb.suite = suite;
	if (s != NULL && s->mac_key_len > 0) {
		test_rand(kb.client_mac, 32);
		test_rand(kb.server_mac, 32);
	}
	test_rand(kb.client_key, 16);
	test_rand(kb.server_key, 16);
	test_rand(kb.client_iv, s != NULL ? s->iv_len : 16);
	test_rand(kb.server_iv, s != NULL ? s->iv_len : 16);
	return kb;
}

/* A reader (the server's read side) or writer (the client's write side) for kb; suite 0: no protection. */
static ccsp_tlcp_record *endpoint(const ccsp_tlcp_key_block *kb, int dir, int is_server)
{
	ccsp_tlcp_record *r = ccsp_tlcp_record_new();
	assert_non_null(r);
	if (kb != NULL)
		assert_ok(ccsp_tlcp_record_set_cipher(r, dir, kb, is_server));
	return r;
}

/*
 * Feed wire[0..len) in pieces (piece 0: random sizes) until a record comes out or an error; *used = bytes taken.
 * Returns the error, or CCSP_OK with *type (0: none) and the plaintext copied to out.
 */
static ccsp_err deliver(ccsp_tlcp_record *r, const uint8_t *w, size_t len, size_t piece, size_t *used, uint8_t *type,
                        uint8_t *out, size_t *outlen)
{
	size_t pos = 0;
	*type = 0;
	*outlen = 0;
	for (;;) {
		const uint8_t *data;
		size_t n, c;
		ccsp_err e = ccsp_tlcp_record_read(r, type, &data, &n);
		if (e != CCSP_OK || *type != 0) {
			if (e == CCSP_OK) {
				memcpy(out, data, n);
				*outlen = n;
			}
			if (used != NULL)
				*used = pos;
			return e;
		}
		if (pos == len)
			break;
		n = piece ? piece : 1 + test_rand_below(len - pos);
		if (n > len - pos)
			n = len - pos;
		e = ccsp_tlcp_record_feed(r, w + pos, n, &c);
		pos += c;
		if (e != CCSP_OK) {
			if (used != NULL)
				*used = pos;
			return e;
		}
	}
	if (used != NULL)
		*used = pos;
	return CCSP_OK;
}

static const uint16_t modes[] = {0, CCSP_TLCP_ECC_SM4_CBC_SM3, CCSP_TLCP_ECC_SM4_GCM_SM3};

/* Expected fragment size for n plaintext bytes. */
static size_t frag_size(uint16_t suite, size_t n)
{
	if (suite == 0)
		return n;
	if (ccsp_tlcp_suite_find(suite)->aead)
		return 8 + n + 16;
	return 16 + (n + 32 + 1 + 15) / 16 * 16;
}

static void roundtrip_one(ccsp_tlcp_record *w, ccsp_tlcp_record *r, uint16_t suite, size_t n)
{
	static uint8_t got[CCSP_TLCP_MAX_PLAINTEXT];
	size_t wl, gl, used;
	uint8_t type;
	uint64_t ws = ccsp_tlcp_record_seq(w, CCSP_TLCP_WRITE);
	assert_ok(ccsp_tlcp_record_write(w, CCSP_TLCP_APPLICATION_DATA, n ? msg : NULL, n, wire, sizeof wire, &wl));
	assert_int_equal(wl, ccsp_tlcp_record_wire_size(w, n));
	assert_int_equal(wl, 5 + frag_size(suite, n));
	assert_int_equal(wire[0], 23);
	assert_int_equal(wire[1], 0x01);
	assert_int_equal(wire[2], 0x01);
	assert_int_equal((size_t)wire[3] << 8 | wire[4], wl - 5);
	if (suite != 0 && ccsp_tlcp_suite_find(suite)->aead)
		for (int i = 0; i < 8; i++) /* the explicit nonce is the sequence number */
			assert_int_equal(wire[5 + i], (uint8_t)(ws >> (56 - 8 * i)));
	assert_ok(deliver(r, wire, wl, 0, &used, &type, got, &gl));
	assert_int_equal(used, wl);
	assert_int_equal(type, CCSP_TLCP_APPLICATION_DATA);
	assert_int_equal(gl, n);
	if (n > 0 && memcmp(got, msg, n) != 0)
		fail_msg("suite %04x size %zu: plaintext differs", suite, n);
	assert_int_equal(ccsp_tlcp_record_seq(r, CCSP_TLCP_READ), ccsp_tlcp_record_seq(w, CCSP_TLCP_WRITE));
}

static void test_roundtrip_sizes(void **state)
{
	(void)state;
	test_rand_seed(1);
	test_rand(msg, sizeof msg);
	for (size_t m = 0; m < 3; m++) {
		ccsp_tlcp_key_block kb = make_kb(modes[m], 2);
		ccsp_tlcp_record *w = endpoint(modes[m] ? &kb : NULL, CCSP_TLCP_WRITE, 0);
		ccsp_tlcp_record *r = endpoint(modes[m] ? &kb : NULL, CCSP_TLCP_READ, 1);
		/* every size to 2 KiB (all paddings, all block offsets), then every 7th (all offsets mod 16), and the top */
		uint64_t count = 0;
		for (size_t n = 0; n <= CCSP_TLCP_MAX_PLAINTEXT; n += n < 2048 ? 1 : 7, count++)
			roundtrip_one(w, r, modes[m], n);
		for (size_t n = CCSP_TLCP_MAX_PLAINTEXT - 16; n <= CCSP_TLCP_MAX_PLAINTEXT; n++, count++)
			roundtrip_one(w, r, modes[m], n);
		assert_int_equal(ccsp_tlcp_record_seq(w, CCSP_TLCP_WRITE), count);
		ccsp_tlcp_record_free(w);
		ccsp_tlcp_record_free(r);
	}
}

/* Both directions of one connection: the client writes with the client's keys, the server with its own. */
static void test_both_directions(void **state)
{
	(void)state;
	static const uint16_t all[] = {CCSP_TLCP_ECC_SM4_CBC_SM3, CCSP_TLCP_ECDHE_SM4_CBC_SM3, CCSP_TLCP_ECC_SM4_GCM_SM3,
	                               CCSP_TLCP_ECDHE_SM4_GCM_SM3};
	uint8_t got[64], type;
	size_t wl, gl;
	for (size_t i = 0; i < 4; i++) {
		ccsp_tlcp_key_block kb = make_kb(all[i], 3);
		ccsp_tlcp_record *c = ccsp_tlcp_record_new(), *s = ccsp_tlcp_record_new();
		assert_ok(ccsp_tlcp_record_set_cipher(c, CCSP_TLCP_WRITE, &kb, 0));
		assert_ok(ccsp_tlcp_record_set_cipher(c, CCSP_TLCP_READ, &kb, 0));
		assert_ok(ccsp_tlcp_record_set_cipher(s, CCSP_TLCP_WRITE, &kb, 1));
		assert_ok(ccsp_tlcp_record_set_cipher(s, CCSP_TLCP_READ, &kb, 1));
		for (int k = 0; k < 3; k++) {
			assert_ok(ccsp_tlcp_record_write(c, CCSP_TLCP_HANDSHAKE, (const uint8_t *)"ping", 4, wire, sizeof wire, &wl));
			assert_ok(deliver(s, wire, wl, 1, NULL, &type, got, &gl));
			assert_int_equal(type, CCSP_TLCP_HANDSHAKE);
			assert_memory_equal(got, "ping", 4);
			assert_ok(ccsp_tlcp_record_write(s, CCSP_TLCP_ALERT, (const uint8_t *)"po", 2, wire, sizeof wire, &wl));
			assert_ok(deliver(c, wire, wl, 7, NULL, &type, got, &gl));
			assert_int_equal(type, CCSP_TLCP_ALERT);
			assert_int_equal(gl, 2);
		}
		/* a client reading its own records uses the server's keys: refused */
		assert_ok(ccsp_tlcp_record_write(c, CCSP_TLCP_HANDSHAKE, (const uint8_t *)"ping", 4, wire, sizeof wire, &wl));
		assert_ccsp(CCSP_ERR_AUTH, deliver(c, wire, wl, 0, NULL, &type, got, &gl));
		ccsp_tlcp_record_free(c);
		ccsp_tlcp_record_free(s);
	}
}

/* A long write is cut into records of 2^14 bytes; several records fed at once come out one by one. */
static void test_fragmentation(void **state)
{
	(void)state;
	static uint8_t got[sizeof msg];
	uint8_t type;
	test_rand(msg, sizeof msg);
	for (size_t m = 0; m < 3; m++) {
		ccsp_tlcp_key_block kb = make_kb(modes[m], 4);
		ccsp_tlcp_record *w = endpoint(modes[m] ? &kb : NULL, CCSP_TLCP_WRITE, 0);
		ccsp_tlcp_record *r = endpoint(modes[m] ? &kb : NULL, CCSP_TLCP_READ, 1);
		size_t wl, pos = 0, total = 0, gl, used;
		assert_ok(ccsp_tlcp_record_write(w, CCSP_TLCP_APPLICATION_DATA, msg, sizeof msg, wire, sizeof wire, &wl));
		assert_int_equal(wl, 5 * 3 + frag_size(modes[m], 16384) * 2 + frag_size(modes[m], sizeof msg - 32768));
		assert_int_equal(ccsp_tlcp_record_seq(w, CCSP_TLCP_WRITE), 3);
		for (int k = 0; k < 3; k++) {
			/* the object holds one record: a feed of everything takes that record, the next takes nothing */
			size_t c;
			const uint8_t *d;
			assert_ok(ccsp_tlcp_record_feed(r, wire + pos, wl - pos, &c));
			assert_int_equal(c, 5 + frag_size(modes[m], k < 2 ? 16384 : sizeof msg - 32768));
			pos += c;
			if (pos < wl) {
				assert_ok(ccsp_tlcp_record_feed(r, wire + pos, wl - pos, &used));
				assert_int_equal(used, 0);
			}
			assert_int_equal(ccsp_tlcp_record_want(r), 0);
			assert_ok(ccsp_tlcp_record_read(r, &type, &d, &gl));
			assert_int_equal(type, CCSP_TLCP_APPLICATION_DATA);
			memcpy(got + total, d, gl);
			total += gl;
		}
		assert_int_equal(pos, wl);
		assert_int_equal(total, sizeof msg);
		assert_memory_equal(got, msg, sizeof msg);
		ccsp_tlcp_record_free(w);
		ccsp_tlcp_record_free(r);
	}
}

/* Every byte of a record, flipped two ways: never a record out; a fragment byte always gets bad_record_mac. */
static void test_tamper_every_byte(void **state)
{
	(void)state;
	static const size_t sizes[] = {0, 1, 15, 16, 47, 100};
	static const uint8_t flips[] = {0x01, 0x80};
	uint8_t good[256], bad[256], got[256], type;
	for (size_t m = 1; m < 3; m++) {
		ccsp_tlcp_key_block kb = make_kb(modes[m], 5);
		for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
			ccsp_tlcp_record *w = endpoint(&kb, CCSP_TLCP_WRITE, 0);
			size_t wl, gl;
			assert_ok(ccsp_tlcp_record_write(w, CCSP_TLCP_APPLICATION_DATA, msg, sizes[si], good, sizeof good, &wl));
			for (size_t i = 0; i < wl; i++) {
				for (size_t f = 0; f < 2; f++) {
					ccsp_tlcp_record *r = endpoint(&kb, CCSP_TLCP_READ, 1);
					memcpy(bad, good, wl);
					bad[i] ^= flips[f];
					ccsp_err e = deliver(r, bad, wl, 0, NULL, &type, got, &gl);
					if (e == CCSP_OK && type != 0)
						fail_msg("suite %04x size %zu: byte %zu ^ %02x accepted", modes[m], sizes[si], i, flips[f]);
					if (i >= 5 || (i == 0 && bad[0] >= 20 && bad[0] <= 23)) {
						assert_ccsp(CCSP_ERR_AUTH, e);
						assert_int_equal(ccsp_tlcp_record_alert(r), CCSP_TLCP_ALERT_BAD_RECORD_MAC);
					} else if (i == 0) {
						assert_ccsp(CCSP_ERR_PROTOCOL, e);
						assert_int_equal(ccsp_tlcp_record_alert(r), CCSP_TLCP_ALERT_UNEXPECTED_MESSAGE);
					} else if (i <= 2) {
						assert_ccsp(CCSP_ERR_PROTOCOL, e);
						assert_int_equal(ccsp_tlcp_record_alert(r), CCSP_TLCP_ALERT_PROTOCOL_VERSION);
					} else if ((bad[3] << 8 | bad[4]) < (good[3] << 8 | good[4])) {
						assert_ccsp(CCSP_ERR_AUTH, e); /* a shorter record: its end is not a record's end */
					} else {
						/* longer: waits for more bytes, or too long for any record */
						assert_true(e == CCSP_OK || (e == CCSP_ERR_PROTOCOL && ccsp_tlcp_record_alert(r) ==
						                                                          CCSP_TLCP_ALERT_RECORD_OVERFLOW));
					}
					ccsp_tlcp_record_free(r);
				}
			}
			ccsp_tlcp_record_free(w);
		}
	}
}

/* open() in place: several records in one buffer, each prefix of a record not yet a record, the plaintext where it
 * lies; every tampering gives the answer feed() + read() give, and leaves the refused record wiped. */
static void test_open_in_place(void **state)
{
	static const size_t sizes[] = {0, 1, 100, 16384, 16385, 3};
	static uint8_t buf[sizeof wire];
	(void)state;
	for (size_t m = 0; m < 3; m++) {
		ccsp_tlcp_key_block kb = make_kb(modes[m], 11);
		ccsp_tlcp_record *w = endpoint(modes[m] ? &kb : NULL, CCSP_TLCP_WRITE, 0);
		ccsp_tlcp_record *r = endpoint(modes[m] ? &kb : NULL, CCSP_TLCP_READ, 1);
		size_t wl = 0, pos = 0, nrec = 0, want_off[16], want_len[16];
		for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			size_t l;
			assert_ok(ccsp_tlcp_record_write(w, CCSP_TLCP_APPLICATION_DATA, msg, sizes[i], wire + wl,
			                                 sizeof wire - wl, &l));
			wl += l;
			for (size_t off = 0; off == 0 || off < sizes[i]; off += CCSP_TLCP_MAX_PLAINTEXT, nrec++) {
				want_off[nrec] = off;
				want_len[nrec] = sizes[i] - off < CCSP_TLCP_MAX_PLAINTEXT ? sizes[i] - off : CCSP_TLCP_MAX_PLAINTEXT;
			}
		}
		memcpy(buf, wire, wl);
		for (size_t k = 0; k < nrec; k++) {
			uint8_t type, *data;
			size_t used, n, size = 5 + ((size_t)buf[pos + 3] << 8 | buf[pos + 4]);
			for (size_t cut = 0; cut < size; cut += 1 + size / 7) {
				assert_ok(ccsp_tlcp_record_open(r, buf + pos, cut, &used, &type, &data, &n));
				assert_int_equal(type, 0);
				assert_int_equal(used, 0);
			}
			assert_ok(ccsp_tlcp_record_open(r, buf + pos, wl - pos, &used, &type, &data, &n));
			assert_int_equal(type, CCSP_TLCP_APPLICATION_DATA);
			assert_int_equal(used, size);
			assert_true(data >= buf + pos && data + n <= buf + pos + size);
			assert_int_equal(n, want_len[k]);
			if (n > 0)
				assert_memory_equal(data, msg + want_off[k], n);
			pos += used;
		}
		assert_int_equal(pos, wl);
		ccsp_tlcp_record_free(r);
		ccsp_tlcp_record_free(w);
	}
	for (size_t m = 1; m < 3; m++) {
		ccsp_tlcp_key_block kb = make_kb(modes[m], 12);
		ccsp_tlcp_record *w = endpoint(&kb, CCSP_TLCP_WRITE, 0);
		uint8_t good[128], bad[128], got[128], type, *data;
		size_t wl, gl, used, n;
		assert_ok(ccsp_tlcp_record_write(w, CCSP_TLCP_APPLICATION_DATA, msg, 40, good, sizeof good, &wl));
		for (size_t i = 0; i < wl; i++) {
			ccsp_tlcp_record *r1 = endpoint(&kb, CCSP_TLCP_READ, 1), *r2 = endpoint(&kb, CCSP_TLCP_READ, 1);
			memcpy(bad, good, wl);
			bad[i] ^= 0x01;
			ccsp_err e1 = deliver(r1, bad, wl, wl, NULL, &type, got, &gl);
			ccsp_err e2 = ccsp_tlcp_record_open(r2, bad, wl, &used, &type, &data, &n);
			assert_int_equal(e1, e2);
			assert_int_equal(ccsp_tlcp_record_alert(r1), ccsp_tlcp_record_alert(r2));
			if (e2 == CCSP_ERR_AUTH) {
				static const uint8_t zero[128];
				assert_memory_equal(bad, zero, wl);
			}
			ccsp_tlcp_record_free(r1);
			ccsp_tlcp_record_free(r2);
		}
		ccsp_tlcp_record_free(w);
	}
}

/* A record cut short waits for the rest; a length too short for the mode is bad_record_mac. */
static void test_truncated(void **state)
{
	(void)state;
	uint8_t good[256], got[256], type;
	for (size_t m = 1; m < 3; m++) {
		ccsp_tlcp_key_block kb = make_kb(modes[m], 6);
		ccsp_tlcp_record *w = endpoint(&kb, CCSP_TLCP_WRITE, 0);
		size_t wl, gl;
		assert_ok(ccsp_tlcp_record_write(w, CCSP_TLCP_APPLICATION_DATA, msg, 20, good, sizeof good, &wl));
		for (size_t k = 1; k <= wl; k++) {
			ccsp_tlcp_record *r = endpoint(&kb, CCSP_TLCP_READ, 1);
			assert_ok(deliver(r, good, wl - k, 0, NULL, &type, got, &gl));
			assert_int_equal(type, 0);
			assert_int_equal(ccsp_tlcp_record_want(r), wl - k < 5 ? 5 - (wl - k) : k);
			ccsp_tlcp_record_free(r);
		}
		/* other header lengths, from 0 (below the mode's minimum) up, over the real record's bytes */
		size_t min = modes[m] == CCSP_TLCP_ECC_SM4_GCM_SM3 ? 24 : 64;
		for (size_t len = 0; len < min + 20; len++) {
			if (len == wl - 5)
				continue; /* the real record */
			ccsp_tlcp_record *r = endpoint(&kb, CCSP_TLCP_READ, 1);
			uint8_t rec[256];
			memcpy(rec, good, sizeof rec);
			rec[3] = 0;
			rec[4] = (uint8_t)len;
			ccsp_err e = deliver(r, rec, 5 + len, 0, NULL, &type, got, &gl);
			if (e != CCSP_ERR_AUTH)
				fail_msg("suite %04x length %zu: %s, type %u", modes[m], len, ccsp_err_name(e), type);
			assert_int_equal(ccsp_tlcp_record_alert(r), CCSP_TLCP_ALERT_BAD_RECORD_MAC);
			ccsp_tlcp_record_free(r);
		}
		ccsp_tlcp_record_free(w);
	}
}

/* The sequence number is in every MAC and AAD: a record out of order or twice is refused. */
static void test_replay_reorder(void **state)
{
	(void)state;
	uint8_t rec[3][128], got[64], type;
	size_t len[3], gl;
	for (size_t m = 1; m < 3; m++) {
		ccsp_tlcp_key_block kb = make_kb(modes[m], 7);
		ccsp_tlcp_record *w = endpoint(&kb, CCSP_TLCP_WRITE, 0);
		for (int k = 0; k < 3; k++)
			assert_ok(ccsp_tlcp_record_write(w, CCSP_TLCP_APPLICATION_DATA, msg, 30, rec[k], sizeof rec[k], &len[k]));
		/* in order: all accepted */
		ccsp_tlcp_record *r = endpoint(&kb, CCSP_TLCP_READ, 1);
		for (int k = 0; k < 3; k++) {
			assert_ok(deliver(r, rec[k], len[k], 0, NULL, &type, got, &gl));
			assert_int_equal(type, CCSP_TLCP_APPLICATION_DATA);
		}
		ccsp_tlcp_record_free(r);
		/* reordered */
		r = endpoint(&kb, CCSP_TLCP_READ, 1);
		assert_ccsp(CCSP_ERR_AUTH, deliver(r, rec[1], len[1], 0, NULL, &type, got, &gl));
		ccsp_tlcp_record_free(r);
		/* replayed */
		r = endpoint(&kb, CCSP_TLCP_READ, 1);
		assert_ok(deliver(r, rec[0], len[0], 0, NULL, &type, got, &gl));
		assert_ccsp(CCSP_ERR_AUTH, deliver(r, rec[0], len[0], 0, NULL, &type, got, &gl));
		/* the failure is final: the next good record is refused too */
		assert_ccsp(CCSP_ERR_AUTH, deliver(r, rec[1], len[1], 0, NULL, &type, got, &gl));
		assert_int_equal(ccsp_tlcp_record_alert(r), CCSP_TLCP_ALERT_BAD_RECORD_MAC);
		ccsp_tlcp_record_free(r);
		/* dropped */
		r = endpoint(&kb, CCSP_TLCP_READ, 1);
		assert_ok(deliver(r, rec[0], len[0], 0, NULL, &type, got, &gl));
		assert_ccsp(CCSP_ERR_AUTH, deliver(r, rec[2], len[2], 0, NULL, &type, got, &gl));
		ccsp_tlcp_record_free(r);
		/* another content type under the same bytes */
		r = endpoint(&kb, CCSP_TLCP_READ, 1);
		rec[0][0] = CCSP_TLCP_HANDSHAKE;
		assert_ccsp(CCSP_ERR_AUTH, deliver(r, rec[0], len[0], 0, NULL, &type, got, &gl));
		ccsp_tlcp_record_free(r);
		ccsp_tlcp_record_free(w);
	}
}

/* Wrong keys: another key block, one bit of the MAC key, the cipher key or the GCM salt. */
static void test_wrong_key(void **state)
{
	(void)state;
	uint8_t rec[128], got[64], type;
	size_t len, gl;
	for (size_t m = 1; m < 3; m++) {
		ccsp_tlcp_key_block kb = make_kb(modes[m], 8);
		ccsp_tlcp_record *w = endpoint(&kb, CCSP_TLCP_WRITE, 0);
		assert_ok(ccsp_tlcp_record_write(w, CCSP_TLCP_APPLICATION_DATA, msg, 50, rec, sizeof rec, &len));
		for (int v = 0; v < 4; v++) {
			ccsp_tlcp_key_block bad = v == 0 ? make_kb(modes[m], 9) : kb;
			if (v == 1)
				bad.client_key[15] ^= 1;
			if (v == 2)
				bad.client_mac[0] ^= 0x80;
			if (v == 3)
				bad.client_iv[3] ^= 1;
			if ((v == 2 && modes[m] == CCSP_TLCP_ECC_SM4_GCM_SM3) || (v == 3 && modes[m] == CCSP_TLCP_ECC_SM4_CBC_SM3))
				continue; /* not a key of this mode (GCM has no MAC key; CBC records carry their own IV) */
			ccsp_tlcp_record *r = endpoint(&bad, CCSP_TLCP_READ, 1);
			assert_ccsp(CCSP_ERR_AUTH, deliver(r, rec, len, 0, NULL, &type, got, &gl));
			assert_int_equal(ccsp_tlcp_record_alert(r), CCSP_TLCP_ALERT_BAD_RECORD_MAC);
			ccsp_tlcp_record_free(r);
		}
		/* a protected record read without protection is not taken as data: its bytes are returned as sent */
		ccsp_tlcp_record_free(w);
	}
}

/* A CBC record built by hand: data (n) || MAC || padding (pad + 1 bytes of `pad`), sequence number 0, then the
 * padding or MAC altered by `spoil`. Returns the record's size. */
static size_t cbc_record(const ccsp_tlcp_key_block *kb, size_t n, size_t pad, void (*spoil)(uint8_t *p, size_t L, size_t arg),
                         size_t arg, uint8_t *out)
{
	ccsp_sm4_key k;
	uint8_t hdr[13] = {0, 0, 0, 0, 0, 0, 0, 0, 23, 1, 1, (uint8_t)(n >> 8), (uint8_t)n};
	uint8_t *iv = out + 5, *p = out + 21;
	size_t L = n + 32 + pad + 1;
	assert_int_equal(L % 16, 0);
	ccsp_hmac_sm3_ctx h;
	memcpy(p, msg, n);
	assert_ok(ccsp_hmac_sm3_init(&h, kb->client_mac, 32));
	assert_ok(ccsp_hmac_sm3_update(&h, hdr, sizeof hdr));
	assert_ok(ccsp_hmac_sm3_update(&h, p, n));
	assert_ok(ccsp_hmac_sm3_final(&h, p + n));
	memset(p + n + 32, (int)pad, pad + 1);
	if (spoil != NULL)
		spoil(p, L, arg);
	test_rand(iv, 16);
	assert_ok(ccsp_sm4_set_key(&k, kb->client_key, 16));
	assert_ok(ccsp_sm4_cbc_encrypt(&k, iv, p, p, L));
	ccsp_sm4_key_wipe(&k);
	out[0] = 23;
	out[1] = 1;
	out[2] = 1;
	out[3] = (uint8_t)((16 + L) >> 8);
	out[4] = (uint8_t)(16 + L);
	return 5 + 16 + L;
}

static void spoil_pad_byte(uint8_t *p, size_t L, size_t j) /* padding byte at distance j from the end */
{
	p[L - 1 - j] ^= 0x01;
}

static void spoil_pad_len(uint8_t *p, size_t L, size_t delta) /* padding_length claims more (or less) */
{
	p[L - 1] = (uint8_t)(p[L - 1] + delta);
}

static void spoil_mac(uint8_t *p, size_t L, size_t pad)
{
	p[L - 1 - pad - 1 - 5] ^= 0x10;
}

static void test_cbc_padding(void **state)
{
	(void)state;
	static uint8_t rec[1024], got[1024];
	uint8_t type;
	size_t gl;
	ccsp_tlcp_key_block kb = make_kb(CCSP_TLCP_ECC_SM4_CBC_SM3, 10);
	test_rand(msg, sizeof msg);
	for (size_t pad = 0; pad < 256; pad++) {
		for (size_t base = 0; base <= 304; base += 304) {
			size_t n = base + (16 - (32 + pad + 1) % 16) % 16;
			size_t len = cbc_record(&kb, n, pad, NULL, 0, rec);
			ccsp_tlcp_record *r = endpoint(&kb, CCSP_TLCP_READ, 1);
			/* every padding length 0..255 is valid when consistent */
			assert_ok(deliver(r, rec, len, 0, NULL, &type, got, &gl));
			assert_int_equal(type, CCSP_TLCP_APPLICATION_DATA);
			assert_int_equal(gl, n);
			assert_memory_equal(got, msg, n);
			ccsp_tlcp_record_free(r);

			/* each bad padding gets the one answer */
			for (size_t v = 0; v < pad + 3; v++) {
				if (v < pad) /* any padding byte but padding_length */
					len = cbc_record(&kb, n, pad, spoil_pad_byte, v + 1, rec);
				else if (v == pad) /* the MAC */
					len = cbc_record(&kb, n, pad, spoil_mac, pad, rec);
				else if (v == pad + 1) /* padding_length one more: points into the MAC, or past 255 */
					len = cbc_record(&kb, n, pad, spoil_pad_len, 1, rec);
				else /* padding_length 16 less (a block less of padding), or wrapped */
					len = cbc_record(&kb, n, pad, spoil_pad_len, 256 - 16, rec);
				r = endpoint(&kb, CCSP_TLCP_READ, 1);
				ccsp_err e = deliver(r, rec, len, 0, NULL, &type, got, &gl);
				if (e != CCSP_ERR_AUTH || ccsp_tlcp_record_alert(r) != CCSP_TLCP_ALERT_BAD_RECORD_MAC)
					fail_msg("pad %zu n %zu variant %zu: %s", pad, n, v, ccsp_err_name(e));
				ccsp_tlcp_record_free(r);
			}
		}
	}
}

/* A padding_length larger than the record, on the shortest records. */
static void test_cbc_padding_too_long(void **state)
{
	(void)state;
	uint8_t rec[256], got[256], type;
	size_t gl;
	ccsp_tlcp_key_block kb = make_kb(CCSP_TLCP_ECC_SM4_CBC_SM3, 11);
	for (size_t delta = 1; delta < 256; delta++) {
		size_t len = cbc_record(&kb, 15, 0, spoil_pad_len, delta, rec); /* L = 48 */
		ccsp_tlcp_record *r = endpoint(&kb, CCSP_TLCP_READ, 1);
		assert_ccsp(CCSP_ERR_AUTH, deliver(r, rec, len, 0, NULL, &type, got, &gl));
		assert_int_equal(ccsp_tlcp_record_alert(r), CCSP_TLCP_ALERT_BAD_RECORD_MAC);
		ccsp_tlcp_record_free(r);
	}
}

/* Authentic records with more than 2^14 bytes of plaintext: record_overflow. */
static void test_plaintext_overflow(void **state)
{
	(void)state;
	static uint8_t rec[CCSP_TLCP_HEADER_SIZE + CCSP_TLCP_MAX_CIPHERTEXT], got[CCSP_TLCP_MAX_CIPHERTEXT];
	uint8_t type;
	size_t gl, n = CCSP_TLCP_MAX_PLAINTEXT + 1;
	/* CBC */
	ccsp_tlcp_key_block kb = make_kb(CCSP_TLCP_ECC_SM4_CBC_SM3, 12);
	size_t pad = (16 - (n + 33) % 16) % 16;
	size_t len = cbc_record(&kb, n, pad, NULL, 0, rec);
	ccsp_tlcp_record *r = endpoint(&kb, CCSP_TLCP_READ, 1);
	assert_ccsp(CCSP_ERR_PROTOCOL, deliver(r, rec, len, 0, NULL, &type, got, &gl));
	assert_int_equal(ccsp_tlcp_record_alert(r), CCSP_TLCP_ALERT_RECORD_OVERFLOW);
	ccsp_tlcp_record_free(r);
	/* GCM */
	kb = make_kb(CCSP_TLCP_ECC_SM4_GCM_SM3, 13);
	uint8_t aad[13] = {0, 0, 0, 0, 0, 0, 0, 0, 23, 1, 1, (uint8_t)(n >> 8), (uint8_t)n}, nonce[12] = {0};
	memcpy(nonce, kb.client_iv, 4);
	ccsp_sm4_key k;
	assert_ok(ccsp_sm4_set_key(&k, kb.client_key, 16));
	memset(rec + 5, 0, 8);
	assert_ok(ccsp_sm4_gcm_encrypt(&k, nonce, 12, aad, 13, msg, rec + 13, n, rec + 13 + n));
	rec[0] = 23;
	rec[1] = rec[2] = 1;
	rec[3] = (uint8_t)((n + 24) >> 8);
	rec[4] = (uint8_t)(n + 24);
	r = endpoint(&kb, CCSP_TLCP_READ, 1);
	assert_ccsp(CCSP_ERR_PROTOCOL, deliver(r, rec, 5 + n + 24, 0, NULL, &type, got, &gl));
	assert_int_equal(ccsp_tlcp_record_alert(r), CCSP_TLCP_ALERT_RECORD_OVERFLOW);
	ccsp_tlcp_record_free(r);
	ccsp_sm4_key_wipe(&k);
}

static ccsp_err feed_header(ccsp_tlcp_record *r, uint8_t type, unsigned version, size_t len)
{
	uint8_t h[5] = {type, (uint8_t)(version >> 8), (uint8_t)version, (uint8_t)(len >> 8), (uint8_t)len};
	size_t c;
	return ccsp_tlcp_record_feed(r, h, 5, &c);
}

static void test_header_checks(void **state)
{
	(void)state;
	static const struct {
		uint8_t type;
		unsigned version;
		size_t len;
		int protected_;
		ccsp_err err;
		uint8_t alert;
	} cases[] = {
		{.type = 23, .version = 0x0101, .len = 16384, .protected_ = 0, .err = CCSP_OK, .alert = CCSP_TLCP_ALERT_NONE},
		{.type = 23, .version = 0x0101, .len = 16385, .protected_ = 0, .err = CCSP_ERR_PROTOCOL,
		 .alert = CCSP_TLCP_ALERT_RECORD_OVERFLOW},
		{.type = 23, .version = 0x0101, .len = 18432, .protected_ = 1, .err = CCSP_OK, .alert = CCSP_TLCP_ALERT_NONE},
		{.type = 23, .version = 0x0101, .len = 18433, .protected_ = 1, .err = CCSP_ERR_PROTOCOL,
		 .alert = CCSP_TLCP_ALERT_RECORD_OVERFLOW},
		{.type = 23, .version = 0xffff, .len = 65535, .protected_ = 1, .err = CCSP_ERR_PROTOCOL,
		 .alert = CCSP_TLCP_ALERT_PROTOCOL_VERSION},
		{.type = 22, .version = 0x0303, .len = 10, .protected_ = 0, .err = CCSP_ERR_PROTOCOL,
		 .alert = CCSP_TLCP_ALERT_PROTOCOL_VERSION},
		{.type = 22, .version = 0x0100, .len = 10, .protected_ = 0, .err = CCSP_ERR_PROTOCOL,
		 .alert = CCSP_TLCP_ALERT_PROTOCOL_VERSION},
		{.type = 19, .version = 0x0101, .len = 10, .protected_ = 0, .err = CCSP_ERR_PROTOCOL,
		 .alert = CCSP_TLCP_ALERT_UNEXPECTED_MESSAGE},
		{.type = 24, .version = 0x0101, .len = 10, .protected_ = 1, .err = CCSP_ERR_PROTOCOL,
		 .alert = CCSP_TLCP_ALERT_UNEXPECTED_MESSAGE},
		{.type = 0x80, .version = 0x0101, .len = 10, .protected_ = 0, .err = CCSP_ERR_PROTOCOL,
		 .alert = CCSP_TLCP_ALERT_UNEXPECTED_MESSAGE},
	};
	ccsp_tlcp_key_block kb = make_kb(CCSP_TLCP_ECDHE_SM4_GCM_SM3, 14);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ccsp_tlcp_record *r = endpoint(cases[i].protected_ ? &kb : NULL, CCSP_TLCP_READ, 1);
		assert_ccsp(cases[i].err, feed_header(r, cases[i].type, cases[i].version, cases[i].len));
		assert_int_equal(ccsp_tlcp_record_alert(r), cases[i].alert);
		if (cases[i].err != CCSP_OK) { /* final: every later call answers the same */
			uint8_t t;
			const uint8_t *d;
			size_t n;
			assert_ccsp(cases[i].err, feed_header(r, 23, 0x0101, 10));
			assert_ccsp(cases[i].err, ccsp_tlcp_record_read(r, &t, &d, &n));
			assert_int_equal(t, 0);
		} else {
			assert_int_equal(ccsp_tlcp_record_want(r), cases[i].len);
		}
		ccsp_tlcp_record_free(r);
	}
	/* empty plaintext records are the upper layer's to judge: the record layer passes them on */
	ccsp_tlcp_record *r = endpoint(NULL, CCSP_TLCP_READ, 1);
	uint8_t t;
	const uint8_t *d;
	size_t n;
	assert_ok(feed_header(r, 22, 0x0101, 0));
	assert_ok(ccsp_tlcp_record_read(r, &t, &d, &n));
	assert_int_equal(t, 22);
	assert_int_equal(n, 0);
	ccsp_tlcp_record_free(r);
}

static void test_seq_wrap(void **state)
{
	(void)state;
	uint8_t got[64], type;
	size_t wl, gl;
	for (size_t m = 1; m < 3; m++) {
		ccsp_tlcp_key_block kb = make_kb(modes[m], 15);
		ccsp_tlcp_record *w = endpoint(&kb, CCSP_TLCP_WRITE, 0), *r = endpoint(&kb, CCSP_TLCP_READ, 1);
		ccsp_tlcp_record_set_seq(w, CCSP_TLCP_WRITE, UINT64_MAX - 1);
		ccsp_tlcp_record_set_seq(r, CCSP_TLCP_READ, UINT64_MAX - 1);
		assert_ok(ccsp_tlcp_record_write(w, CCSP_TLCP_APPLICATION_DATA, msg, 10, wire, sizeof wire, &wl));
		assert_ok(deliver(r, wire, wl, 0, NULL, &type, got, &gl));
		assert_int_equal(type, CCSP_TLCP_APPLICATION_DATA);
		assert_int_equal(ccsp_tlcp_record_seq(w, CCSP_TLCP_WRITE), UINT64_MAX);
		/* 2^64 - 1 would be next: refused, nothing written */
		assert_ccsp(CCSP_ERR_LIMIT, ccsp_tlcp_record_write(w, CCSP_TLCP_APPLICATION_DATA, msg, 10, wire, sizeof wire, &wl));
		assert_int_equal(wl, 0);
		ccsp_tlcp_record_set_seq(w, CCSP_TLCP_WRITE, 5);
		assert_ok(ccsp_tlcp_record_write(w, CCSP_TLCP_APPLICATION_DATA, msg, 10, wire, sizeof wire, &wl));
		assert_ccsp(CCSP_ERR_LIMIT, deliver(r, wire, wl, 0, NULL, &type, got, &gl));
		assert_int_equal(ccsp_tlcp_record_alert(r), CCSP_TLCP_ALERT_INTERNAL_ERROR);
		/* a long write needs room for all its records */
		ccsp_tlcp_record_set_seq(w, CCSP_TLCP_WRITE, UINT64_MAX - 2);
		assert_ccsp(CCSP_ERR_LIMIT,
		            ccsp_tlcp_record_write(w, CCSP_TLCP_APPLICATION_DATA, msg, 40000, wire, sizeof wire, &wl));
		assert_int_equal(ccsp_tlcp_record_seq(w, CCSP_TLCP_WRITE), UINT64_MAX - 2);
		assert_ok(ccsp_tlcp_record_write(w, CCSP_TLCP_APPLICATION_DATA, msg, 20000, wire, sizeof wire, &wl));
		/* set_cipher starts a direction over at 0 */
		assert_ok(ccsp_tlcp_record_set_cipher(w, CCSP_TLCP_WRITE, &kb, 0));
		assert_int_equal(ccsp_tlcp_record_seq(w, CCSP_TLCP_WRITE), 0);
		ccsp_tlcp_record_free(w);
		ccsp_tlcp_record_free(r);
	}
}

/* CBC: a fresh random IV per record, so equal plaintexts do not give equal records. */
static void test_cbc_fresh_iv(void **state)
{
	(void)state;
	uint8_t a[128], b[128];
	size_t al, bl;
	ccsp_tlcp_key_block kb = make_kb(CCSP_TLCP_ECDHE_SM4_CBC_SM3, 16);
	ccsp_tlcp_record *w1 = endpoint(&kb, CCSP_TLCP_WRITE, 0), *w2 = endpoint(&kb, CCSP_TLCP_WRITE, 0);
	assert_ok(ccsp_tlcp_record_write(w1, CCSP_TLCP_APPLICATION_DATA, msg, 40, a, sizeof a, &al));
	assert_ok(ccsp_tlcp_record_write(w2, CCSP_TLCP_APPLICATION_DATA, msg, 40, b, sizeof b, &bl));
	assert_int_equal(al, bl);
	assert_memory_not_equal(a + 5, b + 5, 16);
	assert_memory_not_equal(a + 21, b + 21, al - 21);
	ccsp_tlcp_record_free(w1);
	ccsp_tlcp_record_free(w2);
}

static void test_api_errors(void **state)
{
	(void)state;
	uint8_t out[64], t;
	const uint8_t *d;
	size_t n, c;
	ccsp_tlcp_key_block kb = make_kb(CCSP_TLCP_ECC_SM4_CBC_SM3, 17);
	ccsp_tlcp_record *r = ccsp_tlcp_record_new();
	assert_non_null(r);
	assert_int_equal(ccsp_tlcp_record_alert(r), CCSP_TLCP_ALERT_NONE);
	assert_int_equal(ccsp_tlcp_record_want(r), 5);
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_record_write(r, 19, msg, 1, out, sizeof out, &n));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_record_write(r, 24, msg, 1, out, sizeof out, &n));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_record_write(r, 23, NULL, 1, out, sizeof out, &n));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_record_write(r, 23, msg, 1, NULL, sizeof out, &n));
	assert_ok(ccsp_tlcp_record_set_cipher(r, CCSP_TLCP_WRITE, &kb, 0));
	assert_ccsp(CCSP_ERR_BUFFER_TOO_SMALL, ccsp_tlcp_record_write(r, 23, msg, 100, out, sizeof out, &n));
	assert_int_equal(n, 5 + 16 + 144);
	assert_int_equal(ccsp_tlcp_record_seq(r, CCSP_TLCP_WRITE), 0);
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_record_set_cipher(r, 2, &kb, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_record_set_cipher(r, CCSP_TLCP_READ, NULL, 0));
	kb.suite = 0xE015;
	assert_ccsp(CCSP_ERR_UNSUPPORTED, ccsp_tlcp_record_set_cipher(r, CCSP_TLCP_READ, &kb, 0));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_record_feed(r, NULL, 1, &c));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_record_feed(r, msg, 1, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_tlcp_record_read(r, NULL, &d, &n));
	assert_ok(ccsp_tlcp_record_feed(r, NULL, 0, &c));
	assert_int_equal(c, 0);
	assert_ok(ccsp_tlcp_record_read(r, &t, &d, &n));
	assert_int_equal(t, 0);
	ccsp_tlcp_record_free(r);
	ccsp_tlcp_record_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_sizes),    cmocka_unit_test(test_both_directions),
		cmocka_unit_test(test_fragmentation),      cmocka_unit_test(test_tamper_every_byte),
		cmocka_unit_test(test_truncated),          cmocka_unit_test(test_replay_reorder),
		cmocka_unit_test(test_wrong_key),          cmocka_unit_test(test_cbc_padding),
		cmocka_unit_test(test_cbc_padding_too_long), cmocka_unit_test(test_plaintext_overflow),
		cmocka_unit_test(test_header_checks),      cmocka_unit_test(test_seq_wrap),
		cmocka_unit_test(test_cbc_fresh_iv),       cmocka_unit_test(test_api_errors),
		cmocka_unit_test(test_open_in_place),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
