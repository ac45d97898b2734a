/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opcodes and field tags of the SDF wire protocol (docs/sdf-protocol.md). Shared by libsdf and vsmd.
 * Values are stable: never renumber, only append.
 *
 * Public keys travel as 64 bytes x||y, signatures as 64 bytes r||s, SM2 ciphertexts as C1(x||y, 64) || C3(32)
 * || C2 — the fixed-width fields of ECCCipher, without the 64-byte padding of ECCref_MAX_LEN. libsdf converts
 * to and from the GM/T 0018 structures.
 */
#ifndef CCSP_SDF_OPS_H
#define CCSP_SDF_OPS_H

typedef enum ccsp_sdf_op {
	CCSP_SDF_OP_HELLO = 1, /* token, device id -> device id */

	/* device and session management (GM/T 0018 6.2) */
	CCSP_SDF_OP_OPEN_SESSION = 0x100,  /* -> session id (in the header) */
	CCSP_SDF_OP_CLOSE_SESSION,
	CCSP_SDF_OP_GET_DEVICE_INFO,       /* -> DEVICEINFO fields */
	CCSP_SDF_OP_GENERATE_RANDOM,       /* length -> data */
	CCSP_SDF_OP_GET_ACCESS_RIGHT,      /* index, password */
	CCSP_SDF_OP_RELEASE_ACCESS_RIGHT,  /* index */

	/* key management (6.3) */
	CCSP_SDF_OP_EXPORT_SIGN_PUBLIC = 0x200, /* index -> public */
	CCSP_SDF_OP_EXPORT_ENC_PUBLIC,          /* index -> public */
	CCSP_SDF_OP_GENERATE_KEY_WITH_IPK,      /* index, bits -> cipher, handle */
	CCSP_SDF_OP_GENERATE_KEY_WITH_EPK,      /* bits, alg, public -> cipher, handle */
	CCSP_SDF_OP_IMPORT_KEY_WITH_ISK,        /* index, cipher -> handle */
	CCSP_SDF_OP_GENERATE_KEY_WITH_KEK,      /* bits, alg, index -> data, handle */
	CCSP_SDF_OP_IMPORT_KEY_WITH_KEK,        /* alg, index, data -> handle */
	CCSP_SDF_OP_DESTROY_KEY,                /* handle */
	CCSP_SDF_OP_AGREEMENT_DATA,             /* index, bits, id -> public, tmp public, handle */
	CCSP_SDF_OP_AGREEMENT_KEY,              /* id, public, tmp public, handle -> handle */
	CCSP_SDF_OP_AGREEMENT_DATA_AND_KEY,     /* index, bits, id (responder's), id2, public2, tmp public2
	                                           (sponsor's) -> public, tmp public, handle */
	CCSP_SDF_OP_EXCHANGE_ENVELOPE_ECC,      /* index, alg, public, cipher -> cipher */

	/* asymmetric (6.4, and the 6.8 debug functions) */
	CCSP_SDF_OP_EXTERNAL_VERIFY = 0x300, /* alg, public, data(e), signature */
	CCSP_SDF_OP_INTERNAL_SIGN,           /* index, data(e) -> signature */
	CCSP_SDF_OP_INTERNAL_VERIFY,         /* index, data(e), signature */
	CCSP_SDF_OP_EXTERNAL_ENCRYPT,        /* alg, public, data -> cipher */
	CCSP_SDF_OP_INTERNAL_ENCRYPT,        /* index, alg, data -> cipher */
	CCSP_SDF_OP_INTERNAL_DECRYPT,        /* index, alg, cipher -> data */
	CCSP_SDF_OP_GENERATE_KEY_PAIR,       /* alg, bits -> public, private */
	CCSP_SDF_OP_EXTERNAL_SIGN,           /* alg, private, data(e) -> signature */
	CCSP_SDF_OP_EXTERNAL_DECRYPT,        /* alg, private, cipher -> data */
	/* vendor extension: SM2 pairs whose private key leaves the VSM only wrapped by a KEK (docs/sdf.md) */
	CCSP_SDF_OP_GENERATE_KEY_PAIR_WITH_KEK, /* alg (SGD_SM2_1 sign, SGD_SM2_3 enc), index (KEK) -> public,
	                                           wrapped (62 bytes) */
	CCSP_SDF_OP_SIGN_WITH_KEK,              /* index (KEK), wrapped (1..64), data(e, 32) -> signature */
	CCSP_SDF_OP_DECRYPT_WITH_KEK,           /* index (KEK), wrapped (1..64), cipher -> data */
	/* vendor extension: key import (BYOK) under a wrapped SM2 encryption pair, export to a public key */
	CCSP_SDF_OP_IMPORT_KEY_WITH_WRAPPED_KEY, /* index (KEK), wrapped (import key, 1..64), kind, cipher (97..160),
	                                            [SM2 kinds: private (d SM4-ECB-encrypted, 32), public] -> wrapped */
	CCSP_SDF_OP_EXPORT_KEY_WITH_KEK,         /* index (KEK), kind, wrapped (1..64), public (recipient) -> cipher,
	                                            [SM2 kinds: private (d SM4-ECB-encrypted, 32)] */
	/* vendor extension: split-knowledge backup of a wrapped key (Shamir m of n, shares SM2-encrypted), recovery */
	CCSP_SDF_OP_BACKUP_KEY_WITH_KEK,           /* index (KEK), kind, wrapped (1..64), threshold (m), count (n),
	                                              n x public (custodians) -> n x cipher (97..169) */
	CCSP_SDF_OP_RECOVER_KEY_WITH_WRAPPED_KEY,  /* index (KEK), wrapped (import key, 1..64), kind, count (m),
	                                              m x cipher (97..169), [SM2 kinds: public] -> wrapped */
	/* vendor extension: a key set's backup, each key moved between the KEK and a backup key (KEK-wrapped SM4) */
	CCSP_SDF_OP_EXPORT_KEY_WITH_BACKUP_KEY, /* index (KEK), key (backup key wrap, 16), kind, wrapped (1..64),
	                                           aad (1..1024), [SM2 kinds: public] -> iv (12), data (16|32), tag */
	CCSP_SDF_OP_IMPORT_KEY_WITH_BACKUP_KEY, /* index (KEK), key (backup key wrap, 16), kind, aad (1..1024),
	                                           iv (12), data (16|32), tag (16), [SM2 kinds: public] -> wrapped */

	/* symmetric (6.5) */
	CCSP_SDF_OP_ENCRYPT = 0x400, /* handle, alg, iv, data -> data */
	CCSP_SDF_OP_DECRYPT,         /* handle, alg, iv, data -> data */
	CCSP_SDF_OP_CALCULATE_MAC,   /* handle, alg, iv, data -> mac */
	CCSP_SDF_OP_AUTH_ENC,        /* handle, alg, iv, aad, data -> data, tag */
	CCSP_SDF_OP_AUTH_DEC,        /* handle, alg, iv, aad, tag, data -> data */
	CCSP_SDF_OP_ENCRYPT_INIT,    /* handle, alg, iv */
	CCSP_SDF_OP_ENCRYPT_UPDATE,  /* data -> data (whole blocks for ECB/CBC: up to len + 15 bytes) */
	CCSP_SDF_OP_ENCRYPT_FINAL,   /* -> data (empty: no padding) */
	CCSP_SDF_OP_DECRYPT_INIT,
	CCSP_SDF_OP_DECRYPT_UPDATE,
	CCSP_SDF_OP_DECRYPT_FINAL,
	CCSP_SDF_OP_MAC_INIT,        /* handle, alg, iv */
	CCSP_SDF_OP_MAC_UPDATE,      /* data */
	CCSP_SDF_OP_MAC_FINAL,       /* -> mac */
	CCSP_SDF_OP_AUTH_ENC_INIT,   /* handle, alg, iv, aad, length */
	CCSP_SDF_OP_AUTH_ENC_UPDATE, /* data -> data */
	CCSP_SDF_OP_AUTH_ENC_FINAL,  /* -> data, tag */
	CCSP_SDF_OP_AUTH_DEC_INIT,   /* handle, alg, iv, aad, tag, length */
	CCSP_SDF_OP_AUTH_DEC_UPDATE, /* data -> data (empty: the VSM withholds plaintext until the tag is checked) */
	CCSP_SDF_OP_AUTH_DEC_FINAL,  /* -> data, length (bytes still withheld: call again until 0) */
	CCSP_SDF_OP_EXTERNAL_KEY_ENCRYPT,      /* alg, key, iv, data -> data */
	CCSP_SDF_OP_EXTERNAL_KEY_DECRYPT,      /* alg, key, iv, data -> data */
	CCSP_SDF_OP_EXTERNAL_KEY_ENCRYPT_INIT, /* alg, key, iv */
	CCSP_SDF_OP_EXTERNAL_KEY_DECRYPT_INIT, /* alg, key, iv */
	/* vendor extension: one-shot SM4-GCM with an SM4 key that leaves the VSM only wrapped by a KEK */
	CCSP_SDF_OP_AUTH_ENC_WITH_KEK, /* index (KEK), wrapped (1..64), aad, data -> data, iv (12, from the DRBG),
	                                  tag */
	CCSP_SDF_OP_AUTH_DEC_WITH_KEK, /* index (KEK), wrapped (1..64), iv (12), aad, tag (16), data -> data */

	/* hash and HMAC (6.6) */
	CCSP_SDF_OP_HASH_INIT = 0x500, /* alg, [public, id] */
	CCSP_SDF_OP_HASH_UPDATE,       /* data */
	CCSP_SDF_OP_HASH_FINAL,        /* -> data */
	CCSP_SDF_OP_HMAC_INIT,         /* handle, alg */
	CCSP_SDF_OP_HMAC_UPDATE,       /* data */
	CCSP_SDF_OP_HMAC_FINAL,        /* -> mac */
	CCSP_SDF_OP_EXTERNAL_KEY_HMAC_INIT, /* alg, key */

	/* files (6.7) */
	CCSP_SDF_OP_CREATE_FILE = 0x600, /* name, size */
	CCSP_SDF_OP_READ_FILE,           /* name, offset, length -> data */
	CCSP_SDF_OP_WRITE_FILE,          /* name, offset, data */
	CCSP_SDF_OP_DELETE_FILE,         /* name */

	/* crypto officer, admin socket only */
	CCSP_SDF_OP_ADMIN_KEYGEN = 0xF00, /* kind, index, [password] */
	CCSP_SDF_OP_ADMIN_KEYDEL,         /* kind, index */
	CCSP_SDF_OP_ADMIN_KEYS,           /* -> list */
	CCSP_SDF_OP_ADMIN_SET_PASSWORD,   /* index, password */
	CCSP_SDF_OP_ADMIN_RESET,          /* zeroise */
} ccsp_sdf_op;

