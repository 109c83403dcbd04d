/*
 * body.c — sealing one entry's body (content chunks, private fields, the
 * content key wrapped to each custodian) and appending it, inside a write
 * transaction the caller (batch.c) owns.  The buffers live as long as a
 * batch, so that many small entries do not each pay for secure memory.
 */
#include "vault_int.h"
#include "body.h"
#include "bwrap.h"
#include "pipe.h"
#include "signer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void am_body_release(struct am_body *b)
{
	am_secure_free(b->key);
	am_secure_free(b->chunk_key);
	am_secure_free(b->meta_key);
	am_secure_free(b->cur);
	am_secure_free(b->next);
	am_secure_free(b->packed);
	free(b->ct);
	am_zarena_free(b->za);
	am_rpool_free(b->rp);
	am_bwrap_free(b->bw);
	am_body_abandon(b);
	am_signer_stop(b->sgn);
	memset(b, 0, sizeof(*b));
}

enum am_status am_body_alloc(struct am_body *b, struct am_err *e)
{
	memset(b, 0, sizeof(*b));
	b->key = am_secure_alloc(AM_KEY_LEN);
	b->chunk_key = am_secure_alloc(AM_KEY_LEN);
	b->meta_key = am_secure_alloc(AM_KEY_LEN);
	b->cur = am_secure_alloc(AM_CHUNK_SIZE);
	b->next = am_secure_alloc(AM_CHUNK_SIZE);
	b->packed = am_secure_alloc(am_chunk_pt_max(AM_CHUNK_SIZE));
	b->ct = malloc(am_chunk_pt_max(AM_CHUNK_SIZE) + AM_AEAD_TAG_LEN);
	b->za = am_zarena_new();
	b->rp = am_rpool_new();
	if (!b->key || !b->chunk_key || !b->meta_key || !b->cur || !b->next || !b->packed ||
	    !b->ct || !b->za || !b->rp) {
		am_body_release(b);
		return am_fail(e, AM_ENOMEM, "cannot allocate memory for sealing");
	}
	return AM_OK;
}

static void flight_release(struct am_flight *f)
{
	am_appending_release(&f->ap);
	am_buf_release(&f->wraps);
	free(f->meta);
	free(f->chunk);
	memset(f, 0, sizeof(*f));
}

/* Forget the queued entries: the queue is empty and off. */
static void queue_drop(struct am_body *b)
{
	for (size_t i = 0; i < b->nq; i++)
		flight_release(&b->q[i]);
	free(b->q);
	b->q = NULL;
	b->nq = b->capq = b->q_bytes = 0;
	b->queue_on = 0;
}

void am_body_abandon(struct am_body *b)
{
	unsigned char sig[AM_SIG_LEN];

	queue_drop(b);
	if (!b->fly.on)
		return;
	/* the thread reads the header until it is done with it; its signature is not wanted */
	if (am_signer_wait(b->sgn, sig) == 0)
		am_wipe(sig, sizeof(sig));
	flight_release(&b->fly);
}

/* Queue a landed entry (none: nothing) instead of storing it; it is moved, not copied. */
static enum am_status enqueue(struct am_body *b, struct am_flight *f, struct am_err *e)
{
	if (!f->on)
		return AM_OK;
	if (b->nq == b->capq) {
		size_t cap = b->capq ? 2 * b->capq : 256;
		struct am_flight *q = realloc(b->q, cap * sizeof(*q));
		if (q == NULL) {
			flight_release(f);
			return am_fail(e, AM_ENOMEM, "out of memory");
		}
		b->q = q;
		b->capq = cap;
	}
	b->q_bytes += f->ap.hb.len + f->wraps.len + f->mn + f->chunkn;
	b->q[b->nq++] = *f;
	memset(f, 0, sizeof(*f));
	return AM_OK;
}

/* Store a queued entry: its chunk first (the triggers want it before its row), then its row. */
static enum am_status put_queued(struct am_flight *f, struct am_err *e)
{
	enum am_status s = AM_OK;

	if (f->chunk != NULL)
		s = am_db_put_chunk(f->v, f->ap.seq, 0, f->chunk, f->chunkn, e);
	if (s == AM_OK)
		s = am_append_store(f->v, f->work, &f->ap, f->sig, f->hash, f->wraps.data,
				    f->wraps.len, f->meta, f->mn, e);
	return s;
}

