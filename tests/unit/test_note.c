/*
 * test_note.c — vault/note.c and vault/proof.c: C2SP signed-note checkpoints,
 * cosignatures, verifier keys, and the tlog-proof / consistency proof texts.
 *
 * Key ids, signed messages and signature-line payloads are rebuilt here from
 * the C2SP specifications (signed-note, tlog-checkpoint, tlog-cosignature)
 * with am_sha256 and am_sign_verify, not with note.c, and note.c's key id is
 * checked against the verifier key and signature published with Go's
 * golang.org/x/mod/sumdb/note package.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "crypto/crypto.h"
#include "tests/unit/check.h"
#include "vault/merkle.h"
#include "vault/note.h"
#include "vault/proof.h"

#define EM "\xe2\x80\x94"

/* ---- helpers ------------------------------------------------------------- */

static void keypair(unsigned char pk[AM_SIGN_PK_LEN], unsigned char sk[AM_SIGN_SK_LEN], int which)
{
	unsigned char seed[AM_SIGN_SEED_LEN];

	memset(seed, 0x40 + which, sizeof(seed));
	if (am_sign_seed_keypair(pk, sk, seed) != 0) {
		fprintf(stderr, "keypair failed\n");
		exit(2);
	}
}

/* C2SP signed-note key id, computed here: SHA-256(name || 0x0A || type || pk)[:4]. */
static uint32_t my_key_id(const char *name, uint8_t type, const unsigned char *pk, size_t pklen)
{
	unsigned char buf[512], h[32];
	size_t n = strlen(name);

	memcpy(buf, name, n);
	buf[n] = 0x0a;
	buf[n + 1] = type;
	memcpy(buf + n + 2, pk, pklen);
	am_sha256(h, buf, n + 2 + pklen);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

/* Standard base64 decode of a NUL-free string; returns the length or -1. */
static int my_unb64(unsigned char *out, size_t cap, const char *s, size_t n)
{
	static const char *al = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned acc = 0, bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		const char *p;
		if (s[i] == '=')
			break;
		p = strchr(al, s[i]);
		if (p == NULL || s[i] == '\0')
			return -1;
		acc = acc << 6 | (unsigned)(p - al);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return (int)o;
}

static enum am_status parse(const char *text, struct am_checkpoint *c)
{
	return am_checkpoint_parse(text, strlen(text), c, NULL);
}

/* Parse text (which must fail) and release whatever it gave. */
static int rejects(const char *text, size_t len)
{
	struct am_checkpoint c;
	enum am_status s = am_checkpoint_parse(text, len, &c, NULL);

	if (s == AM_OK)
		am_checkpoint_release(&c);
	return s != AM_OK;
}

static const char *ORIGIN = "amanat/00112233445566778899aabbccddeeff";

/* A signed checkpoint of (ORIGIN, size, root) by key `which`. */
static void make_cp(struct am_checkpoint *c, uint64_t size, unsigned char root_byte, int which)
{
	unsigned char pk[AM_SIGN_PK_LEN], sk[AM_SIGN_SK_LEN], root[AM_HASH_LEN];

	keypair(pk, sk, which);
	memset(root, root_byte, sizeof(root));
	CHECK_ST(am_checkpoint_sign(ORIGIN, size, root, ORIGIN, sk, pk, c, NULL), AM_OK);
}

/* ---- checkpoints ---------------------------------------------------------- */

static void test_checkpoint_roundtrip(void)
{
	unsigned char pk[AM_SIGN_PK_LEN], sk[AM_SIGN_SK_LEN], root[AM_HASH_LEN], raw[80];
	char rootb64[64], want_body[256];
	struct am_checkpoint c, d;
	const char *sigline, *sp;
	struct am_vkey k;
	int mask[1], n;

	keypair(pk, sk, 1);
	for (int i = 0; i < AM_HASH_LEN; i++)
		root[i] = (unsigned char)(i * 7 + 1);
	am_b64(rootb64, root, AM_HASH_LEN);
	CHECK_ST(am_checkpoint_sign(ORIGIN, 1234567, root, ORIGIN, sk, pk, &c, NULL), AM_OK);
	snprintf(want_body, sizeof(want_body), "%s\n1234567\n%s\n", ORIGIN, rootb64);
	CHECK(c.text != NULL && c.len == strlen(c.text));
	CHECK(strcmp(c.origin, ORIGIN) == 0);
	CHECK(c.size == 1234567);
	CHECK(memcmp(c.root, root, AM_HASH_LEN) == 0);
	CHECK(c.body_len == strlen(want_body));
	CHECK(strncmp(c.text, want_body, strlen(want_body)) == 0);
	/* then a blank line and exactly one signature line "— ORIGIN base64(keyid||sig)" */
	sigline = c.text + c.body_len;
	CHECK(sigline[0] == '\n');
	sigline++;
	CHECK(strncmp(sigline, EM " ", 4) == 0);
	CHECK(strncmp(sigline + 4, ORIGIN, strlen(ORIGIN)) == 0);
	sp = sigline + 4 + strlen(ORIGIN);
	CHECK(*sp == ' ');
	CHECK(c.text[c.len - 1] == '\n' && strchr(sp, '\n') == c.text + c.len - 1);
	n = my_unb64(raw, sizeof(raw), sp + 1, strlen(sp + 1) - 1);
	CHECK(n == 4 + AM_SIG_LEN);
	if (n == 4 + AM_SIG_LEN) {
		uint32_t kid = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 |
			       raw[3];
		CHECK(kid == my_key_id(ORIGIN, 0x01, pk, AM_SIGN_PK_LEN));
		/* the signed message is the note text, final newline included */
		CHECK(am_sign_verify(raw + 4, want_body, strlen(want_body), pk) == 0);
	}
	/* parsing the text again gives the same checkpoint */
	CHECK_ST(am_checkpoint_parse(c.text, c.len, &d, NULL), AM_OK);
	CHECK(strcmp(d.origin, c.origin) == 0 && d.size == c.size &&
	      memcmp(d.root, c.root, AM_HASH_LEN) == 0 && d.body_len == c.body_len &&
	      d.len == c.len && memcmp(d.text, c.text, c.len) == 0);
	/* its signature counts */
	am_vkey_make(&k, ORIGIN, AM_NOTE_ED25519, pk);
	CHECK(k.id == my_key_id(ORIGIN, 0x01, pk, AM_SIGN_PK_LEN));
	CHECK(am_note_count_valid(&d, &k, 1, NULL) == 1);
	mask[0] = 0;
	CHECK(am_note_count_valid(&d, &k, 1, mask) == 1 && mask[0] == 1);
	am_checkpoint_release(&c);
	am_checkpoint_release(&d);

	/* extremes of the size line */
	CHECK_ST(am_checkpoint_sign(ORIGIN, 0, root, ORIGIN, sk, pk, &c, NULL), AM_OK);
	CHECK(c.size == 0);
	am_checkpoint_release(&c);
	CHECK_ST(am_checkpoint_sign(ORIGIN, UINT64_MAX, root, ORIGIN, sk, pk, &c, NULL), AM_OK);
	CHECK(c.size == UINT64_MAX);
	CHECK(strstr(c.text, "\n18446744073709551615\n") != NULL);
	am_checkpoint_release(&c);
}

static void test_checkpoint_malformed(void)
{
	struct am_checkpoint c;
	char good[512], buf[1024];
	const char *R = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
	const char *S = EM " k AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n";

	snprintf(good, sizeof(good), "example.com/log\n5\n%s\n\n%s", R, S);
	CHECK_ST(parse(good, &c), AM_OK);
	CHECK(c.size == 5 && c.root[1] == 1 && c.root[31] == 31);
	am_checkpoint_release(&c);
	/* extension lines are allowed between the root and the blank line */
	snprintf(buf, sizeof(buf), "example.com/log\n5\n%s\nextension one\nanother\n\n%s", R, S);
	CHECK_ST(parse(buf, &c), AM_OK);
	am_checkpoint_release(&c);
	/* several signature lines */
	snprintf(buf, sizeof(buf), "example.com/log\n5\n%s\n\n%s%s", R, S, S);
	CHECK_ST(parse(buf, &c), AM_OK);
	am_checkpoint_release(&c);
	snprintf(buf, sizeof(buf), "example.com/log\n0\n%s\n\n%s", R, S);
	CHECK_ST(parse(buf, &c), AM_OK);
	am_checkpoint_release(&c);

	/* no blank line */
	snprintf(buf, sizeof(buf), "example.com/log\n5\n%s\n%s", R, S);
	CHECK(rejects(buf, strlen(buf)));
	/* no blank line and no signature */
	snprintf(buf, sizeof(buf), "example.com/log\n5\n%s\n", R);
	CHECK(rejects(buf, strlen(buf)));
	/* a blank line but no signature line (C2SP: one or more signature lines) */
	snprintf(buf, sizeof(buf), "example.com/log\n5\n%s\n\n", R);
	CHECKF(rejects(buf, strlen(buf)), "a note with no signature line was accepted");
	/* leading zeros, signs, spaces, overflow in the size */
	{
		static const char *const bad_sizes[] = {
			"05", "00", "007", "+5", "-5", " 5", "5 ", "5.0", "0x5", "", "1e3",
			"18446744073709551616", "99999999999999999999", "184467440737095516150",
		};
		for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
			snprintf(buf, sizeof(buf), "example.com/log\n%s\n%s\n\n%s", bad_sizes[i], R, S);
			CHECKF(rejects(buf, strlen(buf)), "size '%s' accepted", bad_sizes[i]);
		}
		snprintf(buf, sizeof(buf), "example.com/log\n18446744073709551615\n%s\n\n%s", R, S);
		CHECK_ST(parse(buf, &c), AM_OK);
		CHECK(c.size == UINT64_MAX);
		am_checkpoint_release(&c);
	}
	/* bad base64 roots: short, long, bad characters, unpadded, url alphabet, non-canonical */
	{
		static const char *const bad_roots[] = {
			"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh==",
			"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
			"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==",
			"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=AAAA",
			"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH!8=",
			"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", /* non-zero padding bits */
			"_-ECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
			"AAECAwQFBgcICQoLDA0O DxAREhMUFRYXGBkaGxwdHh8=",
			"",
			"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", /* 31 bytes */
		};
		for (size_t i = 0; i < sizeof(bad_roots) / sizeof(bad_roots[0]); i++) {
			snprintf(buf, sizeof(buf), "example.com/log\n5\n%s\n\n%s", bad_roots[i], S);
			CHECKF(rejects(buf, strlen(buf)), "root '%s' accepted", bad_roots[i]);
		}
	}
	/* control characters anywhere: tab, NUL, 0x01, ESC, DEL, and CR (in CRLF) */
	{
		static const char ctl[] = { '\t', '\0', 0x01, 0x1b, 0x7f, '\r', '\v', '\f' };
		size_t glen = strlen(good);
		size_t where[] = { 3, 16, 20, glen - 10 };
		for (size_t i = 0; i < sizeof(ctl); i++) {
			for (size_t w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
				memcpy(buf, good, glen);
				buf[where[w]] = ctl[i];
				CHECKF(rejects(buf, glen), "control 0x%02x at %zu accepted", ctl[i], where[w]);
			}
		}
		/* CRLF line endings throughout */
		snprintf(buf, sizeof(buf), "example.com/log\r\n5\r\n%s\r\n\r\n%.*s\r\n", R,
			 (int)strlen(S) - 1, S);
		CHECK(rejects(buf, strlen(buf)));
	}
	/* not valid UTF-8 (a lone continuation byte, an overlong encoding) */
	snprintf(buf, sizeof(buf), "example.com/\x80log\n5\n%s\n\n%s", R, S);
	CHECKF(rejects(buf, strlen(buf)), "an origin that is not UTF-8 was accepted");
	snprintf(buf, sizeof(buf), "example.com/log\n5\n%s\next \xc0\xaf\n\n%s", R, S);
	CHECKF(rejects(buf, strlen(buf)), "an extension line that is not UTF-8 was accepted");
	/* missing final newline */
	CHECK(rejects(good, strlen(good) - 1));
	CHECK(rejects(good, 0));
	/* a signature line without the em dash: ASCII dashes, no space, en dash */
	{
		static const char *const bad_sigs[] = {
			"- k AAAA\n", "-- k AAAA\n", EM "k AAAA\n", "\xe2\x80\x93 k AAAA\n", "k AAAA\n",
			" " EM " k AAAA\n",
		};
		for (size_t i = 0; i < sizeof(bad_sigs) / sizeof(bad_sigs[0]); i++) {
			snprintf(buf, sizeof(buf), "example.com/log\n5\n%s\n\n%s", R, bad_sigs[i]);
			CHECKF(rejects(buf, strlen(buf)), "signature line %zu accepted", i);
			/* and after a good one */
			snprintf(buf, sizeof(buf), "example.com/log\n5\n%s\n\n%s%s", R, S, bad_sigs[i]);
			CHECKF(rejects(buf, strlen(buf)), "signature line %zu after a good one accepted", i);
		}
	}
	/* origins: empty, with a space or a plus; too few lines; empty body lines */
	snprintf(buf, sizeof(buf), "\n5\n%s\n\n%s", R, S);
	CHECK(rejects(buf, strlen(buf)));
	snprintf(buf, sizeof(buf), "example.com log\n5\n%s\n\n%s", R, S);
	CHECK(rejects(buf, strlen(buf)));
	snprintf(buf, sizeof(buf), "example.com+log\n5\n%s\n\n%s", R, S);
	CHECK(rejects(buf, strlen(buf)));
	snprintf(buf, sizeof(buf), "example.com/log\n5\n\n%s", S);
	CHECK(rejects(buf, strlen(buf)));
	snprintf(buf, sizeof(buf), "example.com/log\n\n%s", S);
	CHECK(rejects(buf, strlen(buf)));
	snprintf(buf, sizeof(buf), "example.com/log\n5\n\n%s\n\n%s", R, S);
	CHECK(rejects(buf, strlen(buf)));
	snprintf(buf, sizeof(buf), "example.com/log\n\n5\n%s\n\n%s", R, S);
	CHECK(rejects(buf, strlen(buf)));
	/* too large */
	{
		size_t big = AM_NOTE_MAX + 10;
		char *t = malloc(big + 1);
		int off = snprintf(t, big, "example.com/log\n5\n%s\n", R);
		memset(t + off, 'x', big - (size_t)off);
		memcpy(t + big - strlen(S) - 2, "\n\n", 2);
		memcpy(t + big - strlen(S), S, strlen(S));
		CHECK(rejects(t, big));
		free(t);
	}
	/* am_checkpoint_add_sigs refuses lines that are not signature lines */
	make_cp(&c, 9, 0x33, 1);
	{
		size_t len = c.len;
		CHECK_ST(am_checkpoint_add_sigs(&c, "not a signature\n", NULL), AM_EINPUT);
		CHECK(c.len == len);
		CHECK(am_checkpoint_add_sigs(&c, EM " w AAAA", NULL) != AM_OK); /* no newline */
		CHECK(c.len == len);
	}
	am_checkpoint_release(&c);
}

