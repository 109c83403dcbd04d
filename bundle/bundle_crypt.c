/*
 * bundle_crypt.c — a bundle encrypted to one person (`export --for`,
 * `open-bundle`): the ZIP sealed in chunks exactly as entry content is, under
 * a random file key wrapped to the recipient (docs/BUNDLE.md).
 */
#include "export_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BX_MAGIC "AMNX"
#define BX_DOM "amanat-bundle-v1"
#define BX_HEAD (4 + 2 + 2 + AM_BOX_PK_LEN + AM_WRAP_LEN + 8)

static void bx_ad(unsigned char *ad, size_t *n, const unsigned char pk[AM_BOX_PK_LEN])
{
	memcpy(ad, BX_DOM, sizeof(BX_DOM)); /* with its NUL */
	memcpy(ad + sizeof(BX_DOM), pk, AM_BOX_PK_LEN);
	*n = sizeof(BX_DOM) + AM_BOX_PK_LEN;
}

enum am_status am_bundle_encrypt(const unsigned char *p, size_t n,
				 const unsigned char box_pk[AM_BOX_PK_LEN], int fd,
				 unsigned char sha[AM_HASH_LEN], struct am_err *e)
{
	unsigned char head[BX_HEAD], ad[64], nonce[AM_NONCE_LEN], lenb[4];
	unsigned char *key = am_secure_alloc(AM_KEY_LEN), *ck = am_secure_alloc(AM_KEY_LEN);
	unsigned char *pt = am_secure_alloc(AM_CHUNK_SIZE + 1);
	unsigned char *ct = malloc(AM_CHUNK_SIZE + 1 + AM_AEAD_TAG_LEN);
	am_sha256_ctx hc;
	size_t adn, off = 0;
	uint64_t idx = 0;
	enum am_status s = AM_OK;

	if (!key || !ck || !pt || !ct) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	am_random(key, AM_KEY_LEN);
	memcpy(head, BX_MAGIC, 4);
	am_put_u16(head + 4, 1);
	am_put_u16(head + 6, 0);
	memcpy(head + 8, box_pk, AM_BOX_PK_LEN);
	if (am_wrap(head + 8 + AM_BOX_PK_LEN, key, box_pk) != 0 ||
	    am_subkey(ck, key, 1, AM_KDF_CTX_CHUNK) != 0) {
		s = am_fail(e, AM_EINPUT, "cannot wrap the bundle key to the recipient");
		goto cleanup;
	}
	am_put_u64(head + 8 + AM_BOX_PK_LEN + AM_WRAP_LEN, n);
	bx_ad(ad, &adn, box_pk);
	am_sha256_init(&hc);
	if (am_write_all(fd, head, sizeof(head)) != 0)
		s = am_fail(e, AM_EIO, "cannot write the encrypted bundle: %s", strerror(errno));
	am_sha256_update(&hc, head, sizeof(head));
	/* an empty input still has one final chunk, as entry content does */
	while (s == AM_OK) {
		size_t take = n - off < AM_CHUNK_SIZE ? n - off : AM_CHUNK_SIZE;
		int last = off + take == n;
		pt[0] = AM_CHUNK_STORED;
		memcpy(pt + 1, p + off, take);
		am_chunk_nonce(nonce, idx, last);
		if (am_aead_seal(ct, pt, take + 1, ad, adn, nonce, ck) != 0) {
			s = am_fail(e, AM_EINPUT, "sealing the bundle failed");
			break;
		}
		am_put_u32(lenb, (uint32_t)(take + 1 + AM_AEAD_TAG_LEN));
		if (am_write_all(fd, lenb, 4) != 0 ||
		    am_write_all(fd, ct, take + 1 + AM_AEAD_TAG_LEN) != 0)
			s = am_fail(e, AM_EIO, "cannot write the encrypted bundle: %s",
				    strerror(errno));
		am_sha256_update(&hc, lenb, 4);
		am_sha256_update(&hc, ct, take + 1 + AM_AEAD_TAG_LEN);
		off += take;
		idx++;
		if (last)
			break;
	}
	if (s == AM_OK && fsync(fd) != 0)
		s = am_fail(e, AM_EIO, "cannot sync the encrypted bundle: %s", strerror(errno));
	am_sha256_final(&hc, sha);
cleanup:
	am_secure_free(key);
	am_secure_free(ck);
	am_secure_free(pt);
	free(ct);
	return s;
}

