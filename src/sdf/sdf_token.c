/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sealed VSM token (sdf_token.h): PBKDF2-HMAC-SM3 stretches the pass into an SM4-CTR key and an
 * HMAC-SM3 key; encrypt-then-MAC, the tag covering magic, salt, IV and ciphertext. The tag is checked (in
 * constant time) before anything is decrypted.
 */
#include "sdf/sdf_token.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "common/atomic_file.h"

#define TOKEN_MAGIC "CCSPTOK1"
#define MAGIC_LEN 8
#define SALT_LEN 16
#define IV_LEN 16
#define TAG_LEN 32
#define ENC_KEY_LEN 16
#define MAC_KEY_LEN 32
#define PBKDF2_ITERATIONS 10000
#define HEAD_LEN (MAGIC_LEN + SALT_LEN + IV_LEN)
#define FILE_MIN (HEAD_LEN + CCSP_SDF_TOKEN_MIN + TAG_LEN)
#define FILE_MAX (HEAD_LEN + CCSP_SDF_TOKEN_MAX + TAG_LEN)

#define PIN_ENV "CCSP_SDF_PIN"
#define MACHINE_ID_PATH "/etc/machine-id"
#define MACHINE_ID_MAX 256

typedef struct token_keys {
	uint8_t enc[ENC_KEY_LEN];
	uint8_t mac[MAC_KEY_LEN];
} token_keys;

/*
 * The pass: $CCSP_SDF_PIN when set and not empty (an empty PIN would be weaker than the machine id it
 * replaces), else the machine id without its trailing newline. *owned is the buffer to wipe and free (NULL
 * when the pass points into the environment).
 */
static ccsp_err token_pass(const uint8_t **pass, size_t *len, uint8_t **owned, size_t *owned_len)
{
	const char *pin = getenv(PIN_ENV);
	*owned = NULL;
	*owned_len = 0;
	if (pin != NULL && pin[0] != '\0') {
		*pass = (const uint8_t *)pin;
		*len = strlen(pin);
		return CCSP_OK;
	}
	uint8_t *id = NULL;
	size_t n = 0;
	/* any failure here is an I/O problem of the host, not a missing token file */
	if (ccsp_file_read_all(MACHINE_ID_PATH, MACHINE_ID_MAX, &id, &n) != CCSP_OK)
		return CCSP_ERR_IO;
	*owned = id;
	*owned_len = n;
	while (n > 0 && (id[n - 1] == '\n' || id[n - 1] == '\r' || id[n - 1] == ' '))
		n--;
	if (n == 0)
		return CCSP_ERR_IO;
	*pass = id;
	*len = n;
	return CCSP_OK;
}

static ccsp_err token_keys_derive(const uint8_t salt[SALT_LEN], token_keys *k)
{
	const uint8_t *pass = NULL;
	uint8_t *owned = NULL, okm[ENC_KEY_LEN + MAC_KEY_LEN];
	size_t pass_len = 0, owned_len = 0;
	ccsp_err err = token_pass(&pass, &pass_len, &owned, &owned_len);
	if (err != CCSP_OK)
		goto out;
	if (pass_len > INT_MAX) {
		err = CCSP_ERR_ARG;
		goto out;
	}
	if (PKCS5_PBKDF2_HMAC((const char *)pass, (int)pass_len, salt, SALT_LEN, PBKDF2_ITERATIONS, EVP_sm3(),
	                      (int)sizeof okm, okm) != 1) {
		err = CCSP_ERR_INTERNAL;
		goto out;
	}
	memcpy(k->enc, okm, ENC_KEY_LEN);
	memcpy(k->mac, okm + ENC_KEY_LEN, MAC_KEY_LEN);
out:
	OPENSSL_cleanse(okm, sizeof okm);
	if (owned != NULL) {
		OPENSSL_cleanse(owned, owned_len);
		free(owned);
	}
	return err;
}

static ccsp_err token_mac(const uint8_t key[MAC_KEY_LEN], const uint8_t *data, size_t len, uint8_t tag[TAG_LEN])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SM3", 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	size_t out = 0;
	ccsp_err err = CCSP_OK;
	if (ctx == NULL || EVP_MAC_init(ctx, key, MAC_KEY_LEN, params) != 1 || EVP_MAC_update(ctx, data, len) != 1 ||
	    EVP_MAC_final(ctx, tag, &out, TAG_LEN) != 1 || out != TAG_LEN)
		err = CCSP_ERR_INTERNAL;
	EVP_MAC_CTX_free(ctx); /* wipes the keyed HMAC state */
	EVP_MAC_free(mac);
	return err;
}

