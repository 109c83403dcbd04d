/* fsutil.c — race-free creation of new files. */
#include "fsutil.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <unistd.h>

/* write or (off >= 0) pwrite all of buf, retrying EINTR and short writes */
static int write_loop(int fd, const void *buf, size_t n, off_t off)
{
	const unsigned char *p = buf;

	while (n > 0) {
		ssize_t w = off < 0 ? write(fd, p, n) : pwrite(fd, p, n, off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		if (off >= 0)
			off += w;
	}
	return 0;
}

int am_write_all(int fd, const void *buf, size_t n)
{
	return write_loop(fd, buf, n, -1);
}

int am_pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
	if (off > (uint64_t)INT64_MAX) {
		errno = EFBIG;
		return -1;
	}
	return write_loop(fd, buf, n, (off_t)off);
}

long long am_read_full(int fd, void *buf, size_t n)
{
	unsigned char *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (long long)got;
}

/* Directory part of path ("." when it has none); malloc'ed. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* fsync a directory so that a link or rename in it survives a crash. */
static int fsync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd, rc = -1;

	if (dir == NULL)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		rc = fsync(fd);
		/* some filesystems cannot fsync a directory; that is not data loss */
		if (rc != 0 && (errno == EINVAL || errno == EBADF))
			rc = 0;
		close(fd);
	}
	free(dir);
	return rc;
}

/* A fresh, unpredictable temporary name beside the final one. */
static char *temp_name(const char *dir)
{
	unsigned char r[12];
	size_t n = strlen(dir) + 64;
	char *p = malloc(n);

	if (p == NULL)
		return NULL;
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		free(p);
		return NULL;
	}
	snprintf(p, n, "%s/.amanat-tmp-%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x", dir,
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11]);
	return p;
}

