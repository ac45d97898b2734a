/* SPDX-License-Identifier: Apache-2.0 */
/*
 * upgradeVSM (GM/T 0088 7.3.11) in the supervisor: switch one VSM to another vsmd binary, restart it on that
 * binary, and switch back if it does not become ready. Staging and checking the binary is chsmd's
 * (src/chsmd/upgrade.c); the locking and ownership rules are in chsm_vsm_internal.h.
 */
#include <stdio.h>
#include <string.h>

#include "chsm/chsm_vsm_internal.h"

/* Record m as e's chsm-vsm.conf, then in the table (what should run stays as the table has it). */
static ccsp_err record(ccsp_chsm_sup *sup, chsm_entry *e, chsm_meta m)
{
	pthread_mutex_lock(&sup->lock);
	m.run = e->meta.run;
	pthread_mutex_unlock(&sup->lock);
	ccsp_err ret = chsm_meta_write(e->dir, &m);
	if (ret == CCSP_OK) {
		pthread_mutex_lock(&sup->lock);
		e->meta = m;
		pthread_mutex_unlock(&sup->lock);
	}
	return ret;
}

/* The new vsmd did not come up: the old record, and the old vsmd started again (should that fail too, the
 * supervisor keeps retrying). */
static ccsp_err switch_back(ccsp_chsm_sup *sup, chsm_entry *e, const chsm_meta *old, int run)
{
	chsm_halt(sup, e);
	ccsp_err ret = record(sup, e, *old);
	if (ret == CCSP_OK && run)
		(void)chsm_start_and_wait(sup, e);
	pthread_mutex_lock(&sup->lock);
	chsm_event(sup, e, "vsm.upgrade", "new vsmd not ready: back to %s", old->vsmd[0] ? old->vsmd : "the CHSM's vsmd");
	pthread_mutex_unlock(&sup->lock);
	return ret == CCSP_OK ? CCSP_ERR_MODULE_STATE : ret;
}

ccsp_err ccsp_chsm_vsm_upgrade(ccsp_chsm_sup *sup, const char *id, const char *vsmd, const char *version)
{
	chsm_entry *e;
	chsm_meta m;
	if (sup == NULL || vsmd == NULL || version == NULL || vsmd[0] == '\0' || version[0] == '\0' ||
	    strlen(vsmd) >= sizeof m.vsmd || strlen(version) >= sizeof m.version || strpbrk(vsmd, "\r\n") != NULL ||
	    strpbrk(version, "\r\n") != NULL)
		return CCSP_ERR_ARG;
	ccsp_err ret = chsm_op_begin(sup, id, CCSP_CHSM_VSM_UPGRADING, &e);
	if (ret != CCSP_OK)
		return ret;
	pthread_mutex_lock(&sup->lock);
	chsm_meta old = e->meta;
	int run = e->meta.run;
	pthread_mutex_unlock(&sup->lock);
	m = old;
	snprintf(m.vsmd, sizeof m.vsmd, "%s", vsmd);
	snprintf(m.version, sizeof m.version, "%s", version);
	if (strcmp(old.vsmd, m.vsmd) != 0 || strcmp(old.version, m.version) != 0) {
		chsm_halt(sup, e); /* the service pauses here (spec 7.3.11) */
		ret = record(sup, e, m);
		if (ret == CCSP_OK && run && chsm_start_and_wait(sup, e) != CCSP_OK)
			ret = switch_back(sup, e, &old, run);
		else if (ret != CCSP_OK && run)
			(void)chsm_start_and_wait(sup, e); /* nothing was switched: the old vsmd again */
		pthread_mutex_lock(&sup->lock);
		if (ret == CCSP_OK)
			chsm_event(sup, e, "vsm.upgrade", "vsmd %s (%s)", m.version, m.vsmd);
		pthread_mutex_unlock(&sup->lock);
	}
	chsm_op_end(sup, e);
	return ret;
}
