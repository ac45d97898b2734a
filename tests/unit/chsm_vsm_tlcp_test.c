/* SPDX-License-Identifier: Apache-2.0 */
/* The VSMs' channel (src/chsm/chsm_vsm_tlcp.c) and the CA-issued TLCP pairs under it (src/common/tlcp_devcert.c):
 * a pair issued into a VSM directory and kept while it serves; issued again for another CA, another address, a
 * missing key; vsmd.conf and the client template switched between tls and tlcp; argument errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccsp/sm2.h>
#include <ccsp/x509.h>

#include "chsm/chsm_vsm.h"
#include "common/atomic_file.h"
#include "common/config.h"
#include "common/tlcp_devcert.h"
#include "test_util.h"

static char dir[64];

typedef struct test_ca {
	ccsp_sm2_key *key;
	uint8_t der[CCSP_X509_CERT_MAX];
	ccsp_x509_cert cert;
	char path[128];
} test_ca;

static void write_file(const char *name, const char *text)
{
	char p[128];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	assert_ok(ccsp_atomic_write(p, text, strlen(text), 0600));
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/chsm_vsm_tlcp_test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	write_file("vsmd.conf", "listen = 127.0.0.1:7501\ncert_file = tls-cert.pem\nworkers = 1\n");
	write_file("sdf.conf", "address = 127.0.0.1:7501\nca_file = /x/tls-cert.pem\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_rm_tree(dir);
	return 0;
}

static void ca_make(test_ca *ca, const char *name)
{
	size_t len = 0;
	assert_non_null(ca->key = ccsp_sm2_key_new());
	assert_ok(ccsp_sm2_key_generate(ca->key));
	assert_ok(ccsp_tlcp_devcert_ca(name, ca->key, 30, ca->der, &len));
	assert_ok(ccsp_x509_cert_parse(&ca->cert, ca->der, len));
	snprintf(ca->path, sizeof ca->path, "%s/%s.pem", dir, name);
	assert_ok(ccsp_tlcp_devcert_write_pem(ca->path, ca->der, len));
}

static void conf_value(const char *name, const char *key, char *out, size_t cap)
{
	char p[128], err[128];
	ccsp_config *cfg = NULL;
	snprintf(p, sizeof p, "%s/%s", dir, name);
	assert_ok(ccsp_config_load(p, &cfg, err, sizeof err));
	const char *v = ccsp_config_get(cfg, key);
	snprintf(out, cap, "%s", v != NULL ? v : "");
	ccsp_config_free(cfg);
}

/* The DER of dir/name's first certificate into der, its length returned. */
static size_t cert_der(const char *name, uint8_t *der)
{
	char p[128];
	ccsp_x509_cert c;
	snprintf(p, sizeof p, "%s/%s", dir, name);
	assert_ok(ccsp_tlcp_devcert_read(p, der, &c));
	return c.der.len;
}

