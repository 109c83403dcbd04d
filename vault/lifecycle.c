/*
 * lifecycle.c — writing the key-lifecycle entries (docs/FORMAT.md §24):
 * revocations with a reason and a compromise point, rotations, and
 * rewraps that hand a custodian's access to another without re-encrypting.
 * Each is built on the verified state t, like every other write.
 */
#include "lifecycle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum am_status am_revoke(struct am_vault *v, struct am_trusted *t,
			 const struct am_identity *admin, const unsigned char pk[AM_SIGN_PK_LEN],
			 uint64_t *seq, struct am_err *e)
{
	return am_append_public(v, t, admin, AM_T_REVOKE, pk, AM_SIGN_PK_LEN, seq, e);
}

/* Where a stated time falls: the first entry stamped at or after ms. */
struct at_or_after {
	int64_t ms;
	uint64_t seq; /* the log's size while none is */
	uint64_t size;
};

static int note_time(void *ctx, uint64_t seq, const struct am_header *h)
{
	struct at_or_after *a = ctx;

	if (h->sealed_at_ms >= a->ms && a->seq == a->size)
		a->seq = seq;
	return 0;
}

/*
 * The first entry of the verified log stamped (by its sealer's clock) at or
 * after ms; t->size when there is none.  Clocks are not trusted: this is
 * where the admin's stated time falls in the log's own order.  One pass over
 * the rows, each tied to the verified head by the hash chain.
 */
static enum am_status first_at_or_after(struct am_vault *v, const struct am_trusted *t,
					int64_t ms, uint64_t *out, struct am_err *e)
{
	struct at_or_after a = { ms, t->size, t->size };
	unsigned char head[AM_HASH_LEN];
	enum am_status s = am_headers_walk(v, t->size, note_time, &a, head, e);

	if (s == AM_OK && !am_equal(head, t->head, AM_HASH_LEN))
		s = am_fail(e, AM_EVERIFY, "%s: entry %llu changed since it was verified; run "
			    "'amanat verify'", v->path, (unsigned long long)t->size);
	*out = a.seq;
	return s;
}

enum am_status am_revoke_ex(struct am_vault *v, struct am_trusted *t,
			    const struct am_identity *admin, const unsigned char pk[AM_SIGN_PK_LEN],
			    const struct am_revocation *why, uint64_t *seq, struct am_err *e)
{
	struct am_buf b;
	uint64_t since = 0;
	enum am_status s = AM_OK;

	if (why == NULL || (why->kind == AM_SINCE_NONE && why->reason == NULL))
		return am_revoke(v, t, admin, pk, seq, e);
	if (why->reason != NULL &&
	    (strlen(why->reason) > AM_REASON_MAX ||
	     (why->reason[0] != '\0' &&
	      !am_utf8_ok((const unsigned char *)why->reason, strlen(why->reason)))))
		return am_fail(e, AM_EINPUT, "the reason must be UTF-8 text of at most %d bytes",
			       AM_REASON_MAX);
	if (why->kind == AM_SINCE_SEQ) {
		if (why->since_seq >= t->size)
			return am_fail(e, AM_EINPUT, "%s holds entries 0 to %llu: no entry %llu to date "
				       "the compromise from", v->path, (unsigned long long)t->size - 1,
				       (unsigned long long)why->since_seq);
		since = why->since_seq;
	} else if (why->kind == AM_SINCE_TIME) {
		s = first_at_or_after(v, t, why->since_ms, &since, e);
		if (s != AM_OK)
			return s;
	}
	am_buf_init(&b);
	am_revocation_encode(&b, pk, why, since);
	if (b.oom)
		s = am_fail(e, AM_ENOMEM, "out of memory");
	else
		s = am_append_public(v, t, admin, AM_T_REVOKE, b.data, b.len, seq, e);
	am_buf_release(&b);
	return s;
}

