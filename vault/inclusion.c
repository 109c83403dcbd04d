/*
 * inclusion.c — is this row the entry the verified log holds at its place?
 * Readers and the authority replay ask it of every row they act on, so that
 * a row swapped in the file after it was verified is refused, at the cost
 * of one inclusion proof (O(log n) stored nodes) against the verified root.
 *
 * A walk of the log (list, log, export with filters, the custody record's
 * walk) asks it of every entry in turn: there, once an entry follows the one
 * checked before, the whole aligned block of AM_PROVED_BLOCK entries around
 * it is proved at once (its rows hashed, the block's subtree root computed
 * and proved by one inclusion proof) and the entry hashes kept, so that each
 * row of the block then costs one comparison with a proved hash.
 */
#include "vault_int.h"

#include <stdlib.h>
#include <string.h>

#include "merkle.h"

/* 2^8 entries: 8 KiB of hashes, one proof per 256 rows of a walk */
#define AM_PROVED_LEVEL 8u
#define AM_PROVED_BLOCK (1u << AM_PROVED_LEVEL)

struct am_proved {
	/* the root of the last verified tree asked about, and that tree's frontier */
	struct am_mt_frontier fr;
	unsigned char fr_root[AM_HASH_LEN];
	int has_root;
	uint64_t size;                  /* the verified tree the block was proved in */
	unsigned char root[AM_HASH_LEN];
	uint64_t lo;                    /* its first entry */
	int ok;                         /* 0: the block did not prove (rows are proved one by one) */
	unsigned char h[AM_PROVED_BLOCK][AM_HASH_LEN]; /* entry hashes */
};

/*
 * Prove the entries lo .. lo+AM_PROVED_BLOCK-1 (all below size) in the tree
 * (size, root): their subtree root, computed from the rows, must be the node
 * the inclusion proof of leaf lo passes through.  0 with b filled, or -1.
 */
static int prove_block(struct am_vault *v, uint64_t size, const unsigned char root[AM_HASH_LEN],
		       uint64_t lo, struct am_proved *b)
{
	unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH], leaf[AM_MT_HASH], node[AM_MT_HASH];
	struct am_mt_frontier fr;
	sqlite3_stmt *st = NULL;
	uint64_t seq = lo;
	size_t count = 0;
	int rc, bad = 0;

	if (sqlite3_prepare_v2(v->db, "SELECT seq, header, sig FROM entries WHERE seq >= ? AND "
			       "seq < ? ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)lo);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(lo + AM_PROVED_BLOCK));
	am_mt_frontier_init(&fr);
	while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *hdr = sqlite3_column_blob(st, 1), *sig = sqlite3_column_blob(st, 2);
		bad = sqlite3_column_type(st, 0) != SQLITE_INTEGER ||
		      (uint64_t)sqlite3_column_int64(st, 0) != seq || hdr == NULL ||
		      sqlite3_column_bytes(st, 2) != AM_SIG_LEN;
		if (bad)
			break;
		am_entry_hash(b->h[seq - lo], hdr, (size_t)sqlite3_column_bytes(st, 1), sig);
		am_mt_leaf_hash(leaf, b->h[seq - lo], AM_HASH_LEN);
		bad = am_mt_frontier_add(&fr, leaf, NULL, NULL) != 0;
		seq++;
	}
	sqlite3_finalize(st);
	if (bad || seq != lo + AM_PROVED_BLOCK)
		return -1;
	am_mt_frontier_root(&fr, node);
	/*
	 * The proof of leaf lo begins with the AM_PROVED_LEVEL hashes inside the
	 * block; the rest proves the block's node, as the proof of leaf lo >> L
	 * in the tree of the nodes at level L ((size - 1) >> L) + 1 of them).
	 */
	if (am_mt_inclusion(am_tree_source, v, lo, size, proof, &count) != 0 ||
	    count < AM_PROVED_LEVEL ||
	    am_mt_verify_inclusion(lo >> AM_PROVED_LEVEL, ((size - 1) >> AM_PROVED_LEVEL) + 1, node,
				   AM_MT_CONST(proof + AM_PROVED_LEVEL), count - AM_PROVED_LEVEL,
				   root) != 0)
		return -1;
	return 0;
}

/*
 * Is hash that of entry seq in (size, root), by a proved block: 1 yes, -1
 * no, 0 when no block answers (prove the entry alone).
 */
static int block_holds(struct am_vault *v, uint64_t seq, uint64_t size,
		       const unsigned char root[AM_HASH_LEN], const unsigned char hash[AM_HASH_LEN])
{
	struct am_proved *b = v->proved;
	uint64_t lo = seq & ~(uint64_t)(AM_PROVED_BLOCK - 1);
	int walking = seq > 0 && v->last_proved == seq - 1;

	v->last_proved = seq;
	if (b->size != size || b->lo != lo || !am_equal(b->root, root, AM_HASH_LEN)) {
		/* only a walk, and only a whole block: a single read stays one proof */
		if (!walking || lo + AM_PROVED_BLOCK > size)
			return 0;
		b->size = size;
		memcpy(b->root, root, AM_HASH_LEN);
		b->lo = lo;
		b->ok = prove_block(v, size, root, lo, b) == 0;
	}
	if (!b->ok)
		return 0;
	return am_equal(b->h[seq - lo], hash, AM_HASH_LEN) ? 1 : -1;
}

/* Is p the entry at its place in t's verified tree? */
static enum am_status check_entry(struct am_vault *v, const struct am_trusted *t,
				  const struct am_entry_pub *p, struct am_err *e)
{
	unsigned char hash[AM_HASH_LEN], root[AM_HASH_LEN];
	struct am_proved *b = v->proved;
	int held = 0;

	if (p->h.seq >= t->size)
		return am_fail(e, AM_EVERIFY, "%s: entry %llu was not verified (the log verified "
			       "holds %llu entries)", v->path, (unsigned long long)p->h.seq,
			       (unsigned long long)t->size);
	am_entry_hash(hash, p->buf, p->len, p->sig);
	if (b == NULL && (b = v->proved = calloc(1, sizeof(*b))) != NULL)
		b->size = UINT64_MAX; /* no block yet */
	/* the root of the same frontier as last time is the same root */
	if (b != NULL && b->has_root && memcmp(&b->fr, &t->fr, sizeof(t->fr)) == 0) {
		memcpy(root, b->fr_root, AM_HASH_LEN);
	} else {
		am_mt_frontier_root(&t->fr, root);
		if (b != NULL) {
			b->fr = t->fr;
			memcpy(b->fr_root, root, AM_HASH_LEN);
			b->has_root = 1;
		}
	}
	v->tree_gap = UINT64_MAX;
	if (b != NULL)
		held = block_holds(v, p->h.seq, t->size, root, hash);
	if (held == 0)
		held = am_tree_holds(v, p->h.seq, t->size, root, hash) == 0 ? 1 : -1;
	/* a row removed near this one is named, as a walk that reached it would name it */
	if (held < 0 && v->tree_gap != UINT64_MAX)
		return am_fail(e, AM_EINPUT, "%s has no entry %llu", v->path,
			       (unsigned long long)v->tree_gap);
	if (held < 0)
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
