/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GM/T 0088 §6.4 request authentication (gmt0088-api.md §3.5): decides whether a request to a trusted
 * interface carries a valid signature by one of the CHSM's platform keys (chsm_pk.h). Pure: no HTTP, no
 * I/O; the HTTP layer passes the method, the body or the decoded query, and the three header values, and
 * renders the verdict with ccsp_chsm_auth_status() / ccsp_chsm_auth_message().
 *
 * Steps, in the spec's order:
 *   0. no platform key configured                     -> 403 未配置云平台公钥  (§3.4)
 *   1. a CHSM-* header absent or blank                 -> 403 缺少认证头
 *   2. CHSM-SignatureAlg not SM2WithSM3 / SHA256withRSA / RSAWithSHA256 (ASCII case-insensitive; also
 *      SM3withSM2, the Java/BouncyCastle name of the same algorithm)    -> 403 不支持的签名算法
 *   3. no stored key matches CHSM-AuthPK (ccsp_chsm_pk_store_find forms) -> 403 公钥指纹不匹配
 *   4. the key's type does not match the algorithm     -> 403 认证失败
 *   5. CHSM-Signature not Base64, or not a signature encoding for the key (SM2: 64 raw bytes or DER
 *      SEQUENCE{r,s}; RSA: at most the modulus size)  -> 400 签名值格式错误 (Appendix A, §3.11)
 *      the signature does not verify over M            -> 403 签名验证失败
 *   6. the requestId check (400) is the caller's: it owns the JSON.
 * Header values may carry surrounding spaces or tabs (HTTP OWS); the Base64 rules are b64.h's.
 *
 * String to sign M (§3.5):
 *   GET and HEAD: the decoded query parameters sorted by name in byte order (equal names: by value), each
 *       "name=value", joined with "&"; the empty string when there are none.
 *   POST, PUT, PATCH: the raw body bytes exactly as received (possibly empty).
 *   any other method (DELETE, ...): the body when it is non-empty, else the query as for GET.
 *
 * Thread safety: the functions keep no state; ccsp_chsm_auth_verify reads the store, which must not be
 * changed meanwhile (chsm_pk.h).
 */
#ifndef CCSP_CHSM_AUTH_H
#define CCSP_CHSM_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include <ccsp/error.h>

#include "chsm/chsm_pk.h"

#define CCSP_CHSM_AUTH_BODY_MAX (1u << 20)  /* larger bodies are 413 (Appendix A) */
#define CCSP_CHSM_AUTH_PARAMS_MAX 64        /* query parameters in a signed GET */
#define CCSP_CHSM_AUTH_QUERY_MAX 16384      /* bytes of the GET string to sign */
#define CCSP_CHSM_AUTH_HEADER_MAX 4096      /* longest CHSM-AuthPK / CHSM-Signature value looked at */
#define CCSP_CHSM_AUTH_ALG_MAX 64           /* longest CHSM-SignatureAlg value looked at */

/* The outcome of a check: a verdict on untrusted input, or (INTERNAL) a fault. Values are stable. */
typedef enum ccsp_chsm_auth_verdict {
	CCSP_CHSM_AUTH_OK = 0,
	CCSP_CHSM_AUTH_NO_PLATFORM_KEY = 1,      /* 403 未配置云平台公钥 */
	CCSP_CHSM_AUTH_MISSING_HEADER = 2,       /* 403 缺少认证头 */
	CCSP_CHSM_AUTH_UNSUPPORTED_ALG = 3,      /* 403 不支持的签名算法 */
	CCSP_CHSM_AUTH_UNKNOWN_KEY = 4,          /* 403 公钥指纹不匹配 */
	CCSP_CHSM_AUTH_KEY_ALG_MISMATCH = 5,     /* 403 认证失败 */
	CCSP_CHSM_AUTH_BAD_SIGNATURE_FORMAT = 6, /* 400 签名值格式错误 */
	CCSP_CHSM_AUTH_BAD_SIGNATURE = 7,        /* 403 签名验证失败 */
	CCSP_CHSM_AUTH_TOO_LARGE = 8,            /* 413 请求过大: body over CCSP_CHSM_AUTH_BODY_MAX */
	CCSP_CHSM_AUTH_BAD_REQUEST = 9,          /* 400 参数错误: too many or too long query parameters */
	CCSP_CHSM_AUTH_INTERNAL = 10,            /* 500 内部错误: bad arguments from the caller, out of memory */
	CCSP_CHSM_AUTH_VERDICT_COUNT_
} ccsp_chsm_auth_verdict;

/* The status (= HTTP code) of the response envelope (§3.6, Appendix A). */
int ccsp_chsm_auth_status(ccsp_chsm_auth_verdict v);
/* The envelope "message": "success" or the spec's Chinese text (UTF-8). Never NULL. */
const char *ccsp_chsm_auth_message(ccsp_chsm_auth_verdict v);
/* A stable identifier for logs, e.g. "BAD_SIGNATURE". Never NULL. */
const char *ccsp_chsm_auth_name(ccsp_chsm_auth_verdict v);
/* The same verdict in the one error enum (CCSP_ERR_ACCESS_DENIED, _UNSUPPORTED, _KEY_NOT_FOUND, _KEY_TYPE,
 * _DECODE, _SIGNATURE, _DATA_LENGTH, _ARG, _INTERNAL). */
ccsp_err ccsp_chsm_auth_err(ccsp_chsm_auth_verdict v);

/* One decoded query parameter; name and value may hold any bytes (lengths are explicit). */
typedef struct ccsp_chsm_auth_param {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
} ccsp_chsm_auth_param;

typedef struct ccsp_chsm_auth_request {
	const char *method;                  /* "GET", "POST", ... (ASCII case-insensitive) */
	const uint8_t *body;                 /* may be NULL when body_len is 0 */
	size_t body_len;
	const ccsp_chsm_auth_param *params;  /* may be NULL when nparams is 0 */
	size_t nparams;
	/* header values, NUL-terminated; NULL when the header is absent */
	const char *authpk;    /* CHSM-AuthPK */
	const char *sig_alg;   /* CHSM-SignatureAlg */
	const char *signature; /* CHSM-Signature */
} ccsp_chsm_auth_request;

/* Check req against the keys of store (steps 0-5 above). On CCSP_CHSM_AUTH_OK, *key (when key is not NULL)
 * is the key that verified (for the audit log: its fingerprint); otherwise NULL. */
CCSP_MUST_CHECK ccsp_chsm_auth_verdict ccsp_chsm_auth_verify(const ccsp_chsm_pk_store *store,
                                                             const ccsp_chsm_auth_request *req,
                                                             const ccsp_chsm_pk **key);

/* CHSM-SignatureAlg -> the key kind it needs. CCSP_ERR_UNSUPPORTED for an unknown name. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_auth_alg_parse(const char *name, size_t len, ccsp_chsm_pk_alg *alg);

/* The GET string to sign of params[0..n) into a malloc'd NUL-terminated buffer (*out, *outlen without the
 * NUL; the caller frees). The caller's array is not reordered. CCSP_ERR_LIMIT when n exceeds
 * CCSP_CHSM_AUTH_PARAMS_MAX or the string CCSP_CHSM_AUTH_QUERY_MAX bytes; CCSP_ERR_ARG, CCSP_ERR_NOMEM. */
CCSP_MUST_CHECK ccsp_err ccsp_chsm_auth_query_string(const ccsp_chsm_auth_param *params, size_t n, char **out,
                                                     size_t *outlen);

#endif
