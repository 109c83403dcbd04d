/*
 * util.c — small things every file of cases/ uses: problems, strings, JSON
 * string output, the calendar.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../crypto/crypto.h"
#include "cases_int.h"

void cases_problems_init(struct cases_problems *p)
{
	memset(p, 0, sizeof(*p));
}

void cases_problems_release(struct cases_problems *p)
{
	for (size_t i = 0; i < p->kept; i++)
		cases_free_str(p->msg[i]);
	free(p->msg);
	memset(p, 0, sizeof(*p));
}

/* Keep a problem; an allocation failure is latched (p->oom) for the caller to report. */
void cases_problem(struct cases_problems *p, const char *fmt, ...)
{
	char buf[600], **grown;
	va_list ap;

	p->n++;
	if (p->kept >= CASES_MAX_PROBLEMS)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	grown = realloc(p->msg, (p->kept + 1) * sizeof(*grown));
	if (grown == NULL) {
		p->oom = 1;
		return;
	}
	p->msg = grown;
	p->msg[p->kept] = strdup(buf);
	if (p->msg[p->kept] == NULL)
		p->oom = 1;
	else
		p->kept++;
}

char *cases_strndup(const char *s, size_t n, int *oom)
{
	char *d = malloc(n + 1);

	if (d == NULL) {
		*oom = 1;
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void cases_free_str(char *s)
{
	if (s != NULL) {
		am_wipe(s, strlen(s));
		free(s);
	}
}

void cases_json_str(struct am_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	am_buf_u8(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			am_buf_u8(b, '\\');
			am_buf_u8(b, *p);
		} else if (*p == '\n') {
			am_buf_add(b, "\\n", 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			char u[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };
			am_buf_add(b, u, sizeof(u));
		} else {
			am_buf_u8(b, *p);
		}
	}
	am_buf_u8(b, '"');
}

int cases_month_days(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 ? 28 + leap : dm[m - 1];
}

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
int32_t cases_days(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + doe - 719468);
}

/* Four digits, or -1. */
static int digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int cases_period(const char *date, int precision, int32_t *first, int32_t *last)
{
	size_t want = precision == CASES_DAY ? 10 : precision == CASES_MONTH ? 7 : 4;
	int y, m = 1, d = 1;

	if (strlen(date) != want || (want >= 7 && date[4] != '-') || (want == 10 && date[7] != '-'))
		return -1;
	y = digits(date, 4);
	if (want >= 7)
		m = digits(date + 5, 2);
	if (want == 10)
		d = digits(date + 8, 2);
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > cases_month_days(y, m))
		return -1;
	*first = cases_days(y, m, d);
	if (precision == CASES_DAY)
		*last = *first;
	else if (precision == CASES_MONTH)
		*last = cases_days(y, m, cases_month_days(y, m));
	else
		*last = cases_days(y, 12, 31);
	return 0;
}

int cases_day_parse(const char *s, int32_t *day)
{
	int32_t last;

	return cases_period(s, CASES_DAY, day, &last);
}

void cases_day_format(int32_t day, char buf[11])
{
	/* civil_from_days, the inverse of cases_days */
	int32_t z = day + 719468;
	int32_t era = (z >= 0 ? z : z - 146096) / 146097;
	int32_t doe = z - era * 146097;
	int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int32_t y = yoe + era * 400;
	int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int32_t mp = (5 * doy + 2) / 153;
	int32_t d = doy - (153 * mp + 2) / 5 + 1;
	int32_t m = mp < 10 ? mp + 3 : mp - 9;

	char tmp[48];

	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", (int)(y + (m <= 2)), (int)m, (int)d);
	memcpy(buf, tmp, 10);
	buf[10] = '\0';
}

int cases_precision_parse(const char *s)
{
	if (strcmp(s, "day") == 0)
		return CASES_DAY;
	if (strcmp(s, "month") == 0)
		return CASES_MONTH;
	if (strcmp(s, "year") == 0)
		return CASES_YEAR;
	return 0;
}

