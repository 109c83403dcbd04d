/*
 * test_bytes.c — big-endian helpers, am_buf and am_rd (common/bytes.c).
 *
 * Truncated inputs are copied into buffers of exactly their length, so that
 * under AddressSanitizer a read one byte past the end is caught, not just a
 * wrong answer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "check.h"

static void test_put_get(void)
{
	static const uint16_t v16[] = { 0, 1, 0x7f, 0x80, 0xff, 0x100, 0x1234, 0x7fff, 0x8000,
					0xfffe, 0xffff };
	static const uint32_t v32[] = { 0, 1, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffffu,
					0x80000000u, 0xdeadbeefu, 0xfffffffeu, 0xffffffffu };
	static const uint64_t v64[] = { 0, 1, 0xff, 0x100, 0xffffffffu, 0x100000000ull,
					0x0102030405060708ull, 0x7fffffffffffffffull,
					0x8000000000000000ull, 0xfffffffffffffffeull, UINT64_MAX };
	unsigned char b[10];

	/* byte order is pinned, not just round-tripped */
	am_put_u16(b, 0x0102);
	CHECK(b[0] == 1 && b[1] == 2);
	am_put_u32(b, 0x01020304u);
	CHECK(b[0] == 1 && b[1] == 2 && b[2] == 3 && b[3] == 4);
	am_put_u64(b, 0x0102030405060708ull);
	for (int i = 0; i < 8; i++)
		CHECKF(b[i] == i + 1, "byte %d of u64 is %u", i, b[i]);
	/* high bit set in every position: a sign-extension bug shows here */
	memset(b, 0xff, sizeof(b));
	CHECK(am_get_u16(b) == 0xffff);
	CHECK(am_get_u32(b) == 0xffffffffu);
	CHECK(am_get_u64(b) == UINT64_MAX);
	b[0] = 0x80;
	b[1] = 0;
	b[2] = 0;
	b[3] = 0;
	CHECK(am_get_u32(b) == 0x80000000u);

	for (size_t i = 0; i < sizeof(v16) / sizeof(v16[0]); i++) {
		memset(b, 0xaa, sizeof(b));
		am_put_u16(b + 1, v16[i]);
		CHECKF(am_get_u16(b + 1) == v16[i], "u16 %u", v16[i]);
		CHECK(b[0] == 0xaa && b[3] == 0xaa); /* writes exactly 2 bytes */
	}
	for (size_t i = 0; i < sizeof(v32) / sizeof(v32[0]); i++) {
		memset(b, 0xaa, sizeof(b));
		am_put_u32(b + 1, v32[i]);
		CHECKF(am_get_u32(b + 1) == v32[i], "u32 %lx", (unsigned long)v32[i]);
		CHECK(b[0] == 0xaa && b[5] == 0xaa);
	}
	for (size_t i = 0; i < sizeof(v64) / sizeof(v64[0]); i++) {
		memset(b, 0xaa, sizeof(b));
		am_put_u64(b + 1, v64[i]);
		CHECKF(am_get_u64(b + 1) == v64[i], "u64 %llx", (unsigned long long)v64[i]);
		CHECK(b[0] == 0xaa && b[9] == 0xaa);
	}
	/* every single-bit value */
	for (int i = 0; i < 64; i++) {
		am_put_u64(b, 1ull << i);
		CHECKF(am_get_u64(b) == 1ull << i, "bit %d", i);
		CHECKF(b[7 - i / 8] == (1u << (i % 8)), "bit %d lands in byte %d", i, 7 - i / 8);
	}
}