/* ---- key ids and verifier keys ---------------------------------------------- */

static void test_key_ids(void)
{
	/* published with golang.org/x/mod/sumdb/note */
	static const char *go_vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
	static const char *go_text =
		"If you think cryptography is the answer to your problem,\n"
		"then you don't know what your problem is.\n";
	static const char *go_sig =
		"x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";
	unsigned char pk[AM_SIGN_PK_LEN], sk[AM_SIGN_SK_LEN], raw[80];
	struct am_vkey k, k2;
	char out[300], want[300], b64[64];
	struct am_err e;
	int n;

	am_err_init(&e);
	CHECK_ST(am_vkey_parse(go_vkey, &k, &e), AM_OK);
	CHECK(strcmp(k.name, "PeterNeumann") == 0 && k.type == AM_NOTE_ED25519 && k.id == 0xc74f20a3);
	CHECK(am_note_key_id("PeterNeumann", AM_NOTE_ED25519, k.pk) == 0xc74f20a3);
	CHECK(my_key_id("PeterNeumann", 0x01, k.pk, AM_SIGN_PK_LEN) == 0xc74f20a3);
	n = my_unb64(raw, sizeof(raw), go_sig, strlen(go_sig));
	CHECK(n == 68);
	CHECK(n == 68 && am_get_u32(raw) == 0xc74f20a3);
	CHECK(n == 68 && am_sign_verify(raw + 4, go_text, strlen(go_text), k.pk) == 0);
	am_vkey_format(&k, out, sizeof(out));
	CHECK(strcmp(out, go_vkey) == 0);

	/* our own keys: both types, several names */
	keypair(pk, sk, 2);
	{
		static const char *const names[] = { "amanat/0123456789abcdef0123456789abcdef", "w",
						     "witness.example.org/1", "\xc3\xa9t\xc3\xa9" };
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			for (int t = 0; t < 2; t++) {
				uint8_t type = t ? AM_NOTE_COSIG : AM_NOTE_ED25519;
				unsigned char tpk[1 + AM_SIGN_PK_LEN];
				uint32_t id = my_key_id(names[i], type, pk, AM_SIGN_PK_LEN);
				CHECKF(am_note_key_id(names[i], type, pk) == id, "key id of %s type %d",
				       names[i], type);
				am_vkey_make(&k, names[i], type, pk);
				CHECK(k.id == id && k.type == type && strcmp(k.name, names[i]) == 0);
				am_vkey_format(&k, out, sizeof(out));
				tpk[0] = type;
				memcpy(tpk + 1, pk, AM_SIGN_PK_LEN);
				am_b64(b64, tpk, sizeof(tpk));
				snprintf(want, sizeof(want), "%s+%08" PRIx32 "+%s", names[i], id, b64);
				CHECKF(strcmp(out, want) == 0, "format: %s vs %s", out, want);
				CHECK_ST(am_vkey_parse(out, &k2, NULL), AM_OK);
				CHECK(strcmp(k2.name, k.name) == 0 && k2.type == k.type && k2.id == k.id &&
				      memcmp(k2.pk, k.pk, AM_SIGN_PK_LEN) == 0);
			}
		}
	}
	/* the two types give different key ids for the same name and key */
	CHECK(am_note_key_id("w", AM_NOTE_ED25519, pk) != am_note_key_id("w", AM_NOTE_COSIG, pk));

	/* rejections */
	am_vkey_make(&k, "w", AM_NOTE_ED25519, pk);
	am_vkey_format(&k, out, sizeof(out));
	{
		char bad[300];
		char *plus = strchr(out, '+');
		/* a wrong key id: each hex digit changed in turn */
		for (int i = 1; i <= 8; i++) {
			snprintf(bad, sizeof(bad), "%s", out);
			bad[plus - out + i] = bad[plus - out + i] == '0' ? '1' : '0';
			CHECKF(am_vkey_parse(bad, &k2, NULL) == AM_EINPUT, "key id digit %d", i);
		}
		/* the right id for another name */
		snprintf(bad, sizeof(bad), "v%s", out + 1);
		CHECK(am_vkey_parse(bad, &k2, NULL) == AM_EINPUT);
		/* the id of the other type */
		snprintf(bad, sizeof(bad), "w+%08" PRIx32 "%s", am_note_key_id("w", AM_NOTE_COSIG, pk),
			 strchr(plus + 1, '+'));
		CHECK(am_vkey_parse(bad, &k2, NULL) == AM_EINPUT);
	}
	{
		static const char *const bad_keys[] = {
			"", "w", "w+", "w++", "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
			"PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
			"PeterNeumann+c74f20a3a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
			"PeterNeumann+c74f20g3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
			"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
			"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAA==",
			"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW ",
			"Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
			/* type 0x02 (not supported) with the right id for it would still fail; a
			   type byte changed breaks the id too */
			"PeterNeumann+c74f20a3+AhpV2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		};
		for (size_t i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++)
			CHECKF(am_vkey_parse(bad_keys[i], &k2, NULL) == AM_EINPUT, "verifier key %zu "
			       "accepted: %s", i, bad_keys[i]);
	}
	/* an unsupported type with a matching id is refused for its type */
	{
		unsigned char tpk[1 + AM_SIGN_PK_LEN];
		char bad[300];
		tpk[0] = 0x02;
		memcpy(tpk + 1, pk, AM_SIGN_PK_LEN);
		am_b64(b64, tpk, sizeof(tpk));
		snprintf(bad, sizeof(bad), "w+%08" PRIx32 "+%s", my_key_id("w", 0x02, pk, AM_SIGN_PK_LEN),
			 b64);
		CHECK(am_vkey_parse(bad, &k2, NULL) == AM_EINPUT);
	}
}

