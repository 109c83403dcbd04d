/*
 * bundle_verify_int.h — what the bundle verifier's files share, each file
 * calling only those listed above it: bv_report.c (the report and its
 * problems), bundle_reader.c (files of a directory or a ZIP), bv_ctx.c (the
 * verification context: problems, loading files, carried entries),
 * bundle_bagit.c (BagIt manifests and the minisign signature), bundle_json.c
 * (SQLite JSON helpers and bundle.json), bundle_items.c (the item records),
 * bundle_index.c (index.html against the page written again from what was
 * verified, by index_html.c) and, above them all, bundle_verify.c (the order
 * of the checks, the checkpoint, proofs and enrollment).
 */
#ifndef AMANAT_BUNDLE_VERIFY_INT_H
#define AMANAT_BUNDLE_VERIFY_INT_H

#include <sqlite3.h>
#include <stdarg.h>

#include "bundle_int.h"

/* Bounds that keep a hostile bundle from exhausting memory. */
#define BV_MAX_FILES 100000u
#define BV_MAX_NAME 1024u
#define BV_MAX_DEPTH 32
#define BV_MAX_PROBLEMS 2000u
#define BV_MAX_MANIFEST (32u << 20)
#define BV_MAX_ITEM_JSON (192u << 20) /* a 32 MiB value, hex-encoded and escaped */
#define BV_MAX_BUNDLE_JSON (16u << 20)
#define BV_MAX_PROOF (2u << 20)
#define BV_MAX_SMALL 65536u
/*
 * What SQLite may allocate while it reads the JSON: parse trees and copies of
 * the text.  An item whose one field is 32 MiB (64 MiB as hex) needs about a
 * third of it; a hostile file of millions of tiny values fails instead of
 * exhausting memory.
 */
#define BV_SQLITE_HEAP ((sqlite3_int64)1 << 30)

/* ---- bv_report.c -------------------------------------------------------- */

/* Record a problem: "<fmt>", made printable ASCII. */
void bv_report_add(struct am_bundle_report *r, const char *fmt, ...) AM_PRINTF(2, 3);
/* The same, with the arguments as a va_list. */
void bv_report_vadd(struct am_bundle_report *r, const char *fmt, va_list ap) AM_PRINTF(2, 0);

/* ---- bundle_reader.c ---------------------------------------------------- */

struct bv_file {
	char *name;       /* path inside the bag, '/'-separated */
	uint64_t size;    /* as listed (ZIP: declared) */
	uint64_t zpos[2]; /* ZIP: where its central directory record is */
	int hashed;       /* read once: real_size and digests are set */
	uint64_t real_size;
	unsigned char sha256[AM_HASH_LEN];
	unsigned char sha512[AM_SHA512_LEN];
};

struct bv_reader;

/*
 * Open a directory or a ZIP and list its regular files, sorted by name.
 * Names that are unsafe or outside the bundle alphabet, symbolic links,
 * encrypted or duplicate ZIP entries are reported as problems and left out.
 * AM_EINPUT when path is neither a directory nor a ZIP.
 */
AM_WUR enum am_status bv_reader_open(const char *path, struct am_bundle_report *rep,
                                     struct bv_reader **out, struct am_err *e);
void bv_reader_close(struct bv_reader *rd);
int bv_reader_is_zip(const struct bv_reader *rd);
/* 1 when an entry named bagit.txt was there, even if left out as unsafe. */
int bv_reader_saw_bagit(const struct bv_reader *rd);
size_t bv_reader_count(const struct bv_reader *rd);
struct bv_file *bv_reader_at(struct bv_reader *rd, size_t i);
struct bv_file *bv_reader_find(struct bv_reader *rd, const char *name);

typedef void (*bv_chunk_fn)(void *ctx, const unsigned char *p, size_t n);
/*
 * Read a file through fn, never holding more than one buffer of it; sets
 * the file's size and digests.  AM_EVERIFY (message in e) when the file is
 * damaged (a bad ZIP entry) or larger than max; AM_EIO on a read failure.
 */
AM_WUR enum am_status bv_reader_stream(struct bv_reader *rd, struct bv_file *f, uint64_t max,
                                       bv_chunk_fn fn, void *ctx, struct am_err *e);
/* Read a whole file of at most max bytes (NUL-terminated; free with free()). */
AM_WUR enum am_status bv_reader_load(struct bv_reader *rd, struct bv_file *f, size_t max,
                                     unsigned char **out, size_t *len, struct am_err *e);

/*
 * 1 when a path is '/'-separated parts of the characters bundle_name_char
 * allows (rules.c), with no empty, "." or ".." part.
 */
int bv_path_ok(const char *p, size_t n);

/* ---- bv_ctx.c ----------------------------------------------------------- */

/* An entry the bundle carries in amanat/entries/<seq>.tlog-proof. */
struct bv_entry {
	uint64_t seq;
	unsigned char *buf; /* header || signature */
	size_t len;
	struct am_header h; /* points into buf */
	unsigned char hash[AM_HASH_LEN];
	int bad; /* a problem concerns it */
};

struct bv_bag;

/*
 * What index.html shows of one item, as bundle_items.c read and checked it
 * (bundle_index.c renders it): its entry, its disclosed title, case and
 * sha256 fields (bundle_page_fields), and the carried custody entries its
 * record lists, by seq.
 */
struct bv_page_item {
	const struct bv_entry *en; /* NULL: no carried entry */
	unsigned char *shown[BUNDLE_PAGE_NFIELDS]; /* NULL: not disclosed */
	size_t nshown[BUNDLE_PAGE_NFIELDS];
	const struct am_header **custody;
	size_t ncustody;
};

