/*
 * seal_bulk.c — amanat seal of several files, or of the files under a
 * directory (--recursive): one process, one unlock, each file its own entry,
 * sealed in batches (group commit) and printed only once durable.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/bytes.h"
#include "../vault/note.h"
#include "../common/worker.h"
#include "cli.h"
#include "pin.h"
#include "seal_bulk.h"

/* Deeper than this a directory tree is refused (a loop, or a trap). */
#define MAX_DEPTH 64
/*
 * A file this big is sealed in a batch of its own, and a signal stops it
 * part way (rolling back only it); smaller ones are finished when a signal
 * comes, and the run stops after them, keeping everything sealed so far.
 */
#define ALONE_BYTES ((uint64_t)16 << 20)

struct item {
	char *path; /* to open */
	char *rel;  /* relative to the directory given, NULL for a file given itself */
	uint64_t size;
	dev_t dev;  /* the file listed: what is sealed must be it (open_listed) */
	ino_t ino;
	size_t op;  /* the FILE operand it was found under */
};

struct items {
	struct item *v;
	size_t n, cap;
	uint64_t total;
	size_t op; /* the operand being collected */
};

static void items_release(struct items *it)
{
	for (size_t i = 0; i < it->n; i++) {
		free(it->v[i].path);
		free(it->v[i].rel);
	}
	free(it->v);
	memset(it, 0, sizeof(*it));
}

/*
 * strerror for the walk, which may run beside the thread that unlocks (and
 * may call strerror): strerror_r writes to the caller's buffer, not a shared one.
 */
static const char *why(int err, char *buf, size_t n)
{
	return strerror_r(err, buf, n);
}

/* 1 when the name can be recorded (UTF-8 text). */
static int name_ok(const char *s)
{
	return am_utf8_ok((const unsigned char *)s, strlen(s));
}

static enum am_status add_item(struct items *it, const char *path, const char *rel,
			       const struct stat *st, struct am_err *e)
{
	struct item *x;
	char eb[128];
	int fd;

	/*
	 * Unreadable files are found before anything is sealed, not half way.  A
	 * file found by the walk is a regular file (lstat): whether it may be read
	 * is one faccessat; a FILE operand is opened, which also refuses a link.
	 */
	if (rel != NULL) {
		if (faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) != 0)
			return am_fail(e, errno == EACCES || errno == ENOENT ? AM_EINPUT : AM_EIO,
				       "cannot open %s: %s", path, why(errno, eb, sizeof(eb)));
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 && errno == ELOOP)
			return am_fail(e, AM_EINPUT, "%s is a symbolic link; give the file it points to",
				       path);
		if (fd < 0)
			return am_fail(e, errno == EACCES || errno == ENOENT ? AM_EINPUT : AM_EIO,
				       "cannot open %s: %s", path, why(errno, eb, sizeof(eb)));
		close(fd);
	}
	if (!name_ok(path))
		return am_fail(e, AM_EINPUT, "the name of %s is not UTF-8 text; rename it, or seal "
			       "it alone with --meta filename=NAME", path);
	if (it->n == it->cap) {
		size_t cap = it->cap ? 2 * it->cap : 64;
		struct item *v = realloc(it->v, cap * sizeof(*v));
		if (v == NULL)
			return am_fail(e, AM_ENOMEM, "out of memory");
		it->v = v;
		it->cap = cap;
	}
	x = &it->v[it->n];
	x->path = strdup(path);
	x->rel = rel != NULL ? strdup(rel) : NULL;
	x->size = (uint64_t)st->st_size;
	x->dev = st->st_dev;
	x->ino = st->st_ino;
	x->op = it->op;
	if (x->path == NULL || (rel != NULL && x->rel == NULL)) {
		free(x->path);
		free(x->rel);
		return am_fail(e, AM_ENOMEM, "out of memory");
	}
	it->n++;
	it->total += x->size;
	return AM_OK;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * The regular files under dir, in name order, each with its path relative
 * to the top.  Symbolic links and special files are skipped, saying so: a
 * link could lead out of the tree or round in a loop.
 */
