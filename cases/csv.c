/*
 * csv.c — the files 'amanat import' reads: CSV as offices keep it (one row
 * per act, RFC 4180 quoting, rows grouped into cases by case_id), and JSON
 * Lines (one case record per line).  Every problem of every row is kept,
 * with its line and column, so that one run lists all there is to fix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/fsutil.h"
#include "../crypto/crypto.h"
#include "cases_int.h"

#define MAX_INPUT (512u << 20)
/*
 * At most this many columns: the known ones and private fields (an act has at
 * most 32).  Cells past it are counted, not kept, so that memory stays
 * within a small multiple of the file's cases whatever a row holds.
 */
#define MAX_COLUMNS 256

static const char *const required[] = {
	"case_id", "act_id", "act_type", "date", "date_precision", "province", "district",
	"victim", "victim_sex", "victim_age", "victim_affiliation", "perpetrator", "status",
	"consent_scopes",
};
#define NREQ (sizeof(required) / sizeof(required[0]))
/* optional columns with a meaning; every other column is a private field of the act */
static const char *const optional[] = { "sources", "vocabulary", "summary" };

void cases_input_release(struct cases_input *in)
{
	for (size_t i = 0; i < in->n; i++)
		cases_record_release(&in->r[i]);
	free(in->r);
	free(in->bad);
	memset(in, 0, sizeof(*in));
}

/* One CSV row: its cells (owned, at most MAX_COLUMNS + 1), how many it has, the line it starts on. */
struct row {
	char **cell;
	size_t n, total;
	unsigned line;
};

static void row_release(struct row *r)
{
	for (size_t i = 0; i < r->n; i++)
		cases_free_str(r->cell[i]);
	free(r->cell);
	memset(r, 0, sizeof(*r));
}

/*
 * The next row of p[*off..len) (RFC 4180: quoted cells may hold commas,
 * quotes doubled, and line breaks); *lineno advances over every line break.
 * 0, 1 at the end, -1 for a quote left open (said in probs).
 */
static int next_row(const char *path, const char *p, size_t len, size_t *off, unsigned *lineno,
		    char sep, struct row *r, struct cases_problems *probs, int *oom)
{
	struct am_buf cell;
	size_t i = *off;
	int quoted = 0, done = 0;

	memset(r, 0, sizeof(*r));
	if (i >= len)
		return 1;
	r->line = *lineno;
	am_buf_init(&cell);
	while (!done) {
		char c = i < len ? p[i] : '\n';
		if (quoted) {
			if (i >= len) {
				cases_problem(probs, "%s:%u: a quoted cell is never closed", path, r->line);
				am_buf_release(&cell);
				row_release(r);
				*off = len;
				return -1;
			}
			if (c == '"' && i + 1 < len && p[i + 1] == '"') {
				am_buf_u8(&cell, '"');
				i += 2;
				continue;
			}
			if (c == '"')
				quoted = 0;
			else
				am_buf_u8(&cell, (unsigned char)c);
			*lineno += c == '\n';
			i++;
			continue;
		}
		if (c == '"' && cell.len == 0) {
			quoted = 1;
			i++;
			continue;
		}
		if (c == sep || c == '\n' || (c == '\r' && i + 1 < len && p[i + 1] == '\n') ||
		    (c == '\r' && i + 1 >= len)) {
			char **grown = r->n <= MAX_COLUMNS ? realloc(r->cell, (r->n + 1) * sizeof(*grown))
							   : r->cell;
			if (grown == NULL) {
				*oom = 1;
				break;
			}
			r->cell = grown;
			r->total++;
			if (r->n <= MAX_COLUMNS)
				r->cell[r->n++] = cases_strndup((const char *)cell.data
								? (const char *)cell.data : "",
								cell.len, oom);
			am_wipe(cell.data, cell.len);
			cell.len = 0;
			if (c != sep) {
				i += c == '\r' ? 2 : 1;
				(*lineno)++;
				done = 1;
				continue;
			}
		} else {
			am_buf_u8(&cell, (unsigned char)c);
		}
		i++;
	}
	*off = i > len ? len : i;
	oom[0] |= cell.oom;
	am_buf_release(&cell);
	return 0;
}

