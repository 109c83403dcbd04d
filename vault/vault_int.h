/*
 * vault_int.h — what the vault/ files share and nothing else may use.
 */
#ifndef AMANAT_VAULT_INT_H
#define AMANAT_VAULT_INT_H

#include <sqlite3.h>

#include "../common/bytes.h"
#include "../common/fsutil.h"
#include "cthash.h"
#include "merkle.h"
#include "vault.h"
#include "vault_layer.h"

#define AM_FORMAT_VERSION 1
#define AM_HEADER_MAGIC "AMNE"
#define AM_APPLICATION_ID 0x414d4e54 /* "AMNT" */
/*
 * The SQLite schema (user_version): 3 since 2026-12-06 (second change that
 * day), whose tree table keeps no node below level AM_TREE_LOW (FORMAT.md
 * §15); 2 before, every perfect subtree stored, with append-only triggers
 * that RAISE(ROLLBACK); 1 before that, the same with RAISE(ABORT).  All are
 * read and written, each kept as what it is; an older build meets 3 with
 * "schema 3; this build reads 1 to 2" rather than a tree it takes for damaged.
 */
#define AM_SCHEMA_VERSION 3
#define AM_SCHEMA_VERSION_MIN 1
/*
 * Subtrees of fewer than 2^AM_TREE_LOW leaves are not stored in a schema 3
 * vault: they are hashed again from the entries when a proof needs one (at
 * most 8 entry hashes read per node, 31 per proof).  Storing every subtree cost two rows per entry,
 * most of a small-record batch's commit and ~4 % of the file.
 */
#define AM_TREE_LOW 4u
#define AM_MAX_REFS (1u << 16)
_Static_assert(AM_MAX_REFS == AM_CUSTODY_REFS_MAX, "one limit of refs per entry");
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
#define AM_DOM_VAULT_ID "amanat-vault-id-v1"
#define AM_DOM_FIELD "amanat-field-v1"
#define AM_DOM_CHUNK_AD "amanat-chunk-v1"
#define AM_DOM_META_AD "amanat-meta-v1"
#define AM_KDF_CTX_META "amnmeta_"

#define AM_CHUNK_ZLIB 1

/*
 * Header flag (docs/FORMAT.md §5, §27): this sealed entry was appended in the
 * same transaction as entry seq-1, so no checkpoint of seq entries need exist
 * (a batch stores one checkpoint, at its end).
 */
#define AM_HF_BATCHED 1u

enum { AM_ST_CHUNK, AM_ST_ENTRY, AM_ST_NODE, AM_ST_READ, AM_ST_NODE_GET, AM_ST_META, AM_ST_WRAPS,
       AM_ST_LEAVES, AM_ST_N };
struct am_vault {
	sqlite3 *db;
	char *path;
	int writable;
	/* what readers check entries against once set (am_vault_use_trust); not owned */
	const struct am_trusted *trusted;
	/* the file as opened (read under the read lock): see am_vault_cut */
	long long file_bytes, want_pages, page_size;
	int cut;
	int salvage; /* read-only, past SQLite's checks of a cut or damaged file */
	long long busy_since_ms; /* when the current wait for the lock began */
	/* the statements every append and every read makes, prepared once (am_db_stmt) */
	sqlite3_stmt *st[AM_ST_N];
	/* authcache.c: the last membership replayed, at which auth_seq, under which trust */
	struct am_auth *auth_cache;
	uint64_t auth_cache_at;
	const struct am_trusted *auth_cache_trust;
	unsigned char auth_cache_vid[AM_VAULT_ID_LEN];
	void (*auth_cache_free)(struct am_vault *v);
	struct am_kwcache *kwc; /* bwrap.c: batch wrap keys derived, secure */
	/* tree.c: the nodes of an open batch, stored together before its checkpoint */
	int tree_hold;
	struct am_buf tree_held; /* u8 level, u64 idx, hash: AM_TREE_HELD bytes each */
	unsigned tree_low; /* nodes below this level are not stored: AM_TREE_LOW, or 0 (schema < 3) */
	uint64_t tree_gap; /* the entry a node below tree_low last lacked, UINT64_MAX for none */
	/* inclusion.c: a block of entries proved at once for a walk, and the last seq checked */
	struct am_proved *proved;
	uint64_t last_proved;
	/* secpool.c: secure buffers kept for the next entry read */
	struct am_secpool *secpool;
};

