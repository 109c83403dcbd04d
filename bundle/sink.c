/* sink.c — writing a bundle's files to a directory or a ZIP (see sink.h). */
#include "sink.h"

#include "bundle_crypt.h"

#include "../common/cleanup.h"
#include "../common/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#define MAX_FORBID 4096

struct forbid {
	unsigned char *v;
	size_t n;
	char *label;
};

/* Where minizip writes: a file descriptor, or an encrypted bundle (bundle_crypt.h). */
struct zout {
	int fd;
	struct am_bx *bx;
	uint64_t len, pos;
	int err;
};

struct am_sink {
	int kind;
	char *path, *tmpdir;
	char base[128];         /* a ZIP's one top-level directory (RFC 8493 §4.2) */
	struct am_newfile nf;
	struct zout zo;
	zipFile zf;
	uint32_t dos;
	struct forbid *fb;
	size_t nfb, maxfb;
	unsigned char *carry;
	size_t ncarry;
	/* the file being written */
	int open, fd;
	struct am_sink_file cur;
	am_sha256_ctx h256;
	am_sha512_ctx h512;
	struct am_side side;
	struct am_sink_file *files;
	size_t nfiles;
};

/* ZIP general purpose bit 11 (APPNOTE 4.4.4): the name is UTF-8. */
#define ZIP_UTF8_FLAG (1u << 11)
/* "version made by" (APPNOTE 4.4.2): Unix, ZIP specification 3.0 */
#define ZIP_MADE_BY_UNIX ((3u << 8) | 30u)

static int ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* ---- minizip I/O over struct zout ---- */

static voidpf ZCALLBACK z_open(voidpf opaque, const void *name, int mode)
{
	(void)name;
	(void)mode;
	return opaque;
}

static uLong ZCALLBACK z_read(voidpf opaque, voidpf stream, void *buf, uLong size)
{
	(void)opaque;
	(void)stream;
	(void)buf;
	(void)size;
	return 0; /* write-only */
}

static uLong ZCALLBACK z_write(voidpf opaque, voidpf stream, const void *buf, uLong size)
{
	struct zout *z = stream;
	int rc;

	(void)opaque;
	if (z->bx != NULL)
		rc = am_bx_pwrite(z->bx, buf, size, z->pos);
	else
		rc = am_pwrite_all(z->fd, buf, size, z->pos);
	if (rc != 0) {
		z->err = errno ? errno : EIO;
		return 0;
	}
	z->pos += size;
	if (z->pos > z->len)
		z->len = z->pos;
	return size;
}

static ZPOS64_T ZCALLBACK z_tell(voidpf opaque, voidpf stream)
{
	(void)opaque;
	return ((struct zout *)stream)->pos;
}

static long ZCALLBACK z_seek(voidpf opaque, voidpf stream, ZPOS64_T off, int origin)
{
	struct zout *z = stream;

	(void)opaque;
	if (origin == ZLIB_FILEFUNC_SEEK_SET)
		z->pos = off;
	else if (origin == ZLIB_FILEFUNC_SEEK_CUR)
		z->pos += off;
	else
		z->pos = z->len + off;
	return 0;
}

static int ZCALLBACK z_close(voidpf opaque, voidpf stream)
{
	(void)opaque;
	(void)stream;
	return 0;
}

static int ZCALLBACK z_error(voidpf opaque, voidpf stream)
{
	(void)opaque;
	return ((struct zout *)stream)->err;
}

static uint32_t dos_time(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < 80)
		return (1u << 21) | (1u << 16); /* 1980-01-01 */
	/* the day only: a bundle made twice on one day is the same bytes */
	return ((uint32_t)(tm.tm_year - 80) << 25) | ((uint32_t)(tm.tm_mon + 1) << 21) |
	       ((uint32_t)tm.tm_mday << 16);
}

