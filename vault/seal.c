/*
 * seal.c — appending entries: genesis, enrollments, sealed items and custody
 * records.  Every append runs inside one BEGIN IMMEDIATE transaction and is
 * acknowledged only after COMMIT, which with synchronous=FULL is durable.
 */

#include "vault_int.h"
#include "pipe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum am_status am_append(struct am_vault *v, struct am_trusted *t,
			 const struct am_identity *signer, struct am_header *h,
			 const unsigned char *wraps, size_t wn, const unsigned char *meta, size_t mn,
			 uint64_t *seq, struct am_err *e)
{
	struct am_buf hb, sb;
	unsigned char sig[AM_SIG_LEN], hash[AM_HASH_LEN];
	char why[256];
	enum am_status s;

	am_buf_init(&hb);
	am_buf_init(&sb);
	h->version = AM_FORMAT_VERSION;
	h->flags = 0;
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
	if (am_auth_apply(&t->auth, h, why, sizeof(why)) != 0) {
		s = am_fail(e, AM_EINPUT, "%s: %s", v->path, why);
		goto cleanup;
	}
	am_header_encode(&hb, h);
	am_sig_input(&sb, hb.data, hb.len);
	if (hb.oom || sb.oom) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (am_sign(sig, sb.data, sb.len, signer->sign_sk) != 0) {
		s = am_fail(e, AM_EINPUT, "signing failed");
		goto cleanup;
	}
	am_entry_hash(hash, hb.data, hb.len, sig);
	s = am_db_put_entry(v, h->seq, h->type, hb.data, hb.len, sig, hash, wraps, wn, meta, mn, e);
	if (s == AM_OK)
		s = am_tree_append(v, &t->fr, hash, e);
	if (s != AM_OK)
		goto cleanup;
	if (h->seq == 0) {
		memcpy(t->vault_id, h->vault_id, AM_VAULT_ID_LEN);
		memcpy(t->genesis, hash, AM_HASH_LEN);
	}
	memcpy(t->head, hash, AM_HASH_LEN);
	t->size = h->seq + 1;
	/* every append leaves a checkpoint signed by whoever appended */
	s = am_checkpoint_store(v, t, signer, NULL, e);
	if (s == AM_OK && seq != NULL)
		*seq = h->seq;
cleanup:
	am_buf_release(&hb);
	am_buf_release(&sb);
	return s;
}

