/*
 * vault.h — the public interface of an amanat vault.
 *
 * A vault is one SQLite file holding an append-only, totally ordered log of
 * signed entries (docs/FORMAT.md).  Functions return an am_status and fill a
 * struct am_err; none prints or exits.  Nothing here trusts what SQLite
 * returns: verification recomputes everything from stored bytes.
 */
#ifndef AMANAT_VAULT_H
#define AMANAT_VAULT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../crypto/identity.h"

enum am_entry_type {
	AM_T_GENESIS = 1,
	AM_T_ENROLL = 2,
	AM_T_REVOKE = 3,
	AM_T_TESTIMONY = 4,
	AM_T_DOCUMENT = 5,
	AM_T_MEDIA = 6,
	AM_T_CASE = 7,
	AM_T_CUSTODY = 8,
	AM_T_ROTATE = 9,  /* a member's keys replaced by new ones (docs/FORMAT.md §24) */
	AM_T_REWRAP = 10, /* content keys of earlier entries wrapped to another custodian */
	AM_T_IMPORT = 11, /* an entry carried from a field vault (docs/FORMAT.md §25) */
	AM_T_ACK = 12,    /* a field vault's record of headquarters' acknowledgement */
};

enum am_role {
	AM_ROLE_ADMIN = 1,
	AM_ROLE_OFFICER = 2,
	AM_ROLE_CUSTODIAN = 4,
	AM_ROLE_AUDITOR = 8,
};
#define AM_ROLE_ALL 15u

enum am_custody_action {
	AM_ACT_SHOW = 1,
	AM_ACT_EXTRACT = 2,
	AM_ACT_LIST = 3,
	AM_ACT_EXPORT = 4,
	AM_ACT_VERIFY_DEEP = 5,
	AM_ACT_LOG = 6,
	AM_ACT_EXPORTED = 7, /* an export's outcome: the bundle's hash, items, refusals */
	AM_ACT_REWRAP = 8,   /* before unwrapping content keys to wrap them to another custodian */
	AM_ACT_FIND = 10,    /* reading case records to find cases or acts (cases/) */
	AM_ACT_STATS = 11,   /* reading case records to compute figures (cases/) */
};

const char *am_type_name(unsigned type);
/* 1 for types that carry an encrypted body (wraps, metadata, chunks). */
int am_type_sealed(unsigned type);
/* 1 for the types that change who may do what (genesis, enroll, revoke, rotate). */
int am_type_authority(unsigned type);
struct am_header;
/*
 * 1 when the entry h carries an encrypted body: a sealed type, or an import
 * of a sealed field entry (its body fields are then the original's).
 */
int am_header_sealed(const struct am_header *h);
/* 0 when unknown. */
unsigned am_type_from_name(const char *name);
const char *am_action_name(unsigned action);
/* Comma-separated role names into out ("admin,custodian"). */
void am_roles_str(unsigned roles, char *out, size_t outlen);
unsigned am_role_from_name(const char *name);

/* A long operation reports progress here (bytes done of total). */
struct am_progress {
	void (*fn)(void *ctx, uint64_t done, uint64_t total);
	void *ctx;
};

/* ---- private metadata fields --------------------------------------- */

struct am_field {
	char *name;
	unsigned char *value;
	size_t vlen;
	unsigned char salt[AM_SALT_LEN];
};

/* A set of fields, kept sorted by name with unique names. */
struct am_fields {
	struct am_field *v;
	size_t n;
};

void am_fields_init(struct am_fields *f);
/* Wipes values as it frees them: they are plaintext. */
void am_fields_release(struct am_fields *f);
/*
 * Add or replace a field.  Names are 1..64 of [a-z0-9_.-]; AM_EINPUT
 * otherwise.  The salt is drawn when the entry is sealed.
 */
AM_WUR enum am_status am_fields_set(struct am_fields *f, const char *name,
				    const void *value, size_t vlen, struct am_err *e);
/* The field called name, or NULL. */
const struct am_field *am_fields_get(const struct am_fields *f, const char *name);

/* ---- the parsed public header ----------------------------------------- */

struct am_header {
	uint16_t version;
	uint8_t type;
	uint8_t flags;
	unsigned char vault_id[AM_VAULT_ID_LEN];
	uint64_t seq;
	unsigned char prev[AM_HASH_LEN];
	uint64_t auth_seq; /* latest genesis/enroll/revoke entry before this one (0 for genesis) */
	int64_t sealed_at_ms;
	unsigned char signer[AM_SIGN_PK_LEN];
	unsigned char uid[AM_UID_LEN];
	uint64_t size;
	uint32_t chunk_size;
	uint64_t chunk_count;
	uint64_t ct_size;
	unsigned char ct_hash[AM_HASH_LEN];
	uint32_t wraps_size;
	unsigned char wraps_hash[AM_HASH_LEN];
	uint32_t meta_size;
	unsigned char meta_hash[AM_HASH_LEN];
	unsigned char fields_root[AM_HASH_LEN];
	uint32_t nrefs;
	const unsigned char *refs; /* nrefs big-endian u64, inside the parsed buffer */
	uint32_t payload_len;
	const unsigned char *payload; /* inside the parsed buffer */
};

