/*
 * common.c — exit codes, messages, passphrases, JSON and progress for the
 * subcommands.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <signal.h>

#include "../common/cleanup.h"
#include "../common/bytes.h"
#include "../common/fsutil.h"
#include "../common/clock.h"
#include "cli.h"
#include "strength.h"

#define PASS_MAX 1024

int cli_exit_code(enum am_status s)
{
	switch (s) {
	case AM_OK: return EXIT_OK;
	case AM_EVERIFY: return EXIT_VERIFY;
	case AM_EINPUT: return EXIT_USAGE;
	case AM_EEXIST: return EXIT_USAGE;
	case AM_EAUTH: return EXIT_AUTH;
	case AM_EIO: return EXIT_IO;
	case AM_ENOMEM: return EXIT_IO;
	}
	return EXIT_IO;
}

int cli_fail(const struct am_err *e, enum am_status s)
{
	if (e != NULL && e->status != AM_OK && e->msg[0] != '\0')
		fprintf(stderr, "amanat: %s\n", e->msg);
	else
		fprintf(stderr, "amanat: %s\n", am_status_name(s));
	return cli_exit_code(s);
}

int cli_usage_error(const struct cli_cmd *c, const char *fmt, ...)
{
	va_list ap;
	const char *nl = strchr(c->usage, '\n');

	fprintf(stderr, "amanat %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%.*s\n", nl ? (int)(nl - c->usage) : (int)strlen(c->usage), c->usage);
	return EXIT_USAGE;
}

int cli_require(const struct cli_cmd *c, size_t n, const char *const names[], const int given[])
{
	char list[256] = "";
	size_t missing = 0, said = 0, len = 0;

	for (size_t i = 0; i < n; i++)
		missing += !given[i];
	if (missing == 0)
		return 0;
	for (size_t i = 0; i < n && len < sizeof(list); i++) {
		if (given[i])
			continue;
		said++;
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					said == 1 ? "" : said == missing ? " and " : ", ", names[i]);
	}
	return cli_usage_error(c, "%s %s required", list, missing == 1 ? "is" : "are");
}

int cli_help(const struct cli_cmd *c)
{
	fputs(c->usage, stdout);
	return cli_finish(EXIT_OK);
}

int cli_finish(int code)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "amanat: cannot write to standard output: %s\n", strerror(errno));
		return code == EXIT_OK ? EXIT_IO : code;
	}
	return code;
}

int cli_done(const struct am_err *e, enum am_status s)
{
	if (s != AM_OK)
		return cli_fail(e, s);
	return cli_finish(EXIT_OK);
}

/* Read one line from fd into secure memory, without its newline. */
static enum am_status read_line(int fd, char *buf, size_t cap, size_t *len, const char *what,
				struct am_err *e)
{
	size_t n = 0;

	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return am_fail(e, errno == EBADF ? AM_EINPUT : AM_EIO,
				       "cannot read the passphrase from %s: %s", what, strerror(errno));
		if (r == 0 || ch == '\n')
			break;
		if (n + 1 >= cap)
			return am_fail(e, AM_EINPUT, "passphrase from %s is too long", what);
		buf[n++] = ch;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return AM_OK;
}

/* The terminal whose echo we turned off, to restore if we are interrupted. */
static volatile sig_atomic_t tty_quiet_fd = -1;
static struct termios tty_saved;

