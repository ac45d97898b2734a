/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal (not installed): TLCP, GB/T 38636-2020 (same wire format as GM/T 0024-2014), protocol version
 * 0x0101. This is the foundation the handshake will be built on: the cipher suites, the key schedule
 * (PRF with HMAC-SM3, master secret, key block, Finished) and the record layer. See docs/tlcp.md for the
 * byte-level formats and the constant-time decisions.
 *
 * Errors: CCSP_ERR_ARG for a NULL pointer (a data pointer may be NULL when its length is 0) or a length or
 * value out of range; CCSP_ERR_UNSUPPORTED for an unknown cipher suite; CCSP_ERR_MODULE_STATE when the
 * crypto module is in the error state. Record-layer refusals are described with each function.
 *
 * Threads: the key-schedule functions are pure and thread-safe. A record-layer object belongs to one
 * thread at a time.
 */
#ifndef CCSP_TLCP_H
#define CCSP_TLCP_H

#include <ccsp/error.h>
#include <ccsp/sm3.h>
#include <ccsp/sm4.h>

#define CCSP_TLCP_VERSION 0x0101
#define CCSP_TLCP_RANDOM_SIZE 32
#define CCSP_TLCP_PRE_MASTER_SIZE 48  /* ECC suites: version (2) || 46 random bytes, SM2-encrypted */
#define CCSP_TLCP_MASTER_SIZE 48
#define CCSP_TLCP_VERIFY_DATA_SIZE 12
#define CCSP_TLCP_HEADER_SIZE 5
#define CCSP_TLCP_MAX_PLAINTEXT 16384                          /* 2^14 */
#define CCSP_TLCP_MAX_CIPHERTEXT (CCSP_TLCP_MAX_PLAINTEXT + 2048) /* a protected record's fragment */
/* Largest record write() produces: header, IV, 2^14 bytes, MAC and 16 bytes of padding (CBC). */
#define CCSP_TLCP_MAX_RECORD (CCSP_TLCP_HEADER_SIZE + 16 + CCSP_TLCP_MAX_PLAINTEXT + 32 + 16)

/* Cipher suites (GB/T 38636-2020 and GM/T 0024-2014 use the same code points). */
enum {
	CCSP_TLCP_ECDHE_SM4_CBC_SM3 = 0xE011,
	CCSP_TLCP_ECC_SM4_CBC_SM3 = 0xE013,
	CCSP_TLCP_ECDHE_SM4_GCM_SM3 = 0xE051,
	CCSP_TLCP_ECC_SM4_GCM_SM3 = 0xE053,
};

/* Record content types (the record protocol of GB/T 38636-2020). */
enum {
	CCSP_TLCP_CHANGE_CIPHER_SPEC = 20,
	CCSP_TLCP_ALERT = 21,
	CCSP_TLCP_HANDSHAKE = 22,
	CCSP_TLCP_APPLICATION_DATA = 23,
};

/* Alert descriptions the record layer asks its caller to send (the alert protocol; TLS values). */
enum {
	CCSP_TLCP_ALERT_NONE = 255, /* not an alert: no failure */
	CCSP_TLCP_ALERT_UNEXPECTED_MESSAGE = 10,
	CCSP_TLCP_ALERT_BAD_RECORD_MAC = 20,
	CCSP_TLCP_ALERT_RECORD_OVERFLOW = 22,
	CCSP_TLCP_ALERT_DECODE_ERROR = 50,
	CCSP_TLCP_ALERT_PROTOCOL_VERSION = 70,
	CCSP_TLCP_ALERT_INTERNAL_ERROR = 80,
};

/* A suite's properties. */
typedef struct ccsp_tlcp_suite {
	uint16_t id;
	const char *name;    /* "ECC_SM4_CBC_SM3", ... */
	int ecdhe;           /* 1: SM2 key exchange; 0: premaster encrypted to the server's encryption key */
	int aead;            /* 1: SM4-GCM records; 0: SM4-CBC + HMAC-SM3 */
	size_t mac_key_len;  /* 32 (CBC) or 0 (GCM) */
	size_t enc_key_len;  /* 16 */
	size_t iv_len;       /* key-block IV: 16 (CBC, unused by records: every record carries its IV) or 4 (GCM salt) */
} ccsp_tlcp_suite;

