/*
 * pull_int.h — what pull.c and pull_state.c share: the main vault's record
 * of one field vault, replayed from its verified import entries.
 */
#ifndef AMANAT_TRANSFER_PULL_INT_H
#define AMANAT_TRANSFER_PULL_INT_H

#include "../vault/vault_layer.h"
#include "transfer.h"

struct field_cp {
	uint64_t size;
	unsigned char root[AM_HASH_LEN];
};

/* What the main vault has absorbed of one field vault (docs/FORMAT.md §25). */
struct fstate {
	unsigned char id[AM_VAULT_ID_LEN];
	uint64_t absorbed;               /* field entries imported: 0..absorbed-1 */
	unsigned char (*hashes)[AM_HASH_LEN]; /* their entry hashes */
	size_t cap;
	struct field_cp *cps;            /* field checkpoints imported under, by size */
	size_t ncps, capcps;
	struct am_auth auth;             /* the field vault's membership after them */
	int has_last;
	uint64_t last_seq;               /* the main-vault entry of the last import */
};
void fstate_init(struct fstate *fs, const unsigned char id[AM_VAULT_ID_LEN]);
void fstate_release(struct fstate *fs);
/* Replay the imports of fs->id from the verified log t of v. */
AM_WUR enum am_status fstate_scan(struct am_vault *v, const struct am_trusted *t,
				  struct fstate *fs, struct am_err *e);
/* Record field entry (h, hash) as absorbed; -1 when out of memory. */
int fstate_add(struct fstate *fs, const unsigned char hash[AM_HASH_LEN]);
/* Record a field checkpoint absorbed; -1 when out of memory. */
int fstate_add_cp(struct fstate *fs, uint64_t size, const unsigned char root[AM_HASH_LEN]);
/* The root absorbed at size, or NULL. */
const unsigned char *fstate_root_at(const struct fstate *fs, uint64_t size);

#endif
