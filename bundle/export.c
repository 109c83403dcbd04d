/*
 * export.c — choosing what an export contains: the custody record made
 * before anything is decrypted, selection, consent, the entries whose proofs
 * the bundle carries, and the record of the finished bundle.  bundle.c
 * writes the files.
 */
#include "export_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* 1 when the request withholds field name. */
static int withheld(const struct am_export_req *req, const char *name)
{
	return bundle_withheld(req->withhold, req->nwithhold, name);
}

void am_export_result_release(struct am_export_result *r)
{
	free(r->refused);
	memset(r, 0, sizeof(*r));
}

static void ctx_release(struct ex_ctx *x)
{
	for (size_t i = 0; i < x->nitems; i++) {
		struct ex_item *it = &x->items[i];
		am_entry_pub_release(&it->pub);
		am_fields_release(&it->f);
		free(it->withheld);
		free(it->payload);
		free(it->custody);
		free(it->scopes);
	}
	free(x->items);
	for (size_t i = 0; i < x->nentries; i++)
		am_entry_pub_release(&x->entries[i].pub);
	free(x->entries);
	am_members_release(&x->ms);
	am_checkpoint_release(&x->cp);
	free(x->opens);
	free(x->walk);
	ex_refmap_release(&x->refmap);
}

/*
 * The k-th entry the walks of the log visit: every entry of the n, or with
 * the index only those it found (the rest would change nothing).
 */
static int walk_at(const struct ex_ctx *x, uint64_t n, uint64_t k, uint64_t *seq)
{
	if (!x->indexed) {
		*seq = k;
		return k < n;
	}
	if (k >= x->nwalk)
		return 0;
	*seq = x->walk[k];
	return 1;
}

/* Keep the public part of entry seq for the bundle (once). */
static enum am_status keep_entry(struct ex_ctx *x, uint64_t seq, struct am_err *e)
{
	struct ex_entry *g;
	size_t at = x->nentries;