enum am_status am_sink_open(struct am_sink **out, int kind, const char *path, int64_t time_ms,
			    const unsigned char *box_pk, struct am_err *e)
{
	struct am_sink *s = calloc(1, sizeof(*s));
	zlib_filefunc64_def ff;
	enum am_status st;

	*out = NULL;
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		return am_fail(e, AM_ENOMEM, "out of memory");
	}
	am_side_init(&s->side);
	s->kind = kind;
	s->fd = -1;
	s->zo.fd = -1;
	s->nf.fd = -1;
	s->dos = dos_time(time_ms);
	{
		struct stat sb;
		/* lstat: a dangling symbolic link is there too */
		if (lstat(path, &sb) == 0) {
			am_sink_abort(s);
			return am_fail(e, AM_EEXIST, "%s already exists; refusing to overwrite it",
				       path);
		}
	}
	if (kind == 0) {
		size_t n = strlen(path) + 48;
		unsigned char rnd[8];
		char hex[2 * sizeof(rnd) + 1];

		s->tmpdir = malloc(n);
		if (s->tmpdir == NULL) {
			am_sink_abort(s);
			return am_fail(e, AM_ENOMEM, "out of memory");
		}
		/* not guessable: in a shared directory nobody can plant the name first */
		am_random(rnd, sizeof(rnd));
		am_hex(hex, rnd, sizeof(rnd));
		snprintf(s->tmpdir, n, "%s.amanat-tmp-%ld-%s", path, (long)getpid(), hex);
		/* a signal must not leave decrypted files behind */
		am_cleanup_dir(s->tmpdir);
		if (mkdir(s->tmpdir, 0700) != 0) {
			int err = errno;
			free(s->tmpdir);
			s->tmpdir = NULL;
			am_sink_abort(s);
			return am_fail(e, err == ENOENT ? AM_EINPUT : AM_EIO, "cannot create %s: %s",
				       path, strerror(err));
		}
		*out = s;
		return AM_OK;
	}
	snprintf(s->base, sizeof(s->base), "bag");
	/* the output file, unnamed until commit; for kind 2 the encrypted ZIP goes there */
	st = am_newfile_open(&s->nf, path, 0600, 0, e);
	if (st != AM_OK) {
		am_sink_abort(s);
		return st;
	}
	if (kind == 1)
		s->zo.fd = s->nf.fd;
	else if ((st = am_bx_open(&s->zo.bx, s->nf.fd, box_pk, e)) != AM_OK) {
		am_sink_abort(s);
		return st;
	}
	memset(&ff, 0, sizeof(ff));
	ff.zopen64_file = z_open;
	ff.zread_file = z_read;
	ff.zwrite_file = z_write;
	ff.ztell64_file = z_tell;
	ff.zseek64_file = z_seek;
	ff.zclose_file = z_close;
	ff.zerror_file = z_error;
	ff.opaque = &s->zo;
	s->zf = zipOpen2_64(path, APPEND_STATUS_CREATE, NULL, &ff);
	if (s->zf == NULL) {
		am_sink_abort(s);
		return am_fail(e, AM_EIO, "cannot start the ZIP %s", path);
	}
	*out = s;
	return AM_OK;
}

