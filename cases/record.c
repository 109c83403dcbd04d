/*
 * record.c — a case record read from JSON and checked: the rules of
 * docs/case-record.schema.json, and what a schema cannot say (a date in the
 * calendar, act ids unique in their case, links to evidence that exists).
 * Every problem is kept, naming the case, the act and the field.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cases_int.h"

/* Where a problem is: "FILE:LINE: case C, act A, field F: " */
struct at {
	const char *where;
	const struct cases_cols *cols; /* CSV: name the column and the act's line */
	unsigned line;
	const char *case_id;
	const char *act_id;
	struct cases_problems *p;
};

#define SAY(at, field, ...) say(at, field, __VA_ARGS__)
static void say(const struct at *at, const char *field, const char *fmt, ...) AM_PRINTF(3, 4);
static void say(const struct at *at, const char *field, const char *fmt, ...)
{
	char what[400], pre[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (at->cols != NULL && at->line != 0) {
		const char *col = field ? cases_column_of(field) : NULL;
		size_t k = 0;
		while (col != NULL && k < at->cols->n && strcmp(at->cols->name[k], col) != 0)
			k++;
		if (col != NULL && k < at->cols->n)
			snprintf(pre, sizeof(pre), "%s:%u: column %zu (%s): case %.64s", at->where,
				 at->line, k + 1, col, at->case_id ? at->case_id : "(no case_id)");
		else
			snprintf(pre, sizeof(pre), "%s:%u: case %.64s", at->where, at->line,
				 at->case_id ? at->case_id : "(no case_id)");
	} else {
		snprintf(pre, sizeof(pre), "%s%scase %.64s", at->where ? at->where : "",
			 at->where ? ": " : "", at->case_id ? at->case_id : "(no case_id)");
	}
	if (at->act_id != NULL)
		cases_problem(at->p, "%s, act %.24s, field %s: %s", pre, at->act_id, field, what);
	else if (field != NULL)
		cases_problem(at->p, "%s, field %s: %s", pre, field, what);
	else
		cases_problem(at->p, "%s: %s", pre, what);
}

/* Code points in UTF-8 text (what JSON Schema's maxLength counts). */
static size_t codepoints(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* s matches FIRST then REST{0,max-1}: the id patterns of the schema. */
static int id_ok(const char *s, const char *rest, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || strchr(rest, c) == NULL))
			return 0;
	}
	return 1;
}

int cases_id_ok(const char *s)
{
	return id_ok(s, "._/-", 64);
}

static int pseudonym_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 6 || n > 10 || s[0] != 'V' || s[1] != '-')
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int cases_private_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 31)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '_' || c == '-'));
		if (!ok)
			return 0;
	}
	return 1;
}

/* A term of list in the record's vocabulary, or a problem naming the field. */
static void term(struct cases_json *j, const struct at *at, const char *voc, const char *list,
		 const char *field, const char *v)
{
	if (v == NULL)
		SAY(at, field, "missing");
	else if (voc != NULL && cases_vocab_known(voc) && cases_vocab_label(j, voc, list, v) == NULL)
		SAY(at, field, "'%.60s' is not a term of the %s list of vocabulary %s", v, list, voc);
}

