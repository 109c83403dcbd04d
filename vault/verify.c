/*
 * verify.c — checking a vault from its stored bytes alone.
 *
 * Nothing SQLite says is taken on trust: sequence numbers are counted, every
 * header is parsed strictly, every hash, chain link and signature recomputed,
 * every signer's authority replayed from the enrollments before it, the
 * Merkle tree rebuilt leaf by leaf and compared with every stored node and
 * every stored checkpoint, and (in the full tier) every ciphertext byte
 * hashed.  The first problem found is reported with the entry it is in;
 * verification stops there, because nothing after a broken link can be
 * vouched for.
 *
 * Verification can start from a trusted point (size m, root) instead of
 * genesis: the stored tree's nodes for the first m entries must fold to that
 * root, the enrollments in force at m are found by following the signed
 * authority links back from entry m-1, each proved to be in the trusted tree
 * by an inclusion proof, and only entries from m on are checked one by one.
 */
#include "lifecycle.h"
#include "import_int.h"
#include "ctpar.h"
#include "../common/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merkle.h"
#include "note.h"
#include "sigcheck.h"

struct vstate {
	struct am_vault *v;
	const struct am_verify_opts *o;
	struct am_verify_report *r;
	const struct am_trusted *from; /* start from this verified state */
	struct am_auth auth;
	unsigned char genesis[AM_HASH_LEN];
	struct am_mt_frontier fr;
	sqlite3_stmt *chunks, *node, *ckpt;
	sqlite3_stmt *chunk_ids; /* the chunks' rows without their data, read in place */
	sqlite3_blob *blob;      /* the chunk being read in place */
	int ckpt_pending;       /* ckpt holds a row not yet checked */
	uint64_t last_ckpt_size;
	unsigned char last_signer[AM_SIGN_PK_LEN]; /* of entry fr.n - 1 */
	int appender_signed;    /* a checkpoint of size fr.n by last_signer was checked */
	int owed;               /* none was: entry fr.n must continue a batch (§27) */
	/* checkpoints of size seen_size already verified: H(signer || note) */
	unsigned char (*seen)[AM_HASH_LEN];
	size_t nseen, capseen;
	uint64_t seen_size;
	uint64_t chunk_rows_expected;
	enum am_status s;       /* an error that stopped the checks */
	struct am_err *e;
	uint64_t at;            /* the entry being read */
	int ckpt_lost;          /* a damaged file's checkpoints could not be read */
	struct am_fauths fauths; /* field vaults' memberships, from their imports (§25) */
	struct am_sigcheck *sc; /* signatures checked ahead, on both cores (NULL: here) */
};

AM_PRINTF(3, 4)
static int problem(struct vstate *vs, uint64_t seq, const char *fmt, ...)
{
	va_list ap;

	if (!vs->r->ok)
		return -1; /* keep the first */
	vs->r->ok = 0;
	vs->r->has_bad_seq = 1;
	vs->r->bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(vs->r->reason, sizeof(vs->r->reason), fmt, ap);
	va_end(ap);
	return -1;
}

static int db_failed(struct vstate *vs, int rc, const char *what)
{
	int prim = rc & 0xff;
	char why[256];

	/* a cut or damaged file is a finding about the entry reached, not a failure to check */
	if (prim != SQLITE_NOMEM && prim != SQLITE_BUSY && prim != SQLITE_LOCKED &&
	    (vs->v->salvage || prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB)) {
		if (!am_vault_cut(vs->v, why, sizeof(why)))
			snprintf(why, sizeof(why), "the part of the vault file holding it is damaged");
		return problem(vs, vs->at, "cannot be read (%s): %s", what, why);
	}
	vs->s = am_db_error(vs->v, rc, what, vs->e);
	return -1;
}

/* Recompute an entry's hash from its stored header and signature. */
static int stored_entry_hash(struct vstate *vs, uint64_t seq, unsigned char out[AM_HASH_LEN],
			     struct am_entry_pub *pub)
{
	struct am_err ignore;

	if (am_entry_read(vs->v, seq, pub, &ignore) != AM_OK)
		return problem(vs, seq, "is missing or damaged");
	am_entry_hash(out, pub->buf, pub->len, pub->sig);
	return 0;
}

/* Prove that entry seq, as stored, is the leaf at seq of the trusted tree. */
static int in_trusted_tree(struct vstate *vs, uint64_t seq, const unsigned char hash[AM_HASH_LEN])
{
	if (am_tree_holds(vs->v, seq, vs->o->from_size, vs->o->from_root, hash) != 0)
		return problem(vs, seq, "is not the entry the trusted tree of %llu entries holds "
			       "at this position", (unsigned long long)vs->o->from_size);
	return 0;
}

/*
 * Set up a start from the trusted (from_size, from_root): frontier, chain
 * head and enrollments, each tied to the trusted root.
 */
