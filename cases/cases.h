/*
 * cases.h — case records and the figures computed from them (issue 11,
 * docs/FORMAT.md §26, docs/CASES.md).
 *
 * A case record is a sealed entry of type case whose private field
 * "case.record" holds a JSON document of schema amanat-case/1
 * (docs/case-record.schema.json); each act's private values sit in fields of
 * their own ("private.<act>.<name>") that export --withhold can keep out.
 * Records are never edited: an amendment or a withdrawal is a later case
 * entry whose first ref is the version it supersedes.  This layer sits above
 * vault/ and below cli/; it never prints or exits.  JSON is read with
 * SQLite's JSON functions on a private ":memory:" connection: no plaintext
 * reaches a file.
 */
#ifndef AMANAT_CASES_H
#define AMANAT_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "../vault/vault.h"

#define CASES_SCHEMA "amanat-case/1"
#define CASES_VOCABULARY "1" /* the newest vocabulary version this build knows */

enum cases_precision { CASES_DAY = 1, CASES_MONTH = 2, CASES_YEAR = 3 };

struct cases_source {
	uint64_t entry;
	char *reliability;
};

struct cases_priv {
	char *name;
	char *value;
};

/* One act: one violation against one victim. */
struct cases_act {
	char *act_id, *act_type, *date, *province, *district;
	char *victim, *sex, *age_group, *affiliation, *perpetrator, *status;
	int precision;              /* enum cases_precision, 0 when not valid */
	int32_t first_day, last_day; /* the act's period, days since 1970-01-01 */
	struct cases_source *src;
	size_t nsrc;
	struct cases_priv *priv;
	size_t npriv;
	unsigned line; /* where it was read (CSV line), or 0 */
};

/* A case record, or (withdrawn set) a withdrawal with its reason. */
struct cases_record {
	char *case_id, *vocabulary, *summary;
	char **scopes;
	size_t nscopes;
	struct cases_act *acts;
	size_t nacts;
	int withdrawn;
	char *reason;
	unsigned line; /* first line it was read from, or 0 */
};
void cases_record_init(struct cases_record *r);
/* Wipes the strings as it frees them: they are plaintext. */
void cases_record_release(struct cases_record *r);

/*
 * Problems found in input, in order, for the person to fix: all counted, the
 * first CASES_MAX_PROBLEMS kept (memory does not grow with a file's errors).
 */
#define CASES_MAX_PROBLEMS 1000
struct cases_problems {
	char **msg;  /* the first `kept` problems (at most CASES_MAX_PROBLEMS) */
	size_t n;    /* every problem found */
	size_t kept;
	int oom;
};
void cases_problems_init(struct cases_problems *p);
void cases_problems_release(struct cases_problems *p);
void cases_problem(struct cases_problems *p, const char *fmt, ...) AM_PRINTF(2, 3);

/* ---- JSON on a private in-memory SQLite connection (json.c) ------------- */

struct cases_json;
AM_WUR enum am_status cases_json_open(struct cases_json **out, struct am_err *e);
void cases_json_close(struct cases_json *j);

/* ---- vocabularies (vocab.c), compiled in from docs/vocabulary/ ---------- */

/* 1 when version names a vocabulary this build knows. */
int cases_vocab_known(const char *version);
/* The English label of key in list (act_type, affiliation, ...) of version, or NULL. */
const char *cases_vocab_label(struct cases_json *j, const char *version, const char *list,
			      const char *key);
/* Load the vocabularies (once per j); AM_EINPUT if the compiled-in data is bad. */
AM_WUR enum am_status cases_vocab_load(struct cases_json *j, struct am_err *e);

/* ---- reading and checking records (record.c, csv.c) --------------------- */

/*
 * What a record may link to: the type of each entry of the verified log
 * (types[seq], size entries).  NULL types: links are not checked (an
 * independent reading of records already sealed).
 */
struct cases_log {
	const unsigned char *types;
	uint64_t size;
};

/*
 * Parse one record from JSON text (json[0..len)), checking it against the
 * schema, the vocabulary it names, the calendar, act id uniqueness and (log
 * not NULL) its links.  Every problem goes to probs, prefixed with where
 * ("FILE:LINE: " from where, or nothing); returns 0 when there was none.
 */
int cases_record_parse(struct cases_json *j, const char *json, size_t len, const char *where,
		       const struct cases_log *log, struct cases_record *out,
		       struct cases_problems *probs);
/* 1 when s is a case id (1 to 64 of [A-Za-z0-9._/-], the first a letter or digit). */
int cases_id_ok(const char *s);
/* A CSV file's columns, for messages that name the column at fault. */
struct cases_cols {
	char **name;
	size_t n;
};
/*
 * The checks that do not depend on the input's form, for records built from
 * CSV (cols set: messages name FILE:LINE and the column of each act's row).
 */
int cases_record_check(struct cases_json *j, const char *where, const struct cases_cols *cols,
		       const struct cases_log *log, struct cases_record *r,
		       struct cases_problems *probs);

