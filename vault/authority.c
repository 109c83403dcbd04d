/*
 * authority.c — who may sign what, replayed from genesis, enroll and revoke
 * entries.  Sealing and verification share these rules so that what the tool
 * writes is exactly what the verifier accepts.
 */
#include "lifecycle.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void am_auth_init(struct am_auth *a)
{
	memset(a, 0, sizeof(*a));
}

void am_auth_release(struct am_auth *a)
{
	free(a->ms.m);
	free(a->by_sign);
	free(a->by_box);
	am_auth_init(a);
}

int am_auth_copy(struct am_auth *dst, const struct am_auth *src)
{
	size_t n = src->ms.n;

	am_auth_init(dst);
	dst->last_seq = src->last_seq;
	if (n == 0)
		return 0;
	dst->ms.m = malloc(n * sizeof(*dst->ms.m));
	dst->by_sign = malloc(n * sizeof(*dst->by_sign));
	dst->by_box = malloc(n * sizeof(*dst->by_box));
	if (dst->ms.m == NULL || dst->by_sign == NULL || dst->by_box == NULL) {
		am_auth_release(dst);
		return -1;
	}
	memcpy(dst->ms.m, src->ms.m, n * sizeof(*dst->ms.m));
	memcpy(dst->by_sign, src->by_sign, n * sizeof(*dst->by_sign));
	memcpy(dst->by_box, src->by_box, n * sizeof(*dst->by_box));
	dst->ms.n = dst->cap = n;
	return 0;
}

/*
 * Where key (at offset `off` in struct am_member) is, or would go, in the
 * index idx: the position of the first entry not below it.
 */
