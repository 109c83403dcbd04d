/*
 * test_cases.c — cases/: the calendar and precision periods, CSV quoting and
 * its problems, the counting rule for acts that straddle a range, and the
 * signed report's statement (exact bytes), signature and tampering.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases/cases.h"
#include "common/fsutil.h"
#include "crypto/crypto.h"
#include "tests/unit/check.h"

/* cases_int.h is private; the few helpers tested here are declared again. */
int cases_period(const char *date, int precision, int32_t *first, int32_t *last);

static void test_calendar(void)
{
	int32_t a, b;
	char buf[11];

	CHECK(cases_period("2024-02-29", CASES_DAY, &a, &b) == 0 && a == b);
	CHECK(cases_period("2023-02-29", CASES_DAY, &a, &b) != 0);
	CHECK(cases_period("1900-02-29", CASES_DAY, &a, &b) != 0);
	CHECK(cases_period("2000-02-29", CASES_DAY, &a, &b) == 0);
	CHECK(cases_period("2022-02", CASES_MONTH, &a, &b) == 0 && b - a == 27);
	CHECK(cases_period("2024-02", CASES_MONTH, &a, &b) == 0 && b - a == 28);
	CHECK(cases_period("2022", CASES_YEAR, &a, &b) == 0 && b - a == 364);
	CHECK(cases_period("2022-03-01", CASES_MONTH, &a, &b) != 0);
	CHECK(cases_period("2022-3", CASES_MONTH, &a, &b) != 0);
	CHECK(cases_period("2022-13", CASES_MONTH, &a, &b) != 0);
	CHECK(cases_period("22-03-01", CASES_DAY, &a, &b) != 0);
	CHECK(cases_day_parse("1970-01-01", &a) == 0 && a == 0);
	CHECK(cases_day_parse("2021-08-15", &a) == 0 && a == 18854);
	for (int32_t d = -1000; d < 40000; d += 7) {
		int32_t back;
		cases_day_format(d, buf);
		CHECKF(cases_day_parse(buf, &back) == 0 && back == d, "day %d -> %s", (int)d, buf);
	}
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL && fputs(text, f) >= 0 && fclose(f) == 0);
}

#define HDR "case_id,act_id,act_type,date,date_precision,province,district,victim,victim_sex," \
	    "victim_age,victim_affiliation,perpetrator,status,consent_scopes,note\r\n"

