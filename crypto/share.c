/*
 * share.c — recovery shares: splitting an identity, the share text, and
 * rebuilding the identity from enough shares (docs/FORMAT.md §24a).
 *
 * The body of a share is a small binary record; its text is that record in
 * hex, sixteen bytes a line, each line numbered and ending in a check of its
 * own, so that a person typing a printed share back in is told which line
 * is wrong rather than that "the share" is.
 */
#include "share.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shamir.h"
#include "../common/bytes.h"
#include "../common/fsutil.h"

#define SHARE_MAGIC "AMNS"
#define SHARE_VERSION 1
#define SHARE_HEADER "amanat-share-v1"
#define DOM_SHARE "amanat-share-v1"          /* whole-body checksum, with its NUL */
#define DOM_SHARE_LINE "amanat-share-line-v1" /* per-line check, with its NUL */
#define BODY_CHECK_LEN 4
#define LINE_BYTES 16
#define LINE_CHECK_LEN 2
/* magic 4, version, k, n, x, split id 8, created 8, two keys, name length */
#define BODY_FIXED (4 + 4 + AM_SPLIT_ID_LEN + 8 + AM_SIGN_PK_LEN + AM_BOX_PK_LEN + 1)
#define BODY_MAX (BODY_FIXED + AM_NAME_MAX + AM_SHARE_SECRET_LEN + BODY_CHECK_LEN)
#define MAX_LINES ((BODY_MAX + LINE_BYTES - 1) / LINE_BYTES)

void am_share_init(struct am_share *sh)
{
	memset(sh, 0, sizeof(*sh));
}

void am_share_release(struct am_share *sh)
{
	am_secure_free(sh->y);
	am_share_init(sh);
}

/*
 * H(domain || NUL || p)[0..n) for the share checksum; for a line's check
 * (line > 0) H(domain || NUL || u8 x || u8 line || p), x being the share's
 * index, so that a line copied from another share is named too.
 */
static void check_of(unsigned char *out, size_t n, const char *dom, const void *p, size_t len,
		     int line, unsigned x)
{
	am_sha256_ctx c;
	unsigned char h[AM_HASH_LEN];

	am_sha256_init(&c);
	am_sha256_update(&c, dom, strlen(dom) + 1);
	if (line > 0) {
		unsigned char l[2] = { (unsigned char)x, (unsigned char)line };
		am_sha256_update(&c, l, 2);
	}
	am_sha256_update(&c, p, len);
	am_sha256_final(&c, h);
	memcpy(out, h, n);
}

enum am_status am_identity_split(const struct am_identity *id, unsigned n, unsigned k,
				 struct am_share *sh, struct am_err *e)
{
	unsigned char *secret = NULL, *ys = NULL, split_id[AM_SPLIT_ID_LEN];
	enum am_status s = AM_OK;

	if (k < 2 || n < k || n > AM_SHAMIR_MAX_SHARES)
		return am_fail(e, AM_EINPUT, "a split needs 2 <= threshold <= shares <= %d",
			       AM_SHAMIR_MAX_SHARES);
	for (unsigned i = 0; i < n; i++)
		am_share_init(&sh[i]);
	secret = am_secure_alloc(AM_SHARE_SECRET_LEN);
	ys = am_secure_alloc((size_t)n * AM_SHARE_SECRET_LEN);
	if (secret == NULL || ys == NULL) {
		s = am_fail(e, AM_ENOMEM, "cannot allocate secure memory for the shares");
		goto cleanup;
	}
	if (am_identity_secret(id, secret) != 0) {
		s = am_fail(e, AM_EINPUT, "identity has no secret keys to split");
		goto cleanup;
	}
	if (am_shamir_split(ys, secret, AM_SHARE_SECRET_LEN, n, k) != 0) {
		s = am_fail(e, AM_ENOMEM, "cannot split the keys (out of secure memory?)");
		goto cleanup;
	}
	am_random(split_id, sizeof(split_id));
	for (unsigned i = 0; i < n && s == AM_OK; i++) {
		struct am_share *t = &sh[i];
		t->k = k;
		t->n = n;
		t->x = i + 1;
		memcpy(t->split_id, split_id, sizeof(split_id));
		t->created = id->created;
		snprintf(t->name, sizeof(t->name), "%s", id->name);
		memcpy(t->sign_pk, id->sign_pk, AM_SIGN_PK_LEN);
		memcpy(t->box_pk, id->box_pk, AM_BOX_PK_LEN);
		t->y = am_secure_alloc(AM_SHARE_SECRET_LEN);
		if (t->y == NULL)
			s = am_fail(e, AM_ENOMEM, "cannot allocate secure memory for the shares");
		else
			memcpy(t->y, ys + (size_t)i * AM_SHARE_SECRET_LEN, AM_SHARE_SECRET_LEN);
	}
cleanup:
	am_secure_free(secret);
	am_secure_free(ys);
	if (s != AM_OK)
		for (unsigned i = 0; i < n; i++)
			am_share_release(&sh[i]);
	return s;
}

