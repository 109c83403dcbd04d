/*
 * export_ctx.c — what export.c (selection, consent, records) and bundle.c
 * (the bundle's files) both call, kept below both so that neither calls
 * back into the other: finding a carried entry in the export context, and
 * the JSON and HTML text forms every written value takes.
 */
#include "export_int.h"

#include <stdio.h>

const struct ex_entry *ex_entry_find(const struct ex_ctx *x, uint64_t seq)
{
	size_t lo = 0, hi = x->nentries;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (x->entries[mid].seq == seq)
			return &x->entries[mid];
		if (x->entries[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int ex_utf8_ok(const unsigned char *p, size_t n)
{
	/* what a JSON string can carry exactly */
	return am_utf8_ok(p, n);
}

void ex_json_str(struct am_buf *b, const unsigned char *p, size_t n)
{
	char esc[8];

	am_buf_u8(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			am_buf_u8(b, '\\');
			am_buf_u8(b, c);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			am_buf_add(b, esc, 6);
		} else {
			am_buf_u8(b, c);
		}
	}
	am_buf_u8(b, '"');
}

void ex_html(struct am_buf *b, const unsigned char *p, size_t n)
{
	/* the page's own escaping: what export.c forbids is what the page writes */
	bundle_html(b, p, n);
}
