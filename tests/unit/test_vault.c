/*
 * test_vault.c — the vault API end to end, in a temporary directory:
 * creating and opening, enrolling, sealing content of sizes around the
 * chunk boundaries, custodians extracting it, officers being refused,
 * custodians enrolled later, revocation, and verification.
 *
 * Identities are generated in memory (no passphrase hashing), so the whole
 * file runs in seconds.  Names are fictional roles.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vault/vault_int.h"
#include "check.h"
#include "trusted.h"

#define MIB ((size_t)1 << 20)

static char dir[256];

static void path_in(char *out, size_t outlen, const char *name)
{
	snprintf(out, outlen, "%s/%s", dir, name);
}

static void must(enum am_status s, const struct am_err *e, const char *what)
{
	if (s != AM_OK) {
		fprintf(stderr, "setup failed: %s: %s (%s)\n", what, e ? e->msg : "",
			am_status_name(s));
		exit(2);
	}
}

/* Deterministic content: 4 KiB runs alternating between text and noise. */
static unsigned char *make_content(size_t n, unsigned seed)
{
	static const char line[] = "Fictional statement, case CASE-0001, witness W-0042. ";
	unsigned char *p = malloc(n ? n : 1);
	unsigned long s = 88172645463325252ul ^ seed;

	if (p == NULL)
		exit(2);
	for (size_t i = 0; i < n; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		p[i] = ((i >> 12) & 1) ? (unsigned char)s : (unsigned char)line[i % (sizeof(line) - 1)];
	}
	return p;
}

/* An fd reading n bytes of p from a temporary file. */
static int file_fd(const void *p, size_t n)
{
	char path[512];
	int fd;

	path_in(path, sizeof(path), "content.tmp");
	if (check_put_file(path, p, n) != 0)
		exit(2);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	unlink(path);
	return fd;
}

/*
 * An fd reading n bytes of p from a pipe, written by a child in odd-sized
 * pieces so that the sealer sees short reads.  *pid is the child.
 */
static int pipe_fd(const unsigned char *p, size_t n, pid_t *pid)
{
	int fds[2];

	if (pipe(fds) != 0)
		exit(2);
	*pid = fork();
	if (*pid < 0)
		exit(2);
	if (*pid == 0) {
		size_t off = 0;
		close(fds[0]);
		while (off < n) {
			size_t k = n - off < 7777 ? n - off : 7777;
			if (am_write_all(fds[1], p + off, k) != 0)
				_exit(1);
			off += k;
		}
		_exit(0);
	}
	close(fds[1]);
	return fds[0];
}

static int child_ok(pid_t pid)
{
	int st = 0;

	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int verify_ok(struct am_vault *v, enum am_verify_tier tier, uint64_t *entries)
{
	struct am_verify_report r;
	struct am_progress none = { NULL, NULL };
	struct am_err e;
	enum am_status s;

	am_err_init(&e);
	s = am_verify(v, tier, none, &r, &e);
	if (s != AM_OK || !r.ok) {
		fprintf(stderr, "    verify (tier %d): %s %s%s\n", (int)tier, am_status_name(s), e.msg,
			r.reason);
		return 0;
	}
	if (entries != NULL)
		*entries = r.entries;
	return 1;
}

struct prog {
	uint64_t calls, last_done, last_total;
};

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct prog *p = ctx;

	p->calls++;
	p->last_done = done;
	p->last_total = total;
}

/* A progress callback that sets *stop once done reaches after. */
struct stop_after {
	volatile sig_atomic_t *stop;
	uint64_t after, last_done;
};

static void stop_after_cb(void *ctx, uint64_t done, uint64_t total)
{
	struct stop_after *sa = ctx;

	(void)total;
	sa->last_done = done;
	if (done >= sa->after)
		*sa->stop = 1;
}

/* Seal n bytes of p as type by signer; through a pipe when via_pipe. */
static enum am_status seal_bytes(struct am_vault *v, const struct am_identity *signer,
				 unsigned type, const unsigned char *p, size_t n, int via_pipe,
				 const char *title, uint64_t *seq, struct am_err *e)
{
	struct am_fields f;
	struct am_seal_req req;
	struct am_seal_result res;
	enum am_status s;
	pid_t pid = -1;

	am_fields_init(&f);
	if (title != NULL && am_fields_set(&f, "title", title, strlen(title), NULL) != AM_OK)
		exit(2);
	memset(&req, 0, sizeof(req));
	req.type = type;
	req.fields = &f;
	req.fd = via_pipe ? pipe_fd(p, n, &pid) : file_fd(p, n);
	s = am_seal(v, trust_of(v), signer, &req, &res, e);
	if (seq != NULL && s == AM_OK)
		*seq = res.seq;
	close(req.fd);
	if (via_pipe)
		CHECK(child_ok(pid));
	am_fields_release(&f);
	return s;
}