/* The record of case id in in (made at the end when new). */
static struct cases_record *record_for(struct cases_input *in, struct cases_ids *ids,
				       const char *id, unsigned line, int *oom)
{
	struct cases_record *grown;
	long long at = cases_ids_find(ids, in->r, id);

	if (at >= 0)
		return &in->r[at];
	grown = realloc(in->r, (in->n + 1) * sizeof(*grown));
	if (grown == NULL) {
		*oom = 1;
		return NULL;
	}
	in->r = grown;
	cases_record_init(&in->r[in->n]);
	in->r[in->n].case_id = cases_strndup(id, strlen(id), oom);
	in->r[in->n].line = line;
	if (in->r[in->n].case_id == NULL || cases_ids_add(ids, in->r, in->n) != 0) {
		cases_record_release(&in->r[in->n]);
		*oom = 1;
		return NULL;
	}
	return &in->r[in->n++];
}

/* "12:high;15:medium" into a's sources; -1 for a part that is not ENTRY:RELIABILITY. */
static int parse_sources(const char *s, struct cases_act *a, int *oom)
{
	char *copy = cases_strndup(s, strlen(s), oom), *save = NULL, *tok;
	int rc = 0;

	for (tok = copy ? strtok_r(copy, "; ", &save) : NULL; tok != NULL;
	     tok = strtok_r(NULL, "; ", &save)) {
		char *colon = strchr(tok, ':'), *end;
		struct cases_source *grown;
		unsigned long long v;
		if (colon == NULL || colon == tok || a->nsrc >= 64) {
			rc = -1;
			break;
		}
		*colon = '\0';
		v = strtoull(tok, &end, 10);
		if (*end != '\0' || tok[0] == '-' || tok[0] == '+') {
			rc = -1;
			break;
		}
		grown = realloc(a->src, (a->nsrc + 1) * sizeof(*grown));
		if (grown == NULL) {
			*oom = 1;
			break;
		}
		a->src = grown;
		a->src[a->nsrc].entry = v;
		a->src[a->nsrc++].reliability = cases_strndup(colon + 1, strlen(colon + 1), oom);
	}
	cases_free_str(copy);
	return rc;
}

/* Scopes "internal;un-mechanism" (separated by ; , or spaces) into r. */
static void parse_scopes(const char *s, struct cases_record *r, int *oom)
{
	char *copy = cases_strndup(s, strlen(s), oom), *save = NULL, *tok;

	for (tok = copy ? strtok_r(copy, ";, ", &save) : NULL; tok != NULL;
	     tok = strtok_r(NULL, ";, ", &save)) {
		char **grown = realloc(r->scopes, (r->nscopes + 1) * sizeof(*grown));
		if (grown == NULL) {
			*oom = 1;
			break;
		}
		r->scopes = grown;
		r->scopes[r->nscopes++] = cases_strndup(tok, strlen(tok), oom);
	}
	cases_free_str(copy);
}

/* Index of the column name in hdr, or -1. */
static int col(const struct cases_cols *hdr, const char *name)
{
	for (size_t i = 0; i < hdr->n; i++)
		if (strcmp(hdr->name[i], name) == 0)
			return (int)i;
	return -1;
}

/* A case-level cell (consent_scopes, vocabulary, summary) must agree across the case's rows. */
static void case_cell(const char *path, const struct row *row, int k, const char *name,
		      char **have, unsigned *first, struct cases_problems *probs, int *oom)
{
	const char *v = k >= 0 ? row->cell[k] : "";

	if (*first == 0) {
		*have = cases_strndup(v, strlen(v), oom);
		*first = row->line;
	} else if (*have != NULL && strcmp(*have, v) != 0) {
		cases_problem(probs, "%s:%u: column %d (%s): differs from the case's first row "
			      "(line %u); a case has one %s", path, row->line, k + 1, name, *first, name);
	}
}

/* What one case gathers from its rows before it becomes a record. */
struct pending {
	char *scopes, *vocabulary, *summary;
	unsigned first[3];
};

