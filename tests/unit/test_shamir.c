/*
 * test_shamir.c — Shamir's secret sharing over GF(2^8) (crypto/shamir.c).
 *
 * The field arithmetic is checked against a reference written here the
 * textbook way (long multiplication, then reduction by 0x11b) for all 65536
 * products, and against FIPS-197's worked examples; split is checked against
 * known answers computed by an independent Python implementation with fixed
 * coefficients; then every k-subset of splits recovers the secret and every
 * (k-1)-subset gives something else.
 *
 * Constant time, the ctgrind way: under valgrind (tools/test.sh runs every
 * unit test under memcheck) the secret, the coefficients and the shares are
 * marked undefined before split and combine, so that a branch or a memory
 * index that depends on them is reported as a use of an uninitialised value
 * and fails the run.  Outside valgrind the marks do nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <valgrind/memcheck.h>

#include "crypto/crypto.h"
#include "crypto/shamir.h"
#include "check.h"

/* Reference product: carry-less multiplication, then reduce bit by bit. */
static unsigned ref_mul(unsigned a, unsigned b)
{
	unsigned r = 0;

	for (int i = 0; i < 8; i++)
		if ((b >> i) & 1)
			r ^= a << i;
	for (int i = 15; i >= 8; i--)
		if ((r >> i) & 1)
			r ^= 0x11bu << (i - 8);
	return r;
}

static void pattern(unsigned char *p, unsigned char s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(s + i);
}

static void test_field(void)
{
	int bad = 0;

	for (unsigned a = 0; a < 256; a++)
		for (unsigned b = 0; b < 256; b++)
			bad += am_gf256_mul((unsigned char)a, (unsigned char)b) != ref_mul(a, b);
	CHECKF(bad == 0, "%d of 65536 products differ from the reference", bad);
	/* FIPS-197 §4.2 */
	CHECK_EQ(am_gf256_mul(0x57, 0x83), 0xc1);
	CHECK_EQ(am_gf256_mul(0x57, 0x13), 0xfe);
	CHECK_EQ(am_gf256_inv(0), 0);
	bad = 0;
	for (unsigned a = 1; a < 256; a++)
		bad += am_gf256_mul((unsigned char)a, am_gf256_inv((unsigned char)a)) != 1;
	CHECKF(bad == 0, "%d inverses are wrong", bad);
	/* FIPS-197 §5.1.1: the inverse of 0x53 is 0xca */
	CHECK_EQ(am_gf256_inv(0x53), 0xca);
}

/* Known answers: secret pattern(0, 16), coefficients pattern(0x90, 32), 3 of 5. */
static const char *const KAT[5] = {
	"303132333435363738393a3b3c3d3e3f",
	"8d8a838491969f98b5b2bbbca9aea7a0",
	"bdbab3b4a1a6afa885828b8c999e9790",
	"988db2a7ccd9e6f330251a0f64714e5b",
	"a8bd8297fce9d6c300152a3f54417e6b",
};

static void test_known_answers(void)
{
	unsigned char secret[16], coeffs[32], shares[5 * 16], got[16];
	const unsigned char *ys[3];
	unsigned char xs[3];
	char hex[33];

	pattern(secret, 0x00, sizeof(secret));
	pattern(coeffs, 0x90, sizeof(coeffs));
	CHECK(am_shamir_split_with(shares, secret, 16, 5, 3, coeffs) == 0);
	for (int i = 0; i < 5; i++) {
		am_hex(hex, shares + i * 16, 16);
		CHECKF(strcmp(hex, KAT[i]) == 0, "share %d: %s, expected %s", i + 1, hex, KAT[i]);
	}
	/* and the known shares 2, 4, 5 give the secret back */
	xs[0] = 2, xs[1] = 4, xs[2] = 5;
	ys[0] = shares + 16, ys[1] = shares + 48, ys[2] = shares + 64;
	CHECK(am_shamir_combine(got, 16, xs, ys, 3) == 0);
	CHECK(memcmp(got, secret, 16) == 0);
}

/* Every k-subset of an n-split recovers the secret; every (k-1)-subset does not. */
static void subsets(unsigned n, unsigned k, size_t len)
{
	unsigned char *secret = malloc(len), *shares = malloc(n * len), *got = malloc(len);
	unsigned ok = 0, wrong = 0, fewer = 0, fewer_equal = 0;

	am_random(secret, len);
	CHECK(am_shamir_split(shares, secret, len, n, k) == 0);
	for (unsigned mask = 1; mask < (1u << n); mask++) {
		unsigned char xs[16];
		const unsigned char *ys[16];
		unsigned c = 0;
		for (unsigned i = 0; i < n; i++)
			if (mask & (1u << i)) {
				xs[c] = (unsigned char)(i + 1);
				ys[c++] = shares + i * len;
			}
		if (c != k && c != k - 1)
			continue;
		CHECK(am_shamir_combine(got, len, xs, ys, c) == 0);
		if (c == k) {
			ok += memcmp(got, secret, len) == 0;
			wrong += memcmp(got, secret, len) != 0;
		} else {
			fewer++;
			fewer_equal += memcmp(got, secret, len) == 0;
		}
	}
	CHECKF(wrong == 0 && ok > 0, "%u-of-%u: %u subsets recovered, %u did not", k, n, ok,
	       wrong);
	CHECKF(fewer > 0 && fewer_equal == 0, "%u-of-%u: %u of %u subsets of %u shares gave the "
	       "secret", k, n, fewer_equal, fewer, k - 1);
	free(secret);
	free(shares);
	free(got);
}

