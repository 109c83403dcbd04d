/*
 * share.h — recovery shares of an identity: its secret keys split with
 * Shamir's scheme (shamir.h) so that any k of n shares rebuild it, each share
 * a short text that survives being printed and typed back in.
 * Format: docs/FORMAT.md §24a "Recovery shares".
 */
#ifndef AMANAT_SHARE_H
#define AMANAT_SHARE_H

#include <stdint.h>

#include "identity.h"

enum {
	AM_SHARE_SECRET_LEN = 64, /* Ed25519 seed || X25519 secret key, as in a .id */
	AM_SPLIT_ID_LEN = 8,
	AM_SHARE_TEXT_MAX = 2048, /* the longest text a share can be, with room to spare */
};

/* One share, parsed or about to be written. */
struct am_share {
	unsigned k, n, x;          /* any k of n restore; this share's index 1..n */
	unsigned char split_id[AM_SPLIT_ID_LEN]; /* random per split: shares of one split */
	uint64_t created;          /* the identity's creation time (Unix seconds), 0 unknown */
	char name[AM_NAME_MAX + 1];
	unsigned char sign_pk[AM_SIGN_PK_LEN];
	unsigned char box_pk[AM_BOX_PK_LEN];
	unsigned char *y;          /* secure memory, AM_SHARE_SECRET_LEN bytes, or NULL */
};

void am_share_init(struct am_share *sh);
/* Wipes and frees y. */
void am_share_release(struct am_share *sh);

/*
 * Split id's secret keys into n shares, any k of which restore it
 * (2 <= k <= n <= 255).  sh is an array of n; on failure each is released.
 */
AM_WUR enum am_status am_identity_split(const struct am_identity *id, unsigned n, unsigned k,
					struct am_share *sh, struct am_err *e);
/*
 * Rebuild an identity from count shares: they must be of one split (same
 * split id, identity, k and n), with different indexes, and at least k of
 * them; the keys they give must be the public keys they name.  Each refusal
 * names the share at fault by its index or by what[i] (a file name).  With
 * more than k shares, one share that does not agree with the others (altered,
 * its checks made again) is left out: *left_out is its place in sh, for the
 * caller to warn about; otherwise *left_out is count.
 */
AM_WUR enum am_status am_identity_recover(const struct am_share *sh, const char *const *what,
					  unsigned count, struct am_identity *id,
					  unsigned *left_out, struct am_err *e);

/* The share's text (NUL-terminated) into secure memory of AM_SHARE_TEXT_MAX; 0 or -1. */
AM_WUR int am_share_format(const struct am_share *sh, char *out, size_t outlen);
/*
 * Parse a share's text; what (a file name) starts every message.  A line
 * whose check fails is named by its number ("F, line 4: check failed").
 * AM_EINPUT for anything that is not one intact share.
 */
AM_WUR enum am_status am_share_parse(const char *what, const char *text, size_t len,
				     struct am_share *sh, struct am_err *e);
/* Write the share to a new file path, mode 0600; never replaces anything. */
AM_WUR enum am_status am_share_write(const char *path, const struct am_share *sh,
				     struct am_err *e);
/* Read and parse a share file. */
AM_WUR enum am_status am_share_read(const char *path, struct am_share *sh, struct am_err *e);
/* 1 when the text starts as a share does (for 'id show' to say what a file is). */
int am_share_looks(const unsigned char *text, size_t len);

#endif
