/*
 * bytes.h — big-endian integers, a growable byte buffer and a bounds-checked
 * reader.  Every on-disk structure in docs/FORMAT.md is built and parsed with
 * these, so that no parser indexes a buffer by hand.
 */
#ifndef AMANAT_BYTES_H
#define AMANAT_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

void am_put_u16(unsigned char *p, uint16_t v);
void am_put_u32(unsigned char *p, uint32_t v);
void am_put_u64(unsigned char *p, uint64_t v);
uint16_t am_get_u16(const unsigned char *p);
uint32_t am_get_u32(const unsigned char *p);
uint64_t am_get_u64(const unsigned char *p);

/*
 * A growable buffer.  Not for secrets: its memory is ordinary heap, wiped on
 * release only as a courtesy.  `oom` latches the first allocation failure so
 * a builder can append freely and check once.
 */
struct am_buf {
	unsigned char *data;
	size_t len, cap;
	int oom;
};

void am_buf_init(struct am_buf *b);
void am_buf_release(struct am_buf *b);
void am_buf_add(struct am_buf *b, const void *p, size_t n);
void am_buf_u8(struct am_buf *b, uint8_t v);
void am_buf_u16(struct am_buf *b, uint16_t v);
void am_buf_u32(struct am_buf *b, uint32_t v);
void am_buf_u64(struct am_buf *b, uint64_t v);
/* Formatted text of up to 1023 bytes; longer marks b out of memory (oom). */
void am_buf_addf(struct am_buf *b, const char *fmt, ...) AM_PRINTF(2, 3);
/* Detach the data; the caller frees it.  Returns NULL after an oom. */
unsigned char *am_buf_detach(struct am_buf *b, size_t *len);

/* Append x to the growing array *v (*n used of *cap, doubling); 0, or -1 out of memory. */
int am_u64_push(uint64_t **v, size_t *n, size_t *cap, uint64_t x);

/*
 * 1 when p[0..n) is strict UTF-8 (no overlong forms, surrogates or code
 * points above U+10FFFF) and holds no NUL.
 */
int am_utf8_ok(const unsigned char *p, size_t n);
/*
 * The strict UTF-8 sequence at p (of at most n bytes): its length (1 to 4)
 * with its code point in *cp, or 0 when p does not start one (NUL is 1).
 */
size_t am_utf8_next(const unsigned char *p, size_t n, uint32_t *cp);

/*
 * A reader over bytes it does not own.  Every get fails (returns -1, and
 * latches `bad`) rather than read past the end.
 */
struct am_rd {
	const unsigned char *p;
	size_t len, off;
	int bad;
};

void am_rd_init(struct am_rd *r, const void *p, size_t len);
int am_rd_bytes(struct am_rd *r, void *out, size_t n);
/* Point at the next n bytes without copying them. */
const unsigned char *am_rd_ptr(struct am_rd *r, size_t n);
int am_rd_u8(struct am_rd *r, uint8_t *v);
int am_rd_u16(struct am_rd *r, uint16_t *v);
int am_rd_u32(struct am_rd *r, uint32_t *v);
int am_rd_u64(struct am_rd *r, uint64_t *v);
/* True when every byte was consumed and no read failed. */
int am_rd_done(const struct am_rd *r);

#endif
