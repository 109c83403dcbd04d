/* identity.c — generating, sealing and reading identity files. */
#include "identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/bytes.h"
#include "../common/fsutil.h"

#define KEYFILE_MAGIC "AMNK"
#define KEYFILE_VERSION 2   /* written: version 1 plus the creation time */
#define KEYFILE_VERSION_1 1 /* still read */
#define KEYFILE_ALG_ARGON2ID13 2
#define PUB_PREFIX "amanat-pub-v1 "
#define SECRET_LEN (AM_SIGN_SEED_LEN + AM_BOX_SK_LEN)

void am_identity_init(struct am_identity *id)
{
	memset(id, 0, sizeof(*id));
}

void am_identity_release(struct am_identity *id)
{
	am_secure_free(id->sign_sk);
	am_secure_free(id->box_sk);
	am_identity_init(id);
}

int am_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > AM_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return 1;
}

void am_key_id_hex(char out[2 * AM_KEYID_LEN + 1], const unsigned char pk[AM_SIGN_PK_LEN])
{
	unsigned char kid[AM_KEYID_LEN];

	am_key_id(kid, pk);
	am_hex(out, kid, sizeof(kid));
}

/* Allocate the secret halves of id. */
static enum am_status alloc_secrets(struct am_identity *id, struct am_err *e)
{
	id->sign_sk = am_secure_alloc(AM_SIGN_SK_LEN);
	id->box_sk = am_secure_alloc(AM_BOX_SK_LEN);
	if (id->sign_sk == NULL || id->box_sk == NULL)
		return am_fail(e, AM_ENOMEM, "cannot allocate secure memory for keys");
	return AM_OK;
}

/* Derive both keypairs from 64 secret bytes (signing seed || X25519 key). */
static int keys_from_secret(struct am_identity *id, const unsigned char *secret,
			    unsigned char sign_pk[AM_SIGN_PK_LEN],
			    unsigned char box_pk[AM_BOX_PK_LEN])
{
	memcpy(id->box_sk, secret + AM_SIGN_SEED_LEN, AM_BOX_SK_LEN);
	if (am_sign_seed_keypair(sign_pk, id->sign_sk, secret) != 0)
		return -1;
	return am_box_public(box_pk, id->box_sk);
}

enum am_status am_identity_generate(struct am_identity *id, const char *name,
				    struct am_err *e)
{
	unsigned char *secret = NULL;
	enum am_status s;

	am_identity_init(id);
	if (!am_name_ok(name))
		return am_fail(e, AM_EINPUT,
			       "'%s' is not a valid name: use 1-64 letters, digits, '.', '_' or '-'",
			       name);
	snprintf(id->name, sizeof(id->name), "%s", name);
	id->created = (uint64_t)time(NULL);
	s = alloc_secrets(id, e);
	if (s != AM_OK)
		goto cleanup;
	secret = am_secure_alloc(SECRET_LEN);
	if (secret == NULL) {
		s = am_fail(e, AM_ENOMEM, "cannot allocate secure memory for keys");
		goto cleanup;
	}
	am_random(secret, SECRET_LEN);
	if (keys_from_secret(id, secret, id->sign_pk, id->box_pk) != 0)
		s = am_fail(e, AM_EINPUT, "key generation failed");
cleanup:
	am_secure_free(secret);
	if (s != AM_OK)
		am_identity_release(id);
	return s;
}

/* The public prefix of a key file, which is also the AEAD's associated data. */
static void keyfile_header(struct am_buf *b, const struct am_kdf_params *p,
			   const unsigned char salt[AM_PWSALT_LEN],
			   const unsigned char nonce[AM_NONCE_LEN], const struct am_identity *id)
{
	size_t nlen = strlen(id->name);

	am_buf_add(b, KEYFILE_MAGIC, 4);
	am_buf_u16(b, KEYFILE_VERSION);
	am_buf_u8(b, KEYFILE_ALG_ARGON2ID13);
	am_buf_u8(b, 0);
	am_buf_u64(b, p->opslimit);
	am_buf_u64(b, p->memlimit);
	am_buf_add(b, salt, AM_PWSALT_LEN);
	am_buf_add(b, nonce, AM_NONCE_LEN);
	am_buf_add(b, id->sign_pk, AM_SIGN_PK_LEN);
	am_buf_add(b, id->box_pk, AM_BOX_PK_LEN);
	am_buf_u8(b, (uint8_t)nlen);
	am_buf_add(b, id->name, nlen);
	am_buf_u64(b, id->created);
}

