/*
 * worker.c — helper threads never take the signals that stop a command (they
 * inherit them blocked), so a caller's handler always runs on the calling
 * thread, the one that checks for them, and never interrupts a worker's I/O.
 */
#include "worker.h"

#include "cleanup.h"

#include <signal.h>
#include <stddef.h>

int am_worker_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t old;
	int rc;

	am_stop_signals_block(&old);
	rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc == 0 ? 0 : -1;
}

void am_side_init(struct am_side *s)
{
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->state = 0;
	s->quit = 0;
	s->fn = NULL;
	s->arg = NULL;
}

/* The helper: each job handed over, until told to quit. */
static void *side_main(void *arg)
{
	struct am_side *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (s->fn == NULL && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->fn == NULL)
			break;
		pthread_mutex_unlock(&s->mu);
		s->fn(s->arg);
		pthread_mutex_lock(&s->mu);
		s->fn = NULL;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

void am_side_go(struct am_side *s, void (*fn)(void *), void *arg)
{
	if (s->state == 0)
		s->state = am_worker_start(&s->t, side_main, s) == 0 ? 1 : -1;
	if (s->state < 0) {
		fn(arg);
		return;
	}
	pthread_mutex_lock(&s->mu);
	s->arg = arg;
	s->fn = fn;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void am_side_wait(struct am_side *s)
{
	if (s->state <= 0)
		return;
	pthread_mutex_lock(&s->mu);
	while (s->fn != NULL)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
}

void am_side_release(struct am_side *s)
{
	if (s->state > 0) {
		pthread_mutex_lock(&s->mu);
		s->quit = 1;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->t, NULL);
	}
	s->state = 0;
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
}
