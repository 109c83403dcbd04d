/*
 * export_int.h — what export.c (selection, consent, records) and bundle.c
 * (the bundle's files) share.
 */
#ifndef AMANAT_EXPORT_INT_H
#define AMANAT_EXPORT_INT_H

#include "../common/bytes.h"
#include "../common/fsutil.h"
#include "../vault/note.h"
#include "../vault/vault_layer.h"
#include "export.h"
#include "sink.h"

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
};

/* 1 when field name is withheld by the request's patterns. */
int ex_withheld(const struct am_export_req *req, const char *name);
/* The entry record for seq, or NULL. */
const struct ex_entry *ex_entry_find(const struct ex_ctx *x, uint64_t seq);

/* bundle.c: write every file of the bundle into the sink, signed. */
AM_WUR enum am_status ex_write_bundle(struct ex_ctx *x, struct am_sink *s,
				      unsigned char tagmanifest_sha[AM_HASH_LEN],
				      struct am_err *e);

/* JSON and HTML text helpers. */
void ex_json_str(struct am_buf *b, const unsigned char *p, size_t n);
void ex_html(struct am_buf *b, const unsigned char *p, size_t n);
int ex_utf8_ok(const unsigned char *p, size_t n);

#endif
