/*
 * bundle_reader.c — the files of a bundle, from a directory or a ZIP, for
 * the verifier.  Nothing here trusts the bundle: directories are walked
 * without following symbolic links and every file is opened component by
 * component with O_NOFOLLOW; ZIP entries are listed from the central
 * directory with bounded counts and name lengths, made relative to the bag's
 * base directory, and read by streaming through minizip with their declared
 * sizes enforced.
 */
#include "bundle_verify_int.h"

#include "../common/worker.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unzip.h>

/*
 * Files are read BUFSZ at a time into two buffers in turn: the SHA-512 of one
 * (on a second thread, see feed_all) goes on while the next is read.
 */
#define BUFSZ 65536

struct bv_reader {
	int zip;
	int saw_bagit;
	int rootfd;
	unzFile uf;
	struct bv_file *v;
	size_t n, cap;
};

int bv_path_ok(const char *p, size_t n)
{
	size_t start = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i <= n;) {
		size_t len;
		int ok;

		if (i == n || p[i] == '/') {
			len = i - start;
			if (len == 0 || (len == 1 && p[start] == '.') ||
			    (len == 2 && p[start] == '.' && p[start + 1] == '.'))
				return 0;
			start = ++i;
			continue;
		}
		/* the characters the exporter writes (rules.c), UTF-8 included */
		len = bundle_name_char((const unsigned char *)p + i, n - i, &ok);
		if (!ok)
			return 0;
		i += len;
	}
	return 1;
}

int bv_reader_is_zip(const struct bv_reader *rd)
{
	return rd->zip;
}

int bv_reader_saw_bagit(const struct bv_reader *rd)
{
	return rd->saw_bagit;
}

size_t bv_reader_count(const struct bv_reader *rd)
{
	return rd->n;
}

struct bv_file *bv_reader_at(struct bv_reader *rd, size_t i)
{
	return &rd->v[i];
}

