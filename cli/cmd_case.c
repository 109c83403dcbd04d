/* cmd_case.c — amanat case new|amend|withdraw|show|history: one case record at a time. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/bytes.h"
#include "../common/fsutil.h"
#include "../crypto/crypto.h"
#include "../vault/note.h"
#include "casework.h"

/* Standard input, whole (at most max bytes), into buf; AM_EINPUT when larger. */
static enum am_status read_stdin(size_t max, unsigned char **buf, size_t *len, struct am_err *e)
{
	struct am_buf b;
	unsigned char chunk[65536];
	long long n;

	am_buf_init(&b);
	while ((n = am_read_full(STDIN_FILENO, chunk, sizeof(chunk))) > 0 && b.len <= max)
		am_buf_add(&b, chunk, (size_t)n);
	am_wipe(chunk, sizeof(chunk));
	if (n < 0 || b.len > max) {
		am_wipe(b.data, b.len);
		am_buf_release(&b);
		return am_fail(e, n < 0 ? AM_EIO : AM_EINPUT, n < 0 ? "cannot read standard input"
			       : "standard input is larger than a case record may be");
	}
	*buf = am_buf_detach(&b, len);
	return *buf != NULL ? AM_OK : am_fail(e, AM_ENOMEM, "out of memory");
}

/*
 * A record from FILE (or - for standard input), checked against the log:
 * EXIT_USAGE once its problems are said, else 0 with *s the status of reading.
 */
static int read_record(struct cli_casework *w, const char *path, struct cases_record *r,
		       struct am_err *e, enum am_status *s)
{
	struct cases_problems probs;
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc = 0;

	cases_problems_init(&probs);
	*s = cases_vocab_load(w->j, e);
	if (*s == AM_OK)
		*s = strcmp(path, "-") == 0 ? read_stdin(64u << 20, &buf, &len, e)
					    : am_read_small_file(path, 64u << 20, &buf, &len, e);
	if (*s != AM_OK)
		return 0;
	if (cases_record_parse(w->j, (const char *)buf, len, strcmp(path, "-") == 0 ?
			       "standard input" : path, &w->log, r, &probs) != 0) {
		cli_casework_problems(&probs);
		fprintf(stderr, "amanat: %s: nothing was sealed\n", strcmp(path, "-") == 0 ?
			"standard input" : path);
		rc = EXIT_USAGE;
	}
	cases_problems_release(&probs);
	am_wipe(buf, len);
	free(buf);
	return rc;
}

/* Seal one record or withdrawal superseding `supersedes`; prints the new entry number. */
static enum am_status seal_one(struct cli_casework *w, const struct cases_record *r,
			       uint64_t supersedes, struct am_err *e)
{
	struct cases_to_seal one = { r, supersedes, 0 };
	size_t done = 0;
	enum am_status s = cases_seal_many(w->ct.v, w->ct.t, &w->id, &one, 1,
					   (struct cases_sealed_cb){ NULL, NULL }, NULL, &done, e);

	if (s == AM_OK)
		printf("%llu\n", (unsigned long long)one.seq);
	return s;
}

/*
 * new, amend or withdraw by a member who cannot read the case records (a
 * field officer in a field vault, docs/FIELD.md): nothing is decrypted, so
 * whether the case exists is not checked; amend and withdraw supersede the
 * case entry --ref names (a type check on its header), or, without --ref,
 * no entry of this vault (a case sealed at headquarters: headquarters orders
 * versions of one case id by its own entry numbers, docs/CASES.md).
 */
static enum am_status blind_write(struct cli_casework *w, const char *sub, struct cases_record *r,
				  uint64_t ref, const char *id, const char *reason,
				  struct am_err *e)
{
	struct cases_record wd;