/* The name of share i in messages: its file, or its index. */
static void share_label(char *buf, size_t n, const struct am_share *sh,
			const char *const *what, unsigned i)
{
	if (what != NULL && what[i] != NULL)
		snprintf(buf, n, "%s", what[i]);
	else
		snprintf(buf, n, "share %u", sh[i].x);
}

/* Do shares a and b come from one split of one identity? */
static int same_split(const struct am_share *a, const struct am_share *b)
{
	return a->k == b->k && a->n == b->n && a->created == b->created &&
	       memcmp(a->split_id, b->split_id, AM_SPLIT_ID_LEN) == 0 &&
	       strcmp(a->name, b->name) == 0 &&
	       memcmp(a->sign_pk, b->sign_pk, AM_SIGN_PK_LEN) == 0 &&
	       memcmp(a->box_pk, b->box_pk, AM_BOX_PK_LEN) == 0;
}

/* Refuse a set of shares that cannot be combined, saying why and which. */
static enum am_status check_set(const struct am_share *sh, const char *const *what,
				unsigned count, struct am_err *e)
{
	char la[300], lb[300];

	if (count == 0)
		return am_fail(e, AM_EINPUT, "no shares given");
	for (unsigned i = 0; i < count; i++) {
		share_label(la, sizeof(la), sh, what, i);
		if (sh[i].y == NULL)
			return am_fail(e, AM_EINPUT, "%s holds no share", la);
		if (i > 0 && memcmp(sh[i].sign_pk, sh[0].sign_pk, AM_SIGN_PK_LEN) != 0) {
			share_label(lb, sizeof(lb), sh, what, 0);
			return am_fail(e, AM_EINPUT, "%s is a share of another identity than %s; "
				       "give shares of one identity only", la, lb);
		}
		if (i > 0 && !same_split(&sh[i], &sh[0])) {
			share_label(lb, sizeof(lb), sh, what, 0);
			return am_fail(e, AM_EINPUT, "%s and %s come from different splits of the "
				       "identity; give shares of one split only", la, lb);
		}
		for (unsigned j = 0; j < i; j++)
			if (sh[j].x == sh[i].x) {
				share_label(lb, sizeof(lb), sh, what, j);
				return am_fail(e, AM_EINPUT, "%s and %s are both share %u of %u; "
					       "each share counts once", lb, la, sh[i].x, sh[i].n);
			}
	}
	if (count < sh[0].k)
		return am_fail(e, AM_EINPUT, "%u share%s given, but this identity was split so "
			       "that %u of its %u shares are needed: find %u more", count,
			       count == 1 ? "" : "s", sh[0].k, sh[0].n, sh[0].k - count);
	return AM_OK;
}

/*
 * Combine k shares of sh, leaving out share skip (or none when skip is
 * count), and keep the result in id if it gives the keys the shares name.
 * 1 when it does, 0 when not, -1 on an allocation failure.
 */