/* Extract seq as reader into a fresh file; its bytes (caller frees) or NULL. */
static unsigned char *extract_bytes(struct am_vault *v, const struct am_identity *reader,
				    uint64_t seq, size_t *n, enum am_status *st, struct prog *pr)
{
	char path[512];
	struct am_progress p = { NULL, NULL };
	struct am_err e;
	unsigned char *d;
	int fd;

	if (pr != NULL) {
		memset(pr, 0, sizeof(*pr));
		p.fn = on_progress;
		p.ctx = pr;
	}
	path_in(path, sizeof(path), "extracted.tmp");
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		exit(2);
	am_err_init(&e);
	*st = am_extract(v, reader, seq, fd, p, &e);
	close(fd);
	if (*st != AM_OK && *st != AM_EAUTH && *st != AM_EVERIFY)
		fprintf(stderr, "    extract %llu: %s\n", (unsigned long long)seq, e.msg);
	d = check_get_file(path, n);
	unlink(path);
	return d;
}

static const char *field_str(const struct am_fields *f, const char *name, char *buf, size_t len)
{
	const struct am_field *fl = am_fields_get(f, name);

	if (fl == NULL || fl->vlen >= len)
		return NULL;
	memcpy(buf, fl->value, fl->vlen);
	buf[fl->vlen] = '\0';
	return buf;
}

struct world {
	struct am_identity admin, cust, officer, late, auditor, stranger;
	char path[512];
};

static void test_open_refusals(const struct world *w)
{
	char p[512];
	struct am_vault *v = (struct am_vault *)1;
	struct am_err e;

	path_in(p, sizeof(p), "not-a-vault.txt");
	CHECK(check_put_file(p, "this is not a database, just a fictional note\n", 46) == 0);
	am_err_init(&e);
	CHECK_ST(am_vault_open(p, 0, &v, &e), AM_EINPUT);
	CHECK(v == NULL);
	CHECK(strstr(e.msg, p) != NULL);
	CHECK_ST(am_vault_open(p, 1, &v, NULL), AM_EINPUT);

	path_in(p, sizeof(p), "empty.vault");
	CHECK(check_put_file(p, "", 0) == 0);
	CHECK_ST(am_vault_open(p, 0, &v, NULL), AM_EINPUT);
	CHECK_ST(am_vault_open(p, 1, &v, NULL), AM_EINPUT);

	path_in(p, sizeof(p), "missing.vault");
	CHECK_ST(am_vault_open(p, 0, &v, NULL), AM_EINPUT);
	CHECK(access(p, F_OK) != 0); /* opening never creates */
	CHECK_ST(am_vault_open(p, 1, &v, NULL), AM_EINPUT);
	CHECK(access(p, F_OK) != 0);
	CHECK_ST(am_vault_open(dir, 0, &v, NULL), AM_EINPUT);
	CHECK_ST(am_vault_open(dir, 1, &v, NULL), AM_EINPUT);
	/* a symlink to a vault is not opened through */
	path_in(p, sizeof(p), "link.vault");
	CHECK(symlink(w->path, p) == 0);
	CHECK(am_vault_open(p, 0, &v, NULL) != AM_OK);
	CHECK(v == NULL);

	/* a SQLite database that is not ours, and one of ours from another schema */
	{
		sqlite3 *db = NULL;
		path_in(p, sizeof(p), "other.sqlite");
		CHECK(sqlite3_open(p, &db) == SQLITE_OK);
		CHECK(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", NULL, NULL,
				   NULL) == SQLITE_OK);
		sqlite3_close(db);
		CHECK_ST(am_vault_open(p, 0, &v, NULL), AM_EINPUT);
		path_in(p, sizeof(p), "future.sqlite");
		CHECK(sqlite3_open(p, &db) == SQLITE_OK);
		CHECK(sqlite3_exec(db, "PRAGMA application_id=1095585364; PRAGMA user_version=99;"
				       "CREATE TABLE t(x);",
				   NULL, NULL, NULL) == SQLITE_OK);
		sqlite3_close(db);
		CHECK_ST(am_vault_open(p, 0, &v, NULL), AM_EINPUT);
	}

	/* creating over anything that exists: refused, untouched */
	{
		size_t n1 = 0, n2 = 0;
		unsigned char *before = check_get_file(w->path, &n1), *after;
		struct stat st1, st2;
		CHECK(before != NULL && n1 > 0);
		CHECK(stat(w->path, &st1) == 0);
		am_err_init(&e);
		CHECK_ST(am_vault_create(w->path, &w->admin, &w->cust, 1, NULL, &e), AM_EEXIST);
		CHECK(strstr(e.msg, w->path) != NULL);
		after = check_get_file(w->path, &n2);
		CHECK(after != NULL && n1 == n2 && memcmp(before, after, n1) == 0);
		CHECK(stat(w->path, &st2) == 0 && st1.st_ino == st2.st_ino);
		free(before);
		free(after);
		path_in(p, sizeof(p), "not-a-vault.txt");
		CHECK_ST(am_vault_create(p, &w->admin, NULL, 0, NULL, NULL), AM_EEXIST);
		CHECK_ST(am_vault_create(dir, &w->admin, NULL, 0, NULL, NULL), AM_EEXIST);
		/* and a symlink is not followed */
		{
			char link_p[512], target[512];
			path_in(link_p, sizeof(link_p), "dangling.vault");
			path_in(target, sizeof(target), "dangling-target.vault");
			CHECK(symlink(target, link_p) == 0);
			CHECK(am_vault_create(link_p, &w->admin, NULL, 0, NULL, NULL) != AM_OK);
			CHECK(access(target, F_OK) != 0);
		}
		path_in(p, sizeof(p), "no-such-dir/x.vault");
		CHECK_ST(am_vault_create(p, &w->admin, NULL, 0, NULL, NULL), AM_EINPUT);
	}
}