enum am_status am_sink_forbid(struct am_sink *s, const unsigned char *value, size_t n,
			      const char *label, struct am_err *e)
{
	struct forbid *g;

	if (n < 4)
		return AM_OK; /* see docs/BUNDLE.md: too short to rule out by chance */
	for (size_t i = 0; i < s->nfb; i++)
		if (s->fb[i].n == n && memcmp(s->fb[i].v, value, n) == 0)
			return AM_OK;
	if (s->nfb == MAX_FORBID)
		return am_fail(e, AM_EINPUT, "too many withheld values");
	g = realloc(s->fb, (s->nfb + 1) * sizeof(*g));
	if (g == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	s->fb = g;
	g = &s->fb[s->nfb];
	g->v = malloc(n);
	g->label = strdup(label);
	if (g->v == NULL || g->label == NULL) {
		free(g->v);
		free(g->label);
		return am_fail(e, AM_ENOMEM, "out of memory");
	}
	memcpy(g->v, value, n);
	g->n = n;
	s->nfb++;
	if (n > s->maxfb) {
		unsigned char *c = realloc(s->carry, 2 * n);
		if (c == NULL)
			return am_fail(e, AM_ENOMEM, "out of memory");
		s->carry = c;
		s->maxfb = n;
	}
	return AM_OK;
}

/* Search p[0..n) and the seam with the previous write for forbidden values. */
static enum am_status scan(struct am_sink *s, const unsigned char *p, size_t n, struct am_err *e)
{
	const struct forbid *hit = NULL;

	if (s->nfb == 0)
		return AM_OK;
	for (size_t i = 0; i < s->nfb && hit == NULL; i++)
		if (n >= s->fb[i].n && memmem(p, n, s->fb[i].v, s->fb[i].n) != NULL)
			hit = &s->fb[i];
	/* values split across two writes: carry the tail of the last one */
	if (hit == NULL && s->ncarry > 0) {
		size_t take = n < s->maxfb - 1 ? n : s->maxfb - 1;
		unsigned char *seam = malloc(s->ncarry + take);
		if (seam == NULL)
			return am_fail(e, AM_ENOMEM, "out of memory");
		memcpy(seam, s->carry, s->ncarry);
		memcpy(seam + s->ncarry, p, take);
		for (size_t i = 0; i < s->nfb && hit == NULL; i++)
			if (memmem(seam, s->ncarry + take, s->fb[i].v, s->fb[i].n) != NULL)
				hit = &s->fb[i];
		free(seam);
	}
	if (hit != NULL)
		return am_fail(e, AM_EINPUT, "the %s would appear in %s of the bundle; nothing was "
			       "exported (a value cannot be withheld where the exported content "
			       "itself contains it)", hit->label,
			       s->cur.path ? s->cur.path : "a file name");
	if (n >= s->maxfb - 1) {
		s->ncarry = s->maxfb - 1;
		memcpy(s->carry, p + n - s->ncarry, s->ncarry);
	} else {
		size_t keep = s->ncarry + n > s->maxfb - 1 ? s->maxfb - 1 - n : s->ncarry;
		memmove(s->carry, s->carry + s->ncarry - keep, keep);
		memcpy(s->carry + keep, p, n);
		s->ncarry = keep + n;
	}
	return AM_OK;
}

enum am_status am_sink_begin(struct am_sink *s, const char *path, int store, struct am_err *e)
{
	enum am_status st;

	memset(&s->cur, 0, sizeof(s->cur));
	s->cur.path = strdup(path);
	s->ncarry = 0;
	if (s->cur.path == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	/* file names are bytes of the bundle too */
	st = scan(s, (const unsigned char *)path, strlen(path), e);
	s->ncarry = 0;
	if (st != AM_OK)
		return st;
	am_sha256_init(&s->h256);
	am_sha512_init(&s->h512);
	if (s->kind == 0) {
		size_t n = strlen(s->tmpdir) + strlen(path) + 2;
		char *full = malloc(n), *slash;
		if (full == NULL)
			return am_fail(e, AM_ENOMEM, "out of memory");
		snprintf(full, n, "%s/%s", s->tmpdir, path);
		/* make the directories on the way */
		for (slash = full + strlen(s->tmpdir) + 1; (slash = strchr(slash, '/')) != NULL;
		     slash++) {
			*slash = '\0';
			mkdir(full, 0700);
			*slash = '/';
		}
		s->fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		free(full);
		if (s->fd < 0)
			return am_fail(e, AM_EIO, "cannot create %s in the bundle: %s", path,
				       strerror(errno));
	} else {
		zip_fileinfo zi;
		char *name = malloc(strlen(s->base) + strlen(path) + 2);
		int zrc;
		if (name == NULL)
			return am_fail(e, AM_ENOMEM, "out of memory");
		snprintf(name, strlen(s->base) + strlen(path) + 2, "%s/%s", s->base, path);
		memset(&zi, 0, sizeof(zi));
		zi.dosDate = s->dos;
		zi.external_fa = 0600u << 16; /* unix mode: unzip keeps evidence private */
		/*
		 * a name that is not ASCII is UTF-8 and says so (general purpose bit 11,
		 * APPNOTE 4.4.4), or unzip tools read it as CP437; made by Unix, so that
		 * unzip reads the name as it is (it converts a DOS-made one from the
		 * OEM code page) and applies the mode above
		 */
		/* minizip rewrites the local header it writes here when the file closes */
		if (s->zo.bx != NULL)
			am_bx_hold(s->zo.bx, s->zo.pos);
		zrc = zipOpenNewFileInZip4_64(s->zf, name, &zi, NULL, 0, NULL, 0, NULL,
					      store ? 0 : Z_DEFLATED, store ? 0 : 6, 0, -MAX_WBITS, 8,
					      Z_DEFAULT_STRATEGY, NULL, 0, ZIP_MADE_BY_UNIX,
					      ascii(name) ? 0 : ZIP_UTF8_FLAG, 1);
		free(name);
		if (zrc != ZIP_OK)
			return am_fail(e, AM_EIO, "cannot add %s to the ZIP: %s", path,
				       s->zo.err ? strerror(s->zo.err) : "minizip failed");
	}
	s->open = 1;
	return AM_OK;
}

enum am_status am_sink_write(struct am_sink *s, const void *p, size_t n, struct am_err *e)
{
	struct am_sha512_job job = { &s->h512, p, n };
	enum am_status st = scan(s, p, n, e);

	if (st != AM_OK)
		return st;
	/*
	 * libsodium's SHA-512 was half of a big export's time, all on this one
	 * thread: it runs beside the scan, the SHA-256 and the write
	 */
	if (n >= AM_SHA512_JOB_MIN)
		am_side_go(&s->side, am_sha512_job_run, &job);
	else
		am_sha512_job_run(&job);
	am_sha256_update(&s->h256, p, n);
	s->cur.size += n;
	if (s->kind == 0) {
		if (am_write_all(s->fd, p, n) != 0)
			st = am_fail(e, AM_EIO, "cannot write %s: %s", s->cur.path, strerror(errno));
	} else {
		const unsigned char *q = p;
		for (size_t left = n; left > 0 && st == AM_OK;) {
			unsigned piece = left > (1u << 30) ? (1u << 30) : (unsigned)left;
			if (zipWriteInFileInZip(s->zf, q, piece) != ZIP_OK)
				st = am_fail(e, AM_EIO, "cannot write %s into the ZIP: %s",
					     s->cur.path,
					     s->zo.err ? strerror(s->zo.err) : "minizip failed");
			q += piece;
			left -= piece;
		}
	}
	/* the job reads p and writes s->h512: both are ours again only after this */
	if (n >= AM_SHA512_JOB_MIN)
		am_side_wait(&s->side);
	return st;
}

enum am_status am_sink_end(struct am_sink *s, struct am_err *e)
{
	struct am_sink_file *g;

	if (!s->open)
		return AM_OK;
	s->open = 0;
	if (s->kind == 0) {
		int rc = fsync(s->fd);
		rc |= close(s->fd);
		s->fd = -1;
		if (rc != 0)
			return am_fail(e, AM_EIO, "cannot write %s: %s", s->cur.path, strerror(errno));
	} else if (zipCloseFileInZip(s->zf) != ZIP_OK) {
		return am_fail(e, AM_EIO, "cannot finish %s in the ZIP: %s", s->cur.path,
			       s->zo.err ? strerror(s->zo.err) : "minizip failed");
	} else if (s->zo.bx != NULL) {
		am_bx_hold(s->zo.bx, UINT64_MAX);
	}
	am_sha256_final(&s->h256, s->cur.sha256);
	am_sha512_final(&s->h512, s->cur.sha512);
	g = realloc(s->files, (s->nfiles + 1) * sizeof(*g));
	if (g == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	s->files = g;
	s->files[s->nfiles++] = s->cur;
	memset(&s->cur, 0, sizeof(s->cur));
	return AM_OK;
}

enum am_status am_sink_add(struct am_sink *s, const char *path, const void *p, size_t n,
			   int store, struct am_err *e)
{
	enum am_status st = am_sink_begin(s, path, store, e);

	if (st == AM_OK)
		st = am_sink_write(s, p, n, e);
	if (st == AM_OK)
		st = am_sink_end(s, e);
	return st;
}

void am_sink_base(struct am_sink *s, const char *base)
{
	snprintf(s->base, sizeof(s->base), "%s", base);
}

const struct am_sink_file *am_sink_find(const struct am_sink *s, const char *path)
{
	for (size_t i = 0; i < s->nfiles; i++)
		if (strcmp(s->files[i].path, path) == 0)
			return &s->files[i];
	return NULL;
}

static void sink_free(struct am_sink *s)
{
	am_side_release(&s->side);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i].path);
	free(s->files);
	free(s->cur.path);
	for (size_t i = 0; i < s->nfb; i++) {
		am_wipe(s->fb[i].v, s->fb[i].n);
		free(s->fb[i].v);
		free(s->fb[i].label);
	}
	free(s->fb);
	if (s->carry)
		am_wipe(s->carry, 2 * s->maxfb);
	free(s->carry);
	am_bx_free(s->zo.bx);
	free(s->tmpdir);
	free(s->path);
	free(s);
}

/* rm -r of the temporary directory, by the names this sink wrote. */
static void remove_tmpdir(struct am_sink *s)
{
	size_t n = strlen(s->tmpdir) + 4096;
	char *full = malloc(n);

	if (full == NULL)
		return;
	for (size_t i = 0; i < s->nfiles; i++) {
		snprintf(full, n, "%s/%s", s->tmpdir, s->files[i].path);
		unlink(full);
	}
	if (s->cur.path) {
		snprintf(full, n, "%s/%s", s->tmpdir, s->cur.path);
		unlink(full);
	}
	/* directories, deepest first: each file's parents */
	for (size_t i = s->nfiles + 1; i-- > 0;) {
		const char *p = i < s->nfiles ? s->files[i].path : s->cur.path;
		char *slash;
		if (p == NULL)
			continue;
		snprintf(full, n, "%s/%s", s->tmpdir, p);
		while ((slash = strrchr(full, '/')) != NULL && slash > full + strlen(s->tmpdir)) {
			*slash = '\0';
			rmdir(full);
		}
	}
	rmdir(s->tmpdir);
	free(full);
}

void am_sink_abort(struct am_sink *s)
{
	if (s == NULL)
		return;
	if (s->fd >= 0)
		close(s->fd);
	if (s->zf != NULL)
		zipClose(s->zf, NULL);
	if (s->kind != 0)
		am_newfile_abort(&s->nf);
	if (s->tmpdir != NULL)
		remove_tmpdir(s);
	am_cleanup_dir(NULL);
	sink_free(s);
}

enum am_status am_sink_finish(struct am_sink *s, struct am_err *e)
{
	enum am_status st = AM_OK;

	if (s->open && (st = am_sink_end(s, e)) != AM_OK)
		return st;
	if (s->kind == 0)
		return AM_OK; /* every file was synced as it was closed */
	if (s->zf != NULL) {
		int zrc = zipClose(s->zf, NULL);
		s->zf = NULL;
		if (zrc != ZIP_OK || s->zo.err)
			return am_fail(e, AM_EIO, "cannot finish the ZIP %s: %s", s->path,
				       s->zo.err ? strerror(s->zo.err) : "minizip failed");
	}
	if (s->zo.bx != NULL)
		return am_bx_finish(s->zo.bx, e);
	if (fsync(s->nf.fd) != 0)
		return am_fail(e, AM_EIO, "cannot sync %s: %s", s->path, strerror(errno));
	return AM_OK;
}

enum am_status am_sink_file_sha256(struct am_sink *s, unsigned char out[AM_HASH_LEN],
				   struct am_err *e)
{
	unsigned char buf[65536];
	am_sha256_ctx c;
	off_t off = 0;
	ssize_t n;

	if (s->kind == 0)
		return am_fail(e, AM_EINPUT, "a directory bundle is not one file");
	am_sha256_init(&c);
	while ((n = pread(s->nf.fd, buf, sizeof(buf), off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return am_fail(e, AM_EIO, "cannot read back %s: %s", s->path, strerror(errno));
		am_sha256_update(&c, buf, (size_t)n);
		off += n;
	}
	am_sha256_final(&c, out);
	return AM_OK;
}

enum am_status am_sink_commit(struct am_sink *s, struct am_err *e)
{
	enum am_status st;

	if (s->kind == 0) {
		int dfd;
		/*
		 * rename replaces an empty directory: make the one it replaces ourselves,
		 * so that whatever appeared at path since am_sink_open is never replaced
		 */
		int made = mkdir(s->path, 0700) == 0;
		if (!made || rename(s->tmpdir, s->path) != 0) {
			int err = errno;
			if (made)
				rmdir(s->path);
			st = am_fail(e, err == EEXIST ? AM_EEXIST : AM_EIO,
				     "cannot move the bundle into %s: %s", s->path, strerror(err));
			am_sink_abort(s);
			return st;
		}
		free(s->tmpdir);
		s->tmpdir = NULL;
		am_cleanup_dir(NULL);
		{
			/* make the rename durable: sync the bundle's parent directory */
			char *parent = strdup(s->path), *slash = parent ? strrchr(parent, '/') : NULL;
			if (slash != NULL)
				*slash = '\0';
			dfd = open(slash ? (slash == parent ? "/" : parent) : ".", O_RDONLY | O_DIRECTORY);
			free(parent);
		}
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		sink_free(s);
		return AM_OK;
	}
	st = am_newfile_commit(&s->nf, 0, e);
	sink_free(s);
	return st;
}
