/*
 * note.h — C2SP signed notes, checkpoints and cosignatures, and verifier
 * keys (c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature).  Text in,
 * text out; no vault needed, so `amanat check-proof` can use it alone.
 */
#ifndef AMANAT_NOTE_H
#define AMANAT_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../crypto/crypto.h"

#define AM_NOTE_ED25519 0x01
#define AM_NOTE_COSIG 0x04
#define AM_ORIGIN_MAX 128
#define AM_NOTE_MAX 65536
/* Signature lines a note may carry (C2SP: verifiers must accept at least 16). */
#define AM_NOTE_MAX_SIGS 100

/* "amanat/<vault id in lowercase hex>" */
void am_origin(char out[AM_ORIGIN_MAX], const unsigned char vid[AM_VAULT_ID_LEN]);

/* SHA-256(name || 0x0A || type || pk)[:4] as a big-endian u32. */
uint32_t am_note_key_id(const char *name, uint8_t type, const unsigned char pk[AM_SIGN_PK_LEN]);

/* A verifier key: who signs, with what. */
struct am_vkey {
	char name[AM_ORIGIN_MAX];
	uint8_t type;
	unsigned char pk[AM_SIGN_PK_LEN];
	uint32_t id;
};
/* "name+hex8+base64(type || pk)"; out holds at least 256 bytes. */
void am_vkey_format(const struct am_vkey *k, char *out, size_t outlen);
AM_WUR enum am_status am_vkey_parse(const char *s, struct am_vkey *k, struct am_err *e);
void am_vkey_make(struct am_vkey *k, const char *name, uint8_t type,
		  const unsigned char pk[AM_SIGN_PK_LEN]);

/* A parsed checkpoint; text is the whole note (body and signature lines). */
struct am_checkpoint {
	char origin[AM_ORIGIN_MAX];
	uint64_t size;
	unsigned char root[AM_HASH_LEN];
	char *text;      /* malloc'ed, NUL-terminated */
	size_t len;
	size_t body_len; /* bytes of the note text, including its final newline */
	size_t nsigs;    /* signature lines */
};
void am_checkpoint_release(struct am_checkpoint *c);

/*
 * Parse a checkpoint note strictly: UTF-8 without control characters except
 * newline, an origin, a decimal size without leading zeroes, a base64 root,
 * optional extension lines, a blank line, and signature lines.
 */
AM_WUR enum am_status am_checkpoint_parse(const char *text, size_t len,
					  struct am_checkpoint *c, struct am_err *e);
/* Build the body and sign it; c takes ownership of the new text. */
AM_WUR enum am_status am_checkpoint_sign(const char *origin, uint64_t size,
					 const unsigned char root[AM_HASH_LEN],
					 const char *key_name,
					 const unsigned char sk[AM_SIGN_SK_LEN],
					 const unsigned char pk[AM_SIGN_PK_LEN],
					 struct am_checkpoint *c, struct am_err *e);
/*
 * The same with extension lines after the root (ext: complete lines, each
 * ending in a newline; NULL for none), for notes that say more than a tree
 * head (an acknowledgement, docs/FORMAT.md §25).
 */
AM_WUR enum am_status am_checkpoint_sign_ext(const char *origin, uint64_t size,
					     const unsigned char root[AM_HASH_LEN], const char *ext,
					     const char *key_name,
					     const unsigned char sk[AM_SIGN_SK_LEN],
					     const unsigned char pk[AM_SIGN_PK_LEN],
					     struct am_checkpoint *c, struct am_err *e);
/*
 * Count the distinct keys among `keys` with a valid signature on c (Ed25519
 * note signatures and timestamped cosignatures); a key listed twice or a
 * line repeated counts once.  A signature line that names a known key
 * but does not verify makes the whole note bad: returns -1.
 */
int am_note_count_valid(const struct am_checkpoint *c, const struct am_vkey *keys, size_t nkeys,
			int *valid_mask);
/*
 * A cosignature line ("— name base64(keyid || u64 time || sig)\n") by a
 * witness over c's body at time t; out holds at least 256 bytes.
 */
AM_WUR enum am_status am_cosign(const struct am_checkpoint *c, const char *name,
				const unsigned char sk[AM_SIGN_SK_LEN],
				const unsigned char pk[AM_SIGN_PK_LEN], uint64_t t, char *out,
				size_t outlen, struct am_err *e);
/* Append signature lines (already formatted) to a checkpoint's text. */
AM_WUR enum am_status am_checkpoint_add_sigs(struct am_checkpoint *c, const char *lines,
					     struct am_err *e);

#endif
