/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to libsdf: handles, the call helper, conversions between GM/T 0018 structures and wire forms. */
#ifndef CCSP_LIBSDF_INTERNAL_H
#define CCSP_LIBSDF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/sdf.h>

#include "libsdf/sdfc.h"
#include "sdf/sdf_ops.h"
#include "sdf/sdf_wire.h"

/* What an SDF session handle points to. */
typedef struct sdf_session {
	uint32_t magic; /* SDF_SESSION_MAGIC while open */
	sdfc_device *dev;
	uint64_t id;
	uint32_t auth_dec_len; /* uiDataLength of the last successful SDF_AuthDecInit: what AuthDecFinal may write */
} sdf_session;
#define SDF_SESSION_MAGIC 0x53444653u

/* A response being read. */
typedef struct sdf_resp {
	uint8_t *body;
	size_t len;
	ccsp_sdf_reader r;
} sdf_resp;

/* Start a request body. SDR_OK or SDR_NOBUFFER. */
LONG sdf_req(ccsp_sdf_writer *w);
/* The same for a request carrying about data bytes: the buffer is sized once (no regrowth and copies of bulk data). */
LONG sdf_req_data(ccsp_sdf_writer *w, size_t data);
/* Send w (consumed) as opcode on the session; on SDR_OK resp holds the response body (free with
 * sdf_resp_free). Any other status: resp is empty. Validates the session handle (SDR_OPENSESSION). */
LONG sdf_call(HANDLE hSession, uint16_t opcode, ccsp_sdf_writer *w, sdf_resp *resp);
/* The response was read completely and well-formed: SDR_OK, else SDR_COMMFAIL. Frees resp either way
 * (wiping it). Use after reading the fields. */
LONG sdf_resp_done(sdf_resp *resp, LONG status);
void sdf_resp_free(sdf_resp *resp);
/* sdf_call for operations whose response has no fields. */
LONG sdf_call_empty(HANDLE hSession, uint16_t opcode, ccsp_sdf_writer *w);
/* Read a public-key field (x||y) into pub / a nonzero handle field (CCSP_SDF_T_HANDLE) into *ph (sdf_ecc.c).
 * SDR_OK, else SDR_COMMFAIL. */
LONG sdf_read_pub(sdf_resp *resp, uint16_t tag, ECCrefPublicKey *pub);
LONG sdf_read_handle(sdf_resp *resp, HANDLE *ph);
/* Read the wrap field (CCSP_SDF_T_WRAPPED, 1..SDF_WRAPPED_ECC_KEY_MAX bytes) into out, its length into *outlen
 * (sdf_wrapped.c). SDR_OK, else SDR_COMMFAIL. */
LONG sdf_read_wrapped(sdf_resp *resp, BYTE *out, ULONG *outlen);
/* Add ct to w (consumed) as the cipher field, send it as op, read the plaintext (1..ct->L bytes) into out and
 * *outlen (sdf_ecc.c). */
LONG sdf_decrypt_call(HANDLE hS, uint16_t op, ccsp_sdf_writer *w, ECCCipher *ct, BYTE *out, ULONG *outlen);

/* ECCrefPublicKey (256-bit, right-aligned) <-> x||y. SDR_INARGERR (or SDR_KEYERR) on a bad structure. */
LONG sdf_pub_to_wire(const ECCrefPublicKey *pub, uint8_t out[64]);
void sdf_pub_from_wire(const uint8_t in[64], ECCrefPublicKey *pub);
LONG sdf_priv_to_wire(const ECCrefPrivateKey *priv, uint8_t out[32]);
void sdf_sig_from_wire(const uint8_t in[64], ECCSignature *sig);
LONG sdf_sig_to_wire(const ECCSignature *sig, uint8_t out[64]);
/* ECCCipher <-> x1||y1||C3||C2 (L + 96 bytes). to_wire writes into a malloc'd buffer. */
LONG sdf_cipher_to_wire(const ECCCipher *c, uint8_t **out, size_t *len);
LONG sdf_cipher_from_wire(const uint8_t *in, size_t len, ECCCipher *c);

#define SDF_HANDLE_OF(u64) ((HANDLE)(uintptr_t)(u64))
#define SDF_U64_OF(h) ((uint64_t)(uintptr_t)(h))

#endif
