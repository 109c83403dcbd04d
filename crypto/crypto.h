/*
 * crypto.h — amanat's only gateway to libsodium (and to libcrypto's SHA-256).
 *
 * Nothing outside crypto/ includes sodium.h or an OpenSSL header.  Conventions follow libsodium:
 * functions return 0 on success and -1 on failure, outputs are zeroed on entry
 * so that a failure never leaves plausible bytes behind, verifiers are marked
 * AM_WUR, and tags are checked before any plaintext is released.
 * The constructions are specified byte for byte in docs/FORMAT.md.
 */
#ifndef AMANAT_CRYPTO_H
#define AMANAT_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"

enum {
	AM_HASH_LEN = 32,      /* SHA-256 */
	AM_SHA512_LEN = 64,
	AM_SIGN_PK_LEN = 32,   /* Ed25519 */
	AM_SIGN_SEED_LEN = 32,
	AM_SIGN_SK_LEN = 64,   /* libsodium's seed || pk form */
	AM_SIG_LEN = 64,
	AM_BOX_PK_LEN = 32,    /* X25519 */
	AM_BOX_SK_LEN = 32,
	AM_KEY_LEN = 32,       /* content keys and subkeys */
	AM_WRAP_LEN = 80,      /* crypto_box_seal of a 32-byte key */
	AM_BWRAP_LEN = 104,    /* batch wrap: epk (32) || nonce (24) || AEAD of a key (48) */
	AM_AEAD_TAG_LEN = 16,  /* XChaCha20-Poly1305 */
	AM_NONCE_LEN = 24,
	AM_SALT_LEN = 32,      /* selective-disclosure field salts */
	AM_PWSALT_LEN = 16,    /* Argon2id salt */
	AM_VAULT_ID_LEN = 16,
	AM_UID_LEN = 16,
	AM_KEYID_LEN = 8,      /* display key id: SHA-256(sign pk)[0..8) */
};

/* sodium_init(); 0 on success.  Call once before anything else here. */
AM_WUR int am_crypto_init(void);
/* The version of the libsodium in use at run time ("1.0.18"); a static string. */
const char *am_crypto_version(void);

/* ---- memory ---------------------------------------------------------- */

/* Guarded, mlock'ed memory for secrets (sodium_malloc); NULL on failure. */
void *am_secure_alloc(size_t n);
/* Wipe and free memory from am_secure_alloc; NULL is fine. */
void am_secure_free(void *p);
/* Wipe n bytes in a way the compiler cannot elide. */
void am_wipe(void *p, size_t n);
/* Constant-time equality: 1 when equal, 0 otherwise. */
int am_equal(const void *a, const void *b, size_t n);
/* Fill with bytes from the OS CSPRNG. */
void am_random(void *out, size_t n);
/*
 * The same bytes for many small draws (a batch of small entries draws four
 * times each): read from the OS CSPRNG AM_RPOOL_LEN at a time into guarded,
 * locked memory, each byte handed out once and wiped as it goes.  Not to be
 * kept across fork().  am_rpool_draw with a NULL pool is am_random.
 */
#define AM_RPOOL_LEN 4096
struct am_rpool;
struct am_rpool *am_rpool_new(void);
void am_rpool_draw(struct am_rpool *p, void *out, size_t n);
/* Wipe and free; NULL is fine. */
void am_rpool_free(struct am_rpool *p);

/* ---- encodings (libsodium's constant-time codecs) -------------------- */

/* Lowercase hex of in into out (2n+1 bytes, NUL-terminated). */
void am_hex(char *out, const void *in, size_t n);
/* Standard base64 with padding (RFC 4648 §4); out holds am_b64_len(n). */
size_t am_b64_len(size_t n);
void am_b64(char *out, const void *in, size_t n);
/*
 * Decode standard padded base64 of exactly want bytes; -1 on any other
 * length, bad character or trailing data.
 */
