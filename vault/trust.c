/*
 * trust.c — the verified state writers and readers build on.
 *
 * Someone who can write the vault file but holds no key must never be able
 * to steer an honest member: not into wrapping a key to a stranger, not into
 * signing a tree they did not check.  So nothing here starts from what the
 * file says about itself.  am_trust starts from a pin kept outside the file
 * (the vault id, the last tree this person verified) and verifies everything
 * after it; writers then take that verified state as input, bring it up to
 * the end of the log inside their own write transaction, and build new
 * entries, tree nodes and checkpoints on it alone.
 */
#include "vault_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "note.h"

void am_trusted_init(struct am_trusted *t)
{
	memset(t, 0, sizeof(*t));
	am_mt_frontier_init(&t->fr);
	am_auth_init(&t->auth);
	t->ckpt_id = -1;
}

void am_trusted_clear(struct am_trusted *t)
{
	am_auth_release(&t->auth);
	am_trusted_init(t);
}

int am_trusted_copy(struct am_trusted *dst, const struct am_trusted *src)
{
	*dst = *src;
	if (am_auth_copy(&dst->auth, &src->auth) != 0) {
		am_auth_init(&dst->auth);
		am_trusted_clear(dst);
		return -1;
	}
	return 0;
}

void am_trusted_free(struct am_trusted *t)
{
	if (t == NULL)
		return;
	am_trusted_clear(t);
	free(t);
}

void am_trusted_pin(const struct am_trusted *t, struct am_pin *pin)
{
	memset(pin, 0, sizeof(*pin));
	pin->has_vault_id = 1;
	memcpy(pin->vault_id, t->vault_id, AM_VAULT_ID_LEN);
	memcpy(pin->genesis, t->genesis, AM_HASH_LEN);
	pin->size = t->size;
	am_mt_frontier_root(&t->fr, pin->root);
}

const struct am_members *am_trusted_members(const struct am_trusted *t)
{
	return &t->auth.ms;
}

uint64_t am_trusted_size(const struct am_trusted *t)
{
	return t->size;
}

const unsigned char *am_trusted_vault_id(const struct am_trusted *t)
{
	return t->vault_id;
}

void am_vault_use_trust(struct am_vault *v, const struct am_trusted *t)
{
	v->trusted = t;
}

/* "VAULT: entry N: REASON" for a verification that found a problem. */
static enum am_status report_problem(struct am_vault *v, const struct am_verify_report *r,
				     const char *hint, struct am_err *e)
{
	if (r->has_bad_seq)
		return am_fail(e, AM_EVERIFY, "%s: entry %llu: %s%s", v->path,
			       (unsigned long long)r->bad_seq, r->reason, hint);
	return am_fail(e, AM_EVERIFY, "%s: %s%s", v->path, r->reason, hint);
}

enum am_status am_trust(struct am_vault *v, const struct am_pin *pin, struct am_trusted **out,
			struct am_err *e)
{
	struct am_verify_opts o;
	struct am_verify_report r;
	struct am_trusted *t;
	char want[AM_ORIGIN_MAX], got[AM_ORIGIN_MAX];
	enum am_status s;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	am_trusted_clear(t);
	memset(&o, 0, sizeof(o));
	o.tier = AM_VERIFY_QUICK;
	o.from_size = pin->size;
	memcpy(o.from_root, pin->root, AM_HASH_LEN);
	s = am_db_exec(v, "BEGIN", e);
	if (s != AM_OK)
		goto fail;
	s = am_verify_run(v, &o, NULL, t, &r, e);
	am_db_rollback(v);
	if (s != AM_OK)
		goto fail;
	if (!r.ok) {
		s = report_problem(v, &r, pin->size > 0 ? " (checked from the tree you trusted before)"
						       : "", e);
		goto fail;
	}
	if (pin->has_vault_id && !am_equal(pin->vault_id, t->vault_id, AM_VAULT_ID_LEN)) {
		am_origin(want, pin->vault_id);
		am_origin(got, t->vault_id);
		s = am_fail(e, AM_EVERIFY, "%s holds the vault %s, not %s, the vault you trust",
			    v->path, got, want);
		goto fail;
	}
	if (pin->size > 0 && !am_equal(pin->genesis, t->genesis, AM_HASH_LEN)) {
		s = am_fail(e, AM_EVERIFY, "%s: entry 0: not the genesis entry you trust", v->path);
		goto fail;
	}
	*out = t;
	return AM_OK;
fail:
	am_trusted_free(t);
	return s;
}

enum am_status am_trust_advance(struct am_vault *v, struct am_trusted *t, struct am_err *e)
{
	struct am_verify_opts o;
	struct am_verify_report r;
	struct am_trusted next;
	enum am_status s;

	am_trusted_init(&next);
	memset(&o, 0, sizeof(o));
	o.tier = AM_VERIFY_QUICK;
	o.from_size = t->size;
	am_mt_frontier_root(&t->fr, o.from_root);
	s = am_verify_run(v, &o, t, &next, &r, e);
	if (s == AM_OK && !r.ok)
		s = report_problem(v, &r, "; it does not extend the log verified before this action",
				   e);
	if (s != AM_OK) {
		am_trusted_clear(&next);
		return s;
	}
	am_trusted_clear(t);
	*t = next;
	return AM_OK;
}

enum am_status am_write_begin(struct am_vault *v, struct am_trusted *t, struct am_trusted *work,
			      struct am_err *e)
{
	enum am_status s;

	am_trusted_init(work);
	s = am_db_begin(v, e);
	if (s == AM_OK)
		s = am_trust_advance(v, t, e);
	if (s == AM_OK && am_trusted_copy(work, t) != 0)
		s = am_fail(e, AM_ENOMEM, "out of memory");
	if (s != AM_OK)
		am_db_rollback(v);
	return s;
}

enum am_status am_write_commit(struct am_vault *v, struct am_trusted *t, struct am_trusted *work,
			       struct am_err *e)
{
	enum am_status s = am_db_commit(v, e);

	if (s != AM_OK) {
		am_trusted_clear(work);
		return s;
	}
	am_trusted_clear(t);
	*t = *work;
	am_auth_init(&work->auth);
	am_trusted_clear(work);
	return AM_OK;
}

void am_write_abort(struct am_vault *v, struct am_trusted *work)
{
	am_db_rollback(v);
	am_trusted_clear(work);
}

enum am_status am_trusted_check_entry(struct am_vault *v, const struct am_trusted *t,
				   const struct am_entry_pub *p, struct am_err *e)
{
	unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH], leaf[AM_HASH_LEN], hash[AM_HASH_LEN];
	unsigned char root[AM_HASH_LEN];
	size_t count = 0;

	if (p->h.seq >= t->size)
		return am_fail(e, AM_EVERIFY, "%s: entry %llu was not verified (the log verified "
			       "holds %llu entries)", v->path, (unsigned long long)p->h.seq,
			       (unsigned long long)t->size);
	am_entry_hash(hash, p->buf, p->len, p->sig);
	am_mt_leaf_hash(leaf, hash, AM_HASH_LEN);
	am_mt_frontier_root(&t->fr, root);
	if (am_mt_inclusion(am_tree_source, v, p->h.seq, t->size, proof, &count) != 0 ||
	    am_mt_verify_inclusion(p->h.seq, t->size, leaf, AM_MT_CONST(proof), count, root) != 0)
		return am_fail(e, AM_EVERIFY, "%s: entry %llu is not the entry the verified log holds "
			       "at this position (it was altered after it was verified); run 'amanat "
			       "verify'", v->path, (unsigned long long)p->h.seq);
	return AM_OK;
}
