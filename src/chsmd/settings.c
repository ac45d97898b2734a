/* SPDX-License-Identifier: Apache-2.0 */
/* The CHSM's configurable addresses (network, NTP, image upload, log upload): DIR/settings.json, replaced
 * atomically on every change. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chsmd/chsmd.h"
#include "common/atomic_file.h"

#define SETTINGS_FILE "settings.json"
#define SETTINGS_MAX (64u << 10)

ccsp_err chsmd_settings_load(chsmd *d)
{
	char path[PATH_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;
	snprintf(path, sizeof path, "%s/" SETTINGS_FILE, d->dir);
	ccsp_err ret = ccsp_file_read_all(path, SETTINGS_MAX, &buf, &len);
	if (ret == CCSP_ERR_FILE_NOT_FOUND) {
		d->settings = json_object();
		return d->settings != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
	}
	if (ret != CCSP_OK)
		return ret;
	d->settings = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	if (!json_is_object(d->settings)) {
		json_decref(d->settings);
		d->settings = NULL;
		return CCSP_ERR_DECODE;
	}
	return CCSP_OK;
}

ccsp_err chsmd_settings_update(chsmd *d, json_t *fields)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/" SETTINGS_FILE, d->dir);
	pthread_mutex_lock(&d->lock);
	json_t *next = json_deep_copy(d->settings);
	ccsp_err ret = next != NULL && json_object_update(next, fields) == 0 ? CCSP_OK : CCSP_ERR_NOMEM;
	char *text = ret == CCSP_OK ? json_dumps(next, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	if (ret == CCSP_OK)
		ret = text != NULL ? ccsp_atomic_write(path, text, strlen(text), 0600) : CCSP_ERR_NOMEM;
	if (ret == CCSP_OK) {
		json_decref(d->settings);
		d->settings = next;
		next = NULL;
	}
	pthread_mutex_unlock(&d->lock);
	free(text);
	json_decref(next);
	json_decref(fields);
	return ret;
}

json_t *chsmd_settings_get(chsmd *d)
{
	pthread_mutex_lock(&d->lock);
	json_t *copy = json_deep_copy(d->settings);
	pthread_mutex_unlock(&d->lock);
	return copy;
}
