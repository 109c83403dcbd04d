/*
 * bwrap.h — batch wraps (docs/FORMAT.md §29): content keys wrapped to each
 * custodian under one X25519 exchange per batch (bwrap.c).  Internal to vault/.
 */
#ifndef AMANAT_BWRAP_H
#define AMANAT_BWRAP_H

#include "vault_int.h"

/* Header flag bit 2: the entry's wraps block is of batch wraps (§29). */
#define AM_HF_BWRAP 4u
/* A wraps block item: pk, then the wrap (80 bytes sealed box, or 104 batch wrap). */
#define AM_WRAP_MAX AM_BWRAP_LEN
#define AM_DOM_BWRAP_AD "amanat-bwrap-v1"

/*
 * The writer's side: one wrap key per custodian for one batch, secure memory.
 * A wrap key serves at most AM_BWRAP_MAX_USES entries, however long the
 * commit batch: what one leaked wrap key opens stays bounded (SECURITY.md).
 */
#define AM_BWRAP_MAX_USES 1000
struct am_bwrap;
/* Draw an ephemeral key per recipient (n sorted keys) and derive its wrap key; NULL on failure. */
struct am_bwrap *am_bwrap_start(const unsigned char *pks, size_t n);
/* 1 when bw wraps to exactly these n sorted recipients (used up or not). */
int am_bwrap_to(const struct am_bwrap *bw, const unsigned char *pks, size_t n);
/* 1 when bw wraps to exactly these n sorted recipients and may wrap another key. */
int am_bwrap_for(const struct am_bwrap *bw, const unsigned char *pks, size_t n);
/*
 * Append the wraps block of key (entry vid, uid) to w: u32 n, then pk ||
 * epk || nonce || ct, the nonces drawn from rp (NULL: am_random).
 */
AM_WUR int am_bwrap_seal(struct am_bwrap *bw, struct am_rpool *rp,
			 const unsigned char key[AM_KEY_LEN],
			 const unsigned char vid[AM_VAULT_ID_LEN],
			 const unsigned char uid[AM_UID_LEN], struct am_buf *w);
/* Wipe the wrap keys and free; NULL is fine. */
void am_bwrap_free(struct am_bwrap *bw);

/*
 * Open one batch wrap (epk || nonce || ct, AM_BWRAP_LEN bytes) of entry
 * (vid, uid) with the key pair (pk, sk): the content key into key, 0; -1 if it
 * does not open (key zeroed).  The wrap key is remembered in v's cache, per
 * (epk, pk, sk), for the vault's lifetime, so that a walk over a batch pays
 * one X25519 and not one per entry.
 */
AM_WUR int am_bwrap_open(struct am_vault *v, unsigned char key[AM_KEY_LEN],
			 const unsigned char wrap[AM_BWRAP_LEN],
			 const unsigned char vid[AM_VAULT_ID_LEN],
			 const unsigned char uid[AM_UID_LEN], const unsigned char pk[AM_BOX_PK_LEN],
			 const unsigned char sk[AM_BOX_SK_LEN]);
/* Wipe and free v's wrap-key cache (vault close). */
void am_bwrap_cache_free(struct am_vault *v);

/* The flags that say which wraps an entry holds: its own, or for an import its original's. */
unsigned am_wraps_flags(const struct am_header *h);
/* The wraps block p (n bytes) parsed by the shape flags say (§14, §29); -1 if malformed. */
int am_wraps_parse_as(const unsigned char *p, size_t n, unsigned flags, struct am_wraps *w);

#endif
