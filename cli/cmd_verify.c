/*
 * cmd_verify.c — amanat verify and amanat audit: checking a vault with
 * public keys only.  They share one engine: verify starts where it is told
 * (genesis, a signed checkpoint, a resume point); audit starts from what this
 * auditor verified last time and remembers what it verified now, so a vault
 * replaced by an older copy, truncated or forked fails even when it is
 * internally consistent.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pin.h"
#include "reading.h"
#include "trust.h"

#define MAX_WITNESSES 64

struct run {
	int audit, full;
	enum am_verify_tier tier;
	const char *path, *since, *checkpoint, *state, *resume;
	const char *wit[MAX_WITNESSES];
	size_t nwit, quorum;
	double max_seconds;
	struct cli_common co; /* --as (with --deep), --json, --passphrase-fd */
};

static const char *tier_name(enum am_verify_tier t)
{
	return t == AM_VERIFY_QUICK ? "quick" : t == AM_VERIFY_DEEP ? "deep" : "full";
}

/*
 * Entries a revoked key signed between its stated compromise and its
 * revocation: valid signatures, but to be re-examined.  Warnings on stderr,
 * and a "compromised" array in the JSON report.
 */
static void report_compromised(const struct run *ru, const struct am_compromise_report *cr)
{
	if (ru->co.json)
		printf(",\"compromised\":[");
	for (size_t i = 0; i < cr->n; i++) {
		const struct am_compromised *c = &cr->v[i];
		char kid[2 * AM_KEYID_LEN + 1], when[32] = "";

		am_key_id_hex(kid, c->pk);
		if (c->kind == AM_SINCE_TIME)
			cli_time(when, c->since_ms);
		if (ru->co.json) {
			printf("%s{\"revoke_entry\":%llu,\"key_id\":\"%s\",\"since_entry\":%llu,",
			       i ? "," : "", (unsigned long long)c->revoke_seq, kid,
			       (unsigned long long)c->since_seq);
			if (c->kind == AM_SINCE_TIME)
				printf("\"since_time\":\"%s\",", when);
			printf("\"reason\":");
			json_cstr(stdout, c->reason);
			printf(",\"entries\":[");
			for (size_t k = 0; k < c->n; k++)
				printf("%s%llu", k ? "," : "", (unsigned long long)c->seqs[k]);
			printf("]}");
			continue;
		}
		fprintf(stderr, "amanat: warning: key %s was revoked in entry %llu as compromised "
			"since entry %llu%s%s%s; it signed %zu entr%s from there to its revocation%s",
			kid, (unsigned long long)c->revoke_seq, (unsigned long long)c->since_seq,
			when[0] ? " (" : "", when, when[0] ? ")" : "", c->n, c->n == 1 ? "y" : "ies",
			c->n ? ", to re-examine:" : "");
		for (size_t k = 0; k < c->n; k++)
			fprintf(stderr, " %llu", (unsigned long long)c->seqs[k]);
		fprintf(stderr, "\n");
		if (c->reason[0] != '\0') {
			fprintf(stderr, "amanat: warning: reason given: ");
			cli_print_value(stderr, (const unsigned char *)c->reason, strlen(c->reason));
			fprintf(stderr, "\n");
		}
	}
	if (ru->co.json)
		printf("]");
}

