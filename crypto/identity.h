/*
 * identity.h — a person's keys: an Ed25519 signing key and an X25519
 * decryption key, their secret file (NAME.id) and public file (NAME.pub).
 * File formats: docs/FORMAT.md, "Identity files".
 */
#ifndef AMANAT_IDENTITY_H
#define AMANAT_IDENTITY_H

#include "crypto.h"

#define AM_NAME_MAX 64

struct am_identity {
	char name[AM_NAME_MAX + 1];
	unsigned char sign_pk[AM_SIGN_PK_LEN];
	unsigned char box_pk[AM_BOX_PK_LEN];
	/* when the keys were made (Unix seconds); 0 when not recorded (version 1 files, .pub) */
	uint64_t created;
	/* secure memory; both NULL for an identity known only by its public file */
	unsigned char *sign_sk; /* AM_SIGN_SK_LEN */
	unsigned char *box_sk;  /* AM_BOX_SK_LEN */
};

void am_identity_init(struct am_identity *id);
/* Wipes and frees the secret halves. */
void am_identity_release(struct am_identity *id);

/* 1 when name is 1..64 of [A-Za-z0-9._-] and starts with a letter or digit. */
int am_name_ok(const char *name);

/* Fresh random keys under name. */
AM_WUR enum am_status am_identity_generate(struct am_identity *id, const char *name,
					   struct am_err *e);

/*
 * Seal the secret keys under the passphrase into a new file at path, mode
 * 0600, created exclusively; refuses to overwrite (AM_EEXIST).
 */
AM_WUR enum am_status am_keyfile_write(const char *path, const struct am_identity *id,
				       const char *pass, size_t passlen,
				       enum am_kdf_level lvl, struct am_err *e);
/*
 * Open a secret key file.  AM_EAUTH for a wrong passphrase, AM_EINPUT for a
 * file that is not an amanat identity or is truncated, AM_EIO for I/O.
 */
AM_WUR enum am_status am_keyfile_read(const char *path, const char *pass, size_t passlen,
				      struct am_identity *id, struct am_err *e);

/* The one-line public file text ("amanat-pub-v1 NAME SIGN BOX\n"). */
AM_WUR enum am_status am_pub_format(const struct am_identity *id, char *out, size_t outlen);
AM_WUR enum am_status am_pub_parse(const char *text, size_t len, struct am_identity *id,
				   struct am_err *e);
AM_WUR enum am_status am_pubfile_write(const char *path, const struct am_identity *id,
				       struct am_err *e);
AM_WUR enum am_status am_pubfile_read(const char *path, struct am_identity *id,
				      struct am_err *e);
/*
 * Read either kind of file for its public half: a .pub, or the public
 * fields of a .id without its passphrase.
 */
AM_WUR enum am_status am_public_read(const char *path, struct am_identity *id,
				     struct am_err *e);

/*
 * The 64 secret bytes both key pairs come from (Ed25519 seed || X25519
 * secret key, as sealed in a .id) into out; -1 for an identity without them.
 */
AM_WUR int am_identity_secret(const struct am_identity *id, unsigned char out[64]);
/* An identity named name from those 64 bytes (recovery from shares). */
AM_WUR enum am_status am_identity_from_secret(struct am_identity *id, const char *name,
					      const unsigned char secret[64], struct am_err *e);

/*
 * The public fields of a .id (name, keys) and its passphrase-hashing
 * parameters, without the passphrase.  As am_public_read, .id files only.
 */
AM_WUR enum am_status am_keyfile_info(const char *path, struct am_identity *id,
				      struct am_kdf_params *p, struct am_err *e);
/*
 * Replace the .id at path with id sealed under a new passphrase and the
 * parameters p (a new salt and nonce): the new file is written beside it,
 * synced, renamed over it and the directory synced, so that a crash leaves
 * the old file or the new one, never neither (fsutil.h).  path must be a
 * regular file, not a symbolic link.
 */
AM_WUR enum am_status am_keyfile_rewrite(const char *path, const struct am_identity *id,
					 const char *pass, size_t passlen,
					 const struct am_kdf_params *p, struct am_err *e);

/* 16 lowercase hex digits of the display key id (buffer of 17). */
void am_key_id_hex(char out[2 * AM_KEYID_LEN + 1], const unsigned char pk[AM_SIGN_PK_LEN]);

#endif
