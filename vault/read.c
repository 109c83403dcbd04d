/*
 * read.c — custodians opening entries: unwrapping the content key, the
 * private fields and the content.  Every check that can fail is done before
 * plaintext is released: the header signature, the wraps and metadata hashes,
 * each chunk's tag, and at the end the plaintext SHA-256.
 */
#include "lifecycle.h"
#include "pipe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An entry opened for reading: its public part and its content key. */
struct opened {
	struct am_vault *v; /* whose secure buffers key is from */
	struct am_entry_pub pub;
	unsigned char *key; /* secure */
	uint64_t via;       /* the entry whose wrap gave the key */
	/* whose body it is: this vault's, or for an import the field vault's (§25) */
	unsigned char body_vid[AM_VAULT_ID_LEN];
	unsigned body_type;
};

static void opened_release(struct opened *o)
{
	am_entry_pub_release(&o->pub);
	if (o->v != NULL)
		am_vault_secure_free(o->v, o->key);
	o->key = NULL;
}

static enum am_status open_meta(struct am_vault *v, const struct opened *o, unsigned char **pt,
				size_t *ptlen, struct am_err *e);

/* Whether o->key, unwrapped from wrap, opens the entry's metadata: AM_OK or why not. */
static enum am_status key_opens(struct am_vault *v, struct opened *o,
				const struct am_identity *reader,
				const unsigned char wrap[AM_WRAP_MAX], struct am_err *e)
{
	unsigned char *pt = NULL;
	size_t ptlen = 0;
	enum am_status s;
	/* the entry's own wraps are batch wraps when its signed flag says so (§29) */
	int bwrap = o->via == o->pub.h.seq && (am_wraps_flags(&o->pub.h) & AM_HF_BWRAP);

	if (bwrap ? am_bwrap_open(v, o->key, wrap, o->body_vid, o->pub.h.uid, reader->box_pk,
				  reader->box_sk) != 0
		  : am_unwrap(o->key, wrap, reader->box_pk, reader->box_sk) != 0)
		/* our key is listed but its box does not open: the wrap is bad */
		return am_fail(e, AM_EVERIFY, "%s: entry %llu: the content key wrapped to %s "
			       "does not open%s", v->path, (unsigned long long)o->pub.h.seq,
			       reader->name, o->via != o->pub.h.seq ? " (in a rewrap entry)" : "");
	if (o->via == o->pub.h.seq) /* the sealer's own wrap: the metadata is checked when read */
		return AM_OK;
	s = open_meta(v, o, &pt, &ptlen, e);
	am_vault_secure_free(v, pt);
	return s;
}

