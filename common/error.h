/*
 * error.h — the one status type every layer returns.
 *
 * Library code (common/, crypto/, vault/) never prints and never exits: it
 * returns an am_status and, where a caller passed one, fills a struct am_err
 * with a lowercase message naming the file or entry at fault.  cli/ alone maps
 * a status to an exit code (cli_exit_code in cli/common.c).
 */
#ifndef AMANAT_ERROR_H
#define AMANAT_ERROR_H

#include <stddef.h>

enum am_status {
	AM_OK = 0,
	AM_EVERIFY,   /* verification found a problem */
	AM_EINPUT,    /* usage or bad input: foreign, truncated, not a vault */
	AM_EAUTH,     /* wrong passphrase, or not authorised for this action */
	AM_EIO,       /* storage or I/O failure (disk full, permissions, ...) */
	AM_ENOMEM,    /* allocation failed */
	AM_EEXIST,    /* refusing to overwrite something that exists */
};

struct am_err {
	enum am_status status;
	char msg[512];
};

#if defined(__GNUC__)
#define AM_WUR __attribute__((warn_unused_result))
#define AM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define AM_WUR
#define AM_PRINTF(a, b)
#endif

/* Reset an error record to "no error". */
void am_err_init(struct am_err *e);

/*
 * Record a failure and return its status, so that callers can write
 * `return am_fail(e, AM_EIO, "cannot open %s: %s", path, strerror(errno));`.
 * A NULL e is allowed and only the status is returned.
 */
enum am_status am_fail(struct am_err *e, enum am_status s, const char *fmt, ...)
	AM_PRINTF(3, 4);

/* Human name of a status, for messages that have nothing better. */
const char *am_status_name(enum am_status s);

#endif