static void test_csv(struct cases_json *j, const char *dir)
{
	char path[512];
	struct cases_input in;
	struct cases_problems p;
	struct am_err e;

	snprintf(path, sizeof(path), "%s/a.csv", dir);
	/* quoted cells: a comma, a doubled quote and a line break inside; CRLF line ends */
	write_file(path, HDR "C-1,A1,torture,2022-05,month,kabul,\"District 5, north\",V-0001,male,"
			     "adult,civilian,unknown,released,\"internal, court\",\"said \"\"no\"\"\r\n"
			     "twice\"\r\nC-1,A2,torture,2022,year,kabul,,V-0001,male,adult,civilian,"
			     "unknown,released,\"internal, court\",\r\n");
	cases_problems_init(&p);
	CHECK_ST(cases_read_file(j, path, NULL, &in, &p, &e), AM_OK);
	CHECK(p.n == 0 && in.n == 1 && in.r[0].nacts == 2 && !in.bad[0]);
	if (in.n == 1 && in.r[0].nacts == 2) {
		CHECK(strcmp(in.r[0].acts[0].district, "District 5, north") == 0);
		CHECK(in.r[0].acts[0].npriv == 1 &&
		      strcmp(in.r[0].acts[0].priv[0].value, "said \"no\"\r\ntwice") == 0);
		CHECK(in.r[0].acts[1].npriv == 0);
		CHECK(in.r[0].nscopes == 2 && in.r[0].acts[1].line == 4);
	}
	cases_input_release(&in);
	cases_problems_release(&p);

	/* every problem of every row, each with its line; rows of a case must agree */
	write_file(path, HDR "C-1,A1,torture,2022-05,month,kabul,,V-0001,male,adult,civilian,unknown,"
			     "released,internal,\n"
			     "C-1,A2,torture,2022-05,month,kabul,,V-0001,male,adult,civilian,unknown,"
			     "released,court,\n"
			     "C-2,A1,torture\n"
			     "C-3,A1,torture,2022-05-32,day,kabul,,V-1,male,adult,civilian,unknown,"
			     "released,internal,\n");
	cases_problems_init(&p);
	CHECK_ST(cases_read_file(j, path, NULL, &in, &p, &e), AM_OK);
	CHECK(in.n == 2 && in.bad[0] && in.bad[1]);
	CHECKF(p.n == 4, "%zu problems", p.n);
	for (size_t i = 0; i < p.n; i++)
		printf("  (expected) %s\n", p.msg[i]);
	CHECK(p.n > 0 && strstr(p.msg[0], "a.csv:3: column 14 (consent_scopes): differs") != NULL);
	CHECK(p.n > 1 && strstr(p.msg[1], "a.csv:4: 3 cells, but the header has 15") != NULL);
	cases_input_release(&in);
	cases_problems_release(&p);

	/* a spreadsheet saved with ';' between cells (where ',' is the decimal mark) */
	write_file(path, "case_id;act_id;act_type;date;date_precision;province;district;victim;"
			 "victim_sex;victim_age;victim_affiliation;perpetrator;status;consent_scopes\n"
			 "C-9;A1;torture;2022;year;kabul;\"a; b\";V-0009;male;adult;civilian;unknown;"
			 "released;internal,court\n");
	cases_problems_init(&p);
	CHECK_ST(cases_read_file(j, path, NULL, &in, &p, &e), AM_OK);
	CHECK(p.n == 0 && in.n == 1 && in.r[0].nacts == 1 && in.r[0].nscopes == 2 &&
	      strcmp(in.r[0].acts[0].district, "a; b") == 0);
	cases_input_release(&in);
	cases_problems_release(&p);

	snprintf(path, sizeof(path), "%s/a.txt", dir);
	cases_problems_init(&p);
	CHECK_ST(cases_read_file(j, path, NULL, &in, &p, &e), AM_EINPUT);
	cases_problems_release(&p);
}

/* Read text (copied into a writable, NUL-terminated buffer) as the file "name". */
static enum am_status read_text(struct cases_json *j, const char *name, const char *text,
				size_t len, struct cases_input *in, struct cases_problems *p)
{
	char *buf = malloc(len + 1);
	struct am_err e;
	enum am_status s;

	CHECK(buf != NULL);
	if (buf == NULL)
		return AM_ENOMEM;
	memcpy(buf, text, len);
	buf[len] = '\0';
	cases_problems_init(p);
	s = cases_read_text(j, name, (unsigned char *)buf, len, NULL, in, p, &e);
	free(buf);
	return s;
}

#define ROW "C-1,A1,torture,2022-05,month,kabul,,V-0001,male,adult,civilian,unknown," \
	    "released,internal,"
#define REC "{\"schema\":\"amanat-case/1\",\"vocabulary\":\"1\",\"case_id\":\"C-1\"," \
	    "\"consent_scopes\":[],\"acts\":[{\"act_id\":\"A1\",\"act_type\":\"torture\"," \
	    "\"date\":\"2022\",\"date_precision\":\"year\",\"place\":{\"province\":\"kabul\"," \
	    "\"district\":\"\"},\"victim\":{\"pseudonym\":\"V-0001\",\"sex\":\"male\"," \
	    "\"age_group\":\"adult\",\"affiliation\":\"civilian\"},\"perpetrator\":\"unknown\"," \
	    "\"status\":\"released\",\"sources\":[],\"private\":{\"name\":\"X\"}}]}"

/*
 * Hostile input: a BOM, NUL bytes, \u0000 in a JSON string, rows far wider
 * than the header, a header of too many columns, files of nothing but
 * errors (problems counted, the first CASES_MAX_PROBLEMS kept, reading
 * stopped), and private cells allocated for what a row fills.
 */