/* A recipient that reuses the admin's box key under another signing key: refused, nothing left. */
static void test_create_fails_cleanly(const struct world *w)
{
	struct am_identity bad = w->cust;
	char p[512], journal[600];

	memcpy(bad.box_pk, w->admin.box_pk, AM_BOX_PK_LEN);
	path_in(p, sizeof(p), "half.vault");
	CHECK_ST(am_vault_create(p, &w->admin, &bad, 1, NULL, NULL), AM_EINPUT);
	CHECK(access(p, F_OK) != 0);
	snprintf(journal, sizeof(journal), "%s-journal", p);
	CHECK(access(journal, F_OK) != 0);
}

static void test_main_flow(struct world *w)
{
	static const size_t sizes[] = { 0, 1, MIB - 1, MIB, MIB + 1, 3 * MIB };
	uint64_t seqs[sizeof(sizes) / sizeof(sizes[0])];
	struct am_vault *v = NULL;
	struct am_err e;
	uint64_t seq, n0, entries;
	struct am_members ms;

	am_err_init(&e);
	must(am_vault_open(w->path, 1, &v, &e), &e, "open");
	CHECK(count_of(v) == 2); /* genesis + the custodian's enrollment */
	{
		unsigned char id1[AM_VAULT_ID_LEN], id2[AM_VAULT_ID_LEN];
		struct am_entry_pub g;
		CHECK_ST(am_vault_id(v, id1, NULL), AM_OK);
		CHECK_ST(am_entry_read(v, 0, &g, NULL), AM_OK);
		CHECK(g.h.type == AM_T_GENESIS && memcmp(g.h.signer, w->admin.sign_pk, 32) == 0);
		memcpy(id2, g.h.vault_id, sizeof(id2));
		CHECK(memcmp(id1, id2, sizeof(id1)) == 0);
		am_entry_pub_release(&g);
	}
	CHECK_ST(am_vault_members(trust_of(v), &ms, NULL), AM_OK);
	{
		const struct am_member *m = am_members_find(&ms, w->admin.sign_pk);
		CHECK(m != NULL && m->roles == AM_ROLE_ADMIN); /* with recipients, not a custodian */
		m = am_members_find(&ms, w->cust.sign_pk);
		CHECK(m != NULL && m->roles == AM_ROLE_CUSTODIAN);
		CHECK(am_members_find(&ms, w->officer.sign_pk) == NULL);
	}
	am_members_release(&ms);

	/* enrolling: admins only, with a real role */
	CHECK_ST(am_enroll(v, trust_of(v), &w->officer, &w->auditor, AM_ROLE_AUDITOR, NULL, NULL), AM_EAUTH);
	CHECK_ST(am_enroll(v, trust_of(v), &w->cust, &w->auditor, AM_ROLE_AUDITOR, NULL, NULL), AM_EAUTH);
	CHECK_ST(am_enroll(v, trust_of(v), &w->admin, &w->officer, 0, NULL, NULL), AM_EINPUT);
	CHECK_ST(am_enroll(v, trust_of(v), &w->admin, &w->officer, 16, NULL, NULL), AM_EINPUT);
	CHECK(count_of(v) == 2);
	seq = 99;
	CHECK_ST(am_enroll(v, trust_of(v), &w->admin, &w->officer, AM_ROLE_OFFICER, &seq, NULL), AM_OK);
	CHECK(seq == 2);
	CHECK_ST(am_enroll(v, trust_of(v), &w->admin, &w->auditor, AM_ROLE_AUDITOR, &seq, NULL), AM_OK);
	CHECK(seq == 3);

	/* sealing sizes around the 1 MiB chunk: officer seals, custodian reads */
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i], got_n = 0;
		unsigned char *content = make_content(n, (unsigned)i), *got;
		int via_pipe = (i % 2) == 1 || n == 3 * MIB;
		char title[64], buf[80], hex[65];
		unsigned char sha[32];
		struct am_fields f;
		struct am_entry_pub pub;
		enum am_status st;
		struct prog pr;

		snprintf(title, sizeof(title), "fictional item %zu", i);
		am_err_init(&e);
		seqs[i] = UINT64_MAX;
		st = seal_bytes(v, &w->officer, i == 2 ? AM_T_MEDIA : AM_T_TESTIMONY, content, n,
				via_pipe, title, &seqs[i], &e);
		CHECKF(st == AM_OK, "sealing %zu bytes: %s", n, e.msg);
		if (st != AM_OK) {
			free(content);
			continue;
		}
		CHECK(seqs[i] == count_of(v) - 1);

		/* the signed header describes it */
		CHECK_ST(am_entry_read(v, seqs[i], &pub, NULL), AM_OK);
		CHECK(pub.h.size == n);
		CHECK(pub.h.chunk_size == AM_CHUNK_SIZE);
		CHECK_EQ(pub.h.chunk_count, n == 0 ? 1 : (n - 1) / AM_CHUNK_SIZE + 1);
		CHECK(memcmp(pub.h.signer, w->officer.sign_pk, 32) == 0);
		CHECK(pub.h.nrefs == 0 && pub.h.payload_len == 0);
		am_entry_pub_release(&pub);

		/* fields: the title given, and sha256 and size added */
		am_sha256(sha, content, n);
		am_hex(hex, sha, 32);
		CHECK_ST(am_open_fields(v, &w->cust, seqs[i], &f, NULL), AM_OK);
		CHECK(field_str(&f, "title", buf, sizeof(buf)) != NULL && strcmp(buf, title) == 0);
		CHECKF(field_str(&f, "sha256", buf, sizeof(buf)) != NULL && strcmp(buf, hex) == 0,
		       "sha256 field of %zu bytes", n);
		{
			char num[32];
			snprintf(num, sizeof(num), "%zu", n);
			CHECK(field_str(&f, "size", buf, sizeof(buf)) != NULL && strcmp(buf, num) == 0);
		}
		CHECK(f.n == 3);
		am_fields_release(&f);

		/* extract: the same bytes */
		got = extract_bytes(v, &w->cust, seqs[i], &got_n, &st, &pr);
		CHECK_ST(st, AM_OK);
		CHECKF(got != NULL && got_n == n && (n == 0 || memcmp(got, content, n) == 0),
		       "extracted %zu bytes of %zu, content %s", got_n, n,
		       got != NULL && got_n == n && (n == 0 || memcmp(got, content, n) == 0)
			       ? "same"
			       : "differs");
		CHECK(pr.calls >= 1 && pr.last_done == n && pr.last_total == n);
		free(got);

		/* the officer who sealed it cannot read it back; nor the admin */
		CHECK_ST(am_can_open(v, &w->officer, seqs[i], NULL), AM_EAUTH);
		CHECK_ST(am_can_open(v, &w->admin, seqs[i], NULL), AM_EAUTH);
		CHECK_ST(am_can_open(v, &w->cust, seqs[i], NULL), AM_OK);
		got = extract_bytes(v, &w->officer, seqs[i], &got_n, &st, NULL);
		CHECK_ST(st, AM_EAUTH);
		CHECKF(got_n == 0, "a refused extract wrote %zu bytes", got_n);
		free(got);
		{
			struct am_fields none;
			CHECK_ST(am_open_fields(v, &w->officer, seqs[i], &none, NULL), AM_EAUTH);
			CHECK(none.n == 0);
			am_fields_release(&none);
		}
		free(content);
	}
	CHECK(verify_ok(v, AM_VERIFY_QUICK, NULL));
	CHECK(verify_ok(v, AM_VERIFY_FULL, &entries));
	CHECK(entries == count_of(v));

	/* refusals that must leave the log as it was */
	n0 = count_of(v);
	{
		unsigned char one = 'x';
		struct am_seal_req req;
		uint64_t refs[2];

		CHECK_ST(seal_bytes(v, &w->auditor, AM_T_TESTIMONY, &one, 1, 0, NULL, NULL, NULL),
			 AM_EAUTH);
		CHECK_ST(seal_bytes(v, &w->stranger, AM_T_TESTIMONY, &one, 1, 0, NULL, NULL, NULL),
			 AM_EAUTH);
		CHECK_ST(seal_bytes(v, &w->officer, AM_T_GENESIS, &one, 1, 0, NULL, NULL, NULL),
			 AM_EINPUT);
		CHECK_ST(seal_bytes(v, &w->officer, AM_T_CUSTODY, &one, 1, 0, NULL, NULL, NULL),
			 AM_EINPUT);
		CHECK_ST(seal_bytes(v, &w->officer, 0, &one, 1, 0, NULL, NULL, NULL), AM_EINPUT);
		CHECK_ST(seal_bytes(v, &w->officer, 99, &one, 1, 0, NULL, NULL, NULL), AM_EINPUT);

		memset(&req, 0, sizeof(req));
		req.type = AM_T_CASE;
		req.fd = -1;
		refs[0] = n0; /* does not exist yet */
		req.refs = refs;
		req.nrefs = 1;
		CHECK_ST(am_seal(v, trust_of(v), &w->officer, &req, NULL, NULL), AM_EINPUT);
		refs[0] = 2;
		refs[1] = 2;
		req.nrefs = 2;
		CHECK_ST(am_seal(v, trust_of(v), &w->officer, &req, NULL, NULL), AM_EINPUT);

		/* an input that cannot be read, after the transaction has begun */
		{
			char p[512];
			path_in(p, sizeof(p), "write-only.tmp");
			req.fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			req.nrefs = 0;
			CHECK(req.fd >= 0);
			CHECK_ST(am_seal(v, trust_of(v), &w->officer, &req, NULL, NULL), AM_EIO);
			close(req.fd);
			unlink(p);
		}
		CHECK(count_of(v) == n0);
		CHECK(verify_ok(v, AM_VERIFY_FULL, NULL)); /* no stray chunks left behind */

		/* a case record that refers to earlier entries, content from nowhere */
		refs[0] = seqs[0];
		refs[1] = seqs[1];
		req.refs = refs;
		req.nrefs = 2;
		req.fd = -1;
		{
			struct am_seal_result res;
			CHECK_ST(am_seal(v, trust_of(v), &w->officer, &req, &res, NULL), AM_OK);
			seq = res.seq;
		}
		CHECK(seq == n0);
		{
			struct am_entry_pub pub;
			CHECK_ST(am_entry_read(v, seq, &pub, NULL), AM_OK);
			CHECK(pub.h.type == AM_T_CASE && pub.h.nrefs == 2 && pub.h.size == 0);
			CHECK(pub.h.nrefs == 2 && am_header_ref(&pub.h, 0) == seqs[0] &&
			      am_header_ref(&pub.h, 1) == seqs[1]);
			am_entry_pub_release(&pub);
		}
	}
	/* public entries have nothing to open; missing entries are missing */
	{
		struct am_fields f;
		CHECK_ST(am_open_fields(v, &w->cust, 0, &f, NULL), AM_EINPUT);
		CHECK_ST(am_can_open(v, &w->cust, 1, NULL), AM_EINPUT);
		CHECK_ST(am_can_open(v, &w->cust, count_of(v) + 10, NULL), AM_EINPUT);
	}

	/* custody: custodians record what they read */
	{
		uint64_t refs[1] = { seqs[1] }, cseq = UINT64_MAX;
		struct am_fields f;
		char buf[80];
		n0 = count_of(v);
		CHECK_ST(am_record_custody(v, trust_of(v), &w->officer, AM_ACT_EXTRACT, refs, 1, "curious", NULL,
					   NULL),
			 AM_EAUTH);
		CHECK_ST(am_record_custody(v, trust_of(v), &w->admin, AM_ACT_EXTRACT, refs, 1, "curious", NULL,
					   NULL),
			 AM_EAUTH);
		CHECK(count_of(v) == n0);
		CHECK_ST(am_record_custody(v, trust_of(v), &w->cust, AM_ACT_EXTRACT, refs, 1,
					   "fictional court request", &cseq, NULL),
			 AM_OK);
		CHECK(cseq == n0);
		CHECK_ST(am_open_fields(v, &w->cust, cseq, &f, NULL), AM_OK);
		CHECK(field_str(&f, "action", buf, sizeof(buf)) != NULL && strcmp(buf, "extract") == 0);
		CHECK(field_str(&f, "purpose", buf, sizeof(buf)) != NULL &&
		      strcmp(buf, "fictional court request") == 0);
		am_fields_release(&f);
		refs[0] = cseq + 1;
		CHECK_ST(am_record_custody(v, trust_of(v), &w->cust, AM_ACT_SHOW, refs, 1, NULL, NULL, NULL),
			 AM_EINPUT);
	}

	/* the receipt am_seal returns, and a seal stopped by its caller (issue 14) */
	{
		static const char text[] = "Fictional statement by W-0042, for tests only.\n";
		unsigned char sha[AM_HASH_LEN], root[AM_HASH_LEN];
		char journal[600];
		struct am_seal_req req;
		struct am_seal_result res;
		volatile sig_atomic_t stop = 0;
		struct stop_after sa;
		pid_t pid = -1;

		memset(&req, 0, sizeof(req));
		req.type = AM_T_DOCUMENT;
		req.fd = file_fd(text, sizeof(text) - 1);
		req.stop = &stop;
		n0 = count_of(v);
		CHECK_ST(am_seal(v, trust_of(v), &w->officer, &req, &res, NULL), AM_OK);
		close(req.fd);
		am_sha256(sha, text, sizeof(text) - 1);
		CHECK(res.seq == n0 && res.size == sizeof(text) - 1);
		CHECK(memcmp(res.sha256, sha, AM_HASH_LEN) == 0);
		CHECK(res.tree_size == n0 + 1);
		CHECK_ST(am_vault_root(v, res.tree_size, root, NULL), AM_OK);
		CHECK(memcmp(res.root, root, AM_HASH_LEN) == 0);

		/* stopped before it starts: nothing added, the result zeroed */
		stop = 1;
		req.fd = file_fd(text, sizeof(text) - 1);
		CHECK_ST(am_seal(v, trust_of(v), &w->officer, &req, &res, NULL), AM_EIO);
		close(req.fd);
		CHECK(res.seq == 0 && res.size == 0 && res.tree_size == 0);
		CHECK(count_of(v) == n0 + 1);
		/* stopped mid-stream (from a pipe), the flag set after the second chunk */
		{
			size_t n = 6 * MIB;
			unsigned char *content = make_content(n, 77);
			memset(&sa, 0, sizeof(sa));
			sa.stop = &stop;
			sa.after = 2 * MIB;
			stop = 0;
			req.progress.fn = stop_after_cb;
			req.progress.ctx = &sa;
			req.fd = pipe_fd(content, n, &pid);
			CHECK_ST(am_seal(v, trust_of(v), &w->officer, &req, &res, NULL), AM_EIO);
			close(req.fd);
			waitpid(pid, NULL, 0); /* the writer may have died of a closed pipe */
			CHECK(sa.last_done >= 2 * MIB && sa.last_done < n);
			free(content);
			req.progress.fn = NULL;
		}
		CHECK(count_of(v) == n0 + 1);
		snprintf(journal, sizeof(journal), "%s-journal", w->path);
		CHECK(access(journal, F_OK) != 0);
	}
	CHECK(verify_ok(v, AM_VERIFY_FULL, NULL));
	close_vault(v);
}