struct bv_file *bv_reader_find(struct bv_reader *rd, const char *name)
{
	size_t lo = 0, hi = rd->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(rd->v[mid].name, name);
		if (c == 0)
			return &rd->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void bv_reader_close(struct bv_reader *rd)
{
	if (rd == NULL)
		return;
	for (size_t i = 0; i < rd->n; i++)
		free(rd->v[i].name);
	free(rd->v);
	if (rd->rootfd >= 0)
		close(rd->rootfd);
	if (rd->uf != NULL)
		unzClose(rd->uf);
	free(rd);
}

/* Add a file to the listing; -1 when out of memory or over the bound. */
static int add_file(struct bv_reader *rd, struct am_bundle_report *rep, const char *name,
                    uint64_t size, const uint64_t zpos[2])
{
	if (rd->n == BV_MAX_FILES) {
		bv_report_add(rep, "the bundle holds more than %u files; not checking it further",
		              BV_MAX_FILES);
		return -1;
	}
	if (rd->n == rd->cap) {
		size_t cap = rd->cap ? 2 * rd->cap : 64;
		struct bv_file *g = realloc(rd->v, cap * sizeof(*g));
		if (g == NULL)
			return -1;
		rd->v = g;
		rd->cap = cap;
	}
	memset(&rd->v[rd->n], 0, sizeof(rd->v[0]));
	rd->v[rd->n].name = strdup(name);
	if (rd->v[rd->n].name == NULL)
		return -1;
	rd->v[rd->n].size = size;
	if (zpos != NULL) {
		rd->v[rd->n].zpos[0] = zpos[0];
		rd->v[rd->n].zpos[1] = zpos[1];
	}
	rd->n++;
	return 0;
}

/* ---- directories -------------------------------------------------------- */

static enum am_status walk(struct bv_reader *rd, struct am_bundle_report *rep, int dfd,
                           const char *prefix, int depth, struct am_err *e)
{
	enum am_status s = AM_OK;
	struct dirent *de;
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return am_fail(e, AM_EIO, "cannot list %s: %s", *prefix ? prefix : "the bundle",
		               strerror(errno));
	}
	while (s == AM_OK) {
		char rel[BV_MAX_NAME + 2];
		struct stat st;
		int n;

		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			if (errno != 0)
				s = am_fail(e, AM_EIO, "cannot list %s: %s",
				            *prefix ? prefix : "the bundle", strerror(errno));
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		n = snprintf(rel, sizeof(rel), "%s%s", prefix, de->d_name);
		if (n < 0 || (size_t)n > BV_MAX_NAME) {
			bv_report_add(rep, "%.80s...: path is longer than %u bytes", rel,
			              BV_MAX_NAME);
			continue;
		}
		rd->saw_bagit |= strcmp(rel, "bagit.txt") == 0;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			s = am_fail(e, AM_EIO, "cannot read %s: %s", rel, strerror(errno));
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			bv_report_add(
			    rep, "%s: is a symbolic link; a bundle holds regular files only", rel);
		} else if (S_ISDIR(st.st_mode)) {
			int sub;
			if (depth >= BV_MAX_DEPTH) {
				bv_report_add(rep, "%s: directories nest deeper than %d levels",
				              rel, BV_MAX_DEPTH);
				continue;
			}
			sub = openat(dfd, de->d_name,
			             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				s = am_fail(e, AM_EIO, "cannot open %s: %s", rel, strerror(errno));
				break;
			}
			if ((size_t)n + 1 > BV_MAX_NAME) {
				close(sub);
				bv_report_add(rep, "%.80s...: path is longer than %u bytes", rel,
				              BV_MAX_NAME);
				continue;
			}
			rel[n] = '/';
			rel[n + 1] = '\0';
			s = walk(rd, rep, sub, rel, depth + 1, e);
			close(sub);
		} else if (!S_ISREG(st.st_mode)) {
			bv_report_add(rep, "%s: is not a regular file", rel);
		} else if (!bv_path_ok(rel, (size_t)n)) {
			bv_report_add(rep,
			              "%s: name is not a safe bundle path (parts of letters, digits, "
			              "'.', '_' and '-' joined by /)",
			              rel);
		} else if (add_file(rd, rep, rel, (uint64_t)st.st_size, NULL) != 0) {
			s = rd->n == BV_MAX_FILES ? AM_EVERIFY
			                          : am_fail(e, AM_ENOMEM, "out of memory");
		}
	}
	closedir(d);
	return s;
}

/*
 * Open name under the root one component at a time, refusing symbolic
 * links on the way: what is read is what was listed, inside the bundle.
 */
