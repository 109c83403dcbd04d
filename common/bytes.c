/* bytes.c — big-endian helpers, am_buf and am_rd. */
#include "bytes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void am_put_u16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

void am_put_u32(unsigned char *p, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

void am_put_u64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

uint16_t am_get_u16(const unsigned char *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

uint32_t am_get_u32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

uint64_t am_get_u64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

void am_buf_init(struct am_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void am_buf_release(struct am_buf *b)
{
	if (b->data != NULL) {
		memset(b->data, 0, b->cap);
		free(b->data);
	}
	am_buf_init(b);
}

void am_buf_add(struct am_buf *b, const void *p, size_t n)
{
	if (b->oom || n == 0)
		return;
	if (n > SIZE_MAX / 2 - b->len) {
		b->oom = 1;
		return;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		unsigned char *d;
		while (cap < b->len + n)
			cap *= 2;
		d = malloc(cap);
		if (d == NULL) {
			b->oom = 1;
			return;
		}
		/* copy and wipe rather than realloc, so no stale copy is left behind */
		if (b->data != NULL) {
			memcpy(d, b->data, b->len);
			memset(b->data, 0, b->cap);
			free(b->data);
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void am_buf_u8(struct am_buf *b, uint8_t v)
{
	am_buf_add(b, &v, 1);
}

void am_buf_u16(struct am_buf *b, uint16_t v)
{
	unsigned char t[2];
	am_put_u16(t, v);
	am_buf_add(b, t, 2);
}

void am_buf_u32(struct am_buf *b, uint32_t v)
{
	unsigned char t[4];
	am_put_u32(t, v);
	am_buf_add(b, t, 4);
}

void am_buf_u64(struct am_buf *b, uint64_t v)
{
	unsigned char t[8];
	am_put_u64(t, v);
	am_buf_add(b, t, 8);
}

int am_u64_push(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
	if (*n == *cap) {
		size_t nc = *cap ? 2 * *cap : 64;
		uint64_t *g = nc > SIZE_MAX / sizeof(*g) ? NULL : realloc(*v, nc * sizeof(*g));
		if (g == NULL)
			return -1;
		*v = g;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return 0;
}

void am_buf_addf(struct am_buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		b->oom = 1;
	else
		am_buf_add(b, tmp, (size_t)n);
}

unsigned char *am_buf_detach(struct am_buf *b, size_t *len)
{
	unsigned char *d = b->data;

	if (b->oom) {
		am_buf_release(b);
		*len = 0;
		return NULL;
	}
	if (d == NULL)
		d = malloc(1); /* an empty result is still a valid pointer */
	*len = b->len;
	am_buf_init(b);
	return d;
}

size_t am_utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned c, need, min;
	uint32_t v;

	*cp = 0;
	if (n == 0)
		return 0;
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0)
		need = 1, min = 0x80, v = c & 0x1f;
	else if ((c & 0xf0) == 0xe0)
		need = 2, min = 0x800, v = c & 0x0f;
	else if ((c & 0xf8) == 0xf0)
		need = 3, min = 0x10000, v = c & 0x07;
	else
		return 0;
	if (n <= need)
		return 0;
	for (unsigned k = 1; k <= need; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[k] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return need + 1;
}

int am_utf8_ok(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = am_utf8_next(p + i, n - i, &cp);
		if (k == 0 || cp == 0)
			return 0;
		i += k;
	}
	return 1;
}

void am_rd_init(struct am_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->bad = 0;
}

const unsigned char *am_rd_ptr(struct am_rd *r, size_t n)
{
	const unsigned char *q;

	if (r->bad || n > r->len - r->off) {
		r->bad = 1;
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

int am_rd_bytes(struct am_rd *r, void *out, size_t n)
{
	const unsigned char *q = am_rd_ptr(r, n);

	if (q == NULL)
		return -1;
	if (n > 0)
		memcpy(out, q, n);
	return 0;
}

int am_rd_u8(struct am_rd *r, uint8_t *v)
{
	const unsigned char *q = am_rd_ptr(r, 1);
	if (q == NULL)
		return -1;
	*v = q[0];
	return 0;
}

int am_rd_u16(struct am_rd *r, uint16_t *v)
{
	const unsigned char *q = am_rd_ptr(r, 2);
	if (q == NULL)
		return -1;
	*v = am_get_u16(q);
	return 0;
}

int am_rd_u32(struct am_rd *r, uint32_t *v)
{
	const unsigned char *q = am_rd_ptr(r, 4);
	if (q == NULL)
		return -1;
	*v = am_get_u32(q);
	return 0;
}

int am_rd_u64(struct am_rd *r, uint64_t *v)
{
	const unsigned char *q = am_rd_ptr(r, 8);
	if (q == NULL)
		return -1;
	*v = am_get_u64(q);
	return 0;
}

int am_rd_done(const struct am_rd *r)
{
	return !r->bad && r->off == r->len;
}
