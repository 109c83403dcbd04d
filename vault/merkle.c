/*
 * merkle.c — RFC 9162 Merkle tree hashing, proofs and their verification.
 *
 * Generation follows the recursive definitions of RFC 6962 §2.1 over ranges
 * [lo, hi); verification follows the iterative algorithms of RFC 9162
 * §2.1.3.2 and §2.1.4.2 word for word, since those are what independent
 * verifiers implement.
 */
#include "merkle.h"

#include <string.h>

#include "../crypto/crypto.h"

void am_mt_leaf_hash(unsigned char out[AM_MT_HASH], const void *data, size_t n)
{
	am_sha256_ctx c;
	unsigned char z = 0x00;

	am_sha256_init(&c);
	am_sha256_update(&c, &z, 1);
	am_sha256_update(&c, data, n);
	am_sha256_final(&c, out);
}

void am_mt_node_hash(unsigned char out[AM_MT_HASH], const unsigned char l[AM_MT_HASH],
		     const unsigned char r[AM_MT_HASH])
{
	am_sha256_ctx c;
	unsigned char one = 0x01;

	am_sha256_init(&c);
	am_sha256_update(&c, &one, 1);
	am_sha256_update(&c, l, AM_MT_HASH);
	am_sha256_update(&c, r, AM_MT_HASH);
	am_sha256_final(&c, out);
}

void am_mt_empty_root(unsigned char out[AM_MT_HASH])
{
	am_sha256(out, "", 0);
}

/* The largest power of two smaller than n (n >= 2). */
static uint64_t split(uint64_t n)
{
	uint64_t k = 1;

	while (k < n - k) /* k * 2 < n, without overflow near 2^64 */
		k <<= 1;
	return k;
}

