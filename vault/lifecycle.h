/*
 * lifecycle.h — the key-lifecycle entries' payloads (revoke with a
 * reason, rotate, rewrap: docs/FORMAT.md §24) and the checks on them that
 * need more than the membership.  vault/ only.
 */
#ifndef AMANAT_LIFECYCLE_H
#define AMANAT_LIFECYCLE_H

#include "vault_int.h"
#include "bwrap.h"

#define AM_DOM_ROTATE "amanat-rotate-v1"
/* the revocation record after the key: version, kind, seq, time, reason length */
#define AM_REVOKE_FIXED (AM_SIGN_PK_LEN + 1 + 1 + 8 + 8 + 2)
#define AM_REVOKE_VERSION 1
/* one rewrapped key: target seq, via seq, sealed box */
#define AM_REWRAP_ITEM (8 + 8 + AM_WRAP_LEN)
#define AM_REWRAP_FIXED (AM_BOX_PK_LEN + 4)
#define AM_REWRAP_MAX 512u

/* A revoke entry's record, encoded into b (pk first). */
void am_revocation_encode(struct am_buf *b, const unsigned char pk[AM_SIGN_PK_LEN],
			  const struct am_revocation *r, uint64_t since_seq);

/* A rotate payload, parsed: the key replaced, the new identity record, the binding. */
struct am_rotation {
	const unsigned char *old_pk;  /* 32 bytes */
	const unsigned char *record;  /* the new identity record (FORMAT.md §8) */
	size_t record_len;
	struct am_member neu;
	const unsigned char *binding; /* 64 bytes: old's signature */
};
int am_rotation_parse(const unsigned char *p, size_t n, struct am_rotation *out);
/* The bytes old signs: DOM_ROTATE, NUL, vault id, old key, new identity record. */
void am_rotation_binding_input(struct am_buf *b, const unsigned char vid[AM_VAULT_ID_LEN],
			       const unsigned char old_pk[AM_SIGN_PK_LEN],
			       const unsigned char *record, size_t record_len);

/*
 * The first size rows in order, each header parsed and linked to the one
 * before by its prev hash, given to fn (which returns -1 when out of memory);
 * head is the last entry's hash, for the caller to prove.  (compromise.c)
 */
enum am_status am_headers_walk(struct am_vault *v, uint64_t size,
			       int (*fn)(void *ctx, uint64_t seq, const struct am_header *h),
			       void *ctx, unsigned char head[AM_HASH_LEN], struct am_err *e);

/* A rewrap payload, parsed (items point into the payload). */
struct am_rewrap_items {
	const unsigned char *to; /* X25519 key of the custodian it is wrapped to */
	uint32_t n;
	const unsigned char *items; /* n * AM_REWRAP_ITEM */
};
/* Shape only: sizes, 1..AM_REWRAP_MAX items, targets increasing and below seq, vias in range. */
int am_rewrap_parse(const unsigned char *p, size_t n, uint64_t seq, struct am_rewrap_items *out);
uint64_t am_rewrap_target(const struct am_rewrap_items *w, uint32_t i);
uint64_t am_rewrap_via(const struct am_rewrap_items *w, uint32_t i);
const unsigned char *am_rewrap_box(const struct am_rewrap_items *w, uint32_t i);

/*
 * The rules of a rewrap entry h that need the log (FORMAT.md §24): each
 * target is a sealed entry not already wrapped to the recipient, and the key
 * signer unwrapped came from a wrap held by signer or by a key signer
 * replaced; each entry read is proved in the tree of `size` entries with
 * root `root`.  a is the membership before h.  0, or -1 with a reason.
 */
int am_rewrap_check(struct am_vault *v, const struct am_auth *a, const struct am_header *h,
		    uint64_t size, const unsigned char root[AM_HASH_LEN], char *why, size_t whylen);

/*
 * Where the key of sealed entry p is wrapped to box: its own wraps block
 * (checked against its signed hash), else a rewrap entry of the verified
 * log v->trusted.  1 with the wrap in wrap (a sealed box, or a batch wrap
 * when *via is p's own seq and p has AM_HF_BWRAP, §29) and its entry in *via;
 * 0 when there is none; -1 when p's wraps cannot be read or were altered.
 */
int am_rewrap_wrap_for(struct am_vault *v, const struct am_entry_pub *p,
		       const unsigned char box[AM_BOX_PK_LEN], unsigned char wrap[AM_WRAP_MAX],
		       uint64_t *via);

/*
 * The next wrap of p's key to box in a rewrap entry of v->trusted after entry
 * `after`: a member may rewrap a box that does not hold the key, so a reader
 * whose box from one rewrap opens nothing tries the later ones.  1 or 0.
 */
int am_rewrap_wrap_next(struct am_vault *v, const struct am_entry_pub *p,
			const unsigned char box[AM_BOX_PK_LEN], uint64_t after,
			unsigned char wrap[AM_WRAP_MAX], uint64_t *via);

/*
 * The content key of entry seq for reader, unwrapped (key: AM_KEY_LEN bytes
 * of secure memory), from the entry's own wraps or a verified rewrap entry;
 * *via says which.  AM_EAUTH when neither holds reader's key. (read.c)
 */
AM_WUR enum am_status am_open_key(struct am_vault *v, const struct am_identity *reader,
				  uint64_t seq, unsigned char *key, uint64_t *via,
				  struct am_err *e);

#endif