/* ---- counting signatures ------------------------------------------------------ */

/* Replace the signature block of c with lines (c keeps its body). */
static void with_sigs(struct am_checkpoint *out, const struct am_checkpoint *c, const char *lines)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%.*s\n%s", (int)c->body_len, c->text, lines);
	CHECK_ST(am_checkpoint_parse(buf, strlen(buf), out, NULL), AM_OK);
}

static void test_count_valid(void)
{
	unsigned char pk1[AM_SIGN_PK_LEN], sk1[AM_SIGN_SK_LEN], pk2[AM_SIGN_PK_LEN],
		sk2[AM_SIGN_SK_LEN];
	struct am_checkpoint c, d;
	struct am_vkey keys[3];
	char *sig1, lines[2048];
	int mask[3];

	keypair(pk1, sk1, 1);
	keypair(pk2, sk2, 2);
	make_cp(&c, 77, 0x11, 1);
	sig1 = strdup(c.text + c.body_len + 1);
	am_vkey_make(&keys[0], ORIGIN, AM_NOTE_ED25519, pk1);
	am_vkey_make(&keys[1], ORIGIN, AM_NOTE_ED25519, pk2);     /* same name, other key */
	am_vkey_make(&keys[2], "someone-else", AM_NOTE_ED25519, pk1); /* other name, same key */

	CHECK(am_note_count_valid(&c, &keys[0], 1, NULL) == 1);
	/* unknown keys are ignored */
	CHECK(am_note_count_valid(&c, &keys[1], 1, NULL) == 0);
	CHECK(am_note_count_valid(&c, &keys[2], 1, NULL) == 0);
	memset(mask, 0x55, sizeof(mask));
	CHECK(am_note_count_valid(&c, keys, 3, mask) == 1);
	CHECK(mask[0] == 1 && mask[1] == 0 && mask[2] == 0);
	CHECK(am_note_count_valid(&c, keys, 0, NULL) == 0);

	/* a line by an unknown signer beside it changes nothing */
	snprintf(lines, sizeof(lines), "%s" EM " stranger AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", sig1);
	with_sigs(&d, &c, lines);
	CHECK(am_note_count_valid(&d, keys, 3, NULL) == 1);
	am_checkpoint_release(&d);

	/* a known key (name and id) with a bad signature: the note is bad */
	{
		char *bad = strdup(sig1);
		size_t n = strlen(bad);
		/* change a character of the signature part, keeping the key id (first 4 bytes
		   = the first 5.33 base64 characters) intact */
		char *sp = strrchr(bad, ' ');
		size_t at = (size_t)(sp - bad) + 1 + 20;
		CHECK(at < n - 2);
		bad[at] = bad[at] == 'A' ? 'B' : 'A';
		with_sigs(&d, &c, bad);
		CHECK(am_note_count_valid(&d, &keys[0], 1, NULL) == -1);
		CHECK(am_note_count_valid(&d, keys, 3, mask) == -1);
		CHECK(am_note_count_valid(&d, &keys[1], 1, NULL) == 0); /* not ours to judge */
		am_checkpoint_release(&d);
		/* a good and a bad line by the same key: still bad */
		snprintf(lines, sizeof(lines), "%s%s", sig1, bad);
		with_sigs(&d, &c, lines);
		CHECK(am_note_count_valid(&d, &keys[0], 1, NULL) == -1);
		am_checkpoint_release(&d);
		free(bad);
	}
	/* the same signature on another body: bad */
	{
		struct am_checkpoint other;
		make_cp(&other, 78, 0x11, 1);
		with_sigs(&d, &other, sig1);
		CHECK(am_note_count_valid(&d, &keys[0], 1, NULL) == -1);
		am_checkpoint_release(&d);
		am_checkpoint_release(&other);
	}
	/* two signers: both count, each once */
	{
		struct am_checkpoint by2;
		make_cp(&by2, 77, 0x11, 2);
		snprintf(lines, sizeof(lines), "%s%s", sig1, by2.text + by2.body_len + 1);
		with_sigs(&d, &c, lines);
		CHECK(am_note_count_valid(&d, keys, 2, NULL) == 2);
		CHECK(am_note_count_valid(&d, keys, 2, mask) == 2 && mask[0] && mask[1]);
		am_checkpoint_release(&d);
		am_checkpoint_release(&by2);
	}
	/*
	 * The same valid line twice is still one signer: a quorum must not be
	 * met by repeating a signature (with or without a mask).
	 */
	snprintf(lines, sizeof(lines), "%s%s", sig1, sig1);
	with_sigs(&d, &c, lines);
	CHECK(am_note_count_valid(&d, &keys[0], 1, mask) == 1);
	CHECKF(am_note_count_valid(&d, &keys[0], 1, NULL) == 1,
	       "a repeated signature line counted twice without a mask (got %d)",
	       am_note_count_valid(&d, &keys[0], 1, NULL));
	am_checkpoint_release(&d);
	free(sig1);
	am_checkpoint_release(&c);
}

