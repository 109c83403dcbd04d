/*
 * test_bundle_crypt.c — a bundle encrypted while its ZIP is made
 * (bundle/bundle_crypt.h): whatever is written, in order or rewritten where
 * it was held, decrypts with open-bundle's reader to exactly those bytes; a
 * rewrite of a chunk already sealed is refused, never silently lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle/bundle.h"
#include "bundle/bundle_crypt.h"
#include "check.h"
#include "crypto/identity.h"
#include "vault/vault_layer.h"

static char dir[256];
static struct am_identity rcpt;

/* A new output file; the bundle writer fills it. */
static int new_out(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	return open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
}

/* Decrypt dir/name with open-bundle's reader and compare with want. */
static int decrypts_to(const char *name, const unsigned char *want, size_t n)
{
	char in[512], out[512];
	struct am_err e;
	unsigned char *got;
	size_t gn = 0;
	int ok;

	snprintf(in, sizeof(in), "%s/%s", dir, name);
	snprintf(out, sizeof(out), "%s/%s.zip", dir, name);
	unlink(out);
	memset(&e, 0, sizeof(e));
	if (am_bundle_decrypt(in, &rcpt, out, &e) != AM_OK) {
		fprintf(stderr, "%s: %s\n", name, e.msg);
		return 0;
	}
	got = check_get_file(out, &gn);
	ok = got != NULL && gn == n && (n == 0 || memcmp(got, want, n) == 0);
	free(got);
	return ok;
}

/* Write n patterned bytes in pieces of piece bytes; the bytes go to want too. */
static int write_run(struct am_bx *x, unsigned char *want, uint64_t *pos, size_t n, size_t piece)
{
	for (size_t done = 0; done < n;) {
		size_t k = n - done < piece ? n - done : piece;
		for (size_t i = 0; i < k; i++)
			want[*pos + i] = (unsigned char)((*pos + i) * 131u + 7u);
		if (am_bx_pwrite(x, want + *pos, k, *pos) != 0)
			return -1;
		*pos += k;
		done += k;
	}
	return 0;
}

/* Sizes on and around the chunk size, written in uneven pieces. */
static void sizes(void)
{
	static const size_t ns[] = { 0, 1, AM_CHUNK_SIZE - 1, AM_CHUNK_SIZE, AM_CHUNK_SIZE + 1,
				     2 * AM_CHUNK_SIZE, 3 * AM_CHUNK_SIZE + 5 };
	unsigned char *want = malloc(3 * AM_CHUNK_SIZE + 5);

	for (size_t i = 0; want != NULL && i < sizeof(ns) / sizeof(ns[0]); i++) {
		struct am_bx *x = NULL;
		struct am_err e;
		uint64_t pos = 0;
		int fd = new_out("sizes.amanat-sealed");

		CHECK(fd >= 0);
		CHECK(am_bx_open(&x, fd, rcpt.box_pk, &e) == AM_OK);
		CHECKF(x != NULL && write_run(x, want, &pos, ns[i], 7777) == 0, "size %zu", ns[i]);
		CHECKF(x != NULL && am_bx_finish(x, &e) == AM_OK, "size %zu", ns[i]);
		am_bx_free(x);
		close(fd);
		CHECKF(decrypts_to("sizes.amanat-sealed", want, ns[i]), "size %zu", ns[i]);
	}
	free(want);
}

/*
 * As minizip writes a ZIP: each file's local header is held while its data
 * streams past several chunks, then rewritten (sizes and CRC) at close.  The
 * first header starts 20 bytes before a chunk ends, so its rewrite spans two
 * chunks.
 */
static void rewrites(void)
{
	static const size_t data[] = { 10, 3 * AM_CHUNK_SIZE + 17, 200, 2 * AM_CHUNK_SIZE - 40 };
	unsigned char *want = calloc(1, 8 * AM_CHUNK_SIZE);
	struct am_bx *x = NULL;
	struct am_err e;
	uint64_t pos = 0;
	int fd = new_out("zip.amanat-sealed");

	CHECK(want != NULL && fd >= 0 && am_bx_open(&x, fd, rcpt.box_pk, &e) == AM_OK);
	if (want == NULL || x == NULL)
		goto out;
	CHECK(write_run(x, want, &pos, AM_CHUNK_SIZE - 20, 65536) == 0);
	for (size_t f = 0; f < sizeof(data) / sizeof(data[0]); f++) {
		uint64_t header = pos;
		unsigned char patch[12];

		am_bx_hold(x, header);
		CHECK(write_run(x, want, &pos, 30 + 40, 70) == 0);    /* the local header */
		CHECK(write_run(x, want, &pos, data[f], 65536) == 0); /* the file's data */
		memset(patch, (int)(0xA0 + f), sizeof(patch));
		memcpy(want + header + 14, patch, sizeof(patch));
		CHECKF(am_bx_pwrite(x, patch, sizeof(patch), header + 14) == 0, "file %zu", f);
		am_bx_hold(x, UINT64_MAX);
	}
	CHECK(write_run(x, want, &pos, 5000, 5000) == 0); /* the central directory */
	CHECK(am_bx_finish(x, &e) == AM_OK);
	CHECK(decrypts_to("zip.amanat-sealed", want, (size_t)pos));
out:
	am_bx_free(x);
	if (fd >= 0)
		close(fd);
	free(want);
}

/*
 * A byte for a chunk already sealed is refused (EROFS), leaving what was
 * written as it was; a held header's chunk takes its rewrite.
 */
static void sealed_is_final(void)
{
	unsigned char *want = malloc(6 * AM_CHUNK_SIZE);
	struct am_bx *x = NULL;
	struct am_err e;
	uint64_t pos = 0, header;
	int fd = new_out("late.amanat-sealed");

	CHECK(want != NULL && fd >= 0 && am_bx_open(&x, fd, rcpt.box_pk, &e) == AM_OK);
	if (want == NULL || x == NULL)
		goto out;
	CHECK(write_run(x, want, &pos, 3 * AM_CHUNK_SIZE + 1, 100000) == 0);
	errno = 0;
	CHECK(am_bx_pwrite(x, "late", 4, 10) == -1 && errno == EROFS);
	header = pos;
	am_bx_hold(x, header);
	CHECK(write_run(x, want, &pos, 2 * AM_CHUNK_SIZE, 4096) == 0);
	CHECK(am_bx_pwrite(x, "held", 4, header + 14) == 0);
	memcpy(want + header + 14, "held", 4);
	am_bx_hold(x, UINT64_MAX);
	CHECK(am_bx_finish(x, &e) == AM_OK);
	CHECK(decrypts_to("late.amanat-sealed", want, (size_t)pos));
out:
	am_bx_free(x);
	if (fd >= 0)
		close(fd);
	free(want);
}

int main(void)
{
	struct am_err e;

	if (am_crypto_init() != 0)
		return 1;
	check_tmpdir(dir, sizeof(dir), "bundle-crypt");
	am_identity_init(&rcpt);
	if (am_identity_generate(&rcpt, "recipient", &e) != AM_OK)
		return 1;
	sizes();
	rewrites();
	sealed_is_final();
	am_identity_release(&rcpt);
	check_rmtree(dir);
	return check_done();
}
