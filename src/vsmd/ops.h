/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vsmd's request handlers: each parses its request fields (src/sdf/sdf_wire.h), calls one VSM function
 * (src/vsm/vsm.h) and writes the response fields. The table in dispatch.c maps opcodes to them.
 */
#ifndef CCSP_VSMD_OPS_H
#define CCSP_VSMD_OPS_H

#include <stdint.h>

#include "sdf/sdf_ops.h"
#include "sdf/sdf_wire.h"
#include "vsm/vsm.h"

typedef struct vsmd_op_ctx {
	ccsp_vsm *vsm;
	uint64_t owner;
	ccsp_vsm_session *s;   /* acquired session, for ops that need one */
	ccsp_sdf_reader *r;
	ccsp_sdf_writer *w;
	uint64_t *session;     /* the response header's session id */
	uint32_t status;       /* an SDR code the handler chose for its error over the standard mapping (0: none) */
} vsmd_op_ctx;

typedef ccsp_err (*vsmd_op_fn)(vsmd_op_ctx *c);

/* Read a request field or fail the request as malformed. */
#define OP_GET(expr)                                                                                       \
	do {                                                                                               \
		if ((expr) != CCSP_OK)                                                                     \
			return CCSP_ERR_PROTOCOL;                                                          \
	} while (0)
/* Every field read, nothing left over. */
#define OP_END(c) OP_GET(ccsp_sdf_reader_end((c)->r))

/* Bounds of the SM4-GCM request fields (op_sym.c, op_stream.c, op_wrapped.c). */
#define GCM_IV_MAX 64
#define AAD_MAX CCSP_SDF_AAD_MAX