/* ---- cosignatures -------------------------------------------------------------- */

static void test_cosign(void)
{
	unsigned char wpk[AM_SIGN_PK_LEN], wsk[AM_SIGN_SK_LEN], raw[100];
	struct am_checkpoint c, d, other;
	struct am_vkey wk, wk_as_note, logk, keys[2];
	const uint64_t t = 1700000000;
	char line[300], *sp, msg[1024], lines[2048];
	int n, mask[2];

	keypair(wpk, wsk, 3);
	make_cp(&c, 500, 0x22, 1);
	CHECK_ST(am_cosign(&c, "witness.example/w1", wsk, wpk, t, line, sizeof(line), NULL), AM_OK);
	/* "— name base64(keyid || u64 time || sig)\n", checked here from the C2SP text */
	CHECK(strncmp(line, EM " witness.example/w1 ", 4 + 19) == 0);
	CHECK(line[strlen(line) - 1] == '\n' && strchr(line, '\n') == line + strlen(line) - 1);
	sp = strrchr(line, ' ');
	n = my_unb64(raw, sizeof(raw), sp + 1, strlen(sp + 1) - 1);
	CHECK(n == 4 + 8 + 64);
	if (n == 76) {
		CHECK(am_get_u32(raw) == my_key_id("witness.example/w1", 0x04, wpk, AM_SIGN_PK_LEN));
		CHECK(am_get_u64(raw + 4) == t);
		snprintf(msg, sizeof(msg), "cosignature/v1\ntime %" PRIu64 "\n%.*s", t,
			 (int)c.body_len, c.text);
		CHECK(am_sign_verify(raw + 12, msg, strlen(msg), wpk) == 0);
	}
	/* appended to the checkpoint, it verifies with the type 0x04 key */
	am_vkey_make(&wk, "witness.example/w1", AM_NOTE_COSIG, wpk);
	am_vkey_make(&wk_as_note, "witness.example/w1", AM_NOTE_ED25519, wpk);
	CHECK(am_note_count_valid(&c, &wk, 1, NULL) == 0);
	CHECK_ST(am_checkpoint_add_sigs(&c, line, NULL), AM_OK);
	CHECK(am_note_count_valid(&c, &wk, 1, NULL) == 1);
	/* ... not as a plain note signature by the same key (another key id) */
	CHECK(am_note_count_valid(&c, &wk_as_note, 1, NULL) == 0);
	/* the log's signature still counts, and the cosignature is not the log's */
	{
		unsigned char pk1[AM_SIGN_PK_LEN], sk1[AM_SIGN_SK_LEN];
		keypair(pk1, sk1, 1);
		am_vkey_make(&logk, ORIGIN, AM_NOTE_ED25519, pk1);
	}
	CHECK(am_note_count_valid(&c, &logk, 1, NULL) == 1);
	keys[0] = logk;
	keys[1] = wk;
	CHECK(am_note_count_valid(&c, keys, 2, mask) == 2 && mask[0] && mask[1]);

	/* another time than the one signed: bad */
	if (n == 76) {
		char b64[160], bad[300];
		raw[4 + 7] ^= 1;
		am_b64(b64, raw, 76);
		snprintf(bad, sizeof(bad), EM " witness.example/w1 %s\n", b64);
		snprintf(lines, sizeof(lines), "%s", c.text + c.body_len + 1);
		/* replace the cosignature line with the altered one */
		*strstr(lines, EM " witness.example/w1") = '\0';
		strcat(lines, bad);
		with_sigs(&d, &c, lines);
		CHECK(am_note_count_valid(&d, &wk, 1, NULL) == -1);
		am_checkpoint_release(&d);
		raw[4 + 7] ^= 1;
	}
	/* am_cosign at another time gives another, also valid, line */
	{
		char line2[300];
		CHECK_ST(am_cosign(&c, "witness.example/w1", wsk, wpk, t + 1, line2, sizeof(line2), NULL),
			 AM_OK);
		CHECK(strcmp(line, line2) != 0);
	}
	/* the cosignature on a body differing in one byte: bad */
	{
		char body[1024];
		size_t bl = c.body_len;
		memcpy(body, c.text, bl);
		body[bl] = '\0';
		for (size_t at = 0; at + 1 < bl; at += bl / 7 + 1) {
			char buf[2048];
			char saved = body[at];
			if (body[at] == '\n')
				continue;
			body[at] = body[at] == 'a' ? 'b' : (body[at] == '5' ? '6' : 'a');
			snprintf(buf, sizeof(buf), "%s\n%s", body, line);
			if (am_checkpoint_parse(buf, strlen(buf), &other, NULL) == AM_OK) {
				CHECKF(am_note_count_valid(&other, &wk, 1, NULL) == -1,
				       "cosignature valid on a body changed at %zu", at);
				am_checkpoint_release(&other);
			}
			body[at] = saved;
		}
	}
	/* the cosignature on a checkpoint of another size: bad */
	make_cp(&other, 501, 0x22, 1);
	with_sigs(&d, &other, line);
	CHECK(am_note_count_valid(&d, &wk, 1, NULL) == -1);
	am_checkpoint_release(&d);
	am_checkpoint_release(&other);
	/* refused: names that are not names, times past INT64_MAX */
	CHECK(am_cosign(&c, "bad name", wsk, wpk, t, line, sizeof(line), NULL) == AM_EINPUT);
	CHECK(am_cosign(&c, "", wsk, wpk, t, line, sizeof(line), NULL) == AM_EINPUT);
	CHECK(am_cosign(&c, "a+b", wsk, wpk, t, line, sizeof(line), NULL) == AM_EINPUT);
	CHECK(am_cosign(&c, "w", wsk, wpk, (uint64_t)INT64_MAX + 1, line, sizeof(line), NULL) ==
	      AM_EINPUT);
	CHECK(am_cosign(&c, "w", wsk, wpk, t, line, 20, NULL) != AM_OK);
	am_checkpoint_release(&c);
}

