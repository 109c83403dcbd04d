/*
 * test_merkle.c — vault/merkle.c against the RFC 6962 / certificate-transparency
 * reference vectors and against an independent model written here.
 *
 * The model (mth(), naive_path(), naive_proof()) is the recursive definition
 * of RFC 6962 §2.1 typed out again over a table of leaf hashes, with its own
 * leaf and node hashing on top of am_sha256: nothing in it calls merkle.c.
 * For every tree size up to NMAX it checks that merkle.c generates exactly
 * the model's proofs, that they verify, and that every single change to a
 * proof or to what it is checked against is rejected (or, where a change
 * leaves an equally valid statement, accepted exactly when the model says
 * so).  The streaming frontier is checked against the model up to FMAX
 * leaves, including the perfect subtrees it reports.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bytes.h"
#include "crypto/crypto.h"
#include "tests/unit/check.h"
#include "vault/merkle.h"

#define H AM_MT_HASH
#define NMAX 70  /* proofs: every size, every index, every pair up to here */
#define FMAX 300 /* frontier: every size up to here */

typedef unsigned char hash_t[H];

/* ---- helpers ------------------------------------------------------------- */

static void unhex(unsigned char *out, const char *hex)
{
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
}

static void tohex(char *out, const unsigned char *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

static int is_pow2(uint64_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

/* ---- the independent model ------------------------------------------------ */

static void model_leaf(unsigned char out[H], const void *d, size_t n)
{
	unsigned char *buf = malloc(n + 1);

	buf[0] = 0x00;
	if (n)
		memcpy(buf + 1, d, n);
	am_sha256(out, buf, n + 1);
	free(buf);
}

static void model_node(unsigned char out[H], const unsigned char l[H], const unsigned char r[H])
{
	unsigned char buf[1 + 2 * H];

	buf[0] = 0x01;
	memcpy(buf + 1, l, H);
	memcpy(buf + 1 + H, r, H);
	am_sha256(out, buf, sizeof(buf));
}

/* The model's tree: leaf hashes, and MTH of every [lo, hi) memoised. */
struct model {
	size_t n;
	hash_t *leaf;
	hash_t *memo;          /* (n+1) x (n+1) */
	unsigned char *have;   /* memo filled? */
	long source_calls;
	long source_bad_shape; /* calls for a range that is not a perfect aligned subtree */
	uint64_t fail_lo, fail_hi; /* the source refuses this range (when fail_hi != 0) */
};

static void model_init(struct model *m, size_t n)
{
	m->n = n;
	m->leaf = calloc(n ? n : 1, sizeof(hash_t));
	m->memo = calloc((n + 1) * (n + 1), sizeof(hash_t));
	m->have = calloc((n + 1) * (n + 1), 1);
	m->source_calls = m->source_bad_shape = 0;
	m->fail_lo = m->fail_hi = 0;
	for (size_t i = 0; i < n; i++) {
		/* leaf data: a few bytes that differ for every leaf, of varying length */
		unsigned char d[12];
		size_t len = 1 + i % 11;
		for (size_t j = 0; j < len; j++)
			d[j] = (unsigned char)(i * 31 + j * 7 + (i >> 8));
		model_leaf(m->leaf[i], d, len);
	}
}

static void model_free(struct model *m)
{
	free(m->leaf);
	free(m->memo);
	free(m->have);
}

/* The largest power of two smaller than n (n >= 2). */
static size_t model_split(size_t n)
{
	size_t k = 1;

	while (k < n - k) /* 2k < n, without overflowing when n > 2^63 */
		k *= 2;
	return k;
}

/* MTH(D[lo:hi]), RFC 6962 §2.1, recursively. */
static const unsigned char *mth(struct model *m, size_t lo, size_t hi)
{
	size_t at = lo * (m->n + 1) + hi;

	if (!m->have[at]) {
		if (hi - lo == 0)
			am_sha256(m->memo[at], "", 0);
		else if (hi - lo == 1)
			memcpy(m->memo[at], m->leaf[lo], H);
		else {
			size_t k = model_split(hi - lo);
			model_node(m->memo[at], mth(m, lo, lo + k), mth(m, lo + k, hi));
		}
		m->have[at] = 1;
	}
	return m->memo[at];
}

/* PATH(idx, D[lo:hi]); sides[i] = 1 when proof[i] is a left sibling. */
static void naive_path(struct model *m, size_t idx, size_t lo, size_t hi, hash_t *out,
		       int *sides, size_t *count)
{
	size_t n = hi - lo, k;

	if (n <= 1)
		return;
	k = model_split(n);
	if (idx < k) {
		naive_path(m, idx, lo, lo + k, out, sides, count);
		memcpy(out[*count], mth(m, lo + k, hi), H);
		sides[(*count)++] = 0;
	} else {
		naive_path(m, idx - k, lo + k, hi, out, sides, count);
		memcpy(out[*count], mth(m, lo, lo + k), H);
		sides[(*count)++] = 1;
	}
}

/* SUBPROOF(mm, D[lo:hi], b), RFC 6962 §2.1.2. */
static void naive_subproof(struct model *m, size_t mm, size_t lo, size_t hi, int b, hash_t *out,
			   size_t *count)
{
	size_t n = hi - lo, k;

	if (mm == n) {
		if (!b)
			memcpy(out[(*count)++], mth(m, lo, hi), H);
		return;
	}
	k = model_split(n);
	if (mm <= k) {
		naive_subproof(m, mm, lo, lo + k, b, out, count);
		memcpy(out[(*count)++], mth(m, lo + k, hi), H);
	} else {
		naive_subproof(m, mm - k, lo + k, hi, 0, out, count);
		memcpy(out[(*count)++], mth(m, lo, lo + k), H);
	}
}

static void naive_proof(struct model *m, size_t mm, size_t n, hash_t *out, size_t *count)
{
	*count = 0;
	if (mm > 0 && mm < n)
		naive_subproof(m, mm, 0, n, 1, out, count);
}

/* The ranges [lo, hi) whose MTH make up PROOF(mm, D[n]), in order. */
static void naive_ranges_sub(size_t mm, size_t lo, size_t hi, int b, size_t (*r)[2], size_t *count)
{
	size_t n = hi - lo, k;

	if (mm == n) {
		if (!b) {
			r[*count][0] = lo;
			r[(*count)++][1] = hi;
		}
		return;
	}
	k = model_split(n);
	if (mm <= k) {
		naive_ranges_sub(mm, lo, lo + k, b, r, count);
		r[*count][0] = lo + k;
		r[(*count)++][1] = hi;
	} else {
		naive_ranges_sub(mm - k, lo + k, hi, 0, r, count);
		r[*count][0] = lo;
		r[(*count)++][1] = lo + k;
	}
}

/* MTH(D[lo:hi]) from the values of the given ranges only; -1 if they do not suffice. */
static int model_fold(size_t lo, size_t hi, size_t (*r)[2], const unsigned char (*val)[H],
		      size_t nr, unsigned char out[H])
{
	unsigned char l[H], rr[H];
	size_t k;

	for (size_t i = 0; i < nr; i++) {
		if (r[i][0] == lo && r[i][1] == hi) {
			memcpy(out, val[i], H);
			return 0;
		}
	}
	if (hi - lo < 2)
		return -1;
	k = model_split(hi - lo);
	if (model_fold(lo, lo + k, r, val, nr, l) != 0 || model_fold(lo + k, hi, r, val, nr, rr) != 0)
		return -1;
	model_node(out, l, rr);
	return 0;
}

/*
 * The model's own consistency verifier: take the proof's hashes to be the
 * MTH of the ranges PROOF(a, D[b]) is made of (and the old root that of
 * [0, a)), fold both trees from them, compare.  Accepts exactly the
 * statements these hashes prove.
 */
static int model_verify_cons(size_t a, size_t b, const unsigned char ra[H],
			     const unsigned char rb[H], const hash_t *proof, size_t count)
{
	static size_t r[AM_MT_MAX_PROOF + 1][2];
	static hash_t val[AM_MT_MAX_PROOF + 1];
	unsigned char fr[H], sr[H];
	size_t nr = 0, base = 0;

	if (a > b)
		return -1;
	if (a == b)
		return count == 0 && memcmp(ra, rb, H) == 0 ? 0 : -1;
	if (a == 0)
		return count == 0 ? 0 : -1;
	/* the old tree's root is known to the verifier: the range [0, a) */
	r[0][0] = 0;
	r[0][1] = a;
	memcpy(val[0], ra, H);
	base = 1;
	naive_ranges_sub(a, 0, b, 1, r + base, &nr);
	if (nr != count)
		return -1;
	memcpy(val + base, proof, count * H);
	/* fr from the proof alone (the known old root is not evidence of itself) */
	if (model_fold(0, a, r + base, AM_MT_CONST(val + base), nr, fr) != 0)
		memcpy(fr, ra, H); /* a power of two: [0, a) is the old root itself */
	if (model_fold(0, b, r, AM_MT_CONST(val), nr + base, sr) != 0)
		return -1;
	return memcmp(fr, ra, H) == 0 && memcmp(sr, rb, H) == 0 ? 0 : -1;
}

/* The source merkle.c reads from: perfect aligned subtrees of the model only. */
static int model_source(void *ctx, uint64_t lo, uint64_t hi, unsigned char out[H])
{
	struct model *m = ctx;

	m->source_calls++;
	if (hi <= lo || hi > m->n || !is_pow2(hi - lo) || lo % (hi - lo) != 0) {
		m->source_bad_shape++;
		return -1;
	}
	if (m->fail_hi != 0 && lo == m->fail_lo && hi == m->fail_hi)
		return -1;
	memcpy(out, mth(m, (size_t)lo, (size_t)hi), H);
	return 0;
}

static int same_proof(const hash_t *a, size_t na, const hash_t *b, size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof(hash_t)) == 0);
}

