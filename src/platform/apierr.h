/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccspd's one error table (SVC-7): every refusal of the platform API has a stable code "CCSP-NNNN", the HTTP
 * status that fits and a default message, and is answered with one body everywhere:
 *   {"error":{"code":"CCSP-NNNN","message":"..."},"requestId":"..."}
 * docs/errors.md lists every code with its meaning (a test checks the two agree). Codes are never reused; a new
 * refusal gets a new code at the end of its group:
 *   1xxx request (400, 404, 405, 413, 415)   2xxx authentication (401)   3xxx authorization (403)
 *   4xxx state (409, 423)   5xxx limits (429)   9xxx the platform (500, 503)
 */
#ifndef CCSP_PLATFORM_APIERR_H
#define CCSP_PLATFORM_APIERR_H

#include <jansson.h>

typedef enum ccsp_apierr {
	CCSP_APIERR_BAD_REQUEST = 0,   /* CCSP-1000 400 the request is malformed (JSON, headers, query) */
	CCSP_APIERR_INVALID_PARAM,     /* CCSP-1001 400 a field is missing, of the wrong type or out of range */
	CCSP_APIERR_NOT_FOUND,         /* CCSP-1002 404 no such action, or no such object visible to the caller */
	CCSP_APIERR_METHOD,            /* CCSP-1003 405 the action exists with another method */
	CCSP_APIERR_TOO_LARGE,         /* CCSP-1004 413 the body is over the limit */
	CCSP_APIERR_MEDIA_TYPE,        /* CCSP-1005 415 the body is not application/json */
	CCSP_APIERR_UNAUTHENTICATED,   /* CCSP-2000 401 no credentials, or credentials that do not verify */
	CCSP_APIERR_SIGNATURE_HEADERS, /* CCSP-2001 401 the X-Ccsp-* signature headers are malformed */
	CCSP_APIERR_TIMESTAMP,         /* CCSP-2002 401 X-Ccsp-Timestamp is more than 300 s off */
	CCSP_APIERR_REPLAY,            /* CCSP-2003 401 the nonce was seen within the window */
	CCSP_APIERR_TOKEN_EXPIRED,     /* CCSP-2004 401 the session token is expired, revoked or unknown */
	CCSP_APIERR_LOGIN_FAILED,      /* CCSP-2005 401 wrong name, password or second factor */
	CCSP_APIERR_FORBIDDEN,         /* CCSP-3000 403 the caller's role does not allow this action */
	CCSP_APIERR_PASSWORD_CHANGE,   /* CCSP-3001 403 the password must be changed first (first login, expiry) */
	CCSP_APIERR_CONFLICT,          /* CCSP-4000 409 the object exists already, or changed meanwhile */
	CCSP_APIERR_LOCKED,            /* CCSP-4001 423 the account is locked after repeated failures */
	CCSP_APIERR_RATE_LIMITED,      /* CCSP-5000 429 too many requests from this client */
	CCSP_APIERR_INTERNAL,          /* CCSP-9000 500 an internal error (logged with the requestId) */
	CCSP_APIERR_UNAVAILABLE,       /* CCSP-9001 503 shutting down, or a dependency is not ready */
	CCSP_APIERR_CRYPTO_MODULE,     /* CCSP-9002 503 the platform's crypto module (VSM) does not answer */
	CCSP_APIERR_AUDIT_TAMPERED,    /* CCSP-9003 500 the stored audit chain does not verify: nothing signed */
	CCSP_APIERR_KEY_STATE,         /* CCSP-4002 409 the key's state does not allow this (kms_state.h) */
	CCSP_APIERR_CIPHERTEXT,        /* CCSP-1006 400 the ciphertext does not verify (altered, another tenant/context) */
	CCSP_APIERR_KEY_USAGE,         /* CCSP-1007 400 the key's spec does not allow this operation (kms_spec.h) */
	CCSP_APIERR_COUNT_
} ccsp_apierr;

/* "CCSP-NNNN", its HTTP status, its default message (English; never a secret, never an internal detail). */
const char *ccsp_apierr_code(ccsp_apierr e);
int ccsp_apierr_status(ccsp_apierr e);
const char *ccsp_apierr_message(ccsp_apierr e);
/* The error of a refusal the HTTP layer made by itself (400, 404, 405, 413, 415, 503, ...). */
ccsp_apierr ccsp_apierr_from_status(int status);
/* The error body for e with message (NULL: the default) and requestId. */
json_t *ccsp_apierr_body(ccsp_apierr e, const char *message, const char *request_id);

#endif
