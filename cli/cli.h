/*
 * cli.h — what the subcommands share.  cli/ is the only layer that talks to
 * people: it parses arguments, asks for passphrases, prints, and maps an
 * am_status to an exit code (cli_exit_code).
 */
#ifndef AMANAT_CLI_H
#define AMANAT_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "../vault/vault.h"

/* Exit codes, as documented in README.md and --help. */
enum {
	EXIT_OK = 0,
	EXIT_VERIFY = 1,
	EXIT_USAGE = 2,
	EXIT_AUTH = 3,
	EXIT_IO = 4,
};

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *usage; /* the full --help text; its first line is the usage line */
};

extern const struct cli_cmd cli_commands[];

/* Restore the terminal and remove half-made output on SIGINT/TERM/HUP/QUIT. */
void cli_install_signals(void);
/*
 * Until cli_interruptible_end, SIGINT/TERM/HUP/QUIT only set the flag
 * returned (to the signal's number), for an operation that stops on it and
 * undoes itself (am_seal_req.stop); a second signal ends the process as
 * usual.  cli_interruptible_end puts cli_install_signals' handlers back and
 * returns the signal that came, or 0.
 */
const volatile sig_atomic_t *cli_interruptible_begin(void);
int cli_interruptible_end(void);
/* The one mapping from status to exit code. */
int cli_exit_code(enum am_status s);
/* Print "amanat: MSG" for e (or for s when e has no message); return the exit code. */
int cli_fail(const struct am_err *e, enum am_status s);
/* Print a usage error naming the command; returns EXIT_USAGE. */
int cli_usage_error(const struct cli_cmd *c, const char *fmt, ...) AM_PRINTF(2, 3);
/*
 * For options a command cannot do without: a usage error naming those of
 * names[0..n) whose given[i] is 0 ("--type and --case are required");
 * EXIT_USAGE, or 0 when every one was given.
 */
int cli_require(const struct cli_cmd *c, size_t n, const char *const names[], const int given[]);
/* The choices of --type, for its messages. */
#define CLI_TYPE_CHOICES "testimony, document, media or case"
/* Print c's help to stdout; returns EXIT_OK (or EXIT_IO if stdout failed). */
int cli_help(const struct cli_cmd *c);
const struct cli_cmd *cli_find(const char *name);
/* Flush stdout and turn a failed write into EXIT_IO. */
int cli_finish(int code);
/* A command's last word: s reported (cli_fail), or EXIT_OK once stdout is written. */
int cli_done(const struct am_err *e, enum am_status s);

/* Where a passphrase comes from: --passphrase-fd, then AMANAT_PASSPHRASE, then the tty. */
struct cli_pass {
	int fd; /* -1 when not given */
};
/* Parse --passphrase-fd's argument into p; 0, or -1 for a bad number. */
int cli_pass_fd(const char *arg, struct cli_pass *p);
/* 1 when the passphrase will be asked on the terminal: no --passphrase-fd, no AMANAT_PASSPHRASE. */
int cli_pass_from_tty(const struct cli_pass *p);

/*
 * The options that mean the same in every command that takes them, parsed in
 * one place (opts.c).  A command names the ones it takes in its getopt_long
 * table with the CLI_OPT_* entries, where its usage line has them, and reads
 * its options with cli_getopt; it never sees these.  The strings point into
 * argv, or into text read from a file (--purpose-from), which co owns until
 * cli_common_release.
 */
#define CLI_MAX_OWNED 8
struct cli_common {
	const char *as;       /* --as ID: who acts, or NULL */
	const char *purpose;  /* --purpose TEXT or --purpose-from FILE: why, for custody */
	int purpose_from;     /* 1 when purpose came from --purpose-from */
	int json;             /* --json */
	struct cli_pass pass; /* --passphrase-fd N */
	const char *stdin_by; /* the option that read standard input ("-"), or NULL */
	char *owned[CLI_MAX_OWNED]; /* text read from files, wiped and freed on release */
	size_t owned_size[CLI_MAX_OWNED];
	size_t nowned;
};
void cli_common_init(struct cli_common *co);
/* Wipe and free the text read for co's options. */
void cli_common_release(struct cli_common *co);
/* Run fn with a struct cli_common set up for it and released after; fn's exit code. */
int cli_run(int (*fn)(int argc, char **argv, struct cli_common *co), int argc, char **argv);

/* getopt_long's values for them: above every short option letter a command may use. */
enum { CLI_AS = 0x100, CLI_JSON, CLI_PASSPHRASE_FD, CLI_PURPOSE, CLI_PURPOSE_FROM };
#define CLI_OPT_AS { "as", required_argument, NULL, CLI_AS }
#define CLI_OPT_JSON { "json", no_argument, NULL, CLI_JSON }
#define CLI_OPT_PASSPHRASE_FD { "passphrase-fd", required_argument, NULL, CLI_PASSPHRASE_FD }
/* a command that takes --purpose takes both */
#define CLI_OPT_PURPOSE { "purpose", required_argument, NULL, CLI_PURPOSE }, \
	{ "purpose-from", required_argument, NULL, CLI_PURPOSE_FROM }
#define CLI_OPT_END { NULL, 0, NULL, 0 }

