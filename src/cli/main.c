/* SPDX-License-Identifier: Apache-2.0 */
/* ccsp: command-line front end of libccsp. Only dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: ccsp <command> [options]\n"
	"\n"
	"  sm3 [FILE...]                    SM3 digest of each FILE (default or \"-\": stdin),\n"
	"                                   printed as \"<hex>  <FILE>\" like sha256sum\n"
	"  hmac -k KEYHEX [FILE...]         HMAC-SM3 of each FILE, same output format\n"
	"  sm4 enc|dec -mode MODE -k KEYHEX [-iv HEX] [-aad HEX] [-nopad] [-in FILE] [-out FILE]\n"
	"                                   SM4 encryption or decryption of a file of any size, streamed\n"
	"                                   (-in/-out default to stdin/stdout)\n"
	"      MODE ecb, cbc: PKCS#7 padding unless -nopad (then a multiple of 16 bytes); ecb has no IV\n"
	"           cfb (CFB-128), ofb, ctr (128-bit big-endian counter): -iv 16 bytes, any length\n"
	"           gcm: -iv 1..128 bytes (12 recommended), optional -aad; output = ciphertext || 16-byte\n"
	"                tag, and decryption takes the same; a wrong tag fails and writes nothing (to\n"
	"                stdout, a device or a FIFO the plaintext waits in an unlinked file in $TMPDIR\n"
	"                until the tag is checked)\n"
	"           xts: -k 32 bytes (64 hex digits: data key || tweak key), -iv = 16-byte tweak,\n"
	"                data at least 16 bytes, all of it one data unit (GB/T 17964: one tweak,\n"
	"                ciphertext stealing at the end)\n"
	"      KEYHEX 16 bytes (32 hex digits) except for xts. Byte-compatible with\n"
	"      'openssl enc -sm4-MODE -K KEYHEX -iv IVHEX' for ecb, cbc, cfb, ofb and ctr.\n"
	"  sm2 keygen|pub|sign|verify|encrypt|decrypt|exchange ...\n"
	"                                   SM2 keys, signatures, encryption, key exchange; files as\n"
	"                                   openssl pkey/pkeyutl use them ('ccsp sm2 help')\n"
	"  cert ca|req|issue|print|verify ...\n"
	"                                   SM2-with-SM3 X.509 certificates: a CA, requests, signing and\n"
	"                                   encryption certificates, chain verification ('ccsp cert help')\n"
	"  tlcp client HOST:PORT | server --listen ADDR:PORT  [options]\n"
	"                                   TLCP (GB/T 38636) client and server like openssl s_client and\n"
	"                                   s_server: SM2 double certificates, the suite and the peer's\n"
	"                                   certificates on stderr, then stdin/stdout relayed ('ccsp tlcp help')\n"
	"  vsm keygen|keydel|keys|passwd|audit-verify --dir DIR ...\n"
	"                                   a VSM's keys and audit log, for its crypto officer: through\n"
	"                                   vsmd's admin socket, or directly when no vsmd serves DIR\n"
	"                                   ('ccsp vsm help')\n"
	"  chsm keygen|configure|call|callbacks|package|sign|domain|unseal ...\n"
	"                                   the cloud platform's side of chsmd (GM/T 0088): platform key,\n"
	"                                   signed calls of every interface, a callback receiver; the\n"
	"                                   custodians' shares: trust domain, unsealing ('ccsp chsm help')\n"
	"  audit verify FILE --pubkey PEM   check an audit export of the service platform offline with its\n"
	"                                   public key: names the first record altered, removed, reordered or\n"
	"                                   not covered by a signed checkpoint ('ccsp audit help')\n"
	"  admin login|logout|password|call a person's session with ccspd (operators: SM2 second factor;\n"
	"                                   'ccsp admin help')\n"
	"  api call|sign ...                an application's signed calls of ccspd's platform API (HMAC-SM3 or\n"
	"                                   SM2 request signatures, session tokens; 'ccsp api help')\n"
	"  rand N [-out FILE]               N random bytes (1..2^30) from the SM3 DRBG: hex on stdout,\n"
	"                                   or raw bytes into FILE\n"
	"  selftest                         run every self-test, print each result\n"
	"  version                          print the version\n"
	"  help                             print this text\n"
	"\n"
	"An output file is written only when the whole operation succeeded (temporary file, fsync,\n"
	"rename). Standard output is written as the data comes: a failure found at the end (bad\n"
	"padding) leaves what was written, as with openssl enc; GCM decryption writes nothing before\n"
	"the tag is checked. sm3, hmac and sm4 stream inputs of any size; other inputs (sm2 messages)\n"
	"are limited to 1 GiB; key files to 16 KiB, signatures to 72 bytes, password lines to 1024\n"
	"bytes. Exit status: 0 success, 1 failure (I/O, authentication, padding, self-test, a file\n"
	"that is not what it should be), 2 bad command line (an option the subcommand does not take,\n"
	"an empty -pass or XTS key halves that are equal included).\n";

typedef struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
} cli_command;

static const cli_command commands[] = {
	{"sm3", cli_cmd_sm3},
	{"hmac", cli_cmd_hmac},
	{"sm4", cli_cmd_sm4},
	{"sm2", cli_cmd_sm2},
	{"cert", cli_cmd_cert},
	{"tlcp", cli_cmd_tlcp},
	{"vsm", cli_cmd_vsm},
	{"chsm", cli_cmd_chsm},
	{"api", cli_cmd_api},
	{"admin", cli_cmd_admin},
	{"audit", cli_cmd_audit},
	{"rand", cli_cmd_rand},
	{"selftest", cli_cmd_selftest},
	{"version", cli_cmd_version},
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return CLI_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(name, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	cli_error("unknown command '%s' (try 'ccsp help')", name);
	return CLI_EXIT_USAGE;
}
