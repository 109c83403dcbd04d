/*
 * write.c — how every write begins and ends: on the verified state, brought
 * up to the end of the log inside the write transaction, and moved forward
 * only once the transaction is durable.  And the one write that is not an
 * entry: a checkpoint signed on its own.
 */
#include "vault_int.h"

#include <string.h>

#include "note.h"

enum am_status am_write_begin(struct am_vault *v, struct am_trusted *t, struct am_trusted *work,
			      struct am_err *e)
{
	enum am_status s;

	am_trusted_init(work);
	s = am_db_begin(v, e);
	if (s == AM_OK)
		s = am_trust_advance(v, t, e);
	if (s == AM_OK && am_trusted_copy(work, t) != 0)
		s = am_fail(e, AM_ENOMEM, "out of memory");
	if (s != AM_OK)
		am_db_rollback(v);
	return s;
}

enum am_status am_write_commit(struct am_vault *v, struct am_trusted *t, struct am_trusted *work,
			       struct am_err *e)
{
	enum am_status s = am_db_commit(v, e);

	if (s != AM_OK) {
		am_trusted_clear(work);
		return s;
	}
	am_trusted_clear(t);
	*t = *work;
	am_auth_init(&work->auth);
	am_trusted_clear(work);
	return AM_OK;
}

void am_write_abort(struct am_vault *v, struct am_trusted *work)
{
	am_db_rollback(v);
	am_trusted_clear(work);
}

enum am_status am_vault_checkpoint(struct am_vault *v, struct am_trusted *t,
				   const struct am_identity *signer, struct am_checkpoint *out,
				   struct am_err *e)
{
	struct am_trusted work;
	enum am_status s;

	memset(out, 0, sizeof(*out));
	if (signer->sign_sk == NULL)
		return am_fail(e, AM_EINPUT, "%s: a public key cannot sign; give the secret identity "
			       "file", signer->name);
	s = am_write_begin(v, t, &work, e);
	if (s != AM_OK)
		return s;
	if (am_auth_roles(&work.auth, signer->sign_pk) == 0) {
		char kid[2 * AM_KEYID_LEN + 1];
		am_key_id_hex(kid, signer->sign_pk);
		s = am_fail(e, AM_EAUTH, "%s (%s) is not enrolled in %s; only members sign its "
			    "checkpoints", signer->name, kid, v->path);
	}
	if (s == AM_OK)
		s = am_checkpoint_store(v, &work, signer, out, e);
	if (s == AM_OK)
		s = am_write_commit(v, t, &work, e);
	else
		am_write_abort(v, &work);
	if (s != AM_OK)
		am_checkpoint_release(out);
	return s;
}
