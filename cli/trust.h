/*
 * trust.h — verifier keys, trusted checkpoints and state files for the
 * transparency subcommands (see trust.c).
 */
#ifndef AMANAT_CLI_TRUST_H
#define AMANAT_CLI_TRUST_H

#include "../vault/note.h"
#include "../vault/proof.h"
#include "../vault/vault.h"
#include "cli.h"

/*
 * A key from an argument: a verifier key string (name+id+key), or a .pub /
 * .id file, used under name (or the identity's own name when name is NULL)
 * with signature type `type`.
 */
enum am_status cli_key_arg(const char *arg, const char *name, uint8_t type, struct am_vkey *k,
			   struct am_err *e);
/* 1 when a key argument names a key file (.pub, .id), not a verifier key string. */
int cli_key_is_file(const char *arg);
/* "amanat/<32 hex>" or the hex alone, as a vault id; 0, or -1 if it is neither. */
int cli_parse_vault_id(const char *arg, unsigned char vid[AM_VAULT_ID_LEN]);
/* The same, as an origin ("amanat/<32 hex>"). */
int cli_parse_origin(const char *arg, char origin[AM_ORIGIN_MAX]);
/*
 * For --key/--vault-key (named opt) and --vault: parse vault into origin,
 * and refuse (a usage error, printed; returns EXIT_USAGE) a key file given
 * without it.  A key alone signs for any vault its owner makes, so whoever
 * checks must say which vault they mean; a verifier key names it.
 */
int cli_keys_vault(const struct cli_cmd *c, const char *opt, const char *const *keys, size_t n,
		   const char *vault, char origin[AM_ORIGIN_MAX]);
/* mkdir -p of path's directory, private to the user (mode 0700); errors show later. */
void cli_make_parent(const char *path);

/* Checkpoint verifier keys of every identity enrolled in the verified log t. */
enum am_status cli_member_keys(const struct am_trusted *t, const char *origin,
			       struct am_vkey **keys, size_t *n, struct am_err *e);
enum am_status cli_read_checkpoint(const char *path, struct am_checkpoint *c, struct am_err *e);
/*
 * Read a checkpoint of the verified log t from path and check it: its
 * origin, a valid signature by a member, and at least quorum valid
 * cosignatures from the witnesses given (if any).  AM_EVERIFY when it does
 * not hold.
 */
enum am_status cli_trust_checkpoint(const struct am_trusted *t, const char *path,
				    const struct am_vkey *witnesses, size_t nwit, size_t quorum,
				    struct am_checkpoint *c, struct am_err *e);

/* file under $XDG_STATE_HOME (or ~/.local/state)/amanat/ (malloc'ed), or NULL without HOME. */
char *cli_state_path(const char *file);

/* A state file: for each log origin, the last tree size and root accepted. */
struct cli_state_entry {
	char origin[AM_ORIGIN_MAX];
	uint64_t size;
	unsigned char root[AM_HASH_LEN];
};
struct cli_state {
	char *path;
	struct cli_state_entry *v;
	size_t n;
};
/* Load path, or the default file `def` under the user's state directory. */
enum am_status cli_state_load(const char *path, const char *def, struct cli_state *st,
			      struct am_err *e);
struct cli_state_entry *cli_state_find(struct cli_state *st, const char *origin);
enum am_status cli_state_set(struct cli_state *st, const char *origin, uint64_t size,
			     const unsigned char root[AM_HASH_LEN], struct am_err *e);
/* Replace the file atomically (mode 0600). */
enum am_status cli_state_save(const struct cli_state *st, struct am_err *e);
void cli_state_release(struct cli_state *st);

#endif
