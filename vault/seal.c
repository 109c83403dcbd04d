/*
 * seal.c — appending entries: genesis, enrollments, sealed items and custody
 * records.  Every append runs inside one BEGIN IMMEDIATE transaction and is
 * acknowledged only after COMMIT, which with synchronous=FULL is durable.
 */

#include "vault_int.h"
#include "lifecycle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


/* 1 when at least one member holds role. */
static int has_role(const struct am_auth *a, unsigned role)
{
	for (size_t i = 0; i < a->ms.n; i++)
		if (a->ms.m[i].roles & role)
			return 1;
	return 0;
}

/* am_headers_walk's callback: note any entry that is not an authority entry. */
static int note_sealed(void *ctx, uint64_t seq, const struct am_header *h)
{
	(void)seq;
	if (!am_type_authority(h->type))
		*(int *)ctx = 1;
	return 0;
}

/*
 * Whether the verified log t holds anything but authority entries, from the
 * signed headers (each linked to the one before, the last being t's verified
 * head), never from the stored type column, which a writer without a key
 * could relabel to let the last custodian go.  Read only when a change would
 * leave no custodian, which is rare.
 */
static enum am_status holds_sealed(struct am_vault *v, const struct am_trusted *t, int *found,
				   struct am_err *e)
{
	unsigned char head[AM_HASH_LEN];
	enum am_status s;

	*found = 0;
	s = am_headers_walk(v, t->size, note_sealed, found, head, e);
	if (s == AM_OK && !am_equal(head, t->head, AM_HASH_LEN))
		s = am_fail(e, AM_EVERIFY, "%s: the stored entries do not match the verified log; "
			    "run 'amanat verify'", v->path);
	return s;
}

enum am_status am_append_public(struct am_vault *v, struct am_trusted *t,
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
	if (type != AM_T_ROTATE)
		s = am_authorise(v, &work.auth, admin, type, e);
	if (s != AM_OK)
		goto fail;
	h.type = (uint8_t)type;
	h.payload = payload;
	h.payload_len = (uint32_t)pn;
	if (type == AM_T_REVOKE && memcmp(payload, admin->sign_pk, AM_SIGN_PK_LEN) == 0) {
		s = am_fail(e, AM_EINPUT, "an admin cannot revoke their own key; another admin must "
			    "(or rotate it: amanat rotate)");
		goto fail;
	}
	s = am_append(v, &work, admin, &h, NULL, 0, NULL, 0, seq, e);
	if (s != AM_OK)
		goto fail;
	/* the entry's own checkpoint is signed by the admin, who must still be a member */
	if (am_auth_roles(&work.auth, admin->sign_pk) == 0 || !has_role(&work.auth, AM_ROLE_ADMIN)) {
		s = am_fail(e, AM_EINPUT, "%s: this would leave the vault without an admin; enroll "
			    "another admin first (amanat enroll VAULT PUB --role admin), or replace "
			    "the key with 'amanat rotate'", v->path);
		goto fail;
	}
	if (!has_role(&work.auth, AM_ROLE_CUSTODIAN)) {
		int sealed = 1;
		s = holds_sealed(v, &work, &sealed, e);
		if (s != AM_OK)
			goto fail;
		if (sealed)
			s = am_fail(e, AM_EINPUT, "%s: this would leave no custodian, and nobody "
				    "could read what is sealed; enroll a new custodian and hand the "
				    "entries over first (amanat rewrap VAULT --to NEW.pub --as "
				    "CUSTODIAN.id --all), or replace the key with 'amanat rotate'",
				    v->path);
		if (s != AM_OK)
			goto fail;
	}
	return am_write_commit(v, t, &work, e);
fail:
	am_write_abort(v, &work);
	return s;
}

/* Refuse keys no one can hold a secret for, and a name another member goes by. */
enum am_status am_check_newcomer(struct am_vault *v, const struct am_auth *a,
				 const struct am_identity *who, const unsigned char *may_share,
				 struct am_err *e)
{
	const struct am_member *same = am_auth_find(a, may_share);

