/* SPDX-License-Identifier: Apache-2.0 */
#include <ccsp/sdf.h>

#include "sdf/sdf_status.h"

uint32_t ccsp_sdf_status(ccsp_err err)
{
	switch (err) {
	case CCSP_OK:
		return SDR_OK;
	case CCSP_ERR_ARG:
	case CCSP_ERR_KEY_LENGTH:
	case CCSP_ERR_IV_LENGTH:
	case CCSP_ERR_DATA_LENGTH:
	case CCSP_ERR_DECODE:
	case CCSP_ERR_PROTOCOL:
		return SDR_INARGERR;
	case CCSP_ERR_BUFFER_TOO_SMALL:
		return SDR_OUTARGERR;
	case CCSP_ERR_PADDING:
		return SDR_SYMOPERR;
	case CCSP_ERR_AUTH:
		return SDR_MACERR;
	case CCSP_ERR_SIGNATURE:
		return SDR_VERIFYERR;
	case CCSP_ERR_POINT:
	case CCSP_ERR_KEY:
	case CCSP_ERR_KEY_EXISTS:
		return SDR_KEYERR;
	case CCSP_ERR_STATE:
		return SDR_STEPERR;
	case CCSP_ERR_MODULE_STATE:
	case CCSP_ERR_SELFTEST:
	case CCSP_ERR_INTEGRITY:
	case CCSP_ERR_PAIRWISE:
	case CCSP_ERR_TAMPERED:
		return SDR_HARDFAIL;
	case CCSP_ERR_RNG:
	case CCSP_ERR_RESEED_REQUIRED:
		return SDR_RANDERR;
	case CCSP_ERR_NOMEM:
	case CCSP_ERR_LIMIT:
		return SDR_NOBUFFER;
	case CCSP_ERR_UNSUPPORTED:
		return SDR_ALGNOTSUPPORT;
	case CCSP_ERR_PASSWORD:
		return SDR_PRKRERR;
	case CCSP_ERR_KEY_EXCHANGE:
		return SDR_SKOPERR;
	case CCSP_ERR_ACCESS_DENIED:
		return SDR_PARDENY;
	case CCSP_ERR_KEY_NOT_FOUND:
		return SDR_KEYNOTEXIST;
	case CCSP_ERR_KEY_TYPE:
		return SDR_KEYTYPEERR;
	case CCSP_ERR_HANDLE:
		return SDR_OPENSESSION;
	case CCSP_ERR_FILE_NOT_FOUND:
		return SDR_FILENOEXIST;
	case CCSP_ERR_FILE_EXISTS:
		return SDR_FILEEXISTS;
	case CCSP_ERR_FILE_OFFSET:
		return SDR_FILEOFSERR;
	case CCSP_ERR_TOKEN:
		return SDR_OPENDEVICE;
	case CCSP_ERR_COMM:
		return SDR_COMMFAIL;
	case CCSP_ERR_SHARE_CHECKSUM: /* the CHSM's custodian shares: never an SDF answer */
	case CCSP_ERR_SHARE_MIXED:
	case CCSP_ERR_SHARE_DUPLICATE:
	case CCSP_ERR_SHARE_TOO_FEW:
	case CCSP_ERR_SHARE_WRONG:
	case CCSP_ERR_NOT_FOUND: /* the service platform's store: never an SDF answer */
	case CCSP_ERR_EXISTS:
	case CCSP_ERR_BUSY:
	case CCSP_ERR_IO:
	case CCSP_ERR_INTERNAL:
	case CCSP_ERR_COUNT_:
		break;
	}
	return SDR_UNKNOWERR;
}
