/*
 * import.c — appending what came from a field vault (docs/FORMAT.md §25):
 * import entries, each carrying one field entry's signed header, its proof
 * and its stored body, all in one write transaction per packet; and ack
 * entries, a field vault's record of what headquarters acknowledged.
 *
 * Nothing here decrypts: the body is copied as stored, and checked against
 * the hashes the field sealer signed before it is kept.
 */
#include "import_int.h"
#include "bwrap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct am_import_tx {
	struct am_vault *v;
	struct am_trusted *t;
	struct am_trusted work;
	/* chunks given for the next entry: how many, their bytes and running hash */
	uint64_t nchunks;
	struct am_ct_hash ct_hash; /* by the rule the first chunk's caller named */
	int failed; /* a step failed: only abort is left */
	struct am_fauths fauths; /* field vaults' memberships, as verify replays them */
};

enum am_status am_import_begin(struct am_vault *v, struct am_trusted *t,
			       struct am_import_tx **out, struct am_err *e)
{
	struct am_import_tx *x = calloc(1, sizeof(*x));
	enum am_status s;

	*out = NULL;
	if (x == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	x->v = v;
	x->t = t;
	am_fauths_init(&x->fauths);
	s = am_write_begin(v, t, &x->work, e);
	if (s != AM_OK) {
		free(x);
		return s;
	}
	x->fauths.from = x->work.size; /* the imports already in the log: met through links */
	am_ct_hash_init(&x->ct_hash, 0);
	*out = x;
	return AM_OK;
}

const struct am_trusted *am_import_state(const struct am_import_tx *x)
{
	return &x->work;
}

enum am_status am_import_chunk(struct am_import_tx *x, unsigned flags, uint64_t idx,
			       const unsigned char *p, size_t n, struct am_err *e)
{
	enum am_status s;

	if (x->failed || idx != x->nchunks || n > UINT32_MAX)
		return am_fail(e, AM_EINPUT, "internal: import chunk %llu out of order",
			       (unsigned long long)idx);
	/* the chunk goes in under the entry about to be appended: the next seq */
	s = am_db_put_chunk(x->v, x->work.size, idx, p, n, e);
	if (s != AM_OK) {
		x->failed = 1;
		return s;
	}
	if (idx == 0)
		am_ct_hash_init(&x->ct_hash, flags);
	am_ct_hash_add(&x->ct_hash, p, n);
	x->nchunks++;
	return AM_OK;
}

/* The body given matches what the original's sealer signed. */
static int body_matches(struct am_import_tx *x, const struct am_header *o,
			const struct am_import_src *src)
{
	unsigned char h[AM_HASH_LEN];
	uint64_t ct_size = x->ct_hash.bytes;
	/* hashed by the rule the original says (the caller's flags were not signed) */
	int same_rule = x->ct_hash.per_chunk == ((o->flags & AM_HF_CHUNK_HASHED) != 0);

	am_ct_hash_final(&x->ct_hash, h);
	if (!am_type_sealed(o->type))
		return x->nchunks == 0 && src->wn == 0 && src->mn == 0;
	if (x->nchunks != o->chunk_count || ct_size != o->ct_size || !same_rule ||
	    !am_equal(h, o->ct_hash, AM_HASH_LEN))
		return 0;
	am_sha256(h, src->wraps, src->wn);
	if (src->wn != o->wraps_size || !am_equal(h, o->wraps_hash, AM_HASH_LEN))
		return 0;
	am_sha256(h, src->meta, src->mn);
	return src->mn == o->meta_size && am_equal(h, o->meta_hash, AM_HASH_LEN);
}

enum am_status am_import_append(struct am_import_tx *x, const struct am_identity *signer,
				const struct am_import_src *src, uint64_t *seq, struct am_err *e)
{
	struct am_header h, o;
	struct am_buf pl, refs;
	struct am_wraps ws;
	char why[256];
	enum am_status s = AM_OK;

	am_buf_init(&pl);
	am_buf_init(&refs);
	memset(&h, 0, sizeof(h));
	if (x->failed)
		return am_fail(e, AM_EINPUT, "internal: import after a failed step");
	if (signer->sign_sk == NULL)
		return am_fail(e, AM_EINPUT, "%s: a public key cannot sign; give the secret identity "
			       "file", signer->name);
	if (!(am_auth_roles(&x->work.auth, signer->sign_pk) & am_type_signer_roles(AM_T_IMPORT))) {
		s = am_fail(e, AM_EAUTH, "%s is not enrolled in %s with a role that may import "
			    "(admin, officer or custodian)", signer->name, x->v->path);
		goto fail;
	}
	if (src->nproof > AM_MT_MAX_PROOF || src->hlen > UINT32_MAX || src->cplen > UINT32_MAX ||
	    am_header_parse(src->hdr, src->hlen, &o, why, sizeof(why)) != 0) {
		s = am_fail(e, AM_EVERIFY, "the field entry to import is malformed");
		goto fail;
	}
	if (!body_matches(x, &o, src)) {
		s = am_fail(e, AM_EVERIFY, "field entry %llu: its stored body does not match its "
			    "signed hashes", (unsigned long long)o.seq);
		goto fail;
	}
	/* the verifier checks the block's shape by the original's flag (§14, §29): so must we */
	if (am_type_sealed(o.type) && am_wraps_parse_as(src->wraps, src->wn, o.flags, &ws) != 0) {
		s = am_fail(e, AM_EVERIFY, "field entry %llu: its wrapped keys are malformed (not "
			    "the kind of block its signed flags say)", (unsigned long long)o.seq);
		goto fail;
	}
	am_buf_u32(&pl, (uint32_t)src->hlen);
	am_buf_add(&pl, src->hdr, src->hlen);
	am_buf_add(&pl, src->sig, AM_SIG_LEN);
	am_buf_u32(&pl, (uint32_t)src->cplen);
	am_buf_add(&pl, src->cp, src->cplen);
	am_buf_u8(&pl, (uint8_t)src->nproof);
	am_buf_add(&pl, src->proof, src->nproof * AM_HASH_LEN);
	if (src->has_prev)
		am_buf_u64(&refs, src->prev);
	if (pl.oom || refs.oom || pl.len > AM_MAX_PAYLOAD) {
		s = am_fail(e, pl.oom || refs.oom ? AM_ENOMEM : AM_EINPUT, "field entry %llu is "
			    "too large to import (its header and proof exceed %u bytes)",
			    (unsigned long long)o.seq, AM_MAX_PAYLOAD);
		goto fail;
	}
	h.type = AM_T_IMPORT;
	h.seq = x->work.size;
	memcpy(h.vault_id, x->work.vault_id, AM_VAULT_ID_LEN);
	memcpy(h.signer, signer->sign_pk, AM_SIGN_PK_LEN);
	h.payload = pl.data;
	h.payload_len = (uint32_t)pl.len;
	h.refs = refs.data;
	h.nrefs = src->has_prev ? 1 : 0;
	if (am_type_sealed(o.type)) {
		memcpy(h.uid, o.uid, AM_UID_LEN);
		h.size = o.size;
		h.chunk_size = o.chunk_size;
		h.flags = o.flags & AM_HF_CHUNK_HASHED; /* the rule its ct_hash was made by */
		h.chunk_count = o.chunk_count;
		h.ct_size = o.ct_size;
		memcpy(h.ct_hash, o.ct_hash, AM_HASH_LEN);
		h.wraps_size = o.wraps_size;
		memcpy(h.wraps_hash, o.wraps_hash, AM_HASH_LEN);
		h.meta_size = o.meta_size;
		memcpy(h.meta_hash, o.meta_hash, AM_HASH_LEN);
		memcpy(h.fields_root, o.fields_root, AM_HASH_LEN);
	}
	/* refuse what the verifier would refuse, before it is signed */
	if (am_import_check(x->v, &x->work.auth, &x->work.fr, &x->fauths, &h, why, sizeof(why)) != 0) {
		s = am_fail(e, AM_EVERIFY, "field entry %llu: %s", (unsigned long long)o.seq, why);
		goto fail;
	}
	s = am_append(x->v, &x->work, signer, &h, src->wraps, src->wn, src->meta, src->mn, seq, e);
	if (s != AM_OK)
		goto fail;
	x->nchunks = 0;
	am_ct_hash_init(&x->ct_hash, 0);
	am_buf_release(&pl);
	am_buf_release(&refs);
	return AM_OK;
fail:
	x->failed = 1;
	am_buf_release(&pl);
	am_buf_release(&refs);
	return s;
}

enum am_status am_import_commit(struct am_import_tx *x, struct am_err *e)
{
	enum am_status s;

