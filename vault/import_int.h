/*
 * import_int.h — the checks of import and ack entries (verify_import.c),
 * shared by the verifier and by the writer, which refuses what the verifier
 * would refuse before it signs.
 */
#ifndef AMANAT_IMPORT_INT_H
#define AMANAT_IMPORT_INT_H

#include "vault_int.h"

struct am_checkpoint;

/* field_auth.c: each field vault's membership, replayed from its imports. */
struct am_fauth {
	unsigned char id[AM_VAULT_ID_LEN];
	uint64_t next;        /* the field entry expected next (UINT64_MAX: rebuild) */
	struct am_auth auth;  /* after the field entries before it */
};
struct am_fauths {
	struct am_fauth *v;
	size_t n;
	uint64_t from; /* every import from this entry on has been stepped through here */
};
void am_fauths_init(struct am_fauths *c);
void am_fauths_release(struct am_fauths *c);
/* 1 when a current member of auth holding one of roles signed the note c. */
AM_WUR int am_auth_signed_note(const struct am_auth *auth, const struct am_checkpoint *c,
			       unsigned roles);
/*
 * Apply the original iv of import h to its field vault's membership in c
 * (rebuilt from the imports before h, proved in the tree fr, when c does not
 * hold it): the field vault's own rules must allow it, and when it is the
 * last entry the field checkpoint cp covers, a field member signed cp.
 */
AM_WUR int am_fauth_step(struct am_vault *v, const struct am_mt_frontier *fr, struct am_fauths *c,
		  const struct am_header *h, const struct am_import_view *iv,
		  const struct am_checkpoint *cp, char *why, size_t whylen);

/*
 * Check import entry h (not yet in the tree: fr holds the verified tree of
 * the entries before it) against auth, the membership of v in force at it:
 * the original and its body, the field checkpoint and the inclusion proof,
 * who signed them, the link to the previous import of the same field vault,
 * and the field vault's own rules (fauths, which advances).  0, or -1 with a
 * reason.
 */
AM_WUR int am_import_check(struct am_vault *v, const struct am_auth *auth,
		    const struct am_mt_frontier *fr, struct am_fauths *fauths,
		    const struct am_header *h, char *why, size_t whylen);
/* Check ack entry h: its note names this vault and is signed by a member (auth). */
AM_WUR int am_ack_check(const struct am_auth *auth, const struct am_header *h, char *why,
		 size_t whylen);

#endif
