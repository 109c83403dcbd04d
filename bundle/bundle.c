/*
 * bundle.c — the files of an evidence bundle (docs/BUNDLE.md): proofs, item
 * records, BagIt tag files, the printable index (rendered by index_html.c,
 * which verify-bundle calls too), manifests and the minisign signature.
 * Files go to the sink in byte order of their names, so a ZIP of the same
 * selection at the same tree size has the same bytes.
 */
#include "export_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../crypto/minisign.h"
#include "../vault/proof.h"

struct slot {
	char *path;
	struct am_buf buf;      /* a tag file's bytes */
	const struct ex_item *item; /* or a payload */
};

struct slots {
	struct slot *v;
	size_t n;
};

static void json_cstr(struct am_buf *b, const char *s)
{
	ex_json_str(b, (const unsigned char *)s, strlen(s));
}

static struct slot *new_slot(struct slots *ss, const char *path)
{
	struct slot *g = realloc(ss->v, (ss->n + 1) * sizeof(*g));

	if (g == NULL)
		return NULL;
	ss->v = g;
	g = &ss->v[ss->n];
	memset(g, 0, sizeof(*g));
	am_buf_init(&g->buf);
	g->path = strdup(path);
	if (g->path == NULL)
		return NULL;
	ss->n++;
	return g;
}

static void slots_release(struct slots *ss)
{
	for (size_t i = 0; i < ss->n; i++) {
		free(ss->v[i].path);
		am_buf_release(&ss->v[i].buf);
	}
	free(ss->v);
}

/* amanat/entries/<seq>.tlog-proof for every entry the bundle carries. */
static enum am_status proofs(struct ex_ctx *x, struct slots *ss, struct am_err *e)
{
	unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH];
	char path[64];

	for (size_t i = 0; i < x->nentries; i++) {
		const struct ex_entry *en = &x->entries[i];
		struct am_buf extra;
		struct slot *sl;
		size_t count = 0;
		enum am_status s;

		/* the custodian signs the bundle: only proofs that hold against its checkpoint */
		s = am_prove_entry(x->v, en->seq, &en->pub, &x->cp, proof, &count, e);
		if (s != AM_OK)
			return s;
		snprintf(path, sizeof(path), "amanat/entries/%llu.tlog-proof",
			 (unsigned long long)en->seq);
		sl = new_slot(ss, path);
		if (sl == NULL)
			return am_fail(e, AM_ENOMEM, "out of memory");
		am_buf_init(&extra);
		am_buf_add(&extra, en->pub.buf, en->pub.len);
		am_buf_add(&extra, en->pub.sig, AM_SIG_LEN);
		am_inclusion_format(&sl->buf, extra.data, extra.len, en->seq, AM_MT_CONST(proof),
				    count, &x->cp);
		am_buf_release(&extra);
	}
	return AM_OK;
}

/* amanat/items/<id>.json: disclosed fields with salts, digests of the rest. */
static void item_json(const struct ex_ctx *x, const struct ex_item *it, struct am_buf *b)
{
	char hex[2 * AM_SALT_LEN + 1];
	unsigned char d[AM_HASH_LEN];

	(void)x;
	am_buf_addf(b, "{\n  \"id\": \"%s\",\n  \"seq\": %llu,\n  \"type\": \"%s\",\n  \"payload\": ",
		    it->id, (unsigned long long)it->seq, am_type_name(am_entry_kind(&it->pub.h)));
	json_cstr(b, it->payload);
	ADDS(b, ",\n  \"fields\": [");
	for (size_t j = 0; j < it->f.n; j++) {
		const struct am_field *fl = &it->f.v[j];
		am_buf_add(b, j ? ",\n    " : "\n    ", j ? 6 : 5);
		if (it->withheld[j]) {
			am_field_digest(d, fl);
			am_hex(hex, d, AM_HASH_LEN);
			am_buf_addf(b, "{\"withheld\": true, \"digest\": \"%s\"}", hex);
			continue;
		}
		ADDS(b, "{\"name\": ");
		json_cstr(b, fl->name);
		if (ex_utf8_ok(fl->value, fl->vlen)) {
			ADDS(b, ", \"value\": ");
			ex_json_str(b, fl->value, fl->vlen);
		} else {
			/* not text: give the exact bytes, so the digest can be recomputed */
			char *vh = malloc(2 * fl->vlen + 1);
			if (vh == NULL) {
				b->oom = 1;
				return;
			}
			am_hex(vh, fl->value, fl->vlen);
			ADDS(b, ", \"value_hex\": \"");
			am_buf_add(b, vh, 2 * fl->vlen);
			am_buf_u8(b, '"');
			free(vh);
		}
		am_hex(hex, fl->salt, AM_SALT_LEN);
		am_buf_addf(b, ", \"salt\": \"%s\"}", hex);
	}
	ADDS(b, "\n  ],\n  \"custody\": [");
	for (size_t j = 0; j < it->ncustody; j++)
		am_buf_addf(b, "%s%llu", j ? ", " : "", (unsigned long long)it->custody[j]);
	ADDS(b, "]\n}\n");
}