/* On SIGINT, SIGTERM or SIGHUP: give the terminal back, remove half-made output, die. */
static void on_signal(int sig)
{
	if (tty_quiet_fd >= 0)
		tcsetattr(tty_quiet_fd, TCSAFLUSH, &tty_saved);
	am_cleanup_run();
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * handler for each signal that stops a command; without SA_RESTART, so that a
 * read waiting on a pipe or a terminal returns (EINTR) to look at a flag.
 */
static void catch_stop_signals(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
}

void cli_install_signals(void)
{
	catch_stop_signals(on_signal);
}

/* The signal that asked an interruptible operation to stop, or 0. */
static volatile sig_atomic_t stop_sig;

/*
 * Only note the signal: the operation sees the flag and rolls back through
 * its normal path (a handler cannot call SQLite).  A second signal, for
 * someone who will not wait, ends the process as cli_install_signals would.
 */
static void on_signal_note(int sig)
{
	if (stop_sig != 0) {
		on_signal(sig);
		return;
	}
	stop_sig = sig;
}

const volatile sig_atomic_t *cli_interruptible_begin(void)
{
	stop_sig = 0;
	catch_stop_signals(on_signal_note);
	return &stop_sig;
}

int cli_interruptible_end(void)
{
	cli_install_signals();
	return (int)stop_sig;
}

/* Ask on the terminal with echo off. */
static enum am_status ask_tty(const char *prompt, char *buf, size_t cap, size_t *len,
			      struct am_err *e)
{
	struct termios old, quiet;
	enum am_status s;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return am_fail(e, AM_EINPUT,
			       "no passphrase: there is no terminal to ask on; use --passphrase-fd N "
			       "or AMANAT_PASSPHRASE");
	if (tcgetattr(fd, &old) != 0) {
		close(fd);
		return am_fail(e, AM_EINPUT, "no passphrase: cannot turn off echo on the terminal");
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	tty_saved = old;
	tty_quiet_fd = fd;
	tcsetattr(fd, TCSAFLUSH, &quiet);
	/* after the flush: what is typed once the prompt shows is kept */
	(void)!write(fd, prompt, strlen(prompt));
	s = read_line(fd, buf, cap, len, "the terminal", e);
	tcsetattr(fd, TCSAFLUSH, &old);
	tty_quiet_fd = -1;
	(void)!write(fd, "\n", 1);
	close(fd);
	return s;
}

int cli_pass_from_tty(const struct cli_pass *p)
{
	return p->fd < 0 && getenv("AMANAT_PASSPHRASE") == NULL;
}

/* One passphrase from p's source into buf (secure memory of PASS_MAX); it may be empty. */
static enum am_status read_one(const struct cli_pass *p, const char *prompt, char *buf,
			       size_t *n, struct am_err *e)
{
	const char *env = getenv("AMANAT_PASSPHRASE");
	enum am_status s;

	*n = 0;
	if (p->fd >= 0) {
		s = read_line(p->fd, buf, PASS_MAX, n, "--passphrase-fd", e);
	} else if (env != NULL) {
		*n = strlen(env);
		if (*n >= PASS_MAX) {
			*n = 0;
			return am_fail(e, AM_EINPUT, "AMANAT_PASSPHRASE is too long");
		}
		memcpy(buf, env, *n + 1);
		s = AM_OK;
	} else {
		s = ask_tty(prompt, buf, PASS_MAX, n, e);
	}
	return s;
}

/* The most times the terminal asks before giving up. */
#define TTY_TRIES 3

/* On the terminal, after a refused try: say why, and that it asks again. */
static int try_again(const struct cli_pass *p, int attempt, const struct am_err *e)
{
	if (!cli_pass_from_tty(p) || attempt >= TTY_TRIES)
		return 0;
	fprintf(stderr, "amanat: %s; try again (%d of %d)\n", e->msg, attempt + 1, TTY_TRIES);
	return 1;
}

enum am_status cli_read_new_pass(const struct cli_pass *p, const char *name, int weak_ok,
				 char **out, size_t *len, struct am_err *e)
{
	return cli_read_new_pass_prompt(p, name, weak_ok, "passphrase for the new identity: ", out,
					len, e);
}

enum am_status cli_read_new_pass_prompt(const struct cli_pass *p, const char *name,
					int weak_ok, const char *prompt, char **out, size_t *len,
					struct am_err *e)
{
	const char *words[] = { name, "amanat", NULL };
	char *buf = am_secure_alloc(PASS_MAX), *again = am_secure_alloc(PASS_MAX);
	enum am_status s = AM_OK;
	size_t n = 0, n2 = 0;

	*out = NULL;
	*len = 0;
	if (buf == NULL || again == NULL) {
		s = am_fail(e, AM_ENOMEM, "cannot allocate secure memory");
		goto cleanup;
	}
	for (int attempt = 1;; attempt++) {
		/* empty, weak or mistyped: refused before anything is repeated or written */
		int refused = 0;
		s = read_one(p, prompt, buf, &n, e);
		if (s == AM_OK && n == 0) {
			s = am_fail(e, AM_EINPUT, "the passphrase is empty");
			refused = 1;
		}
		if (s == AM_OK && !weak_ok) {
			s = cli_pass_strong(buf, words, e);
			refused = s != AM_OK;
		}
		if (s == AM_OK && cli_pass_from_tty(p)) {
			s = ask_tty("repeat the passphrase: ", again, PASS_MAX, &n2, e);
			if (s == AM_OK && (n != n2 || !am_equal(buf, again, n))) {
				s = am_fail(e, AM_EINPUT, "the passphrases do not match");
				refused = 1;
			}
		}
		if (s == AM_OK || !refused || !try_again(p, attempt, e))
			break;
		am_err_init(e);
	}
cleanup:
	am_secure_free(again);
	if (s != AM_OK) {
		am_secure_free(buf);
		return s;
	}
	*out = buf;
	*len = n;
	return AM_OK;
}

int cli_pass_fd(const char *arg, struct cli_pass *p)
{
	uint64_t fd;

	if (cli_parse_u64(arg, &fd) != 0 || fd > 1024)
		return -1;
	p->fd = (int)fd;
	return 0;
}

/* What a key file holds, from its first bytes. */
enum key_kind { KEY_PUBLIC, KEY_SECRET, KEY_OTHER };

/* Read path's start and say which it is; AM_OK, or the reading's error. */
static enum am_status key_kind(const char *path, enum key_kind *kind, struct am_err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	enum am_status s = am_read_small_file(path, 4096, &buf, &len, e);

	*kind = KEY_OTHER;
	if (s != AM_OK)
		return s;
	if (len >= 14 && memcmp(buf, "amanat-pub-v1 ", 14) == 0)
		*kind = KEY_PUBLIC;
	else if (len >= 4 && memcmp(buf, "AMNK", 4) == 0)
		*kind = KEY_SECRET;
	free(buf);
	return AM_OK;
}

enum am_status cli_unlock(const struct cli_pass *p, const char *path, struct am_identity *id,
			  struct am_err *e)
{
	char prompt[300], *pass = NULL;
	size_t n = 0;
	enum key_kind kind;
	enum am_status s;

	am_identity_init(id);
	/* fail on a missing or foreign file before asking for anything */
	s = key_kind(path, &kind, e);
	if (s != AM_OK)
		return s;
	if (kind == KEY_PUBLIC)
		return am_fail(e, AM_EINPUT,
			       "%s is a public key; --as needs the secret identity file (.id)", path);
	if (kind != KEY_SECRET)
		return am_fail(e, AM_EINPUT, "%s is not an amanat identity file", path);
	snprintf(prompt, sizeof(prompt), "passphrase for %s: ", path);
	/* on the terminal a mistyped passphrase gets another try; fd and environment cannot */
	pass = am_secure_alloc(PASS_MAX);
	if (pass == NULL)
		return am_fail(e, AM_ENOMEM, "cannot allocate secure memory");
	for (int attempt = 1;; attempt++) {
		s = read_one(p, prompt, pass, &n, e);
		if (s != AM_OK)
			break; /* no terminal, or it failed: asking again cannot help */
		if (n == 0)
			s = am_fail(e, AM_EINPUT, "the passphrase is empty");
		else
			s = am_keyfile_read(path, pass, n, id, e);
		if (s == AM_OK || (n > 0 && s != AM_EAUTH) || !try_again(p, attempt, e))
			break;
		am_err_init(e);
	}
	am_secure_free(pass);
	return s;
}

enum am_status cli_public_read(const char *path, struct am_identity *id, struct am_err *e)
{
	enum key_kind kind;
	enum am_status s;
	size_t n = strlen(path);

	am_identity_init(id);
	s = key_kind(path, &kind, e);
	if (s != AM_OK)
		return s;
	/* the .id holds the public keys too, but whoever needs a key needs only those */
	if (kind == KEY_SECRET)
		return am_fail(e, AM_EINPUT,
			       "%s is a secret identity file: only a public key is needed here; give "
			       "%.*s.pub instead, and never hand over the .id", path,
			       n > 3 && strcmp(path + n - 3, ".id") == 0 ? (int)(n - 3) : (int)n, path);
	return am_public_read(path, id, e);
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/*
 * 1 for a code point that can steer a terminal or hide what text says: C1
 * controls (U+0080-U+009F: CSI, OSC, ... in 8-bit form), and the invisible
 * format characters that reorder or split a line (bidi marks, embeddings,
 * overrides and isolates, zero-width characters, line and paragraph
 * separators, the byte order mark, interlinear annotations, tags).
 */
static int unsafe_cp(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x061c || c == 0x180e ||
	       (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	       (c >= 0x2060 && c <= 0x206f) || c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb) ||
	       (c >= 0xe0000 && c <= 0xe007f);
}

void json_str(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		uint32_t cp;
		size_t k;
		if (c < 0x80) {
			if (c == '"' || c == '\\')
				fprintf(f, "\\%c", c);
			else if (c == '\n')
				fputs("\\n", f);
			else if (c == '\t')
				fputs("\\t", f);
			else if (c == '\r')
				fputs("\\r", f);
			else if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
			i++;
			continue;
		}
		k = am_utf8_next(p + i, n - i, &cp);
		if (k == 0) {
			/* not UTF-8: JSON cannot carry the byte, and raw it could be a C1 control */
			fputs("\\ufffd", f);
			i++;
		} else if (unsafe_cp(cp) && cp > 0xffff) {
			fprintf(f, "\\u%04x\\u%04x", 0xd800 + ((cp - 0x10000) >> 10),
				0xdc00 + ((cp - 0x10000) & 0x3ff));
			i += k;
		} else if (unsafe_cp(cp)) {
			fprintf(f, "\\u%04x", (unsigned)cp); /* the same string, parsed */
			i += k;
		} else {
			fwrite(p + i, 1, k, f);
			i += k;
		}
	}
	fputc('"', f);
}

void json_cstr(FILE *f, const char *s)
{
	json_str(f, s, strlen(s));
}

void cli_print_value(FILE *f, const unsigned char *v, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = am_utf8_next(v + i, n - i, &cp);
		if (k == 0 || cp < 0x20 || cp == 0x7f || unsafe_cp(cp)) {
			fputc('?', f); /* a control, a format character, or a byte that is not UTF-8 */
			i += k ? k : 1;
		} else {
			fwrite(v + i, 1, k, f);
			i += k;
		}
	}
}

void cli_time(char buf[32], int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, "%lld ms", (long long)ms);
}

