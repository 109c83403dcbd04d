/*
 * bv_ctx.c — the verification context that bundle_bagit.c, bundle_json.c,
 * bundle_items.c and bundle_verify.c share: recording a problem, a failed
 * read, loading a file of the bundle, and finding a carried entry.  It calls
 * only the report (bv_report.c) and the reader (bundle_reader.c), never the
 * files that use it.
 */
#include "bundle_verify_int.h"

#include <stdarg.h>
#include <stdio.h>

void bv_problem(struct bv_ctx *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bv_report_vadd(x->r, fmt, ap);
	va_end(ap);
}

void bv_read_failed(struct bv_ctx *x, enum am_status s)
{
	if (s == AM_EVERIFY) {
		bv_problem(x, "%s", x->e->msg);
	} else if (x->io == AM_OK) {
		x->io = s;
		snprintf(x->io_msg, sizeof(x->io_msg), "%s", x->e->msg);
	}
	am_err_init(x->e);
}

unsigned char *bv_load(struct bv_ctx *x, const char *name, size_t max, size_t *len, int required)
{
	struct bv_file *f = bv_reader_find(x->rd, name);
	unsigned char *buf = NULL;
	enum am_status s;

	*len = 0;
	if (f == NULL) {
		if (required)
			bv_problem(x, "%s: is missing", name);
		return NULL;
	}
	s = bv_reader_load(x->rd, f, max, &buf, len, x->e);
	if (s != AM_OK) {
		bv_read_failed(x, s);
		return NULL;
	}
	return buf;
}

struct bv_entry *bv_entry_find(struct bv_ctx *x, uint64_t seq)
{
	size_t lo = 0, hi = x->nents;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->ents[mid].seq == seq)
			return &x->ents[mid];
		if (x->ents[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
