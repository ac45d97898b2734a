/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the CLI's HTTPS/JSON clients share (ccsp chsm call, ccsp api call): one POST or GET with libcurl (or over
 * TLCP, common/tlcp_http.h, for a tlcp://HOST:PORT URL, trusting --cacert's SM2 CA) whose answer is printed on
 * stdout as it came, extra request headers, and the --set name=value options that build a
 * JSON request object.
 */
#ifndef CCSP_CLI_HTTP_H
#define CCSP_CLI_HTTP_H

#include <curl/curl.h>
#include <jansson.h>

/* Where and how to connect: cacert NULL = the system's CAs; insecure: no certificate check (tests); tlcp_dir (tlcp://
 * URLs only, NULL for none): a directory whose tlcp-sign.pem/.key and tlcp-enc.pem/.key are this client's TLCP double
 * certificate, for servers that require one (the layout `--init` writes). */
typedef struct cli_http_target {
	const char *cacert;
	int insecure;
	const char *tlcp_dir;
} cli_http_target;

/* The checks of --url, --cacert, --insecure and --tlcp-cert that every HTTP subcommand makes; who prefixes the
 * messages. 0, or -1 (printed). */
int cli_http_target_check(const char *who, const char *url, const cli_http_target *t);

/* Append "name: value" to *h. 0, or -1 (printed) when out of memory or the line would be over 4 KiB. */
int cli_http_add_header(struct curl_slist **h, const char *name, const char *value);

/* Send body (NULL: GET) of len bytes to url with headers h; print the answer (at most 16 MiB) on stdout, with
 * a final newline added when it has none. who prefixes the error messages ("chsm", "api"). 0 with *status the
 * HTTP status once an answer came, -1 otherwise (printed). */
int cli_http_send(const cli_http_target *t, const char *who, const char *url, const char *body, size_t len,
                  struct curl_slist *h, long *status);

/* The same, but the answer is not printed: *out receives it (malloc'd, NUL-terminated; the caller wipes it if it
 * holds a secret, and frees it). */
int cli_http_exchange(const cli_http_target *t, const char *who, const char *url, const char *body, size_t len,
                      struct curl_slist *h, long *status, char **out);

/* Take every "--set VALUE" out of argv into sets[0..max) (cli_parse_opts refuses repeated options); *argc is
 * updated. -1 (printed) when one has no value or there are more than max. */
int cli_take_sets(int *argc, char **argv, char **sets, int max, int *nsets, const char *who);

/* Apply one --set to obj: name:=JSON sets any JSON value; name=value sets a string, or an integer when value
 * looks like one and integers is 1 and name is not in string_fields (NULL-terminated, may be NULL). -1 when
 * malformed (printed). */
int cli_json_set(json_t *obj, const char *set, int integers, const char *const *string_fields, const char *who);

#endif
