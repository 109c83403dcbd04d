/*
 * push.c — writing a transfer packet from a field vault: every entry since
 * headquarters' last acknowledgement, exactly as stored, under a checkpoint
 * the officer signs now, with the proofs that let the main vault check each
 * entry and the field vault's growth since what it absorbed.  Nothing is
 * decrypted; the officer's signing key is the only secret used.
 */
#include "transfer.h"

#include <stdlib.h>
#include <string.h>

#include "../vault/merkle.h"
#include "../vault/vault_layer.h"
#include "../vault/note.h"
#include "packet.h"

/* A chunk as it is read from the vault, straight into a chunk record. */
static enum am_status put_chunk(void *ctx, uint64_t idx, const unsigned char *p, size_t n,
				struct am_err *e)
{
	(void)idx;
	return pk_write(ctx, PK_CHUNK, p, n, e);
}

/* The entry record of field entry seq and its chunk records. */
static enum am_status put_entry(struct am_vault *v, struct am_trusted *t, struct pk_writer *w,
				uint64_t seq, const struct am_checkpoint *cp, struct am_err *e)
{
	unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH];
	unsigned char *wraps = NULL, *meta = NULL;
	size_t count = 0, wn = 0, mn = 0;
	struct am_entry_pub p;
	struct am_buf b;
	enum am_status s;

	am_buf_init(&b);
	s = am_entry_read_trusted(v, t, seq, &p, e);
	if (s != AM_OK)
		return s;
	/* never carry a proof that does not hold against the checkpoint just signed */
	s = am_prove_entry(v, seq, &p, cp, proof, &count, e);
	if (s == AM_OK)
		s = am_entry_stored_body(v, &p.h, &wraps, &wn, &meta, &mn, e);
	if (s != AM_OK)
		goto cleanup;
	am_buf_u32(&b, (uint32_t)p.len);
	am_buf_add(&b, p.buf, p.len);
	am_buf_add(&b, p.sig, AM_SIG_LEN);
	am_buf_u8(&b, (uint8_t)count);
	am_buf_add(&b, proof, count * AM_HASH_LEN);
	am_buf_u32(&b, (uint32_t)wn);
	am_buf_add(&b, wraps, wn);
	am_buf_u32(&b, (uint32_t)mn);
	am_buf_add(&b, meta, mn);
	s = b.oom ? am_fail(e, AM_ENOMEM, "out of memory") : pk_write(w, PK_ENTRY, b.data, b.len, e);
	if (s == AM_OK)
		s = am_entry_stored_chunks(v, &p.h, put_chunk, w, e);
cleanup:
	free(wraps);
	free(meta);
	am_buf_release(&b);
	am_entry_pub_release(&p);
	return s;
}

/* The head record: vaults, range, checkpoint and the consistency proof. */
static enum am_status put_head(struct pk_writer *w, const struct am_trusted *t,
			       const unsigned char main_id[AM_VAULT_ID_LEN], uint64_t from,
			       const struct am_checkpoint *cp, const unsigned char (*proof)[AM_HASH_LEN],
			       size_t count, struct am_err *e)
{
	struct am_buf b;
	enum am_status s;

	am_buf_init(&b);
	am_buf_u16(&b, 1);
	am_buf_add(&b, am_trusted_vault_id(t), AM_VAULT_ID_LEN);
	am_buf_add(&b, main_id, AM_VAULT_ID_LEN);
	am_buf_u64(&b, from);
	am_buf_u64(&b, cp->size);
	am_buf_u32(&b, (uint32_t)cp->len);
	am_buf_add(&b, cp->text, cp->len);
	am_buf_u8(&b, (uint8_t)count);
	am_buf_add(&b, proof, count * AM_HASH_LEN);
	s = b.oom ? am_fail(e, AM_ENOMEM, "out of memory") : pk_write(w, PK_HEAD, b.data, b.len, e);
	am_buf_release(&b);
	return s;
}

enum am_status am_push(struct am_vault *v, struct am_trusted *t,
		       const struct am_identity *officer,
		       const unsigned char main_id[AM_VAULT_ID_LEN], int fd,
		       struct am_progress progress, struct am_push_result *res, struct am_err *e)
{
	unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH], digest[AM_HASH_LEN];
	unsigned char msg[sizeof(PK_DOM_SIG) + AM_HASH_LEN], end[8 + AM_SIGN_PK_LEN + AM_SIG_LEN];
	struct am_checkpoint cp;
	struct am_ack ack;
	struct pk_writer w;
	uint64_t ackseq = 0;
	size_t count = 0;
	int found = 0;
	enum am_status s;

	memset(res, 0, sizeof(*res));
	memset(&cp, 0, sizeof(cp));
	memset(&ack, 0, sizeof(ack));
	if (am_equal(main_id, am_trusted_vault_id(t), AM_VAULT_ID_LEN))
		return am_fail(e, AM_EINPUT, "%s is the vault named by --to: push carries entries "
			       "to another vault", am_vault_path(v));
	s = am_ack_last(v, t, main_id, &ack, &ackseq, &found, e);
	if (s != AM_OK)
		return s;
	/* the checkpoint the packet is proved under, signed by the officer now */
	s = am_vault_checkpoint(v, t, officer, &cp, e);
	if (s != AM_OK)
		goto cleanup;
	res->from = found ? ack.field_size : 0;
	res->to = cp.size;
	res->acked = found;
	if (res->from > cp.size) {
		s = am_fail(e, AM_EVERIFY, "%s holds %llu entries, fewer than the %llu headquarters "
			    "acknowledged: it was rolled back", am_vault_path(v),
			    (unsigned long long)cp.size, (unsigned long long)res->from);
		goto cleanup;
	}
	if (res->from > 0) {
		s = am_prove_consistency(v, res->from, cp.size, proof, &count, e);
		if (s == AM_OK && am_mt_verify_consistency(res->from, cp.size, ack.field_root, cp.root,
							   AM_MT_CONST(proof), count) != 0)
			s = am_fail(e, AM_EVERIFY, "%s does not extend the %llu entries headquarters "
				    "acknowledged (entry %llu): it was forked or rewritten since",
				    am_vault_path(v), (unsigned long long)res->from,
				    (unsigned long long)ackseq);
		if (s != AM_OK)
			goto cleanup;
	}
	pk_writer_init(&w, fd);
	w.progress = progress;
	s = pk_write_magic(&w, e);
	if (s == AM_OK)
		s = put_head(&w, t, main_id, res->from, &cp, AM_MT_CONST(proof), count, e);
	for (uint64_t k = res->from; s == AM_OK && k < cp.size; k++)
		s = put_entry(v, t, &w, k, &cp, e);
	if (s != AM_OK)
		goto cleanup;
	/* the end: how many entries, and the officer's signature over every byte before */
	pk_writer_digest(&w, digest);
	pk_sig_input(msg, digest);
	am_put_u64(end, cp.size - res->from);
	memcpy(end + 8, officer->sign_pk, AM_SIGN_PK_LEN);
	if (am_sign(end + 8 + AM_SIGN_PK_LEN, msg, sizeof(msg), officer->sign_sk) != 0)
		s = am_fail(e, AM_EINPUT, "signing the packet failed");
	if (s == AM_OK)
		s = pk_write(&w, PK_END, end, sizeof(end), e);
	res->bytes = w.bytes;
cleanup:
	am_checkpoint_release(&cp);
	am_ack_release(&ack);
	return s;
}
