/*
 * seal.c — appending entries: genesis, enrollments, sealed items and custody
 * records.  Every append runs inside one BEGIN IMMEDIATE transaction and is
 * acknowledged only after COMMIT, which with synchronous=FULL is durable.
 */

#include "vault_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


/* 1 when at least one member is an admin. */
static int has_admin(const struct am_auth *a)
{
	for (size_t i = 0; i < a->ms.n; i++)
		if (a->ms.m[i].roles & AM_ROLE_ADMIN)
			return 1;
	return 0;
}

/* Append an enroll or revoke entry on t and commit. */
static enum am_status append_public(struct am_vault *v, struct am_trusted *t,
				    const struct am_identity *admin, unsigned type,
				    const unsigned char *payload, size_t pn, uint64_t *seq,
				    struct am_err *e)
{
	struct am_trusted work;
	struct am_header h;
	enum am_status s;

	memset(&h, 0, sizeof(h));
	s = am_write_begin(v, t, &work, e);
	if (s != AM_OK)
		return s;
	s = am_authorise(v, &work.auth, admin, type, e);
	if (s != AM_OK)
		goto fail;
	h.type = (uint8_t)type;
	h.payload = payload;
	h.payload_len = (uint32_t)pn;
	if (type == AM_T_REVOKE && memcmp(payload, admin->sign_pk, AM_SIGN_PK_LEN) == 0) {
		s = am_fail(e, AM_EINPUT, "an admin cannot revoke their own key; another admin must");
		goto fail;
	}
	s = am_append(v, &work, admin, &h, NULL, 0, NULL, 0, seq, e);
	if (s != AM_OK)
		goto fail;
	/* the entry's own checkpoint is signed by the admin, who must still be a member */
	if (am_auth_roles(&work.auth, admin->sign_pk) == 0 || !has_admin(&work.auth)) {
		s = am_fail(e, AM_EINPUT, "%s: this would leave the vault without an admin",
			    v->path);
		goto fail;
	}
	return am_write_commit(v, t, &work, e);
fail:
	am_write_abort(v, &work);
	return s;
}

enum am_status am_enroll(struct am_vault *v, struct am_trusted *t,
			 const struct am_identity *admin, const struct am_identity *who,
			 unsigned roles, uint64_t *seq, struct am_err *e)
{
	struct am_member m;
	struct am_buf b;
	enum am_status s;

	if (roles == 0 || (roles & ~AM_ROLE_ALL))
		return am_fail(e, AM_EINPUT, "no valid role given");
	memset(&m, 0, sizeof(m));
	memcpy(m.sign_pk, who->sign_pk, AM_SIGN_PK_LEN);
	memcpy(m.box_pk, who->box_pk, AM_BOX_PK_LEN);
	snprintf(m.name, sizeof(m.name), "%s", who->name);
	m.roles = roles;
	am_buf_init(&b);
	am_member_encode(&b, &m);
	if (b.oom)
		s = am_fail(e, AM_ENOMEM, "out of memory");
	else
		s = append_public(v, t, admin, AM_T_ENROLL, b.data, b.len, seq, e);
	am_buf_release(&b);
	return s;
}

enum am_status am_revoke(struct am_vault *v, struct am_trusted *t,
			 const struct am_identity *admin, const unsigned char pk[AM_SIGN_PK_LEN],
			 uint64_t *seq, struct am_err *e)
{
	return append_public(v, t, admin, AM_T_REVOKE, pk, AM_SIGN_PK_LEN, seq, e);
}

enum am_status am_vault_create(const char *path, const struct am_identity *admin,
			       const struct am_identity *recipients, size_t nrecip,
			       struct am_pin *pin, struct am_err *e)
{
	struct am_vault *v = NULL;
	struct am_trusted t;
	struct am_member m;
	struct am_header h;
	struct am_buf b;
	enum am_status s;

