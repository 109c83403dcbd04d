/*
 * fsutil.h — creating files without races and without half-written results.
 *
 * New files are written under a temporary name made with
 * O_CREAT|O_EXCL|O_NOFOLLOW, fsynced, then linked into place with link(2),
 * which fails instead of replacing an existing file; the directory is fsynced
 * after.  A crash at any point leaves either no file or the whole file (and at
 * worst a stray ".amanat-tmp-*" beside it).
 */
#ifndef AMANAT_FSUTIL_H
#define AMANAT_FSUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* A file being written: the temporary name and the name it will get. */
struct am_newfile {
	int fd;
	char *tmp;
	char *final;
};

/*
 * Start writing `path` with permission bits `mode`.  Fails with AM_EEXIST if
 * path exists (unless overwrite is set, in which case commit replaces it).
 */
AM_WUR enum am_status am_newfile_open(struct am_newfile *f, const char *path,
				      int mode, int overwrite, struct am_err *e);
/* Write all of buf; retries short writes and EINTR. */
AM_WUR enum am_status am_newfile_write(struct am_newfile *f, const void *buf,
				       size_t n, struct am_err *e);
/*
 * fsync, link into place (or rename when overwrite), fsync the directory.
 * Always releases f; on failure the temporary file is removed.
 */
AM_WUR enum am_status am_newfile_commit(struct am_newfile *f, int overwrite,
					struct am_err *e);
/* Give up: close and remove the temporary file.  Safe on a released f. */
void am_newfile_abort(struct am_newfile *f);

/*
 * Where decrypted output goes when the person names it (extract -o): a new
 * file (struct am_newfile: unnamed until commit, then linked, or with
 * overwrite renamed over an existing regular file), or a stream written in
 * place: standard output ("-"), or an existing character device or FIFO,
 * opened without O_CREAT or O_TRUNC and never replaced.  A symbolic link is
 * neither followed nor replaced; directories, block devices and sockets are
 * refused.  Refusals are AM_EEXIST ("already exists", for a regular file
 * without overwrite) or AM_EINPUT (what it is), each naming path.
 */
struct am_output {
	struct am_newfile nf; /* a file: nf.fd >= 0 */
	int fd;               /* where to write */
	int stream;           /* 1: written in place, nothing to commit */
	int own;              /* 1: fd was opened here and is closed at the end */
};
/* Check what path is, opening nothing: the refusal am_output_open would give, or AM_OK. */
AM_WUR enum am_status am_output_check(const char *path, int overwrite, struct am_err *e);
AM_WUR enum am_status am_output_open(struct am_output *o, const char *path, int mode,
				     int overwrite, struct am_err *e);
/* A file: fsync and put in place (am_newfile_commit); a stream: close it if ours. */
AM_WUR enum am_status am_output_commit(struct am_output *o, int overwrite, struct am_err *e);
/* Give up: a file is removed unnamed; a stream is closed (what it got stays written). */
void am_output_abort(struct am_output *o);

/* Write a whole small file atomically; refuses to overwrite. */
AM_WUR enum am_status am_write_new_file(const char *path, int mode,
					const void *buf, size_t n,
					struct am_err *e);

/*
 * Read a whole file of at most max bytes into malloc'ed memory (caller
 * frees), with a NUL after the last byte that len does not count.
 * Larger files fail with AM_EINPUT: no reader here is meant for big data.
 */
AM_WUR enum am_status am_read_small_file(const char *path, size_t max,
					 unsigned char **out, size_t *len,
					 struct am_err *e);

/* Write all of buf to fd, retrying EINTR and short writes; 0 or -1. */
int am_write_all(int fd, const void *buf, size_t n);
/* The same at offset off (the file offset is left alone); 0 or -1. */
int am_pwrite_all(int fd, const void *buf, size_t n, uint64_t off);
/* Read up to n bytes, retrying until n or EOF; bytes read or -1. */
long long am_read_full(int fd, void *buf, size_t n);

/*
 * A hint for long writes to fd: once AM_WRITEBACK_STEP more bytes have been
 * written (counted in *since), start writing back what is dirty in its file
 * (Linux sync_file_range), so that the final fsync finds little left to do.
 * Never a substitute for fsync; errors (a pipe, a terminal) are ignored.
 */
#define AM_WRITEBACK_STEP (32u << 20)
void am_writeback(int fd, uint64_t *since, size_t n);

#endif