static int open_rel(const struct bv_reader *rd, const char *name)
{
	char part[BV_MAX_NAME + 1];
	const char *p = name, *slash;
	int dfd = rd->rootfd, fd;

	while ((slash = strchr(p, '/')) != NULL) {
		size_t n = (size_t)(slash - p);
		if (n >= sizeof(part)) {
			errno = ENAMETOOLONG;
			fd = -1;
			goto out;
		}
		memcpy(part, p, n);
		part[n] = '\0';
		fd = openat(dfd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd != rd->rootfd)
			close(dfd);
		if (fd < 0)
			return -1;
		dfd = fd;
		p = slash + 1;
	}
	fd = openat(dfd, p, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
out:
	if (dfd != rd->rootfd) {
		int err = errno;
		close(dfd);
		errno = err;
	}
	return fd;
}

static enum am_status stream_dir(struct bv_reader *rd, struct bv_file *f, uint64_t max,
                                 unsigned char *buf, uint64_t *total,
                                 void (*feed)(void *, const unsigned char *, size_t), void *fctx,
                                 struct am_err *e)
{
	struct stat st;
	long long n;
	int fd = open_rel(rd, f->name);

	if (fd < 0) {
		if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR)
			return am_fail(e, AM_EVERIFY,
			               "%s: was removed or replaced by a link while "
			               "being verified",
			               f->name);
		return am_fail(e, AM_EIO, "cannot open %s: %s", f->name, strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return am_fail(e, AM_EVERIFY, "%s: is not a regular file", f->name);
	}
	for (size_t k = 0; (n = am_read_full(fd, buf + (k & 1) * BUFSZ, BUFSZ)) > 0; k++) {
		*total += (uint64_t)n;
		if (*total > max) {
			close(fd);
			return am_fail(e, AM_EVERIFY, "%s: is larger than %llu bytes", f->name,
			               (unsigned long long)max);
		}
		feed(fctx, buf + (k & 1) * BUFSZ, (size_t)n);
	}
	close(fd);
	if (n < 0)
		return am_fail(e, AM_EIO, "cannot read %s: %s", f->name, strerror(errno));
	return AM_OK;
}

/* ---- ZIP ---------------------------------------------------------------- */

/* ZIP general purpose bit 11 (APPNOTE 4.4.4): the name is UTF-8. */
#define ZIP_UTF8_FLAG (1u << 11)

static int ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* 1 when a '/'-separated name has a ".." part. */
static int has_dotdot(const char *name)
{
	for (const char *p = name; (p = strstr(p, "..")) != NULL; p++)
		if ((p == name || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return 1;
	return 0;
}

static enum am_status list_zip(struct bv_reader *rd, struct am_bundle_report *rep, struct am_err *e)
{
	char name[BV_MAX_NAME + 1];
	size_t seen = 0;
	int rc;

	for (rc = unzGoToFirstFile(rd->uf); rc == UNZ_OK; rc = unzGoToNextFile(rd->uf)) {
		unz_file_info64 fi;
		unz64_file_pos pos;
		uint64_t zpos[2];
		size_t len;
		unsigned mode;

		if (++seen > BV_MAX_FILES) {
			bv_report_add(rep,
			              "the ZIP holds more than %u entries; not checking it further",
			              BV_MAX_FILES);
			return AM_EVERIFY;
		}
		memset(name, 0, sizeof(name));
		if (unzGetCurrentFileInfo64(rd->uf, &fi, name, sizeof(name), NULL, 0, NULL, 0) !=
		    UNZ_OK) {
			bv_report_add(rep, "the ZIP's central directory is damaged");
			return AM_EVERIFY;
		}
		if (fi.size_filename > BV_MAX_NAME) {
			bv_report_add(rep, "%.80s...: ZIP entry name is longer than %u bytes", name,
			              BV_MAX_NAME);
			continue;
		}
		len = strlen(name);
		{
			const char *sl = strchr(name, '/');
			rd->saw_bagit |= strcmp(name, "bagit.txt") == 0 ||
			                 (sl != NULL && strcmp(sl, "/bagit.txt") == 0);
		}
		mode = (fi.version >> 8) == 3 ? (unsigned)(fi.external_fa >> 16) : 0;
		if (len != fi.size_filename) {
			bv_report_add(rep, "%s: ZIP entry name holds a NUL byte", name);
		} else if (len > 0 && name[len - 1] == '/') {
			/* a directory entry, as `zip -r` writes: it holds nothing */
			if (fi.uncompressed_size != 0)
				bv_report_add(rep, "%s: ZIP directory entry holds data", name);
		} else if (name[0] == '/' || strchr(name, '\\') != NULL || has_dotdot(name)) {
			bv_report_add(rep, "%s: ZIP entry name is absolute or leaves the bundle",
			              name);
		} else if (!bv_path_ok(name, len)) {
			bv_report_add(rep,
			              "%s: name is not a safe bundle path (parts of letters, digits, "
			              "'.', '_' and '-' joined by /)",
			              name);
		} else if (!(fi.flag & ZIP_UTF8_FLAG) && !ascii(name)) {
			bv_report_add(rep,
			              "%s: ZIP entry name is not ASCII and its UTF-8 flag (general "
			              "purpose bit 11) is not set, so unzip tools read it as another "
			              "name",
			              name);
		} else if (fi.flag & 1) {
			bv_report_add(rep, "%s: is an encrypted ZIP entry", name);
		} else if (fi.compression_method != 0 && fi.compression_method != Z_DEFLATED) {
			bv_report_add(rep,
			              "%s: uses ZIP compression method %lu (only stored and "
			              "deflated are allowed)",
			              name, (unsigned long)fi.compression_method);
		} else if ((mode & S_IFMT) != 0 && (mode & S_IFMT) != S_IFREG) {
			bv_report_add(rep, "%s: is a symbolic link or special file in the ZIP",
			              name);
		} else if (unzGetFilePos64(rd->uf, &pos) != UNZ_OK) {
			bv_report_add(rep, "the ZIP's central directory is damaged");
			return AM_EVERIFY;
		} else {
			zpos[0] = pos.pos_in_zip_directory;
			zpos[1] = pos.num_of_file;
			if (add_file(rd, rep, name, fi.uncompressed_size, zpos) != 0)
				return rd->n == BV_MAX_FILES
				           ? AM_EVERIFY
				           : am_fail(e, AM_ENOMEM, "out of memory");
		}
	}
	if (rc != UNZ_END_OF_LIST_OF_FILE) {
		if (rc == UNZ_ERRNO)
			return am_fail(e, AM_EIO, "cannot read the ZIP: %s", strerror(errno));
		bv_report_add(rep, "the ZIP's central directory is damaged");
		return AM_EVERIFY;
	}
	return AM_OK;
}

/*
 * RFC 8493 §4.2: a serialized bag holds one top-level directory, the bag's
 * base directory (docs/BUNDLE.md names it after the ZIP file, but a renamed
 * file must still verify, so any one name is taken).  Names are made
 * relative to it; anything outside it is reported and left out.  A ZIP with
 * bagit.txt at its root (a bag zipped from inside) is read as it is.
 */
static void rebase(struct bv_reader *rd, struct am_bundle_report *rep)
{
	const char *base = NULL;
	size_t blen = 0, k = 0, nbags = 0;

	for (size_t i = 0; i < rd->n; i++) {
		const char *slash = strchr(rd->v[i].name, '/');
		if (strcmp(rd->v[i].name, "bagit.txt") == 0)
			return; /* the bag is at the root */
		if (slash != NULL && strcmp(slash, "/bagit.txt") == 0) {
			if (nbags++ == 0) {
				base = rd->v[i].name;
				blen = (size_t)(slash - base) + 1;
			}
		}
	}
	if (nbags == 0)
		return;
	if (nbags > 1) {
		bv_report_add(rep,
		              "the ZIP holds %zu top-level directories with a bagit.txt; a "
		              "bundle is one bag",
		              nbags);
		return;
	}
	{
		char *b = strndup(base, blen);
		if (b == NULL)
			return;
		for (size_t i = 0; i < rd->n; i++) {
			char *name = rd->v[i].name;
			if (strncmp(name, b, blen) != 0) {
				bv_report_add(
				    rep, "%s: is outside the bag's base directory %s in the ZIP",
				    name, b);
				free(name);
				continue;
			}
			memmove(name, name + blen, strlen(name + blen) + 1);
			rd->v[k++] = rd->v[i];
		}
		rd->n = k;
		free(b);
	}
}

static enum am_status stream_zip(struct bv_reader *rd, struct bv_file *f, uint64_t max,
                                 unsigned char *buf, uint64_t *total,
                                 void (*feed)(void *, const unsigned char *, size_t), void *fctx,
                                 struct am_err *e)
{
	unz64_file_pos pos;
	int n, rc;

	pos.pos_in_zip_directory = f->zpos[0];
	pos.num_of_file = f->zpos[1];
	if (f->size > max)
		return am_fail(e, AM_EVERIFY, "%s: is larger than %llu bytes", f->name,
		               (unsigned long long)max);
	rc = unzGoToFilePos64(rd->uf, &pos);
	if (rc == UNZ_OK)
		rc = unzOpenCurrentFile(rd->uf);
	if (rc != UNZ_OK)
		return rc == UNZ_ERRNO
		           ? am_fail(e, AM_EIO, "cannot read %s from the ZIP", f->name)
		           : am_fail(e, AM_EVERIFY, "%s: its ZIP entry is damaged", f->name);
	for (size_t k = 0; (n = unzReadCurrentFile(rd->uf, buf + (k & 1) * BUFSZ, BUFSZ)) > 0; k++) {
		*total += (uint64_t)n;
		if (*total > f->size) {
			unzCloseCurrentFile(rd->uf);
			return am_fail(e, AM_EVERIFY,
			               "%s: holds more bytes than its ZIP entry declares", f->name);
		}
		feed(fctx, buf + (k & 1) * BUFSZ, (size_t)n);
	}
	rc = unzCloseCurrentFile(rd->uf);
	if (n < 0)
		return n == UNZ_ERRNO ? am_fail(e, AM_EIO, "cannot read %s from the ZIP", f->name)
		                      : am_fail(e, AM_EVERIFY,
		                                "%s: its ZIP entry cannot be "
		                                "decompressed",
		                                f->name);
	if (*total != f->size)
		return am_fail(e, AM_EVERIFY, "%s: holds fewer bytes than its ZIP entry declares",
		               f->name);
	if (rc == UNZ_CRCERROR)
		return am_fail(e, AM_EVERIFY, "%s: fails its ZIP CRC-32 check", f->name);
	if (rc != UNZ_OK)
		return am_fail(e, AM_EVERIFY, "%s: its ZIP entry is damaged", f->name);
	return AM_OK;
}

/* ---- reading ------------------------------------------------------------ */

struct feed {
	am_sha256_ctx h256;
	am_sha512_ctx h512;
	int want512;
	struct am_side side;
	struct am_sha512_job job; /* on the side, over the buffer not being read into */
	bv_chunk_fn fn;
	void *ctx;
};

/*
 * Each buffer read: its SHA-512 (libsodium's, the slowest of the hashes and
 * most of a big bundle's verification) goes to the second thread, which the
 * reader lets finish only when it has read the next buffer, into the other
 * half of buf.
 */
static void feed_all(void *c, const unsigned char *p, size_t n)
{
	struct feed *fd = c;

	am_side_wait(&fd->side);
	if (fd->want512) {
		fd->job = (struct am_sha512_job){ &fd->h512, p, n };
		if (n >= AM_SHA512_JOB_MIN)
			am_side_go(&fd->side, am_sha512_job_run, &fd->job);
		else
			am_sha512_job_run(&fd->job);
	}
	am_sha256_update(&fd->h256, p, n);
	if (fd->fn != NULL)
		fd->fn(fd->ctx, p, n);
}

enum am_status bv_reader_stream(struct bv_reader *rd, struct bv_file *f, uint64_t max,
                                bv_chunk_fn fn, void *ctx, struct am_err *e)
{
	struct feed fd;
	uint64_t total = 0;
	unsigned char *buf = malloc(2 * BUFSZ);
	enum am_status s;

	if (buf == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	am_sha256_init(&fd.h256);
	am_sha512_init(&fd.h512);
	fd.want512 = strncmp(f->name, "data/", 5) == 0;
	am_side_init(&fd.side);
	fd.fn = fn;
	fd.ctx = ctx;
	f->hashed = 0;
	if (rd->zip)
		s = stream_zip(rd, f, max, buf, &total, feed_all, &fd, e);
	else
		s = stream_dir(rd, f, max, buf, &total, feed_all, &fd, e);
	am_side_wait(&fd.side);
	am_side_release(&fd.side);
	free(buf);
	if (s != AM_OK)
		return s;
	am_sha256_final(&fd.h256, f->sha256);
	if (fd.want512)
		am_sha512_final(&fd.h512, f->sha512);
	f->real_size = total;
	f->hashed = 1;
	return AM_OK;
}

static void to_buf(void *ctx, const unsigned char *p, size_t n)
{
	am_buf_add(ctx, p, n);
}

enum am_status bv_reader_load(struct bv_reader *rd, struct bv_file *f, size_t max,
                              unsigned char **out, size_t *len, struct am_err *e)
{
	struct am_buf b;
	enum am_status s;

	*out = NULL;
	*len = 0;
	am_buf_init(&b);
	s = bv_reader_stream(rd, f, max, to_buf, &b, e);
	if (s == AM_OK)
		am_buf_u8(&b, '\0');
	if (s == AM_OK && b.oom)
		s = am_fail(e, AM_ENOMEM, "out of memory");
	if (s != AM_OK) {
		am_buf_release(&b);
		return s;
	}
	*out = am_buf_detach(&b, len);
	(*len)--; /* the NUL is not part of the file */
	return AM_OK;
}

/* ---- opening ------------------------------------------------------------ */

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct bv_file *)a)->name, ((const struct bv_file *)b)->name);
}

