/*
 * pin.h — opening a vault through the trust its user pinned before.
 *
 * Every command that acts on a vault opens it with cli_trust_open: the
 * vault is verified from this user's pin (kept under the XDG state
 * directory, never in the vault file) before anything is read, decrypted,
 * sealed or signed, and the pin advances to what was verified.  The first
 * use of a vault verifies it from its genesis and shows who its admins and
 * custodians are, so that the person can compare them with what they were
 * given on paper (docs/FORMAT.md, "local state").
 */
#ifndef AMANAT_CLI_PIN_H
#define AMANAT_CLI_PIN_H

#include "../vault/vault.h"
#include "cli.h"

/* A member as the pin remembers them, to show what changed since. */
struct cli_pinned_member {
	char kid[2 * AM_KEYID_LEN + 1];
	unsigned roles;
	char name[AM_NAME_MAX + 1];
};

/* What a pin file holds. */
struct cli_pin {
	struct am_pin pin;
	char *path; /* the vault file it was last used at (realpath), or NULL */
	struct cli_pinned_member *members;
	size_t nmembers;
};
void cli_pin_init(struct cli_pin *p);
void cli_pin_release(struct cli_pin *p);

/* A vault opened through its pin. */
struct cli_trust {
	struct am_vault *v;
	struct am_trusted *t;
	const char *path;
	char *pinfile;   /* NULL when there is no state directory */
	uint64_t saved;  /* size of the pin on disk */
	uint64_t loaded; /* size of the pin this open verified from */
	int quiet;       /* no first-use or change notices */
	/* set by the caller to receive verification's report of a problem */
	struct am_verify_report *report;
	/* set by the caller ('amanat trust'): the vault id the file must hold */
	const unsigned char *expect;
	/*
	 * set by the caller ('amanat verify'): a tree it has just verified itself
	 * and found to extend the pin, to start from instead of verifying again
	 */
	const struct am_pin *start;
};

/*
 * Open the vault at path and verify it from the pin (or from genesis on
 * first use, showing its members; refusing a file that now holds another
 * vault than the one pinned for this path).  AM_EVERIFY, naming the entry,
 * when the file does not extend what was trusted.
 */
enum am_status cli_trust_open(struct cli_trust *ct, const char *path, int writable,
			      struct am_err *e);
/* Pin a vault this user has just created (pin from am_vault_create). */
enum am_status cli_trust_created(const char *path, const struct am_pin *pin, struct am_err *e);
/* Save the pin if the verified log grew (warns on stderr if it cannot). */
void cli_trust_save(struct cli_trust *ct);
/* Save, close the vault, free. */
void cli_trust_close(struct cli_trust *ct);

/*
 * Which entries a reading keeps, from their verified public headers: 1 to
 * keep entry seq.  NULL keeps every one.
 */
typedef int (*cli_keep_fn)(void *ctx, uint64_t seq, const struct am_header *h);
/*
 * For list and log: open path through its pin, copy the verified members
 * into ms, and with --as unlock the reader and record the reading (of the
 * entries cli_entries_of(which, keep) names) as a custody entry of action
 * first: custody[0] and custody[1] the first and last of its entries (one
 * entry names at most AM_CUSTODY_REFS_MAX).  keep may read ms.
 */
enum am_status cli_open_listing(struct cli_trust *ct, const char *path, const char *as,
				const struct cli_pass *pass, struct am_identity *reader, int which,
				cli_keep_fn keep, void *ctx, unsigned action, struct am_members *ms,
				uint64_t custody[2], struct am_err *e);
/*
 * The entries a reading will touch, for its custody record: which 0 for
 * evidence (testimony, documents, media, cases), 1 for custody entries, 2 for
 * every sealed entry, among the entries of the verified log that keep keeps.
 * At most 65536, the most a record can name.
 */
enum am_status cli_entries_of(struct cli_trust *ct, int which, cli_keep_fn keep, void *ctx,
			      uint64_t **out, size_t *n, struct am_err *e);

/* "readable only by NAME (KEY ID), ..." on stderr: the custodians in ms. */
void cli_show_recipients(const struct am_members *ms);

/* The pin file for a vault id, under the state directory (malloc'ed), or NULL. */
char *cli_pin_file(const unsigned char vid[AM_VAULT_ID_LEN]);
/* Read a pin file; *found 0 (and AM_OK) when it does not exist. */
enum am_status cli_pin_load(const char *file, struct cli_pin *p, int *found, struct am_err *e);
/* Write the pin file for t (replacing it atomically, mode 0600). */
enum am_status cli_pin_store(const char *file, const char *vault_path, const struct am_pin *pin,
			     const struct am_members *ms, struct am_err *e);

#endif