static void check_act(struct cases_json *j, struct at *at, const struct cases_log *log,
		      const char *voc, struct cases_act *a)
{
	at->act_id = a->act_id != NULL ? a->act_id : "(no act_id)";
	at->line = a->line;
	if (a->act_id == NULL)
		SAY(at, "act_id", "missing");
	else if (!id_ok(a->act_id, "_-", 24))
		SAY(at, "act_id", "'%.30s' is not an act id (1 to 24 letters, digits, _ or -, "
		    "starting with a letter or digit)", a->act_id);
	term(j, at, voc, "act_type", "act_type", a->act_type);
	if (a->date == NULL) {
		SAY(at, "date", "missing");
	} else if (a->precision == 0) {
		SAY(at, "date_precision", "missing, or not day, month or year");
	} else if (cases_period(a->date, a->precision, &a->first_day, &a->last_day) != 0) {
		const char *form = a->precision == CASES_DAY ? "YYYY-MM-DD" :
				   a->precision == CASES_MONTH ? "YYYY-MM" : "YYYY";
		SAY(at, "date", "'%.20s' is not a date of precision %s (%s, a real date between 1900 "
		    "and 2999)", a->date, cases_precision_name(a->precision), form);
		a->precision = 0;
	}
	term(j, at, voc, "province", "place.province", a->province);
	if (a->district == NULL)
		SAY(at, "place.district", "missing");
	else if (codepoints(a->district) > 100)
		SAY(at, "place.district", "longer than 100 characters");
	if (a->victim == NULL)
		SAY(at, "victim.pseudonym", "missing");
	else if (!pseudonym_ok(a->victim))
		SAY(at, "victim.pseudonym", "'%.20s' is not a pseudonym (V- and 4 to 8 digits, as "
		    "V-0007)", a->victim);
	term(j, at, voc, "sex", "victim.sex", a->sex);
	term(j, at, voc, "age_group", "victim.age_group", a->age_group);
	term(j, at, voc, "affiliation", "victim.affiliation", a->affiliation);
	term(j, at, voc, "perpetrator", "perpetrator", a->perpetrator);
	term(j, at, voc, "status", "status", a->status);
	for (size_t i = 0; i < a->nsrc; i++) {
		const struct cases_source *s = &a->src[i];
		term(j, at, voc, "reliability", "sources.reliability", s->reliability);
		if (s->entry == 0)
			SAY(at, "sources.entry", "entry 0 is the vault's genesis, not evidence");
		else if (log != NULL && log->types != NULL && s->entry >= log->size)
			SAY(at, "sources.entry", "entry %llu does not exist (the vault has %llu "
			    "entries)", (unsigned long long)s->entry, (unsigned long long)log->size);
		else if (log != NULL && log->types != NULL &&
			 (log->types[s->entry] < AM_T_TESTIMONY || log->types[s->entry] > AM_T_MEDIA))
			SAY(at, "sources.entry", "entry %llu is a %s entry, not evidence (testimony, "
			    "document or media)", (unsigned long long)s->entry,
			    am_type_name(log->types[s->entry]));
	}
	for (size_t i = 0; i < a->npriv; i++) {
		if (!cases_private_name_ok(a->priv[i].name))
			SAY(at, "private", "'%.40s' is not a private field name (1 to 31 of a-z, 0-9, "
			    "_ and -, starting with a letter or digit)", a->priv[i].name);
		else if (codepoints(a->priv[i].value) > 4096)
			SAY(at, "private", "%s is longer than 4096 characters", a->priv[i].name);
	}
	if (a->npriv > 32)
		SAY(at, "private", "%zu private fields; at most 32 per act", a->npriv);
	at->act_id = NULL;
	at->line = 0;
}

int cases_record_check(struct cases_json *j, const char *where, const struct cases_cols *cols,
		       const struct cases_log *log, struct cases_record *r,
		       struct cases_problems *probs)
{
	struct at at = { where, cols, r->line, r->case_id, NULL, probs };
	size_t before = probs->n, nfields = 3;

	if (r->case_id == NULL)
		SAY(&at, "case_id", "missing");
	else if (!id_ok(r->case_id, "._/-", 64))
		SAY(&at, "case_id", "'%.70s' is not a case id (1 to 64 letters, digits, ., _, / or "
		    "-, starting with a letter or digit)", r->case_id);
	if (r->vocabulary == NULL)
		SAY(&at, "vocabulary", "missing");
	else if (!cases_vocab_known(r->vocabulary))
		SAY(&at, "vocabulary", "version '%.20s' is not one this amanat knows (newest: %s)",
		    r->vocabulary, CASES_VOCABULARY);
	if (r->summary != NULL && codepoints(r->summary) > 4000)
		SAY(&at, "summary", "longer than 4000 characters");
	for (size_t i = 0; i < r->nscopes; i++) {
		if (!cases_scope_ok(r->scopes[i]))
			SAY(&at, "consent_scopes", "'%.40s' is not a consent scope (internal, "
			    "un-mechanism, court, defence-identity, publication, re-contact)", r->scopes[i]);
		for (size_t k = 0; k < i; k++)
			if (strcmp(r->scopes[i], r->scopes[k]) == 0)
				SAY(&at, "consent_scopes", "'%.40s' is given twice", r->scopes[i]);
	}
	if (r->nacts == 0)
		SAY(&at, "acts", "a case record needs at least one act");
	if (r->nacts > 1000)
		SAY(&at, "acts", "%zu acts; at most 1000 in one case", r->nacts);
	for (size_t i = 0; i < r->nacts; i++) {
		check_act(j, &at, log, r->vocabulary, &r->acts[i]);
		nfields += r->acts[i].npriv;
		for (size_t k = 0; r->acts[i].act_id != NULL && k < i; k++) {
			if (r->acts[k].act_id != NULL &&
			    strcasecmp(r->acts[i].act_id, r->acts[k].act_id) == 0) {
				at.act_id = r->acts[i].act_id;
				at.line = r->acts[i].line;
				SAY(&at, "act_id", "duplicate act id (act %.24s has it already)",
				    r->acts[k].act_id);
				at.act_id = NULL;
				at.line = r->line;
				break;
			}
		}
	}
	if (nfields > 4000)
		SAY(&at, "private", "%zu private fields in the case; at most 4000", nfields - 3);
	return probs->n > before || probs->oom ? -1 : 0;
}

