/* cmd_import.c — amanat import: many case records from a spreadsheet, one unlock. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "casework.h"

/* What the sealing callback needs: where to say each sealed case. */
struct said {
	int tty;
	int json;
};

/* A case is durable: say so at once (and flush), so a kill leaves an exact list. */
static void sealed_one(void *ctx, size_t done, size_t total, const struct cases_to_seal *s)
{
	const struct said *sd = ctx;

	if (sd->json) {
		printf("%s{\"case\":", done > 1 ? "," : "");
		json_cstr(stdout, s->rec->case_id);
		printf(",\"entry\":%llu,\"supersedes\":", (unsigned long long)s->seq);
		if (s->supersedes == UINT64_MAX)
			printf("null}\n");
		else
			printf("%llu}\n", (unsigned long long)s->supersedes);
	} else if (s->supersedes == UINT64_MAX) {
		printf("sealed %s as entry %llu (new case)\n", s->rec->case_id,
		       (unsigned long long)s->seq);
	} else {
		printf("sealed %s as entry %llu (amends entry %llu)\n", s->rec->case_id,
		       (unsigned long long)s->seq, (unsigned long long)s->supersedes);
	}
	fflush(stdout);
	if (sd->tty && (done % 50 == 0 || done == total))
		fprintf(stderr, "\rimporting: %zu of %zu cases sealed%s", done, total,
			done == total ? "\n" : "");
}

static int run_import(int argc, char **argv, struct cli_common *co)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		{ "skip-bad", no_argument, NULL, 'k' },
		CLI_OPT_PURPOSE,
		CLI_OPT_JSON,
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("import");
	struct cli_casework w;
	struct cases_input in;
	struct cases_problems probs;
	struct cases_to_seal *todo = NULL;
	struct said sd = { isatty(STDERR_FILENO), 0 };
	size_t ntodo = 0, done = 0, skipped = 0, amended = 0, acts = 0, unchanged = 0;
	int ch, skip_bad = 0, sig;
	struct am_err e;
	enum am_status s;

	am_err_init(&e);
	memset(&in, 0, sizeof(in));
	cases_problems_init(&probs);
	while ((ch = cli_getopt(c, argc, argv, "", opts, co)) != -1) {
		if (ch != 'k')
			return EXIT_USAGE;
		skip_bad = 1;
	}
	if (argc - optind != 2)
		return cli_usage_error(c, "expected VAULT and FILE.csv or FILE.jsonl");
	if (co->as == NULL)
		return cli_usage_error(c, "--as ID is required");
	sd.json = co->json;
	cli_casework_init(&w);
	/* everything is read and checked before a passphrase is asked or anything sealed */
	s = cli_casework_open(&w, argv[optind], &e);
	if (s == AM_OK)
		s = cases_read_file(w.j, argv[optind + 1], &w.log, &in, &probs, &e);
	if (s != AM_OK)
		goto out;
	cli_casework_problems(&probs);
	if (probs.n > 0 && !skip_bad) {
		fprintf(stderr, "amanat: %s: %zu problem%s; nothing was sealed (fix them, or seal the "
			"good cases with --skip-bad)\n", argv[optind + 1], probs.n,
			probs.n == 1 ? "" : "s");
		s = AM_EINPUT;
		e.msg[0] = '\0';
		goto out;
	}
	for (size_t i = 0; i < in.n; i++) {
		if (in.bad[i]) {
			fprintf(stderr, "amanat: skipped case %s (from line %u): see above\n",
				in.r[i].case_id ? in.r[i].case_id : "?", in.r[i].line);
			skipped++;
		}
	}
	if (skipped == in.n) {
		s = am_fail(&e, AM_EINPUT, "%s: no good case to seal; nothing was sealed",
			    argv[optind + 1]);
		goto out;
	}
	s = cli_casework_read(&w, co, CLI_ACT_FIND, "import: finding which cases exist already", 0,
			      &e);
	if (s != AM_OK)
		goto out;
	todo = calloc(in.n ? in.n : 1, sizeof(*todo));
	if (todo == NULL) {
		s = am_fail(&e, AM_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < in.n; i++) {
		const struct cases_version *old;
		if (in.bad[i])
			continue;
		old = cases_newest(&w.x, in.r[i].case_id);
		if (old != NULL && !old->problem && !old->rec.withdrawn) {
			char *d = NULL;
			s = cases_diff(&old->rec, &in.r[i], &d, &e);
			if (s != AM_OK)
				goto out;
			if (d[0] == '\0') { /* already sealed as it is: nothing to amend */
				free(d);
				unchanged++;
				continue;
			}
			free(d);
		}
		todo[ntodo].rec = &in.r[i];
		todo[ntodo].supersedes = old != NULL ? old->seq : UINT64_MAX;
		amended += old != NULL;
		acts += in.r[i].nacts;
		ntodo++;
	}
	if (co->json)
		printf("[");
	s = cases_seal_many(w.ct.v, w.ct.t, &w.id, todo, ntodo,
			    (struct cases_sealed_cb){ sealed_one, &sd }, cli_interruptible_begin(),
			    &done, &e);
	sig = cli_interruptible_end();
	if (co->json)
		printf("]\n");
	if (s != AM_OK) {
		fprintf(stderr, "amanat: %s: %zu of %zu cases were sealed (listed above, each whole); "
			"the rest were not: import the same file again to seal them (cases already "
			"sealed as they are in the file are left alone)\n",
			argv[optind + 1], done, ntodo);
		if (sig != 0) {
			cli_casework_release(&w);
			free(todo);
			cases_input_release(&in);
			cases_problems_release(&probs);
			return 128 + sig;
		}
		goto out;
	}
	fprintf(stderr, "imported %zu case%s (%zu new, %zu amended; %zu acts) from %s", done,
		done == 1 ? "" : "s", done - amended, amended, acts, argv[optind + 1]);
	if (unchanged > 0)
		fprintf(stderr, "; %zu already sealed as they are", unchanged);
	if (skipped > 0)
		fprintf(stderr, "; skipped %zu bad case%s", skipped, skipped == 1 ? "" : "s");
	fprintf(stderr, "\n");
out:
	cli_casework_release(&w);
	free(todo);
	cases_input_release(&in);
	cases_problems_release(&probs);
	if (s == AM_EINPUT && e.msg[0] == '\0')
		return cli_finish(EXIT_USAGE);
	return cli_done(&e, s);
}

int cmd_import(int argc, char **argv)
{
	return cli_run(run_import, argc, argv);
}