static enum am_status open_entry(struct am_vault *v, const struct am_identity *reader,
				 uint64_t seq, struct opened *o, struct am_err *e)
{
	unsigned char wrap[AM_WRAP_MAX], first_wrap[AM_WRAP_MAX];
	struct am_buf sb;
	enum am_status s;
	uint64_t first;
	int bad, found;

	memset(o, 0, sizeof(*o));
	o->v = v;
	if (reader->box_sk == NULL)
		return am_fail(e, AM_EINPUT, "%s: a public key cannot decrypt; give the secret identity "
			       "file", reader->name);
	/* once the log is verified from a pin, open only what that verification covered */
	s = am_entry_read_trusted(v, v->trusted, seq, &o->pub, e);
	if (s != AM_OK)
		return s;
	memcpy(o->body_vid, o->pub.h.vault_id, AM_VAULT_ID_LEN);
	o->body_type = o->pub.h.type;
	if (o->pub.h.type == AM_T_IMPORT && am_header_sealed(&o->pub.h)) {
		/* verified with the log: the body was sealed in the field vault, as the original */
		struct am_import_view iv;
		s = am_import_view(&o->pub.h, &iv, e);
		if (s != AM_OK)
			goto fail;
		memcpy(o->body_vid, iv.orig.vault_id, AM_VAULT_ID_LEN);
		o->body_type = iv.orig.type;
	}
	if (!am_header_sealed(&o->pub.h)) {
		s = am_fail(e, AM_EINPUT, "entry %llu is a public %s entry with nothing to decrypt",
			    (unsigned long long)seq, am_type_name(o->pub.h.type));
		goto fail;
	}
	/* proved in the log verified from the pin, whose signatures that verification checked */
	bad = 0;
	if (v->trusted == NULL) {
		am_buf_init(&sb);
		am_sig_input(&sb, o->pub.buf, o->pub.len);
		bad = sb.oom || am_sign_verify(o->pub.sig, sb.data, sb.len, o->pub.h.signer) != 0;
		am_buf_release(&sb);
	}
	if (bad) {
		s = am_fail(e, AM_EVERIFY, "%s: entry %llu: signature does not verify", v->path,
			    (unsigned long long)seq);
		goto fail;
	}
	/* a validly signed entry is still worthless if its signer had no right to sign it */
	{
		const struct am_auth *a;
		s = am_auth_at(v, o->pub.h.auth_seq, o->pub.h.vault_id, &a, e);
		if (s != AM_OK)
			goto fail;
		if (!(am_auth_roles(a, o->pub.h.signer) & am_type_signer_roles(o->pub.h.type)))
			s = am_fail(e, AM_EVERIFY, "%s: entry %llu was signed by someone not enrolled "
				    "to sign it; run 'amanat verify'", v->path, (unsigned long long)seq);
		if (s != AM_OK)
			goto fail;
	}
	o->key = am_vault_secure(v, AM_KEY_LEN);
	if (o->key == NULL) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		goto fail;
	}
	/* the entry's own wraps, or a rewrap entry of the verified log */
	found = am_rewrap_wrap_for(v, &o->pub, reader->box_pk, wrap, &o->via);
	if (found < 0) {
		s = am_fail(e, AM_EVERIFY, "%s: entry %llu: wrapped keys were altered", v->path,
			    (unsigned long long)seq);
		goto fail;
	}
	if (found == 0) {
		s = am_fail(e, AM_EAUTH, "%s cannot open entry %llu: it was not sealed to this "
			    "identity's key", reader->name, (unsigned long long)seq);
		goto fail;
	}
	/*
	 * A rewrap's box holds whatever its signer put in it: one that opens nothing
	 * must not hide a later rewrap that gives the key.  Take the first that opens
	 * the metadata; when none does, say what is wrong with the first.
	 */
	first = o->via;
	memcpy(first_wrap, wrap, sizeof(wrap));
	while (o->via != seq) {
		struct am_err scratch;
		am_err_init(&scratch);
		if (key_opens(v, o, reader, wrap, &scratch) == AM_OK)
			return AM_OK;
		if (am_rewrap_wrap_next(v, &o->pub, reader->box_pk, o->via, wrap, &o->via) != 1) {
			o->via = first;
			memcpy(wrap, first_wrap, sizeof(wrap));
			break;
		}
	}
	s = key_opens(v, o, reader, wrap, e);
	if (s != AM_OK)
		goto fail;
	return AM_OK;
fail:
	opened_release(o);
	return s;
}

enum am_status am_open_key(struct am_vault *v, const struct am_identity *reader, uint64_t seq,
			   unsigned char *key, uint64_t *via, struct am_err *e)
{
	struct opened o;
	enum am_status s = open_entry(v, reader, seq, &o, e);

	if (s != AM_OK)
		return s;
	memcpy(key, o.key, AM_KEY_LEN);
	*via = o.via;
	opened_release(&o);
	return AM_OK;
}

enum am_status am_can_open(struct am_vault *v, const struct am_identity *reader, uint64_t seq,
			   struct am_err *e)
{
	struct opened o;
	enum am_status s = open_entry(v, reader, seq, &o, e);

	if (s == AM_OK)
		opened_release(&o);
	return s;
}

/*
 * The metadata of an opened entry, checked against its signed hash and
 * decrypted with o->key: *pt (secure, *ptlen bytes of plaintext) or an error.
 */
