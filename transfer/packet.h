/*
 * packet.h — the transfer packet's framing (docs/FORMAT.md §25): a magic,
 * then records of kind (u8), length (u32, big-endian) and body, read and
 * written as a stream with a running SHA-256 of every byte, so that a packet
 * of any size passes through a bounded buffer.  Private to transfer/.
 */
#ifndef AMANAT_TRANSFER_PACKET_H
#define AMANAT_TRANSFER_PACKET_H

#include <stdint.h>

#include "../common/bytes.h"
#include "../crypto/crypto.h"
#include "../vault/vault.h"

#define PK_MAGIC "AMNPKT\0\1"
#define PK_MAGIC_LEN 8
#define PK_DOM_SIG "amanat-packet-v1"
#define PK_HEAD 'H'
#define PK_ENTRY 'E'
#define PK_CHUNK 'C'
#define PK_END 'Z'
/* the largest record: an entry with 64 MiB of metadata, its header and wraps */
#define PK_MAX_RECORD ((uint32_t)72 << 20)

struct pk_writer {
	int fd;
	am_sha256_ctx hash;
	uint64_t bytes;
	struct am_progress progress; /* told of bytes after each record */
};
void pk_writer_init(struct pk_writer *w, int fd);
AM_WUR enum am_status pk_write_magic(struct pk_writer *w, struct am_err *e);
/* One record: kind, length and the n bytes of body. */
AM_WUR enum am_status pk_write(struct pk_writer *w, uint8_t kind, const void *body, size_t n,
			       struct am_err *e);
/* The digest of everything written so far (the end record signs it). */
void pk_writer_digest(const struct pk_writer *w, unsigned char out[AM_HASH_LEN]);

struct pk_reader {
	int fd;
	const char *path;
	am_sha256_ctx hash;
	uint64_t off;
	unsigned char *buf; /* the current record's body */
	size_t cap;
	struct am_progress progress; /* told of r->off + base, of total, after each record */
	uint64_t base, total;
};
void pk_reader_init(struct pk_reader *r, int fd, const char *path);
void pk_reader_release(struct pk_reader *r);
AM_WUR enum am_status pk_read_magic(struct pk_reader *r, struct am_err *e);
/*
 * The next record: its kind, and its body in r->buf (valid until the next
 * read), at most max bytes.  *digest (before) receives the digest of every
 * byte before this record.  AM_EVERIFY for a cut or malformed packet.
 */
AM_WUR enum am_status pk_read(struct pk_reader *r, uint8_t *kind, uint32_t *len, uint32_t max,
			      unsigned char before[AM_HASH_LEN], struct am_err *e);
/* 1 when the file has no byte after what was read. */
int pk_at_end(struct pk_reader *r);

/* The signed message of an end record: domain, NUL, digest. */
void pk_sig_input(unsigned char out[sizeof(PK_DOM_SIG) + AM_HASH_LEN],
		  const unsigned char digest[AM_HASH_LEN]);

#endif