enum am_status am_body_flush(struct am_body *b, struct am_err *e)
{
	enum am_status s = AM_OK;

	for (size_t i = 0; i < b->nq && s == AM_OK; i++)
		s = put_queued(&b->q[i], e);
	if (s == AM_OK && b->fly.on && b->fly.chunk != NULL) {
		s = am_db_put_chunk(b->fly.v, b->fly.ap.seq, 0, b->fly.chunk, b->fly.chunkn, e);
		free(b->fly.chunk);
		b->fly.chunk = NULL;
		b->fly.chunkn = 0;
	}
	queue_drop(b);
	return s;
}

/*
 * Take the entry in flight (if any) into *out once it is signed: its hash
 * becomes the head of its state, so the next entry can be begun on it, but
 * it is not stored yet (put_landed).
 */
static enum am_status land(struct am_body *b, struct am_flight *out, struct am_err *e)
{
	*out = b->fly;
	memset(&b->fly, 0, sizeof(b->fly));
	if (!out->on)
		return AM_OK;
	if (am_signer_wait(b->sgn, out->sig) != 0) {
		flight_release(out);
		return am_fail(e, AM_EINPUT, "signing failed");
	}
	am_entry_hash(out->hash, out->ap.hb.data, out->ap.hb.len, out->sig);
	am_append_link(out->work, &out->ap, out->hash);
	return AM_OK;
}

/* References (n, at src) to entries that moved up from `from` by `moved`, into dst. */
static void move_refs(unsigned char *dst, const unsigned char *src, uint32_t n, uint64_t from,
		      uint64_t moved)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t r = am_get_u64(src + 8 * (size_t)i);
		am_put_u64(dst + 8 * (size_t)i, r >= from ? r + moved : r);
	}
}

/*
 * Chain one queued entry again at the end of work and sign it here.  Its
 * references to entries that waited with it (seq from on) move with them.
 */
static enum am_status rechain_one(struct am_flight *f, struct am_trusted *work,
				  const struct am_identity *signer, uint64_t from, uint64_t moved,
				  struct am_err *e)
{
	struct am_appending old = f->ap;
	struct am_header h;
	unsigned char *refs = NULL;
	char why[160];
	enum am_status s;

	/* h points into old's bytes (refs, payload), which live until it is encoded again */
	if (am_header_parse(old.hb.data, old.hb.len, &h, why, sizeof(why)) != 0) {
		s = am_fail(e, AM_EINPUT, "internal: a queued header does not parse: %s", why);
		goto cleanup;
	}
	if (h.nrefs > 0) {
		refs = malloc((size_t)h.nrefs * 8);
		if (refs == NULL) {
			s = am_fail(e, AM_ENOMEM, "out of memory");
			goto cleanup;
		}
		move_refs(refs, h.refs, h.nrefs, from, moved);
		h.refs = refs;
	}
	s = am_authorise(f->v, &work->auth, signer, h.type, e);
	if (s == AM_OK)
		s = am_append_begin(f->v, work, signer, &h, &f->ap, e);
	if (s != AM_OK) {
		f->ap = old;
		free(refs);
		return s;
	}
	if (am_sign(f->sig, f->ap.sb.data, f->ap.sb.len, signer->sign_sk) != 0) {
		s = am_fail(e, AM_EINPUT, "signing failed");
		goto cleanup;
	}
	am_entry_hash(f->hash, f->ap.hb.data, f->ap.hb.len, f->sig);
	am_append_link(work, &f->ap, f->hash);
	f->work = work;
cleanup:
	am_appending_release(&old);
	free(refs);
	return s;
}

enum am_status am_body_rechain(struct am_body *b, struct am_trusted *work,
			       const struct am_identity *signer, uint64_t from, uint64_t moved,
			       struct am_err *e)
{
	unsigned char *pks = NULL, sig[AM_SIG_LEN];
	enum am_status s = AM_OK;
	size_t n = 0;
	int same;

