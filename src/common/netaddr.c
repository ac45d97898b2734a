/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/netaddr.h"

ccsp_err ccsp_net_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon = strrchr(s, ':'), *hs = s, *he;
	if (colon == NULL)
		return CCSP_ERR_ARG;
	int v6 = s[0] == '[';
	if (v6) {
		hs = s + 1;
		he = colon - 1;
		if (he < hs || *he != ']')
			return CCSP_ERR_ARG;
	} else {
		he = colon;
		if (memchr(s, ':', (size_t)(colon - s)) != NULL)
			return CCSP_ERR_ARG; /* an IPv6 address needs brackets */
	}
	size_t hl = (size_t)(he - hs), pl = strlen(colon + 1);
	if (hl == 0 || hl >= sizeof host || pl == 0 || pl > 5 || strspn(colon + 1, "0123456789") != pl)
		return CCSP_ERR_ARG;
	unsigned long port = strtoul(colon + 1, NULL, 10);
	if (port > 65535)
		return CCSP_ERR_ARG;
	memcpy(host, hs, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof *ss);
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*sslen = sizeof *a;
		return inet_pton(AF_INET6, host, &a->sin6_addr) == 1 ? CCSP_OK : CCSP_ERR_ARG;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	*sslen = sizeof *a;
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? CCSP_OK : CCSP_ERR_ARG;
}
