/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RSA (GM/T 0018 6.3, 6.4, 6.8): a ccsp VSM holds no RSA keys — it is a national-algorithm module (SM2, SM3,
 * SM4; T/TCCIA 0002 ALG-3) — so these answer SDR_NOTSUPPORT by design. They exist so that applications
 * written against the whole standard link unchanged.
 */
#include "libsdf/sdf_internal.h"

LONG SDF_ExportSignPublicKey_RSA(HANDLE hS, ULONG uiKeyIndex, RSArefPublicKey *pucPublicKey)
{
	(void)hS, (void)uiKeyIndex, (void)pucPublicKey;
	return SDR_NOTSUPPORT;
}

LONG SDF_ExportEncPublicKey_RSA(HANDLE hS, ULONG uiKeyIndex, RSArefPublicKey *pucPublicKey)
{
	(void)hS, (void)uiKeyIndex, (void)pucPublicKey;
	return SDR_NOTSUPPORT;
}

LONG SDF_GenerateKeyWithIPK_RSA(HANDLE hS, ULONG uiIPKIndex, ULONG uiKeyBits, BYTE *pucKey, ULONG *puiKeyLength,
                                HANDLE *phKeyHandle)
{
	(void)hS, (void)uiIPKIndex, (void)uiKeyBits, (void)pucKey, (void)puiKeyLength, (void)phKeyHandle;
	return SDR_NOTSUPPORT;
}

LONG SDF_GenerateKeyWithEPK_RSA(HANDLE hS, ULONG uiKeyBits, RSArefPublicKey *pucPublicKey, BYTE *pucKey,
                                ULONG *puiKeyLength, HANDLE *phKeyHandle)
{
	(void)hS, (void)uiKeyBits, (void)pucPublicKey, (void)pucKey, (void)puiKeyLength, (void)phKeyHandle;
	return SDR_NOTSUPPORT;
}

LONG SDF_ImportKeyWithISK_RSA(HANDLE hS, ULONG uiISKIndex, BYTE *pucKey, ULONG uiKeyLength, HANDLE *phKeyHandle)
{
	(void)hS, (void)uiISKIndex, (void)pucKey, (void)uiKeyLength, (void)phKeyHandle;
	return SDR_NOTSUPPORT;
}

LONG SDF_ExchangeDigitEnvelopeBaseOnRSA(HANDLE hS, ULONG uiKeyIndex, RSArefPublicKey *pucPublicKey, BYTE *pucDEInput,
                                        ULONG uiDELength, BYTE *pucDEOutput, ULONG *puiDELength)
{
	(void)hS, (void)uiKeyIndex, (void)pucPublicKey, (void)pucDEInput, (void)uiDELength, (void)pucDEOutput,
	    (void)puiDELength;
	return SDR_NOTSUPPORT;
}

LONG SDF_ExternalPublicKeyOperation_RSA(HANDLE hS, RSArefPublicKey *pucPublicKey, BYTE *pucDataInput,
                                        ULONG uiInputLength, BYTE *pucDataOutput, ULONG *puiOutputLength)
{
	(void)hS, (void)pucPublicKey, (void)pucDataInput, (void)uiInputLength, (void)pucDataOutput, (void)puiOutputLength;
	return SDR_NOTSUPPORT;
}

LONG SDF_InternalPublicKeyOperation_RSA(HANDLE hS, ULONG uiKeyIndex, BYTE *pucDataInput, ULONG uiInputLength,
                                        BYTE *pucDataOutput, ULONG *puiOutputLength)
{
	(void)hS, (void)uiKeyIndex, (void)pucDataInput, (void)uiInputLength, (void)pucDataOutput, (void)puiOutputLength;
	return SDR_NOTSUPPORT;
}

LONG SDF_InternalPrivateKeyOperation_RSA(HANDLE hS, ULONG uiKeyIndex, BYTE *pucDataInput, ULONG uiInputLength,
                                         BYTE *pucDataOutput, ULONG *puiOutputLength)
{
	(void)hS, (void)uiKeyIndex, (void)pucDataInput, (void)uiInputLength, (void)pucDataOutput, (void)puiOutputLength;
	return SDR_NOTSUPPORT;
}

LONG SDF_GenerateKeyPair_RSA(HANDLE hS, ULONG uiKeyBits, RSArefPublicKey *pucPublicKey, RSArefPrivateKey *pucPrivateKey)
{
	(void)hS, (void)uiKeyBits, (void)pucPublicKey, (void)pucPrivateKey;
	return SDR_NOTSUPPORT;
}

LONG SDF_ExternalPrivateKeyOperation_RSA(HANDLE hS, RSArefPrivateKey *pucPrivateKey, BYTE *pucDataInput,
                                         ULONG uiInputLength, BYTE *pucDataOutput, ULONG *puiOutputLength)
{
	(void)hS, (void)pucPrivateKey, (void)pucDataInput, (void)uiInputLength, (void)pucDataOutput,
	    (void)puiOutputLength;
	return SDR_NOTSUPPORT;
}