	if (am_auth_recipients(&work->auth, &pks, &n) != 0)
		return am_fail(e, AM_ENOMEM, "out of memory");
	/* the wrap keys' use count does not matter here: only to whom they wrap */
	same = n > 0 && (b->bw == NULL || am_bwrap_to(b->bw, pks, n));
	free(pks);
	if (!same)
		return am_fail(e, AM_EIO, "the custodians of the vault changed while the entries "
			       "before were committed; the entries after them were not sealed");
	b->moved_from = from;
	b->moved = moved;
	/* the entry being signed joins the queue: its signature names the old place */
	if (b->fly.on) {
		struct am_flight f = b->fly;
		memset(&b->fly, 0, sizeof(b->fly));
		if (am_signer_wait(b->sgn, sig) == 0)
			am_wipe(sig, sizeof(sig));
		s = enqueue(b, &f, e);
	}
	for (size_t i = 0; i < b->nq && s == AM_OK; i++)
		s = rechain_one(&b->q[i], work, signer, from, moved, e);
	return s;
}

/* Store a landed entry (nothing if none) and release it. */
static enum am_status put_landed(struct am_flight *f, struct am_err *e)
{
	enum am_status s = AM_OK;

	if (f->on)
		s = put_queued(f, e);
	flight_release(f);
	return s;
}

enum am_status am_body_settle(struct am_body *b, struct am_err *e)
{
	struct am_flight f;
	enum am_status s = land(b, &f, e);

	return s == AM_OK ? put_landed(&f, e) : s;
}

/* The failure of a seal stopped by its caller's flag (am_seal_req.stop). */
static enum am_status interrupted(struct am_err *e)
{
	return am_fail(e, AM_EIO, "interrupted: nothing was sealed");
}

static int stopped(const volatile sig_atomic_t *stop)
{
	return stop != NULL && *stop != 0;
}

/* Where content comes from: a file descriptor, or memory. */
struct source {
	int fd;
	const unsigned char *p;
	size_t left;
	const volatile sig_atomic_t *stop;
};

/*
 * Read up to one chunk (fd -1 and no memory reads nothing).  A read
 * interrupted by a signal is resumed unless stop has been set, so that a
 * seal waiting on a pipe or a terminal can still be stopped.
 */
static enum am_status read_chunk(struct source *src, unsigned char *buf, size_t *got,
				 struct am_err *e)
{
	size_t n = 0;

	*got = 0;
	if (src->p != NULL) {
		n = src->left < AM_CHUNK_SIZE ? src->left : AM_CHUNK_SIZE;
		memcpy(buf, src->p, n);
		src->p += n;
		src->left -= n;
		*got = n;
		return AM_OK;
	}
	while (src->fd >= 0 && n < AM_CHUNK_SIZE) {
		ssize_t r = read(src->fd, buf + n, AM_CHUNK_SIZE - n);
		if (r < 0 && errno == EINTR && stopped(src->stop))
			return interrupted(e);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return am_fail(e, AM_EIO, "cannot read the input: %s", strerror(errno));
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*got = n;
	return AM_OK;
}

/*
 * Sealing content, on one or two cores.  One chunk is sealed inline (most
 * small records); longer content goes through the pipeline of pipe.h: the
 * calling thread reads and hashes the plaintext in order, either thread
 * compresses and encrypts a chunk and computes its own hash (FORMAT.md §28),
 * and the worker stores the ciphertext in order.
 */
struct seal_thread {
	unsigned char *packed; /* mode byte + maybe-compressed plaintext, secure */
	struct am_zarena *za;  /* zlib's working memory */
};

struct store_ctx {
	struct am_vault *v;
	uint64_t seq;
	const unsigned char *key; /* chunk subkey, secure */
	const unsigned char *ad;
	size_t adlen;
	int compress;
	struct seal_thread th[2]; /* [0] the calling thread's, [1] the worker's */
	struct am_ct_hash ct_hash;
	int wb_fd;          /* SQLite's descriptor of the vault, for early writeback; -1: none */
	uint64_t wb_since;  /* bytes stored since the last writeback hint */
};

/*
 * Seal chunk idx, the n plaintext bytes at in, into out (*ctn bytes) and
 * its §28 hash into leaf.  in may be out + 1: content stored as it is (media,
 * or what the probe says will not compress) is then encrypted in place.  The
 * plaintext is wiped or overwritten by the ciphertext.
 */
static enum am_status seal_chunk(const struct store_ctx *sc, struct seal_thread *t,
				 unsigned char *in, size_t n, uint64_t idx, int last,
				 unsigned char *out, size_t *ctn, unsigned char leaf[AM_HASH_LEN],
				 struct am_err *e)
{
	unsigned char nonce[AM_NONCE_LEN];
	const unsigned char *m = t->packed;
	size_t mn = 0;
	int deflated = sc->compress && am_chunk_deflate(t->packed, &mn, in, n, t->za);