static int start_from_trusted(struct vstate *vs, unsigned char prev[AM_HASH_LEN])
{
	const struct am_verify_opts *o = vs->o;
	uint64_t m = o->from_size, chain[4096], a;
	size_t nchain = 0;
	unsigned char root[AM_HASH_LEN], hash[AM_HASH_LEN];
	struct am_entry_pub pub;
	char why[256];

	if (am_mt_frontier_load(&vs->fr, am_tree_source, vs->v, m) != 0)
		return problem(vs, m - 1, "the stored tree is incomplete below the trusted size %llu",
			       (unsigned long long)m);
	am_mt_frontier_root(&vs->fr, root);
	if (!am_equal(root, o->from_root, AM_HASH_LEN))
		return problem(vs, m - 1, "the first %llu entries no longer have the trusted root: "
			       "the log was forked or rewritten", (unsigned long long)m);
	/* the chain continues from entry m-1 as it is in the trusted tree */
	if (stored_entry_hash(vs, m - 1, prev, &pub) != 0)
		return -1;
	a = am_type_authority(pub.h.type) ? m - 1 : pub.h.auth_seq;
	memcpy(vs->r->vault_id, pub.h.vault_id, AM_VAULT_ID_LEN);
	am_entry_pub_release(&pub);
	if (in_trusted_tree(vs, m - 1, prev) != 0)
		return -1;
	/* walk the signed authority links back to genesis */
	for (;;) {
		if (nchain == sizeof(chain) / sizeof(chain[0]))
			return problem(vs, a, "too many enrollment entries to follow");
		chain[nchain++] = a;
		if (a == 0)
			break;
		if (stored_entry_hash(vs, a, hash, &pub) != 0)
			return -1;
		if (pub.h.auth_seq >= a) {
			am_entry_pub_release(&pub);
			return problem(vs, a, "authority link does not point back");
		}
		a = pub.h.auth_seq;
		am_entry_pub_release(&pub);
	}
	while (nchain > 0) {
		struct am_buf sb;
		int bad;

		a = chain[--nchain];
		if (stored_entry_hash(vs, a, hash, &pub) != 0)
			return -1;
		if (in_trusted_tree(vs, a, hash) != 0) {
			am_entry_pub_release(&pub);
			return -1;
		}
		if (a == 0)
			memcpy(vs->genesis, hash, AM_HASH_LEN);
		am_buf_init(&sb);
		am_sig_input(&sb, pub.buf, pub.len);
		bad = sb.oom || am_sign_verify(pub.sig, sb.data, sb.len, pub.h.signer) != 0;
		am_buf_release(&sb);
		if (bad || !am_type_authority(pub.h.type) ||
		    am_auth_apply(&vs->auth, &pub.h, why, sizeof(why)) != 0) {
			am_entry_pub_release(&pub);
			return problem(vs, a, "%s", bad ? "signature does not verify"
						   : "is not an enrollment entry it should be");
		}
		am_entry_pub_release(&pub);
	}
	return 0;
}

/* Compare a recomputed perfect subtree with the stored node (none below tree_low). */
static int node_done(void *ctx, unsigned level, uint64_t index, const unsigned char h[AM_HASH_LEN])
{
	struct vstate *vs = ctx;
	int rc, same;

	if (level < vs->v->tree_low)
		return 0;
	sqlite3_reset(vs->node);
	sqlite3_bind_int(vs->node, 1, (int)level);
	sqlite3_bind_int64(vs->node, 2, (sqlite3_int64)index);
	rc = sqlite3_step(vs->node);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_failed(vs, rc, "reading the log's hash tree");
	same = rc == SQLITE_ROW && sqlite3_column_type(vs->node, 0) == SQLITE_BLOB &&
	       sqlite3_column_bytes(vs->node, 0) == AM_HASH_LEN &&
	       am_equal(sqlite3_column_blob(vs->node, 0), h, AM_HASH_LEN);
	if (!same)
		return problem(vs, index << level, "stored tree node (level %u, index %llu) %s", level,
			       (unsigned long long)index, rc == SQLITE_ROW ? "was altered" : "is missing");
	return 0;
}

/* Step the checkpoint cursor to the next row; 0 at end, 1 on a row, -1 on error. */
static int next_ckpt(struct vstate *vs)
{
	int rc = sqlite3_step(vs->ckpt);

	if (rc == SQLITE_ROW) {
		uint64_t size = (uint64_t)sqlite3_column_int64(vs->ckpt, 1);
		/* each column of its own storage class: a size stored as 2.5 is not 2 */
		if (sqlite3_column_type(vs->ckpt, 1) != SQLITE_INTEGER || size == 0 ||
		    sqlite3_column_type(vs->ckpt, 2) != SQLITE_BLOB ||
		    sqlite3_column_type(vs->ckpt, 3) != SQLITE_BLOB ||
		    sqlite3_column_type(vs->ckpt, 4) != SQLITE_TEXT) {
			if (vs->v->salvage) {
				vs->ckpt_lost = 1; /* a damaged page: the entries say best what was lost */
				return 0;
			}
			return problem(vs, size ? size - 1 : 0, "checkpoint %lld has a column of the "
				       "wrong storage class, or size 0", sqlite3_column_int64(vs->ckpt, 0));
		}
		if (size < vs->last_ckpt_size)
			return problem(vs, size, "checkpoint %lld shrinks the log from %llu to %llu",
				       sqlite3_column_int64(vs->ckpt, 0),
				       (unsigned long long)vs->last_ckpt_size, (unsigned long long)size);
		vs->last_ckpt_size = size;
		return 1;
	}
	if (rc != SQLITE_DONE && vs->v->salvage) {
		/* go on with the entries: they say best what was lost */
		vs->ckpt_lost = 1;
		return 0;
	}
	if (rc != SQLITE_DONE)
		return db_failed(vs, rc, "reading checkpoints");
	return 0;
}