static int try_combine(const struct am_share *sh, unsigned count, unsigned skip,
		       unsigned char *secret, struct am_identity *id)
{
	unsigned char xs[AM_SHAMIR_MAX_SHARES];
	const unsigned char *ys[AM_SHAMIR_MAX_SHARES];
	unsigned k = sh[0].k, m = 0;
	enum am_status s;

	for (unsigned i = 0; i < count && m < k; i++) {
		if (i == skip)
			continue;
		xs[m] = (unsigned char)sh[i].x;
		ys[m++] = sh[i].y;
	}
	if (m < k || am_shamir_combine(secret, AM_SHARE_SECRET_LEN, xs, ys, k) != 0)
		return 0;
	s = am_identity_from_secret(id, sh[0].name, secret, NULL);
	if (s != AM_OK)
		return s == AM_ENOMEM ? -1 : 0;
	if (am_equal(id->sign_pk, sh[0].sign_pk, AM_SIGN_PK_LEN) &&
	    am_equal(id->box_pk, sh[0].box_pk, AM_BOX_PK_LEN))
		return 1;
	am_identity_release(id);
	return 0;
}

enum am_status am_identity_recover(const struct am_share *sh, const char *const *what,
				   unsigned count, struct am_identity *id, unsigned *left_out,
				   struct am_err *e)
{
	unsigned char *secret = NULL;
	enum am_status s;
	int rc;

	am_identity_init(id);
	*left_out = count;
	s = check_set(sh, what, count, e);
	if (s != AM_OK)
		return s;
	secret = am_secure_alloc(AM_SHARE_SECRET_LEN);
	if (secret == NULL)
		return am_fail(e, AM_ENOMEM, "cannot allocate secure memory for keys");
	/* any k shares of one split agree: the first k, unless one of them is wrong */
	rc = try_combine(sh, count, count, secret, id);
	/* with more than k, find the one share that does not agree by leaving each out */
	for (unsigned skip = 0; rc == 0 && count > sh[0].k && skip < count; skip++) {
		rc = try_combine(sh, count, skip, secret, id);
		if (rc == 1)
			*left_out = skip;
	}
	if (rc < 0) {
		s = am_fail(e, AM_ENOMEM, "cannot allocate secure memory for keys");
	} else if (rc == 0) {
		s = am_fail(e, AM_EINPUT, "the shares do not rebuild the keys of %s: one of them "
			    "was altered after it was made (its checks were made again)%s",
			    sh[0].name, count > sh[0].k ? ", or more than one" : "");
	} else {
		id->created = sh[0].created;
	}
	am_secure_free(secret);
	return s;
}

/* The binary body of a share (docs/FORMAT.md §24a) into out (BODY_MAX); its length. */
static size_t share_body(const struct am_share *sh, unsigned char *out)
{
	size_t nlen = strlen(sh->name), off = 0;

	memcpy(out, SHARE_MAGIC, 4);
	out[4] = SHARE_VERSION;
	out[5] = (unsigned char)sh->k;
	out[6] = (unsigned char)sh->n;
	out[7] = (unsigned char)sh->x;
	off = 8;
	memcpy(out + off, sh->split_id, AM_SPLIT_ID_LEN);
	off += AM_SPLIT_ID_LEN;
	am_put_u64(out + off, sh->created);
	off += 8;
	memcpy(out + off, sh->sign_pk, AM_SIGN_PK_LEN);
	off += AM_SIGN_PK_LEN;
	memcpy(out + off, sh->box_pk, AM_BOX_PK_LEN);
	off += AM_BOX_PK_LEN;
	out[off++] = (unsigned char)nlen;
	memcpy(out + off, sh->name, nlen);
	off += nlen;
	memcpy(out + off, sh->y, AM_SHARE_SECRET_LEN);
	off += AM_SHARE_SECRET_LEN;
	check_of(out + off, BODY_CHECK_LEN, DOM_SHARE, out, off, 0, 0);
	return off + BODY_CHECK_LEN;
}