	if (!deflated && in == out + 1) {
		/* stored (media, or nothing to gain): encrypted in place, no copy */
		out[0] = AM_CHUNK_STORED;
		m = out;
		mn = n + 1;
	} else {
		if (!deflated)
			am_chunk_pack_in(t->packed, &mn, in, n, 0, NULL);
		am_wipe(in, n);
	}
	am_chunk_nonce(nonce, idx, last);
	if (am_aead_seal(out, m, mn, sc->ad, sc->adlen, nonce, sc->key) != 0)
		return am_fail(e, AM_EINPUT, "sealing chunk %llu failed", (unsigned long long)idx);
	if (m == t->packed)
		am_wipe(t->packed, mn);
	*ctn = mn + AM_AEAD_TAG_LEN;
	am_ct_chunk_hash(leaf, out, *ctn);
	return AM_OK;
}

/* Store a sealed chunk (in order), and now and then start writing it back. */
static enum am_status store_chunk(struct store_ctx *sc, uint64_t idx, const unsigned char *ct,
				  size_t ctn, const unsigned char leaf[AM_HASH_LEN],
				  struct am_err *e)
{
	am_ct_hash_add_leaf(&sc->ct_hash, leaf, ctn);
	if (sc->wb_fd >= 0)
		am_writeback(sc->wb_fd, &sc->wb_since, ctn);
	return am_db_put_chunk(sc->v, sc->seq, idx, ct, ctn, e);
}

/* Pipeline work: the slot's plaintext is at buf + 1; it is sealed in place. */
static enum am_status seal_work(void *ctx, int thread, struct am_pipe_slot *slot,
				struct am_err *e)
{
	struct store_ctx *sc = ctx;
	size_t ctn = 0;
	enum am_status s = seal_chunk(sc, &sc->th[thread], slot->buf + 1, slot->len, slot->idx,
				      slot->last, slot->buf, &ctn, slot->leaf, e);

	slot->len = ctn;
	return s;
}

static enum am_status store_drain(void *ctx, struct am_pipe_slot *slot, struct am_err *e)
{
	return store_chunk(ctx, slot->idx, slot->buf, slot->len, slot->leaf, e);
}

/* A slot holding n bytes copied from p: the content read before the pipeline started. */
static struct am_pipe_slot *slot_from(struct am_pipe *pipe, const unsigned char *p, size_t n)
{
	struct am_pipe_slot *slot = am_pipe_get(pipe);