enum am_status am_rotate(struct am_vault *v, struct am_trusted *t,
			 const struct am_identity *signer, const struct am_identity *old,
			 const struct am_identity *neu, uint64_t *seq, struct am_err *e)
{
	const struct am_member *om = am_auth_find(&t->auth, old->sign_pk);
	unsigned char binding[AM_SIG_LEN];
	struct am_member m;
	struct am_buf rec, in, pay;
	enum am_status s;

	if (old->sign_sk == NULL)
		return am_fail(e, AM_EINPUT, "%s: the old key signs the rotation; give its secret "
			       "identity file", old->name);
	if (signer->sign_sk == NULL)
		return am_fail(e, AM_EINPUT, "%s: a public key cannot sign; give the secret identity "
			       "file", signer->name);
	if (om == NULL || om->roles == 0)
		return am_fail(e, AM_EINPUT, "%s is not an enrolled member of %s: nothing to rotate",
			       old->name, v->path);
	if (memcmp(signer->sign_pk, old->sign_pk, AM_SIGN_PK_LEN) == 0)
		return am_fail(e, AM_EINPUT, "the old key cannot accept its own rotation: another "
			       "admin signs it (--as ADMIN.id), or, for an admin's own key, the new "
			       "key does (amanat rotate VAULT OLD.id NEW.pub --as NEW.id)");
	s = am_check_newcomer(v, &t->auth, neu, old->sign_pk, e);
	if (s != AM_OK)
		return s;
	am_member_of(&m, neu, om->roles);
	am_buf_init(&rec);
	am_buf_init(&in);
	am_buf_init(&pay);
	am_member_encode(&rec, &m);
	am_rotation_binding_input(&in, t->vault_id, old->sign_pk, rec.data, rec.len);
	if (rec.oom || in.oom) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (am_sign(binding, in.data, in.len, old->sign_sk) != 0) {
		s = am_fail(e, AM_EINPUT, "signing failed");
		goto cleanup;
	}
	am_buf_add(&pay, old->sign_pk, AM_SIGN_PK_LEN);
	am_buf_add(&pay, rec.data, rec.len);
	am_buf_add(&pay, binding, AM_SIG_LEN);
	if (pay.oom)
		s = am_fail(e, AM_ENOMEM, "out of memory");
	else
		s = am_append_public(v, t, signer, AM_T_ROTATE, pay.data, pay.len, seq, e);
cleanup:
	am_buf_release(&rec);
	am_buf_release(&in);
	am_buf_release(&pay);
	return s;
}

/* 1 when opener is signer, or a key rotated (perhaps through others) into signer's. */
static int may_open_for(const struct am_auth *a, const struct am_identity *signer,
			const struct am_identity *opener)
{
	static const unsigned char zero[AM_SIGN_PK_LEN];
	const struct am_member *m = am_auth_find(a, opener->sign_pk);

	if (memcmp(opener->sign_pk, signer->sign_pk, AM_SIGN_PK_LEN) == 0)
		return 1;
	for (size_t hop = 0; m != NULL && hop <= a->ms.n; hop++) {
		if (memcmp(m->sign_pk, signer->sign_pk, AM_SIGN_PK_LEN) == 0)
			return 1;
		m = memcmp(m->rotated_to, zero, AM_SIGN_PK_LEN) == 0 ? NULL
								    : am_auth_find(a, m->rotated_to);
	}
	return 0;
}