static enum am_status open_meta(struct am_vault *v, const struct opened *o, unsigned char **pt,
				size_t *ptlen, struct am_err *e)
{
	unsigned char *meta = NULL, *mkey = NULL;
	unsigned char ad[AM_AD_MAX], nonce[AM_NONCE_LEN], hash[AM_HASH_LEN];
	size_t mn = 0, adlen;
	uint64_t seq = o->pub.h.seq;
	enum am_status s;

	*pt = NULL;
	*ptlen = 0;
	s = am_db_get_blob(v, seq, "meta", &meta, &mn, e);
	if (s != AM_OK)
		return s;
	am_sha256(hash, meta, mn);
	if (mn != o->pub.h.meta_size || mn < AM_AEAD_TAG_LEN ||
	    !am_equal(hash, o->pub.h.meta_hash, AM_HASH_LEN)) {
		s = am_fail(e, AM_EVERIFY, "%s: entry %llu: metadata was altered", v->path,
			    (unsigned long long)seq);
		goto cleanup;
	}
	*pt = am_vault_secure(v, mn);
	mkey = am_vault_secure(v, AM_KEY_LEN);
	if (*pt == NULL || mkey == NULL) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	memset(nonce, 0, sizeof(nonce));
	am_meta_ad(ad, &adlen, o->body_vid, o->pub.h.uid);
	if (am_subkey(mkey, o->key, 2, AM_KDF_CTX_META) != 0 ||
	    am_aead_open(*pt, meta, mn, ad, adlen, nonce, mkey) != 0) {
		char from[64] = "";
		if (o->via != seq) /* a rewrap's box holds only what its signer put in it */
			snprintf(from, sizeof(from), " with the key from rewrap entry %llu",
				 (unsigned long long)o->via);
		s = am_fail(e, AM_EVERIFY, "%s: entry %llu: metadata does not decrypt%s", v->path,
			    (unsigned long long)seq, from);
		goto cleanup;
	}
	*ptlen = mn - AM_AEAD_TAG_LEN;
cleanup:
	if (s != AM_OK) {
		am_vault_secure_free(v, *pt);
		*pt = NULL;
	}
	free(meta);
	am_vault_secure_free(v, mkey);
	return s;
}

/* Decrypt and check the fields of an opened entry. */
static enum am_status fields_of(struct am_vault *v, struct opened *o, struct am_fields *out,
				struct am_err *e)
{
	unsigned char *pt = NULL, hash[AM_HASH_LEN];
	size_t ptlen = 0;
	uint64_t seq = o->pub.h.seq;
	enum am_status s;

	am_fields_init(out);
	s = open_meta(v, o, &pt, &ptlen, e);
	if (s != AM_OK)
		return s;
	if (am_fields_parse(pt, ptlen, out) != 0) {
		s = am_fail(e, AM_EVERIFY, "%s: entry %llu: metadata is malformed", v->path,
			    (unsigned long long)seq);
		goto cleanup;
	}
	am_fields_root(hash, out);
	if (!am_equal(hash, o->pub.h.fields_root, AM_HASH_LEN)) {
		am_fields_release(out);
		s = am_fail(e, AM_EVERIFY, "%s: entry %llu: metadata does not match its commitment",
			    v->path, (unsigned long long)seq);
	}
cleanup:
	am_vault_secure_free(v, pt);
	return s;
}

enum am_status am_open_fields(struct am_vault *v, const struct am_identity *reader,
			      uint64_t seq, struct am_fields *out, struct am_err *e)
{
	struct opened o;
	enum am_status s;

	am_fields_init(out);
	s = open_entry(v, reader, seq, &o, e);
	if (s != AM_OK)
		return s;
	s = fields_of(v, &o, out, e);
	opened_release(&o);
	return s;
}

#define CHUNK_FAIL(...) do { s = am_fail(e, AM_EVERIFY, __VA_ARGS__); goto cleanup; } while (0)

/* Where am_extract writes: a file descriptor (none when fd < 0). */
struct out_fd {
	int fd;
	uint64_t since; /* bytes written since the last writeback hint */
};

static enum am_status write_fd(void *ctx, const void *p, size_t n, struct am_err *e)
{
	struct out_fd *o = ctx;

	if (o->fd < 0)
		return AM_OK;
	if (am_write_all(o->fd, p, n) != 0)
		return am_fail(e, AM_EIO, "cannot write the output: %s", strerror(errno));
	/* the caller's fsync of a big output then finds most of it written */
	am_writeback(o->fd, &o->since, n);
	return AM_OK;
}

enum am_status am_extract(struct am_vault *v, const struct am_identity *reader, uint64_t seq,
			  int fd, struct am_progress pr, struct am_err *e)
{
	struct out_fd o = { fd, 0 };

	return am_extract_to(v, reader, seq, write_fd, &o, pr, e);
}

/*
 * Reading content through the pipeline (pipe.h): the calling thread reads
 * the chunk rows in order; either thread computes a chunk's own hash (§28)
 * and decrypts it in place; the worker hashes the plaintext in order and
 * writes it out.
 */
