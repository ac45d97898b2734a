/* SPDX-License-Identifier: Apache-2.0 */
/* Listen addresses of the daemons: the one parser. */
#ifndef CCSP_COMMON_NETADDR_H
#define CCSP_COMMON_NETADDR_H

#include <sys/socket.h>

#include <ccsp/error.h>

/* "1.2.3.4:443" or "[::1]:443": numeric addresses only (no resolver in a daemon's start path), the port
 * mandatory (0 = any free port). CCSP_ERR_ARG otherwise. */
CCSP_MUST_CHECK ccsp_err ccsp_net_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen);

#endif