/*
 * A CSV file (docs/CASES.md) or JSON Lines file read into records: CSV rows
 * grouped by case_id (in order of first appearance), every row checked.
 * bad[i] is set for the records with a problem (all problems in probs).
 */
struct cases_input {
	struct cases_record *r;
	size_t n;
	unsigned char *bad;
};
void cases_input_release(struct cases_input *in);
AM_WUR enum am_status cases_read_file(struct cases_json *j, const char *path,
				      const struct cases_log *log, struct cases_input *out,
				      struct cases_problems *probs, struct am_err *e);
/* The same for text already read (buf[len] must be writable and followed by a NUL). */
AM_WUR enum am_status cases_read_text(struct cases_json *j, const char *path, unsigned char *buf,
				      size_t len, const struct cases_log *log,
				      struct cases_input *out, struct cases_problems *probs,
				      struct am_err *e);

/* ---- writing records (write.c) ------------------------------------------- */

/* The record's JSON: with_private 0 is what "case.record" holds (no private values). */
AM_WUR enum am_status cases_record_json(const struct cases_record *r, int with_private,
					char **out, size_t *len, struct am_err *e);
/* The entry fields of a record or withdrawal (docs/FORMAT.md §26). */
AM_WUR enum am_status cases_record_fields(const struct cases_record *r, struct am_fields *f,
					  struct am_err *e);

/* ---- the versions of every case in the vault (index.c) ------------------ */

struct cases_version {
	uint64_t seq;
	uint64_t supersedes; /* the version this one replaces, or UINT64_MAX */
	int64_t sealed_at_ms; /* when and by whom it was sealed (in the field for an import) */
	unsigned char signer[AM_SIGN_PK_LEN];
	/*
	 * An import of a field vault's case record (FORMAT §26 "Imported case
	 * records"): the field vault and its entry number; supersedes and the
	 * acts' source entries are translated to this vault's entry numbers.
	 */
	int imported;
	unsigned char field_id[AM_VAULT_ID_LEN];
	uint64_t field_seq;
	struct cases_record rec; /* rec.withdrawn for a withdrawal */
	int problem;             /* its record did not read back: not counted */
};

/* Every case entry readable up to a tree size, grouped by case. */
struct cases_index {
	struct cases_version *v; /* sorted by case id, then seq */
	size_t n;
	uint64_t size;        /* the tree size read */
	uint64_t unreadable;  /* case entries the reader cannot open */
	uint64_t plain;       /* case entries with no record (sealed with 'seal --type case') */
	uint64_t bad;         /* records that do not read back */
};
void cases_index_release(struct cases_index *x);
/*
 * The case entries below size of the verified log t, their headers proved
 * against t and their fields decrypted by reader, imports of field vaults'
 * case records included.  The caller has recorded the reading in custody
 * first.  types (optional, size entries) receives every entry's kind
 * (am_entry_kind: an import's original type).
 */
AM_WUR enum am_status cases_index_load(struct am_vault *v, const struct am_trusted *t,
				       const struct am_identity *reader, struct cases_json *j,
				       uint64_t size, unsigned char *types, struct cases_index *x,
				       struct am_err *e);
/* The newest version of case id, or NULL. */
const struct cases_version *cases_newest(const struct cases_index *x, const char *id);
/* The versions of case id: *first and *count in x->v. */
void cases_versions(const struct cases_index *x, const char *id, size_t *first, size_t *count);
/* 1 when x->v[i] is its case's newest version. */
int cases_is_newest(const struct cases_index *x, size_t i);
/*
 * The lines "PATH: OLD -> NEW" between two versions (NULL a: all of b), one
 * per field that differs, into out (NUL-terminated, malloc'ed).
 */
AM_WUR enum am_status cases_diff(const struct cases_record *a, const struct cases_record *b,
				 char **out, struct am_err *e);

/* ---- sealing (seal.c) ---------------------------------------------------- */

/* One record to seal, amending supersedes (UINT64_MAX: a new case). */
struct cases_to_seal {
	const struct cases_record *rec;
	uint64_t supersedes;
	uint64_t seq; /* set once sealed */
};
/* Called after each record is durable (for progress and for saying which were sealed). */
struct cases_sealed_cb {
	void (*fn)(void *ctx, size_t done, size_t total, const struct cases_to_seal *s);
	void *ctx;
};
/*
 * Records sealed to one durable commit (FORMAT.md §27).  Small enough that a
 * kill loses at most this many unreported records and progress stays live;
 * large enough that the commit's fsync and checkpoint signature are shared.
 */
#define CASES_BATCH 32
/*
 * Seal every record of recs in order, signed by signer, CASES_BATCH to a
 * commit; cb hears of each only once it is durable, so an interruption
 * leaves whole records only and *done says how many (a stop between records
 * keeps those sealed so far).  The one place that seals many records.  stop
 * as in am_seal_req.
 */
AM_WUR enum am_status cases_seal_many(struct am_vault *v, struct am_trusted *t,
				      const struct am_identity *signer, struct cases_to_seal *recs,
				      size_t n, struct cases_sealed_cb cb,
				      const volatile sig_atomic_t *stop, size_t *done,
				      struct am_err *e);

