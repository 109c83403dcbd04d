/*
 * pull_state.c — how far the main vault has absorbed a field vault, read
 * from its own verified log rather than from any file beside it: the field
 * entries imported (their hashes, in order), the field checkpoints they were
 * proved under, and the field vault's membership replayed from them.  This is
 * the main vault's pin of each field vault, kept in the log all members share.
 */
#include "pull_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../vault/note.h"

void fstate_init(struct fstate *fs, const unsigned char id[AM_VAULT_ID_LEN])
{
	memset(fs, 0, sizeof(*fs));
	memcpy(fs->id, id, AM_VAULT_ID_LEN);
	am_auth_init(&fs->auth);
}

void fstate_release(struct fstate *fs)
{
	free(fs->hashes);
	free(fs->cps);
	am_auth_release(&fs->auth);
	memset(fs, 0, sizeof(*fs));
}

int fstate_add(struct fstate *fs, const unsigned char hash[AM_HASH_LEN])
{
	if (fs->absorbed == fs->cap) {
		size_t cap = fs->cap ? 2 * fs->cap : 64;
		unsigned char(*g)[AM_HASH_LEN] = realloc(fs->hashes, cap * sizeof(*g));
		if (g == NULL)
			return -1;
		fs->hashes = g;
		fs->cap = cap;
	}
	memcpy(fs->hashes[fs->absorbed++], hash, AM_HASH_LEN);
	return 0;
}

int fstate_add_cp(struct fstate *fs, uint64_t size, const unsigned char root[AM_HASH_LEN])
{
	if (fs->ncps > 0 && fs->cps[fs->ncps - 1].size == size)
		return 0;
	if (fs->ncps == fs->capcps) {
		size_t cap = fs->capcps ? 2 * fs->capcps : 8;
		struct field_cp *g = realloc(fs->cps, cap * sizeof(*g));
		if (g == NULL)
			return -1;
		fs->cps = g;
		fs->capcps = cap;
	}
	fs->cps[fs->ncps].size = size;
	memcpy(fs->cps[fs->ncps].root, root, AM_HASH_LEN);
	fs->ncps++;
	return 0;
}

const unsigned char *fstate_root_at(const struct fstate *fs, uint64_t size)
{
	for (size_t i = 0; i < fs->ncps; i++)
		if (fs->cps[i].size == size)
			return fs->cps[i].root;
	return NULL;
}

/* One verified import entry of fs->id, replayed. */
static enum am_status absorb(struct am_vault *v, struct fstate *fs, const struct am_import_view *iv,
			     uint64_t seq, struct am_err *e)
{
	struct am_checkpoint c;
	char why[256];
	enum am_status s;

	/* the log verified: imports of one field vault follow each other without a gap */
	if (iv->orig.seq != fs->absorbed)
		return am_fail(e, AM_EVERIFY, "%s: entry %llu imports field entry %llu out of turn; "
			       "run 'amanat verify'", am_vault_path(v), (unsigned long long)seq,
			       (unsigned long long)iv->orig.seq);
	if (am_auth_apply(&fs->auth, &iv->orig, why, sizeof(why)) != 0)
		return am_fail(e, AM_EVERIFY, "%s: entry %llu imports a field entry its own vault "
			       "would refuse: %s", am_vault_path(v), (unsigned long long)seq, why);
	s = am_checkpoint_parse(iv->cp, iv->cplen, &c, e);
	if (s != AM_OK)
		return s;
	if (fstate_add(fs, iv->orig_hash) != 0 || fstate_add_cp(fs, c.size, c.root) != 0)
		s = am_fail(e, AM_ENOMEM, "out of memory");
	am_checkpoint_release(&c);
	fs->has_last = 1;
	fs->last_seq = seq;
	return s;
}

enum am_status fstate_scan(struct am_vault *v, const struct am_trusted *t, struct fstate *fs,
			   struct am_err *e)
{
	uint64_t n = am_trusted_size(t);
	enum am_status s = AM_OK;

	for (uint64_t k = 0; s == AM_OK && k < n; k++) {
		struct am_entry_pub p;
		struct am_import_view iv;

		s = am_entry_read_trusted(v, t, k, &p, e);
		if (s != AM_OK)
			break;
		if (p.h.type == AM_T_IMPORT) {
			s = am_import_view(&p.h, &iv, e);
			if (s == AM_OK && am_equal(iv.orig.vault_id, fs->id, AM_VAULT_ID_LEN))
				s = absorb(v, fs, &iv, k, e);
		}
		am_entry_pub_release(&p);
	}
	return s;
}
