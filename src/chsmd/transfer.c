/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File transfers with the cloud platform's servers (libcurl, http and https only): downloads of images, backups
 * and packages (bounded), and uploads of images to the image upload address (spec §3.7: a FileServer-style
 * multipart POST with the fields file, requestId and info).
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "chsmd/chsmd.h"

#define TRANSFER_TIMEOUT_S 600L
#define UPLOAD_ANSWER_MAX 65536

typedef struct sink {
	uint8_t *buf;
	size_t len, cap, max;
	int over;
} sink;

static size_t on_data(void *p, size_t size, size_t n, void *arg)
{
	sink *s = arg;
	size_t add = size * n;
	if (add > s->max - s->len) {
		s->over = 1;
		return 0; /* aborts the transfer */
	}
	if (s->len + add > s->cap) {
		size_t cap = s->cap ? s->cap : 65536;
		while (cap < s->len + add)
			cap *= 2;
		uint8_t *b = realloc(s->buf, cap < s->max ? cap : s->max);
		if (b == NULL)
			return 0;
		s->buf = b, s->cap = cap < s->max ? cap : s->max;
	}
	memcpy(s->buf + s->len, p, add);
	s->len += add;
	return add;
}

static void common_opts(CURL *c, const char *url, sink *s)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, TRANSFER_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
}

/* Run c; 0 on a 2xx answer, else -1 with the reason in err. */
static int perform(CURL *c, const sink *s, char *err, size_t cap)
{
	long code = 0;
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (s->over)
		snprintf(err, cap, "larger than %zu bytes", s->max);
	else if (rc != CURLE_OK)
		snprintf(err, cap, "%s", curl_easy_strerror(rc));
	else if (code < 200 || code > 299)
		snprintf(err, cap, "HTTP %ld", code);
	else
		return 0;
	return -1;
}

ccsp_err chsmd_download(const char *url, size_t max, uint8_t **out, size_t *len, char *err, size_t errcap)
{
	sink s = {.max = max};
	CURL *c = curl_easy_init();
	*out = NULL;
	if (c == NULL)
		return CCSP_ERR_NOMEM;
	common_opts(c, url, &s);
	int ok = perform(c, &s, err, errcap) == 0;
	curl_easy_cleanup(c);
	if (!ok) {
		free(s.buf);
		return CCSP_ERR_COMM;
	}
	*out = s.buf != NULL ? s.buf : malloc(1);
	*len = s.len;
	return *out != NULL ? CCSP_OK : CCSP_ERR_NOMEM;
}

/* The location the upload server reports: "url", "imageUrl", "fileUrl", or one of those inside "data"/"result". */
static const char *answer_location(json_t *a)
{
	static const char *const names[] = {"imageUrl", "url", "fileUrl", "location"};
	json_t *scopes[] = {a, json_object_get(a, "data"), json_object_get(a, "result")};
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < 4 && json_is_object(scopes[i]); j++) {
			const char *v = json_string_value(json_object_get(scopes[i], names[j]));
			if (v != NULL && (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0))
				return v;
		}
	return NULL;
}

ccsp_err chsmd_upload(const char *url, const char *filename, const uint8_t *data, size_t len,
                      const char *request_id, const char *info, char *location, size_t loccap, char *err,
                      size_t errcap)
{
	sink s = {.max = UPLOAD_ANSWER_MAX};
	CURL *c = curl_easy_init();
	curl_mime *mime = c != NULL ? curl_mime_init(c) : NULL;
	if (mime == NULL) {
		curl_easy_cleanup(c);
		return CCSP_ERR_NOMEM;
	}
	curl_mimepart *p = curl_mime_addpart(mime);
	curl_mime_name(p, "file");
	curl_mime_filename(p, filename);
	curl_mime_type(p, "application/octet-stream");
	curl_mime_data(p, (const char *)data, len);
	p = curl_mime_addpart(mime);
	curl_mime_name(p, "requestId");
	curl_mime_data(p, request_id, CURL_ZERO_TERMINATED);
	p = curl_mime_addpart(mime);
	curl_mime_name(p, "info");
	curl_mime_type(p, "application/json");
	curl_mime_data(p, info, CURL_ZERO_TERMINATED);
	common_opts(c, url, &s);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	int ok = perform(c, &s, err, errcap) == 0;
	curl_easy_cleanup(c);
	curl_mime_free(mime);
	if (ok) {
		json_t *a = s.buf != NULL ? json_loadb((const char *)s.buf, s.len, 0, NULL) : NULL;
		const char *loc = answer_location(a);
		if (loc != NULL)
			snprintf(location, loccap, "%s", loc);
		else /* the server did not say: where a FileServer keeps it by convention */
			snprintf(location, loccap, "%s%s%s", url, url[strlen(url) - 1] == '/' ? "" : "/", filename);
		json_decref(a);
	}
	free(s.buf);
	return ok ? CCSP_OK : CCSP_ERR_COMM;
}
