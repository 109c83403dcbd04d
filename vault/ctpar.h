/*
 * ctpar.h — checking an entry's content hash on two cores: for an entry
 * hashed chunk by chunk (FORMAT.md §28) with more than one chunk, the chunks
 * given in order are hashed by whichever of two threads is free (pipe.h),
 * their hashes fed in order; otherwise (§12, or one chunk) each is hashed
 * as it comes, on the calling thread.
 */
#ifndef AMANAT_CTPAR_H
#define AMANAT_CTPAR_H

#include "cthash.h"
#include "pipe.h"
#include "vault.h"

struct am_ct_par {
	struct am_ct_hash h;
	struct am_pipe pipe;
	int piping;
};

/* Start checking the content of h (a header with a body). */
void am_ct_par_start(struct am_ct_par *p, const struct am_header *h);
/* The next chunk ciphertext, in order; ct need only live until this returns. */
AM_WUR enum am_status am_ct_par_add(struct am_ct_par *p, const unsigned char *ct, size_t n,
				    struct am_err *e);
/*
 * The content hash and Σ len(ct_i) of what was added; also to be called,
 * with out NULL, on the way out of a failure.  Returns AM_OK or why not.
 */
AM_WUR enum am_status am_ct_par_finish(struct am_ct_par *p, unsigned char out[AM_HASH_LEN],
				       uint64_t *bytes, struct am_err *e);

#endif
