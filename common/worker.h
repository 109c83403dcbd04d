/*
 * worker.h — helper threads (worker.c): starting one so that it never takes
 * the signals that stop a command (the sealing pipeline, the batch's signer,
 * the folder walk), and a second pair of hands for work that splits in two
 * (struct am_side: the hashes of a bundle's files).
 */
#ifndef AMANAT_WORKER_H
#define AMANAT_WORKER_H

#include <pthread.h>

/* pthread_create with the signals that stop a command blocked in the new thread: 0 or -1. */
int am_worker_start(pthread_t *t, void *(*fn)(void *), void *arg);

/*
 * One job at a time on a helper thread started at the first job.  The caller
 * hands one part of its work to the helper (am_side_go), does the other part,
 * and waits (am_side_wait): until then the job may read and write what the
 * caller owns, so nothing is copied.  Worth it only for jobs of more than
 * about 50 µs: a hand-over costs a few µs.
 */
struct am_side {
	pthread_t t;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int state; /* 0: no thread yet; 1: running; -1: none could be started */
	int quit;
	void (*fn)(void *); /* the job handed over and not yet done, or NULL */
	void *arg;
};

void am_side_init(struct am_side *s);
/*
 * Run fn(arg) on the helper; when no thread can be started, here and now
 * (the caller's result is the same, only slower).  One job at a time: the
 * one before must have been waited for.
 */
void am_side_go(struct am_side *s, void (*fn)(void *), void *arg);
/* Return once the job handed over by am_side_go is done. */
void am_side_wait(struct am_side *s);
/* Stop the helper, if it was started; no job may be pending. */
void am_side_release(struct am_side *s);

#endif
