/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ccsp audit verify FILE --pubkey PEM: the auditor's offline check of an audit export of the service platform
 * (JSON lines from the auditor's API), with the platform's public key only. Streams the file: constant memory
 * whatever its size. The checks and their meaning are in src/platform/audit.h and docs/security-policy.md.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "platform/audit.h"

static const char usage[] =
	"usage: ccsp audit verify FILE --pubkey PEM\n"
	"\n"
	"  verify FILE --pubkey PEM   check an audit export of the service platform (JSON lines, \"-\" = stdin)\n"
	"                             offline with the platform's SM2 public key PEM: every record chained to the\n"
	"                             previous one, every checkpoint signed, the export closed by the checkpoint\n"
	"                             signed when it was made. Prints \"N records, M checkpoints verified\", or\n"
	"                             names the first line that was altered, removed, reordered, not covered by a\n"
	"                             checkpoint or carries a bad checkpoint signature.\n"
	"\n"
	"Exit status: 0 the export verifies, 1 it does not (or cannot be read), 2 bad command line.\n";

static void when_str(uint64_t ms, char *out, size_t cap)
{
	time_t tt = (time_t)(ms / 1000);
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, cap, "%llu ms", (unsigned long long)ms);
}

/* What the first fault means, for the auditor. */
static void explain(const char *file, const ccsp_audit_report *r)
{
	unsigned long long line = r->line, seq = r->seq, from = r->seq_from, other = r->other_line;
	char range[64];
	switch (r->fault) {
	case CCSP_AUDIT_FAULT_MALFORMED:
		if (line == 1)
			cli_error("%s: line 1: no valid export header: not an audit export, or altered", file);
		else
			cli_error("%s: line %llu: not a valid record or checkpoint: malformed, altered or cut", file, line);
		break;
	case CCSP_AUDIT_FAULT_WRONG_KEY:
		cli_error("%s: line 1: the export names another platform key than the one given", file);
		break;
	case CCSP_AUDIT_FAULT_ALTERED:
		cli_error("%s: line %llu: record seq %llu was altered: its content does not give its chain value", file,
		          line, seq);
		break;
	case CCSP_AUDIT_FAULT_REMOVED:
		if (from == seq)
			snprintf(range, sizeof range, "record seq %llu is", from);
		else
			snprintf(range, sizeof range, "records seq %llu..%llu are", from, seq);
		cli_error("%s: line %llu: %s missing before this %s: removed", file, line, range,
		          r->is_checkpoint ? "checkpoint" : "record");
		break;
	case CCSP_AUDIT_FAULT_REORDERED:
		if (r->is_checkpoint)
			cli_error("%s: line %llu: the checkpoint of seq %llu comes after record seq %llu: reordered", file,
			          line, seq, from);
		else if (other != 0)
			cli_error("%s: line %llu: record seq %llu is out of order (seq %llu comes later, line %llu): "
			          "reordered", file, line, seq, from, other);
		else
			cli_error("%s: line %llu: record seq %llu is out of order (seq %llu expected there): reordered or "
			          "duplicated", file, line, seq, from);
		break;
	case CCSP_AUDIT_FAULT_BAD_SIGNATURE:
		cli_error("%s: line %llu: the checkpoint of seq %llu has a bad checkpoint signature: forged or altered",
		          file, line, seq);
		break;
	case CCSP_AUDIT_FAULT_CHAIN_MISMATCH:
		cli_error("%s: line %llu: the signed checkpoint of seq %llu does not match records seq %llu..%llu: they "
		          "were altered or replaced", file, line, seq, from, seq);
		break;
	case CCSP_AUDIT_FAULT_UNCOVERED:
		if (seq >= from) {
			if (from == seq)
				snprintf(range, sizeof range, "record seq %llu is", from);
			else
				snprintf(range, sizeof range, "records seq %llu..%llu are", from, seq);
			cli_error("%s: line %llu: %s not covered by a checkpoint: the export was cut or records were "
			          "added", file, line, range);
		}
		else
			cli_error("%s: line %llu: the export ends without its export checkpoint: cut short", file, line);
		break;
	default:
		cli_error("%s: line %llu: %s", file, line, ccsp_audit_fault_str(r->fault));
	}
	if (r->records != 0 || r->checkpoints != 0)
		cli_error("%s: %llu records, %llu checkpoints verified before it", file, (unsigned long long)r->records,
		          (unsigned long long)r->checkpoints);
}

static int cmd_verify(int argc, char **argv)
{
	char *pubfile = NULL, *file = NULL;
	const cli_opt opts[] = {{"--pubkey", &pubfile, NULL}};
	int npos = 0;
	if (cli_parse_opts(argc, argv, opts, 1, &file, 1, &npos) != 0 || npos != 1 || pubfile == NULL) {
		if (npos != 1 || pubfile == NULL)
			cli_error("audit verify: FILE and --pubkey PEM are required (try 'ccsp audit help')");
		return CLI_EXIT_USAGE;
	}
	ccsp_sm2_key *pub = cli_chsm_key_load(pubfile, 0);
	if (pub == NULL)
		return CLI_EXIT_FAIL;
	int rc = CLI_EXIT_FAIL;
	FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	if (in == NULL) {
		cli_error("cannot open %s: %s", file, strerror(errno));
		goto out;
	}
	ccsp_audit_report rep;
	ccsp_err ret = ccsp_audit_export_verify_stream(in, pub, &rep);
	if (ret == CCSP_OK) {
		char when[64];
		when_str(rep.cp_time_ms, when, sizeof when);
		printf("%s: %llu records, %llu checkpoints verified (seq %llu..%llu, exported %s)\n", file,
		       (unsigned long long)rep.records, (unsigned long long)rep.checkpoints,
		       (unsigned long long)rep.first_seq, (unsigned long long)rep.last_seq, when);
		rc = 0;
	} else if (ret == CCSP_ERR_TAMPERED) {
		explain(file, &rep);
	} else {
		cli_error_ccsp(ret, "cannot verify %s", file);
	}
out:
	if (in != NULL && in != stdin)
		fclose(in);
	ccsp_sm2_key_free(pub);
	return rc;
}

int cli_cmd_audit(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	cli_error("audit: unknown command '%s' (try 'ccsp audit help')", argv[1]);
	return CLI_EXIT_USAGE;
}
