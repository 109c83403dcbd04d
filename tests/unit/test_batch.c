/*
 * test_batch.c — group commit (am_batch_*): entries are acknowledged only
 * once their batch is durable and in seq order; limits commit on their own;
 * inside a batch only the first entry is unflagged and only the last has a
 * checkpoint; a failure or a stop rolls back the batch being built and
 * nothing before it; verification still finds a removed batch checkpoint
 * and a log cut inside a batch.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vault/vault_int.h"
#include "vault/bwrap.h"
#include "check.h"
#include "trusted.h"

static char dir[256];

struct acks {
	uint64_t seq[64];
	uint64_t tree[64];
	uintptr_t cookie[64];
	size_t n;
};

static void on_durable(void *ctx, void *cookie, const struct am_seal_result *res)
{
	struct acks *a = ctx;

	if (a->n < 64) {
		a->seq[a->n] = res->seq;
		a->tree[a->n] = res->tree_size;
		a->cookie[a->n] = (uintptr_t)cookie;
	}
	a->n++;
}

static int verify_report(struct am_vault *v, struct am_verify_report *r)
{
	struct am_progress none = { NULL, NULL };

	return am_verify(v, AM_VERIFY_FULL, none, r, NULL) == AM_OK && r->ok;
}

static int64_t sql_int(sqlite3 *db, const char *q)
{
	sqlite3_stmt *st = NULL;
	int64_t x = -1;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		x = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return x;
}

/* Copy the vault to name, run sql on the copy with the triggers gone, verify it. */
static void tampered(const char *path, const char *name, const char *sql,
		     struct am_verify_report *r)
{
	char p[512];
	size_t n = 0;
	unsigned char *bytes = check_get_file(path, &n);
	struct am_vault *v = NULL;
	sqlite3 *db = NULL;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	CHECK(bytes != NULL && check_put_file(p, bytes, n) == 0);
	free(bytes);
	CHECK(sqlite3_open(p, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "DROP TRIGGER checkpoints_no_delete; DROP TRIGGER entries_no_delete;"
			   "DROP TRIGGER chunks_no_delete; DROP TRIGGER tree_no_delete;",
			   NULL, NULL, NULL) == SQLITE_OK);
	CHECKF(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	memset(r, 0, sizeof(*r));
	CHECK(am_vault_open(p, 0, &v, NULL) == AM_OK);
	if (v != NULL) {
		struct am_progress none = { NULL, NULL };
		CHECK(am_verify(v, AM_VERIFY_FULL, none, r, NULL) == AM_OK);
	}
	am_vault_close(v);
}

int main(void)
{
	struct am_identity admin, cust;
	struct am_vault *v = NULL;
	struct am_batch *b = NULL;
	struct am_batch_limits lim = { 3, 0, 0, 0 };
	struct am_verify_report r;
	struct am_fields f;
	struct am_seal_req req;
	struct acks a;
	char path[512], body[64], sql[256];
	uint64_t base, ref;
	volatile sig_atomic_t stop = 0;
	sqlite3 *db = NULL;

	if (am_crypto_init() != 0)
		return 1;
	v = scratch_vault("batch", dir, sizeof(dir), path, sizeof(path), &admin, &cust);
	CHECK(v != NULL);
	if (v == NULL)
		return check_done();
	/* the admin seals here: it may, and it saves enrolling an officer */
	am_fields_init(&f);
	CHECK(am_fields_set(&f, "case", "C-1", 3, NULL) == AM_OK);
	base = count_of(v);

	/* 7 entries, limit 3: durable after the 3rd and the 6th, the 7th at commit */
	memset(&a, 0, sizeof(a));
	CHECK(am_batch_begin(v, trust_of(v), &admin, &lim, on_durable, &a, &b, NULL) == AM_OK);
	for (uintptr_t i = 0; i < 7; i++) {
		int n = snprintf(body, sizeof(body), "record %u", (unsigned)i);
		mem_req(&req, &f, body, (size_t)n);
		/* an entry may refer to one earlier in its own batch */
		ref = base + i - 1;
		if (i % 3 == 2) {
			req.refs = &ref;
			req.nrefs = 1;
		}
		CHECK(am_batch_seal(b, &req, (void *)i, NULL) == AM_OK);
		CHECKF(a.n == (i + 1) / 3 * 3, "after entry %u: %zu acknowledged", (unsigned)i, a.n);
		CHECK(am_batch_pending(b) == (i + 1) % 3);
	}
	CHECK(am_batch_commit(b, NULL) == AM_OK);
	CHECK(a.n == 7 && am_batch_pending(b) == 0);
	for (size_t i = 0; i < 7 && a.n == 7; i++) {
		CHECK(a.seq[i] == base + i && a.cookie[i] == i);
		CHECK(a.tree[i] == base + (i / 3 + 1) * 3 || (i == 6 && a.tree[i] == base + 7));
	}
	CHECK(count_of(v) == base + 7);
	/* flags: the first of each batch not batched, the others batched; all batch-wrapped */
	for (uint64_t s = base; s < base + 7; s++) {
		struct am_entry_pub p;
		CHECK(am_entry_read(v, s, &p, NULL) == AM_OK);
		CHECKF(p.h.flags == (((s - base) % 3 ? AM_HF_BATCHED : 0) | AM_HF_CHUNK_HASHED | AM_HF_BWRAP),
		       "entry %llu flags %u",
		       (unsigned long long)s, p.h.flags);
		am_entry_pub_release(&p);
	}
	/* one checkpoint per batch, at its end */
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM checkpoints WHERE size > %llu",
		 (unsigned long long)base);
	CHECK(sql_int(db, sql) == 3);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM checkpoints WHERE size IN (%llu, %llu, %llu)",
		 (unsigned long long)base + 3, (unsigned long long)base + 6,
		 (unsigned long long)base + 7);
	CHECK(sql_int(db, sql) == 3);
	sqlite3_close(db);
	CHECK(verify_report(v, &r) && r.size == base + 7);
	{
		/* content and fields came through: the custodian reads entry base+4 */
		struct am_fields got;
		const struct am_field *sha;
		am_fields_init(&got);
		CHECK(am_open_fields(v, &cust, base + 4, &got, NULL) == AM_OK);
		sha = am_fields_get(&got, "sha256");
		CHECK(sha != NULL && sha->vlen == 64);
		CHECK(am_fields_get(&got, "case") != NULL);
		am_fields_release(&got);
	}

	/* a failure rolls back the batch being built, and only it */
	memset(&a, 0, sizeof(a));
	base = count_of(v);
	mem_req(&req, &f, "a", 1);
	CHECK(am_batch_seal(b, &req, (void *)1, NULL) == AM_OK);
	CHECK(am_batch_seal(b, &req, (void *)2, NULL) == AM_OK);
	CHECK(am_batch_pending(b) == 2);
	ref = base + 50; /* does not exist */
	req.refs = &ref;
	req.nrefs = 1;
	CHECK_ST(am_batch_seal(b, &req, (void *)3, NULL), AM_EINPUT);
	CHECK(am_batch_pending(b) == 0 && a.n == 0 && count_of(v) == base);
	/* a stop during an entry does the same */
	mem_req(&req, &f, "b", 1);
	CHECK(am_batch_seal(b, &req, (void *)4, NULL) == AM_OK);
	stop = 1;
	req.stop = &stop;
	CHECK_ST(am_batch_seal(b, &req, (void *)5, NULL), AM_EIO);
	CHECK(am_batch_pending(b) == 0 && a.n == 0 && count_of(v) == base);
	/* and the batch goes on afterwards */
	req.stop = NULL;
	CHECK(am_batch_seal(b, &req, (void *)6, NULL) == AM_OK);
	CHECK(am_batch_seal(b, &req, (void *)7, NULL) == AM_OK);
	CHECK(am_batch_commit(b, NULL) == AM_OK);
	CHECK(a.n == 2 && a.seq[0] == base && a.cookie[1] == 7);
	/*
	 * A statement refused inside a batch (here an append-only trigger, by a
	 * chunk for an entry that cannot come next) rolls the whole transaction
	 * back at once: no statement journal undoes it alone (store.c).  A write
	 * after it is refused rather than committed on its own, the batch fails
	 * without acknowledging anything, and goes on afterwards.
	 */
	{
		struct am_err err;
		struct acks saved = a;
		int64_t chunks = -1;
		uint64_t b0 = count_of(v);
		memset(&a, 0, sizeof(a));
		mem_req(&req, &f, "c", 1);
		CHECK(am_batch_seal(b, &req, (void *)10, NULL) == AM_OK);
		CHECK(am_batch_seal(b, &req, (void *)11, NULL) == AM_OK);
		CHECK(!sqlite3_get_autocommit(v->db));
		CHECK(am_db_put_chunk(v, b0 + 100, 0, (const unsigned char *)"x", 1, &err) != AM_OK);
		CHECKF(strstr(err.msg, "append-only") != NULL, "%s", err.msg);
		CHECK(sqlite3_get_autocommit(v->db));
		CHECK(am_db_put_chunk(v, b0, 0, (const unsigned char *)"x", 1, &err) == AM_EIO);
		CHECKF(strstr(err.msg, "already rolled back") != NULL, "%s", err.msg);
		CHECK(sqlite3_get_autocommit(v->db));
		CHECK(am_batch_seal(b, &req, (void *)12, NULL) != AM_OK);
		CHECK(am_batch_pending(b) == 0 && a.n == 0 && count_of(v) == b0);
		CHECK(sqlite3_open(path, &db) == SQLITE_OK);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM chunks WHERE seq >= %llu",
			 (unsigned long long)b0);
		chunks = sql_int(db, sql);
		sqlite3_close(db);
		CHECKF(chunks == 0, "%lld chunks kept from a rolled-back batch", (long long)chunks);
		CHECK(am_batch_seal(b, &req, (void *)13, NULL) == AM_OK);
		CHECK(am_batch_commit(b, NULL) == AM_OK);
		CHECK(a.n == 1 && a.seq[0] == b0 && a.cookie[0] == 13);
		CHECK(verify_report(v, &r) && r.size == b0 + 1);
		a = saved;
	}
	/*
	 * custodians change between batches (the keys wrapped ahead on the second
	 * thread were for the old ones): new entries go to the new set, and verify,
	 * which checks every entry's wraps against the custodians of its time, agrees
	 */
	{
		struct am_identity late;
		uint64_t at = 0;
		CHECK(am_identity_generate(&late, "custodian-late", NULL) == AM_OK);
		CHECK(am_enroll(v, trust_of(v), &admin, &late, AM_ROLE_CUSTODIAN, &at, NULL) == AM_OK);
		mem_req(&req, &f, "after the enrollment", 20);
		CHECK(am_batch_seal(b, &req, (void *)8, NULL) == AM_OK);
		CHECK(am_batch_seal(b, &req, (void *)9, NULL) == AM_OK);
		CHECK(am_batch_commit(b, NULL) == AM_OK);
		CHECK(a.n == 4 && a.seq[2] == at + 1);
		CHECK(am_can_open(v, &late, at + 2, NULL) == AM_OK);
		CHECK(am_can_open(v, &late, at - 1, NULL) == AM_EAUTH);
		am_identity_release(&late);
	}
	/*
	 * one commit batch longer than a wrap key may serve: the wrap keys are
	 * renewed after AM_BWRAP_MAX_USES entries (the custodian's epk changes),
	 * and the custodian reads entries on both sides of the change
	 */
	{
		struct am_batch_limits big = { AM_BWRAP_MAX_USES + 10, 0, 0, 0 };
		struct am_batch *bb = NULL;
		struct acks saved = a;
		uint64_t b0 = count_of(v);
		int64_t epks = -1, first = -1;
		memset(&a, 0, sizeof(a));
		CHECK(am_batch_begin(v, trust_of(v), &admin, &big, on_durable, &a, &bb, NULL) == AM_OK);
		mem_req(&req, &f, "w", 1);
		for (size_t i = 0; bb != NULL && i < AM_BWRAP_MAX_USES + 1; i++)
			CHECK(am_batch_seal(bb, &req, NULL, NULL) == AM_OK);
		CHECK(am_batch_commit(bb, NULL) == AM_OK);
		am_batch_free(bb);
		CHECK(a.n == AM_BWRAP_MAX_USES + 1 && count_of(v) == b0 + AM_BWRAP_MAX_USES + 1);
		CHECK(sqlite3_open(path, &db) == SQLITE_OK);
		/* the wraps block: u32 n, then per custodian pk || epk || nonce || ct */
		snprintf(sql, sizeof(sql), "SELECT count(DISTINCT substr(wraps, 37, 32)) FROM entries"
			 " WHERE seq >= %llu", (unsigned long long)b0);
		epks = sql_int(db, sql);
		snprintf(sql, sizeof(sql), "SELECT count(DISTINCT substr(wraps, 37, 32)) FROM entries"
			 " WHERE seq >= %llu AND seq < %llu", (unsigned long long)b0,
			 (unsigned long long)b0 + AM_BWRAP_MAX_USES);
		first = sql_int(db, sql);
		sqlite3_close(db);
		CHECKF(epks == 2 && first == 1, "%lld wrap keys in the batch, %lld for its first %d",
		       (long long)epks, (long long)first, AM_BWRAP_MAX_USES);
		CHECK(am_can_open(v, &cust, b0, NULL) == AM_OK);
		CHECK(am_can_open(v, &cust, b0 + AM_BWRAP_MAX_USES, NULL) == AM_OK);
		a = saved;
	}
	/* a custody entry is not sealed through the public batch */
	req.type = AM_T_CUSTODY;
	CHECK_ST(am_batch_seal(b, &req, NULL, NULL), AM_EINPUT);
	am_batch_free(b);
	CHECK(verify_report(v, &r) && r.size == base + 6 + AM_BWRAP_MAX_USES + 1);
	base = r.size;

	/* the batch's checkpoint removed: found at the batch's last entry */
	snprintf(sql, sizeof(sql), "DELETE FROM checkpoints WHERE size = %llu",
		 (unsigned long long)base);
	tampered(path, "no-ckpt.vault", sql, &r);
	CHECKF(!r.ok && r.bad_seq == base - 1 && strstr(r.reason, "missing") != NULL,
	       "bad %llu: %s", (unsigned long long)r.bad_seq, r.reason);
	/* the log cut inside a batch (its end and checkpoint gone): found at the new end */
	snprintf(sql, sizeof(sql),
		 "DELETE FROM checkpoints WHERE size = %llu; DELETE FROM entries WHERE seq = %llu;"
		 "DELETE FROM chunks WHERE seq = %llu; DELETE FROM tree WHERE ((idx + 1) << level) = %llu;",
		 (unsigned long long)base, (unsigned long long)base - 1, (unsigned long long)base - 1,
		 (unsigned long long)base);
	tampered(path, "cut.vault", sql, &r);
	CHECKF(!r.ok && r.bad_seq == base - 2 && strstr(r.reason, "missing") != NULL,
	       "bad %llu: %s", (unsigned long long)r.bad_seq, r.reason);

	/*
	 * A custody record naming more entries than one entry may (a reading of a
	 * large vault): consecutive custody entries in one batch, each naming its
	 * slice in order, all durable together.  Slices of 3 stand for 65,536.
	 */
	{
		uint64_t refs[8], first = 0, at = 0;
		struct am_fields cf;
		CHECK(verify_report(v, &r));
		base = r.size;
		for (size_t i = 0; i < 8; i++)
			refs[i] = i;
		am_fields_init(&cf);
		CHECK(am_fields_set(&cf, "action", "list", 4, NULL) == AM_OK);
		CHECK(am_custody_sliced(v, trust_of(v), &cust, AM_ACT_LIST, refs, 8, &cf, 3, &first,
					NULL) == AM_OK);
		CHECKF(first == base && count_of(v) == base + 3, "first %llu, count %llu",
		       (unsigned long long)first, (unsigned long long)count_of(v));
		for (uint64_t k = 0; k < 3; k++) {
			struct am_entry_pub p;
			memset(&p, 0, sizeof(p));
			CHECK(am_entry_read(v, base + k, &p, NULL) == AM_OK);
			CHECK(p.h.type == AM_T_CUSTODY && p.h.nrefs == (k < 2 ? 3u : 2u));
			/* one batch: only the first not batched; all batch-wrapped (FORMAT.md §29) */
			CHECK(p.h.flags == ((k == 0 ? 0 : AM_HF_BATCHED) | AM_HF_CHUNK_HASHED | AM_HF_BWRAP));
			for (uint32_t j = 0; j < p.h.nrefs; j++)
				CHECK(am_get_u64(p.h.refs + 8 * j) == at++);
			am_entry_pub_release(&p);
		}
		CHECK(at == 8);
		/* no refs at all is still one record */
		CHECK(am_custody_sliced(v, trust_of(v), &cust, AM_ACT_LIST, NULL, 0, &cf, 3, &first,
					NULL) == AM_OK && first == base + 3 && count_of(v) == base + 4);
		am_fields_release(&cf);
		CHECK(verify_report(v, &r) && r.size == base + 4);
	}

	am_fields_release(&f);
	return scratch_done(v, &admin, &cust, dir);
}
