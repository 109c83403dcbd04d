/*
 * minisign.h — minisign's public key and prehashed ("ED") signature files,
 * so that stock `minisign -V` checks what amanat signs.  Format:
 * docs/BUNDLE.md, "The signature".
 */
#ifndef AMANAT_MINISIGN_H
#define AMANAT_MINISIGN_H

#include "crypto.h"

typedef struct { _Alignas(64) unsigned char opaque[512]; } am_blake2b_ctx;

/* BLAKE2b-512, streaming: what minisign's ED format signs. */
void am_blake2b512_init(am_blake2b_ctx *c);
void am_blake2b512_update(am_blake2b_ctx *c, const void *p, size_t n);
void am_blake2b512_final(am_blake2b_ctx *c, unsigned char out[64]);

/* "untrusted comment: ...\nbase64(Ed || keyid || pk)\n" into out (>= 160 bytes). */
void am_minisign_pubkey(const unsigned char pk[AM_SIGN_PK_LEN], char *out, size_t outlen);
/*
 * Sign a BLAKE2b-512 prehash with the trusted comment; the four-line
 * signature file goes to out (>= 600 bytes).  0 or -1.
 */
int am_minisign_sign(const unsigned char prehash[64], const char *untrusted,
		     const char *trusted, const unsigned char sk[AM_SIGN_SK_LEN],
		     const unsigned char pk[AM_SIGN_PK_LEN], char *out, size_t outlen);
/*
 * Parse a public key file and check a signature file against a prehash:
 * the algorithm, the key id, the signature and the global signature over the
 * trusted comment.  0 on success, filling pk (and trusted, up to tlen).
 */
AM_WUR int am_minisign_verify(const char *pubfile, size_t publen, const char *sigfile,
			      size_t siglen, const unsigned char prehash[64],
			      unsigned char pk[AM_SIGN_PK_LEN], char *trusted, size_t tlen);

#endif