/* The whole file text of id sealed under pass with parameters p, into b. */
static enum am_status keyfile_build(struct am_buf *b, const struct am_identity *id,
				    const char *pass, size_t passlen,
				    const struct am_kdf_params *p, struct am_err *e)
{
	unsigned char salt[AM_PWSALT_LEN], nonce[AM_NONCE_LEN];
	unsigned char ct[SECRET_LEN + AM_AEAD_TAG_LEN];
	unsigned char *key = NULL, *secret = NULL;
	enum am_status s = AM_OK;

	if (id->sign_sk == NULL || id->box_sk == NULL)
		return am_fail(e, AM_EINPUT, "identity has no secret keys to write");
	if (passlen == 0)
		return am_fail(e, AM_EINPUT, "refusing an empty passphrase");
	if (am_kdf_params_ok(p) != 0)
		return am_fail(e, AM_EINPUT, "passphrase-hashing limits outside what amanat accepts");
	am_random(salt, sizeof(salt));
	am_random(nonce, sizeof(nonce));
	key = am_secure_alloc(AM_KEY_LEN);
	secret = am_secure_alloc(SECRET_LEN);
	if (key == NULL || secret == NULL) {
		s = am_fail(e, AM_ENOMEM, "cannot allocate secure memory for keys");
		goto cleanup;
	}
	/* libsodium's sk is seed || pk: the seed is its first 32 bytes */
	memcpy(secret, id->sign_sk, AM_SIGN_SEED_LEN);
	memcpy(secret + AM_SIGN_SEED_LEN, id->box_sk, AM_BOX_SK_LEN);
	if (am_kdf(key, pass, passlen, salt, p) != 0) {
		s = am_fail(e, AM_ENOMEM, "passphrase hashing failed (not enough memory?)");
		goto cleanup;
	}
	keyfile_header(b, p, salt, nonce, id);
	if (b->oom) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	if (am_aead_seal(ct, secret, SECRET_LEN, b->data, b->len, nonce, key) != 0) {
		s = am_fail(e, AM_EINPUT, "sealing the key file failed");
		goto cleanup;
	}
	am_buf_add(b, ct, sizeof(ct));
	if (b->oom)
		s = am_fail(e, AM_ENOMEM, "out of memory");
cleanup:
	am_secure_free(key);
	am_secure_free(secret);
	return s;
}

enum am_status am_keyfile_write(const char *path, const struct am_identity *id,
				const char *pass, size_t passlen, enum am_kdf_level lvl,
				struct am_err *e)
{
	struct am_kdf_params p;
	struct am_buf b;
	enum am_status s;

	am_buf_init(&b);
	am_kdf_params_for(lvl, &p);
	s = keyfile_build(&b, id, pass, passlen, &p, e);
	if (s == AM_OK)
		s = am_write_new_file(path, 0600, b.data, b.len, e);
	am_buf_release(&b);
	return s;
}

enum am_status am_keyfile_rewrite(const char *path, const struct am_identity *id,
				  const char *pass, size_t passlen,
				  const struct am_kdf_params *p, struct am_err *e)
{
	struct am_newfile f;
	struct am_buf b;
	enum am_status s;

	am_buf_init(&b);
	s = keyfile_build(&b, id, pass, passlen, p, e);
	if (s != AM_OK)
		goto cleanup;
	/* overwrite: replaces a regular file only, never through a symbolic link */
	s = am_newfile_open(&f, path, 0600, 1, e);
	if (s != AM_OK)
		goto cleanup;
	s = am_newfile_write(&f, b.data, b.len, e);
	if (s != AM_OK) {
		am_newfile_abort(&f);
		goto cleanup;
	}
	s = am_newfile_commit(&f, 1, e);
cleanup:
	am_buf_release(&b);
	return s;
}

int am_identity_secret(const struct am_identity *id, unsigned char out[SECRET_LEN])
{
	if (id->sign_sk == NULL || id->box_sk == NULL)
		return -1;
	memcpy(out, id->sign_sk, AM_SIGN_SEED_LEN);
	memcpy(out + AM_SIGN_SEED_LEN, id->box_sk, AM_BOX_SK_LEN);
	return 0;
}

enum am_status am_identity_from_secret(struct am_identity *id, const char *name,
				       const unsigned char secret[SECRET_LEN], struct am_err *e)
{
	enum am_status s;

	am_identity_init(id);
	if (!am_name_ok(name))
		return am_fail(e, AM_EINPUT, "'%s' is not a valid name", name);
	snprintf(id->name, sizeof(id->name), "%s", name);
	s = alloc_secrets(id, e);
	if (s == AM_OK && keys_from_secret(id, secret, id->sign_pk, id->box_pk) != 0)
		s = am_fail(e, AM_EINPUT, "the secret gives no valid keys");
	if (s != AM_OK)
		am_identity_release(id);
	return s;
}

