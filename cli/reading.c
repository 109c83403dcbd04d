/*
 * reading.c — reading a vault through its pin for list and log, and for show
 * and extract (reading.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
	am_fields_release(&l->f);
	am_entry_pub_release(&l->p);
	am_members_release(&l->ms);
	cli_trust_close(&l->ct);
	am_identity_release(&l->reader);
}

int cli_listing_start(struct cli_listing *l, const char *name, int argc, char **argv,
		      int which, unsigned action)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		CLI_OPT_JSON,
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find(name);

	memset(l, 0, sizeof(*l));
	am_identity_init(&l->reader);
	am_fields_init(&l->f);
	am_err_init(&l->e);
	l->which = which;
	if (cli_options(c, argc, argv, opts, &l->co) != 0)
		return EXIT_USAGE;
	if (argc - optind != 1)
		return cli_usage_error(c, "expected one VAULT");
	/* with --as the reading is recorded: say so before asking for a passphrase */
	if (l->co.as != NULL && (l->s = cli_check_recordable(argv[optind], &l->e)) != AM_OK)
		return cli_fail(&l->e, l->s);
	l->s = cli_open_listing(&l->ct, argv[optind], l->co.as, &l->co.pass, &l->reader, which,
				action, &l->ms, &l->e);
	if (l->s != AM_OK) {
		listing_release(l);
		return cli_fail(&l->e, l->s);
	}
	l->size = am_trusted_size(l->ct.t);
	if (l->co.json)
		printf("[");
	return EXIT_OK;
}

int cli_listing_next(struct cli_listing *l)
{
	int custody;

	am_fields_release(&l->f);
	am_entry_pub_release(&l->p);
	if (l->s != AM_OK || l->next >= l->size)
		return 0;
	l->s = cli_read_verified(&l->ct, l->next, &l->p, &l->e);
	if (l->s != AM_OK)
		return 0;
	l->seq = l->next++;
	custody = l->p.h.type == AM_T_CUSTODY;
	/* only what the custody record names; one it cannot open shows its header alone */
	if (l->co.as != NULL && am_type_sealed(l->p.h.type) && custody == (l->which == 1) &&
	    am_open_fields(l->ct.v, &l->reader, l->seq, &l->f, NULL) != AM_OK)
		am_fields_init(&l->f);
	cli_time(l->when, l->p.h.sealed_at_ms);
	cli_signer_name(&l->ms, l->p.h.signer, l->who, sizeof(l->who));
	return 1;
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
	return am_record_custody(r->ct.v, r->ct.t, &r->reader, action, &r->seq, 1, co->purpose,
				 NULL, e);
}
