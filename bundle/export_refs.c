/*
 * export_refs.c — what an entry refers to, for consent amendments, when some
 * entries are imports (docs/FORMAT.md §25): an import's own ref is the link
 * to the previous import of its field vault, not a reference to that entry;
 * the references that mean something are its original's, which name entries
 * of the field vault, i.e. the imports of those entries here.
 */
#include "export_int.h"

#include <stdlib.h>
#include <string.h>

void ex_refmap_release(struct ex_refmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].seq);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

struct ex_fmap *ex_refmap_find(const struct ex_refmap *m, const unsigned char id[AM_VAULT_ID_LEN])
{
	for (size_t i = 0; i < m->n; i++)
		if (am_equal(m->v[i].id, id, AM_VAULT_ID_LEN))
			return &m->v[i];
	return NULL;
}

enum am_status ex_refmap_add(struct ex_refmap *m, const unsigned char fvid[AM_VAULT_ID_LEN],
			     uint64_t fseq, uint64_t seq, struct am_err *e)
{
	struct ex_fmap *f = ex_refmap_find(m, fvid);

	if (f == NULL) {
		struct ex_fmap *g = realloc(m->v, (m->n + 1) * sizeof(*g));
		if (g == NULL)
			return am_fail(e, AM_ENOMEM, "out of memory");
		m->v = g;
		f = &m->v[m->n++];
		memset(f, 0, sizeof(*f));
		memcpy(f->id, fvid, AM_VAULT_ID_LEN);
	}
	/* the verified log imports a field vault's entries once each, in order */
	if (fseq != f->n)
		return AM_OK;
	if (am_u64_push(&f->seq, &f->n, &f->cap, seq) != 0)
		return am_fail(e, AM_ENOMEM, "out of memory");
	return AM_OK;
}

enum am_status ex_refmap_note(struct ex_refmap *m, uint64_t seq, const struct am_header *h,
			      struct am_err *e)
{
	struct am_header o;

	if (am_import_original(h, &o) != 0)
		return AM_OK;
	return ex_refmap_add(m, o.vault_id, o.seq, seq, e);
}

enum am_status ex_refs(const struct ex_refmap *m, const struct am_header *h, uint64_t **out,
		       size_t *n, struct am_err *e)
{
	const struct am_header *src = h;
	const struct ex_fmap *f = NULL;
	struct am_header o;

	*out = NULL;
	*n = 0;
	if (h->type == AM_T_IMPORT) {
		if (am_import_original(h, &o) != 0 || (f = ex_refmap_find(m, o.vault_id)) == NULL)
			return AM_OK;
		src = &o;
	}
	if (src->nrefs == 0)
		return AM_OK;
	*out = malloc(src->nrefs * sizeof(**out));
	if (*out == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	for (uint32_t r = 0; r < src->nrefs; r++) {
		uint64_t ref = am_header_ref(src, r);
		if (f == NULL)
			(*out)[(*n)++] = ref;
		else if (ref < f->n)
			(*out)[(*n)++] = f->seq[ref];
	}
	return AM_OK;
}

void ex_sealer(const struct am_header *h, unsigned char pk[AM_SIGN_PK_LEN])
{
	struct am_header o;

	memcpy(pk, am_import_original(h, &o) == 0 ? o.signer : h->signer, AM_SIGN_PK_LEN);
}
