/*
 * note.c — C2SP signed notes: checkpoints, cosignatures and verifier keys.
 */
#include "note.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/bytes.h"

#define EM_DASH "\xe2\x80\x94"

void am_origin(char out[AM_ORIGIN_MAX], const unsigned char vid[AM_VAULT_ID_LEN])
{
	char hex[2 * AM_VAULT_ID_LEN + 1];

	am_hex(hex, vid, AM_VAULT_ID_LEN);
	snprintf(out, AM_ORIGIN_MAX, "amanat/%s", hex);
}

uint32_t am_note_key_id(const char *name, uint8_t type, const unsigned char pk[AM_SIGN_PK_LEN])
{
	am_sha256_ctx c;
	unsigned char h[AM_HASH_LEN], nl = 0x0a;

	am_sha256_init(&c);
	am_sha256_update(&c, name, strlen(name));
	am_sha256_update(&c, &nl, 1);
	am_sha256_update(&c, &type, 1);
	am_sha256_update(&c, pk, AM_SIGN_PK_LEN);
	am_sha256_final(&c, h);
	return am_get_u32(h);
}

void am_vkey_make(struct am_vkey *k, const char *name, uint8_t type,
		  const unsigned char pk[AM_SIGN_PK_LEN])
{
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->type = type;
	memcpy(k->pk, pk, AM_SIGN_PK_LEN);
	k->id = am_note_key_id(k->name, type, pk);
}

void am_vkey_format(const struct am_vkey *k, char *out, size_t outlen)
{
	unsigned char raw[1 + AM_SIGN_PK_LEN];
	char b64[64];

	raw[0] = k->type;
	memcpy(raw + 1, k->pk, AM_SIGN_PK_LEN);
	am_b64(b64, raw, sizeof(raw));
	snprintf(out, outlen, "%s+%08x+%s", k->name, (unsigned)k->id, b64);
}

/* Key names: non-empty, no spaces, no plus, printable. */
static int name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= AM_ORIGIN_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= 0x20 || ch == '+' || ch == 0x7f)
			return 0;
	}
	return 1;
}

enum am_status am_vkey_parse(const char *s, struct am_vkey *k, struct am_err *e)
{
	const char *p1 = strchr(s, '+'), *p2;
	unsigned char raw[1 + AM_SIGN_PK_LEN], idb[4];

	memset(k, 0, sizeof(*k));
	p2 = p1 ? strchr(p1 + 1, '+') : NULL;
	if (p1 == NULL || p2 == NULL || !name_ok(s, (size_t)(p1 - s)) || p2 - p1 - 1 != 8 ||
	    am_unhex(idb, 4, p1 + 1, 8) != 0 || am_unb64(raw, sizeof(raw), p2 + 1, strlen(p2 + 1)) != 0)
		return am_fail(e, AM_EINPUT, "not a verifier key (name+keyid+key): %.80s", s);
	if (raw[0] != AM_NOTE_ED25519 && raw[0] != AM_NOTE_COSIG)
		return am_fail(e, AM_EINPUT, "verifier key of unsupported type 0x%02x", raw[0]);
	memcpy(k->name, s, (size_t)(p1 - s));
	k->type = raw[0];
	memcpy(k->pk, raw + 1, AM_SIGN_PK_LEN);
	k->id = am_note_key_id(k->name, k->type, k->pk);
	if (k->id != am_get_u32(idb))
		return am_fail(e, AM_EINPUT, "verifier key %s: its key id does not match its key",
			       k->name);
	return AM_OK;
}

void am_checkpoint_release(struct am_checkpoint *c)
{
	free(c->text);
	memset(c, 0, sizeof(*c));
}

