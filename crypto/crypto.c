/*
 * crypto.c — thin, checked wrappers over libsodium (see crypto.h), and over
 * OpenSSL's libcrypto for SHA-256 alone.
 *
 * SHA-256 is libcrypto's because Debian's libsodium (1.0.18) has only a
 * portable SHA-256, about five times slower than libcrypto's, which uses the
 * CPU's SHA extensions (SHA-NI, ARMv8 SHA2) where present, and every sealed,
 * extracted or verified byte is hashed (docs/PERFORMANCE.md, "Hardware
 * SHA-256").  It is the low-level SHA256_CTX interface, not EVP, on purpose:
 * callers keep am_sha256_ctx on the stack and have many early returns between
 * init and final; an EVP_MD_CTX is a heap object, so every such path would
 * leak it, and EVP_MD_CTX_new can fail inside functions that return void.
 * SHA256_CTX lives in the caller's am_sha256_ctx, needs no allocation and
 * cannot fail.  OpenSSL 3.0 marks it deprecated; the API level below (set for
 * this file only) declares it without the deprecation attribute, and a
 * libcrypto built without deprecated interfaces fails here, at build time.
 */
#define OPENSSL_API_COMPAT 0x10101000L

#include "crypto.h"

#include <openssl/sha.h>
#include <sodium.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(SHA256_CTX) <= sizeof(am_sha256_ctx), "sha256 ctx");
_Static_assert(alignof(SHA256_CTX) <= alignof(am_sha256_ctx), "sha256 ctx alignment");
_Static_assert(SHA256_DIGEST_LENGTH == AM_HASH_LEN, "sha256 length");
_Static_assert(sizeof(crypto_hash_sha512_state) <= sizeof(am_sha512_ctx), "sha512 ctx");
_Static_assert(crypto_box_SEALBYTES + AM_KEY_LEN == AM_WRAP_LEN, "wrap length");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == AM_NONCE_LEN, "nonce");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == AM_AEAD_TAG_LEN, "tag");
_Static_assert(crypto_sign_SECRETKEYBYTES == AM_SIGN_SK_LEN, "sign sk");
_Static_assert(crypto_pwhash_SALTBYTES == AM_PWSALT_LEN, "pwhash salt");
_Static_assert(crypto_kdf_CONTEXTBYTES == 8, "kdf ctx");

int am_crypto_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

const char *am_crypto_version(void)
{
	return sodium_version_string();
}

void *am_secure_alloc(size_t n)
{
	return sodium_malloc(n);
}

void am_secure_free(void *p)
{
	if (p != NULL)
		sodium_free(p); /* wipes before freeing */
}

void am_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		sodium_memzero(p, n);
}

int am_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void am_random(void *out, size_t n)
{
	randombytes_buf(out, n);
}

struct am_rpool {
	unsigned char *buf; /* secure; the unused bytes are its last `left` */
	size_t left;
};

struct am_rpool *am_rpool_new(void)
{
	struct am_rpool *p = calloc(1, sizeof(*p));

	if (p != NULL && (p->buf = sodium_malloc(AM_RPOOL_LEN)) == NULL) {
		free(p);
		p = NULL;
	}
	return p;
}

void am_rpool_draw(struct am_rpool *p, void *out, size_t n)
{
	unsigned char *from;

	if (p == NULL || n > AM_RPOOL_LEN) {
		randombytes_buf(out, n);
		return;
	}
	if (n > p->left) {
		randombytes_buf(p->buf, AM_RPOOL_LEN);
		p->left = AM_RPOOL_LEN;
	}
	from = p->buf + AM_RPOOL_LEN - p->left;
	memcpy(out, from, n);
	sodium_memzero(from, n);
	p->left -= n;
}

void am_rpool_free(struct am_rpool *p)
{
	if (p == NULL)
		return;
	sodium_free(p->buf); /* wipes */
	free(p);
}

void am_hex(char *out, const void *in, size_t n)
{
	sodium_bin2hex(out, 2 * n + 1, in, n);
}

size_t am_b64_len(size_t n)
{
	return sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
}

