/*
 * gen.c — a clearly fictional monitoring dataset for 'amanat demo', with its
 * true figures known as it is made: the demo imports it, withdraws the cases
 * the generator marks, and checks 'stats' against these counts.  (The tests
 * use tests/cases/gen_cases.py, whose own counting is a second, independent
 * model of docs/FORMAT.md §26.)
 */
#include <stdlib.h>
#include <string.h>

#include "cases_int.h"

static const char *const types[CASES_GEN_TYPES] = {
	"arbitrary-arrest", "arbitrary-detention", "death-in-custody", "enforced-disappearance",
	"extrajudicial-execution", "ill-treatment", "incommunicado-detention", "threat-intimidation",
	"torture",
};
static const char *const affiliations[] = { "former-army", "former-police", "former-intelligence",
					    "former-government-official", "human-rights-defender",
					    "journalist", "civilian" };
static const char *const provinces[] = { "balkh", "ghazni", "helmand", "herat", "kabul",
					 "kandahar", "kunduz", "nangarhar" };

const char *cases_gen_type(size_t i)
{
	return i < CASES_GEN_TYPES ? types[i] : NULL;
}

/* xorshift32: the same dataset for the same seed on every machine */
static uint32_t next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

int cases_gen_withdrawn(size_t i)
{
	return i % 25 == 7;
}

enum am_status cases_gen_csv(uint32_t seed, size_t ncases, char **out, size_t *len,
			     struct cases_gen_truth *truth, struct am_err *e)
{
	struct am_buf b;
	int32_t from = cases_days(2021, 8, 15), to = cases_days(2023, 6, 30);
	int32_t lo = cases_days(2021, 6, 1), span = cases_days(2023, 9, 30) - lo + 1;
	uint32_t s = seed ? seed : 2021, victim = 0;

	memset(truth, 0, sizeof(*truth));
	am_buf_init(&b);
	am_buf_addf(&b, "case_id,act_id,act_type,date,date_precision,province,district,victim,"
		      "victim_sex,victim_age,victim_affiliation,perpetrator,status,consent_scopes,"
		      "witness_name\n");
	for (size_t c = 0; c < ncases; c++) {
		const char *prov = provinces[next(&s) % 8];
		unsigned nv = 1 + next(&s) % 2, act = 0;
		for (unsigned v = 0; v < nv; v++) {
			const char *aff = affiliations[next(&s) % 7];
			unsigned na = 1 + next(&s) % 3, in_mask = 0, partly = 0;
			victim++;
			for (unsigned a = 0; a < na; a++) {
				size_t t = next(&s) % CASES_GEN_TYPES;
				int32_t day = lo + (int32_t)(next(&s) % (uint32_t)span), first, last;
				unsigned p = next(&s) % 10;
				int prec = p < 7 ? CASES_DAY : p < 9 ? CASES_MONTH : CASES_YEAR;
				char date[11], whole[11];
				cases_day_format(day, whole);
				snprintf(date, sizeof(date), "%.*s", prec == CASES_DAY ? 10 :
					 prec == CASES_MONTH ? 7 : 4, whole);
				(void)cases_period(date, prec, &first, &last);
				am_buf_addf(&b, "DEMO-%04zu,A%u,%s,%s,%s,%s,District %u,V-%05u,%s,adult,%s,"
					      "unknown,%s,internal;un-mechanism,%s\n", c + 1, ++act,
					      types[t], date, cases_precision_name(prec), prov,
					      1 + next(&s) % 9, victim, next(&s) % 3 ? "male" : "female",
					      aff, t == 2 || t == 4 ? "killed" : "detained",
					      next(&s) % 2 ? "Fictional witness" : "");
				if (cases_gen_withdrawn(c) || last < from || first > to)
					continue;
				if (first >= from && last <= to) {
					truth->acts[t]++;
					truth->total_acts++;
					in_mask |= 1u << t;
				} else {
					truth->partly_acts++;
					partly = 1;
				}
			}
			for (size_t t = 0; t < CASES_GEN_TYPES; t++)
				truth->victims[t] += in_mask >> t & 1u;
			truth->total_victims += in_mask != 0;
			truth->partly_victims += partly;
		}
	}
	*out = (char *)am_buf_detach(&b, len);
	return *out != NULL ? AM_OK : am_fail(e, AM_ENOMEM, "out of memory");
}
