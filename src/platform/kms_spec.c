/* SPDX-License-Identifier: Apache-2.0 */
/* The kinds of KMS keys and their purposes (kms_spec.h). */
#include <string.h>

#include "platform/kms_spec.h"

#define OP(o) (1u << (o))

static const struct {
	const char *name, *family;
	unsigned ops;
	int pair;
} specs[CCSP_KMS_SPEC_COUNT_] = {
	[CCSP_KMS_SPEC_SM4] = {"SM4", "SM4", OP(CCSP_KMS_OP_ENCRYPT) | OP(CCSP_KMS_OP_DECRYPT) |
	                                         OP(CCSP_KMS_OP_GENERATE_DATA_KEY), 0},
	[CCSP_KMS_SPEC_SM4_MAC] = {"SM4_MAC", "SM4", OP(CCSP_KMS_OP_MAC) | OP(CCSP_KMS_OP_MAC_VERIFY), 0},
	[CCSP_KMS_SPEC_HMAC_SM3] = {"HMAC_SM3", "HMAC", OP(CCSP_KMS_OP_MAC) | OP(CCSP_KMS_OP_MAC_VERIFY), 0},
	[CCSP_KMS_SPEC_SM2_SIGN] = {"SM2_SIGN", "SM2", OP(CCSP_KMS_OP_SIGN) | OP(CCSP_KMS_OP_VERIFY) |
	                                                   OP(CCSP_KMS_OP_GET_PUBLIC_KEY), 1},
	[CCSP_KMS_SPEC_SM2_ENC] = {"SM2_ENC", "SM2", OP(CCSP_KMS_OP_ASYM_DECRYPT) | OP(CCSP_KMS_OP_ENVELOPE_OPEN) |
	                                                 OP(CCSP_KMS_OP_GET_PUBLIC_KEY), 1},
};

static const char *const op_names[CCSP_KMS_OP_COUNT_] = {
	[CCSP_KMS_OP_ENCRYPT] = "encrypt",
	[CCSP_KMS_OP_DECRYPT] = "decrypt",
	[CCSP_KMS_OP_GENERATE_DATA_KEY] = "generate-data-key",
	[CCSP_KMS_OP_MAC] = "mac",
	[CCSP_KMS_OP_MAC_VERIFY] = "mac-verify",
	[CCSP_KMS_OP_SIGN] = "sign",
	[CCSP_KMS_OP_VERIFY] = "verify",
	[CCSP_KMS_OP_ASYM_DECRYPT] = "asymmetric-decrypt",
	[CCSP_KMS_OP_GET_PUBLIC_KEY] = "get-public-key",
	[CCSP_KMS_OP_ENVELOPE_OPEN] = "envelope-open",
};

static int valid(ccsp_kms_spec s)
{
	return s > CCSP_KMS_SPEC_NONE && s < CCSP_KMS_SPEC_COUNT_;
}

ccsp_kms_spec ccsp_kms_spec_parse(const char *name)
{
	for (int i = 1; name != NULL && i < CCSP_KMS_SPEC_COUNT_; i++)
		if (strcmp(name, specs[i].name) == 0)
			return (ccsp_kms_spec)i;
	return CCSP_KMS_SPEC_NONE;
}

const char *ccsp_kms_spec_name(ccsp_kms_spec s)
{
	return valid(s) ? specs[s].name : NULL;
}

const char *ccsp_kms_spec_family(ccsp_kms_spec s)
{
	return valid(s) ? specs[s].family : NULL;
}

int ccsp_kms_spec_is_pair(ccsp_kms_spec s)
{
	return valid(s) && specs[s].pair;
}

int ccsp_kms_spec_permits(ccsp_kms_spec s, ccsp_kms_op op)
{
	return valid(s) && op >= 0 && op < CCSP_KMS_OP_COUNT_ && (specs[s].ops & OP(op)) != 0;
}

int ccsp_kms_op_new_work(ccsp_kms_op op)
{
	return op == CCSP_KMS_OP_ENCRYPT || op == CCSP_KMS_OP_GENERATE_DATA_KEY || op == CCSP_KMS_OP_MAC ||
	       op == CCSP_KMS_OP_SIGN;
}

const char *ccsp_kms_op_name(ccsp_kms_op op)
{
	return op >= 0 && op < CCSP_KMS_OP_COUNT_ ? op_names[op] : NULL;
}