/* Build and append one rewrap entry for seqs[0..n) on work, inside the caller's write. */
static enum am_status rewrap_one(struct am_vault *v, struct am_trusted *work,
				 const struct am_identity *signer, const struct am_identity *opener,
				 const unsigned char to[AM_BOX_PK_LEN], const uint64_t *seqs,
				 size_t n, uint64_t *seq, struct am_err *e)
{
	unsigned char *key = am_secure_alloc(AM_KEY_LEN), box[AM_WRAP_LEN], root[AM_HASH_LEN];
	struct am_header h;
	struct am_buf pay;
	char why[256];
	enum am_status s = AM_OK;

	am_buf_init(&pay);
	if (key == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	am_buf_add(&pay, to, AM_BOX_PK_LEN);
	am_buf_u32(&pay, (uint32_t)n);
	for (size_t i = 0; i < n && s == AM_OK; i++) {
		uint64_t via = 0;
		/* sealed to them: the verifier refuses it (a box in a rewrap may be redone) */
		if (am_wrapped_to(v, seqs[i], to, &via) && via == seqs[i]) {
			s = am_fail(e, AM_EINPUT, "entry %llu is already readable by that custodian",
				    (unsigned long long)seqs[i]);
			break;
		}
		s = am_open_key(v, opener, seqs[i], key, &via, e);
		if (s == AM_OK && am_wrap(box, key, to) != 0)
			s = am_fail(e, AM_EINPUT, "cannot wrap a key to that custodian's key");
		am_buf_u64(&pay, seqs[i]);
		am_buf_u64(&pay, via);
		am_buf_add(&pay, box, AM_WRAP_LEN);
	}
	am_secure_free(key);
	if (s == AM_OK && pay.oom)
		s = am_fail(e, AM_ENOMEM, "out of memory");
	if (s != AM_OK)
		goto cleanup;
	memset(&h, 0, sizeof(h));
	h.type = AM_T_REWRAP;
	h.seq = work->size;
	memcpy(h.signer, signer->sign_pk, AM_SIGN_PK_LEN);
	h.payload = pay.data;
	h.payload_len = (uint32_t)pay.len;
	/* refuse what the verifier would refuse, before it is signed */
	am_mt_frontier_root(&work->fr, root);
	if (am_rewrap_check(v, &work->auth, &h, work->size, root, why, sizeof(why)) != 0) {
		s = am_fail(e, AM_EINPUT, "%s: %s", v->path, why);
		goto cleanup;
	}
	s = am_append(v, work, signer, &h, NULL, 0, NULL, 0, seq, e);
cleanup:
	am_buf_release(&pay);
	return s;
}

enum am_status am_rewrap(struct am_vault *v, struct am_trusted *t,
			 const struct am_identity *signer, const struct am_identity *opener,
			 const unsigned char to[AM_BOX_PK_LEN], const uint64_t *seqs, size_t n,
			 uint64_t *first, uint64_t *count, struct am_err *e)
{
	struct am_trusted work;
	enum am_status s;
	uint64_t seq = 0;

	*first = 0;
	*count = 0;
	if (n == 0)
		return am_fail(e, AM_EINPUT, "no entries to hand over");
	if (signer->sign_sk == NULL || opener->box_sk == NULL)
		return am_fail(e, AM_EINPUT, "%s: a public key cannot unwrap; give the secret identity "
			       "file", signer->sign_sk == NULL ? signer->name : opener->name);
	for (size_t i = 1; i < n; i++)
		if (seqs[i] <= seqs[i - 1])
			return am_fail(e, AM_EINPUT, "entries must be given once each, in order");
	s = am_write_begin(v, t, &work, e);
	if (s != AM_OK)
		return s;
	if (!(am_auth_roles(&work.auth, signer->sign_pk) & AM_ROLE_CUSTODIAN))
		s = am_fail(e, AM_EAUTH, "%s is not a custodian of %s: only a custodian hands "
			    "entries over", signer->name, v->path);
	else if (!may_open_for(&work.auth, signer, opener))
		s = am_fail(e, AM_EINPUT, "%s may unwrap only with their own key or one they "
			    "replaced by rotation, not %s's", signer->name, opener->name);
	for (size_t i = 0; i < n && s == AM_OK; i += AM_REWRAP_MAX) {
		size_t k = n - i < AM_REWRAP_MAX ? n - i : AM_REWRAP_MAX;
		s = rewrap_one(v, &work, signer, opener, to, seqs + i, k, &seq, e);
		if (s == AM_OK && *count == 0)
			*first = seq;
		if (s == AM_OK)
			(*count)++;
	}
	if (s == AM_OK)
		return am_write_commit(v, t, &work, e);
	*first = 0;
	*count = 0;
	am_write_abort(v, &work);
	return s;
}