void am_b64(char *out, const void *in, size_t n)
{
	sodium_bin2base64(out, am_b64_len(n), in, n, sodium_base64_VARIANT_ORIGINAL);
}

int am_unb64_any(unsigned char *out, size_t max, size_t *outlen, const char *in, size_t inlen)
{
	size_t got = 0;
	const char *end = NULL;

	size_t pad = 0;

	*outlen = 0;
	memset(out, 0, max);
	/* sodium rejects bad padding; we also insist on whole quanta and the alphabet */
	if (inlen % 4 != 0)
		return -1;
	if (inlen == 0)
		return 0;
	pad = (in[inlen - 1] == '=') + (in[inlen - 2] == '=');
	if (inlen / 4 * 3 - pad > max)
		return -1;
	for (size_t i = 0; i < inlen; i++) {
		char c = in[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/' || c == '='))
			return -1;
	}
	if (sodium_base642bin(out, max, in, inlen, NULL, &got, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != in + inlen) {
		memset(out, 0, max);
		return -1;
	}
	*outlen = got;
	return 0;
}

int am_unb64(unsigned char *out, size_t want, const char *in, size_t inlen)
{
	size_t got = 0;

	if (inlen != 4 * ((want + 2) / 3) || am_unb64_any(out, want, &got, in, inlen) != 0 ||
	    got != want) {
		memset(out, 0, want);
		return -1;
	}
	return 0;
}

int am_unhex(unsigned char *out, size_t want, const char *in, size_t inlen)
{
	size_t got = 0;
	const char *end = NULL;

	memset(out, 0, want);
	if (inlen != 2 * want ||
	    sodium_hex2bin(out, want, in, inlen, NULL, &got, &end) != 0 ||
	    got != want || end != in + inlen) {
		memset(out, 0, want);
		return -1;
	}
	return 0;
}

/*
 * libcrypto's SHA256_Init/Update/Final return 1 whatever their input (they
 * only compute); a 0 would mean a broken library, and a void interface has no
 * way to report it, so that is the one case that aborts rather than hand back
 * a hash that is not SHA-256.
 */
static void sha_ok(int rc)
{
	if (rc != 1)
		abort();
}

void am_sha256_init(am_sha256_ctx *c)
{
	sha_ok(SHA256_Init((SHA256_CTX *)(void *)c->opaque));
}

void am_sha256_update(am_sha256_ctx *c, const void *p, size_t n)
{
	if (n > 0)
		sha_ok(SHA256_Update((SHA256_CTX *)(void *)c->opaque, p, n));
}

void am_sha256_final(am_sha256_ctx *c, unsigned char out[AM_HASH_LEN])
{
	sha_ok(SHA256_Final(out, (SHA256_CTX *)(void *)c->opaque));
	am_wipe(c->opaque, sizeof(c->opaque));
}

void am_sha256(unsigned char out[AM_HASH_LEN], const void *p, size_t n)
{
	am_sha256_ctx c;

	am_sha256_init(&c);
	am_sha256_update(&c, p, n);
	am_sha256_final(&c, out);
}

void am_sha256_portable(unsigned char out[AM_HASH_LEN], const void *p, size_t n)
{
	crypto_hash_sha256(out, p, n);
}

void am_sha512_init(am_sha512_ctx *c)
{
	crypto_hash_sha512_init((crypto_hash_sha512_state *)c->opaque);
}

void am_sha512_update(am_sha512_ctx *c, const void *p, size_t n)
{
	crypto_hash_sha512_update((crypto_hash_sha512_state *)c->opaque, p, n);
}

void am_sha512_final(am_sha512_ctx *c, unsigned char out[AM_SHA512_LEN])
{
	crypto_hash_sha512_final((crypto_hash_sha512_state *)c->opaque, out);
}

void am_sha512_job_run(void *job)
{
	struct am_sha512_job *j = job;

	am_sha512_update(j->h, j->p, j->n);
}

int am_sign_seed_keypair(unsigned char pk[AM_SIGN_PK_LEN], unsigned char sk[AM_SIGN_SK_LEN],
			 const unsigned char seed[AM_SIGN_SEED_LEN])
{
	return crypto_sign_seed_keypair(pk, sk, seed) == 0 ? 0 : -1;
}

int am_sign(unsigned char sig[AM_SIG_LEN], const void *msg, size_t n,
	    const unsigned char sk[AM_SIGN_SK_LEN])
{
	memset(sig, 0, AM_SIG_LEN);
	if (sk == NULL || crypto_sign_detached(sig, NULL, msg, n, sk) != 0) {
		memset(sig, 0, AM_SIG_LEN);
		return -1;
	}
	return 0;
}

int am_sign_verify(const unsigned char sig[AM_SIG_LEN], const void *msg, size_t n,
		   const unsigned char pk[AM_SIGN_PK_LEN])
{
	return crypto_sign_verify_detached(sig, msg, n, pk) == 0 ? 0 : -1;
}

void am_key_id(unsigned char id[AM_KEYID_LEN], const unsigned char pk[AM_SIGN_PK_LEN])
{
	unsigned char h[AM_HASH_LEN];

	am_sha256(h, pk, AM_SIGN_PK_LEN);
	memcpy(id, h, AM_KEYID_LEN);
}

int am_box_public(unsigned char pk[AM_BOX_PK_LEN], const unsigned char sk[AM_BOX_SK_LEN])
{
	memset(pk, 0, AM_BOX_PK_LEN);
	return crypto_scalarmult_base(pk, sk) == 0 ? 0 : -1;
}

int am_wrap(unsigned char out[AM_WRAP_LEN], const unsigned char key[AM_KEY_LEN],
	    const unsigned char pk[AM_BOX_PK_LEN])
{
	memset(out, 0, AM_WRAP_LEN);
	return crypto_box_seal(out, key, AM_KEY_LEN, pk) == 0 ? 0 : -1;
}

int am_unwrap(unsigned char key[AM_KEY_LEN], const unsigned char in[AM_WRAP_LEN],
	      const unsigned char pk[AM_BOX_PK_LEN], const unsigned char sk[AM_BOX_SK_LEN])
{
	if (sk == NULL || crypto_box_seal_open(key, in, AM_WRAP_LEN, pk, sk) != 0) {
		sodium_memzero(key, AM_KEY_LEN);
		return -1;
	}
	return 0;
}

int am_box_keypair(unsigned char pk[AM_BOX_PK_LEN], unsigned char sk[AM_BOX_SK_LEN])
{
	return crypto_box_keypair(pk, sk) == 0 ? 0 : -1;
}

/* The wrap key of a batch (FORMAT.md §29): hashed as crypto_kx hashes, with a domain. */
int am_bwrap_key(unsigned char kw[AM_KEY_LEN], const unsigned char sk[AM_BOX_SK_LEN],
		 const unsigned char peer[AM_BOX_PK_LEN], const unsigned char epk[AM_BOX_PK_LEN],
		 const unsigned char pk[AM_BOX_PK_LEN])
{
	static const char dom[] = "amanat-bwrap-key-v1"; /* with its NUL: 20 bytes */
	unsigned char ss[crypto_scalarmult_BYTES];
	crypto_generichash_state st;
	int rc = -1;

	memset(kw, 0, AM_KEY_LEN);
	if (crypto_scalarmult(ss, sk, peer) == 0 &&
	    crypto_generichash_init(&st, NULL, 0, AM_KEY_LEN) == 0 &&
	    crypto_generichash_update(&st, (const unsigned char *)dom, sizeof(dom)) == 0 &&
	    crypto_generichash_update(&st, ss, sizeof(ss)) == 0 &&
	    crypto_generichash_update(&st, epk, AM_BOX_PK_LEN) == 0 &&
	    crypto_generichash_update(&st, pk, AM_BOX_PK_LEN) == 0 &&
	    crypto_generichash_final(&st, kw, AM_KEY_LEN) == 0)
		rc = 0;
	sodium_memzero(ss, sizeof(ss));
	sodium_memzero(&st, sizeof(st));
	if (rc != 0)
		sodium_memzero(kw, AM_KEY_LEN);
	return rc;
}

int am_sign_pk_valid(const unsigned char pk[AM_SIGN_PK_LEN])
{
	return crypto_core_ed25519_is_valid_point(pk) == 1;
}

int am_box_pk_valid(const unsigned char pk[AM_BOX_PK_LEN])
{
	/* any fixed scalar: libsodium clamps it (clearing the cofactor) and fails on a zero result */
	static const unsigned char scalar[crypto_scalarmult_SCALARBYTES] = { 9, 1, 2, 3 };
	unsigned char out[crypto_scalarmult_BYTES];
	int ok = crypto_scalarmult(out, scalar, pk) == 0;

	sodium_memzero(out, sizeof(out));
	return ok;
}

int am_subkey(unsigned char out[AM_KEY_LEN], const unsigned char key[AM_KEY_LEN],
	      uint64_t id, const char ctx[8])
{
	memset(out, 0, AM_KEY_LEN);
	return crypto_kdf_derive_from_key(out, AM_KEY_LEN, id, ctx, key) == 0 ? 0 : -1;
}

int am_aead_seal(unsigned char *ct, const unsigned char *pt, size_t n,
		 const unsigned char *ad, size_t adn, const unsigned char nonce[AM_NONCE_LEN],
		 const unsigned char key[AM_KEY_LEN])
{
	unsigned long long ctlen = 0;

	if (crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &ctlen, pt, n, ad, adn, NULL,
						       nonce, key) != 0 ||
	    ctlen != n + AM_AEAD_TAG_LEN) {
		memset(ct, 0, n + AM_AEAD_TAG_LEN);
		return -1;
	}
	return 0;
}

int am_aead_open(unsigned char *pt, const unsigned char *ct, size_t ctn,
		 const unsigned char *ad, size_t adn, const unsigned char nonce[AM_NONCE_LEN],
		 const unsigned char key[AM_KEY_LEN])
{
	unsigned long long ptlen = 0;

	if (ctn < AM_AEAD_TAG_LEN)
		return -1;
	/* libsodium verifies the tag before it decrypts anything */
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &ptlen, NULL, ct, ctn, ad, adn,
						       nonce, key) != 0 ||
	    ptlen != ctn - AM_AEAD_TAG_LEN) {
		sodium_memzero(pt, ctn - AM_AEAD_TAG_LEN);
		return -1;
	}
	return 0;
}