/* "1:05" or "2:03:07": a duration in seconds, for a progress line. */
static void fmt_duration(char *buf, size_t n, double seconds)
{
	long long s = (long long)(seconds + 0.5);

	if (s >= 3600)
		snprintf(buf, n, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, n, "%lld:%02lld", s / 60, s % 60);
}

/*
 * One line, redrawn at most five times a second: done of total, the
 * percentage and the time left at the rate so far; or, when the total is
 * not known (standard input), the bytes so far and the rate.
 */
static void progress_cb(void *ctx, uint64_t done, uint64_t total)
{
	struct cli_progress *p = ctx;
	long long now = am_mono_ns() / 1000000;
	double secs = (double)(now - p->start_ms) / 1000.0, rate;
	char left[32];

	if (!p->tty || now - p->last_ms < 200)
		return;
	p->last_ms = now;
	if (total == 0 && done <= p->total)
		total = p->total;
	rate = secs > 0 ? (double)done / secs : 0;
	if (total > 0 && rate > 0) {
		fmt_duration(left, sizeof(left), (double)(total - (done < total ? done : total)) / rate);
		fprintf(stderr, "\r%s: %.1f of %.1f MiB (%3.0f%%), %s left\033[K", p->label,
			done / 1048576.0, total / 1048576.0, 100.0 * (double)done / (double)total,
			left);
	} else if (total > 0) {
		fprintf(stderr, "\r%s: %.1f of %.1f MiB (%3.0f%%)\033[K", p->label, done / 1048576.0,
			total / 1048576.0, 100.0 * (double)done / (double)total);
	} else {
		fprintf(stderr, "\r%s: %.1f MiB so far (%.1f MiB/s)\033[K", p->label,
			done / 1048576.0, rate / 1048576.0);
	}
}

