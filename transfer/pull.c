/*
 * pull.c — importing a transfer packet into the main vault.
 *
 * The packet is read twice, as a stream.  The first pass checks everything
 * and writes nothing: framing, the field checkpoint, its consistency with
 * what was absorbed from that field vault before, each entry's signature,
 * place and proof, the field vault's own rules for who may sign what, the
 * enrollment of its sealers in the main vault, every body byte against its
 * signed hashes, and the officer's signature over the whole file.  The
 * second pass does it all again inside one write transaction, importing as
 * it goes, and commits only if the file's digest is the one the first pass
 * checked: a packet is imported whole or not at all.
 */
#include "pull_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../vault/cthash.h"
#include "../vault/merkle.h"
#include "../vault/note.h"
#include "packet.h"

struct pull {
	struct am_vault *v;
	const char *path;
	const struct am_identity *who;
	struct am_progress progress;
	int npass;                      /* passes done */
	const struct am_trusted *state; /* the main vault as verified */
	struct am_import_tx *x;         /* NULL in the first pass */
	struct pk_reader rd;
	struct fstate fs;
	unsigned char fid[AM_VAULT_ID_LEN], digest[AM_HASH_LEN];
	uint64_t from, to, imported, first_seq;
	struct am_checkpoint cp;
	unsigned char prev[AM_HASH_LEN]; /* entry hash of the field entry before the next */
};

#define REFUSE(...) do { s = am_fail(e, AM_EVERIFY, __VA_ARGS__); goto out; } while (0)

/* The head record: vaults, range, the field checkpoint and its consistency. */
static enum am_status read_head(struct pull *pl, struct am_err *e)
{
	unsigned char proof[AM_MT_MAX_PROOF][AM_HASH_LEN], before[AM_HASH_LEN], mid[AM_VAULT_ID_LEN];
	char forigin[AM_ORIGIN_MAX], morigin[AM_ORIGIN_MAX];
	const unsigned char *base, *cp;
	struct am_rd r;
	uint16_t version = 0;
	uint32_t len, cplen = 0;
	uint8_t kind, np = 0;
	enum am_status s;

	s = pk_read_magic(&pl->rd, e);
	if (s == AM_OK)
		s = pk_read(&pl->rd, &kind, &len, 1u << 20, before, e);
	if (s != AM_OK)
		return s;
	am_rd_init(&r, pl->rd.buf, len);
	am_rd_u16(&r, &version);
	am_rd_bytes(&r, pl->fid, AM_VAULT_ID_LEN);
	am_rd_bytes(&r, mid, AM_VAULT_ID_LEN);
	am_rd_u64(&r, &pl->from);
	am_rd_u64(&r, &pl->to);
	am_rd_u32(&r, &cplen);
	cp = am_rd_ptr(&r, cplen);
	am_rd_u8(&r, &np);
	if (kind != PK_HEAD || r.bad || version != 1 || np > AM_MT_MAX_PROOF ||
	    am_rd_bytes(&r, proof, (size_t)np * AM_HASH_LEN) != 0 || !am_rd_done(&r))
		return am_fail(e, AM_EVERIFY, "%s: the packet's head record is malformed", pl->path);
	am_origin(forigin, pl->fid);
	am_origin(morigin, am_trusted_vault_id(pl->state));
	if (!am_equal(mid, am_trusted_vault_id(pl->state), AM_VAULT_ID_LEN)) {
		char other[AM_ORIGIN_MAX];
		am_origin(other, mid);
		return am_fail(e, AM_EINPUT, "%s is a packet for the vault %s, not %s (%s)", pl->path,
			       other, morigin, am_vault_path(pl->v));
	}
	if (am_equal(pl->fid, mid, AM_VAULT_ID_LEN))
		return am_fail(e, AM_EVERIFY, "%s: the packet comes from this vault itself", pl->path);
	s = am_checkpoint_parse((const char *)cp, cplen, &pl->cp, e);
	if (s != AM_OK || strcmp(pl->cp.origin, forigin) != 0 || pl->cp.size != pl->to ||
	    pl->from > pl->to || pl->cp.nsigs != 1)
		return am_fail(e, AM_EVERIFY, "%s: the packet's field checkpoint is malformed or does "
			       "not match its head", pl->path);
	fstate_release(&pl->fs);
	fstate_init(&pl->fs, pl->fid);
	s = fstate_scan(pl->v, pl->state, &pl->fs, e);
	if (s != AM_OK)
		return s;
	if (pl->from > pl->fs.absorbed)
		return am_fail(e, AM_EVERIFY, "%s: the packet starts at field entry %llu of %s, but "
			       "%s has absorbed only %llu: an earlier packet was lost; push again "
			       "from the field vault (it starts from the last acknowledgement "
			       "recorded there)", pl->path, (unsigned long long)pl->from, forigin,
			       am_vault_path(pl->v), (unsigned long long)pl->fs.absorbed);
	/* the field tree now extends the one absorbed at `from` (none: from genesis) */
	base = pl->from == 0 ? pl->cp.root : fstate_root_at(&pl->fs, pl->from);
	if (base == NULL)
		return am_fail(e, AM_EVERIFY, "%s: the packet starts at field entry %llu of %s, a "
			       "point %s never absorbed a checkpoint at", pl->path,
			       (unsigned long long)pl->from, forigin, am_vault_path(pl->v));
	if ((pl->from == 0 && np != 0) ||
	    (pl->from > 0 && am_mt_verify_consistency(pl->from, pl->to, base, pl->cp.root,
						      AM_MT_CONST(proof), np) != 0))
		return am_fail(e, AM_EVERIFY, "%s: the field vault %s of this packet does not extend "
			       "the %llu entries absorbed from it before: it was forked or rolled "
			       "back", pl->path, forigin, (unsigned long long)pl->from);
	if (pl->from > 0)
		memcpy(pl->prev, pl->fs.hashes[pl->from - 1], AM_HASH_LEN);
	return AM_OK;
}

