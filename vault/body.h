/*
 * body.h — sealing one entry's body and appending it (body.c), for the
 * batches of batch.c.  Internal to vault/.
 */
#ifndef AMANAT_BODY_H
#define AMANAT_BODY_H

#include "vault_int.h"

/* Buffers for sealing, kept for a whole batch (secure where they hold secrets). */
struct am_body {
	unsigned char *key;        /* content key, secure */
	unsigned char *chunk_key;  /* secure */
	unsigned char *meta_key;   /* secure */
	unsigned char *cur, *next; /* plaintext read buffers, secure */
	unsigned char *packed;     /* mode byte + maybe-compressed plaintext, secure */
	unsigned char *ct;         /* one chunk's ciphertext */
	struct am_zarena *za;      /* zlib's working memory, secure */
	struct am_rpool *rp;       /* keys, uids, salts and nonces: four draws an entry */
	int pooled;                /* a batch of more than one: batch wraps (FORMAT.md §29) */
	struct am_bwrap *bw;       /* the batch's wrap keys, from its first entry to its end */
	/* pooled: the entry before is signed on a second core while this one is prepared */
	struct am_signer *sgn;
	struct am_flight {
		int on;            /* an entry begun, its signature being made */
		struct am_vault *v;
		struct am_trusted *work;
		struct am_appending ap;
		struct am_buf wraps;
		unsigned char *meta;
		size_t mn;
		unsigned char sig[AM_SIG_LEN], hash[AM_HASH_LEN]; /* once signed */
		unsigned char *chunk; /* queued: its one chunk's ciphertext, not stored yet */
		size_t chunkn;
	} fly;
	int defer;                 /* hold a one-chunk entry's ciphertext in ct */
	size_t ct_held;            /* its length, 0 when none is held */
	/*
	 * While the batch before is committed on another thread, SQLite is not
	 * touched: signed entries wait here, in order, with their chunks, and
	 * content of more than one chunk first calls need_store, which takes
	 * SQLite back and stores the queue (on the same work, which another
	 * writer's entries may have moved on; the custodians it checked).
	 */
	int queue_on;
	struct am_flight *q;
	size_t nq, capq, q_bytes;
	enum am_status (*need_store)(void *ctx, struct am_err *e);
	void *need_ctx;
	/* set by am_body_rechain: the entries from moved_from on moved up by moved */
	uint64_t moved_from, moved;
};

AM_WUR enum am_status am_body_alloc(struct am_body *b, struct am_err *e);
/* Wipes and frees. */
void am_body_release(struct am_body *b);
/* The batch ended (committed, failed or stopped): wipe its wrap keys. */
void am_body_batch_end(struct am_body *b);
/* Store the entry whose signature is in flight, if any (before a checkpoint or commit). */
AM_WUR enum am_status am_body_settle(struct am_body *b, struct am_err *e);
/* Forget the entry in flight and the queue (its transaction is rolled back). */
void am_body_abandon(struct am_body *b);
/*
 * Store the queued entries in order, each chunk before its row, then the
 * chunk of the entry in flight, and stop queueing; on work's transaction.
 */
AM_WUR enum am_status am_body_flush(struct am_body *b, struct am_err *e);
/*
 * Another writer appended while the queue waited: chain the queued entries
 * (and the one in flight, whose signature is dropped) again on work, which
 * holds the log as it is now, each re-signed by signer here; they keep
 * their content, wraps and metadata, which name the vault and the entry's
 * uid but not its place.  They were numbered from `from` and move up by
 * `moved`, and so do their references to each other.  AM_EIO when the
 * custodians changed meanwhile (the wraps would be to the old ones): the
 * caller drops the queue.
 */
AM_WUR enum am_status am_body_rechain(struct am_body *b, struct am_trusted *work,
				      const struct am_identity *signer, uint64_t from,
				      uint64_t moved, struct am_err *e);

/*
 * Seal req (content from req->fd, or req->data when fd is -1) as an entry of
 * type with header flags, signed by signer, wrapped to work's custodians,
 * and append it on work inside the caller's transaction (no checkpoint, no
 * commit).  res gets seq, size and sha256.  Fields gain "sha256" and "size"
 * (not for custody).  A fresh content key per entry, wiped after.
 */
AM_WUR enum am_status am_body_seal(struct am_vault *v, struct am_body *b,
				   struct am_trusted *work, const struct am_identity *signer,
				   unsigned type, unsigned flags, const struct am_seal_req *req,
				   const unsigned char *payload, size_t pn,
				   struct am_seal_result *res, struct am_err *e);

#endif
