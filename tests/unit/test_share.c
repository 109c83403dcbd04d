/*
 * test_share.c — recovery shares (crypto/share.c, docs/FORMAT.md §24a).
 *
 * The test vector of §24a: the fictional admin of the format's test vectors
 * (§23) split 2-of-3 with fixed coefficients and split id, each share's text
 * compared with the one printed in FORMAT.md (`test_share --print` prints
 * them).  Then: every one-digit change anywhere in a share is refused naming
 * its line; every cut of a share is refused; recovery refuses too few
 * shares, a share given twice, shares of two splits or two identities, and a
 * share whose secret part was changed with its checks made again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/shamir.h"
#include "crypto/share.h"
#include "check.h"

static void pattern(unsigned char *p, unsigned char s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(s + i);
}

/* The §23 admin: seed pattern(0x00, 32), X25519 key pattern(0x20, 32). */
static void admin(struct am_identity *id)
{
	unsigned char secret[64];

	pattern(secret, 0x00, 32);
	pattern(secret + 32, 0x20, 32);
	if (am_identity_from_secret(id, "fictional-admin", secret, NULL) != AM_OK)
		abort();
}

/*
 * The §24a vector: 2 of 3, split id pattern(0x70, 8), created T0 of §23 in
 * seconds (1700000000), coefficients pattern(0x90, 64).
 */
static void vector_shares(const struct am_identity *id, struct am_share sh[3])
{
	unsigned char secret[64], coeffs[64], ys[3 * 64];

	pattern(coeffs, 0x90, sizeof(coeffs));
	if (am_identity_secret(id, secret) != 0 ||
	    am_shamir_split_with(ys, secret, 64, 3, 2, coeffs) != 0)
		abort();
	for (unsigned i = 0; i < 3; i++) {
		am_share_init(&sh[i]);
		sh[i].k = 2;
		sh[i].n = 3;
		sh[i].x = i + 1;
		pattern(sh[i].split_id, 0x70, AM_SPLIT_ID_LEN);
		sh[i].created = 1700000000;
		snprintf(sh[i].name, sizeof(sh[i].name), "%s", id->name);
		memcpy(sh[i].sign_pk, id->sign_pk, AM_SIGN_PK_LEN);
		memcpy(sh[i].box_pk, id->box_pk, AM_BOX_PK_LEN);
		sh[i].y = am_secure_alloc(64);
		memcpy(sh[i].y, ys + i * 64, 64);
	}
}

/* Share 2 of the vector, as docs/FORMAT.md §24a prints it. */
static const char VECTOR_SHARE_2[] =
#include "share_vector.inc"
	;

static void test_vector(int print)
{
	struct am_identity id, back;
	struct am_share sh[3], parsed;
	char text[AM_SHARE_TEXT_MAX];
	const char *what[2] = { "one", "three" };
	struct am_share two[2];
	unsigned left;

	admin(&id);
	vector_shares(&id, sh);
	for (int i = 0; i < 3; i++) {
		CHECK(am_share_format(&sh[i], text, sizeof(text)) == 0);
		if (print)
			printf("%s\n", text);
		if (i == 1)
			CHECKF(strcmp(text, VECTOR_SHARE_2) == 0, "share 2 differs from FORMAT.md:\n%s",
			       text);
		CHECK_ST(am_share_parse("v", text, strlen(text), &parsed, NULL), AM_OK);
		CHECK(parsed.k == 2 && parsed.n == 3 && parsed.x == (unsigned)i + 1);
		CHECK(strcmp(parsed.name, "fictional-admin") == 0);
		CHECK(memcmp(parsed.y, sh[i].y, 64) == 0);
		CHECK(memcmp(parsed.split_id, sh[i].split_id, AM_SPLIT_ID_LEN) == 0);
		CHECK(parsed.created == 1700000000);
		am_share_release(&parsed);
	}
	/* shares 1 and 3 restore the admin */
	two[0] = sh[0];
	two[1] = sh[2];
	CHECK_ST(am_identity_recover(two, what, 2, &back, &left, NULL), AM_OK);
	CHECK(memcmp(back.sign_pk, id.sign_pk, AM_SIGN_PK_LEN) == 0);
	CHECK(memcmp(back.box_pk, id.box_pk, AM_BOX_PK_LEN) == 0);
	CHECK(back.sign_sk != NULL && memcmp(back.sign_sk, id.sign_sk, AM_SIGN_SK_LEN) == 0);
	CHECK(strcmp(back.name, id.name) == 0);
	CHECK(back.created == 1700000000);
	am_identity_release(&back);
	for (int i = 0; i < 3; i++)
		am_share_release(&sh[i]);
	am_identity_release(&id);
}

/* The data line (1-based) holding text position pos, or 0 outside data lines. */
static int line_at(const char *text, size_t pos)
{
	size_t start = pos;

	while (start > 0 && text[start - 1] != '\n')
		start--;
	if (text[start] < '0' || text[start] > '9')
		return 0;
	return atoi(text + start);
}

