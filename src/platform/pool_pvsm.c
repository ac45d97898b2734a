/* SPDX-License-Identifier: Apache-2.0 */
/* The resource pool's backend on VSMs through libsdf (pool.h): a member's handle is a ccsp_pvsm. */
#include "platform/pool.h"
#include "platform/pvsm.h"

_Static_assert(CCSP_STORE_POOL_PROBE_MAX == CCSP_PVSM_WRAPPED_MAX, "a probe is a wrapped key");

static ccsp_err pv_open(void *ctx, const char *address, void **handle)
{
	const unsigned *sessions = ctx;
	ccsp_pvsm *p = NULL;
	ccsp_err ret = ccsp_pvsm_open(address, *sessions, &p);
	*handle = p;
	return ret == CCSP_OK ? CCSP_OK : CCSP_ERR_COMM;
}

static void pv_close(void *ctx, void *handle)
{
	(void)ctx;
	ccsp_pvsm_close(handle);
}

static int pv_ready(void *ctx, void *handle)
{
	(void)ctx;
	return ccsp_pvsm_ready(handle);
}

static ccsp_err pv_check(void *ctx, void *handle, uint32_t kek_index, const uint8_t *probe, size_t probe_len,
                         uint8_t check[CCSP_STORE_POOL_CHECK_SIZE])
{
	static const uint8_t zero[16];
	uint8_t mac[32];
	size_t maclen = 0;
	(void)ctx;
	if (!ccsp_pvsm_ready(handle))
		return CCSP_ERR_COMM;
	/* pvsm says CCSP_ERR_COMM for a refused wrap too: the VSM answered (ready), so it is a key error */
	if (ccsp_pvsm_key_mac(handle, kek_index, probe, probe_len, CCSP_PVSM_MAC_SM4_CBC, zero, sizeof zero, mac,
	                      &maclen) != CCSP_OK ||
	    maclen != CCSP_STORE_POOL_CHECK_SIZE)
		return CCSP_ERR_KEY;
	for (size_t i = 0; i < CCSP_STORE_POOL_CHECK_SIZE; i++)
		check[i] = mac[i];
	return CCSP_OK;
}

static ccsp_err pv_probe(void *ctx, void *handle, uint32_t kek_index, uint8_t *probe, size_t *probe_len)
{
	(void)ctx;
	if (!ccsp_pvsm_ready(handle))
		return CCSP_ERR_COMM;
	return ccsp_pvsm_key_generate(handle, kek_index, probe, probe_len) == CCSP_OK ? CCSP_OK : CCSP_ERR_KEY;
}

void ccsp_pool_pvsm_backend(ccsp_pool_backend *be, unsigned *sessions)
{
	*be = (ccsp_pool_backend){.ctx = sessions,
	                          .open = pv_open,
	                          .close = pv_close,
	                          .ready = pv_ready,
	                          .check = pv_check,
	                          .probe = pv_probe};
}
