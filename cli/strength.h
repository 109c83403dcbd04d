/*
 * strength.h — how hard a new passphrase is to guess (zxcvbn), for 'id new'.
 */
#ifndef AMANAT_CLI_STRENGTH_H
#define AMANAT_CLI_STRENGTH_H

#include <stddef.h>

#include "../common/error.h"

/* The fewest guesses, as a power of ten, a new passphrase must take (docs/DECISIONS.md). */
#define CLI_PASS_MIN_GUESSES_LOG10 12

/*
 * Refuse a passphrase an offline attacker would guess too soon.  pw is the
 * NUL-terminated passphrase (secret: only read, never copied to the heap);
 * words are NULL-terminated guesses to rank first (the identity's name).  AM_OK,
 * or AM_EINPUT with a message in e that says how easy it is and what to do.
 * The passphrase is never part of the message.
 */
enum am_status cli_pass_strong(const char *pw, const char *const *words, struct am_err *e);

#endif
