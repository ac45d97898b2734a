/* SPDX-License-Identifier: Apache-2.0 */
/* ccsp selftest / ccsp version. */
#include <stdio.h>

#include <ccsp/selftest.h>
#include <ccsp/sm2.h>
#include <ccsp/sm3.h>
#include <ccsp/sm4.h>

#include "cli.h"

typedef struct selftest_tally {
	unsigned passed, failed;
} selftest_tally;

static void print_result(const char *name, ccsp_err result, void *arg)
{
	selftest_tally *t = arg;
	if (result == CCSP_OK) {
		t->passed++;
		printf("  %-32s ok\n", name);
	} else {
		t->failed++;
		printf("  %-32s FAILED: %s (%s)\n", name, ccsp_err_str(result), ccsp_err_name(result));
	}
	fflush(stdout);
}

int cli_cmd_selftest(int argc, char **argv)
{
	selftest_tally t = {0, 0};
	int npos;
	if (cli_parse_opts(argc, argv, NULL, 0, argv + 1, 0, &npos) != 0)
		return CLI_EXIT_USAGE;
	printf("ccsp %s self-tests:\n", ccsp_version());
	ccsp_err err = ccsp_selftest(print_result, &t);
	ccsp_module_state state = ccsp_module_get_state();
	printf("%u passed, %u failed; module state: %s\n", t.passed, t.failed, ccsp_module_state_name(state));
	if (err != CCSP_OK) {
		cli_error_ccsp(err, "self-test failed");
		return CLI_EXIT_FAIL;
	}
	return 0;
}

int cli_cmd_version(int argc, char **argv)
{
	int npos;
	if (cli_parse_opts(argc, argv, NULL, 0, argv + 1, 0, &npos) != 0)
		return CLI_EXIT_USAGE;
	printf("ccsp %s\n", ccsp_version());
	printf("sm3: %s (the faster of those this CPU supports, timed at start)\n", ccsp_sm3_impl_name());
	printf("sm3 multi-buffer: %s (the fastest of those this CPU supports, timed at start)\n", ccsp_sm3_mb_impl_name());
	printf("sm4: %s (the fastest of those this CPU supports, timed at start)\n", ccsp_sm4_impl_name());
	printf("sm4 serial modes (CBC/CFB encryption, OFB, CBC-MAC): %s\n", ccsp_sm4_serial_impl_name());
	printf("sm2: %s (the fastest of those this CPU supports, timed at start)\n", ccsp_sm2_impl_name());
	return 0;
}
