/*
 * append.c — signing an entry onto the verified state and storing it with
 * its tree nodes, inside the caller's transaction; and who may append what.
 * Transactions, checkpoints and acknowledgement are the callers' (seal.c,
 * batch.c).
 */
#include "vault_int.h"
#include "bwrap.h"

#include <string.h>
#include <time.h>

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void am_appending_release(struct am_appending *ap)
{
	am_buf_release(&ap->hb);
	am_buf_release(&ap->sb);
	memset(ap, 0, sizeof(*ap));
}

enum am_status am_append_begin(struct am_vault *v, struct am_trusted *t,
			       const struct am_identity *signer, struct am_header *h,
			       struct am_appending *ap, struct am_err *e)
{
	char why[256];
	enum am_status s = AM_OK;

	memset(ap, 0, sizeof(*ap));
	am_buf_init(&ap->hb);
	am_buf_init(&ap->sb);
	h->version = AM_FORMAT_VERSION;
	memcpy(h->signer, signer->sign_pk, AM_SIGN_PK_LEN);
	h->sealed_at_ms = now_ms();
	/* where the entry goes comes from the verified state, never from the file */
	h->seq = t->size;
	memcpy(h->prev, t->head, AM_HASH_LEN);
	h->auth_seq = t->size == 0 ? 0 : t->auth.last_seq;
	if (h->type == AM_T_GENESIS) {
		if (t->size != 0)
			return am_fail(e, AM_EINPUT, "%s already has a genesis entry", v->path);
		am_random(h->uid, AM_UID_LEN);
		am_genesis_vault_id(h->vault_id, h);
	} else {
		memcpy(h->vault_id, t->vault_id, AM_VAULT_ID_LEN);
	}
	/* refuse what the verifier would refuse, before it is signed */
	if ((h->flags & ~(AM_HF_BATCHED | AM_HF_CHUNK_HASHED | AM_HF_BWRAP)) != 0 ||
	    ((h->flags & AM_HF_BATCHED) && (h->seq == 0 || !am_type_sealed(h->type))) ||
	    ((h->flags & AM_HF_CHUNK_HASHED) && !am_header_sealed(h)) ||
	    ((h->flags & AM_HF_BWRAP) && !am_type_sealed(h->type))) {
		s = am_fail(e, AM_EINPUT, "internal: header flags %u on entry %llu", h->flags,
			    (unsigned long long)h->seq);
		goto fail;
	}
	if (am_auth_apply(&t->auth, h, why, sizeof(why)) != 0) {
		s = am_fail(e, AM_EINPUT, "%s: %s", v->path, why);
		goto fail;
	}
	am_header_encode(&ap->hb, h);
	am_sig_input(&ap->sb, ap->hb.data, ap->hb.len);
	if (ap->hb.oom || ap->sb.oom) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		goto fail;
	}
	ap->seq = h->seq;
	ap->type = h->type;
	memcpy(ap->vault_id, h->vault_id, AM_VAULT_ID_LEN);
	return AM_OK;
fail:
	am_appending_release(ap);
	return s;
}

void am_append_link(struct am_trusted *t, const struct am_appending *ap,
		    const unsigned char hash[AM_HASH_LEN])
{
	if (ap->seq == 0) {
		memcpy(t->vault_id, ap->vault_id, AM_VAULT_ID_LEN);
		memcpy(t->genesis, hash, AM_HASH_LEN);
	}
	memcpy(t->head, hash, AM_HASH_LEN);
	t->size = ap->seq + 1;
}

enum am_status am_append_store(struct am_vault *v, struct am_trusted *t,
			       const struct am_appending *ap, const unsigned char sig[AM_SIG_LEN],
			       const unsigned char hash[AM_HASH_LEN], const unsigned char *wraps,
			       size_t wn, const unsigned char *meta, size_t mn, struct am_err *e)
{
	enum am_status s = am_db_put_entry(v, ap->seq, ap->type, ap->hb.data, ap->hb.len, sig,
					   hash, wraps, wn, meta, mn, e);

	return s == AM_OK ? am_tree_append(v, &t->fr, hash, e) : s;
}

enum am_status am_append_finish(struct am_vault *v, struct am_trusted *t,
				struct am_appending *ap, const unsigned char sig[AM_SIG_LEN],
				const unsigned char *wraps, size_t wn, const unsigned char *meta,
				size_t mn, struct am_err *e)
{
	unsigned char hash[AM_HASH_LEN];
	enum am_status s;

	am_entry_hash(hash, ap->hb.data, ap->hb.len, sig);
	s = am_append_store(v, t, ap, sig, hash, wraps, wn, meta, mn, e);
	if (s == AM_OK)
		am_append_link(t, ap, hash);
	am_appending_release(ap);
	return s;
}

enum am_status am_append_entry(struct am_vault *v, struct am_trusted *t,
			       const struct am_identity *signer, struct am_header *h,
			       const unsigned char *wraps, size_t wn, const unsigned char *meta,
			       size_t mn, struct am_err *e)
{
	struct am_appending ap;
	unsigned char sig[AM_SIG_LEN];
	enum am_status s = am_append_begin(v, t, signer, h, &ap, e);

	if (s != AM_OK)
		return s;
	if (am_sign(sig, ap.sb.data, ap.sb.len, signer->sign_sk) != 0) {
		am_appending_release(&ap);
		return am_fail(e, AM_EINPUT, "signing failed");
	}
	return am_append_finish(v, t, &ap, sig, wraps, wn, meta, mn, e);
}

enum am_status am_append(struct am_vault *v, struct am_trusted *t,
			 const struct am_identity *signer, struct am_header *h,
			 const unsigned char *wraps, size_t wn, const unsigned char *meta, size_t mn,
			 uint64_t *seq, struct am_err *e)
{
	enum am_status s;

	h->flags &= AM_HF_CHUNK_HASHED; /* alone: never batched; the content rule is kept */
	s = am_append_entry(v, t, signer, h, wraps, wn, meta, mn, e);
	/* every append on its own leaves a checkpoint signed by whoever appended */
	if (s == AM_OK)
		s = am_checkpoint_store(v, t, signer, NULL, e);
	if (s == AM_OK && seq != NULL)
		*seq = h->seq;
	return s;
}

enum am_status am_authorise(struct am_vault *v, const struct am_auth *a,
			    const struct am_identity *signer, unsigned type, struct am_err *e)
{
	char kid[2 * AM_KEYID_LEN + 1];

	if (signer->sign_sk == NULL || signer->box_sk == NULL)
		return am_fail(e, AM_EINPUT, "%s: a public key cannot sign; give the secret identity "
			       "file", signer->name);
	if (am_auth_roles(a, signer->sign_pk) & am_type_signer_roles(type))
		return AM_OK;
	am_key_id_hex(kid, signer->sign_pk);
	return am_fail(e, AM_EAUTH, "%s (%s) is not enrolled in %s with a role that may %s",
		       signer->name, kid, v->path,
		       type == AM_T_CUSTODY ? "read (custodian)"
		       : type == AM_T_ENROLL || type == AM_T_REVOKE ? "enroll or revoke (admin)"
								    : "seal entries");
}