int am_share_format(const struct am_share *sh, char *out, size_t outlen)
{
	unsigned char *body = am_secure_alloc(BODY_MAX);
	char kid[2 * AM_KEYID_LEN + 1], hex[2 * LINE_BYTES + 1] = "";
	size_t blen, pos = 0;
	int n, rc = -1;

	if (body == NULL || sh->y == NULL || sh->k < 2 || sh->n < sh->k ||
	    sh->n > AM_SHAMIR_MAX_SHARES || sh->x < 1 || sh->x > sh->n || !am_name_ok(sh->name))
		goto cleanup;
	blen = share_body(sh, body);
	am_key_id_hex(kid, sh->sign_pk);
	n = snprintf(out, outlen, SHARE_HEADER "\n"
		     "# recovery share %u of %u of the amanat identity %s (key id %s)\n"
		     "# any %u of the %u shares restore it: amanat id recover SHARE... --out NEW.id\n"
		     "# keep it apart from the other shares; the lines below are the share\n",
		     sh->x, sh->n, sh->name, kid, sh->k, sh->n);
	if (n < 0 || (size_t)n >= outlen)
		goto cleanup;
	pos = (size_t)n;
	for (size_t off = 0, line = 1; off < blen; off += LINE_BYTES, line++) {
		size_t m = blen - off < LINE_BYTES ? blen - off : LINE_BYTES;
		unsigned char chk[LINE_CHECK_LEN];
		char chkhex[2 * LINE_CHECK_LEN + 1];

		check_of(chk, sizeof(chk), DOM_SHARE_LINE, body + off, m, (int)line, sh->x);
		am_hex(chkhex, chk, sizeof(chk));
		n = snprintf(out + pos, outlen - pos, "%02zu", line);
		if (n < 0 || (size_t)n >= outlen - pos)
			goto cleanup;
		pos += (size_t)n;
		/* groups of four bytes, for the eye */
		for (size_t g = 0; g < m; g += 4) {
			size_t gl = m - g < 4 ? m - g : 4;
			am_hex(hex, body + off + g, gl);
			n = snprintf(out + pos, outlen - pos, " %s", hex);
			if (n < 0 || (size_t)n >= outlen - pos)
				goto cleanup;
			pos += (size_t)n;
		}
		n = snprintf(out + pos, outlen - pos, "  %s\n", chkhex);
		if (n < 0 || (size_t)n >= outlen - pos)
			goto cleanup;
		pos += (size_t)n;
	}
	rc = 0;
cleanup:
	am_wipe(hex, sizeof(hex));
	am_secure_free(body);
	if (rc != 0 && outlen > 0)
		am_wipe(out, outlen);
	return rc;
}

/* Where parsing stands: the body so far and the next line expected. */
struct parse {
	const char *what;
	unsigned char *body; /* secure, BODY_MAX */
	size_t len;
	unsigned next;       /* the next line number expected */
	int short_seen;      /* a line of fewer than LINE_BYTES bytes: it must be the last */
	unsigned x;          /* the share's index, from line 1 */
};

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* One data line (text[0..n), no newline): decode, check, append. */
static enum am_status parse_line(struct parse *ps, const char *t, size_t n, struct am_err *e)
{
	const char *tok[2 + LINE_BYTES];
	size_t tlen[2 + LINE_BYTES], ntok = 0, got = 0;
	unsigned char bytes[LINE_BYTES], chk[LINE_CHECK_LEN], want[LINE_CHECK_LEN];
	uint64_t no = 0;
	enum am_status s = AM_OK;

