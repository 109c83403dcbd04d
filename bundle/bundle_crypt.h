/*
 * bundle_crypt.h — writing a bundle encrypted to one person (`export --for`,
 * docs/BUNDLE.md "Encrypted to one person") while its ZIP is being made, so
 * that neither the whole ZIP nor any plaintext of it is ever held beyond a
 * few chunks (bundle_crypt.c; sink.c writes the ZIP through it).
 *
 * The ZIP is cut into 1 MiB chunks exactly as the file format has them; a
 * chunk is sealed and written, at its place in the file, once it is full,
 * something follows it (only the last chunk is sealed as last), and no byte
 * of it is held for rewriting.  The ZIP writer rewrites only the local header
 * of the file it has open (sizes and CRC-32, at close), so that is what is held.
 */
#ifndef AMANAT_BUNDLE_CRYPT_H
#define AMANAT_BUNDLE_CRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../crypto/crypto.h"

/* How far from a local header's start a ZIP writer may come back to rewrite it. */
#define AM_BX_HOLD_SPAN (64u << 10)

struct am_bx;

/* Start an encrypted bundle for box_pk in fd (a new, empty, unnamed file). */
AM_WUR enum am_status am_bx_open(struct am_bx **out, int fd,
				 const unsigned char box_pk[AM_BOX_PK_LEN], struct am_err *e);
/*
 * n bytes of the ZIP at offset pos.  0, or -1 with errno: EIO (writing the
 * file), ENOMEM, or EROFS when a byte lands in a chunk already sealed (the
 * ZIP writer came back further than it was held for).
 */
int am_bx_pwrite(struct am_bx *x, const void *p, size_t n, uint64_t pos);
/*
 * Hold AM_BX_HOLD_SPAN bytes from pos for rewriting (a local header about to
 * be written there); UINT64_MAX lets them go.
 */
void am_bx_hold(struct am_bx *x, uint64_t pos);
/* Seal what is left, the last chunk as last; write the header and sync. */
AM_WUR enum am_status am_bx_finish(struct am_bx *x, struct am_err *e);
/* Wipe and free; NULL is fine. */
void am_bx_free(struct am_bx *x);

#endif
