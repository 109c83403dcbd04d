/*
 * test_batch_fault.c — a batch links each signed entry onto its state (head,
 * size) before it stores it, and stores it while the next entry is being
 * signed (body.c land / put_landed).  A store that fails at any of those
 * points — the entry before's row while the next is signed, the next's
 * chunk, the last entry's row at commit, the entry before a long one, the
 * tree at commit — must fail the batch with nothing acknowledged and no row
 * kept, leave a vault that verifies, and let the same batch go on.  Faults
 * are temporary triggers on the writer's own connection.  And no checkpoint
 * is signed on a state linked past what its tree holds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault_int.h"
#include "check.h"
#include "trusted.h"

static char dir[256], path[512];
static size_t acked;
static uint64_t acked_seq[16];

static void on_durable(void *ctx, void *cookie, const struct am_seal_result *res)
{
	(void)ctx;
	(void)cookie;
	if (acked < 16)
		acked_seq[acked] = res->seq;
	acked++;
}

/* Rows at or after seq in entries, chunks and tree nodes, seen from a second connection. */
static int64_t rows_from(uint64_t seq)
{
	char q[256];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t x = -1;

	snprintf(q, sizeof(q),
		 "SELECT (SELECT count(*) FROM entries WHERE seq >= %llu) +"
		 " (SELECT count(*) FROM chunks WHERE seq >= %llu) +"
		 " (SELECT count(*) FROM tree WHERE ((idx + 1) << level) > %llu)",
		 (unsigned long long)seq, (unsigned long long)seq, (unsigned long long)seq);
	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		x = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return x;
}

/* A trigger that refuses an insert into table when `when` holds (NEW.seq etc.). */
static void fault_on(struct am_vault *v, const char *table, const char *when)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "CREATE TEMP TRIGGER fault BEFORE INSERT ON main.%s WHEN %s"
		 " BEGIN SELECT RAISE(ROLLBACK, 'injected fault'); END;", table, when);
	CHECKF(sqlite3_exec(v->db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(v->db));
}

/* The vault's size now, and a fault on the insert into table of entry size + off's row. */
static uint64_t fault_at(struct am_vault *v, const char *table, uint64_t off, const char *and)
{
	char when[128];
	uint64_t base = count_of(v);

	snprintf(when, sizeof(when), "NEW.seq = %llu%s", (unsigned long long)(base + off), and);
	fault_on(v, table, when);
	return base;
}

static void fault_off(struct am_vault *v)
{
	CHECK(sqlite3_exec(v->db, "DROP TRIGGER IF EXISTS temp.fault", NULL, NULL, NULL) ==
	      SQLITE_OK);
}

/*
 * After a failure: nothing acknowledged, nothing kept, the vault verifies,
 * and the same batch seals two more entries that a custodian can open.
 */
static void goes_on(struct am_vault *v, struct am_batch *b, const struct am_identity *cust,
		    const struct am_fields *f, uint64_t base, const char *what)
{
	struct am_seal_req req;

	CHECKF(acked == 0 && am_batch_pending(b) == 0, "%s: %zu acknowledged, %zu pending", what,
	       acked, am_batch_pending(b));
	CHECKF(count_of(v) == base && rows_from(base) == 0, "%s: count %llu, %lld rows kept", what,
	       (unsigned long long)count_of(v), (long long)rows_from(base));
	CHECKF(sqlite3_get_autocommit(v->db), "%s: a transaction left open", what);
	CHECKF(verifies(v, base), "%s: the vault does not verify", what);
	fault_off(v);
	mem_req(&req, f, "after", 5);
	CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
	CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
	CHECK(am_batch_commit(b, NULL) == AM_OK);
	CHECKF(acked == 2 && acked_seq[0] == base && acked_seq[1] == base + 1,
	       "%s: then %zu acknowledged", what, acked);
	CHECK(verifies(v, base + 2));
	CHECK(am_can_open(v, cust, base + 1, NULL) == AM_OK);
	acked = 0;
}

