/*
 * fill.c — build a large vault through the bulk path: N small fictional
 * records sealed with the group-commit API (am_batch_*), exactly as
 * 'amanat seal --recursive' seals files, but from memory so that a million
 * entries need no million files.  Every batch is durable as usual.
 *
 *   AMANAT_PASSPHRASE=... bench_fill VAULT SIGNER.id N [SIZE]   (SIZE default 1024)
 *
 * Prints the rate (entries per second, wall and CPU) every 10% and at the end.
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

static void die(const char *what, const struct am_err *e)
{
	fprintf(stderr, "bench_fill: %s: %s\n", what, e->msg);
	exit(1);
}

int main(int argc, char **argv)
{
	const struct am_batch_limits overlap = { 0, 0, 1, 0 }; /* as seal --recursive */
	const char *pass = getenv("AMANAT_PASSPHRASE");
	struct am_identity who;
	struct am_vault *v = NULL;
	struct am_trusted *t = NULL;
	struct am_batch *b = NULL;
	struct am_fields f;
	struct am_pin none;
	struct am_err e;
	uint64_t n, size;
	char *text;
	double w0, c0;

	if (argc < 4 || pass == NULL) {
		fprintf(stderr, "usage: AMANAT_PASSPHRASE=... bench_fill VAULT SIGNER.id N [SIZE]\n");
		return 2;
	}
	n = strtoull(argv[3], NULL, 10);
	size = argc > 4 ? strtoull(argv[4], NULL, 10) : 1024;
	text = malloc(size + 64);
	if (text == NULL || am_crypto_init() != 0)
		return 2;
	am_err_init(&e);
	am_identity_init(&who);
	am_fields_init(&f);
	memset(&none, 0, sizeof(none));
	if (am_keyfile_read(argv[2], pass, strlen(pass), &who, &e) != AM_OK)
		die(argv[2], &e);
	if (am_vault_open(argv[1], 1, &v, &e) != AM_OK)
		die(argv[1], &e);
	if (am_trust(v, &none, &t, &e) != AM_OK)
		die("verifying the vault", &e);
	am_vault_use_trust(v, t);
	if (am_fields_set(&f, "case", "BENCH-0001", 10, &e) != AM_OK ||
	    am_batch_begin(v, t, &who, &overlap, NULL, NULL, &b, &e) != AM_OK)
		die("setup", &e);
	w0 = clock_s(CLOCK_MONOTONIC);
	c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (uint64_t i = 0; i < n; i++) {
		struct am_seal_req req;
		char title[48];
		int k = snprintf(text, size + 64, "Record %llu (fictional). Witness statement: ",
				 (unsigned long long)i);
		/* text-like filler, different in each record */
		for (uint64_t j = (uint64_t)k; j < size; j++)
			text[j] = (char)("the checkpoint near the river at dawn "[(j + i) % 38]);
		snprintf(title, sizeof(title), "Record %llu", (unsigned long long)i);
		if (am_fields_set(&f, "title", title, strlen(title), &e) != AM_OK)
			die("fields", &e);
		memset(&req, 0, sizeof(req));
		req.type = AM_T_TESTIMONY;
		req.fields = &f;
		req.fd = -1;
		req.data = text;
		req.len = size;
		if (am_batch_seal(b, &req, NULL, &e) != AM_OK)
			die("sealing", &e);
		if (n >= 10 && (i + 1) % (n / 10) == 0) {
			double w = clock_s(CLOCK_MONOTONIC) - w0, c = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
			fprintf(stderr, "bench_fill: %llu entries, %.0f/s wall, %.0f/s CPU\n",
				(unsigned long long)(i + 1), (i + 1) / w, (i + 1) / c);
		}
	}
	if (am_batch_commit(b, &e) != AM_OK)
		die("committing", &e);
	printf("bench_fill: %llu entries of %llu bytes in %.1f s (%.0f entries/s wall, %.0f/s "
	       "CPU)\n", (unsigned long long)n, (unsigned long long)size,
	       clock_s(CLOCK_MONOTONIC) - w0, n / (clock_s(CLOCK_MONOTONIC) - w0),
	       n / (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0));
	am_batch_free(b);
	am_fields_release(&f);
	am_vault_close(v);
	am_trusted_free(t);
	am_identity_release(&who);
	free(text);
	return 0;
}