static void test_robust(struct cases_json *j)
{
	struct cases_input in;
	struct cases_problems p;
	char *big;
	size_t n;

	/* a BOM and CRLF: the first column is still case_id */
	CHECK_ST(read_text(j, "b.csv", "\xef\xbb\xbf" HDR ROW "\r\n",
			   strlen("\xef\xbb\xbf" HDR ROW "\r\n"), &in, &p), AM_OK);
	CHECK(p.n == 0 && in.n == 1 && strcmp(in.r[0].case_id, "C-1") == 0 &&
	      in.r[0].acts[0].npriv == 0 && in.r[0].acts[0].priv == NULL);
	cases_input_release(&in);
	cases_problems_release(&p);
	CHECK_ST(read_text(j, "b.jsonl", "\xef\xbb\xbf" REC "\r\n", strlen("\xef\xbb\xbf" REC "\r\n"),
			   &in, &p), AM_OK);
	CHECKF(p.n == 0 && in.n == 1 && !in.bad[0], "%zu problems: %s", p.n, p.n ? p.msg[0] : "");
	cases_input_release(&in);
	cases_problems_release(&p);

	/* a NUL byte in the file: refused, naming the line */
	{
		static const char t[] = HDR ROW "\n" "C-2\0,A1\n";
		CHECK_ST(read_text(j, "n.csv", t, sizeof(t) - 1, &in, &p), AM_EINPUT);
		cases_problems_release(&p);
	}
	/* \u0000 inside a JSON string would cut the value short: refused */
	{
		const char *bad = strstr(REC, "\"X\"");
		char t[2048];
		snprintf(t, sizeof(t), "%.*s\"X\\u0000hidden\"%s\n", (int)(bad - REC), REC, bad + 3);
		CHECK_ST(read_text(j, "z.jsonl", t, strlen(t), &in, &p), AM_OK);
		CHECKF(in.n == 1 && in.bad[0] && p.kept == 1 && strstr(p.msg[0], "NUL") != NULL,
		       "%zu problems: %s", p.n, p.n ? p.msg[0] : "");
		cases_input_release(&in);
		cases_problems_release(&p);
	}

	/* cases found again by id (a hash of ids): rows of a case apart, a case given twice */
	{
		static const char c[] = HDR ROW "\n" "C-2,A1,torture,2022-05,month,kabul,,V-0001,male,"
					  "adult,civilian,unknown,released,internal,\n" ROW "\n";
		static const char l[] = REC "\n" REC "\n\n" REC "\n";
		CHECK_ST(read_text(j, "i.csv", c, sizeof(c) - 1, &in, &p), AM_OK);
		CHECKF(in.n == 2 && in.r[0].nacts == 2 && in.r[1].nacts == 1 &&
		       strcmp(in.r[1].case_id, "C-2") == 0, "%zu cases", in.n);
		cases_input_release(&in);
		cases_problems_release(&p);
		CHECK_ST(read_text(j, "i.jsonl", l, sizeof(l) - 1, &in, &p), AM_OK);
		CHECKF(in.n == 3 && p.n == 2 && in.bad[0] && in.bad[1] && in.bad[2] &&
		       strstr(p.msg[1], "i.jsonl:4: case C-1 was given already at line 1"),
		       "%zu records, %zu problems: %s", in.n, p.n, p.n ? p.msg[p.n - 1] : "");
		cases_input_release(&in);
		cases_problems_release(&p);
	}

	/* one record (amanat case new): a BOM is skipped, a NUL byte refused */
	{
		static const char t[] = "\xef\xbb\xbf" REC "\n";
		static const char z[] = REC "\0{}";
		struct cases_record r;
		CHECK(cases_record_parse(j, t, sizeof(t) - 1, "t.json", NULL, &r, &p) == 0 &&
		      r.case_id != NULL && strcmp(r.case_id, "C-1") == 0);
		cases_record_release(&r);
		CHECK(cases_record_parse(j, z, sizeof(z) - 1, "z.json", NULL, &r, &p) != 0 &&
		      p.kept == 1 && strstr(p.msg[0], "z.json: holds a NUL byte") != NULL);
		cases_record_release(&r);
		cases_problems_release(&p);
	}

	/* a row of 200000 cells: counted exactly, not kept */
	n = strlen(HDR) + 200000 + 2;
	big = malloc(n + 1);
	CHECK(big != NULL);
	if (big != NULL) {
		memcpy(big, HDR, strlen(HDR));
		memset(big + strlen(HDR), ',', 199999);
		memcpy(big + strlen(HDR) + 199999, "x\n", 3);
		CHECK_ST(read_text(j, "w.csv", big, strlen(big), &in, &p), AM_OK);
		CHECKF(p.n == 1 && strstr(p.msg[0], "w.csv:2: 200000 cells, but the header has 15"),
		       "%s", p.n ? p.msg[0] : "");
		cases_input_release(&in);
		cases_problems_release(&p);
		/* the same as a header: refused at once */
		CHECK_ST(read_text(j, "w.csv", big + strlen(HDR), 200001, &in, &p), AM_EINPUT);
		cases_problems_release(&p);
		free(big);
	}

	/* 5000 bad rows, 5000 bad lines: at most CASES_MAX_PROBLEMS kept, reading stopped */
	big = malloc(strlen(HDR) + 5000 * 4 + 1);
	CHECK(big != NULL);
	if (big != NULL) {
		strcpy(big, HDR);
		for (int i = 0; i < 5000; i++)
			strcat(big + strlen(HDR) + (size_t)i * 4, "C,x\n");
		CHECK_ST(read_text(j, "e.csv", big, strlen(big), &in, &p), AM_OK);
		CHECKF(p.n == CASES_MAX_PROBLEMS + 1 && p.kept == CASES_MAX_PROBLEMS &&
		       in.n == 0, "%zu problems, %zu kept, %zu cases", p.n, p.kept, in.n);
		cases_input_release(&in);
		cases_problems_release(&p);
		for (int i = 0; i < 5000; i++)
			memcpy(big + (size_t)i * 4, "[1]\n", 4);
		big[5000 * 4] = '\0';
		CHECK_ST(read_text(j, "e.jsonl", big, strlen(big), &in, &p), AM_OK);
		CHECKF(p.kept == CASES_MAX_PROBLEMS && in.n <= CASES_MAX_PROBLEMS &&
		       strstr(p.msg[p.kept - 1], "stopped reading") == NULL,
		       "%zu problems, %zu kept, %zu records", p.n, p.kept, in.n);
		CHECKF(p.n == CASES_MAX_PROBLEMS + 1 && in.n == CASES_MAX_PROBLEMS,
		       "%zu problems, %zu records", p.n, in.n);
		cases_input_release(&in);
		cases_problems_release(&p);
		free(big);
	}
}