/* Print the outcome; returns the exit code. */
static int report(const struct run *ru, const struct am_verify_report *r, uint64_t from,
		  const char *origin, const char *note, const struct am_compromise_report *cr)
{
	char root[2 * AM_HASH_LEN + 1];

	am_hex(root, r->root, AM_HASH_LEN);
	if (ru->co.json) {
		printf("{\"ok\":%s,\"complete\":%s,\"origin\":\"%s\",\"tier\":\"%s\",\"from\":%llu,"
		       "\"size\":%llu,\"entries_checked\":%llu,\"chunks\":%llu,\"checkpoints\":%llu,"
		       "\"root\":\"%s\"",
		       r->ok ? "true" : "false", r->complete ? "true" : "false", origin,
		       tier_name(ru->tier), (unsigned long long)from, (unsigned long long)r->size,
		       (unsigned long long)r->entries, (unsigned long long)r->chunks,
		       (unsigned long long)r->checkpoints, root);
		if (ru->tier == AM_VERIFY_DEEP)
			printf(",\"undecryptable\":%llu", (unsigned long long)r->undecryptable);
		if (!r->ok) {
			printf(",\"bad_entry\":%llu,\"reason\":", (unsigned long long)r->bad_seq);
			json_cstr(stdout, r->reason);
		}
		if (cr != NULL)
			report_compromised(ru, cr);
		printf("}\n");
	} else if (r->ok) {
		printf("%s: %llu entries verified (%s tier), tree of %llu entries, root %s\n",
		       r->complete ? "ok" : "incomplete", (unsigned long long)r->entries,
		       tier_name(ru->tier), (unsigned long long)r->size, root);
		if (from)
			printf("    only entries %llu and later were checked one by one; the stored tree "
			       "of entries 0-%llu\n    still folds to the trusted root of %llu entries "
			       "(their rows were not re-read)\n",
			       (unsigned long long)from, (unsigned long long)from - 1,
			       (unsigned long long)from);
		if (ru->tier == AM_VERIFY_DEEP && r->undecryptable)
			printf("    %llu entries were sealed before this custodian was enrolled and "
			       "could not be decrypted\n", (unsigned long long)r->undecryptable);
		if (note != NULL)
			printf("    %s\n", note);
		if (cr != NULL)
			report_compromised(ru, cr);
	}
	if (!r->ok)
		fprintf(stderr, "amanat: %s: entry %llu: %s\n", ru->path,
			(unsigned long long)r->bad_seq, r->reason);
	return cli_finish(r->ok ? EXIT_OK : EXIT_VERIFY);
}

/* 1 when path opens as a vault file cut short (a truncated copy). */
static int cut_short(const char *path)
{
	struct am_vault *v = NULL;
	int cut = am_vault_open(path, 0, &v, NULL) == AM_OK && am_vault_cut(v, NULL, 0);

	am_vault_close(v);
	return cut;
}

