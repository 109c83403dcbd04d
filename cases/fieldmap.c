/*
 * fieldmap.c — where a field vault's entries sit in this vault: the imports
 * of field vault F, in order, are F's entries 0, 1, 2, ... (docs/FORMAT.md
 * §25.3), so a field entry number found inside an imported case record (its
 * supersedes ref, its acts' sources) names the main-vault entry here.
 */
#include <stdlib.h>
#include <string.h>

#include "cases_int.h"

void cases_fmap_release(struct cases_fmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].main);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static struct cases_fvault *find(const struct cases_fmap *m, const unsigned char *id)
{
	for (size_t i = 0; i < m->n; i++)
		if (memcmp(m->v[i].id, id, AM_VAULT_ID_LEN) == 0)
			return &m->v[i];
	return NULL;
}

/* Record that field entry field_seq of vault id is main entry main_seq: -1 out of memory, 1 out of order. */
int cases_fmap_add(struct cases_fmap *m, const unsigned char *id, uint64_t field_seq,
		   uint64_t main_seq)
{
	struct cases_fvault *f = find(m, id);

	if (f == NULL) {
		struct cases_fvault *g = realloc(m->v, (m->n + 1) * sizeof(*g));
		if (g == NULL)
			return -1;
		m->v = g;
		f = &m->v[m->n++];
		memset(f, 0, sizeof(*f));
		memcpy(f->id, id, AM_VAULT_ID_LEN);
	}
	/* a verified log holds each field vault whole and in order: anything else is not used */
	if (field_seq != f->n)
		return 1;
	if (f->n == f->cap) {
		size_t nc = f->cap ? 2 * f->cap : 64;
		uint64_t *g = realloc(f->main, nc * sizeof(*g));
		if (g == NULL)
			return -1;
		f->main = g;
		f->cap = nc;
	}
	f->main[f->n++] = main_seq;
	return 0;
}

/* The main-vault entry of field entry field_seq of vault id: 0 and *main_seq, or -1 when not imported. */
int cases_fmap_get(const struct cases_fmap *m, const unsigned char *id, uint64_t field_seq,
		   uint64_t *main_seq)
{
	const struct cases_fvault *f = find(m, id);

	if (f == NULL || field_seq >= f->n)
		return -1;
	*main_seq = f->main[field_seq];
	return 0;
}
