/*
 * merkle.h — RFC 9162 (RFC 6962) Merkle trees over SHA-256: hashing, proof
 * generation and proof verification.  Pure functions over hashes: no storage,
 * no trust.  Used by the vault and by `amanat check-proof`, which has no vault.
 */
#ifndef AMANAT_MERKLE_H
#define AMANAT_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"

#define AM_MT_HASH 32
#define AM_MT_MAX_PROOF 64
/* Pass a proof array to the verifiers, which take it read-only. */
#define AM_MT_CONST(p) ((const unsigned char(*)[AM_MT_HASH])(p))

/* SHA-256(0x00 || data): the hash of a leaf whose input is data. */
void am_mt_leaf_hash(unsigned char out[AM_MT_HASH], const void *data, size_t n);
/* SHA-256(0x01 || left || right). */
void am_mt_node_hash(unsigned char out[AM_MT_HASH], const unsigned char l[AM_MT_HASH],
		     const unsigned char r[AM_MT_HASH]);
/* The root of the empty tree: SHA-256 of nothing. */
void am_mt_empty_root(unsigned char out[AM_MT_HASH]);

/*
 * A source of perfect subtree hashes: MTH(D[lo:hi]) where hi - lo is a power
 * of two and lo is a multiple of it (a single leaf when hi - lo == 1).
 * Returns 0, or -1 when it cannot (storage error, missing node).
 */
typedef int (*am_mt_source)(void *ctx, uint64_t lo, uint64_t hi, unsigned char out[AM_MT_HASH]);

/* MTH(D[lo:hi]) for a range the RFC's recursion produces; 0 or -1. */
int am_mt_range(am_mt_source src, void *ctx, uint64_t lo, uint64_t hi,
		unsigned char out[AM_MT_HASH]);
/* The root of the tree of size n (n == 0: the empty root). */
int am_mt_root(am_mt_source src, void *ctx, uint64_t n, unsigned char out[AM_MT_HASH]);
/* PATH(index, D[size]) of RFC 6962 §2.1.1, leaf's sibling first. */
int am_mt_inclusion(am_mt_source src, void *ctx, uint64_t index, uint64_t size,
		    unsigned char proof[][AM_MT_HASH], size_t *count);
/* PROOF(m, D[n]) of RFC 6962 §2.1.2; empty when m == 0 or m == n. */
int am_mt_consistency(am_mt_source src, void *ctx, uint64_t m, uint64_t n,
		      unsigned char proof[][AM_MT_HASH], size_t *count);

/* RFC 9162 §2.1.3.2: 0 when leaf is at index in the tree with root. */
AM_WUR int am_mt_verify_inclusion(uint64_t index, uint64_t size,
				  const unsigned char leaf[AM_MT_HASH],
				  const unsigned char proof[][AM_MT_HASH], size_t count,
				  const unsigned char root[AM_MT_HASH]);
/*
 * RFC 9162 §2.1.4.2: 0 when the tree (n, root_n) extends (m, root_m).
 * m == n needs an empty proof and equal roots; m == 0 needs an empty proof.
 */
AM_WUR int am_mt_verify_consistency(uint64_t m, uint64_t n,
				    const unsigned char root_m[AM_MT_HASH],
				    const unsigned char root_n[AM_MT_HASH],
				    const unsigned char proof[][AM_MT_HASH], size_t count);

/*
 * A streaming tree: the roots of the perfect subtrees that make up the first
 * n leaves, largest first (at most 64).  Appending costs O(1) amortised and
 * reports each perfect subtree it completes, so a caller can compare them
 * with stored nodes.
 */
struct am_mt_frontier {
	uint64_t n;
	unsigned char h[64][AM_MT_HASH];
	unsigned levels[64];
	size_t depth;
};
void am_mt_frontier_init(struct am_mt_frontier *f);
/*
 * Append a leaf hash.  For every perfect subtree completed (the leaf itself
 * at level 0, then merges), calls done(ctx, level, index, hash) if done is
 * set; a non-zero return stops and is returned.
 */
int am_mt_frontier_add(struct am_mt_frontier *f, const unsigned char leaf[AM_MT_HASH],
		       int (*done)(void *ctx, unsigned level, uint64_t index,
				   const unsigned char h[AM_MT_HASH]),
		       void *ctx);
void am_mt_frontier_root(const struct am_mt_frontier *f, unsigned char out[AM_MT_HASH]);
/* Load the frontier of size n from a source of perfect subtrees. */
int am_mt_frontier_load(struct am_mt_frontier *f, am_mt_source src, void *ctx, uint64_t n);

#endif
