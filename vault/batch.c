/*
 * batch.c — group commit: many sealed entries in one write transaction,
 * one signed checkpoint and one durable COMMIT for all of them
 * (docs/FORMAT.md §27).  An entry is acknowledged (the durable callback)
 * only once its batch's COMMIT has returned; a failure rolls back the batch
 * being built and nothing before it.
 */
#include "vault_int.h"
#include "body.h"
#include "../common/worker.h"
#include "../common/clock.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct pending {
	void *cookie;
	struct am_seal_result res;
};

struct am_batch {
	struct am_vault *v;
	struct am_trusted *t;
	const struct am_identity *signer;
	struct am_batch_limits lim;
	am_batch_durable_fn durable;
	void *ctx;
	struct am_body body;
	struct am_trusted work; /* valid while open */
	int open;               /* inside BEGIN IMMEDIATE */
	struct pending *p;      /* not acknowledged: the batch committing, then the one built */
	size_t n, cap;
	uint64_t bytes;         /* plaintext bytes of the batch being built */
	/* limits.overlap: the batch before, committing on another thread */
	int committing, threaded;
	atomic_int commit_over;
	pthread_t committer;
	enum am_status commit_s;
	struct am_err commit_e;
	struct am_trusted done; /* the log after it, verified; *t once durable */
	size_t ndone;           /* its entries: p[0 .. ndone) */
	/* fairness (limits.hold_ms): since when the lock has been ours, when the last COMMIT ended */
	long long held_since_ms, end_ms;
	atomic_llong commit_end_ms;
	/*
	 * Where waiting entries were first chained again after another writer's
	 * (UINT64_MAX: never): from there on a number the caller counted may now
	 * name the other writer's entry or another of ours, so a reference to it
	 * is refused (am_batch_add)
	 */
	uint64_t moved_from;
};

static long long now_ms(void)
{
	return am_mono_ns() / 1000000;
}

/* 1 once the lock has been ours (from one batch to the next) for hold_ms. */
static int held_long(const struct am_batch *b, long long now)
{
	return b->held_since_ms != 0 && now - b->held_since_ms >= (long long)b->lim.hold_ms;
}

/*
 * How long to leave the write lock free before taking it again: 0, or what
 * is left of the gap owed to other writers once the lock has been ours for
 * hold_ms (their busy handler retries every 20-40 ms, and SQLite's locks
 * are not queued, so without a gap the next batch always wins).
 */
static long long gap_left(const struct am_batch *b, long long end_ms)
{
	long long now = now_ms(), left = end_ms + AM_BATCH_GAP_MS - now;

	return held_long(b, now) && left > 0 ? left : 0;
}

/* Leave the gap owed (sleeping), then count the hold from the lock about to be taken. */
static void before_lock(struct am_batch *b)
{
	long long left = gap_left(b, b->end_ms), now;
	struct timespec ts = { left / 1000, (left % 1000) * 1000000 };

	if (left > 0)
		nanosleep(&ts, NULL);
	now = now_ms();
	if (b->held_since_ms == 0 || held_long(b, now))
		b->held_since_ms = now;
}

static enum am_status need_store(void *ctx, struct am_err *e);

enum am_status am_batch_begin(struct am_vault *v, struct am_trusted *t,
			      const struct am_identity *signer, const struct am_batch_limits *lim,
			      am_batch_durable_fn durable, void *ctx, struct am_batch **out,
			      struct am_err *e)
{
	struct am_batch *b;
	enum am_status s;

	*out = NULL;
	if (signer->sign_sk == NULL || signer->box_sk == NULL)
		return am_fail(e, AM_EINPUT, "%s: a public key cannot sign; give the secret identity "
			       "file", signer->name);
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	s = am_body_alloc(&b->body, e);
	if (s != AM_OK) {
		free(b);
		return s;
	}
	b->v = v;
	b->t = t;
	b->signer = signer;
	if (lim != NULL)
		b->lim = *lim;
	if (b->lim.max_entries == 0)
		b->lim.max_entries = AM_BATCH_ENTRIES;
	if (b->lim.max_bytes == 0)
		b->lim.max_bytes = AM_BATCH_BYTES;
	if (b->lim.hold_ms == 0)
		b->lim.hold_ms = AM_BATCH_HOLD_MS;
	b->durable = durable;
	b->ctx = ctx;
	b->body.need_store = need_store;
	b->body.need_ctx = b;
	am_trusted_init(&b->done);
	/* a batch of more than one: one X25519 per custodian for the batch (FORMAT.md §29) */
	b->body.pooled = b->lim.max_entries > 1;
	am_trusted_init(&b->work);
	b->moved_from = UINT64_MAX;
	*out = b;
	return AM_OK;
}

/* Forget the first k pending entries. */
static void forget(struct am_batch *b, size_t k)
{
	memmove(b->p, b->p + k, (b->n - k) * sizeof(*b->p));
	b->n -= k;
}

