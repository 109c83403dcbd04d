/*
 * rewrap.c — what a rewrap entry may say, and where a reader finds a key
 * wrapped to them after the entry was sealed (docs/FORMAT.md §24).
 *
 * A rewrap entry is public: anyone can check who wrapped (a custodian), to
 * whom (an enrolled custodian), for which entries (earlier sealed ones), and
 * that the wrapper held a wrap of each key (in the entry itself, or in an
 * earlier rewrap to them or to a key they replaced by rotation).  That each
 * sealed box holds the right key only the recipient can check, by opening it.
 */
#include "lifecycle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAD(...) do { snprintf(why, whylen, __VA_ARGS__); goto fail; } while (0)

/* Read entry seq and prove it is the leaf at seq of the tree (size, root). */
static int read_proved(struct am_vault *v, uint64_t seq, uint64_t size,
		       const unsigned char root[AM_HASH_LEN], struct am_entry_pub *p)
{
	unsigned char hash[AM_HASH_LEN];

	if (am_entry_read(v, seq, p, NULL) != AM_OK)
		return -1;
	am_entry_hash(hash, p->buf, p->len, p->sig);
	if (am_tree_holds(v, seq, size, root, hash) != 0) {
		am_entry_pub_release(p);
		return -1;
	}
	return 0;
}

/*
 * Whether sealed entry p's own wraps block (checked against its signed hash)
 * lists one of the nbox keys in boxes: 1 yes, 0 no, -1 unreadable.
 */
static int wraps_list(struct am_vault *v, const struct am_entry_pub *p,
		      const unsigned char *boxes, size_t nbox, unsigned char wrap[AM_WRAP_MAX])
{
	unsigned char *w = NULL, hash[AM_HASH_LEN];
	struct am_wraps ws;
	size_t wn = 0;
	int found = -1;

	if (am_db_get_blob(v, p->h.seq, "wraps", &w, &wn, NULL) != AM_OK)
		return -1;
	am_sha256(hash, w, wn);
	if (wn == p->h.wraps_size && am_equal(hash, p->h.wraps_hash, AM_HASH_LEN) &&
	    am_wraps_parse_as(w, wn, am_wraps_flags(&p->h), &ws) == 0) {
		const size_t item = ws.item;
		found = 0;
		for (uint32_t i = 0; i < ws.n && !found; i++)
			for (size_t k = 0; k < nbox && !found; k++)
				if (memcmp(ws.items + i * item, boxes + k * AM_BOX_PK_LEN,
					   AM_BOX_PK_LEN) == 0) {
					found = 1;
					if (wrap != NULL)
						memcpy(wrap, ws.items + i * item + AM_BOX_PK_LEN,
						       item - AM_BOX_PK_LEN);
				}
	}
	free(w);
	return found;
}

