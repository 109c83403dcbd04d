/*
 * test_bwrap.c — batch wraps (docs/FORMAT.md §29): a batch's wraps open to
 * each entry's own key for each custodian; a wrong key, a flipped byte of
 * epk, nonce, ciphertext or recipient key, a wrap moved to another entry of
 * the same batch or moved from another batch, all fail; the reader's cache
 * of wrap keys gives the same keys as a fresh derivation and never lends a
 * wrap key to another epk or another secret key; the block's shape follows
 * the flag.  And the known answers of tests/vectors/bwrap.txt (§29's vector,
 * every input fixed): `test_bwrap --generate` prints them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault_int.h"
#include "vault/bwrap.h"
#include "check.h"
#include "vectors.h"

#define ITEM (AM_BOX_PK_LEN + AM_BWRAP_LEN)

struct who {
	unsigned char pk[AM_BOX_PK_LEN], sk[AM_BOX_SK_LEN];
};

/* n custodians sorted by public key. */
static void custodians(struct who *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		CHECK(am_box_keypair(c[i].pk, c[i].sk) == 0);
		for (size_t j = i; j > 0 && memcmp(c[j - 1].pk, c[j].pk, AM_BOX_PK_LEN) > 0; j--) {
			struct who t = c[j];
			c[j] = c[j - 1];
			c[j - 1] = t;
		}
	}
}

/* The wrap (epk || nonce || ct) of custodian k in block w of n items. */
static unsigned char *item_of(struct am_buf *w, size_t k)
{
	return w->data + 4 + k * ITEM + AM_BOX_PK_LEN;
}

/* Open with a fresh vault handle (an empty cache), so that no cache helps. */
static int open_fresh(unsigned char *key, const unsigned char *wrap, const unsigned char *vid,
		      const unsigned char *uid, const struct who *c)
{
	struct am_vault v;
	int rc;

	memset(&v, 0, sizeof(v));
	rc = am_bwrap_open(&v, key, wrap, vid, uid, c->pk, c->sk);
	am_bwrap_cache_free(&v);
	return rc;
}

/* ---- the vector (tests/vectors/bwrap.txt) ------------------------------------- */

static struct vecs vs;
static size_t vchecked;
static int generating;

static void pattern(unsigned char *p, unsigned char s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(s + i);
}

static void load(void)
{
	CHECK(vecs_load(&vs, "bwrap.txt") == 0);
}

static void known(const char *name, const unsigned char *p, size_t n)
{
	const struct vec *v;

	if (generating) {
		char hex[2 * 256 + 1];
		am_hex(hex, p, n);
		printf("%s = %s\n", name, hex);
		return;
	}
	v = vecs_get(&vs, name);
	CHECKF(v != NULL && v->n == n && memcmp(v->v, p, n) == 0, "vector %s differs", name);
	vchecked++;
}

/*
 * FORMAT.md §29's vector: custodian X25519 secret pattern(0x60, 32) (§23's
 * custodian), batch ephemeral secret pattern(0x70, 32), vault id
 * pattern(0x90, 16), uid pattern(0xb0, 16), content key pattern(0x80, 32),
 * nonce pattern(0xd0, 24).  Built here from the primitives as §29 says; the
 * reader (am_bwrap_open) must open it.
 */
