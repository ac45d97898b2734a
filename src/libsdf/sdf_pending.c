/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GM/T 0018 functions the VSM does not serve yet (issue "VSM/SDF", still open; docs/sdf.md marks each one
 * "not yet"): SM2 key agreement, the digital-envelope exchange, the 2023 multi-part symmetric functions,
 * the external-key functions of 6.8 and the file functions. They answer SDR_NOTSUPPORT — honestly, never a
 * pretended success — until their VSM side exists.
 */
#include "libsdf/sdf_internal.h"

#define PENDING(...) \
	do { \
		(void)hSessionHandle; \
		return SDR_NOTSUPPORT; \
	} while (0)

LONG SDF_GenerateAgreementDataWithECC(HANDLE hSessionHandle, ULONG a, ULONG b, BYTE *c, ULONG d, ECCrefPublicKey *e,
                                      ECCrefPublicKey *f, HANDLE *g)
{
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)f, (void)g;
	PENDING();
}

LONG SDF_GenerateKeyWithECC(HANDLE hSessionHandle, BYTE *a, ULONG b, ECCrefPublicKey *c, ECCrefPublicKey *d, HANDLE e,
                            HANDLE *f)
{
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)f;
	PENDING();
}

LONG SDF_GenerateAgreementDataAndKeyWithECC(HANDLE hSessionHandle, ULONG a, ULONG b, BYTE *c, ULONG d, BYTE *e, ULONG f,
                                            ECCrefPublicKey *g, ECCrefPublicKey *h, ECCrefPublicKey *i,
                                            ECCrefPublicKey *j, HANDLE *k)
{
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)f, (void)g, (void)h, (void)i, (void)j, (void)k;
	PENDING();
}

LONG SDF_ExchangeDigitEnvelopeBaseOnECC(HANDLE hSessionHandle, ULONG a, ULONG b, ECCrefPublicKey *c, ECCCipher *d,
                                        ECCCipher *e)
{
	(void)a, (void)b, (void)c, (void)d, (void)e;
	PENDING();
}

LONG SDF_EncryptInit(HANDLE hSessionHandle, HANDLE a, ULONG b, BYTE *c, ULONG d)
{
	(void)a, (void)b, (void)c, (void)d;
	PENDING();
}

LONG SDF_EncryptUpdate(HANDLE hSessionHandle, BYTE *a, ULONG b, BYTE *c, ULONG *d)
{
	(void)a, (void)b, (void)c, (void)d;
	PENDING();
}

LONG SDF_EncryptFinal(HANDLE hSessionHandle, BYTE *a, ULONG *b)
{
	(void)a, (void)b;
	PENDING();
}

LONG SDF_DecryptInit(HANDLE hSessionHandle, HANDLE a, ULONG b, BYTE *c, ULONG d)
{
	(void)a, (void)b, (void)c, (void)d;
	PENDING();
}

LONG SDF_DecryptUpdate(HANDLE hSessionHandle, BYTE *a, ULONG b, BYTE *c, ULONG *d)
{
	(void)a, (void)b, (void)c, (void)d;
	PENDING();
}

LONG SDF_DecryptFinal(HANDLE hSessionHandle, BYTE *a, ULONG *b)
{
	(void)a, (void)b;
	PENDING();
}

LONG SDF_CalculateMACInit(HANDLE hSessionHandle, HANDLE a, ULONG b, BYTE *c, ULONG d)
{
	(void)a, (void)b, (void)c, (void)d;
	PENDING();
}

LONG SDF_CalculateMACUpdate(HANDLE hSessionHandle, BYTE *a, ULONG b)
{
	(void)a, (void)b;
	PENDING();
}

LONG SDF_CalculateMACFinal(HANDLE hSessionHandle, BYTE *a, ULONG *b)
{
	(void)a, (void)b;
	PENDING();
}

LONG SDF_AuthEncInit(HANDLE hSessionHandle, HANDLE a, ULONG b, BYTE *c, ULONG d, BYTE *e, ULONG f, ULONG g)
{
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)f, (void)g;
	PENDING();
}

LONG SDF_AuthEncUpdate(HANDLE hSessionHandle, BYTE *a, ULONG b, BYTE *c, ULONG *d)
{
	(void)a, (void)b, (void)c, (void)d;
	PENDING();
}

LONG SDF_AuthEncFinal(HANDLE hSessionHandle, BYTE *a, ULONG *b, BYTE *c, ULONG *d)
{
	(void)a, (void)b, (void)c, (void)d;
	PENDING();
}

LONG SDF_AuthDecInit(HANDLE hSessionHandle, HANDLE a, ULONG b, BYTE *c, ULONG d, BYTE *e, ULONG f, BYTE *g, ULONG h,
                     ULONG i)
{
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)f, (void)g, (void)h, (void)i;
	PENDING();
}

LONG SDF_AuthDecUpdate(HANDLE hSessionHandle, BYTE *a, ULONG b, BYTE *c, ULONG *d)
{
	(void)a, (void)b, (void)c, (void)d;
	PENDING();
}

LONG SDF_AuthDecFinal(HANDLE hSessionHandle, BYTE *a, ULONG *b)
{
	(void)a, (void)b;
	PENDING();
}

LONG SDF_ExternalKeyEncrypt(HANDLE hSessionHandle, ULONG a, BYTE *b, ULONG c, BYTE *d, ULONG e, BYTE *f, ULONG g,
                            BYTE *h, ULONG *i)
{
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)f, (void)g, (void)h, (void)i;
	PENDING();
}

LONG SDF_ExternalKeyDecrypt(HANDLE hSessionHandle, ULONG a, BYTE *b, ULONG c, BYTE *d, ULONG e, BYTE *f, ULONG g,
                            BYTE *h, ULONG *i)
{
	(void)a, (void)b, (void)c, (void)d, (void)e, (void)f, (void)g, (void)h, (void)i;
	PENDING();
}

LONG SDF_ExternalKeyEncryptInit(HANDLE hSessionHandle, ULONG a, BYTE *b, ULONG c, BYTE *d, ULONG e)
{
	(void)a, (void)b, (void)c, (void)d, (void)e;
	PENDING();
}

LONG SDF_ExternalKeyDecryptInit(HANDLE hSessionHandle, ULONG a, BYTE *b, ULONG c, BYTE *d, ULONG e)
{
	(void)a, (void)b, (void)c, (void)d, (void)e;
	PENDING();
}

LONG SDF_ExternalKeyHMACInit(HANDLE hSessionHandle, ULONG a, BYTE *b, ULONG c)
{
	(void)a, (void)b, (void)c;
	PENDING();
}

LONG SDF_CreateFile(HANDLE hSessionHandle, BYTE *a, ULONG b, ULONG c)
{
	(void)a, (void)b, (void)c;
	PENDING();
}

LONG SDF_ReadFile(HANDLE hSessionHandle, BYTE *a, ULONG b, ULONG c, ULONG *d, BYTE *e)
{
	(void)a, (void)b, (void)c, (void)d, (void)e;
	PENDING();
}

LONG SDF_WriteFile(HANDLE hSessionHandle, BYTE *a, ULONG b, ULONG c, ULONG d, BYTE *e)
{
	(void)a, (void)b, (void)c, (void)d, (void)e;
	PENDING();
}

LONG SDF_DeleteFile(HANDLE hSessionHandle, BYTE *a, ULONG b)
{
	(void)a, (void)b;
	PENDING();
}
