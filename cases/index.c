/*
 * index.c — every case record of a verified log up to a tree size, read back
 * from its entry (headers proved against the verified tree, fields decrypted
 * by a custodian whose reading is already recorded), those imported from
 * field vaults included, grouped by case so that the newest version of each
 * is found, and the difference between versions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../crypto/crypto.h"
#include "cases_int.h"

void cases_index_release(struct cases_index *x)
{
	for (size_t i = 0; i < x->n; i++)
		cases_record_release(&x->v[i].rec);
	free(x->v);
	memset(x, 0, sizeof(*x));
}

/* Put act values of "private.<act>.<name>" fields back on their acts; -1 for a stray one. */
static int attach_private(struct cases_record *r, const struct am_fields *f, int *oom)
{
	for (size_t i = 0; i < f->n; i++) {
		const char *name = f->v[i].name, *dot;
		size_t k;
		char want[65];

		if (strncmp(name, "private.", 8) != 0)
			continue;
		dot = strchr(name + 8, '.');
		if (dot == NULL)
			return -1;
		for (k = 0; k < r->nacts; k++) {
			cases_private_field(want, r->acts[k].act_id, dot + 1);
			if (strcmp(want, name) == 0)
				break;
		}
		if (k == r->nacts)
			return -1;
		{
			struct cases_act *a = &r->acts[k];
			struct cases_priv *g = realloc(a->priv, (a->npriv + 1) * sizeof(*g));
			if (g == NULL) {
				*oom = 1;
				return 0;
			}
			a->priv = g;
			a->priv[a->npriv].name = cases_strndup(dot + 1, strlen(dot + 1), oom);
			a->priv[a->npriv++].value = cases_strndup((const char *)f->v[i].value,
								  f->v[i].vlen, oom);
		}
	}
	return 0;
}

/* One case entry's fields into version v: 1 when it holds a record or withdrawal, 0 if not. */
static int read_version(struct cases_json *j, const struct am_fields *f, struct cases_version *v,
			int *oom)
{
	const struct am_field *id = am_fields_get(f, "case");
	const struct am_field *rec = am_fields_get(f, "case.record");
	const struct am_field *wd = am_fields_get(f, "case.withdrawn");
	struct cases_problems probs;

	if (id == NULL || (rec == NULL && wd == NULL))
		return 0;
	cases_problems_init(&probs);
	if (wd != NULL) {
		v->rec.withdrawn = 1;
		v->rec.case_id = cases_strndup((const char *)id->value, id->vlen, oom);
		v->rec.reason = cases_strndup((const char *)wd->value, wd->vlen, oom);
		v->problem = rec != NULL;
	} else if (cases_record_parse(j, (const char *)rec->value, rec->vlen, NULL, NULL, &v->rec,
				      &probs) != 0 ||
		   v->rec.case_id == NULL || strlen(v->rec.case_id) != id->vlen ||
		   memcmp(v->rec.case_id, id->value, id->vlen) != 0 ||
		   attach_private(&v->rec, f, oom) != 0) {
		v->problem = 1;
	}
	if (v->rec.case_id == NULL)
		v->rec.case_id = cases_strndup((const char *)id->value, id->vlen, oom);
	cases_problems_release(&probs);
	return 1;
}

/*
 * A version imported from a field vault: who sealed it there and when, and
 * its field entry numbers (supersedes, sources) as this vault's; a number
 * that names no imported entry makes the version a problem (not counted).
 */
static void from_field(const struct cases_fmap *fm, const struct am_header *o,
		       struct cases_version *v)
{
	v->imported = 1;
	memcpy(v->field_id, o->vault_id, AM_VAULT_ID_LEN);
	v->field_seq = o->seq;
	v->sealed_at_ms = o->sealed_at_ms;
	memcpy(v->signer, o->signer, AM_SIGN_PK_LEN);
	v->supersedes = UINT64_MAX;
	if (o->nrefs > 0 &&
	    cases_fmap_get(fm, o->vault_id, am_header_ref(o, 0), &v->supersedes) != 0) {
		v->supersedes = UINT64_MAX;
		v->problem = 1;
	}
	for (size_t i = 0; i < v->rec.nacts; i++)
		for (size_t k = 0; k < v->rec.acts[i].nsrc; k++) {
			struct cases_source *src = &v->rec.acts[i].src[k];
			if (cases_fmap_get(fm, o->vault_id, src->entry, &src->entry) != 0)
				v->problem = 1;
		}
}

