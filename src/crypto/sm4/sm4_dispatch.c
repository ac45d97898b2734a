/* SPDX-License-Identifier: Apache-2.0 */
/* Run-time choice of the SM4 block and GHASH implementations from CPUID. */
#include "ghash.h"
#include "sm4_impl.h"

/* Fastest last: each entry is offered only when the CPU supports it. */
static const ccsp_sm4_impl *sm4_impls[] = {
	&ccsp_sm4_impl_portable,
	NULL,
};

static const ccsp_ghash_impl *ghash_impls[] = {
	&ccsp_ghash_impl_portable,
	NULL,
};

const ccsp_sm4_impl *const *ccsp_sm4_impl_list(void)
{
	return sm4_impls;
}

const ccsp_sm4_impl *ccsp_sm4_impl_best(void)
{
	size_t n = 0;
	while (sm4_impls[n + 1] != NULL)
		n++;
	return sm4_impls[n];
}

const ccsp_ghash_impl *const *ccsp_ghash_impl_list(void)
{
	return ghash_impls;
}

const ccsp_ghash_impl *ccsp_ghash_impl_best(void)
{
	size_t n = 0;
	while (ghash_impls[n + 1] != NULL)
		n++;
	return ghash_impls[n];
}