static void test_subsets(void)
{
	subsets(5, 3, 64); /* C(5,3) = 10 recover, C(5,2) = 10 do not */
	subsets(5, 2, 64);
	subsets(5, 5, 64);
	subsets(7, 4, 64);
	subsets(3, 3, 1);
}

/* One share alone: for a fixed share value, every secret byte is possible. */
static void test_one_share_reveals_nothing(void)
{
	/* 2-of-2, one byte: for share 1 = s ^ c, each s has exactly one c giving share 1 = 0x42 */
	int count[256] = { 0 }, bad = 0;

	for (unsigned s = 0; s < 256; s++)
		for (unsigned c = 0; c < 256; c++) {
			unsigned char sec = (unsigned char)s, co = (unsigned char)c, sh[2];
			if (am_shamir_split_with(sh, &sec, 1, 2, 2, &co) != 0)
				bad++;
			if (sh[1] == 0x42)
				count[s]++;
		}
	for (int s = 0; s < 256; s++)
		bad += count[s] != 1;
	CHECKF(bad == 0, "share 2 = 0x42 is not equally likely for every secret (%d)", bad);
}

static void test_refusals(void)
{
	unsigned char secret[4] = { 1, 2, 3, 4 }, shares[256 * 4], got[4];
	unsigned char xs[3] = { 1, 2, 1 }, x0[2] = { 0, 1 };
	const unsigned char *ys[3] = { shares, shares + 4, shares };

	CHECK(am_shamir_split(shares, secret, 4, 5, 1) == -1);  /* k = 1: a share is the secret */
	CHECK(am_shamir_split(shares, secret, 4, 2, 3) == -1);  /* k > n */
	CHECK(am_shamir_split(shares, secret, 4, 256, 3) == -1); /* x would wrap */
	CHECK(am_shamir_split(shares, secret, 0, 5, 3) == -1);
	CHECK(am_shamir_split(shares, secret, 4, 255, 255) == 0);
	CHECK(am_shamir_combine(got, 4, xs, ys, 3) == -1); /* x = 1 twice */
	CHECK(am_shamir_combine(got, 4, x0, ys, 2) == -1); /* x = 0 is the secret's place */
	{
		/* 255 of 255 recover */
		unsigned char ax[255];
		const unsigned char *ay[255];
		for (unsigned i = 0; i < 255; i++) {
			ax[i] = (unsigned char)(255 - i);
			ay[i] = shares + (254 - i) * 4;
		}
		CHECK(am_shamir_combine(got, 4, ax, ay, 255) == 0);
		CHECK(memcmp(got, secret, 4) == 0);
	}
}

/* No branch or index on secret bytes (checked by memcheck; see the top of this file). */
static void test_constant_time(void)
{
	unsigned char secret[32], coeffs[2 * 32], shares[5 * 32], got[32], xs[3] = { 4, 1, 5 };
	const unsigned char *ys[3] = { shares + 3 * 32, shares, shares + 4 * 32 };
	unsigned char a = 0x53, b = 0xca, p, inv;

	am_random(secret, sizeof(secret));
	am_random(coeffs, sizeof(coeffs));
	VALGRIND_MAKE_MEM_UNDEFINED(secret, sizeof(secret));
	VALGRIND_MAKE_MEM_UNDEFINED(coeffs, sizeof(coeffs));
	VALGRIND_MAKE_MEM_UNDEFINED(&a, 1);
	VALGRIND_MAKE_MEM_UNDEFINED(&b, 1);
	p = am_gf256_mul(a, b);
	inv = am_gf256_inv(a);
	CHECK(am_shamir_split_with(shares, secret, 32, 5, 3, coeffs) == 0);
	VALGRIND_MAKE_MEM_UNDEFINED(shares, sizeof(shares));
	CHECK(am_shamir_combine(got, 32, xs, ys, 3) == 0);
	/* defined again, to be compared */
	VALGRIND_MAKE_MEM_DEFINED(secret, sizeof(secret));
	VALGRIND_MAKE_MEM_DEFINED(got, sizeof(got));
	VALGRIND_MAKE_MEM_DEFINED(&p, 1);
	VALGRIND_MAKE_MEM_DEFINED(&inv, 1);
	CHECK(memcmp(got, secret, sizeof(got)) == 0);
	CHECK(p == 1 && inv == 0xca);
	if (RUNNING_ON_VALGRIND)
		printf("constant time: split and combine ran on undefined secrets under memcheck\n");
}

int main(void)
{
	if (am_crypto_init() != 0)
		return 1;
	test_field();
	test_known_answers();
	test_subsets();
	test_one_share_reveals_nothing();
	test_refusals();
	test_constant_time();
	return check_done();
}