/* An index of one case whose acts are given as (date, precision, victim). */
static void one_case(struct cases_index *x, const char *const acts[][3], size_t n)
{
	struct cases_record *r;

	memset(x, 0, sizeof(*x));
	x->v = calloc(1, sizeof(*x->v));
	x->n = 1;
	r = &x->v[0].rec;
	r->case_id = strdup("C-1");
	r->acts = calloc(n, sizeof(*r->acts));
	r->nacts = n;
	for (size_t i = 0; i < n; i++) {
		struct cases_act *a = &r->acts[i];
		int32_t f, l;
		a->date = strdup(acts[i][0]);
		a->precision = strcmp(acts[i][1], "day") == 0 ? CASES_DAY :
			       strcmp(acts[i][1], "month") == 0 ? CASES_MONTH : CASES_YEAR;
		CHECK(cases_period(a->date, a->precision, &f, &l) == 0);
		a->first_day = f;
		a->last_day = l;
		a->victim = strdup(acts[i][2]);
		a->act_type = strdup("torture");
	}
}

static void test_straddle(void)
{
	static const char *const acts[][3] = {
		{ "2021-08-15", "day", "V-0001" },   /* first day: in */
		{ "2021-08", "month", "V-0002" },    /* the month straddles the start */
		{ "2021-09", "month", "V-0001" },    /* in */
		{ "2021", "year", "V-0003" },        /* straddles */
		{ "2023-06-30", "day", "V-0004" },   /* last day: in */
		{ "2023-07-01", "day", "V-0005" },   /* out */
		{ "2023-06", "month", "V-0002" },    /* in */
		{ "2021-08-14", "day", "V-0006" },   /* out */
	};
	struct cases_index x;
	struct cases_stats s;
	int32_t from, to;

	one_case(&x, acts, sizeof(acts) / sizeof(acts[0]));
	CHECK(cases_day_parse("2021-08-15", &from) == 0 && cases_day_parse("2023-06-30", &to) == 0);
	CHECK_ST(cases_stats_compute(&x, CASES_BY_ACT_TYPE, 1, from, 1, to, &s, NULL), AM_OK);
	CHECK(s.ng == 1 && s.g[0].acts == 4 && s.g[0].victims == 3);
	CHECK(s.total_acts == 4 && s.total_victims == 3);
	CHECK(s.partly_acts == 2 && s.partly_victims == 2);
	cases_stats_release(&s);
	CHECK_ST(cases_stats_compute(&x, CASES_BY_MONTH, 0, 0, 0, 0, &s, NULL), AM_OK);
	CHECK(s.ng == 5 && strcmp(s.g[0].group, "2021") == 0 && strcmp(s.g[1].group, "2021-08") == 0);
	CHECK(s.total_acts == 8 && s.total_victims == 6 && s.partly_acts == 0);
	cases_stats_release(&s);
	cases_index_release(&x);
}

