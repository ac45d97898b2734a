/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An application written against a GM/T 0018-2012 header (int returns, void * handles, unsigned int
 * lengths). Compiled only (-c): <ccsp/sdf.h> must accept it without a warning.
 *
 * First every 2012 function is declared again in its 2012 form: C accepts a redeclaration only when the
 * types are compatible, so this checks each prototype of the header against the 2012 one. Then the
 * functions are called the way such applications call them.
 */
#include <ccsp/sdf.h>

#include <stdlib.h>
#include <string.h>

/* 6.2 device management */
int SDF_OpenDevice(void **phDeviceHandle);
int SDF_CloseDevice(void *hDeviceHandle);
int SDF_OpenSession(void *hDeviceHandle, void **phSessionHandle);
int SDF_CloseSession(void *hSessionHandle);
int SDF_GetDeviceInfo(void *hSessionHandle, DEVICEINFO *pstDeviceInfo);
int SDF_GenerateRandom(void *hSessionHandle, unsigned int uiLength, unsigned char *pucRandom);
int SDF_GetPrivateKeyAccessRight(void *hSessionHandle, unsigned int uiKeyIndex, unsigned char *pucPassword,
                                 unsigned int uiPwdLength);
int SDF_ReleasePrivateKeyAccessRight(void *hSessionHandle, unsigned int uiKeyIndex);

/* 6.3 key management */
int SDF_ExportSignPublicKey_RSA(void *hSessionHandle, unsigned int uiKeyIndex, RSArefPublicKey *pucPublicKey);
int SDF_ExportEncPublicKey_RSA(void *hSessionHandle, unsigned int uiKeyIndex, RSArefPublicKey *pucPublicKey);
int SDF_GenerateKeyPair_RSA(void *hSessionHandle, unsigned int uiKeyBits, RSArefPublicKey *pucPublicKey,
                            RSArefPrivateKey *pucPrivateKey);
int SDF_GenerateKeyWithIPK_RSA(void *hSessionHandle, unsigned int uiIPKIndex, unsigned int uiKeyBits,
                               unsigned char *pucKey, unsigned int *puiKeyLength, void **phKeyHandle);
int SDF_GenerateKeyWithEPK_RSA(void *hSessionHandle, unsigned int uiKeyBits, RSArefPublicKey *pucPublicKey,
                               unsigned char *pucKey, unsigned int *puiKeyLength, void **phKeyHandle);
int SDF_ImportKeyWithISK_RSA(void *hSessionHandle, unsigned int uiISKIndex, unsigned char *pucKey,
                             unsigned int uiKeyLength, void **phKeyHandle);
int SDF_ExchangeDigitEnvelopeBaseOnRSA(void *hSessionHandle, unsigned int uiKeyIndex, RSArefPublicKey *pucPublicKey,
                                       unsigned char *pucDEInput, unsigned int uiDELength, unsigned char *pucDEOutput,
                                       unsigned int *puiDELength);
int SDF_ExportSignPublicKey_ECC(void *hSessionHandle, unsigned int uiKeyIndex, ECCrefPublicKey *pucPublicKey);
int SDF_ExportEncPublicKey_ECC(void *hSessionHandle, unsigned int uiKeyIndex, ECCrefPublicKey *pucPublicKey);
int SDF_GenerateKeyPair_ECC(void *hSessionHandle, unsigned int uiAlgID, unsigned int uiKeyBits,
                            ECCrefPublicKey *pucPublicKey, ECCrefPrivateKey *pucPrivateKey);
int SDF_GenerateKeyWithIPK_ECC(void *hSessionHandle, unsigned int uiIPKIndex, unsigned int uiKeyBits,
                               ECCCipher *pucKey, void **phKeyHandle);
int SDF_GenerateKeyWithEPK_ECC(void *hSessionHandle, unsigned int uiKeyBits, unsigned int uiAlgID,
                               ECCrefPublicKey *pucPublicKey, ECCCipher *pucKey, void **phKeyHandle);
int SDF_ImportKeyWithISK_ECC(void *hSessionHandle, unsigned int uiISKIndex, ECCCipher *pucKey, void **phKeyHandle);
int SDF_GenerateAgreementDataWithECC(void *hSessionHandle, unsigned int uiISKIndex, unsigned int uiKeyBits,
                                     unsigned char *pucSponsorID, unsigned int uiSponsorIDLength,
                                     ECCrefPublicKey *pucSponsorPublicKey, ECCrefPublicKey *pucSponsorTmpPublicKey,
                                     void **phAgreementHandle);
