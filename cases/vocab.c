/*
 * vocab.c — the controlled vocabularies of docs/vocabulary/, compiled in
 * (cmake/embed_vocab.cmake) and loaded into a table of the in-memory JSON
 * connection on first use, so that a term is checked with one query.
 */
#include <string.h>

#include "cases_int.h"

int cases_vocab_known(const char *version)
{
	for (size_t i = 0; i < cases_vocab_nfiles; i++)
		if (strcmp(cases_vocab_files[i].version, version) == 0)
			return 1;
	return 0;
}

/* Load one file's terms: AM_EINPUT when it is not the shape docs/vocabulary/ has. */
static enum am_status load_one(struct cases_json *j, const struct cases_vocab_file *f,
			       struct am_err *e)
{
	static const char sql[] =
		"INSERT INTO vocab SELECT ?1, l.key, json_extract(t.value, '$.key'), "
		"json_extract(t.value, '$.en') FROM json_each(?2, '$.lists') l, json_each(l.value) t "
		"WHERE json_extract(?2, '$.vocabulary') = ?1";
	sqlite3_stmt *st = NULL;
	enum am_status s = AM_OK;

	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, f->version, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, (const char *)f->data, (int)f->len, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE || sqlite3_changes(j->db) == 0)
		s = am_fail(e, AM_EINPUT, "vocabulary %s compiled into amanat cannot be read (%s)",
			    f->version, sqlite3_errmsg(j->db));
	sqlite3_finalize(st);
	return s;
}

enum am_status cases_vocab_load(struct cases_json *j, struct am_err *e)
{
	enum am_status s = AM_OK;

	if (j->vocab_loaded)
		return AM_OK;
	if (sqlite3_exec(j->db,
			 "CREATE TABLE vocab(version TEXT NOT NULL, list TEXT NOT NULL, key TEXT "
			 "NOT NULL, en TEXT NOT NULL, PRIMARY KEY(version, list, key))",
			 NULL, NULL, NULL) != SQLITE_OK)
		return am_fail(e, AM_ENOMEM, "cannot make the vocabulary table: %s",
			       sqlite3_errmsg(j->db));
	for (size_t i = 0; s == AM_OK && i < cases_vocab_nfiles; i++)
		s = load_one(j, &cases_vocab_files[i], e);
	j->vocab_loaded = s == AM_OK;
	return s;
}

const char *cases_vocab_label(struct cases_json *j, const char *version, const char *list,
			      const char *key)
{
	static char label[256];
	sqlite3_stmt *st = j->st[CJ_VOCAB];
	const char *out = NULL;

	if (!j->vocab_loaded || key == NULL || version == NULL)
		return NULL;
	if (st == NULL && sqlite3_prepare_v2(j->db, "SELECT en FROM vocab WHERE version = ?1 AND "
				     "list = ?2 AND key = ?3", -1, &j->st[CJ_VOCAB], NULL) != SQLITE_OK)
		return NULL;
	st = j->st[CJ_VOCAB];
	sqlite3_reset(st);
	if (sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, list, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		if (n >= sizeof(label))
			n = sizeof(label) - 1;
		memcpy(label, sqlite3_column_text(st, 0), n);
		label[n] = '\0';
		out = label;
	}
	sqlite3_reset(st);
	return out;
}
