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

void am_trusted_root(const struct am_trusted *t, unsigned char root[AM_HASH_LEN])
{
	am_mt_frontier_root(&t->fr, root);
}