int main(void)
{
	struct am_identity admin, cust;
	struct am_batch_limits lim = { 10, 0, 0, 0 };
	struct am_batch *b = NULL;
	struct am_vault *v;
	struct am_seal_req req;
	struct am_fields f;
	struct am_err err;
	unsigned char *big;
	uint64_t base;

	if (am_crypto_init() != 0)
		return 1;
	v = scratch_vault("batchfault", dir, sizeof(dir), path, sizeof(path), &admin, &cust);
	big = calloc(1, AM_CHUNK_SIZE + 7);
	CHECK(v != NULL && big != NULL);
	if (v == NULL || big == NULL)
		return check_done();
	am_fields_init(&f);
	CHECK(am_fields_set(&f, "case", "C-9", 3, NULL) == AM_OK);
	CHECK(am_batch_begin(v, trust_of(v), &admin, &lim, on_durable, NULL, &b, NULL) == AM_OK);
	mem_req(&req, &f, "record", 6);

	/* the entry before's row, stored while the third is being signed */
	base = fault_at(v, "entries", 1, "");
	CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
	CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
	CHECK(am_batch_pending(b) == 2 && count_of(v) == base + 1); /* base+1 is in flight */
	CHECK(am_batch_seal(b, &req, NULL, &err) == AM_EIO);
	CHECKF(strstr(err.msg, "injected fault") != NULL, "%s", err.msg);
	goes_on(v, b, &cust, &f, base, "row of the entry before");

	/* the next entry's chunk, stored after the entry before it */
	base = fault_at(v, "chunks", 2, "");
	CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
	CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
	CHECK(am_batch_seal(b, &req, NULL, &err) == AM_EIO);
	goes_on(v, b, &cust, &f, base, "chunk of the next entry");

	/* the last entry's row, stored at commit */
	base = fault_at(v, "entries", 2, "");
	for (int i = 0; i < 3; i++)
		CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
	CHECK(am_batch_commit(b, &err) == AM_EIO);
	goes_on(v, b, &cust, &f, base, "row of the last entry");

	/* the entry before one longer than a chunk, stored before its chunks */
	base = fault_at(v, "entries", 1, "");
	CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
	CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
	mem_req(&req, &f, big, AM_CHUNK_SIZE + 7);
	CHECK(am_batch_seal(b, &req, NULL, &err) == AM_EIO);
	goes_on(v, b, &cust, &f, base, "entry before a long one");

	/* and the long one's own chunk, after that entry was stored */
	base = fault_at(v, "chunks", 1, " AND NEW.idx = 1");
	mem_req(&req, &f, "record", 6);
	CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
	mem_req(&req, &f, big, AM_CHUNK_SIZE + 7);
	CHECK(am_batch_seal(b, &req, NULL, &err) == AM_EIO);
	goes_on(v, b, &cust, &f, base, "second chunk of a long entry");

	/* the tree, written at commit: first, up to where 3 entries complete a stored node */
	mem_req(&req, &f, "record", 6);
	while ((count_of(v) + 3) % (1u << AM_TREE_LOW) >= 3) {
		CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
		CHECK(am_batch_commit(b, NULL) == AM_OK);
	}
	acked = 0;
	base = count_of(v);
	fault_on(v, "tree", "1");
	for (int i = 0; i < 3; i++)
		CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
	CHECK(am_batch_commit(b, &err) == AM_EIO);
	goes_on(v, b, &cust, &f, base, "tree at commit");

	/* a batch freed with an entry in flight and one landed-and-stored: nothing kept */
	base = count_of(v);
	CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
	CHECK(am_batch_seal(b, &req, NULL, NULL) == AM_OK);
	am_batch_free(b);
	CHECK(acked == 0 && count_of(v) == base && rows_from(base) == 0 && verifies(v, base));

	/*
	 * Between link and store a state's size is ahead of its tree: a checkpoint
	 * signed on it would sign a size with the root of one leaf fewer.  It is
	 * refused, and nothing is written.
	 */
	{
		struct am_trusted work;
		int64_t ckpts = -1;
		sqlite3_stmt *st = NULL;
		base = count_of(v);
		CHECK(am_write_begin(v, trust_of(v), &work, NULL) == AM_OK);
		work.size++;
		CHECK_ST(am_checkpoint_store(v, &work, &admin, NULL, &err), AM_EINPUT);
		CHECKF(strstr(err.msg, "internal") != NULL, "%s", err.msg);
		if (sqlite3_prepare_v2(v->db, "SELECT count(*) FROM checkpoints WHERE size > ?", -1,
				       &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, (sqlite3_int64)base);
			if (sqlite3_step(st) == SQLITE_ROW)
				ckpts = sqlite3_column_int64(st, 0);
		}
		sqlite3_finalize(st);
		CHECK(ckpts == 0);
		am_write_abort(v, &work);
		CHECK(verifies(v, base));
	}

	free(big);
	am_fields_release(&f);
	return scratch_done(v, &admin, &cust, dir);
}
