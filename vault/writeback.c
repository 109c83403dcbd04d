/*
 * writeback.c — a second descriptor of the vault file, for the hint of
 * am_writeback during a long seal: SQLite writes a big entry's pages into the
 * page cache as its own cache spills, and without the hint the kernel keeps
 * them dirty until the commit's fsync, which then writes everything at once
 * while no core has anything else to do.  The descriptor only starts
 * writeback of the same file's pages; durability is still SQLite's COMMIT.
 */
#include "vault_int.h"

#include <fcntl.h>

int am_vault_writeback_fd(const struct am_vault *v)
{
	if (v->path == NULL || !v->writable)
		return -1;
	return open(v->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}