	if (slot != NULL) {
		memcpy(slot->buf + 1, p, n);
		slot->len = n;
	}
	return slot;
}

/*
 * Content longer than one chunk, through the pipeline: b->cur holds chunk 0
 * (have bytes, a full chunk), b->next the `more` bytes (at least one) read
 * after it.  Each chunk is read into a slot; it is known to be the last only
 * once the read after it comes back empty.
 */
static enum am_status seal_stream(struct am_body *b, struct store_ctx *sc, struct source *src,
				  struct am_header *h, size_t have, size_t more,
				  am_sha256_ctx *pt_hash, const struct am_progress *pr,
				  uint64_t *count, struct am_err *e)
{
	struct am_pipe pipe;
	struct am_pipe_slot *cur, *nxt;
	enum am_status s, ws;
	uint64_t idx = 0;

	s = am_pipe_start(&pipe, am_chunk_pt_max(AM_CHUNK_SIZE) + AM_AEAD_TAG_LEN, 0, 1, seal_work,
			  store_drain, sc, e);
	if (s != AM_OK)
		return s;
	cur = slot_from(&pipe, b->cur, have);
	nxt = slot_from(&pipe, b->next, more);
	while (cur != NULL && s == AM_OK) {
		int last = nxt == NULL;

		if (stopped(src->stop)) {
			s = interrupted(e);
			break;
		}
		/* before it is handed over: sealing overwrites it */
		am_sha256_update(pt_hash, cur->buf + 1, cur->len);
		cur->idx = idx++;
		cur->last = last;
		h->size += cur->len;
		am_pipe_put(&pipe);
		if (pr->fn != NULL)
			pr->fn(pr->ctx, h->size, 0);
		if (last)
			break;
		cur = nxt;
		nxt = NULL;
		if (cur->len == AM_CHUNK_SIZE) {
			nxt = am_pipe_get(&pipe);
			if (nxt == NULL)
				break; /* the pipeline failed; its error is returned below */
			s = read_chunk(src, nxt->buf + 1, &nxt->len, e);
			if (s == AM_OK && nxt->len == 0) {
				am_pipe_unget(&pipe);
				nxt = NULL;
			}
		}
	}
	ws = am_pipe_finish(&pipe, s == AM_OK ? e : NULL);
	*count = idx;
	return s == AM_OK ? ws : s;
}

/*
 * Stream the content into sealed chunks of entry h, filling its size, chunk
 * and ciphertext fields (the per-chunk content hash of §28) and the
 * plaintext SHA-256.
 */
static enum am_status seal_content(struct am_vault *v, struct am_body *b,
				   const struct am_trusted *work, struct am_header *h,
				   struct source *src, int compress, const struct am_progress *pr,
				   unsigned char sha[AM_HASH_LEN], struct am_err *e)
{
	am_sha256_ctx pt_hash;
	unsigned char ad[AM_AD_MAX];
	size_t have = 0, more = 0;
	struct store_ctx sc;
	enum am_status s;
	uint64_t count = 1;

	am_sha256_init(&pt_hash);
	memset(&sc, 0, sizeof(sc));
	sc.v = v;
	sc.seq = h->seq;
	sc.key = b->chunk_key;
	sc.ad = ad;
	sc.compress = compress;
	sc.th[0].packed = b->packed;
	sc.th[0].za = b->za;
	sc.wb_fd = -1;
	am_ct_hash_init(&sc.ct_hash, h->flags);
	am_chunk_ad(ad, &sc.adlen, h->vault_id, h->uid);
	h->chunk_size = AM_CHUNK_SIZE;
	/* a stop that came while waiting for the lock: do not wait on the input too */
	s = stopped(src->stop) ? interrupted(e) : read_chunk(src, b->cur, &have, e);
	if (s == AM_OK && have == AM_CHUNK_SIZE)
		s = read_chunk(src, b->next, &more, e);
	if (s == AM_OK && more == 0) {
		/* one chunk (most small records): seal it here, no worker thread */
		unsigned char leaf[AM_HASH_LEN];
		size_t ctn = 0;
		am_sha256_update(&pt_hash, b->cur, have);
		h->size = have;
		s = seal_chunk(&sc, &sc.th[0], b->cur, have, 0, 1, b->ct, &ctn, leaf, e);
		if (s == AM_OK && b->defer) {
			/* the entry before may still be signing: this chunk is stored after it (body_seal) */
			am_ct_hash_add_leaf(&sc.ct_hash, leaf, ctn);
			b->ct_held = ctn;
		} else if (s == AM_OK) {
			s = store_chunk(&sc, 0, b->ct, ctn, leaf, e);
		}
		if (s == AM_OK && pr->fn != NULL)
			pr->fn(pr->ctx, h->size, 0);
		/* only what this small entry used: wiping 3 MiB each would cost more than it */
		am_wipe(b->cur, have);
		am_wipe(b->packed, am_chunk_pt_max(have));
	} else if (s == AM_OK) {
		/*
		 * chunks stored as they come: SQLite back from the commit (which may
		 * put this entry after another writer's), the entry before first
		 */
		if (b->queue_on && (s = b->need_store(b->need_ctx, e)) == AM_OK)
			h->seq = sc.seq = work->size + (b->fly.on ? 1 : 0);
		if (s == AM_OK)
			s = am_body_settle(b, e);
		/* the worker compresses too when there is anything to compress */
		if (s == AM_OK && compress) {
			sc.th[1].packed = am_secure_alloc(am_chunk_pt_max(AM_CHUNK_SIZE));
			sc.th[1].za = am_zarena_new();
			if (sc.th[1].packed == NULL || sc.th[1].za == NULL)
				s = am_fail(e, AM_ENOMEM, "cannot allocate memory for sealing");
		}
		sc.wb_fd = am_vault_writeback_fd(v); /* SQLite's: not closed here */
		if (s == AM_OK)
			s = seal_stream(b, &sc, src, h, have, more, &pt_hash, pr, &count, e);
		am_secure_free(sc.th[1].packed);
		am_zarena_free(sc.th[1].za);
		am_wipe(b->cur, AM_CHUNK_SIZE);
		am_wipe(b->next, AM_CHUNK_SIZE);
		am_wipe(b->packed, am_chunk_pt_max(AM_CHUNK_SIZE));
	}
	if (s != AM_OK)
		return s;
	h->chunk_count = count;
	h->ct_size = sc.ct_hash.bytes;
	am_ct_hash_final(&sc.ct_hash, h->ct_hash);
	am_sha256_final(&pt_hash, sha);
	return AM_OK;
}

/* Seal the private fields: salts drawn here, root and ciphertext into h. */
static enum am_status seal_fields(struct am_body *b, struct am_header *h, struct am_fields *f,
				  unsigned char **meta, size_t *mn, struct am_err *e)
{
	unsigned char ad[AM_AD_MAX], nonce[AM_NONCE_LEN];
	struct am_buf pt;
	size_t adlen;

	*meta = NULL;
	*mn = 0;
	for (size_t i = 0; i < f->n; i++)
		am_rpool_draw(b->rp, f->v[i].salt, AM_SALT_LEN);
	am_fields_root(h->fields_root, f);
	am_buf_init(&pt);
	am_fields_encode(&pt, f);
	if (pt.oom || pt.len > AM_MAX_META) {
		am_buf_release(&pt);
		return am_fail(e, pt.oom ? AM_ENOMEM : AM_EINPUT, "metadata is too large");
	}
	*meta = malloc(pt.len + AM_AEAD_TAG_LEN);
	if (*meta == NULL) {
		am_buf_release(&pt);
		return am_fail(e, AM_ENOMEM, "out of memory");
	}
	/* the meta key seals exactly one message, so a fixed nonce is safe */
	memset(nonce, 0, sizeof(nonce));
	am_meta_ad(ad, &adlen, h->vault_id, h->uid);
	if (am_aead_seal(*meta, pt.data, pt.len, ad, adlen, nonce, b->meta_key) != 0) {
		am_buf_release(&pt);
		free(*meta);
		*meta = NULL;
		return am_fail(e, AM_EINPUT, "sealing metadata failed");
	}
	*mn = pt.len + AM_AEAD_TAG_LEN;
	h->meta_size = (uint32_t)*mn;
	am_sha256(h->meta_hash, *meta, *mn);
	am_buf_release(&pt); /* wipes the plaintext */
	return AM_OK;
}

void am_body_batch_end(struct am_body *b)
{
	am_bwrap_free(b->bw);
	b->bw = NULL;
}

/*
 * A fresh content key for entry h (its vault id and uid set), wrapped to
 * every current custodian (into w), and its subkeys.  In a batch of more
 * than one, the batch's wrap keys seal it (FORMAT.md §29: one X25519 per
 * custodian and batch, *flags gets the bit); otherwise a sealed box each.
 */
static enum am_status body_key(struct am_body *b, const struct am_auth *a,
			       const struct am_header *h, struct am_buf *w, unsigned *flags,
			       struct am_err *e)
{
	unsigned char *pks = NULL, wrapped[AM_WRAP_LEN];
	enum am_status s = AM_OK;
	size_t n = 0;