	if (ref != UINT64_MAX && strcmp(sub, "new") == 0)
		return am_fail(e, AM_EINPUT, "--ref names the version an amendment or withdrawal "
			       "supersedes; a new case has none");
	if (ref != UINT64_MAX && (ref >= w->log.size || w->types[ref] != AM_T_CASE))
		return am_fail(e, AM_EINPUT, "%s: entry %llu is not a case record", w->ct.path,
			       (unsigned long long)ref);
	if (strcmp(sub, "withdraw") == 0 && !cases_id_ok(id))
		return am_fail(e, AM_EINPUT, "'%.70s' is not a case id (1 to 64 letters, digits, ., _, "
			       "/ or -, starting with a letter or digit)", id);
	fprintf(stderr, "amanat: %s cannot read the case records of %s, so it is not checked "
		"whether case %s exists or which version is its newest%s\n", w->id.name, w->ct.path,
		r->case_id != NULL ? r->case_id : id, ref == UINT64_MAX && strcmp(sub, "new") != 0 ?
		"; it supersedes no entry of this vault: where the case's other versions are, it "
		"follows them" : "");
	if (strcmp(sub, "withdraw") != 0)
		return seal_one(w, r, ref, e);
	cases_record_init(&wd);
	wd.withdrawn = 1;
	wd.case_id = (char *)id;
	wd.reason = (char *)reason;
	return seal_one(w, &wd, ref, e);
}

/* The text form of a record, with its private values (a custodian's reading). */
static void print_record(const struct cases_version *v)
{
	const struct cases_record *r = &v->rec;

	printf("case %s, entry %llu%s\n", r->case_id, (unsigned long long)v->seq,
	       r->withdrawn ? " (withdrawn)" : "");
	if (r->withdrawn) {
		printf("reason: ");
		cli_print_value(stdout, (const unsigned char *)r->reason, strlen(r->reason));
		putchar('\n');
		return;
	}
	if (r->summary != NULL) {
		printf("summary: ");
		cli_print_value(stdout, (const unsigned char *)r->summary, strlen(r->summary));
		putchar('\n');
	}
	printf("vocabulary: %s\nconsent scopes:", r->vocabulary);
	for (size_t i = 0; i < r->nscopes; i++)
		printf(" %s", r->scopes[i]);
	printf("%s\n", r->nscopes ? "" : " (none)");
	for (size_t i = 0; i < r->nacts; i++) {
		const struct cases_act *a = &r->acts[i];
		printf("act %s: %s, %s (%s), %s / ", a->act_id, a->act_type, a->date,
		       a->precision == CASES_DAY ? "day" : a->precision == CASES_MONTH ? "month" : "year",
		       a->province);
		cli_print_value(stdout, (const unsigned char *)a->district, strlen(a->district));
		printf("\n  victim %s (%s, %s, %s), perpetrator %s, status %s\n", a->victim, a->sex,
		       a->age_group, a->affiliation, a->perpetrator, a->status);
		for (size_t k = 0; k < a->nsrc; k++)
			printf("  source: entry %llu (%s)\n", (unsigned long long)a->src[k].entry,
			       a->src[k].reliability);
		for (size_t k = 0; k < a->npriv; k++) {
			printf("  private %s: ", a->priv[k].name);
			cli_print_value(stdout, (const unsigned char *)a->priv[k].value,
					strlen(a->priv[k].value));
			putchar('\n');
		}
	}
}

/* history: every version, who sealed it and when, and what changed. */
static enum am_status history(struct cli_casework *w, const char *id, int json, struct am_err *e)
{
	size_t first, count;
	enum am_status s = AM_OK;

