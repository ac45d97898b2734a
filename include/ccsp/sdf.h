/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GM/T 0018 SDF (密码设备应用接口规范): the device API applications link against (libsdf).
 *
 * Both editions in one header. Every GM/T 0018-2012 function and every GM/T 0018-2023 function of
 * clauses 6.2-6.8 (except the SM9 ones) is declared here. The 2023 types are used (HANDLE, ULONG, BYTE, LONG):
 * here they are exactly the 2012 types (void *, unsigned int, unsigned char, int), so code written against a
 * 2012 header (GmSSL, SoftSDF) or a 2023 header (sdf4j) compiles unchanged and the ABI is the same.
 * Clause numbers below are those of the 2023 edition. "ours" marks what is not in GM/T 0018.
 * SM9 (2023 Annex B) and the VPN functions (Annex C) are not provided.
 *
 * Conventions (all functions):
 * - The return value is SDR_OK (0) or one of the SDR_* codes below.
 * - Handles are opaque. A device handle comes from SDF_OpenDevice, a session handle from SDF_OpenSession,
 *   a key handle (a session key) from the SDF_GenerateKeyWith* / SDF_ImportKeyWith* functions; a key handle
 *   belongs to its session and is wiped by SDF_DestroyKey or when the session closes.
 * - The caller allocates every output buffer. GM/T 0018 passes no buffer capacity: size outputs from the
 *   inputs as documented per function. Output lengths (ULONG *) are set on return.
 * - The multi-part operations (Hash, HMAC, Encrypt/Decrypt/MAC/AuthEnc/AuthDec Init-Update-Final) keep their
 *   state in the session: one such operation per session at a time, SDR_STEPERR when called out of order.
 *   Use one session per thread.
 * - Key indices (uiKeyIndex, uiISKIndex, uiIPKIndex, uiKEKIndex) start at 1. Each index holds an SM2
 *   signing key pair and an SM2 encryption key pair sharing one access password; KEK index i holds one
 *   SM4 key-encryption key. ccsp VSMs hold no RSA keys: the RSA functions return SDR_NOTSUPPORT.
 * - uiKeyBits of a session key is in bits (128 for SM4); ECC uiKeyBits is 256.
 * - Numbers inside structures (bits, L, ...) are native-endian ULONGs; big integers and coordinates are
 *   big-endian byte strings, right-aligned in their fields (see ECCrefPublicKey).
 *
 * The typedefs BYTE, CHAR, LONG, ULONG, HANDLE clash with <windows.h>; this header is for POSIX systems.
 */
#ifndef CCSP_SDF_H
#define CCSP_SDF_H

