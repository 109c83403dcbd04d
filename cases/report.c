/*
 * report.c — a statistics report: the statement its custodian signs
 * (docs/FORMAT.md §26: plain lines, so that an independent checker rebuilds
 * them from the JSON), the signed JSON, the CSV, and reading a report back
 * strictly for 'amanat stats --check'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../crypto/crypto.h"
#include "cases_int.h"

#define REPORT_KIND "amanat-stats-report/1"

void cases_report_release(struct cases_report *r)
{
	cases_stats_release(&r->st);
	memset(r, 0, sizeof(*r));
}

/* The report's values as the text both the statement and the JSON write. */
struct text {
	char vid[2 * AM_VAULT_ID_LEN + 1], root[2 * AM_HASH_LEN + 1], pk[2 * AM_SIGN_PK_LEN + 1];
	char from[11], to[11];
};

static void text_of(const struct cases_report *r, struct text *t)
{
	am_hex(t->vid, r->vault_id, AM_VAULT_ID_LEN);
	am_hex(t->root, r->root, AM_HASH_LEN);
	am_hex(t->pk, r->signer, AM_SIGN_PK_LEN);
	if (r->st.has_from)
		cases_day_format(r->st.from_day, t->from);
	else
		snprintf(t->from, sizeof(t->from), "-");
	if (r->st.has_to)
		cases_day_format(r->st.to_day, t->to);
	else
		snprintf(t->to, sizeof(t->to), "-");
}

enum am_status cases_report_statement(const struct cases_report *r, char **out, size_t *len,
				      struct am_err *e)
{
	struct text t;
	struct am_buf b;

	text_of(r, &t);
	am_buf_init(&b);
	am_buf_addf(&b, REPORT_KIND "\nvault %s\norigin %s\nsize %llu\nroot %s\nby %s\nfrom %s\n"
		      "to %s\nmade %s\nsigner %s\ncustody %llu\ncases %llu\n", t.vid, r->origin,
		      (unsigned long long)r->size, t.root, cases_by_name(r->st.by), t.from, t.to,
		      r->made_at, t.pk, (unsigned long long)r->custody,
		      (unsigned long long)r->st.cases);
	for (size_t i = 0; i < r->st.ng; i++)
		am_buf_addf(&b, "group %s %llu %llu\n", r->st.g[i].group,
			      (unsigned long long)r->st.g[i].acts, (unsigned long long)r->st.g[i].victims);
	am_buf_addf(&b, "total %llu %llu\npartly-in-range %llu %llu\n",
		      (unsigned long long)r->st.total_acts, (unsigned long long)r->st.total_victims,
		      (unsigned long long)r->st.partly_acts, (unsigned long long)r->st.partly_victims);
	*out = (char *)am_buf_detach(&b, len);
	return *out != NULL ? AM_OK : am_fail(e, AM_ENOMEM, "out of memory");
}

enum am_status cases_report_sign(struct cases_report *r, const struct am_identity *id,
				 struct am_err *e)
{
	char *msg = NULL;
	size_t len = 0;
	enum am_status s;

	memcpy(r->signer, id->sign_pk, AM_SIGN_PK_LEN);
	s = cases_report_statement(r, &msg, &len, e);
	if (s == AM_OK && am_sign(r->sig, msg, len, id->sign_sk) != 0)
		s = am_fail(e, AM_EIO, "cannot sign the report");
	free(msg);
	return s;
}

int cases_report_verify(const struct cases_report *r)
{
	char *msg = NULL;
	size_t len = 0;
	int rc = -1;

	if (cases_report_statement(r, &msg, &len, NULL) == AM_OK)
		rc = am_sign_verify(r->sig, msg, len, r->signer);
	free(msg);
	return rc;
}

static void pair(struct am_buf *b, const char *name, uint64_t acts, uint64_t victims)
{
	am_buf_addf(b, "\"%s\":{\"acts\":%llu,\"victims\":%llu}", name, (unsigned long long)acts,
		      (unsigned long long)victims);
}

enum am_status cases_report_json(const struct cases_report *r, char **out, size_t *len,
				 struct am_err *e)
{
	char sig[128];
	struct text t;
	struct am_buf b;

