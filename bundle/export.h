/*
 * export.h — evidence bundles: chosen items, decrypted, with the proofs a
 * court needs to check them alone (docs/BUNDLE.md).
 */
#ifndef AMANAT_EXPORT_H
#define AMANAT_EXPORT_H

#include "../vault/vault.h"

/* The consent scopes an export can be made for (docs/BUNDLE.md, "Consent"). */
int am_scope_ok(const char *scope);

struct am_export_req {
	const struct am_identity *custodian;
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
};

void am_export_result_release(struct am_export_result *r);

/*
 * Export: record the export as a custody entry, select, apply consent, write
 * the bundle, and record its hash in a second custody entry.  Nothing is
 * written at `out` unless the whole bundle is complete.
 */
AM_WUR enum am_status am_export(struct am_vault *v, const struct am_export_req *req,
				struct am_export_result *res, struct am_err *e);

/* --for: encrypt bytes to a recipient's X25519 key into a new file. */
AM_WUR enum am_status am_bundle_encrypt(const unsigned char *p, size_t n,
					const unsigned char box_pk[AM_BOX_PK_LEN],
					const char *path, unsigned char sha[AM_HASH_LEN],
					struct am_err *e);
/* open-bundle: decrypt a file made by am_bundle_encrypt into a new file. */
AM_WUR enum am_status am_bundle_decrypt(const char *in, const struct am_identity *id,
					const char *out, struct am_err *e);

#endif
