/* SPDX-License-Identifier: Apache-2.0 */
/* ccspd's error table (apierr.h). */
#include "platform/apierr.h"

static const struct {
	const char *code;
	int status;
	const char *message;
} table[CCSP_APIERR_COUNT_] = {
	[CCSP_APIERR_BAD_REQUEST] = {"CCSP-1000", 400, "malformed request"},
	[CCSP_APIERR_INVALID_PARAM] = {"CCSP-1001", 400, "invalid parameter"},
	[CCSP_APIERR_NOT_FOUND] = {"CCSP-1002", 404, "not found"},
	[CCSP_APIERR_METHOD] = {"CCSP-1003", 405, "method not allowed"},
	[CCSP_APIERR_TOO_LARGE] = {"CCSP-1004", 413, "request body too large"},
	[CCSP_APIERR_MEDIA_TYPE] = {"CCSP-1005", 415, "the body must be application/json"},
	[CCSP_APIERR_UNAUTHENTICATED] = {"CCSP-2000", 401, "authentication required"},
	[CCSP_APIERR_SIGNATURE_HEADERS] = {"CCSP-2001", 401, "malformed signature headers"},
	[CCSP_APIERR_TIMESTAMP] = {"CCSP-2002", 401, "timestamp outside the allowed window"},
	[CCSP_APIERR_REPLAY] = {"CCSP-2003", 401, "replayed request"},
	[CCSP_APIERR_TOKEN_EXPIRED] = {"CCSP-2004", 401, "session expired or revoked"},
	[CCSP_APIERR_LOGIN_FAILED] = {"CCSP-2005", 401, "login failed"},
	[CCSP_APIERR_FORBIDDEN] = {"CCSP-3000", 403, "forbidden"},
	[CCSP_APIERR_PASSWORD_CHANGE] = {"CCSP-3001", 403, "the password must be changed"},
	[CCSP_APIERR_CONFLICT] = {"CCSP-4000", 409, "conflict"},
	[CCSP_APIERR_LOCKED] = {"CCSP-4001", 423, "account locked"},
	[CCSP_APIERR_RATE_LIMITED] = {"CCSP-5000", 429, "too many requests"},
	[CCSP_APIERR_INTERNAL] = {"CCSP-9000", 500, "internal error"},
	[CCSP_APIERR_UNAVAILABLE] = {"CCSP-9001", 503, "service unavailable"},
	[CCSP_APIERR_CRYPTO_MODULE] = {"CCSP-9002", 503, "crypto module unavailable"},
	[CCSP_APIERR_AUDIT_TAMPERED] = {"CCSP-9003", 500, "the stored audit chain does not verify"},
	[CCSP_APIERR_KEY_STATE] = {"CCSP-4002", 409, "the key's state does not allow this"},
	[CCSP_APIERR_CIPHERTEXT] = {"CCSP-1006", 400, "the ciphertext does not verify"},
	[CCSP_APIERR_KEY_USAGE] = {"CCSP-1007", 400, "the key's spec does not allow this operation"},
};

static ccsp_apierr valid(ccsp_apierr e)
{
	return (unsigned)e < CCSP_APIERR_COUNT_ ? e : CCSP_APIERR_INTERNAL;
}

const char *ccsp_apierr_code(ccsp_apierr e)
{
	return table[valid(e)].code;
}

int ccsp_apierr_status(ccsp_apierr e)
{
	return table[valid(e)].status;
}

const char *ccsp_apierr_message(ccsp_apierr e)
{
	return table[valid(e)].message;
}

ccsp_apierr ccsp_apierr_from_status(int status)
{
	switch (status) {
	case 400:
		return CCSP_APIERR_BAD_REQUEST;
	case 401:
		return CCSP_APIERR_UNAUTHENTICATED;
	case 403:
		return CCSP_APIERR_FORBIDDEN;
	case 404:
		return CCSP_APIERR_NOT_FOUND;
	case 405:
		return CCSP_APIERR_METHOD;
	case 409:
		return CCSP_APIERR_CONFLICT;
	case 413:
		return CCSP_APIERR_TOO_LARGE;
	case 415:
		return CCSP_APIERR_MEDIA_TYPE;
	case 423:
		return CCSP_APIERR_LOCKED;
	case 429:
		return CCSP_APIERR_RATE_LIMITED;
	case 503:
		return CCSP_APIERR_UNAVAILABLE;
	default:
		return CCSP_APIERR_INTERNAL;
	}
}

json_t *ccsp_apierr_body(ccsp_apierr e, const char *message, const char *request_id)
{
	e = valid(e);
	return json_pack("{s:{s:s, s:s}, s:s}", "error", "code", table[e].code, "message",
	                 message != NULL ? message : table[e].message, "requestId", request_id != NULL ? request_id : "");
}