/* Check the stored checkpoint under the cursor against the rebuilt tree. */
static int check_ckpt(struct vstate *vs, const unsigned char root[AM_HASH_LEN])
{
	sqlite3_stmt *st = vs->ckpt;
	long long id = sqlite3_column_int64(st, 0);
	uint64_t size = (uint64_t)sqlite3_column_int64(st, 1);
	const unsigned char *signer = sqlite3_column_blob(st, 3);
	const char *note = (const char *)sqlite3_column_text(st, 4);
	char origin[AM_ORIGIN_MAX], body[AM_ORIGIN_MAX + 96], b64[64];
	unsigned char key[AM_HASH_LEN];
	struct am_checkpoint c;
	struct am_vkey k;
	struct am_err ignore;
	am_sha256_ctx hc;
	size_t nlen = (size_t)sqlite3_column_bytes(st, 4);
	int valid;

	am_origin(origin, vs->r->vault_id);
	if (sqlite3_column_bytes(st, 2) != AM_HASH_LEN ||
	    !am_equal(sqlite3_column_blob(st, 2), root, AM_HASH_LEN))
		return problem(vs, size - 1, "checkpoint %lld disagrees with the log at size %llu", id,
			       (unsigned long long)size);
	if (signer == NULL || sqlite3_column_bytes(st, 3) != AM_SIGN_PK_LEN || note == NULL ||
	    am_checkpoint_parse(note, (size_t)sqlite3_column_bytes(st, 4), &c, &ignore) != AM_OK)
		return problem(vs, size - 1, "checkpoint %lld is malformed", id);
	/* exactly the three lines amanat writes, and exactly one signature: the signer's */
	am_b64(b64, root, AM_HASH_LEN);
	snprintf(body, sizeof(body), "%s\n%llu\n%s\n", origin, (unsigned long long)size, b64);
	if (strcmp(c.origin, origin) != 0 || c.size != size || !am_equal(c.root, root, AM_HASH_LEN) ||
	    c.body_len != strlen(body) || memcmp(c.text, body, c.body_len) != 0) {
		am_checkpoint_release(&c);
		return problem(vs, size - 1, "checkpoint %lld does not say what the log holds", id);
	}
	if (c.nsigs != 1) {
		size_t nsigs = c.nsigs; /* (release clears c) */
		am_checkpoint_release(&c);
		return problem(vs, size - 1, "checkpoint %lld carries %zu signatures, not exactly its "
			       "signer's", id, nsigs);
	}
	if (am_auth_roles(&vs->auth, signer) == 0) {
		am_checkpoint_release(&c);
		return problem(vs, size - 1, "checkpoint %lld is signed by someone not enrolled", id);
	}
	/* the same note by the same signer again: verified once per size */
	am_sha256_init(&hc);
	am_sha256_update(&hc, signer, AM_SIGN_PK_LEN);
	am_sha256_update(&hc, note, nlen);
	am_sha256_final(&hc, key);
	if (vs->seen_size != size)
		vs->nseen = 0;
	vs->seen_size = size;
	for (size_t i = 0; i < vs->nseen; i++)
		if (am_equal(vs->seen[i], key, AM_HASH_LEN))
			goto counted;
	am_vkey_make(&k, origin, AM_NOTE_ED25519, signer);
	valid = am_sigcheck_note(vs->sc, id, signer, note, nlen, &c, &k);
	if (valid != 1) {
		am_checkpoint_release(&c);
		return problem(vs, size - 1, "checkpoint %lld signature does not verify", id);
	}
	if (vs->nseen == vs->capseen) {
		size_t cap = vs->capseen ? 2 * vs->capseen : 8;
		unsigned char(*g)[AM_HASH_LEN] = realloc(vs->seen, cap * sizeof(*g));
		if (g == NULL) {
			am_checkpoint_release(&c);
			vs->s = am_fail(vs->e, AM_ENOMEM, "out of memory");
			return -1;
		}
		vs->seen = g;
		vs->capseen = cap;
	}
	memcpy(vs->seen[vs->nseen++], key, AM_HASH_LEN);
counted:
	am_checkpoint_release(&c);
	if (am_equal(signer, vs->last_signer, AM_SIGN_PK_LEN))
		vs->appender_signed = 1;
	vs->r->checkpoints++;
	return 0;
}

/* Read chunk row id (n bytes) in place into the pipeline hashing it. */
static int read_chunk_in_place(struct vstate *vs, struct am_ct_par *c, sqlite3_int64 id,
			       size_t n)
{
	unsigned char *buf = am_ct_par_buf(c, n);
	int rc;

	if (buf == NULL) {
		vs->s = am_fail(vs->e, AM_EINPUT, "internal: hashing chunks failed");
		return -1;
	}
	rc = am_db_chunk_read(vs->v, &vs->blob, id, buf, n);
	if (rc != SQLITE_OK)
		return db_failed(vs, rc, "reading the sealed content");
	am_ct_par_put(c, n);
	return 0;
}

/*
 * Hash an entry's chunks as stored, checking their number, order and sizes.
 * Chunks hashed on a second core are read in place (chunk_ids: a blob's
 * typeof() and length() need none of its content); others through chunks.
 */