struct emit_ctx {
	am_writer write;
	void *wctx;
	const char *path;
	uint64_t seq;
	const unsigned char *key; /* chunk subkey, secure */
	const unsigned char *ad;
	size_t adlen;
	am_sha256_ctx pt_hash;
	struct am_ct_hash ct_hash;
};

static enum am_status open_work(void *ctx, int thread, struct am_pipe_slot *slot,
				struct am_err *e)
{
	struct emit_ctx *ec = ctx;
	unsigned char nonce[AM_NONCE_LEN];
	size_t ptn = slot->len - AM_AEAD_TAG_LEN;

	(void)thread;
	if (ec->ct_hash.per_chunk)
		am_ct_chunk_hash(slot->leaf, slot->buf, slot->len);
	am_chunk_nonce(nonce, slot->idx, slot->last);
	if (am_aead_open(slot->buf, slot->buf, slot->len, ec->ad, ec->adlen, nonce, ec->key) != 0)
		return am_fail(e, AM_EVERIFY, "%s: entry %llu: chunk %llu does not decrypt (altered, "
			       "moved or truncated)", ec->path, (unsigned long long)ec->seq,
			       (unsigned long long)slot->idx);
	/* stored: the plaintext is already there, after the mode byte */
	if (slot->buf[0] == AM_CHUNK_STORED && ptn == slot->want + 1) {
		slot->out = slot->buf + 1;
		return AM_OK;
	}
	if (am_chunk_unpack(slot->aux, slot->want, slot->buf, ptn) != 0)
		return am_fail(e, AM_EVERIFY, "%s: entry %llu: chunk %llu does not decompress to its "
			       "size", ec->path, (unsigned long long)ec->seq,
			       (unsigned long long)slot->idx);
	slot->out = slot->aux;
	return AM_OK;
}

static enum am_status emit(void *ctx, struct am_pipe_slot *slot, struct am_err *e)
{
	struct emit_ctx *ec = ctx;

	if (ec->ct_hash.per_chunk)
		am_ct_hash_add_leaf(&ec->ct_hash, slot->leaf, slot->len);
	am_sha256_update(&ec->pt_hash, slot->out, slot->want);
	return ec->write(ec->wctx, slot->out, slot->want, e);
}