/* ---- finding acts (find.c) ----------------------------------------------- */

struct cases_filter {
	const char *const *cases;
	size_t ncases;
	const char *act_type, *affiliation, *province, *text;
	int has_from, has_to;
	int32_t from_day, to_day; /* both ends included */
};
/* 1 when act a of record r passes every filter (a date range: the act's period overlaps it). */
int cases_act_matches(const struct cases_filter *f, const struct cases_record *r,
		      const struct cases_act *a);
/* "YYYY-MM-DD" to days since 1970-01-01; -1 for anything else. */
int cases_day_parse(const char *s, int32_t *day);
/* Days since 1970-01-01 to "YYYY-MM-DD" in buf of 11. */
void cases_day_format(int32_t day, char buf[11]);

/* ---- statistics (stats.c) and reports (report.c, html.c) ---------------- */

enum cases_by { CASES_BY_ACT_TYPE, CASES_BY_AFFILIATION, CASES_BY_PROVINCE, CASES_BY_MONTH,
		CASES_BY_STATUS };
/* "act-type", ...; -1 from cases_by_parse for anything else. */
const char *cases_by_name(int by);
int cases_by_parse(const char *s);

struct cases_figure {
	char *group;
	uint64_t acts, victims;
};

/* Figures over the newest version of every case, withdrawn ones left out. */
struct cases_stats {
	int by;
	int has_from, has_to;
	int32_t from_day, to_day;
	struct cases_figure *g; /* sorted by group (bytewise) */
	size_t ng;
	uint64_t total_acts, total_victims;
	uint64_t partly_acts, partly_victims; /* acts straddling the range: not in the total */
	uint64_t cases;                       /* cases counted (at least one act in range) */
};
void cases_stats_release(struct cases_stats *s);
AM_WUR enum am_status cases_stats_compute(const struct cases_index *x, int by, int has_from,
					  int32_t from_day, int has_to, int32_t to_day,
					  struct cases_stats *out, struct am_err *e);

/* A signed statistics report (docs/FORMAT.md §26). */
struct cases_report {
	struct cases_stats st;
	char origin[128];
	unsigned char vault_id[AM_VAULT_ID_LEN];
	uint64_t size;
	unsigned char root[AM_HASH_LEN];
	char signer_name[AM_NAME_MAX + 1];
	unsigned char signer[AM_SIGN_PK_LEN];
	uint64_t custody;
	char made_at[32]; /* ISO 8601 UTC */
	unsigned char sig[AM_SIG_LEN];
};
void cases_report_release(struct cases_report *r);
/* The exact bytes signed (docs/FORMAT.md §26), malloc'ed. */
AM_WUR enum am_status cases_report_statement(const struct cases_report *r, char **out,
					     size_t *len, struct am_err *e);
/* Sign r with id's key (r->signer must be id's). */
AM_WUR enum am_status cases_report_sign(struct cases_report *r, const struct am_identity *id,
					struct am_err *e);
/* 0 when r's signature is good for r->signer over its statement. */
AM_WUR int cases_report_verify(const struct cases_report *r);
/* The signed report as JSON, and as CSV (header group,acts,victims). */
AM_WUR enum am_status cases_report_json(const struct cases_report *r, char **out, size_t *len,
					struct am_err *e);
AM_WUR enum am_status cases_stats_csv(const struct cases_stats *s, char **out, size_t *len,
				      struct am_err *e);
/* Read a report written by cases_report_json (strictly); AM_EINPUT naming what is wrong. */
AM_WUR enum am_status cases_report_parse(struct cases_json *j, const char *text, size_t len,
					 struct cases_report *out, struct am_err *e);
/* One self-contained printable HTML page: tables, SVG bars, period, checkpoint, signature. */
AM_WUR enum am_status cases_report_html(struct cases_json *j, const struct cases_report *r,
					char **out, size_t *len, struct am_err *e);

/* ---- a fictional dataset with known figures, for the demo (gen.c) -------- */

#define CASES_GEN_TYPES 9
/* What stats --by act-type --from 2021-08-15 --to 2023-06-30 must give. */
struct cases_gen_truth {
	uint64_t acts[CASES_GEN_TYPES], victims[CASES_GEN_TYPES]; /* by cases_gen_type(i) */
	uint64_t total_acts, total_victims, partly_acts, partly_victims;
};
/* The i-th act type, in byte order (the order of stats' groups). */
const char *cases_gen_type(size_t i);
/* 1 when case i (from 0; its id is DEMO-%04zu of i + 1) is to be withdrawn. */
int cases_gen_withdrawn(size_t i);
/* The dataset as CSV (docs/CASES.md), and its true figures once withdrawn cases are withdrawn. */
AM_WUR enum am_status cases_gen_csv(uint32_t seed, size_t ncases, char **out, size_t *len,
				    struct cases_gen_truth *truth, struct am_err *e);

#endif
