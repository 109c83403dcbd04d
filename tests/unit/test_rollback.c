/*
 * test_rollback.c — a statement refused in the middle of a write (store.c:
 * INSERT OR ROLLBACK, so a refusal ends the whole transaction at once; or, in
 * a vault made before 2026-12-06, RAISE(ABORT), which undoes the statement
 * alone) leaves nothing behind and nothing acknowledged, whichever write it
 * was: a chunk stored by the pipeline's worker thread, an entry stored after
 * its signature came back, the tree nodes a batch holds until its commit,
 * the batch's checkpoint, an enrollment, a checkpoint on its own, a custody
 * record of several entries.  The same handle and verified state then go on
 * writing, and the log verifies in full: what was rolled back left no trace
 * in the tree frontier, the held nodes or the verified state.
 *
 * The refusal is a TEMP trigger on the writing connection: the schema of the
 * file stays amanat's, and the trigger fires exactly where the test wants.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault_int.h"
#include "vault/note.h"
#include "check.h"
#include "trusted.h"

static char path[512];
static struct am_identity admin, cust;

struct acks {
	size_t n;
	uint64_t last;
};

static void on_durable(void *ctx, void *cookie, const struct am_seal_result *res)
{
	struct acks *a = ctx;

	(void)cookie;
	a->n++;
	a->last = res->seq;
}

/* Rows of the four tables, read through a connection of its own. */
static void rows(int64_t out[4])
{
	static const char *const q[4] = { "SELECT count(*) FROM entries",
					  "SELECT count(*) FROM chunks",
					  "SELECT count(*) FROM tree",
					  "SELECT count(*) FROM checkpoints" };
	sqlite3 *db = NULL;

	memset(out, 0xff, 4 * sizeof(out[0]));
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
		for (int i = 0; i < 4; i++) {
			sqlite3_stmt *st = NULL;
			if (sqlite3_prepare_v2(db, q[i], -1, &st, NULL) == SQLITE_OK &&
			    sqlite3_step(st) == SQLITE_ROW)
				out[i] = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
		}
	sqlite3_close(db);
}

/*
 * Refuse inserts into table (when cond holds) on v's connection, by kind:
 * RAISE(ROLLBACK) or RAISE(ABORT), or FAIL, an error that is no refusal at all
 * (a function failing at run time: SQLite neither undoes the statement, for
 * which it kept no journal, nor ends the transaction; amanat must).
 */
