/*
 * write.c — a record as JSON (the canonical form "case.record" holds, or
 * with its private values for a custodian's eyes) and as the fields of its
 * entry (docs/FORMAT.md §26).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../crypto/crypto.h"
#include "cases_int.h"

/* Append text, then "name": and value as a JSON string. */
static void member(struct am_buf *b, const char *text, const char *name, const char *value)
{
	am_buf_addf(b, "%s\"%s\":", text, name);
	cases_json_str(b, value);
}

/* Append one act as JSON. */
static void act_json(struct am_buf *b, const struct cases_act *a, int with_private)
{
	member(b, "{", "act_id", a->act_id);
	member(b, ",", "act_type", a->act_type);
	member(b, ",", "date", a->date);
	member(b, ",", "date_precision", cases_precision_name(a->precision));
	member(b, ",\"place\":{", "province", a->province);
	member(b, ",", "district", a->district);
	member(b, "},\"victim\":{", "pseudonym", a->victim);
	member(b, ",", "sex", a->sex);
	member(b, ",", "age_group", a->age_group);
	member(b, ",", "affiliation", a->affiliation);
	member(b, "},", "perpetrator", a->perpetrator);
	member(b, ",", "status", a->status);
	am_buf_addf(b, ",\"sources\":[");
	for (size_t i = 0; i < a->nsrc; i++) {
		am_buf_addf(b, "%s{\"entry\":%llu", i ? "," : "", (unsigned long long)a->src[i].entry);
		member(b, ",", "reliability", a->src[i].reliability);
		am_buf_addf(b, "}");
	}
	am_buf_addf(b, "]");
	for (size_t i = 0; with_private && i < a->npriv; i++)
		member(b, i ? "," : ",\"private\":{", a->priv[i].name, a->priv[i].value);
	am_buf_addf(b, "%s}", with_private && a->npriv > 0 ? "}" : "");
}

enum am_status cases_record_json(const struct cases_record *r, int with_private, char **out,
				 size_t *len, struct am_err *e)
{
	struct am_buf b;

	am_buf_init(&b);
	*out = NULL;
	member(&b, "{", "schema", CASES_SCHEMA);
	member(&b, ",", "vocabulary", r->vocabulary);
	member(&b, ",", "case_id", r->case_id);
	if (r->summary != NULL)
		member(&b, ",", "summary", r->summary);
	am_buf_addf(&b, ",\"consent_scopes\":[");
	for (size_t i = 0; i < r->nscopes; i++) {
		am_buf_addf(&b, "%s", i ? "," : "");
		cases_json_str(&b, r->scopes[i]);
	}
	am_buf_addf(&b, "],\"acts\":[");
	for (size_t i = 0; i < r->nacts; i++) {
		am_buf_addf(&b, "%s", i ? "," : "");
		act_json(&b, &r->acts[i], with_private);
	}
	am_buf_addf(&b, "]}");
	am_buf_u8(&b, '\0');
	*out = (char *)am_buf_detach(&b, len);
	if (*out == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	(*len)--;
	return AM_OK;
}

/* "private.<act id in lowercase>.<name>" into out of 65. */
void cases_private_field(char out[65], const char *act_id, const char *name)
{
	char act[32];
	size_t i;

	for (i = 0; act_id[i] != '\0' && i < sizeof(act) - 1; i++)
		act[i] = (char)tolower((unsigned char)act_id[i]);
	act[i] = '\0';
	snprintf(out, 65, "private.%s.%s", act, name);
}

enum am_status cases_record_fields(const struct cases_record *r, struct am_fields *f,
				   struct am_err *e)
{
	char *json = NULL, name[65], title[128];
	size_t len = 0;
	enum am_status s;

	s = am_fields_set(f, "case", r->case_id, strlen(r->case_id), e);
	if (s != AM_OK)
		return s;
	if (r->withdrawn) {
		snprintf(title, sizeof(title), "withdrawal of case %.64s", r->case_id);
		s = am_fields_set(f, "case.withdrawn", r->reason, strlen(r->reason), e);
		if (s == AM_OK)
			s = am_fields_set(f, "title", title, strlen(title), e);
		return s;
	}
	snprintf(title, sizeof(title), "case record %.64s, %zu act%s", r->case_id, r->nacts,
		 r->nacts == 1 ? "" : "s");
	s = am_fields_set(f, "title", title, strlen(title), e);
	if (s == AM_OK)
		s = cases_record_json(r, 0, &json, &len, e);
	if (s == AM_OK)
		s = am_fields_set(f, "case.record", json, len, e);
	if (json != NULL) {
		am_wipe(json, len);
		free(json);
	}
	if (s == AM_OK) {
		struct am_buf b;
		am_buf_init(&b);
		for (size_t i = 0; i < r->nscopes; i++)
			am_buf_addf(&b, "%s%s", i ? "," : "", r->scopes[i]);
		/* the field export reads (docs/BUNDLE.md, "Consent"); empty: no scope */
		s = am_fields_set(f, "consent.scopes", b.len ? (const char *)b.data : "", b.len, e);
		am_buf_release(&b);
	}
	for (size_t i = 0; s == AM_OK && i < r->nacts; i++) {
		const struct cases_act *a = &r->acts[i];
		for (size_t k = 0; s == AM_OK && k < a->npriv; k++) {
			cases_private_field(name, a->act_id, a->priv[k].name);
			s = am_fields_set(f, name, a->priv[k].value, strlen(a->priv[k].value), e);
		}
	}
	return s;
}
