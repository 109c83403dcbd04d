/*
 * bundle_items.c — amanat/items/AMN-nnnnnn.json (docs/BUNDLE.md), each held
 * against the signed header of its entry: its type, its fields root
 * recomputed from the disclosed fields and the withheld digests, its
 * payload's SHA-256 and size against the disclosed sha256 and size fields,
 * and its custody list against the carried custody entries; and the set of
 * items against bundle.json's list and the payload files.  What index.html
 * shows of each item is kept for bundle_index.c.
 */
#include "bundle_verify_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITEMS_DIR "amanat/items/"

/* 1 when bundle.json's "withheld" patterns cover field name. */
static int withheld(const struct bv_ctx *x, const char *name)
{
	return bundle_withheld((const char *const *)x->withheld, x->nwithheld, name);
}

/* Whether a JSON text holds the escape \u0000, which SQLite cannot decode. */
static int has_nul_escape(const char *s, size_t n)
{
	for (size_t i = 0; i + 6 <= n; i++) {
		size_t bs = 0;
		if (memcmp(s + i, "\\u0000", 6) != 0)
			continue;
		while (bs < i && s[i - 1 - bs] == '\\')
			bs++;
		if (bs % 2 == 0)
			return 1;
	}
	return 0;
}

struct item_ctx {
	const char *file;
	const char *id;
	const struct bv_entry *en;
	const struct bv_file *payload;
	struct bv_page_item *pg;
	unsigned char (*digests)[AM_HASH_LEN];
	size_t count;
	char prev[AM_NAME_MAX + 2];
	int have_sha, have_size;
	size_t unknown; /* fields whose digest could not be read (each reported) */
};

/* One element of "fields": its digest, and the checks on sha256 and size. */
static void check_field(struct bv_ctx *x, struct item_ctx *ic, const char *el, size_t len)
{
	static const struct bv_keyspec disclosed[] = {
	    {"name", "text", 1},
	    {"value", "text", 0},
	    {"value_hex", "text", 0},
	    {"salt", "text", 1},
	};
	static const struct bv_keyspec wh[] = {{"withheld", "true", 1}, {"digest", "text", 1}};
	unsigned char *d = ic->digests[ic->count++];
	struct am_field fl;
	unsigned present;
	char *name = NULL, *salt = NULL, *val = NULL, what[160];
	size_t nlen = 0, slen = 0, vlen = 0;

	snprintf(what, sizeof(what), "%s field %zu", ic->file, ic->count);
	memset(d, 0, AM_HASH_LEN);
	ic->unknown++; /* until its digest is known */
	if (bv_js_object(x, what, el, len) != 0)
		return;
	if (bv_js_has(x, el, len, "$.withheld")) {
		if (bv_js_keys(x, what, el, len, wh, 2, &present) != 0)
			return;
		val = bv_js_text(x, el, len, "$.digest", &vlen);
		if (val == NULL || bv_lower_hex(d, AM_HASH_LEN, val, vlen) != 0)
			bv_problem(x, "%s: digest is not 64 lowercase hex digits", what);
		else
			ic->unknown--;
		free(val);
		return;
	}
	if (bv_js_keys(x, what, el, len, disclosed, 4, &present) != 0)
		return;
	if (((present >> 1) & 3) != 1 && ((present >> 1) & 3) != 2) {
		bv_problem(x, "%s: gives neither or both of value and value_hex", what);
		return;
	}
	name = bv_js_text(x, el, len, "$.name", &nlen);
	salt = bv_js_text(x, el, len, "$.salt", &slen);
	memset(&fl, 0, sizeof(fl));
	if (name == NULL || nlen != strlen(name) || !am_field_name_ok(name)) {
		bv_problem(x, "%s: name is not a field name (1-64 of a-z 0-9 _ . -)", what);
		goto done;
	}
	snprintf(what, sizeof(what), "%s field %s", ic->file, name);
	if (ic->prev[0] != '\0' && strcmp(ic->prev, name) >= 0)
		bv_problem(x, "%s: fields are not in the order of their names", what);
	snprintf(ic->prev, sizeof(ic->prev), "%s", name);
	if (salt == NULL || bv_lower_hex(fl.salt, AM_SALT_LEN, salt, slen) != 0) {
		bv_problem(x, "%s: salt is not 64 lowercase hex digits", what);
		goto done;
	}
	if (present & 2) {
		if (has_nul_escape(el, len)) {
			bv_problem(
			    x,
			    "%s: its value holds a NUL character (\\u0000), which this "
			    "verifier cannot decode exactly; it should be given as value_hex",
			    what);
			goto done;
		}
		val = bv_js_text(x, el, len, "$.value", &vlen);
		if (val == NULL)
			goto done;
		fl.value = (unsigned char *)val;
		fl.vlen = vlen;
	} else {
		char *hex = bv_js_text(x, el, len, "$.value_hex", &vlen);
		val = hex ? malloc(vlen / 2 + 1) : NULL;
		if (val == NULL || vlen % 2 != 0 ||
		    bv_lower_hex((unsigned char *)val, vlen / 2, hex, vlen) != 0) {
			bv_problem(x, "%s: value_hex is not lowercase hex", what);
			free(hex);
			goto done;
		}
		free(hex);
		fl.value = (unsigned char *)val;
		fl.vlen = vlen / 2;
	}
	fl.name = name;
	am_field_digest(d, &fl);
	ic->unknown--;
	if (withheld(x, name))
		bv_problem(x, "%s: is disclosed, but amanat/bundle.json says it is withheld", what);
	if (strcmp(name, "sha256") == 0 && ic->payload != NULL) {
		char hex[2 * AM_HASH_LEN + 1];
		am_hex(hex, ic->payload->sha256, AM_HASH_LEN);
		ic->have_sha = 1;
		if (fl.vlen != 64 || memcmp(fl.value, hex, 64) != 0)
			bv_problem(x, "%s: is not the sha-256 of %s (the payload is %s)", what,
			           ic->payload->name, hex);
	} else if (strcmp(name, "size") == 0 && ic->payload != NULL) {
		char dec[32];
		snprintf(dec, sizeof(dec), "%llu", (unsigned long long)ic->payload->real_size);
		ic->have_size = 1;
		if (fl.vlen != strlen(dec) || memcmp(fl.value, dec, fl.vlen) != 0)
			bv_problem(x, "%s: is not the size of %s (%s bytes)", what,
			           ic->payload->name, dec);
	}
	for (int k = 0; k < BUNDLE_PAGE_NFIELDS; k++)
		if (strcmp(name, bundle_page_fields[k]) == 0) {
			/* the value as decoded, for the page (val is freed below otherwise) */
			free(ic->pg->shown[k]);
			ic->pg->shown[k] = (unsigned char *)val;
			ic->pg->nshown[k] = fl.vlen;
			val = NULL;
		}
done:
	free(name);
	free(salt);
	free(val);
}

