/*
 * test_tree_low.c — the stored tree of a schema 3 vault (FORMAT.md §15): no
 * node below level AM_TREE_LOW is stored, such nodes are hashed again from
 * the entries' hash column, and every root and proof is still RFC 9162's,
 * checked here against a tree this test computes from each entry's stored
 * header and signature with SHA-256 alone.  A schema 2 vault keeps, and goes
 * on storing, every level.  Verification, of the whole log and from a
 * trusted point (§20), refuses a damaged hash column, a planted low row and
 * an altered or missing stored node; a reader names an entry row removed
 * next to the one it reads.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "vault/merkle.h"
#include "vault/vault_int.h"
#include "check.h"
#include "trusted.h"

#define MAXN 128

static char dir[256];
static struct am_identity admin, cust;

/* ---- the tree, computed here (RFC 9162 §2.1.1) ------------------------------ */

static unsigned char leaf[MAXN][AM_HASH_LEN]; /* H(0x00 || entry hash), from stored bytes */
static unsigned char ehash[MAXN][AM_HASH_LEN];

static void h_leaf(unsigned char out[AM_HASH_LEN], const unsigned char eh[AM_HASH_LEN])
{
	unsigned char b[1 + AM_HASH_LEN];

	b[0] = 0x00;
	memcpy(b + 1, eh, AM_HASH_LEN);
	am_sha256(out, b, sizeof(b));
}

static void h_node(unsigned char out[AM_HASH_LEN], const unsigned char l[AM_HASH_LEN],
		   const unsigned char r[AM_HASH_LEN])
{
	unsigned char b[1 + 2 * AM_HASH_LEN];

	b[0] = 0x01;
	memcpy(b + 1, l, AM_HASH_LEN);
	memcpy(b + 1 + AM_HASH_LEN, r, AM_HASH_LEN);
	am_sha256(out, b, sizeof(b));
}

/* MTH(D[lo:hi]) over the leaves above, by the RFC's recursion. */
static void mth(uint64_t lo, uint64_t hi, unsigned char out[AM_HASH_LEN])
{
	unsigned char l[AM_HASH_LEN], r[AM_HASH_LEN];
	uint64_t k = 1;

	if (hi - lo == 1) {
		memcpy(out, leaf[lo], AM_HASH_LEN);
		return;
	}
	while (2 * k < hi - lo)
		k *= 2;
	mth(lo, lo + k, l);
	mth(lo + k, hi, r);
	h_node(out, l, r);
}

/* The leaves of entries 0..n-1 from their stored header and signature; 0 or -1. */
static int load_leaves(struct am_vault *v, uint64_t n)
{
	for (uint64_t s = 0; s < n && s < MAXN; s++) {
		struct am_entry_pub p;
		if (am_entry_read(v, s, &p, NULL) != AM_OK)
			return -1;
		am_entry_hash(ehash[s], p.buf, p.len, p.sig);
		h_leaf(leaf[s], ehash[s]);
		am_entry_pub_release(&p);
	}
	return n <= MAXN ? 0 : -1;
}