static void test_report(void)
{
	struct am_identity id;
	struct cases_report r;
	struct cases_figure g[2] = { { "torture", 4, 3 }, { "arbitrary-arrest", 2, 2 } };
	struct am_err e;
	char *st = NULL;
	size_t len = 0;
	static const char want[] =
		"amanat-stats-report/1\nvault 000102030405060708090a0b0c0d0e0f\n"
		"origin amanat/000102030405060708090a0b0c0d0e0f\nsize 12\nroot "
		"2020202020202020202020202020202020202020202020202020202020202020\nby act-type\n"
		"from 2021-08-15\nto -\nmade 2023-07-01T00:00:00Z\nsigner ";

	am_identity_init(&id);
	CHECK_ST(am_identity_generate(&id, "custodian", &e), AM_OK);
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 16; i++)
		r.vault_id[i] = (unsigned char)i;
	snprintf(r.origin, sizeof(r.origin), "amanat/000102030405060708090a0b0c0d0e0f");
	r.size = 12;
	memset(r.root, 0x20, sizeof(r.root));
	r.st.by = CASES_BY_ACT_TYPE;
	r.st.has_from = 1;
	CHECK(cases_day_parse("2021-08-15", &r.st.from_day) == 0);
	snprintf(r.made_at, sizeof(r.made_at), "2023-07-01T00:00:00Z");
	r.custody = 11;
	r.st.cases = 2;
	r.st.g = g;
	r.st.ng = 2;
	r.st.total_acts = 6;
	r.st.total_victims = 5;
	CHECK_ST(cases_report_sign(&r, &id, &e), AM_OK);
	CHECK_ST(cases_report_statement(&r, &st, &len, &e), AM_OK);
	CHECK(len > sizeof(want) && memcmp(st, want, sizeof(want) - 1) == 0);
	CHECK(strstr(st, "\ncustody 11\ncases 2\ngroup torture 4 3\ngroup arbitrary-arrest 2 2\n"
			 "total 6 5\npartly-in-range 0 0\n") != NULL);
	CHECK(st[len - 1] == '\n');
	free(st);
	CHECK(cases_report_verify(&r) == 0);
	g[0].acts = 5; /* an edited figure */
	CHECK(cases_report_verify(&r) != 0);
	g[0].acts = 4;
	r.size = 13; /* another tree */
	CHECK(cases_report_verify(&r) != 0);
	am_identity_release(&id);
}