/* ---- secpool.c: secure buffers reused across a walk --------------------- */

/* n bytes of secure memory (am_secure_alloc's kind), from v's buffers when one is free. */
unsigned char *am_vault_secure(struct am_vault *v, size_t n);
/* Wipe and give back memory from am_vault_secure (or am_secure_alloc); NULL is fine. */
void am_vault_secure_free(struct am_vault *v, void *p);
/* Free v's buffers (at close). */
void am_secpool_release(struct am_vault *v);

/* ---- entry.c: canonical encodings ------------------------------------- */

/* Encode h (its refs and payload pointers included) into b. */
void am_header_encode(struct am_buf *b, const struct am_header *h);
/* Strictly parse a header; -1 with a reason for anything off. */
int am_header_parse(const unsigned char *p, size_t n, struct am_header *h,
		    char *why, size_t whylen);
/* The bytes an entry's signature covers: domain string, NUL, header. */
void am_sig_input(struct am_buf *b, const unsigned char *hdr, size_t n);

/* The member record of identity id with roles (its keys and name). */
void am_member_of(struct am_member *m, const struct am_identity *id, unsigned roles);
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
	const unsigned char *items; /* n * item */
	size_t item; /* one item's length: AM_BOX_PK_LEN + the wrap's (§14, §29) */
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
/* The member whose signing key is pk, or NULL (an index lookup). */
const struct am_member *am_auth_find(const struct am_auth *a, const unsigned char pk[AM_SIGN_PK_LEN]);

/* Deep copy of a's members; -1 when out of memory. */
int am_auth_copy(struct am_auth *dst, const struct am_auth *src);

/*
 * The vault id a genesis header must carry: the first 16 bytes of
 * SHA-256(AM_DOM_VAULT_ID, NUL, the header encoded with a zero vault id).
 * It commits to the whole genesis (admin key, uid, time), so a rebuilt
 * genesis cannot keep a vault's id.
 */
void am_genesis_vault_id(unsigned char out[AM_VAULT_ID_LEN], const struct am_header *h);

/* ---- trust.c and verify.c: the verified state writers build on -------- */

/*
 * A log as verified from a pinned point: everything a writer builds on.
 * Writers take it as input and never re-read the authority, tip or tree
 * from rows they have not checked (docs/FORMAT.md, "writers").
 */
struct am_trusted {
	unsigned char vault_id[AM_VAULT_ID_LEN];
	unsigned char genesis[AM_HASH_LEN]; /* entry hash of genesis */
	uint64_t size;                      /* entries verified */
	unsigned char head[AM_HASH_LEN];    /* hash of entry size-1 */
	struct am_mt_frontier fr;           /* the tree of the first size entries */
	struct am_auth auth;                /* membership after entry size-1 */
	int64_t ckpt_id;                    /* newest stored checkpoint row checked */
};
void am_trusted_init(struct am_trusted *t);
/* Deep copy; -1 when out of memory. */
int am_trusted_copy(struct am_trusted *dst, const struct am_trusted *src);
/* Free what t holds and reset it to empty. */
void am_trusted_clear(struct am_trusted *t);

/*
 * Run the verification of verify.c inside the caller's transaction.
 * With `from` set, start from that verified state instead of from
 * o->from_size/from_root (o->from_size must equal from->size); with `out`
 * set and the log verified, leave the verified state there.  Same return
 * and report as am_verify_ex.
 */
