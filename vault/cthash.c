/* cthash.c — the content hash of cthash.h (docs/FORMAT.md §12, §28). */
#include "cthash.h"

#include <string.h>

#include "../common/bytes.h"

void am_ct_hash_init(struct am_ct_hash *h, unsigned flags)
{
	memset(h, 0, sizeof(*h));
	h->per_chunk = (flags & AM_HF_CHUNK_HASHED) != 0;
	am_sha256_init(&h->c);
	if (h->per_chunk)
		am_sha256_update(&h->c, (const unsigned char *)AM_DOM_CTHASH,
				 sizeof(AM_DOM_CTHASH));
}

void am_ct_chunk_hash(unsigned char out[AM_HASH_LEN], const unsigned char *ct, size_t n)
{
	am_sha256_ctx c;
	unsigned char len[4];

	am_put_u32(len, (uint32_t)n);
	am_sha256_init(&c);
	am_sha256_update(&c, len, 4);
	am_sha256_update(&c, ct, n);
	am_sha256_final(&c, out);
}

void am_ct_hash_add(struct am_ct_hash *h, const unsigned char *ct, size_t n)
{
	unsigned char len[4], leaf[AM_HASH_LEN];

	if (h->per_chunk) {
		am_ct_chunk_hash(leaf, ct, n);
		am_ct_hash_add_leaf(h, leaf, n);
		return;
	}
	am_put_u32(len, (uint32_t)n);
	am_sha256_update(&h->c, len, 4);
	am_sha256_update(&h->c, ct, n);
	h->chunks++;
	h->bytes += n;
}

void am_ct_hash_add_leaf(struct am_ct_hash *h, const unsigned char leaf[AM_HASH_LEN], size_t n)
{
	am_sha256_update(&h->c, leaf, AM_HASH_LEN);
	h->chunks++;
	h->bytes += n;
}

void am_ct_hash_final(struct am_ct_hash *h, unsigned char out[AM_HASH_LEN])
{
	am_sha256_final(&h->c, out);
}
