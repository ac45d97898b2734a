/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File transfers with the cloud platform's servers (libcurl, http and https only): downloads of images, backups
 * and packages — into a file, never held in memory as a whole, bounded in size, abandoned when stalled — and
 * uploads of images to the image upload address (spec §3.7: a FileServer-style multipart POST with the fields
 * file, requestId and info).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "chsmd/chsmd.h"

#define TRANSFER_TIMEOUT_S 1800L
#define UPLOAD_ANSWER_MAX 65536

#define CONNECT_TIMEOUT_S 30L
#define LOW_SPEED_BYTES 1024L /* a transfer slower than this ... */
#define LOW_SPEED_S 60L       /* ... for this long is abandoned */

/* The answer of an upload, in memory (bounded). */
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
		size_t cap = s->max;
		uint8_t *b = realloc(s->buf, cap);
		if (b == NULL)
			return 0;
		s->buf = b, s->cap = cap;
	}
	memcpy(s->buf + s->len, p, add);
	s->len += add;
	return add;
}

/* A download, into a file. */
typedef struct file_sink {
	int fd;
	size_t len, max;
	int over, failed;
} file_sink;

static size_t on_file_data(void *p, size_t size, size_t n, void *arg)
{
	file_sink *s = arg;
	size_t add = size * n, done = 0;
	if (add > s->max - s->len) {
		s->over = 1;
		return 0;
	}
	while (done < add) {
		ssize_t w = write(s->fd, (const uint8_t *)p + done, add - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			s->failed = 1;
			return 0;
		}
		done += (size_t)w;
	}
	s->len += add;
	return add;
}

static void common_opts(CURL *c, const char *url, size_t (*fn)(void *, size_t, size_t, void *), void *arg)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, TRANSFER_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED_BYTES);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_S);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, fn);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, arg);
}

/* Run c: CCSP_OK on a 2xx answer, else CCSP_ERR_COMM with the reason in err (and libcurl's code in *rc). */
static ccsp_err perform(CURL *c, char *err, size_t cap, CURLcode *rcp)
{
	long code = 0;
	CURLcode rc = *rcp = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK)
		snprintf(err, cap, "%s", curl_easy_strerror(rc));
	else if (code < 200 || code > 299)
		snprintf(err, cap, "HTTP %ld", code);
	else
		return CCSP_OK;
	return CCSP_ERR_COMM;
}

static ccsp_err download(const char *url, int fd, size_t max, char *err, size_t cap)
{
	file_sink s = {.fd = fd, .max = max};
	CURL *c = curl_easy_init();
	if (c == NULL)
		return CCSP_ERR_NOMEM;
	common_opts(c, url, on_file_data, &s);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	CURLcode rc;
	ccsp_err ret = perform(c, err, cap, &rc);
	curl_easy_cleanup(c);
	if (s.over || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(err, cap, "larger than %zu bytes", max);
		return CCSP_ERR_LIMIT;
	}
	if (s.failed) {
		snprintf(err, cap, "cannot write the file");
		return CCSP_ERR_IO;
	}
	return ret == CCSP_OK && fsync(fd) != 0 ? CCSP_ERR_IO : ret;
}

ccsp_err chsmd_fetch(const char *dir, const char *url, size_t max, chsmd_fetched *f, char *err, size_t cap)
{
	struct stat st;
	memset(f, 0, sizeof *f);
	err[0] = '\0';
	if (snprintf(f->path, sizeof f->path, "%s/.download-XXXXXX", dir) >= (int)sizeof f->path)
		return CCSP_ERR_ARG;
	int fd = mkostemp(f->path, O_CLOEXEC);
	if (fd < 0) {
		f->path[0] = '\0';
		snprintf(err, cap, "cannot create a file in %s", dir);
		return CCSP_ERR_IO;
	}
	ccsp_err ret = download(url, fd, max, err, cap);
	if (ret == CCSP_OK && (fstat(fd, &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size > max))
		ret = CCSP_ERR_IO;
	if (ret == CCSP_OK && (f->len = (size_t)st.st_size) > 0) {
		void *m = mmap(NULL, f->len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			ret = CCSP_ERR_IO;
		else
			f->map = m;
	}
	(void)close(fd);
	return ret;
}

void chsmd_fetch_sweep(const char *dir)
{
	char path[PATH_MAX];
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	for (struct dirent *de; (de = readdir(d)) != NULL;)
		if (strncmp(de->d_name, ".download-", 10) == 0 &&
		    snprintf(path, sizeof path, "%s/%s", dir, de->d_name) < (int)sizeof path)
			(void)unlink(path);
	(void)closedir(d);
}

void chsmd_fetched_close(chsmd_fetched *f)
{
	if (f->map != NULL)
		(void)munmap(f->map, f->len);
	if (f->path[0] != '\0')
		(void)unlink(f->path);
	memset(f, 0, sizeof *f);
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
	common_opts(c, url, on_data, &s);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	CURLcode rc;
	int ok = perform(c, err, errcap, &rc) == CCSP_OK;
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
