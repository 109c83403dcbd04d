/*
 * test_import.c — import entries (docs/FORMAT.md §25.3) through the vault
 * API: a field vault's entries appended to a main vault in order verify;
 * each rule the writer shares with the verifier refuses what breaks it (a
 * first import that is not the genesis, a skipped entry, a bad field proof,
 * a field checkpoint signed by a stranger or by a main-vault member who is
 * not in the field vault, a sealer not enrolled in the main vault, a body
 * that is not the signed one), and leaves the main vault as it was; and
 * verify refuses the same imports signed by a member who went around the
 * writer, and a field vault imported twice from its genesis.  Identities are
 * generated in memory; names are fictional roles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/merkle.h"
#include "vault/note.h"
#include "vault/vault_int.h"
#include "vault/bwrap.h"
#include "check.h"
#include "trusted.h"

static char dir[256];

static void must(enum am_status s, const struct am_err *e, const char *what)
{
	if (s != AM_OK) {
		fprintf(stderr, "setup failed: %s: %s (%s)\n", what, e ? e->msg : "",
			am_status_name(s));
		exit(2);
	}
}

/* Chunks of one entry, gathered in memory (small test content). */
struct chunks {
	unsigned char *p[8];
	size_t n[8];
	size_t count;
};

static enum am_status keep_chunk(void *ctx, uint64_t idx, const unsigned char *p, size_t n,
				 struct am_err *e)
{
	struct chunks *c = ctx;

	(void)e;
	if (idx >= 8)
		return AM_EINPUT;
	c->p[idx] = malloc(n);
	memcpy(c->p[idx], p, n);
	c->n[idx] = n;
	c->count = idx + 1;
	return AM_OK;
}

enum tweak { NONE, BAD_PROOF, BAD_CHUNK, OTHER_RULE };

/*
 * Import field entry k of fv (under checkpoint cp) into mv as one transaction
 * signed by who; *seq its number.  The status of the append (or commit).
 */
static enum am_status import_one(struct am_vault *mv, struct am_vault *fv, uint64_t k,
				 const struct am_checkpoint *cp, const struct am_identity *who,
				 int has_prev, uint64_t prev, enum tweak tw, uint64_t *seq,
				 struct am_err *e)
{
	unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH];
	unsigned char *wraps = NULL, *meta = NULL;
	size_t count = 0, wn = 0, mn = 0;
	struct am_import_src src;
	struct am_import_tx *x = NULL;
	struct am_entry_pub p;
	struct chunks ch;
	enum am_status s;

	memset(&ch, 0, sizeof(ch));
	must(am_entry_read_trusted(fv, trust_of(fv), k, &p, e), e, "read field entry");
	must(am_prove_inclusion(fv, k, cp->size, proof, &count, e), e, "field proof");
	must(am_entry_stored_body(fv, &p.h, &wraps, &wn, &meta, &mn, e), e, "field body");
	must(am_entry_stored_chunks(fv, &p.h, keep_chunk, &ch, e), e, "field chunks");
	if (tw == BAD_PROOF && count > 0)
		proof[0][3] ^= 1;
	if (tw == BAD_CHUNK && ch.count > 0)
		ch.p[0][ch.n[0] - 1] ^= 1;
	memset(&src, 0, sizeof(src));
	src.hdr = p.buf;
	src.hlen = p.len;
	src.sig = p.sig;
	src.cp = cp->text;
	src.cplen = cp->len;
	src.proof = AM_MT_CONST(proof);
	src.nproof = count;
	src.wraps = wraps;
	src.wn = wn;
	src.meta = meta;
	src.mn = mn;
	src.has_prev = has_prev;
	src.prev = prev;
	s = am_import_begin(mv, trust_of(mv), &x, e);
	for (size_t i = 0; s == AM_OK && i < ch.count; i++)
		s = am_import_chunk(x, tw == OTHER_RULE ? p.h.flags ^ AM_HF_CHUNK_HASHED : p.h.flags,
				    i, ch.p[i], ch.n[i], e);
	if (s == AM_OK)
		s = am_import_append(x, who, &src, seq, e);
	if (s == AM_OK)
		s = am_import_commit(x, e);
	else if (x != NULL)
		am_import_abort(x);
	for (size_t i = 0; i < ch.count; i++)
		free(ch.p[i]);
	free(wraps);
	free(meta);
	am_entry_pub_release(&p);
	return s;
}

/*
 * As a field officer going around the writer: a copy of field entry k (same
 * body) whose signed flags say batch wraps (FORMAT.md §29) over the sealed
 * boxes (§14) it carries, so its wraps block is malformed for its flag.
 */