/* The main vault vouches for field sealers: they must be enrolled there too. */
static enum am_status check_enrolled(struct pull *pl, const struct am_header *h,
				     struct am_err *e)
{
	const struct am_member *m = am_members_find(am_trusted_members(pl->state), h->signer);
	char kid[2 * AM_KEYID_LEN + 1];

	if (!am_type_sealed(h->type) || (m != NULL && (m->roles & am_type_signer_roles(h->type))))
		return AM_OK;
	am_key_id_hex(kid, h->signer);
	return am_fail(e, AM_EVERIFY, "%s: field entry %llu was sealed by %s (%s), who is not "
		       "enrolled in %s with a role that may seal it: enroll the field officers "
		       "in the main vault first (amanat enroll MAIN OFFICER.pub --role officer)",
		       pl->path, (unsigned long long)h->seq, m != NULL ? m->name : "someone", kid,
		       am_vault_path(pl->v));
}

/* Read the chunk records of entry h, hashing them, into the import when importing. */
static enum am_status read_chunks(struct pull *pl, const struct am_header *h, int keep,
				  struct am_err *e)
{
	unsigned char got[AM_HASH_LEN], before[AM_HASH_LEN];
	struct am_ct_hash c;
	enum am_status s = AM_OK;

	if (!am_header_sealed(h))
		return AM_OK;
	am_ct_hash_init(&c, h->flags);
	for (uint64_t i = 0; s == AM_OK && i < h->chunk_count; i++) {
		uint8_t kind;
		uint32_t n;

		s = pk_read(&pl->rd, &kind, &n, h->chunk_size + 1 + AM_AEAD_TAG_LEN, before, e);
		if (s != AM_OK)
			return s;
		if (kind != PK_CHUNK || n < 1 + AM_AEAD_TAG_LEN)
			return am_fail(e, AM_EVERIFY, "%s: field entry %llu: chunk %llu is missing or "
				       "malformed", pl->path, (unsigned long long)h->seq,
				       (unsigned long long)i);
		am_ct_hash_add(&c, pl->rd.buf, n);
		if (keep && pl->x != NULL)
			s = am_import_chunk(pl->x, h->flags, i, pl->rd.buf, n, e);
	}
	am_ct_hash_final(&c, got);
	if (s == AM_OK && (c.bytes != h->ct_size || !am_equal(got, h->ct_hash, AM_HASH_LEN)))
		s = am_fail(e, AM_EVERIFY, "%s: field entry %llu: its content does not match its "
			    "signed hash (tampered or damaged)", pl->path, (unsigned long long)h->seq);
	return s;
}

/* One entry record and its chunks: field entry k. */
static enum am_status read_entry(struct pull *pl, uint64_t k, struct am_err *e)
{
	unsigned char before[AM_HASH_LEN], hash[AM_HASH_LEN], leaf[AM_HASH_LEN], wh[AM_HASH_LEN];
	unsigned char mh[AM_HASH_LEN], *ebuf = NULL;
	const unsigned char *hdr, *proof, *wraps, *meta;
	struct am_import_src src;
	struct am_header h;
	struct am_rd r;
	uint32_t len, hlen = 0, wn = 0, mn = 0;
	uint8_t kind, np = 0;
	char why[256];
	int fresh = k >= pl->fs.absorbed;
	enum am_status s;