static enum am_status read_csv(struct cases_json *j, const char *path, const char *p, size_t len,
			       const struct cases_log *log, struct cases_input *out,
			       struct cases_problems *probs, struct am_err *e)
{
	struct cases_cols hdr = { NULL, 0 };
	struct cases_ids ids = { NULL, 0, 0 };
	struct row row;
	struct pending *pend = NULL;
	unsigned char *flag = NULL; /* a case with a problem in one of its rows */
	size_t off = 0;
	unsigned lineno = 1;
	int oom = 0, rc, bad_header = 0;
	char sep = ',';
	enum am_status s = AM_OK;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	{
		/* spreadsheets saved where the decimal mark is a comma separate cells with ';' */
		const char *eol = memchr(p + off, '\n', len - off);
		size_t hl = eol != NULL ? (size_t)(eol - (p + off)) : len - off;
		if (memchr(p + off, ',', hl) == NULL && memchr(p + off, ';', hl) != NULL)
			sep = ';';
	}
	if (next_row(path, p, len, &off, &lineno, sep, &row, probs, &oom) != 0) {
		s = am_fail(e, AM_EINPUT, "%s: empty file: the first line must name the columns "
			    "(docs/CASES.md)", path);
		goto out;
	}
	hdr.name = row.cell;
	hdr.n = row.n;
	if (row.total > MAX_COLUMNS) {
		s = am_fail(e, AM_EINPUT, "%s: the header line has %zu columns; at most %d are read "
			    "(is it a CSV file, with lines ending in LF or CRLF?)", path, row.total,
			    MAX_COLUMNS);
		goto out;
	}
	for (size_t i = 0; i < NREQ; i++) {
		if (col(&hdr, required[i]) < 0) {
			cases_problem(probs, "%s:1: the column %s is missing (the header needs %s, ...)",
				      path, required[i], "case_id,act_id,act_type");
			bad_header = 1;
		}
	}
	for (size_t i = 0; i < hdr.n; i++) {
		int known = 0;
		for (size_t k = 0; k < NREQ; k++)
			known |= strcmp(hdr.name[i], required[k]) == 0;
		for (size_t k = 0; k < 3; k++)
			known |= strcmp(hdr.name[i], optional[k]) == 0;
		if (!known && !cases_private_name_ok(hdr.name[i])) {
			cases_problem(probs, "%s:1: column %zu ('%.40s') is neither a known column nor "
				      "a private field name (1 to 31 of a-z, 0-9, _ and -)", path, i + 1,
				      hdr.name[i]);
			bad_header = 1;
		}
		for (size_t k = 0; k < i; k++) {
			if (strcmp(hdr.name[i], hdr.name[k]) == 0) {
				cases_problem(probs, "%s:1: column %zu (%s) is given twice", path, i + 1,
					      hdr.name[i]);
				bad_header = 1;
			}
		}
	}
	if (bad_header) {
		s = am_fail(e, AM_EINPUT, "%s: the header line is wrong: nothing was read", path);
		goto out;
	}
	while ((rc = next_row(path, p, len, &off, &lineno, sep, &row, probs, &oom)) == 0 && !oom) {
		struct cases_record *r;
		struct cases_act *a, *grown;
		size_t k, ri, before, npriv = 0;

		if (probs->n >= CASES_MAX_PROBLEMS) {
			cases_problem(probs, "%s:%u: stopped reading here, after %zu problems", path,
				      row.line, probs->n);
			break;
		}
		if (row.n == 1 && row.cell[0][0] == '\0') { /* a blank line */
			row_release(&row);
			continue;
		}
		if (row.total != hdr.n) {
			cases_problem(probs, "%s:%u: %zu cells, but the header has %zu columns", path,
				      row.line, row.total, hdr.n);
			row_release(&row);
			continue;
		}
		if (row.cell[col(&hdr, "case_id")][0] == '\0') {
			cases_problem(probs, "%s:%u: column %d (case_id): empty; every row needs its "
				      "case id", path, row.line, col(&hdr, "case_id") + 1);
			row_release(&row);
			continue;
		}
		r = record_for(out, &ids, row.cell[col(&hdr, "case_id")], row.line, &oom);
		if (r == NULL)
			break;
		ri = (size_t)(r - out->r);
		if (ri == out->n - 1 && r->nacts == 0) { /* a case seen for the first time */
			struct pending *pg = realloc(pend, out->n * sizeof(*pg));
			unsigned char *fl;
			if (pg != NULL)
				pend = pg;
			fl = pg != NULL ? realloc(flag, out->n) : NULL;
			if (fl == NULL) {
				oom = 1;
				break;
			}
			flag = fl;
			memset(&pend[ri], 0, sizeof(pend[ri]));
			flag[ri] = 0;
		}
		before = probs->n;
		case_cell(path, &row, col(&hdr, "consent_scopes"), "consent_scopes", &pend[ri].scopes,
			  &pend[ri].first[0], probs, &oom);
		case_cell(path, &row, col(&hdr, "vocabulary"), "vocabulary", &pend[ri].vocabulary,
			  &pend[ri].first[1], probs, &oom);
		case_cell(path, &row, col(&hdr, "summary"), "summary", &pend[ri].summary,
			  &pend[ri].first[2], probs, &oom);
		grown = realloc(r->acts, (r->nacts + 1) * sizeof(*grown));
		if (grown == NULL) {
			oom = 1;
			break;
		}
		r->acts = grown;
		a = &r->acts[r->nacts++];
		memset(a, 0, sizeof(*a));
		a->line = row.line;
		{
			static const char *const c[] = { "act_id", "act_type", "date", "province",
							  "district", "victim", "victim_sex", "victim_age",
							  "victim_affiliation", "perpetrator", "status" };
			char **d[] = { &a->act_id, &a->act_type, &a->date, &a->province, &a->district,
				       &a->victim, &a->sex, &a->age_group, &a->affiliation,
				       &a->perpetrator, &a->status };
			for (k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
				const char *v = row.cell[col(&hdr, c[k])];
				/* an empty cell is a missing value, except a district */
				if (v[0] != '\0' || strcmp(c[k], "district") == 0)
					*d[k] = cases_strndup(v, strlen(v), &oom);
			}
		}
		a->precision = cases_precision_parse(row.cell[col(&hdr, "date_precision")]);
		if (col(&hdr, "sources") >= 0 &&
		    parse_sources(row.cell[col(&hdr, "sources")], a, &oom) != 0)
			cases_problem(probs, "%s:%u: column %d (sources): case %s, act %.24s: write "
				      "ENTRY:RELIABILITY;... (as 12:high;15:medium)", path, row.line,
				      col(&hdr, "sources") + 1, r->case_id, a->act_id ? a->act_id : "?");
		/* the private cells this row fills, exactly: most rows fill few */
		for (int pass = 0; pass < 2 && !oom; pass++)
			for (k = 0; k < hdr.n; k++) {
				int known = 0;
				for (size_t q = 0; q < NREQ; q++)
					known |= strcmp(hdr.name[k], required[q]) == 0;
				for (size_t q = 0; q < 3; q++)
					known |= strcmp(hdr.name[k], optional[q]) == 0;
				if (known || row.cell[k][0] == '\0')
					continue;
				if (pass == 0) {
					npriv++;
					continue;
				}
				if (a->priv == NULL && (a->priv = calloc(npriv, sizeof(*a->priv))) == NULL) {
					oom = 1;
					break;
				}
				a->priv[a->npriv].name = cases_strndup(hdr.name[k], strlen(hdr.name[k]),
								       &oom);
				a->priv[a->npriv++].value = cases_strndup(row.cell[k],
									  strlen(row.cell[k]), &oom);
			}
		flag[ri] |= probs->n > before;
		row_release(&row);
	}
	row_release(&row);
	if (oom) {
		s = am_fail(e, AM_ENOMEM, "out of memory reading %s", path);
		goto out;
	}
	out->bad = calloc(out->n ? out->n : 1, 1);
	if (out->bad == NULL) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < out->n; i++) {
		struct cases_record *r = &out->r[i];
		size_t before = probs->n;
		r->vocabulary = cases_strndup(pend[i].vocabulary && pend[i].vocabulary[0]
					      ? pend[i].vocabulary : CASES_VOCABULARY,
					      strlen(pend[i].vocabulary && pend[i].vocabulary[0]
						     ? pend[i].vocabulary : CASES_VOCABULARY), &oom);
		if (pend[i].summary != NULL && pend[i].summary[0] != '\0')
			r->summary = cases_strndup(pend[i].summary, strlen(pend[i].summary), &oom);
		parse_scopes(pend[i].scopes ? pend[i].scopes : "", r, &oom);
		(void)cases_record_check(j, path, &hdr, log, r, probs);
		out->bad[i] = flag[i] || probs->n > before;
	}