struct bv_ctx {
	const struct am_bundle_verify_opts *o;
	struct am_bundle_report *r;
	struct bv_reader *rd;
	struct am_err *e;
	enum am_status io;   /* first I/O failure, or AM_OK */
	sqlite3 *db;         /* in-memory, for JSON */
	sqlite3_stmt *js[5]; /* bundle_json.c's prepared statements */
	struct bv_bag *bag;  /* bundle_bagit.c's manifests and bag-info */
	/* what the bundle says, once read */
	int have_cp;
	struct am_checkpoint cp; /* amanat/checkpoint.txt */
	int have_signer;
	unsigned char signer[AM_SIGN_PK_LEN]; /* amanat/signer.pub, verified */
	struct bv_entry *ents;                /* sorted by seq */
	size_t nents;
	struct am_auth auth; /* membership at the checkpoint */
	int have_auth;
	char **withheld; /* bundle.json "withheld" patterns */
	size_t nwithheld;
	char **listed; /* bundle.json "items", sorted */
	size_t nlisted;
	char *scope;   /* bundle.json "scope", when it is a consent scope */
	int have_json; /* bundle.json parsed */
	struct bv_page_item *pages; /* what index.html shows of r->items[i] */
	size_t npages;              /* r->nitems */
	char io_msg[512];
};

/* Record a problem in the context's report, as bv_report_add. */
void bv_problem(struct bv_ctx *x, const char *fmt, ...) AM_PRINTF(2, 3);
/* The carried entry seq, or NULL. */
struct bv_entry *bv_entry_find(struct bv_ctx *x, uint64_t seq);
/*
 * After a reader call failed with s (message in x->e): damage becomes a
 * problem, an I/O failure or lack of memory is kept to be returned.
 */
void bv_read_failed(struct bv_ctx *x, enum am_status s);
/*
 * Read a whole file of the bundle (at most max bytes); NULL after recording
 * why (a missing file is a problem only when required).
 */
unsigned char *bv_load(struct bv_ctx *x, const char *name, size_t max, size_t *len, int required);

/* ---- bundle_bagit.c ------------------------------------------------------ */

/*
 * bagit.txt, the manifests' syntax, every payload file against both payload
 * manifests, bag-info.txt, and the signature (which sets x->signer).
 */
void bv_check_bag(struct bv_ctx *x);
/* bag-info.txt and the trusted comment against the checkpoint and the exporter. */
void bv_check_bag_facts(struct bv_ctx *x);
/* bag-info.txt's Bagging-Date when it is given once, as YYYY-MM-DD; else NULL. */
const char *bv_bag_date(const struct bv_ctx *x);
/* Last: every tag file (read by then) against the tag manifest, and back. */
void bv_check_tag_manifest(struct bv_ctx *x);
void bv_bag_release(struct bv_ctx *x);

/* ---- bundle_json.c ------------------------------------------------------- */

enum { BV_JS_VALID, BV_JS_KEYS, BV_JS_GET, BV_JS_EACH, BV_JS_TYPE };

/* A prepared statement (one of BV_JS_*) with json and path bound, or NULL. */
sqlite3_stmt *bv_js(struct bv_ctx *x, int which, const char *json, size_t len, const char *path);
/* 0 when json is one well-formed JSON object (RFC 8259, no NUL); else a problem. */
int bv_js_object(struct bv_ctx *x, const char *file, const char *json, size_t len);

struct bv_keyspec {
	const char *key;
	const char *type; /* as json_type names it: text, integer, array, object, true */
	int required;
};
/*
 * The object's keys: each one known, given once, of its type; the required
 * ones present (each problem recorded under `what`).  Bit i of *present is
 * set when ks[i] is there.  0 when everything holds.
 */
int bv_js_keys(struct bv_ctx *x, const char *what, const char *json, size_t len,
               const struct bv_keyspec *ks, size_t nks, unsigned *present);
/* The string at path, decoded (malloc'ed, NUL-terminated), or NULL. */
char *bv_js_text(struct bv_ctx *x, const char *json, size_t len, const char *path, size_t *outlen);
/* 1 when there is a value at path. */
int bv_js_has(struct bv_ctx *x, const char *json, size_t len, const char *path);
/* The non-negative integer at path; -1 when it is not one. */
int bv_js_u64(struct bv_ctx *x, const char *json, size_t len, const char *path, uint64_t *v);
/* Exactly want bytes from lowercase hex; -1 otherwise. */
int bv_lower_hex(unsigned char *out, size_t want, const char *s, size_t n);
/* "AMN-" and at least six digits. */
int bv_item_id_ok(const char *id, size_t n);

/* amanat/bundle.json: fills x's listed items and withheld patterns. */
void bv_check_bundle_json(struct bv_ctx *x);
void bv_json_release(struct bv_ctx *x);

/* ---- bundle_items.c ------------------------------------------------------ */

/*
 * Every item record (amanat/items/AMN-nnnnnn.json) against its entry and
 * payload; keeps, in x->pages, what index.html shows of each.
 */
void bv_check_items(struct bv_ctx *x);
void bv_items_release(struct bv_ctx *x);

/* ---- bundle_index.c ------------------------------------------------------ */

/*
 * index.html, byte for byte, against the page index_html.c writes from the
 * verified contents: a difference is a problem naming the first line.
 */
void bv_check_index(struct bv_ctx *x);

#endif
