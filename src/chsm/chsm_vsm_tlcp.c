/* SPDX-License-Identifier: Apache-2.0 */
/* The channel a VSM's directory is set up for (chsm_vsm.h "the VSMs' channel"): TLS, or TLCP with double
 * certificates from the CHSM's device CA. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chsm/chsm_vsm_internal.h"
#include "common/tlcp_devcert.h"

#define VSM_CERT_DAYS 825 /* as the VSMs' TLS certificates */

static const char *const tlcp_keys[] = {"transport", "tlcp_sign_cert", "tlcp_sign_key", "tlcp_enc_cert",
                                        "tlcp_enc_key"};
static const char *const tlcp_vals[] = {"tlcp", "tlcp-sign.pem", "tlcp-sign.key", "tlcp-enc.pem", "tlcp-enc.key"};

static int file_in(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
	return n > 0 && n < PATH_MAX ? 0 : -1;
}

const char *ccsp_chsm_vsm_dir_transport_name(const char *vsm_dir)
{
	char path[PATH_MAX], v[8];
	if (file_in(path, vsm_dir, CHSM_VSMD_CONF) != 0 || chsm_conf_get(path, "transport", v, sizeof v) != CCSP_OK)
		return "tls";
	return strcmp(v, "tlcp") == 0 ? "tlcp" : "tls";
}

/* vsmd.conf's transport (and with TLCP the certificate paths), written only when it says otherwise. */
static ccsp_err set_vsmd_conf(const char *vsm_dir, int tlcp)
{
	char path[PATH_MAX];
	if (file_in(path, vsm_dir, CHSM_VSMD_CONF) != 0)
		return CCSP_ERR_ARG;
	if (strcmp(ccsp_chsm_vsm_dir_transport_name(vsm_dir), tlcp ? "tlcp" : "tls") == 0)
		return CCSP_OK;
	static const char *const tls_val[] = {"tls"};
	return chsm_conf_set(path, tlcp_keys, tlcp ? tlcp_vals : tls_val, tlcp ? 5 : 1);
}

/* The client template: transport and its trust. No sdf.conf is no error (an image's slot may lack it). */
static ccsp_err set_sdf_conf(const char *vsm_dir, const ccsp_chsm_tlcp_issuer *tlcp)
{
	char path[PATH_MAX], abs[PATH_MAX], tls_ca[PATH_MAX + 16];
	static const char *const keys[] = {"transport", "ca_file"};
	if (file_in(path, vsm_dir, CHSM_SDF_CONF) != 0 || realpath(vsm_dir, abs) == NULL ||
	    snprintf(tls_ca, sizeof tls_ca, "%s/tls-cert.pem", abs) >= (int)sizeof tls_ca)
		return CCSP_ERR_ARG;
	const char *vals[] = {tlcp != NULL ? "tlcp" : "tls", tlcp != NULL ? tlcp->cert_path : tls_ca};
	char now[PATH_MAX + 16];
	int says_tlcp = chsm_conf_get(path, "transport", now, sizeof now) == CCSP_OK && strcmp(now, "tlcp") == 0;
	if (tlcp == NULL && !says_tlcp) /* TLS as vsmd --init wrote it: untouched */
		return CCSP_OK;
	if (tlcp != NULL && says_tlcp && chsm_conf_get(path, "ca_file", now, sizeof now) == CCSP_OK &&
	    strcmp(now, vals[1]) == 0)
		return CCSP_OK;
	ccsp_err ret = chsm_conf_set(path, keys, vals, 2);
	return ret == CCSP_ERR_FILE_NOT_FOUND ? CCSP_OK : ret;
}

/* The pair from the issuer unless the directory holds one that serves for listen. */
static ccsp_err ensure_pair(const char *vsm_dir, const char *listen, const ccsp_chsm_tlcp_issuer *tlcp)
{
	char cn[64];
	const char *id = strrchr(vsm_dir, '/');
	if (ccsp_tlcp_devcert_current(vsm_dir, listen, tlcp->cert))
		return CCSP_OK;
	snprintf(cn, sizeof cn, "ccsp vsm %.40s", id != NULL ? id + 1 : vsm_dir);
	return ccsp_tlcp_devcert_issue(vsm_dir, cn, listen, tlcp->cert, tlcp->key, VSM_CERT_DAYS);
}

ccsp_err ccsp_chsm_vsm_dir_transport(const char *vsm_dir, const ccsp_chsm_tlcp_issuer *tlcp)
{
	char path[PATH_MAX], listen[CCSP_CHSM_VSM_LISTEN_MAX + 1];
	if (vsm_dir == NULL || file_in(path, vsm_dir, CHSM_VSMD_CONF) != 0 ||
	    (tlcp != NULL && (tlcp->cert == NULL || tlcp->key == NULL || tlcp->cert_path == NULL)))
		return CCSP_ERR_ARG;
	ccsp_err ret = chsm_conf_get(path, "listen", listen, sizeof listen);
	if (ret == CCSP_OK && tlcp != NULL)
		ret = ensure_pair(vsm_dir, listen, tlcp);
	if (ret == CCSP_OK)
		ret = set_vsmd_conf(vsm_dir, tlcp != NULL);
	if (ret == CCSP_OK)
		(void)set_sdf_conf(vsm_dir, tlcp); /* the template: best effort */
	return ret;
}
