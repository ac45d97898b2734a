/* SPDX-License-Identifier: Apache-2.0 */
/* The opcode table of vsmd: which handler, whether it needs a session, who may call it. */
#include <ccsp/sdf.h>

#include "sdf/sdf_status.h"
#include "vsmd/ops.h"
#include "vsmd/stats.h"

enum { NO_SESSION = 0, SESSION = 1 };
enum { USER = 0, OFFICER = 1 };

typedef struct op_entry {
	uint16_t opcode;
	uint8_t needs_session;
	uint8_t officer_only;
	vsmd_op_fn fn;
	uint32_t auth_status; /* SDR code for CCSP_ERR_AUTH when it is not SDR_MACERR */
} op_entry;

static const op_entry ops[] = {
	{CCSP_SDF_OP_OPEN_SESSION, NO_SESSION, USER, vsmd_op_open_session, 0},
	{CCSP_SDF_OP_CLOSE_SESSION, NO_SESSION, USER, vsmd_op_close_session, 0},
	{CCSP_SDF_OP_GET_DEVICE_INFO, SESSION, USER, vsmd_op_get_device_info, 0},
	{CCSP_SDF_OP_GENERATE_RANDOM, SESSION, USER, vsmd_op_generate_random, 0},
	{CCSP_SDF_OP_GET_ACCESS_RIGHT, SESSION, USER, vsmd_op_get_access_right, 0},
	{CCSP_SDF_OP_RELEASE_ACCESS_RIGHT, SESSION, USER, vsmd_op_release_access_right, 0},
	{CCSP_SDF_OP_EXPORT_SIGN_PUBLIC, SESSION, USER, vsmd_op_export_sign_public, 0},
	{CCSP_SDF_OP_EXPORT_ENC_PUBLIC, SESSION, USER, vsmd_op_export_enc_public, 0},
	{CCSP_SDF_OP_GENERATE_KEY_WITH_IPK, SESSION, USER, vsmd_op_generate_key_with_ipk, 0},
	{CCSP_SDF_OP_GENERATE_KEY_WITH_EPK, SESSION, USER, vsmd_op_generate_key_with_epk, 0},
	{CCSP_SDF_OP_IMPORT_KEY_WITH_ISK, SESSION, USER, vsmd_op_import_key_with_isk, SDR_ENCDATAERR},
	{CCSP_SDF_OP_GENERATE_KEY_WITH_KEK, SESSION, USER, vsmd_op_generate_key_with_kek, 0},
	{CCSP_SDF_OP_IMPORT_KEY_WITH_KEK, SESSION, USER, vsmd_op_import_key_with_kek, 0},
	{CCSP_SDF_OP_DESTROY_KEY, SESSION, USER, vsmd_op_destroy_key, 0},
	{CCSP_SDF_OP_AGREEMENT_DATA, SESSION, USER, vsmd_op_agreement_data, 0},
	{CCSP_SDF_OP_AGREEMENT_KEY, SESSION, USER, vsmd_op_agreement_key, 0},
	{CCSP_SDF_OP_AGREEMENT_DATA_AND_KEY, SESSION, USER, vsmd_op_agreement_data_and_key, 0},
	{CCSP_SDF_OP_EXCHANGE_ENVELOPE_ECC, SESSION, USER, vsmd_op_exchange_envelope, SDR_ENCDATAERR},
	{CCSP_SDF_OP_EXTERNAL_VERIFY, SESSION, USER, vsmd_op_external_verify, 0},
	{CCSP_SDF_OP_INTERNAL_SIGN, SESSION, USER, vsmd_op_internal_sign, 0},
	{CCSP_SDF_OP_INTERNAL_VERIFY, SESSION, USER, vsmd_op_internal_verify, 0},
	{CCSP_SDF_OP_EXTERNAL_ENCRYPT, SESSION, USER, vsmd_op_external_encrypt, 0},
	{CCSP_SDF_OP_INTERNAL_ENCRYPT, SESSION, USER, vsmd_op_internal_encrypt, 0},
	{CCSP_SDF_OP_INTERNAL_DECRYPT, SESSION, USER, vsmd_op_internal_decrypt, SDR_ENCDATAERR},
	{CCSP_SDF_OP_GENERATE_KEY_PAIR, SESSION, USER, vsmd_op_generate_key_pair, 0},
	{CCSP_SDF_OP_EXTERNAL_SIGN, SESSION, USER, vsmd_op_external_sign, 0},
	{CCSP_SDF_OP_EXTERNAL_DECRYPT, SESSION, USER, vsmd_op_external_decrypt, SDR_ENCDATAERR},
	{CCSP_SDF_OP_GENERATE_KEY_PAIR_WITH_KEK, SESSION, USER, vsmd_op_generate_key_pair_with_kek, 0},
	{CCSP_SDF_OP_SIGN_WITH_KEK, SESSION, USER, vsmd_op_sign_with_kek, 0},
	{CCSP_SDF_OP_DECRYPT_WITH_KEK, SESSION, USER, vsmd_op_decrypt_with_kek, SDR_ENCDATAERR},
	{CCSP_SDF_OP_IMPORT_KEY_WITH_WRAPPED_KEY, SESSION, USER, vsmd_op_import_key_with_wrapped_key, SDR_ENCDATAERR},
	{CCSP_SDF_OP_EXPORT_KEY_WITH_KEK, SESSION, USER, vsmd_op_export_key_with_kek, 0},
	{CCSP_SDF_OP_BACKUP_KEY_WITH_KEK, SESSION, USER, vsmd_op_backup_key_with_kek, 0},
	{CCSP_SDF_OP_RECOVER_KEY_WITH_WRAPPED_KEY, SESSION, USER, vsmd_op_recover_key_with_wrapped_key, SDR_ENCDATAERR},
	{CCSP_SDF_OP_EXPORT_KEY_WITH_BACKUP_KEY, SESSION, USER, vsmd_op_export_key_with_backup_key, 0},
	{CCSP_SDF_OP_IMPORT_KEY_WITH_BACKUP_KEY, SESSION, USER, vsmd_op_import_key_with_backup_key, 0},
	{CCSP_SDF_OP_ENCRYPT, SESSION, USER, vsmd_op_encrypt, 0},
	{CCSP_SDF_OP_DECRYPT, SESSION, USER, vsmd_op_decrypt, 0},
	{CCSP_SDF_OP_CALCULATE_MAC, SESSION, USER, vsmd_op_calculate_mac, 0},
	{CCSP_SDF_OP_AUTH_ENC, SESSION, USER, vsmd_op_auth_enc, 0},
	{CCSP_SDF_OP_AUTH_DEC, SESSION, USER, vsmd_op_auth_dec, 0},
	{CCSP_SDF_OP_ENCRYPT_INIT, SESSION, USER, vsmd_op_encrypt_init, 0},
	{CCSP_SDF_OP_ENCRYPT_UPDATE, SESSION, USER, vsmd_op_encrypt_update, 0},
	{CCSP_SDF_OP_ENCRYPT_FINAL, SESSION, USER, vsmd_op_encrypt_final, 0},
	{CCSP_SDF_OP_DECRYPT_INIT, SESSION, USER, vsmd_op_decrypt_init, 0},
	{CCSP_SDF_OP_DECRYPT_UPDATE, SESSION, USER, vsmd_op_decrypt_update, 0},
	{CCSP_SDF_OP_DECRYPT_FINAL, SESSION, USER, vsmd_op_decrypt_final, 0},
	{CCSP_SDF_OP_MAC_INIT, SESSION, USER, vsmd_op_mac_init, 0},
	{CCSP_SDF_OP_MAC_UPDATE, SESSION, USER, vsmd_op_mac_update, 0},
	{CCSP_SDF_OP_MAC_FINAL, SESSION, USER, vsmd_op_mac_final, 0},
	{CCSP_SDF_OP_AUTH_ENC_INIT, SESSION, USER, vsmd_op_auth_enc_init, 0},
	{CCSP_SDF_OP_AUTH_ENC_UPDATE, SESSION, USER, vsmd_op_auth_enc_update, 0},
	{CCSP_SDF_OP_AUTH_ENC_FINAL, SESSION, USER, vsmd_op_auth_enc_final, 0},
	{CCSP_SDF_OP_AUTH_DEC_INIT, SESSION, USER, vsmd_op_auth_dec_init, 0},
	{CCSP_SDF_OP_AUTH_DEC_UPDATE, SESSION, USER, vsmd_op_auth_dec_update, 0},
	{CCSP_SDF_OP_AUTH_DEC_FINAL, SESSION, USER, vsmd_op_auth_dec_final, 0},
	{CCSP_SDF_OP_EXTERNAL_KEY_ENCRYPT, SESSION, USER, vsmd_op_external_key_encrypt, 0},
	{CCSP_SDF_OP_EXTERNAL_KEY_DECRYPT, SESSION, USER, vsmd_op_external_key_decrypt, 0},
	{CCSP_SDF_OP_EXTERNAL_KEY_ENCRYPT_INIT, SESSION, USER, vsmd_op_external_key_encrypt_init, 0},
	{CCSP_SDF_OP_EXTERNAL_KEY_DECRYPT_INIT, SESSION, USER, vsmd_op_external_key_decrypt_init, 0},
	{CCSP_SDF_OP_AUTH_ENC_WITH_KEK, SESSION, USER, vsmd_op_auth_enc_with_kek, 0},
	{CCSP_SDF_OP_AUTH_DEC_WITH_KEK, SESSION, USER, vsmd_op_auth_dec_with_kek, 0},
	{CCSP_SDF_OP_HASH_INIT, SESSION, USER, vsmd_op_hash_init, 0},
	{CCSP_SDF_OP_HASH_UPDATE, SESSION, USER, vsmd_op_hash_update, 0},
	{CCSP_SDF_OP_HASH_FINAL, SESSION, USER, vsmd_op_hash_final, 0},
	{CCSP_SDF_OP_HMAC_INIT, SESSION, USER, vsmd_op_hmac_init, 0},
	{CCSP_SDF_OP_HMAC_UPDATE, SESSION, USER, vsmd_op_hmac_update, 0},
	{CCSP_SDF_OP_HMAC_FINAL, SESSION, USER, vsmd_op_hmac_final, 0},
	{CCSP_SDF_OP_EXTERNAL_KEY_HMAC_INIT, SESSION, USER, vsmd_op_external_key_hmac_init, 0},
	{CCSP_SDF_OP_CREATE_FILE, SESSION, USER, vsmd_op_create_file, 0},
	{CCSP_SDF_OP_READ_FILE, SESSION, USER, vsmd_op_read_file, 0},
	{CCSP_SDF_OP_WRITE_FILE, SESSION, USER, vsmd_op_write_file, 0},
	{CCSP_SDF_OP_DELETE_FILE, SESSION, USER, vsmd_op_delete_file, 0},
	{CCSP_SDF_OP_ADMIN_KEYGEN, NO_SESSION, OFFICER, vsmd_op_admin_keygen, 0},
	{CCSP_SDF_OP_ADMIN_KEYDEL, NO_SESSION, OFFICER, vsmd_op_admin_keydel, 0},
	{CCSP_SDF_OP_ADMIN_KEYS, NO_SESSION, OFFICER, vsmd_op_admin_keys, 0},
	{CCSP_SDF_OP_ADMIN_SET_PASSWORD, NO_SESSION, OFFICER, vsmd_op_admin_set_password, 0},
	{CCSP_SDF_OP_ADMIN_RESET, NO_SESSION, OFFICER, vsmd_op_admin_reset, 0},
};

