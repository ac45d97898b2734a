/* SPDX-License-Identifier: Apache-2.0 */
/* The daemons' TLS certificate and key loading (the one loader for vsmd and the HTTPS layer). */
#ifndef CCSP_COMMON_TLS_KEYS_H
#define CCSP_COMMON_TLS_KEYS_H

#include <openssl/ssl.h>

#include <ccsp/error.h>

/* Load the PEM certificate chain and the (unencrypted: never prompts) PEM private key into ctx and check that
 * they match. CCSP_ERR_FILE_NOT_FOUND / CCSP_ERR_IO (a file cannot be opened), CCSP_ERR_DECODE (not PEM),
 * CCSP_ERR_KEY (the key does not match the certificate). OpenSSL's error queue is cleared. */
CCSP_MUST_CHECK ccsp_err ccsp_tls_load_cert_key(SSL_CTX *ctx, const char *cert_file, const char *key_file);

#endif