	s = pk_read(&pl->rd, &kind, &len, PK_MAX_RECORD, before, e);
	if (s != AM_OK)
		return s;
	if (kind != PK_ENTRY)
		return am_fail(e, AM_EVERIFY, "%s: field entry %llu is missing (the packet holds a "
			       "record of another kind there)", pl->path, (unsigned long long)k);
	/* the chunks that follow reuse the reader's buffer: keep the entry's own */
	ebuf = malloc(len ? len : 1);
	if (ebuf == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	memcpy(ebuf, pl->rd.buf, len);
	am_rd_init(&r, ebuf, len);
	am_rd_u32(&r, &hlen);
	hdr = am_rd_ptr(&r, (size_t)hlen + AM_SIG_LEN);
	am_rd_u8(&r, &np);
	proof = am_rd_ptr(&r, (size_t)np * AM_HASH_LEN);
	am_rd_u32(&r, &wn);
	wraps = am_rd_ptr(&r, wn);
	am_rd_u32(&r, &mn);
	meta = am_rd_ptr(&r, mn);
	if (r.bad || !am_rd_done(&r) || hdr == NULL || np > AM_MT_MAX_PROOF)
		REFUSE("%s: the record of field entry %llu is malformed", pl->path,
		       (unsigned long long)k);
	if (am_entry_from_bytes(hdr, (size_t)hlen + AM_SIG_LEN, &h, hash, e) != AM_OK)
		REFUSE("%s: field entry %llu: %s (tampered or damaged)", pl->path,
		       (unsigned long long)k, e->msg);
	if (!am_equal(h.vault_id, pl->fid, AM_VAULT_ID_LEN))
		REFUSE("%s: field entry %llu belongs to another vault", pl->path,
		       (unsigned long long)k);
	if (h.seq != k)
		REFUSE("%s: the packet holds field entry %llu where entry %llu belongs: entries were "
		       "skipped or reordered", pl->path, (unsigned long long)h.seq,
		       (unsigned long long)k);
	am_mt_leaf_hash(leaf, hash, AM_HASH_LEN);
	if (am_mt_verify_inclusion(k, pl->to, leaf, AM_MT_CONST(proof), np, pl->cp.root) != 0)
		REFUSE("%s: field entry %llu is not in the field vault's signed tree of %llu entries",
		       pl->path, (unsigned long long)k, (unsigned long long)pl->to);
	if (!fresh && !am_equal(hash, pl->fs.hashes[k], AM_HASH_LEN))
		REFUSE("%s: field entry %llu is not the one imported before: the field vault was "
		       "forked or rolled back", pl->path, (unsigned long long)k);
	if (!am_equal(h.prev, pl->prev, AM_HASH_LEN))
		REFUSE("%s: field entry %llu does not follow the entry before it", pl->path,
		       (unsigned long long)k);
	if (fresh && am_auth_apply(&pl->fs.auth, &h, why, sizeof(why)) != 0)
		REFUSE("%s: field entry %llu breaks its own vault's rules: %s", pl->path,
		       (unsigned long long)k, why);
	if (fresh && (s = check_enrolled(pl, &h, e)) != AM_OK)
		goto out;
	am_sha256(wh, wraps, wn);
	am_sha256(mh, meta, mn);
	if (am_header_sealed(&h) ? wn != h.wraps_size || !am_equal(wh, h.wraps_hash, AM_HASH_LEN) ||
					   mn != h.meta_size || !am_equal(mh, h.meta_hash, AM_HASH_LEN)
				 : wn != 0 || mn != 0)
		REFUSE("%s: field entry %llu: its wrapped keys or metadata do not match their signed "
		       "hashes (tampered)", pl->path, (unsigned long long)k);
	s = read_chunks(pl, &h, fresh, e);
	if (s != AM_OK)
		goto out;
	memcpy(pl->prev, hash, AM_HASH_LEN);
	if (!fresh)
		goto out;
	if (fstate_add(&pl->fs, hash) != 0 || fstate_add_cp(&pl->fs, pl->to, pl->cp.root) != 0) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		goto out;
	}
	if (pl->x == NULL)
		goto out;
	memset(&src, 0, sizeof(src));
	src.hdr = hdr;
	src.hlen = hlen;
	src.sig = hdr + hlen;
	src.cp = pl->cp.text;
	src.cplen = pl->cp.len;
	src.proof = AM_MT_CONST(proof);
	src.nproof = np;
	src.wraps = wraps;
	src.wn = wn;
	src.meta = meta;
	src.mn = mn;
	src.has_prev = pl->fs.has_last;
	src.prev = pl->fs.last_seq;
	s = am_import_append(pl->x, pl->who, &src, &pl->fs.last_seq, e);
	if (s == AM_OK) {
		if (pl->imported++ == 0)
			pl->first_seq = pl->fs.last_seq;
		pl->fs.has_last = 1;
	}
out:
	free(ebuf);
	return s;
}