	text_of(r, &t);
	am_b64(sig, r->sig, AM_SIG_LEN);
	am_buf_init(&b);
	am_buf_addf(&b, "{\"report\":\"" REPORT_KIND "\",\"vault\":\"%s\",\"checkpoint\":"
		      "{\"origin\":\"%s\",\"size\":%llu,\"root\":\"%s\"},\"by\":\"%s\",",
		      t.vid, r->origin, (unsigned long long)r->size, t.root, cases_by_name(r->st.by));
	am_buf_addf(&b, "\"from\":\"%s\",\"to\":\"%s\",\"made_at\":\"%s\",\"signer\":{\"name\":",
		      t.from, t.to, r->made_at);
	cases_json_str(&b, r->signer_name);
	am_buf_addf(&b, ",\"key\":\"%s\"},\"custody\":%llu,\"cases\":%llu,\"groups\":[", t.pk,
		      (unsigned long long)r->custody, (unsigned long long)r->st.cases);
	for (size_t i = 0; i < r->st.ng; i++) {
		am_buf_addf(&b, "%s\n{\"group\":", i ? "," : "");
		cases_json_str(&b, r->st.g[i].group);
		am_buf_addf(&b, ",\"acts\":%llu,\"victims\":%llu}", (unsigned long long)r->st.g[i].acts,
			      (unsigned long long)r->st.g[i].victims);
	}
	am_buf_addf(&b, "],\n");
	pair(&b, "total", r->st.total_acts, r->st.total_victims);
	am_buf_addf(&b, ",");
	pair(&b, "partly_in_range", r->st.partly_acts, r->st.partly_victims);
	am_buf_addf(&b, ",\n\"signature\":\"%s\"}\n", sig);
	*out = (char *)am_buf_detach(&b, len);
	return *out != NULL ? AM_OK : am_fail(e, AM_ENOMEM, "out of memory");
}

enum am_status cases_stats_csv(const struct cases_stats *s, char **out, size_t *len,
			       struct am_err *e)
{
	struct am_buf b;

	am_buf_init(&b);
	am_buf_addf(&b, "group,acts,victims\n");
	for (size_t i = 0; i < s->ng; i++)
		am_buf_addf(&b, "%s,%llu,%llu\n", s->g[i].group, (unsigned long long)s->g[i].acts,
			      (unsigned long long)s->g[i].victims);
	am_buf_addf(&b, "total,%llu,%llu\n", (unsigned long long)s->total_acts,
		      (unsigned long long)s->total_victims);
	if (s->partly_acts > 0)
		am_buf_addf(&b, "partly-in-range,%llu,%llu\n", (unsigned long long)s->partly_acts,
			      (unsigned long long)s->partly_victims);
	*out = (char *)am_buf_detach(&b, len);
	return *out != NULL ? AM_OK : am_fail(e, AM_ENOMEM, "out of memory");
}

/* ---- reading a report back --------------------------------------------- */

/* The text at path (a string of at most max bytes) into out; -1 when absent or not a string. */
static int get_str(struct cases_json *j, const char *t, size_t n, const char *path, char *out,
		   size_t max)
{
	struct cj_members ms;
	char type[8];
	int rc = -1;

	if (cj_type(j, t, n, path, type) != 0 || strcmp(type, "text") != 0)
		return -1;
	/* json_each on a scalar yields the scalar itself */
	if (cj_members(j, t, n, path, &ms) == 0 && ms.n == 1 && ms.m[0].tlen < max) {
		memcpy(out, ms.m[0].text, ms.m[0].tlen + 1);
		rc = 0;
	}
	cj_members_release(&ms);
	return rc;
}

static int get_u64(struct cases_json *j, const char *t, size_t n, const char *path, uint64_t *v)
{
	char buf[32], type[8], *end;

	if (cj_type(j, t, n, path, type) != 0 || strcmp(type, "integer") != 0)
		return -1;
	{
		struct cj_members ms;
		if (cj_members(j, t, n, path, &ms) != 0 || ms.n != 1 || ms.m[0].tlen >= sizeof(buf) ||
		    ms.m[0].text[0] == '-') {
			cj_members_release(&ms);
			return -1;
		}
		memcpy(buf, ms.m[0].text, ms.m[0].tlen + 1);
		cj_members_release(&ms);
	}
	*v = strtoull(buf, &end, 10);
	return *end == '\0' ? 0 : -1;
}

enum am_status cases_report_parse(struct cases_json *j, const char *t, size_t n,
				  struct cases_report *r, struct am_err *e)
{
	char kind[64], hex[2 * AM_SIGN_PK_LEN + 1], by[32], from[16], to[16], sig[128], path[64];
	struct cj_members gs;
	uint64_t ng = 0;

