/*
 * shamir.h — Shamir's secret sharing over GF(2^8), byte by byte, in constant
 * time: no branch and no memory index depends on a secret or share byte.
 *
 * The field is GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1
 * (0x11b).  Each secret byte s gets its own polynomial
 * f(x) = s + c1 x + ... + c(k-1) x^(k-1) with random coefficients, and share
 * i (1..n) holds f(i).  Any k shares give f(0) = s by Lagrange interpolation;
 * k-1 shares are consistent with every value of s.  docs/FORMAT.md §24a.
 * Why here and not a library: docs/DECISIONS.md, "Recovery shares".
 */
#ifndef AMANAT_SHAMIR_H
#define AMANAT_SHAMIR_H

#include <stddef.h>

#include "../common/error.h"

enum { AM_SHAMIR_MAX_SHARES = 255 };

/* a * b in GF(2^8) (0x11b), in constant time. */
unsigned char am_gf256_mul(unsigned char a, unsigned char b);
/* The multiplicative inverse (a^254; 0 for 0), in constant time. */
unsigned char am_gf256_inv(unsigned char a);

/*
 * Split secret[0..len) into n shares of len bytes each, any k of which
 * rebuild it (2 <= k <= n <= 255): share i (its x is i + 1) goes to
 * shares + i * len.  coeffs holds (k - 1) * len random bytes, the
 * coefficients c1..c(k-1) of byte j at coeffs[(m - 1) * len + j]; tests pass
 * fixed ones for known answers, everyone else calls am_shamir_split.
 * 0, or -1 for bad k, n or len.
 */
AM_WUR int am_shamir_split_with(unsigned char *shares, const unsigned char *secret, size_t len,
				unsigned n, unsigned k, const unsigned char *coeffs);
/* The same with coefficients from the OS CSPRNG, in secure memory wiped after. */
AM_WUR int am_shamir_split(unsigned char *shares, const unsigned char *secret, size_t len,
			   unsigned n, unsigned k);
/*
 * Rebuild the secret (len bytes) from k shares: xs[i] is share i's x (1..255,
 * all different) and ys[i] its len bytes.  Any k shares of a split give its
 * secret; fewer, or shares of different splits, give unrelated bytes, which
 * the caller must detect (the identity's public keys, §24a).  0, or -1 for a
 * zero or repeated x or k < 1.
 */
AM_WUR int am_shamir_combine(unsigned char *secret, size_t len, const unsigned char *xs,
			     const unsigned char *const *ys, unsigned k);

#endif
