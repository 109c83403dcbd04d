/*
 * test_lifecycle.c — the key-lifecycle payloads and rules of
 * docs/FORMAT.md §24 as bytes in, verdict out: known answers for a
 * revocation record, a rotation and a rewrap (tests/vectors/lifecycle.txt),
 * every malformed shape refused, the rotation rules applied to a
 * membership, and the degenerate keys enrollment refuses.
 *
 * `test_lifecycle --generate` prints the vector file (its one random value,
 * the rewrap's sealed box, drawn afresh); a normal run recomputes every
 * value and, for the box, checks that it opens to the content key.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/lifecycle.h"
#include "check.h"
#include "vectors.h"

#define T0 1700000000000LL

static void pattern(unsigned char *p, unsigned s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(s + i);
}

/* A fixed identity: Ed25519 from seed pattern(s1), X25519 secret pattern(s2). */
struct fixed {
	struct am_identity id;
	unsigned char sk[AM_SIGN_SK_LEN], box_sk[AM_BOX_SK_LEN];
};

static void make_fixed(struct fixed *f, unsigned s1, unsigned s2, const char *name)
{
	unsigned char seed[AM_SIGN_SEED_LEN];

	memset(f, 0, sizeof(*f));
	pattern(seed, s1, sizeof(seed));
	pattern(f->box_sk, s2, sizeof(f->box_sk));
	if (am_sign_seed_keypair(f->id.sign_pk, f->sk, seed) != 0 ||
	    am_box_public(f->id.box_pk, f->box_sk) != 0) {
		fprintf(stderr, "key derivation failed\n");
		exit(2);
	}
	f->id.sign_sk = f->sk;
	f->id.box_sk = f->box_sk;
	snprintf(f->id.name, sizeof(f->id.name), "%s", name);
}

/* ---- the vector file --------------------------------------------------------- */

static struct vecs vecs;
static int generating;

static void load_vectors(void)
{
	if (vecs_load(&vecs, "lifecycle.txt") != 0)
		exit(2);
}

static const struct vec *vector(const char *name)
{
	return vecs_get(&vecs, name);
}

/* Print (generating) or compare one value. */
static void known(const char *name, const unsigned char *p, size_t n)
{
	const struct vec *v;

	if (generating) {
		char *hex = malloc(2 * n + 1);
		if (hex == NULL)
			exit(2);
		am_hex(hex, p, n);
		printf("%s = %s\n", name, hex);
		free(hex);
		return;
	}
	v = vector(name);
	CHECKF(v != NULL && v->n == n && memcmp(v->v, p, n) == 0, "vector %s differs", name);
}

/* ---- known answers ------------------------------------------------------------- */