enum am_status am_bundle_decrypt(const char *in, const struct am_identity *id, const char *out,
				 struct am_err *e)
{
	unsigned char head[BX_HEAD], ad[64], nonce[AM_NONCE_LEN], lenb[4];
	unsigned char *key = am_secure_alloc(AM_KEY_LEN), *ck = am_secure_alloc(AM_KEY_LEN);
	unsigned char *pt = am_secure_alloc(AM_CHUNK_SIZE + 1);
	unsigned char *ct = malloc(AM_CHUNK_SIZE + 1 + AM_AEAD_TAG_LEN);
	struct am_newfile f;
	uint64_t total, done = 0, idx = 0;
	size_t adn;
	enum am_status s = AM_OK;
	int fd = -1, created = 0;

	f.fd = -1;
	if (!key || !ck || !pt || !ct) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	fd = open(in, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		s = am_fail(e, errno == ENOENT ? AM_EINPUT : AM_EIO, "cannot open %s: %s", in,
			    strerror(errno));
		goto cleanup;
	}
	if (am_read_full(fd, head, sizeof(head)) != (long long)sizeof(head) ||
	    memcmp(head, BX_MAGIC, 4) != 0 || am_get_u16(head + 4) != 1 || am_get_u16(head + 6) != 0) {
		s = am_fail(e, AM_EINPUT, "%s is not an encrypted amanat bundle (.amanat-sealed, "
			    "from 'amanat export --for'); a ZIP or directory bundle needs no "
			    "opening: check it with 'amanat verify-bundle'", in);
		goto cleanup;
	}
	if (memcmp(head + 8, id->box_pk, AM_BOX_PK_LEN) != 0 ||
	    am_unwrap(key, head + 8 + AM_BOX_PK_LEN, id->box_pk, id->box_sk) != 0) {
		s = am_fail(e, AM_EAUTH, "%s is not encrypted to %s", in, id->name);
		goto cleanup;
	}
	total = am_get_u64(head + 8 + AM_BOX_PK_LEN + AM_WRAP_LEN);
	if (am_subkey(ck, key, 1, AM_KDF_CTX_CHUNK) != 0) {
		s = am_fail(e, AM_EINPUT, "key derivation failed");
		goto cleanup;
	}
	bx_ad(ad, &adn, id->box_pk);
	s = am_newfile_open(&f, out, 0600, 0, e);
	created = s == AM_OK;
	while (s == AM_OK) {
		uint64_t want = total - done < AM_CHUNK_SIZE ? total - done : AM_CHUNK_SIZE;
		int last = done + want == total;
		uint32_t cl;
		if (am_read_full(fd, lenb, 4) != 4 || (cl = am_get_u32(lenb)) != want + 1 + AM_AEAD_TAG_LEN ||
		    am_read_full(fd, ct, cl) != (long long)cl) {
			s = am_fail(e, AM_EVERIFY, "%s is truncated or damaged", in);
			break;
		}
		am_chunk_nonce(nonce, idx, last);
		if (am_aead_open(pt, ct, cl, ad, adn, nonce, ck) != 0 || pt[0] != AM_CHUNK_STORED) {
			s = am_fail(e, AM_EVERIFY, "%s: chunk %llu does not decrypt (altered or "
				    "truncated)", in, (unsigned long long)idx);
			break;
		}
		s = am_newfile_write(&f, pt + 1, (size_t)want, e);
		done += want;
		idx++;
		if (last)
			break;
	}
	if (s == AM_OK && am_read_full(fd, lenb, 1) != 0)
		s = am_fail(e, AM_EVERIFY, "%s has data after its last chunk", in);
	if (created) {
		if (s == AM_OK)
			s = am_newfile_commit(&f, 0, e);
		else
			am_newfile_abort(&f);
	}
cleanup:
	if (fd >= 0)
		close(fd);
	am_secure_free(key);
	am_secure_free(ck);
	am_secure_free(pt);
	free(ct);
	return s;
}
