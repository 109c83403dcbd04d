/*
 * test_batch_overlap.c — a batch committed on another thread while the next
 * entries are sealed (am_batch_limits.overlap): acknowledgements still come
 * only after each COMMIT, in seq order, from the caller's thread; the
 * entries sealed meanwhile wait in memory and are stored in order, a long
 * one taking SQLite back first; when another writer appends between the
 * COMMIT and the next batch, the waiting entries are chained after its
 * entries and signed again, and refused when it changed the custodians; a
 * failure while they are stored loses them and nothing acknowledged.
 *
 * A reader holding the database open keeps the COMMIT waiting (it needs
 * the readers gone), which is how the tests make entries wait for it.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vault/vault_int.h"
#include "common/worker.h"
#include "check.h"
#include "trusted.h"

static char dir[256], path[512];
static struct am_identity admin, cust;
/* when set, the next acknowledgement has this other writer append one entry first */
static struct am_vault *intruder;
static const struct am_fields *intruder_fields;
static const unsigned char *intruder_revokes; /* set: it revokes this signing key instead */

struct acks {
	uint64_t seq[256];
	uint64_t tree[256];
	uintptr_t cookie[256];
	size_t n;
	uint64_t last;
};

/*
 * The vault's helper threads, started here instead of by common/worker.c
 * (whose object is then not linked in: nothing in vault/ uses its am_side):
 * while threads_refused is set, every one is refused but the
 * threads_allowed-th asked for (counting from 1), as when none can be had.
 */
static int threads_refused, threads_asked, threads_allowed;

int am_worker_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	if (threads_refused && ++threads_asked != threads_allowed)
		return -1;
	return pthread_create(t, NULL, fn, arg) == 0 ? 0 : -1;
}

static void on_durable(void *ctx, void *cookie, const struct am_seal_result *res)
{
	struct acks *a = ctx;

	if (intruder != NULL) {
		/* between our COMMIT and our next BEGIN: another writer's entry comes first */
		struct am_vault *v2 = intruder;
		struct am_seal_req req;
		struct am_seal_result r;
		intruder = NULL;
		mem_req(&req, intruder_fields, "theirs", 6);
		if (intruder_revokes != NULL)
			CHECK(am_revoke(v2, trust_of(v2), &admin, intruder_revokes, &r.seq, NULL) ==
			      AM_OK);
		else
			CHECK(am_seal(v2, trust_of(v2), &admin, &req, &r, NULL) == AM_OK);
		intruder_revokes = NULL;
	}
	if (a->n < 256) {
		a->seq[a->n] = res->seq;
		a->tree[a->n] = res->tree_size;
		a->cookie[a->n] = (uintptr_t)cookie;
	}
	a->last = res->seq;
	a->n++;
}

/* A connection of its own, in a read transaction: a COMMIT waits until it ends. */
static sqlite3 *reader(void)
{
	sqlite3 *db = NULL;

	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "BEGIN; SELECT count(*) FROM entries;", NULL, NULL, NULL) ==
	      SQLITE_OK);
	return db;
}

