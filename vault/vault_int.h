/*
 * vault_int.h — what the vault/ files share and nothing else may use.
 */
#ifndef AMANAT_VAULT_INT_H
#define AMANAT_VAULT_INT_H

#include <sqlite3.h>

#include "../common/bytes.h"
#include "../common/fsutil.h"
#include "vault.h"
#include "vault_layer.h"

#define AM_FORMAT_VERSION 1
#define AM_HEADER_MAGIC "AMNE"
#define AM_APPLICATION_ID 0x414d4e54 /* "AMNT" */
#define AM_SCHEMA_VERSION 1
#define AM_MAX_REFS (1u << 16)
#define AM_MAX_PAYLOAD (1u << 16)
#define AM_MAX_META (64u << 20)
#define AM_MAX_WRAPS 4096u
/* a stored chunk: mode byte + at most compressBound(chunk) + tag */
/*
 * A stored chunk is a mode byte, at most chunk_size bytes of data (deflated
 * only when that is smaller), and a tag: a bound that does not depend on zlib.
 */
#define AM_MAX_CHUNK_CT(chunk_size) ((size_t)(chunk_size) + 1 + AM_AEAD_TAG_LEN)

/* Domain-separation strings; each is used with its terminating NUL. */
#define AM_DOM_SIG "amanat-entry-sig-v1"
#define AM_DOM_FIELD "amanat-field-v1"
#define AM_DOM_CHUNK_AD "amanat-chunk-v1"
#define AM_DOM_META_AD "amanat-meta-v1"
#define AM_KDF_CTX_META "amnmeta_"

#define AM_CHUNK_ZLIB 1

struct am_vault {
	sqlite3 *db;
	char *path;
	int writable;
};

/* ---- entry.c: canonical encodings ------------------------------------- */

/* Encode h (its refs and payload pointers included) into b. */
void am_header_encode(struct am_buf *b, const struct am_header *h);
/* Strictly parse a header; -1 with a reason for anything off. */
int am_header_parse(const unsigned char *p, size_t n, struct am_header *h,
		    char *why, size_t whylen);
/* The bytes an entry's signature covers: domain string, NUL, header. */
void am_sig_input(struct am_buf *b, const unsigned char *hdr, size_t n);

/* Identity record (genesis and enroll payloads). */
void am_member_encode(struct am_buf *b, const struct am_member *m);
int am_member_parse(const unsigned char *p, size_t n, struct am_member *m);

/* Private metadata block and its commitments. */
void am_fields_encode(struct am_buf *b, const struct am_fields *f);
AM_WUR int am_fields_parse(const unsigned char *p, size_t n, struct am_fields *out);
void am_fields_root(unsigned char out[AM_HASH_LEN], const struct am_fields *f);

/* Wrapped keys: u32 count, then (box pk, sealed box) sorted by pk. */
struct am_wraps {
	uint32_t n;
	const unsigned char *items; /* n * (AM_BOX_PK_LEN + AM_WRAP_LEN) */
};
int am_wraps_parse(const unsigned char *p, size_t n, struct am_wraps *w);

/* Associated data for chunks and metadata. */
void am_chunk_ad(unsigned char *ad, size_t *adlen, const unsigned char vid[AM_VAULT_ID_LEN],
		 const unsigned char uid[AM_UID_LEN]);
void am_meta_ad(unsigned char *ad, size_t *adlen, const unsigned char vid[AM_VAULT_ID_LEN],
		const unsigned char uid[AM_UID_LEN]);
#define AM_AD_MAX 64

/* ---- authority.c: who may do what, replayed from the log -------------- */

/* struct am_auth, and what upper layers may call of it, are in vault_layer.h. */
/*
 * The box keys of current custodians, sorted, into a malloc'ed array of
 * n * AM_BOX_PK_LEN bytes.
 */
int am_auth_recipients(const struct am_auth *a, unsigned char **pks, size_t *n);
/* Roles allowed to sign an entry of this type. */
unsigned am_type_signer_roles(unsigned type);