int SDF_GenerateKeyWithECC(void *hSessionHandle, unsigned char *pucResponseID, unsigned int uiResponseIDLength,
                           ECCrefPublicKey *pucResponsePublicKey, ECCrefPublicKey *pucResponseTmpPublicKey,
                           void *hAgreementHandle, void **phKeyHandle);
int SDF_GenerateAgreementDataAndKeyWithECC(void *hSessionHandle, unsigned int uiISKIndex, unsigned int uiKeyBits,
                                           unsigned char *pucResponseID, unsigned int uiResponseIDLength,
                                           unsigned char *pucSponsorID, unsigned int uiSponsorIDLength,
                                           ECCrefPublicKey *pucSponsorPublicKey,
                                           ECCrefPublicKey *pucSponsorTmpPublicKey,
                                           ECCrefPublicKey *pucResponsePublicKey,
                                           ECCrefPublicKey *pucResponseTmpPublicKey, void **phKeyHandle);
int SDF_ExchangeDigitEnvelopeBaseOnECC(void *hSessionHandle, unsigned int uiKeyIndex, unsigned int uiAlgID,
                                       ECCrefPublicKey *pucPublicKey, ECCCipher *pucEncDataIn,
                                       ECCCipher *pucEncDataOut);
int SDF_GenerateKeyWithKEK(void *hSessionHandle, unsigned int uiKeyBits, unsigned int uiAlgID, unsigned int uiKEKIndex,
                           unsigned char *pucKey, unsigned int *puiKeyLength, void **phKeyHandle);
int SDF_ImportKeyWithKEK(void *hSessionHandle, unsigned int uiAlgID, unsigned int uiKEKIndex, unsigned char *pucKey,
                         unsigned int uiKeyLength, void **phKeyHandle);
int SDF_DestroyKey(void *hSessionHandle, void *hKeyHandle);

/* 6.4 asymmetric operations, including the private-key ones 2023 moved to 6.8 and GmSSL's extension */
int SDF_ExternalPublicKeyOperation_RSA(void *hSessionHandle, RSArefPublicKey *pucPublicKey,
                                       unsigned char *pucDataInput, unsigned int uiInputLength,
                                       unsigned char *pucDataOutput, unsigned int *puiOutputLength);
int SDF_ExternalPrivateKeyOperation_RSA(void *hSessionHandle, RSArefPrivateKey *pucPrivateKey,
                                        unsigned char *pucDataInput, unsigned int uiInputLength,
                                        unsigned char *pucDataOutput, unsigned int *puiOutputLength);
int SDF_InternalPublicKeyOperation_RSA(void *hSessionHandle, unsigned int uiKeyIndex, unsigned char *pucDataInput,
                                       unsigned int uiInputLength, unsigned char *pucDataOutput,
                                       unsigned int *puiOutputLength);
int SDF_InternalPrivateKeyOperation_RSA(void *hSessionHandle, unsigned int uiKeyIndex, unsigned char *pucDataInput,
                                        unsigned int uiInputLength, unsigned char *pucDataOutput,
                                        unsigned int *puiOutputLength);
int SDF_ExternalSign_ECC(void *hSessionHandle, unsigned int uiAlgID, ECCrefPrivateKey *pucPrivateKey,
                         unsigned char *pucData, unsigned int uiDataLength, ECCSignature *pucSignature);
int SDF_ExternalVerify_ECC(void *hSessionHandle, unsigned int uiAlgID, ECCrefPublicKey *pucPublicKey,
                           unsigned char *pucDataInput, unsigned int uiInputLength, ECCSignature *pucSignature);
int SDF_InternalSign_ECC(void *hSessionHandle, unsigned int uiISKIndex, unsigned char *pucData,
                         unsigned int uiDataLength, ECCSignature *pucSignature);
int SDF_InternalVerify_ECC(void *hSessionHandle, unsigned int uiIPKIndex, unsigned char *pucData,
                           unsigned int uiDataLength, ECCSignature *pucSignature);
int SDF_ExternalEncrypt_ECC(void *hSessionHandle, unsigned int uiAlgID, ECCrefPublicKey *pucPublicKey,
                            unsigned char *pucData, unsigned int uiDataLength, ECCCipher *pucEncData);
int SDF_ExternalDecrypt_ECC(void *hSessionHandle, unsigned int uiAlgID, ECCrefPrivateKey *pucPrivateKey,
                            ECCCipher *pucEncData, unsigned char *pucData, unsigned int *puiDataLength);
