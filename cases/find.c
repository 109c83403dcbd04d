/*
 * find.c — which acts a search keeps (amanat find): structured filters over
 * the newest version of each case, and words looked for in its text.
 */
#include <string.h>

#include "cases_int.h"

/* 1 when every word of words (separated by spaces) is in one of the texts. */
static int has_words(const char *words, const char *const texts[], size_t n)
{
	char w[128];

	for (const char *p = words; *p != '\0';) {
		size_t k = strcspn(p, " ");
		int found = 0;
		if (k > 0 && k < sizeof(w)) {
			memcpy(w, p, k);
			w[k] = '\0';
			for (size_t i = 0; i < n && !found; i++)
				found = texts[i] != NULL && strcasestr(texts[i], w) != NULL;
			if (!found)
				return 0;
		}
		p += k + (p[k] == ' ');
	}
	return 1;
}

int cases_act_matches(const struct cases_filter *f, const struct cases_record *r,
		      const struct cases_act *a)
{
	if (f->ncases > 0) {
		size_t i = 0;
		while (i < f->ncases && strcmp(f->cases[i], r->case_id) != 0)
			i++;
		if (i == f->ncases)
			return 0;
	}
	if ((f->act_type && strcmp(f->act_type, a->act_type) != 0) ||
	    (f->affiliation && strcmp(f->affiliation, a->affiliation) != 0) ||
	    (f->province && strcmp(f->province, a->province) != 0))
		return 0;
	if ((f->has_from && a->last_day < f->from_day) || (f->has_to && a->first_day > f->to_day))
		return 0;
	if (f->text != NULL) {
		const char *texts[80] = { r->case_id, r->summary, a->act_id, a->act_type, a->date,
					  a->province, a->district, a->victim, a->affiliation,
					  a->perpetrator, a->status };
		size_t n = 11;
		for (size_t i = 0; i < a->npriv && n < sizeof(texts) / sizeof(texts[0]); i++)
			texts[n++] = a->priv[i].value;
		if (!has_words(f->text, texts, n))
			return 0;
	}
	return 1;
}