AM_WUR enum am_status am_verify_run(struct am_vault *v, const struct am_verify_opts *o,
				    const struct am_trusted *from, struct am_trusted *out,
				    struct am_verify_report *r, struct am_err *e);
/*
 * Bring t up to the end of the log inside the caller's write transaction,
 * verifying every entry appended since (by another writer); AM_EVERIFY
 * naming the entry when the file does not extend t.
 */
AM_WUR enum am_status am_trust_advance(struct am_vault *v, struct am_trusted *t,
				       struct am_err *e);

/*
 * A write: BEGIN IMMEDIATE, bring t up to the end of the log (verifying
 * what others appended), and give the writer a working copy to append on.
 * am_write_commit makes the work durable and only then moves it into t;
 * am_write_abort rolls back and drops it, leaving t as it was.
 */
AM_WUR enum am_status am_write_begin(struct am_vault *v, struct am_trusted *t,
				     struct am_trusted *work, struct am_err *e);
AM_WUR enum am_status am_write_commit(struct am_vault *v, struct am_trusted *t,
				      struct am_trusted *work, struct am_err *e);
void am_write_abort(struct am_vault *v, struct am_trusted *work);

/* ---- store.c: SQLite --------------------------------------------------- */

/*
 * Create the vault file (exclusively) with its schema, leaving the caller
 * inside the creating transaction; am_vault_create appends genesis in it.
 */
enum am_status am_db_create(const char *path, struct am_vault **out, struct am_err *e);
AM_WUR enum am_status am_db_error(struct am_vault *v, int rc, const char *what,
				  struct am_err *e);
AM_WUR enum am_status am_db_exec(struct am_vault *v, const char *sql, struct am_err *e);
/*
 * The statement `which` (AM_ST_*) of v, prepared from sql on first use and
 * kept until v is closed; an SQLite result code.  am_db_stmt_done resets it
 * (so it holds no lock) and clears its bindings after each use.
 */
int am_db_stmt(struct am_vault *v, unsigned which, const char *sql, sqlite3_stmt **st);
void am_db_stmt_done(sqlite3_stmt *st);
/* BEGIN IMMEDIATE, so that the next seq and prev hash cannot change under us. */
AM_WUR enum am_status am_db_begin(struct am_vault *v, struct am_err *e);
AM_WUR enum am_status am_db_commit(struct am_vault *v, struct am_err *e);
void am_db_rollback(struct am_vault *v);
/*
 * AM_OK inside a transaction.  Every write checks it first: a statement
 * refused (INSERT OR ROLLBACK, store.c) or failing on I/O, a full disk or
 * memory rolls its whole transaction back, and a row written after that
 * would be committed on its own.  (Other failures leave the transaction
 * open; the caller rolls back, test_rollback.)
 */
AM_WUR enum am_status am_db_writing(struct am_vault *v, const char *what, struct am_err *e);
/*
 * Read chunk row id's data, exactly n bytes, into buf: SQLite reads its
 * overflow pages from the file straight into buf, so a chunk is copied once
 * rather than into a value first.  *blob is opened on first use and reused;
 * the caller closes it (sqlite3_blob_close).  An SQLite result code; a data
 * of another length is SQLITE_CORRUPT.
 */
int am_db_chunk_read(struct am_vault *v, sqlite3_blob **blob, sqlite3_int64 id, unsigned char *buf,
		     size_t n);
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
 * append.c.  Sign and append an entry inside an open transaction, on the
 * verified state t: seq, prev and vault id of h come from t (a genesis gets
 * its derived vault id), the authority rules are applied to t's membership,
 * the new tree nodes are built from t's frontier, and t advances.  Does not
 * commit, and stores no checkpoint; h->flags is kept (0, or AM_HF_BATCHED on
 * a sealed entry after the first of a batch).  On failure t's size, head
 * and frontier are left as they were.
 */
AM_WUR enum am_status am_append_entry(struct am_vault *v, struct am_trusted *t,
				      const struct am_identity *signer, struct am_header *h,
				      const unsigned char *wraps, size_t wn,
				      const unsigned char *meta, size_t mn, struct am_err *e);