static int run(struct run *ru)
{
	struct am_verify_opts o;
	struct am_verify_report r;
	struct am_identity reader;
	struct am_vkey wit[MAX_WITNESSES];
	struct am_checkpoint cp;
	struct cli_state st, resume;
	struct cli_progress prog;
	struct am_compromise_report cr = { NULL, 0 };
	struct am_vault *v = NULL;
	struct cli_trust ct;
	struct cli_pin pin;
	char *pinfile = NULL;
	unsigned char vid[AM_VAULT_ID_LEN];
	char origin[AM_ORIGIN_MAX];
	const char *note = NULL;
	struct am_err e;
	enum am_status s;
	int rc = EXIT_OK, first_audit = 0;

	am_err_init(&e);
	am_identity_init(&reader);
	memset(&o, 0, sizeof(o));
	memset(&cp, 0, sizeof(cp));
	memset(&st, 0, sizeof(st));
	memset(&resume, 0, sizeof(resume));
	memset(&ct, 0, sizeof(ct));
	cli_pin_init(&pin);
	if (ru->tier == AM_VERIFY_DEEP && cut_short(ru->path)) {
		/* decrypting is recorded first, and a cut copy takes no record: check what keys need not */
		fprintf(stderr, "amanat: %s is cut short: nothing is decrypted; checking every "
			"hash and signature with public keys instead\n", ru->path);
		ru->tier = AM_VERIFY_FULL;
	}
	o.tier = ru->tier;
	o.max_seconds = ru->max_seconds;
	if (ru->tier == AM_VERIFY_DEEP || ru->since != NULL || ru->checkpoint != NULL) {
		/* a custody record, or the members who sign checkpoints: from the pin first */
		memset(&r, 0, sizeof(r));
		ct.report = &r;
		/* --deep records a custody entry: a read-only vault is said before the passphrase */
		s = ru->tier == AM_VERIFY_DEEP ? cli_check_recordable(ru->path, &e) : AM_OK;
		if (s == AM_OK)
			s = cli_trust_open(&ct, ru->path, ru->tier == AM_VERIFY_DEEP, &e);
		v = ct.v;
		if (s == AM_EVERIFY && r.reason[0] != '\0') {
			/* the log does not verify up to here: say so as verify does */
			am_origin(origin, r.vault_id);
			rc = report(ru, &r, 0, origin, NULL, NULL);
			goto cleanup;
		}
	} else {
		s = am_vault_open(ru->path, 0, &v, &e);
	}
	if (s != AM_OK)
		goto fail;
	if (am_vault_id(v, vid, NULL) != AM_OK) {
		/* no readable genesis: the checks below report it as entry 0 */
		if (ru->audit || ru->since || ru->checkpoint || ru->resume || ru->tier == AM_VERIFY_DEEP) {
			s = am_fail(&e, AM_EVERIFY, "%s: entry 0 (genesis) is missing or damaged; run "
				    "'amanat verify'", ru->path);
			goto fail;
		}
		snprintf(origin, sizeof(origin), "amanat/unknown");
	} else {
		int found = 0;
		am_origin(origin, vid);
		/* the tree this user verified before: the vault must still agree with it */
		pinfile = cli_pin_file(vid);
		if (pinfile != NULL && !ru->audit && ct.t == NULL) {
			s = cli_pin_load(pinfile, &pin, &found, &e);
			if (s != AM_OK)
				goto fail;
			if (found && pin.pin.size > 0) {
				o.pin_size = pin.pin.size;
				memcpy(o.pin_root, pin.pin.root, AM_HASH_LEN);
			}
		}
	}
	for (size_t i = 0; i < ru->nwit && s == AM_OK; i++)
		s = cli_key_arg(ru->wit[i], NULL, AM_NOTE_COSIG, &wit[i], &e);
	if (s != AM_OK)
		goto fail;
	/* where to start, and what the vault must still agree with */
	if (ru->audit) {
		struct cli_state_entry *en;
		s = cli_state_load(ru->state, "audit.state", &st, &e);
		if (s != AM_OK)
			goto fail;
		en = cli_state_find(&st, origin);
		if (en == NULL) {
			first_audit = 1;
		} else if (ru->full) {
			o.pin_size = en->size;
			memcpy(o.pin_root, en->root, AM_HASH_LEN);
		} else {
			o.from_size = en->size;
			memcpy(o.from_root, en->root, AM_HASH_LEN);
		}
	}
	if (ru->resume != NULL && access(ru->resume, F_OK) == 0) {
		struct cli_state_entry *en;
		s = cli_state_load(ru->resume, NULL, &resume, &e);
		if (s != AM_OK)
			goto fail;
		en = cli_state_find(&resume, origin);
		if (en == NULL) {
			s = am_fail(&e, AM_EINPUT, "%s is a resume point for another vault", ru->resume);
			goto fail;
		}
		o.from_size = en->size;
		memcpy(o.from_root, en->root, AM_HASH_LEN);
	} else if (ru->resume != NULL) {
		resume.path = strdup(ru->resume);
	}
	if (ru->since != NULL || ru->checkpoint != NULL) {
		s = cli_trust_checkpoint(ct.t, ru->since ? ru->since : ru->checkpoint, wit, ru->nwit,
					 ru->quorum, &cp, &e);
		if (s != AM_OK)
			goto fail;
		if (ru->since != NULL && o.from_size == 0) {
			o.from_size = cp.size;
			memcpy(o.from_root, cp.root, AM_HASH_LEN);
		} else {
			o.pin_size = cp.size;
			memcpy(o.pin_root, cp.root, AM_HASH_LEN);
		}
	}
	if (ru->tier == AM_VERIFY_DEEP) {
		/* decrypting everything is a reading like any other: on the record first */
		uint64_t *refs = NULL;
		size_t nrefs = 0;
		s = cli_unlock(&ru->co.pass, ru->co.as, &reader, &e);
		if (s == AM_OK)
			s = cli_entries_of(&ct, 2, NULL, NULL, &refs, &nrefs, &e);
		if (s == AM_OK)
			s = am_record_custody(v, ct.t, &reader, AM_ACT_VERIFY_DEEP, refs, nrefs,
					      "deep verification", NULL, &e);
		free(refs);
		if (s != AM_OK)
			goto fail;
		o.reader = &reader;
	}
	o.progress = cli_progress_start(&prog, "verifying");
	s = am_verify_ex(v, &o, &r, &e);
	cli_progress_end(&prog);
	if (s != AM_OK)
		goto fail;
	/* the standard statement too: a consistency proof from the trusted point */
	if (r.ok && r.complete && o.from_size > 0) {
		unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH];
		size_t count = 0;
		if (am_prove_consistency(v, o.from_size, r.size, proof, &count, &e) != AM_OK ||
		    am_mt_verify_consistency(o.from_size, r.size, o.from_root, r.root,
					     AM_MT_CONST(proof), count) != 0) {
			r.ok = 0;
			r.bad_seq = o.from_size;
			snprintf(r.reason, sizeof(r.reason), "no valid consistency proof from the "
				 "trusted tree of %llu entries", (unsigned long long)o.from_size);
		}
	}
	/* what revoked keys signed after their stated compromise: valid, but to re-examine */
	if (r.ok && r.complete) {
		s = am_compromise_scan(v, r.size, r.root, &cr, &e);
		if (s != AM_OK)
			goto fail;
	}
	if (r.ok && r.complete && ru->audit) {
		s = cli_state_set(&st, origin, r.size, r.root, &e);
		if (s == AM_OK)
			s = cli_state_save(&st, &e);
		if (s != AM_OK)
			goto fail;
		note = first_audit ? "first audit of this vault: trusted from now on (trust on first "
				     "use); later audits require it to extend this tree"
				   : "this tree extends the one this auditor verified before";
	}
	if (resume.path != NULL && r.ok) {
		if (r.complete) {
			unlink(resume.path);
		} else {
			s = cli_state_set(&resume, origin, r.size, r.root, &e);
			if (s == AM_OK)
				s = cli_state_save(&resume, &e);
			if (s != AM_OK)
				goto fail;
			note = "stopped at --max-seconds; run again with the same --resume to go on";
		}
	}
	if (r.ok && r.complete && !ru->audit && ct.t == NULL && pinfile != NULL) {
		/*
		 * Pin what was verified, through the checks every command makes, but
		 * starting from the tree just verified (which extends the pin, when
		 * there was one): the entries are not verified twice.
		 */
		struct am_pin done;
		memset(&done, 0, sizeof(done));
		done.has_vault_id = 1;
		memcpy(done.vault_id, r.vault_id, AM_VAULT_ID_LEN);
		done.size = r.size;
		memcpy(done.root, r.root, AM_HASH_LEN);
		memcpy(done.genesis, r.genesis, AM_HASH_LEN);
		am_vault_close(v);
		v = NULL;
		ct.quiet = 1;
		ct.start = &done;
		s = cli_trust_open(&ct, ru->path, 0, &e);
		ct.start = NULL; /* done goes out of scope */
		if (s != AM_OK)
			goto fail;
	}
	rc = report(ru, &r, o.from_size, origin, note, &cr);
	goto cleanup;