/* Decimal without leading zeroes; -1 otherwise. */
static int parse_dec(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || x > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

enum am_status am_checkpoint_parse(const char *text, size_t len, struct am_checkpoint *c,
				   struct am_err *e)
{
	const char *p, *end, *nl, *sep = NULL;
	size_t line = 0;

	memset(c, 0, sizeof(*c));
	if (len == 0 || len > AM_NOTE_MAX || text[len - 1] != '\n')
		return am_fail(e, AM_EINPUT, "checkpoint is empty, too large or not newline-terminated");
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		if ((ch < 0x20 && ch != '\n') || ch == 0x7f)
			return am_fail(e, AM_EINPUT, "checkpoint holds control characters");
	}
	if (!am_utf8_ok((const unsigned char *)text, len))
		return am_fail(e, AM_EINPUT, "checkpoint is not valid UTF-8");
	/* the text ends at the last blank line */
	for (size_t i = len - 1; i > 0; i--) {
		if (text[i] == '\n' && text[i - 1] == '\n') {
			sep = text + i;
			break;
		}
	}
	if (sep == NULL || sep + 1 == text + len)
		return am_fail(e, AM_EINPUT, "checkpoint has no signature");
	c->body_len = (size_t)(sep - text);
	p = text;
	end = text + c->body_len;
	for (; p < end; p = nl + 1, line++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL || nl == p)
			return am_fail(e, AM_EINPUT, "checkpoint has an empty or unterminated line");
		if (line == 0) {
			if (!name_ok(p, (size_t)(nl - p)))
				return am_fail(e, AM_EINPUT, "checkpoint origin is not valid");
			memcpy(c->origin, p, (size_t)(nl - p));
		} else if (line == 1) {
			if (parse_dec(p, (size_t)(nl - p), &c->size) != 0)
				return am_fail(e, AM_EINPUT, "checkpoint size is not a decimal number");
		} else if (line == 2) {
			if (am_unb64(c->root, AM_HASH_LEN, p, (size_t)(nl - p)) != 0)
				return am_fail(e, AM_EINPUT, "checkpoint root is not a base64 SHA-256");
		}
	}
	if (line < 3)
		return am_fail(e, AM_EINPUT, "checkpoint has fewer than three lines");
	/*
	 * Every line after the blank one is a signature line, well formed whoever
	 * signed it (C2SP signed-note): em dash, space, a key name, space, and
	 * base64 of a 4-byte key id and at least one byte of signature.
	 */
	for (p = sep + 1; p < text + len; p = nl + 1) {
		const char *name = p + 4, *sp;
		unsigned char raw[(AM_NOTE_MAX / 4) * 3];
		size_t rawlen = 0;

		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (++c->nsigs > AM_NOTE_MAX_SIGS)
			return am_fail(e, AM_EINPUT, "checkpoint has more than %d signatures",
				       AM_NOTE_MAX_SIGS);
		if ((size_t)(nl - p) < 4 || memcmp(p, EM_DASH " ", 4) != 0 ||
		    (sp = memchr(name, ' ', (size_t)(nl - name))) == NULL ||
		    !name_ok(name, (size_t)(sp - name)) ||
		    am_unb64_any(raw, sizeof(raw), &rawlen, sp + 1, (size_t)(nl - sp - 1)) != 0 ||
		    rawlen < 5)
			return am_fail(e, AM_EINPUT, "checkpoint has a malformed signature line");
	}
	c->text = malloc(len + 1);
	if (c->text == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	memcpy(c->text, text, len);
	c->text[len] = '\0';
	c->len = len;
	return AM_OK;
}

/* Build "— name base64(id || sig)\n" into b. */
static void sig_line(struct am_buf *b, const char *name, uint32_t id, const unsigned char *sig,
		     size_t n)
{
	unsigned char raw[4 + 8 + AM_SIG_LEN];
	char b64[160];

	am_put_u32(raw, id);
	memcpy(raw + 4, sig, n);
	am_b64(b64, raw, 4 + n);
	am_buf_add(b, EM_DASH " ", 4);
	am_buf_add(b, name, strlen(name));
	am_buf_u8(b, ' ');
	am_buf_add(b, b64, strlen(b64));
	am_buf_u8(b, '\n');
}

enum am_status am_checkpoint_sign(const char *origin, uint64_t size,
				  const unsigned char root[AM_HASH_LEN], const char *key_name,
				  const unsigned char sk[AM_SIGN_SK_LEN],
				  const unsigned char pk[AM_SIGN_PK_LEN], struct am_checkpoint *c,
				  struct am_err *e)
{
	return am_checkpoint_sign_ext(origin, size, root, NULL, key_name, sk, pk, c, e);
}

enum am_status am_checkpoint_sign_ext(const char *origin, uint64_t size,
				      const unsigned char root[AM_HASH_LEN], const char *ext,
				      const char *key_name, const unsigned char sk[AM_SIGN_SK_LEN],
				      const unsigned char pk[AM_SIGN_PK_LEN], struct am_checkpoint *c,
				      struct am_err *e)
{
	struct am_buf b;
	unsigned char sig[AM_SIG_LEN];
	char b64[64], num[24];
	enum am_status s;

	am_b64(b64, root, AM_HASH_LEN);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)size);
	am_buf_init(&b);
	am_buf_add(&b, origin, strlen(origin));
	am_buf_u8(&b, '\n');
	am_buf_add(&b, num, strlen(num));
	am_buf_u8(&b, '\n');
	am_buf_add(&b, b64, strlen(b64));
	am_buf_u8(&b, '\n');
	if (ext != NULL)
		am_buf_add(&b, ext, strlen(ext));
	if (b.oom) {
		am_buf_release(&b);
		return am_fail(e, AM_ENOMEM, "out of memory");
	}
	if (am_sign(sig, b.data, b.len, sk) != 0) {
		am_buf_release(&b);
		return am_fail(e, AM_EINPUT, "signing the checkpoint failed");
	}
	am_buf_u8(&b, '\n');
	sig_line(&b, key_name, am_note_key_id(key_name, AM_NOTE_ED25519, pk), sig, AM_SIG_LEN);
	if (b.oom) {
		am_buf_release(&b);
		return am_fail(e, AM_ENOMEM, "out of memory");
	}
	s = am_checkpoint_parse((const char *)b.data, b.len, c, e);
	am_buf_release(&b);
	return s;
}

/* The cosigned message: header, time line, then the note text. */
static void cosig_msg(struct am_buf *b, const struct am_checkpoint *c, uint64_t t)
{
	char line[64];

	snprintf(line, sizeof(line), "cosignature/v1\ntime %llu\n", (unsigned long long)t);
	am_buf_add(b, line, strlen(line));
	am_buf_add(b, c->text, c->body_len);
}