static void test_issue_and_current(void **state)
{
	(void)state;
	test_ca a, b;
	ca_make(&a, "ca-a");
	ca_make(&b, "ca-b");
	assert_int_equal(ccsp_tlcp_devcert_current(dir, "127.0.0.1:7501", &a.cert), 0); /* nothing there */
	assert_ok(ccsp_tlcp_devcert_issue(dir, "vsm x", "127.0.0.1:7501", &a.cert, a.key, 30));
	assert_int_equal(ccsp_tlcp_devcert_current(dir, "127.0.0.1:7501", &a.cert), 1);
	assert_int_equal(ccsp_tlcp_devcert_current(dir, "127.0.0.1:0", &a.cert), 1);    /* the port is no name */
	assert_int_equal(ccsp_tlcp_devcert_current(dir, "10.0.0.7:7501", &a.cert), 0);  /* another address */
	assert_int_equal(ccsp_tlcp_devcert_current(dir, "127.0.0.1:7501", &b.cert), 0); /* another CA */
	assert_int_equal(ccsp_tlcp_devcert_current(dir, "no-port", &a.cert), 0);
	char p[128];
	struct stat st;
	snprintf(p, sizeof p, "%s/tlcp-enc.key", dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(ccsp_tlcp_devcert_current(dir, "127.0.0.1:7501", &a.cert), 0); /* a key missing */
	ccsp_sm2_key_free(a.key);
	ccsp_sm2_key_free(b.key);
}

static void test_expiring_is_not_current(void **state)
{
	(void)state;
	test_ca a;
	ca_make(&a, "ca-a");
	assert_ok(ccsp_tlcp_devcert_issue(dir, "vsm x", "127.0.0.1:7501", &a.cert, a.key, 0)); /* ends within the hour */
	assert_int_equal(ccsp_tlcp_devcert_current(dir, "127.0.0.1:7501", &a.cert), 0);
	ccsp_sm2_key_free(a.key);
}

static void test_dir_transport(void **state)
{
	(void)state;
	test_ca a, b;
	char v[256];
	uint8_t der1[CCSP_X509_CERT_MAX], der2[CCSP_X509_CERT_MAX];
	ca_make(&a, "ca-a");
	ca_make(&b, "ca-b");
	ccsp_chsm_tlcp_issuer ia = {.cert = &a.cert, .key = a.key, .cert_path = a.path};
	ccsp_chsm_tlcp_issuer ib = {.cert = &b.cert, .key = b.key, .cert_path = b.path};
	assert_string_equal(ccsp_chsm_vsm_dir_transport_name(dir), "tls");
	assert_ok(ccsp_chsm_vsm_dir_transport(dir, &ia));
	assert_string_equal(ccsp_chsm_vsm_dir_transport_name(dir), "tlcp");
	conf_value("vsmd.conf", "tlcp_sign_cert", v, sizeof v);
	assert_string_equal(v, "tlcp-sign.pem");
	conf_value("vsmd.conf", "tlcp_enc_key", v, sizeof v);
	assert_string_equal(v, "tlcp-enc.key");
	conf_value("vsmd.conf", "workers", v, sizeof v); /* the rest kept */
	assert_string_equal(v, "1");
	conf_value("sdf.conf", "transport", v, sizeof v);
	assert_string_equal(v, "tlcp");
	conf_value("sdf.conf", "ca_file", v, sizeof v);
	assert_string_equal(v, a.path);
	assert_int_equal(ccsp_tlcp_devcert_current(dir, "127.0.0.1:7501", &a.cert), 1);
	size_t n1 = cert_der("tlcp-sign.pem", der1);
	assert_ok(ccsp_chsm_vsm_dir_transport(dir, &ia)); /* serving: kept */
	assert_int_equal(cert_der("tlcp-sign.pem", der2), n1);
	assert_memory_equal(der1, der2, n1);
	assert_ok(ccsp_chsm_vsm_dir_transport(dir, NULL)); /* back to TLS */
	assert_string_equal(ccsp_chsm_vsm_dir_transport_name(dir), "tls");
	conf_value("sdf.conf", "transport", v, sizeof v);
	assert_string_equal(v, "tls");
	conf_value("sdf.conf", "ca_file", v, sizeof v);
	assert_non_null(strstr(v, "/tls-cert.pem"));
	assert_ok(ccsp_chsm_vsm_dir_transport(dir, &ib)); /* another CA: issued again */
	assert_int_equal(ccsp_tlcp_devcert_current(dir, "127.0.0.1:7501", &b.cert), 1);
	assert_int_equal(ccsp_tlcp_devcert_current(dir, "127.0.0.1:7501", &a.cert), 0);
	write_file("vsmd.conf", "listen = 127.0.0.2:7501\ntransport = tlcp\n"); /* configVSMNet moved it */
	assert_ok(ccsp_chsm_vsm_dir_transport(dir, &ib));
	assert_int_equal(ccsp_tlcp_devcert_current(dir, "127.0.0.2:7501", &b.cert), 1);
	ccsp_sm2_key_free(a.key);
	ccsp_sm2_key_free(b.key);
}

static void test_dir_transport_errors(void **state)
{
	(void)state;
	test_ca a;
	ca_make(&a, "ca-a");
	ccsp_chsm_tlcp_issuer bad = {.cert = &a.cert, .key = NULL, .cert_path = a.path};
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_vsm_dir_transport(NULL, NULL));
	assert_ccsp(CCSP_ERR_ARG, ccsp_chsm_vsm_dir_transport(dir, &bad));
	write_file("vsmd.conf", "workers = 1\n");
	assert_ccsp(CCSP_ERR_FILE_NOT_FOUND, ccsp_chsm_vsm_dir_transport(dir, NULL)); /* no listen */
	char p[128];
	snprintf(p, sizeof p, "%s/vsmd.conf", dir);
	assert_int_equal(unlink(p), 0);
	assert_int_not_equal(ccsp_chsm_vsm_dir_transport(dir, NULL), CCSP_OK);
	ccsp_sm2_key_free(a.key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_issue_and_current, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiring_is_not_current, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_transport, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_transport_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
