/* SPDX-License-Identifier: Apache-2.0 */
/* The answer of one call: on its request, or recorded for crypto/batch (ccspd.h "call_answer.c"). */
#include "ccspd/ccspd.h"

void ccspd_call_ok(ccspd_call *c, json_t *result)
{
	if (c->capture == NULL) {
		ccspd_ok(c->req, result);
		return;
	}
	json_t *o = result != NULL ? result : json_object();
	json_object_set_new(o, "status", json_integer(200));
	json_object_update(c->capture, o);
	json_decref(o);
}

void ccspd_call_fail(ccspd_call *c, ccsp_apierr e, const char *message)
{
	if (c->capture == NULL) {
		ccspd_fail(c->d, c->req, e, message);
		return;
	}
	ccsp_metrics_error(c->d->metrics, e);
	json_object_set_new(c->capture, "status", json_integer(ccsp_apierr_status(e)));
	json_object_set_new(c->capture, "code", json_string(ccsp_apierr_code(e)));
	json_object_set_new(c->capture, "message", json_string(message != NULL ? message : ccsp_apierr_message(e)));
}