static void wrong_shape(struct am_vault *fv, const struct am_identity *off, uint64_t k)
{
	unsigned char *wraps = NULL, *meta = NULL;
	size_t wn = 0, mn = 0;
	struct am_trusted work;
	struct am_entry_pub p;
	struct am_header h;
	struct chunks ch;
	struct am_err e;

	am_err_init(&e);
	memset(&ch, 0, sizeof(ch));
	must(am_entry_read_trusted(fv, trust_of(fv), k, &p, &e), &e, "read field entry");
	must(am_entry_stored_body(fv, &p.h, &wraps, &wn, &meta, &mn, &e), &e, "field body");
	must(am_entry_stored_chunks(fv, &p.h, keep_chunk, &ch, &e), &e, "field chunks");
	am_trusted_init(&work);
	must(am_write_begin(fv, trust_of(fv), &work, &e), &e, "begin");
	h = p.h;
	h.flags = (uint8_t)((p.h.flags & AM_HF_CHUNK_HASHED) | AM_HF_BWRAP);
	for (size_t i = 0; i < ch.count; i++)
		must(am_db_put_chunk(fv, am_trusted_size(&work), i, ch.p[i], ch.n[i], &e), &e,
		     "chunk");
	must(am_append_entry(fv, &work, off, &h, wraps, wn, meta, mn, &e), &e, "append");
	must(am_checkpoint_store(fv, &work, off, NULL, &e), &e, "checkpoint");
	must(am_write_commit(fv, trust_of(fv), &work, &e), &e, "commit");
	for (size_t i = 0; i < ch.count; i++)
		free(ch.p[i]);
	free(wraps);
	free(meta);
	am_entry_pub_release(&p);
}

/* A refusal that names what it refuses and leaves the main vault as it was. */
static void refused(struct am_vault *mv, enum am_status s, const struct am_err *e,
		    const char *want, uint64_t size_before)
{
	CHECK_ST(s, AM_EVERIFY);
	CHECKF(strstr(e->msg, want) != NULL, "'%s' does not say '%s'", e->msg, want);
	CHECK(am_trusted_size(trust_of(mv)) == size_before);
}

/*
 * As a member who signs whatever they like would: append an import of field
 * entry k of fv (proof flipped when bad_proof) to a new main vault at path,
 * after importing the field genesis properly when k > 0 or no_ref (ref names
 * it, or nothing when no_ref), going around the writer's checks; then verify.
 */
static void forged(const char *path, struct am_vault *fv, const struct am_checkpoint *cp,
		   const struct am_identity *admin, const struct am_identity *cust,
		   const struct am_identity *off, uint64_t k, int bad_proof, int no_ref,
		   const char *want)
{
	unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH];
	struct am_progress none = { NULL, NULL };
	struct am_verify_report r;
	struct am_trusted work;
	struct am_entry_pub p;
	struct am_vault *mv;
	struct am_header h;
	struct am_buf pl, refs;
	struct am_err e;
	uint64_t g = 0;
	size_t count = 0;

	am_err_init(&e);
	must(am_vault_create(path, admin, cust, 1, NULL, &e), &e, "forged main");
	must(am_vault_open(path, 1, &mv, &e), &e, "open forged main");
	must(am_enroll(mv, trust_of(mv), admin, off, AM_ROLE_OFFICER, NULL, &e), &e, "enroll");
	if (k > 0 || no_ref)
		must(import_one(mv, fv, 0, cp, cust, 0, 0, NONE, &g, &e), &e, "import genesis");
	must(am_entry_read_trusted(fv, trust_of(fv), k, &p, &e), &e, "read field entry");
	must(am_prove_inclusion(fv, k, cp->size, proof, &count, &e), &e, "field proof");
	if (bad_proof)
		proof[0][0] ^= 1;
	am_buf_init(&pl);
	am_buf_init(&refs);
	am_buf_u32(&pl, (uint32_t)p.len);
	am_buf_add(&pl, p.buf, p.len);
	am_buf_add(&pl, p.sig, AM_SIG_LEN);
	am_buf_u32(&pl, (uint32_t)cp->len);
	am_buf_add(&pl, cp->text, cp->len);
	am_buf_u8(&pl, (uint8_t)count);
	am_buf_add(&pl, proof, count * AM_HASH_LEN);
	am_buf_u64(&refs, g);
	memset(&h, 0, sizeof(h));
	h.type = AM_T_IMPORT;
	h.payload = pl.data;
	h.payload_len = (uint32_t)pl.len;
	h.refs = refs.data;
	h.nrefs = k > 0 && !no_ref ? 1 : 0;
	must(am_write_begin(mv, trust_of(mv), &work, &e), &e, "begin");
	must(am_append(mv, &work, cust, &h, NULL, 0, NULL, 0, NULL, &e), &e, "forge");
	must(am_write_commit(mv, trust_of(mv), &work, &e), &e, "commit");
	CHECK_ST(am_verify(mv, AM_VERIFY_FULL, none, &r, &e), AM_OK);
	CHECKF(!r.ok && strstr(r.reason, want) != NULL, "verify: '%s', want '%s'", r.reason, want);
	am_buf_release(&pl);
	am_buf_release(&refs);
	am_entry_pub_release(&p);
	close_vault(mv);
}