static void bundle_json(const struct ex_ctx *x, struct am_buf *b)
{
	char kid[2 * AM_KEYID_LEN + 1];

	am_key_id_hex(kid, x->req->custodian->sign_pk);
	am_buf_addf(b, "{\n  \"format\": \"amanat-bundle-1\",\n  \"origin\": \"%s\",\n"
		       "  \"tree_size\": %llu,\n  \"exported_by\": {\"name\": ",
		    x->origin, (unsigned long long)x->cp.size);
	json_cstr(b, x->req->custodian->name);
	am_buf_addf(b, ", \"key_id\": \"%s\"},\n  \"scope\": ", kid);
	json_cstr(b, x->req->scope);
	ADDS(b, ",\n  \"items\": [");
	for (size_t i = 0; i < x->nitems; i++)
		am_buf_addf(b, "%s\"%s\"", i ? ", " : "", x->items[i].id);
	ADDS(b, "],\n  \"withheld\": [");
	for (size_t i = 0; i < x->req->nwithhold; i++) {
		if (i)
			ADDS(b, ", ");
		json_cstr(b, x->req->withhold[i]);
	}
	ADDS(b, "]\n}\n");
}

static void bag_info(const struct ex_ctx *x, struct am_buf *b)
{
	uint64_t bytes = 0;
	char kid[2 * AM_KEYID_LEN + 1], size[32];

	for (size_t i = 0; i < x->nitems; i++)
		bytes += x->items[i].pub.h.size;
	am_key_id_hex(kid, x->req->custodian->sign_pk);
	am_buf_addf(b, "Source-Organization: %s\n", x->origin);
	am_buf_addf(b, "Bagging-Date: %s\n", x->date);
	am_buf_addf(b, "External-Identifier: %s\n", x->origin + strlen("amanat/"));
	am_buf_addf(b, "External-Description: Evidence exported from an amanat vault, with its proofs\n");
	/* RFC 8493 §2.2.2: free text "intended for human consumption" */
	am_bundle_size_text(size, bytes);
	am_buf_addf(b, "Bag-Size: %s\n", size);
	am_buf_addf(b, "Payload-Oxum: %llu.%zu\n", (unsigned long long)bytes, x->nitems);
	am_buf_addf(b, "Bag-Count: 1 of 1\n");
	am_buf_addf(b, "Bag-Group-Identifier: %s@%llu\n", x->origin, (unsigned long long)x->cp.size);
	am_buf_addf(b, "Internal-Sender-Identifier: %s %s\n", x->req->custodian->name, kid);
}

/*
 * index.html from what the export writes: the same facts verify-bundle
 * reads back from the bundle (index_html.c renders both).
 */
static void index_html(const struct ex_ctx *x, struct am_buf *b)
{
	struct bundle_page pg;
	struct bundle_page_item *items = calloc(x->nitems ? x->nitems : 1, sizeof(*items));
	const struct am_header **cust = NULL;
	size_t ncust = 0, used = 0;

	for (size_t i = 0; i < x->nitems; i++)
		ncust += x->items[i].ncustody;
	cust = calloc(ncust ? ncust : 1, sizeof(*cust));
	if (items == NULL || cust == NULL) {
		b->oom = 1;
		goto done;
	}
	for (size_t i = 0; i < x->nitems; i++) {
		const struct ex_item *it = &x->items[i];
		struct bundle_page_item *pi = &items[i];

		pi->id = it->id;
		pi->h = &it->pub.h;
		pi->payload = it->payload;
		for (int k = 0; k < BUNDLE_PAGE_NFIELDS; k++) {
			const struct am_field *fl = am_fields_get(&it->f, bundle_page_fields[k]);
			if (fl != NULL && !it->withheld[fl - it->f.v]) {
				pi->shown[k].p = fl->value;
				pi->shown[k].n = fl->vlen;
			}
		}
		pi->custody = &cust[used];
		for (size_t j = 0; j < it->ncustody; j++) {
			const struct ex_entry *c = ex_entry_find(x, it->custody[j]);
			if (c != NULL)
				cust[used + pi->ncustody++] = &c->pub.h;
		}
		used += pi->ncustody;
	}
	memset(&pg, 0, sizeof(pg));
	pg.origin = x->origin;
	pg.tree_size = x->cp.size;
	pg.date = x->date;
	pg.exporter = x->req->custodian->name;
	pg.exporter_pk = x->req->custodian->sign_pk;
	pg.scope = x->req->scope;
	pg.withheld = x->req->nwithhold > 0;
	pg.ms = &x->ms;
	pg.items = items;
	pg.nitems = x->nitems;
	bundle_index_html(&pg, b);
done:
	free(items);
	free(cust);
}

