/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLCP double certificates (GB/T 38636) made with the project's own X.509 writer (the one `ccsp cert` uses): for
 * chsmd, ccspd and vsmd --init (dev mode) from a CA made for the occasion (ccsp_tlcp_devcert_create), and for the
 * VSMs of a CHSM from its device CA (ccsp_tlcp_devcert_issue with the device key; src/chsmd/device_ca.c).
 *
 *   DIR/tlcp-ca.pem                    the CA certificate, for clients to trust (its key is wiped, never written:
 *                                      it signs these two certificates only)
 *   DIR/tlcp-sign.pem, tlcp-sign.key   SM2 signing certificate (digitalSignature, nonRepudiation) and key (0600)
 *   DIR/tlcp-enc.pem, tlcp-enc.key     SM2 encryption certificate (keyEncipherment, dataEncipherment,
 *                                      keyAgreement) and key (0600)
 *
 * Both certificates name in their SAN the listen host (ccsp_selfcert_alt_names: IP or DNS), 127.0.0.1 and
 * localhost. Subjects are /O=ccsp/CN=<common_name> TLCP signing|encryption. Production deployments of chsmd and ccspd
 * bring certificates of their own CA instead.
 */
#ifndef CCSP_COMMON_TLCP_DEVCERT_H
#define CCSP_COMMON_TLCP_DEVCERT_H

#include <ccsp/error.h>
#include <ccsp/sm2.h>
#include <ccsp/x509.h>

/* Write the five files into dir (each atomically). common_name: the subjects' CN prefix ("ccsp chsm"); listen:
 * "ADDR:PORT" of the TLCP listener, for the SAN; days: validity. CCSP_ERR_ARG for a listen that is not ADDR:PORT
 * or a name the writer refuses; CCSP_ERR_IO when a file cannot be written; the errors of the SM2 and X.509 code. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_devcert_create(const char *dir, const char *common_name, const char *listen,
                                                  int days);

/* A self-issued CA certificate for key (subject /O=ccsp/CN=<common_name>; basicConstraints cA, pathLen 0; keyCertSign,
 * cRLSign; valid from an hour ago for days) as DER into der (CCSP_X509_CERT_MAX bytes), *len its length. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_devcert_ca(const char *common_name, const ccsp_sm2_key *key, int days, uint8_t *der,
                                              size_t *len);
/* The double pair issued by ca (ca_key its private key) for listen into dir: tlcp-sign.pem/.key, tlcp-enc.pem/.key
 * (keys fresh, PKCS#8 PEM 0600, wiped from memory once written). Errors as ccsp_tlcp_devcert_create. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_devcert_issue(const char *dir, const char *common_name, const char *listen,
                                                 const ccsp_x509_cert *ca, const ccsp_sm2_key *ca_key, int days);
/* DER certificate to the PEM file path (0644, atomically). */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_devcert_write_pem(const char *path, const uint8_t *der, size_t len);
/* The first certificate of the PEM file path into der (CCSP_X509_CERT_MAX bytes), parsed into cert (which points
 * into der). CCSP_ERR_FILE_NOT_FOUND, CCSP_ERR_NOT_FOUND (no certificate), the parser's errors. */
CCSP_MUST_CHECK ccsp_err ccsp_tlcp_devcert_read(const char *path, uint8_t *der, ccsp_x509_cert *cert);
/* 1 when dir holds the four files of a pair that ccsp_tlcp_devcert_issue(dir, _, listen, ca, ...) would make and that
 * serves for at least another day: both certificates verify under ca for their purpose now and in 24 hours, and
 * the signing certificate's SAN names the entries listen gives. 0 otherwise (missing, unreadable, another CA,
 * another address, expiring). */
int ccsp_tlcp_devcert_current(const char *dir, const char *listen, const ccsp_x509_cert *ca);

#endif
