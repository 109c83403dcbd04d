/*
 * compromise.c — what a key signed between the point its revocation says it
 * was compromised and the revocation itself.  The signatures were valid when
 * made, so verification accepts those entries; an auditor still needs the
 * list, to re-examine each one (docs/FORMAT.md §24).
 */
#include "lifecycle.h"

#include <stdlib.h>
#include <string.h>

void am_compromise_report_release(struct am_compromise_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].seqs);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* Add seq to c's list. */
static int push_seq(struct am_compromised *c, size_t *cap, uint64_t seq)
{
	if (c->n == *cap) {
		size_t nc = *cap ? 2 * *cap : 16;
		uint64_t *g = realloc(c->seqs, nc * sizeof(*g));
		if (g == NULL)
			return -1;
		c->seqs = g;
		*cap = nc;
	}
	c->seqs[c->n++] = seq;
	return 0;
}

/*
 * The entries from c->since_seq up to the revoke entry, whose own entry hash
 * (rev_prev is its prev field) is proved: walking back from it, each entry's
 * hash must be the next one's prev, which ties every row read to the tree.
 * Collected forwards in a first pass, checked backwards.
 */
static enum am_status window(struct am_vault *v, struct am_compromised *c,
			     const unsigned char rev_prev[AM_HASH_LEN], struct am_err *e)
{
	uint64_t lo = c->since_seq, hi = c->revoke_seq;
	unsigned char (*hashes)[AM_HASH_LEN] = NULL, (*prevs)[AM_HASH_LEN] = NULL;
	unsigned char *signed_by = NULL;
	size_t cap = 0;
	enum am_status s = AM_OK;

	if (hi <= lo)
		return AM_OK;
	hashes = malloc((hi - lo) * sizeof(*hashes));
	prevs = malloc((hi - lo) * sizeof(*prevs));
	signed_by = malloc(hi - lo);
	if (hashes == NULL || prevs == NULL || signed_by == NULL) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (uint64_t q = lo; q < hi && s == AM_OK; q++) {
		struct am_entry_pub p;
		s = am_entry_read(v, q, &p, e);
		if (s != AM_OK)
			break;
		am_entry_hash(hashes[q - lo], p.buf, p.len, p.sig);
		memcpy(prevs[q - lo], p.h.prev, AM_HASH_LEN);
		signed_by[q - lo] = memcmp(p.h.signer, c->pk, AM_SIGN_PK_LEN) == 0;
		am_entry_pub_release(&p);
	}
	for (uint64_t q = hi; s == AM_OK && q > lo; q--) {
		const unsigned char *want = q == hi ? rev_prev : prevs[q - lo];
		if (!am_equal(hashes[q - 1 - lo], want, AM_HASH_LEN))
			s = am_fail(e, AM_EVERIFY, "%s: entry %llu changed since it was verified; run "
				    "'amanat verify'", am_vault_path(v), (unsigned long long)(q - 1));
	}
	for (uint64_t q = lo; q < hi && s == AM_OK; q++)
		if (signed_by[q - lo] && push_seq(c, &cap, q) != 0)
			s = am_fail(e, AM_ENOMEM, "out of memory");
cleanup:
	free(hashes);
	free(prevs);
	free(signed_by);
	return s;
}

enum am_status am_headers_walk(struct am_vault *v, uint64_t size,
			       int (*fn)(void *ctx, uint64_t seq, const struct am_header *h),
			       void *ctx, unsigned char head[AM_HASH_LEN], struct am_err *e)
{
	sqlite3_stmt *st = NULL;
	uint64_t seq = 0;
	int rc;

	memset(head, 0, AM_HASH_LEN);
	rc = sqlite3_prepare_v2(v->db, "SELECT seq, header, sig FROM entries WHERE seq >= 0 AND "
				"seq < ?1 ORDER BY seq", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return am_db_error(v, rc, "reading the vault", e);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *hdr = sqlite3_column_blob(st, 1);
		size_t hn = (size_t)sqlite3_column_bytes(st, 1);
		struct am_header h;
		char why[256];

		if ((uint64_t)sqlite3_column_int64(st, 0) != seq || hdr == NULL ||
		    sqlite3_column_bytes(st, 2) != AM_SIG_LEN ||
		    am_header_parse(hdr, hn, &h, why, sizeof(why)) != 0 ||
		    !am_equal(h.prev, head, AM_HASH_LEN))
			break;
		if (fn(ctx, seq, &h) != 0) {
			sqlite3_finalize(st);
			return am_fail(e, AM_ENOMEM, "out of memory");
		}
		am_entry_hash(head, hdr, hn, sqlite3_column_blob(st, 2));
		seq++;
	}
	sqlite3_finalize(st);
	if (seq != size)
		return am_fail(e, AM_EVERIFY, "%s: entry %llu changed since it was verified; run "
			       "'amanat verify'", v->path, (unsigned long long)seq);
	return AM_OK;
}

