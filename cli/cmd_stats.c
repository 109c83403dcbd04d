/*
 * cmd_stats.c — amanat stats: signed figures from case records, and
 * --check, which recomputes a report's figures at its tree size.
 */
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "../common/fsutil.h"
#include "../crypto/crypto.h"
#include "../vault/merkle.h"
#include "../vault/note.h"
#include "casework.h"

/* The verified root of the tree of `size` entries: a stored root proved consistent with t. */
static enum am_status root_at(struct cli_casework *w, uint64_t size, unsigned char root[32],
			      struct am_err *e)
{
	unsigned char proof[AM_MT_MAX_PROOF][AM_HASH_LEN];
	struct am_pin pin;
	size_t count = 0;
	enum am_status s;

	am_trusted_pin(w->ct.t, &pin);
	s = am_vault_root(w->ct.v, size, root, e);
	if (s == AM_OK && size < pin.size)
		s = am_prove_consistency(w->ct.v, size, pin.size, proof, &count, e);
	if (s == AM_OK && am_mt_verify_consistency(size, pin.size, root, pin.root, AM_MT_CONST(proof), count) != 0)
		s = am_fail(e, AM_EVERIFY, "the stored tree of size %llu is not part of the verified "
			    "log", (unsigned long long)size);
	return s;
}

/*
 * Figures that leave out records the reader cannot open would differ from
 * another custodian's without saying so: refuse them (AM_EAUTH).
 */
static enum am_status all_readable(const struct cli_casework *w, const char *as,
				   struct am_err *e)
{
	if (w->x.unreadable == 0)
		return AM_OK;
	return am_fail(e, AM_EAUTH, "%llu case entr%s not sealed to %s, so figures would leave "
		       "them out; compute them as a custodian who can read every case record",
		       (unsigned long long)w->x.unreadable, w->x.unreadable == 1 ? "y is" : "ies are",
		       as);
}

/* The figures of a and b that differ, said on stderr; the number of them. */
static size_t compare(const struct cases_stats *a, const struct cases_stats *b)
{
	size_t bad = 0, i = 0, k = 0;

	while (i < a->ng || k < b->ng) {
		int c = i == a->ng ? 1 : k == b->ng ? -1 : strcmp(a->g[i].group, b->g[k].group);
		const char *g = c <= 0 ? a->g[i].group : b->g[k].group;
		uint64_t ra = c <= 0 ? a->g[i].acts : 0, va = c >= 0 ? b->g[k].acts : 0;
		uint64_t rv = c <= 0 ? a->g[i].victims : 0, vv = c >= 0 ? b->g[k].victims : 0;
		if (ra != va) {
			fprintf(stderr, "amanat: figure %s acts: the report says %llu, the vault gives "
				"%llu\n", g, (unsigned long long)ra, (unsigned long long)va);
			bad++;
		}
		if (rv != vv) {
			fprintf(stderr, "amanat: figure %s victims: the report says %llu, the vault gives "
				"%llu\n", g, (unsigned long long)rv, (unsigned long long)vv);
			bad++;
		}
		i += c <= 0;
		k += c >= 0;
	}
#define FIG(name, x, y) \
	if ((x) != (y)) { \
		fprintf(stderr, "amanat: figure %s: the report says %llu, the vault gives %llu\n", \
			name, (unsigned long long)(x), (unsigned long long)(y)); \
		bad++; \
	}
	FIG("total acts", a->total_acts, b->total_acts);
	FIG("total victims", a->total_victims, b->total_victims);
	FIG("partly-in-range acts", a->partly_acts, b->partly_acts);
	FIG("partly-in-range victims", a->partly_victims, b->partly_victims);
	FIG("cases", a->cases, b->cases);
#undef FIG
	return bad;
}

