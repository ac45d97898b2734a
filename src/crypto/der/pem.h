/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal: PEM text encoding (RFC 7468). The base64 body of a PEM block often carries a private key,
 * so both directions map characters without branches or table lookups on the data.
 */
#ifndef CCSP_PEM_H
#define CCSP_PEM_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#define CCSP_PEM_LABEL_MAX 64

/* "-----BEGIN label-----\n", base64 in 64-column lines, "-----END label-----\n". Not NUL-terminated.
 * CCSP_ERR_BUFFER_TOO_SMALL with *outlen = size needed. */
CCSP_MUST_CHECK ccsp_err ccsp_pem_encode(const char *label, const uint8_t *der, size_t derlen, uint8_t *out,
                                         size_t outcap, size_t *outlen);

/* Most bytes of text before the "-----BEGIN " line that ccsp_pem_detect/ccsp_pem_decode skip. */
#define CCSP_PEM_PREAMBLE_MAX 4096

/* 1 when in holds a line starting "-----BEGIN ", preceded by at most CCSP_PEM_PREAMBLE_MAX bytes of
 * whole lines of text: explanatory text as RFC 7468 clause 2 allows and openssl reads, such as the
 * "Bag Attributes" lines `openssl pkcs12` writes. Text: no control characters other than tab and CR
 * (bytes from 0x80 are allowed, for UTF-8 names); binary data such as DER is therefore never PEM. */
int ccsp_pem_detect(const uint8_t *in, size_t len);

/* Decode the first PEM block of in (the text before it as ccsp_pem_detect allows, else CCSP_ERR_DECODE;
 * text after it is ignored). label receives the NUL-terminated label (labelcap >= CCSP_PEM_LABEL_MAX + 1).
 * The body must be canonical padded base64 with optional whitespace; encapsulated headers
 * (RFC 1421 "Proc-Type:") are CCSP_ERR_UNSUPPORTED. Malformed text is CCSP_ERR_DECODE; a too small
 * out is CCSP_ERR_BUFFER_TOO_SMALL with *outlen = size needed. */
CCSP_MUST_CHECK ccsp_err ccsp_pem_decode(const uint8_t *in, size_t len, char *label, size_t labelcap, uint8_t *out,
                                         size_t outcap, size_t *outlen);

#endif
