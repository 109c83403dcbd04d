/*
 * sigcheck.h — entry and checkpoint signatures checked ahead, on both cores,
 * for verification (verify.c).
 *
 * An entry's Ed25519 signature depends only on its stored header and
 * signature (docs/FORMAT.md §9), and a stored checkpoint's only on its note
 * and its signer column (§16), so they can be checked before the walk
 * reaches them.  A read-ahead cursor on the same connection (the same read
 * transaction, so the same rows) queues them a bounded distance ahead; a
 * second thread checks them, and so does the walking thread whenever the
 * result it needs next is not ready yet.  The walk asks for each result at
 * exactly the place where it would have checked the signature itself, and
 * a result is used only for the very bytes the walk read: what verification
 * reports, and where, does not depend on the thread that checked it.
 */
#ifndef AMANAT_SIGCHECK_H
#define AMANAT_SIGCHECK_H

#include "vault_int.h"
#include "note.h"

struct am_sigcheck;

/*
 * Start checking ahead for a walk over entries from_seq .. from_seq+count-1
 * (count an estimate) and the checkpoints of size > from_seq with id >
 * ckpt_after; mode is an AM_SIGCHECK_* of vault.h.  NULL (not an error)
 * when each signature is better checked in place: few entries, one core,
 * mode AM_SIGCHECK_INPLACE, or no thread or memory to be had.
 */
struct am_sigcheck *am_sigcheck_start(struct am_vault *v, int mode, uint64_t from_seq,
				      uint64_t count, long long ckpt_after);

/*
 * 0 when sig is a valid signature by signer of entry seq's header hdr
 * (FORMAT §9), -1 otherwise.  sc may be NULL: checked here.
 */
AM_WUR int am_sigcheck_entry(struct am_sigcheck *sc, uint64_t seq, const unsigned char *hdr,
			     size_t hn, const unsigned char sig[AM_SIG_LEN],
			     const unsigned char signer[AM_SIGN_PK_LEN]);

/*
 * am_note_count_valid(c, k, 1, NULL) for the stored checkpoint id, whose
 * note column (nlen bytes) parsed to c and whose signer column is signer;
 * k is the verifier key of c's origin and signer.  sc may be NULL.
 */
AM_WUR int am_sigcheck_note(struct am_sigcheck *sc, long long id,
			    const unsigned char signer[AM_SIGN_PK_LEN], const char *note,
			    size_t nlen, const struct am_checkpoint *c, const struct am_vkey *k);

/* Stop the thread (it finishes at most the check it is on) and free everything. */
void am_sigcheck_free(struct am_sigcheck *sc);

#endif
