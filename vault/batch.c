/*
 * batch.c — group commit: many sealed entries in one write transaction,
 * one signed checkpoint and one durable COMMIT for all of them
 * (docs/FORMAT.md §27).  An entry is acknowledged (the durable callback)
 * only once its batch's COMMIT has returned; a failure rolls back the batch
 * being built and nothing before it.
 */
#include "vault_int.h"
#include "body.h"

#include <stdlib.h>
#include <string.h>

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
	struct pending *p;
	size_t n, cap;
	uint64_t bytes;         /* plaintext bytes pending */
};

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
	b->durable = durable;
	b->ctx = ctx;
	/* a batch of more than one: one X25519 per custodian for the batch (FORMAT.md §29) */
	b->body.pooled = b->lim.max_entries > 1;
	am_trusted_init(&b->work);
	*out = b;
	return AM_OK;
}

/* Drop the batch being built: roll back, nothing of it acknowledged. */
static void drop(struct am_batch *b)
{
	am_body_abandon(&b->body);
	if (b->open)
		am_write_abort(b->v, &b->work);
	am_tree_drop(b->v);
	am_body_batch_end(&b->body);
	b->open = 0;
	b->n = 0;
	b->bytes = 0;
}

enum am_status am_batch_commit(struct am_batch *b, struct am_err *e)
{
	unsigned char root[AM_HASH_LEN];
	uint64_t size;
	enum am_status s;

	if (!b->open)
		return AM_OK;
	if (b->n == 0) {
		drop(b);
		return AM_OK;
	}
	/* its last entry stored, its tree nodes, then one checkpoint of the tree after it */
	s = am_body_settle(&b->body, e);
	if (s == AM_OK)
		s = am_tree_flush(b->v, e);
	if (s == AM_OK)
		s = am_checkpoint_store(b->v, &b->work, b->signer, NULL, e);
	if (s != AM_OK) {
		drop(b);
		return s;
	}
	size = b->work.size;
	am_mt_frontier_root(&b->work.fr, root);
	am_body_batch_end(&b->body);
	b->open = 0;
	s = am_write_commit(b->v, b->t, &b->work, e);
	if (s != AM_OK) {
		b->n = 0;
		b->bytes = 0;
		return s;
	}
	/* durable: only now is any of it acknowledged */
	for (size_t i = 0; i < b->n; i++) {
		b->p[i].res.tree_size = size;
		memcpy(b->p[i].res.root, root, AM_HASH_LEN);
		if (b->durable != NULL)
			b->durable(b->ctx, b->p[i].cookie, &b->p[i].res);
	}
	b->n = 0;
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
	if (!b->open) {
		s = am_write_begin(b->v, b->t, &b->work, e);
		if (s != AM_OK)
			return s;
		b->open = 1;
		am_tree_hold(b->v);
	}
	/* the first entry of a batch is vouched for by the checkpoint before it, if any */
	s = am_body_seal(b->v, &b->body, &b->work, b->signer, type,
			 b->n > 0 ? AM_HF_BATCHED : 0, req, payload, pn, &res, e);
	if (s != AM_OK) {
		drop(b);
		return s;
	}
	b->p[b->n].cookie = cookie;
	b->p[b->n].res = res;
	b->n++;
	b->bytes += res.size;
	if (b->n >= b->lim.max_entries || b->bytes >= b->lim.max_bytes)
		return am_batch_commit(b, e);
	return AM_OK;
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
