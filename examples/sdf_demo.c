/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An application written only against GM/T 0018 (the SDF API): it would build unchanged against another
 * vendor's sdf.h. It signs a message with the internal signing key at an index and verifies the signature,
 * then has the device generate an SM4 session key under the internal encryption key, imports it back from
 * the wrapped form, and encrypts and decrypts with the two handles.
 *
 *   usage: sdf_demo INDEX PASSWORD        (libsdf reads its config from $CCSP_SDF_CONF)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccsp/sdf.h>

#define CHECK(call)                                                                                        \
	do {                                                                                               \
		LONG rv_ = (call);                                                                         \
		if (rv_ != SDR_OK) {                                                                       \
			fprintf(stderr, "sdf_demo: %s failed: 0x%08X\n", #call, (unsigned)rv_);          \
			goto out;                                                                          \
		}                                                                                          \
	} while (0)

static const char message[] = "The quick brown fox jumps over the lazy dog";
static BYTE user_id[] = "1234567812345678"; /* GM/T 0009 default ID */

static int sign_and_verify(HANDLE s, ULONG index)
{
	ECCrefPublicKey pub;
	ECCSignature sig;
	BYTE e[32];
	ULONG elen = sizeof e;
	int ok = 0;
	CHECK(SDF_ExportSignPublicKey_ECC(s, index, &pub));
	CHECK(SDF_HashInit(s, SGD_SM3, &pub, user_id, 16));
	CHECK(SDF_HashUpdate(s, (BYTE *)message, (ULONG)strlen(message)));
	CHECK(SDF_HashFinal(s, e, &elen));
	CHECK(SDF_InternalSign_ECC(s, index, e, elen, &sig));
	CHECK(SDF_ExternalVerify_ECC(s, SGD_SM2_1, &pub, e, elen, &sig));
	CHECK(SDF_InternalVerify_ECC(s, index, e, elen, &sig));
	e[0] ^= 1;
	if (SDF_ExternalVerify_ECC(s, SGD_SM2_1, &pub, e, elen, &sig) != SDR_VERIFYERR) {
		fprintf(stderr, "sdf_demo: a signature over another digest verified\n");
		goto out;
	}
	printf("signature by key %u verified (and refused for another digest)\n", (unsigned)index);
	ok = 1;
out:
	return ok;
}

static int session_key_round_trip(HANDLE s, ULONG index)
{
	ECCCipher *wrapped = calloc(1, SDF_ECCCIPHER_SIZE(16));
	HANDLE k1 = NULL, k2 = NULL;
	BYTE iv[16] = {0}, plain[64], ct[64], back[64];
	ULONG ctlen = 0, backlen = 0;
	int ok = 0;
	memset(plain, 'A', sizeof plain);
	if (wrapped == NULL)
		return 0;
	CHECK(SDF_GenerateKeyWithIPK_ECC(s, index, 128, wrapped, &k1));
	CHECK(SDF_ImportKeyWithISK_ECC(s, index, wrapped, &k2));
	CHECK(SDF_Encrypt(s, k1, SGD_SM4_CBC, iv, plain, sizeof plain, ct, &ctlen));
	CHECK(SDF_Decrypt(s, k2, SGD_SM4_CBC, iv, ct, ctlen, back, &backlen));
	if (backlen != sizeof plain || memcmp(back, plain, sizeof plain) != 0) {
		fprintf(stderr, "sdf_demo: decryption with the imported key gave other bytes\n");
		goto out;
	}
	printf("SM4 session key wrapped under key %u (%u-byte ECCCipher), imported back, CBC round trip ok\n",
	       (unsigned)index, (unsigned)wrapped->L);
	ok = 1;
out:
	if (k1 != NULL)
		SDF_DestroyKey(s, k1);
	if (k2 != NULL)
		SDF_DestroyKey(s, k2);
	free(wrapped);
	return ok;
}

int main(int argc, char **argv)
{
	HANDLE dev = NULL, s = NULL;
	DEVICEINFO info;
	int ok = 0;
	if (argc != 3) {
		fprintf(stderr, "usage: sdf_demo INDEX PASSWORD\n");
		return 2;
	}
	ULONG index = (ULONG)strtoul(argv[1], NULL, 10);
	CHECK(SDF_OpenDevice(&dev));
	CHECK(SDF_OpenSession(dev, &s));
	CHECK(SDF_GetDeviceInfo(s, &info));
	printf("device: %.16s, GM/T 0018 edition %u\n", (const char *)info.DeviceName, (unsigned)info.StandardVersion);
	CHECK(SDF_GetPrivateKeyAccessRight(s, index, (BYTE *)argv[2], (ULONG)strlen(argv[2])));
	int good = sign_and_verify(s, index) && session_key_round_trip(s, index);
	CHECK(SDF_ReleasePrivateKeyAccessRight(s, index));
	ok = good;
out:
	if (s != NULL)
		SDF_CloseSession(s);
	if (dev != NULL)
		SDF_CloseDevice(dev);
	return ok ? 0 : 1;
}
