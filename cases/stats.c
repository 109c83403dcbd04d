/*
 * stats.c — the figures: acts and distinct victims over the newest version
 * of every case, a withdrawn case not at all.  An act dated to a month or a
 * year counts in a range only when its whole period lies inside; one that
 * straddles an end is counted on a line of its own, never silently in or out
 * (docs/FORMAT.md §26).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases_int.h"

const char *cases_by_name(int by)
{
	static const char *const names[] = { "act-type", "affiliation", "province", "month",
					     "status" };
	return by >= 0 && by <= CASES_BY_STATUS ? names[by] : "?";
}

int cases_by_parse(const char *s)
{
	for (int i = 0; i <= CASES_BY_STATUS; i++)
		if (strcmp(s, cases_by_name(i)) == 0)
			return i;
	return -1;
}

void cases_stats_release(struct cases_stats *s)
{
	for (size_t i = 0; i < s->ng; i++)
		free(s->g[i].group);
	free(s->g);
	memset(s, 0, sizeof(*s));
}

/* One counted act: its group, its victim, and whether it straddles the range. */
struct one {
	char group[16 + 64];
	const char *victim;
	int partly;
};

static int by_group_victim(const void *a, const void *b)
{
	const struct one *x = a, *y = b;
	int c = (x->partly > y->partly) - (x->partly < y->partly);

	if (c == 0)
		c = strcmp(x->group, y->group);
	return c != 0 ? c : strcmp(x->victim, y->victim);
}

static int by_partly_victim(const void *a, const void *b)
{
	const struct one *x = a, *y = b;
	int c = (x->partly > y->partly) - (x->partly < y->partly);

	return c != 0 ? c : strcmp(x->victim, y->victim);
}

/* The group an act counts in. */
static void group_of(int by, const struct cases_act *a, char out[80])
{
	const char *g = by == CASES_BY_ACT_TYPE ? a->act_type : by == CASES_BY_AFFILIATION ? a->affiliation
			: by == CASES_BY_PROVINCE ? a->province : by == CASES_BY_STATUS ? a->status : NULL;

	if (g != NULL) {
		snprintf(out, 80, "%s", g);
		return;
	}
	/* by month: a year-only date groups under its year, before its months */
	snprintf(out, 80, "%.*s", a->precision == CASES_YEAR ? 4 : 7, a->date);
}

enum am_status cases_stats_compute(const struct cases_index *x, int by, int has_from,
				   int32_t from_day, int has_to, int32_t to_day,
				   struct cases_stats *out, struct am_err *e)
{
	struct one *all = NULL;
	size_t n = 0, cap = 0, npartly = 0;
	enum am_status s = AM_OK;

	memset(out, 0, sizeof(*out));
	out->by = by;
	out->has_from = has_from;
	out->has_to = has_to;
	out->from_day = from_day;
	out->to_day = to_day;
	for (size_t i = 0; i < x->n; i++) {
		const struct cases_record *r = &x->v[i].rec;
		int counted = 0;
		if (!cases_is_newest(x, i) || r->withdrawn || x->v[i].problem)
			continue;
		for (size_t k = 0; k < r->nacts; k++) {
			const struct cases_act *a = &r->acts[k];
			int inside = (!has_from || a->first_day >= from_day) &&
				     (!has_to || a->last_day <= to_day);
			if ((has_to && a->first_day > to_day) || (has_from && a->last_day < from_day))
				continue;
			if (n == cap) {
				size_t nc = cap ? 2 * cap : 1024;
				struct one *g = realloc(all, nc * sizeof(*g));
				if (g == NULL) {
					s = am_fail(e, AM_ENOMEM, "out of memory");
					goto out;
				}
				all = g;
				cap = nc;
			}
			group_of(by, a, all[n].group);
			all[n].victim = a->victim;
			all[n].partly = !inside;
			npartly += !inside;
			counted |= inside;
			n++;
		}
		out->cases += counted;
	}
	if (n > 0)
		qsort(all, n, sizeof(*all), by_group_victim);
	for (size_t i = 0; i < n && !all[i].partly; i++) {
		struct cases_figure *f;
		if (i == 0 || strcmp(all[i].group, all[i - 1].group) != 0) {
			f = realloc(out->g, (out->ng + 1) * sizeof(*f));
			if (f == NULL || (f[out->ng].group = strdup(all[i].group)) == NULL) {
				if (f != NULL)
					out->g = f;
				s = am_fail(e, AM_ENOMEM, "out of memory");
				goto out;
			}
			out->g = f;
			out->g[out->ng].acts = out->g[out->ng].victims = 0;
			out->ng++;
		}
		f = &out->g[out->ng - 1];
		f->acts++;
		f->victims += i == 0 || strcmp(all[i].group, all[i - 1].group) != 0 ||
			      strcmp(all[i].victim, all[i - 1].victim) != 0;
	}
	if (n > 0)
		qsort(all, n, sizeof(*all), by_partly_victim);
	for (size_t i = 0; i < n; i++) {
		int same = i > 0 && all[i].partly == all[i - 1].partly &&
			   strcmp(all[i].victim, all[i - 1].victim) == 0;
		if (all[i].partly) {
			out->partly_acts++;
			out->partly_victims += !same;
		} else {
			out->total_acts++;
			out->total_victims += !same;
		}
	}
	(void)npartly;
out:
	free(all);
	if (s != AM_OK)
		cases_stats_release(out);
	return s;
}
