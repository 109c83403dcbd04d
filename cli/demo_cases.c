/*
 * demo_cases.c — the case-records part of 'amanat demo': a second vault of
 * fictional case records from cases/gen.c, imported and partly withdrawn,
 * its figures computed, checked against the generator's true counts, and
 * written as a signed report and a printable annex.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/fsutil.h"
#include "../vault/note.h"
#include "casework.h"

#define DEMO_CASES 150

/* Seal the input's records, then withdraw the ones the generator marks. */
static enum am_status seal_all(struct am_vault *v, struct am_trusted *t,
			       const struct am_identity *who, struct cases_input *in,
			       struct am_err *e)
{
	struct cases_to_seal *todo = calloc(in->n ? in->n : 1, sizeof(*todo));
	struct cases_record *wd = calloc(in->n ? in->n : 1, sizeof(*wd));
	size_t done = 0, nwd = 0;
	enum am_status s;

	if (todo == NULL || wd == NULL) {
		free(todo);
		free(wd);
		return am_fail(e, AM_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < in->n; i++)
		todo[i] = (struct cases_to_seal){ &in->r[i], UINT64_MAX, 0 };
	s = cases_seal_many(v, t, who, todo, in->n, (struct cases_sealed_cb){ NULL, NULL }, NULL,
			    &done, e);
	for (size_t i = 0; s == AM_OK && i < in->n; i++) {
		if (!cases_gen_withdrawn(i))
			continue;
		wd[nwd].withdrawn = 1;
		wd[nwd].case_id = in->r[i].case_id;
		wd[nwd].reason = (char *)"fictional: recorded twice";
		todo[nwd] = (struct cases_to_seal){ &wd[nwd], todo[i].seq, 0 };
		nwd++;
	}
	if (s == AM_OK)
		s = cases_seal_many(v, t, who, todo, nwd, (struct cases_sealed_cb){ NULL, NULL }, NULL,
				    &done, e);
	if (s == AM_OK)
		printf("     %zu cases sealed from inputs/monitoring-cases.csv, %zu then withdrawn\n",
		       in->n, nwd);
	free(todo);
	free(wd);
	return s;
}

/* The generator's counts against the computed ones; AM_EVERIFY naming the first that differs. */
static enum am_status check_truth(const struct cases_stats *st, const struct cases_gen_truth *tr,
				  struct am_err *e)
{
	size_t k = 0;

	for (size_t i = 0; i < CASES_GEN_TYPES; i++) {
		uint64_t acts = 0, victims = 0;
		if (k < st->ng && strcmp(st->g[k].group, cases_gen_type(i)) == 0) {
			acts = st->g[k].acts;
			victims = st->g[k++].victims;
		}
		if (acts != tr->acts[i] || victims != tr->victims[i])
			return am_fail(e, AM_EVERIFY, "demo: %s: %llu acts, %llu victims; the generator "
				       "says %llu, %llu", cases_gen_type(i), (unsigned long long)acts,
				       (unsigned long long)victims, (unsigned long long)tr->acts[i],
				       (unsigned long long)tr->victims[i]);
	}
	if (k != st->ng || st->total_acts != tr->total_acts || st->total_victims != tr->total_victims ||
	    st->partly_acts != tr->partly_acts || st->partly_victims != tr->partly_victims)
		return am_fail(e, AM_EVERIFY, "demo: the totals differ from the generator's");
	return AM_OK;
}

/* The signed report and its annex, written into dir. */
static enum am_status write_report(struct cases_json *j, const char *dir, struct am_trusted *t,
				   const struct am_identity *who, uint64_t custody,
				   struct cases_stats *st, struct am_err *e)
{
	struct cases_report r;
	struct am_pin pin;
	char *json = NULL, *html = NULL, *pj = cli_path_join(dir, "monitoring-report.json");
	char *ph = cli_path_join(dir, "monitoring-annex.html");
	size_t jl = 0, hl = 0;
	enum am_status s;

