/*
 * reading.c — reading a vault through its pin for list and log, and for show
 * and extract (reading.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "reading.h"

/* errno from access(path, W_OK) when it says the file cannot be written, else 0. */
static int not_writable(const char *path)
{
	if (access(path, W_OK) == 0)
		return 0;
	return errno == EROFS || errno == EACCES || errno == EPERM ? errno : 0;
}

enum am_status cli_check_recordable(const char *path, struct am_err *e)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? strdup(".") : slash == path ? strdup("/")
					   : strndup(path, (size_t)(slash - path));
	int err;

	if (dir == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	if (access(path, F_OK) != 0) {
		free(dir);
		return AM_OK;
	}
	err = not_writable(path);
	if (err == 0)
		err = not_writable(dir);
	free(dir);
	if (err == 0)
		return AM_OK;
	return am_fail(e, AM_EIO, "%s cannot be written here (%s), and every reading by a "
		       "custodian is first recorded in the vault as a custody entry, so reading "
		       "needs a writable vault; copy the vault file to a writable place and read "
		       "the copy (then bring the copy, with its custody entry, back to be kept), "
		       "or read in the office's vault", path, strerror(err));
}

static void listing_release(struct cli_listing *l)
{
	am_vault_read_end(l->ct.v);
	am_fields_release(&l->f);
	am_entry_pub_release(&l->p);
	am_members_release(&l->ms);
	cli_trust_close(&l->ct);
	am_identity_release(&l->reader);
}

/* --seq A-B, A- or A into f; 0, or -1 for anything else. */
static int parse_seq_range(const char *arg, struct cli_filter *f)
{
	const char *dash = strchr(arg, '-');
	char lo[32];

	if (dash == NULL) {
		if (cli_parse_u64(arg, &f->lo) != 0)
			return -1;
		f->hi = f->lo;
		return 0;
	}
	if ((size_t)(dash - arg) >= sizeof(lo))
		return -1;
	memcpy(lo, arg, (size_t)(dash - arg));
	lo[dash - arg] = '\0';
	if (cli_parse_u64(lo, &f->lo) != 0)
		return -1;
	if (dash[1] == '\0') {
		f->hi = UINT64_MAX;
		return 0;
	}
	return cli_parse_u64(dash + 1, &f->hi) == 0 && f->lo <= f->hi ? 0 : -1;
}

/* One of the filter's options (ch as in cli_listing_start's table); 0 or EXIT_USAGE. */
static int filter_option(const struct cli_cmd *c, struct cli_filter *f, int ch, const char *arg)
{
	unsigned t;

	switch (ch) {
	case 't':
		t = am_type_from_name(arg);
		if (t == 0 || t >= 32)
			return cli_usage_error(c, "--type must be genesis, enroll, revoke, testimony, "
					       "document, media, case or custody");
		f->types |= 1u << t;
		return 0;
	case 's':
		f->signer = arg;
		return 0;
	case 'F':
		f->has_from = 1;
		return cli_date_arg(c, "--from", arg, 0, &f->from_ms);
	case 'T':
		f->has_to = 1;
		return cli_date_arg(c, "--to", arg, 1, &f->to_ms);
	case 'n':
		if (parse_seq_range(arg, f) != 0)
			return cli_usage_error(c, "--seq needs entry numbers A-B (A <= B), A- or A");
		return 0;
	case 'c':
		if (f->ncases == CLI_MAX_CASES)
			return cli_usage_error(c, "too many --case (at most %d)", CLI_MAX_CASES);
		f->cases[f->ncases++] = arg;
		return 0;
	default: /* cli_getopt has said what is wrong */
		return EXIT_USAGE;
	}
}

/* 1 when the member signing with pk is called, or has the key id, that --signer gave. */
static int signer_matches(const struct cli_listing *l, const unsigned char pk[AM_SIGN_PK_LEN])
{
	const struct am_member *m = am_members_find(&l->ms, pk);
	char kid[2 * AM_KEYID_LEN + 1];

	am_key_id_hex(kid, pk);
	return strcasecmp(kid, l->filter.signer) == 0 ||
	       (m != NULL && strcmp(m->name, l->filter.signer) == 0);
}

/* cli_keep_fn: the filter's public part, over a verified header (ctx is the listing). */
static int keep_header(void *ctx, uint64_t seq, const struct am_header *h)
{
	const struct cli_listing *l = ctx;
	const struct cli_filter *f = &l->filter;

	return seq >= f->lo && seq <= f->hi &&
	       (f->types == 0 || (h->type < 32 && (f->types >> h->type & 1u)) ||
		(am_entry_kind(h) < 32 && (f->types >> am_entry_kind(h) & 1u))) &&
	       (f->signer == NULL || signer_matches(l, h->signer)) &&
	       (!f->has_from || h->sealed_at_ms >= f->from_ms) &&
	       (!f->has_to || h->sealed_at_ms <= f->to_ms);
}

/* 1 when no --case was given, or the current row's sealed case is one of them. */
static int case_matches(const struct cli_listing *l)
{
	const struct am_field *k = am_fields_get(&l->f, "case");

	if (l->filter.ncases == 0)
		return 1;
	for (size_t i = 0; k != NULL && i < l->filter.ncases; i++)
		if (k->vlen == strlen(l->filter.cases[i]) &&
		    memcmp(k->value, l->filter.cases[i], k->vlen) == 0)
			return 1;
	return 0;
}