	if (am_auth_recipients(a, &pks, &n) != 0)
		return am_fail(e, AM_ENOMEM, "out of memory");
	if (n == 0) {
		free(pks);
		return am_fail(e, AM_EAUTH, "the vault has no custodian to seal to");
	}
	am_rpool_draw(b->rp, b->key, AM_KEY_LEN);
	if (b->pooled && !am_bwrap_for(b->bw, pks, n)) {
		/* the first entry of the batch, or custodians that changed: new wrap keys */
		am_bwrap_free(b->bw);
		b->bw = am_bwrap_start(pks, n);
		if (b->bw == NULL)
			s = am_fail(e, AM_ENOMEM, "cannot draw the batch's wrap keys");
	}
	if (s == AM_OK && b->pooled) {
		*flags |= AM_HF_BWRAP;
		if (am_bwrap_seal(b->bw, b->rp, b->key, h->vault_id, h->uid, w) != 0)
			s = am_fail(e, AM_EINPUT, "wrapping the content key failed");
	} else if (s == AM_OK) {
		am_buf_u32(w, (uint32_t)n);
		for (size_t i = 0; i < n && s == AM_OK; i++) {
			if (am_wrap(wrapped, b->key, pks + i * AM_BOX_PK_LEN) != 0)
				s = am_fail(e, AM_EINPUT, "wrapping the content key failed");
			am_buf_add(w, pks + i * AM_BOX_PK_LEN, AM_BOX_PK_LEN);
			am_buf_add(w, wrapped, AM_WRAP_LEN);
		}
	}
	free(pks);
	if (s == AM_OK && w->oom)
		s = am_fail(e, AM_ENOMEM, "out of memory");
	if (s == AM_OK && (am_subkey(b->chunk_key, b->key, 1, AM_KDF_CTX_CHUNK) != 0 ||
			   am_subkey(b->meta_key, b->key, 2, AM_KDF_CTX_META) != 0))
		s = am_fail(e, AM_EINPUT, "key derivation failed");
	return s;
}

/* Copy fields (without salts) so that sealing can add to them. */
static enum am_status fields_copy(struct am_fields *dst, const struct am_fields *src,
				  struct am_err *e)
{
	enum am_status s = AM_OK;