AM_WUR int am_unb64(unsigned char *out, size_t want, const char *in, size_t inlen);
/* Standard base64 of any length up to max bytes, strictly padded; 0 or -1. */
AM_WUR int am_unb64_any(unsigned char *out, size_t max, size_t *outlen, const char *in,
			size_t inlen);
/* Decode exactly want bytes of hex; -1 otherwise. */
AM_WUR int am_unhex(unsigned char *out, size_t want, const char *in, size_t inlen);

/* ---- hashing --------------------------------------------------------- */

/*
 * SHA-256 is OpenSSL libcrypto's (hardware SHA extensions where the CPU has
 * them); the context needs no allocation and no release, so a caller may
 * abandon one between init and final.  final wipes the context.
 */
typedef struct { _Alignas(16) unsigned char opaque[128]; } am_sha256_ctx;
typedef struct { _Alignas(16) unsigned char opaque[256]; } am_sha512_ctx;

void am_sha256_init(am_sha256_ctx *c);
void am_sha256_update(am_sha256_ctx *c, const void *p, size_t n);
void am_sha256_final(am_sha256_ctx *c, unsigned char out[AM_HASH_LEN]);
void am_sha256(unsigned char out[AM_HASH_LEN], const void *p, size_t n);
/* libsodium's portable SHA-256, for tests that cross-check the one above. */
void am_sha256_portable(unsigned char out[AM_HASH_LEN], const void *p, size_t n);
void am_sha512_init(am_sha512_ctx *c);
void am_sha512_update(am_sha512_ctx *c, const void *p, size_t n);
void am_sha512_final(am_sha512_ctx *c, unsigned char out[AM_SHA512_LEN]);
/*
 * An am_sha512_update as a job for another thread (common/worker.h's
 * am_side): SHA-512 is libsodium's and the slowest hash here, so a bundle's
 * writer and reader hash it beside the rest of their work.
 */
struct am_sha512_job {
	am_sha512_ctx *h;
	const void *p;
	size_t n;
};
void am_sha512_job_run(void *job);
/* Shorter updates are not worth a hand-over (about 150 µs of hashing at this size). */
#define AM_SHA512_JOB_MIN (64u << 10)

/* ---- signatures (Ed25519) ------------------------------------------- */

/* Keypair from a 32-byte seed; sk (64 bytes) should be secure memory. */
int am_sign_seed_keypair(unsigned char pk[AM_SIGN_PK_LEN],
			 unsigned char sk[AM_SIGN_SK_LEN],
			 const unsigned char seed[AM_SIGN_SEED_LEN]);
/* Detached signature of msg. */
int am_sign(unsigned char sig[AM_SIG_LEN], const void *msg, size_t n,
	    const unsigned char sk[AM_SIGN_SK_LEN]);
/* 0 when sig is a valid signature of msg by pk (strict, non-malleable). */
AM_WUR int am_sign_verify(const unsigned char sig[AM_SIG_LEN], const void *msg,
			  size_t n, const unsigned char pk[AM_SIGN_PK_LEN]);
/* Key id used in displays: the first 8 bytes of SHA-256(pk). */
void am_key_id(unsigned char id[AM_KEYID_LEN], const unsigned char pk[AM_SIGN_PK_LEN]);

/* ---- key wrapping (X25519 sealed boxes) ------------------------------ */

/* X25519 public key of a secret key; -1 for a degenerate key. */
int am_box_public(unsigned char pk[AM_BOX_PK_LEN], const unsigned char sk[AM_BOX_SK_LEN]);
/* crypto_box_seal of a content key to a recipient. */
int am_wrap(unsigned char out[AM_WRAP_LEN], const unsigned char key[AM_KEY_LEN],
	    const unsigned char pk[AM_BOX_PK_LEN]);
/* Open a wrapped key; key goes to secure memory the caller owns. */
AM_WUR int am_unwrap(unsigned char key[AM_KEY_LEN], const unsigned char in[AM_WRAP_LEN],
		     const unsigned char pk[AM_BOX_PK_LEN],
		     const unsigned char sk[AM_BOX_SK_LEN]);