/* ---- 1. reference vectors ----------------------------------------------- */

static const char *const ref_leaves[8] = {
	"",         "00",       "10",       "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};

static const char *const ref_roots[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

/* Inclusion proofs (0-based index) from the certificate-transparency test data. */
static const struct {
	uint64_t index, size;
	size_t count;
	const char *path[3];
} ref_incl[] = {
	{ 0, 1, 0, { NULL } },
	{ 0, 8, 3,
	  { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 5, 8, 3,
	  { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	{ 2, 3, 1, { "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" } },
	{ 1, 5, 3,
	  { "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
};

/* Consistency proofs from the certificate-transparency test data. */
static const struct {
	uint64_t m, n;
	size_t count;
	const char *proof[3];
} ref_cons[] = {
	{ 1, 1, 0, { NULL } },
	{ 1, 8, 3,
	  { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 6, 8, 3,
	  { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	{ 2, 5, 2,
	  { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
};

/* A source over the eight reference leaves, hashed by merkle.c itself. */
static hash_t ref_leaf_hash[8];

static int ref_source(void *ctx, uint64_t lo, uint64_t hi, unsigned char out[H])
{
	(void)ctx;
	if (hi > 8 || hi <= lo)
		return -1;
	if (hi - lo == 1) {
		memcpy(out, ref_leaf_hash[lo], H);
		return 0;
	}
	/* only perfect subtrees are asked for; build them from halves */
	{
		hash_t l, r;
		uint64_t k = (hi - lo) / 2;
		if (ref_source(ctx, lo, lo + k, l) != 0 || ref_source(ctx, lo + k, hi, r) != 0)
			return -1;
		am_mt_node_hash(out, l, r);
	}
	return 0;
}

static void test_reference_vectors(void)
{
	unsigned char data[16], want[H], got[H], roots[9][H];
	hash_t proof[AM_MT_MAX_PROOF], ref[3];
	size_t count;

	am_mt_empty_root(got);
	unhex(want, ref_roots[0]);
	CHECK(memcmp(got, want, H) == 0);
	for (int i = 0; i < 8; i++) {
		size_t n = strlen(ref_leaves[i]) / 2;
		unhex(data, ref_leaves[i]);
		am_mt_leaf_hash(ref_leaf_hash[i], data, n);
		model_leaf(want, data, n);
		CHECKF(memcmp(ref_leaf_hash[i], want, H) == 0, "leaf %d", i);
	}
	for (uint64_t n = 0; n <= 8; n++) {
		char hex[2 * H + 1];
		unhex(want, ref_roots[n]);
		CHECKF(am_mt_root(ref_source, NULL, n, got) == 0, "root of %" PRIu64, n);
		tohex(hex, got, H);
		CHECKF(memcmp(got, want, H) == 0, "root of %" PRIu64 ": %s", n, hex);
		memcpy(roots[n], want, H);
		if (n > 0) {
			CHECK(am_mt_range(ref_source, NULL, 0, n, got) == 0);
			CHECKF(memcmp(got, want, H) == 0, "range [0,%" PRIu64 ")", n);
		}
	}
	/* the root of size 2 is the node hash of the first two leaves */
	am_mt_node_hash(got, ref_leaf_hash[0], ref_leaf_hash[1]);
	CHECK(memcmp(got, roots[2], H) == 0);

	for (size_t t = 0; t < sizeof(ref_incl) / sizeof(ref_incl[0]); t++) {
		uint64_t idx = ref_incl[t].index, size = ref_incl[t].size;
		for (size_t i = 0; i < ref_incl[t].count; i++)
			unhex(ref[i], ref_incl[t].path[i]);
		count = 99;
		CHECKF(am_mt_inclusion(ref_source, NULL, idx, size, proof, &count) == 0,
		       "inclusion (%" PRIu64 ",%" PRIu64 ")", idx, size);
		CHECKF(same_proof(AM_MT_CONST(proof), count, AM_MT_CONST(ref), ref_incl[t].count),
		       "inclusion (%" PRIu64 ",%" PRIu64 ") differs from the published path", idx, size);
		CHECKF(am_mt_verify_inclusion(idx, size, ref_leaf_hash[idx], AM_MT_CONST(ref),
					      ref_incl[t].count, roots[size]) == 0,
		       "published path (%" PRIu64 ",%" PRIu64 ") does not verify", idx, size);
	}
	for (size_t t = 0; t < sizeof(ref_cons) / sizeof(ref_cons[0]); t++) {
		uint64_t m = ref_cons[t].m, n = ref_cons[t].n;
		for (size_t i = 0; i < ref_cons[t].count; i++)
			unhex(ref[i], ref_cons[t].proof[i]);
		count = 99;
		CHECKF(am_mt_consistency(ref_source, NULL, m, n, proof, &count) == 0,
		       "consistency (%" PRIu64 ",%" PRIu64 ")", m, n);
		CHECKF(same_proof(AM_MT_CONST(proof), count, AM_MT_CONST(ref), ref_cons[t].count),
		       "consistency (%" PRIu64 ",%" PRIu64 ") differs from the published proof", m, n);
		CHECKF(am_mt_verify_consistency(m, n, roots[m], roots[n], AM_MT_CONST(ref),
						ref_cons[t].count) == 0,
		       "published consistency proof (%" PRIu64 ",%" PRIu64 ") does not verify", m, n);
	}
	/* node and leaf hashing are domain-separated */
	am_mt_leaf_hash(got, "", 0);
	CHECK(memcmp(got, roots[0], H) != 0);
	CHECK(memcmp(got, roots[1], H) == 0);
}

/* ---- 2. inclusion proofs, every size and index ---------------------------- */

static int verify_incl(uint64_t idx, uint64_t size, const unsigned char leaf[H],
		       const hash_t *proof, size_t count, const unsigned char root[H])
{
	return am_mt_verify_inclusion(idx, size, leaf, proof, count, root);
}

static void test_inclusion_all(struct model *m)
{
	hash_t proof[AM_MT_MAX_PROOF + 2], want[AM_MT_MAX_PROOF], alt[AM_MT_MAX_PROOF],
		mut[AM_MT_MAX_PROOF + 2];
	int sides[AM_MT_MAX_PROOF], alt_sides[AM_MT_MAX_PROOF];
	unsigned char junk[H];
	long checked = 0;

	memset(junk, 0x5a, H);
	for (size_t n = 1; n <= NMAX; n++) {
		const unsigned char *root = mth(m, 0, n);
		unsigned char got[H];

		CHECKF(am_mt_root(model_source, m, n, got) == 0 && memcmp(got, root, H) == 0,
		       "root of %zu", n);
		for (size_t idx = 0; idx < n; idx++) {
			const unsigned char *leaf = m->leaf[idx];
			size_t count = 99, wcount = 0, acount;
			int ok = 1;

			naive_path(m, idx, 0, n, want, sides, &wcount);
			CHECKF(am_mt_inclusion(model_source, m, idx, n, proof, &count) == 0,
			       "inclusion (%zu,%zu) not generated", idx, n);
			CHECKF(same_proof(AM_MT_CONST(proof), count, AM_MT_CONST(want), wcount),
			       "inclusion (%zu,%zu) differs from RFC 6962 PATH", idx, n);
			CHECKF(verify_incl(idx, n, leaf, AM_MT_CONST(proof), count, root) == 0,
			       "inclusion (%zu,%zu) does not verify", idx, n);

			/* each element with one bit flipped */
			for (size_t i = 0; i < count; i++) {
				unsigned bit = (unsigned)((idx * 37 + n * 11 + i * 101) % (8 * H));
				memcpy(mut, proof, count * H);
				mut[i][bit / 8] ^= (unsigned char)(1u << (bit % 8));
				ok &= verify_incl(idx, n, leaf, AM_MT_CONST(mut), count, root) != 0;
			}
			CHECKF(ok, "inclusion (%zu,%zu): a flipped bit was accepted", idx, n);

			/* any other index, in range or not */
			ok = 1;
			for (size_t j = 0; j <= n; j++)
				if (j != idx)
					ok &= verify_incl(j, n, leaf, AM_MT_CONST(proof), count, root) != 0;
			ok &= verify_incl(UINT64_MAX, n, leaf, AM_MT_CONST(proof), count, root) != 0;
			CHECKF(ok, "inclusion (%zu,%zu): a wrong index was accepted", idx, n);

			/*
			 * A wrong size.  Checked against that size's own root it must
			 * fail.  Checked against this root, the RFC algorithm can only
			 * follow the same left/right path (and so reach this root) when
			 * PATH(idx, D[size']) has exactly this shape: accepted exactly
			 * then (a property of RFC 9162, not a flaw: the signed size binds
			 * the root).
			 */
			for (int d = -1; d <= 1; d += 2) {
				size_t n2 = n + (size_t)d, acount2 = 0;
				int same_shape;
				if (n2 == 0) {
					CHECK(verify_incl(idx, 0, leaf, AM_MT_CONST(proof), count, root) != 0);
					continue;
				}
				if (n2 > NMAX + 1 || idx >= n2) {
					CHECKF(verify_incl(idx, n2, leaf, AM_MT_CONST(proof), count, root) != 0,
					       "inclusion (%zu,%zu) accepted at size %zu", idx, n, n2);
					continue;
				}
				if (n2 <= m->n) {
					naive_path(m, idx, 0, n2, alt, alt_sides, &acount2);
					CHECKF((verify_incl(idx, n2, leaf, AM_MT_CONST(proof), count,
							    mth(m, 0, n2)) == 0) ==
						       same_proof(AM_MT_CONST(proof), count, AM_MT_CONST(alt),
								  acount2),
					       "inclusion (%zu,%zu) vs the root of size %zu", idx, n, n2);
				}
				acount = 0;
				naive_path(m, idx, 0, n2 <= m->n ? n2 : n, alt, alt_sides, &acount);
				same_shape = n2 <= m->n && acount == wcount &&
					     memcmp(alt_sides, sides, wcount * sizeof(int)) == 0;
				CHECKF((verify_incl(idx, n2, leaf, AM_MT_CONST(proof), count, root) == 0) ==
					       same_shape,
				       "inclusion (%zu,%zu) checked as size %zu: %s", idx, n, n2,
				       same_shape ? "rejected, though the path has the same shape"
						  : "accepted, though the path differs");
			}

			/* a wrong leaf: the neighbours, the ends, a junk hash */
			ok = 1;
			for (size_t j = 0; j < n; j++)
				if (j != idx && ((j + 2 >= idx && j <= idx + 2) || j == 0 || j == n - 1))
					ok &= verify_incl(idx, n, m->leaf[j], AM_MT_CONST(proof), count,
							  root) != 0;
			ok &= verify_incl(idx, n, junk, AM_MT_CONST(proof), count, root) != 0;
			CHECKF(ok, "inclusion (%zu,%zu): a wrong leaf was accepted", idx, n);

			/* truncated at either end, extended at either end */
			ok = 1;
			if (count > 0) {
				ok &= verify_incl(idx, n, leaf, AM_MT_CONST(proof), count - 1, root) != 0;
				ok &= verify_incl(idx, n, leaf, AM_MT_CONST(proof + 1), count - 1,
						  root) != 0;
			}
			memcpy(mut, proof, count * H);
			memcpy(mut[count], count ? proof[count - 1] : junk, H);
			ok &= verify_incl(idx, n, leaf, AM_MT_CONST(mut), count + 1, root) != 0;
			memcpy(mut[count], root, H);
			ok &= verify_incl(idx, n, leaf, AM_MT_CONST(mut), count + 1, root) != 0;
			memcpy(mut[0], junk, H);
			memcpy(mut + 1, proof, count * H);
			ok &= verify_incl(idx, n, leaf, AM_MT_CONST(mut), count + 1, root) != 0;
			CHECKF(ok, "inclusion (%zu,%zu): a truncated or extended proof was accepted", idx,
			       n);

			/* the wrong root: other sizes' (near and far), a junk one */
			ok = 1;
			for (size_t n2 = 1; n2 <= NMAX; n2++)
				if (n2 != n && ((n2 + 3 >= n && n2 <= n + 3) || n2 % 16 == 0))
					ok &= verify_incl(idx, n, leaf, AM_MT_CONST(proof), count,
							  mth(m, 0, n2)) != 0;
			ok &= verify_incl(idx, n, leaf, AM_MT_CONST(proof), count, junk) != 0;
			CHECKF(ok, "inclusion (%zu,%zu): a wrong root was accepted", idx, n);
			checked++;
		}
		/* out of range */
		{
			size_t count = 7;
			CHECK(am_mt_inclusion(model_source, m, n, n, proof, &count) != 0);
			CHECK(am_mt_inclusion(model_source, m, n + 5, n, proof, &count) != 0);
		}
	}
	/* size 0: nothing is included */
	{
		size_t count = 7;
		CHECK(am_mt_inclusion(model_source, m, 0, 0, proof, &count) != 0);
		CHECK(verify_incl(0, 0, m->leaf[0], AM_MT_CONST(proof), 0, mth(m, 0, 0)) != 0);
	}
	/* more than AM_MT_MAX_PROOF hashes is refused outright */
	{
		static hash_t big[AM_MT_MAX_PROOF + 1];
		CHECK(verify_incl(0, UINT64_MAX, m->leaf[0], AM_MT_CONST(big), AM_MT_MAX_PROOF + 1,
				  mth(m, 0, 1)) != 0);
	}
	CHECK(checked == NMAX * (NMAX + 1) / 2);
	CHECK(m->source_bad_shape == 0);
}

/* ---- 3. consistency proofs, every pair ------------------------------------ */

static int verify_cons(uint64_t a, uint64_t b, const unsigned char *ra, const unsigned char *rb,
		       const hash_t *proof, size_t count)
{
	return am_mt_verify_consistency(a, b, ra, rb, proof, count);
}

static void test_consistency_all(struct model *m)
{
	hash_t proof[AM_MT_MAX_PROOF + 2], want[AM_MT_MAX_PROOF], alt[AM_MT_MAX_PROOF],
		mut[AM_MT_MAX_PROOF + 2];
	unsigned char junk[H];
	long checked = 0, same_root_size_changes = 0;

	memset(junk, 0xa5, H);
	for (size_t n = 1; n <= NMAX; n++) {
		const unsigned char *rn = mth(m, 0, n);
		for (size_t mm = 1; mm <= n; mm++) {
			const unsigned char *rm = mth(m, 0, mm);
			size_t count = 99, wcount = 0;
			int ok = 1;

			naive_proof(m, mm, n, want, &wcount);
			CHECKF(am_mt_consistency(model_source, m, mm, n, proof, &count) == 0,
			       "consistency (%zu,%zu) not generated", mm, n);
			CHECKF(same_proof(AM_MT_CONST(proof), count, AM_MT_CONST(want), wcount),
			       "consistency (%zu,%zu) differs from RFC 6962 PROOF", mm, n);
			CHECKF(verify_cons(mm, n, rm, rn, AM_MT_CONST(proof), count) == 0,
			       "consistency (%zu,%zu) does not verify", mm, n);
			CHECKF(model_verify_cons(mm, n, rm, rn, AM_MT_CONST(proof), count) == 0,
			       "consistency (%zu,%zu): the model's verifier rejects it", mm, n);
			if (mm == n) {
				/* m == n: an empty proof and equal roots, nothing else */
				CHECK(count == 0);
				CHECKF(verify_cons(mm, n, rm, rn, AM_MT_CONST(m->leaf), 1) != 0,
				       "consistency (%zu,%zu) with a non-empty proof accepted", mm, n);
				CHECKF(verify_cons(mm, n, rm, junk, AM_MT_CONST(proof), 0) != 0,
				       "consistency (%zu,%zu) with different roots accepted", mm, n);
				if (n > 1)
					CHECK(verify_cons(mm, n, rm, mth(m, 0, n - 1), AM_MT_CONST(proof),
							  0) != 0);
				checked++;
				continue;
			}
			CHECK(count > 0);

			/* each element with one bit flipped */
			for (size_t i = 0; i < count; i++) {
				unsigned bit = (unsigned)((mm * 13 + n * 29 + i * 83) % (8 * H));
				memcpy(mut, proof, count * H);
				mut[i][bit / 8] ^= (unsigned char)(1u << (bit % 8));
				ok &= verify_cons(mm, n, rm, rn, AM_MT_CONST(mut), count) != 0;
			}
			CHECKF(ok, "consistency (%zu,%zu): a flipped bit was accepted", mm, n);

			/*
			 * Wrong sizes.  Against the roots of the sizes claimed, a proof
			 * verifies exactly when it is the RFC proof for those sizes; it
			 * never is here.  Against the original roots, every such change
			 * must be rejected as well.
			 */
			for (int which = 0; which < 4; which++) {
				size_t a = mm, b = n, acount = 0;
				int expect;
				switch (which) {
				case 0: a = mm - 1; break;
				case 1: a = mm + 1; break;
				case 2: b = n - 1; break;
				default: b = n + 1; break;
				}
				if (b > m->n)
					continue;
				if (a == 0) {
					/* m == 0 takes only the empty proof */
					CHECKF(verify_cons(0, b, mth(m, 0, 0), mth(m, 0, b),
							   AM_MT_CONST(proof), count) != 0,
					       "consistency (%zu,%zu) accepted as (0,%zu)", mm, n, b);
					continue;
				}
				if (a > b) {
					CHECK(verify_cons(a, b, mth(m, 0, a), mth(m, 0, b), AM_MT_CONST(proof),
							  count) != 0);
					CHECK(verify_cons(a, b, rm, rn, AM_MT_CONST(proof), count) != 0);
					continue;
				}
				naive_proof(m, a, b, alt, &acount);
				expect = same_proof(AM_MT_CONST(proof), count, AM_MT_CONST(alt), acount);
				CHECKF((verify_cons(a, b, mth(m, 0, a), mth(m, 0, b), AM_MT_CONST(proof),
						    count) == 0) == expect,
				       "consistency (%zu,%zu) checked as (%zu,%zu) with their roots", mm, n,
				       a, b);
				/*
				 * Against the original roots the RFC algorithm computes
				 * the same two folds under the claimed sizes' shape, so
				 * it can accept when that shape coincides (the signed
				 * size is what binds a root): it must agree with the
				 * model's verifier exactly.
				 */
				CHECKF((verify_cons(a, b, rm, rn, AM_MT_CONST(proof), count) == 0) ==
					       (model_verify_cons(a, b, rm, rn, AM_MT_CONST(proof), count) == 0),
				       "consistency (%zu,%zu) checked as (%zu,%zu) with the original roots: "
				       "merkle.c and the model disagree", mm, n, a, b);
				if (verify_cons(a, b, rm, rn, AM_MT_CONST(proof), count) == 0)
					same_root_size_changes++;
			}

			/* swapped roots; an old root of another size; junk roots */
			ok = verify_cons(mm, n, rn, rm, AM_MT_CONST(proof), count) != 0;
			ok &= verify_cons(mm, n, junk, rn, AM_MT_CONST(proof), count) != 0;
			ok &= verify_cons(mm, n, rm, junk, AM_MT_CONST(proof), count) != 0;
			ok &= verify_cons(mm, n, rm, rm, AM_MT_CONST(proof), count) != 0;
			ok &= verify_cons(mm, n, rn, rn, AM_MT_CONST(proof), count) != 0;
			if (mm > 1)
				ok &= verify_cons(mm, n, mth(m, 0, mm - 1), rn, AM_MT_CONST(proof),
						  count) != 0;
			CHECKF(ok, "consistency (%zu,%zu): a wrong root was accepted", mm, n);

			/* truncated, extended */
			ok = verify_cons(mm, n, rm, rn, AM_MT_CONST(proof), count - 1) != 0;
			ok &= verify_cons(mm, n, rm, rn, AM_MT_CONST(proof + 1), count - 1) != 0;
			ok &= verify_cons(mm, n, rm, rn, AM_MT_CONST(proof), 0) != 0;
			memcpy(mut, proof, count * H);
			memcpy(mut[count], proof[count - 1], H);
			ok &= verify_cons(mm, n, rm, rn, AM_MT_CONST(mut), count + 1) != 0;
			memcpy(mut[count], junk, H);
			ok &= verify_cons(mm, n, rm, rn, AM_MT_CONST(mut), count + 1) != 0;
			memcpy(mut[0], rm, H); /* the old root in front (as RFC 9162 prepends it) */
			memcpy(mut + 1, proof, count * H);
			ok &= verify_cons(mm, n, rm, rn, AM_MT_CONST(mut), count + 1) != 0;
			CHECKF(ok, "consistency (%zu,%zu): a truncated or extended proof was accepted", mm,
			       n);
			checked++;
		}
		/* m == 0: the empty proof, and only the empty proof (merkle.h) */
		{
			size_t count = 7;
			CHECK(am_mt_consistency(model_source, m, 0, n, proof, &count) == 0 && count == 0);
			CHECK(verify_cons(0, n, mth(m, 0, 0), rn, AM_MT_CONST(proof), 0) == 0);
			CHECK(verify_cons(0, n, mth(m, 0, 0), rn, AM_MT_CONST(m->leaf), 1) != 0);
			/* m > n is never a proof */
			CHECK(am_mt_consistency(model_source, m, n + 1, n, proof, &count) != 0);
			CHECK(verify_cons(n + 1, n, mth(m, 0, n + 1), rn, AM_MT_CONST(proof), 0) != 0);
		}
	}
	{
		size_t count = 7;
		CHECK(am_mt_consistency(model_source, m, 0, 0, proof, &count) == 0 && count == 0);
	}
	/* more than AM_MT_MAX_PROOF hashes is refused outright */
	{
		static hash_t big[AM_MT_MAX_PROOF + 1];
		CHECK(verify_cons(3, UINT64_MAX, mth(m, 0, 3), mth(m, 0, 4), AM_MT_CONST(big),
				  AM_MT_MAX_PROOF + 1) != 0);
	}
	/* (informational: how often a size change keeps the shape) */
	printf("consistency: %ld single size changes keep the proof's shape\n",
	       same_root_size_changes);
	CHECK(checked == NMAX * (NMAX + 1) / 2);
	CHECK(m->source_bad_shape == 0);
}

/* ---- 4. a failing source --------------------------------------------------- */

static void test_failing_source(struct model *m)
{
	hash_t proof[AM_MT_MAX_PROOF];
	unsigned char out[H];
	struct am_mt_frontier f;
	size_t count;

	/* leaf 5 of a 13-leaf tree cannot be read: everything that needs it fails */
	m->fail_lo = 5;
	m->fail_hi = 6;
	CHECK(am_mt_root(model_source, m, 13, out) == 0); /* uses [0,8), not [5,6) */
	CHECK(am_mt_inclusion(model_source, m, 4, 13, proof, &count) != 0);
	CHECK(am_mt_inclusion(model_source, m, 9, 13, proof, &count) == 0);
	CHECK(am_mt_consistency(model_source, m, 5, 13, proof, &count) != 0);
	CHECK(am_mt_root(model_source, m, 6, out) == 0);   /* [0,4) and [4,6) */
	CHECK(am_mt_inclusion(model_source, m, 4, 6, proof, &count) != 0);
	m->fail_lo = 0;
	m->fail_hi = 8;
	CHECK(am_mt_root(model_source, m, 13, out) != 0);
	CHECK(am_mt_frontier_load(&f, model_source, m, 13) != 0);
	CHECK(am_mt_frontier_load(&f, model_source, m, 7) == 0);
	m->fail_lo = m->fail_hi = 0;
}

/* ---- 5. the streaming frontier --------------------------------------------- */

struct done_log {
	size_t n;
	unsigned level[80];
	uint64_t index[80];
	hash_t h[80];
	int stop_at; /* return non-zero at this call (0-based), or -1 */
};

static int done_cb(void *ctx, unsigned level, uint64_t index, const unsigned char h[H])
{
	struct done_log *d = ctx;

	if (d->n < 80) {
		d->level[d->n] = level;
		d->index[d->n] = index;
		memcpy(d->h[d->n], h, H);
	}
	if (d->stop_at >= 0 && (size_t)d->stop_at == d->n) {
		d->n++;
		return 7;
	}
	d->n++;
	return 0;
}

static int same_frontier(const struct am_mt_frontier *a, const struct am_mt_frontier *b)
{
	if (a->n != b->n || a->depth != b->depth)
		return 0;
	for (size_t i = 0; i < a->depth; i++)
		if (a->levels[i] != b->levels[i] || memcmp(a->h[i], b->h[i], H) != 0)
			return 0;
	return 1;
}

/* The stored-tree layout of tree.c: node (level, index) kept as it completes. */
struct stored {
	hash_t node[10][FMAX + 1];
	unsigned char have[10][FMAX + 1];
};

static int stored_source(void *ctx, uint64_t lo, uint64_t hi, unsigned char out[H])
{
	struct stored *s = ctx;
	unsigned level = 0;

	if (!is_pow2(hi - lo) || lo % (hi - lo) != 0)
		return -1;
	while (((uint64_t)1 << level) < hi - lo)
		level++;
	if (level >= 10 || (lo >> level) > FMAX || !s->have[level][lo >> level])
		return -1;
	memcpy(out, s->node[level][lo >> level], H);
	return 0;
}

static void test_frontier(void)
{
	static struct model big;
	static struct stored st;
	struct am_mt_frontier f, g, h2;
	struct done_log d;
	unsigned char got[H];
	int ok_roots = 1, ok_done = 1, ok_load = 1, ok_tail = 1, ok_stored = 1;

	model_init(&big, FMAX);
	memset(&st, 0, sizeof(st));
	am_mt_frontier_init(&f);
	am_mt_frontier_root(&f, got);
	CHECK(memcmp(got, mth(&big, 0, 0), H) == 0);
	CHECK(f.n == 0 && f.depth == 0);
	CHECK(am_mt_frontier_load(&g, model_source, &big, 0) == 0 && same_frontier(&f, &g));

	for (size_t i = 0; i < FMAX; i++) {
		size_t want_calls = 1, k;
		memset(&d, 0, sizeof(d));
		d.stop_at = -1;
		CHECK(am_mt_frontier_add(&f, big.leaf[i], done_cb, &d) == 0);
		/* exactly the perfect subtrees that leaf i completes, smallest first */
		for (k = i + 1; (k & 1) == 0; k >>= 1)
			want_calls++;
		if (d.n != want_calls) {
			ok_done = 0;
		} else {
			for (unsigned lv = 0; lv < want_calls; lv++) {
				uint64_t idx = (uint64_t)i >> lv;
				size_t lo = (size_t)idx << lv, hi = lo + ((size_t)1 << lv);
				if (d.level[lv] != lv || d.index[lv] != idx ||
				    memcmp(d.h[lv], mth(&big, lo, hi), H) != 0)
					ok_done = 0;
				/* keep it where tree.c would */
				memcpy(st.node[lv][idx], d.h[lv], H);
				st.have[lv][idx] = 1;
			}
		}
		am_mt_frontier_root(&f, got);
		if (f.n != i + 1 || memcmp(got, mth(&big, 0, i + 1), H) != 0)
			ok_roots = 0;
		/* depth is the number of one bits, levels largest first */
		{
			size_t bits = 0;
			for (uint64_t x = i + 1; x; x >>= 1)
				bits += x & 1;
			if (f.depth != bits)
				ok_roots = 0;
			for (size_t j = 1; j < f.depth; j++)
				if (f.levels[j] >= f.levels[j - 1])
					ok_roots = 0;
		}
		/* loading the frontier of this size gives the same frontier */
		if (am_mt_frontier_load(&g, model_source, &big, i + 1) != 0 || !same_frontier(&f, &g))
			ok_load = 0;
		/* and from the stored nodes the done callback reported */
		if (am_mt_frontier_load(&h2, stored_source, &st, i + 1) != 0 || !same_frontier(&f, &h2))
			ok_stored = 0;
		if (am_mt_root(stored_source, &st, i + 1, got) != 0 ||
		    memcmp(got, mth(&big, 0, i + 1), H) != 0)
			ok_stored = 0;
	}
	CHECKF(ok_roots, "incremental frontier roots differ from MTH");
	CHECKF(ok_done, "the done callback did not report exactly the perfect subtrees");
	CHECKF(ok_load, "am_mt_frontier_load differs from the incremental frontier");
	CHECKF(ok_stored, "a tree kept from the done callbacks does not give the same frontier/root");
	CHECK(big.source_bad_shape == 0);

	/* a loaded frontier goes on like the incremental one */
	for (size_t n0 = 0; n0 <= FMAX; n0 += 7) {
		CHECK(am_mt_frontier_load(&g, model_source, &big, n0) == 0);
		for (size_t i = n0; i < FMAX; i++)
			if (am_mt_frontier_add(&g, big.leaf[i], NULL, NULL) != 0)
				ok_tail = 0;
		am_mt_frontier_root(&g, got);
		if (memcmp(got, mth(&big, 0, FMAX), H) != 0 || !same_frontier(&f, &g))
			ok_tail = 0;
	}
	CHECKF(ok_tail, "a loaded frontier extended leaf by leaf differs");

	/* a non-zero return from done stops the add and is returned */
	am_mt_frontier_load(&g, model_source, &big, 7);
	memset(&d, 0, sizeof(d));
	d.stop_at = 2;
	CHECK(am_mt_frontier_add(&g, big.leaf[7], done_cb, &d) == 7);
	CHECK(d.n == 3);
	memset(&d, 0, sizeof(d));
	d.stop_at = 0;
	am_mt_frontier_load(&g, model_source, &big, 7);
	CHECK(am_mt_frontier_add(&g, big.leaf[7], done_cb, &d) == 7);
	CHECK(d.n == 1);
	model_free(&big);
}

/* ---- 6. very large trees ---------------------------------------------------- */

/*
 * A consistent tree of any size: every leaf is the same hash except a few
 * "special" leaves, so a perfect subtree without a special leaf has a hash
 * that depends on its height only, and one with a special leaf is built from
 * its halves (at most 64 levels per special leaf).
 */
struct synth {
	uint64_t special[16];
	size_t nspecial;
	hash_t plain[65]; /* plain[k]: a perfect subtree of 2^k ordinary leaves */
};

static void synth_leaf(const struct synth *s, uint64_t i, unsigned char out[H])
{
	unsigned char buf[8];

	for (size_t k = 0; k < s->nspecial; k++) {
		if (s->special[k] == i) {
			am_put_u64(buf, i);
			model_leaf(out, buf, sizeof(buf));
			return;
		}
	}
	memcpy(out, s->plain[0], H);
}

static int synth_source(void *ctx, uint64_t lo, uint64_t hi, unsigned char out[H])
{
	struct synth *s = ctx;
	uint64_t size = hi - lo;
	unsigned level = 0;
	int special = 0;

	if (hi <= lo || !is_pow2(size) || lo % size != 0)
		return -1;
	while (((uint64_t)1 << level) < size)
		level++;
	for (size_t k = 0; k < s->nspecial; k++)
		special |= s->special[k] >= lo && s->special[k] - lo < size;
	if (!special) {
		memcpy(out, s->plain[level], H);
	} else if (size == 1) {
		synth_leaf(s, lo, out);
	} else {
		hash_t l, r;
		synth_source(ctx, lo, lo + size / 2, l);
		synth_source(ctx, lo + size / 2, hi, r);
		model_node(out, l, r);
	}
	return 0;
}

/* Proofs in a tree of n leaves, n up to 2^64 - 1; 0 when all is well. */
static int big_tree(uint64_t n)
{
	struct synth s;
	uint64_t idxs[5] = { 0, 1, n / 2, n - 2, n - 1 }, ms[4] = { 1, 3, n / 3, n - 1 };
	unsigned char root[H], leaf[H];
	hash_t proof[AM_MT_MAX_PROOF];
	struct am_mt_frontier f;
	size_t count;
	int bad = 0;

	memset(&s, 0, sizeof(s));
	model_leaf(s.plain[0], "plain", 5);
	for (int k = 1; k <= 64; k++)
		model_node(s.plain[k], s.plain[k - 1], s.plain[k - 1]);
	for (size_t k = 0; k < 5; k++)
		s.special[s.nspecial++] = idxs[k];
	if (am_mt_root(synth_source, &s, n, root) != 0)
		return 1;
	if (am_mt_frontier_load(&f, synth_source, &s, n) != 0) {
		bad = 1;
	} else {
		unsigned char fr[H];
		am_mt_frontier_root(&f, fr);
		bad |= memcmp(fr, root, H) != 0;
	}
	for (size_t k = 0; k < 5; k++) {
		if (idxs[k] >= n)
			continue;
		synth_leaf(&s, idxs[k], leaf);
		if (am_mt_inclusion(synth_source, &s, idxs[k], n, proof, &count) != 0 ||
		    am_mt_verify_inclusion(idxs[k], n, leaf, AM_MT_CONST(proof), count, root) != 0) {
			fprintf(stderr, "    inclusion (%" PRIu64 ", %" PRIu64 ") failed\n", idxs[k], n);
			bad = 1;
		}
		/* and not for the neighbouring index */
		if (n > 1 && am_mt_verify_inclusion(idxs[k] ^ 1, n, leaf, AM_MT_CONST(proof), count,
						   root) == 0) {
			fprintf(stderr, "    inclusion (%" PRIu64 ", %" PRIu64 ") accepted at index %" PRIu64
				"\n", idxs[k], n, idxs[k] ^ 1);
			bad = 1;
		}
	}
	for (size_t k = 0; k < 4; k++) {
		static size_t ranges[2 * 64 + 8][2];
		unsigned char rm[H];
		size_t want = 0;
		if (ms[k] == 0 || ms[k] >= n)
			continue;
		/*
		 * PROOF(m, D[n]) can hold 65 hashes when n > 2^63 (m = 3, say):
		 * more than AM_MT_MAX_PROOF, so it must be refused, cleanly.
		 */
		naive_ranges_sub(ms[k], 0, n, 1, ranges, &want);
		if (want > AM_MT_MAX_PROOF) {
			if (am_mt_consistency(synth_source, &s, ms[k], n, proof, &count) == 0) {
				fprintf(stderr, "    consistency (%" PRIu64 ", %" PRIu64 ") of %zu hashes "
					"was not refused\n", ms[k], n, want);
				bad = 1;
			}
			continue;
		}
		if (am_mt_root(synth_source, &s, ms[k], rm) != 0 ||
		    am_mt_consistency(synth_source, &s, ms[k], n, proof, &count) != 0 || count != want ||
		    am_mt_verify_consistency(ms[k], n, rm, root, AM_MT_CONST(proof), count) != 0) {
			fprintf(stderr, "    consistency (%" PRIu64 ", %" PRIu64 ") failed\n", ms[k], n);
			bad = 1;
		}
	}
	return bad;
}

/*
 * Each size in a child of its own, all at once, so that a hang is a failure
 * (after 3 s), not a stuck test.
 */
static void test_big_trees(void)
{
	static const uint64_t sizes[] = {
		2,
		(uint64_t)1 << 32,
		((uint64_t)1 << 40) + 12345,
		((uint64_t)1 << 62) + 3,
		(uint64_t)1 << 63,
		((uint64_t)1 << 63) + 1,
		UINT64_MAX - 1,
		UINT64_MAX,
	};
	enum { NS = sizeof(sizes) / sizeof(sizes[0]) };
	pid_t pid[NS];

	fflush(NULL);
	for (size_t i = 0; i < NS; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			alarm(3);
			_exit(big_tree(sizes[i]));
		}
		CHECK(pid[i] > 0);
	}
	for (size_t i = 0; i < NS; i++) {
		int status = 0;

		if (pid[i] <= 0)
			continue;
		CHECK(waitpid(pid[i], &status, 0) == pid[i]);
		CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		       "proofs in a tree of %" PRIu64 " leaves: %s", sizes[i],
		       WIFSIGNALED(status) ? (WTERMSIG(status) == SIGALRM ? "hung (killed after 3 s)"
									  : "crashed")
					   : "wrong result");
	}
}

int main(void)
{
	static struct model m;

	if (am_crypto_init() != 0) {
		fprintf(stderr, "cannot initialise crypto\n");
		return 2;
	}
	test_reference_vectors();
	model_init(&m, NMAX + 2);
	test_inclusion_all(&m);
	test_consistency_all(&m);
	test_failing_source(&m);
	model_free(&m);
	test_frontier();
	test_big_trees();
	return check_done();
}