uint64_t am_header_ref(const struct am_header *h, uint32_t i);
/* An entry's hash: SHA-256(header || signature), the leaf input of the tree. */
void am_entry_hash(unsigned char out[AM_HASH_LEN], const unsigned char *hdr, size_t n,
		   const unsigned char sig[AM_SIG_LEN]);

/*
 * Parse an entry given as its header followed by its 64-byte signature (as
 * carried in a proof's extra data), check the signature, and compute the
 * entry hash.  h points into buf.  AM_EVERIFY for a bad signature.
 */
AM_WUR enum am_status am_entry_from_bytes(const unsigned char *buf, size_t len,
					  struct am_header *h,
					  unsigned char hash[AM_HASH_LEN], struct am_err *e);

/* ---- opening and creating --------------------------------------------- */

struct am_vault;

struct am_pin;
/*
 * Create a vault at path (refusing one that exists) with a signed genesis
 * entry by admin and enrollments of each recipient as custodian.  With no
 * recipients the admin is the custodian.  pin (optional) receives what the
 * creator now trusts.
 */
AM_WUR enum am_status am_vault_create(const char *path, const struct am_identity *admin,
				      const struct am_identity *recipients, size_t nrecip,
				      struct am_pin *pin, struct am_err *e);
/* Open an existing vault; AM_EINPUT when path is not one. */
AM_WUR enum am_status am_vault_open(const char *path, int writable, struct am_vault **out,
				    struct am_err *e);
void am_vault_close(struct am_vault *v);
/*
 * 1 when the file was shorter, as opened, than the pages its database
 * header lists (a truncated copy): why then says so ("the file is cut
 * short: N of M pages").  Such a vault opens for reading only, so that
 * verification can name what is left and what was lost.
 */
int am_vault_cut(const struct am_vault *v, char *why, size_t n);
/*
 * Called once per process, from the library's wait for the vault's lock,
 * when another amanat has been writing path for about a second (the wait
 * goes on for up to AM_BUSY_WAIT_SECONDS).  The library never prints: the
 * caller says it to the person.  fn NULL: wait silently.
 */
#define AM_BUSY_WAIT_SECONDS 60
void am_vault_on_wait(void (*fn)(void *ctx, const char *path), void *ctx);

/* ---- versions (version.c), for amanat --version ------------------------ */

/* The vault format this code writes and reads (docs/FORMAT.md). */
int am_vault_format_version(void);
/* The SQLite and zlib libraries in use at run time ("3.40.1"); static strings. */
const char *am_vault_sqlite_version(void);
const char *am_vault_zlib_version(void);


/* ---- pinned trust ------------------------------------------------------ */

/*
 * What one person trusts about one vault, kept outside the vault file
 * (docs/FORMAT.md, "local state"): the vault id, and the last tree they
 * verified or signed.  size 0 with has_vault_id set pins only the vault id
 * (`amanat trust --vault`); all zero trusts nothing yet (first use).
 */
struct am_pin {
	int has_vault_id;
	unsigned char vault_id[AM_VAULT_ID_LEN];
	uint64_t size;
	unsigned char root[AM_HASH_LEN];
	unsigned char genesis[AM_HASH_LEN]; /* entry hash of genesis, when size > 0 */
};

/* The log as verified from a pin: what writers build on.  Opaque. */
struct am_trusted;
struct am_entry_pub;

/*
 * Verify v from pin to its end (the quick tier: headers, signatures,
 * chain, authority, tree nodes and checkpoints of what is new; from genesis
 * when pin->size is 0) and return the verified state in *out.  AM_EVERIFY,
 * naming the entry and the problem, when the file does not extend the pin:
 * rolled back, forked, another vault, or altered since.
 */
AM_WUR enum am_status am_trust(struct am_vault *v, const struct am_pin *pin,
			       struct am_trusted **out, struct am_err *e);
struct am_verify_report;
/* am_trust, leaving the verification's report in r (entry and reason of a problem). */
AM_WUR enum am_status am_trust_ex(struct am_vault *v, const struct am_pin *pin,
				  struct am_trusted **out, struct am_verify_report *r,
				  struct am_err *e);
