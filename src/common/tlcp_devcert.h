/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Development-mode TLCP certificates for chsmd and ccspd (--init), made with the project's own X.509 writer (the
 * one `ccsp cert` uses): a CA made for the occasion and the double certificates of GB/T 38636 it issues.
 *
 *   DIR/tlcp-ca.pem                    the CA certificate, for clients to trust (its key is wiped, never written:
 *                                      it signs these two certificates only)
 *   DIR/tlcp-sign.pem, tlcp-sign.key   SM2 signing certificate (digitalSignature, nonRepudiation) and key (0600)
 *   DIR/tlcp-enc.pem, tlcp-enc.key     SM2 encryption certificate (keyEncipherment, dataEncipherment,
 *                                      keyAgreement) and key (0600)
 *
 * Both certificates name in their SAN the listen host (ccsp_selfcert_alt_names: IP or DNS), 127.0.0.1 and
 * localhost. Production deployments bring certificates of their own CA instead.
 */
#ifndef CCSP_COMMON_TLCP_DEVCERT_H
#define CCSP_COMMON_TLCP_DEVCERT_H

#include <ccsp/error.h>

/* Write the five files into dir (each atomically). common_name: the subjects' CN prefix ("ccsp chsm"); listen:
 * "ADDR:PORT" of the TLCP listener, for the SAN; days: validity. CCSP_ERR_ARG for a listen that is not ADDR:PORT
 * or a name the writer refuses; CCSP_ERR_IO when a file cannot be written; the errors of the SM2 and X.509 code. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_devcert_create(const char *dir, const char *common_name, const char *listen,
                                                  int days);

#endif
