/* cleanup.c — see cleanup.h. */
#include "cleanup.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char dir_path[4096];
static volatile int dir_set;
static char file_path[4096];
static volatile int file_set;

void am_cleanup_file(const char *path)
{
	file_set = 0;
	if (path == NULL || strlen(path) >= sizeof(file_path))
		return;
	memcpy(file_path, path, strlen(path) + 1);
	file_set = 1;
}

void am_stop_signals_block(sigset_t *old)
{
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &stop, old);
}

void am_cleanup_dir(const char *path)
{
	dir_set = 0;
	if (path == NULL || strlen(path) >= sizeof(dir_path))
		return;
	memcpy(dir_path, path, strlen(path) + 1);
	dir_set = 1;
}

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/*
 * Remove everything under the directory fd, depth-limited.  Removing while
 * reading can make getdents skip names, so read again from the start until
 * a whole pass finds nothing but "." and "..".
 */
static void remove_under(int fd, int depth)
{
	char buf[4096];
	long n;

	if (depth > 8)
		return;
	for (int pass = 0; pass < 64; pass++) {
		int found = 0;
		if (lseek(fd, 0, SEEK_SET) != 0)
			return;
		while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
			for (long off = 0; off < n;) {
				struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
				off += d->d_reclen;
				if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
					continue;
				found = 1;
				if (d->d_type == DT_DIR) {
					int sub = openat(fd, d->d_name,
							 O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
					if (sub >= 0) {
						remove_under(sub, depth + 1);
						close(sub);
					}
					unlinkat(fd, d->d_name, AT_REMOVEDIR);
				} else {
					unlinkat(fd, d->d_name, 0);
				}
			}
		}
		if (!found)
			return;
	}
}

void am_cleanup_run(void)
{
	int fd;

	if (file_set)
		unlink(file_path);
	if (!dir_set)
		return;
	fd = open(dir_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	if (fd >= 0) {
		remove_under(fd, 0);
		close(fd);
	}
	rmdir(dir_path);
	dir_set = 0;
}