#ifdef __cplusplus
extern "C" {
#endif

#ifndef SDF_API
#if defined(__GNUC__)
#define SDF_API __attribute__((visibility("default")))
#else
#define SDF_API
#endif
#endif

/* ---- 2023 clause 5.2: basic types ----------------------------------------------------------------------
 * ULONG is 32 bits (unsigned int), never C's unsigned long, which is 64 bits on LP64 systems. CHAR is
 * unsigned, so LPSTR is unsigned char *, the same type as BYTE *. */
typedef unsigned char BYTE;
typedef unsigned char CHAR;
typedef int LONG;
typedef unsigned int ULONG;
typedef unsigned int FLAGS;
typedef CHAR *LPSTR;
typedef void *HANDLE;

/* ---- 2023 clauses 5.3, 5.5-5.9: structures -------------------------------------------------------------
 * Packed (no padding), with the 2048-bit RSA and 512-bit ECC maxima of the 2012 headers (GmSSL, SoftSDF).
 * Vendor headers with ECCref_MAX_BITS 256 (x[32], y[32]) are not binary compatible with these. */
#define RSAref_MAX_BITS 2048
#define RSAref_MAX_LEN ((RSAref_MAX_BITS + 7) / 8)     /* 256 */
#define RSAref_MAX_PBITS ((RSAref_MAX_BITS + 1) / 2)
#define RSAref_MAX_PLEN ((RSAref_MAX_PBITS + 7) / 8)   /* 128 */
#define ECCref_MAX_BITS 512
#define ECCref_MAX_LEN ((ECCref_MAX_BITS + 7) / 8)     /* 64 */

#pragma pack(push, 1)

/* 5.3 Device information, 100 bytes. The name fields are fixed-width and not NUL-terminated when full. */
typedef struct DeviceInfo_st {
	BYTE IssuerName[40];
	BYTE DeviceName[16];
	BYTE DeviceSerial[16]; /* 8-character date, 3-character batch, 5-character serial number */
	ULONG DeviceVersion;
	ULONG StandardVersion;   /* 2 for the 2023 edition */
	ULONG AsymAlgAbility[2]; /* [0]: OR of the asymmetric algorithm IDs; [1]: OR of the supported key lengths */
	ULONG SymAlgAbility;     /* OR of the symmetric algorithm IDs */
	ULONG HashAlgAbility;    /* OR of the hash algorithm IDs */
	ULONG BufferSize;        /* file storage space in bytes */
} DEVICEINFO;

/* 5.5 RSA keys: bits is the modulus length; m, e, d 256 bytes and the CRT values 128 bytes, each a big-endian
 * integer right-aligned in its field. RSArefPublicKey is 516 bytes, RSArefPrivateKey 1412. */
typedef struct RSArefPublicKey_st {
	ULONG bits;
	BYTE m[RSAref_MAX_LEN];
	BYTE e[RSAref_MAX_LEN];
} RSArefPublicKey;

typedef struct RSArefPrivateKey_st {
	ULONG bits;
	BYTE m[RSAref_MAX_LEN];
	BYTE e[RSAref_MAX_LEN];
	BYTE d[RSAref_MAX_LEN];
	BYTE prime[2][RSAref_MAX_PLEN];
	BYTE pexp[2][RSAref_MAX_PLEN];
	BYTE coef[RSAref_MAX_PLEN];
} RSArefPrivateKey;

/* 5.6 ECC keys. For SM2, bits = 256 and every 256-bit value is big-endian and right-aligned in its
 * 64-byte field: 32 zero bytes, then the 32 bytes of the value. ccsp writes them so and expects them so.
 * ECCrefPublicKey is 132 bytes, ECCrefPrivateKey 68. */
typedef struct ECCrefPublicKey_st {
	ULONG bits;
	BYTE x[ECCref_MAX_LEN];
	BYTE y[ECCref_MAX_LEN];
} ECCrefPublicKey;

typedef struct ECCrefPrivateKey_st {
	ULONG bits;
	BYTE K[ECCref_MAX_LEN]; /* the private key d (some vendor headers call it D) */
} ECCrefPrivateKey;

/* 5.7 SM2 ciphertext C1 || C3 || C2 in fixed-width fields: x, y = C1 (right-aligned as above),
 * M = C3 = SM3(x2 || message || y2), L = length of C2 in bytes, C = C2 (L bytes).
 * The structure is variable-length: the fixed part is 164 bytes and C continues past its declared single
 * byte. The caller allocates SDF_ECCCIPHER_SIZE(L) = 164 + L bytes, where L is the plaintext length (an
 * output ECCCipher) or the L it carries (an input one). Never use sizeof(ECCCipher) (165 here, 419 in GmSSL,
 * 164 with sdf4j's flexible array) to size a buffer or to copy one. */
typedef struct ECCCipher_st {
	BYTE x[ECCref_MAX_LEN];
	BYTE y[ECCref_MAX_LEN];
	BYTE M[32];
	ULONG L;
	BYTE C[1];
} ECCCipher;

#define SDF_ECCCIPHER_FIXED_SIZE 164 /* ours: offset of ECCCipher.C */
#define SDF_ECCCIPHER_SIZE(L) (SDF_ECCCIPHER_FIXED_SIZE + (L)) /* ours: bytes to allocate for C2 of L bytes */

/* 5.8 SM2 signature (r, s), each right-aligned in 64 bytes; 128 bytes. */
typedef struct ECCSignature_st {
	BYTE r[ECCref_MAX_LEN];
	BYTE s[ECCref_MAX_LEN];
} ECCSignature;

/* 5.9 (2023) ECC key-pair protection structure: an encryption key pair for import, its private key encrypted
 * under a fresh symmetric key (ulSymmAlgID, ECB mode), that key SM2-encrypted in ECCCipherBlob.
 * Version = 1, ulBits = 256, cbEncryptedPriKey = the encrypted 64-byte right-aligned private key.
 * ECCCipherBlob comes last so that its C2 can extend the structure: allocate
 * offsetof(EnvelopedECCKey, ECCCipherBlob) + SDF_ECCCIPHER_SIZE(L) = 372 + L bytes (L = 16 for SM4).
 * ENVELOPEDKEYBLOB is the same structure under its other name (GM/T 0016 SKF and vendor SDF headers, with
 * 32-bit fields in this order). GmSSL's 2012 EnvelopedKeyBlob (unsigned long fields, ECCCipher first) has a
 * different layout and is not provided. */
typedef struct EnvelopedECCKey_st {
	ULONG Version;
	ULONG ulSymmAlgID;
	ULONG ulBits;
	BYTE cbEncryptedPriKey[ECCref_MAX_LEN];
	ECCrefPublicKey PubKey;
	ECCCipher ECCCipherBlob;
} EnvelopedECCKey;

typedef EnvelopedECCKey ENVELOPEDKEYBLOB, *PENVELOPEDKEYBLOB;

#pragma pack(pop)

/* Compile-time checks of the layouts above (a compiler that ignored the pack pragma fails here). */
typedef char sdf_check_ulong_is_32_bits_[sizeof(ULONG) == 4 ? 1 : -1];
typedef char sdf_check_layout_[(sizeof(DEVICEINFO) == 100 && sizeof(RSArefPublicKey) == 516 &&
                                sizeof(RSArefPrivateKey) == 1412 && sizeof(ECCrefPublicKey) == 132 &&
                                sizeof(ECCrefPrivateKey) == 68 && sizeof(ECCSignature) == 128 &&
                                sizeof(ECCCipher) == SDF_ECCCIPHER_FIXED_SIZE + 1 && sizeof(EnvelopedECCKey) == 373)
                                       ? 1
                                       : -1];

/* ---- Algorithm identifiers (GM/T 0006, as used by 2023 clause 5.4) --------------------------------------
 * A block cipher ID is the cipher OR the mode. */
#define SGD_ECB 0x00000001
#define SGD_CBC 0x00000002
#define SGD_CFB 0x00000004
#define SGD_OFB 0x00000008
#define SGD_MAC 0x00000010
#define SGD_CTR 0x00000020 /* sdf4j, Tongsuo; not in GM/T 0006-2012 */

#define SGD_SM1 0x00000100
#define SGD_SM1_ECB 0x00000101
#define SGD_SM1_CBC 0x00000102
#define SGD_SM1_CFB 0x00000104
#define SGD_SM1_OFB 0x00000108
#define SGD_SM1_MAC 0x00000110

#define SGD_SSF33 0x00000200
#define SGD_SSF33_ECB 0x00000201
#define SGD_SSF33_CBC 0x00000202
#define SGD_SSF33_CFB 0x00000204
#define SGD_SSF33_OFB 0x00000208
#define SGD_SSF33_MAC 0x00000210

/* SM4 (GB/T 32907). ECB/CBC/CFB/OFB take 16-byte IVs (ignored for ECB) and pad nothing; CFB is CFB-128;
 * SGD_SM4_MAC is CBC-MAC (GB/T 15852.1 algorithm 1, no padding), a 16-byte MAC.
 * The 2023 IDs for CTR, GCM, CCM and XTS come from sdf4j and BJCA headers, not from the standard's text.
 * XTS has two published values: SGD_SM4_XTS is sdf4j's; ccsp also accepts SGD_SM4_XTS_ALT. */
#define SGD_SM4 0x00000400
#define SGD_SM4_ECB 0x00000401
#define SGD_SM4_CBC 0x00000402
#define SGD_SM4_CFB 0x00000404
#define SGD_SM4_OFB 0x00000408
#define SGD_SM4_MAC 0x00000410
#define SGD_SM4_CTR 0x00000420
#define SGD_SM4_GCM 0x02000400
#define SGD_SM4_CCM 0x04000400
#define SGD_SM4_XTS 0x02000402
#define SGD_SM4_XTS_ALT 0x01000400

#define SGD_ZUC 0x00000800
#define SGD_ZUC_EEA3 0x00000801
#define SGD_ZUC_EIA3 0x00000802

#define SGD_RSA 0x00010000
#define SGD_SM2 0x00020100
#define SGD_SM2_1 0x00020200 /* SM2 signature */
#define SGD_SM2_2 0x00020400 /* SM2 key exchange */
#define SGD_SM2_3 0x00020800 /* SM2 encryption */

/* Hash algorithms. HMAC (2023 clause 6.6.2) takes the hash ID: HMAC-SM3 is SGD_SM3, there is no separate ID. */
#define SGD_SM3 0x00000001
#define SGD_SHA1 0x00000002
#define SGD_SHA256 0x00000004

/* Signature algorithms (hash + public-key algorithm). SGD_SM3_SM2 has two published values: 0x00020201
 * (Tongsuo, GM/T 0020 interface documents) and 0x00020101 (GmSSL, SoftSDF: SGD_SM3 | SGD_SM2). ccsp accepts
 * SGD_SM3_SM2_ALT wherever it accepts SGD_SM3_SM2. */
#define SGD_SM3_RSA 0x00010001
#define SGD_SHA1_RSA 0x00010002
#define SGD_SHA256_RSA 0x00010004
#define SGD_SM3_SM2 0x00020201
#define SGD_SM3_SM2_ALT 0x00020101

/* ---- Error codes (Appendix A) --------------------------------------------------------------------------- */
#define SDR_OK 0x00000000
#define SDR_BASE 0x01000000
#define SDR_UNKNOWERR (SDR_BASE + 0x01)        /* unknown error */
#define SDR_NOTSUPPORT (SDR_BASE + 0x02)       /* function not supported */
#define SDR_COMMFAIL (SDR_BASE + 0x03)         /* communication with the device failed */
#define SDR_HARDFAIL (SDR_BASE + 0x04)         /* hardware fault */
#define SDR_OPENDEVICE (SDR_BASE + 0x05)       /* opening the device failed */
#define SDR_OPENSESSION (SDR_BASE + 0x06)      /* creating the session failed, or unknown session */
#define SDR_PARDENY (SDR_BASE + 0x07)          /* no right to use this private key */
#define SDR_KEYNOTEXIST (SDR_BASE + 0x08)      /* no such key */
#define SDR_ALGNOTSUPPORT (SDR_BASE + 0x09)    /* algorithm not supported */
#define SDR_ALGMODNOTSUPPORT (SDR_BASE + 0x0A) /* algorithm mode not supported */
#define SDR_PKOPERR (SDR_BASE + 0x0B)          /* public-key operation failed */
#define SDR_SKOPERR (SDR_BASE + 0x0C)          /* private-key operation failed */
#define SDR_SIGNERR (SDR_BASE + 0x0D)          /* signing failed */
#define SDR_VERIFYERR (SDR_BASE + 0x0E)        /* signature does not verify */
#define SDR_SYMOPERR (SDR_BASE + 0x0F)         /* symmetric operation failed */
#define SDR_STEPERR (SDR_BASE + 0x10)          /* multi-part call out of order */
#define SDR_FILESIZEERR (SDR_BASE + 0x11)      /* file size beyond the limit */
#define SDR_FILENOEXIST (SDR_BASE + 0x12)      /* no such file */
#define SDR_FILEOFSERR (SDR_BASE + 0x13)       /* file offset out of range */
#define SDR_KEYTYPEERR (SDR_BASE + 0x14)       /* wrong key type */
#define SDR_KEYERR (SDR_BASE + 0x15)           /* bad key */
#define SDR_ENCDATAERR (SDR_BASE + 0x16)       /* ECC ciphertext malformed or not authentic */
#define SDR_RANDERR (SDR_BASE + 0x17)          /* random number generation failed */
#define SDR_PRKRERR (SDR_BASE + 0x18)          /* getting the private-key access right failed */
#define SDR_MACERR (SDR_BASE + 0x19)           /* MAC operation failed */
#define SDR_FILEEXISTS (SDR_BASE + 0x1A)       /* the file already exists */
#define SDR_FILEEXSITS SDR_FILEEXISTS          /* GmSSL's spelling */
#define SDR_FILEWERR (SDR_BASE + 0x1B)         /* writing the file failed */
#define SDR_NOBUFFER (SDR_BASE + 0x1C)         /* not enough storage */
#define SDR_INARGERR (SDR_BASE + 0x1D)         /* bad input argument */
#define SDR_OUTARGERR (SDR_BASE + 0x1E)        /* bad output argument */
#define SDR_USERIDERR (SDR_BASE + 0x1F)        /* 2023: bad user ID */
/* SDR_BASE + 0x20 .. SDR_BASE + 0xFFFFFF are reserved. */

/* ---- ours ----------------------------------------------------------------------------------------------- */

/* The ccsp release this library belongs to, "MAJOR.MINOR.PATCH": a static string, never NULL. Needs no
 * device or session. */
SDF_API const char *SDF_CCSP_Version(void);
/* SDF_OpenDevice with the client configuration file pucConfigPath (docs/sdf.md) instead of $CCSP_SDF_CONF, so
 * that one process can open several VSMs side by side (ccspd's resource pool does); NULL or "" behaves as
 * SDF_OpenDevice. */
SDF_API LONG SDF_CCSP_OpenDeviceWithConfig(const char *pucConfigPath, HANDLE *phDeviceHandle);

/* ---- 6.2 Device management (2012, 2023) ------------------------------------------------------------------ */

/* 6.2.2 Open the device (in libsdf: connect to the VSM named in the client configuration). */
SDF_API LONG SDF_OpenDevice(HANDLE *phDeviceHandle);
/* 6.2.3 Close the device and every session still open on it. */
SDF_API LONG SDF_CloseDevice(HANDLE hDeviceHandle);
/* 6.2.4, 6.2.5 */
SDF_API LONG SDF_OpenSession(HANDLE hDeviceHandle, HANDLE *phSessionHandle);
SDF_API LONG SDF_CloseSession(HANDLE hSessionHandle);
/* 6.2.6 */
SDF_API LONG SDF_GetDeviceInfo(HANDLE hSessionHandle, DEVICEINFO *pstDeviceInfo);
/* 6.2.7 uiLength random bytes into pucRandom. */
SDF_API LONG SDF_GenerateRandom(HANDLE hSessionHandle, ULONG uiLength, BYTE *pucRandom);
/* 6.2.8 Unlock the private keys of index uiKeyIndex for this session with the index's access password
 * (2023: at least 8 bytes). 2012 types the password BYTE *, 2023 LPSTR; both are unsigned char * here, so a
 * caller holding a plain char * casts in either edition. The right lasts until
 * SDF_ReleasePrivateKeyAccessRight or the end of the session. */
SDF_API LONG SDF_GetPrivateKeyAccessRight(HANDLE hSessionHandle, ULONG uiKeyIndex, BYTE *pucPassword,
                                          ULONG uiPwdLength);
/* 6.2.9 */
SDF_API LONG SDF_ReleasePrivateKeyAccessRight(HANDLE hSessionHandle, ULONG uiKeyIndex);

/* ---- 6.3 Key management: RSA (2012, 2023) ---------------------------------------------------------------- */

/* 6.3.2-6.3.6. Output pucKey: RSAref_MAX_LEN bytes. */
SDF_API LONG SDF_ExportSignPublicKey_RSA(HANDLE hSessionHandle, ULONG uiKeyIndex, RSArefPublicKey *pucPublicKey);
SDF_API LONG SDF_ExportEncPublicKey_RSA(HANDLE hSessionHandle, ULONG uiKeyIndex, RSArefPublicKey *pucPublicKey);
SDF_API LONG SDF_GenerateKeyWithIPK_RSA(HANDLE hSessionHandle, ULONG uiIPKIndex, ULONG uiKeyBits, BYTE *pucKey,
                                        ULONG *puiKeyLength, HANDLE *phKeyHandle);
SDF_API LONG SDF_GenerateKeyWithEPK_RSA(HANDLE hSessionHandle, ULONG uiKeyBits, RSArefPublicKey *pucPublicKey,
                                        BYTE *pucKey, ULONG *puiKeyLength, HANDLE *phKeyHandle);
SDF_API LONG SDF_ImportKeyWithISK_RSA(HANDLE hSessionHandle, ULONG uiISKIndex, BYTE *pucKey, ULONG uiKeyLength,
                                      HANDLE *phKeyHandle);
/* 2012 only (removed in 2023): re-encrypt an RSA digital envelope from internal key uiKeyIndex to pucPublicKey. */
SDF_API LONG SDF_ExchangeDigitEnvelopeBaseOnRSA(HANDLE hSessionHandle, ULONG uiKeyIndex, RSArefPublicKey *pucPublicKey,
                                                BYTE *pucDEInput, ULONG uiDELength, BYTE *pucDEOutput,
                                                ULONG *puiDELength);

/* ---- 6.3 Key management: SM2 and session keys (2012, 2023) ------------------------------------------------
 * Session keys of uiKeyBits bits (128 for SM4) are generated inside the device and come back as a key handle
 * plus the key encrypted for storage or transport. An output ECCCipher for such a key needs
 * SDF_ECCCIPHER_SIZE(uiKeyBits / 8) bytes (180 for SM4). */

/* 6.3.7, 6.3.8 The public key of the signing / encryption pair of index uiKeyIndex. */
SDF_API LONG SDF_ExportSignPublicKey_ECC(HANDLE hSessionHandle, ULONG uiKeyIndex, ECCrefPublicKey *pucPublicKey);
SDF_API LONG SDF_ExportEncPublicKey_ECC(HANDLE hSessionHandle, ULONG uiKeyIndex, ECCrefPublicKey *pucPublicKey);
/* 6.3.9 New session key, SM2-encrypted under the encryption public key of index uiIPKIndex. */
SDF_API LONG SDF_GenerateKeyWithIPK_ECC(HANDLE hSessionHandle, ULONG uiIPKIndex, ULONG uiKeyBits, ECCCipher *pucKey,
                                        HANDLE *phKeyHandle);
/* 6.3.10 New session key, SM2-encrypted (uiAlgID = SGD_SM2_3) under an external public key. */
SDF_API LONG SDF_GenerateKeyWithEPK_ECC(HANDLE hSessionHandle, ULONG uiKeyBits, ULONG uiAlgID,
                                        ECCrefPublicKey *pucPublicKey, ECCCipher *pucKey, HANDLE *phKeyHandle);
/* 6.3.11 Import a session key SM2-encrypted for the encryption pair of index uiISKIndex (needs the access
 * right of that index). */
SDF_API LONG SDF_ImportKeyWithISK_ECC(HANDLE hSessionHandle, ULONG uiISKIndex, ECCCipher *pucKey,
                                      HANDLE *phKeyHandle);

/* 6.3.12-6.3.14 SM2 key agreement (GB/T 32918.3) with the encryption pair of index uiISKIndex (access right
 * needed) and a temporary pair the device generates; uiKeyBits is the length of the agreed key. The sponsor
 * calls SDF_GenerateAgreementDataWithECC, sends its ID and both public keys, and, with the responder's,
 * calls SDF_GenerateKeyWithECC (which consumes hAgreementHandle, also when it fails). The responder calls
 * SDF_GenerateAgreementDataAndKeyWithECC once. IDs are 1..8191 bytes (GB/T 32918: ENTL is 16 bits). No key
 * confirmation (S1/S2) is exchanged: mismatched IDs or keys give different keys, not an error. A session holds
 * at most 16 pending agreements; a further one replaces the oldest. */
SDF_API LONG SDF_GenerateAgreementDataWithECC(HANDLE hSessionHandle, ULONG uiISKIndex, ULONG uiKeyBits,
                                              BYTE *pucSponsorID, ULONG uiSponsorIDLength,
                                              ECCrefPublicKey *pucSponsorPublicKey,
                                              ECCrefPublicKey *pucSponsorTmpPublicKey, HANDLE *phAgreementHandle);
SDF_API LONG SDF_GenerateKeyWithECC(HANDLE hSessionHandle, BYTE *pucResponseID, ULONG uiResponseIDLength,
                                    ECCrefPublicKey *pucResponsePublicKey, ECCrefPublicKey *pucResponseTmpPublicKey,
                                    HANDLE hAgreementHandle, HANDLE *phKeyHandle);
SDF_API LONG SDF_GenerateAgreementDataAndKeyWithECC(HANDLE hSessionHandle, ULONG uiISKIndex, ULONG uiKeyBits,
                                                    BYTE *pucResponseID, ULONG uiResponseIDLength, BYTE *pucSponsorID,
                                                    ULONG uiSponsorIDLength, ECCrefPublicKey *pucSponsorPublicKey,
                                                    ECCrefPublicKey *pucSponsorTmpPublicKey,
                                                    ECCrefPublicKey *pucResponsePublicKey,
                                                    ECCrefPublicKey *pucResponseTmpPublicKey, HANDLE *phKeyHandle);

/* 2012 only (removed in 2023): decrypt pucEncDataIn with the encryption pair of uiKeyIndex and re-encrypt it
 * (uiAlgID = SGD_SM2_3) under pucPublicKey into pucEncDataOut (SDF_ECCCIPHER_SIZE(pucEncDataIn->L) bytes). */
SDF_API LONG SDF_ExchangeDigitEnvelopeBaseOnECC(HANDLE hSessionHandle, ULONG uiKeyIndex, ULONG uiAlgID,
                                                ECCrefPublicKey *pucPublicKey, ECCCipher *pucEncDataIn,
                                                ECCCipher *pucEncDataOut);

/* 6.3.15, 6.3.16 Session key encrypted under the KEK of index uiKEKIndex with uiAlgID = SGD_SM4_ECB (the key
 * length is a multiple of 16, so no padding); pucKey holds uiKeyBits / 8 bytes (16 for SM4).
 * Extension (ccsp's, docs/sdf.md "Sealed session-key wraps"): uiAlgID = SGD_SM4_GCM makes and takes a sealed wrap
 * instead, SDF_WRAPPED_KEY_SIZE(uiKeyBits / 8) bytes (46 for SM4; pucKey needs room for SDF_WRAPPED_ECC_KEY_MAX):
 * version (1) || 0x10 || IV (12) || the key encrypted with SM4-GCM || tag (16), sealed as the SM2 pair wraps below.
 * SM4-ECB has no integrity: an altered ECB wrap imports as some other key, and data encrypted with it is lost;
 * an altered sealed wrap is refused (SDR_KEYERR). The vendor functions below that take a wrapped secret key
 * (AuthEncWithKEK, the BYOK, backup and key-set functions) accept both forms and make sealed ones. Importing a wrap
 * with the other form's uiAlgID is SDR_INARGERR. */
#define SDF_WRAPPED_KEY_SIZE(n) (30 + (n))
SDF_API LONG SDF_GenerateKeyWithKEK(HANDLE hSessionHandle, ULONG uiKeyBits, ULONG uiAlgID, ULONG uiKEKIndex,
                                    BYTE *pucKey, ULONG *puiKeyLength, HANDLE *phKeyHandle);
SDF_API LONG SDF_ImportKeyWithKEK(HANDLE hSessionHandle, ULONG uiAlgID, ULONG uiKEKIndex, BYTE *pucKey,
                                  ULONG uiKeyLength, HANDLE *phKeyHandle);
/* 6.3.17 Wipe the session key. */
SDF_API LONG SDF_DestroyKey(HANDLE hSessionHandle, HANDLE hKeyHandle);

/* ---- 6.4 Asymmetric operations (2012, 2023) -------------------------------------------------------------
 * SM2 signing and verification take the 32-byte digest e = SM3(Z || M), never the message: compute it with
 * SDF_HashInit(hSession, SGD_SM3, &signer_public_key, id, id_length), SDF_HashUpdate, SDF_HashFinal.
 * uiDataLength / uiInputLength must be 32. uiAlgID of the external SM2 functions is SGD_SM2_1 for signatures
 * (SGD_SM3_SM2 and SGD_SM3_SM2_ALT are accepted too) and SGD_SM2_3 for encryption. A signature that does
 * not verify is SDR_VERIFYERR. */

/* 6.4.2-6.4.4 Raw RSA (no padding): input and output are RSAref_MAX_LEN-byte (modulus-length) blocks. */
SDF_API LONG SDF_ExternalPublicKeyOperation_RSA(HANDLE hSessionHandle, RSArefPublicKey *pucPublicKey,
                                                BYTE *pucDataInput, ULONG uiInputLength, BYTE *pucDataOutput,
                                                ULONG *puiOutputLength);
SDF_API LONG SDF_InternalPublicKeyOperation_RSA(HANDLE hSessionHandle, ULONG uiKeyIndex, BYTE *pucDataInput,
                                                ULONG uiInputLength, BYTE *pucDataOutput, ULONG *puiOutputLength);
SDF_API LONG SDF_InternalPrivateKeyOperation_RSA(HANDLE hSessionHandle, ULONG uiKeyIndex, BYTE *pucDataInput,
                                                 ULONG uiInputLength, BYTE *pucDataOutput, ULONG *puiOutputLength);
/* 6.4.5 */
SDF_API LONG SDF_ExternalVerify_ECC(HANDLE hSessionHandle, ULONG uiAlgID, ECCrefPublicKey *pucPublicKey,
                                    BYTE *pucDataInput, ULONG uiInputLength, ECCSignature *pucSignature);
/* 6.4.6 Sign with the signing pair of index uiISKIndex (access right needed). */
SDF_API LONG SDF_InternalSign_ECC(HANDLE hSessionHandle, ULONG uiISKIndex, BYTE *pucData, ULONG uiDataLength,
                                  ECCSignature *pucSignature);
/* 6.4.7 Verify with the signing public key of index uiIPKIndex. */
SDF_API LONG SDF_InternalVerify_ECC(HANDLE hSessionHandle, ULONG uiIPKIndex, BYTE *pucData, ULONG uiDataLength,
                                    ECCSignature *pucSignature);
/* 6.4.8 SM2-encrypt uiDataLength bytes (at least 1) into pucEncData: SDF_ECCCIPHER_SIZE(uiDataLength) bytes. */
SDF_API LONG SDF_ExternalEncrypt_ECC(HANDLE hSessionHandle, ULONG uiAlgID, ECCrefPublicKey *pucPublicKey,
                                     BYTE *pucData, ULONG uiDataLength, ECCCipher *pucEncData);
/* Extension (not in GM/T 0018; GmSSL's signatures, which differ from Tongsuo's and sdf4j's): SM2 encryption
 * with the encryption public key of index uiIPKIndex, and decryption with the encryption private key of
 * index uiISKIndex (access right needed); uiAlgID = SGD_SM2_3. pucData of the decryption receives
 * pucEncData->L bytes. */
SDF_API LONG SDF_InternalEncrypt_ECC(HANDLE hSessionHandle, ULONG uiIPKIndex, ULONG uiAlgID, BYTE *pucData,
                                     ULONG uiDataLength, ECCCipher *pucEncData);
SDF_API LONG SDF_InternalDecrypt_ECC(HANDLE hSessionHandle, ULONG uiISKIndex, ULONG uiAlgID, ECCCipher *pucEncData,
                                     BYTE *pucData, ULONG *puiDataLength);
/* Extension (not in GM/T 0018; ccsp's, docs/sdf.md "SM2 key pairs wrapped under a KEK"): SM2 key pairs whose
 * private key leaves the device only wrapped by the KEK of index uiKEKIndex, for a key manager that stores the
 * wrap and hands it back for each use. No access right is involved: whoever holds the wrap and a session may use
 * it, so keep wraps as confidential as the keys they hold.
 * The wrap is SDF_WRAPPED_ECC_KEY_SIZE (62) bytes: version (1) || usage (1: signing, 2: encryption) || IV (12)
 * || the 32-byte private key encrypted with SM4-GCM || tag (16), under a key derived from the KEK
 * (HMAC-SM3(KEK, "ccsp/vsm/kek-aead/1"), its first 16 bytes) with the first two bytes as AAD. It is opaque to
 * applications; SDF_WRAPPED_ECC_KEY_MAX (64) bytes is enough for any version.
 * GenerateKeyPairWithKEK: uiAlgID SGD_SM2_1 (a signing pair) or SGD_SM2_3 (an encryption pair), else
 * SDR_ALGNOTSUPPORT; a fresh pair from the device's DRBG (pairwise-consistency tested); the public key into
 * pucPublicKey, the wrap into pucWrappedKey (room for SDF_WRAPPED_ECC_KEY_MAX bytes), its length into
 * *puiWrappedKeyLength.
 * SignWithKEK: sign the 32-byte digest e (uiDataLength 32, else SDR_INARGERR) with a signing wrap.
 * DecryptWithKEK: decrypt with an encryption wrap; pucData receives pucEncData->L bytes; SDR_ENCDATAERR when
 * C3 does not match (not a ciphertext for this key, or altered).
 * Both: the private key is unwrapped inside the device and never kept in the session. DecryptWithKEK wipes it
 * after the call; SignWithKEK keeps a signing key in the device's bounded cache, found only by the exact wrap bytes
 * and KEK index it was opened with and wiped when that KEK is deleted or replaced (docs/security-policy.md), so that
 * signing again with a wrap skips the unwrap. SDR_KEYERR: the wrap does not unwrap (altered, truncated, made
 * under another KEK); SDR_KEYTYPEERR: a wrap of the other usage (a signing key never decrypts, an encryption key
 * never signs); SDR_KEYNOTEXIST: no KEK at uiKEKIndex; SDR_INARGERR: uiWrappedKeyLength 0 or over
 * SDF_WRAPPED_ECC_KEY_MAX, index out of range. */
#define SDF_WRAPPED_ECC_KEY_SIZE 62
#define SDF_WRAPPED_ECC_KEY_MAX 64
SDF_API LONG SDF_GenerateKeyPairWithKEK_ECC(HANDLE hSessionHandle, ULONG uiAlgID, ULONG uiKEKIndex,
                                            ECCrefPublicKey *pucPublicKey, BYTE *pucWrappedKey,
                                            ULONG *puiWrappedKeyLength);
SDF_API LONG SDF_SignWithKEK_ECC(HANDLE hSessionHandle, ULONG uiKEKIndex, BYTE *pucWrappedKey,
                                 ULONG uiWrappedKeyLength, BYTE *pucData, ULONG uiDataLength,
                                 ECCSignature *pucSignature);
SDF_API LONG SDF_DecryptWithKEK_ECC(HANDLE hSessionHandle, ULONG uiKEKIndex, BYTE *pucWrappedKey,
                                    ULONG uiWrappedKeyLength, ECCCipher *pucEncData, BYTE *pucData,
                                    ULONG *puiDataLength);
/* Extension (ccsp's, docs/sdf.md "Key import and export under SM2 (BYOK)"): a key brought into the device
 * SM2-encrypted and handed back only wrapped by the KEK of index uiKEKIndex, and a KEK-wrapped key taken out only
 * SM2-encrypted to a public key. uiKeyKind names the key and its wrap:
 *   SDF_KEY_KIND_SM4       16-byte SM4 key; wrap: as SDF_GenerateKeyWithKEK's, sealed (SGD_SM4_GCM, 46 bytes; the
 *                          ones made here) or SM4-ECB (16 bytes)
 *   SDF_KEY_KIND_HMAC      32-byte HMAC-SM3 key; wrap: likewise of 256 bits (62 bytes sealed, 32 in SM4-ECB)
 *   SDF_KEY_KIND_SM2_SIGN, SDF_KEY_KIND_SM2_ENC  an SM2 private key; wrap: as SDF_GenerateKeyPairWithKEK_ECC's
 *                          for that usage (SDF_WRAPPED_ECC_KEY_SIZE bytes)
 * SM2 keys travel as the pieces of a GM/T 0009 SM2EnvelopedKey: pucKey, a 16-byte SM4 key SM2-encrypted;
 * pucEncPrivateKey, the 32-byte private key d encrypted with that SM4 key in ECB mode (32 bytes); the public key.
 * ImportKeyWithWrappedKey: pucImportKey is an encryption-pair wrap of SDF_GenerateKeyPairWithKEK_ECC (SGD_SM2_3)
 * under the same KEK (the import key, whose public key the key's owner encrypts to). Symmetric kinds: pucKey is the
 * key SM2-encrypted to the import key (L 16 or 32), pucEncPrivateKey and pucPublicKey are ignored. SM2 kinds:
 * pucKey holds the envelope's SM4 key (L 16), pucPublicKey must be d's public key. The key is decrypted and
 * rewrapped inside the device; the wrap goes to pucWrappedKey (room for SDF_WRAPPED_ECC_KEY_MAX bytes), its length
 * to *puiWrappedKeyLength. SDR_ENCDATAERR: pucKey does not decrypt (not for this import key, or altered);
 * SDR_KEYERR: the import key's wrap refused (as SDF_DecryptWithKEK_ECC), a key of the wrong length for the kind,
 * d out of range or not matching pucPublicKey; SDR_KEYTYPEERR: an import key that is a signing wrap.
 * ExportKeyWithKEK: pucWrappedKey is a wrap of uiKeyKind under the KEK; pucPublicKey the recipient's key, which
 * the caller has authenticated. Symmetric kinds: pucKey receives the key SM2-encrypted (L 16 or 32). SM2 kinds:
 * pucKey receives a fresh SM4 key SM2-encrypted (L 16), pucEncPrivateKey (32 bytes) d encrypted with it.
 * Allocate pucKey with SDF_ECCCIPHER_SIZE(32) bytes for any kind. SDR_KEYERR: a wrap of the wrong length for the
 * kind, or one that does not unwrap, or pucPublicKey not a valid point; SDR_KEYTYPEERR: an SM2 wrap of the other
 * usage.
 * Both: SDR_KEYNOTEXIST, no KEK at uiKEKIndex; SDR_INARGERR: uiKeyKind unknown, wrap length 0 or over
 * SDF_WRAPPED_ECC_KEY_MAX, pucKey->L out of range, index out of range; SDR_OUTARGERR. No access right is involved
 * (the KEK is the authority); the device audits each import and export, never with key material. */
#define SDF_KEY_KIND_SM4 1
#define SDF_KEY_KIND_HMAC 2
#define SDF_KEY_KIND_SM2_SIGN 3
#define SDF_KEY_KIND_SM2_ENC 4
SDF_API LONG SDF_ImportKeyWithWrappedKey_ECC(HANDLE hSessionHandle, ULONG uiKEKIndex, BYTE *pucImportKey,
                                             ULONG uiImportKeyLength, ULONG uiKeyKind, ECCCipher *pucKey,
                                             BYTE *pucEncPrivateKey, ECCrefPublicKey *pucPublicKey,
                                             BYTE *pucWrappedKey, ULONG *puiWrappedKeyLength);
SDF_API LONG SDF_ExportKeyWithKEK_ECC(HANDLE hSessionHandle, ULONG uiKEKIndex, ULONG uiKeyKind, BYTE *pucWrappedKey,
                                      ULONG uiWrappedKeyLength, ECCrefPublicKey *pucPublicKey, ECCCipher *pucKey,
                                      BYTE *pucEncPrivateKey);
/* Extension (ccsp's, docs/sdf.md "Split-knowledge key backup"): a KEK-wrapped key (uiKeyKind and wrap as the BYOK
 * functions') split inside the device into uiN Shamir shares over GF(2^8) of which any uiM recombine it
 * (2 <= uiM <= uiN <= SDF_KEY_SHARES_MAX), each SM2-encrypted to its custodian, and recovered from uiM shares
 * SM2-encrypted to an import key of the device; the key and its shares never leave the device in plaintext.
 * A share's plaintext is x (1 byte, 1..uiN) || y, y being the share of key || check (the key: 16 bytes SM4, 32
 * HMAC, the 32-byte d of an SM2 kind; check: the first 8 bytes of SM3(kind byte || key)), so L = 1 + key + 8
 * (25 or 41). Allocate each share with SDF_ECCCIPHER_SIZE(SDF_KEY_SHARE_MAX) bytes.
 * BackupKeyWithKEK: pucCustodians holds uiN public keys; share i (x = i + 1) is SM2-encrypted to pucCustodians[i]
 * into pucShares[i] (uiN pointers). SDR_KEYERR: the wrap refused (as SDF_ExportKeyWithKEK_ECC), a custodian key not
 * a valid point; SDR_KEYTYPEERR: an SM2 wrap of the other usage.
 * RecoverKeyWithWrappedKey: pucImportKey as SDF_ImportKeyWithWrappedKey_ECC's; pucShares holds uiM pointers to
 * shares a custodian decrypted with their key and SM2-encrypted to the import key (in any order, at least the
 * backup's threshold); for SM2 kinds pucPublicKey is the key's public key (ignored otherwise). The shares are
 * decrypted and recombined, the check verified, and the key wrapped under the KEK into pucWrappedKey (room for
 * SDF_WRAPPED_ECC_KEY_MAX bytes), its length into *puiWrappedKeyLength. SDR_ENCDATAERR: a share that does not
 * decrypt (not for this import key, or altered); SDR_KEYERR: the import key's wrap refused, shares of the wrong
 * length for the kind, the check does not match (too few shares, an altered or a foreign one), d out of range or
 * not pucPublicKey's; SDR_INARGERR also for two shares with the same x.
 * Both: SDR_KEYNOTEXIST, no KEK at uiKEKIndex; SDR_INARGERR: uiKeyKind unknown, uiM/uiN out of bounds, wrap length
 * 0 or over SDF_WRAPPED_ECC_KEY_MAX, a share's L out of range; SDR_OUTARGERR. No access right is involved (the KEK
 * is the authority); the device audits each backup and recovery, never with key material. */
#define SDF_KEY_SHARES_MAX 16
#define SDF_KEY_SHARE_MAX (1 + 64 + 8) /* the longest share plaintext (L) a recovery takes */
SDF_API LONG SDF_BackupKeyWithKEK_ECC(HANDLE hSessionHandle, ULONG uiKEKIndex, ULONG uiKeyKind, BYTE *pucWrappedKey,
                                      ULONG uiWrappedKeyLength, ULONG uiM, ULONG uiN,
                                      ECCrefPublicKey *pucCustodians, ECCCipher **pucShares);
SDF_API LONG SDF_RecoverKeyWithWrappedKey_ECC(HANDLE hSessionHandle, ULONG uiKEKIndex, BYTE *pucImportKey,
                                              ULONG uiImportKeyLength, ULONG uiKeyKind, ULONG uiM,
                                              ECCCipher **pucShares, ECCrefPublicKey *pucPublicKey,
                                              BYTE *pucWrappedKey, ULONG *puiWrappedKeyLength);
/* Extension (ccsp's, docs/sdf.md "Key-set backup"): a KEK-wrapped key (uiKeyKind and wrap as the BYOK functions')
 * moved from the KEK to a backup key and back, so that a whole set of keys is backed up under one key whose shares
 * (SDF_BackupKeyWithKEK_ECC with SDF_KEY_KIND_SM4) the custodians hold. pucBackupKey is an SM4 key wrapped under
 * the same KEK (SDF_GenerateKeyWithKEK(h, 128, SGD_SM4_GCM or SGD_SM4_ECB, uiKEKIndex, ...); after a disaster,
 * SDF_RecoverKeyWithWrappedKey_ECC's answer). The entry is sealed with SM4-GCM under the first 16 bytes of
 * SM3("CCSP key-set backup v1" || backup key), not with the backup key itself; pucAAD (1..SDF_KEYSET_AAD_MAX bytes:
 * the caller's binding of the key's names) is authenticated.
 * ExportKeyWithBackupKey: the device draws a 12-byte IV into pucIV; pucEncKey receives the key's material (16 bytes
 * SM4, 32 the others; *puiEncKeyLength) encrypted, pucTag the 16-byte tag. For SM2 kinds pucPublicKey must be the
 * private key's public key (SDR_KEYERR otherwise), so that a binding cannot name another.
 * ImportKeyWithBackupKey: pucIV, pucEncKey (uiEncKeyLength) and pucTag as ExportKeyWithBackupKey gave them; the tag
 * is verified (SDR_MACERR: altered, another backup key, another binding; nothing is wrapped), for SM2 kinds d
 * checked against pucPublicKey, and the key wrapped for uiKeyKind under the KEK into pucWrappedKey (room for
 * SDF_WRAPPED_ECC_KEY_MAX bytes), its length into *puiWrappedKeyLength.
 * Both: SDR_KEYNOTEXIST, no KEK at uiKEKIndex; SDR_KEYERR, a wrap refused (as SDF_ExportKeyWithKEK_ECC), a backup
 * key wrap that does not open to an SM4 key, material of the wrong length for the kind; SDR_INARGERR: uiKeyKind
 * unknown, a backup key wrap of another length than 16 or 46, other lengths out of bounds; SDR_OUTARGERR. No access right is involved (the KEK is the authority); the device audits
 * each export and import, never with key material. */
#define SDF_KEYSET_AAD_MAX 1024
#define SDF_KEYSET_IV_SIZE 12
#define SDF_KEYSET_TAG_SIZE 16
SDF_API LONG SDF_ExportKeyWithBackupKey(HANDLE hSessionHandle, ULONG uiKEKIndex, BYTE *pucBackupKey,
                                        ULONG uiBackupKeyLength, ULONG uiKeyKind, BYTE *pucWrappedKey,
                                        ULONG uiWrappedKeyLength, ECCrefPublicKey *pucPublicKey, BYTE *pucAAD,
                                        ULONG uiAADLength, BYTE *pucIV, BYTE *pucEncKey, ULONG *puiEncKeyLength,
                                        BYTE *pucTag);
SDF_API LONG SDF_ImportKeyWithBackupKey(HANDLE hSessionHandle, ULONG uiKEKIndex, BYTE *pucBackupKey,
                                        ULONG uiBackupKeyLength, ULONG uiKeyKind, ECCrefPublicKey *pucPublicKey,
                                        BYTE *pucAAD, ULONG uiAADLength, BYTE *pucIV, BYTE *pucEncKey,
                                        ULONG uiEncKeyLength, BYTE *pucTag, BYTE *pucWrappedKey,
                                        ULONG *puiWrappedKeyLength);

/* ---- 6.5 Symmetric operations --------------------------------------------------------------------------
 * hKeyHandle is a session key. No padding: ECB and CBC lengths are multiples of 16; CFB, OFB and CTR take
 * any length; output length = input length. pucIV points to 16 bytes (ignored for ECB). XTS: a 256-bit
 * session key (data key || tweak key), pucIV the 16-byte tweak, length at least 16. MAC (SGD_SM4_MAC):
 * length a non-zero multiple of 16, 16-byte MAC.
 * 6.5.2-6.5.4 one-shot (2012, 2023): */
SDF_API LONG SDF_Encrypt(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucIV, BYTE *pucData,
                         ULONG uiDataLength, BYTE *pucEncData, ULONG *puiEncDataLength);
SDF_API LONG SDF_Decrypt(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucIV, BYTE *pucEncData,
                         ULONG uiEncDataLength, BYTE *pucData, ULONG *puiDataLength);
SDF_API LONG SDF_CalculateMAC(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucIV, BYTE *pucData,
                              ULONG uiDataLength, BYTE *pucMAC, ULONG *puiMACLength);

/* 6.5.5, 6.5.6 (2023) Authenticated encryption, SGD_SM4_GCM or SGD_SM4_CCM (GB/T 36624): pucStartVar is the
 * IV (GCM, 12 bytes recommended) or nonce (CCM), pucAad the additional data (may be empty), pucAuthData the
 * tag. AuthEnc writes uiDataLength bytes of ciphertext and a 16-byte tag (*puiAuthDataLength = 16).
 * AuthDec: the text of GM/T 0018-2023 gives the tag length as ULONG *puiAuthDataLength, most likely a typo
 * for ULONG; the prototype keeps the pointer (as sdf4j does) and ccsp reads *puiAuthDataLength as the tag
 * length. A tag that does not match is SDR_MACERR and no plaintext is written. */
SDF_API LONG SDF_AuthEnc(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucStartVar,
                         ULONG uiStartVarLength, BYTE *pucAad, ULONG uiAadLength, BYTE *pucData, ULONG uiDataLength,
                         BYTE *pucEncData, ULONG *puiEncDataLength, BYTE *pucAuthData, ULONG *puiAuthDataLength);
SDF_API LONG SDF_AuthDec(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucStartVar,
                         ULONG uiStartVarLength, BYTE *pucAad, ULONG uiAadLength, BYTE *pucAuthData,
                         ULONG *puiAuthDataLength, BYTE *pucEncData, ULONG uiEncDataLength, BYTE *pucData,
                         ULONG *puiDataLength);
/* Extension (ccsp's, docs/sdf.md "SM4-GCM with a KEK-wrapped key"): SDF_AuthEnc / SDF_AuthDec with SGD_SM4_GCM in
 * one call, with an SM4 key that exists outside the device only wrapped by the KEK of index uiKEKIndex, as
 * SDF_GenerateKeyWithKEK(h, 128, SGD_SM4_GCM or SGD_SM4_ECB, uiKEKIndex, ...) makes it (46 or 16 bytes). The key is unwrapped inside the device for this one call and wiped after; no session key is made.
 * AuthEncWithKEK: the device draws a fresh IV from its DRBG into pucIV (SDF_KEK_GCM_IV_SIZE bytes); pucEncData
 * receives uiDataLength bytes of ciphertext (*puiEncDataLength), pucTag the SDF_KEK_GCM_TAG_SIZE-byte tag.
 * AuthDecWithKEK: pucIV and pucTag as AuthEncWithKEK gave them; pucData receives uiEncDataLength bytes
 * (*puiDataLength) only when the tag matches; otherwise SDR_MACERR and nothing is written.
 * Both: pucAAD (at most 64 KiB, may be empty) is authenticated, not encrypted; the data is at most 4 MiB - 4 KiB
 * and may be empty; data and AAD together must fit one 4 MiB request, else SDR_NOBUFFER. The result is that of
 * SDF_ImportKeyWithKEK + SDF_AuthEnc / SDF_AuthDec with the same 12-byte IV, so either side may be done either way.
 * A sealed wrap altered or made under another KEK is SDR_KEYERR. The SM4-ECB wrap has no integrity: such a wrap
 * opens to some other key, so encryption succeeds with it and decryption answers SDR_MACERR.
 * SDR_KEYNOTEXIST: no KEK at uiKEKIndex; SDR_KEYTYPEERR: a wrap of a 256-bit key (not an SM4 key);
 * SDR_INARGERR: uiWrappedKeyLength 0 or over SDF_WRAPPED_ECC_KEY_MAX, or not a wrap's length (16, 32, 46, 62), a NULL
 * input (pucAAD and the data may be NULL when empty), a length over its bound, index out of range;
 * SDR_OUTARGERR: a NULL output. No access right is involved (the KEK is the authority). */
#define SDF_KEK_GCM_IV_SIZE 12
#define SDF_KEK_GCM_TAG_SIZE 16
SDF_API LONG SDF_AuthEncWithKEK(HANDLE hSessionHandle, ULONG uiKEKIndex, BYTE *pucWrappedKey,
                                ULONG uiWrappedKeyLength, BYTE *pucAAD, ULONG uiAADLength, BYTE *pucData,
                                ULONG uiDataLength, BYTE *pucIV, BYTE *pucEncData, ULONG *puiEncDataLength,
                                BYTE *pucTag);
SDF_API LONG SDF_AuthDecWithKEK(HANDLE hSessionHandle, ULONG uiKEKIndex, BYTE *pucWrappedKey,
                                ULONG uiWrappedKeyLength, BYTE *pucAAD, ULONG uiAADLength, BYTE *pucIV,
                                BYTE *pucEncData, ULONG uiEncDataLength, BYTE *pucTag, BYTE *pucData,
                                ULONG *puiDataLength);

/* 6.5.7-6.5.15 (2023) Multi-part encryption, decryption and MAC, same algorithms and rules as the one-shot
 * calls (the length rules apply to the total) except XTS, which is one-shot only (SDR_ALGNOTSUPPORT);
 * uiIVLength is 16. An Update may hold back a partial block: allocate its input length plus 16 bytes, and 16
 * bytes for a Final. Every Init ends the session's multi-part operation in progress, even when it fails. */
SDF_API LONG SDF_EncryptInit(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucIV, ULONG uiIVLength);
SDF_API LONG SDF_EncryptUpdate(HANDLE hSessionHandle, BYTE *pucData, ULONG uiDataLength, BYTE *pucEncData,
                               ULONG *puiEncDataLength);
SDF_API LONG SDF_EncryptFinal(HANDLE hSessionHandle, BYTE *pucLastEncData, ULONG *puiLastEncDataLength);
SDF_API LONG SDF_DecryptInit(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucIV, ULONG uiIVLength);
SDF_API LONG SDF_DecryptUpdate(HANDLE hSessionHandle, BYTE *pucEncData, ULONG uiEncDataLength, BYTE *pucData,
                               ULONG *puiDataLength);
SDF_API LONG SDF_DecryptFinal(HANDLE hSessionHandle, BYTE *pucLastData, ULONG *puiLastDataLength);
SDF_API LONG SDF_CalculateMACInit(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucIV,
                                  ULONG uiIVLength);
SDF_API LONG SDF_CalculateMACUpdate(HANDLE hSessionHandle, BYTE *pucData, ULONG uiDataLength);
SDF_API LONG SDF_CalculateMACFinal(HANDLE hSessionHandle, BYTE *pucMac, ULONG *puiMacLength);

/* 6.5.16-6.5.21 (2023) Multi-part authenticated encryption (GCM, CCM). uiDataLength is the total length of
 * the data of all Updates (CCM needs it up front). AuthDecInit takes the tag. Allocate for each Update its
 * input length plus 16 bytes; for AuthEncFinal 16 bytes plus the tag; for AuthDecFinal uiDataLength bytes, as
 * the device may withhold plaintext until Final has checked the tag. On a tag mismatch (SDR_MACERR) discard
 * any plaintext already returned. ccsp withholds all of it: AuthDecUpdate writes nothing, and uiDataLength of
 * AuthDecInit is at most 16 MiB (SDR_NOBUFFER); the Updates must add up to uiDataLength exactly. */
SDF_API LONG SDF_AuthEncInit(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucStartVar,
                             ULONG uiStartVarLength, BYTE *pucAad, ULONG uiAadLength, ULONG uiDataLength);
SDF_API LONG SDF_AuthEncUpdate(HANDLE hSessionHandle, BYTE *pucData, ULONG uiDataLength, BYTE *pucEncData,
                               ULONG *puiEncDataLength);
SDF_API LONG SDF_AuthEncFinal(HANDLE hSessionHandle, BYTE *pucLastEncData, ULONG *puiLastEncDataLength,
                              BYTE *pucAuthData, ULONG *puiAuthDataLength);
SDF_API LONG SDF_AuthDecInit(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID, BYTE *pucStartVar,
                             ULONG uiStartVarLength, BYTE *pucAad, ULONG uiAadLength, BYTE *pucAuthData,
                             ULONG uiAuthDataLength, ULONG uiDataLength);
SDF_API LONG SDF_AuthDecUpdate(HANDLE hSessionHandle, BYTE *pucEncData, ULONG uiEncDataLength, BYTE *pucData,
                               ULONG *puiDataLength);
SDF_API LONG SDF_AuthDecFinal(HANDLE hSessionHandle, BYTE *pucLastData, ULONG *puiLastDataLength);

/* ---- 6.6 Hash (2012) and HMAC (2023) ----------------------------------------------------------------------
 * 6.6.2-6.6.4 (2023) HMAC (GB/T 15852.2) keyed with the session key hKeyHandle; uiAlgID = SGD_SM3 for
 * HMAC-SM3 (32-byte output). */
SDF_API LONG SDF_HMACInit(HANDLE hSessionHandle, HANDLE hKeyHandle, ULONG uiAlgID);
SDF_API LONG SDF_HMACUpdate(HANDLE hSessionHandle, BYTE *pucData, ULONG uiDataLength);
SDF_API LONG SDF_HMACFinal(HANDLE hSessionHandle, BYTE *pucHMac, ULONG *puiHMacLength);
/* 6.6.5-6.6.7 Hash; SGD_SM3 gives 32 bytes. With uiAlgID = SGD_SM3 and uiIDLength != 0 the hash starts
 * with Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) of the public key pucPublicKey (then required)
 * and the user ID pucID (GB/T 32918.2 clause 5.5; the usual ID is "1234567812345678"), so HashFinal gives
 * the digest e that the SM2 signature functions take. With uiIDLength = 0, pucPublicKey and pucID are
 * ignored and the result is the plain hash. */
SDF_API LONG SDF_HashInit(HANDLE hSessionHandle, ULONG uiAlgID, ECCrefPublicKey *pucPublicKey, BYTE *pucID,
                          ULONG uiIDLength);
SDF_API LONG SDF_HashUpdate(HANDLE hSessionHandle, BYTE *pucData, ULONG uiDataLength);
SDF_API LONG SDF_HashFinal(HANDLE hSessionHandle, BYTE *pucHash, ULONG *puiHashLength);

/* ---- 6.7 User files (2012, 2023) --------------------------------------------------------------------------
 * Names are byte strings of 1..128 bytes (uiNameLen, no terminator needed). A file has the size given at
 * creation; writes must fit inside it, and an offset past its end is SDR_FILEOFSERR. SDF_ReadFile:
 * *puiReadLength is the number of bytes wanted on input and the number read on return (fewer at the end of
 * the file). */
SDF_API LONG SDF_CreateFile(HANDLE hSessionHandle, BYTE *pucFileName, ULONG uiNameLen, ULONG uiFileSize);
SDF_API LONG SDF_ReadFile(HANDLE hSessionHandle, BYTE *pucFileName, ULONG uiNameLen, ULONG uiOffset,
                          ULONG *puiReadLength, BYTE *pucBuffer);
SDF_API LONG SDF_WriteFile(HANDLE hSessionHandle, BYTE *pucFileName, ULONG uiNameLen, ULONG uiOffset,
                           ULONG uiWriteLength, BYTE *pucBuffer);
SDF_API LONG SDF_DeleteFile(HANDLE hSessionHandle, BYTE *pucFileName, ULONG uiNameLen);

/* ---- 6.8 Validation and debugging (2023; the first five were production functions in 2012) ----------------
 * These handle plaintext private and secret keys outside the device: for tests and validation only, never in
 * a production service. The 2023 text leaves hSessionHandle out of most of them; like sdf4j (and the 2012
 * edition) every one takes it first. SM2 uiAlgID: SGD_SM2_1 (signing) or SGD_SM2_3 (encryption), uiKeyBits
 * 256. ExternalKey*: uiAlgID an SM4 ID of clause 6.5 other than MAC, GCM and CCM, pucKey the 16-byte key (32
 * for XTS), uiIVLength 16; the multi-part forms continue with SDF_EncryptUpdate/Final, SDF_DecryptUpdate/Final,
 * SDF_HMACUpdate/Final. */
SDF_API LONG SDF_GenerateKeyPair_RSA(HANDLE hSessionHandle, ULONG uiKeyBits, RSArefPublicKey *pucPublicKey,
                                     RSArefPrivateKey *pucPrivateKey);
SDF_API LONG SDF_GenerateKeyPair_ECC(HANDLE hSessionHandle, ULONG uiAlgID, ULONG uiKeyBits,
                                     ECCrefPublicKey *pucPublicKey, ECCrefPrivateKey *pucPrivateKey);
SDF_API LONG SDF_ExternalPrivateKeyOperation_RSA(HANDLE hSessionHandle, RSArefPrivateKey *pucPrivateKey,
                                                 BYTE *pucDataInput, ULONG uiInputLength, BYTE *pucDataOutput,
                                                 ULONG *puiOutputLength);
/* pucDataInput is the 32-byte digest e, as for SDF_InternalSign_ECC. */
SDF_API LONG SDF_ExternalSign_ECC(HANDLE hSessionHandle, ULONG uiAlgID, ECCrefPrivateKey *pucPrivateKey,
                                  BYTE *pucDataInput, ULONG uiInputLength, ECCSignature *pucSignature);
/* pucData receives pucEncData->L bytes. */
SDF_API LONG SDF_ExternalDecrypt_ECC(HANDLE hSessionHandle, ULONG uiAlgID, ECCrefPrivateKey *pucPrivateKey,
                                     ECCCipher *pucEncData, BYTE *pucData, ULONG *puiDataLength);
SDF_API LONG SDF_ExternalKeyEncrypt(HANDLE hSessionHandle, ULONG uiAlgID, BYTE *pucKey, ULONG uiKeyLength,
                                    BYTE *pucIV, ULONG uiIVLength, BYTE *pucData, ULONG uiDataLength,
                                    BYTE *pucEncData, ULONG *puiEncDataLength);
SDF_API LONG SDF_ExternalKeyDecrypt(HANDLE hSessionHandle, ULONG uiAlgID, BYTE *pucKey, ULONG uiKeyLength,
                                    BYTE *pucIV, ULONG uiIVLength, BYTE *pucEncData, ULONG uiEncDataLength,
                                    BYTE *pucData, ULONG *puiDataLength);
SDF_API LONG SDF_ExternalKeyEncryptInit(HANDLE hSessionHandle, ULONG uiAlgID, BYTE *pucKey, ULONG uiKeyLength,
                                        BYTE *pucIV, ULONG uiIVLength);
SDF_API LONG SDF_ExternalKeyDecryptInit(HANDLE hSessionHandle, ULONG uiAlgID, BYTE *pucKey, ULONG uiKeyLength,
                                        BYTE *pucIV, ULONG uiIVLength);
/* HMAC keyed with pucKey (any length); uiAlgID = SGD_SM3. */
SDF_API LONG SDF_ExternalKeyHMACInit(HANDLE hSessionHandle, ULONG uiAlgID, BYTE *pucKey, ULONG uiKeyLength);

#ifdef __cplusplus
}
#endif

#endif