	memset(&r, 0, sizeof(r));
	r.st = *st;
	am_trusted_pin(t, &pin);
	am_origin(r.origin, pin.vault_id);
	memcpy(r.vault_id, pin.vault_id, AM_VAULT_ID_LEN);
	r.size = pin.size;
	memcpy(r.root, pin.root, AM_HASH_LEN);
	r.custody = custody;
	snprintf(r.signer_name, sizeof(r.signer_name), "%s", who->name);
	cli_time(r.made_at, (int64_t)time(NULL) * 1000);
	s = pj && ph ? cases_report_sign(&r, who, e) : am_fail(e, AM_ENOMEM, "out of memory");
	if (s == AM_OK)
		s = cases_report_json(&r, &json, &jl, e);
	if (s == AM_OK)
		s = cases_report_html(j, &r, &html, &hl, e);
	if (s == AM_OK)
		s = am_write_new_file(pj, 0644, json, jl, e);
	if (s == AM_OK)
		s = am_write_new_file(ph, 0644, html, hl, e);
	free(json);
	free(html);
	free(pj);
	free(ph);
	return s;
}

enum am_status cli_demo_cases(const char *dir, const struct am_identity *admin,
			      const struct am_identity *custodian, struct am_err *e)
{
	struct am_vault *v = NULL;
	struct am_trusted *t = NULL;
	struct cases_json *j = NULL;
	struct cases_input in;
	struct cases_problems probs;
	struct cases_index x;
	struct cases_stats st;
	struct cases_gen_truth truth;
	struct cases_log log;
	struct am_pin pin;
	char *csv = NULL, *vault = cli_path_join(dir, "monitoring.amn"), *inp = cli_path_join(dir, "inputs/"
		    "monitoring-cases.csv");
	unsigned char *types = NULL;
	uint64_t *refs = NULL, custody = 0;
	size_t len = 0, n = 0;
	int32_t from = 0, to = 0;
	enum am_status s;

	memset(&in, 0, sizeof(in));
	memset(&x, 0, sizeof(x));
	memset(&st, 0, sizeof(st));
	cases_problems_init(&probs);
	(void)(cases_day_parse("2021-08-15", &from) | cases_day_parse("2023-06-30", &to));
	s = vault && inp ? cases_gen_csv(2021, DEMO_CASES, &csv, &len, &truth, e)
			 : am_fail(e, AM_ENOMEM, "out of memory");
	if (s == AM_OK)
		s = am_write_new_file(inp, 0600, csv, len, e);
	if (s == AM_OK)
		s = am_vault_create(vault, admin, custodian, 1, &pin, e);
	if (s == AM_OK)
		s = am_vault_open(vault, 1, &v, e);
	if (s == AM_OK)
		s = am_trust(v, &pin, &t, e);
	if (s == AM_OK)
		am_vault_use_trust(v, t);
	if (s == AM_OK)
		s = cases_json_open(&j, e);
	if (s == AM_OK && (types = calloc(am_trusted_size(t), 1)) == NULL)
		s = am_fail(e, AM_ENOMEM, "out of memory");
	if (s == AM_OK)
		s = cases_index_load(v, t, NULL, j, am_trusted_size(t), types, &x, e);
	log = (struct cases_log){ types, am_trusted_size(t) };
	if (s == AM_OK)
		s = cases_read_file(j, inp, &log, &in, &probs, e);
	if (s == AM_OK && probs.n > 0)
		s = am_fail(e, AM_EVERIFY, "demo: the generated cases do not check: %s", probs.msg[0]);
	if (s == AM_OK)
		s = seal_all(v, t, custodian, &in, e);
	/* the figures: a custody reading of every case entry first, then the count */
	if (s == AM_OK && (refs = calloc(am_trusted_size(t), sizeof(*refs))) == NULL)
		s = am_fail(e, AM_ENOMEM, "out of memory");
	for (uint64_t i = 0; s == AM_OK && i < am_trusted_size(t); i++) {
		struct am_entry_pub p;
		s = am_entry_read_trusted(v, t, i, &p, e);
		if (s == AM_OK && p.h.type == AM_T_CASE)
			refs[n++] = i;
		am_entry_pub_release(&p);
	}
	if (s == AM_OK)
		s = am_record_custody(v, t, custodian, AM_ACT_STATS, refs, n,
				      "demo: figures for a fictional report", &custody, e);
	cases_index_release(&x);
	if (s == AM_OK)
		s = cases_index_load(v, t, custodian, j, am_trusted_size(t), NULL, &x, e);
	if (s == AM_OK)
		s = cases_stats_compute(&x, CASES_BY_ACT_TYPE, 1, from, 1, to, &st, e);
	if (s == AM_OK)
		s = check_truth(&st, &truth, e);
	if (s == AM_OK) {
		printf("     acts and distinct victims, 15 August 2021 to 30 June 2023 (exactly the\n"
		       "     generator's own counts):\n");
		for (size_t i = 0; i < st.ng; i++)
			printf("       %-26s %5llu %5llu\n", st.g[i].group,
			       (unsigned long long)st.g[i].acts, (unsigned long long)st.g[i].victims);
		printf("       %-26s %5llu %5llu\n       %-26s %5llu %5llu   (not in the total)\n",
		       "total", (unsigned long long)st.total_acts, (unsigned long long)st.total_victims,
		       "partly-in-range", (unsigned long long)st.partly_acts,
		       (unsigned long long)st.partly_victims);
		printf("     partly-in-range: acts dated only to a month or a year that straddles\n"
		       "     an end of the period, counted on their own, never silently in or out\n");
		s = write_report(j, dir, t, custodian, custody, &st, e);
	}
	cases_stats_release(&st);
	cases_index_release(&x);
	cases_input_release(&in);
	cases_problems_release(&probs);
	cases_json_close(j);
	am_vault_close(v);
	am_trusted_free(t);
	free(types);
	free(refs);
	free(csv);
	free(vault);
	free(inp);
	return s;
}