	for (size_t i = 0; i < n;) {
		size_t j;
		while (i < n && is_space(t[i]))
			i++;
		if (i == n)
			break;
		j = i;
		while (j < n && !is_space(t[j]))
			j++;
		if (ntok == sizeof(tok) / sizeof(tok[0]))
			return am_fail(e, AM_EINPUT, "%s, line %u: too many groups of digits", ps->what,
				       ps->next);
		tok[ntok] = t + i;
		tlen[ntok++] = j - i;
		i = j;
	}
	/* the line's own number: a line lost or given twice is named before anything */
	for (size_t i = 0; ntok > 0 && i < tlen[0]; i++) {
		if (tok[0][i] < '0' || tok[0][i] > '9' || i >= 3) {
			no = 0;
			break;
		}
		no = no * 10 + (uint64_t)(tok[0][i] - '0');
	}
	if (ntok < 3 || no == 0)
		return am_fail(e, AM_EINPUT, "%s, line %u: expected the line number, groups of hex "
			       "digits and a check, as printed", ps->what, ps->next);
	if (no > ps->next)
		return am_fail(e, AM_EINPUT, "%s: line %u is missing", ps->what, ps->next);
	if (no < ps->next)
		return am_fail(e, AM_EINPUT, "%s: line %u appears twice or out of order", ps->what,
			       (unsigned)no);
	if (ps->short_seen || ps->len >= BODY_MAX)
		return am_fail(e, AM_EINPUT, "%s, line %u: the share has ended before it", ps->what,
			       ps->next);
	for (size_t i = 1; i + 1 < ntok; i++) {
		size_t m = tlen[i] / 2;
		if (tlen[i] % 2 != 0 || got + m > LINE_BYTES ||
		    am_unhex(bytes + got, m, tok[i], tlen[i]) != 0) {
			s = am_fail(e, AM_EINPUT, "%s, line %u: check failed (a digit is mistyped, "
				    "missing or extra)", ps->what, ps->next);
			goto cleanup;
		}
		got += m;
	}
	if (am_unhex(want, sizeof(want), tok[ntok - 1], tlen[ntok - 1]) != 0)
		s = am_fail(e, AM_EINPUT, "%s, line %u: its check is not 4 hex digits", ps->what,
			    ps->next);
	/* the share's index is byte 7 of line 1, which is checked first */
	if (ps->next == 1)
		ps->x = got > 7 ? bytes[7] : 0;
	check_of(chk, sizeof(chk), DOM_SHARE_LINE, bytes, got, (int)ps->next, ps->x);
	if (s == AM_OK && !am_equal(chk, want, sizeof(chk)))
		s = am_fail(e, AM_EINPUT, "%s, line %u: check failed (a digit is mistyped, missing "
			    "or extra)", ps->what, ps->next);
	if (s == AM_OK && ps->len + got > BODY_MAX)
		s = am_fail(e, AM_EINPUT, "%s, line %u: the share is longer than any share",
			    ps->what, ps->next);
	if (s == AM_OK) {
		memcpy(ps->body + ps->len, bytes, got);
		ps->len += got;
		ps->short_seen = got < LINE_BYTES;
		ps->next++;
	}
cleanup:
	am_wipe(bytes, sizeof(bytes));
	return s;
}

/* The body, whole: its fields into sh (y into secure memory). */
static enum am_status parse_body(struct parse *ps, struct am_share *sh, struct am_err *e)
{
	const unsigned char *b = ps->body;
	unsigned char chk[BODY_CHECK_LEN];
	size_t off = 8, nlen, total;

	if (ps->len < BODY_FIXED)
		return am_fail(e, AM_EINPUT, "%s: line %u is missing (the share is cut short)",
			       ps->what, ps->next);
	if (memcmp(b, SHARE_MAGIC, 4) != 0 || b[4] != SHARE_VERSION)
		return am_fail(e, AM_EINPUT, "%s: a share of an unknown version", ps->what);
	nlen = b[BODY_FIXED - 1];
	total = BODY_FIXED + nlen + AM_SHARE_SECRET_LEN + BODY_CHECK_LEN;
	if (nlen == 0 || nlen > AM_NAME_MAX)
		return am_fail(e, AM_EINPUT, "%s: the share holds an invalid name", ps->what);
	if (ps->len < total)
		return am_fail(e, AM_EINPUT, "%s: line %u is missing (the share is cut short)",
			       ps->what, ps->next);
	if (ps->len > total)
		return am_fail(e, AM_EINPUT, "%s: the share goes on after its end", ps->what);
	check_of(chk, sizeof(chk), DOM_SHARE, b, total - BODY_CHECK_LEN, 0, 0);
	if (!am_equal(chk, b + total - BODY_CHECK_LEN, BODY_CHECK_LEN))
		return am_fail(e, AM_EINPUT, "%s: the share's checksum does not match: its lines "
			       "are each intact but do not belong together", ps->what);
	sh->k = b[5];
	sh->n = b[6];
	sh->x = b[7];
	if (sh->k < 2 || sh->n < sh->k || sh->x < 1 || sh->x > sh->n)
		return am_fail(e, AM_EINPUT, "%s: the share's numbers (share %u of %u, %u needed) "
			       "are impossible", ps->what, sh->x, sh->n, sh->k);
	memcpy(sh->split_id, b + off, AM_SPLIT_ID_LEN);
	off += AM_SPLIT_ID_LEN;
	sh->created = am_get_u64(b + off);
	off += 8;
	memcpy(sh->sign_pk, b + off, AM_SIGN_PK_LEN);
	off += AM_SIGN_PK_LEN;
	memcpy(sh->box_pk, b + off, AM_BOX_PK_LEN);
	off += AM_BOX_PK_LEN + 1;
	memcpy(sh->name, b + off, nlen);
	sh->name[nlen] = '\0';
	if (strlen(sh->name) != nlen || !am_name_ok(sh->name))
		return am_fail(e, AM_EINPUT, "%s: the share holds an invalid name", ps->what);
	off += nlen;
	sh->y = am_secure_alloc(AM_SHARE_SECRET_LEN);
	if (sh->y == NULL)
		return am_fail(e, AM_ENOMEM, "cannot allocate secure memory for the share");
	memcpy(sh->y, b + off, AM_SHARE_SECRET_LEN);
	return AM_OK;
}

