/*
 * fuzz_bundle_dir.c — a bundle as a directory (am_bundle_verify): BagIt
 * manifests and bag-info, bundle.json and the items' JSON, the checkpoint,
 * keys and proofs.  A ZIP's CRCs would stop most mutations before these
 * parsers, so the input is an unpacked bag: records of a relative path, a
 * NUL, a 4-byte big-endian length and that many bytes (pack.py makes one
 * from a directory).  Records that do not fit are skipped.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle/bundle.h"
#include "fuzz.h"

/* Create the parent directories of rel (a path inside root) and write it. */
static void put(const char *root, const char *rel, const uint8_t *p, size_t n)
{
	char path[1024];
	int fd;

	if (strstr(rel, "..") != NULL || rel[0] == '/' || rel[0] == '\0' ||
	    snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path))
		return;
	for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		(void)mkdir(path, 0700);
		*s = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	ssize_t w = write(fd, p, n); /* a short write leaves a shorter file: still an input */
	(void)w;
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_bundle_verify_opts o = {0};
	struct am_bundle_report r;
	struct am_err e;
	char root[512];
	const char *dir = fuzz_dir();
	size_t off = 0;
	enum am_status s;

	if (dir == NULL)
		return 0;
	fuzz_clear();
	snprintf(root, sizeof(root), "%s/bag", dir);
	if (mkdir(root, 0700) != 0)
		return 0;
	while (off < size) {
		const uint8_t *nul = memchr(data + off, '\0', size - off);
		char rel[256];
		size_t nlen, flen;

		if (nul == NULL || (size_t)(nul - data) + 5 > size)
			break;
		nlen = (size_t)(nul - (data + off));
		flen = (size_t)nul[1] << 24 | (size_t)nul[2] << 16 | (size_t)nul[3] << 8 | nul[4];
		off = (size_t)(nul - data) + 5;
		if (flen > size - off)
			flen = size - off;
		if (nlen < sizeof(rel)) {
			memcpy(rel, nul - nlen, nlen);
			rel[nlen] = '\0';
			put(root, rel, data + off, flen);
		}
		off += flen;
	}
	am_err_init(&e);
	s = am_bundle_verify(root, &o, &r, &e);
	(void)s; /* the report is filled in either way */
	am_bundle_report_release(&r);
	return 0;
}