/* ---- from JSON ------------------------------------------------------------- */

/* 1 (said) when an object repeats a key: its meaning would be whichever reader's guess. */
static int repeated(const struct at *at, const struct cj_members *ms, const char *prefix)
{
	char field[80];

	if (ms->dup == NULL)
		return 0;
	snprintf(field, sizeof(field), "%s%.40s", prefix, ms->dup);
	SAY(at, field, "is given twice");
	return 1;
}

/* A string member's text into *dst, or a problem (a second one replaces nothing). */
static void take_str(const struct at *at, const struct cj_member *m, const char *field,
		     char **dst, int *oom)
{
	if (strcmp(m->type, "text") != 0) {
		SAY(at, field, "must be a string, not %s", m->type);
		return;
	}
	cases_free_str(*dst);
	*dst = cases_strndup(m->text, m->tlen, oom);
}

/* Parse object json at path with the named members into dst[], keys[] as the schema lists them. */
static void take_object(struct cases_json *j, const struct at *at, const char *json, size_t len,
			const char *path, const char *prefix, const char *const keys[],
			char **const dst[], size_t nkeys, int *oom)
{
	struct cj_members ms;
	char field[64];

	if (cj_members(j, json, len, path, &ms) != 0) {
		*oom = 1;
		return;
	}
	for (size_t i = 0; i < ms.n && !repeated(at, &ms, prefix); i++) {
		size_t k = 0;
		while (k < nkeys && strcmp(ms.m[i].key, keys[k]) != 0)
			k++;
		snprintf(field, sizeof(field), "%s%.40s", prefix, ms.m[i].key);
		if (k == nkeys)
			SAY(at, field, "is not a field of %s", *prefix ? "this object" : "an act");
		else
			take_str(at, &ms.m[i], field, dst[k], oom);
	}
	cj_members_release(&ms);
}

static void parse_sources(struct cases_json *j, const struct at *at, const char *json, size_t len,
			  struct cases_act *a, int *oom)
{
	struct cj_members ms;

	if (cj_members(j, json, len, "$", &ms) != 0) {
		*oom = 1;
		return;
	}
	a->src = calloc(ms.n ? ms.n : 1, sizeof(*a->src));
	if (a->src == NULL)
		*oom = 1;
	if (ms.n > 64)
		SAY(at, "sources", "%zu sources; at most 64", ms.n);
	for (size_t i = 0; a->src != NULL && i < ms.n; i++) {
		struct cj_members f;
		struct cases_source *s = &a->src[a->nsrc++];
		int has_entry = 0;
		if (strcmp(ms.m[i].type, "object") != 0) {
			SAY(at, "sources", "each source must be an object {entry, reliability}");
			continue;
		}
		if (cj_members(j, ms.m[i].text, ms.m[i].tlen, "$", &f) != 0) {
			*oom = 1;
			break;
		}
		for (size_t k = 0; k < f.n && !repeated(at, &f, "sources."); k++) {
			if (strcmp(f.m[k].key, "entry") == 0) {
				char *end;
				unsigned long long v = strtoull(f.m[k].text, &end, 10);
				if (strcmp(f.m[k].type, "integer") != 0 || *end != '\0' || f.m[k].text[0] == '-')
					SAY(at, "sources.entry", "must be an entry number");
				else
					s->entry = v, has_entry = 1;
			} else if (strcmp(f.m[k].key, "reliability") == 0) {
				take_str(at, &f.m[k], "sources.reliability", &s->reliability, oom);
			} else {
				SAY(at, "sources", "'%.30s' is not a field of a source", f.m[k].key);
			}
		}
		if (!has_entry)
			SAY(at, "sources.entry", "missing or not an entry number");
		cj_members_release(&f);
	}
	cj_members_release(&ms);
}

static void parse_private(const struct at *at, const struct cj_members *ms, struct cases_act *a,
			  int *oom)
{
	a->priv = calloc(ms->n ? ms->n : 1, sizeof(*a->priv));
	if (a->priv == NULL) {
		*oom = 1;
		return;
	}
	for (size_t i = 0; i < ms->n; i++) {
		if (strcmp(ms->m[i].type, "text") != 0) {
			SAY(at, "private", "%.31s must be a string", ms->m[i].key);
			continue;
		}
		a->priv[a->npriv].name = cases_strndup(ms->m[i].key, strlen(ms->m[i].key), oom);
		a->priv[a->npriv++].value = cases_strndup(ms->m[i].text, ms->m[i].tlen, oom);
	}
}

