/* SPDX-License-Identifier: Apache-2.0 */
/* Listen addresses of the daemons: the one parser. */
#ifndef CCSP_COMMON_NETADDR_H
#define CCSP_COMMON_NETADDR_H

#include <sys/socket.h>

#include <ccsp/error.h>

/* "1.2.3.4:443" or "[::1]:443": numeric addresses only (no resolver in a daemon's start path), the port
 * mandatory (0 = any free port). CCSP_ERR_ARG otherwise. */
CCSP_MUST_CHECK ccsp_err ccsp_net_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen);

#define CCSP_NET_HOST_MAX 253u /* longest DNS name */

/* A remote server's address as an operator writes it: "host", "host:port", "[IPv6]", "[IPv6]:port", or a bare
 * IPv6 address (two or more colons: no port). host gets the name or address without brackets (a DNS name of
 * letters, digits, '-', '.' and '_', or an IPv6 address of hex digits, ':', '.' and a "%zone"), at most
 * CCSP_NET_HOST_MAX bytes; port gets the decimal port 1..65535, or default_port when none is given. Nothing is
 * resolved. CCSP_ERR_ARG for anything else (empty, spaces, bad port, NULL). */
CCSP_MUST_CHECK ccsp_err ccsp_net_split_host_port(const char *s, const char *default_port,
                                                  char host[CCSP_NET_HOST_MAX + 1], char port[6]);

#endif