static void reader_end(sqlite3 *db)
{
	CHECK(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

/* Every acknowledgement in seq order from first, with its cookie, and a tree that holds it. */
static void acks_in_order(const struct acks *a, uint64_t first, const char *what)
{
	for (size_t i = 0; i < a->n && i < 256; i++) {
		CHECKF(a->seq[i] == first + i, "%s: ack %zu is entry %llu", what, i,
		       (unsigned long long)a->seq[i]);
		CHECKF(a->cookie[i] == i, "%s: ack %zu has cookie %zu", what, i,
		       (size_t)a->cookie[i]);
		CHECKF(a->tree[i] > a->seq[i], "%s: ack %zu in a tree of %llu", what, i,
		       (unsigned long long)a->tree[i]);
	}
}

/* n acknowledgements, cookies in order, from base; the k-th on one further (another's came first). */
static void acks_moved(const struct acks *a, size_t n, uint64_t base, size_t k)
{
	CHECKF(a->n == n, "%zu acknowledged, not %zu", a->n, n);
	for (size_t i = 0; i < n && a->n == n; i++)
		CHECKF(a->seq[i] == base + i + (i >= k) && a->cookie[i] == i, "ack %zu: entry %llu", i,
		       (unsigned long long)a->seq[i]);
}

/* Entries base .. base + n - 1 in batches of lim: each batch's first without the batched flag. */
static void batched_every(struct am_vault *v, uint64_t base, uint64_t n, uint64_t lim)
{
	for (uint64_t s = base; s < base + n; s++) {
		struct am_entry_pub p;
		CHECK(am_entry_read(v, s, &p, NULL) == AM_OK);
		CHECKF((p.h.flags & AM_HF_BATCHED) == ((s - base) % lim ? AM_HF_BATCHED : 0),
		       "entry %llu flags %u", (unsigned long long)s, p.h.flags);
		am_entry_pub_release(&p);
	}
}

/* The custodian opens entry seq and finds content of n bytes. */
static int opens(struct am_vault *v, uint64_t seq, size_t n)
{
	struct am_fields got;
	const struct am_field *size;
	char want[24];
	int ok;

	am_fields_init(&got);
	snprintf(want, sizeof(want), "%zu", n);
	ok = am_open_fields(v, &cust, seq, &got, NULL) == AM_OK &&
	     (size = am_fields_get(&got, "size")) != NULL && size->vlen == strlen(want) &&
	     memcmp(size->value, want, size->vlen) == 0;
	am_fields_release(&got);
	return ok;
}

/*
 * A batch of limit lim (overlapped) whose first COMMIT a reader holds, with k
 * entries "mine" sealed (cookies 0 .. k-1): the reader is in *db.
 */
static struct am_batch *held_batch_by(struct am_vault *v, const struct am_identity *signer,
				      const struct am_fields *f, size_t lim, size_t k, struct acks *a,
				      sqlite3 **db)
{
	struct am_batch_limits l = { lim, 0, 1, 0 };
	struct am_batch *b = NULL;
	struct am_seal_req req;

	memset(a, 0, sizeof(*a));
	*db = NULL;
	CHECK(am_batch_begin(v, trust_of(v), signer, &l, on_durable, a, &b, NULL) == AM_OK);
	if (b == NULL)
		return NULL;
	*db = reader();
	mem_req(&req, f, "mine", 4);
	for (uintptr_t i = 0; i < k; i++)
		CHECK(am_batch_seal(b, &req, (void *)i, NULL) == AM_OK);
	return b;
}

static struct am_batch *held_batch(struct am_vault *v, const struct am_fields *f, size_t lim,
				   size_t k, struct acks *a, sqlite3 **db)
{
	return held_batch_by(v, &admin, f, lim, k, a, db);
}

/*
 * 23 entries, limit 4, one of them longer than a chunk, with references
 * back into the batch committing and into the entries waiting: the same
 * entries, flags and checkpoints as without overlap.
 */
static void in_order(struct am_vault *v, const struct am_fields *f, unsigned char *big,
		     size_t bign)
{
	struct am_batch_limits lim = { 4, 0, 1, 0 };
	struct am_batch *b = NULL;
	struct am_seal_req req;
	struct acks a;
	uint64_t base = count_of(v), ref[1];
	sqlite3 *db = NULL;

	memset(&a, 0, sizeof(a));
	CHECK(am_batch_begin(v, trust_of(v), &admin, &lim, on_durable, &a, &b, NULL) == AM_OK);
	if (b == NULL)
		return;
	for (uintptr_t i = 0; i < 23; i++) {
		char body[32];
		int n = snprintf(body, sizeof(body), "record %u", (unsigned)i);
		/* the commits of the 1st and 3rd batches (after entries 3 and 11) wait for a reader */
		if (i == 3 || i == 11)
			db = reader();
		if (i == 6 || i == 14) {
			reader_end(db);
			db = NULL;
		}
		if (i == 9)
			mem_req(&req, f, big, bign);
		else
			mem_req(&req, f, body, (size_t)n);
		ref[0] = base + i - 3;
		if (i >= 3 && i % 2) {
			req.refs = ref;
			req.nrefs = 1;
		}
		CHECKF(am_batch_seal(b, &req, (void *)i, NULL) == AM_OK, "entry %u", (unsigned)i);
		CHECKF(a.n + am_batch_pending(b) == i + 1, "after %u: %zu acked, %zu pending",
		       (unsigned)i, a.n, am_batch_pending(b));
		/* while the reader holds the commit, nothing of it is acknowledged */
		if (i == 5)
			CHECKF(a.n == 0, "%zu acknowledged before the commit ended", a.n);
	}
	CHECK(am_batch_commit(b, NULL) == AM_OK);
	CHECK(a.n == 23 && am_batch_pending(b) == 0);
	acks_in_order(&a, base, "in order");
	am_batch_free(b);
	CHECK(count_of(v) == base + 23);
	CHECK(verifies(v, base + 23));
	batched_every(v, base, 23, 4);
	for (uint64_t s = base; s < base + 23; s++)
		CHECKF(opens(v, s, s == base + 9 ? bign : (s - base < 10 ? 8 : 9)),
		       "entry %llu", (unsigned long long)s);
}

/*
 * Another writer appends between the COMMIT and the next batch: the waiting
 * entries go after its entry, signed again; the acknowledged numbers are
 * where they are.
 */
static void other_writer(struct am_vault *v, struct am_vault *v2, const struct am_fields *f)
{
	struct am_batch *b;
	struct am_seal_req req;
	struct am_seal_result res;
	struct am_entry_pub p;
	struct acks a;
	uint64_t base = count_of(v), ref[2];
	sqlite3 *db;

	b = held_batch(v, f, 4, 5, &a, &db);
	if (b == NULL)
		return;
	/* the 6th refers to the 5th, which waits with it; the 7th to the 3rd, committing */
	ref[0] = base + 4;
	ref[1] = base + 2;
	for (uintptr_t i = 5; i < 7; i++) {
		mem_req(&req, f, "mine", 4);
		req.refs = &ref[i - 5];
		req.nrefs = 1;
		CHECK(am_batch_seal(b, &req, (void *)i, NULL) == AM_OK);
	}
	CHECK(a.n == 0 && am_batch_pending(b) == 7);
	reader_end(db);
	/* waits for the COMMIT, then appends at base + 4, before the three waiting */
	mem_req(&req, f, "theirs", 6);
	CHECK(am_seal(v2, trust_of(v2), &admin, &req, &res, NULL) == AM_OK);
	CHECK(res.seq == base + 4);
	CHECK(am_batch_commit(b, NULL) == AM_OK);
	acks_moved(&a, 7, base, 4);
	am_batch_free(b);
	CHECK(count_of(v) == base + 8);
	CHECK(verifies(v, base + 8));
	CHECK(verifies(v2, base + 8));
	for (uint64_t s = base; s < base + 8; s++)
		CHECKF(opens(v, s, s == base + 4 ? 6 : 4), "entry %llu", (unsigned long long)s);
	/* the references moved with what they name */
	CHECK(am_entry_read(v, base + 6, &p, NULL) == AM_OK);
	CHECK(p.h.nrefs == 1 && am_get_u64(p.h.refs) == base + 5);
	am_entry_pub_release(&p);
	CHECK(am_entry_read(v, base + 7, &p, NULL) == AM_OK);
	CHECK(p.h.nrefs == 1 && am_get_u64(p.h.refs) == base + 2);
	am_entry_pub_release(&p);
}

/*
 * After the waiting entries moved behind another writer's, a number the
 * caller counted from there on may name the other writer's entry (the
 * caller's 5th, base + 4, is now base + 5): such a reference is refused for
 * the rest of the batch, never signed; one to an entry before stays good.
 */
static void refs_after_move(struct am_vault *v, struct am_vault *v2, const struct am_fields *f)
{
	struct am_batch *b;
	struct am_seal_req req;
	struct am_seal_result res;
	struct am_entry_pub p;
	struct am_err err;
	struct acks a;
	uint64_t base = count_of(v), ref[1];
	sqlite3 *db;

	b = held_batch(v, f, 4, 5, &a, &db);
	if (b == NULL)
		return;
	reader_end(db);
	mem_req(&req, f, "theirs", 6);
	CHECK(am_seal(v2, trust_of(v2), &admin, &req, &res, NULL) == AM_OK);
	CHECK(res.seq == base + 4);
	/* the 6th, referring to "my 5th": the 5th moves as this call stores it */
	mem_req(&req, f, "mine", 4);
	ref[0] = base + 4;
	req.refs = ref;
	req.nrefs = 1;
	CHECK(am_batch_seal(b, &req, (void *)5, &err) == AM_EINPUT);
	CHECKF(strstr(err.msg, "may not be referred to") != NULL, "%s", err.msg);
	ref[0] = base + 6; /* where the 5th is now: as unknowable to a caller, refused too */
	CHECK(am_batch_seal(b, &req, (void *)5, NULL) == AM_EINPUT);
	ref[0] = base + 3;
	CHECK(am_batch_seal(b, &req, (void *)5, NULL) == AM_OK);
	CHECK(am_batch_commit(b, NULL) == AM_OK);
	CHECK(a.n == 6);
	am_batch_free(b);
	CHECK(count_of(v) == base + 7);
	CHECK(verifies(v, base + 7));
	CHECK(am_entry_read(v, base + 6, &p, NULL) == AM_OK);
	CHECK(p.h.nrefs == 1 && am_get_u64(p.h.refs) == base + 3);
	am_entry_pub_release(&p);
}

/*
 * Another writer enrolls a custodian meanwhile: the waiting entries are
 * wrapped to the old custodians only, so they are refused, and nothing of
 * them is kept; what was committed before stays acknowledged.
 */
static void custodians_changed(struct am_vault *v, struct am_vault *v2,
			       const struct am_fields *f)
{
	struct am_batch *b;
	struct am_seal_req req;
	struct am_identity extra;
	struct acks a;
	struct am_err err;
	uint64_t base = count_of(v), seq = 0;
	sqlite3 *db;

	CHECK(am_identity_generate(&extra, "custodian-extra", NULL) == AM_OK);
	b = held_batch(v, f, 4, 6, &a, &db);
	if (b == NULL)
		return;
	reader_end(db);
	CHECK(am_enroll(v2, trust_of(v2), &admin, &extra, AM_ROLE_CUSTODIAN, &seq, NULL) == AM_OK);
	CHECK(seq == base + 4);
	CHECK(am_batch_commit(b, &err) == AM_EIO);
	CHECKF(strstr(err.msg, "custodians") != NULL, "%s", err.msg);
	CHECK(a.n == 4 && am_batch_pending(b) == 0);
	acks_in_order(&a, base, "custodians changed");
	CHECK(count_of(v) == base + 5);
	CHECK(verifies(v, base + 5));
	/* the batch goes on, wrapped to the custodians as they are now */
	mem_req(&req, f, "after", 5);
	CHECK(am_batch_seal(b, &req, (void *)4, NULL) == AM_OK);
	CHECK(am_batch_commit(b, NULL) == AM_OK);
	CHECK(a.n == 5 && a.seq[4] == base + 5);
	CHECK(am_can_open(v, &extra, base + 5, NULL) == AM_OK);
	am_batch_free(b);
	CHECK(verifies(v, base + 6));
	am_identity_release(&extra);
}

/*
 * A thousand entries wait (as many as one set of wrap keys serves) while
 * another writer appends, without touching the custodians: they are chained
 * after its entry, not refused as if the custodians had changed.
 */
static void thousand_waiting(struct am_vault *v, struct am_vault *v2, const struct am_fields *f)
{
	/* the first entry fills its batch by bytes; the empty ones after it never do */
	struct am_batch_limits lim = { 2000, 64, 1, 0 };
	static const char first[64] = "the first entry, alone in its batch";
	struct am_batch *b = NULL;
	struct am_seal_req req;
	struct am_seal_result res;
	struct acks a;
	struct am_err err;
	uint64_t base = count_of(v);
	sqlite3 *db;

	memset(&a, 0, sizeof(a));
	am_err_init(&err);
	CHECK(am_batch_begin(v, trust_of(v), &admin, &lim, on_durable, &a, &b, NULL) == AM_OK);
	if (b == NULL)
		return;
	db = reader();
	mem_req(&req, f, first, sizeof(first));
	CHECK(am_batch_seal(b, &req, (void *)0, NULL) == AM_OK);
	mem_req(&req, f, "", 0);
	for (uintptr_t i = 1; i <= 1000; i++)
		CHECK(am_batch_seal(b, &req, (void *)i, NULL) == AM_OK);
	CHECK(a.n == 0 && am_batch_pending(b) == 1001);
	reader_end(db);
	mem_req(&req, f, "theirs", 6);
	CHECK(am_seal(v2, trust_of(v2), &admin, &req, &res, NULL) == AM_OK);
	CHECK(res.seq == base + 1);
	CHECKF(am_batch_commit(b, &err) == AM_OK, "%s", err.msg);
	CHECK(a.n == 1001 && a.last == base + 1001);
	am_batch_free(b);
	CHECK(count_of(v) == base + 1002);
	CHECK(verifies(v, base + 1002));
	CHECK(opens(v, base + 2, 0) && opens(v, base + 1001, 0));
}

/* A waiting entry's row refused when it is stored: none of them kept, the committed ones acked. */
static void refused_when_stored(struct am_vault *v, const struct am_fields *f)
{
	struct am_batch *b;
	struct acks a;
	struct am_err err;
	uint64_t base = count_of(v);
	char sql[256];
	sqlite3 *db;

	snprintf(sql, sizeof(sql),
		 "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.entries WHEN NEW.seq = %llu "
		 "BEGIN SELECT RAISE(ROLLBACK, 'injected refusal'); END;",
		 (unsigned long long)base + 5);
	CHECK(sqlite3_exec(v->db, sql, NULL, NULL, NULL) == SQLITE_OK);
	b = held_batch(v, f, 4, 7, &a, &db);
	if (b == NULL)
		return;
	reader_end(db);
	CHECK(am_batch_commit(b, &err) != AM_OK);
	CHECKF(strstr(err.msg, "injected refusal") != NULL, "%s", err.msg);
	CHECK(a.n == 4 && am_batch_pending(b) == 0);
	acks_in_order(&a, base, "refused");
	CHECK(sqlite3_exec(v->db, "DROP TRIGGER temp.refuse", NULL, NULL, NULL) == SQLITE_OK);
	CHECK(sqlite3_get_autocommit(v->db));
	CHECK(count_of(v) == base + 4);
	CHECK(verifies(v, base + 4));
	am_batch_free(b);
}

/*
 * A long entry first after a batch whose COMMIT is still under way (it
 * takes SQLite back midway through sealing itself): stored at the next
 * seq, in the transaction of the batch it begins.
 */
static void long_first(struct am_vault *v, const struct am_fields *f, unsigned char *big,
		       size_t bign)
{
	struct am_batch *b;
	struct am_seal_req req;
	struct acks a;
	uint64_t base = count_of(v);
	sqlite3 *db;

	b = held_batch(v, f, 2, 2, &a, &db);
	if (b == NULL)
		return;
	CHECK(a.n == 0);
	/* the COMMIT can go on now; the long entry most likely finds it still running */
	reader_end(db);
	mem_req(&req, f, big, bign);
	CHECK(am_batch_seal(b, &req, (void *)2, NULL) == AM_OK);
	CHECK(a.n == 2);
	mem_req(&req, f, "mine", 4);
	CHECK(am_batch_seal(b, &req, (void *)3, NULL) == AM_OK);
	CHECK(am_batch_commit(b, NULL) == AM_OK);
	CHECK(a.n == 4);
	acks_in_order(&a, base, "long first");
	am_batch_free(b);
	CHECK(verifies(v, base + 4));
	CHECK(opens(v, base + 2, bign) && opens(v, base + 3, 4));
}

/* Content fed through a pipe, then the reader holding the COMMIT let go. */
struct feed {
	int fd;
	const unsigned char *p;
	size_t n;
	sqlite3 *db;
	int ended; /* the reader's COMMIT went through (checked by the main thread) */
};

static void *feed_thread(void *arg)
{
	struct feed *fd = arg;
	size_t off = 0;

	while (fd->fd >= 0 && off < fd->n) {
		ssize_t w = write(fd->fd, fd->p + off, fd->n - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (fd->fd >= 0)
		close(fd->fd);
	/* the sealing thread is reading the content: it is past the check before it */
	fd->ended = sqlite3_exec(fd->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
	sqlite3_close(fd->db);
	return NULL;
}

/*
 * A long entry that refers to an entry waiting with it, sealed while the
 * COMMIT before is under way; another writer appends between that COMMIT
 * and the long entry taking SQLite back: both move up by one, and the
 * reference moves with what it names.
 */
static void long_moved(struct am_vault *v, struct am_vault *v2, const struct am_fields *f,
		       unsigned char *big, size_t bign)
{
	struct am_batch *b;
	struct am_seal_req req;
	struct am_entry_pub p;
	struct acks a;
	struct feed fd;
	pthread_t th;
	uint64_t base = count_of(v), ref[1];
	int fds[2];
	sqlite3 *db;

	b = held_batch(v, f, 2, 2, &a, &db);
	if (b == NULL)
		return;
	mem_req(&req, f, "mine", 4);
	CHECK(am_batch_seal(b, &req, (void *)2, NULL) == AM_OK);
	CHECK(a.n == 0 && am_batch_pending(b) == 3);
	CHECK(pipe(fds) == 0);
	fd.fd = fds[1];
	fd.p = big;
	fd.n = bign;
	fd.db = db;
	fd.ended = 0;
	intruder = v2;
	intruder_fields = f;
	CHECK(pthread_create(&th, NULL, feed_thread, &fd) == 0);
	mem_req(&req, f, NULL, 0);
	req.fd = fds[0];
	ref[0] = base + 2;
	req.refs = ref;
	req.nrefs = 1;
	CHECK(am_batch_seal(b, &req, (void *)3, NULL) == AM_OK);
	pthread_join(th, NULL);
	close(fds[0]);
	CHECK(fd.ended);
	CHECK(intruder == NULL);
	intruder = NULL;
	CHECK(am_batch_commit(b, NULL) == AM_OK);
	acks_moved(&a, 4, base, 2);
	am_batch_free(b);
	CHECK(count_of(v) == base + 5);
	CHECK(verifies(v, base + 5));
	CHECK(opens(v, base + 3, 4) && opens(v, base + 4, bign));
	/* the long entry names the entry it was given, now one further on */
	CHECK(am_entry_read(v, base + 4, &p, NULL) == AM_OK);
	CHECKF(p.h.nrefs == 1 && am_get_u64(p.h.refs) == base + 3, "refers to %llu",
	       (unsigned long long)(p.h.nrefs == 1 ? am_get_u64(p.h.refs) : 0));
	am_entry_pub_release(&p);
}

static void *let_go(void *arg)
{
	struct timespec ts = { 0, 300 * 1000000L };

	nanosleep(&ts, NULL);
	feed_thread(arg);
	return NULL;
}

/*
 * No thread to sign on (the signer's cannot be started), but one for the
 * COMMIT: an entry sealed while that COMMIT is under way is signed and
 * stored on the calling thread, so it takes SQLite back first, and lands in
 * the transaction of the batch it begins, not beside the COMMIT.
 */
static void no_signer(struct am_vault *v, const struct am_fields *f)
{
	struct am_batch_limits lim = { 2, 0, 1, 0 };
	struct am_batch *b = NULL;
	struct am_seal_req req;
	struct acks a;
	struct feed fd;
	pthread_t th;
	uint64_t base = count_of(v);

	memset(&a, 0, sizeof(a));
	memset(&fd, 0, sizeof(fd));
	CHECK(am_batch_begin(v, trust_of(v), &admin, &lim, on_durable, &a, &b, NULL) == AM_OK);
	if (b == NULL)
		return;
	/* the COMMIT waits for a reader, let go 0.3 s on */
	fd.fd = -1;
	fd.db = reader();
	CHECK(pthread_create(&th, NULL, let_go, &fd) == 0);
	/* the two entries' signers refused, the COMMIT's thread given, the third's signer refused */
	threads_refused = 1;
	threads_asked = 0;
	threads_allowed = 3;
	mem_req(&req, f, "mine", 4);
	for (uintptr_t i = 0; i < 3; i++) {
		struct am_err err;
		am_err_init(&err);
		CHECKF(am_batch_seal(b, &req, (void *)i, &err) == AM_OK, "entry %u: %s", (unsigned)i,
		       err.msg);
	}
	CHECK(am_batch_commit(b, NULL) == AM_OK);
	threads_refused = 0;
	pthread_join(th, NULL);
	CHECK(fd.ended);
	CHECK(threads_asked >= 4);
	CHECK(a.n == 3);
	acks_in_order(&a, base, "no signer");
	am_batch_free(b);
	CHECK(count_of(v) == base + 3);
	CHECK(verifies(v, base + 3));
	batched_every(v, base, 3, 2);
}

/*
 * The signer revoked by another writer between the COMMIT and the next
 * BEGIN: the entries waiting (signed while it was still enrolled) are
 * refused, and so is a long entry that takes SQLite back with nothing
 * waiting before it; what was committed before stays acknowledged.
 */
static void signer_revoked(struct am_vault *v, struct am_vault *v2, const struct am_fields *f,
			   unsigned char *big, size_t bign)
{
	struct am_identity off;
	struct am_batch *b;
	struct am_seal_req req;
	struct acks a;
	struct am_err err;
	struct feed fd;
	pthread_t th;
	uint64_t base, seq;
	int fds[2];
	sqlite3 *db;

	for (int waiting = 1; waiting >= 0; waiting--) {
		CHECK(am_identity_generate(&off, "officer-revoked", NULL) == AM_OK);
		CHECK(am_enroll(v, trust_of(v), &admin, &off, AM_ROLE_OFFICER, &seq, NULL) == AM_OK);
		base = count_of(v);
		am_err_init(&err);
		b = held_batch_by(v, &off, f, 2, 2, &a, &db);
		if (b == NULL)
			return;
		if (waiting) {
			/* an entry waits; the revocation comes before it is stored */
			mem_req(&req, f, "mine", 4);
			CHECK(am_batch_seal(b, &req, (void *)2, NULL) == AM_OK);
			reader_end(db);
			CHECK(am_revoke(v2, trust_of(v2), &admin, off.sign_pk, &seq, NULL) == AM_OK);
			CHECK(am_batch_commit(b, &err) != AM_OK);
		} else {
			/* a long entry first: the revocation comes while it takes SQLite back */
			CHECK(pipe(fds) == 0);
			memset(&fd, 0, sizeof(fd));
			fd.fd = fds[1];
			fd.p = big;
			fd.n = bign;
			fd.db = db;
			intruder = v2;
			intruder_fields = f;
			intruder_revokes = off.sign_pk;
			CHECK(pthread_create(&th, NULL, feed_thread, &fd) == 0);
			mem_req(&req, f, NULL, 0);
			req.fd = fds[0];
			CHECK(am_batch_seal(b, &req, (void *)2, &err) != AM_OK);
			pthread_join(th, NULL);
			close(fds[0]);
			CHECK(fd.ended && intruder == NULL && intruder_revokes == NULL);
		}
		CHECKF(strstr(err.msg, "not enrolled") != NULL, "waiting %d: %s", waiting, err.msg);
		CHECK(a.n == 2 && am_batch_pending(b) == 0);
		acks_in_order(&a, base, "signer revoked");
		am_batch_free(b);
		CHECK(count_of(v) == base + 3);
		CHECK(verifies(v, base + 3));
		am_identity_release(&off);
	}
}

/*
 * A custodian enrolled and revoked again by another writer meanwhile: the
 * custodians are those the waiting entry was wrapped to, so it is stored,
 * after the other's two entries.
 */
static void custodians_back(struct am_vault *v, struct am_vault *v2, const struct am_fields *f)
{
	struct am_identity extra;
	struct am_batch *b;
	struct acks a;
	struct am_err err;
	uint64_t base = count_of(v), seq = 0;
	sqlite3 *db;

	am_err_init(&err);
	CHECK(am_identity_generate(&extra, "custodian-passing", NULL) == AM_OK);
	b = held_batch(v, f, 2, 3, &a, &db);
	if (b == NULL)
		return;
	reader_end(db);
	CHECK(am_enroll(v2, trust_of(v2), &admin, &extra, AM_ROLE_CUSTODIAN, &seq, NULL) == AM_OK);
	CHECK(am_revoke(v2, trust_of(v2), &admin, extra.sign_pk, &seq, NULL) == AM_OK);
	CHECKF(am_batch_commit(b, &err) == AM_OK, "%s", err.msg);
	CHECK(a.n == 3 && a.seq[2] == base + 4);
	am_batch_free(b);
	CHECK(verifies(v, base + 5));
	CHECK(opens(v, base + 4, 4));
	CHECK(am_can_open(v, &extra, base + 4, NULL) != AM_OK);
	am_identity_release(&extra);
}

/* Freed while a commit is under way: it ends, and what it made durable is acknowledged. */
static void freed_while_committing(struct am_vault *v, const struct am_fields *f)
{
	struct am_batch_limits lim = { 3, 0, 1, 0 };
	struct am_batch *b = NULL;
	struct am_seal_req req;
	struct acks a;
	uint64_t base = count_of(v);

	memset(&a, 0, sizeof(a));
	CHECK(am_batch_begin(v, trust_of(v), &admin, &lim, on_durable, &a, &b, NULL) == AM_OK);
	if (b == NULL)
		return;
	mem_req(&req, f, "mine", 4);
	for (uintptr_t i = 0; i < 5; i++)
		CHECK(am_batch_seal(b, &req, (void *)i, NULL) == AM_OK);
	am_batch_free(b);
	CHECK(a.n == 3);
	acks_in_order(&a, base, "freed");
	CHECK(count_of(v) == base + 3);
	CHECK(verifies(v, base + 3));
}

/*
 * Another writer (a second process) waiting for the lock gets it between two
 * batches once the batch has held it for hold_ms (here 1), without waiting
 * for the whole run: its entry lands among the batch's.
 */
static void fair(struct am_vault *v, const struct am_fields *f, int overlap)
{
	struct am_batch_limits lim = { 10, 0, overlap, 1 };
	struct am_batch *b = NULL;
	struct am_seal_req req;
	struct acks a;
	uint64_t other = UINT64_MAX, base = count_of(v);
	int go[2], back[2], status = 0;
	struct timespec t0, t;
	pid_t pid;

	CHECK(pipe(go) == 0 && pipe(back) == 0);
	/* before any thread of this test exists: the child is this thread alone */
	pid = fork();
	if (pid == 0) {
		struct am_vault *v2 = NULL;
		struct am_seal_result res;
		char c;
		if (read(go[0], &c, 1) == 1 && am_vault_open(path, 1, &v2, NULL) == AM_OK &&
		    trust_of(v2) != NULL) {
			mem_req(&req, f, "theirs", 6);
			if (am_seal(v2, trust_of(v2), &admin, &req, &res, NULL) == AM_OK)
				other = res.seq;
		}
		if (write(back[1], &other, sizeof(other)) != sizeof(other))
			_exit(2);
		_exit(0);
	}
	CHECK(pid > 0);
	if (pid < 0)
		return;
	CHECK(fcntl(back[0], F_SETFL, O_NONBLOCK) == 0);
	memset(&a, 0, sizeof(a));
	CHECK(am_batch_begin(v, trust_of(v), &admin, &lim, on_durable, &a, &b, NULL) == AM_OK);
	mem_req(&req, f, "mine", 4);
	for (uintptr_t i = 0; b != NULL && i < 10; i++)
		CHECK(am_batch_seal(b, &req, (void *)i, NULL) == AM_OK);
	CHECK(write(go[1], "g", 1) == 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* seal on until the other's entry is in (for at most 60 s: valgrind is slow) */
	for (uintptr_t i = 10; b != NULL && i < 20000; i++) {
		if (read(back[0], &other, sizeof(other)) == sizeof(other))
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 60)
			break;
		CHECK(am_batch_seal(b, &req, (void *)i, NULL) == AM_OK);
	}
	if (b != NULL)
		CHECK(am_batch_commit(b, NULL) == AM_OK);
	am_batch_free(b);
	waitpid(pid, &status, 0);
	if (other == UINT64_MAX) {
		/* the loop ended first: take the answer now */
		CHECK(fcntl(back[0], F_SETFL, 0) == 0);
		CHECK(read(back[0], &other, sizeof(other)) == sizeof(other));
	}
	CHECKF(other != UINT64_MAX && a.n > 0 && other < a.last,
	       "overlap %d: the other writer's entry %llu after all %zu of the batch's", overlap,
	       (unsigned long long)other, a.n);
	CHECK(count_of(v) == base + a.n + 1);
	CHECK(verifies(v, base + a.n + 1));
	close(go[0]);
	close(go[1]);
	close(back[0]);
	close(back[1]);
}

int main(void)
{
	struct am_vault *v, *v2 = NULL;
	struct am_fields f;
	unsigned char *big;
	size_t bign = AM_CHUNK_SIZE + 77;

	if (am_crypto_init() != 0)
		return 1;
	v = scratch_vault("batch_overlap", dir, sizeof(dir), path, sizeof(path), &admin, &cust);
	CHECK(v != NULL);
	big = malloc(bign);
	CHECK(big != NULL);
	if (v == NULL || big == NULL)
		return check_done();
	for (size_t i = 0; i < bign; i++)
		big[i] = (unsigned char)(i * 7 + (i >> 9));
	am_fields_init(&f);
	CHECK(am_fields_set(&f, "case", "C-1", 3, NULL) == AM_OK);
	CHECK(am_vault_open(path, 1, &v2, NULL) == AM_OK);
	CHECK(v2 != NULL && trust_of(v2) != NULL);

	in_order(v, &f, big, bign);
	if (v2 != NULL) {
		other_writer(v, v2, &f);
		refs_after_move(v, v2, &f);
		custodians_changed(v, v2, &f);
		thousand_waiting(v, v2, &f);
	}
	refused_when_stored(v, &f);
	long_first(v, &f, big, bign);
	if (v2 != NULL) {
		long_moved(v, v2, &f, big, bign);
		signer_revoked(v, v2, &f, big, bign);
		custodians_back(v, v2, &f);
	}
	freed_while_committing(v, &f);
	no_signer(v, &f);
	fair(v, &f, 1);
	fair(v, &f, 0);

	am_fields_release(&f);
	free(big);
	close_vault(v2);
	return scratch_done(v, &admin, &cust, dir);
}
