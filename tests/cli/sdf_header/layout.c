/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The layouts and constants of <ccsp/sdf.h> against the values of GM/T 0018 (formats.md section 1):
 * prints every size, offset and constant checked and exits 1 if any differs.
 */
#include <ccsp/sdf.h>

#include <stddef.h>
#include <stdio.h>

static int failed;

static void expect(const char *what, unsigned long got, unsigned long want)
{
	printf("%-40s %10lu%s", what, got, got == want ? "\n" : "");
	if (got != want) {
		printf("   MISMATCH, expected %lu\n", want);
		failed = 1;
	}
}

static void expect_hex(const char *what, unsigned long got, unsigned long want)
{
	printf("%-40s 0x%08lx%s", what, got, got == want ? "\n" : "");
	if (got != want) {
		printf("   MISMATCH, expected 0x%08lx\n", want);
		failed = 1;
	}
}

#define SIZE(type, want) expect("sizeof(" #type ")", (unsigned long)sizeof(type), want)
#define OFF(type, field, want) expect("  offsetof(" #type ", " #field ")", (unsigned long)offsetof(type, field), want)
#define ID(name, want) expect_hex(#name, (unsigned long)(name), want)

/* Alignment without C11: the offset of the structure after a char. */
#define ALIGN(type)                                                                                                    \
	do {                                                                                                           \
		struct align_##type {                                                                                  \
			char c;                                                                                        \
			type t;                                                                                        \
		};                                                                                                     \
		expect("  alignment of " #type, (unsigned long)offsetof(struct align_##type, t), 1);                   \
	} while (0)

/* After the header the default packing is back. */
struct after_header {
	char c;
	int i;
};

static void layouts(void)
{
	SIZE(BYTE, 1);
	SIZE(LONG, 4);
	SIZE(ULONG, 4);
	SIZE(FLAGS, 4);
	SIZE(HANDLE, sizeof(void *));
	expect("offsetof(after_header, i) (pack popped)", (unsigned long)offsetof(struct after_header, i), sizeof(int));

	SIZE(DEVICEINFO, 100);
	OFF(DEVICEINFO, IssuerName, 0);
	OFF(DEVICEINFO, DeviceName, 40);
	OFF(DEVICEINFO, DeviceSerial, 56);
	OFF(DEVICEINFO, DeviceVersion, 72);
	OFF(DEVICEINFO, StandardVersion, 76);
	OFF(DEVICEINFO, AsymAlgAbility, 80);
	OFF(DEVICEINFO, SymAlgAbility, 88);
	OFF(DEVICEINFO, HashAlgAbility, 92);
	OFF(DEVICEINFO, BufferSize, 96);
	ALIGN(DEVICEINFO);

	SIZE(RSArefPublicKey, 516);
	OFF(RSArefPublicKey, bits, 0);
	OFF(RSArefPublicKey, m, 4);
	OFF(RSArefPublicKey, e, 260);
	ALIGN(RSArefPublicKey);

	SIZE(RSArefPrivateKey, 1412);
	OFF(RSArefPrivateKey, bits, 0);
	OFF(RSArefPrivateKey, m, 4);
	OFF(RSArefPrivateKey, e, 260);
	OFF(RSArefPrivateKey, d, 516);
	OFF(RSArefPrivateKey, prime, 772);
	OFF(RSArefPrivateKey, pexp, 1028);
	OFF(RSArefPrivateKey, coef, 1284);
	ALIGN(RSArefPrivateKey);

	SIZE(ECCrefPublicKey, 132);
	OFF(ECCrefPublicKey, bits, 0);
	OFF(ECCrefPublicKey, x, 4);
	OFF(ECCrefPublicKey, y, 68);
	ALIGN(ECCrefPublicKey);

	SIZE(ECCrefPrivateKey, 68);
	OFF(ECCrefPrivateKey, bits, 0);
	OFF(ECCrefPrivateKey, K, 4);
	ALIGN(ECCrefPrivateKey);

	SIZE(ECCCipher, 165); /* 164 fixed + C[1]; callers allocate 164 + L */
	OFF(ECCCipher, x, 0);
	OFF(ECCCipher, y, 64);
	OFF(ECCCipher, M, 128);
	OFF(ECCCipher, L, 160);
	OFF(ECCCipher, C, 164);
	ALIGN(ECCCipher);
	expect("SDF_ECCCIPHER_FIXED_SIZE", SDF_ECCCIPHER_FIXED_SIZE, 164);
	expect("SDF_ECCCIPHER_SIZE(16)", SDF_ECCCIPHER_SIZE(16), 180);

	SIZE(ECCSignature, 128);
	OFF(ECCSignature, r, 0);
	OFF(ECCSignature, s, 64);
	ALIGN(ECCSignature);

	SIZE(EnvelopedECCKey, 373); /* 208 + sizeof(ECCCipher) */
	OFF(EnvelopedECCKey, Version, 0);
	OFF(EnvelopedECCKey, ulSymmAlgID, 4);
	OFF(EnvelopedECCKey, ulBits, 8);
	OFF(EnvelopedECCKey, cbEncryptedPriKey, 12);
	OFF(EnvelopedECCKey, PubKey, 76);
	OFF(EnvelopedECCKey, ECCCipherBlob, 208);
	ALIGN(EnvelopedECCKey);
	SIZE(ENVELOPEDKEYBLOB, 373);

	expect("RSAref_MAX_LEN", RSAref_MAX_LEN, 256);
	expect("RSAref_MAX_PLEN", RSAref_MAX_PLEN, 128);
	expect("ECCref_MAX_LEN", ECCref_MAX_LEN, 64);
}

