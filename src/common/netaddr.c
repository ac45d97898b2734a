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

/* 1 when s[0..n) is a port 1..65535 in decimal (no sign, no leading '+', at most 5 digits). */
static int valid_port(const char *s, size_t n)
{
	if (n == 0 || n > 5 || strspn(s, "0123456789") < n)
		return 0;
	unsigned long v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	return v >= 1 && v <= 65535;
}

static int valid_host(const char *s, size_t n, int v6)
{
	static const char name_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._";
	static const char v6_chars[] = "0123456789abcdefABCDEF:.%";
	if (n == 0 || n > CCSP_NET_HOST_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (v6 && s[i] == '%') /* a zone id ("fe80::1%eth0"): an interface name */
			return i > 0 && i + 1 < n && strspn(s + i + 1, name_chars) >= n - i - 1;
		if (s[i] == '\0' || strchr(v6 ? v6_chars : name_chars, s[i]) == NULL)
			return 0;
	}
	return 1;
}

ccsp_err ccsp_net_split_host_port(const char *s, const char *default_port, char host[CCSP_NET_HOST_MAX + 1],
                                  char port[6])
{
	if (s == NULL || default_port == NULL || host == NULL || port == NULL)
		return CCSP_ERR_ARG;
	size_t len = strnlen(s, CCSP_NET_HOST_MAX + 16), hl, pl;
	const char *hs = s, *ps, *colon = memchr(s, ':', len);
	int v6 = 0;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (close == NULL)
			return CCSP_ERR_ARG;
		v6 = 1;
		hs = s + 1;
		hl = (size_t)(close - hs);
		ps = close[1] == ':' ? close + 2 : NULL;
		if (ps == NULL && close[1] != '\0')
			return CCSP_ERR_ARG;
	} else if (colon != NULL && memchr(colon + 1, ':', len - (size_t)(colon + 1 - s)) != NULL) {
		v6 = 1; /* a bare IPv6 address: no port can follow it unambiguously */
		hl = len;
		ps = NULL;
	} else {
		hl = colon != NULL ? (size_t)(colon - s) : len;
		ps = colon != NULL ? colon + 1 : NULL;
	}
	if (ps == NULL)
		ps = default_port;
	pl = strnlen(ps, 6);
	if (len > CCSP_NET_HOST_MAX + 8 || !valid_host(hs, hl, v6) || !valid_port(ps, pl) || ps[pl] != '\0')
		return CCSP_ERR_ARG;
	memcpy(host, hs, hl);
	host[hl] = '\0';
	memcpy(port, ps, pl + 1);
	return CCSP_OK;
}