static int cmp_slot(const void *a, const void *b)
{
	return strcmp(((const struct slot *)a)->path, ((const struct slot *)b)->path);
}

struct pw {
	struct am_sink *s;
};

static enum am_status to_sink(void *ctx, const void *p, size_t n, struct am_err *e)
{
	return am_sink_write(((struct pw *)ctx)->s, p, n, e);
}

/* Both payload manifests, then the tag manifest; its bytes are returned. */
static enum am_status manifests(struct am_sink *s, const struct slots *ss, struct am_buf *tag,
				struct am_err *e)
{
	struct am_buf m256, m512;
	char hex[2 * AM_SHA512_LEN + 1];
	const char *tagfiles[] = { "manifest-sha256.txt", "manifest-sha512.txt" };
	enum am_status st;

	am_buf_init(&m256);
	am_buf_init(&m512);
	for (size_t i = 0; i < ss->n; i++) {
		const struct am_sink_file *f = am_sink_find(s, ss->v[i].path);
		if (f == NULL)
			continue;
		if (ss->v[i].item != NULL) {
			am_hex(hex, f->sha256, AM_HASH_LEN);
			am_buf_addf(&m256, "%s  %s\n", hex, f->path);
			am_hex(hex, f->sha512, AM_SHA512_LEN);
			am_buf_add(&m512, hex, strlen(hex));
			am_buf_addf(&m512, "  %s\n", f->path);
		}
	}
	st = am_sink_add(s, tagfiles[0], m256.data, m256.len, 0, e);
	if (st == AM_OK)
		st = am_sink_add(s, tagfiles[1], m512.data, m512.len, 0, e);
	am_buf_release(&m256);
	am_buf_release(&m512);
	if (st != AM_OK)
		return st;
	/* every tag file, in name order, manifests included */
	for (size_t i = 0; i < ss->n + 2; i++) {
		const char *path = i < ss->n ? ss->v[i].path : tagfiles[i - ss->n];
		const struct am_sink_file *f;
		if (i < ss->n && ss->v[i].item != NULL)
			continue;
		f = am_sink_find(s, path);
		if (f == NULL)
			return am_fail(e, AM_EINPUT, "bundle file %s went missing", path);
		am_hex(hex, f->sha256, AM_HASH_LEN);
		am_buf_addf(tag, "%s  %s\n", hex, path);
	}
	if (tag->oom)
		return am_fail(e, AM_ENOMEM, "out of memory");
	return am_sink_add(s, "tagmanifest-sha256.txt", tag->data, tag->len, 0, e);
}

