/* casework.c — a vault opened for case records (casework.h). */
#include <stdlib.h>
#include <string.h>

#include "casework.h"
#include "reading.h"

void cli_casework_init(struct cli_casework *w)
{
	memset(w, 0, sizeof(*w));
	am_identity_init(&w->id);
}

void cli_casework_release(struct cli_casework *w)
{
	if (w->recorded)
		fprintf(stderr, "recorded as custody entry %llu\n", (unsigned long long)w->custody);
	cases_index_release(&w->x);
	cases_json_close(w->j);
	free(w->types);
	am_members_release(&w->ms);
	cli_trust_close(&w->ct);
	am_identity_release(&w->id);
	memset(w, 0, sizeof(*w));
}

enum am_status cli_casework_open(struct cli_casework *w, const char *path, struct am_err *e)
{
	enum am_status s = cli_check_recordable(path, e);
	uint64_t size;

	if (s == AM_OK)
		s = cli_trust_open(&w->ct, path, 1, e);
	if (s == AM_OK)
		s = am_vault_members(w->ct.t, &w->ms, e);
	if (s == AM_OK)
		s = cases_json_open(&w->j, e);
	if (s != AM_OK)
		return s;
	size = am_trusted_size(w->ct.t);
	w->types = calloc(size ? size : 1, 1);
	if (w->types == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	/* headers only, proved against the verified tree: no reader, nothing decrypted */
	s = cases_index_load(w->ct.v, w->ct.t, NULL, w->j, size, w->types, &w->x, e);
	w->log.types = w->types;
	w->log.size = size;
	return s;
}

enum am_status cli_casework_unlock(struct cli_casework *w, const struct cli_common *co,
				   int *custodian, struct am_err *e)
{
	const struct am_member *m;
	enum am_status s = w->unlocked ? AM_OK : cli_unlock(&co->pass, co->as, &w->id, e);

	if (s != AM_OK)
		return s;
	w->unlocked = 1;
	m = am_members_find(&w->ms, w->id.sign_pk);
	*custodian = m == NULL ? -1 : (m->roles & AM_ROLE_CUSTODIAN) != 0;
	return AM_OK;
}

enum am_status cli_casework_read(struct cli_casework *w, const struct cli_common *co,
				 unsigned action, const char *purpose, uint64_t size,
				 struct am_err *e)
{
	uint64_t *refs = NULL, seq;
	size_t n = 0;
	int custodian = 0;
	enum am_status s = cli_casework_unlock(w, co, &custodian, e);

	if (s == AM_OK && custodian != 1)
		return am_fail(e, AM_EAUTH, "%s is not a custodian of %s: case records are sealed, and "
			       "reading them (to find a case, to import, to count) needs a custodian; "
			       "hand the file to one", w->id.name, w->ct.path);
	if (s != AM_OK)
		return s;
	refs = malloc((w->log.size ? w->log.size : 1) * sizeof(*refs));
	if (refs == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	for (uint64_t i = 0; i < w->log.size; i++)
		if (w->types[i] == AM_T_CASE && (size == 0 || i < size))
			refs[n++] = i;
	/*
	 * The reading is on the record before anything is decrypted: one custody
	 * entry per 65536 case entries, the most one can name.
	 */
	for (size_t at = 0; s == AM_OK && (at < n || (at == 0 && n == 0)); at += 65536) {
		size_t k = n - at < 65536 ? n - at : 65536;
		s = am_record_custody(w->ct.v, w->ct.t, &w->id, action, refs + at, k,
				      co->purpose != NULL ? co->purpose : purpose, &seq, e);
		if (s == AM_OK && !w->recorded)
			w->custody = seq;
		w->recorded |= s == AM_OK;
		if (n == 0)
			break;
	}
	free(refs);
	if (s != AM_OK)
		return s;
	cases_index_release(&w->x);
	return cases_index_load(w->ct.v, w->ct.t, &w->id, w->j,
				size != 0 ? size : am_trusted_size(w->ct.t), NULL, &w->x, e);
}

void cli_casework_problems(const struct cases_problems *p)
{
	for (size_t i = 0; i < p->kept; i++)
		fprintf(stderr, "amanat: %s\n", p->msg[i]);
	if (p->n > p->kept)
		fprintf(stderr, "amanat: ... and %zu more problems (the first %zu are shown)\n",
			p->n - p->kept, p->kept);
}
