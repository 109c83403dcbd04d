/*
 * inclusion.c — is this row the entry the verified log holds at its place?
 * Readers and the authority replay ask it of every row they act on, so that
 * a row swapped in the file after it was verified is refused, at the cost
 * of one inclusion proof (O(log n) stored nodes) against the verified root.
 */
#include "vault_int.h"

/* Is p the entry at its place in t's verified tree? */
static enum am_status check_entry(struct am_vault *v, const struct am_trusted *t,
				  const struct am_entry_pub *p, struct am_err *e)
{
	unsigned char hash[AM_HASH_LEN], root[AM_HASH_LEN];

	if (p->h.seq >= t->size)
		return am_fail(e, AM_EVERIFY, "%s: entry %llu was not verified (the log verified "
			       "holds %llu entries)", v->path, (unsigned long long)p->h.seq,
			       (unsigned long long)t->size);
	am_entry_hash(hash, p->buf, p->len, p->sig);
	am_mt_frontier_root(&t->fr, root);
	if (am_tree_holds(v, p->h.seq, t->size, root, hash) != 0)
		return am_fail(e, AM_EVERIFY, "%s: entry %llu is not the entry the verified log holds "
			       "at this position (it was altered after it was verified); run 'amanat "
			       "verify'", v->path, (unsigned long long)p->h.seq);
	return AM_OK;
}

enum am_status am_entry_read_trusted(struct am_vault *v, const struct am_trusted *t,
				     uint64_t seq, struct am_entry_pub *out, struct am_err *e)
{
	enum am_status s = am_entry_read(v, seq, out, e);

	if (s == AM_OK && t != NULL && (s = check_entry(v, t, out, e)) != AM_OK)
		am_entry_pub_release(out);
	return s;
}
