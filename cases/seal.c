/*
 * seal.c — the one place where many case records are sealed: in batches
 * (the vault's group commit, FORMAT.md §27), CASES_BATCH records to one
 * durable commit and one signed checkpoint.  A record is reported sealed
 * only from the batch's durable callback, so an interruption leaves whole
 * records only and the caller can say exactly which were sealed.
 */
#include <string.h>

#include "cases_int.h"

struct many {
	struct cases_sealed_cb cb;
	size_t n;
	size_t *done;
};

/* A record's batch is durable: only now is it counted and reported. */
static void on_durable(void *ctx, void *cookie, const struct am_seal_result *res)
{
	struct many *m = ctx;
	struct cases_to_seal *rec = cookie;

	rec->seq = res->seq;
	(*m->done)++;
	if (m->cb.fn != NULL)
		m->cb.fn(m->cb.ctx, *m->done, m->n, rec);
}

enum am_status cases_seal_many(struct am_vault *v, struct am_trusted *t,
			       const struct am_identity *signer, struct cases_to_seal *recs,
			       size_t n, struct cases_sealed_cb cb,
			       const volatile sig_atomic_t *stop, size_t *done, struct am_err *e)
{
	struct many m = { cb, n, done };
	struct am_batch_limits lim = { CASES_BATCH, 0, 0, 0 };
	struct am_batch *b = NULL;
	enum am_status s;

	*done = 0;
	s = am_batch_begin(v, t, signer, &lim, on_durable, &m, &b, e);
	for (size_t i = 0; i < n && s == AM_OK; i++) {
		struct am_fields f;
		struct am_seal_req req;

		if (stop != NULL && *stop) {
			/* keep what is sealed so far: it is whole, and the caller lists it */
			s = am_batch_commit(b, e);
			if (s == AM_OK)
				s = am_fail(e, AM_EIO, "interrupted");
			break;
		}
		am_fields_init(&f);
		s = cases_record_fields(recs[i].rec, &f, e);
		if (s == AM_OK) {
			memset(&req, 0, sizeof(req));
			req.type = AM_T_CASE;
			req.fields = &f;
			req.fd = -1;
			req.refs = &recs[i].supersedes;
			req.nrefs = recs[i].supersedes != UINT64_MAX;
			req.stop = stop;
			s = am_batch_seal(b, &req, &recs[i], e);
		}
		am_fields_release(&f);
	}
	if (s == AM_OK)
		s = am_batch_commit(b, e);
	am_batch_free(b);
	return s;
}