out:
	for (size_t i = 0; pend != NULL && i < out->n; i++) {
		cases_free_str(pend[i].scopes);
		cases_free_str(pend[i].vocabulary);
		cases_free_str(pend[i].summary);
	}
	free(pend);
	free(flag);
	cases_ids_release(&ids);
	{
		struct row h = { hdr.name, hdr.n, hdr.n, 0 };
		row_release(&h);
	}
	return s;
}

/* One record per non-blank line; a case id given twice is refused (line of each). */
static enum am_status read_jsonl(struct cases_json *j, const char *path, char *p, size_t len,
				 const struct cases_log *log, struct cases_input *out,
				 struct cases_problems *probs, struct am_err *e)
{
	size_t off = 0, cap = 0;
	unsigned lineno = 0;
	struct cases_ids ids = { NULL, 0, 0 };
	enum am_status s = AM_OK;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	while (off < len) {
		char *nl = memchr(p + off, '\n', len - off), where[300];
		size_t n = nl != NULL ? (size_t)(nl - (p + off)) : len - off, before = probs->n;
		struct cases_record *r;
		char *line = p + off;

		off += n + (nl != NULL);
		lineno++;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (strspn(line, " \t") >= n)
			continue;
		if (probs->n >= CASES_MAX_PROBLEMS) {
			cases_problem(probs, "%s:%u: stopped reading here, after %zu problems", path,
				      lineno, probs->n);
			break;
		}
		if (out->n == cap) {
			size_t nc = cap ? 2 * cap : 64;
			struct cases_record *gr = realloc(out->r, nc * sizeof(*gr));
			unsigned char *gb = gr != NULL ? realloc(out->bad, nc) : NULL;
			if (gr != NULL)
				out->r = gr;
			if (gb == NULL) {
				s = am_fail(e, AM_ENOMEM, "out of memory reading %s", path);
				break;
			}
			out->bad = gb;
			cap = nc;
		}
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		r = &out->r[out->n];
		(void)cases_record_parse(j, line, n, where, log, r, probs);
		r->line = lineno;
		out->bad[out->n] = probs->n > before;
		if (r->case_id != NULL) {
			long long i = cases_ids_find(&ids, out->r, r->case_id);
			if (i >= 0) {
				cases_problem(probs, "%s: case %.64s was given already at line %u; give "
					      "each case once", where, r->case_id, out->r[i].line);
				out->bad[out->n] = out->bad[i] = 1;
			} else if (cases_ids_add(&ids, out->r, out->n) != 0) {
				out->n++;
				s = am_fail(e, AM_ENOMEM, "out of memory reading %s", path);
				break;
			}
		}
		out->n++;
	}
	cases_ids_release(&ids);
	if (s == AM_OK && out->bad == NULL && (out->bad = calloc(1, 1)) == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	return s;
}

/* 1 when name ends with suffix, whatever the case. */
static int ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);

	return n >= k && strcasecmp(name + n - k, suffix) == 0;
}

