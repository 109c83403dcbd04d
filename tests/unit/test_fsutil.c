/*
 * test_fsutil.c — creating files exclusively and atomically (common/fsutil.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "check.h"

#define TMP_PREFIX ".amanat-tmp-"

static char dir[256];

static void path_in(char *out, size_t outlen, const char *name)
{
	snprintf(out, outlen, "%s/%s", dir, name);
}

static int mode_of(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return -1;
	return (int)(st.st_mode & 07777);
}

static int no_temps(void)
{
	return check_count_prefix(dir, TMP_PREFIX) == 0;
}

static int file_is(const char *path, const char *want)
{
	size_t n = 0;
	unsigned char *d = check_get_file(path, &n);
	int ok = d != NULL && n == strlen(want) && memcmp(d, want, n) == 0;

	free(d);
	return ok;
}

static void test_write_new_file_modes(void)
{
	static const mode_t masks[] = { 0, 022, 077, 0777 };
	static const int modes[] = { 0600, 0644, 0400 };
	char p[512];
	struct am_err e;
	mode_t old = umask(022);

	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		for (size_t j = 0; j < sizeof(modes) / sizeof(modes[0]); j++) {
			char name[64];
			snprintf(name, sizeof(name), "mode-%zu-%zu", i, j);
			path_in(p, sizeof(p), name);
			umask(masks[i]);
			am_err_init(&e);
			CHECK_ST(am_write_new_file(p, modes[j], "secret\n", 7, &e), AM_OK);
			umask(022);
			/* exactly what was asked: the umask neither widens nor narrows it */
			CHECKF(mode_of(p) == modes[j], "umask %03o mode %03o gave %03o",
			       (unsigned)masks[i], (unsigned)modes[j], (unsigned)mode_of(p));
			CHECK(file_is(p, "secret\n"));
			CHECK(no_temps());
		}
	}
	/* an empty file is a file too */
	path_in(p, sizeof(p), "empty");
	CHECK_ST(am_write_new_file(p, 0600, NULL, 0, NULL), AM_OK);
	CHECK(file_is(p, ""));
	CHECK(mode_of(p) == 0600);
	umask(old);
}

static void test_write_new_file_refuses(void)
{
	char p[512], target[512], link_p[512], dangling[512], missing[512];
	struct am_err e;
	struct stat before, after;

	/* an existing file: AM_EEXIST, contents, mode and inode untouched, no temp left */
	path_in(p, sizeof(p), "exists");
	CHECK(check_put_file(p, "original", 8) == 0);
	chmod(p, 0644);
	CHECK(lstat(p, &before) == 0);
	am_err_init(&e);
	CHECK_ST(am_write_new_file(p, 0600, "replacement", 11, &e), AM_EEXIST);
	CHECK(e.status == AM_EEXIST && strstr(e.msg, p) != NULL);
	CHECK(file_is(p, "original"));
	CHECK(lstat(p, &after) == 0);
	CHECK(before.st_ino == after.st_ino && mode_of(p) == 0644);
	CHECK(no_temps());

	/* a symlink to an existing file: neither the link nor its target is replaced */
	path_in(target, sizeof(target), "link-target");
	path_in(link_p, sizeof(link_p), "link");
	CHECK(check_put_file(target, "target", 6) == 0);
	CHECK(symlink(target, link_p) == 0);
	CHECK_ST(am_write_new_file(link_p, 0600, "evil", 4, NULL), AM_EEXIST);
	CHECK(file_is(target, "target"));
	{
		struct stat st;
		CHECK(lstat(link_p, &st) == 0 && S_ISLNK(st.st_mode));
	}
	CHECK(no_temps());

	/*
	 * A dangling symlink: following it would create a file wherever it
	 * points.  It must be refused, and its target must not appear.
	 */
	path_in(dangling, sizeof(dangling), "dangling");
	path_in(missing, sizeof(missing), "dangling-points-here");
	CHECK(symlink(missing, dangling) == 0);
	am_err_init(&e);
	CHECK_ST(am_write_new_file(dangling, 0600, "evil", 4, &e), AM_EEXIST);
	CHECK(access(missing, F_OK) != 0);
	{
		struct stat st;
		CHECK(lstat(dangling, &st) == 0 && S_ISLNK(st.st_mode));
	}
	CHECK(no_temps());

	/* a directory in the way */
	path_in(p, sizeof(p), "a-dir");
	CHECK(mkdir(p, 0700) == 0);
	CHECK_ST(am_write_new_file(p, 0600, "x", 1, NULL), AM_EEXIST);
	CHECK(no_temps());
}