static enum am_status walk(struct items *it, const char *dir, const char *rel, int depth,
			   struct am_err *e)
{
	struct dirent **names = NULL;
	enum am_status s = AM_OK;
	char eb[128];
	int n;

	if (depth > MAX_DEPTH)
		return am_fail(e, AM_EINPUT, "%s: directories nest more than %d deep", dir,
			       MAX_DEPTH);
	n = scandir(dir, &names, NULL, by_name);
	if (n < 0)
		return am_fail(e, errno == EACCES || errno == ENOENT ? AM_EINPUT : AM_EIO,
			       "cannot read the directory %s: %s", dir, why(errno, eb, sizeof(eb)));
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char *path = NULL, *sub = NULL;
		struct stat st;

		if (s != AM_OK || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			goto next;
		if (asprintf(&path, "%s/%s", dir, name) < 0)
			path = NULL;
		if (path == NULL || asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", name) < 0) {
			sub = NULL;
			s = am_fail(e, AM_ENOMEM, "out of memory");
			goto next;
		}
		if (lstat(path, &st) != 0)
			s = am_fail(e, AM_EIO, "cannot read %s: %s", path,
				    why(errno, eb, sizeof(eb)));
		else if (S_ISDIR(st.st_mode))
			s = walk(it, path, sub, depth + 1, e);
		else if (S_ISREG(st.st_mode))
			s = add_item(it, path, sub, &st, e);
		else
			fprintf(stderr, "amanat: skipping %s: %s\n", path,
				S_ISLNK(st.st_mode) ? "a symbolic link" : "not a regular file");
next:
		free(path);
		free(sub);
		free(names[i]);
	}
	free(names);
	return s;
}