/*
 * Parse the public part of a key file.  On success *ad_len is the length of
 * the associated data and ct points at the sealed secret.
 */
static enum am_status keyfile_parse(const char *path, const unsigned char *buf, size_t len,
				    struct am_identity *id, struct am_kdf_params *p,
				    const unsigned char **salt, const unsigned char **nonce,
				    size_t *ad_len, const unsigned char **ct, struct am_err *e)
{
	struct am_rd r;
	uint16_t ver = 0;
	uint8_t alg = 0, rsv = 0, nlen = 0;

	am_rd_init(&r, buf, len);
	if (len < 4 || memcmp(buf, KEYFILE_MAGIC, 4) != 0)
		return am_fail(e, AM_EINPUT, "%s is not an amanat identity file", path);
	(void)am_rd_ptr(&r, 4);
	am_rd_u16(&r, &ver);
	am_rd_u8(&r, &alg);
	am_rd_u8(&r, &rsv);
	if (r.bad)
		return am_fail(e, AM_EINPUT, "%s is truncated", path);
	if ((ver != KEYFILE_VERSION && ver != KEYFILE_VERSION_1) ||
	    alg != KEYFILE_ALG_ARGON2ID13 || rsv != 0)
		return am_fail(e, AM_EINPUT, "%s is an identity file of an unknown version", path);
	am_rd_u64(&r, &p->opslimit);
	am_rd_u64(&r, &p->memlimit);
	*salt = am_rd_ptr(&r, AM_PWSALT_LEN);
	*nonce = am_rd_ptr(&r, AM_NONCE_LEN);
	am_rd_bytes(&r, id->sign_pk, AM_SIGN_PK_LEN);
	am_rd_bytes(&r, id->box_pk, AM_BOX_PK_LEN);
	am_rd_u8(&r, &nlen);
	if (r.bad || nlen == 0 || nlen > AM_NAME_MAX)
		return am_fail(e, AM_EINPUT, "%s is truncated or holds an invalid name", path);
	am_rd_bytes(&r, id->name, nlen);
	id->created = 0;
	if (ver == KEYFILE_VERSION)
		am_rd_u64(&r, &id->created);
	*ad_len = r.off;
	*ct = am_rd_ptr(&r, SECRET_LEN + AM_AEAD_TAG_LEN);
	if (r.bad || !am_rd_done(&r))
		return am_fail(e, AM_EINPUT, "%s is truncated or damaged", path);
	id->name[nlen] = '\0';
	if (strlen(id->name) != nlen || !am_name_ok(id->name))
		return am_fail(e, AM_EINPUT, "%s holds an invalid name", path);
	if (am_kdf_params_ok(p) != 0)
		return am_fail(e, AM_EINPUT, "%s asks for passphrase-hashing limits outside "
			       "what amanat accepts", path);
	return AM_OK;
}

enum am_status am_keyfile_read(const char *path, const char *pass, size_t passlen,
			       struct am_identity *id, struct am_err *e)
{
	unsigned char *buf = NULL, *key = NULL, *secret = NULL;
	const unsigned char *salt, *nonce, *ct;
	unsigned char spk[AM_SIGN_PK_LEN], bpk[AM_BOX_PK_LEN];
	struct am_kdf_params p;
	size_t len = 0, ad_len = 0;
	enum am_status s;

	am_identity_init(id);
	s = am_read_small_file(path, 4096, &buf, &len, e);
	if (s != AM_OK)
		return s;
	s = keyfile_parse(path, buf, len, id, &p, &salt, &nonce, &ad_len, &ct, e);
	if (s != AM_OK)
		goto cleanup;
	key = am_secure_alloc(AM_KEY_LEN);
	secret = am_secure_alloc(SECRET_LEN);
	s = alloc_secrets(id, e);
	if (s != AM_OK || key == NULL || secret == NULL) {
		s = am_fail(e, AM_ENOMEM, "cannot allocate secure memory for keys");
		goto cleanup;
	}
	if (am_kdf(key, pass, passlen, salt, &p) != 0) {
		s = am_fail(e, AM_ENOMEM, "passphrase hashing failed (not enough memory?)");
		goto cleanup;
	}
	if (am_aead_open(secret, ct, SECRET_LEN + AM_AEAD_TAG_LEN, buf, ad_len, nonce, key) != 0) {
		s = am_fail(e, AM_EAUTH, "wrong passphrase for %s (or the file was altered)", path);
		goto cleanup;
	}
	if (keys_from_secret(id, secret, spk, bpk) != 0 ||
	    !am_equal(spk, id->sign_pk, sizeof(spk)) || !am_equal(bpk, id->box_pk, sizeof(bpk)))
		s = am_fail(e, AM_EINPUT, "%s: its secret keys do not match its public keys", path);
cleanup:
	am_secure_free(key);
	am_secure_free(secret);
	free(buf);
	if (s != AM_OK)
		am_identity_release(id);
	return s;
}