static void vector(void)
{
	unsigned char sk[32], pk[32], esk[32], epk[32], vid[16], uid[16], key[32], nonce[24];
	unsigned char kw[32], ad[80], ct[48], got[32], h[AM_HASH_LEN];
	struct am_vault v;
	struct am_buf blk;

	pattern(sk, 0x60, 32);
	pattern(esk, 0x70, 32);
	pattern(vid, 0x90, 16);
	pattern(uid, 0xb0, 16);
	pattern(key, 0x80, 32);
	pattern(nonce, 0xd0, 24);
	CHECK(am_box_public(pk, sk) == 0 && am_box_public(epk, esk) == 0);
	CHECK(am_bwrap_key(kw, esk, pk, epk, pk) == 0);
	memcpy(ad, "amanat-bwrap-v1", 16);
	memcpy(ad + 16, vid, 16);
	memcpy(ad + 32, uid, 16);
	memcpy(ad + 48, pk, 32);
	CHECK(am_aead_seal(ct, key, 32, ad, sizeof(ad), nonce, kw) == 0);
	am_buf_init(&blk);
	am_buf_u32(&blk, 1);
	am_buf_add(&blk, pk, 32);
	am_buf_add(&blk, epk, 32);
	am_buf_add(&blk, nonce, 24);
	am_buf_add(&blk, ct, 48);
	am_sha256(h, blk.data, blk.len);
	if (generating)
		printf("# amanat format version 1: batch wraps (docs/FORMAT.md §29).\n"
		       "# Written by `test_bwrap --generate`; every line is \"name = lowercase hex\".\n");
	known("custodian.box_pk", pk, 32);
	known("epk", epk, 32);
	known("kw", kw, 32);
	known("ad", ad, sizeof(ad));
	known("ct", ct, sizeof(ct));
	known("block", blk.data, blk.len);
	known("block_hash", h, sizeof(h));
	/* the reader opens it: the wrap key from the custodian's side is the same */
	memset(&v, 0, sizeof(v));
	CHECK(am_bwrap_open(&v, got, blk.data + 4 + 32, vid, uid, pk, sk) == 0 &&
	      memcmp(got, key, 32) == 0);
	am_bwrap_cache_free(&v);
	am_buf_release(&blk);
	if (!generating)
		CHECKF(vchecked == vs.n && vs.n == 7, "%zu vectors in the file, %zu checked", vs.n,
		       vchecked);
}

