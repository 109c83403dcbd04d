/*
 * cmd_rewrap.c — amanat rewrap: hand a custodian's access to entries sealed
 * before another custodian was enrolled, by wrapping their content keys to
 * that custodian without re-encrypting anything (docs/FORMAT.md §24).  It is
 * a reading (the keys are unwrapped), so it is on the record first.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/bytes.h"
#include "cli.h"
#include "pin.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* "3,5,7-9" into seqs, sorted; EXIT_USAGE once said. */
static int parse_list(const struct cli_cmd *c, const char *arg, uint64_t **v, size_t *n)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	size_t cap = 0;
	int rc = 0;

	if (copy == NULL)
		return cli_usage_error(c, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok != NULL && rc == 0;
	     tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		uint64_t lo, hi;
		if (dash != NULL)
			*dash = '\0';
		if (cli_parse_u64(tok, &lo) != 0 ||
		    (dash != NULL ? cli_parse_u64(dash + 1, &hi) != 0 : (hi = lo, 0)) || hi < lo ||
		    hi - lo > 1000000) {
			rc = cli_usage_error(c, "--entries takes entry numbers and ranges, as 3,5,7-9");
			break;
		}
		for (uint64_t q = lo; q <= hi && rc == 0; q++)
			if (am_u64_push(v, n, &cap, q) != 0)
				rc = cli_usage_error(c, "out of memory");
	}
	free(copy);
	if (rc == 0 && *n == 0)
		rc = cli_usage_error(c, "--entries names no entry");
	if (rc == 0) {
		qsort(*v, *n, sizeof(**v), cmp_u64);
		for (size_t i = 1; i < *n && rc == 0; i++)
			if ((*v)[i] == (*v)[i - 1])
				rc = cli_usage_error(c, "--entries names entry %llu twice",
						     (unsigned long long)(*v)[i]);
	}
	return rc;
}

/*
 * Check each named entry (or, with all, find every one) that opener can open
 * and the recipient cannot yet, on the verified log.
 */
static enum am_status choose(struct cli_trust *ct, const struct am_identity *opener,
			     const unsigned char to[AM_BOX_PK_LEN], int all, uint64_t **v,
			     size_t *n, struct am_err *e)
{
	uint64_t size = am_trusted_size(ct->t);
	size_t cap = 0, k = 0;

	if (all) {
		for (uint64_t q = 1; q < size; q++) {
			struct am_entry_pub p;
			int want;
			enum am_status s = am_entry_read_trusted(ct->v, ct->t, q, &p, e);
			if (s != AM_OK)
				return s;
			want = am_header_sealed(&p.h) && am_wrapped_to(ct->v, q, opener->box_pk, NULL) &&
			       !am_wrapped_to(ct->v, q, to, NULL);
			am_entry_pub_release(&p);
			if (want && am_u64_push(v, n, &cap, q) != 0)
				return am_fail(e, AM_ENOMEM, "out of memory");
		}
		if (*n == 0)
			return am_fail(e, AM_EINPUT, "%s: no entry that %s can read is still closed to "
				       "that custodian: nothing to hand over", ct->path, opener->name);
		return AM_OK;
	}
	for (k = 0; k < *n; k++) {
		uint64_t q = (*v)[k], via = 0;
		if (q >= size)
			return am_fail(e, AM_EINPUT, "%s has no entry %llu", ct->path,
				       (unsigned long long)q);
		if (!am_wrapped_to(ct->v, q, opener->box_pk, NULL))
			return am_fail(e, AM_EAUTH, "%s cannot open entry %llu: it is not a sealed "
				       "entry wrapped to this key", opener->name, (unsigned long long)q);
		/* named again after a rewrap: its box may not open, which only they can tell */
		if (am_wrapped_to(ct->v, q, to, &via) && via == q)
			return am_fail(e, AM_EINPUT, "entry %llu is already readable by that custodian",
				       (unsigned long long)q);
	}
	return AM_OK;
}

