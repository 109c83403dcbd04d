/* fuzz_util.c — the temporary directory of fuzz.h. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static char dir[256];
static char path[512];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	(void)remove(p); /* what cannot be removed is left for the next run's error */
	return 0;
}

static void rm_all(void)
{
	if (dir[0] != '\0')
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
	if (dir[0] == '\0') {
		const char *t = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%s/amanat-fuzz.XXXXXX", t ? t : "/tmp");
		if (mkdtemp(dir) == NULL) {
			dir[0] = '\0';
			return NULL;
		}
		atexit(rm_all);
	}
	return dir;
}

void fuzz_clear(void)
{
	rm_all();
	if (dir[0] != '\0')
		(void)mkdir(dir, 0700);
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	int fd;
	size_t off = 0;

	if (fuzz_dir() == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0) {
			close(fd);
			return NULL;
		}
		off += (size_t)w;
	}
	close(fd);
	return path;
}