static void test_buf(void)
{
	struct am_buf b;
	unsigned char *d;
	size_t len = 99;

	am_buf_init(&b);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0 && b.oom == 0);

	/* growth one byte at a time keeps every byte and keeps cap >= len */
	for (unsigned i = 0; i < 10000; i++) {
		unsigned char c = (unsigned char)(i * 7 + 3);
		am_buf_add(&b, &c, 1);
		if (b.cap < b.len || b.len != i + 1) {
			CHECKF(0, "after %u adds len %zu cap %zu", i + 1, b.len, b.cap);
			break;
		}
	}
	CHECK(!b.oom);
	CHECK(b.len == 10000);
	{
		int same = 1;
		for (unsigned i = 0; i < 10000; i++)
			same &= b.data[i] == (unsigned char)(i * 7 + 3);
		CHECK(same);
	}
	/* a big add in one go (crosses several doublings) */
	{
		unsigned char *big = malloc(300000);
		CHECK(big != NULL);
		if (big != NULL) {
			for (size_t i = 0; i < 300000; i++)
				big[i] = (unsigned char)(i ^ (i >> 8));
			am_buf_add(&b, big, 300000);
			CHECK(b.len == 310000 && b.cap >= b.len);
			CHECK(memcmp(b.data + 10000, big, 300000) == 0);
			CHECK(b.data[9999] == (unsigned char)(9999 * 7 + 3));
			free(big);
		}
	}
	/* adding nothing changes nothing, even from a NULL pointer */
	am_buf_add(&b, NULL, 0);
	CHECK(b.len == 310000 && !b.oom);
	am_buf_release(&b);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0);

	/* integers append big-endian */
	am_buf_init(&b);
	am_buf_u8(&b, 0xab);
	am_buf_u16(&b, 0x0102);
	am_buf_u32(&b, 0x03040506u);
	am_buf_u64(&b, 0x0708090a0b0c0d0eull);
	{
		static const unsigned char want[] = { 0xab, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };
		CHECK(b.len == sizeof(want) && memcmp(b.data, want, sizeof(want)) == 0);
	}
	d = am_buf_detach(&b, &len);
	CHECK(d != NULL && len == 15);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0); /* detached: b no longer owns it */
	free(d);

	/* an empty buffer detaches to a valid, freeable pointer */
	am_buf_init(&b);
	len = 99;
	d = am_buf_detach(&b, &len);
	CHECK(d != NULL && len == 0);
	free(d);

	/*
	 * oom latches: a size that cannot be represented fails without touching
	 * memory, and every later add is ignored, so a builder checks once.
	 */
	am_buf_init(&b);
	am_buf_add(&b, "abc", 3);
	{
		unsigned char x = 0;
		am_buf_add(&b, &x, SIZE_MAX); /* never dereferenced: the size check comes first */
		CHECK(b.oom);
		CHECK(b.len == 3);
		am_buf_add(&b, "def", 3);
		am_buf_u32(&b, 7);
		am_buf_u8(&b, 1);
		CHECK(b.oom && b.len == 3);
		CHECK(memcmp(b.data, "abc", 3) == 0);
	}
	len = 99;
	d = am_buf_detach(&b, &len);
	CHECK(d == NULL && len == 0);
	CHECK(b.data == NULL && b.oom == 0); /* detach after oom released and reset */

	/* the boundary: exactly one byte past SIZE_MAX/2 - len trips the latch */
	am_buf_init(&b);
	am_buf_add(&b, "xy", 2);
	{
		unsigned char x = 0;
		am_buf_add(&b, &x, SIZE_MAX / 2 - b.len + 1);
		CHECK(b.oom && b.len == 2);
	}
	am_buf_release(&b);
	CHECK(b.oom == 0 && b.data == NULL);
}

/* A structure of every field kind, as a parser would read it. */
static const unsigned char sample[] = {
	0x11,                                           /* u8 */
	0x22, 0x33,                                     /* u16 */
	0x44, 0x55, 0x66, 0x77,                         /* u32 */
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, /* u64 */
	'h', 'e', 'l', 'l', 'o',                        /* 5 bytes */
	1, 2, 3,                                        /* ptr of 3 */
};

/* Parse sample from p/n; 0 when every read succeeded and all was consumed. */
static int parse_sample(const unsigned char *p, size_t n, int *bad_latched)
{
	struct am_rd r;
	uint8_t a = 0;
	uint16_t b16 = 0;
	uint32_t c = 0;
	uint64_t d = 0;
	unsigned char s[5];
	const unsigned char *q;
	int rc = 0;

	am_rd_init(&r, p, n);
	rc |= am_rd_u8(&r, &a);
	rc |= am_rd_u16(&r, &b16);
	rc |= am_rd_u32(&r, &c);
	rc |= am_rd_u64(&r, &d);
	rc |= am_rd_bytes(&r, s, sizeof(s));
	q = am_rd_ptr(&r, 3);
	if (q == NULL)
		rc = -1;
	*bad_latched = r.bad;
	if (rc == 0) {
		if (a != 0x11 || b16 != 0x2233 || c != 0x44556677u || d != 0x8899aabbccddeeffull ||
		    memcmp(s, "hello", 5) != 0 || q[0] != 1 || q[2] != 3)
			return -2;
	}
	if (rc != 0)
		return -1;
	return am_rd_done(&r) ? 0 : -3;
}

