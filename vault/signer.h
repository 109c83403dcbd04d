/*
 * signer.h — Ed25519 signatures on a second core (signer.c), for batches of
 * small entries: the signature of entry n is made while the calling thread
 * stores entry n-1 and reads and encrypts entry n+1.  One signature in
 * flight at a time.
 * Internal to vault/.
 */
#ifndef AMANAT_SIGNER_H
#define AMANAT_SIGNER_H

#include "vault_int.h"

struct am_signer;
/* A thread signing with sk (secure memory that must outlive it); NULL if it cannot start. */
struct am_signer *am_signer_start(const unsigned char *sk);
/* Start signing msg (n bytes, left untouched until am_signer_wait returns). */
void am_signer_submit(struct am_signer *s, const unsigned char *msg, size_t n);
/* Wait for the signature submitted last: 0 with sig, -1 if signing failed. */
AM_WUR int am_signer_wait(struct am_signer *s, unsigned char sig[AM_SIG_LEN]);
/* Wait for any signature in flight, stop the thread, free. NULL is fine. */
void am_signer_stop(struct am_signer *s);

#endif
