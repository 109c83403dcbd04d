/*
 * bundle_json.c — reading the bundle's JSON with SQLite's JSON functions on
 * an in-memory database (no JSON is parsed by hand), every value checked for
 * its type, length and form before use; and amanat/bundle.json against the
 * checkpoint and the signer.  The item records are bundle_items.c's.
 */
#include "bundle_verify_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const js_sql[] = {
    "SELECT json_valid(?1), json_type(?1)",
    "SELECT key, type FROM json_each(?1)",
    "SELECT json_extract(?1, ?2)",
    "SELECT type, value FROM json_each(?1, ?2)",
    "SELECT json_type(?1, ?2)",
};

void bv_json_release(struct bv_ctx *x)
{
	for (size_t i = 0; i < sizeof(x->js) / sizeof(x->js[0]); i++) {
		sqlite3_finalize(x->js[i]);
		x->js[i] = NULL;
	}
	for (size_t i = 0; i < x->nlisted; i++)
		free(x->listed[i]);
	free(x->listed);
	for (size_t i = 0; i < x->nwithheld; i++)
		free(x->withheld[i]);
	free(x->withheld);
	free(x->scope);
	x->scope = NULL;
	x->listed = x->withheld = NULL;
	x->nlisted = x->nwithheld = 0;
}

/* A prepared statement with json (and path) bound, or NULL. */
sqlite3_stmt *bv_js(struct bv_ctx *x, int which, const char *json, size_t len, const char *path)
{
	sqlite3_stmt *st = x->js[which];

	if (st == NULL &&
	    sqlite3_prepare_v2(x->db, js_sql[which], -1, &x->js[which], NULL) != SQLITE_OK)
		return NULL;
	st = x->js[which];
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (sqlite3_bind_text(st, 1, json, (int)len, SQLITE_STATIC) != SQLITE_OK ||
	    (path != NULL && sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC) != SQLITE_OK))
		return NULL;
	return st;
}

/* 0 when json is one well-formed JSON object (RFC 8259, no NUL bytes). */
int bv_js_object(struct bv_ctx *x, const char *file, const char *json, size_t len)
{
	sqlite3_stmt *st;
	int ok = 0, rc = SQLITE_ERROR;

	if (memchr(json, '\0', len) != NULL || len > 0x7fffffffu) {
		bv_problem(x, "%s: is not JSON text", file);
		return -1;
	}
	st = bv_js(x, BV_JS_VALID, json, len, NULL);
	if (st != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ok = sqlite3_column_int(st, 0) == 1 && sqlite3_column_text(st, 1) != NULL &&
		     strcmp((const char *)sqlite3_column_text(st, 1), "object") == 0;
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		bv_problem(x, "%s: cannot be read as JSON within this verifier's memory bound (%s)",
		           file, sqlite3_errstr(rc));
	else if (!ok)
		bv_problem(x, "%s: is not a well-formed JSON object", file);
	return ok ? 0 : -1;
}

int bv_js_keys(struct bv_ctx *x, const char *what, const char *json, size_t len,
               const struct bv_keyspec *ks, size_t nks, unsigned *present)
{
	sqlite3_stmt *st = bv_js(x, BV_JS_KEYS, json, len, NULL);
	int bad = 0, rc;

	*present = 0;
	if (st == NULL) {
		bv_problem(x, "%s: cannot be read as JSON", what);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const char *type = (const char *)sqlite3_column_text(st, 1);
		size_t i;

		for (i = 0; key != NULL && i < nks && strcmp(ks[i].key, key) != 0; i++)
			;
		if (key == NULL || i == nks) {
			bv_problem(x, "%s: has an unexpected key '%.64s'", what, key ? key : "");
			bad = 1;
		} else if (*present & (1u << i)) {
			bv_problem(x, "%s: gives '%s' more than once", what, key);
			bad = 1;
		} else if (type == NULL || strcmp(type, ks[i].type) != 0) {
			bv_problem(x, "%s: '%s' is not a JSON %s", what, key,
			           strcmp(ks[i].type, "text") == 0 ? "string" : ks[i].type);
			*present |= 1u << i;
			bad = 1;
		} else {
			*present |= 1u << i;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		bv_problem(x, "%s: cannot be read as JSON", what);
		return -1;
	}
	for (size_t i = 0; i < nks; i++)
		if (ks[i].required && !(*present & (1u << i))) {
			bv_problem(x, "%s: has no '%s'", what, ks[i].key);
			bad = 1;
		}
	return bad ? -1 : 0;
}

/* The string at path, decoded (malloc'ed, NUL-terminated), or NULL. */
char *bv_js_text(struct bv_ctx *x, const char *json, size_t len, const char *path, size_t *outlen)
{
	sqlite3_stmt *st = bv_js(x, BV_JS_GET, json, len, path);
	char *out = NULL;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) == SQLITE_TEXT) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		out = malloc(n + 1);
		if (out != NULL && t != NULL) {
			memcpy(out, t, n);
			out[n] = '\0';
			*outlen = n;
		} else {
			free(out);
			out = NULL;
		}
	}
	if (st != NULL)
		sqlite3_reset(st);
	return out;
}

