/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to ccsp tlcp (cli_tlcp*.c): one TLCP connection over a blocking TCP socket, every wait bounded by poll(). */
#ifndef CCSP_CLI_TLCP_H
#define CCSP_CLI_TLCP_H

#include <stddef.h>
#include <stdint.h>

#include "tlcp_conn.h"

/* A connection and its socket. Bytes received but not yet taken by the connection wait in in[in_off..in_len). */
typedef struct cli_tlcp_link {
	int fd;
	ccsp_tlcp_conn *conn;
	int timeout_ms; /* bound of every wait: connect, accept, a handshake step, a send, silence while relaying */
	uint8_t in[16384];
	size_t in_off, in_len;
} cli_tlcp_link;

/* Listen on "HOST:PORT" ("[v6]:PORT" too; port 0: any free one) and print "listening on HOST:PORT" (the real port)
 * on stderr. The socket, or -1 (error printed). */
int cli_tlcp_listen(const char *spec);
/* One connection from lfd within timeout_ms; -1 on timeout or error (printed). */
int cli_tlcp_accept(int lfd, int timeout_ms);
/* A connected socket to "HOST:PORT" within timeout_ms (each address tried in turn); -1 on error (printed). */
int cli_tlcp_connect(const char *spec, int timeout_ms);

/* Run the handshake to its end: 0, or -1 with the failure printed (the alert named) and the alert sent. */
int cli_tlcp_handshake(cli_tlcp_link *l);
/* Relay stdin to the connection and the connection to stdout. EOF on stdin (*stdin_eof, kept across connections)
 * sends close_notify and the peer's data is still read until its close_notify; the peer's close_notify is answered
 * with ours. 0 after both close_notify, -1 on a failure (printed). */
int cli_tlcp_relay(cli_tlcp_link *l, int *stdin_eof);
/* Shut the sending side, read and drop what the peer still sends until it closes (at most a few seconds), close:
 * the peer then reads our last alert instead of a reset. */
void cli_tlcp_linger_close(cli_tlcp_link *l);

#endif