	memset(r, 0, sizeof(*r));
	if (get_str(j, t, n, "$.report", kind, sizeof(kind)) != 0 || strcmp(kind, REPORT_KIND) != 0)
		return am_fail(e, AM_EINPUT, "is not an amanat statistics report (\"report\": \""
			       REPORT_KIND "\")");
#define NEED(cond, what) \
	if (!(cond)) \
		return am_fail(e, AM_EINPUT, "the report's %s is missing or malformed", what)
	NEED(get_str(j, t, n, "$.vault", hex, sizeof(hex)) == 0 &&
	     am_unhex(r->vault_id, AM_VAULT_ID_LEN, hex, strlen(hex)) == 0, "vault");
	NEED(get_str(j, t, n, "$.checkpoint.origin", r->origin, sizeof(r->origin)) == 0, "origin");
	NEED(get_u64(j, t, n, "$.checkpoint.size", &r->size) == 0, "checkpoint size");
	NEED(get_str(j, t, n, "$.checkpoint.root", hex, sizeof(hex)) == 0 &&
	     am_unhex(r->root, AM_HASH_LEN, hex, strlen(hex)) == 0, "checkpoint root");
	NEED(get_str(j, t, n, "$.by", by, sizeof(by)) == 0 && (r->st.by = cases_by_parse(by)) >= 0,
	     "by");
	NEED(get_str(j, t, n, "$.from", from, sizeof(from)) == 0 &&
	     (strcmp(from, "-") == 0 || cases_day_parse(from, &r->st.from_day) == 0), "from");
	NEED(get_str(j, t, n, "$.to", to, sizeof(to)) == 0 &&
	     (strcmp(to, "-") == 0 || cases_day_parse(to, &r->st.to_day) == 0), "to");
	r->st.has_from = strcmp(from, "-") != 0;
	r->st.has_to = strcmp(to, "-") != 0;
	NEED(get_str(j, t, n, "$.made_at", r->made_at, sizeof(r->made_at)) == 0, "made_at");
	NEED(get_str(j, t, n, "$.signer.name", r->signer_name, sizeof(r->signer_name)) == 0,
	     "signer name");
	NEED(get_str(j, t, n, "$.signer.key", hex, sizeof(hex)) == 0 &&
	     am_unhex(r->signer, AM_SIGN_PK_LEN, hex, strlen(hex)) == 0, "signer key");
	NEED(get_u64(j, t, n, "$.custody", &r->custody) == 0, "custody");
	NEED(get_u64(j, t, n, "$.cases", &r->st.cases) == 0, "cases");
	NEED(get_u64(j, t, n, "$.total.acts", &r->st.total_acts) == 0 &&
	     get_u64(j, t, n, "$.total.victims", &r->st.total_victims) == 0, "total");
	NEED(get_u64(j, t, n, "$.partly_in_range.acts", &r->st.partly_acts) == 0 &&
	     get_u64(j, t, n, "$.partly_in_range.victims", &r->st.partly_victims) == 0,
	     "partly_in_range");
	NEED(get_str(j, t, n, "$.signature", sig, sizeof(sig)) == 0 &&
	     am_unb64(r->sig, AM_SIG_LEN, sig, strlen(sig)) == 0, "signature");
	NEED(cj_members(j, t, n, "$.groups", &gs) == 0, "groups");
	ng = gs.n;
	cj_members_release(&gs);
	r->st.g = calloc(ng ? ng : 1, sizeof(*r->st.g));
	if (r->st.g == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	for (uint64_t i = 0; i < ng; i++) {
		char g[80];
		struct cases_figure *f = &r->st.g[i];
		snprintf(path, sizeof(path), "$.groups[%llu].group", (unsigned long long)i);
		NEED(get_str(j, t, n, path, g, sizeof(g)) == 0 && (f->group = strdup(g)) != NULL,
		     "group name");
		r->st.ng++;
		snprintf(path, sizeof(path), "$.groups[%llu].acts", (unsigned long long)i);
		NEED(get_u64(j, t, n, path, &f->acts) == 0, "group acts");
		snprintf(path, sizeof(path), "$.groups[%llu].victims", (unsigned long long)i);
		NEED(get_u64(j, t, n, path, &f->victims) == 0, "group victims");
	}
#undef NEED
	return AM_OK;
}
