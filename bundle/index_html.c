/*
 * index_html.c — a bundle's index.html (docs/BUNDLE.md, "index.html"), the
 * one renderer that both the exporter (bundle.c) and the verifier
 * (bundle_index.c) call, so that the page is a pure function of facts the
 * verifier has checked: the export writes it, and verify-bundle writes it
 * again from the verified contents and compares the two byte for byte.
 * Also the text forms the bundle's writers share: formatted appends and
 * HTML escaping.  It calls neither of its callers.
 */
#include "bundle_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Append a string literal. */
#define PUT(b, lit) am_buf_add((b), (lit), sizeof(lit) - 1)

const char *const bundle_page_fields[BUNDLE_PAGE_NFIELDS] = {"title", "case", "sha256",
                                                              "filename"};

void am_bundle_size_text(char out[32], uint64_t n)
{
	static const char *const unit[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
	uint64_t scale = 1000;

	if (n < 1000) {
		snprintf(out, 32, "%llu byte%s", (unsigned long long)n, n == 1 ? "" : "s");
		return;
	}
	/* integers only: no locale's decimal comma, the same text on every machine */
	for (size_t u = 0; u < sizeof(unit) / sizeof(unit[0]); u++, scale *= 1000) {
		uint64_t tenths = n / (scale / 10) + (n % (scale / 10) >= scale / 20);
		if (tenths < 10000 || u + 1 == sizeof(unit) / sizeof(unit[0])) {
			snprintf(out, 32, "%llu.%llu %s", (unsigned long long)(tenths / 10),
			         (unsigned long long)(tenths % 10), unit[u]);
			return;
		}
	}
}

void bundle_html(struct am_buf *b, const unsigned char *p, size_t n)
{
	static const char *const entity[128] = {
	    ['"'] = "&quot;", ['&'] = "&amp;", ['\''] = "&#39;", ['<'] = "&lt;", ['>'] = "&gt;",
	};

	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c < 128 && entity[c] != NULL)
			am_buf_add(b, entity[c], strlen(entity[c]));
		else
			am_buf_u8(b, c < 0x20 && c != '\n' ? '?' : c);
	}
}

static void html_cstr(struct am_buf *b, const char *s)
{
	bundle_html(b, (const unsigned char *)s, strlen(s));
}

/* A signed time as UTC, to the second. */
static void when(char out[32], int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)ms);
}

/* The enrolled name of pk, or its key id when it is not a member. */
static const char *member_name(const struct bundle_page *pg, const unsigned char pk[AM_SIGN_PK_LEN],
                               char kid[2 * AM_KEYID_LEN + 1])
{
	const struct am_member *m = pg->ms ? am_members_find(pg->ms, pk) : NULL;

	am_key_id_hex(kid, pk);
	return m ? m->name : kid;
}

/*
 * A disclosed value, or a dash for one withheld or absent.  Text (not the
 * hash) is isolated from the page's left-to-right flow, so that a Dari title
 * reads whole and its direction cannot spill over what follows.
 */
static void shown(struct am_buf *b, const struct bundle_page_item *it, int k)
{
	int text = k != BUNDLE_PAGE_SHA256;

	if (it->shown[k].p == NULL) {
		PUT(b, "&mdash;");
		return;
	}
	if (text)
		PUT(b, "<bdi>");
	bundle_html(b, it->shown[k].p, it->shown[k].n);
	if (text)
		PUT(b, "</bdi>");
}

/*
 * A path inside the bag as a relative URL: every byte but unreserved ASCII
 * and '/' percent-encoded, so a UTF-8 name links to its file on any system.
 */
static void href(struct am_buf *b, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		unsigned char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-' || c == '~' || c == '/') {
			am_buf_u8(b, c);
		} else {
			char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
			am_buf_add(b, esc, 3);
		}
	}
}

