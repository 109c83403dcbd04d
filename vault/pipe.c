/* pipe.c — the two-core pipeline of pipe.h. */
#include "pipe.h"
#include "../common/worker.h"

#include <stdlib.h>
#include <string.h>

enum { SLOT_FREE, SLOT_FILLING, SLOT_READY, SLOT_WORKING, SLOT_DONE };

/* The oldest handed-over slot whose work nobody has started (lock held). */
static struct am_pipe_slot *oldest_ready(struct am_pipe *p)
{
	for (size_t i = 0; i < p->count; i++) {
		struct am_pipe_slot *s = &p->slots[(p->tail + i) % p->n];
		if (s->state == SLOT_READY)
			return s;
	}
	return NULL;
}

/* Do the work of slot s on this thread (called and returning with the lock held). */
static void do_work(struct am_pipe *p, struct am_pipe_slot *s, int thread)
{
	s->state = SLOT_WORKING;
	pthread_mutex_unlock(&p->mu);
	s->st = p->work(p->ctx, thread, s, &s->err);
	pthread_mutex_lock(&p->mu);
	s->state = SLOT_DONE;
	pthread_cond_broadcast(&p->cv);
}

static void *run(void *arg)
{
	struct am_pipe *p = arg;

	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		struct am_pipe_slot *s = &p->slots[p->tail];
		enum am_status st;

		if (p->count > 0 && s->state == SLOT_DONE) {
			/* drain first: it frees a slot for the calling thread */
			pthread_mutex_unlock(&p->mu);
			if (s->st != AM_OK) {
				st = s->st;
				p->err = s->err;
			} else {
				st = p->drain(p->ctx, s, &p->err);
			}
			pthread_mutex_lock(&p->mu);
			if (st != AM_OK) {
				p->st = st;
				p->stop = 1;
				pthread_cond_broadcast(&p->cv);
				break;
			}
			s->state = SLOT_FREE;
			p->tail = (p->tail + 1) % p->n;
			p->count--;
			pthread_cond_broadcast(&p->cv);
			continue;
		}
		s = oldest_ready(p);
		if (s != NULL) {
			do_work(p, s, 1);
			continue;
		}
		if (p->done && p->count == 0)
			break;
		pthread_cond_wait(&p->cv, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void free_bufs(struct am_pipe *p)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->secure) {
			am_secure_free(p->slots[i].buf);
			am_secure_free(p->slots[i].aux);
		} else {
			free(p->slots[i].buf);
			free(p->slots[i].aux);
		}
		p->slots[i].buf = p->slots[i].aux = NULL;
	}
}

static unsigned char *alloc_buf(const struct am_pipe *p, size_t n)
{
	return p->secure ? am_secure_alloc(n) : malloc(n);
}

enum am_status am_pipe_start(struct am_pipe *p, size_t bufsize, size_t auxsize, int secure,
			     am_pipe_work work, am_pipe_drain drain, void *ctx, struct am_err *e)
{
	memset(p, 0, sizeof(*p));
	p->bufsize = bufsize;
	p->auxsize = auxsize;
	p->secure = secure;
	p->work = work;
	p->drain = drain;
	p->ctx = ctx;
	am_err_init(&p->err);
	/* big chunks (another writer's, up to 16 MiB): fewer slots, memory stays bounded */
	p->n = AM_PIPE_SLOTS;
	while (p->n > 2 && p->n * (bufsize + auxsize) > AM_PIPE_MEMORY)
		p->n--;
	for (size_t i = 0; i < p->n; i++) {
		p->slots[i].buf = alloc_buf(p, bufsize);
		if (auxsize > 0)
			p->slots[i].aux = alloc_buf(p, auxsize);
		if (p->slots[i].buf == NULL || (auxsize > 0 && p->slots[i].aux == NULL)) {
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
	while (!p->stop) {
		if (p->count + p->reserved < p->n) {
			s = &p->slots[(p->tail + p->count + p->reserved) % p->n];
			s->state = SLOT_FILLING;
			p->reserved++;
			break;
		}
		/* no free slot: help with the work instead of waiting for it */
		s = oldest_ready(p);
		if (s != NULL)
			do_work(p, s, 0);
		else
			pthread_cond_wait(&p->cv, &p->mu);
		s = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	if (s != NULL) {
		s->len = s->want = 0;
		s->out = NULL;
		s->idx = 0;
		s->last = 0;
	}
	return s;
}

void am_pipe_put(struct am_pipe *p)
{
	struct am_pipe_slot *s;

	pthread_mutex_lock(&p->mu);
	s = &p->slots[(p->tail + p->count) % p->n];
	s->st = AM_OK;
	am_err_init(&s->err);
	s->state = p->work != NULL ? SLOT_READY : SLOT_DONE;
	p->count++;
	p->reserved--;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void am_pipe_unget(struct am_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->reserved--;
	p->slots[(p->tail + p->count + p->reserved) % p->n].state = SLOT_FREE;
	pthread_mutex_unlock(&p->mu);
}

enum am_status am_pipe_finish(struct am_pipe *p, struct am_err *e)
{
	struct am_pipe_slot *s;
	enum am_status st;

	if (!p->started)
		return AM_OK;
	pthread_mutex_lock(&p->mu);
	while (!p->stop && (s = oldest_ready(p)) != NULL)
		do_work(p, s, 0);
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