/* 1 when keys[k] repeats an earlier key (same name, type and public key). */
static int repeated_key(const struct am_vkey *keys, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if (keys[j].type == keys[k].type && strcmp(keys[j].name, keys[k].name) == 0 &&
		    memcmp(keys[j].pk, keys[k].pk, AM_SIGN_PK_LEN) == 0)
			return 1;
	return 0;
}

int am_note_count_valid(const struct am_checkpoint *c, const struct am_vkey *keys, size_t nkeys,
			int *valid_mask)
{
	const char *p = c->text + c->body_len + 1, *end = c->text + c->len, *nl;
	int count = 0, *seen = calloc(nkeys ? nkeys : 1, sizeof(int));

	if (seen == NULL)
		return -1;
	if (valid_mask != NULL)
		memset(valid_mask, 0, nkeys * sizeof(*valid_mask));
	for (; p < end; p = nl + 1) {
		const char *name = p + 4, *sp;
		unsigned char raw[(AM_NOTE_MAX / 4) * 3];
		size_t b64len;

		nl = memchr(p, '\n', (size_t)(end - p));
		sp = memchr(name, ' ', (size_t)(nl - name));
		if (sp == NULL)
			continue;
		b64len = (size_t)(nl - sp - 1);
		for (size_t k = 0; k < nkeys; k++) {
			const struct am_vkey *key = &keys[k];
			size_t siglen = key->type == AM_NOTE_COSIG ? 8 + AM_SIG_LEN : AM_SIG_LEN;
			size_t rawlen = 0;
			struct am_buf msg;
			int bad;

			if (strlen(key->name) != (size_t)(sp - name) ||
			    memcmp(key->name, name, (size_t)(sp - name)) != 0)
				continue;
			/* the parser checked the line: at least a key id and one byte */
			if (am_unb64_any(raw, sizeof(raw), &rawlen, sp + 1, b64len) != 0 || rawlen < 4 ||
			    am_get_u32(raw) != key->id)
				continue; /* another key of the same name: not ours to judge */
			if (rawlen != 4 + siglen) {
				/* a known key's signature of the wrong length does not verify */
				free(seen);
				return -1;
			}
			am_buf_init(&msg);
			if (key->type == AM_NOTE_COSIG)
				cosig_msg(&msg, c, am_get_u64(raw + 4));
			else
				am_buf_add(&msg, c->text, c->body_len);
			bad = msg.oom || am_sign_verify(raw + 4 + (siglen - AM_SIG_LEN), msg.data,
							msg.len, key->pk) != 0;
			am_buf_release(&msg);
			if (bad) {
				free(seen);
				return -1;
			}
			/* a line pasted twice, or a key given twice, counts once */
			if (!seen[k] && !repeated_key(keys, k))
				count++;
			seen[k] = 1;
			if (valid_mask != NULL)
				valid_mask[k] = 1;
		}
	}
	free(seen);
	return count;
}

enum am_status am_cosign(const struct am_checkpoint *c, const char *name,
			 const unsigned char sk[AM_SIGN_SK_LEN],
			 const unsigned char pk[AM_SIGN_PK_LEN], uint64_t t, char *out,
			 size_t outlen, struct am_err *e)
{
	struct am_buf msg, line;
	unsigned char ts_sig[8 + AM_SIG_LEN];
	enum am_status s = AM_OK;

	if (!name_ok(name, strlen(name)) || t > (uint64_t)INT64_MAX)
		return am_fail(e, AM_EINPUT, "invalid cosigner name or time");
	am_buf_init(&msg);
	am_buf_init(&line);
	cosig_msg(&msg, c, t);
	am_put_u64(ts_sig, t);
	if (msg.oom || am_sign(ts_sig + 8, msg.data, msg.len, sk) != 0) {
		s = am_fail(e, AM_ENOMEM, "cosigning failed");
		goto cleanup;
	}
	sig_line(&line, name, am_note_key_id(name, AM_NOTE_COSIG, pk), ts_sig, sizeof(ts_sig));
	if (line.oom || line.len + 1 > outlen) {
		s = am_fail(e, AM_ENOMEM, "cosignature does not fit");
		goto cleanup;
	}
	memcpy(out, line.data, line.len);
	out[line.len] = '\0';
cleanup:
	am_buf_release(&msg);
	am_buf_release(&line);
	return s;
}

enum am_status am_checkpoint_add_sigs(struct am_checkpoint *c, const char *lines,
				      struct am_err *e)
{
	size_t n = strlen(lines);
	char *t = malloc(c->len + n + 1);
	struct am_checkpoint fresh;
	enum am_status s;

	if (t == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	memcpy(t, c->text, c->len);
	memcpy(t + c->len, lines, n + 1);
	s = am_checkpoint_parse(t, c->len + n, &fresh, e);
	free(t);
	if (s != AM_OK)
		return s;
	am_checkpoint_release(c);
	*c = fresh;
	return AM_OK;
}