/*
 * am_append_entry in two halves, so that a batch can sign one entry on
 * another core while it prepares the next (batch.c, body.c): begin fills in
 * h from t, applies the authority rules and encodes it (ap->sb is what the
 * signature covers); finish, given the signature, stores the entry and its
 * tree nodes and advances t.  Nothing may append between the two.
 */
struct am_appending {
	struct am_buf hb, sb; /* the header; the signature's input */
	uint64_t seq;
	unsigned type;
	unsigned char vault_id[AM_VAULT_ID_LEN];
};
AM_WUR enum am_status am_append_begin(struct am_vault *v, struct am_trusted *t,
				      const struct am_identity *signer, struct am_header *h,
				      struct am_appending *ap, struct am_err *e);
AM_WUR enum am_status am_append_finish(struct am_vault *v, struct am_trusted *t,
				       struct am_appending *ap, const unsigned char sig[AM_SIG_LEN],
				       const unsigned char *wraps, size_t wn,
				       const unsigned char *meta, size_t mn, struct am_err *e);
void am_appending_release(struct am_appending *ap);
/*
 * The two halves of am_append_finish, for a batch that begins the next
 * entry on the new head while this one is still being stored: link advances
 * t past the signed entry (its hash from am_entry_hash), store writes its
 * row and tree leaf.  Neither releases ap.
 */
void am_append_link(struct am_trusted *t, const struct am_appending *ap,
		    const unsigned char hash[AM_HASH_LEN]);
AM_WUR enum am_status am_append_store(struct am_vault *v, struct am_trusted *t,
				      const struct am_appending *ap,
				      const unsigned char sig[AM_SIG_LEN],
				      const unsigned char hash[AM_HASH_LEN],
				      const unsigned char *wraps, size_t wn,
				      const unsigned char *meta, size_t mn, struct am_err *e);
/* Check the signer may append an entry of this type, given the verified log. */
AM_WUR enum am_status am_authorise(struct am_vault *v, const struct am_auth *a,
				   const struct am_identity *signer, unsigned type,
				   struct am_err *e);
/* am_append_entry with flags 0, then the checkpoint every lone append stores. */
AM_WUR enum am_status am_append(struct am_vault *v, struct am_trusted *t,
				const struct am_identity *signer, struct am_header *h,
				const unsigned char *wraps, size_t wn, const unsigned char *meta,
				size_t mn, uint64_t *seq, struct am_err *e);

/*
 * Append one public entry (enroll, revoke, rotate) signed by admin on t and
 * commit, refusing what would leave no admin, or no custodian while sealed
 * entries may exist. (seal.c)
 */
AM_WUR enum am_status am_append_public(struct am_vault *v, struct am_trusted *t,
				       const struct am_identity *admin, unsigned type,
				       const unsigned char *payload, size_t pn, uint64_t *seq,
				       struct am_err *e);
/*
 * Refuse degenerate keys, and a name an active member goes by other than the
 * one whose signing key is may_share (who itself, re-enrolled; or the key a
 * rotation replaces). (seal.c)
 */
AM_WUR enum am_status am_check_newcomer(struct am_vault *v, const struct am_auth *a,
					const struct am_identity *who,
					const unsigned char *may_share, struct am_err *e);
/*
 * batch.c.  am_batch_seal for any sealed type, with a payload (a custody
 * entry's action byte): what am_record_custody seals through.
 */
AM_WUR enum am_status am_batch_add(struct am_batch *b, unsigned type,
				   const struct am_seal_req *req, const unsigned char *payload,
				   size_t pn, void *cookie, struct am_err *e);

/* seal.c: a custody record of any length, as entries of at most slice refs (tests use small slices). */
AM_WUR enum am_status am_custody_sliced(struct am_vault *v, struct am_trusted *t,
					const struct am_identity *reader, unsigned action,
					const uint64_t *refs, size_t nrefs, const struct am_fields *fields,
					size_t slice, uint64_t *seq, struct am_err *e);

