/*
 * bundle.c — the files of an evidence bundle (docs/BUNDLE.md): proofs, item
 * records, BagIt tag files, the printable index, manifests and the minisign
 * signature.  Files go to the sink in byte order of their names, so a ZIP of
 * the same selection at the same tree size has the same bytes.
 */
#include "export_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static void html_cstr(struct am_buf *b, const char *s)
{
	ex_html(b, (const unsigned char *)s, strlen(s));
}

static void addf(struct am_buf *b, const char *fmt, ...) AM_PRINTF(2, 3);
static void addf(struct am_buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		b->oom = 1;
	else
		am_buf_add(b, tmp, (size_t)n);
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

static void when(char out[32], int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)ms);
}

static const char *member_name(const struct ex_ctx *x, const unsigned char pk[AM_SIGN_PK_LEN],
			       char kid[2 * AM_KEYID_LEN + 1])
{
	const struct am_member *m = am_members_find(&x->ms, pk);

	am_key_id_hex(kid, pk);
	return m ? m->name : kid;
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

		s = am_prove_inclusion(x->v, en->seq, x->cp.size, proof, &count, e);
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
	addf(b, "{\n  \"id\": \"%s\",\n  \"seq\": %llu,\n  \"type\": \"%s\",\n  \"payload\": ", it->id,
	     (unsigned long long)it->seq, am_type_name(it->pub.h.type));
	json_cstr(b, it->payload);
	ADDS(b, ",\n  \"fields\": [");
	for (size_t j = 0; j < it->f.n; j++) {
		const struct am_field *fl = &it->f.v[j];
		am_buf_add(b, j ? ",\n    " : "\n    ", j ? 6 : 5);
		if (it->withheld[j]) {
			am_field_digest(d, fl);
			am_hex(hex, d, AM_HASH_LEN);
			addf(b, "{\"withheld\": true, \"digest\": \"%s\"}", hex);
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
		addf(b, ", \"salt\": \"%s\"}", hex);
	}
	ADDS(b, "\n  ],\n  \"custody\": [");
	for (size_t j = 0; j < it->ncustody; j++)
		addf(b, "%s%llu", j ? ", " : "", (unsigned long long)it->custody[j]);
	ADDS(b, "]\n}\n");
}

static void bundle_json(const struct ex_ctx *x, struct am_buf *b)
{
	char kid[2 * AM_KEYID_LEN + 1];

	am_key_id_hex(kid, x->req->custodian->sign_pk);
	addf(b, "{\n  \"format\": \"amanat-bundle-1\",\n  \"origin\": \"%s\",\n  \"tree_size\": %llu,\n"
		"  \"exported_by\": {\"name\": ", x->origin, (unsigned long long)x->cp.size);
	json_cstr(b, x->req->custodian->name);
	addf(b, ", \"key_id\": \"%s\"},\n  \"scope\": ", kid);
	json_cstr(b, x->req->scope);
	ADDS(b, ",\n  \"items\": [");
	for (size_t i = 0; i < x->nitems; i++)
		addf(b, "%s\"%s\"", i ? ", " : "", x->items[i].id);
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
	char kid[2 * AM_KEYID_LEN + 1];

	for (size_t i = 0; i < x->nitems; i++)
		bytes += x->items[i].pub.h.size;
	am_key_id_hex(kid, x->req->custodian->sign_pk);
	addf(b, "Source-Organization: %s\n", x->origin);
	addf(b, "Bagging-Date: %s\n", x->date);
	addf(b, "External-Identifier: %s\n", x->origin + strlen("amanat/"));
	addf(b, "External-Description: Evidence exported from an amanat vault, with its proofs\n");
	addf(b, "Bag-Size: %.1f MB\n", (double)bytes / 1e6);
	addf(b, "Payload-Oxum: %llu.%zu\n", (unsigned long long)bytes, x->nitems);
	addf(b, "Bag-Count: 1 of 1\n");
	addf(b, "Bag-Group-Identifier: %s@%llu\n", x->origin, (unsigned long long)x->cp.size);
	addf(b, "Internal-Sender-Identifier: %s %s\n", x->req->custodian->name, kid);
}

static int ex_withheld_item(const struct ex_item *it, const struct am_field *fl);

static void html_field(struct am_buf *b, const struct ex_item *it, const char *name)
{
	const struct am_field *fl = am_fields_get(&it->f, name);

	if (fl == NULL || ex_withheld_item(it, fl))
		ADDS(b, "&mdash;");
	else
		ex_html(b, fl->value, fl->vlen);
}

static void index_html(const struct ex_ctx *x, struct am_buf *b)
{
	char kid[2 * AM_KEYID_LEN + 1], t[32];

	addf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<title>Evidence bundle %s@%llu</title>\n", x->origin, (unsigned long long)x->cp.size);
	ADDS(b, "<style>\nbody{font-family:serif;margin:2em;max-width:60em}"
		      "table{border-collapse:collapse;width:100%;margin-bottom:1.5em}"
		      "td,th{border:1px solid #444;padding:.3em;vertical-align:top;text-align:left}"
		      "code{font-size:.85em;word-break:break-all}"
		      ".item{page-break-inside:avoid}"
		      "@media print{body{margin:0}}\n</style>\n</head>\n<body>\n");
	addf(b, "<h1>Evidence bundle</h1>\n<p>Exported from the amanat vault <code>%s</code> at tree "
		"size %llu on %s by ", x->origin, (unsigned long long)x->cp.size, x->date);
	html_cstr(b, x->req->custodian->name);
	am_key_id_hex(kid, x->req->custodian->sign_pk);
	addf(b, " (key <code>%s</code>), for the consent scope &ldquo;", kid);
	html_cstr(b, x->req->scope);
	addf(b, "&rdquo;. It holds %zu item%s.", x->nitems, x->nitems == 1 ? "" : "s");
	if (x->req->nwithhold > 0)
		ADDS(b, " Some fields were withheld; their commitments let the disclosed ones "
			      "be checked.");
	ADDS(b, "</p>\n");
	for (size_t i = 0; i < x->nitems; i++) {
		const struct ex_item *it = &x->items[i];
		char hex[2 * AM_HASH_LEN + 1];

		addf(b, "<div class=\"item\">\n<h2>%s</h2>\n<table>\n", it->id);
		addf(b, "<tr><th>Entry</th><td>%llu (%s)</td></tr>\n", (unsigned long long)it->seq,
		     am_type_name(it->pub.h.type));
		ADDS(b, "<tr><th>Title</th><td>");
		html_field(b, it, "title");
		ADDS(b, "</td></tr>\n<tr><th>Case</th><td>");
		html_field(b, it, "case");
		when(t, it->pub.h.sealed_at_ms);
		addf(b, "</td></tr>\n<tr><th>Sealed</th><td>%s (the sealer's clock) by ", t);
		html_cstr(b, member_name(x, it->pub.h.signer, kid));
		addf(b, " (key <code>%s</code>)</td></tr>\n", kid);
		ADDS(b, "<tr><th>File</th><td><code>");
		html_cstr(b, it->payload);
		ADDS(b, "</code></td></tr>\n<tr><th>SHA-256</th><td><code>");
		html_field(b, it, "sha256");
		addf(b, "</code></td></tr>\n<tr><th>Size</th><td>%llu bytes</td></tr>\n",
		     (unsigned long long)it->pub.h.size);
		am_hex(hex, it->pub.h.fields_root, AM_HASH_LEN);
		addf(b, "<tr><th>Fields root</th><td><code>%s</code></td></tr>\n", hex);
		ADDS(b, "<tr><th>Custody</th><td>");
		if (it->ncustody == 0)
			ADDS(b, "no reading recorded before this export");
		for (size_t j = 0; j < it->ncustody; j++) {
			const struct ex_entry *c = ex_entry_find(x, it->custody[j]);
			if (c == NULL)
				continue;
			when(t, c->pub.h.sealed_at_ms);
			addf(b, "%sentry %llu: %s, %s by ", j ? "<br>\n" : "",
			     (unsigned long long)c->seq,
			     am_action_name(c->pub.h.payload_len ? c->pub.h.payload[0] : 0), t);
			html_cstr(b, member_name(x, c->pub.h.signer, kid));
		}
		ADDS(b, "</td></tr>\n</table>\n</div>\n");
	}
	ADDS(b,
		   "<h2>Verify it yourself</h2>\n<ol>\n"
		   "<li>Every file is listed with its digest: <code>sha256sum -c manifest-sha256.txt"
		   "</code> and <code>sha256sum -c tagmanifest-sha256.txt</code>.</li>\n"
		   "<li>The tag manifest is signed by the exporting custodian: <code>minisign -Vm "
		   "tagmanifest-sha256.txt -p amanat/signer.pub</code>.</li>\n"
		   "<li>Everything else &mdash; each item's signature, its place in the vault's "
		   "append-only log, the signer's enrollment, the disclosed fields &mdash; is checked "
		   "by <code>amanat verify-bundle</code> on this folder or ZIP, with nothing but the "
		   "bundle; the formats are in docs/BUNDLE.md and docs/FORMAT.md.</li>\n</ol>\n"
		   "</body>\n</html>\n");
}

static int ex_withheld_item(const struct ex_item *it, const struct am_field *fl)
{
	return it->withheld[fl - it->f.v];
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
			addf(&m256, "%s  %s\n", hex, f->path);
			am_hex(hex, f->sha512, AM_SHA512_LEN);
			am_buf_add(&m512, hex, strlen(hex));
			addf(&m512, "  %s\n", f->path);
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
		addf(tag, "%s  %s\n", hex, path);
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
		addf(&sl->buf, "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n");
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