static void vectors(const struct fixed *admin, const struct fixed *cust,
		    const struct fixed *succ)
{
	unsigned char vid[AM_VAULT_ID_LEN], key[AM_KEY_LEN], box[AM_WRAP_LEN];
	unsigned char got[AM_KEY_LEN], sig[AM_SIG_LEN];
	struct am_revocation r;
	struct am_member m;
	struct am_buf b, rec, in, pay;

	(void)admin;
	pattern(vid, 0x90, sizeof(vid));
	if (generating)
		printf("# amanat format version 1: key-lifecycle vectors (docs/FORMAT.md §24).\n"
		       "# Written by `test_lifecycle --generate`; every line is \"name = lowercase hex\".\n"
		       "# rewrap.box is pinned (crypto_box_seal is randomised): it must open to K.\n");
	known("vault_id", vid, sizeof(vid));
	known("successor.sign_pk", succ->id.sign_pk, AM_SIGN_PK_LEN);
	known("successor.box_pk", succ->id.box_pk, AM_BOX_PK_LEN);

	/* a revocation of the custodian, compromised since entry 2, with a reason */
	memset(&r, 0, sizeof(r));
	r.reason = "fictional: laptop seized";
	r.kind = AM_SINCE_SEQ;
	am_buf_init(&b);
	am_revocation_encode(&b, cust->id.sign_pk, &r, 2);
	known("revoke.payload.seq", b.data, b.len);
	am_buf_release(&b);
	/* the same from a time (T0 + 1500), resolved to entry 1, no reason */
	memset(&r, 0, sizeof(r));
	r.kind = AM_SINCE_TIME;
	r.since_ms = T0 + 1500;
	am_buf_init(&b);
	am_revocation_encode(&b, cust->id.sign_pk, &r, 1);
	known("revoke.payload.time", b.data, b.len);
	am_buf_release(&b);

	/* the custodian (roles 6) rotated to the successor */
	memset(&m, 0, sizeof(m));
	memcpy(m.sign_pk, succ->id.sign_pk, AM_SIGN_PK_LEN);
	memcpy(m.box_pk, succ->id.box_pk, AM_BOX_PK_LEN);
	snprintf(m.name, sizeof(m.name), "fictional-successor");
	m.roles = AM_ROLE_OFFICER | AM_ROLE_CUSTODIAN;
	am_buf_init(&rec);
	am_buf_init(&in);
	am_buf_init(&pay);
	am_member_encode(&rec, &m);
	am_rotation_binding_input(&in, vid, cust->id.sign_pk, rec.data, rec.len);
	known("rotate.binding_input", in.data, in.len);
	CHECK(am_sign(sig, in.data, in.len, cust->id.sign_sk) == 0);
	known("rotate.binding", sig, sizeof(sig));
	am_buf_add(&pay, cust->id.sign_pk, AM_SIGN_PK_LEN);
	am_buf_add(&pay, rec.data, rec.len);
	am_buf_add(&pay, sig, sizeof(sig));
	known("rotate.payload", pay.data, pay.len);
	am_buf_release(&rec);
	am_buf_release(&in);
	am_buf_release(&pay);

	/* the content key of entry 2 (§23's testimony) wrapped to the successor in entry 5 */
	pattern(key, 0x80, sizeof(key));
	if (generating) {
		CHECK(am_wrap(box, key, succ->id.box_pk) == 0);
	} else {
		const struct vec *v = vector("rewrap.box");
		CHECK(v != NULL && v->n == AM_WRAP_LEN);
		if (v != NULL && v->n == AM_WRAP_LEN)
			memcpy(box, v->v, AM_WRAP_LEN);
		CHECK(am_unwrap(got, box, succ->id.box_pk, succ->id.box_sk) == 0 &&
		      memcmp(got, key, AM_KEY_LEN) == 0);
	}
	known("rewrap.box", box, sizeof(box));
	am_buf_init(&pay);
	am_buf_add(&pay, succ->id.box_pk, AM_BOX_PK_LEN);
	am_buf_u32(&pay, 1);
	am_buf_u64(&pay, 2);
	am_buf_u64(&pay, 2);
	am_buf_add(&pay, box, sizeof(box));
	known("rewrap.payload", pay.data, pay.len);
	{
		struct am_rewrap_items w;
		CHECK(am_rewrap_parse(pay.data, pay.len, 5, &w) == 0 && w.n == 1 &&
		      am_rewrap_target(&w, 0) == 2 && am_rewrap_via(&w, 0) == 2 &&
		      memcmp(am_rewrap_box(&w, 0), box, AM_WRAP_LEN) == 0);
	}
	am_buf_release(&pay);
}

/* ---- shapes -------------------------------------------------------------------- */

static int revocation_ok(const unsigned char *p, size_t n)
{
	unsigned char pk[AM_SIGN_PK_LEN], *c = malloc(n ? n : 1);
	char reason[AM_REASON_MAX + 1];
	enum am_since kind;
	uint64_t since;
	int64_t ms;
	int rc;

	if (c == NULL)
		exit(2);
	memcpy(c, p, n);
	rc = am_revocation_parse(c, n, pk, &kind, &since, &ms, reason);
	free(c);
	return rc == 0;
}

static void revocation_shapes(void)
{
	unsigned char p[AM_REVOKE_FIXED + AM_REASON_MAX + 2];
	struct am_revocation r;
	struct am_buf b;

	memset(&r, 0, sizeof(r));
	memset(p, 7, sizeof(p));
	CHECK(revocation_ok(p, 32));                     /* the key alone */
	CHECK(!revocation_ok(p, 33) && !revocation_ok(p, 51) && !revocation_ok(p, 31));
	r.kind = AM_SINCE_SEQ;
	r.reason = "why";
	am_buf_init(&b);
	am_revocation_encode(&b, p, &r, 4);
	CHECK(revocation_ok(b.data, b.len));
	memcpy(p, b.data, b.len);
	p[32] = 2; /* version */
	CHECK(!revocation_ok(p, b.len));
	p[32] = 1;
	p[33] = 3; /* kind */
	CHECK(!revocation_ok(p, b.len));
	p[33] = 1;
	p[49] = 1; /* a time in a kind-1 record */
	CHECK(!revocation_ok(p, b.len));
	p[49] = 0;
	p[33] = 0; /* kind 0 with a seq */
	CHECK(!revocation_ok(p, b.len));
	p[33] = 1;
	CHECK(revocation_ok(p, b.len));
	CHECK(!revocation_ok(p, b.len - 1));            /* reason cut */
	p[52] = 0xff;                                    /* not UTF-8 */
	CHECK(!revocation_ok(p, b.len));
	p[52] = 0;                                       /* a NUL */
	CHECK(!revocation_ok(p, b.len));
	am_buf_release(&b);
	/* 1024 bytes of reason are fine, 1025 are not */
	memset(p + AM_REVOKE_FIXED, 'a', AM_REASON_MAX + 1);
	memset(p + 32, 0, AM_REVOKE_FIXED - 32);
	p[32] = 1;
	am_put_u16(p + 50, AM_REASON_MAX);
	CHECK(revocation_ok(p, AM_REVOKE_FIXED + AM_REASON_MAX));
	am_put_u16(p + 50, AM_REASON_MAX + 1);
	CHECK(!revocation_ok(p, AM_REVOKE_FIXED + AM_REASON_MAX + 1));
}

