/*
 * bundle_crypt.c — a bundle encrypted to one person (`export --for`,
 * `open-bundle`): the ZIP sealed in chunks exactly as entry content is, under
 * a random file key wrapped to the recipient (docs/BUNDLE.md).  Written while
 * the ZIP is made (bundle_crypt.h), read back into a ZIP file.
 */
#include "bundle_crypt.h"

#include "export_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BX_MAGIC "AMNX"
#define BX_DOM "amanat-bundle-v1"
#define BX_HEAD (4 + 2 + 2 + AM_BOX_PK_LEN + AM_WRAP_LEN + 8)
/* a full chunk in the file: u32 length || ciphertext of mode byte || 1 MiB */
#define BX_REC (4 + 1 + AM_CHUNK_SIZE + AM_AEAD_TAG_LEN)
/* chunks held at once: two for a held local header, the one being written, the one before */
#define BX_MAXHELD 8

static void bx_ad(unsigned char *ad, size_t *n, const unsigned char pk[AM_BOX_PK_LEN])
{
	memcpy(ad, BX_DOM, sizeof(BX_DOM)); /* with its NUL */
	memcpy(ad + sizeof(BX_DOM), pk, AM_BOX_PK_LEN);
	*n = sizeof(BX_DOM) + AM_BOX_PK_LEN;
}

/* A chunk of the ZIP not yet sealed: plaintext, so in secure memory. */
struct bx_chunk {
	uint64_t idx;
	unsigned char *pt; /* mode byte || AM_CHUNK_SIZE bytes */
};

struct am_bx {
	int fd;
	unsigned char head[BX_HEAD];
	unsigned char ad[64];
	size_t adn;
	unsigned char *ck;   /* the chunk key (secure) */
	unsigned char *ct;   /* one sealed chunk record */
	struct bx_chunk held[BX_MAXHELD];
	size_t nheld;
	uint64_t made;       /* chunks begun so far: those below and not held are sealed */
	uint64_t len;        /* bytes of ZIP so far */
	uint64_t hold;       /* first byte held for rewriting, or UINT64_MAX */
	uint64_t nsealed;
};

enum am_status am_bx_open(struct am_bx **out, int fd, const unsigned char box_pk[AM_BOX_PK_LEN],
			  struct am_err *e)
{
	struct am_bx *x = calloc(1, sizeof(*x));
	unsigned char *key = am_secure_alloc(AM_KEY_LEN);
	enum am_status s = AM_OK;

	*out = NULL;
	if (x != NULL) {
		x->fd = fd;
		x->hold = UINT64_MAX;
		x->ck = am_secure_alloc(AM_KEY_LEN);
		x->ct = malloc(BX_REC);
	}
	if (x == NULL || key == NULL || x->ck == NULL || x->ct == NULL) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	am_random(key, AM_KEY_LEN);
	memcpy(x->head, BX_MAGIC, 4);
	am_put_u16(x->head + 4, 1);
	am_put_u16(x->head + 6, 0);
	memcpy(x->head + 8, box_pk, AM_BOX_PK_LEN);
	if (am_wrap(x->head + 8 + AM_BOX_PK_LEN, key, box_pk) != 0 ||
	    am_subkey(x->ck, key, 1, AM_KDF_CTX_CHUNK) != 0) {
		s = am_fail(e, AM_EINPUT, "cannot wrap the bundle key to the recipient");
		goto cleanup;
	}
	bx_ad(x->ad, &x->adn, box_pk);
	*out = x;
	x = NULL;
cleanup:
	am_secure_free(key);
	am_bx_free(x);
	return s;
}

