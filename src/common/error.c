/* SPDX-License-Identifier: Apache-2.0 */
#include <ccsp/error.h>

static const struct {
	const char *name;
	const char *msg;
} err_table[CCSP_ERR_COUNT_] = {
	[CCSP_OK] = {"CCSP_OK", "success"},
	[CCSP_ERR_ARG] = {"CCSP_ERR_ARG", "invalid argument"},
	[CCSP_ERR_KEY_LENGTH] = {"CCSP_ERR_KEY_LENGTH", "wrong key length"},
	[CCSP_ERR_IV_LENGTH] = {"CCSP_ERR_IV_LENGTH", "wrong IV length"},
	[CCSP_ERR_DATA_LENGTH] = {"CCSP_ERR_DATA_LENGTH", "input length not allowed"},
	[CCSP_ERR_BUFFER_TOO_SMALL] = {"CCSP_ERR_BUFFER_TOO_SMALL", "output buffer too small"},
	[CCSP_ERR_PADDING] = {"CCSP_ERR_PADDING", "bad padding"},
	[CCSP_ERR_AUTH] = {"CCSP_ERR_AUTH", "authentication failed"},
	[CCSP_ERR_SIGNATURE] = {"CCSP_ERR_SIGNATURE", "signature does not verify"},
	[CCSP_ERR_DECODE] = {"CCSP_ERR_DECODE", "malformed encoding"},
	[CCSP_ERR_POINT] = {"CCSP_ERR_POINT", "invalid curve point"},
	[CCSP_ERR_KEY] = {"CCSP_ERR_KEY", "invalid key"},
	[CCSP_ERR_STATE] = {"CCSP_ERR_STATE", "call out of sequence"},
	[CCSP_ERR_MODULE_STATE] = {"CCSP_ERR_MODULE_STATE", "crypto module is in the error state"},
	[CCSP_ERR_SELFTEST] = {"CCSP_ERR_SELFTEST", "self-test failed"},
	[CCSP_ERR_INTEGRITY] = {"CCSP_ERR_INTEGRITY", "library integrity check failed"},
	[CCSP_ERR_RNG] = {"CCSP_ERR_RNG", "random number generator failure"},
	[CCSP_ERR_RESEED_REQUIRED] = {"CCSP_ERR_RESEED_REQUIRED", "DRBG reseed required"},
	[CCSP_ERR_NOMEM] = {"CCSP_ERR_NOMEM", "out of memory"},
	[CCSP_ERR_IO] = {"CCSP_ERR_IO", "I/O error"},
	[CCSP_ERR_UNSUPPORTED] = {"CCSP_ERR_UNSUPPORTED", "not supported"},
	[CCSP_ERR_PASSWORD] = {"CCSP_ERR_PASSWORD", "wrong password"},
	[CCSP_ERR_INTERNAL] = {"CCSP_ERR_INTERNAL", "internal error"},
	[CCSP_ERR_PAIRWISE] = {"CCSP_ERR_PAIRWISE", "pairwise-consistency test failed"},
	[CCSP_ERR_KEY_EXCHANGE] = {"CCSP_ERR_KEY_EXCHANGE", "key exchange failed"},
	[CCSP_ERR_ACCESS_DENIED] = {"CCSP_ERR_ACCESS_DENIED", "access denied"},
	[CCSP_ERR_KEY_NOT_FOUND] = {"CCSP_ERR_KEY_NOT_FOUND", "no such key"},
	[CCSP_ERR_KEY_EXISTS] = {"CCSP_ERR_KEY_EXISTS", "key slot already occupied"},
	[CCSP_ERR_KEY_TYPE] = {"CCSP_ERR_KEY_TYPE", "wrong key type for this operation"},
	[CCSP_ERR_HANDLE] = {"CCSP_ERR_HANDLE", "unknown or closed handle"},
	[CCSP_ERR_LIMIT] = {"CCSP_ERR_LIMIT", "limit or quota reached"},
	[CCSP_ERR_FILE_NOT_FOUND] = {"CCSP_ERR_FILE_NOT_FOUND", "no such file"},
	[CCSP_ERR_FILE_EXISTS] = {"CCSP_ERR_FILE_EXISTS", "file already exists"},
	[CCSP_ERR_FILE_OFFSET] = {"CCSP_ERR_FILE_OFFSET", "offset or length beyond the end of the file"},
	[CCSP_ERR_TOKEN] = {"CCSP_ERR_TOKEN", "client authentication failed"},
	[CCSP_ERR_PROTOCOL] = {"CCSP_ERR_PROTOCOL", "protocol error"},
	[CCSP_ERR_COMM] = {"CCSP_ERR_COMM", "communication with the crypto module failed"},
	[CCSP_ERR_TAMPERED] = {"CCSP_ERR_TAMPERED", "stored data failed its integrity check"},
	[CCSP_ERR_SHARE_CHECKSUM] = {"CCSP_ERR_SHARE_CHECKSUM", "share checksum mismatch (mistyped share?)"},
	[CCSP_ERR_SHARE_MIXED] = {"CCSP_ERR_SHARE_MIXED", "share belongs to another split"},
	[CCSP_ERR_SHARE_DUPLICATE] = {"CCSP_ERR_SHARE_DUPLICATE", "share given twice (same x)"},
	[CCSP_ERR_SHARE_TOO_FEW] = {"CCSP_ERR_SHARE_TOO_FEW", "fewer shares than the threshold"},
	[CCSP_ERR_SHARE_WRONG] = {"CCSP_ERR_SHARE_WRONG", "the shares do not reassemble the secret (a wrong share)"},
	[CCSP_ERR_NOT_FOUND] = {"CCSP_ERR_NOT_FOUND", "no such object"},
	[CCSP_ERR_EXISTS] = {"CCSP_ERR_EXISTS", "object already exists"},
	[CCSP_ERR_BUSY] = {"CCSP_ERR_BUSY", "conflict with a concurrent transaction, retry"},
};

const char *ccsp_err_name(ccsp_err err)
{
	if ((unsigned)err >= CCSP_ERR_COUNT_ || err_table[err].name == NULL)
		return "CCSP_ERR_UNKNOWN";
	return err_table[err].name;
}

const char *ccsp_err_str(ccsp_err err)
{
	if ((unsigned)err >= CCSP_ERR_COUNT_ || err_table[err].msg == NULL)
		return "unknown error";
	return err_table[err].msg;
}