const char *cases_precision_name(int p)
{
	return p == CASES_DAY ? "day" : p == CASES_MONTH ? "month" : p == CASES_YEAR ? "year" : "?";
}

int cases_scope_ok(const char *s)
{
	static const char *const scopes[] = { "internal", "un-mechanism", "court",
					      "defence-identity", "publication", "re-contact" };

	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		if (strcmp(s, scopes[i]) == 0)
			return 1;
	return 0;
}

void cases_record_init(struct cases_record *r)
{
	memset(r, 0, sizeof(*r));
}

static void act_release(struct cases_act *a)
{
	char **s[] = { &a->act_id, &a->act_type, &a->date, &a->province, &a->district, &a->victim,
		       &a->sex, &a->age_group, &a->affiliation, &a->perpetrator, &a->status };

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		cases_free_str(*s[i]);
	for (size_t i = 0; i < a->nsrc; i++)
		cases_free_str(a->src[i].reliability);
	free(a->src);
	for (size_t i = 0; i < a->npriv; i++) {
		cases_free_str(a->priv[i].name);
		cases_free_str(a->priv[i].value);
	}
	free(a->priv);
}

void cases_record_release(struct cases_record *r)
{
	cases_free_str(r->case_id);
	cases_free_str(r->vocabulary);
	cases_free_str(r->summary);
	cases_free_str(r->reason);
	for (size_t i = 0; i < r->nscopes; i++)
		cases_free_str(r->scopes[i]);
	free(r->scopes);
	for (size_t i = 0; i < r->nacts; i++)
		act_release(&r->acts[i]);
	free(r->acts);
	memset(r, 0, sizeof(*r));
}

const char *cases_column_of(const char *field)
{
	static const char *const map[][2] = {
		{ "case_id", "case_id" },
		{ "act_id", "act_id" },
		{ "act_type", "act_type" },
		{ "date", "date" },
		{ "date_precision", "date_precision" },
		{ "place.province", "province" },
		{ "place.district", "district" },
		{ "victim.pseudonym", "victim" },
		{ "victim.sex", "victim_sex" },
		{ "victim.age_group", "victim_age" },
		{ "victim.affiliation", "victim_affiliation" },
		{ "perpetrator", "perpetrator" },
		{ "status", "status" },
		{ "consent_scopes", "consent_scopes" },
		{ "sources.entry", "sources" },
		{ "sources.reliability", "sources" },
		{ "sources", "sources" },
		{ "vocabulary", "vocabulary" },
		{ "summary", "summary" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(field, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* FNV-1a: spreads case ids over the table; no adversary gains more than slow collisions. */
static uint64_t id_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

void cases_ids_release(struct cases_ids *h)
{
	free(h->slot);
	memset(h, 0, sizeof(*h));
}

long long cases_ids_find(const struct cases_ids *h, const struct cases_record *r, const char *id)
{
	if (h->cap == 0)
		return -1;
	for (size_t i = id_hash(id) & (h->cap - 1);; i = (i + 1) & (h->cap - 1)) {
		if (h->slot[i] == 0)
			return -1;
		if (strcmp(r[h->slot[i] - 1].case_id, id) == 0)
			return (long long)(h->slot[i] - 1);
	}
}

int cases_ids_add(struct cases_ids *h, const struct cases_record *r, size_t k)
{
	if (2 * (h->n + 1) > h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 256;
		size_t *slot = calloc(cap, sizeof(*slot));
		if (slot == NULL)
			return -1;
		for (size_t i = 0; i < h->cap; i++) {
			size_t at;
			if (h->slot[i] == 0)
				continue;
			for (at = id_hash(r[h->slot[i] - 1].case_id) & (cap - 1); slot[at] != 0;
			     at = (at + 1) & (cap - 1))
				;
			slot[at] = h->slot[i];
		}
		free(h->slot);
		h->slot = slot;
		h->cap = cap;
	}
	{
		size_t at;
		for (at = id_hash(r[k].case_id) & (h->cap - 1); h->slot[at] != 0;
		     at = (at + 1) & (h->cap - 1))
			;
		h->slot[at] = k + 1;
	}
	h->n++;
	return 0;
}