/*
 * What the page is, and how to check what it summarises, with the commands
 * of each system: before anything else.  It names nothing outside the
 * bundle, so that it reads the same wherever the bundle goes.
 */
static void notice(struct am_buf *b)
{
	PUT(b,
	    "<p><strong>This page is not the evidence.</strong> It is a summary for reading and "
	    "printing. The evidence is the files under <code>data/</code>, each linked below, "
	    "and the signed entries, proofs, checkpoint and keys under <code>amanat/</code>. "
	    "<code>manifest-sha256.txt</code> lists the SHA-256 of every file under "
	    "<code>data/</code>; <code>tagmanifest-sha256.txt</code> lists that of every other "
	    "file, this page included; <code>tagmanifest-sha256.txt.minisig</code> is the "
	    "exporting custodian's signature over the tag manifest, and so over the whole "
	    "bundle.</p>\n"
	    "<h2>Check it yourself</h2>\n"
	    "<p>Unpack the ZIP if the bundle came as one, open a terminal in this folder (the one "
	    "that holds this page) and run:</p>\n<ul>\n"
	    "<li>With amanat: <code>amanat verify-bundle .</code> checks everything with "
	    "nothing but the bundle: each item's signature, its place in the vault's "
	    "append-only log, the signer's enrollment, the disclosed fields and this page, "
	    "which it writes again from what it verified.</li>\n"
	    "<li>Linux: <code>sha256sum -c manifest-sha256.txt tagmanifest-sha256.txt</code> "
	    "(or <code>sha256sum -c manifest-sha256.txt</code> and <code>sha256sum -c "
	    "tagmanifest-sha256.txt</code>)</li>\n"
	    "<li>macOS: <code>shasum -a 256 -c manifest-sha256.txt tagmanifest-sha256.txt</code>"
	    "</li>\n"
	    "<li>Windows (PowerShell): <code>Get-Content -Encoding UTF8 manifest-sha256.txt, "
	    "tagmanifest-sha256.txt | ForEach-Object { $h, $p = $_ -split '  ', 2; if "
	    "((Get-FileHash -Algorithm SHA256 -LiteralPath $p).Hash -eq $h) { 'OK: ' + $p } "
	    "else { 'FAILED: ' + $p } }</code>; for one file, <code>Get-FileHash -Algorithm "
	    "SHA256 -LiteralPath FILE</code> gives the SHA-256 to compare with the one shown "
	    "below (letter case aside).</li>\n"
	    "</ul>\n"
	    "<p>Every file must be reported OK. Then check the signature with minisign (for "
	    "Linux, macOS and Windows): <code>minisign -Vm tagmanifest-sha256.txt -p "
	    "amanat/signer.pub</code>. <code>amanat/signer.pub</code> holds the custodian's "
	    "key, whose id is shown below: compare it with the key id you were given "
	    "separately.</p>\n");
}

