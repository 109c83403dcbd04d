/*
 * field_auth.c — the field vault's own membership, as the main vault's
 * imports prove it (docs/FORMAT.md §25.3): the imported originals of one
 * field vault, in order from its genesis, replayed with the vault rules of
 * §10.  Every imported original must be allowed by that membership, and the
 * field checkpoint a packet was proved under must be signed by one of its
 * members.  A verification that starts from a trusted point rebuilds a field
 * vault's membership the first time it meets one of its imports, by walking
 * the imports' links back to the field genesis.
 */
#include "import_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "note.h"

void am_fauths_init(struct am_fauths *c)
{
	memset(c, 0, sizeof(*c));
}

void am_fauths_release(struct am_fauths *c)
{
	for (size_t i = 0; i < c->n; i++)
		am_auth_release(&c->v[i].auth);
	free(c->v);
	am_fauths_init(c);
}

int am_auth_signed_note(const struct am_auth *auth, const struct am_checkpoint *c,
			unsigned roles)
{
	for (size_t i = 0; i < auth->ms.n; i++) {
		struct am_vkey k;
		if ((auth->ms.m[i].roles & roles) == 0)
			continue;
		am_vkey_make(&k, c->origin, AM_NOTE_ED25519, auth->ms.m[i].sign_pk);
		if (am_note_count_valid(c, &k, 1, NULL) == 1)
			return 1;
	}
	return 0;
}

/*
 * The cache slot of field vault id (*found set when it was there), added
 * empty when missing; NULL when out of memory.
 */
static struct am_fauth *slot(struct am_fauths *c, const unsigned char id[AM_VAULT_ID_LEN],
			     int *found)
{
	struct am_fauth *g;

	*found = 1;
	for (size_t i = 0; i < c->n; i++)
		if (am_equal(c->v[i].id, id, AM_VAULT_ID_LEN))
			return &c->v[i];
	*found = 0;
	g = realloc(c->v, (c->n + 1) * sizeof(*g));
	if (g == NULL)
		return NULL;
	c->v = g;
	g = &c->v[c->n++];
	memset(g, 0, sizeof(*g));
	memcpy(g->id, id, AM_VAULT_ID_LEN);
	am_auth_init(&g->auth);
	return g;
}

/*
 * Rebuild fa from the imports before h: follow each import's link to the one
 * before it (each proved to be in the verified tree fr), keep the field
 * authority entries they carry, and replay those from the genesis.
 */
static int rebuild(struct am_vault *v, const struct am_mt_frontier *fr, struct am_fauth *fa,
		   const struct am_header *h, char *why, size_t whylen)
{
	struct am_entry_pub *keep = NULL;
	size_t nkeep = 0;
	unsigned char root[AM_HASH_LEN], hash[AM_HASH_LEN];
	uint64_t at = h->nrefs == 1 ? am_header_ref(h, 0) : UINT64_MAX, first = UINT64_MAX;
	int rc = -1;

	am_auth_release(&fa->auth);
	am_auth_init(&fa->auth);
	fa->next = 0;
	am_mt_frontier_root(fr, root);
	while (at != UINT64_MAX) {
		struct am_entry_pub p;
		struct am_import_view iv;
		struct am_err e;

		am_err_init(&e);
		if (am_entry_read(v, at, &p, &e) != AM_OK) {
			snprintf(why, whylen, "the import it follows (entry %llu) cannot be read",
				 (unsigned long long)at);
			goto out;
		}
		am_entry_hash(hash, p.buf, p.len, p.sig);
		if (am_tree_holds(v, at, fr->n, root, hash) != 0 ||
		    am_import_view(&p.h, &iv, &e) != AM_OK || p.h.nrefs > 1) {
			snprintf(why, whylen, "the import it follows (entry %llu) is not a verified "
				 "import", (unsigned long long)at);
			am_entry_pub_release(&p);
			goto out;
		}
		if (first == UINT64_MAX)
			first = iv.orig.seq + 1;
		at = p.h.nrefs == 1 ? am_header_ref(&p.h, 0) : UINT64_MAX;
		/* rotations too: they move roles and are the authority link after them */
		if (!am_type_authority(iv.orig.type)) {
			am_entry_pub_release(&p);
			continue;
		}
		/* an authority entry of the field vault: kept (its buffer) to replay */
		{
			struct am_entry_pub *g = realloc(keep, (nkeep + 1) * sizeof(*g));
			if (g == NULL) {
				snprintf(why, whylen, "out of memory");
				am_entry_pub_release(&p);
				goto out;
			}
			keep = g;
			keep[nkeep++] = p;
		}
	}
	/* oldest first: the field vault's genesis, enrollments, revocations, rotations */
	while (nkeep > 0) {
		struct am_import_view iv;
		struct am_err e;
		char r[200];

		am_err_init(&e);
		if (am_import_view(&keep[nkeep - 1].h, &iv, &e) != AM_OK ||
		    am_auth_apply(&fa->auth, &iv.orig, r, sizeof(r)) != 0) {
			snprintf(why, whylen, "the field vault's enrollments imported before do not "
				 "replay");
			goto out;
		}
		am_entry_pub_release(&keep[--nkeep]);
	}
	fa->next = first == UINT64_MAX ? 0 : first;
	rc = 0;
out:
	while (nkeep > 0)
		am_entry_pub_release(&keep[--nkeep]);
	free(keep);
	return rc;
}

