/* pipe.c — the two-stage pipeline of pipe.h. */
#include "pipe.h"
#include "worker.h"

#include <stdlib.h>
#include <string.h>

#include "../crypto/crypto.h"

static void *run(void *arg)
{
	struct am_pipe *p = arg;

	for (;;) {
		struct am_pipe_slot *s;
		enum am_status st;

		pthread_mutex_lock(&p->mu);
		while (p->count == 0 && !p->done && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->count == 0 || p->stop) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		s = &p->slots[p->tail];
		pthread_mutex_unlock(&p->mu);
		st = p->drain(p->ctx, s, &p->err);
		pthread_mutex_lock(&p->mu);
		if (st != AM_OK) {
			p->st = st;
			p->stop = 1;
		}
		p->tail = (p->tail + 1) % AM_PIPE_SLOTS;
		p->count--;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (st != AM_OK)
			break;
	}
	return NULL;
}

static void free_bufs(struct am_pipe *p)
{
	for (int i = 0; i < AM_PIPE_SLOTS; i++) {
		if (p->secure)
			am_secure_free(p->slots[i].buf);
		else
			free(p->slots[i].buf);
		p->slots[i].buf = NULL;
	}
}

enum am_status am_pipe_start(struct am_pipe *p, size_t bufsize, int secure, am_pipe_drain drain,
			     void *ctx, struct am_err *e)
{
	memset(p, 0, sizeof(*p));
	p->bufsize = bufsize;
	p->secure = secure;
	p->drain = drain;
	p->ctx = ctx;
	am_err_init(&p->err);
	for (int i = 0; i < AM_PIPE_SLOTS; i++) {
		p->slots[i].buf = secure ? am_secure_alloc(bufsize) : malloc(bufsize);
		if (p->slots[i].buf == NULL) {
			free_bufs(p);
			return am_fail(e, AM_ENOMEM, "cannot allocate memory for streaming");
		}
	}
	/* the worker never takes the signals that stop a command (worker.c) */
	if (pthread_mutex_init(&p->mu, NULL) != 0 || pthread_cond_init(&p->cv, NULL) != 0 ||
	    am_worker_start(&p->worker, run, p) != 0) {
		free_bufs(p);
		return am_fail(e, AM_ENOMEM, "cannot start a worker thread");
	}
	p->started = 1;
	return AM_OK;
}

struct am_pipe_slot *am_pipe_get(struct am_pipe *p)
{
	struct am_pipe_slot *s = NULL;

	pthread_mutex_lock(&p->mu);
	while (p->count == AM_PIPE_SLOTS && !p->stop)
		pthread_cond_wait(&p->cv, &p->mu);
	if (!p->stop)
		s = &p->slots[p->head];
	pthread_mutex_unlock(&p->mu);
	return s;
}

void am_pipe_put(struct am_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->head = (p->head + 1) % AM_PIPE_SLOTS;
	p->count++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

enum am_status am_pipe_finish(struct am_pipe *p, struct am_err *e)
{
	enum am_status st;

	if (!p->started)
		return AM_OK;
	pthread_mutex_lock(&p->mu);
	p->done = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->worker, NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free_bufs(p);
	p->started = 0;
	st = p->st;
	if (st != AM_OK && e != NULL)
		*e = p->err;
	return st;
}

