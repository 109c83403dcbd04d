/*
 * vault_layer.h — what the layers above vault/ (bundle/, and each later
 * capability: case records, transfer) may use besides vault.h: the entry
 * format's chunk and field-commitment constants, the membership replayed with
 * the vault's own rules, and accessors for what struct am_vault holds.
 * Everything else in vault_int.h stays the vault's own.
 */
#ifndef AMANAT_VAULT_LAYER_H
#define AMANAT_VAULT_LAYER_H

#include "vault.h"

/* The entry format (docs/FORMAT.md): an encrypted bundle seals its chunks alike. */
#define AM_CHUNK_SIZE (1u << 20)
#define AM_MAX_FIELDS 4096u
#define AM_DOM_FIELDS "amanat-fields-v1"
#define AM_KDF_CTX_CHUNK "amnchunk"
#define AM_CHUNK_STORED 0

/* The commitment to one private field (its salt, name and value). */
void am_field_digest(unsigned char out[AM_HASH_LEN], const struct am_field *fl);
/* 1 when name is a field name the format allows. */
int am_field_name_ok(const char *name);

/* ---- authority.c: who may do what, replayed from the log -------------- */

struct am_auth {
	struct am_members ms;
	size_t cap;
	uint64_t last_seq; /* the latest genesis/enroll/revoke entry applied */
	/* indexes into ms.m, sorted by signing key and by box key: lookups in log time */
	size_t *by_sign, *by_box;
};
void am_auth_init(struct am_auth *a);
void am_auth_release(struct am_auth *a);
/*
 * Check that the entry h is allowed by the state so far, then apply it.
 * Returns 0, or -1 with a reason.
 */
int am_auth_apply(struct am_auth *a, const struct am_header *h, char *why, size_t whylen);
/* Roles allowed to sign an entry of this type. */
unsigned am_type_signer_roles(unsigned type);
/* Roles of pk now (0 when not a member). */
unsigned am_auth_roles(const struct am_auth *a, const unsigned char pk[AM_SIGN_PK_LEN]);

/*
 * The enrollments in force after authority entry `at` of vault vid, found
 * through the signed authority links and checked (signatures, vault id,
 * rules).
 */
AM_WUR enum am_status am_auth_replay(struct am_vault *v, uint64_t at,
				     const unsigned char vid[AM_VAULT_ID_LEN], struct am_auth *a,
				     struct am_err *e);

/* ---- verify_import.c: an import entry on its own (docs/FORMAT.md §25.3) ---- */

struct am_import_view;
/*
 * Every rule of an import entry h that needs nothing but h and auth, the
 * membership of its vault at h (an evidence bundle has no more): the original
 * and its body, the field checkpoint, its inclusion proof and signer, the
 * sealer's enrollment, and for a first import, the field genesis.  Not the
 * link to the previous import.  0 (with the view in *out and the checkpoint's
 * size in *cp_size, each optional), or -1 with a reason.
 */
AM_WUR int am_import_check_alone(const struct am_auth *auth, const struct am_header *h, char *why,
			  size_t whylen, struct am_import_view *out, uint64_t *cp_size);
/*
 * authcache.c.  The same membership, borrowed from v (valid until the next
 * call on v or its close): replayed once per authority entry, not once per
 * entry read, so a reader walking a million entries replays a few times.
 */
AM_WUR enum am_status am_auth_at(struct am_vault *v, uint64_t at,
				 const unsigned char vid[AM_VAULT_ID_LEN],
				 const struct am_auth **out, struct am_err *e);

/* ---- vault_layer.c ------------------------------------------------------ */

/* The path the vault was opened from (owned by v), for messages. */
const char *am_vault_path(const struct am_vault *v);

#endif