	cases_versions(&w->x, id, &first, &count);
	if (json)
		printf("[");
	for (size_t i = first; s == AM_OK && i < first + count; i++) {
		const struct cases_version *v = &w->x.v[i];
		char when[32], who[AM_NAME_MAX + 1], *d = NULL;
		cli_time(when, v->sealed_at_ms);
		cli_signer_name(&w->ms, v->signer, who, sizeof(who));
		s = cases_diff(i == first ? NULL : &w->x.v[i - 1].rec, &v->rec, &d, e);
		if (s != AM_OK)
			break;
		if (json) {
			printf("%s\n{\"entry\":%llu,\"sealed_at\":\"%s\",\"signer\":", i > first ? "," : "",
			       (unsigned long long)v->seq, when);
			json_cstr(stdout, who);
			printf(",\"kind\":\"%s\",\"supersedes\":", v->rec.withdrawn ? "withdrawal" :
			       i == first ? "record" : "amendment");
			if (v->supersedes == UINT64_MAX)
				printf("null");
			else
				printf("%llu", (unsigned long long)v->supersedes);
			if (v->imported) {
				char origin[AM_ORIGIN_MAX];
				am_origin(origin, v->field_id);
				printf(",\"field\":{\"vault\":\"%s\",\"entry\":%llu}", origin,
				       (unsigned long long)v->field_seq);
			}
			printf(",\"changes\":");
			json_cstr(stdout, d);
			printf("}");
		} else {
			printf("entry %llu: %s, sealed %s by %s", (unsigned long long)v->seq,
			       v->rec.withdrawn ? "withdrawal" : i == first ? "record" : "amendment",
			       when, who);
			if (v->supersedes != UINT64_MAX)
				printf(", supersedes entry %llu", (unsigned long long)v->supersedes);
			if (v->imported) {
				char origin[AM_ORIGIN_MAX];
				am_origin(origin, v->field_id);
				printf(", imported from field vault %s entry %llu", origin,
				       (unsigned long long)v->field_seq);
			}
			printf("%s\n", v->problem ? " (its record does not read back: not counted)" : "");
			for (char *line = d; *line != '\0';) {
				char *nl = strchr(line, '\n');
				printf("  ");
				cli_print_value(stdout, (const unsigned char *)line,
						nl ? (size_t)(nl - line) : strlen(line));
				putchar('\n');
				line = nl ? nl + 1 : line + strlen(line);
			}
		}
		free(d);
	}
	if (json && s == AM_OK)
		printf("\n]\n");
	return s;
}