static int check_chunk_rows(struct vstate *vs, const struct am_header *h, struct am_ct_par *c)
{
	sqlite3_stmt *st = c->piping ? vs->chunk_ids : vs->chunks;
	int in_place = st == vs->chunk_ids;
	uint64_t idx = 0;
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)h->seq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t n = in_place ? (size_t)sqlite3_column_int64(st, 3)
				    : (size_t)sqlite3_column_bytes(st, 1);
		const void *d = in_place ? NULL : sqlite3_column_blob(st, 1);
		int blob = in_place ? sqlite3_column_int(st, 2) == 1
				    : sqlite3_column_type(st, 1) == SQLITE_BLOB;

		if (sqlite3_column_type(st, 0) != SQLITE_INTEGER ||
		    (uint64_t)sqlite3_column_int64(st, 0) != idx)
			return problem(vs, h->seq, "chunk %llu is missing or out of order",
				       (unsigned long long)idx);
		if (!blob)
			return problem(vs, h->seq, "chunk %llu is not stored as a blob",
				       (unsigned long long)idx);
		if (idx >= h->chunk_count)
			return problem(vs, h->seq, "has more chunks than its header says (%llu)",
				       (unsigned long long)h->chunk_count);
		if ((!in_place && d == NULL) || n < 1 + AM_AEAD_TAG_LEN ||
		    n > AM_MAX_CHUNK_CT(h->chunk_size))
			return problem(vs, h->seq, "chunk %llu has an impossible size %zu",
				       (unsigned long long)idx, n);
		if (in_place) {
			if (read_chunk_in_place(vs, c, sqlite3_column_int64(st, 4), n) != 0)
				return -1;
		} else {
			vs->s = am_ct_par_add(c, d, n, vs->e);
			if (vs->s != AM_OK)
				return -1;
		}
		idx++;
		vs->r->bytes += n;
		vs->r->chunks++;
		if (vs->o->progress.fn != NULL)
			vs->o->progress.fn(vs->o->progress.ctx, vs->r->bytes, 0);
	}
	if (rc != SQLITE_DONE)
		return db_failed(vs, rc, "reading the sealed content");
	if (idx != h->chunk_count)
		return problem(vs, h->seq, "has %llu chunks, its header says %llu",
			       (unsigned long long)idx, (unsigned long long)h->chunk_count);
	return 0;
}

/* The chunks' content hash (§12, or §28 on two cores) against the signed one. */
static int check_chunks(struct vstate *vs, const struct am_header *h)
{
	struct am_ct_par c;
	unsigned char got[AM_HASH_LEN];
	uint64_t total = 0;
	enum am_status fs;
	int r;

	am_ct_par_start(&c, h);
	r = check_chunk_rows(vs, h, &c);
	fs = am_ct_par_finish(&c, got, &total, r == 0 ? vs->e : NULL);
	if (fs != AM_OK && r == 0) {
		vs->s = fs;
		return -1;
	}
	if (r != 0)
		return r;
	if (total != h->ct_size || !am_equal(got, h->ct_hash, AM_HASH_LEN))
		return problem(vs, h->seq, "content ciphertext does not match its signed hash");
	return 0;
}

/* Wraps: hash, shape, and exactly the custodians current at this entry. */
static int check_wraps(struct vstate *vs, const struct am_header *h, const unsigned char *w,
		       size_t wn)
{
	int imported = h->type == AM_T_IMPORT;
	unsigned char hash[AM_HASH_LEN], *pks = NULL;
	struct am_wraps ws;
	size_t n = 0;
	int ok;

	am_sha256(hash, w, wn);
	if (wn != h->wraps_size || !am_equal(hash, h->wraps_hash, AM_HASH_LEN))
		return problem(vs, h->seq, "wrapped keys do not match their signed hash");
	if (am_wraps_parse_as(w, wn, am_wraps_flags(h), &ws) != 0)
		return problem(vs, h->seq, "wrapped keys are malformed");
	/* an import's keys were wrapped in its field vault, to the custodians there (§25) */
	if (imported)
		return 0;
	if (am_auth_recipients(&vs->auth, &pks, &n) != 0)
		return problem(vs, h->seq, "out of memory");
	ok = n == ws.n;
	for (size_t i = 0; ok && i < n; i++)
		ok = memcmp(pks + i * AM_BOX_PK_LEN,
			    ws.items + i * ws.item, AM_BOX_PK_LEN) == 0;
	free(pks);
	if (!ok)
		return problem(vs, h->seq, "is not sealed to exactly the custodians enrolled at the time");
	return 0;
}

/* Deep tier: decrypt every chunk and check the plaintext SHA-256. */
static int check_plaintext(struct vstate *vs, const struct am_header *h)
{
	struct am_progress none = { NULL, NULL };
	struct am_err e;
	enum am_status s;

	am_err_init(&e);
	s = am_extract(vs->v, vs->o->reader, h->seq, -1, none, &e);
	if (s == AM_EAUTH) {
		vs->r->undecryptable++; /* sealed before this custodian was enrolled */
		return 0;
	}
	if (s == AM_EVERIFY)
		return problem(vs, h->seq, "does not decrypt to what was sealed: %s", e.msg);
	if (s != AM_OK) {
		vs->s = am_fail(vs->e, s, "%s", e.msg);
		return -1;
	}
	return 0;
}

