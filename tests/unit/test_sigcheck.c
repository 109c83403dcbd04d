/*
 * test_sigcheck.c — signatures checked ahead on a second thread
 * (vault/sigcheck.c) change nothing in what verification reports.
 *
 * One vault of 153 entries (batches of 10, an enrollment, entries each with
 * its own checkpoint, batches of 25), then copies of
 * it damaged the way someone with write access to the file could: each is
 * verified with every signature checked in place, with every queued one
 * checked on the second thread, and as verification chooses (both threads
 * helping), and the three reports must be identical, and the expected one:
 * a bad signature at entry k is reported at k, whichever thread checked it,
 * an earlier problem of any kind before it, a later one after it.  Also
 * from a trusted point, and through am_trust_ex from a pin.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault_int.h"
#include "check.h"
#include "trusted.h"

static char dir[256];
static char path[512];
static const int modes[] = { AM_SIGCHECK_INPLACE, AM_SIGCHECK_WORKER, AM_SIGCHECK_AUTO };
static const char *const mode_name[] = { "in place", "worker", "auto" };

/* Seal n small documents in batches of at most per entries. */
static void seal_some(struct am_vault *v, const struct am_identity *who, size_t n, size_t per)
{
	struct am_batch_limits lim = { per, 0, 0, 0 };
	struct am_batch *b = NULL;
	struct am_seal_req req;
	struct am_fields f;
	char body[64];

	am_fields_init(&f);
	CHECK(am_fields_set(&f, "case", "C-7", 3, NULL) == AM_OK);
	CHECK(am_batch_begin(v, trust_of(v), who, &lim, NULL, NULL, &b, NULL) == AM_OK);
	for (size_t i = 0; i < n && b != NULL; i++) {
		int len = snprintf(body, sizeof(body), "statement %zu of %zu", i, n);
		memset(&req, 0, sizeof(req));
		req.type = AM_T_DOCUMENT;
		req.fields = &f;
		req.fd = -1;
		req.data = body;
		req.len = (size_t)len;
		CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
	}
	CHECK(b != NULL && am_batch_commit(b, NULL) == AM_OK);
	am_batch_free(b);
	am_fields_release(&f);
}

/* Flip bit 0 of byte pos of column col (a blob) of the row of tbl matching where. */
static void flip(sqlite3 *db, const char *tbl, const char *col, const char *where, size_t pos)
{
	char q[256];
	sqlite3_stmt *st = NULL;
	unsigned char *p = NULL;
	size_t n = 0;

	snprintf(q, sizeof(q), "SELECT %s FROM %s WHERE %s", col, tbl, where);
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		n = (size_t)sqlite3_column_bytes(st, 0);
		p = malloc(n + 1);
		if (p != NULL && n > 0)
			memcpy(p, sqlite3_column_blob(st, 0), n);
	}
	sqlite3_finalize(st);
	CHECKF(p != NULL && pos < n, "%s.%s where %s: %zu bytes", tbl, col, where, n);
	if (p == NULL || pos >= n) {
		free(p);
		return;
	}
	p[pos] ^= 1;
	snprintf(q, sizeof(q), "UPDATE %s SET %s = ? WHERE %s", tbl, col, where);
	CHECK(sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK);
	sqlite3_bind_blob(st, 1, p, (int)n, SQLITE_TRANSIENT);
	CHECK(sqlite3_step(st) == SQLITE_DONE);
	sqlite3_finalize(st);
	free(p);
}

/*
 * Change one base64 character of the signature line of the checkpoint of
 * the given size: the note still parses, its signature no longer verifies.
 */
static void bad_note_sig(sqlite3 *db, uint64_t size)
{
	char q[160];
	sqlite3_stmt *st = NULL;
	char *note = NULL;
	size_t n = 0;

	snprintf(q, sizeof(q), "SELECT note FROM checkpoints WHERE size = %llu ORDER BY id LIMIT 1",
		 (unsigned long long)size);
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		n = (size_t)sqlite3_column_bytes(st, 0);
		note = strdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	CHECKF(note != NULL && n > 20, "no checkpoint of size %llu", (unsigned long long)size);
	if (note == NULL || n <= 20) {
		free(note);
		return;
	}
	/* well inside the signature's base64, past the key id, before the padding */
	note[n - 10] = note[n - 10] == 'A' ? 'B' : 'A';
	snprintf(q, sizeof(q), "UPDATE checkpoints SET note = ? WHERE size = %llu",
		 (unsigned long long)size);
	CHECK(sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK);
	sqlite3_bind_text(st, 1, note, (int)n, SQLITE_TRANSIENT);
	CHECK(sqlite3_step(st) == SQLITE_DONE);
	sqlite3_finalize(st);
	free(note);
}

