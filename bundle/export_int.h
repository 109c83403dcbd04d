/*
 * export_int.h — what the exporter's files share: export.c (selection,
 * consent, records) calls bundle.c (the bundle's files) and bundle_crypt.c
 * (--for); both export.c and bundle.c call export_ctx.c and sink.c, which
 * call neither.
 */
#ifndef AMANAT_EXPORT_INT_H
#define AMANAT_EXPORT_INT_H

#include "../vault/note.h"
#include "bundle_int.h"
#include "sink.h"

/* Append a string literal. */
#define ADDS(b, lit) am_buf_add((b), (lit), sizeof(lit) - 1)

struct ex_item {
	uint64_t seq;
	char id[32];                 /* AMN-000001 */
	struct am_entry_pub pub;
	struct am_fields f;          /* decrypted, with salts */
	unsigned char *withheld;     /* per field: 1 when withheld */
	char *payload;               /* data/AMN-000001/<name> */
	uint64_t *custody;           /* custody entries (< tree size) referring to it */
	size_t ncustody;
	/* consent in force: from the newest entry carrying consent.* fields */
	int has_consent;
	char *scopes;
	int withdrawn;
};

/* An entry carried in the bundle as a proof: items, enrollments, custody. */
struct ex_entry {
	uint64_t seq;
	struct am_entry_pub pub;
};

/* Each field vault's imports, in order: its entry k is this vault's seq[k]. */
struct ex_fmap {
	unsigned char id[AM_VAULT_ID_LEN];
	uint64_t *seq;
	size_t n, cap;
};
struct ex_refmap {
	struct ex_fmap *v;
	size_t n;
};

struct ex_ctx {
	struct am_vault *v;
	const struct am_export_req *req;
	struct am_checkpoint cp;     /* the tree the bundle proves against */
	char origin[AM_ORIGIN_MAX];
	struct am_members ms;
	struct ex_item *items;
	size_t nitems;
	struct ex_entry *entries;    /* sorted by seq */
	size_t nentries;
	int64_t now_ms;
	char date[16];               /* YYYY-MM-DD */
	uint64_t *opens;             /* sorted: every entry whose metadata selection opens */
	size_t nopens;
	struct ex_refmap refmap;     /* imports of field entries, for what imports refer to */
	/* with the index (export_index.c): the only entries the walks visit, sorted */
	uint64_t *walk;
	size_t nwalk;
	int indexed;
};

/* ---- export_ctx.c -------------------------------------------------------- */

/* The entry record for seq, or NULL. */
const struct ex_entry *ex_entry_find(const struct ex_ctx *x, uint64_t seq);

/*
 * Append p as a JSON string, quotes included: quote and backslash escaped, control
 * bytes as \u00XX, every other byte as it is (check ex_utf8_ok first).
 */
void ex_json_str(struct am_buf *b, const unsigned char *p, size_t n);
/* Append p as HTML text; control bytes other than newline become '?'. */
void ex_html(struct am_buf *b, const unsigned char *p, size_t n);
/* 1 when p is UTF-8 that a JSON string can carry exactly. */
int ex_utf8_ok(const unsigned char *p, size_t n);

/* ---- export_refs.c ------------------------------------------------------- */

void ex_refmap_release(struct ex_refmap *m);
/* Learn entry seq (h), given in log order; AM_ENOMEM when out of memory. */
AM_WUR enum am_status ex_refmap_note(struct ex_refmap *m, uint64_t seq, const struct am_header *h,
				     struct am_err *e);
/* Learn that field entry fseq of field vault fvid was imported as seq (in log order). */
AM_WUR enum am_status ex_refmap_add(struct ex_refmap *m, const unsigned char fvid[AM_VAULT_ID_LEN],
				    uint64_t fseq, uint64_t seq, struct am_err *e);
/* The imports of field vault id, or NULL. */
struct ex_fmap *ex_refmap_find(const struct ex_refmap *m, const unsigned char id[AM_VAULT_ID_LEN]);
/*
 * The entries h refers to (an amendment names what it amends), as this
 * vault's seqs, sorted, in *out (free it): h's refs, but for an import those
 * of its original, which name field entries, mapped to their imports (the
 * import's own ref only links it to the import before it).
 */
AM_WUR enum am_status ex_refs(const struct ex_refmap *m, const struct am_header *h, uint64_t **out,
			      size_t *n, struct am_err *e);
/* Who sealed h: its signer, or for an import its original's. */
void ex_sealer(const struct am_header *h, unsigned char pk[AM_SIGN_PK_LEN]);

/* ---- export_index.c ------------------------------------------------------ */

/*
 * The entries an export of the items named in x->req must visit, in
 * x->walk, from the index at path (docs/FORMAT.md §30), extended or rebuilt
 * first when it is not of the n entries verified (t's size must be n), and
 * x->refmap filled.  *why: NULL when the index was used, else why it was
 * built anew ("missing", "damaged", ...).
 */
AM_WUR enum am_status ex_index_walk(struct ex_ctx *x, const char *path, uint64_t n,
				    const char **why, struct am_err *e);

/* ---- bundle.c ------------------------------------------------------------ */

/* Write every file of the bundle into the sink, signed. */
AM_WUR enum am_status ex_write_bundle(struct ex_ctx *x, struct am_sink *s,
				      unsigned char tagmanifest_sha[AM_HASH_LEN],
				      struct am_err *e);

#endif
