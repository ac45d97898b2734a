/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "common/tls_keys.h"

/* Never prompt on a terminal for a key passphrase: an encrypted key is refused. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return 0;
}

static ccsp_err check_readable(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return errno == ENOENT ? CCSP_ERR_FILE_NOT_FOUND : CCSP_ERR_IO;
	(void)fclose(f);
	return CCSP_OK;
}

ccsp_err ccsp_tls_load_cert_key(SSL_CTX *ctx, const char *cert_file, const char *key_file)
{
	ccsp_err err = check_readable(cert_file);
	if (err == CCSP_OK)
		err = check_readable(key_file);
	if (err != CCSP_OK)
		return err;
	BIO *bio = NULL;
	EVP_PKEY *pkey = NULL;
	SSL_CTX_set_default_passwd_cb(ctx, no_password);
	err = CCSP_ERR_DECODE;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1)
		goto out;
	/* read the key ourselves: SSL_CTX_use_PrivateKey_file reports a key that does not match the
	 * certificate like one it cannot parse */
	bio = BIO_new_file(key_file, "r");
	pkey = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL) : NULL;
	if (pkey == NULL)
		goto out;
	err = SSL_CTX_use_PrivateKey(ctx, pkey) == 1 && SSL_CTX_check_private_key(ctx) == 1 ? CCSP_OK : CCSP_ERR_KEY;
out:
	EVP_PKEY_free(pkey); /* the context holds its own reference */
	BIO_free(bio);
	ERR_clear_error();
	return err;
}