enum am_status am_pub_format(const struct am_identity *id, char *out, size_t outlen)
{
	char s64[64], b64[64];
	int n;

	am_b64(s64, id->sign_pk, AM_SIGN_PK_LEN);
	am_b64(b64, id->box_pk, AM_BOX_PK_LEN);
	n = snprintf(out, outlen, PUB_PREFIX "%s %s %s\n", id->name, s64, b64);
	return (n < 0 || (size_t)n >= outlen) ? AM_EINPUT : AM_OK;
}

enum am_status am_pub_parse(const char *text, size_t len, struct am_identity *id,
			    struct am_err *e)
{
	const char *p = text, *end = text + len, *sp;
	size_t plen = strlen(PUB_PREFIX), nlen;

	am_identity_init(id);
	if (len > 0 && end[-1] == '\n')
		end--;
	if ((size_t)(end - p) < plen || memcmp(p, PUB_PREFIX, plen) != 0)
		return am_fail(e, AM_EINPUT, "not an amanat public key");
	p += plen;
	sp = memchr(p, ' ', (size_t)(end - p));
	if (sp == NULL || (nlen = (size_t)(sp - p)) == 0 || nlen > AM_NAME_MAX)
		return am_fail(e, AM_EINPUT, "public key has no valid name");
	memcpy(id->name, p, nlen);
	id->name[nlen] = '\0';
	if (!am_name_ok(id->name) || memchr(p, '\0', (size_t)(end - p)) != NULL)
		return am_fail(e, AM_EINPUT, "public key has no valid name");
	p = sp + 1;
	/* 32 bytes are 44 base64 characters */
	if (end - p != 44 + 1 + 44 || p[44] != ' ' ||
	    am_unb64(id->sign_pk, AM_SIGN_PK_LEN, p, 44) != 0 ||
	    am_unb64(id->box_pk, AM_BOX_PK_LEN, p + 45, 44) != 0) {
		am_identity_init(id);
		return am_fail(e, AM_EINPUT, "public key is damaged");
	}
	return AM_OK;
}

enum am_status am_pubfile_write(const char *path, const struct am_identity *id,
				struct am_err *e)
{
	char line[256];

	if (am_pub_format(id, line, sizeof(line)) != AM_OK)
		return am_fail(e, AM_EINPUT, "cannot format the public key");
	return am_write_new_file(path, 0644, line, strlen(line), e);
}

enum am_status am_pubfile_read(const char *path, struct am_identity *id, struct am_err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	enum am_status s;

	s = am_read_small_file(path, 1024, &buf, &len, e);
	if (s != AM_OK)
		return s;
	s = am_pub_parse((const char *)buf, len, id, NULL);
	if (s != AM_OK)
		am_fail(e, s, "%s is not an amanat public key file", path);
	free(buf);
	return s;
}

enum am_status am_public_read(const char *path, struct am_identity *id, struct am_err *e)
{
	unsigned char *buf = NULL;
	const unsigned char *salt, *nonce, *ct;
	struct am_kdf_params p;
	size_t len = 0, ad_len;
	enum am_status s;

	s = am_read_small_file(path, 4096, &buf, &len, e);
	if (s != AM_OK)
		return s;
	am_identity_init(id);
	if (len >= 4 && memcmp(buf, KEYFILE_MAGIC, 4) == 0) {
		s = keyfile_parse(path, buf, len, id, &p, &salt, &nonce, &ad_len, &ct, e);
	} else {
		s = am_pub_parse((const char *)buf, len, id, NULL);
		if (s != AM_OK)
			am_fail(e, s, "%s is neither an amanat public key nor an identity file", path);
	}
	free(buf);
	if (s != AM_OK)
		am_identity_init(id);
	return s;
}

enum am_status am_keyfile_info(const char *path, struct am_identity *id,
			       struct am_kdf_params *p, struct am_err *e)
{
	unsigned char *buf = NULL;
	const unsigned char *salt, *nonce, *ct;
	size_t len = 0, ad_len;
	enum am_status s;

	am_identity_init(id);
	s = am_read_small_file(path, 4096, &buf, &len, e);
	if (s != AM_OK)
		return s;
	s = keyfile_parse(path, buf, len, id, p, &salt, &nonce, &ad_len, &ct, e);
	free(buf);
	if (s != AM_OK)
		am_identity_init(id);
	return s;
}