/* stats --check REPORT VAULT: recompute at the report's tree size; 0, 1 or another exit code. */
static int check(const struct cli_cmd *c, struct cli_common *co, const char *file,
		 const char *vault)
{
	struct cli_casework w;
	struct cases_report rep, now;
	unsigned char *buf = NULL, root[AM_HASH_LEN];
	size_t len = 0, bad = 0;
	char origin[AM_ORIGIN_MAX];
	struct am_err e;
	enum am_status s;

	(void)c;
	am_err_init(&e);
	memset(&rep, 0, sizeof(rep));
	memset(&now, 0, sizeof(now));
	cli_casework_init(&w);
	s = am_read_small_file(file, 16u << 20, &buf, &len, &e);
	if (s == AM_OK)
		s = cli_casework_open(&w, vault, &e);
	if (s == AM_OK && (s = cases_report_parse(w.j, (const char *)buf, len, &rep, &e)) != AM_OK) {
		char why[sizeof(e.msg)];
		snprintf(why, sizeof(why), "%s", e.msg);
		s = am_fail(&e, s, "%s: %s", file, why);
	}
	if (s != AM_OK)
		goto out;
	am_origin(origin, am_trusted_vault_id(w.ct.t));
	if (memcmp(rep.vault_id, am_trusted_vault_id(w.ct.t), AM_VAULT_ID_LEN) != 0 ||
	    strcmp(rep.origin, origin) != 0) {
		s = am_fail(&e, AM_EVERIFY, "%s is a report on another vault (%s), not %s", file,
			    rep.origin, origin);
		goto out;
	}
	if (rep.size == 0 || rep.size > am_trusted_size(w.ct.t)) {
		s = am_fail(&e, AM_EVERIFY, "%s names tree size %llu, but the verified log of %s has "
			    "%llu entries", file, (unsigned long long)rep.size, vault,
			    (unsigned long long)am_trusted_size(w.ct.t));
		goto out;
	}
	s = root_at(&w, rep.size, root, &e);
	if (s != AM_OK)
		goto out;
	if (memcmp(root, rep.root, AM_HASH_LEN) != 0) {
		fprintf(stderr, "amanat: %s: the checkpoint root is not the vault's root at tree size "
			"%llu\n", file, (unsigned long long)rep.size);
		bad++;
	}
	if (am_members_find(&w.ms, rep.signer) == NULL) {
		fprintf(stderr, "amanat: %s: signed by a key that is not a member of the vault\n", file);
		bad++;
	}
	if (cases_report_verify(&rep) != 0) {
		fprintf(stderr, "amanat: %s: the signature does not match the report's contents\n",
			file);
		bad++;
	}
	s = cli_casework_read(&w, co, CLI_ACT_STATS, "stats --check: recomputing a report",
			      rep.size, &e);
	if (s == AM_OK)
		s = all_readable(&w, co->as, &e);
	if (s == AM_OK)
		s = cases_stats_compute(&w.x, rep.st.by, rep.st.has_from, rep.st.from_day,
					rep.st.has_to, rep.st.to_day, &now.st, &e);
	if (s != AM_OK)
		goto out;
	bad += compare(&rep.st, &now.st);
	if (bad == 0)
		printf("ok: %s matches %s at tree size %llu (%zu groups, %llu acts, %llu victims), signed "
		       "by %s\n", file, vault, (unsigned long long)rep.size, rep.st.ng,
		       (unsigned long long)rep.st.total_acts, (unsigned long long)rep.st.total_victims,
		       rep.signer_name);
	else
		s = am_fail(&e, AM_EVERIFY, "%s does not match %s: %zu problem%s (above)", file, vault,
			    bad, bad == 1 ? "" : "s");
out:
	free(buf);
	cases_report_release(&rep);
	cases_report_release(&now);
	cli_casework_release(&w);
	return cli_done(&e, s);
}

/* Print or write the report in the form asked for. */
static enum am_status output(struct cli_casework *w, const struct cases_report *r, int json,
			     int csv, const char *html, struct am_err *e)
{
	char *text = NULL;
	size_t len = 0;
	enum am_status s = AM_OK;

	if (html != NULL) {
		s = cases_report_html(w->j, r, &text, &len, e);
		if (s == AM_OK)
			s = am_write_new_file(html, 0644, text, len, e);
		if (s == AM_OK)
			fprintf(stderr, "wrote %s\n", html);
		free(text);
		text = NULL;
	}
	if (s == AM_OK && json)
		s = cases_report_json(r, &text, &len, e);
	else if (s == AM_OK && csv)
		s = cases_stats_csv(&r->st, &text, &len, e);
	if (s == AM_OK && text != NULL)
		fwrite(text, 1, len, stdout);
	if (s == AM_OK && !json && !csv && html == NULL) {
		printf("%-28s %8s %8s\n", cases_by_name(r->st.by), "acts", "victims");
		for (size_t i = 0; i < r->st.ng; i++)
			printf("%-28s %8llu %8llu\n", r->st.g[i].group, (unsigned long long)r->st.g[i].acts,
			       (unsigned long long)r->st.g[i].victims);
		printf("%-28s %8llu %8llu\n", "total", (unsigned long long)r->st.total_acts,
		       (unsigned long long)r->st.total_victims);
		if (r->st.partly_acts > 0)
			printf("%-28s %8llu %8llu   (not in the total)\n", "partly-in-range",
			       (unsigned long long)r->st.partly_acts,
			       (unsigned long long)r->st.partly_victims);
		char from[11] = "-", to[11] = "-";
		if (r->st.has_from)
			cases_day_format(r->st.from_day, from);
		if (r->st.has_to)
			cases_day_format(r->st.to_day, to);
		printf("%llu cases, acts from %s to %s; computed at %s, tree size %llu; the signed "
		       "report: --json\n", (unsigned long long)r->st.cases,
		       r->st.has_from ? from : "the first", r->st.has_to ? to : "the last", r->origin,
		       (unsigned long long)r->size);
	}
	free(text);
	return s;
}

