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
 * SQLite has no public accessor for it; its unix VFS's file structure starts
 * with the methods, the VFS, the inode and then the descriptor, which is used
 * only when the VFS is one of SQLite's "unix" ones and the descriptor is of
 * the vault file itself (same device and inode), else there is no hint.
 */
#include "vault_int.h"

#include <string.h>
#include <sys/stat.h>

/* The head of SQLite's unixFile (os_unix.c), unchanged since 2008. */
struct unix_file_head {
	const sqlite3_io_methods *methods;
	sqlite3_vfs *vfs;
	void *inode;
	int h;
};

int am_vault_writeback_fd(const struct am_vault *v)
{
	sqlite3_file *f = NULL;
	sqlite3_vfs *vfs = NULL;
	struct stat a, b;
	int fd;

	if (v->db == NULL || !v->writable ||
	    sqlite3_file_control(v->db, "main", SQLITE_FCNTL_VFS_POINTER, &vfs) != SQLITE_OK ||
	    vfs == NULL || vfs->zName == NULL || strncmp(vfs->zName, "unix", 4) != 0 ||
	    sqlite3_file_control(v->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
	    f == NULL || f->pMethods == NULL)
		return -1;
	fd = ((const struct unix_file_head *)(const void *)f)->h;
	if (fd < 0 || fstat(fd, &a) != 0 || stat(v->path, &b) != 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino)
		return -1;
	return fd;
}
