/*
 * signer.c — one Ed25519 signature at a time on a second thread.  A batch
 * of small entries spends about a third of its time signing headers; each
 * header needs the hash of the one before (prev, FORMAT.md §9), so the
 * signatures cannot be made in parallel with each other, but each can be
 * made while the calling thread reads, encrypts and wraps the next entry.
 * The hand-over is a mutex and a condition variable: spinning instead was
 * measured, and on a busy machine it burnt the time the other thread needed.
 */
#include "signer.h"
#include "worker.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct am_signer {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	const unsigned char *sk;
	const unsigned char *msg;
	size_t n;
	unsigned char sig[AM_SIG_LEN];
	int busy, failed, stop; /* busy: submitted, not yet signed */
};

static void *work(void *arg)
{
	struct am_signer *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		int rc;
		while (!s->busy && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->busy)
			break;
		/* msg and sig are this thread's until busy is clear again */
		pthread_mutex_unlock(&s->mu);
		rc = am_sign(s->sig, s->msg, s->n, s->sk);
		pthread_mutex_lock(&s->mu);
		s->failed = rc != 0;
		s->busy = 0;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct am_signer *am_signer_start(const unsigned char *sk)
{
	struct am_signer *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->sk = sk;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	/* the signals that stop a command stay the calling thread's (worker.c) */
	if (am_worker_start(&s->thread, work, s) != 0) {
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		free(s);
		return NULL;
	}
	return s;
}

void am_signer_submit(struct am_signer *s, const unsigned char *msg, size_t n)
{
	pthread_mutex_lock(&s->mu);
	s->msg = msg;
	s->n = n;
	s->busy = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

int am_signer_wait(struct am_signer *s, unsigned char sig[AM_SIG_LEN])
{
	int rc;

	pthread_mutex_lock(&s->mu);
	while (s->busy)
		pthread_cond_wait(&s->cv, &s->mu);
	rc = s->failed ? -1 : 0;
	memcpy(sig, s->sig, AM_SIG_LEN);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

void am_signer_stop(struct am_signer *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	while (s->busy)
		pthread_cond_wait(&s->cv, &s->mu);
	s->stop = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	am_wipe(s->sig, sizeof(s->sig));
	free(s);
}
