/*
 * scan.h — reading a stretch of the verified log in one sequential pass,
 * every header authenticated by folding its leaf into the tree and comparing
 * the root with the verified one (vault/scan.c), instead of one inclusion
 * proof per entry.
 */
#ifndef AMANAT_SCAN_H
#define AMANAT_SCAN_H

#include "vault.h"

/* Called for each entry in seq order; a status other than AM_OK stops the scan. */
typedef enum am_status (*am_scan_fn)(void *ctx, uint64_t seq, const struct am_header *h,
				     struct am_err *e);

/*
 * 1 when the stored perfect subtrees of the first `from` leaves fold to
 * from_root (from > 0).  Proves nothing alone: am_scan_verified then shows
 * whether they belong to the verified tree.
 */
int am_scan_prefix(struct am_vault *v, uint64_t from, const unsigned char from_root[AM_HASH_LEN]);

/*
 * Read entries from .. am_trusted_size(t)-1 and give each header to fn, then
 * check that they are the entries t verified: the stored perfect subtrees
 * of the first `from` leaves (check them with am_scan_prefix first), with
 * every leaf read folded in, must give t's root.  What fn saw may be acted
 * on only when this returns AM_OK; AM_EVERIFY when the rows read are not
 * the verified entries.  Call inside a read transaction.
 */
AM_WUR enum am_status am_scan_verified(struct am_vault *v, const struct am_trusted *t,
				       uint64_t from,
				       am_scan_fn fn, void *ctx, struct am_err *e);

#endif