/* The committed vector (tests/vectors/stats-report.*): a report signed by a fixed key. */
static void test_vector(void)
{
	struct am_identity id;
	struct cases_report r, back;
	struct cases_figure g[2] = { { "arbitrary-arrest", 2, 2 }, { "torture", 4, 3 } };
	unsigned char seed[AM_SIGN_SEED_LEN], *file = NULL;
	const char *dir = getenv("AMANAT_VECTORS");
	char path[512], *json = NULL, *st = NULL;
	size_t jl = 0, sl = 0, fl = 0;
	struct cases_json *j = NULL;
	struct am_err e;

	am_identity_init(&id);
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (unsigned char)(0x40 + i);
	id.sign_sk = am_secure_alloc(AM_SIGN_SK_LEN);
	CHECK(id.sign_sk != NULL && am_sign_seed_keypair(id.sign_pk, id.sign_sk, seed) == 0);
	snprintf(id.name, sizeof(id.name), "custodian-vector");
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 16; i++)
		r.vault_id[i] = (unsigned char)(0xa0 + i);
	snprintf(r.origin, sizeof(r.origin), "amanat/a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
	r.size = 42;
	for (int i = 0; i < 32; i++)
		r.root[i] = (unsigned char)i;
	r.st.by = CASES_BY_ACT_TYPE;
	r.st.has_from = r.st.has_to = 1;
	CHECK(cases_day_parse("2021-08-15", &r.st.from_day) == 0);
	CHECK(cases_day_parse("2023-06-30", &r.st.to_day) == 0);
	snprintf(r.made_at, sizeof(r.made_at), "2023-07-01T12:00:00Z");
	snprintf(r.signer_name, sizeof(r.signer_name), "custodian-vector");
	r.custody = 41;
	r.st.cases = 3;
	r.st.g = g;
	r.st.ng = 2;
	r.st.total_acts = 6;
	r.st.total_victims = 4;
	r.st.partly_acts = 1;
	r.st.partly_victims = 1;
	CHECK_ST(cases_report_sign(&r, &id, &e), AM_OK);
	CHECK_ST(cases_report_json(&r, &json, &jl, &e), AM_OK);
	CHECK_ST(cases_report_statement(&r, &st, &sl, &e), AM_OK);
	if (getenv("AMANAT_WRITE_VECTORS") != NULL && dir != NULL) {
		FILE *f;
		snprintf(path, sizeof(path), "%s/stats-report.json", dir);
		f = fopen(path, "w");
		CHECK(f != NULL && fwrite(json, 1, jl, f) == jl && fclose(f) == 0);
		snprintf(path, sizeof(path), "%s/stats-statement.txt", dir);
		f = fopen(path, "w");
		CHECK(f != NULL && fwrite(st, 1, sl, f) == sl && fclose(f) == 0);
	}
	CHECKF(dir != NULL, "AMANAT_VECTORS is not set");
	snprintf(path, sizeof(path), "%s/stats-report.json", dir ? dir : ".");
	CHECK_ST(am_read_small_file(path, 1 << 20, &file, &fl, &e), AM_OK);
	CHECK(file != NULL && fl == jl && memcmp(file, json, jl) == 0);
	/* read back: the same statement, and a good signature */
	CHECK_ST(cases_json_open(&j, &e), AM_OK);
	memset(&back, 0, sizeof(back));
	if (file != NULL) {
		char *st2 = NULL;
		size_t sl2 = 0;
		CHECK_ST(cases_report_parse(j, (const char *)file, fl, &back, &e), AM_OK);
		CHECK(cases_report_verify(&back) == 0);
		CHECK_ST(cases_report_statement(&back, &st2, &sl2, &e), AM_OK);
		CHECK(sl2 == sl && st2 != NULL && memcmp(st, st2, sl) == 0);
		free(st2);
	}
	snprintf(path, sizeof(path), "%s/stats-statement.txt", dir ? dir : ".");
	free(file);
	file = NULL;
	CHECK_ST(am_read_small_file(path, 1 << 20, &file, &fl, &e), AM_OK);
	CHECK(file != NULL && fl == sl && memcmp(file, st, sl) == 0);
	cases_report_release(&back);
	cases_json_close(j);
	free(file);
	free(json);
	free(st);
	am_identity_release(&id);
}

int main(void)
{
	struct cases_json *j = NULL;
	struct am_err e;
	char dir[] = "/tmp/amanat-test-cases-XXXXXX";

	if (am_crypto_init() != 0 || mkdtemp(dir) == NULL)
		return 1;
	CHECK_ST(cases_json_open(&j, &e), AM_OK);
	test_calendar();
	test_csv(j, dir);
	test_robust(j);
	test_straddle();
	test_report();
	test_vector();
	cases_json_close(j);
	{
		char p[600];
		snprintf(p, sizeof(p), "%s/a.csv", dir);
		unlink(p);
		rmdir(dir);
	}
	return check_done();
}
