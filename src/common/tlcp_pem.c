/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include <ccsp/mem.h>
#include <ccsp/sm2_asn1.h>
#include <ccsp/x509.h>

#include "common/atomic_file.h"
#include "common/tlcp_pem.h"

static ccsp_err add_one(ccsp_tlcp_config *cfg, ccsp_tlcp_pem_role role, const uint8_t *der, size_t len,
                        const ccsp_sm2_key *key)
{
	switch (role) {
	case CCSP_TLCP_PEM_SIGN:
		return key != NULL ? ccsp_tlcp_config_set_cert(cfg, 1, der, len, key)
		                   : ccsp_tlcp_config_add_chain(cfg, der, len);
	case CCSP_TLCP_PEM_ENC:
		return key != NULL ? ccsp_tlcp_config_set_cert(cfg, 0, der, len, key) : CCSP_OK;
	default:
		return ccsp_tlcp_config_add_trust(cfg, der, len);
	}
}

ccsp_err ccsp_tlcp_pem_add_certs_mem(ccsp_tlcp_config *cfg, const uint8_t *text, size_t len, ccsp_tlcp_pem_role role,
                                     const ccsp_sm2_key *key)
{
	uint8_t *der = malloc(CCSP_X509_CERT_MAX);
	size_t off = 0, n = 0;
	ccsp_err err = der != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	for (unsigned i = 0; err == CCSP_OK && i <= CCSP_TLCP_MAX_TRUST; i++, n++) {
		size_t dlen = 0, used = 0;
		err = ccsp_x509_pem_decode(text + off, len - off, "CERTIFICATE", der, CCSP_X509_CERT_MAX, &dlen, &used);
		if (err == CCSP_ERR_NOT_FOUND) {
			err = n > 0 ? CCSP_OK : CCSP_ERR_DECODE;
			break;
		}
		if (err == CCSP_OK)
			err = add_one(cfg, role, der, dlen, n == 0 ? key : NULL);
		off += used;
	}
	free(der);
	return err;
}

ccsp_err ccsp_tlcp_pem_add_certs(ccsp_tlcp_config *cfg, const char *path, ccsp_tlcp_pem_role role,
                                 const ccsp_sm2_key *key)
{
	uint8_t *text = NULL;
	size_t len = 0;
	ccsp_err err = ccsp_file_read_all(path, CCSP_TLCP_PEM_FILE_MAX, &text, &len);
	if (err == CCSP_OK)
		err = ccsp_tlcp_pem_add_certs_mem(cfg, text, len, role, key);
	free(text);
	return err;
}

ccsp_err ccsp_tlcp_pem_read_key(const char *path, ccsp_sm2_key *key)
{
	uint8_t *text = NULL;
	size_t len = 0;
	ccsp_err err = ccsp_file_read_all(path, CCSP_TLCP_PEM_FILE_MAX, &text, &len);
	if (err == CCSP_OK && ccsp_sm2_key_decode(key, text, len, NULL, 0, NULL) != CCSP_OK)
		err = CCSP_ERR_DECODE;
	if (text != NULL)
		ccsp_memzero(text, len);
	free(text);
	return err;
}

ccsp_err ccsp_tlcp_pem_load_pair(ccsp_tlcp_config *cfg, int sign, const char *cert_path, const char *key_path)
{
	ccsp_sm2_key *key = ccsp_sm2_key_new();
	ccsp_err err = key != NULL ? ccsp_tlcp_pem_read_key(key_path, key) : CCSP_ERR_NOMEM;
	if (err == CCSP_OK)
		err = ccsp_tlcp_pem_add_certs(cfg, cert_path, sign ? CCSP_TLCP_PEM_SIGN : CCSP_TLCP_PEM_ENC, key);
	ccsp_sm2_key_free(key); /* wipes the private part */
	return err;
}

ccsp_err ccsp_tlcp_pem_server_config(const ccsp_tlcp_pem_server *s, ccsp_tlcp_config **out)
{
	static const uint16_t all[] = {CCSP_TLCP_ECDHE_SM4_GCM_SM3, CCSP_TLCP_ECC_SM4_GCM_SM3, CCSP_TLCP_ECDHE_SM4_CBC_SM3,
	                               CCSP_TLCP_ECC_SM4_CBC_SM3};
	static const uint16_t ecc[] = {CCSP_TLCP_ECC_SM4_GCM_SM3, CCSP_TLCP_ECC_SM4_CBC_SM3};
	int trust = s->ca_file != NULL;
	ccsp_tlcp_config *cfg = ccsp_tlcp_config_new();
	if (cfg == NULL)
		return CCSP_ERR_NOMEM;
	ccsp_err err = ccsp_tlcp_pem_load_pair(cfg, 1, s->sign_cert, s->sign_key);
	if (err == CCSP_OK)
		err = ccsp_tlcp_pem_load_pair(cfg, 0, s->enc_cert, s->enc_key);
	if (err == CCSP_OK && trust)
		err = ccsp_tlcp_pem_add_certs(cfg, s->ca_file, CCSP_TLCP_PEM_TRUST, NULL);
	if (err == CCSP_OK)
		err = trust ? ccsp_tlcp_config_set_suites(cfg, all, 4) : ccsp_tlcp_config_set_suites(cfg, ecc, 2);
	if (err == CCSP_OK)
		err = ccsp_tlcp_config_set_client_auth(cfg, (ccsp_tlcp_client_auth)s->verify);
	if (err == CCSP_OK)
		err = ccsp_tlcp_config_set_session_cache(cfg, CCSP_TLCP_PEM_SESSIONS, CCSP_TLCP_PEM_SESSION_S);
	if (err != CCSP_OK) {
		ccsp_tlcp_config_free(cfg);
		return err;
	}
	*out = cfg;
	return CCSP_OK;
}