/* The end record: the count, and the officer's signature over the packet. */
static enum am_status read_end(struct pull *pl, struct am_err *e)
{
	unsigned char before[AM_HASH_LEN], msg[sizeof(PK_DOM_SIG) + AM_HASH_LEN];
	const unsigned char *pk, *sig;
	char forigin[AM_ORIGIN_MAX];
	struct am_vkey k;
	uint32_t len;
	uint8_t kind;
	enum am_status s;
	am_sha256_ctx c;

	s = pk_read(&pl->rd, &kind, &len, 8 + AM_SIGN_PK_LEN + AM_SIG_LEN, before, e);
	if (s != AM_OK)
		return s;
	if (kind != PK_END || len != 8 + AM_SIGN_PK_LEN + AM_SIG_LEN ||
	    am_get_u64(pl->rd.buf) != pl->to - pl->from)
		return am_fail(e, AM_EVERIFY, "%s: the packet does not end where its head says "
			       "(entries added, or its end record is damaged)", pl->path);
	pk = pl->rd.buf + 8;
	sig = pk + AM_SIGN_PK_LEN;
	pk_sig_input(msg, before);
	if (am_sign_verify(sig, msg, sizeof(msg), pk) != 0)
		return am_fail(e, AM_EVERIFY, "%s: the officer's signature over the packet does not "
			       "verify (tampered or damaged)", pl->path);
	am_origin(forigin, pl->fid);
	am_vkey_make(&k, forigin, AM_NOTE_ED25519, pk);
	if (am_note_count_valid(&pl->cp, &k, 1, NULL) != 1)
		return am_fail(e, AM_EVERIFY, "%s: the packet and its field checkpoint are not "
			       "signed by the same officer", pl->path);
	if (am_auth_roles(&pl->fs.auth, pk) == 0)
		return am_fail(e, AM_EVERIFY, "%s: the field checkpoint is signed by someone who is "
			       "not a member of the field vault %s", pl->path, forigin);
	if (am_members_find(am_trusted_members(pl->state), pk) == NULL ||
	    am_members_find(am_trusted_members(pl->state), pk)->roles == 0)
		return am_fail(e, AM_EVERIFY, "%s: the officer who signed the packet is not enrolled "
			       "in %s: enroll the field officers in the main vault first", pl->path,
			       am_vault_path(pl->v));
	if (!pk_at_end(&pl->rd))
		return am_fail(e, AM_EVERIFY, "%s: bytes follow the packet's end record", pl->path);
	c = pl->rd.hash;
	am_sha256_final(&c, pl->digest);
	return AM_OK;
}

/* One pass over the packet; importing when pl->x is set. */
static enum am_status pass(struct pull *pl, struct am_err *e)
{
	enum am_status s;
	struct stat st;
	int fd = open(pl->path, O_RDONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return am_fail(e, errno == ENOENT ? AM_EINPUT : AM_EIO, "%s: cannot open: %s",
			       pl->path, strerror(errno));
	pk_reader_init(&pl->rd, fd, pl->path);
	pl->rd.progress = pl->progress;
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		pl->rd.total = 2 * (uint64_t)st.st_size;
		pl->rd.base = (uint64_t)pl->npass * (uint64_t)st.st_size;
	}
	pl->npass++;
	s = read_head(pl, e);
	for (uint64_t k = pl->from; s == AM_OK && k < pl->to; k++)
		s = read_entry(pl, k, e);
	if (s == AM_OK)
		s = read_end(pl, e);
	pk_reader_release(&pl->rd);
	close(fd);
	return s;
}

static void pull_reset(struct pull *pl)
{
	fstate_release(&pl->fs);
	am_checkpoint_release(&pl->cp);
	memset(pl->prev, 0, sizeof(pl->prev));
	pl->imported = 0;
}

void am_pull_result_release(struct am_pull_result *r)
{
	am_checkpoint_release(&r->ack);
	memset(r, 0, sizeof(*r));
}

