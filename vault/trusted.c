/*
 * trusted.c — the verified state (struct am_trusted) as a value: made,
 * copied, cleared, and read by the layers above.  What fills it is
 * verify.c's; what advances it, trust.c's and write.c's.
 */
#include "vault_int.h"

#include <stdlib.h>
#include <string.h>

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