fail:
	rc = cli_fail(&e, s);
cleanup:
	am_compromise_report_release(&cr);
	am_checkpoint_release(&cp);
	cli_state_release(&st);
	cli_state_release(&resume);
	am_identity_release(&reader);
	if (ct.v != NULL)
		cli_trust_close(&ct);
	else
		am_vault_close(v);
	cli_pin_release(&pin);
	free(pinfile);
	return rc;
}

static int verify_main(int argc, char **argv, int audit)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "deep", no_argument, NULL, 'd' },
		CLI_OPT_AS,
		{ "since", required_argument, NULL, 's' },
		{ "checkpoint", required_argument, NULL, 'c' },
		{ "witness", required_argument, NULL, 'w' },
		{ "quorum", required_argument, NULL, 'Q' },
		{ "max-seconds", required_argument, NULL, 'm' },
		{ "resume", required_argument, NULL, 'r' },
		{ "state", required_argument, NULL, 'S' },
		{ "full", no_argument, NULL, 'f' },
		CLI_OPT_JSON,
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find(audit ? "audit" : "verify");
	struct run ru;
	uint64_t n;
	int ch, quorum_set = 0;

	memset(&ru, 0, sizeof(ru));
	ru.audit = audit;
	ru.tier = AM_VERIFY_FULL;
	cli_common_init(&ru.co);
	while ((ch = cli_getopt(c, argc, argv, "", opts, &ru.co)) != -1) {
		switch (ch) {
		case 'q':
			ru.tier = AM_VERIFY_QUICK;
			break;
		case 'd':
			ru.tier = AM_VERIFY_DEEP;
			break;
		case 's':
			if (audit)
				return cli_usage_error(c, "audit starts from its own state, not --since");
			ru.since = optarg;
			break;
		case 'c':
			ru.checkpoint = optarg;
			break;
		case 'w':
			if (ru.nwit == MAX_WITNESSES)
				return cli_usage_error(c, "too many --witness");
			ru.wit[ru.nwit++] = optarg;
			break;
		case 'Q':
			if (cli_parse_u64(optarg, &n) != 0 || n == 0 || n > MAX_WITNESSES)
				return cli_usage_error(c, "--quorum needs a positive number");
			ru.quorum = (size_t)n;
			quorum_set = 1;
			break;
		case 'm':
			if (audit || cli_parse_u64(optarg, &n) != 0 || n == 0)
				return cli_usage_error(c, "--max-seconds needs a positive number of seconds");
			ru.max_seconds = (double)n;
			break;
		case 'r':
			if (audit)
				return cli_usage_error(c, "audit takes no --resume");
			ru.resume = optarg;
			break;
		case 'S':
			if (!audit)
				return cli_usage_error(c, "--state is for audit");
			ru.state = optarg;
			break;
		case 'f':
			if (!audit)
				return cli_usage_error(c, "--full is for audit (verify checks everything)");
			ru.full = 1;
			break;
		default: /* cli_getopt has said what is wrong */
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(c, "expected one VAULT");
	ru.path = argv[optind];
	if ((ru.tier == AM_VERIFY_DEEP) != (ru.co.as != NULL))
		return cli_usage_error(c, "--deep and --as CUSTODIAN.id go together");
	if (ru.max_seconds > 0 && ru.resume == NULL)
		return cli_usage_error(c, "--max-seconds needs --resume FILE to record where it stopped");
	if (ru.nwit > 0 && ru.since == NULL && ru.checkpoint == NULL)
		return cli_usage_error(c, "--witness checks the cosignatures on --checkpoint or --since");
	if (!quorum_set)
		ru.quorum = ru.nwit;
	if (ru.quorum > ru.nwit)
		return cli_usage_error(c, "--quorum is larger than the number of --witness keys");
	return run(&ru);
}

int cmd_verify(int argc, char **argv)
{
	return verify_main(argc, argv, 0);
}

int cmd_audit(int argc, char **argv)
{
	return verify_main(argc, argv, 1);
}