enum am_status am_share_parse(const char *what, const char *text, size_t len,
			      struct am_share *sh, struct am_err *e)
{
	struct parse ps = { .what = what, .next = 1 };
	int header = 0;
	enum am_status s = AM_OK;

	am_share_init(sh);
	ps.body = am_secure_alloc(BODY_MAX);
	if (ps.body == NULL)
		return am_fail(e, AM_ENOMEM, "cannot allocate secure memory for the share");
	for (size_t i = 0; i < len && s == AM_OK;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len, a = i, z = end;

		i = end + 1;
		while (a < z && is_space(text[a]))
			a++;
		while (z > a && (is_space(text[z - 1]) || text[z - 1] == '\r'))
			z--;
		if (a == z || text[a] == '#')
			continue;
		if (memchr(text + a, '\0', z - a) != NULL) {
			s = am_fail(e, AM_EINPUT, "%s is not an amanat recovery share", what);
		} else if (!header) {
			if (z - a != strlen(SHARE_HEADER) || memcmp(text + a, SHARE_HEADER, z - a) != 0)
				s = am_fail(e, AM_EINPUT, "%s is not an amanat recovery share (it does "
					    "not start with '" SHARE_HEADER "')", what);
			header = 1;
		} else {
			s = parse_line(&ps, text + a, z - a, e);
		}
	}
	if (s == AM_OK && !header)
		s = am_fail(e, AM_EINPUT, "%s is not an amanat recovery share", what);
	if (s == AM_OK)
		s = parse_body(&ps, sh, e);
	am_secure_free(ps.body);
	if (s != AM_OK)
		am_share_release(sh);
	return s;
}

enum am_status am_share_write(const char *path, const struct am_share *sh, struct am_err *e)
{
	char *text = am_secure_alloc(AM_SHARE_TEXT_MAX);
	enum am_status s;

	if (text == NULL)
		return am_fail(e, AM_ENOMEM, "cannot allocate secure memory for the share");
	if (am_share_format(sh, text, AM_SHARE_TEXT_MAX) != 0)
		s = am_fail(e, AM_EINPUT, "cannot format share %u", sh->x);
	else
		s = am_write_new_file(path, 0600, text, strlen(text), e);
	am_secure_free(text);
	return s;
}

enum am_status am_share_read(const char *path, struct am_share *sh, struct am_err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	enum am_status s;

	am_share_init(sh);
	s = am_read_small_file(path, AM_SHARE_TEXT_MAX * 4, &buf, &len, e);
	if (s != AM_OK)
		return s;
	s = am_share_parse(path, (const char *)buf, len, sh, e);
	am_wipe(buf, len);
	free(buf);
	return s;
}

int am_share_looks(const unsigned char *text, size_t len)
{
	size_t h = strlen(SHARE_HEADER);

	return len >= h && memcmp(text, SHARE_HEADER, h) == 0;
}