void am_trusted_free(struct am_trusted *t);
/* What to pin after t: its vault id, genesis, size and root. */
void am_trusted_pin(const struct am_trusted *t, struct am_pin *pin);
/* The verified membership after the last verified entry (borrowed). */
const struct am_members *am_trusted_members(const struct am_trusted *t);
uint64_t am_trusted_size(const struct am_trusted *t);
const unsigned char *am_trusted_vault_id(const struct am_trusted *t);
/*
 * am_entry_read, and with t set a check that the entry read is the one at
 * its position in t's verified tree (an inclusion proof from stored nodes,
 * checked against t's root): AM_EVERIFY when it is not, the row having been
 * altered after it was verified.  out is released on any failure.
 */
AM_WUR enum am_status am_entry_read_trusted(struct am_vault *v, const struct am_trusted *t,
					    uint64_t seq, struct am_entry_pub *out,
					    struct am_err *e);
/*
 * From now on readers of v (am_open_fields, am_extract, am_can_open) also
 * check that each entry they open is in t's verified tree.  t must outlive
 * v's use of it (writers advance it in place).
 */
void am_vault_use_trust(struct am_vault *v, const struct am_trusted *t);

/*
 * Read what follows, up to am_vault_read_end, in one read transaction: one
 * snapshot of the log, and no lock taken and dropped for every row (which
 * costs more than the row).  Writers in other processes wait meanwhile (up
 * to AM_BUSY_WAIT_SECONDS); do not write through v before ending it.
 */
AM_WUR enum am_status am_vault_read_begin(struct am_vault *v, struct am_err *e);
void am_vault_read_end(struct am_vault *v);

/* Number of entries (untrusted count; verification checks it). */
AM_WUR enum am_status am_vault_count(struct am_vault *v, uint64_t *n, struct am_err *e);
/* Vault id from the genesis header. */
AM_WUR enum am_status am_vault_id(struct am_vault *v, unsigned char id[AM_VAULT_ID_LEN],
				  struct am_err *e);

/*
 * One stored entry's public part.  The caller owns buf (free) and h points
 * into it.  Signature is checked when check_sig is set.
 */
struct am_entry_pub {
	unsigned char *buf; /* header bytes */
	size_t len;
	unsigned char sig[AM_SIG_LEN];
	struct am_header h;
};
void am_entry_pub_release(struct am_entry_pub *p);
AM_WUR enum am_status am_entry_read(struct am_vault *v, uint64_t seq,
				    struct am_entry_pub *out, struct am_err *e);

/* ---- identities and roles --------------------------------------------- */

struct am_member {
	unsigned char sign_pk[AM_SIGN_PK_LEN];
	unsigned char box_pk[AM_BOX_PK_LEN];
	char name[AM_NAME_MAX + 1];
	unsigned roles;     /* 0 once revoked */
	uint64_t since_seq; /* entry that last set the roles */
	/* the signing key that replaced this one in a rotate entry; zeros if none */
	unsigned char rotated_to[AM_SIGN_PK_LEN];
};

/* Members, replayed from signed genesis/enroll/revoke entries. */
struct am_members {
	struct am_member *m;
	size_t n;
};
void am_members_release(struct am_members *ms);
/* A copy of the verified membership of t (release with am_members_release). */
AM_WUR enum am_status am_vault_members(const struct am_trusted *t, struct am_members *out,
				       struct am_err *e);
const struct am_member *am_members_find(const struct am_members *ms,
					const unsigned char pk[AM_SIGN_PK_LEN]);

/*
 * Record roles for an identity (enroll) or take them away (revoke), on the
 * verified state t (which advances).  Every writer below first brings t up
 * to the end of the log inside its transaction, verifying what others
 * appended, and refuses (AM_EVERIFY) when the file does not extend t.
 */
AM_WUR enum am_status am_enroll(struct am_vault *v, struct am_trusted *t,
				const struct am_identity *admin, const struct am_identity *who,
				unsigned roles, uint64_t *seq, struct am_err *e);
AM_WUR enum am_status am_revoke(struct am_vault *v, struct am_trusted *t,
				const struct am_identity *admin,
				const unsigned char pk[AM_SIGN_PK_LEN], uint64_t *seq,
				struct am_err *e);

/* ---- sealing ---------------------------------------------------------- */

struct am_seal_req {
	unsigned type;                 /* testimony, document, media or case */
	const struct am_fields *fields; /* private metadata; salts are drawn here */
	int fd;                        /* content, read to EOF; -1 for none */
	const uint64_t *refs;          /* earlier entries this one refers to */
	size_t nrefs;
	struct am_progress progress;
	/*
	 * Optional: a flag a signal handler sets (nonzero) to stop the seal.
	 * It is checked between chunks and before the entry is appended; a
	 * seal stopped so rolls its transaction back and returns AM_EIO
	 * ("interrupted"), leaving the vault as it was.  Once the entry is being
	 * committed the flag is no longer looked at.
	 */
	const volatile sig_atomic_t *stop;
	/*
	 * Content from memory instead of a file descriptor: used when fd is -1
	 * and data is not NULL (len bytes; copied as it is sealed).
	 */
	const void *data;
	size_t len;
};