/* "fields": every element, then the root over all digests against the header. */
static void check_fields(struct bv_ctx *x, struct item_ctx *ic, const char *j, size_t len)
{
	sqlite3_stmt *st;
	unsigned char cnt[4], root[AM_HASH_LEN];
	am_sha256_ctx c;
	int rc = SQLITE_ERROR;

	ic->digests = calloc(AM_MAX_FIELDS, AM_HASH_LEN);
	if (ic->digests == NULL)
		return;
	/*
	 * check_field uses the other statements, never BV_JS_EACH: this one stays
	 * open, and the element's text (valid until the next step) is used in place.
	 */
	st = bv_js(x, BV_JS_EACH, j, len, "$.fields");
	while (st != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *el = (const char *)sqlite3_column_text(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1);

		if (ic->count == AM_MAX_FIELDS) {
			bv_problem(x, "%s: has more than %u fields", ic->file, AM_MAX_FIELDS);
			sqlite3_reset(st);
			goto done;
		}
		if (el == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		check_field(x, ic, el, n);
	}
	if (st == NULL || rc != SQLITE_DONE) {
		bv_problem(x, "%s: its fields cannot be read", ic->file);
		if (st != NULL)
			sqlite3_reset(st);
		goto done;
	}
	sqlite3_reset(st);
	am_sha256_init(&c);
	am_sha256_update(&c, AM_DOM_FIELDS, sizeof(AM_DOM_FIELDS));
	am_put_u32(cnt, (uint32_t)ic->count);
	am_sha256_update(&c, cnt, 4);
	for (size_t i = 0; i < ic->count; i++)
		am_sha256_update(&c, ic->digests[i], AM_HASH_LEN);
	am_sha256_final(&c, root);
	if (ic->unknown == 0 && !am_equal(root, ic->en->h.fields_root, AM_HASH_LEN))
		bv_problem(x,
		           "%s: its fields do not recompute the fields root signed in entry %llu",
		           ic->file, (unsigned long long)ic->en->seq);
	if (ic->payload != NULL && ic->payload->real_size != ic->en->h.size)
		bv_problem(x, "%s: is %llu bytes, but entry %llu's signed header says %llu",
		           ic->payload->name, (unsigned long long)ic->payload->real_size,
		           (unsigned long long)ic->en->seq, (unsigned long long)ic->en->h.size);
	if (ic->payload != NULL && !ic->have_sha)
		bv_problem(x, "%s: does not disclose its sha256 field", ic->file);
	if (ic->payload != NULL && !ic->have_size)
		bv_problem(x, "%s: does not disclose its size field", ic->file);
done:
	free(ic->digests);
	ic->digests = NULL;
}

/* Whether h names seq among its refs (strictly increasing: a binary search). */
static int refers_to(const struct am_header *h, uint64_t seq)
{
	uint32_t lo = 0, hi = h->nrefs;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint64_t r = am_header_ref(h, mid);
		if (r == seq)
			return 1;
		if (r < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t s = *(const uint64_t *)a, t = *(const uint64_t *)b;
	return (s > t) - (s < t);
}

/* "custody": carried custody entries that refer to the item, and all of them. */
static void check_custody(struct bv_ctx *x, const char *file, const struct bv_entry *en,
                          const char *j, size_t len, struct bv_page_item *pg, int *bad)
{
	sqlite3_stmt *st = bv_js(x, BV_JS_EACH, j, len, "$.custody");
	uint64_t *listed = calloc(x->nents + 1, sizeof(*listed));
	size_t n = 0;
	int rc = SQLITE_ERROR, odd = 0;

	while (listed != NULL && st != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 1) != SQLITE_INTEGER ||
		    sqlite3_column_int64(st, 1) < 0) {
			odd = 1;
		} else if (n == x->nents + 1) {
			bv_problem(x, "%s: custody lists more entries than the bundle carries",
			           file);
			break;
		} else {
			listed[n++] = (uint64_t)sqlite3_column_int64(st, 1);
		}
	}
	if (st != NULL)
		sqlite3_reset(st);
	if (odd)
		bv_problem(x, "%s: custody holds something other than entry numbers", file);
	if (listed == NULL || rc != SQLITE_DONE) {
		if (rc != SQLITE_ROW)
			bv_problem(x, "%s: its custody list cannot be read", file);
		free(listed);
		return;
	}
	if (n > 1)
		qsort(listed, n, sizeof(*listed), cmp_u64);
	pg->custody = calloc(n ? n : 1, sizeof(*pg->custody));
	if (pg->custody == NULL)
		bv_problem(x, "%s: out of memory", file);
	for (size_t i = 0; i < n; i++) {
		const struct bv_entry *c;
		if (i > 0 && listed[i] == listed[i - 1]) {
			bv_problem(x, "%s: custody lists entry %llu more than once", file,
			           (unsigned long long)listed[i]);
			continue;
		}
		c = bv_entry_find(x, listed[i]);
		if (c == NULL) {
			bv_problem(x, "%s: custody entry %llu is not carried with a valid proof",
			           file, (unsigned long long)listed[i]);
			continue;
		}
		*bad |= c->bad;
		if (pg->custody != NULL)
			pg->custody[pg->ncustody++] = &c->h;
		if (c->h.type != AM_T_CUSTODY)
			bv_problem(x, "%s: custody names entry %llu, which is a %s entry", file,
			           (unsigned long long)listed[i], am_type_name(c->h.type));
		else if (!refers_to(&c->h, en->seq))
			bv_problem(x, "%s: custody entry %llu does not refer to entry %llu", file,
			           (unsigned long long)listed[i], (unsigned long long)en->seq);
	}
	/* and the other way round: every carried record of a reading of it is listed */
	for (size_t i = 0; i < x->nents; i++) {
		const struct bv_entry *c = &x->ents[i];
		if (c->h.type == AM_T_CUSTODY && refers_to(&c->h, en->seq) &&
		    (n == 0 || bsearch(&c->seq, listed, n, sizeof(*listed), cmp_u64) == NULL))
			bv_problem(x,
			           "%s: custody entry %llu refers to this item but is not in its "
			           "custody list",
			           file, (unsigned long long)c->seq);
	}
	free(listed);
}