static int rewrap_ok(const unsigned char *p, size_t n, uint64_t seq)
{
	struct am_rewrap_items w;
	unsigned char *c = malloc(n ? n : 1);
	int rc;

	if (c == NULL)
		exit(2);
	memcpy(c, p, n);
	rc = am_rewrap_parse(c, n, seq, &w);
	free(c);
	return rc == 0;
}

/* A rewrap payload of n items (target, via) into b. */
static void rewrap_of(struct am_buf *b, uint32_t n, uint64_t (*items)[2])
{
	unsigned char box[AM_WRAP_LEN];

	memset(box, 3, sizeof(box));
	am_buf_init(b);
	am_buf_add(b, box, AM_BOX_PK_LEN);
	am_buf_u32(b, n);
	for (uint32_t i = 0; i < n; i++) {
		am_buf_u64(b, items[i][0]);
		am_buf_u64(b, items[i][1]);
		am_buf_add(b, box, sizeof(box));
	}
}

static void rewrap_shapes(void)
{
	static uint64_t ok[][2] = { { 2, 2 }, { 3, 7 }, { 9, 9 } };
	static uint64_t down[][2] = { { 3, 3 }, { 2, 2 } };
	static uint64_t same[][2] = { { 3, 3 }, { 3, 3 } };
	static uint64_t viabelow[][2] = { { 3, 2 } };
	static uint64_t viaself[][2] = { { 3, 10 } };
	static uint64_t many[AM_REWRAP_MAX + 1][2];
	struct am_buf b;

	rewrap_of(&b, 3, ok);
	CHECK(rewrap_ok(b.data, b.len, 10));
	CHECK(!rewrap_ok(b.data, b.len, 9));   /* a target not below the entry */
	CHECK(!rewrap_ok(b.data, b.len - 1, 10));
	am_put_u32(b.data + AM_BOX_PK_LEN, 2); /* a count that disagrees with the length */
	CHECK(!rewrap_ok(b.data, b.len, 10));
	am_buf_release(&b);
	rewrap_of(&b, 0, ok);
	CHECK(!rewrap_ok(b.data, b.len, 10));
	am_buf_release(&b);
	rewrap_of(&b, 2, down);
	CHECK(!rewrap_ok(b.data, b.len, 10));
	am_buf_release(&b);
	rewrap_of(&b, 2, same);
	CHECK(!rewrap_ok(b.data, b.len, 10));
	am_buf_release(&b);
	rewrap_of(&b, 1, viabelow);
	CHECK(!rewrap_ok(b.data, b.len, 10));
	am_buf_release(&b);
	rewrap_of(&b, 1, viaself);
	CHECK(!rewrap_ok(b.data, b.len, 10));
	am_buf_release(&b);
	for (uint64_t i = 0; i <= AM_REWRAP_MAX; i++)
		many[i][0] = many[i][1] = i;
	rewrap_of(&b, AM_REWRAP_MAX, many);
	CHECK(rewrap_ok(b.data, b.len, 1000));
	am_buf_release(&b);
	rewrap_of(&b, AM_REWRAP_MAX + 1, many);
	CHECK(!rewrap_ok(b.data, b.len, 1000));
	am_buf_release(&b);
}

/* ---- rotation applied to a membership ---------------------------------------- */

