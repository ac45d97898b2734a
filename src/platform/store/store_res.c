/* SPDX-License-Identifier: Apache-2.0 */
/* Query results of the store's SQL layer: rows copied out of either engine into one plain form. */
#include <stdlib.h>
#include <string.h>

#include "platform/store/store_db.h"

void st_res_free(st_res *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->rows * r->cols; i++)
		free(r->cells[i].p);
	free(r->cells);
	free(r);
}

ccsp_err st_res_new(size_t cols, st_res **out)
{
	st_res *r = calloc(1, sizeof *r);
	if (r == NULL)
		return CCSP_ERR_NOMEM;
	r->cols = cols;
	*out = r;
	return CCSP_OK;
}

static ccsp_err res_grow(st_res *r)
{
	size_t cap = r->cap ? r->cap * 2 : 8;
	if (r->cols == 0 || cap > SIZE_MAX / sizeof(st_cell) / r->cols)
		return CCSP_ERR_NOMEM;
	st_cell *c = realloc(r->cells, cap * r->cols * sizeof(st_cell));
	if (c == NULL)
		return CCSP_ERR_NOMEM;
	r->cells = c;
	r->cap = cap;
	return CCSP_OK;
}

ccsp_err st_res_add(st_res *r, const st_cell *row)
{
	if (r->rows == r->cap && res_grow(r) != CCSP_OK)
		return CCSP_ERR_NOMEM;
	st_cell *dst = &r->cells[r->rows * r->cols];
	for (size_t i = 0; i < r->cols; i++) {
		dst[i] = row[i];
		dst[i].p = NULL;
		if (row[i].t != ST_TEXT && row[i].t != ST_BLOB)
			continue;
		dst[i].p = malloc(row[i].n + 1);
		if (dst[i].p == NULL) {
			for (size_t j = 0; j < i; j++)
				free(dst[j].p);
			return CCSP_ERR_NOMEM;
		}
		if (row[i].n > 0)
			memcpy(dst[i].p, row[i].p, row[i].n);
		dst[i].p[row[i].n] = 0;
	}
	r->rows++;
	return CCSP_OK;
}

const st_cell *st_res_cell(const st_res *r, size_t row, size_t col)
{
	static const st_cell null_cell = {ST_NULL, 0, NULL, 0};
	if (r == NULL || row >= r->rows || col >= r->cols)
		return &null_cell;
	return &r->cells[row * r->cols + col];
}

int64_t st_res_int(const st_res *r, size_t row, size_t col)
{
	const st_cell *c = st_res_cell(r, row, col);
	return c->t == ST_INT ? c->i : 0;
}

const char *st_res_text(const st_res *r, size_t row, size_t col)
{
	const st_cell *c = st_res_cell(r, row, col);
	return c->t == ST_TEXT || c->t == ST_BLOB ? (const char *)c->p : NULL;
}

ccsp_err st_res_copy_text(const st_res *r, size_t row, size_t col, char *dst, size_t cap)
{
	const st_cell *c = st_res_cell(r, row, col);
	if (c->t != ST_TEXT && c->t != ST_BLOB) {
		dst[0] = 0;
		return CCSP_OK;
	}
	if (c->n >= cap || memchr(c->p, 0, c->n) != NULL)
		return CCSP_ERR_TAMPERED; /* the store wrote nothing like it */
	memcpy(dst, c->p, c->n + 1);
	return CCSP_OK;
}

ccsp_err st_res_copy_blob(const st_res *r, size_t row, size_t col, uint8_t *dst, size_t cap, size_t *len)
{
	const st_cell *c = st_res_cell(r, row, col);
	*len = 0;
	if (c->t != ST_TEXT && c->t != ST_BLOB)
		return CCSP_OK;
	if (c->n > cap)
		return CCSP_ERR_TAMPERED;
	if (c->n > 0)
		memcpy(dst, c->p, c->n);
	*len = c->n;
	return CCSP_OK;
}
