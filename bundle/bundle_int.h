/*
 * bundle_int.h — what every file of bundle/ may use and nothing above it
 * may: the layer's public header, the parts of vault/ an upper layer may use
 * (vault_layer.h), the rules the exporter and the verifier both apply
 * (rules.c) and the page both write (index_html.c).  The exporter's files
 * add export_int.h, the verifier's bundle_verify_int.h.
 */
#ifndef AMANAT_BUNDLE_INT_H
#define AMANAT_BUNDLE_INT_H

#include "../common/bytes.h"
#include "../common/fsutil.h"
#include "../vault/vault_layer.h"
#include "bundle.h"

/* ---- rules.c ------------------------------------------------------------ */

/*
 * 1 when field name is withheld by one of the n patterns: a field name, or
 * "prefix.*" for every field under prefix.
 */
int bundle_withheld(const char *const *patterns, size_t n, const char *name);

/*
 * The character at p (n > 0 bytes left) in a bundle file name: its length in
 * bytes (1 for a byte that does not start valid UTF-8), and *ok = 1 when a
 * name may hold it: ASCII letters, digits, '.', '_' and '-', and UTF-8
 * letters and marks of any script, but no '/', space or control character,
 * no bidirectional or invisible formatting, nothing Windows turns into a
 * path separator (docs/BUNDLE.md, "Shape").  The exporter writes names of
 * such characters only, and the verifier accepts nothing else.
 */
size_t bundle_name_char(const unsigned char *p, size_t n, int *ok);

/* ---- index_html.c -------------------------------------------------------- */

/*
 * index.html as a pure function of facts the verifier checks
 * (docs/BUNDLE.md, "index.html"): the export renders it from what it writes,
 * verify-bundle from what it verified, and the two must be the same bytes.
 * Nothing on the page may come from anywhere else (no clock, no locale).
 */

/* The disclosed fields the page shows of each item, in bundle_page_fields' order. */
enum {
	BUNDLE_PAGE_TITLE,
	BUNDLE_PAGE_CASE,
	BUNDLE_PAGE_SHA256,
	BUNDLE_PAGE_FILENAME,
	BUNDLE_PAGE_NFIELDS
};
extern const char *const bundle_page_fields[BUNDLE_PAGE_NFIELDS];

struct bundle_page_value {
	const unsigned char *p; /* NULL: withheld, or not a field of the item */
	size_t n;
};

struct bundle_page_item {
	const char *id;            /* AMN-000001 */
	const struct am_header *h; /* its signed header */
	const char *payload;       /* data/AMN-000001/<name> */
	struct bundle_page_value shown[BUNDLE_PAGE_NFIELDS];
	const struct am_header *const *custody; /* custody entries naming it, by seq */
	size_t ncustody;
};

struct bundle_page {
	const char *origin;    /* the checkpoint's */
	uint64_t tree_size;
	const char *date;      /* bag-info.txt's Bagging-Date, YYYY-MM-DD */
	const char *exporter;  /* the enrolled name of the key that signs the bundle */
	const unsigned char *exporter_pk;
	const char *scope;     /* bundle.json's */
	int withheld;          /* bundle.json withholds some field */
	const struct am_members *ms; /* at the checkpoint: who signed what */
	const struct bundle_page_item *items; /* in the order of their ids */
	size_t nitems;
};

/* Append the page to b (b->oom on failure). */
void bundle_index_html(const struct bundle_page *pg, struct am_buf *b);
/* Append p as HTML text; control bytes other than newline become '?'. */
void bundle_html(struct am_buf *b, const unsigned char *p, size_t n);

#endif