static void parse_act(struct cases_json *j, struct at *at, const char *json, size_t len,
		      struct cases_act *a, int *oom)
{
	static const char *const place[] = { "province", "district" };
	static const char *const victim[] = { "pseudonym", "sex", "age_group", "affiliation" };
	struct cj_members ms;
	char *prec = NULL, *dummy = NULL;

	if (cj_members(j, json, len, "$", &ms) != 0) {
		*oom = 1;
		return;
	}
	for (size_t i = 0; i < ms.n; i++)
		if (strcmp(ms.m[i].key, "act_id") == 0 && strcmp(ms.m[i].type, "text") == 0 &&
		    a->act_id == NULL)
			a->act_id = cases_strndup(ms.m[i].text, ms.m[i].tlen, oom);
	at->act_id = a->act_id != NULL ? a->act_id : "(no act_id)";
	for (size_t i = 0; i < ms.n && !repeated(at, &ms, ""); i++) {
		const struct cj_member *m = &ms.m[i];
		const char *k = m->key;
		char **simple[] = { &dummy, &a->act_type, &a->date, &prec, &a->perpetrator, &a->status };
		static const char *const names[] = { "act_id", "act_type", "date", "date_precision",
						     "perpetrator", "status" };
		size_t s = 0;
		while (s < 6 && strcmp(k, names[s]) != 0)
			s++;
		if (s == 0)
			continue;
		if (s < 6) {
			take_str(at, m, k, simple[s], oom);
		} else if (strcmp(k, "place") == 0 || strcmp(k, "victim") == 0) {
			int is_place = k[0] == 'p';
			char **pd[] = { &a->province, &a->district };
			char **vd[] = { &a->victim, &a->sex, &a->age_group, &a->affiliation };
			if (strcmp(m->type, "object") != 0)
				SAY(at, k, "must be an object");
			else
				take_object(j, at, m->text, m->tlen, "$", is_place ? "place." : "victim.",
					    is_place ? place : victim, is_place ? pd : vd,
					    is_place ? 2 : 4, oom);
		} else if (strcmp(k, "sources") == 0) {
			if (strcmp(m->type, "array") != 0)
				SAY(at, k, "must be an array of {entry, reliability}");
			else
				parse_sources(j, at, m->text, m->tlen, a, oom);
		} else if (strcmp(k, "private") == 0) {
			struct cj_members pm;
			if (strcmp(m->type, "object") != 0) {
				SAY(at, k, "must be an object of strings");
			} else if (cj_members(j, m->text, m->tlen, "$", &pm) != 0) {
				*oom = 1;
			} else if (repeated(at, &pm, "private.")) {
				cj_members_release(&pm);
			} else {
				parse_private(at, &pm, a, oom);
				cj_members_release(&pm);
			}
		} else {
			SAY(at, k, "is not a field of an act");
		}
	}
	if (prec != NULL)
		a->precision = cases_precision_parse(prec);
	if (a->date != NULL && prec == NULL)
		SAY(at, "date_precision", "missing");
	if (a->src == NULL && !*oom) {
		a->src = calloc(1, sizeof(*a->src));
		SAY(at, "sources", "missing (give [] when no entry supports the act yet)");
	}
	cases_free_str(prec);
	cj_members_release(&ms);
	at->act_id = NULL;
}

/*
 * 1 when JSON text escapes a NUL (\u0000) in a string: SQLite's JSON
 * functions end such a string at the NUL, so the rest would be lost unseen.
 * Backslashes occur only in strings, each starting one escape.
 */
static int nul_escape(const char *json, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (json[i] != '\\')
			continue;
		if (json[i + 1] == 'u' && i + 5 < len && memcmp(json + i + 2, "0000", 4) == 0)
			return 1;
		i++; /* the escaped character, a backslash included */
	}
	return 0;
}

int cases_record_parse(struct cases_json *j, const char *json, size_t len, const char *where,
		       const struct cases_log *log, struct cases_record *r,
		       struct cases_problems *probs)
{
	struct cj_members ms;
	struct at at = { where, NULL, 0, NULL, NULL, probs };
	char type[8], *schema = NULL;
	size_t before = probs->n;
	int oom = 0, has_scopes = 0;