enum am_status am_newfile_open(struct am_newfile *f, const char *path,
			       int mode, int overwrite, struct am_err *e)
{
	char *dir = NULL;
	struct stat sb;
	sigset_t old;
	int tries, err, nomem = 0;

	f->fd = -1;
	f->tmp = NULL;
	f->final = NULL;
	/* lstat: a dangling symbolic link is there too, and is never replaced */
	if (lstat(path, &sb) == 0) {
		if (!overwrite)
			return am_fail(e, AM_EEXIST, "%s already exists; refusing to overwrite it",
				       path);
		if (!S_ISREG(sb.st_mode))
			return am_fail(e, AM_EEXIST, "%s is not a regular file; refusing to replace it",
				       path);
	}
	dir = dir_of(path);
	f->final = strdup(path);
	if (dir == NULL || f->final == NULL)
		goto oom;
	/*
	 * An unnamed file first: if we are killed, even with SIGKILL, nothing
	 * is left behind, plaintext included.  It gets its name only at commit.
	 * Readable too, so that what was written can be hashed before it is named.
	 */
	f->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
	/*
	 * a named temporary file (no O_TMPFILE here): removed if we are
	 * interrupted, so no stop signal may come between creating and registering it
	 */
	am_stop_signals_block(&old);
	for (tries = 0; f->fd < 0 && tries < 100; tries++) {
		free(f->tmp);
		f->tmp = temp_name(dir);
		if (f->tmp == NULL) {
			nomem = 1;
			break;
		}
		f->fd = open(f->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (f->fd < 0 && errno != EEXIST)
			break;
	}
	err = errno;
	if (f->fd >= 0 && f->tmp != NULL)
		am_cleanup_file(f->tmp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	if (nomem)
		goto oom;
	if (f->fd < 0) {
		enum am_status st;
		err = errno;
		st = am_fail(e, (err == ENOENT || err == ENOTDIR) ? AM_EINPUT : AM_EIO,
			     "cannot create a file in %s: %s", dir, strerror(err));
		free(dir);
		am_newfile_abort(f);
		return st;
	}
	free(dir);
	/* the umask must not widen or narrow what the caller asked for */
	if (fchmod(f->fd, (mode_t)mode) != 0) {
		am_newfile_abort(f);
		return am_fail(e, AM_EIO, "cannot set the mode of %s: %s", path, strerror(errno));
	}
	return AM_OK;
oom:
	free(dir);
	am_newfile_abort(f);
	return am_fail(e, AM_ENOMEM, "out of memory");
}

enum am_status am_newfile_write(struct am_newfile *f, const void *buf, size_t n,
				struct am_err *e)
{
	if (am_write_all(f->fd, buf, n) != 0)
		return am_fail(e, AM_EIO, "cannot write %s: %s", f->final, strerror(errno));
	return AM_OK;
}

void am_newfile_abort(struct am_newfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	if (f->tmp != NULL) {
		unlink(f->tmp);
		am_cleanup_file(NULL);
	}
	free(f->tmp);
	free(f->final);
	f->fd = -1;
	f->tmp = NULL;
	f->final = NULL;
}

/* Give the file its name: link it (never replacing), or rename over when overwrite. */
static int place_file(struct am_newfile *f, int overwrite)
{
	char proc[64], *tmp;
	struct stat st;
	int rc;

	/* replace a regular file only: never a link, a device, a FIFO or a directory */
	if (overwrite && lstat(f->final, &st) == 0 && !S_ISREG(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	if (f->tmp != NULL) {
		if (overwrite)
			rc = rename(f->tmp, f->final);
		else if ((rc = link(f->tmp, f->final)) == 0)
			unlink(f->tmp);
		else if (errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS)
			/* vfat and exFAT have no hard links: rename, still never replacing */
			rc = renameat2(AT_FDCWD, f->tmp, AT_FDCWD, f->final, RENAME_NOREPLACE);
		if (rc == 0)
			am_cleanup_file(NULL);
		return rc;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd);
	if (!overwrite)
		return linkat(AT_FDCWD, proc, AT_FDCWD, f->final, AT_SYMLINK_FOLLOW);
	{
		char *dir = dir_of(f->final);
		tmp = dir ? temp_name(dir) : NULL;
		free(dir);
	}
	if (tmp == NULL) {
		errno = ENOMEM;
		return -1;
	}
	rc = linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW);
	if (rc == 0 && (rc = rename(tmp, f->final)) != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

enum am_status am_newfile_commit(struct am_newfile *f, int overwrite, struct am_err *e)
{
	enum am_status s = AM_OK;
	int err;

	if (fsync(f->fd) != 0) {
		s = am_fail(e, AM_EIO, "cannot sync %s: %s", f->final, strerror(errno));
		goto fail;
	}
	if (place_file(f, overwrite) != 0) {
		err = errno;
		if (err == EEXIST && overwrite)
			s = am_fail(e, AM_EEXIST, "%s is not a regular file; refusing to replace it",
				    f->final);
		else if (err == EEXIST)
			s = am_fail(e, AM_EEXIST, "%s already exists; refusing to overwrite it",
				    f->final);
		else
			s = am_fail(e, AM_EIO, "cannot create %s: %s", f->final, strerror(err));
		goto fail;
	}
	if (close(f->fd) != 0) {
		f->fd = -1;
		s = am_fail(e, AM_EIO, "cannot close %s: %s", f->final, strerror(errno));
		/* it is in place, but possibly incomplete: do not leave it */
		unlink(f->final);
		goto fail;
	}
	f->fd = -1;
	if (fsync_dir(f->final) != 0) {
		s = am_fail(e, AM_EIO, "cannot sync the directory of %s: %s", f->final,
			    strerror(errno));
		/* the file is in place; the caller learns durability is unsure */
	}
	free(f->tmp);
	free(f->final);
	f->tmp = f->final = NULL;
	return s;
fail:
	am_newfile_abort(f);
	return s;
}

/* What path is, for am_output: 0 nothing there, 1 a regular file, 2 a stream; or a refusal. */
static enum am_status output_kind(const char *path, int overwrite, int *kind, struct am_err *e)
{
	struct stat st;

	*kind = 0;
	if (strcmp(path, "-") == 0) {
		*kind = 2;
		return AM_OK;
	}
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return AM_OK;
		return am_fail(e, errno == ENOTDIR ? AM_EINPUT : AM_EIO, "cannot check %s: %s", path,
			       strerror(errno));
	}
	if (S_ISLNK(st.st_mode))
		return am_fail(e, AM_EINPUT, "%s is a symbolic link; refusing to follow or replace "
			       "it (name the file it points to, or remove the link)", path);
	if (S_ISDIR(st.st_mode))
		return am_fail(e, AM_EINPUT, "%s is a directory", path);
	if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
		*kind = 2;
		return AM_OK;
	}
	if (!S_ISREG(st.st_mode))
		return am_fail(e, AM_EINPUT, "%s is neither a regular file, a character device nor "
			       "a FIFO; refusing to write to it", path);
	if (!overwrite)
		return am_fail(e, AM_EEXIST, "%s already exists; refusing to overwrite it", path);
	*kind = 1;
	return AM_OK;
}

enum am_status am_output_check(const char *path, int overwrite, struct am_err *e)
{
	int kind;

	return output_kind(path, overwrite, &kind, e);
}

enum am_status am_output_open(struct am_output *o, const char *path, int mode, int overwrite,
			      struct am_err *e)
{
	struct stat st;
	enum am_status s;
	int kind;

	o->nf.fd = -1;
	o->nf.tmp = o->nf.final = NULL;
	o->fd = -1;
	o->stream = 0;
	o->own = 0;
	s = output_kind(path, overwrite, &kind, e);
	if (s != AM_OK)
		return s;
	if (kind != 2) {
		s = am_newfile_open(&o->nf, path, mode, overwrite, e);
		o->fd = o->nf.fd;
		return s;
	}
	o->stream = 1;
	if (strcmp(path, "-") == 0) {
		o->fd = STDOUT_FILENO;
		return AM_OK;
	}
	/* in place: no O_CREAT, no O_TRUNC, no link followed; a FIFO waits for its reader */
	o->fd = open(path, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (o->fd < 0)
		return am_fail(e, errno == ELOOP ? AM_EINPUT : AM_EIO, "cannot open %s: %s", path,
			       errno == ELOOP ? "it is a symbolic link" : strerror(errno));
	o->own = 1;
	/* what was opened must still be a stream, not a regular file put there since */
	if (fstat(o->fd, &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
		am_output_abort(o);
		return am_fail(e, AM_EINPUT, "%s changed while it was being opened; nothing written",
			       path);
	}
	return AM_OK;
}

enum am_status am_output_commit(struct am_output *o, int overwrite, struct am_err *e)
{
	int rc;

	if (!o->stream)
		return am_newfile_commit(&o->nf, overwrite, e);
	if (!o->own)
		return AM_OK;
	rc = close(o->fd);
	o->fd = -1;
	o->own = 0;
	if (rc != 0)
		return am_fail(e, AM_EIO, "cannot finish writing: %s", strerror(errno));
	return AM_OK;
}

void am_output_abort(struct am_output *o)
{
	if (!o->stream) {
		am_newfile_abort(&o->nf);
	} else if (o->own) {
		close(o->fd);
		o->own = 0;
	}
	o->fd = -1;
}

enum am_status am_write_new_file(const char *path, int mode, const void *buf,
				 size_t n, struct am_err *e)
{
	struct am_newfile f;
	enum am_status s;

	s = am_newfile_open(&f, path, mode, 0, e);
	if (s != AM_OK)
		return s;
	s = am_newfile_write(&f, buf, n, e);
	if (s != AM_OK) {
		am_newfile_abort(&f);
		return s;
	}
	return am_newfile_commit(&f, 0, e);
}

enum am_status am_read_small_file(const char *path, size_t max, unsigned char **out,
				  size_t *len, struct am_err *e)
{
	struct stat st;
	unsigned char *buf = NULL;
	long long got;
	int fd;

	*out = NULL;
	*len = 0;
	/* non-blocking, so that a FIFO named by mistake cannot hang us */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int err = errno;
		return am_fail(e, (err == ENOENT || err == ENOTDIR || err == EISDIR) ? AM_EINPUT : AM_EIO,
			       "cannot open %s: %s", path, strerror(err));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return am_fail(e, AM_EINPUT, "%s is not a regular file", path);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if ((unsigned long long)st.st_size > max) {
		close(fd);
		return am_fail(e, AM_EINPUT, "%s is too large to be what was expected", path);
	}
	buf = malloc((size_t)st.st_size + 2);
	if (buf == NULL) {
		close(fd);
		return am_fail(e, AM_ENOMEM, "out of memory");
	}
	got = am_read_full(fd, buf, (size_t)st.st_size + 1);
	close(fd);
	if (got < 0) {
		free(buf);
		return am_fail(e, AM_EIO, "cannot read %s: %s", path, strerror(errno));
	}
	if ((unsigned long long)got > max) {
		/* the file grew while read: what was read may be a recovery share */
		explicit_bzero(buf, (size_t)got);
		free(buf);
		return am_fail(e, AM_EINPUT, "%s is too large to be what was expected", path);
	}
	buf[got] = '\0'; /* so that text files can be parsed as strings */
	*out = buf;
	*len = (size_t)got;
	return AM_OK;
}

void am_writeback(int fd, uint64_t *since, size_t n)
{
	*since += n;
	if (*since < AM_WRITEBACK_STEP)
		return;
	*since = 0;
#ifdef SYNC_FILE_RANGE_WRITE
	/* start writing back every dirty page of the file; wait for none of it */
	(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
	(void)fd;
#endif
}
