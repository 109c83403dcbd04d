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
	struct am_verify_report r;

	return am_trust_ex(v, pin, out, &r, e);
}

enum am_status am_trust_ex(struct am_vault *v, const struct am_pin *pin, struct am_trusted **out,
			   struct am_verify_report *rep, struct am_err *e)
{
	struct am_verify_opts o;
	struct am_verify_report r;
	struct am_trusted *t;
	char want[AM_ORIGIN_MAX], got[AM_ORIGIN_MAX];
	enum am_status s;

	*out = NULL;
	memset(&r, 0, sizeof(r));
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
		char hint[96] = "";
		if (pin->size > 0)
			snprintf(hint, sizeof(hint), "; it does not extend the log of %llu entries you "
				 "trusted before", (unsigned long long)pin->size);
		s = report_problem(v, &r, hint, e);
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
	*rep = r;
	return AM_OK;
fail:
	*rep = r;
	if (s == AM_EVERIFY && r.ok) {
		/* a problem found after the walk (another vault, another genesis) */
		rep->ok = 0;
		snprintf(rep->reason, sizeof(rep->reason), "%.399s", e != NULL ? e->msg : "");
	}
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
