/*
 * signer.c — one Ed25519 signature at a time on a second thread.  A batch
 * of small entries spends about a third of its time signing headers; each
 * header needs the hash of the one before (prev, FORMAT.md §9), so the
 * signatures cannot be made in parallel with each other, but each can be
 * made while the calling thread stores the entry before and prepares the
 * next.
 *
 * The hand-over happens some 20,000 times a second.  Waking a sleeping
 * thread costs a futex call on each side and, on a virtual machine, tens of
 * microseconds before the idle core runs again: longer than most waits it
 * ends.  So each side first spins (up to SPIN_NS) on the flag the other
 * sets, and only then sleeps on a condition variable, but only while
 * spinning pays: each side times how long the other took to answer (the
 * other stamps the moment it did), and spins only while nearly all recent
 * answers (SPIN_PAYS of them, a running average) came within SPIN_NS.  On a
 * crowded machine, where the other thread is often not running, spinning
 * would take the time it needs (a plain spin was measured to do that); the
 * answers there come late, and the side sleeps instead.
 */
#include "signer.h"
#include "../common/worker.h"
#include "../common/clock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* how long either side spins before it sleeps; the share of answers in time that it takes, /1024 */
#define SPIN_NS 50000
#define SPIN_PAYS 920

struct am_signer {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	const unsigned char *sk;
	const unsigned char *msg;
	size_t n;
	unsigned char sig[AM_SIG_LEN];
	int failed;
	int64_t submitted, done; /* when busy was last set, and cleared (CLOCK_MONOTONIC ns) */
	/* each side's running share of answers that came within SPIN_NS, /1024 */
	int signer_pays, caller_pays;
	/*
	 * busy: submitted, not yet signed.  A side that is about to sleep sets
	 * its *_asleep flag under mu and then looks at busy again; the other
	 * side changes busy and then looks at that flag, and takes mu to wake it.
	 * All sequentially consistent, so one of the two always sees the other.
	 */
	atomic_int busy, stop, signer_asleep, caller_asleep;
};

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/*
 * Wait until *flag equals want (or stop is set): spin first while spinning
 * pays (*pays), then sleep on the condition variable with *asleep set.
 * *answered is the other side's stamp of when it set the flag.
 */
static void wait_for(struct am_signer *s, const atomic_int *flag, int want, atomic_int *asleep,
		     const int64_t *answered, int *pays)
{
	int64_t start = am_mono_ns(), end = start + SPIN_NS, late;

	for (unsigned i = 0; *pays >= SPIN_PAYS; i++) {
		if (atomic_load(flag) == want || atomic_load(&s->stop))
			break;
		if ((i & 15) == 15 && am_mono_ns() > end)
			break;
		relax();
	}
	if (atomic_load(flag) != want && !atomic_load(&s->stop)) {
		pthread_mutex_lock(&s->mu);
		atomic_store(asleep, 1);
		while (atomic_load(flag) != want && !atomic_load(&s->stop))
			pthread_cond_wait(&s->cv, &s->mu);
		atomic_store(asleep, 0);
		pthread_mutex_unlock(&s->mu);
	}
	/* an answer that came before the wait began was in time */
	late = atomic_load(flag) == want && *answered - start > SPIN_NS;
	*pays += ((late ? 0 : 1024) - *pays) / 16;
}

/* Wake the other side if it sleeps: after its flag was changed. */
static void wake(struct am_signer *s, atomic_int *asleep)
{
	if (atomic_load(asleep)) {
		pthread_mutex_lock(&s->mu);
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
	}
}

static void *work(void *arg)
{
	struct am_signer *s = arg;

	for (;;) {
		wait_for(s, &s->busy, 1, &s->signer_asleep, &s->submitted, &s->signer_pays);
		if (!atomic_load(&s->busy))
			break; /* stopped */
		/* msg and sig are this thread's until busy is clear again */
		s->failed = am_sign(s->sig, s->msg, s->n, s->sk) != 0;
		s->done = am_mono_ns();
		atomic_store(&s->busy, 0);
		wake(s, &s->caller_asleep);
	}
	return NULL;
}

struct am_signer *am_signer_start(const unsigned char *sk)
{
	struct am_signer *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->sk = sk;
	s->signer_pays = s->caller_pays = 1024;
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
	s->msg = msg;
	s->n = n;
	s->submitted = am_mono_ns();
	atomic_store(&s->busy, 1);
	wake(s, &s->signer_asleep);
}

/* Wait until nothing is in flight. */
static void idle(struct am_signer *s)
{
	if (atomic_load(&s->busy))
		wait_for(s, &s->busy, 0, &s->caller_asleep, &s->done, &s->caller_pays);
}

int am_signer_wait(struct am_signer *s, unsigned char sig[AM_SIG_LEN])
{
	idle(s);
	memcpy(sig, s->sig, AM_SIG_LEN);
	return s->failed ? -1 : 0;
}

void am_signer_stop(struct am_signer *s)
{
	if (s == NULL)
		return;
	idle(s);
	atomic_store(&s->stop, 1);
	pthread_mutex_lock(&s->mu);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	am_wipe(s->sig, sizeof(s->sig));
	free(s);
}
