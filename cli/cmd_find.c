/* cmd_find.c — amanat find: the acts of case records that match, for a custodian. */
#include <string.h>

#include "casework.h"

/* A date option's argument as days since 1970; 0 or EXIT_USAGE once said. */
static int day_arg(const struct cli_cmd *c, const char *opt, const char *arg, int32_t *day)
{
	if (cases_day_parse(arg, day) != 0)
		return cli_usage_error(c, "%s needs a date YYYY-MM-DD, not '%s'", opt, arg);
	return 0;
}

static void print_act(const struct cases_version *v, const struct cases_act *a, int json,
		      size_t shown)
{
	const struct cases_record *r = &v->rec;

	if (json) {
		printf("%s\n{\"case\":", shown ? "," : "");
		json_cstr(stdout, r->case_id);
		printf(",\"entry\":%llu,\"act_id\":", (unsigned long long)v->seq);
		json_cstr(stdout, a->act_id);
		printf(",\"act_type\":\"%s\",\"date\":\"%s\",\"date_precision\":\"%s\",\"province\":\"%s\","
		       "\"district\":", a->act_type, a->date,
		       a->precision == CASES_DAY ? "day" : a->precision == CASES_MONTH ? "month" : "year",
		       a->province);
		json_cstr(stdout, a->district);
		printf(",\"victim\":\"%s\",\"affiliation\":\"%s\",\"status\":\"%s\"}", a->victim,
		       a->affiliation, a->status);
		return;
	}
	printf("%s\t%s\t%s\t%s\t%s/", r->case_id, a->act_id, a->date, a->act_type, a->province);
	cli_print_value(stdout, (const unsigned char *)a->district, strlen(a->district));
	printf("\t%s\t%s\t%s\tentry %llu\n", a->victim, a->affiliation, a->status,
	       (unsigned long long)v->seq);
}

static int run_find(int argc, char **argv, struct cli_common *co)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		{ "case", required_argument, NULL, 'c' },
		{ "act-type", required_argument, NULL, 't' },
		{ "affiliation", required_argument, NULL, 'a' },
		{ "province", required_argument, NULL, 'p' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "text", required_argument, NULL, 'x' },
		CLI_OPT_PURPOSE,
		CLI_OPT_JSON,
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("find");
	const char *cases[64];
	struct cases_filter f;
	struct cli_casework w;
	size_t shown = 0;
	int ch;
	struct am_err e;
	enum am_status s;

	am_err_init(&e);
	memset(&f, 0, sizeof(f));
	f.cases = cases;
	while ((ch = cli_getopt(c, argc, argv, "", opts, co)) != -1) {
		switch (ch) {
		case 'c':
			if (f.ncases == 64)
				return cli_usage_error(c, "too many --case (at most 64)");
			cases[f.ncases++] = optarg;
			break;
		case 't': f.act_type = optarg; break;
		case 'a': f.affiliation = optarg; break;
		case 'p': f.province = optarg; break;
		case 'x': f.text = optarg; break;
		case 'F':
			f.has_from = 1;
			if (day_arg(c, "--from", optarg, &f.from_day) != 0)
				return EXIT_USAGE;
			break;
		case 'T':
			f.has_to = 1;
			if (day_arg(c, "--to", optarg, &f.to_day) != 0)
				return EXIT_USAGE;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(c, "expected one VAULT");
	if (co->as == NULL)
		return cli_usage_error(c, "--as CUSTODIAN.id is required: case records are sealed");
	if (f.has_from && f.has_to && f.from_day > f.to_day)
		return cli_usage_error(c, "--from is after --to");
	cli_casework_init(&w);
	s = cli_casework_open(&w, argv[optind], &e);
	if (s == AM_OK)
		s = cli_casework_read(&w, co, CLI_ACT_FIND, "find: searching case records", 0, &e);
	if (s == AM_OK && co->json)
		printf("[");
	for (size_t i = 0; s == AM_OK && i < w.x.n; i++) {
		const struct cases_version *v = &w.x.v[i];
		if (!cases_is_newest(&w.x, i) || v->rec.withdrawn || v->problem)
			continue;
		for (size_t k = 0; k < v->rec.nacts; k++)
			if (cases_act_matches(&f, &v->rec, &v->rec.acts[k]))
				print_act(v, &v->rec.acts[k], co->json, shown++);
	}
	if (s == AM_OK) {
		if (co->json)
			printf("\n]\n");
		fprintf(stderr, "%zu act%s found\n", shown, shown == 1 ? "" : "s");
		if (w.x.unreadable > 0)
			fprintf(stderr, "amanat: %llu case entr%s not sealed to %s: not searched\n",
				(unsigned long long)w.x.unreadable, w.x.unreadable == 1 ? "y is" : "ies are",
				co->as);
	}
	cli_casework_release(&w);
	return cli_done(&e, s);
}

int cmd_find(int argc, char **argv)
{
	return cli_run(run_find, argc, argv);
}
