/*
 * cli.h — what the subcommands share.  cli/ is the only layer that talks to
 * people: it parses arguments, asks for passphrases, prints, and maps an
 * am_status to an exit code (cli_exit_code).
 */
#ifndef AMANAT_CLI_H
#define AMANAT_CLI_H

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
/* The one mapping from status to exit code. */
int cli_exit_code(enum am_status s);
/* Print "amanat: MSG" for e (or for s when e has no message); return the exit code. */
int cli_fail(const struct am_err *e, enum am_status s);
/* Print a usage error naming the command; returns EXIT_USAGE. */
int cli_usage_error(const struct cli_cmd *c, const char *fmt, ...) AM_PRINTF(2, 3);
/* Print c's help to stdout; returns EXIT_OK (or EXIT_IO if stdout failed). */
int cli_help(const struct cli_cmd *c);
const struct cli_cmd *cli_find(const char *name);
/* Flush stdout and turn a failed write into EXIT_IO. */
int cli_finish(int code);

/* Where a passphrase comes from: --passphrase-fd, then AMANAT_PASSPHRASE, then the tty. */
struct cli_pass {
	int fd; /* -1 when not given */
};
/*
 * Read a passphrase into secure memory (caller frees with am_secure_free).
 * With confirm, the terminal asks twice.
 */
enum am_status cli_read_pass(const struct cli_pass *p, const char *prompt, int confirm,
			     char **out, size_t *len, struct am_err *e);
/* Parse --passphrase-fd's argument into p; 0, or -1 for a bad number. */
int cli_pass_fd(const char *arg, struct cli_pass *p);
/* Unlock an identity file, asking for its passphrase. */
enum am_status cli_unlock(const struct cli_pass *p, const char *path, struct am_identity *id,
			  struct am_err *e);

/*
 * The entries a reading will touch, for its custody record: which 0 for
 * evidence (testimony, documents, media, cases), 1 for custody entries, 2 for
 * every sealed entry.  At most 65536, the most a record can name.
 */
enum am_status cli_entries_of(struct am_vault *v, int which, uint64_t **out, size_t *n,
			      struct am_err *e);
/* Parse a non-negative decimal; -1 on anything else. */
int cli_parse_u64(const char *s, uint64_t *out);
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
	long long last_ms;
};
struct am_progress cli_progress_start(struct cli_progress *p, const char *label);
void cli_progress_end(struct cli_progress *p);

/* Name of the member with this key, or its key id; into buf of AM_NAME_MAX+1. */
void cli_signer_name(const struct am_members *ms, const unsigned char pk[AM_SIGN_PK_LEN],
		     char *buf, size_t n);

/* Commands. */
int cmd_id(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_revoke(int argc, char **argv);
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
int cmd_open_bundle(int argc, char **argv);
int cmd_verify_bundle(int argc, char **argv);
int cmd_help(int argc, char **argv);

#endif
