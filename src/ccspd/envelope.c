/* SPDX-License-Identifier: Apache-2.0 */
/* ccspd's answers: the one error body (src/platform/apierr.h), authorization in one place, metrics per answer. */
#include "ccspd/ccspd.h"

void ccspd_ok(ccsp_http_request *req, json_t *result)
{
	json_t *body = result != NULL ? result : json_object();
	json_object_set_new(body, "requestId", json_string(ccsp_http_req_id(req)));
	ccsp_http_respond_json(req, 200, body);
	json_decref(body);
}

void ccspd_fail(ccspd *d, ccsp_http_request *req, ccsp_apierr e, const char *message)
{
	json_t *body = ccsp_apierr_body(e, message, ccsp_http_req_id(req));
	ccsp_metrics_error(d->metrics, e);
	ccsp_http_respond_json(req, ccsp_apierr_status(e), body);
	json_decref(body);
}

/* The layer's own refusals (404, 405, 413, 415, malformed JSON, 503 while draining) and the authorization's. */
json_t *ccspd_render_error(void *arg, const ccsp_http_request *req, int status, const char *message)
{
	ccspd *d = arg;
	ccsp_apierr e = ccsp_apierr_from_status(status);
	ccsp_metrics_error(d->metrics, e);
	(void)message; /* the layer's wording is for logs; the client gets the table's message for the code */
	return ccsp_apierr_body(e, NULL, ccsp_http_req_id(req));
}

/* The HTTP layer's hook runs on the event loop, where nothing may wait: the public GETs need nothing, and an
 * action is authenticated and checked by the gateway on the task queue (gateway.c), before it runs. */
int ccspd_authorize(void *arg, ccsp_http_request *req, int role, const char **message)
{
	(void)arg, (void)req, (void)role, (void)message;
	return 0;
}

void ccspd_answered(void *arg, const ccsp_http_request *req, int status, int route_known)
{
	ccspd *d = arg;
	ccsp_metrics_request(d->metrics, route_known ? ccsp_http_req_path(req) : NULL, status,
	                     ccsp_http_req_elapsed_ms(req) * 1000u);
	ccspd_meter_answered(d, req, status); /* the gateway's tag (a tenant's caller): counted and metered */
}