/* ---- proof texts ---------------------------------------------------------------- */

static void fill_hashes(unsigned char (*p)[AM_MT_HASH], size_t n, unsigned char seed)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < AM_MT_HASH; j++)
			p[i][j] = (unsigned char)(seed + i * 3 + j);
}

/* pattern with each "%s" replaced by h (no printf: patterns are data here) */
static void subst(char *out, size_t cap, const char *pattern, const char *h)
{
	size_t o = 0, hl = strlen(h);

	for (const char *p = pattern; *p && o + hl + 1 < cap; p++) {
		if (p[0] == '%' && p[1] == 's') {
			memcpy(out + o, h, hl);
			o += hl;
			p++;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

static int incl_rejects(const char *text)
{
	struct am_inclusion_text p;
	enum am_status s = am_inclusion_parse(text, strlen(text), &p, NULL);

	if (s == AM_OK)
		am_inclusion_release(&p);
	return s == AM_EINPUT;
}

static int cons_rejects(const char *text)
{
	struct am_consistency_text p;
	enum am_status s = am_consistency_parse(text, strlen(text), &p, NULL);

	if (s == AM_OK)
		am_consistency_release(&p);
	return s == AM_EINPUT;
}

static void test_proof_texts(void)
{
	static unsigned char proof[AM_MT_MAX_PROOF + 1][AM_MT_HASH];
	struct am_checkpoint cp;
	struct am_inclusion_text ip;
	struct am_consistency_text cpf;
	const unsigned char extra[] = { 0x00, 0x01, 0xfe, 0xff, 'a', 'b', 'c' };
	static char buf[16384], hashes[8192];
	struct am_buf b;
	char h64[64];

	make_cp(&cp, 1000, 0x44, 1);
	fill_hashes(proof, AM_MT_MAX_PROOF + 1, 9);

	/* inclusion: counts 0, 1, 10, 64; with and without extra; extra of every length mod 3 */
	{
		static const size_t counts[] = { 0, 1, 10, AM_MT_MAX_PROOF };
		for (size_t ci = 0; ci < 4; ci++) {
			for (size_t el = 0; el <= sizeof(extra); el++) {
				const unsigned char *ex = el == 0 ? NULL : extra;
				size_t exlen = el == 0 ? 0 : el;
				am_buf_init(&b);
				am_inclusion_format(&b, ex, exlen, 999, AM_MT_CONST(proof), counts[ci], &cp);
				CHECK(!b.oom);
				CHECK_ST(am_inclusion_parse((const char *)b.data, b.len, &ip, NULL), AM_OK);
				CHECK(ip.index == 999 && ip.count == counts[ci]);
				CHECK(counts[ci] == 0 || memcmp(ip.proof, proof, counts[ci] * AM_MT_HASH) == 0);
				CHECK(ip.extra_len == exlen);
				CHECK((ex == NULL) == (ip.extra == NULL));
				CHECK(ex == NULL || memcmp(ip.extra, extra, exlen) == 0);
				CHECK(ip.cp.size == 1000 && ip.cp.len == cp.len &&
				      memcmp(ip.cp.text, cp.text, cp.len) == 0);
				am_inclusion_release(&ip);
				am_buf_release(&b);
			}
		}
		/* the text itself, in the tlog-proof layout */
		am_buf_init(&b);
		am_inclusion_format(&b, extra, 3, 5, AM_MT_CONST(proof), 1, &cp);
		am_b64(h64, proof[0], AM_MT_HASH);
		snprintf(buf, sizeof(buf), "c2sp.org/tlog-proof@v1\nextra AAH+\nindex 5\n%s\n\n%s", h64,
			 cp.text);
		CHECK(b.len == strlen(buf) && memcmp(b.data, buf, b.len) == 0);
		am_buf_release(&b);
	}
	/* inclusion: malformed */
	am_b64(h64, proof[0], AM_MT_HASH);
	{
		const char *H = "c2sp.org/tlog-proof@v1\n";
		struct {
			const char *pre; /* everything before the blank line and checkpoint */
			const char *why;
		} bad[] = {
			{ "c2sp.org/tlog-proof@v1\n%s\n", "no index" },
			{ "c2sp.org/tlog-proof@v1\nextra AAH+\n%s\n", "extra but no index" },
			{ "c2sp.org/tlog-proof@v1\nindex 05\n%s\n", "index 05" },
			{ "c2sp.org/tlog-proof@v1\nindex 00\n%s\n", "index 00" },
			{ "c2sp.org/tlog-proof@v1\nindex -1\n%s\n", "index -1" },
			{ "c2sp.org/tlog-proof@v1\nindex +1\n%s\n", "index +1" },
			{ "c2sp.org/tlog-proof@v1\nindex \n%s\n", "index empty" },
			{ "c2sp.org/tlog-proof@v1\nindex  5\n%s\n", "index two spaces" },
			{ "c2sp.org/tlog-proof@v1\nindex 5 \n%s\n", "index trailing space" },
			{ "c2sp.org/tlog-proof@v1\nindex 18446744073709551616\n%s\n", "index overflow" },
			{ "c2sp.org/tlog-proof@v1\nindex 0x5\n%s\n", "index hex" },
			{ "c2sp.org/tlog-proof@v1\nIndex 5\n%s\n", "Index" },
			{ "c2sp.org/tlog-proof@v2\nindex 5\n%s\n", "header v2" },
			{ "c2sp.org/tlog-proof@v1 \nindex 5\n%s\n", "header trailing space" },
			{ "index 5\n%s\n", "no header" },
			{ "c2sp.org/tlog-proof@v1\nextra A\nindex 5\n%s\n", "extra not base64" },
			{ "c2sp.org/tlog-proof@v1\nextra AAH*\nindex 5\n%s\n", "extra bad char" },
			{ "c2sp.org/tlog-proof@v1\nextra AAH\nindex 5\n%s\n", "extra unpadded" },
			{ "c2sp.org/tlog-proof@v1\nextra AAH=\nindex 5\n%s\n", "extra non-canonical" },
			{ "c2sp.org/tlog-proof@v1\nindex 5\nextra AAH+\n%s\n", "extra after index" },
			{ "c2sp.org/tlog-proof@v1\nindex 5\n%s=\n", "hash line with extra =" },
			{ "c2sp.org/tlog-proof@v1\nindex 5\nAAAA\n", "short hash line" },
			{ "c2sp.org/tlog-proof@v1\nindex 5\n%s \n", "hash line trailing space" },
			{ "c2sp.org/tlog-proof@v1\nindex 5\n!%s\n", "hash line bad char" },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char pre[512];
			subst(pre, sizeof(pre), bad[i].pre, h64);
			snprintf(buf, sizeof(buf), "%s\n%s", pre, cp.text);
			CHECKF(incl_rejects(buf), "inclusion proof accepted: %s", bad[i].why);
		}
		/* sanity: the same with a good prefix parses */
		snprintf(buf, sizeof(buf), "%sindex 5\n%s\n\n%s", H, h64, cp.text);
		CHECK(!incl_rejects(buf));
		/* no blank line before the checkpoint, or no checkpoint */
		snprintf(buf, sizeof(buf), "%sindex 5\n%s\n%s", H, h64, cp.text);
		CHECK(incl_rejects(buf));
		snprintf(buf, sizeof(buf), "%sindex 5\n%s\n\n", H, h64);
		CHECK(incl_rejects(buf));
		snprintf(buf, sizeof(buf), "%sindex 5\n%s\n", H, h64);
		CHECK(incl_rejects(buf));
		/* a damaged checkpoint */
		snprintf(buf, sizeof(buf), "%sindex 5\n%s\n\n%.*s", H, h64, (int)cp.len - 1, cp.text);
		CHECK(incl_rejects(buf));
		/* 64 hashes parse, 65 do not */
		hashes[0] = '\0';
		for (size_t i = 0; i < AM_MT_MAX_PROOF; i++) {
			am_b64(h64, proof[i], AM_MT_HASH);
			strcat(hashes, h64);
			strcat(hashes, "\n");
		}
		snprintf(buf, sizeof(buf), "%sindex 5\n%s\n%s", H, hashes, cp.text);
		CHECK(!incl_rejects(buf));
		am_b64(h64, proof[AM_MT_MAX_PROOF], AM_MT_HASH);
		strcat(hashes, h64);
		strcat(hashes, "\n");
		snprintf(buf, sizeof(buf), "%sindex 5\n%s\n%s", H, hashes, cp.text);
		CHECKF(incl_rejects(buf), "an inclusion proof of 65 hashes was accepted");
	}

	/* consistency: round trips */
	{
		static const size_t counts[] = { 0, 1, 7, AM_MT_MAX_PROOF };
		for (size_t ci = 0; ci < 4; ci++) {
			am_buf_init(&b);
			am_consistency_format(&b, 321, AM_MT_CONST(proof), counts[ci], &cp);
			CHECK(!b.oom);
			CHECK_ST(am_consistency_parse((const char *)b.data, b.len, &cpf, NULL), AM_OK);
			CHECK(cpf.old == 321 && cpf.count == counts[ci]);
			CHECK(counts[ci] == 0 || memcmp(cpf.proof, proof, counts[ci] * AM_MT_HASH) == 0);
			CHECK(cpf.cp.len == cp.len && memcmp(cpf.cp.text, cp.text, cp.len) == 0);
			am_consistency_release(&cpf);
			am_buf_release(&b);
		}
		am_buf_init(&b);
		am_consistency_format(&b, 0, AM_MT_CONST(proof), 0, &cp);
		snprintf(buf, sizeof(buf), "old 0\n\n%s", cp.text);
		CHECK(b.len == strlen(buf) && memcmp(b.data, buf, b.len) == 0);
		CHECK_ST(am_consistency_parse((const char *)b.data, b.len, &cpf, NULL), AM_OK);
		CHECK(cpf.old == 0 && cpf.count == 0);
		am_consistency_release(&cpf);
		am_buf_release(&b);
		/* old == size is fine; old > size is not */
		am_buf_init(&b);
		am_consistency_format(&b, 1000, AM_MT_CONST(proof), 0, &cp);
		CHECK_ST(am_consistency_parse((const char *)b.data, b.len, &cpf, NULL), AM_OK);
		am_consistency_release(&cpf);
		am_buf_release(&b);
		am_buf_init(&b);
		am_consistency_format(&b, 1001, AM_MT_CONST(proof), 0, &cp);
		CHECK_ST(am_consistency_parse((const char *)b.data, b.len, &cpf, NULL), AM_EINPUT);
		am_buf_release(&b);
	}
	/* consistency: malformed */
	am_b64(h64, proof[0], AM_MT_HASH);
	{
		static const char *const bad[] = {
			"%s\n", "old\n%s\n", "old \n%s\n", "old 05\n%s\n", "old 00\n%s\n", "old -5\n%s\n",
			"old 5 \n%s\n", "Old 5\n%s\n", "old  5\n%s\n", "old 18446744073709551616\n%s\n",
			"old 5\n%s=\n", "old 5\nAAAA\n", "old 5\n%s \n", "old 5\n*%s\n",
			"new 5\n%s\n",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char pre[512];
			subst(pre, sizeof(pre), bad[i], h64);
			snprintf(buf, sizeof(buf), "%s\n%s", pre, cp.text);
			CHECKF(cons_rejects(buf), "consistency proof %zu accepted: %s", i, bad[i]);
		}
		snprintf(buf, sizeof(buf), "old 5\n%s\n\n%s", h64, cp.text);
		CHECK(!cons_rejects(buf));
		snprintf(buf, sizeof(buf), "old 5\n%s\n%s", h64, cp.text);
		CHECK(cons_rejects(buf));
		snprintf(buf, sizeof(buf), "old 5\n%s\n\n", h64);
		CHECK(cons_rejects(buf));
		hashes[0] = '\0';
		for (size_t i = 0; i <= AM_MT_MAX_PROOF; i++) {
			am_b64(h64, proof[i], AM_MT_HASH);
			strcat(hashes, h64);
			strcat(hashes, "\n");
		}
		snprintf(buf, sizeof(buf), "old 5\n%s\n%s", hashes, cp.text);
		CHECKF(cons_rejects(buf), "a consistency proof of 65 hashes was accepted");
	}
	am_checkpoint_release(&cp);
}

int main(void)
{
	if (am_crypto_init() != 0) {
		fprintf(stderr, "cannot initialise crypto\n");
		return 2;
	}
	test_checkpoint_roundtrip();
	test_checkpoint_malformed();
	test_key_ids();
	test_count_valid();
	test_cosign();
	test_proof_texts();
	return check_done();
}