/* What a seal returns once the entry is durable: the sealer's receipt. */
struct am_seal_result {
	uint64_t seq;
	uint64_t size;                     /* bytes of plaintext */
	unsigned char sha256[AM_HASH_LEN]; /* of the plaintext: the "sha256" field's value */
	/*
	 * The tree the entry was committed in, as the checkpoint stored with it
	 * signs it: seq + 1 for an entry sealed alone, the size after the last
	 * entry of its batch for one sealed in a batch.
	 */
	uint64_t tree_size;
	unsigned char root[AM_HASH_LEN];
};

/*
 * Seal one entry, signed by signer, wrapped to the vault's current
 * custodians.  res (optional) is filled only once the entry is durable, and
 * zeroed otherwise.  The fields gain "sha256" (hex of the plaintext) and
 * "size".  A batch of one (below): one transaction, checkpoint and COMMIT.
 */
AM_WUR enum am_status am_seal(struct am_vault *v, struct am_trusted *t,
			      const struct am_identity *signer, const struct am_seal_req *req,
			      struct am_seal_result *res, struct am_err *e);

/* ---- group commit: sealing many entries (batch.c) ----------------------- */

/*
 * A batch seals many entries with one signer through one write transaction
 * at a time (BEGIN IMMEDIATE, the log re-verified up to its end once), one
 * signed checkpoint of the tree after the batch's last entry, and one
 * durable COMMIT: per entry it costs the entry's own crypto and storage, not
 * a sync and a checkpoint (docs/FORMAT.md §27 says how verification knows a
 * batch's entries need no checkpoint of their own).
 *
 * Usage:
 *
 *	am_batch_begin(v, t, signer, &limits, on_durable, ctx, &b, e);
 *	for each item: am_batch_seal(b, &req, item, e);   (may commit on its own)
 *	am_batch_commit(b, e);                            (the rest)
 *	am_batch_free(b);
 *
 * Acknowledgement: durable(ctx, cookie, res) is called once per entry, in
 * seq order, right after the COMMIT of its batch has returned (with
 * synchronous=FULL: the entry survives power loss), never before.  res is
 * as am_seal's (tree_size and root: the tree after the batch).  A caller
 * prints or records a sequence number only from that callback.
 *
 * Failure: when am_batch_seal or am_batch_commit fails, the batch being
 * built is rolled back: every entry given since the last durable callback
 * is not in the vault (am_batch_pending() is then 0), and earlier batches
 * are untouched.  The batch can be used again (a new transaction is begun
 * by the next am_batch_seal).  A stop flag (req->stop) set during an entry
 * ends that entry with AM_EIO "interrupted" and so rolls the batch back; to
 * stop cleanly between entries, check the flag before am_batch_seal and call
 * am_batch_commit instead, which keeps everything sealed so far.
 *
 * Locking: the vault's write lock is held from the first am_batch_seal of a
 * batch to its commit (with limits.overlap, from when the entries sealed
 * during the commit before are stored); other writers wait (up to
 * AM_BUSY_WAIT_SECONDS), and may append between two batches.  Readers in
 * other processes see a batch all at once or not at all.
 */
struct am_batch;

/*
 * A batch is committed as soon as it holds this many entries or plaintext
 * bytes.  A commit costs about five fsyncs (journal, database, directory),
 * ~12 ms here: at 1000 small entries a batch that was a fifth of the time.
 * Wrap keys still serve at most 1000 entries each (AM_BWRAP_MAX_USES).
 */
#define AM_BATCH_ENTRIES 4000
#define AM_BATCH_BYTES ((uint64_t)64 << 20)
struct am_batch_limits {
	size_t max_entries; /* 0: AM_BATCH_ENTRIES; 1: every entry alone (no batching) */
	uint64_t max_bytes; /* of plaintext; 0: AM_BATCH_BYTES.  An entry is never split */
	/*
	 * 1: a batch that reaches its limits is committed on another thread while
	 * the next entries are sealed and signed; they wait in memory (up to
	 * AM_BATCH_QUEUE_BYTES) and are stored once the commit is back.  If
	 * another writer appended in between, they are chained after its entries
	 * and signed again, their references to each other moved with them; from
	 * then on a number the caller counted from there may name another entry,
	 * and a reference to one is refused (AM_EINPUT) for the rest of the batch.
	 * Acknowledgements are unchanged: after the COMMIT, from the thread that
	 * calls am_batch_*, at its next call.
	 */
	int overlap;
	/*
	 * ms the batch may keep the write lock from one batch to the next (0:
	 * AM_BATCH_HOLD_MS); then, before taking it again, it leaves it free for
	 * AM_BATCH_GAP_MS, longer than a waiting writer sleeps between tries, so
	 * that another writer waits for a few seconds, not for the whole run
	 * (with overlap the batch goes on sealing into memory meanwhile).
	 */
	unsigned hold_ms;
};
#define AM_BATCH_QUEUE_BYTES ((size_t)16 << 20)
#define AM_BATCH_HOLD_MS 2000u
#define AM_BATCH_GAP_MS 60