static int is_pow2(uint64_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

int am_mt_range(am_mt_source src, void *ctx, uint64_t lo, uint64_t hi,
		unsigned char out[AM_MT_HASH])
{
	unsigned char l[AM_MT_HASH], r[AM_MT_HASH];
	uint64_t n = hi - lo, k;

	if (hi <= lo)
		return -1;
	if (is_pow2(n) && lo % n == 0)
		return src(ctx, lo, hi, out);
	k = split(n);
	if (am_mt_range(src, ctx, lo, lo + k, l) != 0 || am_mt_range(src, ctx, lo + k, hi, r) != 0)
		return -1;
	am_mt_node_hash(out, l, r);
	return 0;
}

int am_mt_root(am_mt_source src, void *ctx, uint64_t n, unsigned char out[AM_MT_HASH])
{
	if (n == 0) {
		am_mt_empty_root(out);
		return 0;
	}
	return am_mt_range(src, ctx, 0, n, out);
}

/* PATH(m, D[lo:hi]), appended to proof. */
static int path(am_mt_source src, void *ctx, uint64_t m, uint64_t lo, uint64_t hi,
		unsigned char proof[][AM_MT_HASH], size_t *count)
{
	uint64_t n = hi - lo, k;

	if (n <= 1)
		return 0;
	k = split(n);
	if (m < k) {
		if (path(src, ctx, m, lo, lo + k, proof, count) != 0)
			return -1;
		return *count < AM_MT_MAX_PROOF ? am_mt_range(src, ctx, lo + k, hi, proof[(*count)++])
						: -1;
	}
	if (path(src, ctx, m - k, lo + k, hi, proof, count) != 0)
		return -1;
	return *count < AM_MT_MAX_PROOF ? am_mt_range(src, ctx, lo, lo + k, proof[(*count)++]) : -1;
}

int am_mt_inclusion(am_mt_source src, void *ctx, uint64_t index, uint64_t size,
		    unsigned char proof[][AM_MT_HASH], size_t *count)
{
	*count = 0;
	if (index >= size)
		return -1;
	return path(src, ctx, index, 0, size, proof, count);
}

/* SUBPROOF(m, D[lo:hi], b), appended to proof. */
static int subproof(am_mt_source src, void *ctx, uint64_t m, uint64_t lo, uint64_t hi, int b,
		    unsigned char proof[][AM_MT_HASH], size_t *count)
{
	uint64_t n = hi - lo, k;

	if (m == n) {
		if (b)
			return 0;
		return *count < AM_MT_MAX_PROOF ? am_mt_range(src, ctx, lo, hi, proof[(*count)++])
						: -1;
	}
	k = split(n);
	if (m <= k) {
		if (subproof(src, ctx, m, lo, lo + k, b, proof, count) != 0)
			return -1;
		return *count < AM_MT_MAX_PROOF ? am_mt_range(src, ctx, lo + k, hi, proof[(*count)++])
						: -1;
	}
	if (subproof(src, ctx, m - k, lo + k, hi, 0, proof, count) != 0)
		return -1;
	return *count < AM_MT_MAX_PROOF ? am_mt_range(src, ctx, lo, lo + k, proof[(*count)++]) : -1;
}

int am_mt_consistency(am_mt_source src, void *ctx, uint64_t m, uint64_t n,
		      unsigned char proof[][AM_MT_HASH], size_t *count)
{
	*count = 0;
	if (m > n)
		return -1;
	if (m == 0 || m == n)
		return 0;
	return subproof(src, ctx, m, 0, n, 1, proof, count);
}

int am_mt_verify_inclusion(uint64_t index, uint64_t size, const unsigned char leaf[AM_MT_HASH],
			   const unsigned char proof[][AM_MT_HASH], size_t count,
			   const unsigned char root[AM_MT_HASH])
{
	unsigned char r[AM_MT_HASH];
	uint64_t fn, sn;

	if (index >= size || count > AM_MT_MAX_PROOF)
		return -1;
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, AM_MT_HASH);
	for (size_t i = 0; i < count; i++) {
		if (sn == 0)
			return -1;
		if ((fn & 1) || fn == sn) {
			am_mt_node_hash(r, proof[i], r);
			if (!(fn & 1)) {
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			am_mt_node_hash(r, r, proof[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && am_equal(r, root, AM_MT_HASH) ? 0 : -1;
}

int am_mt_verify_consistency(uint64_t m, uint64_t n, const unsigned char root_m[AM_MT_HASH],
			     const unsigned char root_n[AM_MT_HASH],
			     const unsigned char proof[][AM_MT_HASH], size_t count)
{
	unsigned char fr[AM_MT_HASH], sr[AM_MT_HASH];
	const unsigned char *first;
	uint64_t fn, sn;
	size_t i = 0;

	if (m > n || count > AM_MT_MAX_PROOF)
		return -1;
	if (m == n)
		return count == 0 && am_equal(root_m, root_n, AM_MT_HASH) ? 0 : -1;
	if (m == 0)
		return count == 0 ? 0 : -1;
	if (count == 0)
		return -1;
	/* a power-of-two old tree is itself the first node of the path */
	if (is_pow2(m)) {
		first = root_m;
	} else {
		first = proof[0];
		i = 1;
	}
	fn = m - 1;
	sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, first, AM_MT_HASH);
	memcpy(sr, first, AM_MT_HASH);
	for (; i < count; i++) {
		if (sn == 0)
			return -1;
		if ((fn & 1) || fn == sn) {
			am_mt_node_hash(fr, proof[i], fr);
			am_mt_node_hash(sr, proof[i], sr);
			if (!(fn & 1)) {
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
			}
		} else {
			am_mt_node_hash(sr, sr, proof[i]);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && am_equal(fr, root_m, AM_MT_HASH) && am_equal(sr, root_n, AM_MT_HASH)
		       ? 0
		       : -1;
}

void am_mt_frontier_init(struct am_mt_frontier *f)
{
	memset(f, 0, sizeof(*f));
}

int am_mt_frontier_add(struct am_mt_frontier *f, const unsigned char leaf[AM_MT_HASH],
		       int (*done)(void *ctx, unsigned level, uint64_t index,
				   const unsigned char h[AM_MT_HASH]),
		       void *ctx)
{
	unsigned char cur[AM_MT_HASH];
	unsigned level = 0;
	uint64_t index = f->n;
	int rc;

	memcpy(cur, leaf, AM_MT_HASH);
	if (done != NULL && (rc = done(ctx, 0, index, cur)) != 0)
		return rc;
	/* like a binary counter: equal-sized neighbours merge */
	while (f->depth > 0 && f->levels[f->depth - 1] == level) {
		am_mt_node_hash(cur, f->h[f->depth - 1], cur);
		f->depth--;
		level++;
		index >>= 1;
		if (done != NULL && (rc = done(ctx, level, index, cur)) != 0)
			return rc;
	}
	memcpy(f->h[f->depth], cur, AM_MT_HASH);
	f->levels[f->depth] = level;
	f->depth++;
	f->n++;
	return 0;
}

void am_mt_frontier_root(const struct am_mt_frontier *f, unsigned char out[AM_MT_HASH])
{
	unsigned char r[AM_MT_HASH];

	if (f->depth == 0) {
		am_mt_empty_root(out);
		return;
	}
	memcpy(r, f->h[f->depth - 1], AM_MT_HASH);
	for (size_t i = f->depth - 1; i-- > 0;)
		am_mt_node_hash(r, f->h[i], r);
	memcpy(out, r, AM_MT_HASH);
}

int am_mt_frontier_load(struct am_mt_frontier *f, am_mt_source src, void *ctx, uint64_t n)
{
	uint64_t lo = 0;

	am_mt_frontier_init(f);
	for (int level = 63; level >= 0; level--) {
		uint64_t size = (uint64_t)1 << level;
		if (!(n & size))
			continue;
		if (src(ctx, lo, lo + size, f->h[f->depth]) != 0)
			return -1;
		f->levels[f->depth++] = (unsigned)level;
		lo += size;
	}
	f->n = n;
	return 0;
}
