/*
 * shamir.c — Shamir's secret sharing over GF(2^8) in constant time.
 *
 * Multiplication is shift-and-add with masks instead of the usual log/exp
 * tables: a table indexed by a secret byte leaves that byte's cache line in
 * the cache, where another process on the same machine can time it
 * (docs/DECISIONS.md, "Recovery shares").  The share indexes (x) are public;
 * they go through the same code anyway, which keeps one path to test.
 */
#include "shamir.h"

#include <string.h>

#include "crypto.h"

unsigned char am_gf256_mul(unsigned char a, unsigned char b)
{
	unsigned r = 0, x = a, y = b;

	for (int i = 0; i < 8; i++) {
		/* add x when the low bit of y is set: a mask, not a branch */
		r ^= x & (0u - (y & 1u));
		y >>= 1;
		/* x *= X, reduced by 0x11b when it overflows: again a mask */
		x = ((x << 1) ^ (0x1bu & (0u - (x >> 7)))) & 0xffu;
	}
	return (unsigned char)r;
}

unsigned char am_gf256_inv(unsigned char a)
{
	/* a^254 = a^2 * a^4 * ... * a^128: a fixed chain, whatever a is */
	unsigned char r = 1, sq = a;

	for (int i = 1; i < 8; i++) {
		sq = am_gf256_mul(sq, sq);
		r = am_gf256_mul(r, sq);
	}
	return r;
}

int am_shamir_split_with(unsigned char *shares, const unsigned char *secret, size_t len,
			 unsigned n, unsigned k, const unsigned char *coeffs)
{
	if (k < 2 || n < k || n > AM_SHAMIR_MAX_SHARES || len == 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		unsigned char x = (unsigned char)(i + 1);
		for (size_t j = 0; j < len; j++) {
			/* Horner, from the highest coefficient down to the secret byte */
			unsigned char y = 0;
			for (unsigned m = k - 1; m >= 1; m--)
				y = am_gf256_mul(y, x) ^ coeffs[(size_t)(m - 1) * len + j];
			shares[(size_t)i * len + j] = am_gf256_mul(y, x) ^ secret[j];
		}
	}
	return 0;
}

int am_shamir_split(unsigned char *shares, const unsigned char *secret, size_t len, unsigned n,
		    unsigned k)
{
	unsigned char *coeffs;
	int rc;

	if (k < 2 || n < k || n > AM_SHAMIR_MAX_SHARES || len == 0)
		return -1;
	coeffs = am_secure_alloc((size_t)(k - 1) * len);
	if (coeffs == NULL)
		return -1;
	am_random(coeffs, (size_t)(k - 1) * len);
	rc = am_shamir_split_with(shares, secret, len, n, k, coeffs);
	am_secure_free(coeffs);
	return rc;
}

int am_shamir_combine(unsigned char *secret, size_t len, const unsigned char *xs,
		      const unsigned char *const *ys, unsigned k)
{
	memset(secret, 0, len);
	if (k < 1 || k > AM_SHAMIR_MAX_SHARES)
		return -1;
	for (unsigned i = 0; i < k; i++) {
		if (xs[i] == 0)
			return -1;
		for (unsigned j = 0; j < i; j++)
			if (xs[i] == xs[j])
				return -1;
	}
	for (unsigned i = 0; i < k; i++) {
		/* the Lagrange basis polynomial of share i at 0: prod x_j / (x_j - x_i) */
		unsigned char num = 1, den = 1, l;
		for (unsigned j = 0; j < k; j++) {
			if (j == i)
				continue;
			num = am_gf256_mul(num, xs[j]);
			den = am_gf256_mul(den, xs[j] ^ xs[i]);
		}
		l = am_gf256_mul(num, am_gf256_inv(den));
		for (size_t b = 0; b < len; b++)
			secret[b] ^= am_gf256_mul(l, ys[i][b]);
	}
	return 0;
}
