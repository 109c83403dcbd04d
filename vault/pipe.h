/*
 * pipe.h — a pipeline for streaming content over two cores.  Chunks pass
 * through three stages:
 *
 *   fill  (the calling thread, in order): read a chunk into a slot, do what
 *         must see the chunks one after another (the plaintext SHA-256);
 *   work  (either thread, any order): what each chunk needs alone (encrypt or
 *         decrypt, the chunk's own hash of FORMAT.md §28);
 *   drain (the worker thread, in order): store or write, feed running hashes.
 *
 * The calling thread fills slots while one is free and otherwise does the
 * work of filled slots; the worker drains finished slots in order and
 * otherwise does work too, so neither core waits while there is work.  A
 * slot's work that fails is reported when its turn to drain comes, so the
 * error named is that of the first failing chunk in order.
 */
#ifndef AMANAT_PIPE_H
#define AMANAT_PIPE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../crypto/crypto.h"

#define AM_PIPE_SLOTS 6
/* the most the slots may take before there are fewer of them (at least 2) */
#define AM_PIPE_MEMORY (16u << 20)

struct am_pipe_slot {
	unsigned char *buf;   /* bufsize bytes (secure memory for plaintext) */
	unsigned char *aux;   /* auxsize bytes when asked for, else NULL (secure likewise) */
	size_t len;           /* bytes in buf */
	size_t want;          /* the caller's: e.g. plaintext bytes expected */
	const unsigned char *out; /* the caller's: e.g. where work left the result */
	uint64_t idx;
	int last;
	unsigned char leaf[AM_HASH_LEN]; /* the chunk's own hash (§28), set by work */
	/* the pipeline's */
	int state;
	enum am_status st;
	struct am_err err;
};

/* Per-chunk work; thread is 0 on the calling thread, 1 on the worker. */
typedef enum am_status (*am_pipe_work)(void *ctx, int thread, struct am_pipe_slot *slot,
				       struct am_err *e);
/* In-order work on the worker thread. */
typedef enum am_status (*am_pipe_drain)(void *ctx, struct am_pipe_slot *slot, struct am_err *e);

struct am_pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t worker;
	int started, done, stop;
	struct am_pipe_slot slots[AM_PIPE_SLOTS];
	size_t n;                     /* slots in use: AM_PIPE_SLOTS, fewer for big chunks */
	size_t tail, count, reserved; /* [tail, tail+count) handed over, then reserved ones */
	size_t bufsize, auxsize;
	int secure;
	am_pipe_work work;
	am_pipe_drain drain;
	void *ctx;
	enum am_status st;
	struct am_err err;
};

/*
 * Start a worker with AM_PIPE_SLOTS slots (fewer if they would take more
 * than AM_PIPE_MEMORY, but at least 2) of bufsize bytes (and auxsize
 * bytes of aux each, if not 0), in secure memory when secure; work may be
 * NULL (nothing per chunk).
 */
AM_WUR enum am_status am_pipe_start(struct am_pipe *p, size_t bufsize, size_t auxsize,
				    int secure, am_pipe_work work, am_pipe_drain drain, void *ctx,
				    struct am_err *e);
/*
 * The next slot to fill, in order (several may be taken before they are put),
 * doing other slots' work while none is free; NULL once the pipeline failed.
 */
struct am_pipe_slot *am_pipe_get(struct am_pipe *p);
/* Hand over the oldest slot taken by am_pipe_get and not yet put. */
void am_pipe_put(struct am_pipe *p);
/* Give back the newest slot taken and not put (it was not needed). */
void am_pipe_unget(struct am_pipe *p);
/*
 * No more slots: help with the work left, wait for the worker to drain
 * everything and stop.  Returns the pipeline's status (its message in e when
 * e is not NULL).  Frees the buffers (wiping secure ones).  Call it on every
 * path once am_pipe_start succeeded.
 */
AM_WUR enum am_status am_pipe_finish(struct am_pipe *p, struct am_err *e);

#endif