/* The acknowledgement: the main vault's tree now, and how far it holds the field vault. */
static enum am_status sign_ack(struct am_vault *v, const struct am_trusted *t,
			       const struct am_identity *who, const struct fstate *fs,
			       struct am_checkpoint *out, struct am_err *e)
{
	unsigned char root[AM_HASH_LEN];
	char origin[AM_ORIGIN_MAX], forigin[AM_ORIGIN_MAX], b64[64], ext[256];
	const unsigned char *froot = fstate_root_at(fs, fs->absorbed);

	if (froot == NULL)
		return am_fail(e, AM_EVERIFY, "%s: no field checkpoint at the %llu entries absorbed",
			       am_vault_path(v), (unsigned long long)fs->absorbed);
	am_trusted_root(t, root);
	am_origin(origin, am_trusted_vault_id(t));
	am_origin(forigin, fs->id);
	am_b64(b64, froot, AM_HASH_LEN);
	snprintf(ext, sizeof(ext), AM_ACK_EXT "%s %llu %s\n", forigin,
		 (unsigned long long)fs->absorbed, b64);
	return am_checkpoint_sign_ext(origin, am_trusted_size(t), root, ext, origin, who->sign_sk,
				      who->sign_pk, out, e);
}

enum am_status am_pull(struct am_vault *v, struct am_trusted *t, const struct am_identity *who,
		       const char *path, struct am_progress progress, struct am_pull_result *r,
		       struct am_err *e)
{
	unsigned char first[AM_HASH_LEN];
	struct pull pl;
	enum am_status s;

	memset(r, 0, sizeof(*r));
	memset(&pl, 0, sizeof(pl));
	if (who->sign_sk == NULL)
		return am_fail(e, AM_EINPUT, "%s: a public key cannot sign; give the secret identity "
			       "file", who->name);
	pl.v = v;
	pl.path = path;
	pl.who = who;
	pl.progress = progress;
	pl.state = t;
	/* the first pass: everything checked, nothing written */
	s = pass(&pl, e);
	if (s != AM_OK)
		goto cleanup;
	/*
	 * A packet that ends before what was absorbed: an old packet carried again,
	 * or one from a field vault put back to an older state.  Its entries are
	 * the ones absorbed (checked above), but it is not the field vault as it is.
	 */
	if (pl.to < pl.fs.absorbed) {
		char forigin[AM_ORIGIN_MAX];
		am_origin(forigin, pl.fid);
		s = am_fail(e, AM_EVERIFY, "%s: the packet holds %llu entries of %s, fewer than the "
			    "%llu %s has absorbed: an old packet, or the field vault was rolled back; "
			    "nothing added", path, (unsigned long long)pl.to, forigin,
			    (unsigned long long)pl.fs.absorbed, am_vault_path(v));
		goto cleanup;
	}
	memcpy(first, pl.digest, AM_HASH_LEN);
	memcpy(r->field_id, pl.fid, AM_VAULT_ID_LEN);
	r->from = pl.from;
	r->to = pl.to;
	pull_reset(&pl);
	/* the second pass, in one write transaction on the state brought up to date */
	s = am_import_begin(v, t, &pl.x, e);
	if (s != AM_OK)
		goto cleanup;
	pl.state = am_import_state(pl.x);
	s = pass(&pl, e);
	if (s == AM_OK && !am_equal(first, pl.digest, AM_HASH_LEN))
		s = am_fail(e, AM_EVERIFY, "%s changed while it was being read; nothing was imported",
			    path);
	r->absorbed_before = pl.fs.absorbed - pl.imported;
	r->imported = pl.imported;
	r->first_seq = pl.first_seq;
	/*
	 * Committed even when nothing was imported: t then moves to the state the
	 * second pass read (others may have appended), which the acknowledgement
	 * below names, so that its main tree holds the imports it counts.
	 */
	if (s == AM_OK) {
		s = am_import_commit(pl.x, e);
	} else {
		am_import_abort(pl.x);
		r->imported = 0;
	}
	pl.x = NULL;
	/* only a custodian of the field vault signs an acknowledgement it will record */
	r->signer_in_field = (am_auth_roles(&pl.fs.auth, who->sign_pk) & AM_ROLE_CUSTODIAN) != 0;
	if (s == AM_OK)
		s = sign_ack(v, t, who, &pl.fs, &r->ack, e);
cleanup:
	if (s != AM_OK)
		am_pull_result_release(r);
	pull_reset(&pl);
	return s;
}
