/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one error enum of ccsp. Every layer (crypto core, SDF, REST, CLI) maps to it.
 * The numeric values are stable: never renumber, only append.
 *
 * "Invalid" answers (CCSP_ERR_AUTH, CCSP_ERR_SIGNATURE) are normal results of a check on
 * untrusted data; "failed" answers (CCSP_ERR_INTERNAL, CCSP_ERR_MODULE_STATE, ...) are faults.
 */
#ifndef CCSP_ERROR_H
#define CCSP_ERROR_H

#include "common.h"

typedef enum ccsp_err {
	CCSP_OK = 0,
	CCSP_ERR_ARG = 1,           /* NULL pointer or argument out of range */
	CCSP_ERR_KEY_LENGTH = 2,    /* key has the wrong length */
	CCSP_ERR_IV_LENGTH = 3,     /* IV / nonce / tweak has the wrong length */
	CCSP_ERR_DATA_LENGTH = 4,   /* input length not allowed (e.g. not a block multiple) */
	CCSP_ERR_BUFFER_TOO_SMALL = 5, /* output buffer too small; *outlen holds the needed size */
	CCSP_ERR_PADDING = 6,       /* bad PKCS#7 padding */
	CCSP_ERR_AUTH = 7,          /* tag / MAC / C3 check failed: data not authentic */
	CCSP_ERR_SIGNATURE = 8,     /* signature does not verify */
	CCSP_ERR_DECODE = 9,        /* malformed encoding (DER, PEM, hex, point) */
	CCSP_ERR_POINT = 10,        /* point not on the curve, at infinity or out of range */
	CCSP_ERR_KEY = 11,          /* invalid key (e.g. private key 0 or >= n-1) */
	CCSP_ERR_STATE = 12,        /* call out of sequence for this context */
	CCSP_ERR_MODULE_STATE = 13, /* module is in the error state: no service */
	CCSP_ERR_SELFTEST = 14,     /* a self-test failed */
	CCSP_ERR_INTEGRITY = 15,    /* library integrity check failed */
	CCSP_ERR_RNG = 16,          /* entropy source or DRBG failure */
	CCSP_ERR_RESEED_REQUIRED = 17, /* DRBG needs reseeding before generating */
	CCSP_ERR_NOMEM = 18,        /* out of memory */
	CCSP_ERR_IO = 19,           /* file or OS I/O error */
	CCSP_ERR_UNSUPPORTED = 20,  /* algorithm, mode or format not supported */
	CCSP_ERR_PASSWORD = 21,     /* wrong password (encrypted key) */
	CCSP_ERR_INTERNAL = 22,     /* internal fault: a bug */
	CCSP_ERR_PAIRWISE = 23,     /* pairwise-consistency test on a new key pair failed */
	CCSP_ERR_KEY_EXCHANGE = 24, /* key exchange confirmation mismatch or bad peer data */
	/* crypto module services (VSM, SDF) */
	CCSP_ERR_ACCESS_DENIED = 25, /* no access right to this private key, or wrong role */
	CCSP_ERR_KEY_NOT_FOUND = 26, /* no key at this index or handle */
	CCSP_ERR_KEY_EXISTS = 27,    /* the key slot is already occupied */
	CCSP_ERR_KEY_TYPE = 28,      /* the key exists but is of the wrong type for this use */
	CCSP_ERR_HANDLE = 29,        /* unknown or closed session or key handle */
	CCSP_ERR_LIMIT = 30,         /* a quota or limit is reached (sessions, handles, file space) */
	CCSP_ERR_FILE_NOT_FOUND = 31,
	CCSP_ERR_FILE_EXISTS = 32,
	CCSP_ERR_FILE_OFFSET = 33,   /* offset or length beyond the end of the file */
	CCSP_ERR_TOKEN = 34,         /* client authentication (VSM token) failed */
	CCSP_ERR_PROTOCOL = 35,      /* malformed or unexpected protocol message */
	CCSP_ERR_COMM = 36,          /* connection to the crypto module failed or was lost */
	CCSP_ERR_TAMPERED = 37,      /* stored data failed its integrity check: refused, never half-read */
	/* secret shares (m-of-n custody of the CHSM's master and domain keys) */
	CCSP_ERR_SHARE_CHECKSUM = 38,  /* a share's check digits do not match: mistyped or altered */
	CCSP_ERR_SHARE_MIXED = 39,     /* shares of different splits (purpose, set id or m-of-n differ) */
	CCSP_ERR_SHARE_DUPLICATE = 40, /* a share with this x was given already */
	CCSP_ERR_SHARE_TOO_FEW = 41,   /* fewer shares than the threshold */
	CCSP_ERR_SHARE_WRONG = 42,     /* the shares combine to a secret that fails its check: one is wrong */
	/* the service platform's store */
	CCSP_ERR_NOT_FOUND = 43,       /* no such object (or not in the caller's tenant) */
	CCSP_ERR_EXISTS = 44,          /* the object exists already (a unique name, id or nonce is taken) */
	CCSP_ERR_BUSY = 45,            /* conflict with a concurrent transaction: nothing was done, retry */
	CCSP_ERR_COUNT_             /* not an error: number of codes */
} ccsp_err;

/* Short stable identifier, e.g. "CCSP_ERR_AUTH". Never NULL. */
CCSP_API const char *ccsp_err_name(ccsp_err err);
/* Human-readable English message, e.g. "authentication failed". Never NULL. */
CCSP_API const char *ccsp_err_str(ccsp_err err);

#endif
