/*
 * worker.c — helper threads never take the signals that stop a command (they
 * inherit them blocked), so a caller's handler always runs on the calling
 * thread, the one that checks for them, and never interrupts a worker's I/O.
 */
#include "worker.h"

#include <signal.h>

int am_worker_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t stop_sigs, old;
	int rc;

	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGINT);
	sigaddset(&stop_sigs, SIGTERM);
	sigaddset(&stop_sigs, SIGHUP);
	sigaddset(&stop_sigs, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &stop_sigs, &old);
	rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc == 0 ? 0 : -1;
}