static void test_missing_dir_status(void)
{
	char p[512];
	struct am_err e;
	enum am_status with_e, without_e;

	path_in(p, sizeof(p), "no-such-dir/file");
	am_err_init(&e);
	with_e = am_write_new_file(p, 0600, "x", 1, &e);
	CHECK_ST(with_e, AM_EINPUT);
	CHECK(e.status == with_e);
	/* error.h: "A NULL e is allowed and only the status is returned" — the same status */
	without_e = am_write_new_file(p, 0600, "x", 1, NULL);
	CHECK_ST(without_e, with_e);
}

static void test_newfile(void)
{
	struct am_newfile f;
	char p[512];
	struct am_err e;

	/* abort removes the temporary file and creates nothing */
	path_in(p, sizeof(p), "aborted");
	CHECK_ST(am_newfile_open(&f, p, 0600, 0, NULL), AM_OK);
	CHECK(f.fd >= 0);
	/*
	 * Where the filesystem supports it the file is unnamed (O_TMPFILE):
	 * nothing is visible until commit.  Otherwise one named temporary.
	 */
	CHECK(check_count_prefix(dir, TMP_PREFIX) == (f.tmp != NULL ? 1 : 0));
	{
		/* the temporary is private from the start, before any byte is written */
		struct stat st;
		int m = fstat(f.fd, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
		CHECKF(m == 0600, "temporary mode %03o", (unsigned)m);
	}
	CHECK_ST(am_newfile_write(&f, "half", 4, NULL), AM_OK);
	am_newfile_abort(&f);
	CHECK(f.fd == -1 && f.tmp == NULL && f.final == NULL);
	CHECK(no_temps());
	CHECK(access(p, F_OK) != 0);
	am_newfile_abort(&f); /* safe on a released f */

	/* several writes, committed */
	path_in(p, sizeof(p), "pieces");
	CHECK_ST(am_newfile_open(&f, p, 0600, 0, NULL), AM_OK);
	CHECK(access(p, F_OK) != 0); /* nothing visible before commit */
	CHECK_ST(am_newfile_write(&f, "one ", 4, NULL), AM_OK);
	CHECK_ST(am_newfile_write(&f, "two", 3, NULL), AM_OK);
	CHECK_ST(am_newfile_commit(&f, 0, NULL), AM_OK);
	CHECK(f.tmp == NULL && f.final == NULL);
	CHECK(file_is(p, "one two"));
	CHECK(no_temps());

	/*
	 * Someone creates the name between open and commit: commit refuses
	 * (link, not rename), the other file survives, the temporary goes.
	 */
	path_in(p, sizeof(p), "raced");
	CHECK_ST(am_newfile_open(&f, p, 0600, 0, NULL), AM_OK);
	CHECK_ST(am_newfile_write(&f, "mine", 4, NULL), AM_OK);
	CHECK(check_put_file(p, "theirs", 6) == 0);
	am_err_init(&e);
	CHECK_ST(am_newfile_commit(&f, 0, &e), AM_EEXIST);
	CHECK(file_is(p, "theirs"));
	CHECK(no_temps());
	CHECK(f.tmp == NULL && f.fd == -1);

	/* overwrite mode replaces, atomically, with the new mode */
	path_in(p, sizeof(p), "replaced");
	CHECK(check_put_file(p, "old", 3) == 0);
	chmod(p, 0644);
	CHECK_ST(am_newfile_open(&f, p, 0600, 1, NULL), AM_OK);
	CHECK_ST(am_newfile_write(&f, "new", 3, NULL), AM_OK);
	CHECK(file_is(p, "old"));
	CHECK_ST(am_newfile_commit(&f, 1, NULL), AM_OK);
	CHECK(file_is(p, "new"));
	CHECK(mode_of(p) == 0600);
	CHECK(no_temps());

	/* without overwrite, open refuses at once */
	CHECK_ST(am_newfile_open(&f, p, 0600, 0, NULL), AM_EEXIST);
	CHECK(f.tmp == NULL && f.fd == -1);
	am_newfile_abort(&f);
	CHECK(no_temps());
}

static void test_read_small_file(void)
{
	char p[512];
	unsigned char *out = (unsigned char *)"x";
	size_t len = 99;
	struct am_err e;
	char data[100];

	memset(data, 'z', sizeof(data));
	path_in(p, sizeof(p), "small");
	CHECK(check_put_file(p, data, 100) == 0);

	CHECK_ST(am_read_small_file(p, 100, &out, &len, NULL), AM_OK);
	CHECK(out != NULL && len == 100 && memcmp(out, data, 100) == 0);
	free(out);
	CHECK_ST(am_read_small_file(p, 1000, &out, &len, NULL), AM_OK);
	CHECK(len == 100);
	free(out);
	/* one byte over the limit */
	out = (unsigned char *)"x";
	len = 99;
	am_err_init(&e);
	CHECK_ST(am_read_small_file(p, 99, &out, &len, &e), AM_EINPUT);
	CHECK(out == NULL && len == 0);
	CHECK(strstr(e.msg, p) != NULL);
	CHECK_ST(am_read_small_file(p, 0, &out, &len, NULL), AM_EINPUT);

	/* empty file: AM_OK, length 0, a freeable pointer */
	path_in(p, sizeof(p), "zero");
	CHECK(check_put_file(p, "", 0) == 0);
	CHECK_ST(am_read_small_file(p, 0, &out, &len, NULL), AM_OK);
	CHECK(len == 0);
	free(out);

	path_in(p, sizeof(p), "not-there");
	CHECK_ST(am_read_small_file(p, 100, &out, &len, NULL), AM_EINPUT);
	CHECK(out == NULL);
	CHECK_ST(am_read_small_file(dir, 100, &out, &len, NULL), AM_EINPUT);
	CHECK(out == NULL);
	path_in(p, sizeof(p), "not-there/below");
	CHECK_ST(am_read_small_file(p, 100, &out, &len, NULL), AM_EINPUT);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * A FIFO where a key file was expected is not a regular file and must be
 * refused at once; opening it for reading blocks until a writer appears.
 * An alarm (1 s, without SA_RESTART) stops the test from hanging if it does.
 */
static void test_read_small_file_fifo(void)
{
	char p[512];
	unsigned char *out = NULL;
	size_t len = 0;
	struct sigaction sa, old;
	enum am_status s;

	path_in(p, sizeof(p), "fifo");
	if (mkfifo(p, 0600) != 0) {
		CHECKF(0, "mkfifo: %s", strerror(errno));
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, &old);
	alarm(1);
	s = am_read_small_file(p, 100, &out, &len, NULL);
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	CHECK_ST(s, AM_EINPUT);
	free(out);
}

static void test_read_write_full(void)
{
	int fds[2];
	unsigned char buf[300], got[400];
	long long n;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)i;
	CHECK(pipe(fds) == 0);
	CHECK(am_write_all(fds[1], buf, 100) == 0);
	CHECK(am_write_all(fds[1], buf + 100, 200) == 0);
	CHECK(am_write_all(fds[1], buf, 0) == 0);
	close(fds[1]);
	/* asks for more than there is: returns what there was at EOF */
	n = am_read_full(fds[0], got, sizeof(got));
	CHECK(n == 300);
	CHECK(memcmp(got, buf, 300) == 0);
	CHECK(am_read_full(fds[0], got, sizeof(got)) == 0);
	close(fds[0]);
	CHECK(am_write_all(-1, buf, 1) == -1);
	CHECK(am_read_full(-1, got, 1) == -1);
}

int main(void)
{
	check_tmpdir(dir, sizeof(dir), "fsutil");
	test_write_new_file_modes();
	test_write_new_file_refuses();
	test_missing_dir_status();
	test_newfile();
	test_read_small_file();
	test_read_small_file_fifo();
	test_read_write_full();
	check_rmtree(dir);
	return check_done();
}
