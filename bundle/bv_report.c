/*
 * bv_report.c — the verification report and its list of problems, below
 * every file of the verifier: bundle_reader.c records what it leaves out
 * here, and bv_ctx.c records every other problem through it.
 */
#include "bundle_verify_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bv_report_vadd(struct am_bundle_report *r, const char *fmt, va_list ap)
{
	char msg[640], **g;

	if (r->nproblems >= BV_MAX_PROBLEMS) {
		r->more_problems++;
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?'; /* names come from the bundle: no terminal escapes */
	g = realloc(r->problems, (r->nproblems + 1) * sizeof(*g));
	if (g == NULL || (g[r->nproblems] = strdup(msg)) == NULL) {
		if (g != NULL)
			r->problems = g;
		r->more_problems++;
		return;
	}
	r->problems = g;
	r->nproblems++;
}

void bv_report_add(struct am_bundle_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bv_report_vadd(r, fmt, ap);
	va_end(ap);
}

void am_bundle_report_release(struct am_bundle_report *r)
{
	for (size_t i = 0; i < r->nproblems; i++)
		free(r->problems[i]);
	free(r->problems);
	for (size_t i = 0; i < r->nitems; i++)
		free(r->items[i].payload);
	free(r->items);
	memset(r, 0, sizeof(*r));
}