int main(void)
{
	struct am_identity admin, cust, off, off2, stranger;
	struct am_vault *mv, *fv;
	struct am_checkpoint cp, bad;
	struct am_seal_req req;
	struct am_verify_report r;
	struct am_progress none = { NULL, NULL };
	struct am_err e;
	char mpath[300], fpath[300], origin[AM_ORIGIN_MAX];
	uint64_t seq = 0, s0 = 0, s1 = 0, size;
	enum am_status s;

	am_err_init(&e);
	if (am_crypto_init() != 0)
		return 2;
	check_tmpdir(dir, sizeof(dir), "import");
	snprintf(mpath, sizeof(mpath), "%s/main.db", dir);
	snprintf(fpath, sizeof(fpath), "%s/field.db", dir);
	must(am_identity_generate(&admin, "admin-hq", &e), &e, "admin");
	must(am_identity_generate(&cust, "custodian-geneva", &e), &e, "custodian");
	must(am_identity_generate(&off, "field-officer-07", &e), &e, "officer");
	must(am_identity_generate(&off2, "field-officer-09", &e), &e, "officer 2");
	must(am_identity_generate(&stranger, "stranger", &e), &e, "stranger");
	/* main: admin, custodian, the first officer only; field: both officers */
	must(am_vault_create(mpath, &admin, &cust, 1, NULL, &e), &e, "main");
	must(am_vault_create(fpath, &off, &cust, 1, NULL, &e), &e, "field");
	must(am_vault_open(mpath, 1, &mv, &e), &e, "open main");
	must(am_vault_open(fpath, 1, &fv, &e), &e, "open field");
	must(am_enroll(mv, trust_of(mv), &admin, &off, AM_ROLE_OFFICER, NULL, &e), &e, "enroll");
	must(am_enroll(fv, trust_of(fv), &off, &off2, AM_ROLE_OFFICER, NULL, &e), &e, "enroll 2");
	memset(&req, 0, sizeof(req));
	req.type = AM_T_TESTIMONY;
	req.fd = -1;
	must(am_seal(fv, trust_of(fv), &off, &req, NULL, &e), &e, "seal");       /* field 3 */
	must(am_seal(fv, trust_of(fv), &off2, &req, NULL, &e), &e, "seal 2");    /* field 4 */
	must(am_vault_checkpoint(fv, trust_of(fv), &off, &cp, &e), &e, "checkpoint");
	CHECK(cp.size == 5);

	/* the first import of a field vault is its genesis */
	size = am_trusted_size(trust_of(mv));
	s = import_one(mv, fv, 1, &cp, &cust, 0, 0, NONE, &seq, &e);
	refused(mv, s, &e, "is not its genesis", size);
	/* a field checkpoint signed by someone the main vault does not know */
	am_origin(origin, am_trusted_vault_id(trust_of(fv)));
	must(am_checkpoint_sign(origin, cp.size, cp.root, origin, stranger.sign_sk, stranger.sign_pk,
				&bad, &e), &e, "stranger's checkpoint");
	s = import_one(mv, fv, 0, &bad, &cust, 0, 0, NONE, &seq, &e);
	refused(mv, s, &e, "not signed by a member", size);
	am_checkpoint_release(&bad);
	/* signed by a member of the main vault who is no member of the field vault */
	{
		unsigned char r1[AM_HASH_LEN];
		must(am_vault_root(fv, 1, r1, &e), &e, "field root at 1");
		must(am_checkpoint_sign(origin, 1, r1, origin, admin.sign_sk, admin.sign_pk, &bad,
					&e), &e, "admin's field checkpoint");
		s = import_one(mv, fv, 0, &bad, &cust, 0, 0, NONE, &seq, &e);
		refused(mv, s, &e, "not signed by a member of the field vault", size);
		am_checkpoint_release(&bad);
	}
	/* the field genesis, then its next entry */
	must(import_one(mv, fv, 0, &cp, &cust, 0, 0, NONE, &s0, &e), &e, "import genesis");
	size = am_trusted_size(trust_of(mv));
	/* skipping field entry 1 */
	s = import_one(mv, fv, 2, &cp, &cust, 1, s0, NONE, &seq, &e);
	refused(mv, s, &e, "does not follow", size);
	must(import_one(mv, fv, 1, &cp, &cust, 1, s0, NONE, &s1, &e), &e, "import 1");
	must(import_one(mv, fv, 2, &cp, &cust, 1, s1, NONE, &s1, &e), &e, "import 2");
	size = am_trusted_size(trust_of(mv));
	/* a proof that does not lead to the checkpoint's root */
	s = import_one(mv, fv, 3, &cp, &cust, 1, s1, BAD_PROOF, &seq, &e);
	refused(mv, s, &e, "not proved", size);
	/* a body that is not the one the field officer signed */
	s = import_one(mv, fv, 3, &cp, &cust, 1, s1, BAD_CHUNK, &seq, &e);
	refused(mv, s, &e, "does not match its signed hashes", size);
	/* the right chunks, hashed by the other content hash rule (FORMAT.md §28) */
	s = import_one(mv, fv, 3, &cp, &cust, 1, s1, OTHER_RULE, &seq, &e);
	refused(mv, s, &e, "does not match its signed hashes", size);
	/* an import by someone who may not import */
	s = import_one(mv, fv, 3, &cp, &stranger, 1, s1, NONE, &seq, &e);
	CHECK_ST(s, AM_EAUTH);
	must(import_one(mv, fv, 3, &cp, &cust, 1, s1, NONE, &s1, &e), &e, "import 3");
	/* field entry 4 was sealed by an officer the main vault never enrolled */
	size = am_trusted_size(trust_of(mv));
	s = import_one(mv, fv, 4, &cp, &cust, 1, s1, NONE, &seq, &e);
	refused(mv, s, &e, "not enrolled in this vault", size);
	must(am_enroll(mv, trust_of(mv), &admin, &off2, AM_ROLE_OFFICER, NULL, &e), &e, "enroll 2");
	must(import_one(mv, fv, 4, &cp, &cust, 1, s1, NONE, &seq, &e), &e, "import 4");

	/* a field entry whose wraps block is not of the kind its signed flag says (§29) */
	{
		struct am_checkpoint cp6;
		uint64_t s6 = 0;
		wrong_shape(fv, &off, 3);
		must(am_vault_checkpoint(fv, trust_of(fv), &off, &cp6, &e), &e, "checkpoint 6");
		size = am_trusted_size(trust_of(mv));
		s = import_one(mv, fv, 5, &cp6, &cust, 1, seq, NONE, &s6, &e);
		refused(mv, s, &e, "wrapped keys", size);
		am_checkpoint_release(&cp6);
	}

	/* what was written verifies, and the custodian opens the import as the original */
	CHECK_ST(am_verify(mv, AM_VERIFY_FULL, none, &r, &e), AM_OK);
	CHECKF(r.ok && r.complete, "verify: %s", r.reason);
	CHECK_ST(am_can_open(mv, &cust, seq, &e), AM_OK);
	CHECK_ST(am_can_open(mv, &off, seq, &e), AM_EAUTH);
	CHECK_ST(am_extract(mv, &cust, seq, -1, none, &e), AM_OK);
	{
		struct am_entry_pub p;
		must(am_entry_read(mv, seq, &p, &e), &e, "read import");
		CHECK(p.h.type == AM_T_IMPORT && am_entry_kind(&p.h) == AM_T_TESTIMONY);
		CHECK(am_header_sealed(&p.h));
		am_entry_pub_release(&p);
	}

	/* verify, not only the writer, refuses what a member could sign anyway */
	{
		char fp[300];
		snprintf(fp, sizeof(fp), "%s/forged1.db", dir);
		forged(fp, fv, &cp, &admin, &cust, &off, 0, 1, 0,
		       "not proved to be in the field checkpoint");
		snprintf(fp, sizeof(fp), "%s/forged2.db", dir);
		forged(fp, fv, &cp, &admin, &cust, &off, 1, 0, 1, "is not its genesis");
		snprintf(fp, sizeof(fp), "%s/forged3.db", dir);
		forged(fp, fv, &cp, &admin, &cust, &off, 2, 0, 0, "does not follow");
		snprintf(fp, sizeof(fp), "%s/forged4.db", dir);
		forged(fp, fv, &cp, &admin, &cust, &off, 0, 0, 1, "two chains of one field vault");
	}
	am_checkpoint_release(&cp);
	close_vault(mv);
	close_vault(fv);
	am_identity_release(&admin);
	am_identity_release(&cust);
	am_identity_release(&off);
	am_identity_release(&off2);
	am_identity_release(&stranger);
	check_rmtree(dir);
	return check_done();
}