/*
 * Batch wraps (docs/FORMAT.md §29): one ephemeral X25519 key per batch and
 * recipient, many content keys sealed under the one wrap key it gives.
 * am_box_keypair draws a fresh pair (sk should be secure memory).
 * am_bwrap_key derives Kw = BLAKE2b-256(DOM_BWRAP_KEY || X25519(sk, peer) ||
 * epk || pk): the writer passes (esk, pk), a recipient (its sk, epk).  -1 and
 * a zeroed kw when the shared secret is all-zero (a low-order point).
 */
int am_box_keypair(unsigned char pk[AM_BOX_PK_LEN], unsigned char sk[AM_BOX_SK_LEN]);
AM_WUR int am_bwrap_key(unsigned char kw[AM_KEY_LEN], const unsigned char sk[AM_BOX_SK_LEN],
			const unsigned char peer[AM_BOX_PK_LEN],
			const unsigned char epk[AM_BOX_PK_LEN],
			const unsigned char pk[AM_BOX_PK_LEN]);

/*
 * 1 when pk is an Ed25519 public key that is a valid point of the main
 * subgroup, not of small order (crypto_core_ed25519_is_valid_point); 0 if not.
 */
AM_WUR int am_sign_pk_valid(const unsigned char pk[AM_SIGN_PK_LEN]);
/*
 * 1 when pk is an X25519 public key that is not of low order (all-zero,
 * the other small-order points, and their non-canonical encodings): a
 * scalar multiplication by a fixed clamped scalar must not give zero.
 */
AM_WUR int am_box_pk_valid(const unsigned char pk[AM_BOX_PK_LEN]);

/* ---- symmetric sealing ----------------------------------------------- */

/* BLAKE2b-based crypto_kdf: a 32-byte subkey of key for (id, 8-byte ctx). */
int am_subkey(unsigned char out[AM_KEY_LEN], const unsigned char key[AM_KEY_LEN],
	      uint64_t id, const char ctx[8]);
/*
 * XChaCha20-Poly1305-IETF.  ct holds n + AM_AEAD_TAG_LEN bytes.  open checks
 * the tag before writing any plaintext; on failure pt is zeroed.
 */
int am_aead_seal(unsigned char *ct, const unsigned char *pt, size_t n,
		 const unsigned char *ad, size_t adn,
		 const unsigned char nonce[AM_NONCE_LEN],
		 const unsigned char key[AM_KEY_LEN]);
AM_WUR int am_aead_open(unsigned char *pt, const unsigned char *ct, size_t ctn,
			const unsigned char *ad, size_t adn,
			const unsigned char nonce[AM_NONCE_LEN],
			const unsigned char key[AM_KEY_LEN]);
/*
 * The STREAM nonce of chunk `index`: 15 zero bytes, the index as a big-endian
 * u64, then 0x01 for the last chunk and 0x00 otherwise (docs/FORMAT.md).
 */
void am_chunk_nonce(unsigned char nonce[AM_NONCE_LEN], uint64_t index, int last);

/* ---- passphrases ----------------------------------------------------- */

enum am_kdf_level { AM_KDF_INTERACTIVE, AM_KDF_MODERATE, AM_KDF_SENSITIVE };

struct am_kdf_params {
	uint64_t opslimit;
	uint64_t memlimit;
};

void am_kdf_params_for(enum am_kdf_level lvl, struct am_kdf_params *p);
/* 0 when the parameters are within what this build accepts from a file. */
int am_kdf_params_ok(const struct am_kdf_params *p);
/* Argon2id13 of the passphrase into a 32-byte key (secure memory). */
AM_WUR int am_kdf(unsigned char key[AM_KEY_LEN], const char *pass, size_t passlen,
		  const unsigned char salt[AM_PWSALT_LEN], const struct am_kdf_params *p);

#endif