/* One amanat/items/<id>.json. */
static void check_item(struct bv_ctx *x, const char *file, const char *id, const char *j,
                       size_t len, struct am_bundle_item *it, struct bv_page_item *pg)
{
	static const struct bv_keyspec ks[] = {
	    {"id", "text", 1},      {"seq", "integer", 1},  {"type", "text", 1},
	    {"payload", "text", 1}, {"fields", "array", 1}, {"custody", "array", 1},
	};
	struct item_ctx ic;
	struct bv_entry *en;
	const struct am_member *m;
	unsigned present = 0;
	char *s = NULL, prefix[48];
	size_t n = 0, before = x->r->nproblems + x->r->more_problems;
	uint64_t seq = 0;
	int bad = 0;

	memset(&ic, 0, sizeof(ic));
	ic.file = file;
	ic.id = id;
	ic.pg = pg;
	if (bv_js_object(x, file, j, len) != 0)
		return;
	/* go on after a key problem (reported): each value is checked as it is read */
	bv_js_keys(x, file, j, len, ks, 6, &present);
	if ((present & 1) &&
	    ((s = bv_js_text(x, j, len, "$.id", &n)) == NULL || strcmp(s, id) != 0))
		bv_problem(x, "%s: its id is not %s", file, id);
	free(s);
	s = NULL;
	snprintf(prefix, sizeof(prefix), "data/%s/", id);
	s = (present & 8) ? bv_js_text(x, j, len, "$.payload", &n) : NULL;
	if (!(present & 8)) {
		/* reported */
	} else if (s == NULL || n != strlen(s) || strncmp(s, prefix, strlen(prefix)) != 0 ||
	           strchr(s + strlen(prefix), '/') != NULL || !bv_path_ok(s, n)) {
		bv_problem(x, "%s: payload is not a file name under %s", file, prefix);
	} else if ((ic.payload = bv_reader_find(x->rd, s)) == NULL) {
		bv_problem(x, "%s: its payload %s is missing", file, s);
	} else {
		it->payload = strdup(s);
		if (ic.payload->hashed)
			memcpy(it->sha256, ic.payload->sha256, AM_HASH_LEN);
		else
			ic.payload = NULL; /* unreadable: already reported */
	}
	free(s);
	s = NULL;
	if (!(present & 2))
		return;
	if (bv_js_u64(x, j, len, "$.seq", &seq) != 0) {
		bv_problem(x, "%s: seq is not an entry number", file);
		return;
	}
	it->seq = seq;
	en = bv_entry_find(x, seq);
	if (en == NULL) {
		bv_problem(x, "%s: entry %llu is not carried with a valid proof in amanat/entries/",
		           file, (unsigned long long)seq);
		return;
	}
	ic.en = en;
	pg->en = en;
	it->type = am_entry_kind(&en->h);
	it->sealed_at_ms = en->h.sealed_at_ms;
	it->size = en->h.size;
	memcpy(it->signer, en->h.signer, AM_SIGN_PK_LEN);
	if (en->h.type == AM_T_IMPORT) {
		/* who sealed it, and when, in the field (checked in the replay) */
		struct am_import_view iv;
		struct am_err ie;
		am_err_init(&ie);
		if (am_import_view(&en->h, &iv, &ie) == AM_OK) {
			it->sealed_at_ms = iv.orig.sealed_at_ms;
			memcpy(it->signer, iv.orig.signer, AM_SIGN_PK_LEN);
			it->imported = 1;
			am_origin(it->field_origin, iv.orig.vault_id);
			it->field_seq = iv.orig.seq;
		}
	}
	m = x->have_auth ? am_members_find(&x->auth.ms, it->signer) : NULL;
	if (m != NULL)
		snprintf(it->signer_name, sizeof(it->signer_name), "%s", m->name);
	/* an import is the field entry it carries (docs/FORMAT.md §25) */
	if (am_entry_kind(&en->h) < AM_T_TESTIMONY || am_entry_kind(&en->h) > AM_T_CASE)
		bv_problem(x,
		           "%s: entry %llu is a %s entry, not testimony, a document, media or a "
		           "case record",
		           file, (unsigned long long)seq, am_type_name(en->h.type));
	if ((present & 4) && ((s = bv_js_text(x, j, len, "$.type", &n)) == NULL ||
	                      am_type_from_name(s) != am_entry_kind(&en->h)))
		bv_problem(x, "%s: type is not %s, the type signed in entry %llu", file,
		           am_type_name(am_entry_kind(&en->h)), (unsigned long long)seq);
	free(s);
	if (present & 16)
		check_fields(x, &ic, j, len);
	if (present & 32)
		check_custody(x, file, en, j, len, pg, &bad);
	it->ok = !bad && !en->bad && x->r->nproblems + x->r->more_problems == before;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void bv_check_items(struct bv_ctx *x)
{
	const size_t pl = strlen(ITEMS_DIR);
	char **payloads = NULL;
	size_t npayloads = 0;

	for (size_t i = 0; i < bv_reader_count(x->rd); i++) {
		struct bv_file *f = bv_reader_at(x->rd, i);
		struct am_bundle_item *g;
		struct bv_page_item *page;
		const char *id = f->name + pl;
		char idbuf[32], *idp = idbuf;
		size_t idlen, len = 0;
		unsigned char *buf;

		if (strncmp(f->name, ITEMS_DIR, pl) != 0)
			continue;
		idlen = strlen(id);
		if (idlen < 5 || strcmp(id + idlen - 5, ".json") != 0 ||
		    !bv_item_id_ok(id, idlen - 5)) {
			bv_problem(x, "%s: is not named AMN-nnnnnn.json", f->name);
			continue;
		}
		snprintf(idbuf, sizeof(idbuf), "%.*s", (int)(idlen - 5), id);
		if (x->have_json &&
		    (x->nlisted == 0 ||
		     bsearch(&idp, x->listed, x->nlisted, sizeof(*x->listed), cmp_str) == NULL))
			bv_problem(x, "%s: amanat/bundle.json does not list item %s", f->name,
			           idbuf);
		buf = bv_load(x, f->name, BV_MAX_ITEM_JSON, &len, 1);
		if (buf == NULL)
			continue;
		page = realloc(x->pages, (x->npages + 1) * sizeof(*page));
		if (page != NULL)
			x->pages = page;
		g = page ? realloc(x->r->items, (x->r->nitems + 1) * sizeof(*g)) : NULL;
		if (g == NULL) {
			free(buf);
			bv_problem(x, "%s: out of memory", f->name);
			continue;
		}
		x->r->items = g;
		g = &g[x->r->nitems++];
		memset(g, 0, sizeof(*g));
		page = &x->pages[x->npages++];
		memset(page, 0, sizeof(*page));
		snprintf(g->id, sizeof(g->id), "%s", idbuf);
		check_item(x, f->name, idbuf, (const char *)buf, len, g, page);
		free(buf);
		if (g->payload != NULL) {
			char **pg = realloc(payloads, (npayloads + 1) * sizeof(*pg));
			if (pg != NULL) {
				payloads = pg;
				payloads[npayloads++] = g->payload; /* borrowed from the report */
			}
		}
	}
	for (size_t k = 0; k < x->nlisted; k++) {
		char path[64];
		snprintf(path, sizeof(path), ITEMS_DIR "%s.json", x->listed[k]);
		if (bv_item_id_ok(x->listed[k], strlen(x->listed[k])) &&
		    bv_reader_find(x->rd, path) == NULL)
			bv_problem(x, "amanat/bundle.json: lists item %s, but %s is missing",
			           x->listed[k], path);
	}
	if (x->r->nitems == 0)
		bv_problem(x, ITEMS_DIR ": the bundle holds no item");
	if (npayloads > 0)
		qsort(payloads, npayloads, sizeof(*payloads), cmp_str);
	for (size_t i = 0; i < bv_reader_count(x->rd); i++) {
		const char *name = bv_reader_at(x->rd, i)->name;
		if (strncmp(name, "data/", 5) == 0 &&
		    (npayloads == 0 ||
		     bsearch(&name, payloads, npayloads, sizeof(*payloads), cmp_str) == NULL))
			bv_problem(x, "%s: no item names this file as its payload", name);
	}
	free(payloads);
}

void bv_items_release(struct bv_ctx *x)
{
	for (size_t i = 0; i < x->npages; i++) {
		for (int k = 0; k < BUNDLE_PAGE_NFIELDS; k++)
			free(x->pages[i].shown[k]);
		free(x->pages[i].custody);
	}
	free(x->pages);
	x->pages = NULL;
	x->npages = 0;
}
