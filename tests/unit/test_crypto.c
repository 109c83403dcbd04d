/*
 * test_crypto.c — the libsodium (and libcrypto SHA-256) gateway (crypto/crypto.c): codecs, hashing,
 * signatures, key wrapping, AEAD, subkeys and passphrase-hashing bounds.
 * Known-answer vectors for amanat's own structures live in test_vectors.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "check.h"

static int all_zero(const unsigned char *p, size_t n)
{
	unsigned char acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 131 + i * 29 + (i >> 3));
}

/* ---- hex and base64 ------------------------------------------------------ */

static void test_hex(void)
{
	unsigned char in[40], out[40];
	char enc[2 * 40 + 1];

	fill(in, sizeof(in), 1);
	for (size_t n = 0; n <= sizeof(in); n++) {
		am_hex(enc, in, n);
		CHECKF(strlen(enc) == 2 * n, "hex of %zu bytes has length %zu", n, strlen(enc));
		memset(out, 0xaa, sizeof(out));
		CHECKF(am_unhex(out, n, enc, 2 * n) == 0 && memcmp(out, in, n) == 0,
		       "hex round trip of %zu bytes", n);
	}
	am_hex(enc, "\x00\x01\xab\xff", 4);
	CHECK(strcmp(enc, "0001abff") == 0); /* lowercase, no separators */

	/* wrong lengths: one nibble short or long, one byte short or long */
	am_hex(enc, in, 8);
	CHECK(am_unhex(out, 8, enc, 15) == -1);
	CHECK(am_unhex(out, 8, enc, 14) == -1);
	CHECK(am_unhex(out, 7, enc, 16) == -1); /* trailing data */
	CHECK(am_unhex(out, 9, enc, 16) == -1);
	{
		char longer[128];
		snprintf(longer, sizeof(longer), "%s00", enc);
		CHECK(am_unhex(out, 8, longer, 18) == -1);
	}
	/* bad characters, anywhere, and the output is zeroed on failure */
	{
		static const char bad_chars[] = { 'g', 'G', ' ', ':', '\0', '\n', 'x', '-', '\x80',
						  '\xb0', '\xe6', '\xff' };
		for (size_t k = 0; k < sizeof(bad_chars); k++) {
			size_t wrong = 0, first = 0;
			for (size_t pos = 0; pos < 16; pos++) {
				char t[17];
				memcpy(t, enc, 17);
				t[pos] = bad_chars[k];
				memset(out, 0xaa, 8);
				if (am_unhex(out, 8, t, 16) != -1 || !all_zero(out, 8)) {
					if (wrong++ == 0)
						first = pos;
				}
			}
			CHECKF(wrong == 0, "hex with byte %#x: accepted (or output left) at %zu of 16 "
			       "positions, the first at %zu", (unsigned char)bad_chars[k], wrong, first);
		}
	}
}