/* The reports of two modes: identical in everything a caller sees. */
static int same(const struct am_verify_report *a, const struct am_verify_report *b)
{
	return a->ok == b->ok && a->complete == b->complete && a->has_bad_seq == b->has_bad_seq &&
	       a->bad_seq == b->bad_seq && strcmp(a->reason, b->reason) == 0 &&
	       a->entries == b->entries && a->size == b->size && a->chunks == b->chunks &&
	       a->bytes == b->bytes && a->checkpoints == b->checkpoints &&
	       memcmp(a->head, b->head, AM_HASH_LEN) == 0 && memcmp(a->root, b->root, AM_HASH_LEN) == 0 &&
	       memcmp(a->genesis, b->genesis, AM_HASH_LEN) == 0 &&
	       memcmp(a->vault_id, b->vault_id, AM_VAULT_ID_LEN) == 0;
}

/* Verify file in every mode (from from_size, root when from_size > 0); the reports must agree. */
static void verify_modes(const char *file, enum am_verify_tier tier, uint64_t from_size,
			 const unsigned char *root, struct am_verify_report *out)
{
	struct am_verify_report r[3];
	enum am_status s[3];
	struct am_vault *v = NULL;

	memset(r, 0, sizeof(r));
	CHECK(am_vault_open(file, 0, &v, NULL) == AM_OK);
	for (size_t m = 0; m < 3 && v != NULL; m++) {
		struct am_verify_opts o;
		struct am_err e;
		memset(&o, 0, sizeof(o));
		o.tier = tier;
		o.sigcheck = modes[m];
		o.from_size = from_size;
		if (from_size > 0)
			memcpy(o.from_root, root, AM_HASH_LEN);
		am_err_init(&e);
		s[m] = am_verify_ex(v, &o, &r[m], &e);
		CHECKF(s[m] == AM_OK, "%s, %s: %s", file, mode_name[m], e.msg);
		if (m > 0)
			CHECKF(same(&r[0], &r[m]), "%s: in place: %s %llu: %s (%llu entries); %s: %s "
			       "%llu: %s (%llu entries)", file, r[0].ok ? "ok" : "bad",
			       (unsigned long long)r[0].bad_seq, r[0].reason,
			       (unsigned long long)r[0].entries, mode_name[m], r[m].ok ? "ok" : "bad",
			       (unsigned long long)r[m].bad_seq, r[m].reason,
			       (unsigned long long)r[m].entries);
	}
	am_vault_close(v);
	*out = r[0];
}

/* Drop every trigger, as someone with write access to the file would. */
static void drop_triggers(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	char names[16][64], q[96];
	size_t n = 0;

	CHECK(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'trigger'", -1,
				 &st, NULL) == SQLITE_OK);
	while (n < 16 && sqlite3_step(st) == SQLITE_ROW)
		snprintf(names[n++], sizeof(names[0]), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	CHECK(n > 0);
	for (size_t i = 0; i < n; i++) {
		snprintf(q, sizeof(q), "DROP TRIGGER \"%s\"", names[i]);
		CHECK(sqlite3_exec(db, q, NULL, NULL, NULL) == SQLITE_OK);
	}
}

/*
 * A copy of the vault with the triggers gone and sql run on it, then damage
 * (NULL for none) applied; verified in every mode.
 */
