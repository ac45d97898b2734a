/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "common/http_tlcp_conf.h"

static ccsp_err verify_mode(const ccsp_config *cfg, ccsp_http_config *hc, char *err, size_t errlen)
{
	static const char *const modes[] = {"none", "optional", "required"}; /* ccsp_tlcp_client_auth's values */
	const char *v = ccsp_config_get(cfg, "tlcp_verify");
	if (v == NULL) {
		hc->tlcp_verify = hc->tlcp_ca_file != NULL ? 1 : 0;
		return CCSP_OK;
	}
	hc->tlcp_verify = -1;
	for (int i = 0; i < 3; i++)
		if (strcmp(v, modes[i]) == 0)
			hc->tlcp_verify = i;
	if (hc->tlcp_verify < 0) {
		snprintf(err, errlen, "tlcp_verify must be none, optional or required, not '%s'", v);
		return CCSP_ERR_ARG;
	}
	if (hc->tlcp_verify != 0 && hc->tlcp_ca_file == NULL) {
		snprintf(err, errlen, "tlcp_verify = %s needs tlcp_ca_file (the CA of the client certificates)", v);
		return CCSP_ERR_ARG;
	}
	return CCSP_OK;
}

ccsp_err ccsp_http_tlcp_from_config(const ccsp_config *cfg, const char *dir, ccsp_http_tlcp_files *f,
                                    ccsp_http_config *hc, char *err, size_t errlen)
{
	static const char *const keys[5] = {"tlcp_sign_cert", "tlcp_sign_key", "tlcp_enc_cert", "tlcp_enc_key",
	                                    "tlcp_ca_file"};
	static const char *const defaults[5] = {"tlcp-sign.pem", "tlcp-sign.key", "tlcp-enc.pem", "tlcp-enc.key", NULL};
	const char **slots[5] = {&hc->tlcp_sign_cert, &hc->tlcp_sign_key, &hc->tlcp_enc_cert, &hc->tlcp_enc_key,
	                         &hc->tlcp_ca_file};
	hc->tlcp_listen = ccsp_config_get(cfg, "tlcp_listen");
	if (hc->tlcp_listen == NULL)
		return CCSP_OK;
	for (size_t i = 0; i < 5; i++) {
		const char *name = ccsp_config_get_or(cfg, keys[i], defaults[i]);
		*slots[i] = NULL;
		if (name == NULL)
			continue;
		ccsp_config_path(f->path[i], sizeof f->path[i], dir, name);
		*slots[i] = f->path[i];
	}
	return verify_mode(cfg, hc, err, errlen);
}