static void test_b64(void)
{
	unsigned char in[40], out[40];
	char enc[64];

	fill(in, sizeof(in), 2);
	for (size_t n = 0; n <= sizeof(in); n++) {
		am_b64(enc, in, n);
		CHECKF(strlen(enc) == 4 * ((n + 2) / 3), "b64 of %zu bytes has length %zu", n,
		       strlen(enc));
		CHECK(am_b64_len(n) == 4 * ((n + 2) / 3) + 1);
		memset(out, 0xaa, sizeof(out));
		CHECKF(am_unb64(out, n, enc, strlen(enc)) == 0 && memcmp(out, in, n) == 0,
		       "b64 round trip of %zu bytes", n);
	}
	/* standard alphabet with padding (RFC 4648 section 4) */
	am_b64(enc, "\xfb\xff", 2);
	CHECK(strcmp(enc, "+/8=") == 0);
	am_b64(enc, "f", 1);
	CHECK(strcmp(enc, "Zg==") == 0);
	CHECK(am_unb64(out, 2, "+/8=", 4) == 0 && out[0] == 0xfb && out[1] == 0xff);
	CHECK(am_unb64(out, 2, "-_8=", 4) == -1); /* URL-safe alphabet refused */
	CHECK(am_unb64(out, 2, "+/8", 3) == -1);  /* padding required */
	CHECK(am_unb64(out, 1, "Zg=", 3) == -1);
	CHECK(am_unb64(out, 1, "Zg", 2) == -1);
	/* non-zero bits after the last byte: another spelling of the same key */
	CHECK(am_unb64(out, 1, "Zh==", 4) == -1);
	CHECK(am_unb64(out, 2, "+/9=", 4) == -1);

	/* a 32-byte key, as in public key files */
	fill(in, 32, 3);
	am_b64(enc, in, 32);
	CHECK(strlen(enc) == 44);
	CHECK(am_unb64(out, 32, enc, 44) == 0 && memcmp(out, in, 32) == 0);
	CHECK(am_unb64(out, 31, enc, 44) == -1);
	CHECK(am_unb64(out, 33, enc, 44) == -1);
	CHECK(am_unb64(out, 32, enc, 43) == -1);
	{
		char t[128];
		/* trailing data of any kind */
		snprintf(t, sizeof(t), "%sAAAA", enc);
		CHECK(am_unb64(out, 32, t, 48) == -1);
		snprintf(t, sizeof(t), "%s\n", enc);
		CHECK(am_unb64(out, 32, t, 45) == -1);
		/* leading whitespace, shifted */
		snprintf(t, sizeof(t), " %s", enc);
		CHECK(am_unb64(out, 32, t, 44) == -1);
		/* padding in the middle */
		memcpy(t, enc, 45);
		t[20] = '=';
		CHECK(am_unb64(out, 32, t, 44) == -1);
	}
	/* every position, bad characters; output zeroed on failure */
	{
		/* bytes >= 0x80 included: non-ASCII must not decode as some base64 digit */
		static const char bad_chars[] = { '*', ' ', '\0', '\n', '-', '_', '.', '\x80',
						  '\xaf', '\xff' };
		for (size_t k = 0; k < sizeof(bad_chars); k++) {
			size_t wrong = 0, first = 0;
			for (size_t pos = 0; pos < 43; pos++) {
				char t[45];
				memcpy(t, enc, 45);
				t[pos] = bad_chars[k];
				memset(out, 0xaa, 32);
				if (am_unb64(out, 32, t, 44) != -1 || !all_zero(out, 32)) {
					if (wrong++ == 0)
						first = pos;
				}
			}
			CHECKF(wrong == 0, "b64 with byte %#x: accepted (or output left) at %zu of 43 "
			       "positions, the first at %zu", (unsigned char)bad_chars[k], wrong, first);
		}
	}
}

/* ---- hashing ------------------------------------------------------------- */