static int run_case(int argc, char **argv, struct cli_common *co)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		{ "reason", required_argument, NULL, 'R' },
		{ "ref", required_argument, NULL, 'r' },
		CLI_OPT_PURPOSE,
		CLI_OPT_JSON,
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("case");
	struct cli_casework w;
	struct cases_record r;
	const struct cases_version *old;
	const char *sub, *reason = NULL;
	uint64_t ref = UINT64_MAX;
	int ch, rc = EXIT_OK, writes;
	struct am_err e;
	enum am_status s = AM_OK;

	am_err_init(&e);
	if (argc < 2 || argv[1][0] == '-')
		return cli_usage_error(c, "expected new, amend, withdraw, show or history");
	sub = argv[1];
	argc--;
	argv++;
	while ((ch = cli_getopt(c, argc, argv, "", opts, co)) != -1) {
		if (ch == 'R')
			reason = optarg;
		else if (ch == 'r' && cli_parse_u64(optarg, &ref) == 0)
			continue;
		else
			return ch == 'r' ? cli_usage_error(c, "--ref needs an entry number") : EXIT_USAGE;
	}
	writes = strcmp(sub, "new") == 0 || strcmp(sub, "amend") == 0 || strcmp(sub, "withdraw") == 0;
	if (!writes && strcmp(sub, "show") != 0 && strcmp(sub, "history") != 0)
		return cli_usage_error(c, "'%s' is not new, amend, withdraw, show or history", sub);
	if (argc - optind != 2)
		return cli_usage_error(c, "expected VAULT and %s", strcmp(sub, "new") == 0 ||
				       strcmp(sub, "amend") == 0 ? "FILE.json (or -)" : "CASE_ID");
	if (co->as == NULL)
		return cli_usage_error(c, "--as ID is required");
	if (strcmp(sub, "withdraw") == 0 && (reason == NULL || cli_blank(reason, strlen(reason))))
		return cli_usage_error(c, "withdraw needs --reason TEXT: why the case is withdrawn");
	cli_casework_init(&w);
	cases_record_init(&r);
	s = cli_casework_open(&w, argv[optind], &e);
	if (s == AM_OK && (strcmp(sub, "new") == 0 || strcmp(sub, "amend") == 0)) {
		rc = read_record(&w, argv[optind + 1], &r, &e, &s);
		if (rc != 0)
			goto out;
	}
	if (s == AM_OK && writes) {
		int custodian = 0;
		s = cli_casework_unlock(&w, co, &custodian, &e);
		if (s == AM_OK && custodian == 0) {
			s = blind_write(&w, sub, &r, ref, argv[optind + 1], reason, &e);
			goto out;
		}
	}
	if (s == AM_OK)
		s = cli_casework_read(&w, co, CLI_ACT_FIND, writes ? "case: finding the case's newest "
				      "version" : "case: reading a case", 0, &e);
	if (s != AM_OK)
		goto out;
	old = cases_newest(&w.x, r.case_id != NULL ? r.case_id : argv[optind + 1]);
	if (strcmp(sub, "new") == 0 && old != NULL) {
		s = am_fail(&e, AM_EINPUT, "case %s exists already (its newest version is entry %llu): "
			    "use 'amanat case amend'", r.case_id, (unsigned long long)old->seq);
	} else if (strcmp(sub, "new") != 0 && old == NULL) {
		s = am_fail(&e, AM_EINPUT, "%s: no case %s that %s can read", argv[optind],
			    r.case_id != NULL ? r.case_id : argv[optind + 1], co->as);
	} else if (writes && old != NULL && ref != UINT64_MAX && ref != old->seq) {
		s = am_fail(&e, AM_EINPUT, "case %s's newest version is entry %llu, not %llu: it was "
			    "amended since; see 'amanat case history'", old->rec.case_id,
			    (unsigned long long)old->seq, (unsigned long long)ref);
	} else if (strcmp(sub, "withdraw") == 0 && old->rec.withdrawn) {
		s = am_fail(&e, AM_EINPUT, "case %s is withdrawn already (entry %llu)", old->rec.case_id,
			    (unsigned long long)old->seq);
	} else if (strcmp(sub, "new") == 0 || strcmp(sub, "amend") == 0) {
		s = seal_one(&w, &r, old != NULL ? old->seq : UINT64_MAX, &e);
	} else if (strcmp(sub, "withdraw") == 0) {
		struct cases_record wd;
		cases_record_init(&wd);
		wd.withdrawn = 1;
		wd.case_id = old->rec.case_id;
		wd.reason = (char *)reason;
		s = seal_one(&w, &wd, old->seq, &e);
	} else if (strcmp(sub, "history") == 0) {
		s = history(&w, old->rec.case_id, co->json, &e);
	} else if (co->json) {
		char *json = NULL;
		size_t len = 0;
		if (old->rec.withdrawn) {
			printf("{\"entry\":%llu,\"case_id\":", (unsigned long long)old->seq);
			json_cstr(stdout, old->rec.case_id);
			printf(",\"withdrawn\":");
			json_cstr(stdout, old->rec.reason);
			printf("}\n");
		} else if ((s = cases_record_json(&old->rec, 1, &json, &len, &e)) == AM_OK) {
			printf("{\"entry\":%llu,\"record\":%s}\n", (unsigned long long)old->seq, json);
		}
		free(json);
	} else {
		print_record(old);
	}
out:
	cases_record_release(&r);
	cli_casework_release(&w);
	return rc != 0 ? rc : cli_done(&e, s);
}

int cmd_case(int argc, char **argv)
{
	return cli_run(run_case, argc, argv);
}