static void test_rd(void)
{
	struct am_rd r;
	int bad = 0;
	uint8_t u8 = 0;
	uint16_t u16 = 0;
	uint32_t u32 = 0;
	uint64_t u64 = 0;
	unsigned char out[8];

	CHECK(parse_sample(sample, sizeof(sample), &bad) == 0);
	CHECK(!bad);

	/* every truncation fails, with the latch set, and reads nothing beyond its end */
	for (size_t n = 0; n < sizeof(sample); n++) {
		unsigned char *cp = malloc(n ? n : 1);
		int rc;
		if (cp == NULL)
			continue;
		memcpy(cp, sample, n);
		rc = parse_sample(cp, n, &bad);
		CHECKF(rc == -1 && bad, "truncation to %zu bytes gave %d (bad %d)", n, rc, bad);
		free(cp);
	}
	/* a trailing byte: every read succeeds but the reader is not done */
	{
		unsigned char longer[sizeof(sample) + 1];
		memcpy(longer, sample, sizeof(sample));
		longer[sizeof(sample)] = 0;
		CHECK(parse_sample(longer, sizeof(longer), &bad) == -3);
		CHECK(!bad);
	}

	/* each getter at a short end fails and leaves the reader bad for good */
	{
		static const unsigned char three[3] = { 1, 2, 3 };
		am_rd_init(&r, three, 3);
		CHECK(am_rd_u32(&r, &u32) == -1);
		CHECK(r.bad);
		CHECK(am_rd_u8(&r, &u8) == -1); /* latched: even a 1-byte read now fails */
		CHECK(am_rd_ptr(&r, 0) == NULL);
		CHECK(!am_rd_done(&r));

		am_rd_init(&r, three, 3);
		CHECK(am_rd_u16(&r, &u16) == 0 && u16 == 0x0102);
		CHECK(am_rd_u16(&r, &u16) == -1);
		CHECK(!am_rd_done(&r));

		am_rd_init(&r, three, 3);
		CHECK(am_rd_u64(&r, &u64) == -1);
		am_rd_init(&r, three, 3);
		CHECK(am_rd_bytes(&r, out, 4) == -1);
		am_rd_init(&r, three, 3);
		CHECK(am_rd_bytes(&r, out, 3) == 0 && am_rd_done(&r));
		/* reading zero bytes at the very end is fine and stays done */
		CHECK(am_rd_bytes(&r, out, 0) == 0 && am_rd_done(&r));
		CHECK(am_rd_ptr(&r, 0) != NULL && am_rd_done(&r));
		CHECK(am_rd_u8(&r, &u8) == -1 && !am_rd_done(&r));
	}
	/* sizes that would overflow an "off + n > len" test are refused */
	{
		static const unsigned char four[4] = { 0 };
		am_rd_init(&r, four, 4);
		CHECK(am_rd_u8(&r, &u8) == 0);
		CHECK(am_rd_ptr(&r, SIZE_MAX) == NULL);
		CHECK(r.bad);
		am_rd_init(&r, four, 4);
		CHECK(am_rd_u16(&r, &u16) == 0);
		CHECK(am_rd_ptr(&r, SIZE_MAX - 1) == NULL);
		am_rd_init(&r, four, 4);
		CHECK(am_rd_bytes(&r, out, SIZE_MAX) == -1);
	}
	/* an empty reader is done at once; a NULL pointer with length 0 is fine */
	am_rd_init(&r, NULL, 0);
	CHECK(am_rd_done(&r));
	CHECK(am_rd_u8(&r, &u8) == -1);
	CHECK(!am_rd_done(&r));
	/* a failed read leaves the offset where it was (nothing half-consumed) */
	{
		static const unsigned char five[5] = { 9, 8, 7, 6, 5 };
		am_rd_init(&r, five, 5);
		CHECK(am_rd_u16(&r, &u16) == 0);
		CHECK(am_rd_u32(&r, &u32) == -1);
		CHECK(r.off == 2);
	}
}

/* am_u64_push: every value kept, in order, across the growth steps */
static void test_u64_push(void)
{
	uint64_t *v = NULL;
	size_t n = 0, cap = 0, ok = 0;

	for (uint64_t i = 0; i < 1000; i++)
		CHECK(am_u64_push(&v, &n, &cap, i * 7 + 1) == 0);
	CHECK(n == 1000 && cap >= n && v != NULL);
	for (size_t i = 0; v != NULL && i < n; i++)
		ok += v[i] == (uint64_t)i * 7 + 1;
	CHECK(ok == 1000);
	free(v);
}

int main(void)
{
	test_put_get();
	test_buf();
	test_rd();
	test_u64_push();
	return check_done();
}
