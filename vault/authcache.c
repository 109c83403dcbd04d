/*
 * authcache.c — the membership in force at an authority entry, for readers
 * that check, entry after entry, that each signer had the right to sign:
 * replayed through the signed authority links (authority.c) once per
 * auth_seq rather than once per entry.  Nearly every entry of a big vault
 * shares its auth_seq with the one before, so one remembered membership is
 * enough, and memory stays that of one membership whatever the log's size.
 */
#include "vault_int.h"

#include <stdlib.h>
#include <string.h>

static void cache_free(struct am_vault *v)
{
	if (v->auth_cache != NULL)
		am_auth_release(v->auth_cache);
	free(v->auth_cache);
	v->auth_cache = NULL;
}

enum am_status am_auth_at(struct am_vault *v, uint64_t at,
			  const unsigned char vid[AM_VAULT_ID_LEN], const struct am_auth **out,
			  struct am_err *e)
{
	const struct am_trusted *t = v->trusted;
	enum am_status s;

	*out = NULL;
	/* the log as verified from the pin holds the membership after its last authority entry */
	if (t != NULL && t->size > 0 && at == t->auth.last_seq &&
	    memcmp(vid, t->vault_id, AM_VAULT_ID_LEN) == 0) {
		*out = &t->auth;
		return AM_OK;
	}
	/* what was replayed is good for as long as the rows it was checked against */
	if (v->auth_cache != NULL && v->auth_cache_at == at && v->auth_cache_trust == t &&
	    memcmp(v->auth_cache_vid, vid, AM_VAULT_ID_LEN) == 0) {
		*out = v->auth_cache;
		return AM_OK;
	}
	cache_free(v);
	v->auth_cache = calloc(1, sizeof(*v->auth_cache));
	if (v->auth_cache == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	v->auth_cache_free = cache_free;
	s = am_auth_replay(v, at, vid, v->auth_cache, e);
	if (s != AM_OK) {
		free(v->auth_cache);
		v->auth_cache = NULL;
		return s;
	}
	v->auth_cache_at = at;
	v->auth_cache_trust = t;
	memcpy(v->auth_cache_vid, vid, AM_VAULT_ID_LEN);
	*out = v->auth_cache;
	return AM_OK;
}
