/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TLCP listener's keys in chsmd's and ccspd's configuration files (docs/operations.md), read the same way by
 * both: tlcp_listen (off when absent), tlcp_sign_cert / tlcp_sign_key / tlcp_enc_cert / tlcp_enc_key (default
 * tlcp-sign.pem, tlcp-sign.key, tlcp-enc.pem, tlcp-enc.key: what --init writes), tlcp_ca_file (none) and
 * tlcp_verify (none | optional | required; default optional with tlcp_ca_file, else none). Relative paths are
 * relative to the daemon's directory.
 */
#ifndef CCSP_COMMON_HTTP_TLCP_CONF_H
#define CCSP_COMMON_HTTP_TLCP_CONF_H

#include <limits.h>

#include "common/config.h"
#include "common/http_server.h"

/* For ccsp_config_check_keys' list of a daemon's keys. */
#define CCSP_HTTP_TLCP_CONF_KEYS                                                                                  \
	"tlcp_listen", "tlcp_sign_cert", "tlcp_sign_key", "tlcp_enc_cert", "tlcp_enc_key", "tlcp_ca_file", "tlcp_verify"

/* The resolved file names hc points to: must live as long as hc is used (until ccsp_http_server_new returns). */
typedef struct ccsp_http_tlcp_files {
	char path[5][PATH_MAX];
} ccsp_http_tlcp_files;

/* Fill hc's tlcp_* members from cfg (nothing when tlcp_listen is absent). CCSP_ERR_ARG with a message in err for a
 * bad tlcp_verify, or tlcp_verify other than none without tlcp_ca_file. */
CCSP_MUST_CHECK ccsp_err ccsp_http_tlcp_from_config(const ccsp_config *cfg, const char *dir, ccsp_http_tlcp_files *f,
                                                    ccsp_http_config *hc, char *err, size_t errlen);

#endif