/* ---- store.c: SQLite --------------------------------------------------- */

/*
 * Create the vault file (exclusively) with its schema, leaving the caller
 * inside the creating transaction; am_vault_create appends genesis in it.
 */
enum am_status am_db_create(const char *path, struct am_vault **out, struct am_err *e);
AM_WUR enum am_status am_db_error(struct am_vault *v, int rc, const char *what,
				  struct am_err *e);
AM_WUR enum am_status am_db_exec(struct am_vault *v, const char *sql, struct am_err *e);
/* BEGIN IMMEDIATE, so that the next seq and prev hash cannot change under us. */
AM_WUR enum am_status am_db_begin(struct am_vault *v, struct am_err *e);
AM_WUR enum am_status am_db_commit(struct am_vault *v, struct am_err *e);
void am_db_rollback(struct am_vault *v);
/* Next seq and the hash of the last entry (zeros for an empty log). */
AM_WUR enum am_status am_db_tip(struct am_vault *v, uint64_t *next,
				unsigned char prev[AM_HASH_LEN], struct am_err *e);
AM_WUR enum am_status am_db_put_chunk(struct am_vault *v, uint64_t seq, uint64_t idx,
				      const unsigned char *p, size_t n, struct am_err *e);
AM_WUR enum am_status am_db_put_entry(struct am_vault *v, uint64_t seq, unsigned type,
				      const unsigned char *hdr, size_t hn,
				      const unsigned char sig[AM_SIG_LEN],
				      const unsigned char hash[AM_HASH_LEN],
				      const unsigned char *wraps, size_t wn,
				      const unsigned char *meta, size_t mn, struct am_err *e);
/* Fetch the wraps or meta blob of an entry (malloc'ed). */
AM_WUR enum am_status am_db_get_blob(struct am_vault *v, uint64_t seq, const char *col,
				     unsigned char **p, size_t *n, struct am_err *e);

/*
 * Sign and append an entry inside an open transaction: fills in seq, prev
 * and vault id of h, then inserts.  Does not commit.
 */
AM_WUR enum am_status am_append(struct am_vault *v, const struct am_identity *signer,
				struct am_header *h, const unsigned char *wraps, size_t wn,
				const unsigned char *meta, size_t mn, uint64_t *seq,
				struct am_err *e);

/* ---- tree.c: the stored Merkle tree and checkpoints ------------------ */

struct am_checkpoint;
/* An am_mt_source over the stored tree of v (ctx is the vault). */
int am_tree_source(void *ctx, uint64_t lo, uint64_t hi, unsigned char out[AM_HASH_LEN]);
/* Store the leaf for entry seq and every perfect subtree it completes. */
AM_WUR enum am_status am_tree_append(struct am_vault *v, uint64_t seq,
				     const unsigned char entry_hash[AM_HASH_LEN],
				     struct am_err *e);
/* Root of the stored tree at size n. */
AM_WUR enum am_status am_tree_root(struct am_vault *v, uint64_t n,
				   unsigned char root[AM_HASH_LEN], struct am_err *e);
/*
 * Sign a checkpoint of size n by signer and store it, after checking that
 * the tree at n extends the newest checkpoint already stored.  Inside the
 * caller's transaction.  out (optional) receives the checkpoint.
 */
AM_WUR enum am_status am_checkpoint_store(struct am_vault *v, const struct am_identity *signer,
					  uint64_t n, struct am_checkpoint *out,
					  struct am_err *e);

/* ---- compress.c -------------------------------------------------------- */

/*
 * Make a chunk's plaintext: mode byte then the data, deflated when a probe
 * says it pays.  out holds at least am_chunk_pt_max(n) bytes (secure memory).
 */
size_t am_chunk_pt_max(size_t n);
int am_chunk_pack(unsigned char *out, size_t *outn, const unsigned char *in, size_t n,
		  int try_compress);
/* Undo am_chunk_pack; the result must be exactly want bytes. */
int am_chunk_unpack(unsigned char *out, size_t want, const unsigned char *in, size_t n);

#endif