static void identifiers(void)
{
	ID(SGD_ECB, 0x01);
	ID(SGD_CBC, 0x02);
	ID(SGD_CFB, 0x04);
	ID(SGD_OFB, 0x08);
	ID(SGD_MAC, 0x10);
	ID(SGD_CTR, 0x20);
	ID(SGD_SM1, 0x100);
	ID(SGD_SM1_ECB, 0x101);
	ID(SGD_SM1_CBC, 0x102);
	ID(SGD_SM1_CFB, 0x104);
	ID(SGD_SM1_OFB, 0x108);
	ID(SGD_SM1_MAC, 0x110);
	ID(SGD_SSF33, 0x200);
	ID(SGD_SSF33_ECB, 0x201);
	ID(SGD_SSF33_MAC, 0x210);
	ID(SGD_SM4, 0x400);
	ID(SGD_SM4_ECB, 0x401);
	ID(SGD_SM4_CBC, 0x402);
	ID(SGD_SM4_CFB, 0x404);
	ID(SGD_SM4_OFB, 0x408);
	ID(SGD_SM4_MAC, 0x410);
	ID(SGD_SM4_CTR, 0x420);
	ID(SGD_SM4_GCM, 0x02000400);
	ID(SGD_SM4_CCM, 0x04000400);
	ID(SGD_SM4_XTS, 0x02000402);
	ID(SGD_SM4_XTS_ALT, 0x01000400);
	ID(SGD_ZUC, 0x800);
	ID(SGD_ZUC_EEA3, 0x801);
	ID(SGD_ZUC_EIA3, 0x802);
	ID(SGD_RSA, 0x00010000);
	ID(SGD_SM2, 0x00020100);
	ID(SGD_SM2_1, 0x00020200);
	ID(SGD_SM2_2, 0x00020400);
	ID(SGD_SM2_3, 0x00020800);
	ID(SGD_SM3, 1);
	ID(SGD_SHA1, 2);
	ID(SGD_SHA256, 4);
	ID(SGD_SM3_RSA, 0x00010001);
	ID(SGD_SHA1_RSA, 0x00010002);
	ID(SGD_SHA256_RSA, 0x00010004);
	ID(SGD_SM3_SM2, 0x00020201);
	ID(SGD_SM3_SM2_ALT, 0x00020101);
}

static void error_codes(void)
{
	ID(SDR_OK, 0);
	ID(SDR_BASE, 0x01000000);
	ID(SDR_UNKNOWERR, 0x01000001);
	ID(SDR_NOTSUPPORT, 0x01000002);
	ID(SDR_COMMFAIL, 0x01000003);
	ID(SDR_HARDFAIL, 0x01000004);
	ID(SDR_OPENDEVICE, 0x01000005);
	ID(SDR_OPENSESSION, 0x01000006);
	ID(SDR_PARDENY, 0x01000007);
	ID(SDR_KEYNOTEXIST, 0x01000008);
	ID(SDR_ALGNOTSUPPORT, 0x01000009);
	ID(SDR_ALGMODNOTSUPPORT, 0x0100000A);
	ID(SDR_PKOPERR, 0x0100000B);
	ID(SDR_SKOPERR, 0x0100000C);
	ID(SDR_SIGNERR, 0x0100000D);
	ID(SDR_VERIFYERR, 0x0100000E);
	ID(SDR_SYMOPERR, 0x0100000F);
	ID(SDR_STEPERR, 0x01000010);
	ID(SDR_FILESIZEERR, 0x01000011);
	ID(SDR_FILENOEXIST, 0x01000012);
	ID(SDR_FILEOFSERR, 0x01000013);
	ID(SDR_KEYTYPEERR, 0x01000014);
	ID(SDR_KEYERR, 0x01000015);
	ID(SDR_ENCDATAERR, 0x01000016);
	ID(SDR_RANDERR, 0x01000017);
	ID(SDR_PRKRERR, 0x01000018);
	ID(SDR_MACERR, 0x01000019);
	ID(SDR_FILEEXISTS, 0x0100001A);
	ID(SDR_FILEEXSITS, 0x0100001A);
	ID(SDR_FILEWERR, 0x0100001B);
	ID(SDR_NOBUFFER, 0x0100001C);
	ID(SDR_INARGERR, 0x0100001D);
	ID(SDR_OUTARGERR, 0x0100001E);
	ID(SDR_USERIDERR, 0x0100001F);
}

int main(void)
{
	layouts();
	identifiers();
	error_codes();
	if (failed)
		printf("layout: MISMATCH\n");
	return failed;
}
