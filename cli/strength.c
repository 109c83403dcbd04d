/*
 * strength.c — zxcvbn's estimate of how many guesses a new passphrase takes.
 *
 * Here in cli/ rather than in crypto/ or common/: it is no cryptography (the
 * key file's Argon2id cost is crypto/'s), and it is a policy about what a
 * person chooses and the advice they are given, which only 'id new' applies;
 * common/ holds no third-party library and nothing that talks to people.
 */
#include <math.h>
#include <string.h>

#include <zxcvbn.h>

#include "cli.h"
#include "strength.h"

/*
 * zxcvbn works on copies of parts of the passphrase in its own stack frames,
 * which are gone (but not wiped) when it returns: overwrite that much of the
 * stack below us.  noinline, and the wipe is one the compiler cannot drop.
 */
__attribute__((noinline)) static void burn_stack(void)
{
	unsigned char pad[64 * 1024];

	am_wipe(pad, sizeof(pad));
}

enum am_status cli_pass_strong(const char *pw, const char *const *words, struct am_err *e)
{
	ZxcMatch_t *info = NULL;
	double bits, log10_guesses;
	const char *kind = NULL;

	bits = ZxcvbnMatch(pw, (const char **)words, &info);
	burn_stack();
	/* the parts found say why it is weak; they hold positions, not text */
	for (ZxcMatch_t *m = info; m != NULL && kind == NULL; m = m->Next) {
		switch ((int)m->Type & ~MULTIPLE_MATCH) {
		case DICTIONARY_MATCH:
		case DICT_LEET_MATCH: kind = "common words or names"; break;
		case USER_MATCH:
		case USER_LEET_MATCH: kind = "the identity's name"; break;
		case SPATIAL_MATCH: kind = "a keyboard pattern"; break;
		case SEQUENCE_MATCH: kind = "a sequence like abc or 123"; break;
		case REPEATS_MATCH: kind = "repeated characters"; break;
		case DATE_MATCH:
		case YEAR_MATCH: kind = "a date or year"; break;
		default: break;
		}
	}
	ZxcvbnFreeInfo(info);
	log10_guesses = bits * log10(2.0);
	if (log10_guesses >= CLI_PASS_MIN_GUESSES_LOG10)
		return AM_OK;
	return am_fail(e, AM_EINPUT,
		       "the passphrase is too easy to guess: about 10^%d guesses%s%s%s, and a "
		       "stolen .id can be tried offline, so 10^%d are needed; use four or more "
		       "unrelated words, for example five picked with dice from a word list",
		       (int)floor(log10_guesses), kind ? " (it is built from " : "",
		       kind ? kind : "", kind ? ")" : "", CLI_PASS_MIN_GUESSES_LOG10);
}
