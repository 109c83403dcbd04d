/*
 * tree.c — the stored Merkle tree and the vault's own checkpoints.
 *
 * Every perfect subtree of the log (level L, index i covers entries
 * [i*2^L, (i+1)*2^L)) at a level the vault's schema stores (v->tree_low and
 * up, FORMAT.md §15) is stored once, when its last leaf is appended; one
 * below is hashed again from its entries' hash column.  A proof costs
 * O(log n) reads.  Stored nodes are never trusted by
 * verification: proofs made from them are checked against signed roots,
 * and a full verify recomputes every node and compares.
 */
#include "vault_int.h"

#include <stdio.h>
#include <string.h>

#include "merkle.h"
#include "note.h"

_Static_assert(AM_TREE_LOW <= 4, "a node below AM_TREE_LOW is hashed from at most 8 leaves");

/*
 * A node below v->tree_low, which is not stored: the subtree hashed again
 * from its entries' stored hashes.  Like a stored node it is not trusted:
 * whatever uses it checks it against a signed root.  0, or -1 if an entry
 * is missing or its hash malformed.
 */
static int low_node(struct am_vault *v, unsigned level, uint64_t idx,
		    unsigned char out[AM_HASH_LEN])
{
	unsigned char h[1u << 3][AM_HASH_LEN];
	uint64_t lo = idx << level, n = (uint64_t)1 << level, got = 0;
	sqlite3_stmt *st = NULL;
	int rc;

	if (am_db_stmt(v, AM_ST_LEAVES, "SELECT seq, hash FROM entries WHERE seq >= ?1 AND "
		       "seq < ?2 ORDER BY seq", &st) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)lo);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(lo + n));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && got < n) {
		if ((uint64_t)sqlite3_column_int64(st, 0) != lo + got) {
			v->tree_gap = lo + got; /* so that a reader names the row removed */
			break;
		}
		if (sqlite3_column_type(st, 1) != SQLITE_BLOB ||
		    sqlite3_column_bytes(st, 1) != AM_HASH_LEN)
			break;
		am_mt_leaf_hash(h[got++], sqlite3_column_blob(st, 1), AM_HASH_LEN);
	}
	if (rc == SQLITE_DONE && got < n)
		v->tree_gap = lo + got;
	am_db_stmt_done(st);
	if (got != n)
		return -1;
	/* fold pairs in place, level by level, up to the subtree's root */
	for (; n > 1; n >>= 1)
		for (uint64_t i = 0; i < n / 2; i++)
			am_mt_node_hash(h[i], h[2 * i], h[2 * i + 1]);
	memcpy(out, h[0], AM_HASH_LEN);
	return 0;
}

/* Read the node (level, idx), stored or not; 0, or -1 if missing or malformed. */
static int get_node(struct am_vault *v, unsigned level, uint64_t idx,
		    unsigned char out[AM_HASH_LEN])
{
	sqlite3_stmt *st = NULL;
	int ok = -1;

	if (level < v->tree_low)
		return low_node(v, level, idx, out);
	if (am_db_stmt(v, AM_ST_NODE_GET, "SELECT hash FROM tree WHERE level = ? AND idx = ?",
		       &st) != SQLITE_OK)
		return -1;
	sqlite3_bind_int(st, 1, (int)level);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == AM_HASH_LEN) {
		memcpy(out, sqlite3_column_blob(st, 0), AM_HASH_LEN);
		ok = 0;
	}
	am_db_stmt_done(st);
	return ok;
}

int am_tree_source(void *ctx, uint64_t lo, uint64_t hi, unsigned char out[AM_HASH_LEN])
{
	struct am_vault *v = ctx;
	unsigned level = 0;

	while (((uint64_t)1 << level) < hi - lo)
		level++;
	return get_node(v, level, lo >> level, out);
}