/* Apply a public entry of type to a (seq after the last authority entry). */
static int apply(struct am_auth *a, unsigned type, const unsigned char *signer,
		 const unsigned char *payload, size_t n, uint64_t seq)
{
	struct am_header h;
	char why[256];

	memset(&h, 0, sizeof(h));
	h.version = 1;
	h.type = (uint8_t)type;
	pattern(h.vault_id, 0x90, sizeof(h.vault_id));
	h.seq = seq;
	h.auth_seq = a->last_seq;
	memcpy(h.signer, signer, AM_SIGN_PK_LEN);
	h.payload = payload;
	h.payload_len = (uint32_t)n;
	return am_auth_apply(a, &h, why, sizeof(why));
}

/* A rotate payload of old to neu with roles, its binding signed by binder. */
static void rotation(struct am_buf *pay, const struct fixed *old, const struct fixed *neu,
		     unsigned roles, const struct fixed *binder)
{
	unsigned char vid[AM_VAULT_ID_LEN], sig[AM_SIG_LEN];
	struct am_member m;
	struct am_buf rec, in;

	pattern(vid, 0x90, sizeof(vid));
	memset(&m, 0, sizeof(m));
	memcpy(m.sign_pk, neu->id.sign_pk, AM_SIGN_PK_LEN);
	memcpy(m.box_pk, neu->id.box_pk, AM_BOX_PK_LEN);
	snprintf(m.name, sizeof(m.name), "%s", neu->id.name);
	m.roles = roles;
	am_buf_init(&rec);
	am_buf_init(&in);
	am_buf_init(pay);
	am_member_encode(&rec, &m);
	am_rotation_binding_input(&in, vid, old->id.sign_pk, rec.data, rec.len);
	if (am_sign(sig, in.data, in.len, binder->id.sign_sk) != 0)
		exit(2);
	am_buf_add(pay, old->id.sign_pk, AM_SIGN_PK_LEN);
	am_buf_add(pay, rec.data, rec.len);
	am_buf_add(pay, sig, sizeof(sig));
	am_buf_release(&rec);
	am_buf_release(&in);
}

/* A membership: 0 genesis (admin), 1 custodian (officer, custodian). */
static void start(struct am_auth *a, const struct fixed *admin, const struct fixed *cust)
{
	struct am_member m;
	struct am_buf b;
	struct am_header h;
	char why[256];

	am_auth_init(a);
	memset(&m, 0, sizeof(m));
	memcpy(m.sign_pk, admin->id.sign_pk, AM_SIGN_PK_LEN);
	memcpy(m.box_pk, admin->id.box_pk, AM_BOX_PK_LEN);
	snprintf(m.name, sizeof(m.name), "fictional-admin");
	m.roles = AM_ROLE_ADMIN;
	am_buf_init(&b);
	am_member_encode(&b, &m);
	memset(&h, 0, sizeof(h));
	h.version = 1;
	h.type = AM_T_GENESIS;
	memcpy(h.signer, admin->id.sign_pk, AM_SIGN_PK_LEN);
	h.payload = b.data;
	h.payload_len = (uint32_t)b.len;
	am_genesis_vault_id(h.vault_id, &h);
	CHECK(am_auth_apply(a, &h, why, sizeof(why)) == 0);
	am_buf_release(&b);
	memcpy(m.sign_pk, cust->id.sign_pk, AM_SIGN_PK_LEN);
	memcpy(m.box_pk, cust->id.box_pk, AM_BOX_PK_LEN);
	snprintf(m.name, sizeof(m.name), "fictional-custodian");
	m.roles = AM_ROLE_OFFICER | AM_ROLE_CUSTODIAN;
	am_buf_init(&b);
	am_member_encode(&b, &m);
	CHECK(apply(a, AM_T_ENROLL, admin->id.sign_pk, b.data, b.len, 1) == 0);
	am_buf_release(&b);
}