/*
 * No import of field vault id among the entries [lo, hi) of the verified
 * tree fr: those a verification starting at hi has not met, after the import
 * h follows.  So h follows the last import of its field vault, and no field
 * entry is imported twice (two chains, or a branch of one).
 */
static int none_between(struct am_vault *v, const struct am_mt_frontier *fr, uint64_t lo,
			uint64_t hi, const unsigned char id[AM_VAULT_ID_LEN], char *why,
			size_t whylen)
{
	unsigned char root[AM_HASH_LEN], hash[AM_HASH_LEN];
	char origin[AM_ORIGIN_MAX];

	am_mt_frontier_root(fr, root);
	am_origin(origin, id);
	for (uint64_t k = lo; k < hi; k++) {
		struct am_entry_pub p;
		struct am_import_view iv;
		struct am_err e;
		int other;

		am_err_init(&e);
		if (am_entry_read(v, k, &p, &e) != AM_OK) {
			snprintf(why, whylen, "entry %llu cannot be read", (unsigned long long)k);
			return -1;
		}
		am_entry_hash(hash, p.buf, p.len, p.sig);
		if (am_tree_holds(v, k, fr->n, root, hash) != 0) {
			am_entry_pub_release(&p);
			snprintf(why, whylen, "entry %llu is not the one in the verified log",
				 (unsigned long long)k);
			return -1;
		}
		other = p.h.type != AM_T_IMPORT || am_import_view(&p.h, &iv, &e) != AM_OK ||
			!am_equal(iv.orig.vault_id, id, AM_VAULT_ID_LEN);
		am_entry_pub_release(&p);
		if (!other) {
			snprintf(why, whylen, "%s's field entries were already imported up to entry %llu: "
				 "each is imported once, in order (two chains of one field vault)",
				 origin, (unsigned long long)k);
			return -1;
		}
	}
	return 0;
}

int am_fauth_step(struct am_vault *v, const struct am_mt_frontier *fr, struct am_fauths *c,
		  const struct am_header *h, const struct am_import_view *iv,
		  const struct am_checkpoint *cp, char *why, size_t whylen)
{
	int found = 0;
	struct am_fauth *fa = slot(c, iv->orig.vault_id, &found);
	char r[200];

	if (fa == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	/* one field vault, one chain of imports: each field entry comes in once, in order */
	if (found && fa->next != UINT64_MAX && iv->orig.seq != fa->next) {
		snprintf(why, whylen, "imports field entry %llu, but field entries 0-%llu of that "
			 "vault were already imported: each is imported once, in order (two chains "
			 "of one field vault)", (unsigned long long)iv->orig.seq,
			 (unsigned long long)fa->next - 1);
		return -1;
	}
	/* first met here: the imports before c->from are checked to end where h follows */
	if (!found && none_between(v, fr, h->nrefs == 1 ? am_header_ref(h, 0) + 1 : 0, c->from,
				   iv->orig.vault_id, why, whylen) != 0) {
		fa->next = UINT64_MAX;
		return -1;
	}
	if (fa->next != iv->orig.seq && rebuild(v, fr, fa, h, why, whylen) != 0)
		return -1;
	/*
	 * The authority links replay only through authority entries, so a field
	 * vault whose earlier entries are sealed ones replays to the same state.
	 */
	if (am_auth_apply(&fa->auth, &iv->orig, r, sizeof(r)) != 0) {
		fa->next = UINT64_MAX; /* rebuilt next time */
		snprintf(why, whylen, "field entry %llu breaks its own vault's rules: %s",
			 (unsigned long long)iv->orig.seq, r);
		return -1;
	}
	fa->next = iv->orig.seq + 1;
	/* the last entry a checkpoint covers: its signer is a member of the field vault */
	if (iv->orig.seq + 1 == cp->size && !am_auth_signed_note(&fa->auth, cp, AM_ROLE_ALL)) {
		snprintf(why, whylen, "the field checkpoint of %llu entries is not signed by a member "
			 "of the field vault", (unsigned long long)cp->size);
		return -1;
	}
	return 0;
}
