/*
 * writeback.c — the vault file's descriptor, for the hint of am_writeback
 * (fsutil.h) during a long seal: SQLite writes a big entry's pages into the
 * page cache as its own cache spills, and without the hint the kernel keeps
 * them dirty until the commit's fsync, which then writes everything at once
 * while no core has anything else to do.  The hint only starts writeback;
 * durability is still SQLite's COMMIT.
 *
 * The descriptor must be SQLite's own: closing any descriptor of a file drops
 * every POSIX lock this process holds on it, SQLite's included, so a second
 * open() and close() of the vault would let another writer in mid-transaction.
 * SQLite has no public accessor for it, and its file structure is private,
 * so the descriptor is found the way the kernel lists them: the first entry
 * of /proc/self/fd that is the vault file itself (same device and inode).
 * Any descriptor of the file will do, since writeback is of the file's pages,
 * not of one descriptor's writes.  Without /proc there is no hint.
 */
#include "vault_int.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

int am_vault_writeback_fd(const struct am_vault *v)
{
	struct stat want, got;
	struct dirent *d;
	DIR *dir;
	int fd = -1;

	if (v->db == NULL || !v->writable || stat(v->path, &want) != 0)
		return -1;
	dir = opendir("/proc/self/fd");
	if (dir == NULL)
		return -1;
	while (fd < 0 && (d = readdir(dir)) != NULL) {
		char *end;
		long n = strtol(d->d_name, &end, 10);
		if (*end != '\0' || end == d->d_name || n < 0 || n == dirfd(dir))
			continue;
		if (fstat((int)n, &got) == 0 && S_ISREG(got.st_mode) && got.st_dev == want.st_dev &&
		    got.st_ino == want.st_ino)
			fd = (int)n;
	}
	closedir(dir);
	return fd;
}