/* Called for each entry once it is durable; cookie is what am_batch_seal was given. */
typedef void (*am_batch_durable_fn)(void *ctx, void *cookie, const struct am_seal_result *res);

/*
 * Start a batch of entries signed by signer (a secret identity; checked for
 * its role at each entry) on the verified state t, which advances at each
 * commit.  limits and durable may be NULL.  Nothing is locked yet.
 */
AM_WUR enum am_status am_batch_begin(struct am_vault *v, struct am_trusted *t,
				     const struct am_identity *signer,
				     const struct am_batch_limits *limits,
				     am_batch_durable_fn durable, void *ctx,
				     struct am_batch **out, struct am_err *e);
/*
 * Seal one entry into the batch: as am_seal (type testimony, document,
 * media or case; fields; refs to earlier entries, including ones earlier in
 * this batch; content from req->fd or req->data; progress per entry), wrapped
 * to the custodians of the verified log.  When the batch then reaches its
 * limits it is committed here, and its entries acknowledged.
 */
AM_WUR enum am_status am_batch_seal(struct am_batch *b, const struct am_seal_req *req,
				    void *cookie, struct am_err *e);
/* Commit the entries sealed so far (one checkpoint, one COMMIT); AM_OK when none. */
AM_WUR enum am_status am_batch_commit(struct am_batch *b, struct am_err *e);
/* Entries sealed into the open batch and not yet durable. */
size_t am_batch_pending(const struct am_batch *b);
/* Roll back whatever is not committed (not acknowledged), wipe and free. */
void am_batch_free(struct am_batch *b);

/* ---- reading (custodians) ---------------------------------------------- */

/*
 * Seal a custody entry by reader: action on refs, for purpose.  Reads happen
 * only after this returns AM_OK, so no read goes unrecorded.  More refs than
 * one entry may name (AM_CUSTODY_REFS_MAX) become consecutive custody entries
 * committed together; *seq is the first.
 */
#define AM_CUSTODY_REFS_MAX 65536
AM_WUR enum am_status am_record_custody(struct am_vault *v, struct am_trusted *t,
					const struct am_identity *reader, unsigned action,
					const uint64_t *refs, size_t nrefs, const char *purpose,
					uint64_t *seq, struct am_err *e);
/*
 * Check, without recording anything, that reader can open entry seq: AM_EAUTH
 * when it is not wrapped to reader's key.
 */
AM_WUR enum am_status am_can_open(struct am_vault *v, const struct am_identity *reader,
				  uint64_t seq, struct am_err *e);
/* Decrypt an entry's private fields. */
AM_WUR enum am_status am_open_fields(struct am_vault *v, const struct am_identity *reader,
				     uint64_t seq, struct am_fields *out, struct am_err *e);
/*
 * Decrypt an entry's content to fd, checking every chunk tag, the chunk
 * count, the size, the ciphertext hash and the plaintext SHA-256 recorded in
 * its fields.  AM_EVERIFY on any mismatch: the caller must then discard what
 * was written.
 */
AM_WUR enum am_status am_extract(struct am_vault *v, const struct am_identity *reader,
				 uint64_t seq, int fd, struct am_progress progress,
				 struct am_err *e);

/* Where am_extract_to sends plaintext; returns AM_OK or an error it filled. */
typedef enum am_status (*am_writer)(void *ctx, const void *p, size_t n, struct am_err *e);
/* am_extract, writing through a callback instead of a file descriptor. */
AM_WUR enum am_status am_extract_to(struct am_vault *v, const struct am_identity *reader,
				    uint64_t seq, am_writer write, void *wctx,
				    struct am_progress progress, struct am_err *e);
/*
 * A custody entry whose private fields are given whole (they must include
 * "action"); for records richer than a purpose, such as an export's.
 */
AM_WUR enum am_status am_record_custody_fields(struct am_vault *v, struct am_trusted *t,
					       const struct am_identity *reader, unsigned action,
					       const uint64_t *refs, size_t nrefs,
					       const struct am_fields *fields, uint64_t *seq,
					       struct am_err *e);

/* ---- imports from field vaults (import.c, verify_import.c; FORMAT §25) - */

/*
 * An import entry's payload, parsed (pointers into the entry's buffer): the
 * original field entry's header and signature, the field checkpoint it was
 * carried under and the inclusion proof of the original in that tree.
 */