int cmd_rewrap(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		CLI_OPT_AS,
		{ "key", required_argument, NULL, 'k' },
		{ "entries", required_argument, NULL, 'E' },
		{ "all", no_argument, NULL, 'a' },
		CLI_OPT_PURPOSE,
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("rewrap");
	struct cli_common co;
	struct am_identity signer, opener, to;
	const struct am_member *rm;
	struct cli_trust ct;
	const char *topath = NULL, *keypath = NULL, *list = NULL;
	char purpose[AM_NAME_MAX + 32];
	uint64_t *seqs = NULL, first = 0, count = 0, cseq = 0;
	size_t n = 0;
	int ch, all = 0, rc;
	struct am_err e;
	enum am_status s;

	am_err_init(&e);
	am_identity_init(&signer);
	am_identity_init(&opener);
	am_identity_init(&to);
	memset(&ct, 0, sizeof(ct));
	cli_common_init(&co);
	while ((ch = cli_getopt(c, argc, argv, "", opts, &co)) != -1) {
		switch (ch) {
		case 't': topath = optarg; break;
		case 'k': keypath = optarg; break;
		case 'E': list = optarg; break;
		case 'a': all = 1; break;
		default: /* cli_getopt has said what is wrong */
			cli_common_release(&co);
			return EXIT_USAGE;
		}
	}
	rc = argc - optind != 1 ? cli_usage_error(c, "expected one VAULT")
	     : topath == NULL ? cli_usage_error(c, "--to NEW_CUSTODIAN.pub is required")
	     : co.as == NULL ? cli_usage_error(c, "--as CUSTODIAN.id is required")
	     : (list != NULL) == all ? cli_usage_error(c, "give --entries LIST or --all")
	     : list != NULL ? parse_list(c, list, &seqs, &n) : 0;
	if (rc != 0) {
		free(seqs);
		cli_common_release(&co);
		return rc;
	}
	s = cli_public_read(topath, &to, &e);
	if (s == AM_OK)
		s = cli_trust_open(&ct, argv[optind], 1, &e);
	if (s == AM_OK) {
		const struct am_members *ms = am_trusted_members(ct.t);
		rm = NULL;
		for (size_t i = 0; i < ms->n; i++)
			if (memcmp(ms->m[i].box_pk, to.box_pk, AM_BOX_PK_LEN) == 0)
				rm = &ms->m[i];
		if (rm == NULL || !(rm->roles & AM_ROLE_CUSTODIAN))
			s = am_fail(&e, AM_EINPUT, "%s is not an enrolled custodian of %s: enroll it "
				    "first (amanat enroll VAULT %s --role custodian --as ADMIN.id)",
				    topath, argv[optind], topath);
	}
	if (s == AM_OK)
		s = cli_unlock(&co.pass, co.as, &signer, &e);
	if (s == AM_OK && keypath != NULL)
		s = cli_unlock(&co.pass, keypath, &opener, &e);
	if (s == AM_OK)
		s = choose(&ct, keypath != NULL ? &opener : &signer, to.box_pk, all, &seqs, &n, &e);
	if (s == AM_OK) {
		/* the keys are unwrapped: a reading, recorded before it happens */
		snprintf(purpose, sizeof(purpose), "handover to %s", to.name);
		s = am_record_custody(ct.v, ct.t, &signer, AM_ACT_REWRAP, seqs, n,
				      co.purpose != NULL ? co.purpose : purpose, &cseq, &e);
	}
	if (s == AM_OK)
		s = am_rewrap(ct.v, ct.t, &signer, keypath != NULL ? &opener : &signer, to.box_pk,
			      seqs, n, &first, &count, &e);
	if (s == AM_OK) {
		for (uint64_t i = 0; i < count; i++)
			printf("%llu\n", (unsigned long long)(first + i));
		char range[48];
		if (count == 1)
			snprintf(range, sizeof(range), "entry %llu", (unsigned long long)first);
		else
			snprintf(range, sizeof(range), "entries %llu-%llu", (unsigned long long)first,
				 (unsigned long long)(first + count - 1));
		fprintf(stderr, "handed %zu entr%s over to %s in rewrap %s (custody entry %llu)\n", n,
			n == 1 ? "y" : "ies", to.name, range, (unsigned long long)cseq);
	}
	cli_trust_close(&ct);
	am_identity_release(&signer);
	am_identity_release(&opener);
	free(seqs);
	rc = cli_done(&e, s);
	cli_common_release(&co);
	return rc;
}
