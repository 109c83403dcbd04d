/*
 * inclusion.c — is this row the entry the verified log holds at its place?
 * Readers and the authority replay ask it of every row they act on, so that
 * a row swapped in the file after it was verified is refused, at the cost
 * of one inclusion proof (O(log n) stored nodes) against the verified root.
 */
#include "vault_int.h"

#include <string.h>

enum am_status am_trusted_check_entry(struct am_vault *v, const struct am_trusted *t,
				   const struct am_entry_pub *p, struct am_err *e)
{
	unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH], leaf[AM_HASH_LEN], hash[AM_HASH_LEN];
	unsigned char root[AM_HASH_LEN];
	size_t count = 0;

	if (p->h.seq >= t->size)
		return am_fail(e, AM_EVERIFY, "%s: entry %llu was not verified (the log verified "
			       "holds %llu entries)", v->path, (unsigned long long)p->h.seq,
			       (unsigned long long)t->size);
	am_entry_hash(hash, p->buf, p->len, p->sig);
	am_mt_leaf_hash(leaf, hash, AM_HASH_LEN);
	am_mt_frontier_root(&t->fr, root);
	if (am_mt_inclusion(am_tree_source, v, p->h.seq, t->size, proof, &count) != 0 ||
	    am_mt_verify_inclusion(p->h.seq, t->size, leaf, AM_MT_CONST(proof), count, root) != 0)
		return am_fail(e, AM_EVERIFY, "%s: entry %llu is not the entry the verified log holds "
			       "at this position (it was altered after it was verified); run 'amanat "
			       "verify'", v->path, (unsigned long long)p->h.seq);
	return AM_OK;
}