struct am_import_view {
	struct am_header orig;            /* parsed original header */
	const unsigned char *hdr;         /* its bytes */
	size_t hlen;
	const unsigned char *sig;         /* AM_SIG_LEN */
	unsigned char orig_hash[AM_HASH_LEN]; /* entry hash of the original */
	const char *cp;                   /* field checkpoint note */
	size_t cplen;
	const unsigned char *proof;       /* nproof * AM_HASH_LEN */
	size_t nproof;
};
/*
 * Parse an import entry's payload and check what it says alone: the
 * original's header and signature, and that the outer header's body fields
 * are the original's.  AM_EVERIFY with a reason otherwise.
 */
AM_WUR enum am_status am_import_view(const struct am_header *outer, struct am_import_view *out,
				     struct am_err *e);

/* One field entry to import, as carried in a transfer packet. */
struct am_import_src {
	const unsigned char *hdr;
	size_t hlen;
	const unsigned char *sig;
	const char *cp;                 /* the field checkpoint note it is proved under */
	size_t cplen;
	const unsigned char (*proof)[AM_HASH_LEN];
	size_t nproof;
	const unsigned char *wraps;     /* sealed originals: the stored body */
	size_t wn;
	const unsigned char *meta;
	size_t mn;
	int has_prev;                   /* the previous import of this field vault ... */
	uint64_t prev;                  /* ... is this main-vault entry */
};

/*
 * A write transaction that appends import entries to v on the verified state
 * t: chunks of the next entry first (am_import_chunk), then the entry
 * (am_import_append), as often as needed; am_import_commit makes all of it
 * durable at once and advances t, am_import_abort leaves v and t as they were.
 */
struct am_import_tx;
AM_WUR enum am_status am_import_begin(struct am_vault *v, struct am_trusted *t,
				      struct am_import_tx **out, struct am_err *e);
/* flags: the original header's, whose bit 1 says how its chunks are hashed (FORMAT.md §28) */
AM_WUR enum am_status am_import_chunk(struct am_import_tx *x, unsigned flags, uint64_t idx,
				      const unsigned char *p, size_t n, struct am_err *e);
/*
 * Check the original (signature, body, field inclusion proof, checkpoint
 * signer and original signer enrolled in this vault, the link to the
 * previous import) and the chunks given, then sign and append the import
 * entry by signer.  *seq receives its number.
 */
AM_WUR enum am_status am_import_append(struct am_import_tx *x, const struct am_identity *signer,
				       const struct am_import_src *src, uint64_t *seq,
				       struct am_err *e);
/* The verified state the transaction appends on (its membership, size, tree). */
const struct am_trusted *am_import_state(const struct am_import_tx *x);
AM_WUR enum am_status am_import_commit(struct am_import_tx *x, struct am_err *e);
void am_import_abort(struct am_import_tx *x);

/*
 * Append an ACK entry (payload: an acknowledgement note, FORMAT §25) signed
 * by signer, any enrolled member, on t.
 */
AM_WUR enum am_status am_record_ack(struct am_vault *v, struct am_trusted *t,
				    const struct am_identity *signer, const char *note, size_t len,
				    uint64_t *seq, struct am_err *e);
/*
 * An entry's stored body as it is, for carrying it elsewhere undecrypted:
 * its wraps and metadata blobs (malloc'ed; checked against the signed
 * hashes of h, the entry's verified header), and its chunks in order through
 * fn, each counted, sized and hashed as they go: AM_EVERIFY when the chunks
 * are not exactly the ones h signs (fn may then have seen some).
 */
AM_WUR enum am_status am_entry_stored_body(struct am_vault *v, const struct am_header *h,
					   unsigned char **wraps, size_t *wn,
					   unsigned char **meta, size_t *mn, struct am_err *e);
typedef enum am_status (*am_chunk_fn)(void *ctx, uint64_t idx, const unsigned char *p,
				      size_t n, struct am_err *e);
AM_WUR enum am_status am_entry_stored_chunks(struct am_vault *v, const struct am_header *h,
					     am_chunk_fn fn, void *ctx, struct am_err *e);
/*
 * What an entry is, for readers that sort entries: its type, or for an import
 * the type of the field entry it carries (0 if the import does not parse).
 * It checks no signature: give it headers of a verified log.
 */
unsigned am_entry_kind(const struct am_header *h);
/*
 * The original header an import carries, parsed (0), or -1 when h is no
 * import or it does not parse.  No signature checked: a verified log's.
 */
AM_WUR int am_import_original(const struct am_header *h, struct am_header *orig);
/* The root of t's verified tree (of am_trusted_size(t) entries). */
void am_trusted_root(const struct am_trusted *t, unsigned char root[AM_HASH_LEN]);

/* ---- verification ----------------------------------------------------- */