int SDF_InternalEncrypt_ECC(void *hSessionHandle, unsigned int uiIPKIndex, unsigned int uiAlgID,
                            unsigned char *pucData, unsigned int uiDataLength, ECCCipher *pucEncData);
int SDF_InternalDecrypt_ECC(void *hSessionHandle, unsigned int uiISKIndex, unsigned int uiAlgID, ECCCipher *pucEncData,
                            unsigned char *pucData, unsigned int *uiDataLength);

/* 6.5 symmetric operations, 6.6 hash, 6.7 files */
int SDF_Encrypt(void *hSessionHandle, void *hKeyHandle, unsigned int uiAlgID, unsigned char *pucIV,
                unsigned char *pucData, unsigned int uiDataLength, unsigned char *pucEncData,
                unsigned int *puiEncDataLength);
int SDF_Decrypt(void *hSessionHandle, void *hKeyHandle, unsigned int uiAlgID, unsigned char *pucIV,
                unsigned char *pucEncData, unsigned int uiEncDataLength, unsigned char *pucData,
                unsigned int *puiDataLength);
int SDF_CalculateMAC(void *hSessionHandle, void *hKeyHandle, unsigned int uiAlgID, unsigned char *pucIV,
                     unsigned char *pucData, unsigned int uiDataLength, unsigned char *pucMAC,
                     unsigned int *puiMACLength);
int SDF_HashInit(void *hSessionHandle, unsigned int uiAlgID, ECCrefPublicKey *pucPublicKey, unsigned char *pucID,
                 unsigned int uiIDLength);
int SDF_HashUpdate(void *hSessionHandle, unsigned char *pucData, unsigned int uiDataLength);
int SDF_HashFinal(void *hSessionHandle, unsigned char *pucHash, unsigned int *puiHashLength);
int SDF_CreateFile(void *hSessionHandle, unsigned char *pucFileName, unsigned int uiNameLen, unsigned int uiFileSize);
int SDF_ReadFile(void *hSessionHandle, unsigned char *pucFileName, unsigned int uiNameLen, unsigned int uiOffset,
                 unsigned int *puiReadLength, unsigned char *pucBuffer);
int SDF_WriteFile(void *hSessionHandle, unsigned char *pucFileName, unsigned int uiNameLen, unsigned int uiOffset,
                  unsigned int uiWriteLength, unsigned char *pucBuffer);
int SDF_DeleteFile(void *hSessionHandle, unsigned char *pucFileName, unsigned int uiNameLen);

/* A 2012 application keeps its own function-pointer table, typed the 2012 way. */
struct sdf_table {
	int (*open_device)(void **);
	int (*open_session)(void *, void **);
	int (*generate_random)(void *, unsigned int, unsigned char *);
	int (*internal_sign)(void *, unsigned int, unsigned char *, unsigned int, ECCSignature *);
	int (*encrypt)(void *, void *, unsigned int, unsigned char *, unsigned char *, unsigned int, unsigned char *,
	               unsigned int *);
};

static const struct sdf_table table = {SDF_OpenDevice, SDF_OpenSession, SDF_GenerateRandom, SDF_InternalSign_ECC,
                                       SDF_Encrypt};

int app_table_opens(void **dev);
int app_table_opens(void **dev) { return table.open_device(dev); }

/* Sign a message with the key pair of index 1: e = SM3(Z || M), then sign e. */
int app_sign(void *hSession, unsigned char *msg, unsigned int msglen, ECCSignature *sig);
int app_sign(void *hSession, unsigned char *msg, unsigned int msglen, ECCSignature *sig)
{
	ECCrefPublicKey pub;
	unsigned char id[] = "1234567812345678";
	unsigned char e[32];
	unsigned int elen = sizeof(e);
	unsigned char password[] = "12345678";
	int rv;

	if ((rv = SDF_ExportSignPublicKey_ECC(hSession, 1, &pub)) != SDR_OK)
		return rv;
	if ((rv = SDF_HashInit(hSession, SGD_SM3, &pub, id, 16)) != SDR_OK ||
	    (rv = SDF_HashUpdate(hSession, msg, msglen)) != SDR_OK ||
	    (rv = SDF_HashFinal(hSession, e, &elen)) != SDR_OK)
		return rv;
	if ((rv = SDF_GetPrivateKeyAccessRight(hSession, 1, password, 8)) != SDR_OK)
		return rv;
	rv = SDF_InternalSign_ECC(hSession, 1, e, elen, sig);
	SDF_ReleasePrivateKeyAccessRight(hSession, 1);
	if (rv == SDR_OK)
		rv = SDF_ExternalVerify_ECC(hSession, SGD_SM2_1, &pub, e, elen, sig);
	return rv == SDR_VERIFYERR ? -1 : rv;
}

