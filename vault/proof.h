/*
 * proof.h — the text forms of proofs: c2sp.org/tlog-proof@v1 inclusion
 * proofs, and consistency proofs in the body form of c2sp.org/tlog-witness
 * ("old N", proof lines, blank line, checkpoint).  No vault needed.
 */
#ifndef AMANAT_PROOF_H
#define AMANAT_PROOF_H

#include "../common/bytes.h"
#include "merkle.h"
#include "note.h"

#define AM_TLOG_PROOF_HEADER "c2sp.org/tlog-proof@v1"

struct am_inclusion_text {
	unsigned char *extra; /* malloc'ed; NULL when absent */
	size_t extra_len;
	uint64_t index;
	unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH];
	size_t count;
	struct am_checkpoint cp;
};

struct am_consistency_text {
	uint64_t old;
	unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH];
	size_t count;
	struct am_checkpoint cp;
};

void am_inclusion_format(struct am_buf *b, const unsigned char *extra, size_t extra_len,
			 uint64_t index, const unsigned char proof[][AM_MT_HASH], size_t count,
			 const struct am_checkpoint *cp);
AM_WUR enum am_status am_inclusion_parse(const char *text, size_t len,
					 struct am_inclusion_text *out, struct am_err *e);
void am_inclusion_release(struct am_inclusion_text *p);

void am_consistency_format(struct am_buf *b, uint64_t old, const unsigned char proof[][AM_MT_HASH],
			   size_t count, const struct am_checkpoint *cp);
AM_WUR enum am_status am_consistency_parse(const char *text, size_t len,
					   struct am_consistency_text *out, struct am_err *e);
void am_consistency_release(struct am_consistency_text *p);

#endif