/* Entry n-1 has no checkpoint of size n by its signer, and entry n does not continue its batch. */
static int missing_ckpt(struct vstate *vs, uint64_t n)
{
	return problem(vs, n - 1, "the checkpoint of %llu entries that its signer stored with it "
		       "is missing (stored checkpoints were removed)", (unsigned long long)n);
}

static int check_entry(struct vstate *vs, sqlite3_stmt *st, uint64_t want_seq,
		       unsigned char prev[AM_HASH_LEN])
{
	const unsigned char *hdr = sqlite3_column_blob(st, 2);
	size_t hn = (size_t)sqlite3_column_bytes(st, 2);
	const unsigned char *sig = sqlite3_column_blob(st, 3);
	const unsigned char *stored = sqlite3_column_blob(st, 4);
	const unsigned char *w = sqlite3_column_blob(st, 5);
	size_t wn = (size_t)sqlite3_column_bytes(st, 5);
	const unsigned char *meta = sqlite3_column_blob(st, 6);
	size_t mn = (size_t)sqlite3_column_bytes(st, 6);
	unsigned char hash[AM_HASH_LEN], leaf[AM_HASH_LEN];
	struct am_header h;
	char why[256];
	int bad;

	if ((uint64_t)sqlite3_column_int64(st, 0) != want_seq)
		return problem(vs, want_seq, "is missing (the next stored entry is %lld)",
			       sqlite3_column_int64(st, 0));
	if (hdr == NULL || sig == NULL || sqlite3_column_bytes(st, 3) != AM_SIG_LEN)
		return problem(vs, want_seq, "has no header or signature");
	/* each column of its own storage class: a type stored as 4.5 or '4' is no type */
	if (sqlite3_column_type(st, 1) != SQLITE_INTEGER)
		return problem(vs, want_seq, "stored type column is not an integer");
	for (int col = 2; col <= 6; col++)
		if (sqlite3_column_type(st, col) != SQLITE_BLOB)
			return problem(vs, want_seq, "a stored column (%d) is not a blob", col);
	if (am_header_parse(hdr, hn, &h, why, sizeof(why)) != 0)
		return problem(vs, want_seq, "%s", why);
	if (h.seq != want_seq)
		return problem(vs, want_seq, "header says it is entry %llu", (unsigned long long)h.seq);
	if (want_seq == 0) {
		memcpy(vs->r->vault_id, h.vault_id, AM_VAULT_ID_LEN);
		am_entry_hash(vs->genesis, hdr, hn, sig);
	}
	else if (!am_equal(h.vault_id, vs->r->vault_id, AM_VAULT_ID_LEN))
		return problem(vs, want_seq, "belongs to another vault");
	if (!am_equal(h.prev, prev, AM_HASH_LEN))
		return problem(vs, want_seq, "does not link to the entry before it (prev hash differs)");
	bad = am_sigcheck_entry(vs->sc, want_seq, hdr, hn, sig, h.signer) != 0;
	if (bad)
		return problem(vs, want_seq, "signature does not verify");
	/* an entry without its checkpoint is vouched for only by a signed batch after it */
	if (vs->owed && !(h.flags & AM_HF_BATCHED))
		return missing_ckpt(vs, want_seq);
	vs->owed = 0;
	if (sqlite3_column_int(st, 1) != h.type)
		return problem(vs, want_seq, "stored type column disagrees with the signed header");
	am_entry_hash(hash, hdr, hn, sig);
	if (stored == NULL || sqlite3_column_bytes(st, 4) != AM_HASH_LEN ||
	    !am_equal(stored, hash, AM_HASH_LEN))
		return problem(vs, want_seq, "stored hash column disagrees with the entry's bytes");
	if (am_header_sealed(&h)) {
		if (check_wraps(vs, &h, w ? w : (const unsigned char *)"", wn) != 0)
			return -1;
	} else if (wn != 0 || mn != 0) {
		return problem(vs, want_seq, "public entry carries a private body");
	}
	if (am_auth_apply(&vs->auth, &h, why, sizeof(why)) != 0)
		return problem(vs, want_seq, "%s", why);
	if (h.type == AM_T_REWRAP) {
		/* what it wraps, to whom, from whose wrap: against the tree verified so far */
		unsigned char root[AM_HASH_LEN];
		am_mt_frontier_root(&vs->fr, root);
		if (am_rewrap_check(vs->v, &vs->auth, &h, vs->fr.n, root, why, sizeof(why)) != 0)
			return problem(vs, want_seq, "%s", why);
	}
	if ((h.type == AM_T_IMPORT &&
	     am_import_check(vs->v, &vs->auth, &vs->fr, &vs->fauths, &h, why, sizeof(why)) != 0) ||
	    (h.type == AM_T_ACK && am_ack_check(&vs->auth, &h, why, sizeof(why)) != 0))
		return problem(vs, want_seq, "%s", why);
	if (am_header_sealed(&h)) {
		vs->chunk_rows_expected += h.chunk_count;
		if (vs->o->tier >= AM_VERIFY_FULL) {
			unsigned char mh[AM_HASH_LEN];
			am_sha256(mh, meta ? meta : (const unsigned char *)"", mn);
			if (mn != h.meta_size || !am_equal(mh, h.meta_hash, AM_HASH_LEN))
				return problem(vs, want_seq, "metadata ciphertext does not match its signed hash");
			if (check_chunks(vs, &h) != 0)
				return -1;
		}
		if (vs->o->tier >= AM_VERIFY_DEEP && check_plaintext(vs, &h) != 0)
			return -1;
	}
	am_mt_leaf_hash(leaf, hash, AM_HASH_LEN);
	if (am_mt_frontier_add(&vs->fr, leaf, node_done, vs) != 0)
		return -1;
	memcpy(prev, hash, AM_HASH_LEN);
	memcpy(vs->last_signer, h.signer, AM_SIGN_PK_LEN);
	return 0;
}

