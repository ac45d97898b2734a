/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X.509 v3 certificates and PKCS#10 requests with SM2 keys signed with SM2-with-SM3 (RFC 5280, RFC 2986,
 * GM/T 0015-2012 / GB/T 20518-2018), and chain verification against a trust store.
 *
 * Profile read and written:
 *   signatureAlgorithm SM2-with-SM3 (1.2.156.10197.1.501) with no parameters (a NULL is accepted on read);
 *   SubjectPublicKeyInfo id-ecPublicKey with namedCurve sm2p256v1 (1.2.156.10197.1.301), as OpenSSL 3
 *   writes it (the bare sm2p256v1 algorithm of GM/T 0015-2023 is read too);
 *   signatures are computed over the DER of the TBSCertificate / CertificationRequestInfo with
 *   Z = Z(default ID "1234567812345678", signer's public key) (GM/T 0015 clause 7.1, GB/T 35276).
 *   OpenSSL 3.0 uses an empty ID unless told otherwise: give it -sigopt distid:1234567812345678 to sign
 *   and -vfyopt distid:1234567812345678 to verify (openssl req/x509/verify).
 *
 * Parsing is strict DER over a bounded reader, without allocation: a parsed object points into the
 * caller's buffer, which must outlive it. Malformed input (extensions in a v1 or v2 certificate, a repeated
 * extension included) is CCSP_ERR_DECODE; a well-formed certificate outside the profile (another algorithm
 * or curve, an unknown version, an unknown critical extension, more than CCSP_X509_SAN_MAX DNS names or IP
 * addresses) is CCSP_ERR_UNSUPPORTED. Serial numbers are at most 20 bytes (RFC 5280 clause 4.1.2.2).
 * All functions are thread-safe on distinct objects; a parsed certificate is read-only and may be shared.
 */
#ifndef CCSP_X509_H
#define CCSP_X509_H

#include <stdint.h>

#include "sm2.h"

#define CCSP_X509_SERIAL_MAX 20
#define CCSP_X509_SAN_MAX 16       /* DNS names and IP addresses read or written per certificate */
#define CCSP_X509_KEY_ID_SIZE 20   /* SKI written: SM3 of the subjectPublicKey bits, first 20 bytes */
#define CCSP_X509_NAME_TEXT_MAX 1024 /* a text buffer for usual names (longer: CCSP_ERR_BUFFER_TOO_SMALL) */
#define CCSP_X509_CERT_MAX 16384   /* larger certificates and requests are refused (CCSP_ERR_DATA_LENGTH) */

/* KeyUsage bits (RFC 5280 clause 4.2.1.3), as flags. */
#define CCSP_X509_KU_DIGITAL_SIGNATURE 0x001u
#define CCSP_X509_KU_NON_REPUDIATION 0x002u
#define CCSP_X509_KU_KEY_ENCIPHERMENT 0x004u
#define CCSP_X509_KU_DATA_ENCIPHERMENT 0x008u
#define CCSP_X509_KU_KEY_AGREEMENT 0x010u
#define CCSP_X509_KU_KEY_CERT_SIGN 0x020u
#define CCSP_X509_KU_CRL_SIGN 0x040u
/* ExtendedKeyUsage purposes (RFC 5280 clause 4.2.1.12), as flags; others are skipped on read. */
#define CCSP_X509_EKU_SERVER_AUTH 0x1u
#define CCSP_X509_EKU_CLIENT_AUTH 0x2u

typedef struct ccsp_x509_span {
	const uint8_t *p;
	size_t len;
} ccsp_x509_span;

typedef struct ccsp_x509_ip {
	uint8_t addr[16];
	size_t len; /* 4 (IPv4) or 16 (IPv6) */
} ccsp_x509_ip;