/* Field tags. */
enum {
	CCSP_SDF_T_TOKEN = 1,
	CCSP_SDF_T_DEVICE_ID = 2,
	CCSP_SDF_T_INDEX = 3,
	CCSP_SDF_T_PASSWORD = 4,
	CCSP_SDF_T_ALG = 5,
	CCSP_SDF_T_BITS = 6,
	CCSP_SDF_T_LENGTH = 7,
	CCSP_SDF_T_OFFSET = 8,
	CCSP_SDF_T_HANDLE = 9,
	CCSP_SDF_T_PUBLIC = 10,
	CCSP_SDF_T_TMP_PUBLIC = 11,
	CCSP_SDF_T_PRIVATE = 12,
	CCSP_SDF_T_CIPHER = 13,
	CCSP_SDF_T_SIGNATURE = 14,
	CCSP_SDF_T_DATA = 15,
	CCSP_SDF_T_IV = 16,
	CCSP_SDF_T_AAD = 17,
	CCSP_SDF_T_TAG = 18,
	CCSP_SDF_T_ID = 19,
	CCSP_SDF_T_ID2 = 20,
	CCSP_SDF_T_KEY = 21,
	CCSP_SDF_T_NAME = 22,
	CCSP_SDF_T_KIND = 23,
	CCSP_SDF_T_INFO = 24,
	CCSP_SDF_T_MAC = 25,
	CCSP_SDF_T_PUBLIC2 = 26,
	CCSP_SDF_T_TMP_PUBLIC2 = 27,
	CCSP_SDF_T_WRAPPED = 28, /* a private key wrapped by a KEK (the *_WITH_KEK pair operations), the key of the
	                            BYOK import / export in its KEK wrap, or the SM4 key of AUTH_ENC/DEC_WITH_KEK */
	CCSP_SDF_T_THRESHOLD = 29, /* m of a split-knowledge backup */
	CCSP_SDF_T_COUNT = 30,     /* how many repeated fields follow (custodian keys, shares) */
};

/* Longest wrapped private key a request or response may carry (ccspd stores at most as much). */
#define CCSP_SDF_WRAPPED_MAX 64
/* Longest AAD of an SM4-GCM request (AuthEnc, AuthDec, their Inits and the *_WITH_KEK forms). */
#define CCSP_SDF_AAD_MAX (1u << 16)

#endif