static int by_case_then_seq(const void *a, const void *b)
{
	const struct cases_version *x = a, *y = b;
	int c = strcmp(x->rec.case_id ? x->rec.case_id : "", y->rec.case_id ? y->rec.case_id : "");

	return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

enum am_status cases_index_load(struct am_vault *v, const struct am_trusted *t,
				const struct am_identity *reader, struct cases_json *j,
				uint64_t size, unsigned char *types, struct cases_index *x,
				struct am_err *e)
{
	struct am_entry_pub p;
	struct am_fields f;
	struct am_import_view iv;
	struct cases_fmap fm = { NULL, 0 };
	size_t cap = 0;
	int oom = 0;
	enum am_status s = AM_OK;

	memset(x, 0, sizeof(*x));
	memset(&p, 0, sizeof(p));
	x->size = size;
	if (size > am_trusted_size(t))
		return am_fail(e, AM_EINPUT, "tree size %llu is beyond the verified log (%llu entries)",
			       (unsigned long long)size, (unsigned long long)am_trusted_size(t));
	s = cases_vocab_load(j, e);
	for (uint64_t seq = 0; s == AM_OK && seq < size && !oom; seq++) {
		struct cases_version *nv;

		s = am_entry_read_trusted(v, t, seq, &p, e);
		if (s != AM_OK)
			break;
		if (types != NULL)
			types[seq] = (unsigned char)am_entry_kind(&p.h);
		/* every import, to translate field entry numbers (they come in order) */
		if (p.h.type == AM_T_IMPORT && reader != NULL) {
			s = am_import_view(&p.h, &iv, e);
			if (s == AM_OK && cases_fmap_add(&fm, iv.orig.vault_id, iv.orig.seq, seq) < 0)
				oom = 1;
			if (s != AM_OK || oom) {
				am_entry_pub_release(&p);
				break;
			}
		}
		if (am_entry_kind(&p.h) != AM_T_CASE || reader == NULL) {
			am_entry_pub_release(&p);
			continue;
		}
		if (am_can_open(v, reader, seq, NULL) != AM_OK) {
			x->unreadable++;
			am_entry_pub_release(&p);
			continue;
		}
		am_fields_init(&f);
		s = am_open_fields(v, reader, seq, &f, e);
		if (s == AM_OK && x->n == cap) {
			size_t nc = cap ? 2 * cap : 256;
			struct cases_version *g = realloc(x->v, nc * sizeof(*g));
			if (g == NULL)
				oom = 1;
			else
				x->v = g, cap = nc;
		}
		if (s == AM_OK && !oom) {
			nv = &x->v[x->n];
			memset(nv, 0, sizeof(*nv));
			nv->seq = seq;
			nv->supersedes = p.h.nrefs > 0 ? am_header_ref(&p.h, 0) : UINT64_MAX;
			nv->sealed_at_ms = p.h.sealed_at_ms;
			memcpy(nv->signer, p.h.signer, AM_SIGN_PK_LEN);
			if (read_version(j, &f, nv, &oom)) {
				if (p.h.type == AM_T_IMPORT)
					from_field(&fm, &iv.orig, nv);
				x->bad += nv->problem;
				x->n++;
			} else {
				cases_record_release(&nv->rec);
				x->plain++;
			}
		}
		am_fields_release(&f);
		am_entry_pub_release(&p);
	}
	cases_fmap_release(&fm);
	if (s == AM_OK && oom)
		s = am_fail(e, AM_ENOMEM, "out of memory reading the case records");
	if (s != AM_OK) {
		cases_index_release(x);
		return s;
	}
	if (x->n > 0)
		qsort(x->v, x->n, sizeof(*x->v), by_case_then_seq);
	return AM_OK;
}

void cases_versions(const struct cases_index *x, const char *id, size_t *first, size_t *count)
{
	size_t lo = 0, hi = x->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(x->v[mid].rec.case_id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (hi = lo; hi < x->n && strcmp(x->v[hi].rec.case_id, id) == 0; hi++)
		;
	*count = hi - lo;
}

const struct cases_version *cases_newest(const struct cases_index *x, const char *id)
{
	size_t first, count;

	cases_versions(x, id, &first, &count);
	return count > 0 ? &x->v[first + count - 1] : NULL;
}

int cases_is_newest(const struct cases_index *x, size_t i)
{
	return i + 1 == x->n || strcmp(x->v[i].rec.case_id, x->v[i + 1].rec.case_id) != 0;
}

/* ---- differences between versions -------------------------------------- */

/* "path\0value" lines of one record, for comparing. */
struct flat {
	char **kv;
	size_t n;
	int oom;
};

static void flat_add(struct flat *fl, const char *path, const char *value)
{
	size_t pl = strlen(path), vl = strlen(value);
	char **g = realloc(fl->kv, (fl->n + 1) * sizeof(*g)), *s;

	if (g == NULL || (s = malloc(pl + vl + 2)) == NULL) {
		if (g != NULL)
			fl->kv = g;
		fl->oom = 1;
		return;
	}
	fl->kv = g;
	memcpy(s, path, pl + 1);
	memcpy(s + pl + 1, value, vl + 1);
	fl->kv[fl->n++] = s;
}

static void flatten(const struct cases_record *r, struct flat *fl)
{
	char path[160], val[512];

	if (r->withdrawn) {
		flat_add(fl, "withdrawn", r->reason ? r->reason : "");
		return;
	}
	flat_add(fl, "vocabulary", r->vocabulary ? r->vocabulary : "");
	if (r->summary != NULL)
		flat_add(fl, "summary", r->summary);
	val[0] = '\0';
	for (size_t i = 0; i < r->nscopes; i++)
		snprintf(val + strlen(val), sizeof(val) - strlen(val), "%s%s", i ? "," : "", r->scopes[i]);
	flat_add(fl, "consent_scopes", val);
	for (size_t i = 0; i < r->nacts; i++) {
		const struct cases_act *a = &r->acts[i];
		const char *names[] = { "act_type", "place.province", "place.district", "victim.pseudonym",
					"victim.sex", "victim.age_group", "victim.affiliation",
					"perpetrator", "status" };
		const char *vals[] = { a->act_type, a->province, a->district, a->victim, a->sex,
				       a->age_group, a->affiliation, a->perpetrator, a->status };
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			snprintf(path, sizeof(path), "acts[%s].%s", a->act_id, names[k]);
			flat_add(fl, path, vals[k] ? vals[k] : "");
		}
		snprintf(path, sizeof(path), "acts[%s].date", a->act_id);
		snprintf(val, sizeof(val), "%s (%s)", a->date ? a->date : "",
			 cases_precision_name(a->precision));
		flat_add(fl, path, val);
		val[0] = '\0';
		for (size_t k = 0; k < a->nsrc; k++)
			snprintf(val + strlen(val), sizeof(val) - strlen(val), "%sentry %llu (%s)",
				 k ? ", " : "", (unsigned long long)a->src[k].entry, a->src[k].reliability);
		snprintf(path, sizeof(path), "acts[%s].sources", a->act_id);
		flat_add(fl, path, val);
		for (size_t k = 0; k < a->npriv; k++) {
			snprintf(path, sizeof(path), "acts[%s].private.%s", a->act_id, a->priv[k].name);
			flat_add(fl, path, a->priv[k].value);
		}
	}
}

static int by_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void flat_release(struct flat *fl)
{
	for (size_t i = 0; i < fl->n; i++) {
		am_wipe(fl->kv[i], strlen(fl->kv[i]) + 1 + strlen(fl->kv[i] + strlen(fl->kv[i]) + 1));
		free(fl->kv[i]);
	}
	free(fl->kv);
}

enum am_status cases_diff(const struct cases_record *a, const struct cases_record *b, char **out,
			  struct am_err *e)
{
	struct flat fa = { NULL, 0, 0 }, fb = { NULL, 0, 0 };
	struct am_buf buf;
	size_t i = 0, k = 0;

	*out = NULL;
	/* a withdrawal replaces nothing field by field: say its reason alone */
	if (b->withdrawn)
		a = NULL;
	if (a != NULL)
		flatten(a, &fa);
	flatten(b, &fb);
	if (fa.n)
		qsort(fa.kv, fa.n, sizeof(char *), by_path);
	if (fb.n)
		qsort(fb.kv, fb.n, sizeof(char *), by_path);
	am_buf_init(&buf);
	while (i < fa.n || k < fb.n) {
		int c = i == fa.n ? 1 : k == fb.n ? -1 : strcmp(fa.kv[i], fb.kv[k]);
		const char *path = c <= 0 ? fa.kv[i] : fb.kv[k];
		const char *old = c <= 0 ? fa.kv[i] + strlen(fa.kv[i]) + 1 : NULL;
		const char *now = c >= 0 ? fb.kv[k] + strlen(fb.kv[k]) + 1 : NULL;
		if (old == NULL || now == NULL || strcmp(old, now) != 0) {
			am_buf_addf(&buf, "%s: ", path);
			if (a != NULL) {
				am_buf_add(&buf, old ? old : "(none)", strlen(old ? old : "(none)"));
				am_buf_add(&buf, " -> ", 4);
			}
			am_buf_add(&buf, now ? now : "(none)", strlen(now ? now : "(none)"));
			am_buf_u8(&buf, '\n');
		}
		i += c <= 0;
		k += c >= 0;
	}
	am_buf_u8(&buf, '\0');
	{
		size_t n;
		*out = fa.oom || fb.oom ? NULL : (char *)am_buf_detach(&buf, &n);
	}
	am_buf_release(&buf);
	flat_release(&fa);
	flat_release(&fb);
	return *out != NULL ? AM_OK : am_fail(e, AM_ENOMEM, "out of memory");
}
