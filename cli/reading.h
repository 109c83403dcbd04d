/*
 * reading.h — what list and log, and show and extract, share: reading a
 * vault through its pin, with a custodian's reading put on the record before
 * anything is decrypted.
 */
#ifndef AMANAT_CLI_READING_H
#define AMANAT_CLI_READING_H

#include "cli.h"
#include "pin.h"

/*
 * A custodian's reading is recorded in the vault before anything is
 * decrypted, so the vault at path must be writable here (the file, and its
 * directory for SQLite's journal).  AM_OK, or AM_EIO saying so and what to
 * do; called before any passphrase is asked.  A path that does not exist is
 * left for opening it to report.
 */
enum am_status cli_check_recordable(const char *path, struct am_err *e);

/*
 * What a listing shows, from --type, --signer, --from/--to and --seq (public
 * headers) and, with --as, --case (the sealed case field).  An empty filter
 * shows every entry.
 */
#define CLI_MAX_CASES 64
struct cli_filter {
	unsigned types;      /* 1 << type for each --type; 0: every type */
	const char *signer;  /* --signer: a member's name or key id, or NULL */
	int has_from, has_to;
	int64_t from_ms, to_ms; /* sealing time, UTC */
	uint64_t lo, hi;     /* --seq A-B: A..B; 0..UINT64_MAX when not given */
	const char *cases[CLI_MAX_CASES];
	size_t ncases;
};

/*
 * list and log: the verified entries of a vault one row at a time, with the
 * signer's name and, for the reader --as names, the fields it could open.
 */
struct cli_listing {
	struct cli_common co;
	struct cli_filter filter;
	struct cli_trust ct;
	struct am_identity reader;
	struct am_members ms;
	int which;        /* as cli_entries_of: the entries recorded, and opened with --as */
	uint64_t size;    /* entries verified */
	uint64_t next;    /* the entry cli_listing_next reads */
	uint64_t shown;   /* rows printed so far */
	uint64_t custody[2]; /* with --as: the first and last custody entry recording the reading */
	enum am_status s; /* AM_OK, or why the listing stopped (said in e) */
	struct am_err e;
	/* the current row */
	uint64_t seq;
	struct am_entry_pub p;
	struct am_fields f; /* empty unless --as could open this entry */
	char when[32], who[AM_NAME_MAX + 1];
};
/*
 * Take the arguments of the command named (VAULT [--as ID] [--json]
 * [--passphrase-fd N], and with filters the options of struct cli_filter),
 * open the vault through its pin and, with --as, unlock the reader and
 * record the reading of the entries cli_entries_of(which) names that the
 * filter's public part keeps, as a custody entry of action, before anything
 * is read; with --json, begin the output's array.
 * EXIT_OK with l ready for cli_listing_next, or the exit code of an error it
 * has reported (l is then released).
 */
int cli_listing_start(struct cli_listing *l, const char *name, int argc, char **argv,
		      int which, unsigned action, int filters);
/*
 * Step to the next verified entry the filter keeps: 1 with it in l; 0 after
 * the last, or with l->s set.
 */
int cli_listing_next(struct cli_listing *l);
/* Count the current row as printed and, in JSON, begin its object after the one before. */
void cli_listing_row(struct cli_listing *l);
/*
 * End the JSON array if all went well and say which custody entry recorded
 * the reading, release l; returns the exit code.
 */
int cli_listing_finish(struct cli_listing *l);

/*
 * show and extract: a custodian reading one entry.  Opened, unlocked and
 * checked first; recorded (cli_reading_record) before anything is decrypted.
 */
struct cli_reading {
	struct cli_trust ct;
	struct am_identity reader;
	uint64_t seq;
	uint64_t custody; /* the custody entry that recorded the reading, */
	int recorded;     /* once recorded */
};
void cli_reading_init(struct cli_reading *r, uint64_t seq);
void cli_reading_release(struct cli_reading *r);
/* Open path through its pin, writable: the reading will be recorded in it. */
enum am_status cli_reading_open(struct cli_reading *r, const char *path, struct am_err *e);
/* Unlock the custodian --as names and check it may open the entry (AM_EAUTH if not). */
enum am_status cli_reading_unlock(struct cli_reading *r, const struct cli_common *co,
				  struct am_err *e);
/* Record the reading (action, with --purpose) as a custody entry. */
enum am_status cli_reading_record(struct cli_reading *r, unsigned action,
				  const struct cli_common *co, struct am_err *e);
/*
 * A reading's last word: once it succeeded, say on stderr which custody
 * entry recorded it (as export does); release r; the exit code of s.
 */
int cli_reading_done(struct cli_reading *r, const struct am_err *e, enum am_status s);

#endif