static void rotations(const struct fixed *admin, const struct fixed *cust,
		      const struct fixed *succ, const struct fixed *other)
{
	const unsigned roles = AM_ROLE_OFFICER | AM_ROLE_CUSTODIAN;
	const struct am_member *m;
	struct am_auth a;
	struct am_buf p;

	/* the rules, each broken once, on a fresh membership */
	struct {
		const struct fixed *old, *neu, *signer, *binder;
		unsigned roles;
		int ok;
		const char *what;
	} cases[] = {
		{ cust, succ, admin, cust, roles, 1, "a valid rotation" },
		{ cust, succ, admin, admin, roles, 0, "a binding not by the old key" },
		{ cust, succ, cust, cust, roles, 0, "signed by the old key" },
		{ cust, succ, succ, cust, roles, 0, "signed by the new key of a non-admin" },
		{ cust, succ, other, cust, roles, 0, "signed by a stranger" },
		{ cust, succ, admin, cust, roles | AM_ROLE_ADMIN, 0, "roles gained" },
		{ cust, succ, admin, cust, AM_ROLE_CUSTODIAN, 0, "roles lost" },
		{ cust, admin, admin, cust, roles, 0, "new keys of a member" },
		{ other, succ, admin, other, roles, 0, "old key not a member" },
		{ admin, succ, succ, admin, AM_ROLE_ADMIN, 1, "an admin's own key, by the new key" },
		{ admin, succ, admin, admin, AM_ROLE_ADMIN, 0, "an admin's own key, by itself" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		start(&a, admin, cust);
		rotation(&p, cases[i].old, cases[i].neu, cases[i].roles, cases[i].binder);
		CHECKF((apply(&a, AM_T_ROTATE, cases[i].signer->id.sign_pk, p.data, p.len, 2) == 0) ==
			       cases[i].ok, "%s", cases[i].what);
		/* a malformed payload: one byte short or long */
		CHECK(apply(&a, AM_T_ROTATE, admin->id.sign_pk, p.data, p.len - 1, 3) != 0);
		am_buf_release(&p);
		am_auth_release(&a);
	}
	/* what a valid rotation does: roles move, the old key is retired and points on */
	start(&a, admin, cust);
	rotation(&p, cust, succ, roles, cust);
	CHECK(apply(&a, AM_T_ROTATE, admin->id.sign_pk, p.data, p.len, 2) == 0);
	CHECK(a.last_seq == 2);
	CHECK(am_auth_roles(&a, cust->id.sign_pk) == 0 && am_auth_roles(&a, succ->id.sign_pk) == roles);
	m = am_auth_find(&a, cust->id.sign_pk);
	CHECK(m != NULL && memcmp(m->rotated_to, succ->id.sign_pk, AM_SIGN_PK_LEN) == 0);
	/* once: the old key is no member with roles, the new keys are taken */
	CHECK(apply(&a, AM_T_ROTATE, admin->id.sign_pk, p.data, p.len, 3) != 0);
	am_buf_release(&p);
	am_auth_release(&a);
}

/* ---- keys enrollment refuses ------------------------------------------------------ */

static void degenerate_keys(const struct fixed *admin)
{
	/* libsodium's list of small-order X25519 encodings (crypto_scalarmult/curve25519) */
	static const char *const low[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	unsigned char k[32];

	CHECK(am_box_pk_valid(admin->id.box_pk));
	CHECK(am_sign_pk_valid(admin->id.sign_pk));
	for (size_t i = 0; i < sizeof(low) / sizeof(low[0]); i++) {
		CHECK(am_unhex(k, 32, low[i], 64) == 0);
		CHECKF(!am_box_pk_valid(k), "X25519 %s accepted", low[i]);
		k[31] |= 0x80; /* the same with the unused top bit set */
		CHECKF(!am_box_pk_valid(k), "X25519 %s (top bit) accepted", low[i]);
	}
	/* Ed25519: the identity, all zero, a non-canonical y, and the low-order X25519 ones */
	memset(k, 0, sizeof(k));
	CHECK(!am_sign_pk_valid(k));
	k[0] = 1;
	CHECK(!am_sign_pk_valid(k));
	memset(k, 0xff, sizeof(k));
	k[31] = 0x7f;
	CHECK(!am_sign_pk_valid(k));
	for (size_t i = 2; i < 4; i++) {
		CHECK(am_unhex(k, 32, low[i], 64) == 0);
		CHECK(!am_sign_pk_valid(k));
	}
}

int main(int argc, char **argv)
{
	struct fixed admin, cust, succ, other;

	if (am_crypto_init() != 0)
		return 2;
	generating = argc > 1 && strcmp(argv[1], "--generate") == 0;
	make_fixed(&admin, 0x00, 0x20, "fictional-admin");
	make_fixed(&cust, 0x40, 0x60, "fictional-custodian");
	make_fixed(&succ, 0x10, 0x30, "fictional-successor");
	make_fixed(&other, 0x70, 0xa0, "fictional-stranger");
	if (!generating)
		load_vectors();
	vectors(&admin, &cust, &succ);
	if (generating)
		return 0;
	revocation_shapes();
	rewrap_shapes();
	rotations(&admin, &cust, &succ, &other);
	degenerate_keys(&admin);
	vecs_free(&vecs);
	return check_done();
}
