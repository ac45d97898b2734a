/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A TLCP configuration (src/tlcp/tlcp_conn.h) from PEM files: the one loader of vsmd's listener, libsdf's client and
 * the TLCP listener of chsmd and ccspd (http_tlcp.c). It lives in src/common, not src/tlcp, because it reads files
 * with common/atomic_file.h and src/tlcp stays free of daemon plumbing.
 *
 * Files: certificates are PEM "CERTIFICATE" blocks (at most CCSP_TLCP_MAX_TRUST + 1 per file, each file at most
 * CCSP_TLCP_PEM_FILE_MAX bytes); keys are unencrypted SM2 private keys as ccsp_sm2_key_decode() takes them. The key
 * text is wiped after decoding.
 */
#ifndef CCSP_COMMON_TLCP_PEM_H
#define CCSP_COMMON_TLCP_PEM_H

#include <ccsp/error.h>
#include <ccsp/sm2.h>

#include "tlcp_conn.h"

#define CCSP_TLCP_PEM_FILE_MAX (1u << 20)

/* What the certificates of a file are for. */
typedef enum ccsp_tlcp_pem_role {
	CCSP_TLCP_PEM_SIGN = 0,  /* the first: signing certificate (with key); the others: its chain */
	CCSP_TLCP_PEM_ENC = 1,   /* the first: encryption certificate (with key); the others are ignored */
	CCSP_TLCP_PEM_TRUST = 2  /* each one a trust anchor (key NULL) */
} ccsp_tlcp_pem_role;

/* The SM2 private key of path into key. CCSP_ERR_FILE_NOT_FOUND (or another error of ccsp_file_read_all) when the
 * file cannot be read, CCSP_ERR_DECODE when it holds no unencrypted SM2 private key. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_pem_read_key(const char *path, ccsp_sm2_key *key);
/* The certificates of path into cfg for role. CCSP_ERR_DECODE when the file holds no certificate; the errors of
 * ccsp_tlcp_config_set_cert (CCSP_ERR_KEY: the key does not match), _add_chain and _add_trust otherwise. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_pem_add_certs(ccsp_tlcp_config *cfg, const char *path, ccsp_tlcp_pem_role role,
                                                 const ccsp_sm2_key *key);
/* The same for PEM text held in memory (text[0..len), no NUL needed). */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_pem_add_certs_mem(ccsp_tlcp_config *cfg, const uint8_t *text, size_t len,
                                                     ccsp_tlcp_pem_role role, const ccsp_sm2_key *key);
/* read_key(key_path) then add_certs(cert_path) for the signing (sign = 1) or encryption (sign = 0) pair. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_pem_load_pair(ccsp_tlcp_config *cfg, int sign, const char *cert_path,
                                                 const char *key_path);

/* A server's TLCP configuration (vsmd's listener, the HTTP layer's): its signing and encryption pairs, trust anchors
 * for client certificates (ca_file, NULL for none), client authentication (verify: ccsp_tlcp_client_auth), all four
 * suites when there is a trust store — ECDHE takes the client's certificates, which only a trust store can accept —
 * else the ECC ones, GCM first, and a session cache of CCSP_TLCP_PEM_SESSIONS for CCSP_TLCP_PEM_SESSION_S seconds.
 * *out only on success. The errors of load_pair and add_certs, CCSP_ERR_NOMEM. */
#define CCSP_TLCP_PEM_SESSIONS 4096u /* resumable sessions: a client's further connections join cheaply */
#define CCSP_TLCP_PEM_SESSION_S 3600
typedef struct ccsp_tlcp_pem_server {
	const char *sign_cert, *sign_key, *enc_cert, *enc_key, *ca_file;
	int verify;
} ccsp_tlcp_pem_server;
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_pem_server_config(const ccsp_tlcp_pem_server *s, ccsp_tlcp_config **out);

#endif
