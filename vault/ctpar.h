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
	struct am_pipe_slot *filling; /* taken by am_ct_par_buf, not yet put */
	int piping;
};

/* Start checking the content of h (a header with a body). */
void am_ct_par_start(struct am_ct_par *p, const struct am_header *h);
/* The next chunk ciphertext, in order; ct need only live until this returns. */
AM_WUR enum am_status am_ct_par_add(struct am_ct_par *p, const unsigned char *ct, size_t n,
				    struct am_err *e);
/*
 * For filling the next chunk in place instead (no copy): a buffer of at least
 * n bytes, or NULL when chunks are hashed on this thread (use add), or there
 * is no room or the pipeline failed.  Every buffer taken is handed back with
 * am_ct_par_put, its first n bytes filled.
 */
unsigned char *am_ct_par_buf(struct am_ct_par *p, size_t n);
void am_ct_par_put(struct am_ct_par *p, size_t n);
/*
 * The content hash and Σ len(ct_i) of what was added; also to be called,
 * with out NULL, on the way out of a failure.  Returns AM_OK or why not.
 */
AM_WUR enum am_status am_ct_par_finish(struct am_ct_par *p, unsigned char out[AM_HASH_LEN],
				       uint64_t *bytes, struct am_err *e);

#endif
