/*
 * stored_body.c — an entry's body exactly as stored (wraps, metadata and
 * chunks, all ciphertext), for a transfer packet: copied, never decrypted,
 * and checked against the hashes its sealer signed on the way out.
 */
#include "vault_int.h"

#include <stdlib.h>
#include <string.h>

enum am_status am_entry_stored_body(struct am_vault *v, const struct am_header *h,
				    unsigned char **wraps, size_t *wn, unsigned char **meta,
				    size_t *mn, struct am_err *e)
{
	unsigned char hw[AM_HASH_LEN], hm[AM_HASH_LEN];
	enum am_status s;

	*wraps = *meta = NULL;
	*wn = *mn = 0;
	s = am_db_get_blob(v, h->seq, "wraps", wraps, wn, e);
	if (s == AM_OK)
		s = am_db_get_blob(v, h->seq, "meta", meta, mn, e);
	if (s != AM_OK)
		goto fail;
	if (!am_header_sealed(h)) {
		if (*wn == 0 && *mn == 0)
			return AM_OK;
		s = am_fail(e, AM_EVERIFY, "%s: entry %llu: public entry carries a private body; run "
			    "'amanat verify'", v->path, (unsigned long long)h->seq);
		goto fail;
	}
	am_sha256(hw, *wraps, *wn);
	am_sha256(hm, *meta, *mn);
	if (*wn != h->wraps_size || !am_equal(hw, h->wraps_hash, AM_HASH_LEN) ||
	    *mn != h->meta_size || !am_equal(hm, h->meta_hash, AM_HASH_LEN)) {
		s = am_fail(e, AM_EVERIFY, "%s: entry %llu: its wrapped keys or metadata were "
			    "altered; run 'amanat verify'", v->path, (unsigned long long)h->seq);
		goto fail;
	}
	return AM_OK;
fail:
	free(*wraps);
	free(*meta);
	*wraps = *meta = NULL;
	*wn = *mn = 0;
	return s;
}

enum am_status am_entry_stored_chunks(struct am_vault *v, const struct am_header *h,
				      am_chunk_fn fn, void *ctx, struct am_err *e)
{
	sqlite3_stmt *st = NULL;
	struct am_ct_hash c;
	unsigned char got[AM_HASH_LEN];
	uint64_t idx = 0;
	enum am_status s = AM_OK;
	int rc;

	if (!am_header_sealed(h))
		return AM_OK;
	rc = sqlite3_prepare_v2(v->db, "SELECT idx, data FROM chunks WHERE seq = ? ORDER BY idx",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return am_db_error(v, rc, "reading the sealed content", e);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)h->seq);
	am_ct_hash_init(&c, h->flags);
	while (s == AM_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *d = sqlite3_column_blob(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1);

		if ((uint64_t)sqlite3_column_int64(st, 0) != idx || idx >= h->chunk_count ||
		    d == NULL || n < 1 + AM_AEAD_TAG_LEN || n > AM_MAX_CHUNK_CT(h->chunk_size)) {
			s = am_fail(e, AM_EVERIFY, "%s: entry %llu: chunk %llu is missing, extra or "
				    "impossible; run 'amanat verify'", v->path,
				    (unsigned long long)h->seq, (unsigned long long)idx);
			break;
		}
		am_ct_hash_add(&c, d, n);
		s = fn(ctx, idx, d, n, e);
		idx++;
	}
	if (s == AM_OK && rc != SQLITE_DONE)
		s = am_db_error(v, rc, "reading the sealed content", e);
	sqlite3_finalize(st);
	if (s != AM_OK)
		return s;
	am_ct_hash_final(&c, got);
	if (idx != h->chunk_count || c.bytes != h->ct_size || !am_equal(got, h->ct_hash, AM_HASH_LEN))
		return am_fail(e, AM_EVERIFY, "%s: entry %llu: its content does not match its signed "
			       "hash; run 'amanat verify'", v->path, (unsigned long long)h->seq);
	return AM_OK;
}
