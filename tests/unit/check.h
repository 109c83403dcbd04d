/*
 * check.h — the unit tests' tiny assertion kit.
 *
 * CHECK(cond) counts a pass or prints "file:line: CHECK failed: cond" and
 * counts a failure; it never stops the test, so one run shows every problem.
 * CHECKF adds a printf-style note (which length, which byte) for checks made
 * in loops; CHECK_ST compares two statuses and names both.  check_done()
 * prints "N passed, N failed" and is what main returns: non-zero on any
 * failure.  A few temporary-directory helpers live here too, since every
 * test that touches files needs them.
 */
#ifndef AMANAT_TEST_CHECK_H
#define AMANAT_TEST_CHECK_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"

static long check_passed_, check_failed_;

/* Failure lines printed before the rest are only counted, so a broken loop cannot flood. */
#define CHECK_MAX_PRINTED 200

static inline int check_note_(int ok, const char *file, int line, const char *expr)
{
	if (ok) {
		check_passed_++;
		return 1;
	}
	if (check_failed_ < CHECK_MAX_PRINTED)
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, expr);
	else if (check_failed_ == CHECK_MAX_PRINTED)
		fprintf(stderr, "(further failures are counted, not printed)\n");
	check_failed_++;
	return 0;
}

#define CHECK(cond) ((void)check_note_(!!(cond), __FILE__, __LINE__, #cond))

/* CHECKX(ok, text, fmt, ...): record ok under the label text, with a note on failure. */
#define CHECKX(ok, text, ...)                                                           \
	do {                                                                            \
		if (!check_note_(!!(ok), __FILE__, __LINE__, text) &&                  \
		    check_failed_ <= CHECK_MAX_PRINTED) {                               \
			fprintf(stderr, "    ");                                        \
			fprintf(stderr, __VA_ARGS__);                                   \
			fprintf(stderr, "\n");                                          \
		}                                                                       \
	} while (0)

/* CHECKF(cond, fmt, ...): as CHECK, then the note on the next line. */
#define CHECKF(cond, ...) CHECKX((cond), #cond, __VA_ARGS__)

#define CHECK_ST(got, want)                                                             \
	do {                                                                            \
		enum am_status g_ = (got), w_ = (want);                                 \
		CHECKX(g_ == w_, #got " == " #want, "status %d (%s), expected %d (%s)", \
		       (int)g_, am_status_name(g_), (int)w_, am_status_name(w_));       \
	} while (0)

#define CHECK_EQ(got, want)                                                             \
	do {                                                                            \
		long long g_ = (long long)(got), w_ = (long long)(want);               \
		CHECKX(g_ == w_, #got " == " #want, "got %lld, expected %lld", g_, w_); \
	} while (0)

static inline int check_done(void)
{
	printf("%ld passed, %ld failed\n", check_passed_, check_failed_);
	return check_failed_ ? 1 : 0;
}

/* ---- temporary files ------------------------------------------------------ */

/* A fresh private directory under /tmp; exits on failure (nothing to test without it). */
static inline void check_tmpdir(char *out, size_t outlen, const char *tag)
{
	snprintf(out, outlen, "/tmp/amanat-unit-%s-XXXXXX", tag);
	if (mkdtemp(out) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
}

/* Remove path and, if it is a directory, everything under it (symlinks are not followed). */
static inline void check_rmtree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	d = opendir(path);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			char sub[4096];
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			check_rmtree(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

/* Number of entries in dir whose names start with prefix. */
static inline int check_count_prefix(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

/* Replace path's contents with n bytes (plain stdio; for crafting inputs). */
static inline int check_put_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (f == NULL)
		return -1;
	ok = (n == 0 || fwrite(p, 1, n, f) == n);
	if (fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

/* Whole file into malloc'ed memory; NULL on failure.  For comparing results. */
static inline unsigned char *check_get_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, len = 0;

	*n = 0;
	if (f == NULL)
		return NULL;
	for (;;) {
		size_t got;
		if (len == cap) {
			unsigned char *g;
			cap = cap ? 2 * cap : 4096;
			g = realloc(buf, cap);
			if (g == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = g;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*n = len;
	return buf;
}

#endif
