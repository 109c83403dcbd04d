/*
 * test_signer.c — the batch's signer thread (vault/signer.c): its hand-over
 * spins while spinning pays and sleeps otherwise, so every signature is
 * checked against one made here, with the calling side fast (both spin),
 * slow (the signer's answers come late: it sleeps and must be woken), in
 * turns (spinning stops and starts again), and on a crowded machine (a
 * thread burning a core); stopped in every state: never used, a signature
 * in flight and not waited for, just answered (the thread spinning), long
 * idle (asleep); and a signing that fails.  A lost wake-up hangs: the alarm
 * turns that into a failure.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vault/signer.h"
#include "check.h"

static unsigned char *sk;
static atomic_int hog_stop;

static void pause_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

/* A few microseconds of work without sleeping: the answer comes while the other side spins. */
static void busy_us(long us)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

static void *hog(void *arg)
{
	volatile unsigned long x = 0;

	(void)arg;
	while (!atomic_load(&hog_stop))
		x++;
	return NULL;
}

/*
 * n signatures, each of a message that differs in content and length from
 * the one before (two buffers, each rewritten only once its signature is
 * back).  The calling side sleeps `before` us ahead of a submission and
 * works `after` us between a submission and its wait; with alternate, only
 * in every other run of 24.
 */
static void rounds(struct am_signer *s, size_t n, long before, long after, int alternate,
		   const char *what)
{
	unsigned char msg[2][200], got[AM_SIG_LEN], want[AM_SIG_LEN];
	size_t bad = 0, failed = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char *m = msg[i & 1];
		size_t len = 40 + (i * 37) % 160;
		int slow = alternate ? (i / 24) & 1 : 1;

		am_random(m, len);
		memcpy(m, &i, sizeof(i));
		if (slow && before > 0)
			pause_us(before);
		am_signer_submit(s, m, len);
		if (slow && after > 0)
			busy_us(after);
		failed += am_signer_wait(s, got) != 0;
		CHECK(am_sign(want, m, len, sk) == 0);
		bad += memcmp(got, want, AM_SIG_LEN) != 0;
	}
	CHECKF(bad == 0 && failed == 0, "%s: %zu wrong and %zu failed signatures of %zu", what, bad,
	       failed, n);
}

int main(void)
{
	unsigned char pk[AM_SIGN_PK_LEN], seed[AM_SIGN_SEED_LEN], msg[64], sig[AM_SIG_LEN];
	unsigned char zero[AM_SIG_LEN];
	struct am_signer *s;
	pthread_t h;

	if (am_crypto_init() != 0)
		return 1;
	alarm(120); /* a lost wake-up: killed, not hung until ctest gives up */
	sk = am_secure_alloc(AM_SIGN_SK_LEN);
	CHECK(sk != NULL);
	if (sk == NULL)
		return check_done();
	am_random(seed, sizeof(seed));
	CHECK(am_sign_seed_keypair(pk, sk, seed) == 0);
	am_random(msg, sizeof(msg));

	s = am_signer_start(sk);
	CHECK(s != NULL);
	if (s != NULL) {
		rounds(s, 1000, 0, 0, 0, "fast");
		/* the signer sleeps; answered before the wait; spinning stops and starts again */
		rounds(s, 150, 200, 0, 0, "slow submissions");
		rounds(s, 150, 0, 200, 0, "slow waits");
		rounds(s, 600, 120, 0, 1, "turns");
		rounds(s, 1000, 0, 0, 0, "fast again");
		am_signer_stop(s);
	}
	/* crowded: a third thread on a core of two */
	CHECK(pthread_create(&h, NULL, hog, NULL) == 0);
	s = am_signer_start(sk);
	CHECK(s != NULL);
	if (s != NULL) {
		rounds(s, 600, 0, 0, 0, "crowded");
		rounds(s, 150, 0, 0, 1, "crowded, in turns");
		am_signer_stop(s);
	}
	atomic_store(&hog_stop, 1);
	pthread_join(h, NULL);

	/* stopped in every state */
	for (int i = 0; i < 300; i++) {
		int state = i % 5;
		s = am_signer_start(sk);
		CHECK(s != NULL);
		if (s == NULL)
			break;
		if (state >= 1)
			am_signer_submit(s, msg, sizeof(msg)); /* 1: stopped with it in flight */
		if (state >= 2)
			CHECK(am_signer_wait(s, sig) == 0);   /* 2: stopped just after the answer */
		if (state == 3)
			pause_us(300);                          /* 3: stopped while it sleeps */
		if (state == 4)
			busy_us(20);                            /* 4: stopped while it spins */
		am_signer_stop(s);
	}
	/* signing fails: every wait says so, with no signature, and it still stops */
	memset(zero, 0, sizeof(zero));
	s = am_signer_start(NULL);
	CHECK(s != NULL);
	for (int i = 0; s != NULL && i < 50; i++) {
		memset(sig, 0xaa, sizeof(sig));
		am_signer_submit(s, msg, sizeof(msg));
		if (i % 2)
			pause_us(100);
		CHECK(am_signer_wait(s, sig) == -1);
		CHECK(memcmp(sig, zero, AM_SIG_LEN) == 0);
	}
	am_signer_stop(s);
	am_signer_stop(NULL);
	am_secure_free(sk);
	return check_done();
}