void am_chunk_nonce(unsigned char nonce[AM_NONCE_LEN], uint64_t index, int last)
{
	memset(nonce, 0, AM_NONCE_LEN);
	for (int i = 22; i >= 15; i--, index >>= 8)
		nonce[i] = (unsigned char)index;
	nonce[23] = last ? 1 : 0;
}

void am_kdf_params_for(enum am_kdf_level lvl, struct am_kdf_params *p)
{
	switch (lvl) {
	case AM_KDF_INTERACTIVE:
		p->opslimit = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
		p->memlimit = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
		break;
	case AM_KDF_SENSITIVE:
		p->opslimit = crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE;
		p->memlimit = crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE;
		break;
	case AM_KDF_MODERATE:
	default:
		p->opslimit = crypto_pwhash_argon2id_OPSLIMIT_MODERATE;
		p->memlimit = crypto_pwhash_argon2id_MEMLIMIT_MODERATE;
		break;
	}
}

int am_kdf_params_ok(const struct am_kdf_params *p)
{
	/*
	 * Below INTERACTIVE is too weak to accept from a file someone may have
	 * doctored; above SENSITIVE a foreign file could make us allocate
	 * without bound.
	 */
	if (p->opslimit < crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE ||
	    p->opslimit > 4 * crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE)
		return -1;
	if (p->memlimit < crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE ||
	    p->memlimit > crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE)
		return -1;
	return 0;
}

int am_kdf(unsigned char key[AM_KEY_LEN], const char *pass, size_t passlen,
	   const unsigned char salt[AM_PWSALT_LEN], const struct am_kdf_params *p)
{
	memset(key, 0, AM_KEY_LEN);
	if (am_kdf_params_ok(p) != 0)
		return -1;
	if (crypto_pwhash(key, AM_KEY_LEN, pass, passlen, salt, p->opslimit,
			  (size_t)p->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		sodium_memzero(key, AM_KEY_LEN);
		return -1;
	}
	return 0;
}
