/*
 * bundle_verify.h — checking an evidence bundle (docs/BUNDLE.md,
 * "Verification") with nothing but the bundle: a BagIt directory, or its ZIP
 * (the bag in the ZIP's one top-level directory, RFC 8493 §4.2, or at its root).
 *
 * Like the rest of vault/, this never prints and never exits.  Every problem
 * found is recorded in the report, as a lowercase message that begins with
 * the file (or item) it concerns; verification goes on after a problem so
 * that the report names them all.
 */
#ifndef AMANAT_BUNDLE_VERIFY_H
#define AMANAT_BUNDLE_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "../vault/note.h"
#include "../vault/vault.h"

struct am_bundle_verify_opts {
	/*
	 * Checkpoint verifier keys the caller trusts (--vault-key).  When any
	 * are given, the checkpoint must carry a valid signature by one of
	 * them; otherwise, by an identity enrolled in the vault.  A key whose
	 * name is empty is taken under the bundle's origin (a key read from a
	 * .pub file, whose checkpoint key name is not known in advance).
	 */
	const struct am_vkey *vault_keys;
	size_t nvault_keys;
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
};

struct am_bundle_report {
	int is_zip;
	char origin[AM_ORIGIN_MAX];
	uint64_t tree_size;
	unsigned char root[AM_HASH_LEN];
	char exporter_name[AM_NAME_MAX + 1];
	char exporter_key_id[2 * AM_KEYID_LEN + 1];
	int by_vault_key; /* the checkpoint was checked with --vault-key */
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

#endif
