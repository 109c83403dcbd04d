/*
 * json.c — JSON read with SQLite's JSON functions (json_each, json_type) on a
 * private connection to ":memory:": a record's plaintext is parsed in memory
 * and never reaches a database file, journal or temporary file (temp_store
 * is set to memory too).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../crypto/crypto.h"
#include "cases_int.h"

static const char *const cj_sql[CJ_NSTMT] = {
	[CJ_TYPE] = "SELECT json_valid(?1), json_type(?1, ?2)",
	[CJ_EXTRACT] = "SELECT json_extract(?1, ?2)",
	[CJ_EACH] = "SELECT key, type, CASE WHEN type IN ('array','object') THEN json(value) "
		    "ELSE value END FROM json_each(?1, ?2)",
	[CJ_LEN] = "SELECT json_array_length(?1, ?2)",
	[CJ_VOCAB] = NULL, /* vocab.c prepares its own, once the table exists */
};

enum am_status cases_json_open(struct cases_json **out, struct am_err *e)
{
	struct cases_json *j = calloc(1, sizeof(*j));

	*out = NULL;
	if (j == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	if (sqlite3_open_v2(":memory:", &j->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL) !=
		    SQLITE_OK ||
	    sqlite3_exec(j->db, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL) != SQLITE_OK) {
		cases_json_close(j);
		return am_fail(e, AM_ENOMEM, "cannot open an in-memory database for JSON");
	}
	*out = j;
	return AM_OK;
}

void cases_json_close(struct cases_json *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; i < CJ_NSTMT; i++)
		sqlite3_finalize(j->st[i]);
	sqlite3_close(j->db);
	free(j);
}

/* Statement k reset, with json and path bound; NULL on failure. */
static sqlite3_stmt *stmt(struct cases_json *j, int k, const char *json, size_t len,
			  const char *path)
{
	if (j->st[k] == NULL && sqlite3_prepare_v2(j->db, cj_sql[k], -1, &j->st[k], NULL) != SQLITE_OK)
		return NULL;
	sqlite3_reset(j->st[k]);
	sqlite3_clear_bindings(j->st[k]);
	if (len > 0x7fffffffu || memchr(json, '\0', len) != NULL ||
	    sqlite3_bind_text(j->st[k], 1, json, (int)len, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(j->st[k], 2, path, -1, SQLITE_STATIC) != SQLITE_OK)
		return NULL;
	return j->st[k];
}

int cj_type(struct cases_json *j, const char *json, size_t len, const char *path, char type[8])
{
	sqlite3_stmt *st = stmt(j, CJ_TYPE, json, len, path);
	const unsigned char *t;
	int rc = -1;

	type[0] = '\0';
	if (st == NULL || sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 0) != 1)
		goto out;
	t = sqlite3_column_text(st, 1);
	if (t != NULL)
		snprintf(type, 8, "%s", (const char *)t);
	rc = 0;
out:
	if (st != NULL)
		sqlite3_reset(st);
	return rc;
}

void cj_members_release(struct cj_members *ms)
{
	for (size_t i = 0; i < ms->n; i++) {
		cases_free_str(ms->m[i].key);
		if (ms->m[i].text != NULL) {
			am_wipe(ms->m[i].text, ms->m[i].tlen);
			free(ms->m[i].text);
		}
	}
	free(ms->m);
	memset(ms, 0, sizeof(*ms));
}

int cj_members(struct cases_json *j, const char *json, size_t len, const char *path,
	       struct cj_members *out)
{
	sqlite3_stmt *st;
	int rc, oom = 0;

	memset(out, 0, sizeof(*out));
	st = stmt(j, CJ_EACH, json, len, path);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cj_member *grown = realloc(out->m, (out->n + 1) * sizeof(*grown)), *m;
		const unsigned char *t = sqlite3_column_text(st, 2);
		size_t tl = (size_t)sqlite3_column_bytes(st, 2);

		if (grown == NULL) {
			oom = 1;
			break;
		}
		out->m = grown;
		m = &out->m[out->n++];
		memset(m, 0, sizeof(*m));
		if (sqlite3_column_type(st, 0) == SQLITE_TEXT)
			m->key = cases_strndup((const char *)sqlite3_column_text(st, 0),
					       (size_t)sqlite3_column_bytes(st, 0), &oom);
		snprintf(m->type, sizeof(m->type), "%s",
			 sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "");
		m->text = cases_strndup(t != NULL ? (const char *)t : "", t != NULL ? tl : 0, &oom);
		m->tlen = t != NULL ? tl : 0;
	}
	sqlite3_reset(st);
	if (oom || (rc != SQLITE_DONE && rc != SQLITE_ROW)) {
		cj_members_release(out);
		return -1;
	}
	/* JSON leaves a repeated key's meaning open: a record must not repeat one */
	for (size_t i = 1; i < out->n && out->dup == NULL && out->n <= 4096; i++)
		for (size_t k = 0; k < i && out->m[i].key != NULL; k++)
			if (out->m[k].key != NULL && strcmp(out->m[i].key, out->m[k].key) == 0) {
				out->dup = out->m[i].key;
				break;
			}
	return 0;
}