/* The suite with this code point, or NULL. */
const ccsp_tlcp_suite *ccsp_tlcp_suite_find(uint16_t id);

/* ---- key schedule (GB/T 38636-2020, key calculation) ---- */

/* PRF(secret, label, seed) = P_SM3(secret, label || seed) (TLS 1.2 P_hash with HMAC-SM3); outlen >= 1. label is
 * an ASCII string without its terminating NUL. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_prf(const uint8_t *secret, size_t secretlen, const char *label, const uint8_t *seed,
                                       size_t seedlen, uint8_t *out, size_t outlen);

/* master_secret = PRF(pre_master_secret, "master secret", client_random || server_random)[0..47]. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_master_secret(const uint8_t pre_master[CCSP_TLCP_PRE_MASTER_SIZE],
                                                 const uint8_t client_random[CCSP_TLCP_RANDOM_SIZE],
                                                 const uint8_t server_random[CCSP_TLCP_RANDOM_SIZE],
                                                 uint8_t master[CCSP_TLCP_MASTER_SIZE]);

/* The key block, split: PRF(master, "key expansion", server_random || client_random) cut
 * into client MAC key, server MAC key, client key, server key, client IV, server IV, in that order, with the
 * suite's lengths (unused bytes of this structure are zero). Wipe it with ccsp_memzero() after use. */
typedef struct ccsp_tlcp_key_block {
	uint16_t suite;
	uint8_t client_mac[32], server_mac[32];
	uint8_t client_key[16], server_key[16];
	uint8_t client_iv[16], server_iv[16];
} ccsp_tlcp_key_block;

CCSP_MUST_CHECK ccsp_err ccsp_tlcp_key_block_derive(uint16_t suite, const uint8_t master[CCSP_TLCP_MASTER_SIZE],
                                                    const uint8_t client_random[CCSP_TLCP_RANDOM_SIZE],
                                                    const uint8_t server_random[CCSP_TLCP_RANDOM_SIZE],
                                                    ccsp_tlcp_key_block *kb);

/* verify_data = PRF(master, "client finished" (from_server = 0) or "server finished" (1),
 * SM3(handshake_messages))[0..11]. hs_hash is the SM3 of every handshake message so far (the Finished message). */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_finished(const uint8_t master[CCSP_TLCP_MASTER_SIZE], int from_server,
                                            const uint8_t hs_hash[CCSP_SM3_DIGEST_SIZE],
                                            uint8_t verify_data[CCSP_TLCP_VERIFY_DATA_SIZE]);

/* ---- record layer (GB/T 38636-2020, record protocol) ----
 *
 * A non-blocking, memory-BIO style object: the caller moves bytes between it and the transport.
 *   Receive: ccsp_tlcp_record_feed() the bytes read from the socket; ccsp_tlcp_record_read() returns each whole
 *   record, checked and decrypted. The object holds at most one record: feed() takes bytes up to the end of the
 *   current record and no more until that record has been read.
 *   Send: ccsp_tlcp_record_write() turns plaintext into wire bytes in the caller's buffer.
 * Both directions start with no protection; ccsp_tlcp_record_set_cipher() switches one direction to a suite's
 * keys (after ChangeCipherSpec is sent or received) and resets its sequence number to 0. */

typedef struct ccsp_tlcp_record ccsp_tlcp_record;

enum { CCSP_TLCP_READ = 0, CCSP_TLCP_WRITE = 1 };

/* A new object (about 19 KiB), or NULL when out of memory. free() wipes it (keys and buffered data); NULL is
 * ignored. */
ccsp_tlcp_record *ccsp_tlcp_record_new(void);
void ccsp_tlcp_record_free(ccsp_tlcp_record *r);