static void test_every_digit(void)
{
	struct am_identity id;
	struct am_share sh[3], parsed;
	char text[AM_SHARE_TEXT_MAX], bad[AM_SHARE_TEXT_MAX], want[64];
	struct am_err e;
	size_t len;
	int tried = 0, named = 0;

	admin(&id);
	vector_shares(&id, sh);
	CHECK(am_share_format(&sh[1], text, sizeof(text)) == 0);
	len = strlen(text);
	for (size_t pos = 0; pos < len; pos++) {
		int line = line_at(text, pos);
		char c = text[pos];
		const char *hexd = "0123456789abcdef";
		/* only the hex digits after the line number */
		if (line == 0 || strchr(hexd, c) == NULL || text[pos - 1] == '\n' ||
		    (pos >= 2 && text[pos - 2] == '\n'))
			continue;
		memcpy(bad, text, len + 1);
		bad[pos] = c == 'a' ? 'b' : 'a';
		am_err_init(&e);
		tried++;
		CHECK_ST(am_share_parse("s", bad, len, &parsed, &e), AM_EINPUT);
		snprintf(want, sizeof(want), "s, line %d: ", line);
		if (strstr(e.msg, want) != NULL && strstr(e.msg, "check failed") != NULL)
			named++;
		else
			CHECKF(0, "position %zu (line %d): %s", pos, line, e.msg);
	}
	CHECKF(tried > 300 && named == tried, "%d of %d changed digits named by line", named, tried);
	/* every cut is refused, except of the final newline alone */
	for (size_t cut = 0; cut < len; cut++) {
		enum am_status s = am_share_parse("s", text, cut, &parsed, NULL);
		if (cut == len - 1)
			CHECK_ST(s, AM_OK);
		else
			CHECKF(s == AM_EINPUT, "a share cut at %zu of %zu parsed", cut, len);
		am_share_release(&parsed);
	}
	for (int i = 0; i < 3; i++)
		am_share_release(&sh[i]);
	am_identity_release(&id);
}

static void test_refusals(void)
{
	struct am_identity id, other, back;
	struct am_share a[3], b[3], set[3];
	struct am_err e;
	unsigned left;

	admin(&id);
	CHECK_ST(am_identity_generate(&other, "fictional-other", NULL), AM_OK);
	CHECK_ST(am_identity_split(&id, 3, 1, a, NULL), AM_EINPUT);
	CHECK_ST(am_identity_split(&id, 2, 3, a, NULL), AM_EINPUT);
	CHECK_ST(am_identity_split(&id, 3, 2, a, NULL), AM_OK);
	CHECK_ST(am_identity_split(&id, 3, 2, b, NULL), AM_OK);
	/* too few */
	am_err_init(&e);
	CHECK_ST(am_identity_recover(a, NULL, 1, &back, &left, &e), AM_EINPUT);
	CHECK(strstr(e.msg, "2 of its 3 shares are needed: find 1 more") != NULL);
	/* the same share twice */
	set[0] = a[1];
	set[1] = a[1];
	am_err_init(&e);
	CHECK_ST(am_identity_recover(set, NULL, 2, &back, &left, &e), AM_EINPUT);
	CHECK(strstr(e.msg, "share 2 and share 2 are both share 2 of 3") != NULL);
	/* two splits of one identity */
	set[0] = a[0];
	set[1] = b[1];
	am_err_init(&e);
	CHECK_ST(am_identity_recover(set, NULL, 2, &back, &left, &e), AM_EINPUT);
	CHECK(strstr(e.msg, "different splits") != NULL);
	/* a split of each of two identities */
	for (int i = 0; i < 3; i++)
		am_share_release(&b[i]);
	CHECK_ST(am_identity_split(&other, 3, 2, b, NULL), AM_OK);
	set[1] = b[1];
	am_err_init(&e);
	CHECK_ST(am_identity_recover(set, NULL, 2, &back, &left, &e), AM_EINPUT);
	CHECK(strstr(e.msg, "another identity") != NULL);
	/* the secret part changed: the keys rebuilt are not the ones named */
	a[2].y[5] ^= 1;
	set[0] = a[0];
	set[1] = a[2];
	am_err_init(&e);
	CHECK_ST(am_identity_recover(set, NULL, 2, &back, &left, &e), AM_EINPUT);
	CHECK(strstr(e.msg, "do not rebuild the keys of fictional-admin") != NULL);
	CHECK(back.sign_sk == NULL && back.box_sk == NULL);
	/* with all three, an altered one among the first two is found and left out */
	a[2].y[5] ^= 1;
	a[0].y[9] ^= 1;
	CHECK_ST(am_identity_recover(a, NULL, 3, &back, &left, NULL), AM_OK);
	CHECK_EQ(left, 0);
	CHECK(memcmp(back.sign_pk, id.sign_pk, AM_SIGN_PK_LEN) == 0);
	am_identity_release(&back);
	a[1].y[0] ^= 1; /* two altered of three: nothing to fall back on */
	am_err_init(&e);
	CHECK_ST(am_identity_recover(a, NULL, 3, &back, &left, &e), AM_EINPUT);
	CHECK(strstr(e.msg, "or more than one") != NULL);
	a[1].y[0] ^= 1;
	a[0].y[9] ^= 1;
	CHECK_ST(am_identity_recover(set, NULL, 2, &back, &left, NULL), AM_OK);
	CHECK_EQ(left, 2);
	am_identity_release(&back);
	CHECK_ST(am_identity_recover(a, NULL, 3, &back, &left, NULL), AM_OK);
	CHECK_EQ(left, 3);
	am_identity_release(&back);
	for (int i = 0; i < 3; i++) {
		am_share_release(&a[i]);
		am_share_release(&b[i]);
	}
	am_identity_release(&id);
	am_identity_release(&other);
}

int main(int argc, char **argv)
{
	if (am_crypto_init() != 0)
		return 1;
	test_vector(argc > 1 && strcmp(argv[1], "--print") == 0);
	test_every_digit();
	test_refusals();
	return check_done();
}
