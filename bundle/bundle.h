/*
 * bundle.h — the public interface of the evidence-bundle layer, which sits
 * above vault/ and uses only its public headers (docs/DECISIONS.md, "Layout").
 *
 * Export (docs/BUNDLE.md): chosen items, decrypted, with the proofs a court
 * needs to check them alone, as a BagIt directory or ZIP, optionally
 * encrypted to one person.
 *
 * Verification (docs/BUNDLE.md, "Verification"): checking an evidence bundle
 * with nothing but the bundle: a BagIt directory, or its ZIP (the bag in the
 * ZIP's one top-level directory, RFC 8493 §4.2, or at its root).  Every
 * problem found is recorded in the report, as a lowercase message that
 * begins with the file (or item) it concerns; verification goes on after a
 * problem so that the report names them all.
 *
 * Like vault/, this layer never prints and never exits.
 */
#ifndef AMANAT_BUNDLE_H
#define AMANAT_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "../vault/note.h"
#include "../vault/vault.h"

/* ---- export ------------------------------------------------------------- */

/* The consent scopes an export can be made for (docs/BUNDLE.md, "Consent"). */
int am_scope_ok(const char *scope);

struct am_export_req {
	const struct am_identity *custodian;
	/* the log as verified from the custodian's pin; advances with the export's records */
	struct am_trusted *trusted;
	/* selection: the entries listed, plus every entry matching all filters given */
	const uint64_t *seqs;
	size_t nseqs;
	const char *const *cases;
	size_t ncases;
	unsigned types;        /* bit (1 << type); 0: any evidence type */
	int has_from, has_to;
	int64_t from_ms, to_ms; /* sealing time, inclusive */
	const char *purpose;
	const char *scope;
	const char *override_consent; /* NULL: refuse what consent does not cover */
	const char *const *withhold;  /* field names, or "prefix.*" */
	size_t nwithhold;
	const char *out;       /* directory, or a .zip file */
	int zip;
	const struct am_identity *recipient; /* encrypt the ZIP to this person, or NULL */
	struct am_progress progress;
	/*
	 * The custodian's export index (docs/FORMAT.md §30), local state kept
	 * beside the pin: with items named by number alone, only the entries
	 * it finds are read.  NULL: every entry of the log is read.
	 */
	const char *index;
};

struct am_export_refusal {
	uint64_t seq;
	char reason[160];
};

struct am_export_result {
	size_t nitems;
	uint64_t tree_size;
	uint64_t custody_before, custody_after;
	unsigned char tagmanifest_sha256[AM_HASH_LEN];
	unsigned char file_sha256[AM_HASH_LEN]; /* of the ZIP or encrypted file; zero for a directory */
	struct am_export_refusal *refused;
	size_t nrefused;
	size_t overridden;
	size_t unreadable; /* matched entries this custodian cannot decrypt */
	/* with req->index: NULL when it was used, else why it was built anew ("missing", ...) */
	const char *index_why;
};

void am_export_result_release(struct am_export_result *r);

/*
 * Export: record the export as a custody entry (naming every entry whose
 * metadata or content will be decrypted), select, apply consent, write the
 * bundle unnamed, record its hash in a second custody entry, and only then
 * give it its name `out`.  Nothing is at `out` unless the whole bundle is
 * complete and its closing record durable; a bad `out` (existing, or in a
 * directory that does not exist) is refused before anything is recorded.
 */
AM_WUR enum am_status am_export(struct am_vault *v, const struct am_export_req *req,
				struct am_export_result *res, struct am_err *e);

/* open-bundle: decrypt a file made by `export --for` (bundle_crypt.h) into a new file. */
AM_WUR enum am_status am_bundle_decrypt(const char *in, const struct am_identity *id,
					const char *out, struct am_err *e);

/*
 * A size for people, as bag-info.txt's Bag-Size and index.html give it:
 * "129 bytes" below 1000, else one decimal of the largest decimal unit (kB,
 * MB, GB, ...) that keeps it under 1000: "1.2 MB".  The same text on every
 * machine (no locale).
 */
void am_bundle_size_text(char out[32], uint64_t n);

/* ---- verification ------------------------------------------------------- */

struct am_bundle_verify_opts {
	/*
	 * Checkpoint verifier keys the caller trusts (--vault-key).  When any
	 * are given, the checkpoint must carry a valid signature by one of
	 * them; otherwise, by an identity enrolled in the vault.  A key whose
	 * name is empty is taken under `origin` (a key read from a .pub file:
	 * a bare key pins no vault, so the caller must say which).
	 */
	const struct am_vkey *vault_keys;
	size_t nvault_keys;
	/* The vault the bundle must be of ("amanat/<hex>"), or NULL. */
	const char *origin;
	/*
	 * A checkpoint obtained independently (--checkpoint), or NULL: the
	 * bundle's checkpoint must have its origin, size and root.
	 */
	const struct am_checkpoint *checkpoint;
};

/* One item of the bundle, as verified. */
struct am_bundle_item {
	char id[32]; /* AMN-000001 */
	uint64_t seq;
	unsigned type;
	int64_t sealed_at_ms; /* the sealer's clock (signed, not trusted) */
	unsigned char signer[AM_SIGN_PK_LEN];
	char signer_name[AM_NAME_MAX + 1]; /* "" when the signer is not enrolled */
	char *payload;                     /* data/AMN-000001/<name>, or NULL */
	uint64_t size;
	unsigned char sha256[AM_HASH_LEN];
	int ok; /* no problem concerns this item */
	/* an import (docs/FORMAT.md §25): sealed in this field vault as this entry */
	int imported;
	char field_origin[AM_ORIGIN_MAX];
	uint64_t field_seq;
};

struct am_bundle_report {
	int is_zip;
	char origin[AM_ORIGIN_MAX];
	uint64_t tree_size;
	unsigned char root[AM_HASH_LEN];
	char exporter_name[AM_NAME_MAX + 1];
	char exporter_key_id[2 * AM_KEYID_LEN + 1];
	int by_vault_key; /* the checkpoint was checked with --vault-key */
	/* who signed the checkpoint (the first valid signature by a key checked) */
	char ckpt_signer_name[AM_NAME_MAX + 1]; /* "" when not an enrolled identity */
	char ckpt_signer_key_id[2 * AM_KEYID_LEN + 1];
	int pinned;       /* and matched --checkpoint */
	size_t nentries;  /* entries carried with a valid inclusion proof */
	struct am_bundle_item *items;
	size_t nitems;
	char **problems; /* printable ASCII, one problem each */
	size_t nproblems;
	size_t more_problems; /* found beyond the report's limit, not kept */
};

void am_bundle_report_release(struct am_bundle_report *r);

/*
 * Verify the bundle at path (a directory or a .zip).  Returns AM_OK when
 * every check holds; AM_EVERIFY when the report lists problems; AM_EINPUT
 * when path is not a bundle at all (no bagit.txt, not a readable ZIP);
 * AM_EIO for a failure to read (the report may list problems found before
 * it); AM_ENOMEM.  r is filled in every case and must be released.
 */
AM_WUR enum am_status am_bundle_verify(const char *path, const struct am_bundle_verify_opts *o,
                                       struct am_bundle_report *r, struct am_err *e);

/*
 * The minizip that bundles are written and read with, as compiled against
 * (minizip has no run-time version function): "1.2.8", a static string.
 */
const char *am_bundle_zip_version(void);

#endif
