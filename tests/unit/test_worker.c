/*
 * test_worker.c — the second pair of hands (common/worker.h, struct am_side):
 * each job handed over has run, exactly once and completely, when
 * am_side_wait returns, and what it wrote is then the caller's to read; the
 * helper never takes the signals that stop a command.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "common/worker.h"

struct job {
	uint64_t runs;
	uint64_t sum;
	const uint32_t *v;
	size_t n;
	int sigint_blocked;
};

/* Long enough (a few µs to ms) that the caller reaches am_side_wait while it runs. */
static void add_up(void *arg)
{
	struct job *j = arg;
	sigset_t cur;
	uint64_t s = 0;

	for (size_t i = 0; i < j->n; i++)
		s += j->v[i];
	j->sum = s;
	j->runs++;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	j->sigint_blocked = sigismember(&cur, SIGINT) == 1;
}

int main(void)
{
	static uint32_t v[1 << 16];
	struct am_side side;
	struct job j;
	int all_blocked = 1;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		v[i] = (uint32_t)(i * 2654435761u);
	memset(&j, 0, sizeof(j));
	j.v = v;
	am_side_init(&side);
	/* a release with no job ever given starts and stops nothing */
	am_side_release(&side);
	am_side_init(&side);
	for (size_t k = 1; k <= 2000; k++) {
		uint64_t want = 0;
		j.n = (k * 7919) % (sizeof(v) / sizeof(v[0]));
		for (size_t i = 0; i < j.n; i++)
			want += v[i];
		am_side_go(&side, add_up, &j);
		am_side_wait(&side);
		CHECKF(j.runs == k && j.sum == want, "job %zu: runs %llu", k,
		       (unsigned long long)j.runs);
		all_blocked &= j.sigint_blocked;
	}
	CHECK(all_blocked);
	/* waiting again with nothing handed over returns at once */
	am_side_wait(&side);
	CHECK(j.runs == 2000);
	am_side_release(&side);
	return check_done();
}