/* Sort the listing and drop names a ZIP repeats (each one reported). */
static void sort_listing(struct bv_reader *rd, struct am_bundle_report *rep)
{
	size_t k = 0;

	if (rd->n > 1)
		qsort(rd->v, rd->n, sizeof(*rd->v), cmp_file);
	for (size_t i = 0; i < rd->n; i++) {
		if (k > 0 && strcmp(rd->v[k - 1].name, rd->v[i].name) == 0) {
			bv_report_add(rep, "%s: appears more than once in the ZIP", rd->v[i].name);
			free(rd->v[i].name);
			continue;
		}
		rd->v[k++] = rd->v[i];
	}
	rd->n = k;
}

enum am_status bv_reader_open(const char *path, struct am_bundle_report *rep,
                              struct bv_reader **out, struct am_err *e)
{
	struct bv_reader *rd = calloc(1, sizeof(*rd));
	struct stat st;
	unsigned char magic[4];
	enum am_status s;
	int fd;

	*out = NULL;
	if (rd == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	rd->rootfd = -1;
	if (stat(path, &st) != 0) {
		int err = errno;
		free(rd);
		return am_fail(e, err == ENOENT || err == ENOTDIR ? AM_EINPUT : AM_EIO,
		               "cannot read %s: %s", path, strerror(err));
	}
	if (S_ISDIR(st.st_mode)) {
		rd->rootfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rd->rootfd < 0) {
			int err = errno;
			free(rd);
			return am_fail(e, AM_EIO, "cannot open %s: %s", path, strerror(err));
		}
		s = walk(rd, rep, rd->rootfd, "", 0, e);
	} else if (S_ISREG(st.st_mode)) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			int err = errno;
			free(rd);
			return am_fail(e, AM_EIO, "cannot open %s: %s", path, strerror(err));
		}
		memset(magic, 0, sizeof(magic));
		if (am_read_full(fd, magic, sizeof(magic)) < 0) {
			int err = errno;
			close(fd);
			free(rd);
			return am_fail(e, AM_EIO, "cannot read %s: %s", path, strerror(err));
		}
		close(fd);
		if (memcmp(magic, "AMNX", 4) == 0) {
			free(rd);
			return am_fail(e, AM_EINPUT,
			               "%s is an encrypted bundle: decrypt it first with "
			               "'amanat open-bundle'",
			               path);
		}
		rd->zip = 1;
		rd->uf = unzOpen64(path);
		if (rd->uf == NULL) {
			free(rd);
			return am_fail(e, AM_EINPUT,
			               "%s is neither a bundle directory nor a readable "
			               "ZIP file",
			               path);
		}
		s = list_zip(rd, rep, e);
		if (s == AM_OK)
			rebase(rd, rep);
	} else {
		free(rd);
		return am_fail(e, AM_EINPUT, "%s is neither a bundle directory nor a ZIP file",
		               path);
	}
	if (s != AM_OK) {
		bv_reader_close(rd);
		return s;
	}
	sort_listing(rd, rep);
	*out = rd;
	return AM_OK;
}