enum am_status am_extract_to(struct am_vault *v, const struct am_identity *reader, uint64_t seq,
			     am_writer write, void *wctx, struct am_progress pr, struct am_err *e)
{
	struct opened o;
	struct am_fields f;
	const struct am_field *want_sha;
	struct emit_ctx ec;
	struct am_pipe pipe;
	sqlite3_stmt *st = NULL;
	sqlite3_blob *blob = NULL;
	unsigned char *ckey = NULL;
	unsigned char ad[AM_AD_MAX];
	unsigned char cth[AM_HASH_LEN], pth[AM_HASH_LEN];
	char hex[2 * AM_HASH_LEN + 1];
	uint64_t idx = 0, done = 0;
	size_t chunk_size;
	enum am_status s, ws;
	int rc, piping = 0;

	am_fields_init(&f);
	s = open_entry(v, reader, seq, &o, e);
	if (s != AM_OK)
		return s;
	s = fields_of(v, &o, &f, e);
	if (s != AM_OK)
		goto cleanup;
	want_sha = am_fields_get(&f, "sha256");
	chunk_size = o.pub.h.chunk_size;
	ckey = am_secure_alloc(AM_KEY_LEN);
	if (ckey == NULL) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (am_subkey(ckey, o.key, 1, AM_KDF_CTX_CHUNK) != 0)
		CHUNK_FAIL("key derivation failed");
	am_chunk_ad(ad, &ec.adlen, o.body_vid, o.pub.h.uid);
	/* the data is read in place into each slot (am_db_chunk_read), not as a column */
	rc = sqlite3_prepare_v2(v->db, "SELECT idx, id, typeof(data) = 'blob', length(data)"
				       " FROM chunks WHERE seq = ? ORDER BY idx",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		s = am_db_error(v, rc, "reading the sealed content", e);
		goto cleanup;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	ec.write = write;
	ec.wctx = wctx;
	ec.path = v->path;
	ec.seq = seq;
	ec.key = ckey;
	ec.ad = ad;
	am_sha256_init(&ec.pt_hash);
	am_ct_hash_init(&ec.ct_hash, o.pub.h.flags);
	/* slots of plaintext: secure memory, wiped when freed */
	s = am_pipe_start(&pipe, AM_MAX_CHUNK_CT(chunk_size), chunk_size, 1, open_work, emit, &ec,
			  e);
	if (s != AM_OK)
		goto cleanup;
	piping = 1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t ctn = (size_t)sqlite3_column_int64(st, 3);
		uint64_t left = o.pub.h.size - done;
		size_t want = left < chunk_size ? (size_t)left : chunk_size;
		struct am_pipe_slot *slot;

		if ((uint64_t)sqlite3_column_int64(st, 0) != idx || idx >= o.pub.h.chunk_count)
			CHUNK_FAIL("%s: entry %llu: chunk %llu is missing, extra or out of order",
				   v->path, (unsigned long long)seq, (unsigned long long)idx);
		if (sqlite3_column_int(st, 2) != 1)
			CHUNK_FAIL("%s: entry %llu: chunk %llu is not stored as a blob", v->path,
				   (unsigned long long)seq, (unsigned long long)idx);
		if (ctn < 1 + AM_AEAD_TAG_LEN || ctn > AM_MAX_CHUNK_CT(chunk_size))
			CHUNK_FAIL("%s: entry %llu: chunk %llu has an impossible size", v->path,
				   (unsigned long long)seq, (unsigned long long)idx);
		slot = am_pipe_get(&pipe);
		if (slot == NULL)
			break; /* a chunk failed or the writer did; the error is returned below */
		rc = am_db_chunk_read(v, &blob, sqlite3_column_int64(st, 1), slot->buf, ctn);
		if (rc != SQLITE_OK) {
			am_pipe_unget(&pipe);
			break; /* reported below */
		}
		/* the rule of §12 hashes the chunks one after another: here, in order */
		if (!ec.ct_hash.per_chunk)
			am_ct_hash_add(&ec.ct_hash, slot->buf, ctn);
		slot->len = ctn;
		slot->want = want;
		slot->idx = idx;
		slot->last = idx + 1 == o.pub.h.chunk_count;
		am_pipe_put(&pipe);
		done += want;
		idx++;
		if (pr.fn != NULL)
			pr.fn(pr.ctx, done, o.pub.h.size);
	}
	ws = am_pipe_finish(&pipe, e);
	piping = 0;
	if (ws != AM_OK) {
		s = ws;
		goto cleanup;
	}
	if (rc != SQLITE_DONE) {
		s = am_db_error(v, rc, "reading the sealed content", e);
		goto cleanup;
	}
	am_ct_hash_final(&ec.ct_hash, cth);
	am_sha256_final(&ec.pt_hash, pth);
	am_hex(hex, pth, sizeof(pth));
	if (idx != o.pub.h.chunk_count || done != o.pub.h.size)
		CHUNK_FAIL("%s: entry %llu: content is truncated", v->path, (unsigned long long)seq);
	if (ec.ct_hash.bytes != o.pub.h.ct_size || !am_equal(cth, o.pub.h.ct_hash, AM_HASH_LEN))
		CHUNK_FAIL("%s: entry %llu: ciphertext does not match its signed hash", v->path,
			   (unsigned long long)seq);
	if (o.body_type != AM_T_CUSTODY &&
	    (want_sha == NULL || want_sha->vlen != strlen(hex) ||
	     memcmp(want_sha->value, hex, want_sha->vlen) != 0))
		CHUNK_FAIL("%s: entry %llu: plaintext SHA-256 does not match the sealed record",
			   v->path, (unsigned long long)seq);
	if (o.body_type != AM_T_CUSTODY) {
		const struct am_field *sz = am_fields_get(&f, "size");
		char num[24];
		snprintf(num, sizeof(num), "%llu", (unsigned long long)o.pub.h.size);
		if (sz == NULL || sz->vlen != strlen(num) || memcmp(sz->value, num, sz->vlen) != 0)
			CHUNK_FAIL("%s: entry %llu: its size field does not match its signed size",
				   v->path, (unsigned long long)seq);
	}
cleanup:
	/* already failing: the worker's own status adds nothing */
	if (piping && am_pipe_finish(&pipe, NULL) != AM_OK)
		piping = 0;
	sqlite3_blob_close(blob);
	sqlite3_finalize(st);
	am_secure_free(ckey);
	am_fields_release(&f);
	opened_release(&o);
	return s;
}