	am_buf_init(&b);
	am_trusted_init(&t);
	if (pin != NULL)
		memset(pin, 0, sizeof(*pin));
	s = am_db_create(path, &v, e);
	if (s != AM_OK)
		return s;
	memset(&m, 0, sizeof(m));
	memcpy(m.sign_pk, admin->sign_pk, AM_SIGN_PK_LEN);
	memcpy(m.box_pk, admin->box_pk, AM_BOX_PK_LEN);
	snprintf(m.name, sizeof(m.name), "%s", admin->name);
	m.roles = AM_ROLE_ADMIN | (nrecip == 0 ? AM_ROLE_CUSTODIAN : 0);
	am_member_encode(&b, &m);
	memset(&h, 0, sizeof(h));
	h.type = AM_T_GENESIS;
	h.payload = b.data;
	h.payload_len = (uint32_t)b.len;
	if (b.oom) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	/* a new file, created exclusively by us: the empty state is the verified one */
	s = am_append(v, &t, admin, &h, NULL, 0, NULL, 0, NULL, e);
	for (size_t i = 0; s == AM_OK && i < nrecip; i++) {
		const struct am_identity *r = &recipients[i];
		struct am_header eh;

		am_buf_release(&b);
		memset(&m, 0, sizeof(m));
		memcpy(m.sign_pk, r->sign_pk, AM_SIGN_PK_LEN);
		memcpy(m.box_pk, r->box_pk, AM_BOX_PK_LEN);
		snprintf(m.name, sizeof(m.name), "%s", r->name);
		m.roles = AM_ROLE_CUSTODIAN | am_auth_roles(&t.auth, r->sign_pk);
		am_member_encode(&b, &m);
		memset(&eh, 0, sizeof(eh));
		eh.type = AM_T_ENROLL;
		eh.payload = b.data;
		eh.payload_len = (uint32_t)b.len;
		if (b.oom)
			s = am_fail(e, AM_ENOMEM, "out of memory");
		else
			s = am_append(v, &t, admin, &eh, NULL, 0, NULL, 0, NULL, e);
		if (s != AM_OK && e != NULL) {
			char msg[sizeof(e->msg)];
			memcpy(msg, e->msg, sizeof(msg));
			s = am_fail(e, s, "recipient %s: %s", r->name, msg);
		}
	}
	if (s == AM_OK)
		s = am_db_commit(v, e);
	if (s == AM_OK && pin != NULL)
		am_trusted_pin(&t, pin);
cleanup:
	am_buf_release(&b);
	am_trusted_clear(&t);
	am_vault_close(v);
	if (s != AM_OK) {
		/* nothing was acknowledged: leave no half-made vault behind */
		size_t n = strlen(path) + 16;
		char *j = malloc(n);
		unlink(path);
		if (j != NULL) {
			snprintf(j, n, "%s-journal", path);
			unlink(j);
			free(j);
		}
	}
	return s;
}

/* A batch of one's acknowledgement: copy the receipt out. */
static void take_result(void *ctx, void *cookie, const struct am_seal_result *res)
{
	(void)cookie;
	*(struct am_seal_result *)ctx = *res;
}

/* Seal one entry as a batch of one: one transaction, checkpoint and COMMIT. */
static enum am_status seal_one(struct am_vault *v, struct am_trusted *t,
			       const struct am_identity *signer, unsigned type,
			       const struct am_seal_req *req, const unsigned char *payload,
			       size_t pn, struct am_seal_result *res, struct am_err *e)
{
	struct am_batch_limits one = { 1, 0 };
	struct am_batch *b = NULL;
	enum am_status s;

	memset(res, 0, sizeof(*res));
	s = am_batch_begin(v, t, signer, &one, take_result, res, &b, e);
	if (s == AM_OK)
		s = am_batch_add(b, type, req, payload, pn, NULL, e);
	if (s == AM_OK)
		s = am_batch_commit(b, e);
	am_batch_free(b);
	if (s != AM_OK)
		memset(res, 0, sizeof(*res));
	return s;
}

enum am_status am_seal(struct am_vault *v, struct am_trusted *t,
		       const struct am_identity *signer, const struct am_seal_req *req,
		       struct am_seal_result *res, struct am_err *e)
{
	struct am_seal_result mine;

	if (res == NULL)
		res = &mine;
	memset(res, 0, sizeof(*res));
	if (req->type < AM_T_TESTIMONY || req->type > AM_T_CASE)
		return am_fail(e, AM_EINPUT, "cannot seal an entry of type %s",
			       am_type_name(req->type));
	return seal_one(v, t, signer, req->type, req, NULL, 0, res, e);
}

/* A custody entry, alone; *seq (optional) set once it is durable. */
static enum am_status seal_custody(struct am_vault *v, struct am_trusted *t,
				   const struct am_identity *reader, unsigned action,
				   const uint64_t *refs, size_t nrefs, const struct am_fields *fields,
				   uint64_t *seq, struct am_err *e)
{
	struct am_seal_req req;
	struct am_seal_result res;
	unsigned char act = (unsigned char)action;
	enum am_status s;

	memset(&req, 0, sizeof(req));
	req.type = AM_T_CUSTODY;
	req.fields = fields;
	req.fd = -1;
	req.refs = refs;
	req.nrefs = nrefs;
	s = seal_one(v, t, reader, AM_T_CUSTODY, &req, &act, 1, &res, e);
	if (s == AM_OK && seq != NULL)
		*seq = res.seq;
	return s;
}

enum am_status am_record_custody_fields(struct am_vault *v, struct am_trusted *t,
					const struct am_identity *reader,
					unsigned action, const uint64_t *refs, size_t nrefs,
					const struct am_fields *fields, uint64_t *seq,
					struct am_err *e)
{
	if (am_fields_get(fields, "action") == NULL)
		return am_fail(e, AM_EINPUT, "a custody record needs an action field");
	return seal_custody(v, t, reader, action, refs, nrefs, fields, seq, e);
}

enum am_status am_record_custody(struct am_vault *v, struct am_trusted *t,
				 const struct am_identity *reader, unsigned action, const uint64_t *refs, size_t nrefs,
				 const char *purpose, uint64_t *seq, struct am_err *e)
{
	struct am_fields f;
	const char *an = am_action_name(action);
	enum am_status s;

	am_fields_init(&f);
	s = am_fields_set(&f, "action", an, strlen(an), e);
	if (s == AM_OK && purpose != NULL)
		s = am_fields_set(&f, "purpose", purpose, strlen(purpose), e);
	if (s == AM_OK)
		s = seal_custody(v, t, reader, action, refs, nrefs, &f, seq, e);
	am_fields_release(&f);
	return s;
}