static void tampered(const char *name, const char *sql, void (*damage)(sqlite3 *, void *),
		     void *arg, enum am_verify_tier tier, struct am_verify_report *r)
{
	char p[600];
	size_t n = 0;
	unsigned char *bytes = check_get_file(path, &n);
	sqlite3 *db = NULL;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	CHECK(bytes != NULL && check_put_file(p, bytes, n) == 0);
	free(bytes);
	CHECK(sqlite3_open(p, &db) == SQLITE_OK);
	drop_triggers(db);
	if (sql != NULL)
		CHECKF(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
	if (damage != NULL)
		damage(db, arg);
	sqlite3_close(db);
	verify_modes(p, tier, 0, NULL, r);
	unlink(p);
}

/* Damage: the signatures of the entries listed (ending with UINT64_MAX). */
static void bad_sigs(sqlite3 *db, void *arg)
{
	const uint64_t *k = arg;
	char where[64];

	for (; *k != UINT64_MAX; k++) {
		snprintf(where, sizeof(where), "seq = %llu", (unsigned long long)*k);
		flip(db, "entries", "sig", where, 17);
	}
}

/* Damage: a byte of entry 7's prev field (which breaks its signature too). */
static void bad_prev(sqlite3 *db, void *arg)
{
	(void)arg;
	flip(db, "entries", "header", "seq = 7", 4 + 2 + 1 + 1 + AM_VAULT_ID_LEN + 8 + 3);
}

/* Damage: the checkpoint note of size *arg. */
static void bad_ckpt(sqlite3 *db, void *arg)
{
	bad_note_sig(db, *(const uint64_t *)arg);
}

/* Damage: a bad entry signature at arg[0], and the checkpoint of size arg[1]. */
static void bad_sig_and_ckpt(sqlite3 *db, void *arg)
{
	const uint64_t *a = arg;
	uint64_t k[2] = { a[0], UINT64_MAX };

	bad_sigs(db, k);
	bad_note_sig(db, a[1]);
}

/* Expect the report to name entry seq with a reason containing text. */
#define EXPECT_BAD(r, seq, text)                                                         \
	CHECKF(!(r).ok && (r).has_bad_seq && (r).bad_seq == (seq) &&                    \
		       strstr((r).reason, (text)) != NULL,                              \
	       "want entry %llu (%s), got %s %llu: %s", (unsigned long long)(seq), (text), \
	       (r).ok ? "ok" : "bad", (unsigned long long)(r).bad_seq, (r).reason)

static uint64_t sql_u64(const char *q)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	uint64_t x = UINT64_MAX;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		x = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return x;
}