/* After each entry: stored checkpoints of this size, and the pinned point. */
static int check_points(struct vstate *vs)
{
	unsigned char root[AM_HASH_LEN];
	uint64_t n = vs->fr.n;

	/* folding the frontier costs a hash per level: only for a pin or checkpoint of this size */
	if (vs->o->pin_size == n ||
	    (vs->ckpt_pending && (uint64_t)sqlite3_column_int64(vs->ckpt, 1) <= n))
		am_mt_frontier_root(&vs->fr, root);
	if (vs->o->pin_size == n && !am_equal(root, vs->o->pin_root, AM_HASH_LEN))
		return problem(vs, n - 1, "the log of %llu entries does not match the trusted "
			       "checkpoint of that size: the log was forked or rewritten",
			       (unsigned long long)n);
	vs->appender_signed = 0;
	while (vs->ckpt_pending) {
		uint64_t size = (uint64_t)sqlite3_column_int64(vs->ckpt, 1);
		int rc;
		if (size > n)
			break;
		if (size < n)
			return problem(vs, size, "checkpoint %lld is out of order",
				       sqlite3_column_int64(vs->ckpt, 0));
		if (check_ckpt(vs, root) != 0)
			return -1;
		rc = next_ckpt(vs);
		if (rc < 0)
			return -1;
		vs->ckpt_pending = rc;
	}
	/*
	 * every append stores a checkpoint signed by whoever appended, or is
	 * followed by the next entry of its batch: removing one shows
	 */
	vs->owed = !vs->appender_signed && !vs->ckpt_lost;
	return 0;
}

/*
 * From a trusted point, counting every tree row would cost what the whole
 * log costs; instead look for a row beyond the n-entry tree at each level
 * (a node a writer would collide with), and for any row below tree_low, one
 * index seek each.
 */
static int check_tree_end(struct vstate *vs, uint64_t n)
{
	/* simple ranges only, so that each is an index seek on (level, idx) */
	static const char *const sql[] = {
		"SELECT level, idx FROM tree WHERE level = ?1 AND idx >= ?2 LIMIT 1",
		"SELECT level, idx FROM tree WHERE level = ?1 AND idx < 0 LIMIT 1",
		"SELECT level, idx FROM tree WHERE level > 63 AND ?1 = ?1 AND ?2 = ?2 LIMIT 1",
		"SELECT level, idx FROM tree WHERE level < ?1 AND ?2 = ?2 LIMIT 1",
	};
	int rc = SQLITE_OK, found = 0;

	for (size_t q = 0; q < 4 && rc == SQLITE_OK && !found; q++) {
		sqlite3_stmt *st = NULL;
		unsigned low = vs->v->tree_low, levels = q < 2 ? 64 : 1;

		rc = sqlite3_prepare_v2(vs->v->db, sql[q], -1, &st, NULL);
		for (unsigned level = q < 2 ? low : 0; rc == SQLITE_OK && level < levels && !found;
		     level++) {
			sqlite3_reset(st);
			/* the last query: no row below the lowest stored level */
			sqlite3_bind_int(st, 1, (int)(q == 3 ? low : level));
			sqlite3_bind_int64(st, 2, (sqlite3_int64)(n >> level));
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW) {
				found = 1;
				problem(vs, n, "the stored tree has a node (level %lld, index %lld) %s "
					"%llu", sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
					q == 3 ? "below the lowest level this vault stores,"
					       : "beyond the entries of the log, which are",
					(unsigned long long)(q == 3 ? low : n));
			}
			if (rc == SQLITE_ROW || rc == SQLITE_DONE)
				rc = SQLITE_OK;
		}
		sqlite3_finalize(st);
	}
	if (found)
		return -1;
	if (rc != SQLITE_OK)
		return db_failed(vs, rc, "reading the log's hash tree");
	return 0;
}