/* The seqs of revoke entries, collected along the authority chain. */
struct revs {
	uint64_t *v;
	size_t n, cap;
};

static int add_revoke(void *ctx, uint64_t seq, const struct am_header *h)
{
	struct revs *r = ctx;

	if (h->type != AM_T_REVOKE)
		return 0;
	if (r->n == r->cap) {
		size_t nc = r->cap ? 2 * r->cap : 16;
		uint64_t *g = realloc(r->v, nc * sizeof(*g));
		if (g == NULL)
			return -1;
		r->v = g;
		r->cap = nc;
	}
	r->v[r->n++] = seq;
	return 0;
}

/*
 * The revoke entries among the first size, by their signed headers (a stored
 * type column is not proved: a relabelled row would hide its window).  Only
 * the authority chain is read: from entry size-1 (or the authority entry it
 * links to) back along each authority entry's auth_seq, every entry proved
 * in (size, root), so the cost grows with the enrollments, revocations and
 * rotations, not with the log.
 */
static enum am_status revokes_in(struct am_vault *v, uint64_t size,
				 const unsigned char root[AM_HASH_LEN], struct revs *r,
				 struct am_err *e)
{
	uint64_t seq = size - 1;
	int tip = 1; /* entry size-1 need not be an authority entry; the others must */

	if (size == 0)
		return AM_OK;
	for (;;) {
		struct am_entry_pub p;
		unsigned char hash[AM_HASH_LEN];
		int authority, oom = 0;
		enum am_status s = am_entry_read(v, seq, &p, e);

		if (s != AM_OK)
			return s;
		am_entry_hash(hash, p.buf, p.len, p.sig);
		authority = am_type_authority(p.h.type);
		if (am_tree_holds(v, seq, size, root, hash) != 0 || (!tip && !authority)) {
			am_entry_pub_release(&p);
			return am_fail(e, AM_EVERIFY, "%s: entry %llu changed since it was verified; "
				       "run 'amanat verify'", v->path, (unsigned long long)seq);
		}
		if (p.h.type == AM_T_REVOKE)
			oom = add_revoke(r, seq, &p.h) != 0;
		tip = 0;
		/* an entry's auth_seq is the authority entry before it; genesis ends the chain */
		uint64_t next = p.h.auth_seq;
		am_entry_pub_release(&p);
		if (oom)
			return am_fail(e, AM_ENOMEM, "out of memory");
		if (seq == 0)
			break;
		seq = next;
	}
	/* found newest first; the report lists them in log order */
	for (size_t i = 0; i < r->n / 2; i++) {
		uint64_t x = r->v[i];
		r->v[i] = r->v[r->n - 1 - i];
		r->v[r->n - 1 - i] = x;
	}
	return AM_OK;
}

enum am_status am_compromise_scan(struct am_vault *v, uint64_t size,
				  const unsigned char root[AM_HASH_LEN],
				  struct am_compromise_report *out, struct am_err *e)
{
	struct revs revs = { NULL, 0, 0 };
	enum am_status s;

	out->v = NULL;
	out->n = 0;
	s = am_db_exec(v, "BEGIN", e);
	if (s != AM_OK)
		return s;
	s = revokes_in(v, size, root, &revs, e);
	for (size_t i = 0; s == AM_OK && i < revs.n; i++) {
		uint64_t seq = revs.v[i];
		struct am_compromised c, *g;
		unsigned char hash[AM_HASH_LEN];
		struct am_entry_pub p;

		memset(&c, 0, sizeof(c));
		s = am_entry_read(v, seq, &p, e);
		if (s != AM_OK)
			break;
		am_entry_hash(hash, p.buf, p.len, p.sig);
		if (am_tree_holds(v, seq, size, root, hash) != 0 || p.h.type != AM_T_REVOKE ||
		    am_revocation_parse(p.h.payload, p.h.payload_len, c.pk, &c.kind, &c.since_seq,
					&c.since_ms, c.reason) != 0) {
			am_entry_pub_release(&p);
			s = am_fail(e, AM_EVERIFY, "%s: entry %llu changed since it was verified; run "
				    "'amanat verify'", v->path, (unsigned long long)seq);
			break;
		}
		if (c.kind == AM_SINCE_NONE) {
			am_entry_pub_release(&p);
			continue;
		}
		c.revoke_seq = seq;
		s = window(v, &c, p.h.prev, e);
		am_entry_pub_release(&p);
		if (s == AM_OK && (g = realloc(out->v, (out->n + 1) * sizeof(*g))) == NULL)
			s = am_fail(e, AM_ENOMEM, "out of memory");
		if (s != AM_OK) {
			free(c.seqs);
			break;
		}
		out->v = g;
		out->v[out->n++] = c;
	}
	free(revs.v);
	am_db_rollback(v);
	if (s != AM_OK)
		am_compromise_report_release(out);
	return s;
}