/* Custodians see only what is sealed after they join; revoked officers seal nothing. */
static void test_membership_changes(struct world *w)
{
	struct am_vault *v = NULL;
	struct am_err e;
	uint64_t before, after, n0;
	unsigned char *content = make_content(5000, 77), *got;
	size_t got_n = 0;
	enum am_status st;

	am_err_init(&e);
	must(am_vault_open(w->path, 1, &v, &e), &e, "open");
	CHECK_ST(seal_bytes(v, &w->officer, AM_T_DOCUMENT, content, 5000, 0, "before", &before, NULL),
		 AM_OK);
	CHECK_ST(am_enroll(v, trust_of(v), &w->admin, &w->late, AM_ROLE_CUSTODIAN, NULL, NULL), AM_OK);
	CHECK_ST(seal_bytes(v, &w->officer, AM_T_DOCUMENT, content, 5000, 1, "after", &after, NULL),
		 AM_OK);

	CHECK_ST(am_can_open(v, &w->late, before, NULL), AM_EAUTH);
	got = extract_bytes(v, &w->late, before, &got_n, &st, NULL);
	CHECK_ST(st, AM_EAUTH);
	CHECK(got_n == 0);
	free(got);
	CHECK_ST(am_can_open(v, &w->late, after, NULL), AM_OK);
	got = extract_bytes(v, &w->late, after, &got_n, &st, NULL);
	CHECK_ST(st, AM_OK);
	CHECK(got != NULL && got_n == 5000 && memcmp(got, content, 5000) == 0);
	free(got);
	/* the first custodian still reads both */
	CHECK_ST(am_can_open(v, &w->cust, before, NULL), AM_OK);
	CHECK_ST(am_can_open(v, &w->cust, after, NULL), AM_OK);
	{
		/* the later entry is wrapped to exactly the two custodians */
		unsigned char *wraps = NULL;
		size_t wn = 0;
		struct am_wraps ws;
		CHECK_ST(am_db_get_blob(v, after, "wraps", &wraps, &wn, NULL), AM_OK);
		CHECK(am_wraps_parse(wraps, wn, &ws) == 0 && ws.n == 2);
		free(wraps);
		CHECK_ST(am_db_get_blob(v, before, "wraps", &wraps, &wn, NULL), AM_OK);
		CHECK(am_wraps_parse(wraps, wn, &ws) == 0 && ws.n == 1);
		free(wraps);
	}

	/* revocation */
	{
		unsigned char unknown[AM_SIGN_PK_LEN];
		memset(unknown, 0x42, sizeof(unknown));
		n0 = count_of(v);
		CHECK_ST(am_revoke(v, trust_of(v), &w->admin, unknown, NULL, NULL), AM_EINPUT);
		CHECK_ST(am_revoke(v, trust_of(v), &w->officer, w->cust.sign_pk, NULL, NULL), AM_EAUTH);
		CHECK(count_of(v) == n0);
	}
	CHECK_ST(am_revoke(v, trust_of(v), &w->admin, w->officer.sign_pk, NULL, NULL), AM_OK);
	CHECK_ST(am_revoke(v, trust_of(v), &w->admin, w->officer.sign_pk, NULL, NULL), AM_EINPUT);
	n0 = count_of(v);
	am_err_init(&e);
	CHECK_ST(seal_bytes(v, &w->officer, AM_T_TESTIMONY, content, 10, 0, NULL, NULL, &e), AM_EAUTH);
	CHECK(count_of(v) == n0);
	{
		struct am_members ms;
		CHECK_ST(am_vault_members(trust_of(v), &ms, NULL), AM_OK);
		const struct am_member *m = am_members_find(&ms, w->officer.sign_pk);
		CHECK(m != NULL && m->roles == 0);
		am_members_release(&ms);
	}
	/* a revoked custodian is no longer sealed to */
	CHECK_ST(am_revoke(v, trust_of(v), &w->admin, w->late.sign_pk, NULL, NULL), AM_OK);
	CHECK_ST(seal_bytes(v, &w->admin, AM_T_CASE, content, 10, 0, NULL, &after, NULL), AM_OK);
	CHECK_ST(am_can_open(v, &w->late, after, NULL), AM_EAUTH);
	CHECK_ST(am_can_open(v, &w->cust, after, NULL), AM_OK);
	/* revoking the last custodian while sealed entries exist is refused, saying what to do */
	n0 = count_of(v);
	CHECK_ST(am_revoke(v, trust_of(v), &w->admin, w->cust.sign_pk, NULL, &e), AM_EINPUT);
	CHECK(strstr(e.msg, "no custodian") != NULL && strstr(e.msg, "rewrap") != NULL);
	CHECK(count_of(v) == n0);

	CHECK(verify_ok(v, AM_VERIFY_QUICK, NULL));
	CHECK(verify_ok(v, AM_VERIFY_FULL, NULL));
	close_vault(v);

	/* read-only: verification and reading work; appending does not */
	must(am_vault_open(w->path, 0, &v, &e), &e, "open read-only");
	CHECK(verify_ok(v, AM_VERIFY_FULL, NULL));
	got = extract_bytes(v, &w->cust, before, &got_n, &st, NULL);
	CHECK_ST(st, AM_OK);
	CHECK(got != NULL && got_n == 5000 && memcmp(got, content, 5000) == 0);
	free(got);
	n0 = count_of(v);
	CHECK(am_enroll(v, trust_of(v), &w->admin, &w->cust, AM_ROLE_CUSTODIAN, NULL, NULL) != AM_OK);
	CHECK(count_of(v) == n0);
	close_vault(v);
	free(content);
}