static void test_hash(void)
{
	/* FIPS 180-2 "abc": a wrong context size or cast would show here */
	static const unsigned char abc256[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	static const unsigned char abc512_head[8] = { 0xdd, 0xaf, 0x35, 0xa1, 0x93, 0x61, 0x7a, 0xba };
	unsigned char h[32], h2[32], h512[64];
	unsigned char msg[200];
	am_sha256_ctx c;
	am_sha512_ctx c5;

	am_sha256(h, "abc", 3);
	CHECK(memcmp(h, abc256, 32) == 0);
	am_sha512_init(&c5);
	am_sha512_update(&c5, "a", 1);
	am_sha512_update(&c5, "bc", 2);
	am_sha512_final(&c5, h512);
	CHECK(memcmp(h512, abc512_head, 8) == 0);

	/* streaming at every split point equals one shot */
	fill(msg, sizeof(msg), 4);
	am_sha256(h, msg, sizeof(msg));
	for (size_t split = 0; split <= sizeof(msg); split++) {
		am_sha256_init(&c);
		am_sha256_update(&c, msg, split);
		am_sha256_update(&c, msg + split, sizeof(msg) - split);
		am_sha256_final(&c, h2);
		CHECKF(memcmp(h, h2, 32) == 0, "split at %zu", split);
	}

	/* key id: the first 8 bytes of SHA-256(pk) */
	{
		unsigned char pk[32], id[8];
		fill(pk, 32, 5);
		am_key_id(id, pk);
		am_sha256(h, pk, 32);
		CHECK(memcmp(id, h, 8) == 0);
	}
}

/* xorshift64: reproducible "random" splits, so a failure can be replayed */
static uint64_t rnd_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Stream p[0..n) into a context in pieces of 0..maxpiece bytes. */
static void sha256_pieces(unsigned char out[32], const unsigned char *p, size_t n,
			  size_t maxpiece)
{
	am_sha256_ctx c;
	size_t off = 0;

	am_sha256_init(&c);
	while (off < n) {
		size_t take = (size_t)(rnd() % (maxpiece + 1));
		if (take > n - off)
			take = n - off;
		am_sha256_update(&c, p + off, take);
		off += take;
	}
	am_sha256_update(&c, p + n, 0);
	am_sha256_final(&c, out);
}

/*
 * am_sha256 is libcrypto's (hardware SHA extensions): it must equal
 * libsodium's portable SHA-256, the one every vault so far was sealed with,
 * on every length across the block and padding boundaries, one shot and
 * streamed, and on streams of several MiB.
 */
static void test_hash_cross(void)
{
	static const unsigned char empty[32] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
		0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
	};
	/* FIPS 180-2 two-block message and one million 'a' */
	static const unsigned char two_block[32] = {
		0x24, 0x8d, 0x6a, 0x61, 0xd2, 0x06, 0x38, 0xb8, 0xe5, 0xc0, 0x26, 0x93, 0x0c, 0x3e, 0x60, 0x39,
		0xa3, 0x3c, 0xe4, 0x59, 0x64, 0xff, 0x21, 0x67, 0xf6, 0xec, 0xed, 0xd4, 0x19, 0xdb, 0x06, 0xc1,
	};
	static const unsigned char million_a[32] = {
		0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7, 0xe2, 0x84, 0xd7, 0x3e, 0x67,
		0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97, 0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0,
	};
	const char *tb = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	unsigned char h[32], want[32];
	unsigned char *big;
	size_t bign = (size_t)9 << 20;
	am_sha256_ctx c;

	am_sha256(h, "", 0);
	CHECK(memcmp(h, empty, 32) == 0);
	am_sha256(h, NULL, 0);
	CHECK(memcmp(h, empty, 32) == 0);
	am_sha256_init(&c);
	am_sha256_final(&c, h);
	CHECK(memcmp(h, empty, 32) == 0);
	am_sha256(h, tb, strlen(tb));
	CHECK(memcmp(h, two_block, 32) == 0);

	big = malloc(bign + 1);
	CHECK(big != NULL);
	if (big == NULL)
		return;

	memset(big, 'a', 1000000);
	am_sha256(h, big, 1000000);
	CHECK(memcmp(h, million_a, 32) == 0);
	sha256_pieces(h, big, 1000000, 1000);
	CHECK(memcmp(h, million_a, 32) == 0);

	/* every length 0..1025: one shot, and streamed in random pieces */
	fill(big, 1025, 11);
	for (size_t n = 0; n <= 1025; n++) {
		am_sha256_portable(want, big, n);
		am_sha256(h, big, n);
		CHECKF(memcmp(h, want, 32) == 0, "one shot, length %zu", n);
		for (int k = 0; k < 4; k++) {
			sha256_pieces(h, big, n, k == 0 ? 1 : k == 1 ? 7 : k == 2 ? 65 : 300);
			CHECKF(memcmp(h, want, 32) == 0, "streamed (%d), length %zu", k, n);
		}
	}

	/* multi-MiB streams, in chunk-sized and random pieces, around 1 MiB chunks */
	for (size_t i = 0; i < bign + 1; i++)
		big[i] = (unsigned char)(rnd() >> 56);
	{
		const size_t lens[] = { (size_t)1 << 20, ((size_t)1 << 20) + 1,
					((size_t)3 << 20) - 1, bign + 1 };
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			size_t n = lens[i];
			am_sha256_portable(want, big, n);
			am_sha256(h, big, n);
			CHECKF(memcmp(h, want, 32) == 0, "one shot, %zu bytes", n);
			sha256_pieces(h, big, n, (size_t)1 << 20);
			CHECKF(memcmp(h, want, 32) == 0, "streamed up to 1 MiB, %zu bytes", n);
			sha256_pieces(h, big, n, 4099);
			CHECKF(memcmp(h, want, 32) == 0, "streamed up to 4 KiB, %zu bytes", n);
		}
	}
	/* unaligned input */
	am_sha256_portable(want, big + 3, ((size_t)2 << 20) + 5);
	am_sha256(h, big + 3, ((size_t)2 << 20) + 5);
	CHECK(memcmp(h, want, 32) == 0);

	/* final wipes the context (libsodium's final did too) */
	am_sha256_init(&c);
	am_sha256_update(&c, big, 100);
	am_sha256_final(&c, h);
	CHECK(all_zero(c.opaque, sizeof(c.opaque)));
	free(big);
}