enum am_verify_tier {
	AM_VERIFY_QUICK,   /* structure, chain, signatures, authority, tree, checkpoints */
	AM_VERIFY_FULL,    /* + every ciphertext, wrap and metadata hash */
	AM_VERIFY_DEEP,    /* + decrypting every chunk and the plaintext SHA-256 (custodian) */
};

struct am_verify_opts {
	enum am_verify_tier tier;
	/*
	 * A trusted starting point: the tree of the first from_size entries has
	 * root from_root (a signed checkpoint, an audit state, a resume point).
	 * Only entries from from_size on are checked one by one; the rest is
	 * tied to from_root through the stored tree, which is itself checked.
	 */
	uint64_t from_size;
	unsigned char from_root[AM_HASH_LEN];
	/* Another trusted point the vault must still agree with (0: none). */
	uint64_t pin_size;
	unsigned char pin_root[AM_HASH_LEN];
	double max_seconds;                /* stop early after this long; 0: never */
	const struct am_identity *reader;  /* custodian for AM_VERIFY_DEEP */
	struct am_progress progress;
	/*
	 * Where signatures are checked (vault/sigcheck.h): AM_SIGCHECK_AUTO, on
	 * both cores when there are many; for tests, AM_SIGCHECK_INPLACE (each
	 * where the walk reaches it, on the calling thread) or AM_SIGCHECK_WORKER
	 * (every one queued ahead is checked on the second thread).  What is
	 * reported does not depend on it.
	 */
	int sigcheck;
};
enum { AM_SIGCHECK_AUTO, AM_SIGCHECK_INPLACE, AM_SIGCHECK_WORKER };

struct am_verify_report {
	uint64_t entries;          /* entries checked one by one */
	uint64_t size;             /* tree size reached (from_size + entries) */
	uint64_t chunks;
	uint64_t bytes;            /* ciphertext bytes hashed */
	uint64_t checkpoints;      /* stored checkpoints checked */
	uint64_t undecryptable;    /* deep tier: entries not sealed to the reader */
	int ok;
	int complete;              /* 0 when max_seconds stopped it early */
	uint64_t bad_seq;          /* valid when !ok && has_bad_seq */
	int has_bad_seq;
	char reason[400];
	unsigned char head[AM_HASH_LEN]; /* hash of the last good entry */
	unsigned char root[AM_HASH_LEN]; /* tree root at `size`, recomputed */
	unsigned char vault_id[AM_VAULT_ID_LEN];
	unsigned char genesis[AM_HASH_LEN]; /* entry hash of genesis, once checked */
};

/*
 * Verify from stored bytes.  Returns AM_OK when the checks ran (look at
 * report->ok and report->complete), or an error when they could not run.
 */
AM_WUR enum am_status am_verify_ex(struct am_vault *v, const struct am_verify_opts *o,
				   struct am_verify_report *r, struct am_err *e);
/* The whole log at a tier, with no starting point and no time limit. */
AM_WUR enum am_status am_verify(struct am_vault *v, enum am_verify_tier tier,
				struct am_progress progress, struct am_verify_report *r,
				struct am_err *e);

/* ---- transparency: tree, checkpoints, proofs -------------------------- */

struct am_checkpoint;
/*
 * Sign a checkpoint of the verified tree t (brought up to the end of the
 * log first) by signer (any enrolled identity), and store it.  out receives
 * it (release with am_checkpoint_release).
 */
AM_WUR enum am_status am_vault_checkpoint(struct am_vault *v, struct am_trusted *t,
					  const struct am_identity *signer,
					  struct am_checkpoint *out, struct am_err *e);
/* The newest stored checkpoint of exactly size (size 0: the newest of all). */
AM_WUR enum am_status am_stored_checkpoint(struct am_vault *v, uint64_t size,
					   struct am_checkpoint *out, struct am_err *e);
/* Inclusion proof of entry seq in the tree of `size` entries, from stored nodes. */
AM_WUR enum am_status am_prove_inclusion(struct am_vault *v, uint64_t seq, uint64_t size,
					 unsigned char proof[][AM_HASH_LEN], size_t *count,
					 struct am_err *e);
/*
 * The inclusion proof of entry seq (pub, as read) in the tree cp signs,
 * checked against cp's root before anything carries it: a proof handed out
 * (prove, a bundle, a transfer packet) always holds.  AM_EVERIFY when the
 * stored tree no longer proves it.
 */
AM_WUR enum am_status am_prove_entry(struct am_vault *v, uint64_t seq,
				     const struct am_entry_pub *pub, const struct am_checkpoint *cp,
				     unsigned char proof[][AM_HASH_LEN], size_t *count,
				     struct am_err *e);
/* Consistency proof from size m to size n, from stored nodes. */
AM_WUR enum am_status am_prove_consistency(struct am_vault *v, uint64_t m, uint64_t n,
					   unsigned char proof[][AM_HASH_LEN], size_t *count,
					   struct am_err *e);