	if (!am_sign_pk_valid(who->sign_pk))
		return am_fail(e, AM_EINPUT, "%s: the signing key is not a valid Ed25519 public key "
			       "(a low-order or malformed point)", who->name);
	if (!am_box_pk_valid(who->box_pk))
		return am_fail(e, AM_EINPUT, "%s: the encryption key is a low-order X25519 key "
			       "(all zero or another degenerate point): nothing wrapped to it "
			       "would be secret", who->name);
	for (size_t i = 0; i < a->ms.n; i++)
		if (&a->ms.m[i] != same && a->ms.m[i].roles != 0 &&
		    strcmp(a->ms.m[i].name, who->name) == 0)
			return am_fail(e, AM_EINPUT, "%s: the name '%s' is already held by another "
				       "member; give the new identity another name (amanat id new)",
				       v->path, who->name);
	return AM_OK;
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
	/* on the state verified so far; am_append re-checks the rules on the latest */
	s = am_check_newcomer(v, &t->auth, who, who->sign_pk, e);
	if (s != AM_OK)
		return s;
	am_member_of(&m, who, roles);
	am_buf_init(&b);
	am_member_encode(&b, &m);
	if (b.oom)
		s = am_fail(e, AM_ENOMEM, "out of memory");
	else
		s = am_append_public(v, t, admin, AM_T_ENROLL, b.data, b.len, seq, e);
	am_buf_release(&b);
	return s;
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
	am_member_of(&m, admin, AM_ROLE_ADMIN | (nrecip == 0 ? AM_ROLE_CUSTODIAN : 0));
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
		/* an enrollment like any other: no degenerate keys (§24) */
		s = am_check_newcomer(v, &t.auth, r, r->sign_pk, e);
		if (s != AM_OK)
			break;
		am_member_of(&m, r, AM_ROLE_CUSTODIAN | am_auth_roles(&t.auth, r->sign_pk));
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
	struct am_batch_limits one = { 1, 0, 0, 0 };
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

/* A custody record's receipt: the first of its entries (seq 0 is the genesis, never custody). */
static void take_first(void *ctx, void *cookie, const struct am_seal_result *res)
{
	struct am_seal_result *first = ctx;

	(void)cookie;
	if (first->seq == 0 || res->seq < first->seq)
		*first = *res;
}

/*
 * A custody record as entries of at most slice refs each, consecutive and in
 * one batch: a reading of more entries than one entry may name (a list --as
 * of a large vault) is recorded whole, not cut at the first 65,536.  *seq
 * (optional) is the first entry, set once all are durable.
 */
enum am_status am_custody_sliced(struct am_vault *v, struct am_trusted *t,
				 const struct am_identity *reader, unsigned action,
				 const uint64_t *refs, size_t nrefs, const struct am_fields *fields,
				 size_t slice, uint64_t *seq, struct am_err *e)
{
	size_t slices = nrefs == 0 ? 1 : (nrefs + slice - 1) / slice;
	struct am_batch_limits lim = { slices, 0, 0, 0 };
	struct am_seal_result first;
	struct am_seal_req req;
	struct am_batch *b = NULL;
	unsigned char act = (unsigned char)action;
	enum am_status s;

	memset(&first, 0, sizeof(first));
	memset(&req, 0, sizeof(req));
	req.type = AM_T_CUSTODY;
	req.fields = fields;
	req.fd = -1;
	s = am_batch_begin(v, t, reader, &lim, take_first, &first, &b, e);
	for (size_t i = 0; s == AM_OK && i < slices; i++) {
		req.refs = refs == NULL ? NULL : refs + i * slice;
		req.nrefs = nrefs - i * slice < slice ? nrefs - i * slice : slice;
		s = am_batch_add(b, AM_T_CUSTODY, &req, &act, 1, NULL, e);
	}
	if (s == AM_OK)
		s = am_batch_commit(b, e);
	am_batch_free(b);
	if (s == AM_OK && seq != NULL)
		*seq = first.seq;
	return s;
}

static enum am_status seal_custody(struct am_vault *v, struct am_trusted *t,
				   const struct am_identity *reader, unsigned action,
				   const uint64_t *refs, size_t nrefs, const struct am_fields *fields,
				   uint64_t *seq, struct am_err *e)
{
	return am_custody_sliced(v, t, reader, action, refs, nrefs, fields, AM_MAX_REFS, seq, e);
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
