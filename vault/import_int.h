/*
 * import_int.h — the checks of import and ack entries (verify_import.c),
 * shared by the verifier and by the writer, which refuses what the verifier
 * would refuse before it signs.
 */
#ifndef AMANAT_IMPORT_INT_H
#define AMANAT_IMPORT_INT_H

#include "vault_int.h"

/*
 * Check import entry h (not yet in the tree: fr holds the verified tree of
 * the entries before it) against auth, the membership of v in force at it:
 * the original and its body, the field checkpoint and the inclusion proof,
 * who signed them, and the link to the previous import of the same field
 * vault.  0, or -1 with a reason.
 */
int am_import_check(struct am_vault *v, const struct am_auth *auth,
		    const struct am_mt_frontier *fr, const struct am_header *h, char *why,
		    size_t whylen);
/* Check ack entry h: its note names this vault and is signed by a member (auth). */
int am_ack_check(const struct am_auth *auth, const struct am_header *h, char *why,
		 size_t whylen);

#endif