/* With no recipients the admin is the custodian. */
static void test_solo_vault(const struct world *w)
{
	struct am_vault *v = NULL;
	struct am_err e;
	char p[512];
	unsigned char *content = make_content(3000, 5), *got;
	size_t got_n = 0;
	uint64_t seq;
	enum am_status st;

	path_in(p, sizeof(p), "solo.vault");
	am_err_init(&e);
	must(am_vault_create(p, &w->admin, NULL, 0, NULL, &e), &e, "create solo");
	{
		struct stat sb;
		CHECK(stat(p, &sb) == 0 && (sb.st_mode & 077) == 0); /* private to its owner */
	}
	must(am_vault_open(p, 1, &v, &e), &e, "open solo");
	CHECK(count_of(v) == 1);
	CHECK_ST(seal_bytes(v, &w->admin, AM_T_TESTIMONY, content, 3000, 0, NULL, &seq, NULL), AM_OK);
	got = extract_bytes(v, &w->admin, seq, &got_n, &st, NULL);
	CHECK_ST(st, AM_OK);
	CHECK(got != NULL && got_n == 3000 && memcmp(got, content, 3000) == 0);
	free(got);
	CHECK(verify_ok(v, AM_VERIFY_FULL, NULL));
	close_vault(v);
	free(content);
}