/* Protect direction dir (CCSP_TLCP_READ or CCSP_TLCP_WRITE) with kb's keys: an endpoint writes with its own side's
 * keys and reads with the peer's (is_server selects which side this endpoint is). The keys are copied.
 * CCSP_ERR_UNSUPPORTED for an unknown kb->suite. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_record_set_cipher(ccsp_tlcp_record *r, int dir, const ccsp_tlcp_key_block *kb,
                                                     int is_server);

/* Take up to len received bytes; *consumed says how many were taken (0 when a whole record waits to be read).
 * A header is checked as soon as its 5 bytes are in: a known content type (else CCSP_ERR_PROTOCOL,
 * unexpected_message), version 0x0101 (else CCSP_ERR_PROTOCOL, protocol_version), a length of at most 2^14
 * (unprotected) or 2^14 + 2048 (protected) (else CCSP_ERR_PROTOCOL, record_overflow). Any failure is final: the
 * read side then answers every call with the same error, and ccsp_tlcp_record_alert() names the alert. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_record_feed(ccsp_tlcp_record *r, const uint8_t *in, size_t len, size_t *consumed);

/* The next record. CCSP_OK with *type == 0 when more bytes are needed; CCSP_OK with *type (20..23) and the
 * plaintext at *data, *len (<= 2^14) otherwise — valid until the next feed() or read() on r. Refusals are final
 * (as for feed()): CCSP_ERR_AUTH (bad_record_mac) for any failure of a protected record — wrong MAC or tag,
 * bad padding, bad length for the mode, replayed or reordered — one answer whatever the cause, with CBC checked
 * in constant time (docs/tlcp.md); CCSP_ERR_PROTOCOL (record_overflow) for more than 2^14 bytes of authentic
 * plaintext; CCSP_ERR_LIMIT (internal_error) when the sequence number would wrap. Nothing of a refused record's
 * plaintext is released. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_record_read(ccsp_tlcp_record *r, uint8_t *type, const uint8_t **data, size_t *len);

/* The same as feed() then read(), for a caller that holds the received bytes itself (a connection's input buffer):
 * the record at the start of buf (len bytes there) is checked and decrypted in place, with no copy. CCSP_OK with
 * *type == 0 and *used == 0 when buf does not hold the whole record yet (its header, once in, is checked as feed()
 * does); otherwise *used is the record's wire size, *type its content type and the plaintext is at *data, *n bytes
 * inside buf. Refusals as read(), final; the refused record's bytes in buf are wiped. Do not mix with feed()/read()
 * on the same object. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_record_open(ccsp_tlcp_record *r, uint8_t *buf, size_t len, size_t *used,
                                               uint8_t *type, uint8_t **data, size_t *n);

/* Bytes still needed to complete the current record (at least 1 when no record is complete), 0 when a record waits
 * to be read; a hint for how much to read from the transport. */
size_t ccsp_tlcp_record_want(const ccsp_tlcp_record *r);

/* The alert to send for the read side's failure, or CCSP_TLCP_ALERT_NONE when it has not failed. */
uint8_t ccsp_tlcp_record_alert(const ccsp_tlcp_record *r);

/* Wire bytes that write() produces for len plaintext bytes with the current write protection. */
size_t ccsp_tlcp_record_wire_size(const ccsp_tlcp_record *r, size_t len);

/* Protect len bytes of content type `type` (20..23) as records of at most 2^14 bytes each (one empty record when
 * len is 0) into out. in and out must not overlap. CCSP_ERR_BUFFER_TOO_SMALL with *outlen = the size needed when
 * outcap is short; CCSP_ERR_LIMIT when the write sequence number would wrap (nothing written either way);
 * CCSP_ERR_RNG when no CBC IV could be drawn. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_record_write(ccsp_tlcp_record *r, uint8_t type, const uint8_t *in, size_t len,
                                                uint8_t *out, size_t outcap, size_t *outlen);

/* Sequence numbers (for tests: reach the wrap without 2^64 records). Sequence numbers 0 .. 2^64 - 2 are used;
 * the record that would take 2^64 - 1 is refused. */
uint64_t ccsp_tlcp_record_seq(const ccsp_tlcp_record *r, int dir);
void ccsp_tlcp_record_set_seq(ccsp_tlcp_record *r, int dir, uint64_t seq);

#endif