/* A parsed certificate; every span points into the parsed DER. */
typedef struct ccsp_x509_cert {
	ccsp_x509_span der;     /* the whole certificate */
	ccsp_x509_span tbs;     /* TBSCertificate, the signed bytes */
	int version;            /* 1, 2 or 3 */
	uint8_t serial[CCSP_X509_SERIAL_MAX];
	size_t serial_len;      /* big-endian magnitude, no sign byte (0 bytes for serial 0) */
	ccsp_x509_span issuer;  /* the Name's whole DER (tag and length included): compare these bytes */
	ccsp_x509_span subject;
	int64_t not_before;     /* seconds since 1970-01-01T00:00:00Z */
	int64_t not_after;
	uint8_t pub[CCSP_SM2_POINT_SIZE]; /* 04 || x || y, checked to be on the curve */
	uint8_t sig[CCSP_SM2_SIGNATURE_SIZE];
	int has_key_usage;
	unsigned key_usage;     /* CCSP_X509_KU_* */
	int has_ext_key_usage;
	unsigned ext_key_usage; /* CCSP_X509_EKU_* */
	int has_basic_constraints;
	int is_ca;
	int pathlen;            /* -1: no limit */
	ccsp_x509_span ski;     /* SubjectKeyIdentifier (empty when absent) */
	ccsp_x509_span aki;     /* AuthorityKeyIdentifier keyIdentifier (empty when absent) */
	size_t n_dns;
	ccsp_x509_span dns[CCSP_X509_SAN_MAX]; /* SAN dNSName values (IA5String bytes) */
	size_t n_ip;
	ccsp_x509_ip ip[CCSP_X509_SAN_MAX];
} ccsp_x509_cert;

/* Parse a DER certificate (no trailing bytes). Does not check the signature. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_x509_cert_parse(ccsp_x509_cert *cert, const uint8_t *der, size_t len);

/* The first PEM block labelled `label` ("CERTIFICATE", "CERTIFICATE REQUEST") found in in[0..len) (other
 * blocks before it are skipped) decoded into out. *consumed (may be NULL) receives the offset just after
 * its END line, to read the next one: CCSP_ERR_NOT_FOUND when there is no further block. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_x509_pem_decode(const uint8_t *in, size_t len, const char *label, uint8_t *out,
                                                       size_t outcap, size_t *outlen, size_t *consumed);
/* DER to PEM text (not NUL-terminated), 64-column lines. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_x509_pem_encode(const char *label, const uint8_t *der, size_t derlen,
                                                       uint8_t *out, size_t outcap, size_t *outlen);

/*
 * Names. Text form "/CN=name/O=org" as openssl -subj takes it: attributes C, ST, L, O, OU, CN,
 * emailAddress, serialNumber, in the order given, one per RDN; "\" escapes the next character. C is
 * written as a PrintableString (2 letters), emailAddress as an IA5String, the others as UTF8String.
 * Values are 1..64 bytes (C: 2 letters, emailAddress: up to 128 ASCII bytes), no control characters.
 * Unknown attributes and malformed text are CCSP_ERR_ARG.
 */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_x509_name_from_text(const char *text, uint8_t *out, size_t outcap,
                                                           size_t *outlen);
/* A Name's DER as one line "CN=name, O=org" (openssl's RFC 2253-like order: as stored), NUL-terminated.
 * Unknown attributes print as their dotted OID; non-printable bytes as \xHH. CCSP_ERR_BUFFER_TOO_SMALL
 * when out (outcap >= 1) cannot hold it. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_x509_name_to_text(const uint8_t *name, size_t len, char *out, size_t outcap);

/* What a new certificate says. */
typedef struct ccsp_x509_cert_params {
	const uint8_t *serial;   /* big-endian, 1..20 bytes, not 0; NULL: 16 random bytes (positive) */
	size_t serial_len;
	const uint8_t *subject;  /* the subject Name's DER (ccsp_x509_name_from_text) */
	size_t subject_len;
	int64_t not_before;      /* seconds since the epoch; UTCTime until 2049, GeneralizedTime from 2050 */
	int64_t not_after;
	unsigned key_usage;      /* CCSP_X509_KU_*, written as a critical extension when not 0 */
	unsigned ext_key_usage;  /* CCSP_X509_EKU_*, written (not critical) when not 0 */
	int is_ca;               /* basicConstraints cA (critical): written when is_ca */
	int pathlen;             /* with is_ca: -1 none, else 0..255 */
	const char *const *dns;  /* SAN dNSName entries (1..253 bytes of letters, digits, '-', '.', '*') */
	size_t n_dns;
	const ccsp_x509_ip *ip;  /* SAN iPAddress entries */
	size_t n_ip;
} ccsp_x509_cert_params;

/*
 * Write and sign a v3 certificate for subject_key (its public part) as DER. issuer is the issuer's
 * certificate and issuer_key its private key; issuer == NULL makes a self-signed certificate (issuer
 * name = subject, issuer_key must then be subject_key's pair). Written: SKI (always), AKI (the issuer's
 * SKI, or for a self-signed certificate its own), the extensions asked for. The issuer key must match
 * the issuer certificate (CCSP_ERR_KEY). CCSP_ERR_ARG for parameters out of range.
 */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_x509_cert_write(const ccsp_x509_cert_params *params,
                                                       const ccsp_sm2_key *subject_key,
                                                       const ccsp_x509_cert *issuer, const ccsp_sm2_key *issuer_key,
                                                       uint8_t *out, size_t outcap, size_t *outlen);