/* Seal chunk c (last: the file's final chunk, len - its start bytes) into its place. */
static int seal_chunk(struct am_bx *x, struct bx_chunk *c, int last)
{
	uint64_t start = c->idx * AM_CHUNK_SIZE;
	size_t take = last ? (size_t)(x->len - start) : AM_CHUNK_SIZE;
	unsigned char nonce[AM_NONCE_LEN];

	c->pt[0] = AM_CHUNK_STORED;
	am_chunk_nonce(nonce, c->idx, last);
	if (am_aead_seal(x->ct + 4, c->pt, take + 1, x->ad, x->adn, nonce, x->ck) != 0) {
		errno = EIO;
		return -1;
	}
	am_put_u32(x->ct, (uint32_t)(take + 1 + AM_AEAD_TAG_LEN));
	if (am_pwrite_all(x->fd, x->ct, 4 + take + 1 + AM_AEAD_TAG_LEN,
			  BX_HEAD + c->idx * (uint64_t)BX_REC) != 0)
		return -1;
	am_secure_free(c->pt);
	*c = x->held[--x->nheld]; /* the order of held chunks does not matter */
	x->nsealed++;
	return 0;
}

/* Seal every held chunk that is full, followed by more, and not held for rewriting. */
static int seal_ready(struct am_bx *x)
{
	for (size_t i = 0; i < x->nheld;) {
		uint64_t lo = x->held[i].idx * AM_CHUNK_SIZE, hi = lo + AM_CHUNK_SIZE;
		int kept = x->hold != UINT64_MAX && hi > x->hold && lo < x->hold + AM_BX_HOLD_SPAN;
		if (x->len > hi && !kept) {
			if (seal_chunk(x, &x->held[i], 0) != 0)
				return -1;
		} else {
			i++;
		}
	}
	return 0;
}

/* The held chunk idx, begun (zeroed) if it is new; NULL with errno. */
static struct bx_chunk *chunk_at(struct am_bx *x, uint64_t idx)
{
	for (size_t i = 0; i < x->nheld; i++)
		if (x->held[i].idx == idx)
			return &x->held[i];
	if (idx < x->made) {
		errno = EROFS;
		return NULL;
	}
	while (x->made <= idx) {
		struct bx_chunk *c = &x->held[x->nheld];
		if (x->nheld == BX_MAXHELD) {
			errno = ENOMEM;
			return NULL;
		}
		c->pt = am_secure_alloc(1 + AM_CHUNK_SIZE);
		if (c->pt == NULL) {
			errno = ENOMEM;
			return NULL;
		}
		memset(c->pt, 0, 1 + AM_CHUNK_SIZE);
		c->idx = x->made++;
		x->nheld++;
	}
	return &x->held[x->nheld - 1];
}

int am_bx_pwrite(struct am_bx *x, const void *p, size_t n, uint64_t pos)
{
	const unsigned char *q = p;

	while (n > 0) {
		struct bx_chunk *c = chunk_at(x, pos / AM_CHUNK_SIZE);
		size_t off = (size_t)(pos % AM_CHUNK_SIZE);
		size_t k = AM_CHUNK_SIZE - off < n ? AM_CHUNK_SIZE - off : n;
		if (c == NULL)
			return -1;
		memcpy(c->pt + 1 + off, q, k);
		q += k;
		pos += k;
		n -= k;
		if (pos > x->len)
			x->len = pos;
	}
	return seal_ready(x);
}

void am_bx_hold(struct am_bx *x, uint64_t pos)
{
	x->hold = pos;
}

enum am_status am_bx_finish(struct am_bx *x, struct am_err *e)
{
	uint64_t last = x->len == 0 ? 0 : (x->len - 1) / AM_CHUNK_SIZE;

	x->hold = UINT64_MAX;
	/* an empty ZIP still has one final chunk, as entry content does (never made here) */
	if (x->len == 0 && chunk_at(x, 0) == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	while (x->nheld > 0) {
		struct bx_chunk *c = &x->held[0];
		if (seal_chunk(x, c, c->idx == last) != 0)
			return am_fail(e, AM_EIO, "cannot write the encrypted bundle: %s",
				       strerror(errno));
	}
	if (x->nsealed != last + 1)
		return am_fail(e, AM_EIO, "the encrypted bundle lacks chunks");
	am_put_u64(x->head + 8 + AM_BOX_PK_LEN + AM_WRAP_LEN, x->len);
	if (am_pwrite_all(x->fd, x->head, sizeof(x->head), 0) != 0 || fsync(x->fd) != 0)
		return am_fail(e, AM_EIO, "cannot write the encrypted bundle: %s", strerror(errno));
	return AM_OK;
}

void am_bx_free(struct am_bx *x)
{
	if (x == NULL)
		return;
	for (size_t i = 0; i < x->nheld; i++)
		am_secure_free(x->held[i].pt);
	am_secure_free(x->ck);
	free(x->ct);
	free(x);
}

enum am_status am_bundle_decrypt(const char *in, const struct am_identity *id, const char *out,
				 struct am_err *e)
{
	unsigned char head[BX_HEAD], ad[64], nonce[AM_NONCE_LEN], lenb[4];
	unsigned char *key = am_secure_alloc(AM_KEY_LEN), *ck = am_secure_alloc(AM_KEY_LEN);
	unsigned char *pt = am_secure_alloc(AM_CHUNK_SIZE + 1);
	unsigned char *ct = malloc(AM_CHUNK_SIZE + 1 + AM_AEAD_TAG_LEN);
	struct am_newfile f;
	uint64_t total, done = 0, idx = 0;
	size_t adn;
	enum am_status s = AM_OK;
	int fd = -1, created = 0;