/* Run fn in a child; its exit status, or -(signal) if a signal killed it. */
static int in_child(int (*fn)(const struct world *), const struct world *w)
{
	pid_t pid;
	int st = 0;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		exit(2);
	if (pid == 0)
		_exit(fn(w));
	if (waitpid(pid, &st, 0) != pid)
		return -1000;
	if (WIFSIGNALED(st))
		return -WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* am_can_open by a custodian known only by its public keys (as am_public_read gives). */
static int child_can_open_public(const struct world *w)
{
	struct am_identity pub = w->cust;
	struct am_vault *v = NULL;
	enum am_status s;

	pub.sign_sk = NULL;
	pub.box_sk = NULL;
	if (am_vault_open(w->path, 0, &v, NULL) != AM_OK)
		return 100;
	s = am_can_open(v, &pub, 4, NULL); /* the first sealed entry, wrapped to cust */
	close_vault(v);
	return (int)s;
}

/* am_seal by an officer known only by its public keys, on a copy of the vault. */
static int child_seal_public(const struct world *w)
{
	struct am_identity pub = w->admin;
	struct am_vault *v = NULL;
	struct am_seal_req req;
	char p[512];
	enum am_status s;

	pub.sign_sk = NULL;
	pub.box_sk = NULL;
	path_in(p, sizeof(p), "copy.vault");
	if (am_vault_open(p, 1, &v, NULL) != AM_OK)
		return 100;
	memset(&req, 0, sizeof(req));
	req.type = AM_T_CASE;
	req.fd = -1;
	s = am_seal(v, trust_of(v), &pub, &req, NULL, NULL);
	close_vault(v);
	return (int)s;
}

/*
 * An identity without its secret halves (read from a .pub, or a .id without
 * its passphrase) is a caller's mistake the library must refuse, not crash
 * on.  Children run the calls, so a crash is a failed check, not a lost run.
 */
static void test_public_only_identities(const struct world *w)
{
	char p[512];
	size_t n = 0;
	unsigned char *bytes;
	int rc;

	rc = in_child(child_can_open_public, w);
	CHECKF(rc == AM_EAUTH || rc == AM_EINPUT,
	       "am_can_open with a public-only identity: %s %d", rc < 0 ? "signal" : "status",
	       rc < 0 ? -rc : rc);

	/* the solo vault: its admin is its custodian, so sealing gets as far as signing */
	path_in(p, sizeof(p), "solo.vault");
	bytes = check_get_file(p, &n);
	path_in(p, sizeof(p), "copy.vault");
	CHECK(bytes != NULL && check_put_file(p, bytes, n) == 0);
	free(bytes);
	rc = in_child(child_seal_public, w);
	CHECKF(rc == AM_EAUTH || rc == AM_EINPUT, "am_seal with a public-only signer: %s %d",
	       rc < 0 ? "signal" : "status", rc < 0 ? -rc : rc);
	/* whatever happened in the child, the copy is still a whole, valid vault */
	{
		struct am_vault *v = NULL;
		struct am_vault *orig = NULL;
		char solo[512];
		path_in(solo, sizeof(solo), "solo.vault");
		if (am_vault_open(p, 1, &v, NULL) == AM_OK && am_vault_open(solo, 0, &orig, NULL) == AM_OK) {
			CHECK(count_of(v) == count_of(orig));
			CHECK(verify_ok(v, AM_VERIFY_FULL, NULL));
		} else {
			CHECK(0);
		}
		close_vault(v);
		close_vault(orig);
	}
}

/*
 * Verification is not vacuous: one flipped ciphertext byte in a copy, made
 * around the triggers as an attacker with the file could, is found by the
 * full tier at that entry, and extraction refuses it.
 */
static void test_tamper_detected(const struct world *w)
{
	char p[512];
	size_t n = 0;
	unsigned char *bytes = check_get_file(w->path, &n);
	struct am_vault *v = NULL;
	struct am_verify_report r;
	struct am_progress none = { NULL, NULL };
	struct am_err e;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t victim = -1;
	unsigned char *got;
	size_t got_n = 0;
	enum am_status s;

	path_in(p, sizeof(p), "tampered.vault");
	CHECK(bytes != NULL && check_put_file(p, bytes, n) == 0);
	free(bytes);
	CHECK(sqlite3_open(p, &db) == SQLITE_OK);
	/* the biggest chunk of a sealed entry */
	if (sqlite3_prepare_v2(db, "SELECT seq FROM chunks ORDER BY length(data) DESC LIMIT 1", -1,
			       &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		victim = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	CHECK(victim > 0);
	/* the triggers stop our own mistakes, not someone with the file */
	CHECK(sqlite3_exec(db, "DROP TRIGGER chunks_no_update;", NULL, NULL, NULL) == SQLITE_OK);
	{
		/* flip bit 0 of byte 40 of the victim's chunk 0, in C */
		sqlite3_stmt *rd = NULL, *wr = NULL;
		CHECK(sqlite3_prepare_v2(db, "SELECT data FROM chunks WHERE seq = ? AND idx = 0", -1,
					 &rd, NULL) == SQLITE_OK);
		sqlite3_bind_int64(rd, 1, victim);
		if (sqlite3_step(rd) == SQLITE_ROW) {
			int len = sqlite3_column_bytes(rd, 0);
			unsigned char *d = malloc((size_t)len);
			if (d != NULL && len > 41) {
				memcpy(d, sqlite3_column_blob(rd, 0), (size_t)len);
				d[40] ^= 1;
				CHECK(sqlite3_prepare_v2(db,
							 "UPDATE chunks SET data = ? WHERE seq = ? AND idx = 0",
							 -1, &wr, NULL) == SQLITE_OK);
				sqlite3_bind_blob(wr, 1, d, len, SQLITE_TRANSIENT);
				sqlite3_bind_int64(wr, 2, victim);
				CHECK(sqlite3_step(wr) == SQLITE_DONE);
				sqlite3_finalize(wr);
			}
			free(d);
		}
		sqlite3_finalize(rd);
	}
	sqlite3_close(db);

	am_err_init(&e);
	must(am_vault_open(p, 0, &v, &e), &e, "open tampered copy");
	s = am_verify(v, AM_VERIFY_FULL, none, &r, &e);
	CHECK(s == AM_OK || s == AM_EVERIFY);
	CHECK(!r.ok);
	CHECKF(r.has_bad_seq && r.bad_seq == (uint64_t)victim, "bad entry %llu, expected %lld (%s)",
	       (unsigned long long)r.bad_seq, (long long)victim, r.reason);
	got = extract_bytes(v, &w->cust, (uint64_t)victim, &got_n, &s, NULL);
	CHECK_ST(s, AM_EVERIFY);
	free(got);
	close_vault(v);
}

int main(void)
{
	struct world w;
	struct am_err e;
	mode_t old;

	if (am_crypto_init() != 0) {
		fprintf(stderr, "am_crypto_init failed\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	check_tmpdir(dir, sizeof(dir), "vault");
	am_err_init(&e);
	must(am_identity_generate(&w.admin, "admin-hq", &e), &e, "admin");
	must(am_identity_generate(&w.cust, "custodian-geneva", &e), &e, "custodian");
	must(am_identity_generate(&w.officer, "field-officer-07", &e), &e, "officer");
	must(am_identity_generate(&w.late, "custodian-late", &e), &e, "late custodian");
	must(am_identity_generate(&w.auditor, "auditor-ext", &e), &e, "auditor");
	must(am_identity_generate(&w.stranger, "stranger", &e), &e, "stranger");
	path_in(w.path, sizeof(w.path), "main.vault");
	old = umask(0); /* the vault must be private whatever the umask */
	must(am_vault_create(w.path, &w.admin, &w.cust, 1, NULL, &e), &e, "create");
	umask(old);
	{
		struct stat sb;
		CHECK(stat(w.path, &sb) == 0 && (sb.st_mode & 077) == 0);
	}
	test_open_refusals(&w);
	test_create_fails_cleanly(&w);
	test_main_flow(&w);
	test_membership_changes(&w);
	test_solo_vault(&w);
	test_public_only_identities(&w);
	test_tamper_detected(&w);
	am_identity_release(&w.admin);
	am_identity_release(&w.cust);
	am_identity_release(&w.officer);
	am_identity_release(&w.late);
	am_identity_release(&w.auditor);
	am_identity_release(&w.stranger);
	check_rmtree(dir);
	return check_done();
}