static void to_hex(char out[2 * AM_HASH_LEN + 1], const unsigned char h[AM_HASH_LEN])
{
	for (size_t i = 0; i < AM_HASH_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* ---- files ------------------------------------------------------------------ */

static int64_t sql_int(const char *path, const char *q)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t x = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		x = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return x;
}

/* Copy src to dir/name, drop the append-only triggers and run sql on the copy. */
static void tamper_copy(const char *src, const char *name, const char *sql, char *out, size_t outn)
{
	size_t n = 0;
	unsigned char *bytes = check_get_file(src, &n);
	sqlite3 *db = NULL;

	snprintf(out, outn, "%s/%s", dir, name);
	CHECK(bytes != NULL && check_put_file(out, bytes, n) == 0);
	free(bytes);
	CHECK(sqlite3_open(out, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "DROP TRIGGER entries_no_update; DROP TRIGGER entries_no_delete;"
			   "DROP TRIGGER chunks_no_delete; DROP TRIGGER tree_no_update;"
			   "DROP TRIGGER tree_no_delete;", NULL, NULL, NULL) == SQLITE_OK);
	CHECKF(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql,
	       sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* Verify path (quick tier) from the trusted point (m, root of the first m leaves), or whole. */
static void verify_at(const char *path, uint64_t m, struct am_verify_report *r)
{
	struct am_verify_opts o;
	struct am_vault *v = NULL;

	memset(&o, 0, sizeof(o));
	memset(r, 0, sizeof(*r));
	o.tier = AM_VERIFY_QUICK;
	o.sigcheck = AM_SIGCHECK_INPLACE;
	o.from_size = m;
	if (m > 0)
		mth(0, m, o.from_root);
	CHECK(am_vault_open(path, 0, &v, NULL) == AM_OK);
	if (v != NULL)
		CHECK(am_verify_ex(v, &o, r, NULL) == AM_OK);
	am_vault_close(v);
}

/* r failed at bad_seq for a reason containing want. */
#define FAILS(r, seq, want, what)                                                              \
	CHECKF(!(r).ok && (r).has_bad_seq && (r).bad_seq == (seq) && strstr((r).reason, want),  \
	       "%s: ok %d, bad %llu (want %llu): %s", what, (r).ok, (unsigned long long)(r).bad_seq, \
	       (unsigned long long)(seq), (r).reason)

/* ---- building the log ------------------------------------------------------- */

static void seal_alone(struct am_vault *v, const struct am_fields *f, unsigned k)
{
	struct am_seal_req req;
	struct am_seal_result res;

	for (unsigned i = 0; i < k; i++) {
		mem_req(&req, f, "alone", 5);
		CHECK(am_seal(v, trust_of(v), &admin, &req, &res, NULL) == AM_OK);
	}
}

/* k entries in one batch that commits every lim entries (and the rest at the end). */
static void seal_batch(struct am_vault *v, const struct am_fields *f, size_t lim, unsigned k)
{
	struct am_batch_limits l = { lim, 0, 0, 0 };
	struct am_batch *b = NULL;
	struct am_seal_req req;
	uint64_t before = count_of(v);

	CHECK(am_batch_begin(v, trust_of(v), &admin, &l, NULL, NULL, &b, NULL) == AM_OK);
	for (unsigned i = 0; b != NULL && i < k; i++) {
		mem_req(&req, f, "batched", 7);
		CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
	}
	if (b != NULL)
		CHECK(am_batch_commit(b, NULL) == AM_OK);
	am_batch_free(b);
	CHECK(count_of(v) == before + k);
}

/* ---- what must hold of any vault -------------------------------------------- */

/*
 * Every root of sizes 1..n, every inclusion proof in each and every
 * consistency proof between them, against the tree computed here.
 */
static void check_proofs(struct am_vault *v, uint64_t n, const char *what)
{
	unsigned char proof[AM_MT_MAX_PROOF][AM_HASH_LEN], root[AM_HASH_LEN];
	static unsigned char want[MAXN + 1][AM_HASH_LEN];
	uint64_t bad_root = 0, bad_incl = 0, bad_cons = 0, first[3] = { 0, 0, 0 };
	size_t count;

	for (uint64_t k = 1; k <= n; k++)
		mth(0, k, want[k]);
	/* one read transaction, as readers take: no lock taken per statement */
	CHECK(am_vault_read_begin(v, NULL) == AM_OK);
	for (uint64_t k = 1; k <= n; k++) {
		if (am_vault_root(v, k, root, NULL) != AM_OK ||
		    !am_equal(root, want[k], AM_HASH_LEN)) {
			if (bad_root++ == 0)
				first[0] = k;
		}
		for (uint64_t s = 0; s < k; s++)
			if (am_prove_inclusion(v, s, k, proof, &count, NULL) != AM_OK ||
			    am_mt_verify_inclusion(s, k, leaf[s], AM_MT_CONST(proof), count,
						   want[k]) != 0) {
				if (bad_incl++ == 0)
					first[1] = k * 1000 + s;
			}
		for (uint64_t m = 1; m <= k; m++)
			if (am_prove_consistency(v, m, k, proof, &count, NULL) != AM_OK ||
			    am_mt_verify_consistency(m, k, want[m], want[k], AM_MT_CONST(proof),
						     count) != 0) {
				if (bad_cons++ == 0)
					first[2] = k * 1000 + m;
			}
	}
	CHECKF(bad_root == 0, "%s: %llu wrong roots, first at size %llu", what,
	       (unsigned long long)bad_root, (unsigned long long)first[0]);
	CHECKF(bad_incl == 0, "%s: %llu inclusion proofs fail, first size*1000+seq %llu", what,
	       (unsigned long long)bad_incl, (unsigned long long)first[1]);
	CHECKF(bad_cons == 0, "%s: %llu consistency proofs fail, first n*1000+m %llu", what,
	       (unsigned long long)bad_cons, (unsigned long long)first[2]);
	/* past the end of the log there is nothing to prove from */
	CHECK(am_vault_root(v, n + 1, root, NULL) == AM_EVERIFY);
	CHECK(am_vault_root(v, (n | 15) + 1, root, NULL) == AM_EVERIFY);
	CHECK(am_prove_inclusion(v, 0, n + 1, proof, &count, NULL) == AM_EVERIFY);
	CHECK(am_prove_consistency(v, n, n + 3, proof, &count, NULL) == AM_EVERIFY);
	am_vault_read_end(v);
}

/*
 * The tree table holds exactly the perfect subtrees of n leaves at levels
 * low and up, each with the hash computed here.
 */
static void check_rows(const char *path, uint64_t n, unsigned low, const char *what)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t total = 0, want_total = 0, wrong = 0;
	char q[128];

	for (unsigned lv = 0; lv < 64; lv++) {
		int64_t want = lv >= low ? (int64_t)(n >> lv) : 0, got;
		snprintf(q, sizeof(q), "SELECT count(*) FROM tree WHERE level = %u", lv);
		got = sql_int(path, q);
		CHECKF(got == want, "%s: %lld rows at level %u, want %lld", what, (long long)got, lv,
		       (long long)want);
		want_total += want;
	}
	total = sql_int(path, "SELECT count(*) FROM tree");
	CHECKF(total == want_total, "%s: %lld tree rows, want %lld", what, (long long)total,
	       (long long)want_total);
	CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(db, "SELECT level, idx, hash FROM tree", -1, &st, NULL) ==
	      SQLITE_OK);
	while (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
		unsigned lv = (unsigned)sqlite3_column_int(st, 0);
		uint64_t idx = (uint64_t)sqlite3_column_int64(st, 1);
		unsigned char h[AM_HASH_LEN];
		if (lv > 7 || ((idx + 1) << lv) > n) {
			wrong++;
			continue;
		}
		mth(idx << lv, (idx + 1) << lv, h);
		wrong += sqlite3_column_bytes(st, 2) != AM_HASH_LEN ||
			 !am_equal(sqlite3_column_blob(st, 2), h, AM_HASH_LEN);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	CHECKF(wrong == 0, "%s: %lld tree rows with the wrong hash", what, (long long)wrong);
}

/*
 * Verification of the whole log, and from trusted sizes at and on either
 * side of multiples of 16 and at the end, passes.
 */
static void check_verifies(const char *path, uint64_t n, const char *what)
{
	struct am_verify_report r;
	uint64_t bad = 0, first = 0;

	for (uint64_t m = 0; m <= n; m++) {
		if (m > 2 && (m + 1) % 16 > 2 && m + 2 < n)
			continue;
		verify_at(path, m, &r);
		if (!r.ok || r.size != n) {
			if (bad++ == 0)
				first = m;
			if (bad == 1)
				fprintf(stderr, "%s: from %llu: %s\n", what, (unsigned long long)m,
					r.reason);
		}
	}
	CHECKF(bad == 0, "%s: %llu trusted sizes fail, the first %llu", what,
	       (unsigned long long)bad, (unsigned long long)first);
}

/* ---- the damage verification must find ------------------------------------ */

/* Verified from trusted size m (0: the whole log), it fails at seq for a reason naming why. */
struct finding {
	uint64_t m, seq;
	const char *why;
};

struct damage {
	const char *name, *sql;
	struct finding f[5]; /* up to the first with why NULL */
};

/* In a log of 70 entries: its frontier is (6, 0), (2, 16) and (1, 34). */
static const struct damage damages[] = {
	/* the hash column of an entry in the part of the trusted tree made of low nodes */
	{ "hash-low", "UPDATE entries SET hash = zeroblob(32) WHERE seq = 66",
	  { { 0, 66, "stored hash column disagrees" },
	    { 70, 69, "no longer have the trusted root" },
	    { 67, 66, "no longer have the trusted root" },
	    /* from a multiple of 16 before it: checked one by one */
	    { 64, 66, "stored hash column disagrees" } } },
	/* inside the first 16: the proof of genesis reads it */
	{ "hash-5", "UPDATE entries SET hash = zeroblob(32) WHERE seq = 5",
	  { { 0, 5, "stored hash column disagrees" },
	    { 48, 0, "is not the entry the trusted tree of 48 entries holds" } } },
	/* of the wrong storage class or length: no node is made of it */
	{ "hash-text", "UPDATE entries SET hash = CAST(hash AS TEXT) WHERE seq = 68",
	  { { 0, 68, "is not a blob" }, { 70, 69, "incomplete below the trusted size" } } },
	{ "hash-short", "UPDATE entries SET hash = substr(hash, 1, 31) WHERE seq = 68",
	  { { 0, 68, "stored hash column disagrees" },
	    { 70, 69, "incomplete below the trusted size" } } },
	/* a row below level 4, where schema 3 stores none (FORMAT.md §20, step 17) */
	{ "low-0", "INSERT INTO tree VALUES(0, 0, zeroblob(32))",
	  { { 0, 70, "the stored tree has 8 nodes, a log of 70 entries has 7" },
	    { 70, 70, "below the lowest level this vault stores" },
	    { 21, 70, "below the lowest level this vault stores" } } },
	{ "low-3", "INSERT INTO tree VALUES(3, 1, zeroblob(32))",
	  { { 0, 70, "the stored tree has 8 nodes" }, { 64, 70, "below the lowest level" } } },
	{ "low-neg", "INSERT INTO tree VALUES(-1, 0, zeroblob(32))",
	  { { 0, 70, "the stored tree has 8 nodes" }, { 33, 70, "below the lowest level" } } },
	/* (4, 1) covers [16, 32): in the proof of genesis, and completed after 20 */
	{ "node-altered", "UPDATE tree SET hash = zeroblob(32) WHERE level = 4 AND idx = 1",
	  { { 0, 16, "stored tree node (level 4, index 1) was altered" },
	    { 20, 16, "stored tree node (level 4, index 1) was altered" },
	    { 32, 0, "is not the entry the trusted tree of 32 entries holds" },
	    { 70, 0, "is not the entry the trusted tree of 70 entries holds" } } },
	{ "node-deleted", "DELETE FROM tree WHERE level = 4 AND idx = 1",
	  { { 0, 16, "stored tree node (level 4, index 1) is missing" },
	    { 17, 16, "stored tree node (level 4, index 1) is missing" },
	    { 32, 0, "is not the entry the trusted tree of 32 entries holds" } } },
	/* the frontier of every size from 64 on starts with (6, 0) */
	{ "node-top", "DELETE FROM tree WHERE level = 6 AND idx = 0",
	  { { 0, 0, "stored tree node (level 6, index 0) is missing" },
	    { 70, 69, "incomplete below the trusted size" },
	    { 64, 63, "incomplete below the trusted size" } } },
};

/* A copy of path damaged by d->sql verifies to each of d's findings. */
static void check_damage(const char *path, const struct damage *d)
{
	struct am_verify_report r;
	char p[512], name[64];

	snprintf(name, sizeof(name), "%s.vault", d->name);
	tamper_copy(path, name, d->sql, p, sizeof(p));
	for (size_t i = 0; i < sizeof(d->f) / sizeof(d->f[0]) && d->f[i].why != NULL; i++) {
		verify_at(p, d->f[i].m, &r);
		CHECKF(!r.ok && r.has_bad_seq && r.bad_seq == d->f[i].seq &&
			       strstr(r.reason, d->f[i].why) != NULL,
		       "%s, from %llu: ok %d, bad %llu (want %llu): %s", d->name,
		       (unsigned long long)d->f[i].m, r.ok, (unsigned long long)r.bad_seq,
		       (unsigned long long)d->f[i].seq, r.reason);
	}
}

/* A low row with the right hash is refused too: schema 3 stores none. */
static void right_low_row(const char *path)
{
	struct damage d = { "low-right", NULL,
			    { { 0, 70, "the stored tree has" }, { 64, 70, "below the lowest level" } } };
	unsigned char h[AM_HASH_LEN];
	char hex[2 * AM_HASH_LEN + 1], sql[128];

	mth(8, 12, h);
	to_hex(hex, h);
	snprintf(sql, sizeof(sql), "INSERT INTO tree VALUES(2, 2, x'%s')", hex);
	d.sql = sql;
	check_damage(path, &d);
}

/*
 * An entry row removed under a reader that verified the log before: the
 * neighbours whose proofs hash it are refused naming it, those whose proofs
 * use a stored node above it still read; a verification from the trusted
 * size, which does not read the entries below it, cannot see it (§20).
 */
static void removed_entry(const char *path, const struct am_pin *pin, unsigned low)
{
	struct am_verify_report r;
	struct am_vault *v = NULL;
	struct am_trusted *t = NULL;
	struct am_entry_pub p;
	struct am_err err;
	char c[512], sql[128];
	const uint64_t k = 40;

	/* and entry 60's signature altered, which is no missing row */
	snprintf(sql, sizeof(sql), "DELETE FROM entries WHERE seq = %llu; DELETE FROM chunks WHERE "
		 "seq = %llu; UPDATE entries SET sig = zeroblob(64) WHERE seq = 60",
		 (unsigned long long)k, (unsigned long long)k);
	tamper_copy(path, low ? "gone.vault" : "gone2.vault", sql, c, sizeof(c));
	verify_at(c, 0, &r);
	FAILS(r, k, "is missing", "entry removed, whole log");
	CHECK(am_vault_open(c, 0, &v, NULL) == AM_OK);
	CHECK(v != NULL && am_trust(v, pin, &t, &err) == AM_OK);
	if (t == NULL) {
		am_vault_close(v);
		return;
	}
	CHECK_ST(am_entry_read_trusted(v, t, k, &p, &err), AM_EINPUT);
	CHECKF(strstr(err.msg, "has no entry 40") != NULL, "%s", err.msg);
	for (uint64_t s = k & ~(uint64_t)31; s < (k | 31) + 1; s++) {
		enum am_status st;
		if (s == k)
			continue;
		memset(&err, 0, sizeof(err));
		st = am_entry_read_trusted(v, t, s, &p, &err);
		if (st == AM_OK)
			am_entry_pub_release(&p);
		if (s == 60)
			/* after a read that found the gap, not blamed on it */
			CHECKF(st == AM_EVERIFY && strstr(err.msg, "altered") != NULL,
			       "entry %llu: %s", (unsigned long long)s, err.msg);
		else if (low && (s ^ k) < (1u << low))
			/* its proof hashes a low node over entry k */
			CHECKF(st == AM_EINPUT && strstr(err.msg, "has no entry 40") != NULL,
			       "entry %llu: %s", (unsigned long long)s, err.msg);
		else
			CHECKF(st == AM_OK, "entry %llu: %s", (unsigned long long)s, err.msg);
	}
	am_trusted_free(t);
	am_vault_close(v);
}

/*
 * The hash column of entry 20 altered under a reader that verified the log
 * before: in a schema 3 vault the other entries of its block of 16, whose
 * proofs hash it, are refused (the verified root no longer comes out); it
 * and the entries outside the block read.  A schema 2 vault's proofs never
 * read the column.  (A whole verify names it; from a trusted size it is
 * found only where the frontier or a proof it checks hashes it, as the
 * damage table above shows.)
 */
static void altered_hash_read(const char *path, const struct am_pin *pin, unsigned low)
{
	struct am_vault *v = NULL;
	struct am_trusted *t = NULL;
	struct am_entry_pub p;
	struct am_err err;
	char c[512];

	tamper_copy(path, low ? "hash-20.vault" : "hash-20-s2.vault",
		    "UPDATE entries SET hash = zeroblob(32) WHERE seq = 20", c, sizeof(c));
	CHECK(am_vault_open(c, 0, &v, NULL) == AM_OK);
	CHECK(v != NULL && am_trust(v, pin, &t, &err) == AM_OK);
	for (uint64_t s = 0; t != NULL && s < 40; s++) {
		enum am_status st;
		memset(&err, 0, sizeof(err));
		st = am_entry_read_trusted(v, t, s, &p, &err);
		if (st == AM_OK)
			am_entry_pub_release(&p);
		if (low && s != 20 && (s ^ 20) < (1u << low))
			CHECKF(st == AM_EVERIFY && strstr(err.msg, "altered") != NULL,
			       "entry %llu: %s", (unsigned long long)s, err.msg);
		else
			CHECKF(st == AM_OK, "entry %llu: %s", (unsigned long long)s, err.msg);
	}
	am_trusted_free(t);
	am_vault_close(v);
}

/* ---- a schema 2 vault ------------------------------------------------------- */

/* Copy path to dst as a schema 2 vault: user_version 2, the nodes below level 4 stored. */
static void make_schema2(const char *path, const char *dst, uint64_t n)
{
	size_t len = 0;
	unsigned char *bytes = check_get_file(path, &len);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	CHECK(bytes != NULL && check_put_file(dst, bytes, len) == 0);
	free(bytes);
	CHECK(sqlite3_open(dst, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(db, "INSERT INTO tree(level, idx, hash) VALUES(?,?,?)", -1, &st,
				 NULL) == SQLITE_OK);
	for (unsigned lv = 0; st != NULL && lv < AM_TREE_LOW; lv++)
		for (uint64_t i = 0; i < n >> lv; i++) {
			unsigned char h[AM_HASH_LEN];
			mth(i << lv, (i + 1) << lv, h);
			sqlite3_reset(st);
			sqlite3_bind_int(st, 1, (int)lv);
			sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
			sqlite3_bind_blob(st, 3, h, AM_HASH_LEN, SQLITE_TRANSIENT);
			CHECK(sqlite3_step(st) == SQLITE_DONE);
		}
	sqlite3_finalize(st);
	CHECK(sqlite3_exec(db, "PRAGMA user_version = 2; COMMIT", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

/* Seal the mixture of batches and single entries the test uses, onto v. */
static void seal_mixture(struct am_vault *v, const struct am_fields *f, int part)
{
	if (part == 0) {
		seal_batch(v, f, 3, 7);  /* commits at 3, 6, the 7th at the end */
		seal_alone(v, f, 2);
		seal_batch(v, f, 5, 13);
		seal_alone(v, f, 1);
		seal_batch(v, f, 16, 20);
		seal_batch(v, f, 7, 15);
		seal_alone(v, f, 3);
		seal_batch(v, f, 2, 5);
		seal_alone(v, f, 2);
	} else {
		seal_batch(v, f, 3, 5);
		seal_alone(v, f, 2);
		seal_batch(v, f, 11, 14);
	}
}

int main(void)
{
	struct am_vault *v = NULL, *v2 = NULL;
	struct am_fields f;
	struct am_pin pin;
	char path[512], path2[512];
	uint64_t n, n2;

	if (am_crypto_init() != 0)
		return 1;
	v = scratch_vault("treelow", dir, sizeof(dir), path, sizeof(path), &admin, &cust);
	CHECK(v != NULL);
	if (v == NULL)
		return check_done();
	am_fields_init(&f);
	CHECK(am_fields_set(&f, "case", "C-1", 3, NULL) == AM_OK);

	/* schema 3: ~70 entries, commits falling anywhere in a 16-entry block */
	seal_mixture(v, &f, 0);
	n = count_of(v);
	/* the cases below name entries and nodes of a log of 70 */
	CHECKF(n == 70, "%llu entries", (unsigned long long)n);
	if (n != 70)
		return check_done();
	CHECK(sql_int(path, "PRAGMA user_version") == 3);
	CHECK(load_leaves(v, n) == 0);
	/* the hash column the low nodes are made of holds the entry hashes */
	for (uint64_t s = 0; s < n; s++) {
		char q[160], hex[2 * AM_HASH_LEN + 1];
		to_hex(hex, ehash[s]);
		snprintf(q, sizeof(q), "SELECT hash = x'%s' FROM entries WHERE seq = %llu", hex,
			 (unsigned long long)s);
		CHECKF(sql_int(path, q) == 1, "hash column of entry %llu", (unsigned long long)s);
	}
	check_rows(path, n, AM_TREE_LOW, "schema 3");
	check_proofs(v, n, "schema 3");
	check_verifies(path, n, "schema 3");
	am_trusted_pin(trust_of(v), &pin);
	CHECK(pin.size == n);

	for (size_t i = 0; i < sizeof(damages) / sizeof(damages[0]); i++)
		check_damage(path, &damages[i]);
	right_low_row(path);
	removed_entry(path, &pin, AM_TREE_LOW);
	altered_hash_read(path, &pin, AM_TREE_LOW);

	/* schema 2: every level stored, before and after more appends */
	snprintf(path2, sizeof(path2), "%s/v2.vault", dir);
	make_schema2(path, path2, n);
	check_rows(path2, n, 0, "schema 2 as made");
	CHECK(am_vault_open(path2, 1, &v2, NULL) == AM_OK);
	CHECK(v2 != NULL && trust_of(v2) != NULL);
	if (v2 != NULL && trust_of(v2) != NULL) {
		removed_entry(path2, &pin, 0);
		altered_hash_read(path2, &pin, 0);
		seal_mixture(v2, &f, 1);
		n2 = count_of(v2);
		CHECK(n2 > n && n2 < MAXN);
		CHECK(sql_int(path2, "PRAGMA user_version") == 2);
		CHECK(load_leaves(v2, n2) == 0);
		check_rows(path2, n2, 0, "schema 2 after appends");
		check_proofs(v2, n2, "schema 2");
		check_verifies(path2, n2, "schema 2");
		/* a low row altered is found there, as it always was */
		{
			static const struct damage s2leaf = {
				"s2-leaf", "UPDATE tree SET hash = zeroblob(32) WHERE level = 0 AND idx = 77",
				{ { 0, 77, "stored tree node (level 0, index 77) was altered" },
				  { 70, 77, "stored tree node (level 0, index 77) was altered" } }
			};
			check_damage(path2, &s2leaf);
		}
	}
	close_vault(v2);

	am_fields_release(&f);
	return scratch_done(v, &admin, &cust, dir);
}