/* ---- tree.c: the stored Merkle tree and checkpoints ------------------ */

struct am_checkpoint;
/* An am_mt_source over the stored tree of v (ctx is the vault). */
int am_tree_source(void *ctx, uint64_t lo, uint64_t hi, unsigned char out[AM_HASH_LEN]);
/*
 * Store the leaf for entry fr->n and every perfect subtree it completes,
 * computed from the verified frontier fr (never from stored nodes), and
 * advance fr.
 */
/*
 * Hold the nodes am_tree_append completes in memory instead of one INSERT
 * each (every statement inside a transaction copies the pages it touches to
 * SQLite's statement journal); am_tree_flush stores them, several rows a
 * statement, and stops holding; am_tree_drop forgets them (a rollback).
 * Nothing may read the tree between hold and flush.
 */
void am_tree_hold(struct am_vault *v);
AM_WUR enum am_status am_tree_flush(struct am_vault *v, struct am_err *e);
void am_tree_drop(struct am_vault *v);
AM_WUR enum am_status am_tree_append(struct am_vault *v, struct am_mt_frontier *fr,
				     const unsigned char entry_hash[AM_HASH_LEN],
				     struct am_err *e);
/*
 * 0 when the entry with hash entry_hash is the leaf at seq of the tree of
 * `size` entries whose root is root, by an inclusion proof made from the
 * stored nodes (which need not be trusted: the proof is checked); -1 if not.
 */
int am_tree_holds(struct am_vault *v, uint64_t seq, uint64_t size,
		  const unsigned char root[AM_HASH_LEN], const unsigned char entry_hash[AM_HASH_LEN]);
/* Root of the stored tree at size n. */
AM_WUR enum am_status am_tree_root(struct am_vault *v, uint64_t n,
				   unsigned char root[AM_HASH_LEN], struct am_err *e);
/*
 * Sign a checkpoint of the verified tree t by signer and store it, inside
 * the caller's transaction.  out (optional) receives the checkpoint.
 */
AM_WUR enum am_status am_checkpoint_store(struct am_vault *v, const struct am_trusted *t,
					  const struct am_identity *signer,
					  struct am_checkpoint *out, struct am_err *e);

/*
 * writeback.c: SQLite's own descriptor of the vault file, for am_writeback
 * (fsutil.h) during a long seal; -1 when it cannot be had.  Never close it.
 */
int am_vault_writeback_fd(const struct am_vault *v);

/* ---- compress.c -------------------------------------------------------- */

/*
 * Make a chunk's plaintext: mode byte then the data, deflated when a probe
 * says it pays.  out holds at least am_chunk_pt_max(n) bytes (secure memory).
 */
size_t am_chunk_pt_max(size_t n);
int am_chunk_pack(unsigned char *out, size_t *outn, const unsigned char *in, size_t n,
		  int try_compress);
/* am_chunk_pack with zlib's memory from za (NULL: allocated per call), wiped after. */
struct am_zarena;
struct am_zarena *am_zarena_new(void);
void am_zarena_free(struct am_zarena *a);
int am_chunk_pack_in(unsigned char *out, size_t *outn, const unsigned char *in, size_t n,
		     int try_compress, struct am_zarena *za);
/*
 * The deflating half of am_chunk_pack_in: 1 when in is worth compressing and
 * out (mode byte, zlib stream, *outn bytes) holds it, and nothing of it after
 * those bytes; 0 when it is to be stored, out then holding nothing of it.
 */
int am_chunk_deflate(unsigned char *out, size_t *outn, const unsigned char *in, size_t n,
		     struct am_zarena *za);
/* Undo am_chunk_pack; the result must be exactly want bytes. */
int am_chunk_unpack(unsigned char *out, size_t want, const unsigned char *in, size_t n);

#endif