/* 1 when the object has a member at path. */
int bv_js_has(struct bv_ctx *x, const char *json, size_t len, const char *path)
{
	sqlite3_stmt *st = bv_js(x, BV_JS_TYPE, json, len, path);
	int has = st != NULL && sqlite3_step(st) == SQLITE_ROW &&
	          sqlite3_column_type(st, 0) != SQLITE_NULL;

	if (st != NULL)
		sqlite3_reset(st);
	return has;
}

/* The non-negative integer at path; -1 when it is not one. */
int bv_js_u64(struct bv_ctx *x, const char *json, size_t len, const char *path, uint64_t *v)
{
	sqlite3_stmt *st = bv_js(x, BV_JS_GET, json, len, path);
	int ok = st != NULL && sqlite3_step(st) == SQLITE_ROW &&
	         sqlite3_column_type(st, 0) == SQLITE_INTEGER && sqlite3_column_int64(st, 0) >= 0;

	if (ok)
		*v = (uint64_t)sqlite3_column_int64(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	return ok ? 0 : -1;
}

/* Exactly want bytes of lowercase hex. */
int bv_lower_hex(unsigned char *out, size_t want, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
	return am_unhex(out, want, s, n);
}

/* "AMN-" and at least six digits. */
int bv_item_id_ok(const char *id, size_t n)
{
	if (n < 10 || n > 24 || memcmp(id, "AMN-", 4) != 0)
		return 0;
	for (size_t i = 4; i < n; i++)
		if (id[i] < '0' || id[i] > '9')
			return 0;
	return 1;
}

/* The strings of the array at path (malloc'ed copies); -1 if any element is not one. */
static int js_strings(struct bv_ctx *x, const char *what, const char *json, size_t len,
                      const char *path, char ***out, size_t *n)
{
	sqlite3_stmt *st = bv_js(x, BV_JS_EACH, json, len, path);
	int rc, bad = 0;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		char **g;

		if (type == NULL || strcmp(type, "text") != 0 || v == NULL ||
		    (size_t)sqlite3_column_bytes(st, 1) != strlen(v)) {
			bv_problem(x, "%s: '%s' holds something other than strings", what,
			           path + 2);
			bad = 1;
			continue;
		}
		g = realloc(*out, (*n + 1) * sizeof(*g));
		if (g == NULL)
			break;
		*out = g;
		if ((g[*n] = strdup(v)) == NULL)
			break;
		(*n)++;
	}
	sqlite3_reset(st);
	return bad || rc != SQLITE_DONE ? -1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void bv_check_bundle_json(struct bv_ctx *x)
{
	static const struct bv_keyspec top[] = {
	    {"format", "text", 1},        {"origin", "text", 1}, {"tree_size", "integer", 1},
	    {"exported_by", "object", 1}, {"scope", "text", 1},  {"items", "array", 1},
	    {"withheld", "array", 1},
	};
	static const char *const W = "amanat/bundle.json";
	size_t len = 0, n = 0;
	unsigned char *buf = bv_load(x, W, BV_MAX_BUNDLE_JSON, &len, 1);
	const char *j = (const char *)buf;
	unsigned present = 0, ep = 0;
	char *s = NULL;
	uint64_t size = 0;

	if (buf == NULL || bv_js_object(x, W, j, len) != 0)
		goto done;
	bv_js_keys(x, W, j, len, top, 7, &present);
	if ((present & 1) && ((s = bv_js_text(x, j, len, "$.format", &n)) == NULL ||
	                      strcmp(s, "amanat-bundle-1") != 0))
		bv_problem(x, "%s: format is not amanat-bundle-1", W);
	free(s);
	s = NULL;
	if ((present & 2) && (s = bv_js_text(x, j, len, "$.origin", &n)) != NULL && x->have_cp &&
	    strcmp(s, x->cp.origin) != 0)
		bv_problem(x, "%s: origin %.100s is not the checkpoint's origin %s", W, s,
		           x->cp.origin);
	free(s);
	s = NULL;
	if ((present & 4) && bv_js_u64(x, j, len, "$.tree_size", &size) == 0) {
		if (x->have_cp && size != x->cp.size)
			bv_problem(x, "%s: tree_size %llu is not the checkpoint's size %llu", W,
			           (unsigned long long)size, (unsigned long long)x->cp.size);
	} else if (present & 4) {
		bv_problem(x, "%s: tree_size is not a non-negative integer", W);
	}
	if (present & 8) {
		static const struct bv_keyspec eks[] = {{"name", "text", 1}, {"key_id", "text", 1}};
		char *name = bv_js_text(x, j, len, "$.exported_by.name", &n);
		char *kid = bv_js_text(x, j, len, "$.exported_by.key_id", &n);
		char *obj = NULL;
		sqlite3_stmt *st = bv_js(x, BV_JS_GET, j, len, "$.exported_by");
		if (st != NULL && sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) == SQLITE_TEXT)
			obj = strdup((const char *)sqlite3_column_text(st, 0));
		if (st != NULL)
			sqlite3_reset(st);
		if (obj != NULL)
			bv_js_keys(x, "amanat/bundle.json exported_by", obj, strlen(obj), eks, 2,
			           &ep);
		free(obj);
		if (kid != NULL && x->r->exporter_key_id[0] &&
		    strcmp(kid, x->r->exporter_key_id) != 0)
			bv_problem(x,
			           "%s: exported_by key_id %.40s is not the key that signed the "
			           "bundle, %s",
			           W, kid, x->r->exporter_key_id);
		if (name != NULL && x->r->exporter_name[0] &&
		    strcmp(name, x->r->exporter_name) != 0)
			bv_problem(
			    x, "%s: exported_by name %.80s is not the signer's enrolled name, %s",
			    W, name, x->r->exporter_name);
		free(name);
		free(kid);
	}
	if ((present & 16) &&
	    ((s = bv_js_text(x, j, len, "$.scope", &n)) == NULL || !am_scope_ok(s)))
		bv_problem(x, "%s: scope is not a consent scope", W);
	else if (s != NULL) {
		x->scope = s; /* index.html shows it */
		s = NULL;
	}
	free(s);
	s = NULL;
	if (present & 32) {
		js_strings(x, W, j, len, "$.items", &x->listed, &x->nlisted);
		/* sorted, for bundle_items.c to look items up in */
		if (x->nlisted > 1)
			qsort(x->listed, x->nlisted, sizeof(*x->listed), cmp_str);
		for (size_t i = 0; i < x->nlisted; i++) {
			if (!bv_item_id_ok(x->listed[i], strlen(x->listed[i])))
				bv_problem(x, "%s: item '%.40s' is not named AMN-nnnnnn", W,
				           x->listed[i]);
			if (i > 0 && strcmp(x->listed[i - 1], x->listed[i]) == 0)
				bv_problem(x, "%s: lists item %s more than once", W, x->listed[i]);
		}
	}
	if (present & 64)
		js_strings(x, W, j, len, "$.withheld", &x->withheld, &x->nwithheld);
	x->have_json = 1;
done:
	free(buf);
}