static void item(struct am_buf *b, const struct bundle_page *pg, const struct bundle_page_item *it)
{
	const struct am_header *h = it->h;
	char kid[2 * AM_KEYID_LEN + 1], t[32], hex[2 * AM_HASH_LEN + 1], size[32];

	am_buf_addf(b, "<div class=\"item\">\n<h2>%s</h2>\n<table>\n", it->id);
	am_buf_addf(b, "<tr><th>Entry</th><td>%llu (%s)</td></tr>\n", (unsigned long long)h->seq,
	            am_type_name(h->type));
	PUT(b, "<tr><th>Title</th><td>");
	shown(b, it, BUNDLE_PAGE_TITLE);
	PUT(b, "</td></tr>\n<tr><th>Case</th><td>");
	shown(b, it, BUNDLE_PAGE_CASE);
	when(t, h->sealed_at_ms);
	am_buf_addf(b, "</td></tr>\n<tr><th>Sealed</th><td>%s (the sealer's clock) by ", t);
	html_cstr(b, member_name(pg, h->signer, kid));
	am_buf_addf(b, " (key <code>%s</code>)</td></tr>\n", kid);
	PUT(b, "<tr><th>File</th><td><a href=\"");
	href(b, it->payload);
	PUT(b, "\"><code><bdi>");
	html_cstr(b, it->payload);
	PUT(b, "</bdi></code></a>");
	{
		/* the name as sealed, when the file's had to be made safe */
		const struct bundle_page_value *fn = &it->shown[BUNDLE_PAGE_FILENAME];
		const char *base = strrchr(it->payload, '/');
		base = base ? base + 1 : it->payload;
		if (fn->p != NULL && (fn->n != strlen(base) || memcmp(fn->p, base, fn->n) != 0)) {
			PUT(b, "<br>\nsealed as ");
			shown(b, it, BUNDLE_PAGE_FILENAME);
		}
	}
	PUT(b, "</td></tr>\n<tr><th>SHA-256</th><td><code>");
	shown(b, it, BUNDLE_PAGE_SHA256);
	am_bundle_size_text(size, h->size);
	am_buf_addf(b, "</code></td></tr>\n<tr><th>Size</th><td>%s", size);
	if (h->size >= 1000)
		am_buf_addf(b, " (%llu bytes)", (unsigned long long)h->size);
	PUT(b, "</td></tr>\n");
	am_hex(hex, h->fields_root, AM_HASH_LEN);
	am_buf_addf(b, "<tr><th>Fields root</th><td><code>%s</code></td></tr>\n", hex);
	PUT(b, "<tr><th>Custody</th><td>");
	if (it->ncustody == 0)
		PUT(b, "no reading recorded before this export");
	for (size_t j = 0; j < it->ncustody; j++) {
		const struct am_header *c = it->custody[j];
		when(t, c->sealed_at_ms);
		am_buf_addf(b, "%sentry %llu: %s, %s by ", j ? "<br>\n" : "",
		            (unsigned long long)c->seq,
		            am_action_name(c->payload_len ? c->payload[0] : 0), t);
		html_cstr(b, member_name(pg, c->signer, kid));
	}
	PUT(b, "</td></tr>\n</table>\n</div>\n");
}

void bundle_index_html(const struct bundle_page *pg, struct am_buf *b)
{
	char kid[2 * AM_KEYID_LEN + 1];

	am_buf_addf(b,
	            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	            "<title>Evidence bundle %s@%llu</title>\n",
	            pg->origin, (unsigned long long)pg->tree_size);
	PUT(b,
	    "<style>\nbody{font-family:serif;margin:2em;max-width:60em}"
	    "table{border-collapse:collapse;width:100%;margin-bottom:1.5em}"
	    "td,th{border:1px solid #444;padding:.3em;vertical-align:top;text-align:left}"
	    "code{font-size:.85em;word-break:break-all}"
	    ".item{page-break-inside:avoid}"
	    "@media print{body{margin:0}}\n</style>\n</head>\n<body>\n<h1>Evidence bundle</h1>\n");
	notice(b);
	am_buf_addf(b,
	            "<p>Exported from the amanat vault <code>%s</code> at tree size %llu on %s by ",
	            pg->origin, (unsigned long long)pg->tree_size, pg->date);
	html_cstr(b, pg->exporter);
	am_key_id_hex(kid, pg->exporter_pk);
	am_buf_addf(b, " (key <code>%s</code>), for the consent scope &ldquo;", kid);
	html_cstr(b, pg->scope);
	am_buf_addf(b, "&rdquo;. It holds %zu item%s.", pg->nitems, pg->nitems == 1 ? "" : "s");
	if (pg->withheld)
		PUT(b, " Some fields were withheld; their commitments let the disclosed ones be "
		       "checked.");
	PUT(b, "</p>\n");
	for (size_t i = 0; i < pg->nitems; i++)
		item(b, pg, &pg->items[i]);
	PUT(b, "</body>\n</html>\n");
}
