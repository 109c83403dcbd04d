/*
 * test_fault_vfs.c — anomaly tests for the vault's storage, in the manner of
 * SQLite's own ioerr and crash tests (test/ioerr*.test, test6.c).
 *
 * A wrapper VFS, registered as SQLite's default, hands every call to the real
 * "unix" VFS, and can
 *
 *   - fail the Nth write, fsync, truncate or journal delete, either once, or
 *     from then on (a disk that died), or fail every write that would grow a
 *     file from the Nth such write on (a disk that filled up);
 *   - model a crash: it records every write and truncate since each file's
 *     last fsync and every journal create/unlink since the last directory
 *     fsync, stops the world after the Kth event, and builds the files a crash
 *     at that moment could leave behind — everything issued (a killed
 *     process), only what was fsynced (a power cut that lost every unsynced
 *     write), or a random choice of unsynced 4 KiB sectors and a prefix of the
 *     unsynced directory operations (what POSIX and SQLite's own crash tests
 *     allow a power cut to do).
 *
 * For each operation (a seal of three chunks, an enrollment, a custody
 * record) and every N or K — and for a sample of points in a seal bigger than
 * the page cache, which makes SQLite write the database in mid-transaction —
 * it checks that the vault comes back with exactly the entries it had before
 * the operation, or those plus the complete new one; that it verifies in full
 * (AM_VERIFY_FULL), opened read-only as an auditor would and writable as a
 * sealer would, and takes a further seal; that a failed operation returned
 * AM_EIO with one message naming the vault, and, when the disk would have
 * let it, left the file as it was with no hot journal; that the next open
 * rolls back a dead writer's journal even when that recovery itself meets a
 * fault; and that an entry whose operation returned AM_OK survives a power
 * cut (DESIGN.md: "an entry is acknowledged only after its transaction is
 * durable").
 *
 * Environment: AMANAT_FAULT_TMPDIR (where the scratch directory goes; see
 * scratch_parent), AMANAT_FAULT_KEEP=1 (keep it), AMANAT_FAULT_VERBOSE=1 (a
 * line per fault point, and every failed check printed, not just the first
 * few per site), AMANAT_FAULT_ONLY=faults|recovery|crash|spill (one part).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "vault/vault.h"
#include "../unit/trusted.h"

/* ---- checks ---------------------------------------------------------------- */

/*
 * CHECK(cond) counts a check; a failure prints file:line, the expression and
 * the point being tested, but only the first few times per call site, so a
 * bug that every fault point trips shows up as one site with a count (see
 * report_sites) instead of a flood.  The test never stops at a failure.
 */
static long checks_run, checks_failed;
static char where[256] = "setup";
static int verbose, print_all;

struct site {
	const char *file;
	int line;
	const char *what;
	long fails;
	char first[256]; /* the point of the first failure */
};
static struct site sites[128];
static int nsites;

#define SITE_PRINTS 3

/* Record a failed check; 1 when its details should be printed too. */
static int check_fail(const char *file, int line, const char *what)
{
	struct site *s = NULL;

	checks_failed++;
	for (int i = 0; i < nsites; i++)
		if (sites[i].line == line && strcmp(sites[i].file, file) == 0)
			s = &sites[i];
	if (s == NULL && nsites < (int)(sizeof(sites) / sizeof(sites[0]))) {
		s = &sites[nsites++];
		s->file = file;
		s->line = line;
		s->what = what;
		snprintf(s->first, sizeof(s->first), "%s", where);
	}
	if (s != NULL && s->fails++ >= SITE_PRINTS && !print_all)
		return 0;
	fprintf(stderr, "%s:%d: CHECK failed: %s  [%s]\n", file, line, what, where);
	return 1;
}

