/*
 * pipe.h — a two-stage pipeline for streaming content: the calling thread
 * fills buffers while one worker thread drains them, so sealing and reading
 * use both cores (hashing on one, encryption and storage on the other).
 * Order is kept: slots are drained in the order they were put.
 */
#ifndef AMANAT_PIPE_H
#define AMANAT_PIPE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"

#define AM_PIPE_SLOTS 3

struct am_pipe_slot {
	unsigned char *buf;
	size_t len;
	uint64_t idx;
	int last;
};

/* Drains one slot on the worker thread; returns AM_OK or fills e. */
typedef enum am_status (*am_pipe_drain)(void *ctx, struct am_pipe_slot *slot, struct am_err *e);

struct am_pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t worker;
	int started, done, stop;
	struct am_pipe_slot slots[AM_PIPE_SLOTS];
	size_t bufsize, head, tail, count;
	int secure;
	am_pipe_drain drain;
	void *ctx;
	enum am_status st;
	struct am_err err;
};

/*
 * Start a worker with AM_PIPE_SLOTS buffers of bufsize bytes (secure memory
 * when they will hold plaintext).
 */
AM_WUR enum am_status am_pipe_start(struct am_pipe *p, size_t bufsize, int secure,
				    am_pipe_drain drain, void *ctx, struct am_err *e);
/* A free slot to fill, or NULL once the worker has failed. */
struct am_pipe_slot *am_pipe_get(struct am_pipe *p);
/* Hand the slot from am_pipe_get to the worker. */
void am_pipe_put(struct am_pipe *p);
/*
 * No more slots: wait for the worker to drain everything and stop.  Returns
 * the worker's status (its message in e).  Frees the buffers (wiping secure
 * ones).  Call it on every path once am_pipe_start succeeded.
 */
AM_WUR enum am_status am_pipe_finish(struct am_pipe *p, struct am_err *e);

#endif