static int run_stats(int argc, char **argv, struct cli_common *co)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "by", required_argument, NULL, 'b' },
		{ "csv", no_argument, NULL, 'C' },
		{ "html", required_argument, NULL, 'H' },
		{ "check", required_argument, NULL, 'k' },
		CLI_OPT_PURPOSE,
		CLI_OPT_JSON,
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("stats");
	const char *html = NULL, *report = NULL;
	struct cli_casework w;
	struct cases_report r;
	struct am_pin pin;
	int ch, by = -1, csv = 0, has_from = 0, has_to = 0;
	int32_t from = 0, to = 0;
	struct am_err e;
	enum am_status s;

	am_err_init(&e);
	while ((ch = cli_getopt(c, argc, argv, "", opts, co)) != -1) {
		switch (ch) {
		case 'F':
		case 'T':
			if (cases_day_parse(optarg, ch == 'F' ? &from : &to) != 0)
				return cli_usage_error(c, "%s needs a date YYYY-MM-DD, not '%s'",
						       ch == 'F' ? "--from" : "--to", optarg);
			*(ch == 'F' ? &has_from : &has_to) = 1;
			break;
		case 'b':
			if ((by = cases_by_parse(optarg)) < 0)
				return cli_usage_error(c, "--by must be act-type, affiliation, province, "
						       "month or status, not '%s'", optarg);
			break;
		case 'C': csv = 1; break;
		case 'H': html = optarg; break;
		case 'k': report = optarg; break;
		default: return EXIT_USAGE;
		}
	}
	if (co->as == NULL)
		return cli_usage_error(c, "--as CUSTODIAN.id is required: case records are sealed");
	if (report != NULL) {
		if (argc - optind != 1 || by >= 0 || has_from || has_to || csv || html || co->json)
			return cli_usage_error(c, "--check REPORT takes one VAULT and no other figures' "
					       "options: the report says what it counted");
		return check(c, co, report, argv[optind]);
	}
	if (argc - optind != 1)
		return cli_usage_error(c, "expected one VAULT");
	if (by < 0)
		return cli_usage_error(c, "--by act-type|affiliation|province|month|status is required");
	if (has_from && has_to && from > to)
		return cli_usage_error(c, "--from is after --to");
	if (co->json + csv > 1)
		return cli_usage_error(c, "give --json or --csv, not both");
	if (html != NULL && (s = am_output_check(html, 0, &e)) != AM_OK)
		return cli_fail(&e, s);
	cli_casework_init(&w);
	memset(&r, 0, sizeof(r));
	s = cli_casework_open(&w, argv[optind], &e);
	if (s == AM_OK)
		s = cli_casework_read(&w, co, CLI_ACT_STATS, "stats: computing figures", 0, &e);
	if (s == AM_OK)
		s = all_readable(&w, co->as, &e);
	if (s == AM_OK)
		s = cases_stats_compute(&w.x, by, has_from, from, has_to, to, &r.st, &e);
	if (s != AM_OK)
		goto out;
	/* the checkpoint: the verified tree, its custody entry of this reading included */
	am_trusted_pin(w.ct.t, &pin);
	am_origin(r.origin, pin.vault_id);
	memcpy(r.vault_id, pin.vault_id, AM_VAULT_ID_LEN);
	r.size = pin.size;
	memcpy(r.root, pin.root, AM_HASH_LEN);
	r.custody = w.custody;
	snprintf(r.signer_name, sizeof(r.signer_name), "%s", w.id.name);
	{
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		cli_time(r.made_at, (int64_t)ts.tv_sec * 1000);
	}
	s = cases_report_sign(&r, &w.id, &e);
	if (s == AM_OK)
		s = output(&w, &r, co->json, csv, html, &e);
	if (s == AM_OK && w.x.bad > 0)
		fprintf(stderr, "amanat: warning: %llu case entr%s not read back as records: not "
			"counted (see 'amanat case history')\n", (unsigned long long)w.x.bad,
			w.x.bad == 1 ? "y was" : "ies were");
out:
	cases_report_release(&r);
	cli_casework_release(&w);
	return cli_done(&e, s);
}

int cmd_stats(int argc, char **argv)
{
	return cli_run(run_stats, argc, argv);
}