struct am_progress cli_progress_start(struct cli_progress *p, const char *label)
{
	struct am_progress pr = { progress_cb, p };

	p->label = label;
	p->tty = isatty(STDERR_FILENO);
	p->last_ms = am_mono_ns() / 1000000;
	p->start_ms = p->last_ms;
	p->total = 0;
	return pr;
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->tty && am_mono_ns() / 1000000 - p->last_ms < 100000 && p->last_ms != 0)
		fprintf(stderr, "\r\033[K");
}

void cli_member_roles(const struct am_member *m, char *out, size_t n)
{
	static const unsigned char zero[AM_SIGN_PK_LEN];
	char to[2 * AM_KEYID_LEN + 1];

	if (m->roles != 0) {
		am_roles_str(m->roles, out, n);
	} else if (memcmp(m->rotated_to, zero, AM_SIGN_PK_LEN) != 0) {
		am_key_id_hex(to, m->rotated_to);
		snprintf(out, n, "rotated to %s", to);
	} else {
		snprintf(out, n, "revoked");
	}
}

void cli_signer_name(const struct am_members *ms, const unsigned char pk[AM_SIGN_PK_LEN],
		     char *buf, size_t n)
{
	const struct am_member *m = ms ? am_members_find(ms, pk) : NULL;
	char kid[2 * AM_KEYID_LEN + 1];

	if (m != NULL) {
		snprintf(buf, n, "%s", m->name);
		return;
	}
	am_key_id_hex(kid, pk);
	snprintf(buf, n, "%s", kid);
}

char *cli_path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}