static enum am_status put_node(struct am_vault *v, unsigned level, uint64_t idx,
			       const unsigned char h[AM_HASH_LEN], struct am_err *e)
{
	enum am_status s = am_db_writing(v, "writing the log's hash tree", e);
	sqlite3_stmt *st = NULL;
	int rc;

	if (s != AM_OK)
		return s;
	rc = am_db_stmt(v, AM_ST_NODE, "INSERT OR ROLLBACK INTO tree(level, idx, hash) VALUES(?,?,?)",
			&st);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(st, 1, (int)level);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
		sqlite3_bind_blob(st, 3, h, AM_HASH_LEN, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	am_db_stmt_done(st);
	return rc == SQLITE_DONE ? AM_OK : am_db_error(v, rc, "writing the log's hash tree", e);
}

struct store_ctx {
	struct am_vault *v;
	struct am_err *e;
	enum am_status s;
};

#define HELD (1 + 8 + AM_HASH_LEN)
#define ROWS 128 /* nodes per INSERT when flushing */

/* Store one perfect subtree the frontier completed (or hold it for a batch's flush). */
static int store_node(void *ctx, unsigned level, uint64_t index, const unsigned char h[AM_HASH_LEN])
{
	struct store_ctx *c = ctx;

	if (level < c->v->tree_low)
		return 0;
	if (c->v->tree_hold) {
		am_buf_u8(&c->v->tree_held, (uint8_t)level);
		am_buf_u64(&c->v->tree_held, index);
		am_buf_add(&c->v->tree_held, h, AM_HASH_LEN);
		if (c->v->tree_held.oom)
			c->s = am_fail(c->e, AM_ENOMEM, "out of memory");
		return c->s == AM_OK ? 0 : -1;
	}
	c->s = put_node(c->v, level, index, h, c->e);
	return c->s == AM_OK ? 0 : -1;
}

void am_tree_hold(struct am_vault *v)
{
	am_tree_drop(v);
	v->tree_hold = 1;
}

void am_tree_drop(struct am_vault *v)
{
	am_buf_release(&v->tree_held);
	am_buf_init(&v->tree_held);
	v->tree_hold = 0;
}

/* INSERT of n held nodes from p in one statement. */
static int put_rows(struct am_vault *v, const unsigned char *p, size_t n)
{
	struct am_buf sql;
	sqlite3_stmt *st = NULL;
	int rc;

	am_buf_init(&sql);
	am_buf_addf(&sql, "INSERT OR ROLLBACK INTO tree(level, idx, hash) VALUES");
	for (size_t i = 0; i < n; i++)
		am_buf_addf(&sql, "%s(?,?,?)", i ? "," : "");
	am_buf_u8(&sql, 0);
	rc = sql.oom ? SQLITE_NOMEM
		     : sqlite3_prepare_v2(v->db, (const char *)sql.data, -1, &st, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++, p += HELD) {
		sqlite3_bind_int(st, (int)(3 * i + 1), p[0]);
		sqlite3_bind_int64(st, (int)(3 * i + 2), (sqlite3_int64)am_get_u64(p + 1));
		sqlite3_bind_blob(st, (int)(3 * i + 3), p + 9, AM_HASH_LEN, SQLITE_STATIC);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	am_buf_release(&sql);
	return rc;
}

enum am_status am_tree_flush(struct am_vault *v, struct am_err *e)
{
	size_t n = v->tree_held.len / HELD;
	const unsigned char *p = v->tree_held.data;
	enum am_status s = n > 0 ? am_db_writing(v, "writing the log's hash tree", e) : AM_OK;
	int rc = SQLITE_DONE;

	if (s != AM_OK) {
		am_tree_drop(v);
		return s;
	}
	for (size_t i = 0; i < n && rc == SQLITE_DONE; i += ROWS)
		rc = put_rows(v, p + i * HELD, n - i < ROWS ? n - i : ROWS);
	am_tree_drop(v);
	return rc == SQLITE_DONE ? AM_OK : am_db_error(v, rc, "writing the log's hash tree", e);
}

enum am_status am_tree_append(struct am_vault *v, struct am_mt_frontier *fr,
			      const unsigned char entry_hash[AM_HASH_LEN], struct am_err *e)
{
	struct store_ctx c = { v, e, AM_OK };
	unsigned char leaf[AM_HASH_LEN];

	am_mt_leaf_hash(leaf, entry_hash, AM_HASH_LEN);
	if (am_mt_frontier_add(fr, leaf, store_node, &c) != 0 && c.s == AM_OK)
		c.s = am_fail(e, AM_EINPUT, "%s: the tree is full", v->path);
	return c.s;
}

int am_tree_holds(struct am_vault *v, uint64_t seq, uint64_t size,
		  const unsigned char root[AM_HASH_LEN], const unsigned char entry_hash[AM_HASH_LEN])
{
	unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH], leaf[AM_MT_HASH];
	size_t count = 0;

	am_mt_leaf_hash(leaf, entry_hash, AM_HASH_LEN);
	if (seq >= size || am_mt_inclusion(am_tree_source, v, seq, size, proof, &count) != 0 ||
	    am_mt_verify_inclusion(seq, size, leaf, AM_MT_CONST(proof), count, root) != 0)
		return -1;
	return 0;
}

enum am_status am_tree_root(struct am_vault *v, uint64_t n, unsigned char root[AM_HASH_LEN],
			    struct am_err *e)
{
	if (am_mt_root(am_tree_source, v, n, root) != 0)
		return am_fail(e, AM_EVERIFY, "%s: the stored tree is incomplete at size %llu; run "
			       "'amanat verify'", v->path, (unsigned long long)n);
	return AM_OK;
}

enum am_status am_checkpoint_store(struct am_vault *v, const struct am_trusted *t,
				   const struct am_identity *signer, struct am_checkpoint *out,
				   struct am_err *e)
{
	unsigned char root[AM_HASH_LEN];
	char origin[AM_ORIGIN_MAX];
	struct am_checkpoint c;
	sqlite3_stmt *st = NULL;
	int rc;
	enum am_status s;

	memset(&c, 0, sizeof(c));
	/* a batch links an entry before it stores its leaf (body.c): never sign in between */
	if (t->fr.n != t->size)
		return am_fail(e, AM_EINPUT, "internal: a checkpoint of size %llu on a tree of %llu",
			       (unsigned long long)t->size, (unsigned long long)t->fr.n);
	/* the verified tree, never the stored one: see trust.c */
	am_mt_frontier_root(&t->fr, root);
	am_origin(origin, t->vault_id);
	s = am_checkpoint_sign(origin, t->size, root, origin, signer->sign_sk, signer->sign_pk, &c,
			       e);
	if (s == AM_OK)
		s = am_db_writing(v, "storing a checkpoint", e);
	if (s != AM_OK) {
		am_checkpoint_release(&c);
		return s;
	}
	rc = sqlite3_prepare_v2(v->db,
				"INSERT OR ROLLBACK INTO checkpoints(size, root, signer, note) VALUES(?,?,?,?)",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)t->size);
		sqlite3_bind_blob(st, 2, root, AM_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, signer->sign_pk, AM_SIGN_PK_LEN, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, c.text, (int)c.len, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		am_checkpoint_release(&c);
		return am_db_error(v, rc, "storing a checkpoint", e);
	}
	if (out != NULL)
		*out = c;
	else
		am_checkpoint_release(&c);
	return AM_OK;
}

