/*
 * verify_cores.c — keyless verification of a large vault on one core and on
 * two, against its peer: one crypto_sign_verify_detached per entry, all in
 * the same process and interleaved (peer, one core, two cores, peer, ...),
 * so that a shared machine's neighbours weigh on each alike.
 *
 *   bench_verify_cores VAULT [REPS [TIER]]   (defaults 3, full; TIER quick or full)
 *
 * For each run: wall and CPU seconds (all threads), microseconds per entry
 * and the ratio to the peer, and the median of REPS at the end.  The issue's
 * target (full verify <= 1.25x one crypto_sign_verify_detached per entry, on
 * both cores) is a wall-clock one: two cores against one verification at a
 * time.  The vault is opened read-only and nothing is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../vault/vault.h"

static double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct run {
	double wall, cpu, main; /* main: the calling thread's CPU time alone */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The thread that worked longest: on an idle machine with a core each, about the wall time. */
static double busiest(const struct run *r)
{
	return r->main > r->cpu - r->main ? r->main : r->cpu - r->main;
}

/* what: 0 wall, 1 CPU, 2 the busiest thread's CPU */
static double median(const struct run *r, int n, int what)
{
	double v[64];

	for (int i = 0; i < n; i++)
		v[i] = what == 0 ? r[i].wall : what == 1 ? r[i].cpu : busiest(&r[i]);
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

static void line(int i, const char *what, const struct run *r, const struct run *p)
{
	printf("%-4d %-24s %8.2f %8.2f %8.2f %9.2f %9.2f %9.2f\n", i + 1, what, r->wall, r->cpu,
	       busiest(r), r->wall / p->wall, r->cpu / p->cpu, busiest(r) / p->cpu);
	fflush(stdout);
}

/* One verification of the whole log in mode; exits on anything but a good vault. */
static struct run verify_once(struct am_vault *v, enum am_verify_tier tier, int mode, uint64_t *n)
{
	struct am_verify_opts o;
	struct am_verify_report r;
	struct am_err e;
	struct run t;
	double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	double m0 = clock_s(CLOCK_THREAD_CPUTIME_ID);

	memset(&o, 0, sizeof(o));
	o.tier = tier;
	o.sigcheck = mode;
	am_err_init(&e);
	if (am_verify_ex(v, &o, &r, &e) != AM_OK || !r.ok) {
		fprintf(stderr, "bench_verify_cores: verify failed: %s\n", r.ok ? e.msg : r.reason);
		exit(1);
	}
	t.wall = clock_s(CLOCK_MONOTONIC) - w0;
	t.cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	t.main = clock_s(CLOCK_THREAD_CPUTIME_ID) - m0;
	*n = r.entries;
	return t;
}

/* The peer: n Ed25519 verifications of a 300-byte message, one after another. */
static struct run peer(uint64_t n)
{
	unsigned char pk[AM_SIGN_PK_LEN], seed[32], sig[AM_SIG_LEN], msg[300], *sk;
	double w0, c0;
	struct run t;
	int bad = 0;

	sk = am_secure_alloc(AM_SIGN_SK_LEN);
	if (sk == NULL)
		exit(2);
	am_random(seed, sizeof(seed));
	am_sign_seed_keypair(pk, sk, seed);
	memset(msg, 7, sizeof(msg));
	am_sign(sig, msg, sizeof(msg), sk);
	am_secure_free(sk);
	w0 = clock_s(CLOCK_MONOTONIC);
	c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (uint64_t i = 0; i < n; i++)
		bad |= am_sign_verify(sig, msg, sizeof(msg), pk) != 0;
	t.wall = clock_s(CLOCK_MONOTONIC) - w0;
	t.cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	t.main = t.cpu;
	if (bad)
		exit(1);
	return t;
}

int main(int argc, char **argv)
{
	struct am_vault *v = NULL;
	struct am_err e;
	struct run p[64], one[64], two[64];
	enum am_verify_tier tier = AM_VERIFY_FULL;
	int reps = argc > 2 ? atoi(argv[2]) : 3;
	uint64_t n = 0;

	if (argc < 2 || reps < 1 || reps > 64 || am_crypto_init() != 0) {
		fprintf(stderr, "usage: bench_verify_cores VAULT [REPS [quick|full]]\n");
		return 2;
	}
	if (argc > 3)
		tier = strcmp(argv[3], "quick") == 0 ? AM_VERIFY_QUICK : AM_VERIFY_FULL;
	am_err_init(&e);
	if (am_vault_open(argv[1], 0, &v, &e) != AM_OK) {
		fprintf(stderr, "bench_verify_cores: %s\n", e.msg);
		return 1;
	}
	printf("%-4s %-24s %8s %8s %8s %9s %9s %9s\n", "run", "what", "wall s", "CPU s",
	       "busiest", "wall/peer", "CPU/peer", "busy/peer");
	for (int i = 0; i < reps; i++) {
		one[i] = verify_once(v, tier, AM_SIGCHECK_INPLACE, &n);
		p[i] = peer(n);
		two[i] = verify_once(v, tier, AM_SIGCHECK_AUTO, &n);
		line(i, "n x sign_verify (peer)", &p[i], &p[i]);
		line(i, "verify, one core", &one[i], &p[i]);
		line(i, "verify, two cores", &two[i], &p[i]);
	}
	printf("median of %d, %llu entries, %s tier, ratios to the peer (%.2f s, %.1f us each):\n"
	       "  one core:  wall %.2f s (%.2fx), CPU %.2f s (%.2fx)\n"
	       "  two cores: wall %.2f s (%.2fx), CPU %.2f s (%.2fx), busiest thread %.2f s (%.2fx)\n",
	       reps, (unsigned long long)n, tier == AM_VERIFY_QUICK ? "quick" : "full",
	       median(p, reps, 0), 1e6 * median(p, reps, 0) / (double)n, median(one, reps, 0),
	       median(one, reps, 0) / median(p, reps, 0), median(one, reps, 1),
	       median(one, reps, 1) / median(p, reps, 1), median(two, reps, 0),
	       median(two, reps, 0) / median(p, reps, 0), median(two, reps, 1),
	       median(two, reps, 1) / median(p, reps, 1), median(two, reps, 2),
	       median(two, reps, 2) / median(p, reps, 1));
	am_vault_close(v);
	return 0;
}
