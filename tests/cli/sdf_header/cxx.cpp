// SPDX-License-Identifier: Apache-2.0
// <ccsp/sdf.h> from C++11: compiles first in the file, keeps C linkage and the packed layouts, and its types
// are the 2012 ones, so 2012-style C++ callers (void * handles, unsigned int lengths) compile too. Compiled only.
#include <ccsp/sdf.h>

#include <cstddef>
#include <type_traits>
#include <vector>

static_assert(std::is_same<ULONG, unsigned int>::value, "ULONG is unsigned int");
static_assert(std::is_same<LONG, int>::value, "LONG is int");
static_assert(std::is_same<HANDLE, void *>::value, "HANDLE is void *");
static_assert(std::is_same<LPSTR, BYTE *>::value, "LPSTR is unsigned char *");
static_assert(sizeof(DEVICEINFO) == 100, "DEVICEINFO");
static_assert(sizeof(RSArefPublicKey) == 516 && sizeof(RSArefPrivateKey) == 1412, "RSAref");
static_assert(sizeof(ECCrefPublicKey) == 132 && sizeof(ECCrefPrivateKey) == 68, "ECCref");
static_assert(sizeof(ECCSignature) == 128, "ECCSignature");
static_assert(offsetof(ECCCipher, L) == 160 && offsetof(ECCCipher, C) == SDF_ECCCIPHER_FIXED_SIZE, "ECCCipher");
static_assert(offsetof(EnvelopedECCKey, ECCCipherBlob) == 208, "EnvelopedECCKey");
static_assert(std::alignment_of<ECCCipher>::value == 1, "packed");
static_assert(SGD_SM4_XTS == 0x02000402 && SGD_SM3_SM2 == 0x00020201 && SDR_USERIDERR == 0x0100001F, "IDs");

// The pack pragma is popped: later structures have their natural layout.
struct after_header {
	char c;
	int i;
};
static_assert(offsetof(after_header, i) == sizeof(int), "pack(pop)");

// A 2012 declaration may follow the header's (it keeps C linkage).
int SDF_GenerateRandom(void *hSessionHandle, unsigned int uiLength, unsigned char *pucRandom);
extern "C" int SDF_HashFinal(void *hSessionHandle, unsigned char *pucHash, unsigned int *puiHashLength);

// The functions have C linkage and the 2012 types.
static int (*const open_device)(void **) = SDF_OpenDevice;
static LONG (*const auth_dec)(HANDLE, HANDLE, ULONG, BYTE *, ULONG, BYTE *, ULONG, BYTE *, ULONG *, BYTE *, ULONG,
                              BYTE *, ULONG *) = SDF_AuthDec;

int cxx_gcm_roundtrip(HANDLE session, HANDLE key);
int cxx_gcm_roundtrip(HANDLE session, HANDLE key)
{
	BYTE iv[12] = {0}, aad[4] = {1, 2, 3, 4}, tag[16];
	std::vector<BYTE> data(100, 0x5a), enc(data.size()), dec(data.size());
	ULONG enclen = 0, declen = 0, taglen = sizeof(tag);
	LONG rv = SDF_AuthEnc(session, key, SGD_SM4_GCM, iv, sizeof(iv), aad, sizeof(aad), data.data(),
	                      static_cast<ULONG>(data.size()), enc.data(), &enclen, tag, &taglen);
	if (rv != SDR_OK)
		return rv;
	rv = auth_dec(session, key, SGD_SM4_GCM, iv, sizeof(iv), aad, sizeof(aad), tag, &taglen, enc.data(), enclen,
	              dec.data(), &declen);
	return rv == SDR_OK && dec == data ? 0 : -1;
}

int cxx_open(void **device, void **session);
int cxx_open(void **device, void **session)
{
	int rv = open_device(device);
	if (rv != SDR_OK)
		return rv;
	unsigned char rnd[8];
	if ((rv = SDF_OpenSession(*device, session)) == SDR_OK)
		rv = SDF_GenerateRandom(*session, sizeof(rnd), rnd);
	// An ECCCipher is allocated by its size, never by sizeof.
	std::vector<unsigned char> buf(SDF_ECCCIPHER_SIZE(sizeof(rnd)));
	ECCCipher *cipher = reinterpret_cast<ECCCipher *>(buf.data());
	ECCrefPublicKey pub = ECCrefPublicKey();
	if (rv == SDR_OK && (rv = SDF_ExportEncPublicKey_ECC(*session, 1, &pub)) == SDR_OK)
		rv = SDF_ExternalEncrypt_ECC(*session, SGD_SM2_3, &pub, rnd, sizeof(rnd), cipher);
	const char *version = SDF_CCSP_Version();
	return version != nullptr ? rv : -1;
}