static void test_equal(void)
{
	unsigned char a[64], b[64];

	fill(a, 64, 6);
	memcpy(b, a, 64);
	CHECK(am_equal(a, b, 64) == 1);
	CHECK(am_equal(a, b, 0) == 1);
	for (size_t i = 0; i < 64; i++) {
		b[i] ^= 0x80;
		CHECKF(am_equal(a, b, 64) == 0, "difference at %zu not seen", i);
		b[i] ^= 0x80;
	}
	b[63] ^= 1;
	CHECK(am_equal(a, b, 63) == 1); /* only n bytes compared */
}

/* ---- signatures ---------------------------------------------------------- */

static void test_sign(void)
{
	unsigned char seed[32], pk[32], pk2[32], sig[64], sig2[64], msg[64];
	unsigned char *sk = am_secure_alloc(AM_SIGN_SK_LEN);
	unsigned char *sk2 = am_secure_alloc(AM_SIGN_SK_LEN);
	/* the group order L, little-endian: S + L is S spelt another way */
	static const unsigned char L[32] = {
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	};

	CHECK(sk != NULL && sk2 != NULL);
	if (sk == NULL || sk2 == NULL)
		goto out;
	fill(seed, 32, 7);
	CHECK(am_sign_seed_keypair(pk, sk, seed) == 0);
	CHECK(am_sign_seed_keypair(pk2, sk2, seed) == 0);
	CHECK(memcmp(pk, pk2, 32) == 0 && memcmp(sk, sk2, 64) == 0); /* deterministic */
	CHECK(memcmp(sk, seed, 32) == 0 && memcmp(sk + 32, pk, 32) == 0); /* seed || pk */

	fill(msg, sizeof(msg), 8);
	CHECK(am_sign(sig, msg, sizeof(msg), sk) == 0);
	CHECK(am_sign_verify(sig, msg, sizeof(msg), pk) == 0);
	CHECK(am_sign(sig2, msg, sizeof(msg), sk) == 0);
	CHECK(memcmp(sig, sig2, 64) == 0); /* Ed25519 is deterministic */

	for (size_t bit = 0; bit < 8 * sizeof(msg); bit++) {
		msg[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		CHECKF(am_sign_verify(sig, msg, sizeof(msg), pk) != 0, "message bit %zu", bit);
		msg[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	for (size_t bit = 0; bit < 8 * sizeof(sig); bit++) {
		sig[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		CHECKF(am_sign_verify(sig, msg, sizeof(msg), pk) != 0, "signature bit %zu", bit);
		sig[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	/* shorter message (a truncated header) and another key */
	CHECK(am_sign_verify(sig, msg, sizeof(msg) - 1, pk) != 0);
	seed[0] ^= 1;
	CHECK(am_sign_seed_keypair(pk2, sk2, seed) == 0);
	CHECK(am_sign_verify(sig, msg, sizeof(msg), pk2) != 0);
	/* all-zero public key and signature */
	memset(pk2, 0, 32);
	CHECK(am_sign_verify(sig, msg, sizeof(msg), pk2) != 0);
	memset(sig2, 0, 64);
	CHECK(am_sign_verify(sig2, msg, sizeof(msg), pk) != 0);

	/* strict: a non-canonical S (S + L) must be refused */
	{
		unsigned carry = 0;
		memcpy(sig2, sig, 64);
		for (int i = 0; i < 32; i++) {
			unsigned t = sig2[32 + i] + L[i] + carry;
			sig2[32 + i] = (unsigned char)t;
			carry = t >> 8;
		}
		CHECK(carry == 0);
		CHECK(am_sign_verify(sig2, msg, sizeof(msg), pk) != 0);
	}
	/* the empty message signs and verifies */
	CHECK(am_sign(sig, "", 0, sk) == 0);
	CHECK(am_sign_verify(sig, "", 0, pk) == 0);
out:
	am_secure_free(sk);
	am_secure_free(sk2);
}

/* ---- wrapping ------------------------------------------------------------ */

static void test_wrap(void)
{
	unsigned char *sk = am_secure_alloc(AM_BOX_SK_LEN), *sk2 = am_secure_alloc(AM_BOX_SK_LEN);
	unsigned char *key = am_secure_alloc(AM_KEY_LEN), *got = am_secure_alloc(AM_KEY_LEN);
	unsigned char pk[32], pk2[32], w[AM_WRAP_LEN], w2[AM_WRAP_LEN];

	CHECK(sk && sk2 && key && got);
	if (!(sk && sk2 && key && got))
		goto out;
	am_random(sk, 32);
	am_random(sk2, 32);
	CHECK(am_box_public(pk, sk) == 0);
	CHECK(am_box_public(pk2, sk2) == 0);
	CHECK(memcmp(pk, pk2, 32) != 0);
	am_random(key, 32);

	CHECK(am_wrap(w, key, pk) == 0);
	CHECK(am_unwrap(got, w, pk, sk) == 0);
	CHECK(memcmp(got, key, 32) == 0);
	/* fresh ephemeral key each time: the same key wraps differently */
	CHECK(am_wrap(w2, key, pk) == 0);
	CHECK(memcmp(w, w2, sizeof(w)) != 0);
	CHECK(am_unwrap(got, w2, pk, sk) == 0 && memcmp(got, key, 32) == 0);

	/* the wrong secret key fails and leaves zeros */
	memset(got, 0xaa, 32);
	CHECK(am_unwrap(got, w, pk2, sk2) != 0);
	CHECK(all_zero(got, 32));
	/* the right secret key with someone else's public key fails too */
	memset(got, 0xaa, 32);
	CHECK(am_unwrap(got, w, pk2, sk) != 0);
	CHECK(all_zero(got, 32));
	/* any flipped bit of the sealed box */
	for (size_t bit = 0; bit < 8 * sizeof(w); bit++) {
		w[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		memset(got, 0xaa, 32);
		CHECKF(am_unwrap(got, w, pk, sk) != 0 && all_zero(got, 32), "wrap bit %zu", bit);
		w[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	CHECK(am_unwrap(got, w, pk, sk) == 0);
out:
	am_secure_free(sk);
	am_secure_free(sk2);
	am_secure_free(key);
	am_secure_free(got);
}

/* ---- AEAD ---------------------------------------------------------------- */

#define PT_LEN 48
#define AD_LEN 24

static int open_fails_zeroed(const unsigned char *ct, const unsigned char *ad,
			     const unsigned char *nonce, const unsigned char *key)
{
	unsigned char pt[PT_LEN];

	memset(pt, 0xaa, sizeof(pt));
	if (am_aead_open(pt, ct, PT_LEN + AM_AEAD_TAG_LEN, ad, AD_LEN, nonce, key) == 0)
		return 0;
	return all_zero(pt, sizeof(pt));
}

static void test_aead(void)
{
	unsigned char key[32], nonce[24], ad[AD_LEN], pt[PT_LEN], ct[PT_LEN + 16], out[PT_LEN];
	size_t bit;

	fill(key, 32, 9);
	fill(nonce, 24, 10);
	fill(ad, AD_LEN, 11);
	fill(pt, PT_LEN, 12);
	CHECK(am_aead_seal(ct, pt, PT_LEN, ad, AD_LEN, nonce, key) == 0);
	CHECK(memcmp(ct, pt, PT_LEN) != 0);
	CHECK(am_aead_open(out, ct, sizeof(ct), ad, AD_LEN, nonce, key) == 0);
	CHECK(memcmp(out, pt, PT_LEN) == 0);

	/* one flipped bit anywhere in ciphertext or tag */
	for (bit = 0; bit < 8 * sizeof(ct); bit++) {
		ct[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		CHECKF(open_fails_zeroed(ct, ad, nonce, key), "%s bit %zu",
		       bit / 8 < PT_LEN ? "ciphertext" : "tag", bit);
		ct[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	for (bit = 0; bit < 8 * sizeof(ad); bit++) {
		ad[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		CHECKF(open_fails_zeroed(ct, ad, nonce, key), "ad bit %zu", bit);
		ad[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	for (bit = 0; bit < 8 * sizeof(nonce); bit++) {
		nonce[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		CHECKF(open_fails_zeroed(ct, ad, nonce, key), "nonce bit %zu", bit);
		nonce[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	for (bit = 0; bit < 8 * sizeof(key); bit++) {
		key[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		CHECKF(open_fails_zeroed(ct, ad, nonce, key), "key bit %zu", bit);
		key[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	/* after all that, the original still opens */
	CHECK(am_aead_open(out, ct, sizeof(ct), ad, AD_LEN, nonce, key) == 0);

	/* truncated or extended: the tag no longer sits where it should */
	memset(out, 0xaa, sizeof(out));
	CHECK(am_aead_open(out, ct, sizeof(ct) - 1, ad, AD_LEN, nonce, key) != 0);
	CHECK(all_zero(out, PT_LEN - 1));
	CHECK(am_aead_open(out, ct, 15, ad, AD_LEN, nonce, key) != 0);
	CHECK(am_aead_open(out, ct, 0, ad, AD_LEN, nonce, key) != 0);
	/* associated data that is missing or shorter */
	CHECK(am_aead_open(out, ct, sizeof(ct), ad, AD_LEN - 1, nonce, key) != 0);
	CHECK(am_aead_open(out, ct, sizeof(ct), NULL, 0, nonce, key) != 0);

	/* an empty message still carries a tag that binds ad */
	{
		unsigned char ct0[16], o;
		CHECK(am_aead_seal(ct0, NULL, 0, ad, AD_LEN, nonce, key) == 0);
		CHECK(am_aead_open(&o, ct0, 16, ad, AD_LEN, nonce, key) == 0);
		ad[0] ^= 1;
		CHECK(am_aead_open(&o, ct0, 16, ad, AD_LEN, nonce, key) != 0);
		ad[0] ^= 1;
	}
}

static void test_chunk_nonce(void)
{
	unsigned char n[24];

	am_chunk_nonce(n, 0, 0);
	CHECK(all_zero(n, 24));
	am_chunk_nonce(n, 0, 1);
	CHECK(all_zero(n, 23) && n[23] == 1);
	am_chunk_nonce(n, 0x0102030405060708ull, 0);
	CHECK(all_zero(n, 15));
	for (int i = 0; i < 8; i++)
		CHECKF(n[15 + i] == i + 1, "nonce byte %d is %u", 15 + i, n[15 + i]);
	CHECK(n[23] == 0);
	am_chunk_nonce(n, UINT64_MAX, 5); /* any non-zero "last" is 1 */
	CHECK(all_zero(n, 15) && n[15] == 0xff && n[22] == 0xff && n[23] == 1);
	{
		/* distinct for (index, last) pairs: a last chunk cannot pose as a middle one */
		unsigned char a[24], b[24];
		am_chunk_nonce(a, 7, 0);
		am_chunk_nonce(b, 7, 1);
		CHECK(memcmp(a, b, 24) != 0);
		am_chunk_nonce(b, 8, 0);
		CHECK(memcmp(a, b, 24) != 0);
		am_chunk_nonce(a, 256, 0);
		am_chunk_nonce(b, 1, 0);
		CHECK(memcmp(a, b, 24) != 0 && a[21] == 1 && a[22] == 0 && b[22] == 1);
	}
}

/* ---- subkeys ------------------------------------------------------------- */

static void test_subkey(void)
{
	unsigned char key[32], a[32], b[32];

	fill(key, 32, 13);
	CHECK(am_subkey(a, key, 1, "amnchunk") == 0);
	CHECK(am_subkey(b, key, 1, "amnchunk") == 0);
	CHECK(memcmp(a, b, 32) == 0);
	CHECK(memcmp(a, key, 32) != 0);
	CHECK(am_subkey(b, key, 2, "amnchunk") == 0);
	CHECK(memcmp(a, b, 32) != 0);
	CHECK(am_subkey(b, key, 1, "amnmeta_") == 0);
	CHECK(memcmp(a, b, 32) != 0);
	CHECK(am_subkey(b, key, 1, "amnchunl") == 0); /* last context byte counts */
	CHECK(memcmp(a, b, 32) != 0);
	key[31] ^= 1;
	CHECK(am_subkey(b, key, 1, "amnchunk") == 0);
	CHECK(memcmp(a, b, 32) != 0);
	key[31] ^= 1;
	CHECK(am_subkey(a, key, UINT64_MAX, "amnchunk") == 0);
	CHECK(am_subkey(b, key, 0, "amnchunk") == 0);
	CHECK(memcmp(a, b, 32) != 0);
	/* the two subkeys amanat derives from one content key differ */
	CHECK(am_subkey(a, key, 1, "amnchunk") == 0);
	CHECK(am_subkey(b, key, 2, "amnmeta_") == 0);
	CHECK(memcmp(a, b, 32) != 0);
}

/* ---- passphrase hashing -------------------------------------------------- */

static void test_kdf(void)
{
	struct am_kdf_params in, mo, se, p;
	unsigned char salt[16], k1[32], k2[32];

	am_kdf_params_for(AM_KDF_INTERACTIVE, &in);
	am_kdf_params_for(AM_KDF_MODERATE, &mo);
	am_kdf_params_for(AM_KDF_SENSITIVE, &se);
	CHECK(in.opslimit <= mo.opslimit && mo.opslimit <= se.opslimit);
	CHECK(in.memlimit < mo.memlimit && mo.memlimit < se.memlimit);
	CHECK(am_kdf_params_ok(&in) == 0);
	CHECK(am_kdf_params_ok(&mo) == 0);
	CHECK(am_kdf_params_ok(&se) == 0);

	/* below INTERACTIVE, in either dimension */
	p = in;
	p.opslimit--;
	CHECK(am_kdf_params_ok(&p) != 0);
	p = in;
	p.memlimit--;
	CHECK(am_kdf_params_ok(&p) != 0);
	p.opslimit = 0;
	p.memlimit = 0;
	CHECK(am_kdf_params_ok(&p) != 0);
	/* above the ceiling: memory no more than SENSITIVE, passes bounded */
	p = se;
	p.memlimit++;
	CHECK(am_kdf_params_ok(&p) != 0);
	p = in;
	p.memlimit = UINT64_MAX;
	CHECK(am_kdf_params_ok(&p) != 0);
	p = in;
	p.opslimit = UINT64_MAX;
	CHECK(am_kdf_params_ok(&p) != 0);
	p = in;
	p.opslimit = 4 * se.opslimit;
	CHECK(am_kdf_params_ok(&p) == 0);
	p.opslimit++;
	CHECK(am_kdf_params_ok(&p) != 0);

	/* out of bounds: refused before hashing, and the output is zeroed */
	fill(salt, 16, 14);
	p = in;
	p.memlimit = 2 * se.memlimit;
	memset(k1, 0xaa, 32);
	CHECK(am_kdf(k1, "pass", 4, salt, &p) != 0);
	CHECK(all_zero(k1, 32));

	/* the real thing, at the cheapest accepted cost */
	CHECK(am_kdf(k1, "correct horse", 13, salt, &in) == 0);
	CHECK(!all_zero(k1, 32));
	CHECK(am_kdf(k2, "correct horse", 13, salt, &in) == 0);
	CHECK(memcmp(k1, k2, 32) == 0);
	salt[0] ^= 1;
	CHECK(am_kdf(k2, "correct horse", 13, salt, &in) == 0);
	CHECK(memcmp(k1, k2, 32) != 0);
	salt[0] ^= 1;
	CHECK(am_kdf(k2, "correct horsf", 13, salt, &in) == 0);
	CHECK(memcmp(k1, k2, 32) != 0);
}

static void test_memory(void)
{
	unsigned char *p = am_secure_alloc(100);
	unsigned char buf[16];

	CHECK(p != NULL);
	if (p != NULL) {
		memset(p, 0x5a, 100);
		CHECK(p[99] == 0x5a);
		am_secure_free(p);
	}
	am_secure_free(NULL);
	memset(buf, 0xff, sizeof(buf));
	am_wipe(buf, 8);
	CHECK(all_zero(buf, 8) && buf[8] == 0xff);
	am_wipe(NULL, 5);
	{
		unsigned char r1[32], r2[32];
		am_random(r1, 32);
		am_random(r2, 32);
		CHECK(memcmp(r1, r2, 32) != 0);
	}
}

/*
 * The random pool: every draw fresh across refills (no byte handed out
 * twice, so no two 16-byte draws alike), draws longer than the pool, and a
 * NULL pool.
 */
static void test_rpool(void)
{
	enum { N = 3 * AM_RPOOL_LEN / 24 };
	static unsigned char d[N][24];
	unsigned char big[AM_RPOOL_LEN + 1], zero[24] = { 0 };
	struct am_rpool *p = am_rpool_new();
	size_t dup = 0, zeros = 0;

	CHECK(p != NULL);
	if (p == NULL)
		return;
	/* sizes that do not divide the pool, so draws straddle each refill */
	for (size_t i = 0; i < N; i++) {
		am_rpool_draw(p, d[i], 7 + i % 18);
		zeros += memcmp(d[i], zero, 7) == 0;
	}
	for (size_t i = 0; i < N; i++)
		for (size_t j = i + 1; j < N; j++)
			dup += memcmp(d[i], d[j], 7) == 0;
	CHECK(dup == 0 && zeros == 0);
	memset(big, 0, sizeof(big));
	am_rpool_draw(p, big, sizeof(big));
	CHECK(memcmp(big + AM_RPOOL_LEN - 23, zero, 24) != 0);
	am_rpool_draw(NULL, d[0], 24);
	am_rpool_draw(NULL, d[1], 24);
	CHECK(memcmp(d[0], d[1], 24) != 0);
	am_rpool_free(p);
	am_rpool_free(NULL);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The pool's draws laid end to end hold no 8-byte run twice (8 bytes handed
 * out twice, at any shift, or wiped bytes handed out, would repeat one):
 * draws that empty the pool exactly (n == left), one after it, draws that
 * straddle refills, the whole pool at once, one longer than the pool, and
 * an empty one.
 */
static void test_rpool_stream(void)
{
	enum { CAP = 8 * AM_RPOOL_LEN };
	unsigned char *all = malloc(CAP);
	uint64_t *w = malloc(CAP * sizeof(*w));
	struct am_rpool *p = am_rpool_new();
	size_t at = 0, dup = 0;

	CHECK(all != NULL && w != NULL && p != NULL);
	if (all == NULL || w == NULL || p == NULL)
		goto done;
	for (size_t i = 0; i < AM_RPOOL_LEN / 32 + 1; i++, at += 32)
		am_rpool_draw(p, all + at, 32);
	for (size_t i = 0; i < 500; at += 7 + i % 18, i++)
		am_rpool_draw(p, all + at, 7 + i % 18);
	am_rpool_draw(p, all + at, AM_RPOOL_LEN);
	at += AM_RPOOL_LEN;
	am_rpool_draw(p, all + at, 0);
	am_rpool_draw(p, all + at, 1);
	at += 1;
	am_rpool_draw(p, all + at, AM_RPOOL_LEN + 1);
	at += AM_RPOOL_LEN + 1;
	for (size_t i = 0; i < 200; i++, at += 24)
		am_rpool_draw(p, all + at, 24);
	CHECK(at <= CAP);
	for (size_t i = 0; i + 8 <= at; i++)
		memcpy(&w[i], all + i, 8);
	qsort(w, at - 7, sizeof(*w), u64_cmp);
	for (size_t i = 1; i < at - 7; i++)
		dup += w[i] == w[i - 1];
	CHECKF(dup == 0, "%zu repeated 8-byte runs in %zu drawn bytes", dup, at);
done:
	am_rpool_free(p);
	free(w);
	free(all);
}

int main(void)
{
	if (am_crypto_init() != 0) {
		fprintf(stderr, "am_crypto_init failed\n");
		return 1;
	}
	test_hex();
	test_b64();
	test_hash();
	test_hash_cross();
	test_equal();
	test_sign();
	test_wrap();
	test_aead();
	test_chunk_nonce();
	test_subkey();
	test_kdf();
	test_memory();
	test_rpool();
	test_rpool_stream();
	return check_done();
}