static void inject(struct am_vault *v, const char *table, const char *cond, const char *kind)
{
	char sql[512], body[128];

	if (strcmp(kind, "FAIL") == 0)
		snprintf(body, sizeof(body), "SELECT abs(-9223372036854775807 - 1)");
	else
		snprintf(body, sizeof(body), "SELECT RAISE(%s, 'injected refusal')", kind);
	snprintf(sql, sizeof(sql),
		 "CREATE TEMP TRIGGER inject BEFORE INSERT ON main.%s WHEN %s BEGIN %s; END;",
		 table, cond, body);
	CHECKF(sqlite3_exec(v->db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(v->db));
}

/* Whether msg is the error inject() caused. */
static int injected(const char *msg)
{
	return strstr(msg, "injected refusal") != NULL || strstr(msg, "integer overflow") != NULL;
}

static void uninject(struct am_vault *v)
{
	CHECK(sqlite3_exec(v->db, "DROP TRIGGER IF EXISTS temp.inject", NULL, NULL, NULL) ==
	      SQLITE_OK);
}

/*
 * After a refused write: the file as before, no transaction left open, the
 * verified state where it was; then a seal on the same handle lands at the
 * next seq and everything verifies.
 */
static void after(struct am_vault *v, const char *what, const int64_t before[4],
		  const struct am_fields *f)
{
	struct am_seal_result res;
	struct am_seal_req req;
	int64_t now[4];

	uninject(v);
	rows(now);
	for (int i = 0; i < 4; i++)
		CHECKF(now[i] == before[i], "%s: table %d holds %lld rows, %lld before", what, i,
		       (long long)now[i], (long long)before[i]);
	CHECKF(sqlite3_get_autocommit(v->db), "%s: a transaction is still open", what);
	CHECKF(am_trusted_size(trust_of(v)) == (uint64_t)before[0], "%s: the verified state moved",
	       what);
	mem_req(&req, f, "after", 5);
	CHECKF(am_seal(v, trust_of(v), &admin, &req, &res, NULL) == AM_OK, "%s: no seal after", what);
	CHECKF(res.seq == (uint64_t)before[0], "%s: sealed as %llu", what,
	       (unsigned long long)res.seq);
	CHECKF(verifies(v, (uint64_t)before[0] + 1), "%s: does not verify after", what);
}

/*
 * Seal entries alone until the next k complete a stored tree node (one of
 * 2^AM_TREE_LOW leaves, FORMAT.md §15), so that a batch of k writes one.
 */
static void pad_for_tree(struct am_vault *v, unsigned k, const struct am_fields *f)
{
	const uint64_t span = (uint64_t)1 << AM_TREE_LOW;
	struct am_seal_result res;
	struct am_seal_req req;

	mem_req(&req, f, "pad", 3);
	while ((am_trusted_size(trust_of(v)) + k) % span >= k)
		if (am_seal(v, trust_of(v), &admin, &req, &res, NULL) != AM_OK) {
			CHECK(!"a padding seal failed");
			return;
		}
}

/* A batch of limit 8: two small entries, then one that the refusal hits. */
static void batch_case(struct am_vault *v, const char *what, const char *table, const char *cond,
		       const char *kind, const unsigned char *big, size_t bign, int at_commit,
		       const struct am_fields *f)
{
	struct am_batch_limits lim = { 8, 0, 0, 0 };
	struct am_batch *b = NULL;
	struct am_seal_req req;
	struct acks a = { 0, 0 };
	struct am_err err;
	int64_t before[4];
	enum am_status s;

	rows(before);
	inject(v, table, cond, kind);
	CHECK(am_batch_begin(v, trust_of(v), &admin, &lim, on_durable, &a, &b, NULL) == AM_OK);
	if (b == NULL)
		return;
	mem_req(&req, f, "one", 3);
	s = am_batch_seal(b, &req, NULL, NULL);
	mem_req(&req, f, "two", 3);
	if (s == AM_OK)
		s = am_batch_seal(b, &req, NULL, NULL);
	mem_req(&req, f, big, bign);
	if (s == AM_OK)
		s = am_batch_seal(b, &req, NULL, &err);
	if (at_commit) {
		CHECKF(s == AM_OK, "%s: refused before its commit", what);
		s = am_batch_commit(b, &err);
	}
	CHECKF(s != AM_OK, "%s: the refused write went through", what);
	CHECKF(s != AM_OK && injected(err.msg), "%s: %s", what, err.msg);
	CHECKF(a.n == 0, "%s: %zu entries acknowledged", what, a.n);
	CHECK(am_batch_pending(b) == 0);
	/* the batch itself goes on: a new transaction on the state verified before */
	uninject(v);
	mem_req(&req, f, "three", 5);
	CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
	CHECK(am_batch_commit(b, NULL) == AM_OK);
	CHECKF(a.n == 1 && a.last == (uint64_t)before[0], "%s: %zu acknowledged, last %llu", what,
	       a.n, (unsigned long long)a.last);
	am_batch_free(b);
	before[0]++;
	before[1]++;
	rows(before); /* with the batch of one that took its place */
	after(v, what, before, f);
}

int main(void)
{
	static const char *const kinds[3] = { "ROLLBACK", "ABORT", "FAIL" };
	static const char *const names[3] = { "officer-a", "officer-b", "officer-c" };
	struct am_vault *v = NULL;
	struct am_fields f;
	unsigned char *big;
	size_t bign = 2 * AM_CHUNK_SIZE + 1000; /* three chunks: the pipeline stores them */
	char dir[256], what[128], cond[64];

	if (am_crypto_init() != 0)
		return 1;
	v = scratch_vault("rollback", dir, sizeof(dir), path, sizeof(path), &admin, &cust);
	CHECK(v != NULL);
	big = malloc(bign);
	CHECK(big != NULL);
	if (v == NULL || big == NULL)
		return check_done();
	am_random(big, bign);
	am_fields_init(&f);
	CHECK(am_fields_set(&f, "case", "C-1", 3, NULL) == AM_OK);

	/*
	 * What SQLite does with the connection: a refusal ends the transaction,
	 * after which a write is refused rather than committed alone (store.c
	 * am_db_writing); RAISE(ABORT) and a run-time failure leave it open.
	 */
	for (int k = 0; k < 3; k++) {
		uint64_t next = am_trusted_size(trust_of(v));
		struct am_err err;
		int64_t before[4];
		rows(before);
		inject(v, "chunks", "1", kinds[k]);
		CHECK(am_db_begin(v, NULL) == AM_OK);
		CHECK(am_db_put_chunk(v, next, 0, (const unsigned char *)"x", 1, &err) != AM_OK);
		CHECKF(injected(err.msg), "%s: %s", kinds[k], err.msg);
		CHECKF(sqlite3_get_autocommit(v->db) == (k == 0), "%s: transaction %s", kinds[k],
		       k == 0 ? "left open" : "ended");
		if (k == 0) {
			CHECK(am_db_put_chunk(v, next, 1, (const unsigned char *)"x", 1, &err) == AM_EIO);
			CHECKF(strstr(err.msg, "already rolled back") != NULL, "%s", err.msg);
		}
		am_db_rollback(v);
		after(v, kinds[k], before, &f);
	}

	for (int k = 0; k < 3; k++) {
		uint64_t next = am_trusted_size(trust_of(v));
		int64_t before[4];

		/* the third chunk of the third entry: stored on the worker thread */
		snprintf(what, sizeof(what), "%s: a chunk from the pipeline", kinds[k]);
		snprintf(cond, sizeof(cond), "NEW.seq = %llu AND NEW.idx = 2",
			 (unsigned long long)next + 2);
		batch_case(v, what, "chunks", cond, kinds[k], big, bign, 0, &f);

		/* the second entry, stored once signed, while the third is sealed */
		next = am_trusted_size(trust_of(v));
		snprintf(what, sizeof(what), "%s: an entry after its signature", kinds[k]);
		snprintf(cond, sizeof(cond), "NEW.seq = %llu", (unsigned long long)next + 1);
		batch_case(v, what, "entries", cond, kinds[k], (const unsigned char *)"x", 1, 0, &f);

		/* the nodes held to the commit (a parent: leaves went in before it), the checkpoint */
		snprintf(what, sizeof(what), "%s: the held tree nodes", kinds[k]);
		pad_for_tree(v, 3, &f);
		batch_case(v, what, "tree", "NEW.level > 0", kinds[k], (const unsigned char *)"x", 1, 1, &f);
		snprintf(what, sizeof(what), "%s: the batch's checkpoint", kinds[k]);
		batch_case(v, what, "checkpoints", "1", kinds[k], (const unsigned char *)"x", 1, 1,
			   &f);

		/* a checkpoint on its own */
		{
			struct am_checkpoint cp;
			struct am_err err;
			snprintf(what, sizeof(what), "%s: a checkpoint", kinds[k]);
			rows(before);
			inject(v, "checkpoints", "1", kinds[k]);
			CHECKF(am_vault_checkpoint(v, trust_of(v), &admin, &cp, &err) != AM_OK,
			       "%s went through", what);
			CHECKF(injected(err.msg), "%s: %s", what, err.msg);
			after(v, what, before, &f);
		}
		/* an enrollment: its checkpoint refused after its entry and nodes went in */
		{
			struct am_identity who;
			struct am_err err;
			snprintf(what, sizeof(what), "%s: an enrollment", kinds[k]);
			CHECK(am_identity_generate(&who, names[k], NULL) == AM_OK);
			rows(before);
			inject(v, "checkpoints", "1", kinds[k]);
			CHECKF(am_enroll(v, trust_of(v), &admin, &who, AM_ROLE_OFFICER, NULL, &err) !=
				       AM_OK, "%s went through", what);
			CHECKF(injected(err.msg), "%s: %s", what, err.msg);
			after(v, what, before, &f);
			CHECK(am_enroll(v, trust_of(v), &admin, &who, AM_ROLE_OFFICER, NULL, NULL) ==
			      AM_OK);
			am_identity_release(&who);
		}
		/* a custody record of three entries (two refs each), refused at its last */
		{
			uint64_t refs[5], seq = 0;
			struct am_fields cf;
			struct am_err err;
			snprintf(what, sizeof(what), "%s: a custody record", kinds[k]);
			next = am_trusted_size(trust_of(v));
			for (int i = 0; i < 5; i++)
				refs[i] = next - 5 + (uint64_t)i;
			am_fields_init(&cf);
			CHECK(am_fields_set(&cf, "action", "extract", 7, NULL) == AM_OK);
			rows(before);
			snprintf(cond, sizeof(cond), "NEW.seq = %llu", (unsigned long long)next + 2);
			inject(v, "entries", cond, kinds[k]);
			CHECKF(am_custody_sliced(v, trust_of(v), &cust, AM_ACT_EXTRACT, refs, 5, &cf, 2,
						 &seq, &err) != AM_OK, "%s went through", what);
			CHECKF(injected(err.msg), "%s: %s", what, err.msg);
			CHECK(seq == 0);
			after(v, what, before, &f);
			am_fields_release(&cf);
		}
	}
	CHECK(verifies(v, am_trusted_size(trust_of(v))));
	free(big);
	am_fields_release(&f);
	return scratch_done(v, &admin, &cust, dir);
}