	if (ex_entry_find(x, seq) != NULL)
		return AM_OK;
	g = realloc(x->entries, (x->nentries + 1) * sizeof(*g));
	if (g == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	x->entries = g;
	while (at > 0 && x->entries[at - 1].seq > seq) {
		x->entries[at] = x->entries[at - 1];
		at--;
	}
	x->entries[at].seq = seq;
	x->nentries++;
	return am_entry_read_trusted(x->v, x->req->trusted, seq, &x->entries[at].pub, e);
}

static int explicitly(const struct am_export_req *req, uint64_t seq)
{
	for (size_t i = 0; i < req->nseqs; i++)
		if (req->seqs[i] == seq)
			return 1;
	return 0;
}

static int has_filters(const struct am_export_req *req)
{
	return req->ncases > 0 || req->types != 0 || req->has_from || req->has_to;
}

/* Filters that need no decryption. */
static int public_match(const struct am_export_req *req, const struct am_header *h)
{
	if (req->types != 0 && !(req->types & (1u << am_entry_kind(h))))
		return 0;
	if (req->has_from && h->sealed_at_ms < req->from_ms)
		return 0;
	if (req->has_to && h->sealed_at_ms > req->to_ms)
		return 0;
	return 1;
}

static int case_match(const struct am_export_req *req, const struct am_fields *f)
{
	const struct am_field *c = am_fields_get(f, "case");

	if (req->ncases == 0)
		return 1;
	for (size_t i = 0; c != NULL && i < req->ncases; i++)
		if (c->vlen == strlen(req->cases[i]) && memcmp(c->value, req->cases[i], c->vlen) == 0)
			return 1;
	return 0;
}

/* 1 when f records consent (any consent.* field). */
static int has_consent(const struct am_fields *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (strncmp(f->v[i].name, "consent.", 8) == 0)
			return 1;
	return 0;
}

/*
 * Who may amend an item's consent: the officer who sealed it (who obtained
 * the consent), or a custodian or admin.  Another officer's entry that
 * merely refers to the item changes nothing.
 */
static int may_amend(const struct ex_ctx *x, const struct ex_item *it, const struct am_header *h)
{
	unsigned char by[AM_SIGN_PK_LEN], sealer[AM_SIGN_PK_LEN];
	const struct am_auth *a;

	/* for imports, who sealed them in the field, not who pulled them (§25) */
	ex_sealer(h, by);
	ex_sealer(&it->pub.h, sealer);
	if (memcmp(by, sealer, AM_SIGN_PK_LEN) == 0)
		return 1;
	/* the roles the amender held when sealing the amendment, not today's */
	if (am_auth_at(x->v, h->auth_seq, h->vault_id, &a, NULL) != AM_OK)
		return 0;
	return (am_auth_roles(a, by) & (AM_ROLE_CUSTODIAN | AM_ROLE_ADMIN)) != 0;
}

/* Take the consent.* fields of f as the consent in force for it. */
static void take_consent(struct ex_item *it, const struct am_fields *f)
{
	const struct am_field *sc = am_fields_get(f, "consent.scopes");
	const struct am_field *wd = am_fields_get(f, "consent.withdrawn");
	int any = 0;

	for (size_t i = 0; i < f->n; i++)
		if (strncmp(f->v[i].name, "consent.", 8) == 0)
			any = 1;
	if (!any)
		return;
	it->has_consent = 1;
	free(it->scopes);
	it->scopes = sc ? strndup((const char *)sc->value, sc->vlen) : NULL;
	it->withdrawn = wd != NULL && !(wd->vlen == 2 && memcmp(wd->value, "no", 2) == 0);
}

static int scope_listed(const char *list, const char *scope)
{
	size_t n = strlen(scope);
	const char *p = list;

	while (p != NULL && *p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncmp(p, scope, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return 1;
		p = strchr(p, ',');
	}
	return 0;
}

/* Why consent does not cover this export, or NULL when it does. */
static const char *consent_gap(const struct ex_item *it, const char *scope)
{
	if (!it->has_consent)
		return am_entry_kind(&it->pub.h) == AM_T_TESTIMONY ? "no consent is recorded for this testimony"
							 : NULL;
	if (it->withdrawn)
		return "consent was withdrawn";
	if (it->scopes == NULL || !scope_listed(it->scopes, scope))
		return "recorded consent does not cover this scope";
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The most entries one custody record names (the vault's limit on references). */
#define AM_MAX_NAMED 65536u

static int in_sorted(const uint64_t *set, size_t n, uint64_t seq)
{
	return n > 0 && bsearch(&seq, set, n, sizeof(*set), cmp_u64) != NULL;
}

/* 1 when seq is among the entries the opening record names. */
static int opens(const struct ex_ctx *x, uint64_t seq)
{
	return in_sorted(x->opens, x->nopens, seq);
}

/* Append seq (larger than any before) to a sorted set of at most AM_MAX_NAMED. */
static enum am_status set_add(uint64_t **set, size_t *n, size_t *cap, uint64_t seq,
			      struct am_err *e)
{
	if (*n == AM_MAX_NAMED)
		return am_fail(e, AM_EINPUT, "the selection would open more than %u entries, more "
			       "than one custody record can name; narrow it", AM_MAX_NAMED);
	if (am_u64_push(set, n, cap, seq) != 0)
		return am_fail(e, AM_ENOMEM, "out of memory");
	return AM_OK;
}

/*
 * Before anything is decrypted, from public headers only: every entry whose
 * metadata the selection will open, for the opening custody record to name.
 * Those are the entries named by number, every evidence entry the other
 * filters match on its header (a --case filter opens each one's metadata to
 * read its case), and every evidence entry referring to one of those, which
 * may amend its consent.  select_items opens these and no other.  An entry
 * named by number that is not evidence is refused here, before the record.
 */
static enum am_status plan_opens(struct ex_ctx *x, uint64_t n, struct am_err *e)
{
	const struct am_export_req *req = x->req;
	enum am_status s = AM_OK;
	uint64_t *cand = NULL; /* the entries that may become items */
	size_t ncand = 0, candcap = 0, cap = 0;
	uint64_t seq;

	for (uint64_t k = 0; s == AM_OK && walk_at(x, n, k, &seq); k++) {
		struct am_entry_pub p;
		int wanted = 0, refers = 0;

		s = am_entry_read_trusted(x->v, x->req->trusted, seq, &p, e);
		if (s == AM_OK)
			s = ex_refmap_note(&x->refmap, seq, &p.h, e);
		if (s != AM_OK) {
			am_entry_pub_release(&p);
			break;
		}
		/* an import is the field entry it carries (docs/FORMAT.md §25) */
		if (am_entry_kind(&p.h) >= AM_T_TESTIMONY && am_entry_kind(&p.h) <= AM_T_CASE) {
			uint64_t *refs;
			size_t nrefs;
			wanted = explicitly(req, seq) || (has_filters(req) && public_match(req, &p.h));
			/* refers to an earlier candidate: a possible consent amendment */
			s = ex_refs(&x->refmap, &p.h, &refs, &nrefs, e);
			for (size_t r = 0; s == AM_OK && r < nrefs; r++)
				refers |= in_sorted(cand, ncand, refs[r]);
			free(refs);
		} else if (explicitly(req, seq)) {
			s = am_fail(e, AM_EINPUT, "entry %llu is not testimony, a document, media or "
				    "a case record: there is nothing to export",
				    (unsigned long long)seq);
		}
		am_entry_pub_release(&p);
		if (s == AM_OK && wanted)
			s = set_add(&cand, &ncand, &candcap, seq, e);
		if (s == AM_OK && (wanted || refers))
			s = set_add(&x->opens, &x->nopens, &cap, seq, e);
	}
	free(cand);
	return s;
}

/* Walk the log once: items, consent amendments, custody and enrollments. */
static enum am_status select_items(struct ex_ctx *x, uint64_t n, struct am_export_result *res,
				   struct am_err *e)
{
	const struct am_export_req *req = x->req;
	enum am_status s = AM_OK;
	uint64_t seq;

	for (uint64_t k = 0; s == AM_OK && walk_at(x, n, k, &seq); k++) {
		struct am_entry_pub p;
		struct am_fields f;
		int evidence, wanted;

		s = am_entry_read_trusted(x->v, x->req->trusted, seq, &p, e);
		if (s != AM_OK)
			break;
		am_fields_init(&f);
		evidence = am_entry_kind(&p.h) >= AM_T_TESTIMONY && am_entry_kind(&p.h) <= AM_T_CASE;
		if (am_type_authority(p.h.type)) {
			s = keep_entry(x, seq, e); /* enrollments: the court replays them */
			am_entry_pub_release(&p);
			continue;
		}
		/* imports of public and custody field entries, and acks: nothing of an item's */
		if (!am_header_sealed(&p.h) ||
		    (p.h.type == AM_T_IMPORT && am_entry_kind(&p.h) == AM_T_CUSTODY)) {
			am_entry_pub_release(&p);
			continue;
		}
		if (p.h.type == AM_T_CUSTODY) {
			for (uint32_t r = 0; r < p.h.nrefs && s == AM_OK; r++)
				for (size_t i = 0; i < x->nitems && s == AM_OK; i++)
					if (x->items[i].seq == am_header_ref(&p.h, r))
						s = keep_entry(x, seq, e);
			am_entry_pub_release(&p);
			continue;
		}
		wanted = explicitly(req, seq) || (has_filters(req) && public_match(req, &p.h));
		if (evidence) {
			/* a later entry referring to an item may amend its consent */
			int refers = 0;
			enum am_status os = AM_EAUTH;
			uint64_t *refs = NULL;
			size_t nrefs = 0;
			s = ex_refs(&x->refmap, &p.h, &refs, &nrefs, e);
			for (size_t r = 0; r < nrefs; r++)
				for (size_t i = 0; i < x->nitems; i++)
					refers |= x->items[i].seq == refs[r];
			/* only what the opening record named (plan_opens) is opened */
			if (s == AM_OK && (wanted || refers) && opens(x, seq))
				os = am_open_fields(x->v, req->custodian, seq, &f, e);
			if (os == AM_OK && refers)
				for (size_t r = 0; r < nrefs && s == AM_OK; r++)
					for (size_t i = 0; i < x->nitems && s == AM_OK; i++)
						if (x->items[i].seq == refs[r] &&
						    may_amend(x, &x->items[i], &p.h) && has_consent(&f)) {
							take_consent(&x->items[i], &f);
							/* the court sees the amendment it was decided by */
							s = keep_entry(x, seq, e);
						}
			free(refs);
			if (!wanted) {
				am_err_init(e);
			} else if (os == AM_EAUTH && !explicitly(req, seq)) {
				res->unreadable++; /* sealed before this custodian was enrolled */
				am_err_init(e);
			} else if (os != AM_OK) {
				s = os;
			} else if (explicitly(req, seq) || case_match(req, &f)) {
				struct ex_item *g = realloc(x->items, (x->nitems + 1) * sizeof(*g));
				if (g == NULL) {
					s = am_fail(e, AM_ENOMEM, "out of memory");
				} else {
					x->items = g;
					memset(&g[x->nitems], 0, sizeof(*g));
					g[x->nitems].seq = seq;
					g[x->nitems].pub = p;
					g[x->nitems].f = f;
					memset(&p, 0, sizeof(p));
					am_fields_init(&f);
					take_consent(&g[x->nitems], &g[x->nitems].f);
					x->nitems++;
				}
			}
		}
		am_fields_release(&f);
		am_entry_pub_release(&p);
	}
	/* the entry at the tip of the proved tree, so the court sees where the chain ends */
	if (s == AM_OK && n > 0)
		s = keep_entry(x, n - 1, e);
	/* everything named by number must be an item */
	for (size_t i = 0; s == AM_OK && i < req->nseqs; i++) {
		int found = 0;
		for (size_t j = 0; j < x->nitems; j++)
			found |= x->items[j].seq == req->seqs[i];
		if (!found)
			s = am_fail(e, AM_EINPUT, "entry %llu is not testimony, a document, media or a "
				    "case record: there is nothing to export", (unsigned long long)req->seqs[i]);
	}
	return s;
}

/* Apply consent: drop what it does not cover, unless overridden. */
static enum am_status apply_consent(struct ex_ctx *x, struct am_export_result *res,
				    struct am_err *e)
{
	size_t keep = 0;

	res->refused = calloc(x->nitems ? x->nitems : 1, sizeof(*res->refused));
	if (res->refused == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	for (size_t i = 0; i < x->nitems; i++) {
		struct ex_item *it = &x->items[i];
		const char *gap = consent_gap(it, x->req->scope);
		if (gap != NULL && x->req->override_consent == NULL) {
			struct am_export_refusal *r = &res->refused[res->nrefused++];
			r->seq = it->seq;
			snprintf(r->reason, sizeof(r->reason), "%s", gap);
			am_entry_pub_release(&it->pub);
			am_fields_release(&it->f);
			free(it->scopes);
			continue;
		}
		if (gap != NULL)
			res->overridden++;
		x->items[keep++] = *it;
	}
	x->nitems = keep;
	return AM_OK;
}

/*
 * Drop carried custody entries and consent amendments that touch no exported
 * item: a reading or amendment of a refused item must not reveal it.
 */
static enum am_status prune_custody(struct ex_ctx *x, struct am_err *e)
{
	size_t keep = 0;

	for (size_t i = 0; i < x->nentries; i++) {
		const struct am_header *h = &x->entries[i].pub.h;
		/* authority entries and the tip: the court replays the whole chain to the tree */
		int wanted = am_type_authority(h->type) || x->entries[i].seq + 1 == x->cp.size;
		uint64_t *refs;
		size_t nrefs;
		enum am_status s = ex_refs(&x->refmap, h, &refs, &nrefs, e);
		if (s != AM_OK)
			return s;
		for (size_t r = 0; !wanted && r < nrefs; r++)
			for (size_t k = 0; !wanted && k < x->nitems; k++)
				wanted = x->items[k].seq == refs[r];
		free(refs);
		if (wanted)
			x->entries[keep++] = x->entries[i];
		else
			am_entry_pub_release(&x->entries[i].pub);
	}
	x->nentries = keep;
	return AM_OK;
}

/* Name the items, mark withheld fields, carry their custody history. */
static enum am_status prepare_items(struct ex_ctx *x, struct am_err *e)
{
	for (size_t i = 0; i < x->nitems; i++) {
		struct ex_item *it = &x->items[i];
		const struct am_field *fn;
		char name[101];
		size_t k = 0;
		enum am_status s;

		snprintf(it->id, sizeof(it->id), "AMN-%06zu", i + 1);
		it->withheld = calloc(it->f.n ? it->f.n : 1, 1);
		if (it->withheld == NULL)
			return am_fail(e, AM_ENOMEM, "out of memory");
		for (size_t j = 0; j < it->f.n; j++)
			it->withheld[j] = (unsigned char)withheld(x->req, it->f.v[j].name);
		fn = am_fields_get(&it->f, "filename");
		if (fn != NULL && !withheld(x->req, "filename")) {
			/*
			 * keep a safe form of the original name, UTF-8 included; each
			 * character a name may not hold becomes '_' (the exact name is
			 * in the fields), and no name starts with '.', so none is "..".
			 */
			for (size_t j = 0; j < fn->vlen;) {
				int ok;
				size_t len = bundle_name_char(fn->value + j, fn->vlen - j, &ok);
				if (k == 0 && fn->value[j] == '.') {
					j++;
					continue;
				}
				if (k + (ok ? len : 1) > sizeof(name) - 1)
					break; /* never cut a character in two */
				if (ok)
					memcpy(name + k, fn->value + j, len);
				else
					name[k] = '_';
				k += ok ? len : 1;
				j += len;
			}
		}
		name[k] = '\0';
		if (k == 0)
			snprintf(name, sizeof(name), "content");
		k = strlen(it->id) + strlen(name) + 8;
		it->payload = malloc(k);
		if (it->payload == NULL)
			return am_fail(e, AM_ENOMEM, "out of memory");
		snprintf(it->payload, k, "data/%s/%s", it->id, name);
		s = keep_entry(x, it->seq, e);
		if (s != AM_OK)
			return s;
		for (size_t j = 0; j < x->nentries; j++) {
			const struct am_header *h = &x->entries[j].pub.h;
			if (h->type != AM_T_CUSTODY)
				continue;
			for (uint32_t r = 0; r < h->nrefs; r++) {
				if (am_header_ref(h, r) != it->seq)
					continue;
				uint64_t *g = realloc(it->custody, (it->ncustody + 1) * sizeof(*g));
				if (g == NULL)
					return am_fail(e, AM_ENOMEM, "out of memory");
				it->custody = g;
				it->custody[it->ncustody++] = h->seq;
			}
		}
	}
	return AM_OK;
}

/* Add a text field to a custody record. */
static enum am_status put(struct am_fields *f, const char *name, const char *value,
			  struct am_err *e)
{
	return am_fields_set(f, name, value, strlen(value), e);
}

/* The custody record made before anything is decrypted. */
static enum am_status record_start(struct ex_ctx *x, uint64_t n, uint64_t *seq, struct am_err *e)
{
	const struct am_export_req *req = x->req;
	struct am_fields f;
	struct am_buf sel;
	uint64_t *refs = NULL;
	size_t nrefs = 0;
	enum am_status s;
	char tmp[96];

	am_fields_init(&f);
	am_buf_init(&sel);
	(void)n;
	/* every entry whose metadata or content will be decrypted (plan_opens) */
	refs = malloc((x->nopens ? x->nopens : 1) * sizeof(*refs));
	if (refs == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	if (x->nopens > 0)
		memcpy(refs, x->opens, x->nopens * sizeof(*refs));
	nrefs = x->nopens;
	for (size_t i = 0; i < req->ncases; i++) {
		am_buf_add(&sel, "case=", 5);
		am_buf_add(&sel, req->cases[i], strlen(req->cases[i]));
		am_buf_u8(&sel, ';');
	}
	for (unsigned t = AM_T_TESTIMONY; t <= AM_T_CASE; t++)
		if (req->types & (1u << t)) {
			snprintf(tmp, sizeof(tmp), "type=%s;", am_type_name(t));
			am_buf_add(&sel, tmp, strlen(tmp));
		}
	if (req->has_from || req->has_to) {
		snprintf(tmp, sizeof(tmp), "sealed=%lld..%lld;",
			 req->has_from ? (long long)req->from_ms : 0LL,
			 req->has_to ? (long long)req->to_ms : -1LL);
		am_buf_add(&sel, tmp, strlen(tmp));
	}
	am_buf_u8(&sel, '\0');
	s = put(&f, "action", "export", e);
	if (s == AM_OK)
		s = put(&f, "purpose", req->purpose, e);
	if (s == AM_OK)
		s = put(&f, "export.scope", req->scope, e);
	if (s == AM_OK && !sel.oom)
		s = put(&f, "export.selection", (const char *)sel.data, e);
	if (s == AM_OK && req->override_consent != NULL)
		s = put(&f, "export.override-consent", req->override_consent, e);
	if (s == AM_OK && req->recipient != NULL)
		s = put(&f, "export.for", req->recipient->name, e);
	if (s == AM_OK)
		s = am_record_custody_fields(x->v, req->trusted, req->custodian, AM_ACT_EXPORT, refs,
					     nrefs, &f, seq, e);
	free(refs);
	am_buf_release(&sel);
	am_fields_release(&f);
	return s;
}

/* The custody record of the finished bundle: its hash, items, refusals. */
static enum am_status record_done(struct ex_ctx *x, const struct am_export_result *res,
				  uint64_t start, uint64_t *seq, struct am_err *e)
{
	struct am_fields f;
	struct am_buf items, refused;
	uint64_t *refs;
	size_t nrefs = 0;
	char hex[2 * AM_HASH_LEN + 1], tmp[200];
	enum am_status s;

	am_fields_init(&f);
	am_buf_init(&items);
	am_buf_init(&refused);
	refs = malloc((x->nitems + res->nrefused + 1) * sizeof(*refs));
	if (refs == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	for (size_t i = 0; i < x->nitems; i++) {
		refs[nrefs++] = x->items[i].seq;
		snprintf(tmp, sizeof(tmp), "%s=%llu\n", x->items[i].id,
			 (unsigned long long)x->items[i].seq);
		am_buf_add(&items, tmp, strlen(tmp));
	}
	for (size_t i = 0; i < res->nrefused; i++) {
		refs[nrefs++] = res->refused[i].seq;
		snprintf(tmp, sizeof(tmp), "%llu: %s\n", (unsigned long long)res->refused[i].seq,
			 res->refused[i].reason);
		am_buf_add(&refused, tmp, strlen(tmp));
	}
	refs[nrefs++] = start;
	qsort(refs, nrefs, sizeof(*refs), cmp_u64);
	am_buf_u8(&items, '\0');
	am_buf_u8(&refused, '\0');
	s = put(&f, "action", "exported", e);
	am_hex(hex, res->tagmanifest_sha256, AM_HASH_LEN);
	if (s == AM_OK && x->nitems > 0)
		s = put(&f, "bundle.tagmanifest-sha256", hex, e);
	if (s == AM_OK && x->req->zip && x->nitems > 0) {
		am_hex(hex, res->file_sha256, AM_HASH_LEN);
		s = put(&f, "bundle.file-sha256", hex, e);
	}
	if (s == AM_OK && !items.oom)
		s = put(&f, "bundle.items", (const char *)items.data, e);
	if (s == AM_OK && !refused.oom && res->nrefused > 0)
		s = put(&f, "bundle.refused", (const char *)refused.data, e);
	snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)x->cp.size);
	if (s == AM_OK)
		s = put(&f, "bundle.tree-size", tmp, e);
	if (s == AM_OK)
		s = am_record_custody_fields(x->v, x->req->trusted, x->req->custodian, AM_ACT_EXPORTED,
					     refs, nrefs, &f, seq, e);
	free(refs);
	am_buf_release(&items);
	am_buf_release(&refused);
	am_fields_release(&f);
	return s;
}

/*
 * Forbid a withheld value in every form the bundle could hold it: as is, and
 * escaped as the JSON and HTML writers would write it.
 */
static enum am_status forbid_forms(struct am_sink *sink, const struct am_field *fl,
				   const char *label, struct am_err *e)
{
	struct am_buf j, h;
	enum am_status s = am_sink_forbid(sink, fl->value, fl->vlen, label, e);

	am_buf_init(&j);
	am_buf_init(&h);
	ex_json_str(&j, fl->value, fl->vlen);
	ex_html(&h, fl->value, fl->vlen);
	if (j.oom || h.oom)
		s = am_fail(e, AM_ENOMEM, "out of memory");
	/* without the quotes ex_json_str adds */
	if (s == AM_OK && j.len >= 2)
		s = am_sink_forbid(sink, j.data + 1, j.len - 2, label, e);
	if (s == AM_OK)
		s = am_sink_forbid(sink, h.data, h.len, label, e);
	am_buf_release(&j);
	am_buf_release(&h);
	return s;
}

enum am_status am_export(struct am_vault *v, const struct am_export_req *req,
			 struct am_export_result *res, struct am_err *e)
{
	struct ex_ctx x;
	struct am_sink *sink = NULL;
	const struct am_members *ms;
	const struct am_member *me;
	uint64_t n = 0;
	struct timespec ts;
	struct tm tm;
	time_t t;
	enum am_status s;

	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	x.v = v;
	x.req = req;
	if (!am_scope_ok(req->scope))
		return am_fail(e, AM_EINPUT, "'%s' is not a consent scope (internal, un-mechanism, "
			       "court, defence-identity, publication, re-contact)", req->scope);
	if (withheld(req, "sha256") || withheld(req, "size"))
		return am_fail(e, AM_EINPUT, "sha256 and size tie the exported file to its signed "
			       "header and cannot be withheld");
	if (req->nseqs == 0 && !has_filters(req))
		return am_fail(e, AM_EINPUT, "nothing selected: give --entry, --case, --type or dates");
	/* only a custodian exports, on the log as verified from their pin */
	ms = am_trusted_members(req->trusted);
	me = am_members_find(ms, req->custodian->sign_pk);
	if (me == NULL || !(me->roles & AM_ROLE_CUSTODIAN))
		return am_fail(e, AM_EAUTH, "%s is not a custodian of %s", req->custodian->name,
			       am_vault_path(v));
	n = am_trusted_size(req->trusted);
	for (size_t i = 0; i < req->nseqs; i++)
		if (req->seqs[i] >= n)
			return am_fail(e, AM_EINPUT, "%s has no entry %llu", am_vault_path(v),
				       (unsigned long long)req->seqs[i]);
	clock_gettime(CLOCK_REALTIME, &ts);
	x.now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	t = ts.tv_sec;
	gmtime_r(&t, &tm);
	strftime(x.date, sizeof(x.date), "%Y-%m-%d", &tm);
	/*
	 * The output first, unnamed: an -o that exists, or whose directory does
	 * not, is refused before anything is recorded or signed.
	 */
	s = am_sink_open(&sink, req->recipient ? 2 : req->zip ? 1 : 0, req->out, x.now_ms,
			 req->recipient ? req->recipient->box_pk : NULL, e);
	if (s != AM_OK)
		return s;
	/*
	 * The bundle proves against the tree as it is before the export's own
	 * records, in a checkpoint the exporting custodian signs now: the court
	 * then knows whose key to ask for, and it covers only what was verified.
	 */
	s = am_vault_checkpoint(v, req->trusted, req->custodian, &x.cp, e);
	if (s == AM_OK) {
		n = x.cp.size;
		am_origin(x.origin, am_trusted_vault_id(req->trusted));
		s = am_vault_members(req->trusted, &x.ms, e);
	}
	/* each walk of the log in one read transaction: no lock taken per row */
	if (s == AM_OK)
		s = am_vault_read_begin(v, e);
	/* items named by number alone: only what the index finds refers to them */
	if (s == AM_OK && req->index != NULL && !has_filters(req) &&
	    am_trusted_size(req->trusted) == n) {
		s = ex_index_walk(&x, req->index, n, &res->index_why, e);
		x.indexed = s == AM_OK;
		if (s != AM_OK)
			am_vault_read_end(v);
	}
	if (s == AM_OK) {
		s = plan_opens(&x, n, e);
		am_vault_read_end(v);
	}
	if (s == AM_OK)
		s = record_start(&x, n, &res->custody_before, e);
	if (s == AM_OK)
		s = am_vault_read_begin(v, e);
	if (s == AM_OK) {
		s = select_items(&x, n, res, e);
		am_vault_read_end(v);
	}
	if (s == AM_OK)
		s = apply_consent(&x, res, e);
	if (s == AM_OK && x.nitems == 0) {
		/* even an export that yields nothing leaves its refusals on the record */
		if (res->nrefused > 0)
			s = record_done(&x, res, res->custody_before, &res->custody_after, e);
		if (s == AM_OK)
			s = am_fail(e, AM_EINPUT, "no item to export%s", res->nrefused ? " (consent "
				    "refused every selected item)" : " matches the selection");
	}
	if (s == AM_OK) {
		s = prune_custody(&x, e);
		if (s == AM_OK)
			s = prepare_items(&x, e);
	}
	if (s == AM_OK) {
		/* named by what it holds, not by the file name, so exports repeat exactly */
		char base[64];
		snprintf(base, sizeof(base), "amanat-%.16s-%llu", x.origin + strlen("amanat/"),
			 (unsigned long long)x.cp.size);
		am_sink_base(sink, base);
	}
	/* what is withheld must appear nowhere: every byte written is searched */
	for (size_t i = 0; s == AM_OK && i < x.nitems; i++)
		for (size_t j = 0; s == AM_OK && j < x.items[i].f.n; j++)
			if (x.items[i].withheld[j]) {
				char label[120];
				snprintf(label, sizeof(label), "withheld field %s of entry %llu",
					 x.items[i].f.v[j].name, (unsigned long long)x.items[i].seq);
				s = forbid_forms(sink, &x.items[i].f.v[j], label, e);
			}
	if (s == AM_OK)
		s = ex_write_bundle(&x, sink, res->tagmanifest_sha256, e);
	/* complete, synced, and still without its name */
	if (s == AM_OK)
		s = am_sink_finish(sink, e);
	/* the file as written, ZIP or encrypted, goes into the closing record */
	if (s == AM_OK && (req->zip || req->recipient != NULL))
		s = am_sink_file_sha256(sink, res->file_sha256, e);
	if (s != AM_OK)
		goto cleanup;
	res->nitems = x.nitems;
	res->tree_size = x.cp.size;
	/*
	 * The closing record before the name: a bundle at OUT always has its
	 * record.  If recording fails, the unnamed bundle goes with the sink.
	 */
	s = record_done(&x, res, res->custody_before, &res->custody_after, e);
	if (s != AM_OK)
		goto cleanup;
	s = am_sink_commit(sink, e);
	sink = NULL;
	if (s != AM_OK) {
		char msg[sizeof(e->msg)];
		snprintf(msg, sizeof(msg), "%s", e->msg);
		am_fail(e, s, "%s (the export is recorded as custody entries %llu and %llu, but no "
			"bundle was left at %s)", msg, (unsigned long long)res->custody_before,
			(unsigned long long)res->custody_after, req->out);
	}
cleanup:
	am_sink_abort(sink);
	ctx_release(&x);
	return s;
}
