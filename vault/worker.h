/*
 * worker.h — starting a helper thread of the vault (worker.c): the
 * sealing pipeline's (pipe.c) and the batch's signer (signer.c).
 */
#ifndef AMANAT_WORKER_H
#define AMANAT_WORKER_H

#include <pthread.h>

/* pthread_create with the signals that stop a command blocked in the new thread: 0 or -1. */
int am_worker_start(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