/*
 * Text for option opt kept out of argv: read from the file arg, or from
 * standard input when arg is "-" (once per command, and not with
 * --passphrase-fd 0), at most max bytes of strict UTF-8 (no NUL), its one
 * trailing newline removed.  co owns the result.  0, or EXIT_USAGE once the
 * problem has been said (naming the command c).
 */
int cli_text_from(const struct cli_cmd *c, struct cli_common *co, const char *opt,
		  const char *arg, size_t max, char **out, size_t *len);

/*
 * getopt_long for command c: keeps the common options in co and returns the
 * next of the command's own, -1 after the last, or '?' once it has printed a
 * usage error (an unknown option, a missing argument, a bad --passphrase-fd),
 * on which the command returns EXIT_USAGE.  co may be NULL when opts holds
 * none of the common options.
 */
int cli_getopt(const struct cli_cmd *c, int argc, char **argv, const char *shortopts,
	       const struct option *opts, struct cli_common *co);
/* For a command with no options of its own: set up co and parse into it; 0 or EXIT_USAGE. */
int cli_options(const struct cli_cmd *c, int argc, char **argv, const struct option *opts,
		struct cli_common *co);
/*
 * 1 when s[0..n) is empty or only white space (ASCII or Unicode spaces, such
 * as the no-break and ideographic ones): a value such as a case id that must
 * say something.
 */
int cli_blank(const char *s, size_t n);
/*
 * Unlock an identity file, asking for its passphrase: three tries on the
 * terminal (a passphrase from --passphrase-fd or AMANAT_PASSPHRASE gets one).
 */
enum am_status cli_unlock(const struct cli_pass *p, const char *path, struct am_identity *id,
			  struct am_err *e);
/*
 * A new identity's passphrase into secure memory (caller frees with
 * am_secure_free), refused when empty or, unless weak_ok, too easy to guess
 * (cli_pass_strong, with name as a word to guess first); the terminal asks
 * twice, and up to three times in all when one is refused or mistyped.
 */
enum am_status cli_read_new_pass(const struct cli_pass *p, const char *name, int weak_ok,
				 char **out, size_t *len, struct am_err *e);
/* The same, asking on the terminal with prompt (id passwd, id recover). */
enum am_status cli_read_new_pass_prompt(const struct cli_pass *p, const char *name,
					int weak_ok, const char *prompt, char **out, size_t *len,
					struct am_err *e);
/*
 * Read the public keys of a .pub file where a public key is wanted (a key to
 * enroll, a recipient, a verifier); a secret .id is refused (AM_EINPUT),
 * with a message saying to hand over the .pub only.
 */
enum am_status cli_public_read(const char *path, struct am_identity *id, struct am_err *e);

/* "DIR/NAME", malloc'ed, or NULL when out of memory. */
char *cli_path_join(const char *dir, const char *name);
/* Parse a non-negative decimal; -1 on anything else. */
int cli_parse_u64(const char *s, uint64_t *out);
/*
 * A date option's argument (opt: --from, --to), YYYY-MM-DD as a UTC day, to
 * milliseconds: its first, or with end_of_day its last.  0, or EXIT_USAGE
 * once said (a usage error naming command c).
 */
int cli_date_arg(const struct cli_cmd *c, const char *opt, const char *arg, int end_of_day,
		 int64_t *ms);
/* Parse an entry number argument against the vault. */

/* JSON output helpers: a quoted, escaped string. */
void json_str(FILE *f, const char *s, size_t n);
void json_cstr(FILE *f, const char *s);
/* Text output of a value that may hold anything: control characters become ?. */
void cli_print_value(FILE *f, const unsigned char *v, size_t n);
/* ISO 8601 UTC of a millisecond timestamp, into buf of 32. */
void cli_time(char buf[32], int64_t ms);

/* A progress bar on stderr when it is a terminal. */
struct cli_progress {
	const char *label;
	int tty;
	long long last_ms, start_ms;
	/* the total when only the caller knows it (a file's size); set after start */
	uint64_t total;
};
struct am_progress cli_progress_start(struct cli_progress *p, const char *label);
void cli_progress_end(struct cli_progress *p);

/* A member's roles for printing: "admin,custodian", "revoked" or "rotated to KEYID". */
void cli_member_roles(const struct am_member *m, char *out, size_t n);
/* Name of the member with this key, or its key id; into buf of AM_NAME_MAX+1. */
void cli_signer_name(const struct am_members *ms, const unsigned char pk[AM_SIGN_PK_LEN],
		     char *buf, size_t n);

/* Commands. */
int cmd_id(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_revoke(int argc, char **argv);
int cmd_rotate(int argc, char **argv);
int cmd_rewrap(int argc, char **argv);
int cmd_seal(int argc, char **argv);
int cmd_trust(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_checkpoint(int argc, char **argv);
int cmd_verifier_key(int argc, char **argv);
int cmd_prove(int argc, char **argv);
int cmd_consistency(int argc, char **argv);
int cmd_check_proof(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_witness(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_members(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_open_bundle(int argc, char **argv);
int cmd_verify_bundle(int argc, char **argv);
int cmd_push(int argc, char **argv);
int cmd_pull(int argc, char **argv);
int cmd_ack(int argc, char **argv);
int cmd_case(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_find(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);

#endif
