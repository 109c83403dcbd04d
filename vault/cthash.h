/*
 * cthash.h — the content hash of an entry's chunk ciphertexts (docs/FORMAT.md
 * §12 and §28), the one implementation every reader and writer uses: sealing,
 * extraction, verification, transfer packets and imports.
 *
 * Two rules, chosen by the header's flag bit 1 (AM_HF_CHUNK_HASHED):
 *   unset (§12): ct_hash = H(u32(len(ct_0)) || ct_0 || u32(len(ct_1)) || ct_1 || ...)
 *   set   (§28): c_i = H(u32(len(ct_i)) || ct_i),
 *                ct_hash = H(DOM_CTHASH || c_0 || c_1 || ... || c_{n-1})
 * Under §28 each c_i depends on one chunk only, so chunks can be hashed on any
 * core in any order (am_ct_chunk_hash) and fed in order (am_ct_hash_add_leaf).
 */
#ifndef AMANAT_CTHASH_H
#define AMANAT_CTHASH_H

#include <stddef.h>
#include <stdint.h>

#include "../crypto/crypto.h"

/* Header flag bit 1 (FORMAT §5, §28): ct_hash is over per-chunk hashes. */
#define AM_HF_CHUNK_HASHED 2u
/* §28's domain string, used with its NUL (18 bytes). */
#define AM_DOM_CTHASH "amanat-ct-hash-v1"

struct am_ct_hash {
	am_sha256_ctx c;
	int per_chunk;   /* §28 */
	uint64_t chunks; /* fed so far */
	uint64_t bytes;  /* Σ len(ct_i) so far */
};

/* Start the content hash of an entry whose header flags are flags. */
void am_ct_hash_init(struct am_ct_hash *h, unsigned flags);
/* c_i = H(u32(n) || ct): one chunk's hash under §28, independent of the others. */
void am_ct_chunk_hash(unsigned char out[AM_HASH_LEN], const unsigned char *ct, size_t n);
/* Feed the next chunk ciphertext, in order (either rule). */
void am_ct_hash_add(struct am_ct_hash *h, const unsigned char *ct, size_t n);
/* Feed the next chunk by its §28 hash (from am_ct_chunk_hash), in order; §28 only. */
void am_ct_hash_add_leaf(struct am_ct_hash *h, const unsigned char leaf[AM_HASH_LEN], size_t n);
/* The content hash; h may not be used again before am_ct_hash_init. */
void am_ct_hash_final(struct am_ct_hash *h, unsigned char out[AM_HASH_LEN]);

#endif