/* By file (device, inode), then by where it was listed. */
static int by_file(const void *a, const void *b)
{
	const struct item *x = *(const struct item *const *)a, *y = *(const struct item *const *)b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * Operands that overlap (a folder and a file or folder inside it) would seal
 * the same file twice: a slip, as the same operand given twice is.  Within one
 * operand, two hard links to one file stay two items (two names a witness's
 * files may really have).
 */
static enum am_status no_overlap(const struct items *it, char *const *files, struct am_err *e)
{
	const struct item **v = malloc(it->n * sizeof(*v));
	enum am_status s = AM_OK;

	if (v == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	for (size_t i = 0; i < it->n; i++)
		v[i] = &it->v[i];
	qsort(v, it->n, sizeof(*v), by_file);
	for (size_t i = 1; i < it->n && s == AM_OK; i++)
		if (v[i]->dev == v[i - 1]->dev && v[i]->ino == v[i - 1]->ino &&
		    v[i]->op != v[i - 1]->op)
			s = am_fail(e, AM_EINPUT, "%s would be sealed twice, under both %s and %s: "
				    "the files and folders given overlap", v[i]->path,
				    files[v[i - 1]->op], files[v[i]->op]);
	free(v);
	return s;
}

/* Every FILE operand, and with --recursive what each directory holds. */
static enum am_status collect(struct items *it, char *const *files, size_t nfiles, int recursive,
			      struct am_err *e)
{
	enum am_status s = AM_OK;
	char eb[128];

	for (size_t i = 0; i < nfiles && s == AM_OK; i++) {
		struct stat st, other;
		if (strcmp(files[i], "-") == 0)
			return am_fail(e, AM_EINPUT, "standard input (-) can only be sealed alone");
		if (stat(files[i], &st) != 0)
			return am_fail(e, errno == ENOENT || errno == ENOTDIR ? AM_EINPUT : AM_EIO,
				       "cannot open %s: %s", files[i], why(errno, eb, sizeof(eb)));
		/* the same file or folder named twice is a slip, not two items */
		for (size_t j = 0; j < i; j++)
			if (stat(files[j], &other) == 0 && other.st_dev == st.st_dev &&
			    other.st_ino == st.st_ino)
				return am_fail(e, AM_EINPUT, "%s is given twice (also as %s)", files[i],
					       files[j]);
		if (S_ISDIR(st.st_mode) && !recursive)
			return am_fail(e, AM_EINPUT, "%s is a directory; give --recursive to seal the "
				       "files under it", files[i]);
		it->op = i;
		if (S_ISDIR(st.st_mode))
			s = walk(it, files[i], "", 0, e);
		else if (S_ISREG(st.st_mode))
			s = add_item(it, files[i], NULL, &st, e);
		else
			return am_fail(e, AM_EINPUT, "%s is not a regular file", files[i]);
	}
	if (s == AM_OK && it->n == 0)
		s = am_fail(e, AM_EINPUT, "no files to seal under %s", files[0]);
	if (s == AM_OK && nfiles > 1)
		s = no_overlap(it, files, e);
	return s;
}

/* The walk as a thread's work: its input, and what the join hands back. */
struct walk_job {
	const struct cli_seal_bulk *in;
	struct items *it;
	enum am_status s;
	struct am_err e;
};

static void *walk_thread(void *arg)
{
	struct walk_job *w = arg;

	w->s = collect(w->it, w->in->files, w->in->nfiles, w->in->recursive, &w->e);
	return NULL;
}

/*
 * The walk, the vault opened through its pin, the signer unlocked: failing
 * with the walk's error first, then open's, then unlock's, as when they ran
 * one after the other.  When nobody types the passphrase, the walk runs on
 * the second core while Argon2id runs on this one; the vault is still opened
 * only once the walk has succeeded, so the pin, the first-use notice and the
 * order of the lines on stderr are what they were.  Someone at a terminal
 * sees the walk's lines before the prompt: the walk runs first, as before.
 */
static enum am_status start(const struct cli_seal_bulk *in, struct items *it,
			    struct cli_trust *ct, struct am_identity *signer, struct am_err *e)
{
	struct walk_job w = { .in = in, .it = it };
	struct am_err ue;
	enum am_status s, us = AM_OK;
	pthread_t th;
	int fd = in->pass->fd, threaded;

	am_err_init(&w.e);
	am_err_init(&ue);
	threaded = !cli_pass_from_tty(in->pass) && !(fd >= 0 && isatty(fd)) &&
		   am_worker_start(&th, walk_thread, &w) == 0;
	if (threaded) {
		us = cli_unlock(in->pass, in->as, signer, &ue);
		pthread_join(th, NULL);
	} else {
		walk_thread(&w);
	}
	if (w.s != AM_OK) {
		*e = w.e;
		return w.s;
	}
	s = cli_trust_open(ct, in->vault, 1, e);
	if (s != AM_OK)
		return s;
	if (!threaded)
		return cli_unlock(in->pass, in->as, signer, e);
	*e = ue;
	return us;
}

/*
 * Open a listed file to seal it, which must still be the regular file
 * listed: a file, or a folder above it, swapped since for a link, a FIFO
 * (which would wait for a writer forever) or another file is refused, never
 * followed or sealed.  The fd, or -1 with *s set.
 */
static int open_listed(const struct item *x, enum am_status *s, struct am_err *e)
{
	struct stat st;
	char eb[128];
	int fd = open(x->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0 && errno != ELOOP) {
		*s = am_fail(e, AM_EIO, "cannot open %s: %s", x->path, why(errno, eb, sizeof(eb)));
		return -1;
	}
	if (fd >= 0 && fstat(fd, &st) != 0) {
		*s = am_fail(e, AM_EIO, "cannot read %s: %s", x->path, why(errno, eb, sizeof(eb)));
		close(fd);
		return -1;
	}
	if (fd < 0 || !S_ISREG(st.st_mode) || st.st_dev != x->dev || st.st_ino != x->ino) {
		*s = am_fail(e, AM_EINPUT, "%s is not the file listed when the folder was read (it "
			     "was replaced, or is now a link): not sealed", x->path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* a regular file: reads never wait, but the sealer need not know */
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* What the durable callback needs: where to print, and what was acknowledged. */
struct run {
	struct am_vault *v;
	const struct items *it;
	unsigned type;
	int json;
	size_t done;
	uint64_t first, last;
	/* one progress line for the whole run: this entry's bytes after the others' */
	struct am_progress outer;
	uint64_t base;
};

static void on_durable(void *ctx, void *cookie, const struct am_seal_result *res)
{
	struct run *r = ctx;
	const struct item *x = &r->it->v[(uintptr_t)cookie];
	const char *shown = x->rel != NULL ? x->rel : x->path;

	if (r->done == 0)
		r->first = res->seq;
	r->last = res->seq;
	r->done++;
	if (r->json) {
		cli_seal_receipt(r->v, r->type, res, shown);
	} else {
		printf("%llu\t", (unsigned long long)res->seq);
		cli_print_value(stdout, (const unsigned char *)shown, strlen(shown));
		printf("\n");
	}
	/* out once the batch's lines are all printed (cli_seal_bulk flushes): as soon as true */
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct run *r = ctx;

	(void)total;
	if (r->outer.fn != NULL)
		r->outer.fn(r->outer.ctx, r->base + done, 0);
}

/* The per-file fields: the template's, and the file's name and relative path. */
static enum am_status file_fields(struct am_fields *f, const struct item *x, struct am_err *e)
{
	char *copy = strdup(x->path);
	enum am_status s;

	if (copy == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	s = am_fields_set(f, "filename", basename(copy), strlen(basename(copy)), e);
	free(copy);
	if (s == AM_OK && x->rel != NULL)
		s = am_fields_set(f, "path", x->rel, strlen(x->rel), e);
	return s;
}

int cli_seal_bulk(const struct cli_seal_bulk *in, struct cli_seal_bulk_out *out)
{
	const struct am_batch_limits overlap = { 0, 0, 1, 0 };
	struct items it;
	struct run r;
	struct cli_trust ct;
	struct cli_progress prog;
	struct am_identity signer;
	struct am_batch *b = NULL;
	struct am_err e;
	enum am_status s;
	size_t i = 0, shown = 0;
	int sig = 0, rc;

	am_err_init(&e);
	am_identity_init(&signer);
	memset(&it, 0, sizeof(it));
	memset(&r, 0, sizeof(r));
	memset(&ct, 0, sizeof(ct));
	memset(out, 0, sizeof(*out));
	if (am_fields_get(in->fields, "filename") != NULL || am_fields_get(in->fields, "path")) {
		fprintf(stderr, "amanat: seal: filename and path are recorded for each file when "
			"several are sealed; do not give them with --meta\n");
		return EXIT_USAGE;
	}
	s = start(in, &it, &ct, &signer, &e);
	if (s != AM_OK)
		goto fail;
	r.v = ct.v;
	r.it = &it;
	r.type = in->type;
	r.json = in->json;
	/* each batch committed on the other core while the next is sealed (vault.h) */
	s = am_batch_begin(ct.v, ct.t, &signer, &overlap, on_durable, &r, &b, &e);
	if (s != AM_OK)
		goto fail;
	r.outer = cli_progress_start(&prog, "sealing");
	prog.total = it.total;
	/* a signal stops between entries, keeping what is sealed, or stops one big file */
	{
		const volatile sig_atomic_t *stop = cli_interruptible_begin();
		for (; i < it.n && s == AM_OK && !*stop; i++) {
			struct am_seal_req req;
			int alone = it.v[i].size >= ALONE_BYTES, fd;
			if (alone && am_batch_pending(b) > 0)
				s = am_batch_commit(b, &e);
			if (s != AM_OK)
				break;
			fd = open_listed(&it.v[i], &s, &e);
			if (fd < 0)
				break;
			s = file_fields(in->fields, &it.v[i], &e);
			memset(&req, 0, sizeof(req));
			req.type = in->type;
			req.fields = in->fields;
			req.fd = fd;
			req.refs = in->refs;
			req.nrefs = in->nrefs;
			req.progress.fn = on_progress;
			req.progress.ctx = &r;
			req.stop = alone ? stop : NULL;
			if (s == AM_OK)
				s = am_batch_seal(b, &req, (void *)(uintptr_t)i, &e);
			if (s == AM_OK && alone)
				s = am_batch_commit(b, &e);
			close(fd);
			/* a batch committed: its lines out now, for whoever reads them as they come */
			if (r.done != shown) {
				fflush(stdout);
				shown = r.done;
			}
			r.base += it.v[i].size;
		}
		/* what was sealed before a stop or a failure is committed, then said */
		if (am_batch_pending(b) > 0) {
			struct am_err ce;
			enum am_status cs;
			am_err_init(&ce);
			cs = am_batch_commit(b, &ce);
			if (s == AM_OK && cs != AM_OK) {
				s = cs;
				e = ce;
			}
		}
		fflush(stdout);
		sig = cli_interruptible_end();
	}
	cli_progress_end(&prog);
	out->sealed = r.done;
	out->first = r.first;
	out->last = r.last;
	if (r.done > 0)
		cli_show_recipients(am_trusted_members(ct.t));
	if (sig != 0) {
		fprintf(stderr, "amanat: interrupted: %zu of %zu files sealed (the numbers printed "
			"above); the other %zu were not\n", r.done, it.n, it.n - r.done);
		rc = 128 + sig;
		goto cleanup;
	}
	if (s != AM_OK)
		goto fail;
	rc = cli_finish(EXIT_OK);
	goto cleanup;
fail:
	rc = cli_fail(&e, s);
	if (it.n > 0 && b != NULL)
		fprintf(stderr, "amanat: %zu of %zu files were sealed before this (the numbers "
			"printed above); the others were not\n", r.done, it.n);
cleanup:
	am_batch_free(b);
	cli_trust_close(&ct);
	am_identity_release(&signer);
	items_release(&it);
	return rc;
}

void cli_seal_receipt(struct am_vault *v, unsigned type, const struct am_seal_result *r,
		      const char *path)
{
	/* a batch's entries share its checkpoint: read it once */
	static struct am_checkpoint cp;
	static int have;
	char sha[2 * AM_HASH_LEN + 1], root[2 * AM_HASH_LEN + 1];

	am_hex(sha, r->sha256, AM_HASH_LEN);
	am_hex(root, r->root, AM_HASH_LEN);
	printf("{\"seq\":%llu,\"type\":\"%s\",\"sha256\":\"%s\",\"size\":%llu,"
	       "\"checkpoint\":{\"size\":%llu,\"root\":\"%s\"",
	       (unsigned long long)r->seq, am_type_name(type), sha, (unsigned long long)r->size,
	       (unsigned long long)r->tree_size, root);
	/* the signed note stored with the entry, when it is still the one of this tree */
	if (!have || cp.size != r->tree_size || memcmp(cp.root, r->root, AM_HASH_LEN) != 0) {
		am_checkpoint_release(&cp);
		have = am_stored_checkpoint(v, r->tree_size, &cp, NULL) == AM_OK;
	}
	if (have && cp.size == r->tree_size && memcmp(cp.root, r->root, AM_HASH_LEN) == 0) {
		printf(",\"origin\":");
		json_cstr(stdout, cp.origin);
		printf(",\"note\":");
		json_str(stdout, cp.text, cp.len);
	}
	printf("}");
	if (path != NULL) {
		printf(",\"path\":");
		json_cstr(stdout, path);
	}
	printf("}\n");
}
