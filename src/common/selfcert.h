/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A self-issued TLS server certificate for standalone daemons (vsmd --init): EC P-256 key, X.509 v3,
 * CA:TRUE so that the certificate is its own trust anchor, subjectAltName with the names and addresses
 * clients connect to. Under chsmd, VSM certificates are issued by the CHSM's device CA instead.
 */
#ifndef CCSP_COMMON_SELFCERT_H
#define CCSP_COMMON_SELFCERT_H

#include <ccsp/error.h>

/* Write cert_path (PEM certificate, 0644) and key_path (PEM PKCS#8 private key, 0600), atomically.
 * common_name is the subject CN; alt_names a comma-separated list of "IP:a.b.c.d" / "DNS:name" entries.
 * days: validity. CCSP_ERR_INTERNAL when OpenSSL fails, CCSP_ERR_IO when a file cannot be written. */
/* The alt_names for a daemon listening on listen ("ADDR:PORT", "[v6]:PORT"): its host as IP: or DNS:, plus
 * IP:127.0.0.1 and DNS:localhost. CCSP_ERR_ARG when listen is not ADDR:PORT. */
CCSP_MUST_CHECK ccsp_err ccsp_selfcert_alt_names(const char *listen, char *out, size_t cap);
CCSP_MUST_CHECK ccsp_err ccsp_selfcert_create(const char *cert_path, const char *key_path, const char *common_name,
                                              const char *alt_names, int days);

#endif