/* Rows no entry accounts for (left by tampering), in the checked range. */
static int check_counts(struct vstate *vs, uint64_t n)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 chunks = -1, nodes = -1;
	uint64_t want_nodes = 0;
	int rc;

	int incremental = vs->o->from_size > 0;

	rc = sqlite3_prepare_v2(vs->v->db,
				incremental ? "SELECT (SELECT COUNT(*) FROM chunks WHERE seq >= ?1), 0"
					    : "SELECT (SELECT COUNT(*) FROM chunks WHERE seq >= ?1 OR ?1 = 0),"
					      " (SELECT COUNT(*) FROM tree)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)vs->o->from_size);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			chunks = sqlite3_column_int64(st, 0);
			nodes = sqlite3_column_int64(st, 1);
		}
	}
	sqlite3_finalize(st);
	if (chunks < 0)
		return db_failed(vs, rc, "counting the entries");
	if ((uint64_t)chunks != vs->chunk_rows_expected)
		return problem(vs, n, "the vault holds %lld chunk rows, its entries account for %llu",
			       chunks, (unsigned long long)vs->chunk_rows_expected);
	for (uint64_t k = n >> vs->v->tree_low; k > 0; k >>= 1)
		want_nodes += k;
	if (incremental) {
		if (check_tree_end(vs, n) != 0)
			return -1;
	} else if ((uint64_t)nodes != want_nodes)
		return problem(vs, n, "the stored tree has %lld nodes, a log of %llu entries has %llu",
			       nodes, (unsigned long long)n, (unsigned long long)want_nodes);
	if (vs->ckpt_pending)
		return problem(vs, n, "a checkpoint of %lld entries was signed, but the log holds only "
			       "%llu: entries were removed from the end",
			       sqlite3_column_int64(vs->ckpt, 1), (unsigned long long)n);
	return 0;
}