int main(int argc, char **argv)
{
	struct who c[3], other;
	unsigned char vid[AM_VAULT_ID_LEN], uid[4][AM_UID_LEN], key[4][AM_KEY_LEN];
	unsigned char got[AM_KEY_LEN], bad[AM_BWRAP_LEN], pks[3 * AM_BOX_PK_LEN];
	struct am_buf w[4];
	struct am_bwrap *b1, *b2;
	struct am_rpool *rp;
	struct am_wraps ws;
	struct am_vault v;

	CHECK(am_crypto_init() == 0);
	generating = argc > 1 && strcmp(argv[1], "--generate") == 0;
	if (!generating)
		load();
	vector();
	if (generating)
		return 0;
	custodians(c, 3);
	custodians(&other, 1);
	for (size_t i = 0; i < 3; i++)
		memcpy(pks + i * AM_BOX_PK_LEN, c[i].pk, AM_BOX_PK_LEN);
	am_random(vid, sizeof(vid));
	/* entries 0 and 1 in batch 1, 2 and 3 in batch 2 */
	rp = am_rpool_new();
	CHECK(rp != NULL);
	b1 = am_bwrap_start(pks, 3);
	b2 = am_bwrap_start(pks, 3);
	CHECK(b1 != NULL && b2 != NULL);
	CHECK(am_bwrap_for(b1, pks, 3) && !am_bwrap_for(b1, pks, 2) &&
	      !am_bwrap_for(b1, pks + AM_BOX_PK_LEN, 2));
	for (size_t e = 0; e < 4; e++) {
		am_random(uid[e], AM_UID_LEN);
		am_random(key[e], AM_KEY_LEN);
		am_buf_init(&w[e]);
		CHECK(am_bwrap_seal(e < 2 ? b1 : b2, e == 1 ? rp : NULL, key[e], vid, uid[e],
				    &w[e]) == 0);
		CHECK(w[e].len == 4 + 3 * ITEM);
		CHECK(am_wraps_parse_as(w[e].data, w[e].len, AM_HF_BWRAP, &ws) == 0 && ws.n == 3 &&
		      ws.item == ITEM);
		/* the same bytes are no §14 block */
		CHECK(am_wraps_parse_as(w[e].data, w[e].len, 0, &ws) != 0);
		CHECK(am_wraps_parse(w[e].data, w[e].len, &ws) != 0);
		CHECK(am_wraps_parse_as(w[e].data, w[e].len - 1, AM_HF_BWRAP, &ws) != 0);
		for (size_t k = 0; k < 3; k++)
			CHECK(memcmp(w[e].data + 4 + k * ITEM, c[k].pk, AM_BOX_PK_LEN) == 0);
	}
	/* round trip: every custodian opens every entry to that entry's key */
	for (size_t e = 0; e < 4; e++)
		for (size_t k = 0; k < 3; k++)
			CHECKF(open_fresh(got, item_of(&w[e], k), vid, uid[e], &c[k]) == 0 &&
			       memcmp(got, key[e], AM_KEY_LEN) == 0, "entry %zu custodian %zu", e, k);
	/* one epk per custodian per batch; another batch, another epk; nonces all differ */
	CHECK(memcmp(item_of(&w[0], 1), item_of(&w[1], 1), AM_BOX_PK_LEN) == 0);
	CHECK(memcmp(item_of(&w[0], 1), item_of(&w[2], 1), AM_BOX_PK_LEN) != 0);
	CHECK(memcmp(item_of(&w[0], 0), item_of(&w[0], 1), AM_BOX_PK_LEN) != 0);
	CHECK(memcmp(item_of(&w[0], 1) + 32, item_of(&w[1], 1) + 32, AM_NONCE_LEN) != 0);
	/* wrong secret key; another custodian's item; a stranger */
	{
		struct who mixed = c[0];
		memcpy(mixed.sk, c[1].sk, AM_BOX_SK_LEN);
		CHECK(open_fresh(got, item_of(&w[0], 0), vid, uid[0], &mixed) != 0);
		CHECK(open_fresh(got, item_of(&w[0], 1), vid, uid[0], &c[0]) != 0);
		CHECK(open_fresh(got, item_of(&w[0], 0), vid, uid[0], &other) != 0);
		for (size_t i = 0; i < AM_KEY_LEN; i++)
			CHECK(got[i] == 0); /* a failure leaves nothing plausible */
	}
	/* every bit of epk, nonce and ciphertext matters, and so do pk, uid and vault id */
	for (size_t bit = 0; bit < 8 * AM_BWRAP_LEN; bit++) {
		memcpy(bad, item_of(&w[1], 2), AM_BWRAP_LEN);
		bad[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		CHECKF(open_fresh(got, bad, vid, uid[1], &c[2]) != 0, "bit %zu of the wrap", bit);
	}
	{
		struct who flipped = c[2];
		unsigned char uid2[AM_UID_LEN], vid2[AM_VAULT_ID_LEN];
		flipped.pk[5] ^= 1;
		CHECK(open_fresh(got, item_of(&w[1], 2), vid, uid[1], &flipped) != 0);
		memcpy(uid2, uid[1], AM_UID_LEN);
		uid2[0] ^= 0x80;
		CHECK(open_fresh(got, item_of(&w[1], 2), vid, uid2, &c[2]) != 0);
		memcpy(vid2, vid, AM_VAULT_ID_LEN);
		vid2[15] ^= 1;
		CHECK(open_fresh(got, item_of(&w[1], 2), vid2, uid[1], &c[2]) != 0);
	}
	/* a wrap moved to another entry of the same batch, or from another batch */
	CHECK(open_fresh(got, item_of(&w[1], 0), vid, uid[0], &c[0]) != 0);
	CHECK(open_fresh(got, item_of(&w[2], 0), vid, uid[0], &c[0]) != 0);
	{
		/* batch 2 sealing for entry 0's uid: its nonce and ciphertext under batch 1's epk */
		struct am_buf x;
		am_buf_init(&x);
		CHECK(am_bwrap_seal(b2, NULL, key[0], vid, uid[0], &x) == 0);
		memcpy(bad, item_of(&w[0], 0), AM_BOX_PK_LEN);
		memcpy(bad + AM_BOX_PK_LEN, item_of(&x, 0) + AM_BOX_PK_LEN, AM_BWRAP_LEN - AM_BOX_PK_LEN);
		CHECK(open_fresh(got, bad, vid, uid[0], &c[0]) != 0);
		/* and whole, it opens: the failure above is the swap */
		CHECK(open_fresh(got, item_of(&x, 0), vid, uid[0], &c[0]) == 0 &&
		      memcmp(got, key[0], AM_KEY_LEN) == 0);
		am_buf_release(&x);
	}
	/* the cache: the same keys as fresh, across batches interleaved, never lent */
	memset(&v, 0, sizeof(v));
	for (int round = 0; round < 3; round++)
		for (size_t e = 0; e < 4; e++) {
			size_t order = (e * 3 + (size_t)round) % 4;
			CHECKF(am_bwrap_open(&v, got, item_of(&w[order], 1), vid, uid[order], c[1].pk,
					     c[1].sk) == 0 &&
			       memcmp(got, key[order], AM_KEY_LEN) == 0, "cached, entry %zu", order);
		}
	CHECK(v.kwc != NULL);
	{
		/* the cached (epk, pk) with a wrong sk: derived afresh, so it fails */
		unsigned char wrong[AM_BOX_SK_LEN];
		memcpy(wrong, c[0].sk, AM_BOX_SK_LEN);
		CHECK(am_bwrap_open(&v, got, item_of(&w[0], 1), vid, uid[0], c[1].pk, wrong) != 0);
		/* batch 1's epk with batch 2's nonce and ciphertext: the cached key does not open it */
		memcpy(bad, item_of(&w[0], 1), AM_BOX_PK_LEN);
		memcpy(bad + AM_BOX_PK_LEN, item_of(&w[2], 1) + AM_BOX_PK_LEN,
		       AM_BWRAP_LEN - AM_BOX_PK_LEN);
		CHECK(am_bwrap_open(&v, got, bad, vid, uid[2], c[1].pk, c[1].sk) != 0);
		/* more epks than the cache holds: still right, by fresh derivation */
		for (int i = 0; i < 40; i++) {
			struct am_bwrap *bn = am_bwrap_start(pks, 3);
			struct am_buf x;
			am_buf_init(&x);
			CHECK(bn != NULL && am_bwrap_seal(bn, NULL, key[3], vid, uid[3], &x) == 0);
			CHECK(am_bwrap_open(&v, got, item_of(&x, 2), vid, uid[3], c[2].pk, c[2].sk) == 0 &&
			      memcmp(got, key[3], AM_KEY_LEN) == 0);
			CHECK(am_bwrap_open(&v, got, item_of(&w[i % 4], 2), vid, uid[i % 4], c[2].pk,
					    c[2].sk) == 0 &&
			      memcmp(got, key[i % 4], AM_KEY_LEN) == 0);
			am_buf_release(&x);
			am_bwrap_free(bn);
		}
	}
	am_bwrap_cache_free(&v);
	CHECK(v.kwc == NULL);
	/* a low-order ephemeral key derives nothing */
	memset(bad, 0, sizeof(bad));
	CHECK(open_fresh(got, bad, vid, uid[0], &c[0]) != 0);
	{
		unsigned char kw[AM_KEY_LEN], zero[AM_BOX_PK_LEN] = { 0 };
		CHECK(am_bwrap_key(kw, c[0].sk, zero, zero, c[0].pk) != 0);
	}
	for (size_t e = 0; e < 4; e++)
		am_buf_release(&w[e]);
	/* a wrap key serves AM_BWRAP_MAX_USES entries and then asks to be renewed */
	{
		struct am_bwrap *bn = am_bwrap_start(pks, 3);
		struct am_buf x;
		size_t used = 0;
		am_buf_init(&x);
		while (bn != NULL && am_bwrap_for(bn, pks, 3) && used <= AM_BWRAP_MAX_USES) {
			x.len = 0;
			CHECK(am_bwrap_seal(bn, NULL, key[0], vid, uid[0], &x) == 0);
			used++;
		}
		CHECKF(used == AM_BWRAP_MAX_USES, "a wrap key served %zu entries", used);
		am_buf_release(&x);
		am_bwrap_free(bn);
	}
	am_bwrap_free(b1);
	am_rpool_free(rp);
	am_bwrap_free(b2);
	vecs_free(&vs);
	return check_done();
}