/* Root of the stored tree at size n (not trusted; proofs are checked against signed roots). */
AM_WUR enum am_status am_vault_root(struct am_vault *v, uint64_t n,
				    unsigned char root[AM_HASH_LEN], struct am_err *e);

/*
 * Flip one byte of entry seq's first chunk in the vault file at path, going
 * around the append-only triggers as an attacker with write access could.
 * For the demo only: never call this on a vault you care about.
 */
AM_WUR enum am_status am_tamper_flip_chunk_byte(const char *path, uint64_t seq,
						struct am_err *e);

/* ---- key lifecycle (lifecycle.c, rewrap.c, compromise.c; FORMAT.md §24) -- */

/* What a revoke entry may say besides the key: why, and since when the key was not safe. */
enum am_since { AM_SINCE_NONE = 0, AM_SINCE_SEQ = 1, AM_SINCE_TIME = 2 };
#define AM_REASON_MAX 1024
struct am_revocation {
	const char *reason;  /* free text (UTF-8), at most AM_REASON_MAX bytes; NULL: none */
	enum am_since kind;
	uint64_t since_seq;  /* AM_SINCE_SEQ: the first entry the key may not have signed */
	int64_t since_ms;    /* AM_SINCE_TIME: milliseconds since 1970; resolved to a seq */
};
/*
 * am_revoke with a reason and a compromise point.  A time is resolved, on
 * the verified log, to the first entry sealed (by its stated clock) at or
 * after it, and both are recorded.  Refuses (AM_EINPUT, saying what to do
 * instead) to leave no admin, or no custodian while sealed entries exist.
 */
AM_WUR enum am_status am_revoke_ex(struct am_vault *v, struct am_trusted *t,
				   const struct am_identity *admin,
				   const unsigned char pk[AM_SIGN_PK_LEN],
				   const struct am_revocation *why, uint64_t *seq, struct am_err *e);
/*
 * Replace old's keys by neu's in a rotate entry: old (secret) signs the
 * binding, signer (an admin other than old; or neu itself, secret, when old
 * is an admin rotating their own key) signs the entry.  old's roles move to
 * neu; old is retired.
 */
AM_WUR enum am_status am_rotate(struct am_vault *v, struct am_trusted *t,
				const struct am_identity *signer, const struct am_identity *old,
				const struct am_identity *neu, uint64_t *seq, struct am_err *e);
/*
 * 1 when the X25519 key box_pk can open entry seq's content key: its own
 * wraps, or a rewrap entry of the verified log (am_vault_use_trust) naming
 * it.  *via (optional) is the entry holding that wrap.
 */
AM_WUR int am_wrapped_to(struct am_vault *v, uint64_t seq, const unsigned char box_pk[AM_BOX_PK_LEN],
			 uint64_t *via);
/*
 * Wrap the content keys of the sealed entries seqs (increasing) to the
 * custodian whose X25519 key is to, in rewrap entries signed by signer (a
 * custodian).  opener unwraps: signer itself, or a key signer replaced by
 * rotation.  The caller records the reading (AM_ACT_REWRAP) first.
 * *first and *count say which entries were appended.
 */
AM_WUR enum am_status am_rewrap(struct am_vault *v, struct am_trusted *t,
				const struct am_identity *signer, const struct am_identity *opener,
				const unsigned char to[AM_BOX_PK_LEN], const uint64_t *seqs, size_t n,
				uint64_t *first, uint64_t *count, struct am_err *e);

/* One revocation with a compromise point, and the entries its key signed in the window. */
struct am_compromised {
	uint64_t revoke_seq;
	unsigned char pk[AM_SIGN_PK_LEN];
	enum am_since kind;
	uint64_t since_seq;
	int64_t since_ms;
	char reason[AM_REASON_MAX + 1];
	uint64_t *seqs; /* entries signed by pk from since_seq up to revoke_seq */
	size_t n;
};
struct am_compromise_report {
	struct am_compromised *v;
	size_t n;
};
void am_compromise_report_release(struct am_compromise_report *r);
/*
 * Every revocation with a compromise point in the tree of `size` entries
 * with root `root` (as just verified), and what the revoked key signed from
 * that point to the revocation, each entry read proved against root.
 */
AM_WUR enum am_status am_compromise_scan(struct am_vault *v, uint64_t size,
					 const unsigned char root[AM_HASH_LEN],
					 struct am_compromise_report *out, struct am_err *e);
/* Parse a revoke payload (32 bytes, or 32 + the revocation record); -1 if malformed. */
int am_revocation_parse(const unsigned char *p, size_t n, unsigned char pk[AM_SIGN_PK_LEN],
			enum am_since *kind, uint64_t *since_seq, int64_t *since_ms,
			char reason[AM_REASON_MAX + 1]);

#endif