static size_t index_pos(const struct am_auth *a, const size_t *idx, size_t off,
			const unsigned char *key)
{
	size_t lo = 0, hi = a->ms.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp((const unsigned char *)&a->ms.m[idx[mid]] + off, key, 32) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The member whose key (at offset off) is key, through index idx; NULL if none. */
static struct am_member *index_find(const struct am_auth *a, const size_t *idx, size_t off,
				    const unsigned char *key)
{
	size_t i = index_pos(a, idx, off, key);

	if (i < a->ms.n && memcmp((const unsigned char *)&a->ms.m[idx[i]] + off, key, 32) == 0)
		return &a->ms.m[idx[i]];
	return NULL;
}

_Static_assert(AM_SIGN_PK_LEN == 32 && AM_BOX_PK_LEN == 32, "index_pos compares 32-byte keys");
#define SIGN_OFF offsetof(struct am_member, sign_pk)
#define BOX_OFF offsetof(struct am_member, box_pk)

void am_members_release(struct am_members *ms)
{
	free(ms->m);
	ms->m = NULL;
	ms->n = 0;
}

const struct am_member *am_members_find(const struct am_members *ms,
					const unsigned char pk[AM_SIGN_PK_LEN])
{
	for (size_t i = 0; i < ms->n; i++)
		if (memcmp(ms->m[i].sign_pk, pk, AM_SIGN_PK_LEN) == 0)
			return &ms->m[i];
	return NULL;
}

const struct am_member *am_auth_find(const struct am_auth *a, const unsigned char pk[AM_SIGN_PK_LEN])
{
	return index_find(a, a->by_sign, SIGN_OFF, pk);
}

unsigned am_auth_roles(const struct am_auth *a, const unsigned char pk[AM_SIGN_PK_LEN])
{
	const struct am_member *m = index_find(a, a->by_sign, SIGN_OFF, pk);
	return m ? m->roles : 0;
}

unsigned am_type_signer_roles(unsigned type)
{
	switch (type) {
	case AM_T_GENESIS:
	case AM_T_ENROLL:
	case AM_T_REVOKE:
		return AM_ROLE_ADMIN;
	case AM_T_TESTIMONY:
	case AM_T_DOCUMENT:
	case AM_T_MEDIA:
	case AM_T_CASE:
		return AM_ROLE_OFFICER | AM_ROLE_CUSTODIAN | AM_ROLE_ADMIN;
	case AM_T_CUSTODY:
	case AM_T_REWRAP:
		return AM_ROLE_CUSTODIAN;
	case AM_T_ROTATE:
		return AM_ROLE_ADMIN; /* or the new key, for an admin's own (apply_rotate) */
	case AM_T_IMPORT: /* whoever pulls a packet in at headquarters */
		return AM_ROLE_ADMIN | AM_ROLE_OFFICER | AM_ROLE_CUSTODIAN;
	case AM_T_ACK: /* any member may record what headquarters acknowledged */
		return AM_ROLE_ALL;
	}
	return 0;
}

static int add_member(struct am_auth *a, const struct am_member *m)
{
	size_t ps, pb, n = a->ms.n;

	if (n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 8;
		struct am_member *g = realloc(a->ms.m, cap * sizeof(*g));
		size_t *s = realloc(a->by_sign, cap * sizeof(*s)), *b;
		if (g != NULL)
			a->ms.m = g;
		if (s != NULL)
			a->by_sign = s;
		b = realloc(a->by_box, cap * sizeof(*b));
		if (b != NULL)
			a->by_box = b;
		if (g == NULL || s == NULL || b == NULL)
			return -1;
		a->cap = cap;
	}
	/* positions found before the member is counted, then both indexes shifted */
	ps = index_pos(a, a->by_sign, SIGN_OFF, m->sign_pk);
	pb = index_pos(a, a->by_box, BOX_OFF, m->box_pk);
	a->ms.m[n] = *m;
	memmove(&a->by_sign[ps + 1], &a->by_sign[ps], (n - ps) * sizeof(*a->by_sign));
	memmove(&a->by_box[pb + 1], &a->by_box[pb], (n - pb) * sizeof(*a->by_box));
	a->by_sign[ps] = n;
	a->by_box[pb] = n;
	a->ms.n = n + 1;
	return 0;
}

#define BAD(...) do { snprintf(why, whylen, __VA_ARGS__); return -1; } while (0)

/*
 * A rotate entry: old's roles move to the new keys, bound to old by old's
 * own signature and accepted by another admin (or, for an admin's own key,
 * by the new key signing the entry).
 */
static int apply_rotate(struct am_auth *a, const struct am_header *h, char *why, size_t whylen)
{
	struct am_rotation r;
	struct am_member *old, m;
	struct am_buf b;
	int self, bad;

	if (am_rotation_parse(h->payload, h->payload_len, &r) != 0)
		BAD("rotate payload is malformed");
	old = index_find(a, a->by_sign, SIGN_OFF, r.old_pk);
	if (old == NULL || old->roles == 0)
		BAD("rotate names an identity that is not enrolled");
	if (index_find(a, a->by_sign, SIGN_OFF, r.neu.sign_pk) != NULL ||
	    index_find(a, a->by_box, BOX_OFF, r.neu.box_pk) != NULL)
		BAD("rotate's new keys already belong to an identity");
	if (r.neu.roles != old->roles)
		BAD("rotate does not move exactly the roles the old key holds");
	self = memcmp(h->signer, r.neu.sign_pk, AM_SIGN_PK_LEN) == 0;
	if (self ? !(old->roles & AM_ROLE_ADMIN)
		 : memcmp(h->signer, r.old_pk, AM_SIGN_PK_LEN) == 0 ||
			   !(am_auth_roles(a, h->signer) & AM_ROLE_ADMIN))
		BAD("rotate is signed neither by another admin nor, for an admin's own key, by the "
		    "new key");
	am_buf_init(&b);
	am_rotation_binding_input(&b, h->vault_id, r.old_pk, r.record, r.record_len);
	bad = b.oom || am_sign_verify(r.binding, b.data, b.len, r.old_pk) != 0;
	am_buf_release(&b);
	if (bad)
		BAD("rotate's binding signature by the old key does not verify");
	old->roles = 0;
	old->since_seq = h->seq;
	memcpy(old->rotated_to, r.neu.sign_pk, AM_SIGN_PK_LEN);
	m = r.neu; /* old is not used after this: add_member may move the members */
	m.since_seq = h->seq;
	if (add_member(a, &m) != 0)
		BAD("out of memory");
	a->last_seq = h->seq;
	return 0;
}

int am_auth_apply(struct am_auth *a, const struct am_header *h, char *why, size_t whylen)
{
	struct am_member m, *cur;
	unsigned need;

	if (h->seq != 0 && h->auth_seq != a->last_seq)
		BAD("its authority link names entry %llu, but the latest enrollment entry before it "
		    "is %llu", (unsigned long long)h->auth_seq, (unsigned long long)a->last_seq);
	if ((h->seq == 0) != (h->type == AM_T_GENESIS))
		BAD(h->seq == 0 ? "the first entry is not a genesis entry"
				: "a genesis entry appears after the first entry");
	if (h->type == AM_T_GENESIS) {
		unsigned char vid[AM_VAULT_ID_LEN];
		am_genesis_vault_id(vid, h);
		if (!am_equal(vid, h->vault_id, AM_VAULT_ID_LEN))
			BAD("the genesis entry does not carry the vault id derived from it (a rebuilt "
			    "genesis)");
		if (am_member_parse(h->payload, h->payload_len, &m) != 0)
			BAD("genesis payload is not a valid identity record");
		if (memcmp(m.sign_pk, h->signer, AM_SIGN_PK_LEN) != 0 || !(m.roles & AM_ROLE_ADMIN))
			BAD("genesis is not signed by the admin it names");
		m.since_seq = h->seq;
		if (add_member(a, &m) != 0)
			BAD("out of memory");
		a->last_seq = h->seq;
		return 0;
	}
	if (h->type == AM_T_ROTATE)
		return apply_rotate(a, h, why, whylen);
	need = am_type_signer_roles(h->type);
	if (!(am_auth_roles(a, h->signer) & need)) {
		char kid[2 * AM_KEYID_LEN + 1];
		am_key_id_hex(kid, h->signer);
		BAD("signer %s was not enrolled with a role that may seal %s entries", kid,
		    am_type_name(h->type));
	}
	if (h->type == AM_T_ENROLL) {
		struct am_member *by_box;
		if (am_member_parse(h->payload, h->payload_len, &m) != 0)
			BAD("enroll payload is not a valid identity record");
		/* both keys belong to one identity, or neither is known yet */
		cur = index_find(a, a->by_sign, SIGN_OFF, m.sign_pk);
		by_box = index_find(a, a->by_box, BOX_OFF, m.box_pk);
		if (cur != by_box)
			BAD("enroll reuses a key of another identity");
		if (cur != NULL) {
			cur->roles = m.roles;
			cur->since_seq = h->seq;
			snprintf(cur->name, sizeof(cur->name), "%s", m.name);
			a->last_seq = h->seq;
			return 0;
		}
		m.since_seq = h->seq;
		if (add_member(a, &m) != 0)
			BAD("out of memory");
		a->last_seq = h->seq;
		return 0;
	}
	if (h->type == AM_T_REVOKE) {
		unsigned char pk[AM_SIGN_PK_LEN];
		char reason[AM_REASON_MAX + 1];
		enum am_since kind;
		uint64_t since;
		int64_t ms;
		if (am_revocation_parse(h->payload, h->payload_len, pk, &kind, &since, &ms, reason) != 0)
			BAD("revoke payload is neither a public key nor a valid revocation record");
		if (kind != AM_SINCE_NONE && since > h->seq)
			BAD("revoke states a compromise point after itself");
		cur = index_find(a, a->by_sign, SIGN_OFF, pk);
		if (cur == NULL || cur->roles == 0)
			BAD("revoke names an identity that is not enrolled");
		cur->roles = 0;
		cur->since_seq = h->seq;
		a->last_seq = h->seq;
		return 0;
	}
	if (h->type == AM_T_REWRAP) {
		struct am_rewrap_items w;
		if (am_rewrap_parse(h->payload, h->payload_len, h->seq, &w) != 0)
			BAD("rewrap payload is malformed");
		cur = index_find(a, a->by_box, BOX_OFF, w.to);
		if (cur == NULL || !(cur->roles & AM_ROLE_CUSTODIAN))
			BAD("rewrap wraps keys to someone who is not an enrolled custodian");
		return 0;
	}
	if (h->type == AM_T_IMPORT || h->type == AM_T_ACK) {
		/* the payload's own rules are checked in verify_import.c */
		if (h->payload_len == 0)
			BAD("%s entry has an empty payload", am_type_name(h->type));
		return 0;
	}
	if (h->payload_len != (h->type == AM_T_CUSTODY ? 1u : 0u))
		BAD("%s entry has a payload of the wrong size", am_type_name(h->type));
	if (h->type == AM_T_CUSTODY && strcmp(am_action_name(h->payload[0]), "unknown") == 0)
		BAD("custody entry names an unknown action %u", h->payload[0]);
	return 0;
}

static int cmp_pk(const void *x, const void *y)
{
	return memcmp(x, y, AM_BOX_PK_LEN);
}

int am_auth_recipients(const struct am_auth *a, unsigned char **pks, size_t *n)
{
	size_t k = 0;

	*pks = malloc(a->ms.n ? a->ms.n * AM_BOX_PK_LEN : 1);
	*n = 0;
	if (*pks == NULL)
		return -1;
	for (size_t i = 0; i < a->ms.n; i++)
		if (a->ms.m[i].roles & AM_ROLE_CUSTODIAN)
			memcpy(*pks + AM_BOX_PK_LEN * k++, a->ms.m[i].box_pk, AM_BOX_PK_LEN);
	qsort(*pks, k, AM_BOX_PK_LEN, cmp_pk);
	*n = k;
	return 0;
}

enum am_status am_auth_replay(struct am_vault *v, uint64_t at,
			      const unsigned char vid[AM_VAULT_ID_LEN], struct am_auth *a,
			      struct am_err *e)
{
	struct am_entry_pub p;
	uint64_t *chain = NULL;
	size_t nchain = 0, cap = 0;
	enum am_status s;
	char why[256];

	am_auth_init(a);
	for (;;) {
		if (am_u64_push(&chain, &nchain, &cap, at) != 0) {
			free(chain);
			return am_fail(e, AM_ENOMEM, "out of memory");
		}
		if (at == 0)
			break;
		s = am_entry_read(v, at, &p, e);
		if (s != AM_OK)
			goto fail;
		if (p.h.auth_seq >= at) {
			am_entry_pub_release(&p);
			s = am_fail(e, AM_EVERIFY, "%s: entry %llu breaks the chain of enrollments; run "
				    "'amanat verify'", v->path, (unsigned long long)at);
			goto fail;
		}
		at = p.h.auth_seq;
		am_entry_pub_release(&p);
	}
	while (nchain > 0) {
		struct am_buf b;
		int bad;

		at = chain[--nchain];
		/* once the log is verified from a pin, replay only the rows it verified */
		s = am_entry_read_trusted(v, v->trusted, at, &p, e);
		if (s != AM_OK)
			goto fail;
		am_buf_init(&b);
		am_sig_input(&b, p.buf, p.len);
		bad = b.oom || am_sign_verify(p.sig, b.data, b.len, p.h.signer) != 0 ||
		      memcmp(p.h.vault_id, vid, AM_VAULT_ID_LEN) != 0 || !am_type_authority(p.h.type);
		am_buf_release(&b);
		if (bad || am_auth_apply(a, &p.h, why, sizeof(why)) != 0) {
			s = am_fail(e, AM_EVERIFY,
				    "%s: enrollment entry %llu does not verify%s%s; run 'amanat verify'",
				    v->path, (unsigned long long)at, bad ? "" : ": ", bad ? "" : why);
			am_entry_pub_release(&p);
			goto fail;
		}
		am_entry_pub_release(&p);
	}
	free(chain);
	return AM_OK;
fail:
	free(chain);
	am_auth_release(a);
	return s;
}

enum am_status am_vault_members(const struct am_trusted *t, struct am_members *out,
				struct am_err *e)
{
	const struct am_members *ms = &t->auth.ms;

	out->m = NULL;
	out->n = 0;
	if (ms->n == 0)
		return AM_OK;
	/* the members only: the caller has no use for the replay's key indexes */
	out->m = malloc(ms->n * sizeof(*out->m));
	if (out->m == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	memcpy(out->m, ms->m, ms->n * sizeof(*out->m));
	out->n = ms->n;
	return AM_OK;
}