/* A parsed PKCS#10 request (RFC 2986): version 0, attributes skipped (extension requests included). */
typedef struct ccsp_x509_csr {
	ccsp_x509_span der;
	ccsp_x509_span info; /* CertificationRequestInfo, the signed bytes */
	ccsp_x509_span subject;
	uint8_t pub[CCSP_SM2_POINT_SIZE];
	uint8_t sig[CCSP_SM2_SIGNATURE_SIZE];
} ccsp_x509_csr;

CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_x509_csr_parse(ccsp_x509_csr *csr, const uint8_t *der, size_t len);
/* Check the request's self-signature: CCSP_OK or CCSP_ERR_SIGNATURE. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_x509_csr_verify(const ccsp_x509_csr *csr);
/* Write a request for key (private: it signs) with the subject Name's DER and no attributes. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_x509_csr_write(const uint8_t *subject, size_t subject_len,
                                                      const ccsp_sm2_key *key, uint8_t *out, size_t outcap,
                                                      size_t *outlen);

/* Check cert's signature with issuer's public key (ID: default): CCSP_OK or CCSP_ERR_SIGNATURE. */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_x509_cert_check_signature(const ccsp_x509_cert *cert,
                                                                 const ccsp_x509_cert *issuer);

/* ---- chain verification ---- */

typedef enum ccsp_x509_purpose {
	CCSP_X509_PURPOSE_ANY = 0,
	CCSP_X509_PURPOSE_SIGN = 1, /* leaf key usage (when present) has digitalSignature */
	CCSP_X509_PURPOSE_ENC = 2   /* leaf key usage (when present) has keyEncipherment, dataEncipherment or
	                               keyAgreement */
} ccsp_x509_purpose;

/* Why a chain was refused; stable numbers. */
typedef enum ccsp_x509_status {
	CCSP_X509_VALID = 0,
	CCSP_X509_UNTRUSTED = 1,      /* no issuer with a matching name in the chain or trust store */
	CCSP_X509_BAD_SIGNATURE = 2,  /* the issuer's key does not verify the signature */
	CCSP_X509_EXPIRED = 3,        /* the time is after notAfter */
	CCSP_X509_NOT_YET_VALID = 4,  /* the time is before notBefore */
	CCSP_X509_ISSUER_NOT_CA = 5,  /* an issuer has no basicConstraints cA TRUE */
	CCSP_X509_ISSUER_NO_CERT_SIGN = 6, /* an issuer's key usage lacks keyCertSign */
	CCSP_X509_PATHLEN = 7,        /* more intermediate CAs than an issuer's pathLenConstraint allows */
	CCSP_X509_WRONG_USAGE = 8,    /* the leaf's key usage does not allow the purpose */
	CCSP_X509_TOO_LONG = 9        /* more than CCSP_X509_DEPTH_MAX certificates */
} ccsp_x509_status;

#define CCSP_X509_DEPTH_MAX 8

typedef struct ccsp_x509_verify_params {
	int64_t time;              /* validity is checked at this time (seconds since the epoch) */
	ccsp_x509_purpose purpose;
	const uint8_t *id;         /* signer ID for every signature; NULL: the default ID (idlen ignored) */
	size_t idlen;              /* 0 with a non-NULL id: the empty ID (what OpenSSL 3.0 signs with by default) */
} ccsp_x509_verify_params;

/*
 * Verify leaf up to a certificate of trust[0..ntrust) (trust anchors: their own signature is not checked,
 * their validity, cA and keyCertSign are), through intermediates taken from chain[0..nchain) by issuer
 * name. CCSP_OK: valid. CCSP_ERR_AUTH: refused; *status (may be NULL) says why and *depth (may be NULL)
 * where (0: the leaf, 1: its issuer, ...). Other codes are faults (CCSP_ERR_ARG, CCSP_ERR_MODULE_STATE).
 */
CCSP_API CCSP_MUST_CHECK ccsp_err ccsp_x509_verify(const ccsp_x509_cert *leaf, const ccsp_x509_cert *chain,
                                                   size_t nchain, const ccsp_x509_cert *trust, size_t ntrust,
                                                   const ccsp_x509_verify_params *params, ccsp_x509_status *status,
                                                   size_t *depth);
/* English text for a status ("certificate has expired", ...). Never NULL. */
CCSP_API const char *ccsp_x509_status_str(ccsp_x509_status status);

#endif