/* CTR mode: the same call encrypts and decrypts. len <= CCSP_SDF_TOKEN_MAX. */
static ccsp_err token_ctr(const uint8_t key[ENC_KEY_LEN], const uint8_t iv[IV_LEN], const uint8_t *in, size_t len,
                          uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0;
	ccsp_err err = CCSP_OK;
	if (ctx == NULL || EVP_EncryptInit_ex(ctx, EVP_sm4_ctr(), NULL, key, iv) != 1 ||
	    EVP_EncryptUpdate(ctx, out, &n1, in, (int)len) != 1 || EVP_EncryptFinal_ex(ctx, out + n1, &n2) != 1 ||
	    (size_t)n1 + (size_t)n2 != len)
		err = CCSP_ERR_INTERNAL;
	EVP_CIPHER_CTX_free(ctx); /* wipes the key schedule */
	return err;
}

ccsp_err ccsp_sdf_token_seal(const char *path, const uint8_t *token, size_t len)
{
	uint8_t file[FILE_MAX];
	token_keys k;
	ccsp_err err = CCSP_OK;
	memset(&k, 0, sizeof k);
	if (path == NULL || token == NULL || len < CCSP_SDF_TOKEN_MIN || len > CCSP_SDF_TOKEN_MAX) {
		err = CCSP_ERR_ARG;
		goto out;
	}
	memcpy(file, TOKEN_MAGIC, MAGIC_LEN);
	if (RAND_bytes(file + MAGIC_LEN, SALT_LEN + IV_LEN) != 1) {
		err = CCSP_ERR_RNG;
		goto out;
	}
	if ((err = token_keys_derive(file + MAGIC_LEN, &k)) != CCSP_OK)
		goto out;
	if ((err = token_ctr(k.enc, file + MAGIC_LEN + SALT_LEN, token, len, file + HEAD_LEN)) != CCSP_OK)
		goto out;
	if ((err = token_mac(k.mac, file, HEAD_LEN + len, file + HEAD_LEN + len)) != CCSP_OK)
		goto out;
	err = ccsp_atomic_write(path, file, HEAD_LEN + len + TAG_LEN, 0600);
out:
	OPENSSL_cleanse(&k, sizeof k);
	OPENSSL_cleanse(file, sizeof file);
	return err;
}

ccsp_err ccsp_sdf_token_unseal(const char *path, uint8_t token[CCSP_SDF_TOKEN_MAX], size_t *len)
{
	uint8_t *file = NULL, tag[TAG_LEN];
	size_t n = 0, tlen;
	token_keys k;
	ccsp_err err;
	memset(&k, 0, sizeof k);
	if (path == NULL || token == NULL || len == NULL) {
		err = CCSP_ERR_ARG;
		goto out;
	}
	*len = 0;
	err = ccsp_file_read_all(path, FILE_MAX, &file, &n);
	if (err == CCSP_ERR_LIMIT) /* longer than any sealed token */
		err = CCSP_ERR_DECODE;
	if (err != CCSP_OK)
		goto out;
	if (n < FILE_MIN || memcmp(file, TOKEN_MAGIC, MAGIC_LEN) != 0) {
		err = CCSP_ERR_DECODE;
		goto out;
	}
	tlen = n - HEAD_LEN - TAG_LEN;
	if ((err = token_keys_derive(file + MAGIC_LEN, &k)) != CCSP_OK)
		goto out;
	if ((err = token_mac(k.mac, file, n - TAG_LEN, tag)) != CCSP_OK)
		goto out;
	if (CRYPTO_memcmp(tag, file + n - TAG_LEN, TAG_LEN) != 0) {
		err = CCSP_ERR_AUTH;
		goto out;
	}
	if ((err = token_ctr(k.enc, file + MAGIC_LEN + SALT_LEN, file + HEAD_LEN, tlen, token)) != CCSP_OK)
		goto out;
	*len = tlen;
out:
	if (err != CCSP_OK && token != NULL)
		OPENSSL_cleanse(token, CCSP_SDF_TOKEN_MAX);
	OPENSSL_cleanse(&k, sizeof k);
	OPENSSL_cleanse(tag, sizeof tag);
	if (file != NULL) {
		OPENSSL_cleanse(file, n);
		free(file);
	}
	return err;
}