	am_fields_init(dst);
	for (size_t i = 0; src != NULL && i < src->n && s == AM_OK; i++)
		s = am_fields_set(dst, src->v[i].name, src->v[i].value, src->v[i].vlen, e);
	return s;
}

enum am_status am_body_seal(struct am_vault *v, struct am_body *b, struct am_trusted *work,
			    const struct am_identity *signer, unsigned type, unsigned flags,
			    const struct am_seal_req *req, const unsigned char *payload, size_t pn,
			    struct am_seal_result *res, struct am_err *e)
{
	struct am_header h;
	struct am_fields f;
	struct am_buf wraps, refbuf;
	struct source src = { req->fd, req->data, req->len, req->stop };
	unsigned char sha[AM_HASH_LEN], *meta = NULL;
	char hex[2 * AM_HASH_LEN + 1], num[24];
	size_t mn = 0;
	enum am_status s;
	int piped;

	memset(&h, 0, sizeof(h));
	memset(res, 0, sizeof(*res));
	am_buf_init(&wraps);
	am_buf_init(&refbuf);
	if (src.fd >= 0)
		src.p = NULL;
	else if (src.p == NULL)
		src.left = 0;
	if (req->nrefs > AM_MAX_REFS)
		return am_fail(e, AM_EINPUT, "too many references");
	/* a batch signs each entry on a second core while it prepares the next */
	piped = b->pooled && (b->sgn != NULL || (b->sgn = am_signer_start(signer->sign_sk)) != NULL);
	b->defer = piped;
	b->ct_held = 0;
	/* signed and stored here (no signing thread): SQLite back from the commit first */
	if (!piped && b->queue_on) {
		s = b->need_store(b->need_ctx, e);
		if (s != AM_OK)
			return s;
	}
	/* the content's (and the wraps') associated data names the vault and the entry's uid */
	h.seq = work->size + (b->fly.on ? 1 : 0);
	memcpy(h.vault_id, work->vault_id, AM_VAULT_ID_LEN);
	am_rpool_draw(b->rp, h.uid, AM_UID_LEN);
	s = fields_copy(&f, req->fields, e);
	if (s == AM_OK)
		s = am_authorise(v, &work->auth, signer, type, e);
	if (s == AM_OK)
		s = body_key(b, &work->auth, &h, &wraps, &flags, e);
	if (s != AM_OK)
		goto cleanup;
	h.wraps_size = (uint32_t)wraps.len;
	am_sha256(h.wraps_hash, wraps.data, wraps.len);
	h.type = (uint8_t)type;
	/* new content is hashed chunk by chunk (FORMAT.md §28) */
	h.flags = (uint8_t)(flags | AM_HF_CHUNK_HASHED);
	for (size_t i = 0; i < req->nrefs; i++) {
		if (req->refs[i] >= h.seq || (i > 0 && req->refs[i] <= req->refs[i - 1])) {
			s = am_fail(e, AM_EINPUT, "%s: entry %llu does not exist", v->path,
				    (unsigned long long)req->refs[i]);
			goto cleanup;
		}
		am_buf_u64(&refbuf, req->refs[i]);
	}
	h.refs = refbuf.data;
	h.nrefs = (uint32_t)req->nrefs;
	h.payload = payload;
	h.payload_len = (uint32_t)pn;
	memcpy(h.signer, signer->sign_pk, AM_SIGN_PK_LEN);
	b->moved = 0;
	s = seal_content(v, b, work, &h, &src, type != AM_T_MEDIA, &req->progress, sha, e);
	if (s != AM_OK)
		goto cleanup;
	/* chained again midway (need_store): its references to the entries that moved move too */
	if (b->moved > 0 && !refbuf.oom)
		move_refs(refbuf.data, refbuf.data, h.nrefs, b->moved_from, b->moved);
	am_hex(hex, sha, sizeof(sha));
	snprintf(num, sizeof(num), "%llu", (unsigned long long)h.size);
	if (type != AM_T_CUSTODY) {
		s = am_fields_set(&f, "sha256", hex, strlen(hex), e);
		if (s == AM_OK)
			s = am_fields_set(&f, "size", num, strlen(num), e);
		if (s != AM_OK)
			goto cleanup;
	}
	s = seal_fields(b, &h, &f, &meta, &mn, e);
	if (s == AM_OK && refbuf.oom)
		s = am_fail(e, AM_ENOMEM, "out of memory");
	/* the last moment a stop can still leave nothing behind */
	if (s == AM_OK && stopped(req->stop))
		s = interrupted(e);
	if (s == AM_OK && piped) {
		struct am_flight prev;
		/*
		 * The entry before, once signed, gives this one its prev hash; it is
		 * stored while this one is being signed, and then this one's chunk.
		 */
		s = land(b, &prev, e);
		if (s == AM_OK && h.seq != work->size)
			s = am_fail(e, AM_EINPUT, "internal: entry %llu sealed as %llu",
				    (unsigned long long)work->size, (unsigned long long)h.seq);
		if (s == AM_OK)
			s = am_append_begin(v, work, signer, &h, &b->fly.ap, e);
		if (s == AM_OK) {
			b->fly.on = 1;
			b->fly.v = v;
			b->fly.work = work;
			b->fly.wraps = wraps;
			am_buf_init(&wraps);
			b->fly.meta = meta;
			b->fly.mn = mn;
			meta = NULL;
			am_signer_submit(b->sgn, b->fly.ap.sb.data, b->fly.ap.sb.len);
			s = b->queue_on ? enqueue(b, &prev, e) : put_landed(&prev, e);
		} else {
			flight_release(&prev);
		}
		if (s == AM_OK && b->ct_held > 0 && b->queue_on) {
			/* kept with its entry until SQLite is back (am_body_flush) */
			b->fly.chunk = malloc(b->ct_held);
			if (b->fly.chunk == NULL)
				s = am_fail(e, AM_ENOMEM, "out of memory");
			else
				memcpy(b->fly.chunk, b->ct, b->ct_held);
			b->fly.chunkn = b->fly.chunk != NULL ? b->ct_held : 0;
		} else if (s == AM_OK && b->ct_held > 0) {
			s = am_db_put_chunk(v, h.seq, 0, b->ct, b->ct_held, e);
		}
	} else if (s == AM_OK) {
		s = am_append_entry(v, work, signer, &h, wraps.data, wraps.len, meta, mn, e);
	}
	if (s == AM_OK) {
		res->seq = h.seq;
		res->size = h.size;
		memcpy(res->sha256, sha, AM_HASH_LEN);
	}
cleanup:
	b->defer = 0;
	b->ct_held = 0;
	am_wipe(b->key, AM_KEY_LEN);
	am_wipe(b->chunk_key, AM_KEY_LEN);
	am_wipe(b->meta_key, AM_KEY_LEN);
	free(meta);
	am_buf_release(&wraps);
	am_buf_release(&refbuf);
	am_fields_release(&f);
	return s;
}