	f.fd = -1;
	if (!key || !ck || !pt || !ct) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	fd = open(in, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		s = am_fail(e, errno == ENOENT ? AM_EINPUT : AM_EIO, "cannot open %s: %s", in,
			    strerror(errno));
		goto cleanup;
	}
	if (am_read_full(fd, head, sizeof(head)) != (long long)sizeof(head) ||
	    memcmp(head, BX_MAGIC, 4) != 0 || am_get_u16(head + 4) != 1 || am_get_u16(head + 6) != 0) {
		s = am_fail(e, AM_EINPUT, "%s is not an encrypted amanat bundle (.amanat-sealed, "
			    "from 'amanat export --for'); a ZIP or directory bundle needs no "
			    "opening: check it with 'amanat verify-bundle'", in);
		goto cleanup;
	}
	if (memcmp(head + 8, id->box_pk, AM_BOX_PK_LEN) != 0 ||
	    am_unwrap(key, head + 8 + AM_BOX_PK_LEN, id->box_pk, id->box_sk) != 0) {
		s = am_fail(e, AM_EAUTH, "%s is not encrypted to %s", in, id->name);
		goto cleanup;
	}
	total = am_get_u64(head + 8 + AM_BOX_PK_LEN + AM_WRAP_LEN);
	if (am_subkey(ck, key, 1, AM_KDF_CTX_CHUNK) != 0) {
		s = am_fail(e, AM_EINPUT, "key derivation failed");
		goto cleanup;
	}
	bx_ad(ad, &adn, id->box_pk);
	s = am_newfile_open(&f, out, 0600, 0, e);
	created = s == AM_OK;
	while (s == AM_OK) {
		uint64_t want = total - done < AM_CHUNK_SIZE ? total - done : AM_CHUNK_SIZE;
		int last = done + want == total;
		uint32_t cl;
		if (am_read_full(fd, lenb, 4) != 4 || (cl = am_get_u32(lenb)) != want + 1 + AM_AEAD_TAG_LEN ||
		    am_read_full(fd, ct, cl) != (long long)cl) {
			s = am_fail(e, AM_EVERIFY, "%s is truncated or damaged", in);
			break;
		}
		am_chunk_nonce(nonce, idx, last);
		if (am_aead_open(pt, ct, cl, ad, adn, nonce, ck) != 0 || pt[0] != AM_CHUNK_STORED) {
			s = am_fail(e, AM_EVERIFY, "%s: chunk %llu does not decrypt (altered or "
				    "truncated)", in, (unsigned long long)idx);
			break;
		}
		s = am_newfile_write(&f, pt + 1, (size_t)want, e);
		done += want;
		idx++;
		if (last)
			break;
	}
	if (s == AM_OK && am_read_full(fd, lenb, 1) != 0)
		s = am_fail(e, AM_EVERIFY, "%s has data after its last chunk", in);
	if (created) {
		if (s == AM_OK)
			s = am_newfile_commit(&f, 0, e);
		else
			am_newfile_abort(&f);
	}
cleanup:
	if (fd >= 0)
		close(fd);
	am_secure_free(key);
	am_secure_free(ck);
	am_secure_free(pt);
	free(ct);
	return s;
}
