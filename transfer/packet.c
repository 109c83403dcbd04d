/*
 * packet.c — reading and writing transfer packet records as a stream, each
 * byte hashed as it passes (docs/FORMAT.md §25, "framing").
 */
#include "packet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/fsutil.h"

void pk_writer_init(struct pk_writer *w, int fd)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	am_sha256_init(&w->hash);
}

/* Write n bytes and hash them. */
static enum am_status put(struct pk_writer *w, const void *p, size_t n, struct am_err *e)
{
	if (n > 0 && am_write_all(w->fd, p, n) != 0)
		return am_fail(e, AM_EIO, "cannot write the packet: %s", strerror(errno));
	am_sha256_update(&w->hash, p, n);
	w->bytes += n;
	return AM_OK;
}

enum am_status pk_write_magic(struct pk_writer *w, struct am_err *e)
{
	return put(w, PK_MAGIC, PK_MAGIC_LEN, e);
}

enum am_status pk_write(struct pk_writer *w, uint8_t kind, const void *body, size_t n,
			struct am_err *e)
{
	unsigned char head[5];
	enum am_status s;

	if (n > PK_MAX_RECORD)
		return am_fail(e, AM_EINPUT, "a packet record of %zu bytes is too large", n);
	head[0] = kind;
	am_put_u32(head + 1, (uint32_t)n);
	s = put(w, head, sizeof(head), e);
	if (s == AM_OK)
		s = put(w, body, n, e);
	if (s == AM_OK && w->progress.fn != NULL)
		w->progress.fn(w->progress.ctx, w->bytes, 0);
	return s;
}

void pk_writer_digest(const struct pk_writer *w, unsigned char out[AM_HASH_LEN])
{
	am_sha256_ctx c = w->hash;

	am_sha256_final(&c, out);
}

void pk_reader_init(struct pk_reader *r, int fd, const char *path)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->path = path;
	am_sha256_init(&r->hash);
}

void pk_reader_release(struct pk_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
}

/* Read exactly n bytes and hash them; AM_EVERIFY when the file ends first. */
static enum am_status get(struct pk_reader *r, void *p, size_t n, struct am_err *e)
{
	long long got = am_read_full(r->fd, p, n);

	if (got < 0)
		return am_fail(e, AM_EIO, "%s: cannot read: %s", r->path, strerror(errno));
	if ((size_t)got != n)
		return am_fail(e, AM_EVERIFY, "%s: the packet is cut short at byte %llu (truncated "
			       "or copied incompletely)", r->path,
			       (unsigned long long)(r->off + (uint64_t)got));
	am_sha256_update(&r->hash, p, n);
	r->off += n;
	return AM_OK;
}

enum am_status pk_read_magic(struct pk_reader *r, struct am_err *e)
{
	unsigned char m[PK_MAGIC_LEN];
	long long got = am_read_full(r->fd, m, sizeof(m));

	if (got < 0)
		return am_fail(e, AM_EIO, "%s: cannot read: %s", r->path, strerror(errno));
	if (got != PK_MAGIC_LEN || memcmp(m, PK_MAGIC, PK_MAGIC_LEN) != 0)
		return am_fail(e, AM_EINPUT, "%s is not an amanat transfer packet", r->path);
	am_sha256_update(&r->hash, m, sizeof(m));
	r->off = sizeof(m);
	return AM_OK;
}

enum am_status pk_read(struct pk_reader *r, uint8_t *kind, uint32_t *len, uint32_t max,
		       unsigned char before[AM_HASH_LEN], struct am_err *e)
{
	unsigned char head[5];
	am_sha256_ctx c = r->hash;
	uint64_t at = r->off;
	enum am_status s;

	am_sha256_final(&c, before);
	s = get(r, head, sizeof(head), e);
	if (s != AM_OK)
		return s;
	*kind = head[0];
	*len = am_get_u32(head + 1);
	if (*len > max || *len > PK_MAX_RECORD)
		return am_fail(e, AM_EVERIFY, "%s: the record at byte %llu claims %u bytes, more "
			       "than a record of its kind may hold (damaged or tampered)", r->path,
			       (unsigned long long)at, *len);
	if (*len > r->cap) {
		unsigned char *g = realloc(r->buf, *len);
		if (g == NULL)
			return am_fail(e, AM_ENOMEM, "out of memory");
		r->buf = g;
		r->cap = *len;
	}
	s = get(r, r->buf, *len, e);
	if (s == AM_OK && r->progress.fn != NULL)
		r->progress.fn(r->progress.ctx, r->base + r->off, r->total);
	return s;
}

int pk_at_end(struct pk_reader *r)
{
	unsigned char b;

	return am_read_full(r->fd, &b, 1) == 0;
}

void pk_sig_input(unsigned char out[sizeof(PK_DOM_SIG) + AM_HASH_LEN],
		  const unsigned char digest[AM_HASH_LEN])
{
	memcpy(out, PK_DOM_SIG, sizeof(PK_DOM_SIG));
	memcpy(out + sizeof(PK_DOM_SIG), digest, AM_HASH_LEN);
}
