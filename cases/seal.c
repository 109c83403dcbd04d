/*
 * seal.c — the one place where many case records are sealed.  Today each
 * record is its own durable commit (am_seal), so an interruption leaves
 * whole records only and the caller can say which were sealed; group commit
 * (the vault's batch API, issue 10) replaces the loop body here and nowhere
 * else.
 */
#include <string.h>

#include "cases_int.h"

enum am_status cases_seal_many(struct am_vault *v, struct am_trusted *t,
			       const struct am_identity *signer, struct cases_to_seal *recs,
			       size_t n, struct cases_sealed_cb cb,
			       const volatile sig_atomic_t *stop, size_t *done, struct am_err *e)
{
	enum am_status s = AM_OK;

	*done = 0;
	for (size_t i = 0; i < n && s == AM_OK; i++) {
		struct am_fields f;
		struct am_seal_req req;
		struct am_seal_result res;

		if (stop != NULL && *stop)
			return am_fail(e, AM_EIO, "interrupted");
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
			s = am_seal(v, t, signer, &req, &res, e);
		}
		am_fields_release(&f);
		if (s == AM_OK) {
			recs[i].seq = res.seq;
			(*done)++;
			if (cb.fn != NULL)
				cb.fn(cb.ctx, *done, n, &recs[i]);
		}
	}
	return s;
}