	if (x->failed) {
		am_import_abort(x);
		return am_fail(e, AM_EINPUT, "internal: commit after a failed import step");
	}
	s = am_write_commit(x->v, x->t, &x->work, e);
	am_fauths_release(&x->fauths);
	free(x);
	return s;
}

void am_import_abort(struct am_import_tx *x)
{
	if (x == NULL)
		return;
	am_write_abort(x->v, &x->work);
	am_fauths_release(&x->fauths);
	free(x);
}

enum am_status am_record_ack(struct am_vault *v, struct am_trusted *t,
			     const struct am_identity *signer, const char *note, size_t len,
			     uint64_t *seq, struct am_err *e)
{
	struct am_trusted work;
	struct am_header h;
	char why[256];
	enum am_status s;

	if (signer->sign_sk == NULL)
		return am_fail(e, AM_EINPUT, "%s: a public key cannot sign; give the secret identity "
			       "file", signer->name);
	if (len == 0 || len > AM_MAX_PAYLOAD)
		return am_fail(e, AM_EINPUT, "the acknowledgement is empty or too large");
	s = am_write_begin(v, t, &work, e);
	if (s != AM_OK)
		return s;
	memset(&h, 0, sizeof(h));
	h.type = AM_T_ACK;
	h.seq = work.size;
	memcpy(h.vault_id, work.vault_id, AM_VAULT_ID_LEN);
	h.payload = (const unsigned char *)note;
	h.payload_len = (uint32_t)len;
	if (am_auth_roles(&work.auth, signer->sign_pk) == 0)
		s = am_fail(e, AM_EAUTH, "%s is not enrolled in %s", signer->name, v->path);
	else if (am_ack_check(&work.auth, &h, why, sizeof(why)) != 0)
		s = am_fail(e, AM_EVERIFY, "%s", why);
	if (s == AM_OK)
		s = am_append(v, &work, signer, &h, NULL, 0, NULL, 0, seq, e);
	if (s == AM_OK)
		return am_write_commit(v, t, &work, e);
	am_write_abort(v, &work);
	return s;
}