/* Acknowledge the first k pending entries (durable), in order. */
static void acknowledge(struct am_batch *b, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (b->durable != NULL)
			b->durable(b->ctx, b->p[i].cookie, &b->p[i].res);
	forget(b, k);
}

/* Move the verified state src into dst, leaving src empty. */
static void move_state(struct am_trusted *dst, struct am_trusted *src)
{
	am_trusted_clear(dst);
	*dst = *src;
	am_auth_init(&src->auth);
	am_trusted_clear(src);
}

static void *commit_thread(void *arg)
{
	struct am_batch *b = arg;

	b->commit_s = am_db_commit(b->v, &b->commit_e);
	atomic_store(&b->commit_end_ms, now_ms());
	atomic_store(&b->commit_over, 1);
	return NULL;
}

/*
 * Wait for the batch committing on the other thread; once durable, its
 * state becomes the verified one and its entries are acknowledged.
 */
static enum am_status commit_join(struct am_batch *b, struct am_err *e)
{
	enum am_status s;

	if (!b->committing)
		return AM_OK;
	if (b->threaded)
		pthread_join(b->committer, NULL);
	b->committing = 0;
	b->end_ms = atomic_load(&b->commit_end_ms);
	s = b->commit_s;
	if (s != AM_OK) {
		am_trusted_clear(&b->done);
		if (e != NULL)
			*e = b->commit_e;
		forget(b, b->ndone);
		b->ndone = 0;
		return s;
	}
	move_state(b->t, &b->done);
	acknowledge(b, b->ndone);
	b->ndone = 0;
	return AM_OK;
}

/* Drop the batch being built: roll back, nothing of it acknowledged. */
static void drop(struct am_batch *b)
{
	/* the batch before may still become durable: it is acknowledged if it does */
	(void)commit_join(b, NULL);
	am_body_abandon(&b->body);
	if (b->open)
		am_write_abort(b->v, &b->work);
	else
		am_trusted_clear(&b->work);
	am_tree_drop(b->v);
	am_body_batch_end(&b->body);
	b->open = 0;
	b->n = 0;
	b->bytes = 0;
}

/*
 * SQLite back from the commit on the other thread: the batch before is
 * durable (and acknowledged), the write lock is taken again, and what the
 * batch being built holds in memory is stored: chained on the log as the
 * lock finds it, signed again when another writer appended in between.
 */
static enum am_status storage_back(struct am_batch *b, int midway, struct am_err *e)
{
	struct am_trusted fresh;
	unsigned char head[AM_HASH_LEN];
	uint64_t size;
	enum am_status s;

	if (!b->committing)
		return AM_OK;
	s = commit_join(b, e);
	if (s != AM_OK) {
		drop(b);
		return s;
	}
	/* between entries with nothing sealed since: the next entry begins as any would */
	if (!midway && b->n == 0 && !b->body.fly.on) {
		b->body.queue_on = 0;
		am_trusted_clear(&b->work);
		return AM_OK;
	}
	size = b->t->size;
	memcpy(head, b->t->head, AM_HASH_LEN);
	before_lock(b);
	s = am_write_begin(b->v, b->t, &fresh, e);
	if (s != AM_OK) {
		drop(b);
		return s;
	}
	b->open = 1;
	am_tree_hold(b->v);
	if (b->t->size != size || !am_equal(b->t->head, head, AM_HASH_LEN)) {
		uint64_t moved = b->t->size - size;
		/* someone else's entries came first: ours go after them */
		move_state(&b->work, &fresh);
		if (size < b->moved_from)
			b->moved_from = size;
		s = am_body_rechain(&b->body, &b->work, b->signer, size, moved, e);
		for (size_t i = 0; i < b->n; i++)
			b->p[i].res.seq += moved;
	} else {
		am_trusted_clear(&fresh);
	}
	if (s == AM_OK)
		s = am_body_flush(&b->body, e);
	if (s != AM_OK)
		drop(b);
	return s;
}

static enum am_status need_store(void *ctx, struct am_err *e)
{
	/* an entry is being sealed on b->work: the transaction must be open when this returns */
	return storage_back(ctx, 1, e);
}

/*
 * The batch being built, made ready for its COMMIT (its transaction still
 * open): its last entry stored, its tree nodes, then one checkpoint of the
 * tree after it, which its entries are told of.  On failure it is dropped.
 */
static enum am_status close_batch(struct am_batch *b, struct am_err *e)
{
	unsigned char root[AM_HASH_LEN];
	enum am_status s;

	s = am_body_settle(&b->body, e);
	if (s == AM_OK)
		s = am_tree_flush(b->v, e);
	if (s == AM_OK)
		s = am_checkpoint_store(b->v, &b->work, b->signer, NULL, e);
	if (s != AM_OK) {
		drop(b);
		return s;
	}
	am_mt_frontier_root(&b->work.fr, root);
	for (size_t i = 0; i < b->n; i++) {
		b->p[i].res.tree_size = b->work.size;
		memcpy(b->p[i].res.root, root, AM_HASH_LEN);
	}
	am_body_batch_end(&b->body);
	return AM_OK;
}