int cli_listing_start(struct cli_listing *l, const char *name, int argc, char **argv,
		      int which, unsigned action, int filters)
{
	static const struct option plain[] = {
		CLI_OPT_AS,
		CLI_OPT_JSON,
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	static const struct option filtered[] = {
		CLI_OPT_AS,
		{ "type", required_argument, NULL, 't' },
		{ "signer", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "seq", required_argument, NULL, 'n' },
		{ "case", required_argument, NULL, 'c' },
		CLI_OPT_JSON,
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find(name);
	const struct cli_filter *f = &l->filter;
	int ch;

	memset(l, 0, sizeof(*l));
	am_identity_init(&l->reader);
	am_fields_init(&l->f);
	am_err_init(&l->e);
	l->which = which;
	l->filter.hi = UINT64_MAX;
	cli_common_init(&l->co);
	while ((ch = cli_getopt(c, argc, argv, "", filters ? filtered : plain, &l->co)) != -1)
		if (filter_option(c, &l->filter, ch, optarg) != 0)
			return EXIT_USAGE;
	if (argc - optind != 1)
		return cli_usage_error(c, "expected one VAULT");
	if (f->ncases > 0 && l->co.as == NULL)
		return cli_usage_error(c, "--case is sealed: it needs --as CUSTODIAN.id");
	if (f->has_from && f->has_to && f->from_ms > f->to_ms)
		return cli_usage_error(c, "--from is after --to");
	/* with --as the reading is recorded: say so before asking for a passphrase */
	if (l->co.as != NULL && (l->s = cli_check_recordable(argv[optind], &l->e)) != AM_OK)
		return cli_fail(&l->e, l->s);
	l->s = cli_open_listing(&l->ct, argv[optind], l->co.as, &l->co.pass, &l->reader, which,
				keep_header, l, action, &l->ms, l->custody, &l->e);
	if (l->s != AM_OK) {
		listing_release(l);
		return cli_fail(&l->e, l->s);
	}
	/* one snapshot, and no lock per row: a reading of every entry costs what its rows do */
	l->s = am_vault_read_begin(l->ct.v, &l->e);
	if (l->s != AM_OK) {
		listing_release(l);
		return cli_fail(&l->e, l->s);
	}
	l->size = am_trusted_size(l->ct.t);
	l->next = f->lo;
	if (l->co.json)
		printf("[");
	return EXIT_OK;
}

int cli_listing_next(struct cli_listing *l)
{
	int custody;

	for (;;) {
		am_fields_release(&l->f);
		am_entry_pub_release(&l->p);
		if (l->s != AM_OK || l->next >= l->size || l->next > l->filter.hi)
			return 0;
		l->s = am_entry_read_trusted(l->ct.v, l->ct.t, l->next, &l->p, &l->e);
		if (l->s != AM_OK)
			return 0;
		l->seq = l->next++;
		if (!keep_header(l, l->seq, &l->p.h))
			continue;
		custody = am_entry_kind(&l->p.h) == AM_T_CUSTODY;
		/* only what the custody record names; one it cannot open shows its header alone */
		if (l->co.as != NULL && am_header_sealed(&l->p.h) && custody == (l->which == 1) &&
		    am_open_fields(l->ct.v, &l->reader, l->seq, &l->f, NULL) != AM_OK)
			am_fields_init(&l->f);
		if (!case_matches(l))
			continue;
		cli_time(l->when, l->p.h.sealed_at_ms);
		cli_signer_name(&l->ms, l->p.h.signer, l->who, sizeof(l->who));
		return 1;
	}
}

void cli_listing_row(struct cli_listing *l)
{
	if (l->co.json)
		printf("%s\n{", l->shown ? "," : "");
	l->shown++;
}

int cli_listing_finish(struct cli_listing *l)
{
	if (l->s == AM_OK && l->co.json)
		printf("\n]\n");
	if (l->s == AM_OK && l->co.as != NULL && l->custody[1] > l->custody[0])
		fprintf(stderr, "recorded as custody entries %llu to %llu\n",
			(unsigned long long)l->custody[0], (unsigned long long)l->custody[1]);
	else if (l->s == AM_OK && l->co.as != NULL)
		fprintf(stderr, "recorded as custody entry %llu\n", (unsigned long long)l->custody[0]);
	listing_release(l);
	return cli_done(&l->e, l->s);
}

void cli_reading_init(struct cli_reading *r, uint64_t seq)
{
	memset(r, 0, sizeof(*r));
	am_identity_init(&r->reader);
	r->seq = seq;
}

void cli_reading_release(struct cli_reading *r)
{
	cli_trust_close(&r->ct);
	am_identity_release(&r->reader);
}

enum am_status cli_reading_open(struct cli_reading *r, const char *path, struct am_err *e)
{
	enum am_status s = cli_check_recordable(path, e);

	return s == AM_OK ? cli_trust_open(&r->ct, path, 1, e) : s;
}

enum am_status cli_reading_unlock(struct cli_reading *r, const struct cli_common *co,
				  struct am_err *e)
{
	enum am_status s = cli_unlock(&co->pass, co->as, &r->reader, e);

	if (s == AM_OK)
		s = am_can_open(r->ct.v, &r->reader, r->seq, e);
	return s;
}

enum am_status cli_reading_record(struct cli_reading *r, unsigned action,
				  const struct cli_common *co, struct am_err *e)
{
	enum am_status s = am_record_custody(r->ct.v, r->ct.t, &r->reader, action, &r->seq, 1,
					     co->purpose, &r->custody, e);

	r->recorded = s == AM_OK;
	return s;
}

int cli_reading_done(struct cli_reading *r, const struct am_err *e, enum am_status s)
{
	if (s == AM_OK && r->recorded)
		fprintf(stderr, "recorded as custody entry %llu\n", (unsigned long long)r->custody);
	cli_reading_release(r);
	return cli_done(e, s);
}