enum am_status am_stored_checkpoint(struct am_vault *v, uint64_t size, struct am_checkpoint *out,
				    struct am_err *e)
{
	sqlite3_stmt *st = NULL;
	enum am_status s;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = sqlite3_prepare_v2(v->db,
				size == 0 ? "SELECT note FROM checkpoints ORDER BY id DESC LIMIT 1"
					  : "SELECT note FROM checkpoints WHERE size = ? ORDER BY id DESC"
					    " LIMIT 1",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return am_db_error(v, rc, "reading checkpoints", e);
	if (size != 0)
		sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		s = am_checkpoint_parse((const char *)sqlite3_column_text(st, 0),
					(size_t)sqlite3_column_bytes(st, 0), out, e);
	else if (rc == SQLITE_DONE)
		s = am_fail(e, AM_EINPUT, "%s has no checkpoint of %llu entries; sign one with "
			    "'amanat checkpoint'", v->path, (unsigned long long)size);
	else
		s = am_db_error(v, rc, "reading checkpoints", e);
	sqlite3_finalize(st);
	return s;
}

enum am_status am_prove_inclusion(struct am_vault *v, uint64_t seq, uint64_t size,
				  unsigned char proof[][AM_HASH_LEN], size_t *count,
				  struct am_err *e)
{
	if (seq >= size)
		return am_fail(e, AM_EINPUT, "entry %llu is not in a tree of %llu entries",
			       (unsigned long long)seq, (unsigned long long)size);
	if (am_mt_inclusion(am_tree_source, v, seq, size, proof, count) != 0)
		return am_fail(e, AM_EVERIFY, "%s: the stored tree is incomplete; run 'amanat verify'",
			       v->path);
	return AM_OK;
}

enum am_status am_prove_entry(struct am_vault *v, uint64_t seq, const struct am_entry_pub *pub,
			      const struct am_checkpoint *cp, unsigned char proof[][AM_HASH_LEN],
			      size_t *count, struct am_err *e)
{
	unsigned char eh[AM_HASH_LEN], leaf[AM_MT_HASH];
	enum am_status s = am_prove_inclusion(v, seq, cp->size, proof, count, e);

	if (s != AM_OK)
		return s;
	am_entry_hash(eh, pub->buf, pub->len, pub->sig);
	am_mt_leaf_hash(leaf, eh, AM_HASH_LEN);
	if (am_mt_verify_inclusion(seq, cp->size, leaf, AM_MT_CONST(proof), *count, cp->root) != 0)
		return am_fail(e, AM_EVERIFY, "%s: entry %llu does not prove against the checkpoint "
			       "of %llu entries; run 'amanat verify'", v->path,
			       (unsigned long long)seq, (unsigned long long)cp->size);
	return AM_OK;
}

enum am_status am_prove_consistency(struct am_vault *v, uint64_t m, uint64_t n,
				    unsigned char proof[][AM_HASH_LEN], size_t *count,
				    struct am_err *e)
{
	if (m > n)
		return am_fail(e, AM_EINPUT, "the old size %llu is larger than the new size %llu",
			       (unsigned long long)m, (unsigned long long)n);
	if (am_mt_consistency(am_tree_source, v, m, n, proof, count) != 0)
		return am_fail(e, AM_EVERIFY, "%s: the stored tree is incomplete; run 'amanat verify'",
			       v->path);
	return AM_OK;
}

enum am_status am_vault_root(struct am_vault *v, uint64_t n, unsigned char root[AM_HASH_LEN],
			     struct am_err *e)
{
	return am_tree_root(v, n, root, e);
}