enum am_status ex_write_bundle(struct ex_ctx *x, struct am_sink *s,
			       unsigned char tagmanifest_sha[AM_HASH_LEN], struct am_err *e)
{
	struct slots ss = { NULL, 0 };
	struct am_buf tag;
	struct slot *sl;
	am_blake2b_ctx bc;
	unsigned char prehash[64];
	char path[256], sig[700], trusted[300], untrusted[120];
	enum am_status st = AM_OK;
	int oom = 0;

	am_buf_init(&tag);
	st = proofs(x, &ss, e);
	if (st != AM_OK)
		goto cleanup;
	if ((sl = new_slot(&ss, "amanat/bundle.json")) != NULL)
		bundle_json(x, &sl->buf);
	oom |= sl == NULL;
	if ((sl = new_slot(&ss, "amanat/checkpoint.txt")) != NULL)
		am_buf_add(&sl->buf, x->cp.text, x->cp.len);
	oom |= sl == NULL;
	if ((sl = new_slot(&ss, "amanat/signer.pub")) != NULL) {
		char pub[200];
		am_minisign_pubkey(x->req->custodian->sign_pk, pub, sizeof(pub));
		am_buf_add(&sl->buf, pub, strlen(pub));
	}
	oom |= sl == NULL;
	for (size_t i = 0; i < x->ms.n && !oom; i++) {
		struct am_identity id;
		char line[256], kid[2 * AM_KEYID_LEN + 1];
		am_identity_init(&id);
		snprintf(id.name, sizeof(id.name), "%s", x->ms.m[i].name);
		memcpy(id.sign_pk, x->ms.m[i].sign_pk, AM_SIGN_PK_LEN);
		memcpy(id.box_pk, x->ms.m[i].box_pk, AM_BOX_PK_LEN);
		am_key_id_hex(kid, id.sign_pk);
		snprintf(path, sizeof(path), "amanat/keys/%s-%s.pub", id.name, kid);
		if ((sl = new_slot(&ss, path)) == NULL || am_pub_format(&id, line, sizeof(line)) != AM_OK)
			oom = 1;
		else
			am_buf_add(&sl->buf, line, strlen(line));
	}
	for (size_t i = 0; i < x->nitems && !oom; i++) {
		snprintf(path, sizeof(path), "amanat/items/%s.json", x->items[i].id);
		if ((sl = new_slot(&ss, path)) != NULL)
			item_json(x, &x->items[i], &sl->buf);
		oom |= sl == NULL;
		if (!oom && (sl = new_slot(&ss, x->items[i].payload)) != NULL)
			sl->item = &x->items[i];
		oom |= sl == NULL;
	}
	if (!oom && (sl = new_slot(&ss, "bagit.txt")) != NULL)
		am_buf_addf(&sl->buf, "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n");
	oom |= sl == NULL;
	if (!oom && (sl = new_slot(&ss, "bag-info.txt")) != NULL)
		bag_info(x, &sl->buf);
	oom |= sl == NULL;
	if (!oom && (sl = new_slot(&ss, "index.html")) != NULL)
		index_html(x, &sl->buf);
	oom |= sl == NULL;
	for (size_t i = 0; i < ss.n; i++)
		oom |= ss.v[i].buf.oom;
	if (oom) {
		st = am_fail(e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	qsort(ss.v, ss.n, sizeof(*ss.v), cmp_slot);
	for (size_t i = 0; i < ss.n && st == AM_OK; i++) {
		const struct ex_item *it = ss.v[i].item;
		if (it == NULL) {
			st = am_sink_add(s, ss.v[i].path, ss.v[i].buf.data, ss.v[i].buf.len, 0, e);
			continue;
		}
		/* media is already compressed; deflating it again gains nothing */
		st = am_sink_begin(s, ss.v[i].path, it->pub.h.type == AM_T_MEDIA, e);
		if (st == AM_OK) {
			struct pw w = { s };
			st = am_extract_to(x->v, x->req->custodian, it->seq, to_sink, &w,
					   x->req->progress, e);
		}
		if (st == AM_OK)
			st = am_sink_end(s, e);
	}
	if (st == AM_OK)
		st = manifests(s, &ss, &tag, e);
	if (st != AM_OK)
		goto cleanup;
	am_sha256(tagmanifest_sha, tag.data, tag.len);
	am_blake2b512_init(&bc);
	am_blake2b512_update(&bc, tag.data, tag.len);
	am_blake2b512_final(&bc, prehash);
	snprintf(untrusted, sizeof(untrusted), "amanat bundle signature by %s",
		 x->req->custodian->name);
	snprintf(trusted, sizeof(trusted), "amanat bundle %s@%llu %s %s", x->origin,
		 (unsigned long long)x->cp.size, x->date, x->req->custodian->name);
	if (am_minisign_sign(prehash, untrusted, trusted, x->req->custodian->sign_sk,
			     x->req->custodian->sign_pk, sig, sizeof(sig)) != 0) {
		st = am_fail(e, AM_EINPUT, "signing the tag manifest failed");
		goto cleanup;
	}
	st = am_sink_add(s, "tagmanifest-sha256.txt.minisig", sig, strlen(sig), 0, e);
cleanup:
	am_buf_release(&tag);
	slots_release(&ss);
	return st;
}