static const op_entry *find_op(uint16_t opcode)
{
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (ops[i].opcode == opcode)
			return &ops[i];
	return NULL;
}

uint32_t vsmd_dispatch(void *arg, uint64_t owner, int admin, const ccsp_sdf_header *h, ccsp_sdf_reader *r,
                       ccsp_sdf_writer *w, uint64_t *session)
{
	ccsp_vsm *vsm = arg;
	const op_entry *op = find_op(h->opcode);
	if (op == NULL)
		return SDR_NOTSUPPORT;
	if (op->officer_only && !admin)
		return SDR_PARDENY; /* crypto-officer services exist only on the local admin socket */
	vsmd_op_ctx c = {.vsm = vsm, .owner = owner, .r = r, .w = w, .session = session};
	ccsp_err ret;
	if (op->needs_session) {
		ret = ccsp_vsm_session_acquire(vsm, owner, h->session, &c.s);
		if (ret != CCSP_OK)
			return ret == CCSP_ERR_HANDLE ? SDR_OPENSESSION : ccsp_sdf_status(ret);
		ret = op->fn(&c);
		ccsp_vsm_session_release(c.s);
	} else {
		ret = op->fn(&c);
	}
	if (ret == CCSP_OK)
		vsmd_stats_count(h->opcode);
	if (ret != CCSP_OK && c.status != 0)
		return c.status;
	if (ret == CCSP_ERR_AUTH && op->auth_status != 0)
		return op->auth_status;
	return ccsp_sdf_status(ret);
}
