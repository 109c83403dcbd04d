/*
 * verify.c — checking a vault from its stored bytes alone.
 *
 * Nothing SQLite says is taken on trust: sequence numbers are counted, every
 * header is parsed strictly, every hash, chain link and signature recomputed,
 * every signer's authority replayed from the enrollments before it, and (in
 * the full tier) every ciphertext byte hashed.  The first problem found is
 * reported with the entry it is in; verification stops there, because nothing
 * after a broken link can be vouched for.
 */
#include "vault_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vstate {
	struct am_vault *v;
	struct am_verify_report *r;
	struct am_auth auth;
	enum am_verify_tier tier;
	struct am_progress pr;
	sqlite3_stmt *chunks;
	uint64_t chunk_rows_expected;
};

AM_PRINTF(3, 4)
static int problem(struct vstate *vs, uint64_t seq, const char *fmt, ...)
{
	va_list ap;

	vs->r->ok = 0;
	vs->r->has_bad_seq = 1;
	vs->r->bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(vs->r->reason, sizeof(vs->r->reason), fmt, ap);
	va_end(ap);
	return -1;
}

/* Hash an entry's chunks as stored, checking their number, order and sizes. */
static int check_chunks(struct vstate *vs, const struct am_header *h, enum am_status *s,
			struct am_err *e)
{
	am_sha256_ctx c;
	unsigned char got[AM_HASH_LEN], lenbuf[4];
	uint64_t idx = 0, total = 0;
	int rc;

	sqlite3_reset(vs->chunks);
	sqlite3_bind_int64(vs->chunks, 1, (sqlite3_int64)h->seq);
	am_sha256_init(&c);
	while ((rc = sqlite3_step(vs->chunks)) == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(vs->chunks, 1);
		const void *d = sqlite3_column_blob(vs->chunks, 1);

		if ((uint64_t)sqlite3_column_int64(vs->chunks, 0) != idx)
			return problem(vs, h->seq, "chunk %llu is missing or out of order",
				       (unsigned long long)idx);
		if (idx >= h->chunk_count)
			return problem(vs, h->seq, "has more chunks than its header says (%llu)",
				       (unsigned long long)h->chunk_count);
		if (d == NULL || n < 1 + AM_AEAD_TAG_LEN || n > AM_MAX_CHUNK_CT)
			return problem(vs, h->seq, "chunk %llu has an impossible size %zu",
				       (unsigned long long)idx, n);
		am_put_u32(lenbuf, (uint32_t)n);
		am_sha256_update(&c, lenbuf, 4);
		am_sha256_update(&c, d, n);
		total += n;
		idx++;
		vs->r->bytes += n;
		vs->r->chunks++;
		if (vs->pr.fn != NULL)
			vs->pr.fn(vs->pr.ctx, vs->r->bytes, 0);
	}
	if (rc != SQLITE_DONE) {
		*s = am_db_error(vs->v, rc, "reading chunks", e);
		return -1;
	}
	if (idx != h->chunk_count)
		return problem(vs, h->seq, "has %llu chunks, its header says %llu",
			       (unsigned long long)idx, (unsigned long long)h->chunk_count);
	am_sha256_final(&c, got);
	if (total != h->ct_size || !am_equal(got, h->ct_hash, AM_HASH_LEN))
		return problem(vs, h->seq, "content ciphertext does not match its signed hash");
	return 0;
}

/* Wraps: hash, shape, and exactly the custodians current at this entry. */
static int check_wraps(struct vstate *vs, const struct am_header *h, const unsigned char *w,
		       size_t wn)
{
	unsigned char hash[AM_HASH_LEN], *pks = NULL;
	struct am_wraps ws;
	size_t n = 0;
	int ok;

	am_sha256(hash, w, wn);
	if (wn != h->wraps_size || !am_equal(hash, h->wraps_hash, AM_HASH_LEN))
		return problem(vs, h->seq, "wrapped keys do not match their signed hash");
	if (am_wraps_parse(w, wn, &ws) != 0)
		return problem(vs, h->seq, "wrapped keys are malformed");
	if (am_auth_recipients(&vs->auth, &pks, &n) != 0)
		return problem(vs, h->seq, "out of memory");
	ok = n == ws.n;
	for (size_t i = 0; ok && i < n; i++)
		ok = memcmp(pks + i * AM_BOX_PK_LEN,
			    ws.items + i * (AM_BOX_PK_LEN + AM_WRAP_LEN), AM_BOX_PK_LEN) == 0;
	free(pks);
	if (!ok)
		return problem(vs, h->seq, "is not sealed to exactly the custodians enrolled at the time");
	return 0;
}