/* Check the signer may append an entry of this type, given the verified log. */
static enum am_status authorise(struct am_vault *v, const struct am_auth *a,
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

/* 1 when at least one member holds role. */
static int has_role(const struct am_auth *a, unsigned role)
{
	for (size_t i = 0; i < a->ms.n; i++)
		if (a->ms.m[i].roles & role)
			return 1;
	return 0;
}

/*
 * 1 when the log may hold sealed entries: any row not of an authority type
 * (the stored type column; erring towards yes is safe, as this only refuses).
 */
static int may_hold_sealed(struct am_vault *v)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(v->db, "SELECT 1 FROM entries WHERE type NOT IN (?1, ?2, ?3, ?4) "
				    "LIMIT 1", -1, &st, NULL);
	int found = 1;

	if (rc == SQLITE_OK) {
		sqlite3_bind_int(st, 1, AM_T_GENESIS);
		sqlite3_bind_int(st, 2, AM_T_ENROLL);
		sqlite3_bind_int(st, 3, AM_T_REVOKE);
		sqlite3_bind_int(st, 4, AM_T_ROTATE);
		found = sqlite3_step(st) != SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return found;
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
		s = authorise(v, &work.auth, admin, type, e);
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
	if (!has_role(&work.auth, AM_ROLE_CUSTODIAN) && may_hold_sealed(v)) {
		s = am_fail(e, AM_EINPUT, "%s: this would leave no custodian, and nobody could read "
			    "what is sealed; enroll a new custodian and hand the entries over first "
			    "(amanat rewrap VAULT --to NEW.pub --as CUSTODIAN.id --all), or replace the "
			    "key with 'amanat rotate'", v->path);
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

/* ---- sealed bodies ------------------------------------------------------ */

struct body {
	unsigned char *key;       /* content key, secure */
	unsigned char *chunk_key; /* secure */
	unsigned char *meta_key;  /* secure */
	unsigned char *cur, *next; /* plaintext read buffers, secure */
	unsigned char *packed;    /* mode byte + maybe-compressed plaintext, secure */
};

static void body_release(struct body *b)
{
	am_secure_free(b->key);
	am_secure_free(b->chunk_key);
	am_secure_free(b->meta_key);
	am_secure_free(b->cur);
	am_secure_free(b->next);
	am_secure_free(b->packed);
	memset(b, 0, sizeof(*b));
}

static enum am_status body_alloc(struct body *b, struct am_err *e)
{
	memset(b, 0, sizeof(*b));
	b->key = am_secure_alloc(AM_KEY_LEN);
	b->chunk_key = am_secure_alloc(AM_KEY_LEN);
	b->meta_key = am_secure_alloc(AM_KEY_LEN);
	b->cur = am_secure_alloc(AM_CHUNK_SIZE);
	b->next = am_secure_alloc(AM_CHUNK_SIZE);
	b->packed = am_secure_alloc(am_chunk_pt_max(AM_CHUNK_SIZE));
	if (!b->key || !b->chunk_key || !b->meta_key || !b->cur || !b->next || !b->packed) {
		body_release(b);
		return am_fail(e, AM_ENOMEM, "cannot allocate memory for sealing");
	}
	am_random(b->key, AM_KEY_LEN);
	if (am_subkey(b->chunk_key, b->key, 1, AM_KDF_CTX_CHUNK) != 0 ||
	    am_subkey(b->meta_key, b->key, 2, AM_KDF_CTX_META) != 0) {
		body_release(b);
		return am_fail(e, AM_EINPUT, "key derivation failed");
	}
	return AM_OK;
}

/* The failure of a seal stopped by its caller's flag (am_seal_req.stop). */
static enum am_status interrupted(struct am_err *e)
{
	return am_fail(e, AM_EIO, "interrupted: nothing was sealed");
}

static int stopped(const volatile sig_atomic_t *stop)
{
	return stop != NULL && *stop != 0;
}

/*
 * Read up to one chunk from fd (-1 reads nothing).  A read interrupted by a
 * signal is resumed unless stop has been set, so that a seal waiting on a
 * pipe or a terminal can still be stopped.
 */
static enum am_status read_chunk(int fd, unsigned char *buf, size_t *got,
				 const volatile sig_atomic_t *stop, struct am_err *e)
{
	size_t n = 0;

	*got = 0;
	while (fd >= 0 && n < AM_CHUNK_SIZE) {
		ssize_t r = read(fd, buf + n, AM_CHUNK_SIZE - n);
		if (r < 0 && errno == EINTR && stopped(stop))
			return interrupted(e);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return am_fail(e, AM_EIO, "cannot read the input: %s", strerror(errno));
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*got = n;
	return AM_OK;
}

/*
 * The sealing half, on the pipeline's worker thread: compress, encrypt, hash
 * the ciphertext and store it.  The calling thread reads and hashes the
 * plaintext, so the two SHA-256 passes (and deflate) run on two cores.
 */
struct store_ctx {
	struct am_vault *v;
	uint64_t seq;
	const unsigned char *key; /* chunk subkey, secure */
	const unsigned char *ad;
	size_t adlen;
	int compress;
	unsigned char *packed; /* secure */
	unsigned char *ct;
	am_sha256_ctx ct_hash;
	uint64_t ct_size;
};

static enum am_status store_chunk(void *ctx, struct am_pipe_slot *slot, struct am_err *e)
{
	struct store_ctx *sc = ctx;
	unsigned char lenbuf[4], nonce[AM_NONCE_LEN];
	size_t packed_len, ctn;

	am_chunk_pack(sc->packed, &packed_len, slot->buf, slot->len, sc->compress);
	am_wipe(slot->buf, slot->len);
	am_chunk_nonce(nonce, slot->idx, slot->last);
	if (am_aead_seal(sc->ct, sc->packed, packed_len, sc->ad, sc->adlen, nonce, sc->key) != 0)
		return am_fail(e, AM_EINPUT, "sealing chunk %llu failed",
			       (unsigned long long)slot->idx);
	am_wipe(sc->packed, packed_len);
	ctn = packed_len + AM_AEAD_TAG_LEN;
	am_put_u32(lenbuf, (uint32_t)ctn);
	am_sha256_update(&sc->ct_hash, lenbuf, 4);
	am_sha256_update(&sc->ct_hash, sc->ct, ctn);
	sc->ct_size += ctn;
	return am_db_put_chunk(sc->v, sc->seq, slot->idx, sc->ct, ctn, e);
}

/*
 * Stream the content from fd into sealed chunks of entry h, filling its size,
 * chunk and ciphertext fields and the plaintext SHA-256.
 */
static enum am_status seal_content(struct am_vault *v, struct body *b, struct am_header *h,
				   int fd, int compress, const struct am_progress *pr,
				   const volatile sig_atomic_t *stop, unsigned char sha[AM_HASH_LEN],
				   struct am_err *e)
{
	am_sha256_ctx pt_hash;
	unsigned char ad[AM_AD_MAX];
	size_t have = 0, more = 0;
	struct store_ctx sc;
	struct am_pipe pipe;
	enum am_status s, ws;
	uint64_t idx = 0;

	am_sha256_init(&pt_hash);
	memset(&sc, 0, sizeof(sc));
	sc.v = v;
	sc.seq = h->seq;
	sc.key = b->chunk_key;
	sc.ad = ad;
	sc.compress = compress;
	sc.packed = b->packed;
	sc.ct = malloc(am_chunk_pt_max(AM_CHUNK_SIZE) + AM_AEAD_TAG_LEN);
	if (sc.ct == NULL)
		return am_fail(e, AM_ENOMEM, "cannot allocate memory for sealing");
	am_sha256_init(&sc.ct_hash);
	am_chunk_ad(ad, &sc.adlen, h->vault_id, h->uid);
	h->chunk_size = AM_CHUNK_SIZE;
	s = am_pipe_start(&pipe, AM_CHUNK_SIZE, 1, store_chunk, &sc, e);
	if (s != AM_OK) {
		free(sc.ct);
		return s;
	}
	/* a stop that came while waiting for the lock: do not wait on the input too */
	s = stopped(stop) ? interrupted(e) : read_chunk(fd, b->cur, &have, stop, e);
	for (; s == AM_OK; idx++) {
		struct am_pipe_slot *slot;
		unsigned char *t;
		int last;

		if (stopped(stop)) {
			s = interrupted(e);
			break;
		}
		/* a chunk is last only when nothing follows it: peek one ahead */
		if (have == AM_CHUNK_SIZE) {
			s = read_chunk(fd, b->next, &more, stop, e);
			if (s != AM_OK)
				break;
		} else {
			more = 0;
		}
		last = more == 0;
		am_sha256_update(&pt_hash, b->cur, have);
		slot = am_pipe_get(&pipe);
		if (slot == NULL)
			break; /* the worker failed; its error is returned below */
		memcpy(slot->buf, b->cur, have);
		slot->len = have;
		slot->idx = idx;
		slot->last = last;
		am_pipe_put(&pipe);
		h->size += have;
		if (pr->fn != NULL)
			pr->fn(pr->ctx, h->size, 0);
		if (last) {
			idx++;
			break;
		}
		t = b->cur;
		b->cur = b->next;
		b->next = t;
		have = more;
	}
	am_wipe(b->cur, AM_CHUNK_SIZE);
	am_wipe(b->next, AM_CHUNK_SIZE);
	ws = am_pipe_finish(&pipe, s == AM_OK ? e : NULL);
	am_wipe(b->packed, am_chunk_pt_max(AM_CHUNK_SIZE));
	free(sc.ct);
	if (s == AM_OK)
		s = ws;
	if (s != AM_OK)
		return s;
	h->chunk_count = idx;
	h->ct_size = sc.ct_size;
	am_sha256_final(&sc.ct_hash, h->ct_hash);
	am_sha256_final(&pt_hash, sha);
	return AM_OK;
}

/* Seal the private fields: salts drawn here, root and ciphertext into h. */
static enum am_status seal_fields(struct body *b, struct am_header *h, struct am_fields *f,
				  unsigned char **meta, size_t *mn, struct am_err *e)
{
	unsigned char ad[AM_AD_MAX], nonce[AM_NONCE_LEN];
	struct am_buf pt;
	size_t adlen;

	*meta = NULL;
	*mn = 0;
	for (size_t i = 0; i < f->n; i++)
		am_random(f->v[i].salt, AM_SALT_LEN);
	am_fields_root(h->fields_root, f);
	am_buf_init(&pt);
	am_fields_encode(&pt, f);
	if (pt.oom || pt.len > AM_MAX_META) {
		am_buf_release(&pt);
		return am_fail(e, pt.oom ? AM_ENOMEM : AM_EINPUT, "metadata is too large");
	}
	*meta = malloc(pt.len + AM_AEAD_TAG_LEN);
	if (*meta == NULL) {
		am_buf_release(&pt);
		return am_fail(e, AM_ENOMEM, "out of memory");
	}
	/* the meta key seals exactly one message, so a fixed nonce is safe */
	memset(nonce, 0, sizeof(nonce));
	am_meta_ad(ad, &adlen, h->vault_id, h->uid);
	if (am_aead_seal(*meta, pt.data, pt.len, ad, adlen, nonce, b->meta_key) != 0) {
		am_buf_release(&pt);
		free(*meta);
		*meta = NULL;
		return am_fail(e, AM_EINPUT, "sealing metadata failed");
	}
	*mn = pt.len + AM_AEAD_TAG_LEN;
	h->meta_size = (uint32_t)*mn;
	am_sha256(h->meta_hash, *meta, *mn);
	am_buf_release(&pt); /* wipes the plaintext */
	return AM_OK;
}

/* Wrap the content key to every current custodian. */
static enum am_status seal_wraps(struct body *b, struct am_header *h, const struct am_auth *a,
				 struct am_buf *w, struct am_err *e)
{
	unsigned char *pks = NULL, wrapped[AM_WRAP_LEN];
	size_t n = 0;

	if (am_auth_recipients(a, &pks, &n) != 0)
		return am_fail(e, AM_ENOMEM, "out of memory");
	if (n == 0) {
		free(pks);
		return am_fail(e, AM_EAUTH, "the vault has no custodian to seal to");
	}
	am_buf_u32(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		if (am_wrap(wrapped, b->key, pks + i * AM_BOX_PK_LEN) != 0) {
			free(pks);
			return am_fail(e, AM_EINPUT, "wrapping the content key failed");
		}
		am_buf_add(w, pks + i * AM_BOX_PK_LEN, AM_BOX_PK_LEN);
		am_buf_add(w, wrapped, AM_WRAP_LEN);
	}
	free(pks);
	if (w->oom)
		return am_fail(e, AM_ENOMEM, "out of memory");
	h->wraps_size = (uint32_t)w->len;
	am_sha256(h->wraps_hash, w->data, w->len);
	return AM_OK;
}

/* Copy fields (without salts) so that sealing can add to them. */
static enum am_status fields_copy(struct am_fields *dst, const struct am_fields *src,
				  struct am_err *e)
{
	enum am_status s = AM_OK;

	am_fields_init(dst);
	for (size_t i = 0; src != NULL && i < src->n && s == AM_OK; i++)
		s = am_fields_set(dst, src->v[i].name, src->v[i].value, src->v[i].vlen, e);
	return s;
}

/* The body of am_seal and am_record_custody. */
static enum am_status seal_entry(struct am_vault *v, struct am_trusted *t,
				 const struct am_identity *signer,
				 unsigned type, const struct am_fields *fields, int fd,
				 const uint64_t *refs, size_t nrefs, const unsigned char *payload,
				 size_t pn, struct am_progress pr, const volatile sig_atomic_t *stop,
				 struct am_seal_result *res, struct am_err *e)
{
	struct am_header h;
	struct am_trusted work;
	struct am_fields f;
	struct body b;
	struct am_buf wraps, refbuf;
	unsigned char sha[AM_HASH_LEN], *meta = NULL;
	char hex[2 * AM_HASH_LEN + 1], num[24];
	size_t mn = 0;
	enum am_status s;

	memset(&h, 0, sizeof(h));
	memset(res, 0, sizeof(*res));
	am_buf_init(&wraps);
	am_buf_init(&refbuf);
	am_trusted_init(&work);
	if (nrefs > AM_MAX_REFS)
		return am_fail(e, AM_EINPUT, "too many references");
	s = fields_copy(&f, fields, e);
	if (s != AM_OK) {
		am_fields_release(&f);
		return s;
	}
	s = body_alloc(&b, e);
	if (s != AM_OK)
		goto cleanup_fields;
	s = am_write_begin(v, t, &work, e);
	if (s != AM_OK)
		goto cleanup_body;
	s = authorise(v, &work.auth, signer, type, e);
	if (s != AM_OK)
		goto cleanup;
	h.type = (uint8_t)type;
	/* the content's associated data names the vault and the entry's uid */
	h.seq = work.size;
	memcpy(h.vault_id, work.vault_id, AM_VAULT_ID_LEN);
	for (size_t i = 0; i < nrefs; i++) {
		if (refs[i] >= h.seq || (i > 0 && refs[i] <= refs[i - 1])) {
			s = am_fail(e, AM_EINPUT, "%s: entry %llu does not exist", v->path,
				    (unsigned long long)refs[i]);
			goto cleanup;
		}
		am_buf_u64(&refbuf, refs[i]);
	}
	h.refs = refbuf.data;
	h.nrefs = (uint32_t)nrefs;
	h.payload = payload;
	h.payload_len = (uint32_t)pn;
	memcpy(h.signer, signer->sign_pk, AM_SIGN_PK_LEN);
	am_random(h.uid, AM_UID_LEN);
	s = seal_content(v, &b, &h, fd, type != AM_T_MEDIA, &pr, stop, sha, e);
	if (s != AM_OK)
		goto cleanup;
	am_hex(hex, sha, sizeof(sha));
	snprintf(num, sizeof(num), "%llu", (unsigned long long)h.size);
	if (type != AM_T_CUSTODY) {
		s = am_fields_set(&f, "sha256", hex, strlen(hex), e);
		if (s == AM_OK)
			s = am_fields_set(&f, "size", num, strlen(num), e);
		if (s != AM_OK)
			goto cleanup;
	}
	s = seal_fields(&b, &h, &f, &meta, &mn, e);
	if (s == AM_OK)
		s = seal_wraps(&b, &h, &work.auth, &wraps, e);
	if (s == AM_OK && refbuf.oom)
		s = am_fail(e, AM_ENOMEM, "out of memory");
	/* the last moment a stop can still leave nothing behind */
	if (s == AM_OK && stopped(stop))
		s = interrupted(e);
	if (s == AM_OK)
		s = am_append(v, &work, signer, &h, wraps.data, wraps.len, meta, mn, NULL, e);
	if (s == AM_OK) {
		unsigned char root[AM_HASH_LEN];
		am_mt_frontier_root(&work.fr, root);
		s = am_write_commit(v, t, &work, e);
		if (s == AM_OK) {
			res->seq = h.seq;
			res->size = h.size;
			memcpy(res->sha256, sha, AM_HASH_LEN);
			res->tree_size = h.seq + 1;
			memcpy(res->root, root, AM_HASH_LEN);
		}
		goto cleanup_body;
	}
cleanup:
	am_write_abort(v, &work);
cleanup_body:
	body_release(&b);
	free(meta);
	am_buf_release(&wraps);
	am_buf_release(&refbuf);
cleanup_fields:
	am_fields_release(&f);
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
	return seal_entry(v, t, signer, req->type, req->fields, req->fd, req->refs, req->nrefs, NULL,
			  0, req->progress, req->stop, res, e);
}

/* A custody entry by seal_entry; *seq (optional) set once it is durable. */
static enum am_status seal_custody(struct am_vault *v, struct am_trusted *t,
				   const struct am_identity *reader, unsigned action,
				   const uint64_t *refs, size_t nrefs, const struct am_fields *fields,
				   uint64_t *seq, struct am_err *e)
{
	struct am_progress none = { NULL, NULL };
	struct am_seal_result res;
	unsigned char act = (unsigned char)action;
	enum am_status s;

	s = seal_entry(v, t, reader, AM_T_CUSTODY, fields, -1, refs, nrefs, &act, 1, none, NULL,
		       &res, e);
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