	cases_record_init(r);
	/* a byte order mark, as some editors write: not part of the JSON */
	if (len >= 3 && memcmp(json, "\xef\xbb\xbf", 3) == 0)
		json += 3, len -= 3;
	if (memchr(json, '\0', len) != NULL) {
		cases_problem(probs, "%s%sholds a NUL byte: not JSON text", where ? where : "",
			      where ? ": " : "");
		return -1;
	}
	if (cj_type(j, json, len, "$", type) != 0 || strcmp(type, "object") != 0) {
		cases_problem(probs, "%s%sis not a JSON object", where ? where : "", where ? ": " : "");
		return -1;
	}
	if (cj_members(j, json, len, "$", &ms) != 0) {
		cases_problem(probs, "%s%sout of memory", where ? where : "", where ? ": " : "");
		return -1;
	}
	for (size_t i = 0; i < ms.n; i++)
		if (strcmp(ms.m[i].key, "case_id") == 0 && strcmp(ms.m[i].type, "text") == 0 &&
		    r->case_id == NULL)
			r->case_id = cases_strndup(ms.m[i].text, ms.m[i].tlen, &oom);
	at.case_id = r->case_id;
	for (size_t i = 0; i < ms.n && !repeated(&at, &ms, ""); i++) {
		const struct cj_member *m = &ms.m[i];
		if (strcmp(m->key, "case_id") == 0) {
			if (r->case_id == NULL)
				SAY(&at, "case_id", "must be a string");
		} else if (strcmp(m->key, "schema") == 0) {
			take_str(&at, m, "schema", &schema, &oom);
		} else if (strcmp(m->key, "vocabulary") == 0) {
			take_str(&at, m, "vocabulary", &r->vocabulary, &oom);
		} else if (strcmp(m->key, "summary") == 0) {
			take_str(&at, m, "summary", &r->summary, &oom);
		} else if (strcmp(m->key, "consent_scopes") == 0) {
			struct cj_members sc;
			has_scopes = 1;
			if (strcmp(m->type, "array") != 0 || cj_members(j, m->text, m->tlen, "$", &sc) != 0) {
				SAY(&at, "consent_scopes", "must be an array of scopes");
				continue;
			}
			r->scopes = calloc(sc.n ? sc.n : 1, sizeof(char *));
			oom |= r->scopes == NULL;
			for (size_t k = 0; r->scopes != NULL && k < sc.n; k++) {
				if (strcmp(sc.m[k].type, "text") != 0)
					SAY(&at, "consent_scopes", "each scope must be a string");
				else
					r->scopes[r->nscopes++] = cases_strndup(sc.m[k].text, sc.m[k].tlen, &oom);
			}
			cj_members_release(&sc);
		} else if (strcmp(m->key, "acts") == 0) {
			struct cj_members am;
			if (strcmp(m->type, "array") != 0 || cj_members(j, m->text, m->tlen, "$", &am) != 0) {
				SAY(&at, "acts", "must be an array of acts");
				continue;
			}
			r->acts = calloc(am.n ? am.n : 1, sizeof(*r->acts));
			oom |= r->acts == NULL;
			for (size_t k = 0; r->acts != NULL && k < am.n; k++) {
				if (strcmp(am.m[k].type, "object") != 0) {
					SAY(&at, "acts", "act %zu is not an object", k + 1);
					continue;
				}
				parse_act(j, &at, am.m[k].text, am.m[k].tlen, &r->acts[r->nacts++], &oom);
			}
			cj_members_release(&am);
		} else {
			SAY(&at, m->key, "is not a field of a case record");
		}
	}
	cj_members_release(&ms);
	if (schema == NULL)
		SAY(&at, "schema", "missing (it must be \"" CASES_SCHEMA "\")");
	else if (strcmp(schema, CASES_SCHEMA) != 0)
		SAY(&at, "schema", "'%.40s' is not \"" CASES_SCHEMA "\"", schema);
	if (!has_scopes)
		SAY(&at, "consent_scopes", "missing (give [] when no consent was obtained)");
	cases_free_str(schema);
	if (nul_escape(json, len))
		cases_problem(probs, "%s%scase %.64s: a key or string holds a NUL character (\\u0000), "
			      "which a record may not", where ? where : "", where ? ": " : "",
			      r->case_id ? r->case_id : "(no case_id)");
	if (oom)
		cases_problem(probs, "%s%sout of memory", where ? where : "", where ? ": " : "");
	/* the checks of content need well-formed parts: only then */
	if (probs->n == before)
		(void)cases_record_check(j, where, NULL, log, r, probs);
	return probs->n > before || probs->oom ? -1 : 0;
}