static int check_entry(struct vstate *vs, sqlite3_stmt *st, uint64_t want_seq,
		       unsigned char prev[AM_HASH_LEN], enum am_status *s, struct am_err *e)
{
	const unsigned char *hdr = sqlite3_column_blob(st, 2);
	size_t hn = (size_t)sqlite3_column_bytes(st, 2);
	const unsigned char *sig = sqlite3_column_blob(st, 3);
	const unsigned char *stored = sqlite3_column_blob(st, 4);
	const unsigned char *w = sqlite3_column_blob(st, 5);
	size_t wn = (size_t)sqlite3_column_bytes(st, 5);
	const unsigned char *meta = sqlite3_column_blob(st, 6);
	size_t mn = (size_t)sqlite3_column_bytes(st, 6);
	unsigned char hash[AM_HASH_LEN];
	struct am_header h;
	struct am_buf sb;
	char why[256];
	int bad;

	if ((uint64_t)sqlite3_column_int64(st, 0) != want_seq)
		return problem(vs, want_seq, "is missing (the next stored entry is %lld)",
			       sqlite3_column_int64(st, 0));
	if (hdr == NULL || sig == NULL || sqlite3_column_bytes(st, 3) != AM_SIG_LEN)
		return problem(vs, want_seq, "has no header or signature");
	if (am_header_parse(hdr, hn, &h, why, sizeof(why)) != 0)
		return problem(vs, want_seq, "%s", why);
	if (h.seq != want_seq)
		return problem(vs, want_seq, "header says it is entry %llu", (unsigned long long)h.seq);
	if (want_seq == 0)
		memcpy(vs->r->vault_id, h.vault_id, AM_VAULT_ID_LEN);
	else if (!am_equal(h.vault_id, vs->r->vault_id, AM_VAULT_ID_LEN))
		return problem(vs, want_seq, "belongs to another vault");
	if (!am_equal(h.prev, prev, AM_HASH_LEN))
		return problem(vs, want_seq, "does not link to the entry before it (prev hash differs)");
	am_buf_init(&sb);
	am_sig_input(&sb, hdr, hn);
	bad = sb.oom || am_sign_verify(sig, sb.data, sb.len, h.signer) != 0;
	am_buf_release(&sb);
	if (bad)
		return problem(vs, want_seq, "signature does not verify");
	if (sqlite3_column_int(st, 1) != h.type)
		return problem(vs, want_seq, "stored type column disagrees with the signed header");
	am_entry_hash(hash, hdr, hn, sig);
	if (stored == NULL || sqlite3_column_bytes(st, 4) != AM_HASH_LEN ||
	    !am_equal(stored, hash, AM_HASH_LEN))
		return problem(vs, want_seq, "stored hash column disagrees with the entry's bytes");
	if (am_type_sealed(h.type)) {
		if (check_wraps(vs, &h, w ? w : (const unsigned char *)"", wn) != 0)
			return -1;
	} else if (wn != 0 || mn != 0) {
		return problem(vs, want_seq, "public entry carries a private body");
	}
	if (am_auth_apply(&vs->auth, &h, why, sizeof(why)) != 0)
		return problem(vs, want_seq, "%s", why);
	if (am_type_sealed(h.type)) {
		vs->chunk_rows_expected += h.chunk_count;
		if (vs->tier >= AM_VERIFY_FULL) {
			unsigned char mh[AM_HASH_LEN];
			am_sha256(mh, meta ? meta : (const unsigned char *)"", mn);
			if (mn != h.meta_size || !am_equal(mh, h.meta_hash, AM_HASH_LEN))
				return problem(vs, want_seq, "metadata ciphertext does not match its signed hash");
			if (check_chunks(vs, &h, s, e) != 0)
				return -1;
		}
	}
	memcpy(prev, hash, AM_HASH_LEN);
	return 0;
}

/* Rows in chunks that no entry accounts for (left by tampering). */
static int check_stray_chunks(struct vstate *vs, uint64_t n, enum am_status *s, struct am_err *e)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 rows = -1;
	int rc;

	rc = sqlite3_prepare_v2(vs->v->db, "SELECT COUNT(*) FROM chunks", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		rows = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rows < 0) {
		*s = am_db_error(vs->v, rc, "counting chunks", e);
		return -1;
	}
	if ((uint64_t)rows != vs->chunk_rows_expected)
		return problem(vs, n, "the vault holds %lld chunk rows, its entries account for %llu",
			       rows, (unsigned long long)vs->chunk_rows_expected);
	return 0;
}

enum am_status am_verify(struct am_vault *v, enum am_verify_tier tier, struct am_progress pr,
			 struct am_verify_report *r, struct am_err *e)
{
	struct vstate vs;
	sqlite3_stmt *st = NULL;
	unsigned char prev[AM_HASH_LEN];
	enum am_status s = AM_OK;
	uint64_t seq = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&vs, 0, sizeof(vs));
	memset(prev, 0, sizeof(prev));
	r->ok = 1;
	vs.v = v;
	vs.r = r;
	vs.tier = tier;
	vs.pr = pr;
	am_auth_init(&vs.auth);
	/* one read transaction, so the snapshot cannot move under us */
	s = am_db_exec(v, "BEGIN", e);
	if (s != AM_OK)
		return s;
	rc = sqlite3_prepare_v2(v->db,
				"SELECT seq, type, header, sig, hash, wraps, meta FROM entries ORDER BY seq",
				-1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(v->db,
					"SELECT idx, data FROM chunks WHERE seq = ? ORDER BY idx", -1,
					&vs.chunks, NULL);
	if (rc != SQLITE_OK) {
		s = am_db_error(v, rc, "reading entries", e);
		goto cleanup;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (check_entry(&vs, st, seq, prev, &s, e) != 0)
			goto cleanup;
		seq++;
		r->entries = seq;
		memcpy(r->head, prev, AM_HASH_LEN);
	}
	if (rc != SQLITE_DONE) {
		s = am_db_error(v, rc, "reading entries", e);
		goto cleanup;
	}
	if (seq == 0) {
		problem(&vs, 0, "the vault has no entries, not even a genesis");
		goto cleanup;
	}
	check_stray_chunks(&vs, seq, &s, e);
cleanup:
	sqlite3_finalize(st);
	sqlite3_finalize(vs.chunks);
	am_db_rollback(v);
	am_auth_release(&vs.auth);
	if (s != AM_OK)
		r->ok = 0;
	return s;
}