enum am_status cases_read_file(struct cases_json *j, const char *path,
			       const struct cases_log *log, struct cases_input *out,
			       struct cases_problems *probs, struct am_err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	enum am_status s;
	int csv = ends_with(path, ".csv");

	memset(out, 0, sizeof(*out));
	if (!csv && !ends_with(path, ".jsonl"))
		return am_fail(e, AM_EINPUT, "%s: give a .csv or a .jsonl file (docs/CASES.md)", path);
	s = am_read_small_file(path, MAX_INPUT, &buf, &len, e);
	if (s == AM_OK)
		s = cases_read_text(j, path, buf, len, log, out, probs, e);
	am_wipe(buf, len);
	free(buf);
	return s;
}

enum am_status cases_read_text(struct cases_json *j, const char *path, unsigned char *buf,
			       size_t len, const struct cases_log *log, struct cases_input *out,
			       struct cases_problems *probs, struct am_err *e)
{
	int csv = ends_with(path, ".csv");
	enum am_status s = cases_vocab_load(j, e);

	memset(out, 0, sizeof(*out));
	if (s != AM_OK)
		return s;
	if (!am_utf8_ok(buf, len)) {
		/* name the first line that is not UTF-8 */
		size_t line = 1, off = 0;
		while (off < len) {
			const unsigned char *nl = memchr(buf + off, '\n', len - off);
			size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
			if (!am_utf8_ok(buf + off, n))
				break;
			off += n + 1;
			line++;
		}
		s = am_fail(e, AM_EINPUT, "%s: line %zu is not UTF-8 text (or holds a NUL byte); "
			    "save the file as UTF-8", path, line);
	} else if (csv) {
		s = read_csv(j, path, (const char *)buf, len, log, out, probs, e);
	} else {
		s = read_jsonl(j, path, (char *)buf, len, log, out, probs, e);
	}
	if (s == AM_OK && probs->oom)
		s = am_fail(e, AM_ENOMEM, "out of memory");
	if (s == AM_OK && out->n == 0 && probs->n == 0)
		s = am_fail(e, AM_EINPUT, "%s holds no case record", path);
	if (s != AM_OK)
		cases_input_release(out);
	return s;
}
