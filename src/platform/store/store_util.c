/* SPDX-License-Identifier: Apache-2.0 */
/* The store's small helpers: fresh ids, text checks, list bounds, role names. */
#include <string.h>

#include <ccsp/rand.h>

#include "common/b64.h"
#include "platform/store/store_db.h"
#include "platform/store/store_identity.h"

ccsp_err st_new_id(char id[CCSP_STORE_ID_LEN + 1])
{
	uint8_t b[CCSP_STORE_ID_LEN / 2];
	ccsp_err ret = ccsp_random(b, sizeof b);
	if (ret != CCSP_OK)
		return ret;
	ccsp_hex_encode(b, sizeof b, id);
	return CCSP_OK;
}

/* Length of the UTF-8 sequence at s (well-formed, shortest form, no surrogates), 0 when malformed. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 0 || (n == 2 && c < 0xc2) || (n == 4 && c > 0xf4))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0)))
		return 0;
	if (n == 4 && ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90)))
		return 0;
	return n;
}

static int utf8_ok(const char *s, size_t max, int controls)
{
	size_t len = strnlen(s, max + 1);
	if (len > max)
		return 0;
	for (size_t i = 0; i < len;) {
		const unsigned char *p = (const unsigned char *)s + i;
		if (!controls && (*p < 0x20 || *p == 0x7f))
			return 0;
		size_t n = utf8_len(p);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

int st_text_ok(const char *s, size_t max)
{
	return s != NULL && s[0] != 0 && utf8_ok(s, max, 0);
}

int st_value_ok(const char *s, size_t max)
{
	return s != NULL && utf8_ok(s, max, 1);
}

int st_opt_text_ok(const char *s, size_t max)
{
	return s == NULL || st_text_ok(s, max);
}

size_t st_limit(size_t limit)
{
	return limit >= 1 && limit <= CCSP_STORE_LIST_MAX ? limit : 0;
}

static const char *const role_names[] = {"sysadmin", "secadmin", "auditor", "tenant_admin", "user"};

const char *ccsp_store_role_name(ccsp_store_role r)
{
	return (unsigned)r < sizeof role_names / sizeof role_names[0] ? role_names[r] : NULL;
}

ccsp_err ccsp_store_role_parse(const char *name, ccsp_store_role *r)
{
	for (size_t i = 0; name != NULL && i < sizeof role_names / sizeof role_names[0]; i++) {
		if (strcmp(name, role_names[i]) == 0) {
			*r = (ccsp_store_role)i;
			return CCSP_OK;
		}
	}
	return CCSP_ERR_ARG;
}

int ccsp_store_role_is_operator(ccsp_store_role r)
{
	return r == CCSP_ROLE_SYSADMIN || r == CCSP_ROLE_SECADMIN || r == CCSP_ROLE_AUDITOR;
}

const char *st_status_name(int status)
{
	return status == CCSP_STORE_ACTIVE ? "active" : status == CCSP_STORE_DISABLED ? "disabled" : NULL;
}

int st_status_parse(const char *s)
{
	if (s != NULL && strcmp(s, "active") == 0)
		return CCSP_STORE_ACTIVE;
	if (s != NULL && strcmp(s, "disabled") == 0)
		return CCSP_STORE_DISABLED;
	return -1;
}

const char *st_scope(const char *tenant)
{
	if (tenant == NULL)
		return "";
	return st_text_ok(tenant, CCSP_STORE_ID_LEN) ? tenant : NULL;
}
