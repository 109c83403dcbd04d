/*
 * signer.c — one Ed25519 signature at a time on a second thread.  A batch
 * of small entries spends about a third of its time signing headers; each
 * header needs the hash of the one before (prev, FORMAT.md §9), so the
 * signatures cannot be made in parallel with each other, but each can be
 * made while the calling thread stores the entry before and prepares the
 * next.
 *
 * The hand-over happens some 20,000 times a second.  Each side first spins
 * for a short while (SPIN_NS) on the flag the other sets, and only then
 * sleeps on a condition variable: waking a sleeping thread costs a futex
 * call on each side and, on a virtual machine, tens of microseconds before
 * the idle core runs again, longer than the wait it replaces.  The spin is
 * bounded so that on a crowded machine, where the two threads may share one
 * core, it cannot take more than that from the thread it waits for (an
 * unbounded spin was measured to do just that).
 */
#include "signer.h"
#include "worker.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* how long either side spins before it sleeps */
#define SPIN_NS 50000

struct am_signer {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	const unsigned char *sk;
	const unsigned char *msg;
	size_t n;
	unsigned char sig[AM_SIG_LEN];
	int failed;
	int64_t signer_spin, caller_spin; /* each side's spin budget (ns), its own */
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

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Spin until *flag equals want (or stop is set), for at most *budget ns: 1
 * if it did.  The budget adapts: a spin that ran out (the other thread was
 * not running, as on a crowded machine) quarters it, one that succeeded
 * adds back a sixteenth of SPIN_NS.
 */
static int spin_for(const atomic_int *flag, int want, const atomic_int *stop, int64_t *budget)
{
	int64_t end = 0;

	for (unsigned i = 0;; i++) {
		if (atomic_load(flag) == want || (stop != NULL && atomic_load(stop))) {
			*budget = *budget + SPIN_NS / 16 > SPIN_NS ? SPIN_NS : *budget + SPIN_NS / 16;
			return 1;
		}
		if ((i & 15) == 0) {
			int64_t t = mono_ns();
			if (end == 0) {
				end = t + *budget;
			} else if (t > end) {
				*budget /= 4;
				return 0;
			}
		}
		relax();
	}
}

static void *work(void *arg)
{
	struct am_signer *s = arg;

	for (;;) {
		int rc;
		if (!spin_for(&s->busy, 1, &s->stop, &s->signer_spin)) {
			pthread_mutex_lock(&s->mu);
			atomic_store(&s->signer_asleep, 1);
			while (!atomic_load(&s->busy) && !atomic_load(&s->stop))
				pthread_cond_wait(&s->cv, &s->mu);
			atomic_store(&s->signer_asleep, 0);
			pthread_mutex_unlock(&s->mu);
		}
		if (!atomic_load(&s->busy))
			break; /* stopped */
		/* msg and sig are this thread's until busy is clear again */
		rc = am_sign(s->sig, s->msg, s->n, s->sk);
		s->failed = rc != 0;
		atomic_store(&s->busy, 0);
		if (atomic_load(&s->caller_asleep)) {
			pthread_mutex_lock(&s->mu);
			pthread_cond_broadcast(&s->cv);
			pthread_mutex_unlock(&s->mu);
		}
	}
	return NULL;
}

struct am_signer *am_signer_start(const unsigned char *sk)
{
	struct am_signer *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->sk = sk;
	s->signer_spin = s->caller_spin = SPIN_NS;
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
	atomic_store(&s->busy, 1);
	if (atomic_load(&s->signer_asleep)) {
		pthread_mutex_lock(&s->mu);
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
	}
}

/* Wait until nothing is in flight. */
static void idle(struct am_signer *s)
{
	if (spin_for(&s->busy, 0, NULL, &s->caller_spin))
		return;
	pthread_mutex_lock(&s->mu);
	atomic_store(&s->caller_asleep, 1);
	while (atomic_load(&s->busy))
		pthread_cond_wait(&s->cv, &s->mu);
	atomic_store(&s->caller_asleep, 0);
	pthread_mutex_unlock(&s->mu);
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
