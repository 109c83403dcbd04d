/*
 * trust_cost.c — what verifying before writing costs a seal.
 *
 * Builds a vault of N small entries, then for each K: pins the log (as a
 * field laptop would, having last used it), lets another writer append K
 * entries, and times the pinned member's next seal: verifying the K new
 * entries from the pin, then sealing.  The peer, measured in the same run
 * right after, is the same seal by someone whose pin is already at the end
 * (nothing new to verify).  Prints the best of three of each and their
 * ratio.
 *
 *   bench_trust_cost [N] [K...]     (defaults: 100000, then 1 100 10000)
 *
 * The build of the N entries runs with synchronous=OFF (it only sets the
 * stage); every timed seal is durable as usual.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../vault/vault_int.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const struct am_err *e)
{
	fprintf(stderr, "bench_trust_cost: %s: %s\n", what, e->msg);
	exit(1);
}

/* Seal one ~1 KiB fictional record through a pipe. */
static void seal_one(struct am_vault *v, struct am_trusted *t, const struct am_identity *who)
{
	static char text[1024];
	struct am_seal_req req;
	struct am_fields f;
	struct am_err e;
	int p[2];

	if (text[0] == '\0')
		for (size_t i = 0; i + 1 < sizeof(text); i++)
			text[i] = (char)('a' + i % 26);
	am_err_init(&e);
	am_fields_init(&f);
	if (am_fields_set(&f, "case", "BENCH-0001", 10, &e) != AM_OK || pipe(p) != 0)
		die("setup", &e);
	if (write(p[1], text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1))
		die("pipe", &e);
	close(p[1]);
	memset(&req, 0, sizeof(req));
	req.type = AM_T_TESTIMONY;
	req.fields = &f;
	req.fd = p[0];
	if (am_seal(v, t, who, &req, NULL, &e) != AM_OK)
		die("seal", &e);
	close(p[0]);
	am_fields_release(&f);
}

/* Verify from pin and seal once, as a new process would; seconds taken. */
static double pinned_seal(struct am_vault *v, const struct am_pin *pin,
			  const struct am_identity *who, double *verify_s, struct am_pin *after)
{
	struct am_trusted *t = NULL;
	struct am_err e;
	double t0 = now_s(), t1;

	am_err_init(&e);
	if (am_trust(v, pin, &t, &e) != AM_OK)
		die("trust", &e);
	t1 = now_s();
	seal_one(v, t, who);
	*verify_s = t1 - t0;
	am_trusted_pin(t, after);
	am_trusted_free(t);
	return now_s() - t0;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
	uint64_t ks_default[] = { 1, 100, 10000 }, *ks = ks_default;
	size_t nks = 3;
	char dir[] = "/tmp/amanat-bench-trust.XXXXXX", path[64];
	struct am_identity admin, officer;
	struct am_vault *v = NULL;
	struct am_trusted *w = NULL;
	struct am_pin pin, none, cur;
	struct am_err e;
	double t0;

	if (argc > 2) {
		nks = (size_t)(argc - 2);
		ks = calloc(nks, sizeof(*ks));
		for (size_t i = 0; ks != NULL && i < nks; i++)
			ks[i] = strtoull(argv[i + 2], NULL, 10);
	}
	am_err_init(&e);
	am_identity_init(&admin);
	am_identity_init(&officer);
	if (am_crypto_init() != 0 || mkdtemp(dir) == NULL)
		die("init", &e);
	snprintf(path, sizeof(path), "%s/v.amn", dir);
	if (am_identity_generate(&admin, "bench-admin", &e) != AM_OK ||
	    am_identity_generate(&officer, "bench-officer", &e) != AM_OK ||
	    am_vault_create(path, &admin, NULL, 0, &pin, &e) != AM_OK ||
	    am_vault_open(path, 1, &v, &e) != AM_OK || am_trust(v, &pin, &w, &e) != AM_OK ||
	    am_enroll(v, w, &admin, &officer, AM_ROLE_OFFICER, NULL, &e) != AM_OK)
		die("vault", &e);
	if (am_db_exec(v, "PRAGMA synchronous=OFF", &e) != AM_OK)
		die("pragma", &e);
	t0 = now_s();
	while (am_trusted_size(w) < n)
		seal_one(v, w, &officer);
	fprintf(stderr, "built %llu entries in %.1f s\n", (unsigned long long)n, now_s() - t0);
	if (am_db_exec(v, "PRAGMA synchronous=EXTRA", &e) != AM_OK)
		die("pragma", &e);
	memset(&none, 0, sizeof(none));
	{
		double vs, all = pinned_seal(v, &none, &officer, &vs, &cur);
		printf("first use (verify all %llu entries from genesis, then seal): %.3f s "
		       "(verify %.3f s, %.1f us/entry)\n", (unsigned long long)n, all, vs,
		       vs * 1e6 / (double)n);
		am_trusted_free(w);
		w = NULL;
		if (am_trust(v, &cur, &w, &e) != AM_OK)
			die("trust", &e);
	}
	printf("%8s %12s %12s %12s %12s %8s\n", "new", "verify s", "seal s", "baseline s",
	       "us/new", "ratio");
	/* us/new: (seal s - baseline s) per new entry; verify s: the part of seal s spent verifying */
	fflush(stdout);
	for (size_t i = 0; i < nks; i++) {
		double vs = 1e9, seal_s = 1e9, base_s = 1e9, bvs = 1e9;

		/* the best of three of each: the machine is noisy */
		for (int rep = 0; rep < 3; rep++) {
			double a, av, b, bv;
			am_trusted_pin(w, &pin); /* the pinned member last used the vault here */
			for (uint64_t k = 0; k < ks[i]; k++)
				seal_one(v, w, &admin); /* someone else appends */
			a = pinned_seal(v, &pin, &officer, &av, &cur);
			/* the peer: the same seal with nothing new since the pin */
			b = pinned_seal(v, &cur, &officer, &bv, &cur);
			seal_s = a < seal_s ? a : seal_s;
			vs = av < vs ? av : vs;
			base_s = b < base_s ? b : base_s;
			bvs = bv < bvs ? bv : bvs;
			am_trusted_free(w);
			w = NULL;
			if (am_trust(v, &cur, &w, &e) != AM_OK)
				die("trust", &e);
		}
		printf("%8llu %12.4f %12.4f %12.4f %12.1f %8.2f\n", (unsigned long long)ks[i], vs,
		       seal_s, base_s, (seal_s - base_s) * 1e6 / (double)ks[i], seal_s / base_s);
		fflush(stdout);
	}
	am_trusted_free(w);
	am_vault_close(v);
	am_identity_release(&admin);
	am_identity_release(&officer);
	unlink(path);
	rmdir(dir);
	if (ks != ks_default)
		free(ks);
	return 0;
}
