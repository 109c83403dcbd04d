/*
 * scan.c — a stretch of the verified log read in one pass.
 *
 * A reader that needs every header from some point on (building the export
 * index, bundle/export_index.c) would otherwise prove each row on its own,
 * O(log n) stored nodes read per entry.  Folding the leaves in order into
 * the frontier at the starting point and comparing the root at the end with
 * the verified one proves them all at once: a row changed, dropped or
 * relabelled after verification gives another root.  Nothing here decides
 * anything before that comparison; the caller only collects.
 */
#include "vault_int.h"

#include <string.h>

#include "merkle.h"
#include "scan.h"

int am_scan_prefix(struct am_vault *v, uint64_t from, const unsigned char from_root[AM_HASH_LEN])
{
	struct am_mt_frontier fr;
	unsigned char root[AM_HASH_LEN];

	if (from == 0 || am_mt_frontier_load(&fr, am_tree_source, v, from) != 0)
		return 0;
	am_mt_frontier_root(&fr, root);
	return am_equal(root, from_root, AM_HASH_LEN);
}

enum am_status am_scan_verified(struct am_vault *v, const struct am_trusted *t, uint64_t from,
				am_scan_fn fn, void *ctx, struct am_err *e)
{
	struct am_mt_frontier fr;
	unsigned char hash[AM_HASH_LEN], leaf[AM_HASH_LEN], root[AM_HASH_LEN], want[AM_HASH_LEN];
	sqlite3_stmt *st = NULL;
	uint64_t seq = from;
	enum am_status s = AM_OK;
	int rc;

	if (from > t->size)
		return am_fail(e, AM_EINPUT, "%s: entry %llu was not verified", v->path,
			       (unsigned long long)from);
	am_mt_frontier_init(&fr);
	/* the stored nodes of the prefix: checked by the root compared at the end */
	if (from > 0 && am_mt_frontier_load(&fr, am_tree_source, v, from) != 0)
		return am_fail(e, AM_EVERIFY, "%s: the stored tree is incomplete at size %llu; run "
			       "'amanat verify'", v->path, (unsigned long long)from);
	rc = sqlite3_prepare_v2(v->db, "SELECT seq, header, sig FROM entries WHERE seq >= ? AND "
				"seq < ? ORDER BY seq", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return am_db_error(v, rc, "reading the log", e);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)t->size);
	while (s == AM_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *hdr = sqlite3_column_blob(st, 1);
		size_t hn = (size_t)sqlite3_column_bytes(st, 1);
		const unsigned char *sig = sqlite3_column_blob(st, 2);
		struct am_header h;
		char why[256];

		if (sqlite3_column_type(st, 0) != SQLITE_INTEGER ||
		    (uint64_t)sqlite3_column_int64(st, 0) != seq || hdr == NULL ||
		    sqlite3_column_bytes(st, 2) != AM_SIG_LEN ||
		    am_header_parse(hdr, hn, &h, why, sizeof(why)) != 0 || h.seq != seq) {
			s = am_fail(e, AM_EVERIFY, "%s: entry %llu is not the entry the verified log "
				    "holds at this position; run 'amanat verify'", v->path,
				    (unsigned long long)seq);
			break;
		}
		am_entry_hash(hash, hdr, hn, sig);
		am_mt_leaf_hash(leaf, hash, AM_HASH_LEN);
		if (am_mt_frontier_add(&fr, leaf, NULL, NULL) != 0)
			s = am_fail(e, AM_EINPUT, "%s: the tree is full", v->path);
		if (s == AM_OK)
			s = fn(ctx, seq, &h, e);
		seq++;
	}
	if (s == AM_OK && rc != SQLITE_DONE)
		s = am_db_error(v, rc, "reading the log", e);
	sqlite3_finalize(st);
	if (s != AM_OK)
		return s;
	am_mt_frontier_root(&fr, root);
	am_mt_frontier_root(&t->fr, want);
	if (seq != t->size || !am_equal(root, want, AM_HASH_LEN))
		return am_fail(e, AM_EVERIFY, "%s: entries %llu to %llu are not the entries the "
			       "verified log holds (altered after they were verified); run 'amanat "
			       "verify'", v->path, (unsigned long long)from,
			       (unsigned long long)t->size - 1);
	return AM_OK;
}