static int prepare(struct vstate *vs, sqlite3_stmt **st)
{
	/* from genesis, every row: a stray row below 0 must fail too */
	int rc = sqlite3_prepare_v2(vs->v->db,
				    vs->o->from_size > 0
					    ? "SELECT seq, type, header, sig, hash, wraps, meta FROM entries"
					      " WHERE seq >= ? ORDER BY seq"
					    : "SELECT seq, type, header, sig, hash, wraps, meta FROM entries"
					      " WHERE ?1 = ?1 ORDER BY seq",
				    -1, st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(vs->v->db,
					"SELECT idx, data FROM chunks WHERE seq = ? ORDER BY idx",
					-1, &vs->chunks, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(vs->v->db,
					"SELECT idx, NULL, typeof(data) = 'blob', length(data), id"
					" FROM chunks WHERE seq = ? ORDER BY idx",
					-1, &vs->chunk_ids, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(vs->v->db, "SELECT hash FROM tree WHERE level = ? AND idx = ?",
					-1, &vs->node, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(vs->v->db,
					vs->o->from_size > 0
						? "SELECT id, size, root, signer, note FROM checkpoints"
						  " WHERE size > ?1 AND id > ?2 ORDER BY id"
						: "SELECT id, size, root, signer, note FROM checkpoints"
						  " WHERE ?1 = ?1 AND ?2 = ?2 ORDER BY id",
					-1, &vs->ckpt, NULL);
	if (rc != SQLITE_OK)
		return db_failed(vs, rc, "reading the vault");
	sqlite3_bind_int64(*st, 1, (sqlite3_int64)vs->o->from_size);
	sqlite3_bind_int64(vs->ckpt, 1, (sqlite3_int64)vs->o->from_size);
	sqlite3_bind_int64(vs->ckpt, 2, vs->from ? vs->from->ckpt_id : -1);
	return 0;
}

/* Hand the verified state over to out (the auth moves, the rest is copied). */
static void export_state(struct vstate *vs, struct am_trusted *out)
{
	sqlite3_stmt *st = NULL;

	am_trusted_clear(out);
	memcpy(out->vault_id, vs->r->vault_id, AM_VAULT_ID_LEN);
	memcpy(out->genesis, vs->genesis, AM_HASH_LEN);
	memcpy(out->head, vs->r->head, AM_HASH_LEN);
	out->size = vs->fr.n;
	out->fr = vs->fr;
	out->auth = vs->auth;
	am_auth_init(&vs->auth);
	/* every row after this one was checked, or is below the trusted point */
	out->ckpt_id = vs->from ? vs->from->ckpt_id : -1;
	if (sqlite3_prepare_v2(vs->v->db, "SELECT MAX(id) FROM checkpoints", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER)
		out->ckpt_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
}

enum am_status am_verify_run(struct am_vault *v, const struct am_verify_opts *o,
			     const struct am_trusted *from, struct am_trusted *out,
			     struct am_verify_report *r, struct am_err *e)
{
	struct vstate vs;
	sqlite3_stmt *st = NULL;
	unsigned char prev[AM_HASH_LEN];
	double deadline = o->max_seconds > 0 ? am_mono_ns() / 1e9 + o->max_seconds : 0;
	uint64_t seq = o->from_size, n = 0;
	char why[160];
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&vs, 0, sizeof(vs));
	memset(prev, 0, sizeof(prev));
	r->ok = 1;
	r->complete = 1;
	vs.v = v;
	vs.o = o;
	vs.r = r;
	vs.e = e;
	vs.s = AM_OK;
	vs.from = from;
	am_auth_init(&vs.auth);
	am_fauths_init(&vs.fauths);
	vs.fauths.from = o->from_size; /* imports before it are met only through their links */
	am_mt_frontier_init(&vs.fr);
	if (o->tier >= AM_VERIFY_DEEP && o->reader == NULL)
		return am_fail(e, AM_EINPUT, "deep verification needs a custodian's identity");
	if (from != NULL && from->size != o->from_size)
		return am_fail(e, AM_EINPUT, "internal: a verified state of %llu entries given to "
			       "start at %llu", (unsigned long long)from->size,
			       (unsigned long long)o->from_size);
	vs.at = o->from_size;
	vs.s = am_vault_count(v, &n, e);
	if (vs.s == AM_EINPUT || vs.s == AM_EVERIFY || (v->salvage && vs.s != AM_ENOMEM)) {
		/* the last entry cannot be read: the walk below finds where reading stops */
		vs.s = AM_OK;
		n = UINT64_MAX;
	}
	if (vs.s != AM_OK || prepare(&vs, &st) != 0)
		goto cleanup;
	if (o->from_size > n || o->pin_size > n) {
		uint64_t m = o->from_size > o->pin_size ? o->from_size : o->pin_size;
		problem(&vs, n, "the vault holds %llu entries, fewer than the %llu of a trusted "
			"checkpoint: it was rolled back or truncated", (unsigned long long)n,
			(unsigned long long)m);
		goto cleanup;
	}
	if (from != NULL) {
		vs.fr = from->fr;
		memcpy(prev, from->head, AM_HASH_LEN);
		memcpy(r->vault_id, from->vault_id, AM_VAULT_ID_LEN);
		memcpy(vs.genesis, from->genesis, AM_HASH_LEN);
		if (am_auth_copy(&vs.auth, &from->auth) != 0) {
			vs.s = am_fail(e, AM_ENOMEM, "out of memory");
			goto cleanup;
		}
	} else if (o->from_size > 0 && start_from_trusted(&vs, prev) != 0) {
		goto cleanup;
	}
	if ((rc = next_ckpt(&vs)) < 0)
		goto cleanup;
	vs.ckpt_pending = rc;
	if (!v->salvage && n != UINT64_MAX)
		vs.sc = am_sigcheck_start(v, o->sigcheck, o->from_size, n - o->from_size,
					  from ? from->ckpt_id : -1);
	memcpy(r->head, prev, AM_HASH_LEN);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (deadline > 0 && r->entries > 0 && am_mono_ns() / 1e9 > deadline) {
			r->complete = 0;
			break;
		}
		vs.at = seq;
		if (check_entry(&vs, st, seq, prev) != 0 || check_points(&vs) != 0)
			goto cleanup;
		seq++;
		vs.at = seq;
		r->entries++;
		memcpy(r->head, prev, AM_HASH_LEN);
	}
	if (r->complete && rc != SQLITE_DONE) {
		db_failed(&vs, rc, "reading entries");
		goto cleanup;
	}
	if (seq == 0) {
		problem(&vs, 0, "the vault has no entries, not even a genesis");
		goto cleanup;
	}
	/* the log ends inside a batch: its end and checkpoint were removed */
	if (r->complete && vs.owed && missing_ckpt(&vs, seq) != 0)
		goto cleanup;
	if (r->complete)
		check_counts(&vs, seq);
	if (r->complete && am_vault_cut(v, why, sizeof(why)))
		problem(&vs, seq, "%s: every entry before this one could be read%s, but any later "
			"ones were lost with the missing pages", why,
			o->tier == AM_VERIFY_QUICK ? " (not their content, at this tier)" : "");
	if (r->complete && vs.ckpt_lost)
		problem(&vs, seq, "the stored checkpoints cannot be read: the database pages "
			"holding them are damaged");
	/*
	 * A file SQLite could read only in salvage mode is damaged, whatever the
	 * entries read say: it never verifies (and so nothing trusts or writes it).
	 */
	if (r->complete && v->salvage)
		problem(&vs, seq, "the database file is damaged (SQLite reads it only in salvage "
			"mode); restore it from a copy");
	if (out != NULL && r->ok && r->complete && vs.s == AM_OK)
		export_state(&vs, out);
cleanup:
	/* whatever was found, a cut file is the likely cause: say so */
	if (!r->ok && am_vault_cut(v, why, sizeof(why)) && strstr(r->reason, "cut short") == NULL)
		snprintf(r->reason + strlen(r->reason), sizeof(r->reason) - strlen(r->reason),
			 "; %s", why);
	r->size = vs.fr.n;
	memcpy(r->genesis, vs.genesis, AM_HASH_LEN);
	am_mt_frontier_root(&vs.fr, r->root);
	am_sigcheck_free(vs.sc);
	sqlite3_finalize(st);
	sqlite3_finalize(vs.chunks);
	sqlite3_finalize(vs.chunk_ids);
	sqlite3_blob_close(vs.blob);
	sqlite3_finalize(vs.node);
	sqlite3_finalize(vs.ckpt);
	am_auth_release(&vs.auth);
	am_fauths_release(&vs.fauths);
	free(vs.seen);
	if (vs.s != AM_OK)
		r->ok = 0;
	return vs.s;
}

enum am_status am_verify_ex(struct am_vault *v, const struct am_verify_opts *o,
			    struct am_verify_report *r, struct am_err *e)
{
	enum am_status s;

	memset(r, 0, sizeof(*r));
	/* one read transaction, so the snapshot cannot move under us */
	s = am_db_exec(v, "BEGIN", e);
	if (s != AM_OK)
		return s;
	s = am_verify_run(v, o, NULL, NULL, r, e);
	am_db_rollback(v);
	return s;
}

enum am_status am_verify(struct am_vault *v, enum am_verify_tier tier, struct am_progress pr,
			 struct am_verify_report *r, struct am_err *e)
{
	struct am_verify_opts o;

	memset(&o, 0, sizeof(o));
	o.tier = tier;
	o.progress = pr;
	return am_verify_ex(v, &o, r, e);
}
