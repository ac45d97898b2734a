/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the CHSM/VSM image reader (src/chsm/chsm_image.c). Input: one control byte, then the data.
 * Control bit 0 clear: the data is an image file, opened with a fixed domain key (layout, signature, domain and
 * authentication checks). Set: the data is a decrypted payload, decoded into entries (a real image's payload is
 * only reached after its signature and tag verify, so the entry parser is fed directly). Checked beyond "no
 * crash": an entry list that decodes has valid, unique names, and encodes back (seal + open) to the same entries.
 */
#include <stdlib.h>
#include <string.h>

#include <ccsp/sm2.h>

#include "chsm/chsm_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t domain[16] = "fuzz domain key";

static void check_round_trip(const chsm_image *im)
{
	static ccsp_sm2_key *dev;
	uint8_t *f = NULL;
	size_t len = 0;
	chsm_image *back = NULL;
	if (dev == NULL) {
		static const uint8_t d[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
		dev = ccsp_sm2_key_new();
		if (dev == NULL || ccsp_sm2_key_set_private(dev, d) != CCSP_OK)
			abort();
	}
	if (chsm_image_seal(im, domain, dev, &f, &len) != CCSP_OK || chsm_image_open(f, len, domain, &back, NULL) != CCSP_OK ||
	    chsm_image_count(back) != chsm_image_count(im))
		abort();
	for (size_t i = 0; i < chsm_image_count(im); i++) {
		const uint8_t *a, *b;
		size_t al, bl;
		const char *name = chsm_image_entry(im, i, &a, &al);
		if (!chsm_image_name_valid(name) || strcmp(chsm_image_entry(back, i, &b, &bl), name) != 0 || al != bl ||
		    memcmp(a, b, al) != 0)
			abort();
	}
	chsm_image_free(back);
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	chsm_image *im = NULL;
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		if (chsm_image_decode(data + 1, size - 1, &im) == CCSP_OK)
			check_round_trip(im);
	} else if (chsm_image_open(data + 1, size - 1, domain, &im, NULL) == CCSP_OK) {
		check_round_trip(im);
	}
	chsm_image_free(im);
	return 0;
}
