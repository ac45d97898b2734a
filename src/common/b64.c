/* SPDX-License-Identifier: Apache-2.0 */
#include "common/b64.h"

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t ccsp_b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0, i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = B64[(v >> 6) & 63];
		out[o++] = B64[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = B64[v >> 18];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = B64[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* The 6-bit value of c in either alphabet, -1 for anything else. */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

ccsp_err ccsp_b64_decode(const char *in, size_t len, uint8_t *out, size_t outcap, size_t *outlen)
{
	uint32_t acc = 0;
	size_t chars = 0, pad = 0, o = 0;
	if ((in == NULL && len != 0) || (out == NULL && outcap != 0) || outlen == NULL)
		return CCSP_ERR_ARG;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (is_space(c))
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		int v = b64_value(c);
		if (v < 0 || pad != 0) /* no data after padding */
			return CCSP_ERR_DECODE;
		acc = acc << 6 | (uint32_t)v;
		if (++chars % 4 == 0) {
			if (outcap - o < 3)
				return CCSP_ERR_BUFFER_TOO_SMALL;
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			acc = 0;
		}
	}
	size_t rem = chars % 4;
	/* padding, when present, completes the last group exactly */
	if (rem == 1 || pad > 2 || (pad != 0 && rem + pad != 4))
		return CCSP_ERR_DECODE;
	if (rem == 2) {
		if ((acc & 0xf) != 0)
			return CCSP_ERR_DECODE;
		if (outcap - o < 1)
			return CCSP_ERR_BUFFER_TOO_SMALL;
		out[o++] = (uint8_t)(acc >> 4);
	} else if (rem == 3) {
		if ((acc & 0x3) != 0)
			return CCSP_ERR_DECODE;
		if (outcap - o < 2)
			return CCSP_ERR_BUFFER_TOO_SMALL;
		out[o++] = (uint8_t)(acc >> 10);
		out[o++] = (uint8_t)(acc >> 2);
	}
	*outlen = o;
	return CCSP_OK;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void ccsp_hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int ccsp_is_hex(const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (hex_value((unsigned char)in[i]) < 0)
			return 0;
	return 1;
}

ccsp_err ccsp_hex_decode(const char *in, size_t len, uint8_t *out, size_t outcap)
{
	if ((in == NULL && len != 0) || (out == NULL && outcap != 0))
		return CCSP_ERR_ARG;
	if (len % 2 != 0 || len / 2 > outcap || !ccsp_is_hex(in, len))
		return CCSP_ERR_DECODE;
	for (size_t i = 0; i < len; i += 2)
		out[i / 2] = (uint8_t)(hex_value((unsigned char)in[i]) << 4 | hex_value((unsigned char)in[i + 1]));
	return CCSP_OK;
}