/* The item of w for target t, or -1. */
static long find_target(const struct am_rewrap_items *w, uint64_t t)
{
	uint32_t lo = 0, hi = w->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint64_t x = am_rewrap_target(w, mid);
		if (x == t)
			return (long)mid;
		if (x < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*
 * The X25519 keys whose wraps the signer may have used: its own and those of
 * every key rotated, directly or through others, into it.  malloc'ed.
 */
static unsigned char *signer_boxes(const struct am_auth *a, const unsigned char signer[AM_SIGN_PK_LEN],
				   size_t *n)
{
	unsigned char *out = malloc((a->ms.n ? a->ms.n : 1) * AM_BOX_PK_LEN);
	static const unsigned char zero[AM_SIGN_PK_LEN];

	*n = 0;
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < a->ms.n; i++) {
		const struct am_member *m = &a->ms.m[i];
		/* each rotation adds a member, so a chain is at most ms.n long */
		for (size_t hop = 0; m != NULL && hop <= a->ms.n; hop++) {
			if (memcmp(m->sign_pk, signer, AM_SIGN_PK_LEN) == 0) {
				memcpy(out + (*n)++ * AM_BOX_PK_LEN, a->ms.m[i].box_pk, AM_BOX_PK_LEN);
				break;
			}
			m = memcmp(m->rotated_to, zero, AM_SIGN_PK_LEN) == 0
				    ? NULL : am_auth_find(a, m->rotated_to);
		}
	}
	return out;
}

int am_rewrap_check(struct am_vault *v, const struct am_auth *a, const struct am_header *h,
		    uint64_t size, const unsigned char root[AM_HASH_LEN], char *why, size_t whylen)
{
	struct am_rewrap_items w, vw;
	struct am_entry_pub p, q;
	unsigned char *boxes;
	size_t nbox = 0;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	memset(&q, 0, sizeof(q));
	boxes = signer_boxes(a, h->signer, &nbox);
	if (boxes == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (am_rewrap_parse(h->payload, h->payload_len, h->seq, &w) != 0)
		BAD("rewrap payload is malformed");
	for (uint32_t i = 0; i < w.n; i++) {
		uint64_t t = am_rewrap_target(&w, i), via = am_rewrap_via(&w, i);
		int held;

		if (read_proved(v, t, size, root, &p) != 0)
			BAD("rewrap names entry %llu, which is not in the log before it",
			    (unsigned long long)t);
		if (!am_header_sealed(&p.h))
			BAD("rewrap names entry %llu, a %s entry with no content key",
			    (unsigned long long)t, am_type_name(p.h.type));
		if (wraps_list(v, &p, w.to, 1, NULL) != 0)
			BAD("rewrap wraps the key of entry %llu to a custodian it was already wrapped to",
			    (unsigned long long)t);
		if (via == t) {
			held = wraps_list(v, &p, boxes, nbox, NULL) == 1;
		} else {
			if (read_proved(v, via, size, root, &q) != 0 || q.h.type != AM_T_REWRAP ||
			    am_rewrap_parse(q.h.payload, q.h.payload_len, q.h.seq, &vw) != 0)
				BAD("rewrap says the key of entry %llu came from entry %llu, which is not "
				    "a rewrap entry", (unsigned long long)t, (unsigned long long)via);
			held = 0;
			if (find_target(&vw, t) >= 0)
				for (size_t k = 0; k < nbox && !held; k++)
					held = memcmp(vw.to, boxes + k * AM_BOX_PK_LEN, AM_BOX_PK_LEN) == 0;
			am_entry_pub_release(&q);
		}
		am_entry_pub_release(&p);
		if (!held)
			BAD("rewrap signer held no wrap of the key of entry %llu (not in entry %llu's "
			    "wraps for them)", (unsigned long long)t, (unsigned long long)via);
	}
	rc = 0;
fail:
	am_entry_pub_release(&p);
	am_entry_pub_release(&q);
	free(boxes);
	return rc;
}

/*
 * The wrap of entry seq's key to box in the first rewrap entry after entry
 * `after` of the verified log v->trusted: 1 with wrap and *via set, 0 if there
 * is none.
 */
static int find_rewrap(struct am_vault *v, uint64_t seq, uint64_t after,
		       const unsigned char box[AM_BOX_PK_LEN], unsigned char wrap[AM_WRAP_MAX],
		       uint64_t *via)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	/* only rewraps the pinned verification covered: each row read is proved in that tree */
	if (v->trusted == NULL ||
	    sqlite3_prepare_v2(v->db, "SELECT seq FROM entries WHERE type = ?1 AND seq > ?2 AND "
			       "seq < ?3 ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int(st, 1, AM_T_REWRAP);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(after > seq ? after : seq));
	sqlite3_bind_int64(st, 3, (sqlite3_int64)am_trusted_size(v->trusted));
	while (!found && sqlite3_step(st) == SQLITE_ROW) {
		uint64_t r = (uint64_t)sqlite3_column_int64(st, 0);
		struct am_rewrap_items w;
		struct am_entry_pub p;
		long i;

		if (am_entry_read_trusted(v, v->trusted, r, &p, NULL) != AM_OK)
			continue;
		if (p.h.type == AM_T_REWRAP &&
		    am_rewrap_parse(p.h.payload, p.h.payload_len, p.h.seq, &w) == 0 &&
		    memcmp(w.to, box, AM_BOX_PK_LEN) == 0 && (i = find_target(&w, seq)) >= 0) {
			memcpy(wrap, am_rewrap_box(&w, (uint32_t)i), AM_WRAP_LEN);
			if (via != NULL)
				*via = r;
			found = 1;
		}
		am_entry_pub_release(&p);
	}
	sqlite3_finalize(st);
	return found;
}

int am_rewrap_wrap_for(struct am_vault *v, const struct am_entry_pub *p,
		       const unsigned char box[AM_BOX_PK_LEN], unsigned char wrap[AM_WRAP_MAX],
		       uint64_t *via)
{
	int own = wraps_list(v, p, box, 1, wrap);

	if (own == 1) {
		if (via != NULL)
			*via = p->h.seq;
		return 1;
	}
	if (own < 0)
		return -1;
	return find_rewrap(v, p->h.seq, p->h.seq, box, wrap, via);
}

int am_rewrap_wrap_next(struct am_vault *v, const struct am_entry_pub *p,
			const unsigned char box[AM_BOX_PK_LEN], uint64_t after,
			unsigned char wrap[AM_WRAP_MAX], uint64_t *via)
{
	return find_rewrap(v, p->h.seq, after, box, wrap, via);
}

int am_wrapped_to(struct am_vault *v, uint64_t seq, const unsigned char box_pk[AM_BOX_PK_LEN],
		  uint64_t *via)
{
	unsigned char wrap[AM_WRAP_MAX];
	struct am_entry_pub p;
	int r;

	if (am_entry_read_trusted(v, v->trusted, seq, &p, NULL) != AM_OK)
		return 0;
	r = am_header_sealed(&p.h) && am_rewrap_wrap_for(v, &p, box_pk, wrap, via) == 1;
	am_entry_pub_release(&p);
	return r;
}
