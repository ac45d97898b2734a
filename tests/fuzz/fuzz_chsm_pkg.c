/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the upgrade package parser (src/chsm/chsm_pkg.c). The input is the package file. Checked beyond "no crash":
 * an accepted package has a valid version, 1..CHSM_PKG_ENTRIES_MAX entries with allowed, distinct names and
 * modes within 0777, whose data lie inside the input and, laid end to end after their headers, cover it exactly;
 * and the writer rebuilds exactly the input from what was parsed.
 */
#include <stdlib.h>
#include <string.h>

#include "chsm/chsm_pkg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_accepted(const uint8_t *data, size_t size, const chsm_pkg *p)
{
	size_t covered = CHSM_PKG_MAGIC_LEN + 2 + strlen(p->version);
	if (!chsm_pkg_version_valid(p->version) || p->count == 0 || p->count > CHSM_PKG_ENTRIES_MAX)
		abort();
	for (size_t i = 0; i < p->count; i++) {
		const chsm_pkg_entry *e = &p->entries[i];
		if (!chsm_pkg_name_allowed(e->name) || e->mode > 0777 || chsm_pkg_find(p, e->name) != e ||
		    e->data < data || e->len > size || e->data + e->len > data + size)
			abort();
		covered += 1 + strlen(e->name) + 4 + 8 + e->len;
	}
	if (covered != size)
		abort();
	uint8_t *out = NULL;
	size_t outlen = 0;
	if (chsm_pkg_build(p->version, p->entries, p->count, &out, &outlen) != CCSP_OK || outlen != size ||
	    memcmp(out, data, size) != 0)
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	chsm_pkg p;
	ccsp_err ret = chsm_pkg_parse(data, size, &p);
	if (ret == CCSP_OK)
		check_accepted(data, size, &p);
	else if (ret != CCSP_ERR_DECODE && ret != CCSP_ERR_UNSUPPORTED && ret != CCSP_ERR_LIMIT && ret != CCSP_ERR_ARG)
		abort();
	else if (p.count != 0)
		abort(); /* zeroed on failure */
	return 0;
}