/*
 * Commit on another thread (limits.overlap): the entries sealed next are
 * chained on a copy of the state after this batch and wait in memory.
 */
static enum am_status commit_start(struct am_batch *b, struct am_err *e)
{
	enum am_status s = close_batch(b, e);

	if (s == AM_OK && am_trusted_copy(&b->done, &b->work) != 0) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		drop(b);
	}
	if (s != AM_OK)
		return s;
	b->open = 0;
	b->ndone = b->n;
	b->bytes = 0;
	b->committing = 1;
	b->body.queue_on = 1;
	atomic_store(&b->commit_over, 0);
	b->threaded = am_worker_start(&b->committer, commit_thread, b) == 0;
	if (!b->threaded)
		commit_thread(b);
	return AM_OK;
}

enum am_status am_batch_commit(struct am_batch *b, struct am_err *e)
{
	enum am_status s;

	s = storage_back(b, 0, e);
	if (s != AM_OK)
		return s;
	if (!b->open)
		return AM_OK;
	if (b->n == 0) {
		drop(b);
		return AM_OK;
	}
	s = close_batch(b, e);
	if (s != AM_OK)
		return s;
	b->open = 0;
	s = am_write_commit(b->v, b->t, &b->work, e);
	b->end_ms = now_ms();
	if (s != AM_OK) {
		b->n = 0;
		b->bytes = 0;
		return s;
	}
	/* durable: only now is any of it acknowledged */
	acknowledge(b, b->n);
	b->bytes = 0;
	return AM_OK;
}

enum am_status am_batch_add(struct am_batch *b, unsigned type, const struct am_seal_req *req,
			    const unsigned char *payload, size_t pn, void *cookie,
			    struct am_err *e)
{
	struct am_seal_result res;
	enum am_status s;

	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		struct pending *p = realloc(b->p, cap * sizeof(*p));
		if (p == NULL) {
			drop(b);
			return am_fail(e, AM_ENOMEM, "out of memory");
		}
		b->p = p;
		b->cap = cap;
	}
	/*
	 * the commit on the other thread is over (and no gap is owed to other
	 * writers: meanwhile entries go on waiting in memory), or too much waits
	 */
	if (b->committing && ((atomic_load(&b->commit_over) &&
			       gap_left(b, atomic_load(&b->commit_end_ms)) == 0) ||
			      b->body.q_bytes >= AM_BATCH_QUEUE_BYTES)) {
		s = storage_back(b, 0, e);
		if (s != AM_OK)
			return s;
	}
	if (!b->open && !b->committing) {
		before_lock(b);
		s = am_write_begin(b->v, b->t, &b->work, e);
		if (s != AM_OK)
			return s;
		b->open = 1;
		am_tree_hold(b->v);
	}
	/* (after storage_back: it may be what moves them) */
	for (size_t i = 0; i < req->nrefs; i++)
		if (req->refs[i] >= b->moved_from)
			return am_fail(e, AM_EINPUT, "entry %llu may not be referred to in this batch: "
				       "another writer appended while it was committed, so entries "
				       "from %llu on are not where they were counted; commit the "
				       "batch and refer to them from a new one",
				       (unsigned long long)req->refs[i],
				       (unsigned long long)b->moved_from);
	/* the first entry of a batch is vouched for by the checkpoint before it, if any */
	s = am_body_seal(b->v, &b->body, &b->work, b->signer, type,
			 b->n > b->ndone ? AM_HF_BATCHED : 0, req, payload, pn, &res, e);
	if (s != AM_OK) {
		drop(b);
		return s;
	}
	b->p[b->n].cookie = cookie;
	b->p[b->n].res = res;
	b->n++;
	b->bytes += res.size;
	if (b->n - b->ndone < b->lim.max_entries && b->bytes < b->lim.max_bytes)
		return AM_OK;
	if (!b->lim.overlap || b->lim.max_entries == 1)
		return am_batch_commit(b, e);
	s = storage_back(b, 0, e);
	return s == AM_OK ? commit_start(b, e) : s;
}

enum am_status am_batch_seal(struct am_batch *b, const struct am_seal_req *req, void *cookie,
			     struct am_err *e)
{
	if (!am_type_sealed(req->type) || req->type == AM_T_CUSTODY) {
		drop(b);
		return am_fail(e, AM_EINPUT, "cannot seal an entry of type %s",
			       am_type_name(req->type));
	}
	return am_batch_add(b, req->type, req, NULL, 0, cookie, e);
}

size_t am_batch_pending(const struct am_batch *b)
{
	return b->n;
}

void am_batch_free(struct am_batch *b)
{
	if (b == NULL)
		return;
	drop(b);
	am_body_release(&b->body);
	free(b->p);
	free(b);
}
