/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kinds of KMS keys and what each may do (KM-5: a key is bound to one purpose). A key's spec is fixed at
 * creation; every version of it is of the same kind. No I/O: the actions ask here before they touch a key.
 *
 *   spec       material (made in the VSM, stored wrapped)     operations
 *   SM4        SM4 key (GenerateKeyWithKEK)                   encrypt, decrypt, generate-data-key (SM4-GCM)
 *   SM4_MAC    SM4 key                                        mac, mac-verify (SM4-CBC-MAC, GB/T 15852.1
 *                                                             algorithm 1 with padding method 2)
 *   HMAC_SM3   32-byte secret                                 mac, mac-verify (HMAC-SM3)
 *   SM2_SIGN   SM2 pair, private key wrapped for signing      sign, verify, get-public-key
 *   SM2_ENC    SM2 pair, private key wrapped for decryption   asymmetric-decrypt, envelope-open, get-public-key
 *
 * Operations are "new work" (they protect new data or make new signatures: refused on an archived or
 * compromised key) or "old work" (they read data protected before: allowed on archived and compromised keys);
 * kms_state.h's may_encrypt / may_decrypt decide by that.
 * The key policy (keypolicy.h) allows families: "SM4" (SM4, SM4_MAC), "SM2" (SM2_SIGN, SM2_ENC), "HMAC"
 * (HMAC_SM3).
 */
#ifndef CCSP_PLATFORM_KMS_SPEC_H
#define CCSP_PLATFORM_KMS_SPEC_H

typedef enum ccsp_kms_spec {
	CCSP_KMS_SPEC_NONE = 0,
	CCSP_KMS_SPEC_SM4,
	CCSP_KMS_SPEC_SM4_MAC,
	CCSP_KMS_SPEC_HMAC_SM3,
	CCSP_KMS_SPEC_SM2_SIGN,
	CCSP_KMS_SPEC_SM2_ENC,
	CCSP_KMS_SPEC_COUNT_
} ccsp_kms_spec;

typedef enum ccsp_kms_op {
	CCSP_KMS_OP_ENCRYPT = 0,
	CCSP_KMS_OP_DECRYPT,
	CCSP_KMS_OP_GENERATE_DATA_KEY,
	CCSP_KMS_OP_MAC,
	CCSP_KMS_OP_MAC_VERIFY,
	CCSP_KMS_OP_SIGN,
	CCSP_KMS_OP_VERIFY,
	CCSP_KMS_OP_ASYM_DECRYPT,
	CCSP_KMS_OP_GET_PUBLIC_KEY,
	CCSP_KMS_OP_ENVELOPE_OPEN, /* a GM/T 0010 envelope's SM4 key decrypted with the SM2 key: old work */
	CCSP_KMS_OP_COUNT_
} ccsp_kms_op;

/* The spec named name ("SM4", ...), CCSP_KMS_SPEC_NONE for any other name or NULL. */
ccsp_kms_spec ccsp_kms_spec_parse(const char *name);
/* Its name; NULL out of range. */
const char *ccsp_kms_spec_name(ccsp_kms_spec s);
/* The key policy's family of s ("SM4", "SM2", "HMAC"); NULL out of range. */
const char *ccsp_kms_spec_family(ccsp_kms_spec s);
/* 1 when s is an SM2 pair (its versions have a public key). */
int ccsp_kms_spec_is_pair(ccsp_kms_spec s);
/* 1 when a key of spec s may be used for op (the table above). */
int ccsp_kms_spec_permits(ccsp_kms_spec s, ccsp_kms_op op);
/* 1 when op is new work (encrypt, generate-data-key, mac, sign), 0 when it reads old work. */
int ccsp_kms_op_new_work(ccsp_kms_op op);
/* The operation's name as the API spells it ("encrypt", "mac-verify", ...); NULL out of range. */
const char *ccsp_kms_op_name(ccsp_kms_op op);

#endif
