/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CHSM's device CA (docs/operations.md "VSM transport"): a self-issued CA certificate for the device key,
 * DIR/device-ca.pem, that issues the TLCP double certificates of the VSMs when chsmd.conf says
 * vsm_transport = tlcp. The device key signs and never leaves chsmd; the certificate is public (getVSMInfo
 * tlcpCaCert). Made by chsmd --init (dev mode) or at the first start that lacks it (a production CHSM: its keys are
 * sealed during --init; a CHSM made before the device CA existed), and made again at a start that finds it for
 * another key (a restored CHSM) or with less than CA_RENEW_DAYS to live.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ccsp/sm3.h>

#include "chsmd/chsmd.h"
#include "common/config.h"
#include "common/tlcp_devcert.h"

#define CA_DAYS 3650
#define CA_RENEW_DAYS 900 /* more than a VSM certificate's 825 days: every one it issues expires before it */

/* 1 when cert is a CA certificate of key, valid for CA_RENEW_DAYS more. */
static int ca_fits(const ccsp_x509_cert *cert, const ccsp_sm2_key *key)
{
	uint8_t pub[CCSP_SM2_POINT_SIZE];
	int64_t now = (int64_t)time(NULL);
	return ccsp_sm2_key_get_public(key, pub) == CCSP_OK && memcmp(pub, cert->pub, sizeof pub) == 0 && cert->is_ca &&
	       cert->not_before <= now && cert->not_after > now + (int64_t)CA_RENEW_DAYS * 86400;
}

ccsp_err chsmd_device_ca_ensure(const char *dir, const ccsp_sm2_key *device, uint8_t *der, size_t *len)
{
	char path[PATH_MAX], cn[80];
	uint8_t pub[CCSP_SM2_POINT_SIZE], h[32];
	ccsp_x509_cert cert;
	if (snprintf(path, sizeof path, "%s/" CHSMD_DEVICE_CA_FILE, dir) >= (int)sizeof path)
		return CCSP_ERR_ARG;
	if (ccsp_tlcp_devcert_read(path, der, &cert) == CCSP_OK && ca_fits(&cert, device)) {
		*len = cert.der.len;
		return CCSP_OK;
	}
	/* the subject names the device as getCHSMInfo does (the first bytes of SM3 of its public key) */
	ccsp_err ret = ccsp_sm2_key_get_public(device, pub);
	if (ret == CCSP_OK)
		ret = ccsp_sm3(pub + 1, 64, h);
	snprintf(cn, sizeof cn, "ccsp chsm %02x%02x%02x%02x%02x%02x device CA", h[0], h[1], h[2], h[3], h[4], h[5]);
	if (ret == CCSP_OK)
		ret = ccsp_tlcp_devcert_ca(cn, device, CA_DAYS, der, len);
	if (ret == CCSP_OK)
		ret = ccsp_tlcp_devcert_write_pem(path, der, *len);
	return ret;
}

ccsp_err chsmd_device_ca_open(chsmd *d, const ccsp_config *cfg, char *err, size_t errlen)
{
	const char *t = ccsp_config_get_or(cfg, "vsm_transport", "tls");
	if (strcmp(t, "tls") != 0 && strcmp(t, "tlcp") != 0) {
		snprintf(err, errlen, "vsm_transport must be tls or tlcp, not '%s'", t);
		return CCSP_ERR_ARG;
	}
	char abs[PATH_MAX];
	d->vsm_tlcp = strcmp(t, "tlcp") == 0;
	if (realpath(d->dir, abs) == NULL || snprintf(d->device_ca_path, sizeof d->device_ca_path, "%s/%s", abs,
	                                              CHSMD_DEVICE_CA_FILE) >= (int)sizeof d->device_ca_path) {
		snprintf(err, errlen, "cannot resolve %s", d->dir);
		return CCSP_ERR_IO;
	}
	ccsp_err ret = chsmd_device_ca_ensure(d->dir, chsm_keys_device(d->keys), d->device_ca_der, &d->device_ca_len);
	if (ret == CCSP_OK)
		ret = ccsp_x509_cert_parse(&d->device_ca, d->device_ca_der, d->device_ca_len);
	if (ret != CCSP_OK)
		snprintf(err, errlen, "cannot make the device CA %s: %s", d->device_ca_path, ccsp_err_str(ret));
	return ret;
}

ccsp_err chsmd_vsm_prepare_start(void *arg, const char *vsm_dir)
{
	chsmd *d = arg;
	ccsp_chsm_tlcp_issuer issuer = {.cert = &d->device_ca, .key = chsm_keys_device(d->keys),
	                                .cert_path = d->device_ca_path};
	return ccsp_chsm_vsm_dir_transport(vsm_dir, d->vsm_tlcp ? &issuer : NULL);
}

json_t *chsmd_device_ca_pem(chsmd *d)
{
	uint8_t pem[2 * CCSP_X509_CERT_MAX + 256];
	size_t n = 0;
	if (d->device_ca_len == 0 ||
	    ccsp_x509_pem_encode("CERTIFICATE", d->device_ca_der, d->device_ca_len, pem, sizeof pem, &n) != CCSP_OK)
		return json_null();
	return json_stringn((const char *)pem, n);
}
