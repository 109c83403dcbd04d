/*
 * cases_int.h — what the files of cases/ share, below all of them: the JSON
 * connection (json.c) and small helpers (util.c).  Private to cases/.
 */
#ifndef AMANAT_CASES_INT_H
#define AMANAT_CASES_INT_H

#include <sqlite3.h>

#include "../common/bytes.h"
#include "cases.h"

enum { CJ_TYPE, CJ_EXTRACT, CJ_EACH, CJ_LEN, CJ_VOCAB, CJ_NSTMT };

/* A private in-memory SQLite connection for JSON (never a file). */
struct cases_json {
	sqlite3 *db;
	sqlite3_stmt *st[CJ_NSTMT];
	int vocab_loaded;
};

/* The members of an object or array at a path: key (or index), JSON type, and text. */
struct cj_member {
	char *key;   /* NULL for an array element */
	char type[8]; /* null, true, false, integer, real, text, array, object */
	char *text;  /* the value as text: a string's content, a number's digits, JSON otherwise */
	size_t tlen;
};
struct cj_members {
	struct cj_member *m;
	size_t n;
	const char *dup; /* an object's key given twice (in m), or NULL */
};
void cj_members_release(struct cj_members *ms);
/*
 * The members of the object or array at path in json[0..len) (SQLite's
 * json_each).  -1 when the text is not JSON (or the connection fails).
 */
int cj_members(struct cases_json *j, const char *json, size_t len, const char *path,
	       struct cj_members *out);
/* json_type at path into type ("" when absent); -1 when the text is not JSON. */
int cj_type(struct cases_json *j, const char *json, size_t len, const char *path, char type[8]);

/* ---- the vocabularies compiled in (vocab_data.c, made by cmake/embed_vocab.cmake) ---- */

struct cases_vocab_file {
	const char *version;
	const unsigned char *data;
	size_t len;
};
extern const struct cases_vocab_file cases_vocab_files[];
extern const size_t cases_vocab_nfiles;

/* ---- fieldmap.c: field vaults' entry numbers to this vault's (FORMAT §26) ---- */

struct cases_fvault {
	unsigned char id[AM_VAULT_ID_LEN];
	uint64_t *main; /* main[k]: the import of the field vault's entry k */
	size_t n, cap;
};
struct cases_fmap {
	struct cases_fvault *v;
	size_t n;
};
void cases_fmap_release(struct cases_fmap *m);
/* Field entry field_seq of vault id is main entry main_seq: 0, -1 out of memory, 1 out of order. */
int cases_fmap_add(struct cases_fmap *m, const unsigned char *id, uint64_t field_seq,
		   uint64_t main_seq);
/* 0 and *main_seq for an imported field entry, -1 when it is not (yet) imported. */
int cases_fmap_get(const struct cases_fmap *m, const unsigned char *id, uint64_t field_seq,
		   uint64_t *main_seq);

/* ---- util.c ---------------------------------------------------------------- */

/*
 * Records of an input by case id, so that a file of many cases is read in
 * time linear in its size: slot[i] is 0 or 1 + an index into the records.
 */
struct cases_ids {
	size_t *slot;
	size_t cap, n;
};
void cases_ids_release(struct cases_ids *h);
/* The index of the record with case id id among r, or -1. */
long long cases_ids_find(const struct cases_ids *h, const struct cases_record *r, const char *id);
/* Index record k of r (its case_id set); -1 out of memory. */
int cases_ids_add(struct cases_ids *h, const struct cases_record *r, size_t k);

/* ---- util.c (more) ---------------------------------------------------------------- */

/* strdup that latches failure into *oom (and returns NULL) rather than crashing. */
char *cases_strndup(const char *s, size_t n, int *oom);
/* Wipe and free a string of plaintext. */
void cases_free_str(char *s);
/* Append s as a JSON string (quoted, escaped) to b. */
void cases_json_str(struct am_buf *b, const char *s);
/* Days of the period a date of a precision covers; -1 when the date is not in the calendar. */
int cases_period(const char *date, int precision, int32_t *first, int32_t *last);
/* Days since 1970-01-01 of a calendar day (y, m, d checked by the caller). */
int32_t cases_days(int y, int m, int d);
/* Days in month m of year y. */
int cases_month_days(int y, int m);
/* "day", "month", "year" -> enum cases_precision, 0 for anything else. */
int cases_precision_parse(const char *s);
const char *cases_precision_name(int p);
/* 1 for a private field name: 1 to 31 of [a-z0-9_-], starting with a letter or digit. */
int cases_private_name_ok(const char *s);
/* The CSV column a record field is read from ("victim.sex" -> "victim_sex"), or NULL. */
const char *cases_column_of(const char *field);
/* The field holding act act_id's private value name: "private.<act_id lowercased>.<name>". */
void cases_private_field(char out[65], const char *act_id, const char *name);
/* 1 when a consent scope is one export understands (docs/BUNDLE.md, "Consent"). */
int cases_scope_ok(const char *s);

#endif