#define CHECK(cond)                                                          \
	do {                                                                 \
		checks_run++;                                                \
		if (!(cond))                                                 \
			(void)check_fail(__FILE__, __LINE__, #cond);         \
	} while (0)

/* CHECKF(cond, fmt, ...): as CHECK, with a note on the next line. */
#define CHECKF(cond, ...)                                                    \
	do {                                                                 \
		checks_run++;                                                \
		if (!(cond) && check_fail(__FILE__, __LINE__, #cond)) {      \
			fprintf(stderr, "    ");                             \
			fprintf(stderr, __VA_ARGS__);                        \
			fputc('\n', stderr);                                 \
		}                                                            \
	} while (0)

static void report_sites(void)
{
	if (nsites == 0)
		return;
	fprintf(stderr, "\nfailed checks by site (count, first point, expression):\n");
	for (int i = 0; i < nsites; i++)
		fprintf(stderr, "  %s:%d: %ld x, first at [%s]: %s\n", sites[i].file, sites[i].line,
			sites[i].fails, sites[i].first, sites[i].what);
}

/* Stop on a broken test harness (not a product failure). */
static void die(const char *what)
{
	fprintf(stderr, "test_fault_vfs: %s: %s  [%s]\n", what, strerror(errno), where);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		die("out of memory");
	return q;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64*: reproducible, and plenty for choosing sectors */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* ---- byte images of files ------------------------------------------------- */

struct img {
	unsigned char *p;
	size_t n, cap;
};

static void img_release(struct img *im)
{
	free(im->p);
	memset(im, 0, sizeof(*im));
}

/* Set the length to n; new bytes are zeros, or garbage when rng is given. */
static void img_resize(struct img *im, size_t n, uint64_t *rng)
{
	if (n > im->cap) {
		size_t cap = im->cap ? im->cap : 65536;
		while (cap < n)
			cap *= 2;
		im->p = xrealloc(im->p, cap);
		im->cap = cap;
	}
	if (n > im->n && rng == NULL)
		memset(im->p + im->n, 0, n - im->n);
	else
		for (size_t i = im->n; i < n; i++)
			im->p[i] = (unsigned char)rnd(rng);
	im->n = n;
}

/* Write d at off; a gap before off is zeros, or garbage when rng is given. */
static void img_put(struct img *im, size_t off, const unsigned char *d, size_t len, uint64_t *rng)
{
	if (len == 0)
		return;
	if (off > im->n)
		img_resize(im, off, rng);
	if (off + len > im->n) {
		/* no need to zero what is about to be overwritten */
		im->n = off;
		img_resize(im, off + len, NULL);
	}
	memcpy(im->p + off, d, len);
}

/* The whole file at path; -1 when it does not exist. */
static int img_load(struct img *im, const char *path)
{
	unsigned char buf[65536];
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	im->n = 0;
	if (fd < 0) {
		if (errno == ENOENT)
			return -1;
		die(path);
	}
	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die(path);
		}
		img_put(im, im->n, buf, (size_t)r, NULL);
	}
	close(fd);
	return 0;
}

static void img_store(const struct img *im, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t done = 0;

	if (fd < 0)
		die(path);
	while (done < im->n) {
		ssize_t w = write(fd, im->p + done, im->n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die(path);
		done += (size_t)w;
	}
	if (close(fd) != 0)
		die(path);
}

/* Copy src over dst, or remove dst when src does not exist. */
static void copy_file(const char *src, const char *dst)
{
	struct img im = { NULL, 0, 0 };

	if (img_load(&im, src) != 0) {
		if (unlink(dst) != 0 && errno != ENOENT)
			die(dst);
	} else {
		img_store(&im, dst);
	}
	img_release(&im);
}

static void journal_of(char *out, size_t n, const char *db)
{
	snprintf(out, n, "%s-journal", db);
}

/* Copy a vault and its journal (or its lack of one). */
static void copy_vault(const char *src, const char *dst)
{
	char sj[PATH_MAX], dj[PATH_MAX];

	journal_of(sj, sizeof(sj), src);
	journal_of(dj, sizeof(dj), dst);
	copy_file(src, dst);
	copy_file(sj, dj);
}

/* Do two files hold the same bytes? */
static int same_bytes(const char *a, const char *b)
{
	struct img x = { NULL, 0, 0 }, y = { NULL, 0, 0 };
	int same = img_load(&x, a) == 0 && img_load(&y, b) == 0 && x.n == y.n &&
		   (x.n == 0 || memcmp(x.p, y.p, x.n) == 0);

	img_release(&x);
	img_release(&y);
	return same;
}

static int file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/*
 * A journal SQLite would roll back: present, and its first byte not zero
 * (SQLite writes the header's magic only once the records are synced, so a
 * journal that died before that is cold and harmless).
 */
static int hot_journal(const char *path)
{
	unsigned char first = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), hot;

	if (fd < 0)
		return 0;
	hot = read(fd, &first, 1) == 1 && first != 0;
	close(fd);
	return hot;
}

/* ---- fault injection -------------------------------------------------------- */

enum fkind { FK_WRITE, FK_SYNC, FK_TRUNC, FK_DELETE, FK_N };
enum fmode {
	FM_ONCE, /* only the Nth call fails */
	FM_DEAD, /* the Nth and every later write, fsync, truncate and delete fail */
	FM_FULL, /* the Nth write that grows a file, and every later one, get SQLITE_FULL */
};

static struct {
	int armed;
	enum fkind kind;
	enum fmode mode;
	long nth;
	int tripped;
	long calls[FK_N]; /* calls seen while armed */
	long grows;       /* writes that grew a file, while armed */
	long injected;    /* calls failed */
} F;

static void fault_arm(enum fkind kind, enum fmode mode, long nth)
{
	memset(&F, 0, sizeof(F));
	F.kind = kind;
	F.mode = mode;
	F.nth = nth;
	F.armed = 1;
}

static void fault_disarm(void)
{
	F.armed = 0;
}

static int fault_rc(enum fkind k)
{
	switch (k) {
	case FK_WRITE: return F.mode == FM_FULL ? SQLITE_FULL : SQLITE_IOERR_WRITE;
	case FK_SYNC: return SQLITE_IOERR_FSYNC;
	case FK_TRUNC: return SQLITE_IOERR_TRUNCATE;
	case FK_DELETE: return SQLITE_IOERR_DELETE;
	case FK_N: break;
	}
	return SQLITE_IOERR;
}

/* SQLITE_OK to let the call through, or the error to return instead of it. */
static int fault_check(enum fkind k, int grows)
{
	if (!F.armed)
		return SQLITE_OK;
	F.calls[k]++;
	if (k == FK_WRITE && grows)
		F.grows++;
	if (F.tripped) {
		if (F.mode == FM_DEAD || (F.mode == FM_FULL && k == FK_WRITE && grows)) {
			F.injected++;
			return fault_rc(k);
		}
		return SQLITE_OK;
	}
	if (k != F.kind)
		return SQLITE_OK;
	if (F.mode == FM_FULL ? (grows && F.grows == F.nth) : F.calls[k] == F.nth) {
		F.tripped = 1;
		F.injected++;
		return fault_rc(k);
	}
	return SQLITE_OK;
}

/* ---- the crash model -------------------------------------------------------- */

#define SECTOR 4096

/* A write (or, with trunc set, a truncation to off) not yet made durable. */
struct wrec {
	int trunc;
	size_t off, len;
	unsigned char *data;
};

/* One incarnation of a file: a journal is created and unlinked per transaction. */
struct inc {
	struct img dur;      /* its contents as of its last fsync */
	struct wrec *pend;   /* writes and truncations since then, in order */
	size_t np, pcap;
	int dirsync_on_sync; /* the unix VFS fsyncs the directory on a new journal's first sync */
};

/* A journal create or unlink not yet made durable by a directory fsync. */
struct nsop {
	int create;
	struct inc *in;
};

static struct {
	int on;
	unsigned gen;    /* files opened under an older model are not tracked */
	long events;     /* writes, fsyncs, truncates and deletes let through */
	long freeze_at;  /* events allowed before the crash; -1 for none */
	int frozen;      /* the crash has happened: nothing more reaches the disk */
	struct inc *incs[64];
	int ninc;
	struct inc *db;
	struct inc *jlive; /* the journal as the running process sees it */
	struct inc *jdur;  /* the journal the directory durably names */
	struct nsop ns[64];
	int nns;
	long sync_ev[64]; /* the event count just after each fsync */
	int nsync;
} M;

static void model_start(long freeze_at)
{
	unsigned gen = M.gen + 1;

	memset(&M, 0, sizeof(M));
	M.gen = gen;
	M.freeze_at = freeze_at;
	M.on = 1;
}

static void model_stop(void)
{
	for (int i = 0; i < M.ninc; i++) {
		struct inc *in = M.incs[i];
		for (size_t j = 0; j < in->np; j++)
			free(in->pend[j].data);
		free(in->pend);
		img_release(&in->dur);
		free(in);
	}
	M.ninc = 0;
	M.on = 0;
}

static struct inc *inc_new(void)
{
	struct inc *in = calloc(1, sizeof(*in));

	if (in == NULL)
		die("out of memory");
	if (M.ninc == (int)(sizeof(M.incs) / sizeof(M.incs[0])))
		die("too many files for the crash model");
	M.incs[M.ninc++] = in;
	return in;
}

static void ns_push(int create, struct inc *in)
{
	if (M.nns == (int)(sizeof(M.ns) / sizeof(M.ns[0])))
		die("too many directory operations for the crash model");
	M.ns[M.nns].create = create;
	M.ns[M.nns].in = in;
	M.nns++;
}

/* A directory fsync: every create and unlink so far is durable. */
static void model_dirsync(void)
{
	for (int i = 0; i < M.nns; i++)
		M.jdur = M.ns[i].create ? M.ns[i].in : NULL;
	M.nns = 0;
}

/* Is the world stopped?  Otherwise count one more event that reaches the disk. */
static int model_refuse(void)
{
	if (!M.on)
		return 0;
	if (M.frozen || (M.freeze_at >= 0 && M.events >= M.freeze_at)) {
		M.frozen = 1;
		return 1;
	}
	M.events++;
	return 0;
}

static int model_stopped(void)
{
	return M.on && (M.frozen || (M.freeze_at >= 0 && M.events >= M.freeze_at));
}

static void pend_push(struct inc *in, int trunc, size_t off, const void *d, size_t len)
{
	struct wrec *w;

	if (in->np == in->pcap) {
		in->pcap = in->pcap ? 2 * in->pcap : 64;
		in->pend = xrealloc(in->pend, in->pcap * sizeof(*in->pend));
	}
	w = &in->pend[in->np++];
	w->trunc = trunc;
	w->off = off;
	w->len = len;
	w->data = NULL;
	if (len > 0) {
		w->data = xrealloc(NULL, len);
		memcpy(w->data, d, len);
	}
}

static void model_sync(struct inc *in)
{
	for (size_t i = 0; i < in->np; i++) {
		struct wrec *w = &in->pend[i];
		if (w->trunc)
			img_resize(&in->dur, w->off, NULL);
		else
			img_put(&in->dur, w->off, w->data, w->len, NULL);
		free(w->data);
	}
	in->np = 0;
	if (in->dirsync_on_sync) {
		in->dirsync_on_sync = 0;
		model_dirsync();
	}
}

enum variant { V_ALL, V_NONE, V_RANDOM };
static const char *const variant_names[] = { "killed process (all issued writes kept)",
					     "power cut (only fsynced data kept)",
					     "power cut (random unsynced sectors kept)" };

/* What a crash leaves of incarnation in. */
static void model_build(const struct inc *in, enum variant va, uint64_t *rng, struct img *out)
{
	out->n = 0;
	img_put(out, 0, in->dur.p, in->dur.n, NULL);
	if (va == V_NONE)
		return;
	for (size_t i = 0; i < in->np; i++) {
		const struct wrec *w = &in->pend[i];
		if (w->trunc) {
			if (va == V_ALL || (rnd(rng) & 1))
				img_resize(out, w->off, NULL);
			continue;
		}
		for (size_t pos = w->off; pos < w->off + w->len;) {
			size_t next = (pos / SECTOR + 1) * SECTOR;
			if (next > w->off + w->len)
				next = w->off + w->len;
			if (va == V_ALL || (rnd(rng) & 1))
				img_put(out, pos, w->data + (pos - w->off), next - pos,
					va == V_ALL ? NULL : rng);
			pos = next;
		}
	}
}

/* The journal incarnation a crash leaves, after a prefix of the directory operations. */
static const struct inc *model_journal(enum variant va, uint64_t *rng)
{
	const struct inc *j = M.jdur;
	int n = va == V_ALL ? M.nns : va == V_NONE ? 0 : (int)(rnd(rng) % (uint64_t)(M.nns + 1));

	for (int i = 0; i < n; i++)
		j = M.ns[i].create ? M.ns[i].in : NULL;
	return j;
}

/* Write the database and journal a crash would leave at dbpath. */
static void model_write_crash(const char *dbpath, enum variant va, uint64_t seed)
{
	struct img im = { NULL, 0, 0 };
	char jpath[PATH_MAX];
	const struct inc *j;
	uint64_t rng = seed | 1;

	journal_of(jpath, sizeof(jpath), dbpath);
	model_build(M.db, va, &rng, &im);
	img_store(&im, dbpath);
	j = model_journal(va, &rng);
	if (j != NULL) {
		model_build(j, va, &rng, &im);
		img_store(&im, jpath);
	} else if (unlink(jpath) != 0 && errno != ENOENT) {
		die(jpath);
	}
	img_release(&im);
}

/* ---- the wrapper VFS -------------------------------------------------------- */

struct ffile {
	sqlite3_file base;
	sqlite3_file *real; /* the unix VFS's file, just after this struct */
	int db, journal;
	unsigned gen;
	struct inc *inc;
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;

static struct inc *tracked(const struct ffile *f)
{
	return M.on && f->gen == M.gen ? f->inc : NULL;
}

static int f_close(sqlite3_file *pf)
{
	struct ffile *f = (struct ffile *)pf;
	return f->real->pMethods->xClose(f->real);
}

static int f_read(sqlite3_file *pf, void *buf, int amt, sqlite3_int64 off)
{
	struct ffile *f = (struct ffile *)pf;
	return f->real->pMethods->xRead(f->real, buf, amt, off);
}

static int f_write(sqlite3_file *pf, const void *buf, int amt, sqlite3_int64 off)
{
	struct ffile *f = (struct ffile *)pf;
	struct inc *in = tracked(f);
	int rc;

	if (model_refuse())
		return SQLITE_IOERR_WRITE;
	if (F.armed) {
		sqlite3_int64 size = 0;
		if (f->real->pMethods->xFileSize(f->real, &size) != SQLITE_OK)
			size = 0;
		rc = fault_check(FK_WRITE, off + amt > size);
		if (rc != SQLITE_OK)
			return rc;
	}
	rc = f->real->pMethods->xWrite(f->real, buf, amt, off);
	if (rc == SQLITE_OK && in != NULL)
		pend_push(in, 0, (size_t)off, buf, (size_t)amt);
	return rc;
}

static int f_truncate(sqlite3_file *pf, sqlite3_int64 size)
{
	struct ffile *f = (struct ffile *)pf;
	struct inc *in = tracked(f);
	int rc;

	if (model_refuse())
		return SQLITE_IOERR_TRUNCATE;
	rc = fault_check(FK_TRUNC, 0);
	if (rc != SQLITE_OK)
		return rc;
	rc = f->real->pMethods->xTruncate(f->real, size);
	if (rc == SQLITE_OK && in != NULL)
		pend_push(in, 1, (size_t)size, NULL, 0);
	return rc;
}

static int f_sync(sqlite3_file *pf, int flags)
{
	struct ffile *f = (struct ffile *)pf;
	struct inc *in = tracked(f);
	int rc;

	if (model_refuse())
		return SQLITE_IOERR_FSYNC;
	if (M.on && M.nsync < (int)(sizeof(M.sync_ev) / sizeof(M.sync_ev[0])))
		M.sync_ev[M.nsync++] = M.events;
	rc = fault_check(FK_SYNC, 0);
	if (rc != SQLITE_OK)
		return rc;
	rc = f->real->pMethods->xSync(f->real, flags);
	if (rc == SQLITE_OK && in != NULL)
		model_sync(in);
	return rc;
}

static int f_filesize(sqlite3_file *pf, sqlite3_int64 *size)
{
	struct ffile *f = (struct ffile *)pf;
	return f->real->pMethods->xFileSize(f->real, size);
}

static int f_lock(sqlite3_file *pf, int lock)
{
	struct ffile *f = (struct ffile *)pf;
	return f->real->pMethods->xLock(f->real, lock);
}

static int f_unlock(sqlite3_file *pf, int lock)
{
	struct ffile *f = (struct ffile *)pf;
	return f->real->pMethods->xUnlock(f->real, lock);
}

static int f_reserved(sqlite3_file *pf, int *out)
{
	struct ffile *f = (struct ffile *)pf;
	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int f_fcntl(sqlite3_file *pf, int op, void *arg)
{
	struct ffile *f = (struct ffile *)pf;
	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int f_sectorsize(sqlite3_file *pf)
{
	struct ffile *f = (struct ffile *)pf;
	return f->real->pMethods->xSectorSize(f->real);
}

static int f_devchar(sqlite3_file *pf)
{
	struct ffile *f = (struct ffile *)pf;
	return f->real->pMethods->xDeviceCharacteristics(f->real);
}

/* Version 1: no shared memory (the vault uses a rollback journal) and no mmap. */
static const sqlite3_io_methods fault_io = {
	.iVersion = 1,
	.xClose = f_close,
	.xRead = f_read,
	.xWrite = f_write,
	.xTruncate = f_truncate,
	.xSync = f_sync,
	.xFileSize = f_filesize,
	.xLock = f_lock,
	.xUnlock = f_unlock,
	.xCheckReservedLock = f_reserved,
	.xFileControl = f_fcntl,
	.xSectorSize = f_sectorsize,
	.xDeviceCharacteristics = f_devchar,
};

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *pf, int flags, int *out)
{
	struct ffile *f = (struct ffile *)pf;
	int rc, created = 0;

	(void)vfs;
	memset(f, 0, sizeof(*f));
	f->real = (sqlite3_file *)(f + 1);
	f->db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
	f->journal = (flags & SQLITE_OPEN_MAIN_JOURNAL) != 0;
	if (M.on && f->journal && name != NULL && (flags & SQLITE_OPEN_CREATE) &&
	    !file_exists(name)) {
		/* creating a file is a directory operation: not after the crash */
		if (model_stopped())
			return SQLITE_CANTOPEN;
		created = 1;
	}
	rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out);
	if (rc != SQLITE_OK) {
		f->base.pMethods = NULL;
		return rc;
	}
	f->base.pMethods = &fault_io;
	if (M.on && (f->db || f->journal)) {
		f->gen = M.gen;
		if (f->db) {
			if (M.db == NULL) {
				/* a fresh copy, opened before anything is written: all durable */
				M.db = inc_new();
				if (img_load(&M.db->dur, name) != 0)
					die(name);
			}
			f->inc = M.db;
		} else if (created) {
			f->inc = inc_new();
			f->inc->dirsync_on_sync = 1;
			ns_push(1, f->inc);
			M.jlive = f->inc;
		} else {
			f->inc = M.jlive;
		}
	}
	return rc;
}

static int v_delete(sqlite3_vfs *vfs, const char *name, int syncdir)
{
	size_t n = strlen(name);
	int journal = n > 8 && strcmp(name + n - 8, "-journal") == 0;
	int rc;

	(void)vfs;
	if (journal && model_refuse())
		return SQLITE_IOERR_DELETE;
	if (journal) {
		rc = fault_check(FK_DELETE, 0);
		if (rc != SQLITE_OK)
			return rc;
	}
	rc = real_vfs->xDelete(real_vfs, name, syncdir);
	if (rc == SQLITE_OK && journal && M.on) {
		ns_push(0, M.jlive);
		M.jlive = NULL;
		/* the unix VFS fsyncs the directory after the unlink only when asked */
		if (syncdir)
			model_dirsync();
	}
	return rc;
}

static int v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int v_fullpath(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *v_dlopen(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void v_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	real_vfs->xDlError(real_vfs, n, out);
}

static void (*v_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void v_dlclose(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	real_vfs->xDlClose(real_vfs, h);
}

static int v_random(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int v_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int v_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int v_lasterr(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xGetLastError(real_vfs, n, out);
}

static int v_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static void vfs_install(void)
{
	real_vfs = sqlite3_vfs_find("unix");
	if (real_vfs == NULL || real_vfs->iVersion < 2) {
		fprintf(stderr, "test_fault_vfs: no usable \"unix\" VFS\n");
		exit(2);
	}
	memset(&fault_vfs, 0, sizeof(fault_vfs));
	fault_vfs.iVersion = 2;
	fault_vfs.szOsFile = (int)sizeof(struct ffile) + real_vfs->szOsFile;
	fault_vfs.mxPathname = real_vfs->mxPathname;
	fault_vfs.zName = "amanat-fault";
	fault_vfs.xOpen = v_open;
	fault_vfs.xDelete = v_delete;
	fault_vfs.xAccess = v_access;
	fault_vfs.xFullPathname = v_fullpath;
	fault_vfs.xDlOpen = v_dlopen;
	fault_vfs.xDlError = v_dlerror;
	fault_vfs.xDlSym = v_dlsym;
	fault_vfs.xDlClose = v_dlclose;
	fault_vfs.xRandomness = v_random;
	fault_vfs.xSleep = v_sleep;
	fault_vfs.xCurrentTime = v_time;
	fault_vfs.xGetLastError = v_lasterr;
	fault_vfs.xCurrentTimeInt64 = v_time64;
	if (sqlite3_vfs_register(&fault_vfs, 1) != SQLITE_OK ||
	    sqlite3_vfs_find(NULL) != &fault_vfs) {
		fprintf(stderr, "test_fault_vfs: cannot make the fault VFS the default\n");
		exit(2);
	}
}

/* ---- the vault under test ----------------------------------------------------- */

static struct am_identity admin, officer, custodian, newcomer;
#define PATHLEN 1100 /* the scratch directory's path is at most 1023 bytes */
static char scratch[1024], good[PATHLEN], work[PATHLEN], snap[PATHLEN], crash[PATHLEN];
static char content[PATHLEN], small_doc[PATHLEN], big_content[PATHLEN];
static uint64_t good_count, doc_seq;
static long total_points;

/* three chunks, the last one partial (the spill of a bigger seal: sweep_spill) */
#define CONTENT_SIZE ((2u << 20) + 12345u)
#define SMALL_DOC_SIZE ((1u << 20) + 777u)
/* more than the vault's page cache (PRAGMA cache_size in vault/store.c) */
#define BIG_SIZE ((36u << 20) + 4321u)

/* Fictional, incompressible content, so every chunk is stored at full size. */
static void make_content(const char *path, size_t n, uint64_t seed)
{
	struct img im = { NULL, 0, 0 };
	uint64_t s = seed;

	img_resize(&im, n, NULL);
	for (size_t i = 0; i < n; i += 8) {
		uint64_t r = rnd(&s);
		for (size_t j = 0; j < 8 && i + j < n; j++)
			im.p[i + j] = (unsigned char)(r >> (8 * j));
	}
	img_store(&im, path);
	img_release(&im);
}

static enum am_status seal_fd(struct am_vault *v, unsigned type, int fd, const char *title,
			      uint64_t *seq, struct am_err *e)
{
	struct am_fields f;
	struct am_seal_req req;
	enum am_status s;

	am_fields_init(&f);
	s = am_fields_set(&f, "case", "FT-0001", 7, e);
	if (s == AM_OK)
		s = am_fields_set(&f, "title", title, strlen(title), e);
	if (s == AM_OK) {
		struct am_seal_result res;
		memset(&req, 0, sizeof(req));
		req.type = type;
		req.fields = &f;
		req.fd = fd;
		s = am_seal(v, trust_of(v), &officer, &req, &res, e);
		if (s == AM_OK && seq != NULL)
			*seq = res.seq;
	}
	am_fields_release(&f);
	return s;
}

static enum am_status seal_file(struct am_vault *v, const char *path, uint64_t *seq,
				struct am_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	enum am_status s;

	if (fd < 0)
		die(path);
	s = seal_fd(v, AM_T_DOCUMENT, fd, "fictional fault-test document", seq, e);
	close(fd);
	return s;
}

/* A small testimony read from a pipe. */
static enum am_status seal_pipe(struct am_vault *v, uint64_t *seq, struct am_err *e)
{
	static const char text[] = "W-0042 (fictional): a short statement sealed after a fault.\n";
	enum am_status s;
	int p[2];

	if (pipe(p) != 0)
		die("pipe");
	for (int i = 0; i < 16; i++)
		if (write(p[1], text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1))
			die("write to pipe");
	close(p[1]);
	s = seal_fd(v, AM_T_TESTIMONY, p[0], "fictional testimony", seq, e);
	close(p[0]);
	return s;
}

enum op { OP_SEAL, OP_ENROLL, OP_CUSTODY, OP_BATCH, OP_OVERLAP, OP_N, OP_SEAL_BIG = OP_N };
static const char *const op_names[] = { "seal", "enroll", "custody", "batch", "overlap",
					"big seal" };
/* a group commit, the first COMMIT on another thread or not (am_batch_limits.overlap) */
static int is_batch(enum op op)
{
	return op == OP_BATCH || op == OP_OVERLAP;
}
/* entries an operation adds when it succeeds, and after how many each batch ends */
#define BATCH_ENTRIES 3
#define BATCH_LIMIT 2
static uint64_t op_adds(enum op op)
{
	return is_batch(op) ? BATCH_ENTRIES : 1;
}
/* entries the last run_op acknowledged (for a batch: its durable callbacks) */
static uint64_t op_acked;

static void batch_acked(void *ctx, void *cookie, const struct am_seal_result *res)
{
	(void)ctx;
	(void)cookie;
	(void)res;
	op_acked++;
}

/*
 * A group commit: two small records from memory and one two-chunk file,
 * with a limit of two, so two batches (two then one) and two COMMITs.
 * With overlap the first COMMIT runs on another thread until the file,
 * longer than a chunk, takes SQLite back.
 */
static enum am_status run_batch(struct am_vault *v, int overlap, uint64_t *seq,
				struct am_err *e)
{
	static const char text[] = "W-0042 (fictional): one of many short records.\n";
	struct am_batch_limits lim = { BATCH_LIMIT, 0, overlap, 0 };
	struct am_batch *b = NULL;
	struct am_seal_req req;
	struct am_fields f;
	enum am_status s;
	int fd = -1;

	am_fields_init(&f);
	s = am_fields_set(&f, "case", "FT-0002", 7, e);
	if (s == AM_OK)
		s = am_batch_begin(v, trust_of(v), &officer, &lim, batch_acked, NULL, &b, e);
	for (int i = 0; i < BATCH_ENTRIES && s == AM_OK; i++) {
		memset(&req, 0, sizeof(req));
		req.type = AM_T_DOCUMENT;
		req.fields = &f;
		req.fd = -1;
		req.data = text;
		req.len = sizeof(text) - 1;
		if (i == BATCH_ENTRIES - 1) {
			fd = open(small_doc, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				die(small_doc);
			req.fd = fd;
		}
		s = am_batch_seal(b, &req, NULL, e);
	}
	if (s == AM_OK)
		s = am_batch_commit(b, e);
	if (fd >= 0)
		close(fd);
	am_batch_free(b);
	am_fields_release(&f);
	if (s == AM_OK)
		*seq = am_trusted_size(trust_of(v)) - BATCH_ENTRIES;
	return s;
}

static enum am_status run_op1(enum op op, struct am_vault *v, uint64_t *seq, struct am_err *e)
{
	switch (op) {
	case OP_BATCH:
	case OP_OVERLAP:
		return run_batch(v, op == OP_OVERLAP, seq, e);
	case OP_SEAL:
		return seal_file(v, content, seq, e);
	case OP_ENROLL:
		return am_enroll(v, trust_of(v), &admin, &newcomer, AM_ROLE_AUDITOR, seq, e);
	case OP_CUSTODY:
		return am_record_custody(v, trust_of(v), &custodian, AM_ACT_EXTRACT, &doc_seq, 1,
					 "fault test: checking recovery", seq, e);
	case OP_SEAL_BIG:
		return seal_file(v, big_content, seq, e);
	}
	return AM_EINPUT;
}

static enum am_status run_op(enum op op, struct am_vault *v, uint64_t *seq, struct am_err *e)
{
	enum am_status s;

	*seq = UINT64_MAX;
	op_acked = 0;
	s = run_op1(op, v, seq, e);
	if (!is_batch(op))
		op_acked = s == AM_OK;
	return s;
}

/* What a failed operation must say: AM_EIO, one line, naming the vault. */
static void check_failure(enum am_status s, const struct am_err *e, const char *path, int full)
{
	CHECKF(s == AM_EIO, "status %s, message: %s", am_status_name(s), e->msg);
	CHECKF(e->msg[0] != '\0' && strchr(e->msg, '\n') == NULL, "message: '%s'", e->msg);
	CHECKF(strstr(e->msg, path) != NULL, "message does not name the vault: %s", e->msg);
	if (full)
		CHECKF(strstr(e->msg, "full") != NULL, "a full disk is not called one: %s", e->msg);
}

#define CV_READONLY 1 /* first open read-only, as 'amanat verify' does */
#define CV_DEEP 2     /* verify every ciphertext (AM_VERIFY_FULL) */
#define CV_SEAL 4     /* and take a further seal */
#define CV_FULL (CV_DEEP | CV_SEAL)

/*
 * Open the vault at path after a failure or crash and check that it holds
 * between lo and hi entries, verifies, and (CV_FULL) takes a further seal.
 * Returns the number of entries found, or UINT64_MAX when it could not be
 * opened at all.
 */
static uint64_t check_vault(const char *path, uint64_t lo, uint64_t hi, int flags)
{
	struct am_progress none = { NULL, NULL };
	struct am_verify_report r;
	struct am_vault *v = NULL;
	struct am_err e;
	uint64_t n = 0, n_ro = UINT64_MAX, n2 = 0, seq = 0;
	enum am_status s;

	if (flags & CV_READONLY) {
		am_err_init(&e);
		s = am_vault_open(path, 0, &v, &e);
		CHECKF(s == AM_OK, "read-only open (as 'amanat verify' does) failed: %s: %s",
		       am_status_name(s), e.msg);
		if (s == AM_OK) {
			s = am_vault_count(v, &n_ro, &e);
			CHECKF(s == AM_OK, "%s", e.msg);
			s = am_verify(v, AM_VERIFY_QUICK, none, &r, &e);
			CHECKF(s == AM_OK && r.ok, "read-only verify: %s / %s", e.msg, r.reason);
			close_vault(v);
			v = NULL;
		}
	}
	am_err_init(&e);
	s = am_vault_open(path, 1, &v, &e);
	CHECKF(s == AM_OK, "open: %s: %s", am_status_name(s), e.msg);
	if (s != AM_OK)
		return UINT64_MAX;
	s = am_vault_count(v, &n, &e);
	CHECKF(s == AM_OK, "count: %s", e.msg);
	CHECKF(n >= lo && n <= hi, "the vault holds %llu entries; expected %llu..%llu",
	       (unsigned long long)n, (unsigned long long)lo, (unsigned long long)hi);
	if (n_ro != UINT64_MAX)
		CHECKF(n_ro == n, "read-only saw %llu entries, writable %llu",
		       (unsigned long long)n_ro, (unsigned long long)n);
	s = am_verify(v, (flags & CV_DEEP) ? AM_VERIFY_FULL : AM_VERIFY_QUICK, none, &r, &e);
	CHECKF(s == AM_OK && r.ok && r.entries == n, "verify: %s: %s / entry %llu: %s",
	       am_status_name(s), e.msg, (unsigned long long)r.bad_seq, r.reason);
	if (flags & CV_SEAL) {
		s = seal_pipe(v, &seq, &e);
		CHECKF(s == AM_OK && seq == n, "a further seal after recovery: %s: %s",
		       am_status_name(s), e.msg);
		s = am_vault_count(v, &n2, &e);
		CHECKF(s == AM_OK && n2 == n + 1, "after the further seal: %llu entries",
		       (unsigned long long)n2);
	}
	close_vault(v);
	return n;
}

/* ---- setup ------------------------------------------------------------------ */

/*
 * Where the scratch files go: AMANAT_FAULT_TMPDIR, else /dev/shm, else
 * TMPDIR, else /tmp.  Memory is preferred because the crash model, not the
 * disk, decides what survives; real fsyncs would only make the test slow.
 */
static const char *scratch_parent(void)
{
	const char *d = getenv("AMANAT_FAULT_TMPDIR");

	if (d != NULL && d[0] != '\0')
		return d;
	if (access("/dev/shm", W_OK | X_OK) == 0)
		return "/dev/shm";
	d = getenv("TMPDIR");
	return d != NULL && d[0] != '\0' ? d : "/tmp";
}

static void setup(void)
{
	struct am_vault *v = NULL;
	struct am_err e;
	enum am_status s;
	uint64_t seq;

	snprintf(scratch, sizeof(scratch), "%s/amanat-fault-vfs-XXXXXX", scratch_parent());
	if (mkdtemp(scratch) == NULL)
		die("mkdtemp");
	snprintf(good, sizeof(good), "%s/good.vault", scratch);
	snprintf(work, sizeof(work), "%s/work.vault", scratch);
	snprintf(snap, sizeof(snap), "%s/snap.vault", scratch);
	snprintf(crash, sizeof(crash), "%s/crash.vault", scratch);
	snprintf(content, sizeof(content), "%s/content.bin", scratch);
	snprintf(small_doc, sizeof(small_doc), "%s/small.bin", scratch);
	snprintf(big_content, sizeof(big_content), "%s/big.bin", scratch);
	make_content(content, CONTENT_SIZE, 0x616d616e6174ULL);
	make_content(small_doc, SMALL_DOC_SIZE, 0x7661756c74ULL);
	make_content(big_content, BIG_SIZE, 0x626967ULL);

	am_err_init(&e);
	am_identity_init(&admin);
	am_identity_init(&officer);
	am_identity_init(&custodian);
	am_identity_init(&newcomer);
	s = am_identity_generate(&admin, "admin-fictional", &e);
	if (s == AM_OK)
		s = am_identity_generate(&officer, "officer-fictional", &e);
	if (s == AM_OK)
		s = am_identity_generate(&custodian, "custodian-fictional", &e);
	if (s == AM_OK)
		s = am_identity_generate(&newcomer, "auditor-fictional", &e);
	if (s == AM_OK)
		s = am_vault_create(good, &admin, &custodian, 1, NULL, &e);
	if (s == AM_OK)
		s = am_vault_open(good, 1, &v, &e);
	if (s == AM_OK)
		s = am_enroll(v, trust_of(v), &admin, &officer, AM_ROLE_OFFICER, NULL, &e);
	if (s == AM_OK)
		s = seal_file(v, small_doc, &doc_seq, &e);
	if (s == AM_OK)
		s = seal_pipe(v, &seq, &e);
	if (s == AM_OK)
		s = am_vault_count(v, &good_count, &e);
	close_vault(v);
	if (s != AM_OK) {
		fprintf(stderr, "test_fault_vfs: cannot build the test vault: %s\n", e.msg);
		exit(2);
	}
	/* the starting point must itself be sound, or nothing below means anything */
	CHECK(good_count == 5);
	CHECK(check_vault(good, good_count, good_count, CV_READONLY) == good_count);
}

/* ---- fault sweeps ---------------------------------------------------------- */

struct fault_case {
	const char *name;
	enum fkind kind;
	enum fmode mode;
};

static const struct fault_case fault_cases[] = {
	{ "write fails once", FK_WRITE, FM_ONCE },
	{ "writes fail from N on", FK_WRITE, FM_DEAD },
	{ "disk full from N on", FK_WRITE, FM_FULL },
	{ "fsync fails once", FK_SYNC, FM_ONCE },
	{ "fsyncs fail from N on", FK_SYNC, FM_DEAD },
	{ "journal delete fails", FK_DELETE, FM_ONCE },
};

/*
 * Run op on a fresh copy of the good vault with the Nth call of the case's
 * kind failing, and check what it left.  Returns 1 when the fault was
 * reached, 0 when the operation never got to it, -1 when the copy would
 * not even open.
 */
static int fault_point(enum op op, const struct fault_case *fc, long n)
{
	struct am_vault *v = NULL;
	struct am_err e, e2;
	enum am_status s;
	uint64_t before = 0, after = 0, seq = 0, want;
	char wj[PATH_MAX];
	int hit, hot;

	journal_of(wj, sizeof(wj), work);
	snprintf(where, sizeof(where), "%s, %s, N=%ld", op_names[op], fc->name, n);
	copy_vault(good, work);
	am_err_init(&e);
	s = am_vault_open(work, 1, &v, &e);
	if (s == AM_OK && trust_of(v) == NULL)
		s = AM_EVERIFY; /* trusted before any fault is armed */
	if (s == AM_OK)
		s = am_vault_count(v, &before, &e);
	CHECKF(s == AM_OK && before == good_count, "%s", e.msg);
	if (s == AM_OK && trust_of(v) == NULL)
		s = am_fail(&e, AM_EVERIFY, "%s does not verify before the fault", work);
	if (s != AM_OK) {
		close_vault(v);
		return -1;
	}
	fault_arm(fc->kind, fc->mode, n);
	s = run_op(op, v, &seq, &e);
	hit = F.injected > 0;
	fault_disarm();
	if (hit)
		check_failure(s, &e, work, fc->mode == FM_FULL);
	else
		CHECKF(s == AM_OK, "no fault was injected, yet: %s: %s", am_status_name(s), e.msg);
	/* what was acknowledged is there, and nothing of a batch that was not */
	want = before + op_acked;
	if (s == AM_OK)
		CHECK(seq == before && op_acked == op_adds(op));
	if (verbose)
		fprintf(stderr, "  [%s] %s%s%s\n", where, am_status_name(s),
			hit ? ": " : " (no fault reached)", hit ? e.msg : "");
	/* what another process finds if this one dies now: a hot journal? */
	hot = hot_journal(wj);
	if (s != AM_OK && fc->mode != FM_DEAD && op_acked == 0) {
		/* the disk works again (or still takes overwrites): nothing may be left over */
		CHECKF(!hot, "the failed %s returned with a hot journal beside the vault, "
			     "though the disk would have let it roll back", op_names[op]);
		CHECKF(same_bytes(work, good),
		       "the failed %s returned with the vault file not as it was", op_names[op]);
	}
	if (hot)
		copy_vault(work, snap);
	/* this process carries on with the same handle */
	am_err_init(&e2);
	s = am_vault_count(v, &after, &e2);
	CHECKF(s == AM_OK && after == want,
	       "same handle after the failure: %s: %llu entries, expected %llu", e2.msg,
	       (unsigned long long)after, (unsigned long long)want);
	close_vault(v);
	if (hot) {
		(void)check_vault(work, want, want, 0);
		(void)check_vault(snap, want, want, CV_READONLY | CV_FULL);
	} else {
		(void)check_vault(work, want, want, CV_READONLY | CV_FULL);
	}
	return hit;
}

/*
 * For N = 1, 2, ...: fault_point, until an N is reached that the operation
 * never gets to.  Returns the number of fault points exercised.
 */
static long sweep_faults(enum op op, const struct fault_case *fc)
{
	long n, points = 0;
	int hit;

	for (n = 1; (hit = fault_point(op, fc, n)) == 1; n++) {
		points++;
		if (n >= 100000) {
			CHECKF(0, "the fault never stops being reached");
			break;
		}
	}
	return points;
}

static void print_calls(enum op op, const long calls[FK_N])
{
	printf("%-8s a clean run makes %ld writes, %ld fsyncs, %ld truncates, %ld journal "
	       "deletes\n",
	       op_names[op], calls[FK_WRITE], calls[FK_SYNC], calls[FK_TRUNC], calls[FK_DELETE]);
}

/* Calls of each kind one clean run of op makes. */
static void count_calls(enum op op, long calls[FK_N])
{
	struct am_vault *v = NULL;
	struct am_err e;
	enum am_status s;
	uint64_t seq;

	snprintf(where, sizeof(where), "%s, counting calls", op_names[op]);
	copy_vault(good, work);
	am_err_init(&e);
	s = am_vault_open(work, 1, &v, &e);
	if (s == AM_OK && trust_of(v) == NULL)
		s = AM_EVERIFY; /* trusted before any fault is armed */
	CHECKF(s == AM_OK, "%s", e.msg);
	if (s != AM_OK)
		return;
	fault_arm(FK_WRITE, FM_ONCE, LONG_MAX);
	s = run_op(op, v, &seq, &e);
	memcpy(calls, F.calls, sizeof(F.calls));
	fault_disarm();
	CHECKF(s == AM_OK, "%s", e.msg);
	close_vault(v);
}

/*
 * Faults during recovery: a writer dies at its last write (the database
 * nearly all rewritten, a hot journal beside it); then the next open, which
 * rolls the journal back, meets a failing write, fsync, truncate or delete.
 * The open must fail with AM_EIO or succeed, and a later open must still
 * find the vault as it was.
 */
static long sweep_recovery(void)
{
	static const struct fault_case rcases[] = {
		{ "rollback: write fails once", FK_WRITE, FM_ONCE },
		{ "rollback: writes fail from N on", FK_WRITE, FM_DEAD },
		{ "rollback: fsync fails once", FK_SYNC, FM_ONCE },
		{ "rollback: truncate fails once", FK_TRUNC, FM_ONCE },
		{ "rollback: truncate and later fail", FK_TRUNC, FM_DEAD },
		{ "rollback: journal delete fails", FK_DELETE, FM_ONCE },
	};
	char base[PATHLEN], bj[PATH_MAX];
	struct am_vault *v = NULL;
	struct am_err e;
	enum am_status s;
	long calls[FK_N] = { 0 }, points = 0;
	uint64_t seq;

	snprintf(base, sizeof(base), "%s/dead-writer.vault", scratch);
	journal_of(bj, sizeof(bj), base);
	count_calls(OP_SEAL, calls);
	snprintf(where, sizeof(where), "recovery: making a dead writer at write %ld",
		 calls[FK_WRITE]);
	copy_vault(good, work);
	am_err_init(&e);
	s = am_vault_open(work, 1, &v, &e);
	if (s == AM_OK && trust_of(v) == NULL)
		s = AM_EVERIFY; /* trusted before any fault is armed */
	CHECKF(s == AM_OK, "%s", e.msg);
	if (s != AM_OK)
		return 0;
	fault_arm(FK_WRITE, FM_DEAD, calls[FK_WRITE]);
	s = run_op(OP_SEAL, v, &seq, &e);
	close_vault(v); /* still dead: nothing can be cleaned up */
	fault_disarm();
	CHECKF(s == AM_EIO, "%s: %s", am_status_name(s), e.msg);
	copy_vault(work, base);
	CHECKF(hot_journal(bj), "no hot journal was left to recover from");
	for (size_t c = 0; c < sizeof(rcases) / sizeof(rcases[0]); c++) {
		const struct fault_case *fc = &rcases[c];
		for (long n = 1;; n++) {
			uint64_t cnt = 0;
			int hit;

			snprintf(where, sizeof(where), "%s, N=%ld", fc->name, n);
			copy_vault(base, work);
			am_err_init(&e);
			v = NULL;
			fault_arm(fc->kind, fc->mode, n);
			s = am_vault_open(work, 1, &v, &e);
			if (s == AM_OK && trust_of(v) == NULL)
				s = AM_EVERIFY;
	if (s == AM_OK && trust_of(v) == NULL)
		s = AM_EVERIFY; /* trusted before any fault is armed */
			if (s == AM_OK)
				s = am_vault_count(v, &cnt, &e);
			hit = F.injected > 0;
			if (fc->mode == FM_DEAD) {
				close_vault(v); /* the disk is still dead as this process ends */
				v = NULL;
			}
			fault_disarm();
			close_vault(v);
			if (verbose)
				fprintf(stderr, "  [%s] %s%s%s\n", where, am_status_name(s),
					hit ? ": " : " (no fault reached)", hit ? e.msg : "");
			if (hit) {
				points++;
				check_failure(s, &e, work, 0);
			} else {
				CHECKF(s == AM_OK && cnt == good_count, "%s: %llu entries: %s",
				       am_status_name(s), (unsigned long long)cnt, e.msg);
			}
			(void)check_vault(work, good_count, good_count, CV_READONLY | CV_FULL);
			if (!hit || n >= 10000)
				break;
		}
	}
	return points;
}

/* ---- crash sweeps ------------------------------------------------------------ */

/* The files the model says a killed process leaves must be the real ones. */
static void check_model_matches_disk(void)
{
	struct img want = { NULL, 0, 0 }, got = { NULL, 0, 0 };
	char rj[PATH_MAX];
	const struct inc *j;
	uint64_t rng = 1;

	journal_of(rj, sizeof(rj), work);
	model_build(M.db, V_ALL, &rng, &want);
	CHECK(img_load(&got, work) == 0 && got.n == want.n && memcmp(got.p, want.p, got.n) == 0);
	j = model_journal(V_ALL, &rng);
	if (j == NULL) {
		CHECKF(!file_exists(rj), "the model lost track of the journal");
	} else {
		model_build(j, V_ALL, &rng, &want);
		CHECK(img_load(&got, rj) == 0 && got.n == want.n &&
		      memcmp(got.p, want.p, got.n) == 0);
	}
	img_release(&want);
	img_release(&got);
}

/*
 * Events (writes, fsyncs, truncates, deletes) one clean run of op makes, and
 * the event count just after each fsync.  0 when the run failed.
 */
static long count_events(enum op op, long *sync_ev, int *nsync)
{
	struct am_vault *v = NULL;
	struct am_err e;
	enum am_status s;
	long total;
	uint64_t seq;

	snprintf(where, sizeof(where), "%s crash: counting events", op_names[op]);
	copy_vault(good, work);
	model_start(-1);
	am_err_init(&e);
	s = am_vault_open(work, 1, &v, &e);
	if (s == AM_OK && trust_of(v) == NULL)
		s = AM_EVERIFY; /* trusted before any fault is armed */
	if (s == AM_OK)
		s = run_op(op, v, &seq, &e);
	close_vault(v);
	total = M.events;
	if (nsync != NULL) {
		*nsync = M.nsync;
		memcpy(sync_ev, M.sync_ev, sizeof(M.sync_ev[0]) * (size_t)M.nsync);
	}
	model_stop();
	CHECKF(s == AM_OK && total > 0, "%s", e.msg);
	return s == AM_OK ? total : 0;
}

/*
 * Run op and stop the world after k of its total events; then, for each kind
 * of crash, rebuild the files it could leave and check the vault recovers.
 * Returns the number of crash images checked.
 */
static long crash_point(enum op op, long k, long total)
{
	static const enum variant variants[] = { V_ALL, V_NONE, V_RANDOM };
	struct am_vault *v = NULL;
	struct am_err e;
	enum am_status s;
	uint64_t seq = 0;
	long images = 0;
	int acked;

	snprintf(where, sizeof(where), "%s, crash after event %ld of %ld", op_names[op], k, total);
	copy_vault(good, work);
	model_start(k);
	am_err_init(&e);
	s = am_vault_open(work, 1, &v, &e);
	if (s == AM_OK && trust_of(v) == NULL)
		s = AM_EVERIFY; /* trusted before any fault is armed */
	CHECKF(s == AM_OK, "%s", e.msg);
	if (s == AM_OK) {
		s = run_op(op, v, &seq, &e);
		if (k < total)
			check_failure(s, &e, work, 0);
		else
			CHECKF(s == AM_OK, "%s", e.msg);
	}
	acked = s == AM_OK;
	M.frozen = 1; /* the crash: nothing after this reaches the disk */
	close_vault(v);
	check_model_matches_disk();
	/* from here on the model only describes the crash; the disk works again */
	M.on = 0;
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		uint64_t n;

		snprintf(where, sizeof(where), "%s, crash after event %ld of %ld, %s%s",
			 op_names[op], k, total, variant_names[variants[i]],
			 acked ? ", after the operation returned AM_OK" : "");
		model_write_crash(crash, variants[i],
				  0x9e3779b97f4a7c15ULL * (uint64_t)(k + 1) + i);
		/* a further seal on the two fixed kinds of crash is enough */
		n = check_vault(crash, good_count, good_count + op_adds(op),
				CV_READONLY | (variants[i] == V_RANDOM ? CV_DEEP : CV_FULL));
		if (acked)
			CHECKF(n == good_count + op_adds(op),
			       "the entry was acknowledged (AM_OK, seq %llu) and then lost",
			       (unsigned long long)seq);
		CHECKF(n == UINT64_MAX || n >= good_count + op_acked,
		       "%llu entries acknowledged, %llu found", (unsigned long long)op_acked,
		       (unsigned long long)(n - good_count));
		/* whole batches only: a batch's entries are all there or none */
		if (is_batch(op) && n != UINT64_MAX)
			CHECKF(n - good_count == 0 || n - good_count == BATCH_LIMIT ||
			       n - good_count == BATCH_ENTRIES, "%llu entries of a batch run survived",
			       (unsigned long long)(n - good_count));
		images++;
	}
	model_stop();
	return images;
}

/* Every crash point of op, K = 0 .. (events of a clean run).  Returns crash images checked. */
static long sweep_crash(enum op op)
{
	long total = count_events(op, NULL, NULL), images = 0;

	for (long k = 0; total > 0 && k <= total; k++)
		images += crash_point(op, k, total);
	total_points += total + 1;
	return images;
}

/*
 * A seal bigger than the vault's page cache makes SQLite spill dirty pages
 * in mid-transaction: the journal is synced and the database file
 * overwritten long before COMMIT, and the journal grows a second segment.
 * Too slow to try every N, so a sample: writes dying at five places, every
 * fsync failing, the disk filling a third of the way, and crashes just after
 * each fsync and half-way through each run of database writes.
 */
static void sweep_spill(void)
{
	static const struct fault_case dead = { "writes fail from N on", FK_WRITE, FM_DEAD };
	static const struct fault_case sync_once = { "fsync fails once", FK_SYNC, FM_ONCE };
	static const struct fault_case full = { "disk full from N on", FK_WRITE, FM_FULL };
	long calls[FK_N] = { 0 }, sync_ev[64], total, points = 0, images = 0;
	double t = now_s();
	int nsync = 0;

	count_calls(OP_SEAL_BIG, calls);
	print_calls(OP_SEAL_BIG, calls);
	/* a commit alone syncs the journal twice and the database once */
	CHECKF(calls[FK_SYNC] > 3, "the big seal did not spill the page cache (%ld fsyncs); "
				   "make BIG_SIZE larger than the vault's cache_size",
	       calls[FK_SYNC]);
	for (int i = 0; i <= 4; i++)
		points += fault_point(OP_SEAL_BIG, &dead,
				      i == 0 ? 1 : calls[FK_WRITE] * i / 4) == 1;
	for (long n = 1; n <= calls[FK_SYNC]; n++)
		points += fault_point(OP_SEAL_BIG, &sync_once, n) == 1;
	points += fault_point(OP_SEAL_BIG, &full, calls[FK_WRITE] / 3) == 1;
	total_points += points;
	printf("%-8s %-24s %4ld fault points  %6.1fs\n", op_names[OP_SEAL_BIG], "sampled faults",
	       points, now_s() - t);

	t = now_s();
	total = count_events(OP_SEAL_BIG, sync_ev, &nsync);
	for (int i = 0; total > 0 && i < nsync; i++) {
		long next = i + 1 < nsync ? sync_ev[i + 1] : total;
		images += crash_point(OP_SEAL_BIG, sync_ev[i], total);
		total_points++;
		/* half-way through a run of database writes (a spill, or the commit) */
		if (next - sync_ev[i] > 10) {
			images += crash_point(OP_SEAL_BIG, (sync_ev[i] + next) / 2, total);
			total_points++;
		}
	}
	if (total > 0) {
		images += crash_point(OP_SEAL_BIG, total, total);
		total_points++;
	}
	printf("%-8s %-24s %4ld crash images  %6.1fs\n", op_names[OP_SEAL_BIG],
	       "sampled crash points", images, now_s() - t);
}

/* Run this part?  AMANAT_FAULT_ONLY=faults|recovery|crash|spill picks one. */
static int part(const char *name)
{
	const char *only = getenv("AMANAT_FAULT_ONLY");
	return only == NULL || only[0] == '\0' || strcmp(only, name) == 0;
}

int main(void)
{
	double t0 = now_s(), t;
	long pts;

	verbose = getenv("AMANAT_FAULT_VERBOSE") != NULL;
	print_all = verbose;
	if (am_crypto_init() != 0) {
		fprintf(stderr, "test_fault_vfs: cannot initialise libsodium\n");
		return 2;
	}
	vfs_install();
	setup();
	printf("test_fault_vfs: vault of %llu entries in %s; sealing %u bytes per seal\n",
	       (unsigned long long)good_count, scratch, CONTENT_SIZE);

	for (int op = 0; op < OP_N && part("faults"); op++) {
		long calls[FK_N] = { 0 };
		count_calls((enum op)op, calls);
		print_calls((enum op)op, calls);
		for (size_t c = 0; c < sizeof(fault_cases) / sizeof(fault_cases[0]); c++) {
			t = now_s();
			pts = sweep_faults((enum op)op, &fault_cases[c]);
			total_points += pts;
			printf("%-8s %-24s %4ld fault points  %6.1fs\n", op_names[op],
			       fault_cases[c].name, pts, now_s() - t);
			fflush(stdout);
		}
	}
	if (part("recovery")) {
		t = now_s();
		pts = sweep_recovery();
		total_points += pts;
		printf("%-8s %-24s %4ld fault points  %6.1fs\n", "recovery",
		       "faults during rollback", pts, now_s() - t);
	}
	for (int op = 0; op < OP_N && part("crash"); op++) {
		long images;
		t = now_s();
		images = sweep_crash((enum op)op);
		printf("%-8s %-24s %4ld crash images  %6.1fs\n", op_names[op],
		       "crash points x 3 kinds", images, now_s() - t);
		fflush(stdout);
	}

	if (part("spill"))
		sweep_spill();

	report_sites();
	printf("test_fault_vfs: %ld fault and crash points, %ld checks, %ld failed, %.1fs\n",
	       total_points, checks_run, checks_failed, now_s() - t0);
	am_identity_release(&admin);
	am_identity_release(&officer);
	am_identity_release(&custodian);
	am_identity_release(&newcomer);
	if (getenv("AMANAT_FAULT_KEEP") == NULL) {
		const char *const names[] = { "good.vault",  "work.vault",        "snap.vault",
					      "crash.vault", "dead-writer.vault", "content.bin",
					      "small.bin",   "big.bin" };
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			char p[PATHLEN], pj[PATH_MAX];
			snprintf(p, sizeof(p), "%s/%s", scratch, names[i]);
			journal_of(pj, sizeof(pj), p);
			unlink(p);
			unlink(pj);
		}
		if (rmdir(scratch) != 0)
			fprintf(stderr, "test_fault_vfs: could not remove %s: %s\n", scratch,
				strerror(errno));
	}
	return checks_failed ? 1 : 0;
}