/* The stored (and, in the good vault, verified) root of the checkpoint of size. */
static void root_at(uint64_t size, unsigned char root[AM_HASH_LEN])
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char q[128];

	memset(root, 0, AM_HASH_LEN);
	snprintf(q, sizeof(q), "SELECT root FROM checkpoints WHERE size = %llu LIMIT 1",
		 (unsigned long long)size);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == AM_HASH_LEN)
		memcpy(root, sqlite3_column_blob(st, 0), AM_HASH_LEN);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int main(void)
{
	struct am_identity admin, cust, late;
	struct am_vault *v = NULL;
	struct am_verify_report good, r;
	uint64_t n, at = 0, batch_end, solo, k[4], pair[2];
	unsigned char root[AM_HASH_LEN];
	char sql[256];

	if (am_crypto_init() != 0)
		return 1;
	check_tmpdir(dir, sizeof(dir), "sigcheck");
	snprintf(path, sizeof(path), "%s/v.vault", dir);
	CHECK(am_identity_generate(&admin, "admin-hq", NULL) == AM_OK);
	CHECK(am_identity_generate(&cust, "custodian-geneva", NULL) == AM_OK);
	CHECK(am_identity_generate(&late, "custodian-late", NULL) == AM_OK);
	CHECK(am_vault_create(path, &admin, &cust, 1, NULL, NULL) == AM_OK);
	CHECK(am_vault_open(path, 1, &v, NULL) == AM_OK);
	CHECK(trust_of(v) != NULL);
	seal_some(v, &admin, 60, 10); /* batches: one checkpoint each */
	CHECK(am_enroll(v, trust_of(v), &admin, &late, AM_ROLE_CUSTODIAN, &at, NULL) == AM_OK);
	solo = at + 1;
	seal_some(v, &admin, 30, 1); /* each with its own checkpoint */
	seal_some(v, &admin, 60, 25);
	close_vault(v);
	n = sql_u64("SELECT count(*) FROM entries");
	CHECKF(n > 140 && n < 170, "%llu entries", (unsigned long long)n);
	batch_end = sql_u64("SELECT min(size) FROM checkpoints WHERE size > 40") - 1;
	CHECK(batch_end > 40 && batch_end < at);

	/* the good vault, both tiers: the same report in every mode */
	verify_modes(path, AM_VERIFY_FULL, 0, NULL, &good);
	CHECK(good.ok && good.complete && good.size == n && good.entries == n);
	CHECKF(good.checkpoints > 40, "%llu checkpoints", (unsigned long long)good.checkpoints);
	verify_modes(path, AM_VERIFY_QUICK, 0, NULL, &r);
	CHECK(r.ok && r.size == n && memcmp(r.root, good.root, AM_HASH_LEN) == 0);

	/* one bad signature: near the start, at a batch's end, in the middle, near and at the end */
	{
		const uint64_t where[] = { 0, 1, 3, batch_end, solo + 5, n / 2, n - 2, n - 1 };
		for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
			char name[32];
			k[0] = where[i];
			k[1] = UINT64_MAX;
			snprintf(name, sizeof(name), "sig-%llu.vault", (unsigned long long)k[0]);
			tampered(name, NULL, bad_sigs, k, AM_VERIFY_FULL, &r);
			EXPECT_BAD(r, k[0], "signature does not verify");
			CHECK(r.entries == k[0] && r.size == k[0]);
		}
	}
	/* two: the first is reported, in either tier */
	k[0] = n / 3;
	k[1] = n / 2;
	k[2] = UINT64_MAX;
	tampered("two-sigs.vault", NULL, bad_sigs, k, AM_VERIFY_FULL, &r);
	EXPECT_BAD(r, n / 3, "signature does not verify");
	tampered("two-sigs-quick.vault", NULL, bad_sigs, k, AM_VERIFY_QUICK, &r);
	EXPECT_BAD(r, n / 3, "signature does not verify");

	/* a problem of another kind before a bad signature is reported first, and after it, not */
	k[0] = 100;
	k[1] = UINT64_MAX;
	tampered("chunk-before.vault", "UPDATE chunks SET data = zeroblob(length(data)) WHERE seq = 80",
		 bad_sigs, k, AM_VERIFY_FULL, &r);
	EXPECT_BAD(r, 80, "content ciphertext does not match");
	tampered("chunk-after.vault", "UPDATE chunks SET data = zeroblob(length(data)) WHERE seq = 120",
		 bad_sigs, k, AM_VERIFY_FULL, &r);
	EXPECT_BAD(r, 100, "signature does not verify");
	tampered("type-same.vault", "UPDATE entries SET type = 5 WHERE seq = 100", bad_sigs, k,
		 AM_VERIFY_FULL, &r);
	EXPECT_BAD(r, 100, "signature does not verify"); /* the type column is compared after it */
	tampered("gap-before.vault", "DELETE FROM entries WHERE seq = 70", bad_sigs, k,
		 AM_VERIFY_FULL, &r);
	EXPECT_BAD(r, 70, "is missing");

	/* early structural failures: the walk stops with the thread busy ahead of it */
	tampered("magic.vault", "UPDATE entries SET header = X'00' || substr(header, 2) WHERE seq = 5",
		 NULL, NULL, AM_VERIFY_FULL, &r);
	CHECK(!r.ok && r.bad_seq == 5);
	tampered("prev.vault", NULL, bad_prev, NULL, AM_VERIFY_QUICK, &r);
	EXPECT_BAD(r, 7, "does not link to the entry before it");
	snprintf(sql, sizeof(sql), "UPDATE entries SET hash = zeroblob(32) WHERE seq = 2");
	tampered("hashcol.vault", sql, NULL, NULL, AM_VERIFY_QUICK, &r);
	EXPECT_BAD(r, 2, "stored hash column");
	tampered("none.vault", "DELETE FROM entries WHERE seq > 0", NULL, NULL, AM_VERIFY_FULL, &r);
	CHECK(!r.ok);

	/* checkpoints: a bad note signature, alone and beside a bad entry signature */
	pair[0] = batch_end + 1;
	tampered("ckpt.vault", NULL, bad_ckpt, &pair[0], AM_VERIFY_FULL, &r);
	EXPECT_BAD(r, batch_end, "signature does not verify");
	CHECK(strstr(r.reason, "checkpoint") != NULL);
	pair[0] = solo + 10;
	tampered("ckpt-solo.vault", NULL, bad_ckpt, &pair[0], AM_VERIFY_QUICK, &r);
	EXPECT_BAD(r, solo + 9, "checkpoint");
	/* the checkpoint after entry m is checked after m's signature, before m+1's */
	pair[0] = batch_end;
	pair[1] = batch_end + 1;
	tampered("sig-then-ckpt.vault", NULL, bad_sig_and_ckpt, pair, AM_VERIFY_FULL, &r);
	EXPECT_BAD(r, batch_end, "signature does not verify");
	CHECK(strstr(r.reason, "checkpoint") == NULL);
	pair[0] = batch_end + 1;
	tampered("ckpt-then-sig.vault", NULL, bad_sig_and_ckpt, pair, AM_VERIFY_FULL, &r);
	EXPECT_BAD(r, batch_end, "checkpoint");

	/* more of tamper.sh's and test_batch's patterns: every mode says the same */
	{
		static const char *const sqls[] = {
			"UPDATE entries SET wraps = X'00' || substr(wraps, 2) WHERE seq = 77",
			"UPDATE entries SET meta = X'00' || substr(meta, 2) WHERE seq = 78",
			"UPDATE entries SET type = 4.5 WHERE seq = 79",
			"DELETE FROM chunks WHERE seq = 80",
			"DELETE FROM checkpoints WHERE size = 52",
			"DELETE FROM checkpoints",
			"UPDATE checkpoints SET size = size + 1 WHERE id = 20",
			"UPDATE checkpoints SET signer = zeroblob(32) WHERE id = 21",
			"UPDATE checkpoints SET note = 'x' WHERE id = 22",
			"UPDATE tree SET hash = zeroblob(32) WHERE level = 4 AND idx = 5",
			"DELETE FROM tree WHERE level = 5 AND idx = 2",
			/* no node is stored below level 4 (FORMAT.md §15): one planted there */
			"INSERT INTO tree(level, idx, hash) VALUES(0, 99, zeroblob(32))",
			"UPDATE entries SET seq = seq + 1000 WHERE seq = 120",
			"INSERT INTO checkpoints(size, root, signer, note) SELECT size, root, signer, note "
			"FROM checkpoints WHERE id = 23",
			"DELETE FROM entries WHERE seq >= 145",
		};
		for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
			char name[32];
			snprintf(name, sizeof(name), "pattern-%zu.vault", i);
			tampered(name, sqls[i], NULL, NULL, AM_VERIFY_FULL, &r);
			CHECKF(!r.ok || i == 13, "%s: verifies", sqls[i]);
		}
	}

	/* from a trusted point (verify --since, audit): the read-ahead starts there */
	root_at(batch_end + 1, root);
	verify_modes(path, AM_VERIFY_FULL, batch_end + 1, root, &r);
	CHECK(r.ok && r.size == n && r.entries == n - batch_end - 1 &&
	      memcmp(r.root, good.root, AM_HASH_LEN) == 0);
	{
		/* a bad signature after it, verified from it */
		char p[600];
		size_t len = 0;
		unsigned char *bytes = check_get_file(path, &len);
		sqlite3 *db = NULL;
		snprintf(p, sizeof(p), "%s/since.vault", dir);
		CHECK(bytes != NULL && check_put_file(p, bytes, len) == 0);
		free(bytes);
		CHECK(sqlite3_open(p, &db) == SQLITE_OK);
		drop_triggers(db);
		flip(db, "entries", "sig", "seq = 140", 5);
		sqlite3_close(db);
		verify_modes(p, AM_VERIFY_QUICK, batch_end + 1, root, &r);
		EXPECT_BAD(r, 140, "signature does not verify");
		CHECK(r.entries == 140 - batch_end - 1);
	}
	/* from a pin, as every command opens a vault: many new entries, on both cores */
	{
		struct am_pin pin;
		struct am_trusted *t = NULL;
		struct am_verify_report tr;
		struct am_err e;
		memset(&pin, 0, sizeof(pin));
		pin.size = batch_end + 1;
		memcpy(pin.root, root, AM_HASH_LEN);
		memcpy(pin.genesis, good.genesis, AM_HASH_LEN);
		CHECK(am_vault_open(path, 0, &v, NULL) == AM_OK);
		am_err_init(&e);
		CHECKF(v != NULL && am_trust_ex(v, &pin, &t, &tr, &e) == AM_OK, "%s", e.msg);
		CHECK(t != NULL && tr.ok && tr.size == n && memcmp(tr.root, good.root, AM_HASH_LEN) == 0);
		am_trusted_free(t);
		am_vault_close(v);
	}

	am_identity_release(&admin);
	am_identity_release(&cust);
	am_identity_release(&late);
	check_rmtree(dir);
	return check_done();
}