/* Wrap a new SM4 session key for index 2, encrypt with it, export a file; the 2012 way of doing things. */
int app_session(void);
int app_session(void)
{
	void *hDevice = NULL, *hSession = NULL, *hKey = NULL, *hKey2 = NULL;
	DEVICEINFO info;
	ECCCipher *wrapped;
	ECCrefPublicKey pub;
	unsigned char iv[16] = {0}, data[32] = {0}, enc[32], dec[32], mac[16], rnd[16], kek_blob[16], buf[64];
	unsigned char name[] = "app.dat";
	unsigned int enclen = 0, declen = 0, maclen = 0, bloblen = 0, readlen = sizeof(buf);
	int rv;

	if ((rv = SDF_OpenDevice(&hDevice)) != SDR_OK)
		return rv;
	if ((rv = SDF_OpenSession(hDevice, &hSession)) != SDR_OK)
		goto close_device;
	memset(&info, 0, sizeof(info));
	if ((rv = SDF_GetDeviceInfo(hSession, &info)) != SDR_OK || info.StandardVersion < 1)
		goto close_session;
	if ((rv = SDF_GenerateRandom(hSession, sizeof(rnd), rnd)) != SDR_OK)
		goto close_session;

	/* The caller allocates 164 + L bytes for an ECCCipher, not sizeof(ECCCipher). */
	wrapped = (ECCCipher *)calloc(1, SDF_ECCCIPHER_SIZE(16));
	if (wrapped == NULL) {
		rv = SDR_NOBUFFER;
		goto close_session;
	}
	if ((rv = SDF_GenerateKeyWithIPK_ECC(hSession, 2, 128, wrapped, &hKey)) == SDR_OK &&
	    (rv = SDF_Encrypt(hSession, hKey, SGD_SM4_CBC, iv, data, sizeof(data), enc, &enclen)) == SDR_OK &&
	    (rv = SDF_Decrypt(hSession, hKey, SGD_SM4_CBC, iv, enc, enclen, dec, &declen)) == SDR_OK &&
	    (rv = SDF_CalculateMAC(hSession, hKey, SGD_SM4_MAC, iv, data, sizeof(data), mac, &maclen)) == SDR_OK)
		rv = memcmp(data, dec, sizeof(data)) == 0 ? SDR_OK : SDR_SYMOPERR;
	if (hKey != NULL)
		SDF_DestroyKey(hSession, hKey);
	if (rv == SDR_OK && (rv = SDF_ExportEncPublicKey_ECC(hSession, 2, &pub)) == SDR_OK &&
	    (rv = SDF_ExternalEncrypt_ECC(hSession, SGD_SM2_3, &pub, rnd, sizeof(rnd), wrapped)) == SDR_OK)
		rv = wrapped->L == sizeof(rnd) ? SDR_OK : SDR_ENCDATAERR;
	free(wrapped);
	if (rv == SDR_OK && (rv = SDF_GenerateKeyWithKEK(hSession, 128, SGD_SM4_ECB, 1, kek_blob, &bloblen, &hKey2)) ==
	                            SDR_OK) {
		SDF_DestroyKey(hSession, hKey2);
		rv = SDF_ImportKeyWithKEK(hSession, SGD_SM4_ECB, 1, kek_blob, bloblen, &hKey2);
		if (rv == SDR_OK)
			SDF_DestroyKey(hSession, hKey2);
	}
	if (rv == SDR_OK && (rv = SDF_CreateFile(hSession, name, 7, sizeof(buf))) == SDR_OK &&
	    (rv = SDF_WriteFile(hSession, name, 7, 0, sizeof(data), data)) == SDR_OK &&
	    (rv = SDF_ReadFile(hSession, name, 7, 0, &readlen, buf)) == SDR_OK)
		rv = SDF_DeleteFile(hSession, name, 7);
	if (rv == SDR_FILEEXSITS || rv == SDR_FILEEXISTS)
		rv = SDF_DeleteFile(hSession, name, 7);
close_session:
	SDF_CloseSession(hSession);
close_device:
	SDF_CloseDevice(hDevice);
	return rv;
}