/* Device and session (op_device.c) */
ccsp_err vsmd_op_open_session(vsmd_op_ctx *c);
ccsp_err vsmd_op_close_session(vsmd_op_ctx *c);
ccsp_err vsmd_op_get_device_info(vsmd_op_ctx *c);
ccsp_err vsmd_op_generate_random(vsmd_op_ctx *c);
ccsp_err vsmd_op_get_access_right(vsmd_op_ctx *c);
ccsp_err vsmd_op_release_access_right(vsmd_op_ctx *c);
/* SM2 and session keys (op_asym.c) */
ccsp_err vsmd_op_export_sign_public(vsmd_op_ctx *c);
ccsp_err vsmd_op_export_enc_public(vsmd_op_ctx *c);
ccsp_err vsmd_op_internal_sign(vsmd_op_ctx *c);
ccsp_err vsmd_op_internal_verify(vsmd_op_ctx *c);
ccsp_err vsmd_op_external_verify(vsmd_op_ctx *c);
ccsp_err vsmd_op_external_encrypt(vsmd_op_ctx *c);
ccsp_err vsmd_op_internal_encrypt(vsmd_op_ctx *c);
ccsp_err vsmd_op_internal_decrypt(vsmd_op_ctx *c);
ccsp_err vsmd_op_generate_key_pair(vsmd_op_ctx *c);
ccsp_err vsmd_op_external_sign(vsmd_op_ctx *c);
ccsp_err vsmd_op_external_decrypt(vsmd_op_ctx *c);
ccsp_err vsmd_op_generate_key_with_ipk(vsmd_op_ctx *c);
ccsp_err vsmd_op_generate_key_with_epk(vsmd_op_ctx *c);
ccsp_err vsmd_op_import_key_with_isk(vsmd_op_ctx *c);
ccsp_err vsmd_op_generate_key_with_kek(vsmd_op_ctx *c);
ccsp_err vsmd_op_import_key_with_kek(vsmd_op_ctx *c);
ccsp_err vsmd_op_destroy_key(vsmd_op_ctx *c);
/* SM2 pairs wrapped under a KEK, vendor extension (op_wrapped.c) */
ccsp_err vsmd_op_generate_key_pair_with_kek(vsmd_op_ctx *c);
ccsp_err vsmd_op_sign_with_kek(vsmd_op_ctx *c);
ccsp_err vsmd_op_decrypt_with_kek(vsmd_op_ctx *c);
/* SM4-GCM with a KEK-wrapped SM4 key, vendor extension (op_wrapped.c) */
ccsp_err vsmd_op_auth_enc_with_kek(vsmd_op_ctx *c);
ccsp_err vsmd_op_auth_dec_with_kek(vsmd_op_ctx *c);
/* key import under a wrapped SM2 pair, export to a public key (BYOK), vendor extension (op_byok.c) */
ccsp_err vsmd_op_import_key_with_wrapped_key(vsmd_op_ctx *c);
ccsp_err vsmd_op_export_key_with_kek(vsmd_op_ctx *c);
/* split-knowledge key backup and recovery, vendor extension (op_backup.c) */
ccsp_err vsmd_op_backup_key_with_kek(vsmd_op_ctx *c);
ccsp_err vsmd_op_recover_key_with_wrapped_key(vsmd_op_ctx *c);
/* a key set's backup: one key moved between the KEK and a backup key, vendor extension (op_keyset.c) */
ccsp_err vsmd_op_export_key_with_backup_key(vsmd_op_ctx *c);
ccsp_err vsmd_op_import_key_with_backup_key(vsmd_op_ctx *c);
/* SM2 key agreement, digital-envelope exchange (op_kex.c) */
ccsp_err vsmd_op_agreement_data(vsmd_op_ctx *c);
ccsp_err vsmd_op_agreement_key(vsmd_op_ctx *c);
ccsp_err vsmd_op_agreement_data_and_key(vsmd_op_ctx *c);
ccsp_err vsmd_op_exchange_envelope(vsmd_op_ctx *c);
/* Symmetric, hash, HMAC (op_sym.c) */
ccsp_err vsmd_op_encrypt(vsmd_op_ctx *c);
ccsp_err vsmd_op_decrypt(vsmd_op_ctx *c);
ccsp_err vsmd_op_calculate_mac(vsmd_op_ctx *c);
ccsp_err vsmd_op_auth_enc(vsmd_op_ctx *c);
ccsp_err vsmd_op_auth_dec(vsmd_op_ctx *c);
ccsp_err vsmd_op_hash_init(vsmd_op_ctx *c);
ccsp_err vsmd_op_hash_update(vsmd_op_ctx *c);
ccsp_err vsmd_op_hash_final(vsmd_op_ctx *c);
ccsp_err vsmd_op_hmac_init(vsmd_op_ctx *c);
ccsp_err vsmd_op_hmac_update(vsmd_op_ctx *c);
ccsp_err vsmd_op_hmac_final(vsmd_op_ctx *c);
/* Multi-part symmetric operations and the external-key functions of 6.8 (op_stream.c) */
ccsp_err vsmd_op_encrypt_init(vsmd_op_ctx *c);
ccsp_err vsmd_op_encrypt_update(vsmd_op_ctx *c);
ccsp_err vsmd_op_encrypt_final(vsmd_op_ctx *c);
ccsp_err vsmd_op_decrypt_init(vsmd_op_ctx *c);
ccsp_err vsmd_op_decrypt_update(vsmd_op_ctx *c);
ccsp_err vsmd_op_decrypt_final(vsmd_op_ctx *c);
ccsp_err vsmd_op_mac_init(vsmd_op_ctx *c);
ccsp_err vsmd_op_mac_update(vsmd_op_ctx *c);
ccsp_err vsmd_op_mac_final(vsmd_op_ctx *c);
ccsp_err vsmd_op_auth_enc_init(vsmd_op_ctx *c);
ccsp_err vsmd_op_auth_enc_update(vsmd_op_ctx *c);
ccsp_err vsmd_op_auth_enc_final(vsmd_op_ctx *c);
ccsp_err vsmd_op_auth_dec_init(vsmd_op_ctx *c);
ccsp_err vsmd_op_auth_dec_update(vsmd_op_ctx *c);
ccsp_err vsmd_op_auth_dec_final(vsmd_op_ctx *c);
ccsp_err vsmd_op_external_key_encrypt(vsmd_op_ctx *c);
ccsp_err vsmd_op_external_key_decrypt(vsmd_op_ctx *c);
ccsp_err vsmd_op_external_key_encrypt_init(vsmd_op_ctx *c);
ccsp_err vsmd_op_external_key_decrypt_init(vsmd_op_ctx *c);
ccsp_err vsmd_op_external_key_hmac_init(vsmd_op_ctx *c);
/* Files (op_file.c) */
ccsp_err vsmd_op_create_file(vsmd_op_ctx *c);
ccsp_err vsmd_op_read_file(vsmd_op_ctx *c);
ccsp_err vsmd_op_write_file(vsmd_op_ctx *c);
ccsp_err vsmd_op_delete_file(vsmd_op_ctx *c);
/* Crypto officer, admin socket only (op_admin.c) */
ccsp_err vsmd_op_admin_keygen(vsmd_op_ctx *c);
ccsp_err vsmd_op_admin_keydel(vsmd_op_ctx *c);
ccsp_err vsmd_op_admin_keys(vsmd_op_ctx *c);
ccsp_err vsmd_op_admin_set_password(vsmd_op_ctx *c);
ccsp_err vsmd_op_admin_reset(vsmd_op_ctx *c);

/* The dispatch callback of vsmd_net (dispatch.c): arg is the ccsp_vsm. */
uint32_t vsmd_dispatch(void *arg, uint64_t owner, int admin, const ccsp_sdf_header *h, ccsp_sdf_reader *r,
                       ccsp_sdf_writer *w, uint64_t *session);

#endif
