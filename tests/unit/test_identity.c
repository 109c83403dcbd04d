/*
 * test_identity.c — identity files (crypto/identity.c): generating keys,
 * sealing them under a passphrase, reading them back, and public key lines.
 *
 * The secret key file is read with the layout of docs/FORMAT.md
 * ("Identity files") so that every region can be damaged on purpose:
 *
 *   0 "AMNK" | 4 u16 version | 6 u8 alg | 7 u8 reserved | 8 u64 opslimit |
 *   16 u64 memlimit | 24 salt[16] | 40 nonce[24] | 64 sign pk[32] |
 *   96 box pk[32] | 128 u8 name length | 129 name | then, in version 2 (what
 *   is written), u64 creation time | then 80 bytes sealed (signing seed,
 *   X25519 key, tag).  SEALED_LEN is the tail after the name: both.
 *
 * Names used are fictional roles, never people.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/bytes.h"
#include "crypto/identity.h"
#include "check.h"

#define OFF_VERSION 4
#define OFF_ALG 6
#define OFF_RSV 7
#define OFF_OPS 8
#define OFF_MEM 16
#define OFF_SALT 24
#define OFF_NONCE 40
#define OFF_SIGNPK 64
#define OFF_BOXPK 96
#define OFF_NLEN 128
#define OFF_NAME 129
#define SEALED_LEN (8 + 80)

static const char PASS[] = "a long test passphrase, fictional";
static char dir[256];
static unsigned char *good_file; /* a valid key file, for test_keyfile_name_length */
static size_t good_len, good_nlen;

static void path_in(char *out, size_t outlen, const char *name)
{
	snprintf(out, outlen, "%s/%s", dir, name);
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *q = p;
	unsigned char acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= q[i];
	return acc == 0;
}

static int same_public(const struct am_identity *a, const struct am_identity *b)
{
	return strcmp(a->name, b->name) == 0 && memcmp(a->sign_pk, b->sign_pk, 32) == 0 &&
	       memcmp(a->box_pk, b->box_pk, 32) == 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_name_ok(void)
{
	static const struct {
		const char *name;
		int ok;
	} cases[] = {
		{ "a", 1 },
		{ "Z", 1 },
		{ "7", 1 },
		{ "field-officer-07", 1 },
		{ "custodian.geneva_2", 1 },
		{ "A-b.c_d", 1 },
		{ "a-", 1 },
		{ "a.", 1 },
		{ "", 0 },
		{ "-a", 0 },
		{ ".hidden", 0 },
		{ "_a", 0 },
		{ "a b", 0 },
		{ "a/b", 0 },
		{ "../a", 0 },
		{ "a\\b", 0 },
		{ "a:b", 0 },
		{ "a\tb", 0 },
		{ "a\nb", 0 },
		{ "caf\xc3\xa9", 0 },
		{ "a+b", 0 },
		{ "a@b", 0 },
		{ "a~", 0 },
	};
	char n64[66], n65[67];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECKF(am_name_ok(cases[i].name) == cases[i].ok, "am_name_ok(\"%s\")",
		       cases[i].name);
	memset(n64, 'n', 64);
	n64[64] = '\0';
	CHECK(am_name_ok(n64) == 1);
	memset(n65, 'n', 65);
	n65[65] = '\0';
	CHECK(am_name_ok(n65) == 0);
}

static void test_generate(void)
{
	struct am_identity a, b;
	struct am_err e;
	unsigned char pk[32];

	CHECK_ST(am_identity_generate(&a, "officer-a", NULL), AM_OK);
	CHECK_ST(am_identity_generate(&b, "officer-b", NULL), AM_OK);
	CHECK(strcmp(a.name, "officer-a") == 0);
	CHECK(a.sign_sk != NULL && a.box_sk != NULL);
	CHECK(memcmp(a.sign_pk, b.sign_pk, 32) != 0 && memcmp(a.box_pk, b.box_pk, 32) != 0);
	CHECK(!all_zero(a.sign_pk, 32) && !all_zero(a.box_pk, 32));
	/* the halves belong together */
	CHECK(memcmp(a.sign_sk + 32, a.sign_pk, 32) == 0);
	CHECK(am_box_public(pk, a.box_sk) == 0 && memcmp(pk, a.box_pk, 32) == 0);
	{
		unsigned char sig[64];
		CHECK(am_sign(sig, "m", 1, a.sign_sk) == 0);
		CHECK(am_sign_verify(sig, "m", 1, a.sign_pk) == 0);
	}
	am_identity_release(&a);
	CHECK(a.sign_sk == NULL && a.box_sk == NULL && a.name[0] == '\0');
	am_identity_release(&a); /* twice is harmless */
	am_identity_release(&b);

	am_err_init(&e);
	CHECK_ST(am_identity_generate(&a, "bad name", &e), AM_EINPUT);
	CHECK(a.sign_sk == NULL && a.box_sk == NULL);
	CHECK(strstr(e.msg, "bad name") != NULL);
	CHECK_ST(am_identity_generate(&a, "", NULL), AM_EINPUT);

	/* key id display: 16 hex digits of SHA-256(pk)[0..8) */
	{
		char hex[17];
		unsigned char h[32];
		char want[17];
		CHECK_ST(am_identity_generate(&a, "officer-c", NULL), AM_OK);
		am_key_id_hex(hex, a.sign_pk);
		am_sha256(h, a.sign_pk, 32);
		am_hex(want, h, 8);
		CHECK(strlen(hex) == 16 && strcmp(hex, want) == 0);
		am_identity_release(&a);
	}
}

/* Read path as a key file with PASS; the status, and the identity released on failure. */
static enum am_status read_key(const char *path, const char *pass)
{
	struct am_identity got;
	enum am_status s = am_keyfile_read(path, pass, strlen(pass), &got, NULL);

	if (s != AM_OK)
		CHECK(got.sign_sk == NULL && got.box_sk == NULL);
	am_identity_release(&got);
	return s;
}

static void test_keyfile(void)
{
	struct am_identity id, got, nokeys;
	char path[512], bad[512];
	struct am_err e;
	unsigned char *file = NULL, *t = NULL;
	size_t flen = 0, nlen;
	mode_t old;

	CHECK_ST(am_identity_generate(&id, "field-officer-07", NULL), AM_OK);
	nlen = strlen(id.name);
	path_in(path, sizeof(path), "officer.id");
	old = umask(0); /* the file must still come out 0600 */
	am_err_init(&e);
	CHECK_ST(am_keyfile_write(path, &id, PASS, strlen(PASS), AM_KDF_INTERACTIVE, &e), AM_OK);
	umask(old);
	{
		struct stat st;
		CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode));
		CHECKF((st.st_mode & 07777) == 0600, "key file mode %03o",
		       (unsigned)(st.st_mode & 07777));
	}
	CHECK(check_count_prefix(dir, ".amanat-tmp-") == 0);

	/* round trip */
	am_err_init(&e);
	CHECK_ST(am_keyfile_read(path, PASS, strlen(PASS), &got, &e), AM_OK);
	CHECK(same_public(&got, &id));
	CHECK(got.sign_sk != NULL && got.box_sk != NULL);
	if (got.sign_sk != NULL && got.box_sk != NULL) {
		CHECK(memcmp(got.sign_sk, id.sign_sk, 64) == 0);
		CHECK(memcmp(got.box_sk, id.box_sk, 32) == 0);
	}
	am_identity_release(&got);

	/* refusals */
	CHECK_ST(am_keyfile_write(path, &id, PASS, strlen(PASS), AM_KDF_INTERACTIVE, NULL),
		 AM_EEXIST);
	path_in(bad, sizeof(bad), "empty-pass.id");
	CHECK_ST(am_keyfile_write(bad, &id, "", 0, AM_KDF_INTERACTIVE, NULL), AM_EINPUT);
	CHECK(access(bad, F_OK) != 0);
	am_identity_init(&nokeys);
	memcpy(&nokeys, &id, sizeof(nokeys));
	nokeys.sign_sk = NULL;
	nokeys.box_sk = NULL;
	CHECK_ST(am_keyfile_write(bad, &nokeys, PASS, strlen(PASS), AM_KDF_INTERACTIVE, NULL),
		 AM_EINPUT);
	CHECK(access(bad, F_OK) != 0);

	/* wrong passphrases */
	am_err_init(&e);
	CHECK_ST(am_keyfile_read(path, "wrong", 5, &got, &e), AM_EAUTH);
	CHECK(got.sign_sk == NULL && got.box_sk == NULL);
	CHECK(strstr(e.msg, path) != NULL);
	CHECK_ST(am_keyfile_read(path, PASS, strlen(PASS) - 1, &got, NULL), AM_EAUTH);

	/* the layout this test relies on */
	file = check_get_file(path, &flen);
	CHECK(file != NULL);
	CHECK_EQ(flen, OFF_NAME + nlen + SEALED_LEN);
	if (file == NULL || flen != OFF_NAME + nlen + SEALED_LEN)
		goto out;
	CHECK(memcmp(file, "AMNK", 4) == 0);
	CHECK(memcmp(file + OFF_SIGNPK, id.sign_pk, 32) == 0);
	CHECK(memcmp(file + OFF_BOXPK, id.box_pk, 32) == 0);
	CHECK(file[OFF_NLEN] == nlen && memcmp(file + OFF_NAME, id.name, nlen) == 0);
	{
		/* the secret keys never appear in clear */
		unsigned char *s = id.sign_sk, *bk = id.box_sk;
		int found = 0;
		for (size_t i = 0; i + 32 <= flen; i++)
			found |= memcmp(file + i, s, 32) == 0 || memcmp(file + i, bk, 32) == 0;
		CHECK(!found);
	}
	t = malloc(flen + 1);
	if (t == NULL)
		goto out;
	path_in(bad, sizeof(bad), "damaged.id");

	/* every truncation, and one byte too many: never AM_OK */
	for (size_t n = 0; n <= flen + 1; n++) {
		struct am_identity pub;
		enum am_status s1, s2;
		if (n == flen)
			continue;
		memcpy(t, file, n <= flen ? n : flen);
		if (n > flen)
			t[flen] = 0;
		if (check_put_file(bad, t, n) != 0) {
			CHECK(0);
			continue;
		}
		s1 = am_public_read(bad, &pub, NULL);
		CHECKF(s1 == AM_EINPUT, "public read of %zu of %zu bytes gave %s", n, flen,
		       am_status_name(s1));
		s2 = read_key(bad, PASS);
		CHECKF(s2 == AM_EINPUT, "key read of %zu of %zu bytes gave %s", n, flen,
		       am_status_name(s2));
	}

	/* one damaged byte in each region: AM_EINPUT or AM_EAUTH, never AM_OK */
	{
		static const struct {
			const char *region;
			long off; /* negative: from the end */
			unsigned char x;
			int parse_fails; /* caught before any passphrase hashing */
		} flips[] = {
			{ "magic", 0, 0x01, 1 },
			{ "magic", 3, 0x20, 1 },
			{ "version", OFF_VERSION, 0x01, 1 },
			{ "version", OFF_VERSION + 1, 0x03, 1 },
			{ "algorithm", OFF_ALG, 0x01, 1 },
			{ "reserved", OFF_RSV, 0x80, 1 },
			{ "opslimit high", OFF_OPS, 0x01, 1 },
			{ "opslimit low", OFF_OPS + 7, 0x01, 0 },
			{ "memlimit high", OFF_MEM, 0x01, 1 },
			{ "memlimit low", OFF_MEM + 7, 0x01, 0 },
			{ "salt", OFF_SALT + 5, 0x10, 0 },
			{ "nonce", OFF_NONCE + 23, 0x01, 0 },
			{ "sign pk", OFF_SIGNPK, 0x01, 0 },
			{ "box pk", OFF_BOXPK + 31, 0x40, 0 },
			{ "name length", OFF_NLEN, 0x01, 1 },
			{ "name length", OFF_NLEN, 0xff, 1 },
			{ "name (still valid)", OFF_NAME, 0x02, 0 },
			{ "name (invalid char)", OFF_NAME + 1, 0x40, 1 },
			{ "creation time", -SEALED_LEN, 0x01, 0 },
			{ "creation time low", -SEALED_LEN + 7, 0x01, 0 },
			{ "sealed secret", -80, 0x01, 0 },
			{ "tag", -1, 0x80, 0 },
		};
		for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
			size_t off = flips[i].off >= 0 ? (size_t)flips[i].off
						       : flen - (size_t)(-flips[i].off);
			struct am_identity pub;
			enum am_status s1, s2;
			memcpy(t, file, flen);
			t[off] ^= flips[i].x;
			if (check_put_file(bad, t, flen) != 0) {
				CHECK(0);
				continue;
			}
			s1 = am_public_read(bad, &pub, NULL);
			if (flips[i].parse_fails)
				CHECKF(s1 == AM_EINPUT, "%s flipped: public read gave %s",
				       flips[i].region, am_status_name(s1));
			s2 = read_key(bad, PASS);
			CHECKF(s2 == (flips[i].parse_fails ? AM_EINPUT : AM_EAUTH),
			       "%s flipped (byte %zu ^ %#x): key read gave %s", flips[i].region,
			       off, flips[i].x, am_status_name(s2));
		}
	}

	/* a NUL inside the name: what is shown must be what was sealed */
	{
		struct am_identity pub;
		enum am_status s;
		memcpy(t, file, flen);
		t[OFF_NAME + 4] = '\0';
		if (check_put_file(bad, t, flen) == 0) {
			s = am_public_read(bad, &pub, NULL);
			CHECKF(s == AM_EINPUT, "name with a NUL inside: public read gave %s (name \"%s\")",
			       am_status_name(s), pub.name);
			s = read_key(bad, PASS);
			CHECKF(s == AM_EINPUT || s == AM_EAUTH, "name with a NUL inside: key read "
			       "gave %s", am_status_name(s));
		}
	}

	/* passphrase-hashing limits outside the bounds: refused before hashing */
	{
		struct am_kdf_params in, se;
		const struct {
			uint64_t ops, mem;
		} limits[] = {
			{ 0, 0 },
			{ 1, 0 },
			{ 0, 1 },
			{ UINT64_MAX, UINT64_MAX },
			{ 2, UINT64_MAX },
			{ UINT64_MAX, 64u << 20 },
		};
		am_kdf_params_for(AM_KDF_INTERACTIVE, &in);
		am_kdf_params_for(AM_KDF_SENSITIVE, &se);
		for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]) + 3; i++) {
			struct am_identity pub;
			uint64_t ops, mem;
			enum am_status s;
			double t0;
			if (i < sizeof(limits) / sizeof(limits[0])) {
				ops = limits[i].ops;
				mem = limits[i].mem;
			} else if (i == sizeof(limits) / sizeof(limits[0])) {
				ops = in.opslimit - 1; /* just under the floor */
				mem = in.memlimit;
			} else if (i == sizeof(limits) / sizeof(limits[0]) + 1) {
				ops = in.opslimit;
				mem = in.memlimit - 1;
			} else {
				ops = in.opslimit; /* just over the memory ceiling */
				mem = se.memlimit + 1024;
			}
			memcpy(t, file, flen);
			am_put_u64(t + OFF_OPS, ops);
			am_put_u64(t + OFF_MEM, mem);
			if (check_put_file(bad, t, flen) != 0) {
				CHECK(0);
				continue;
			}
			CHECK_ST(am_public_read(bad, &pub, NULL), AM_EINPUT);
			t0 = now_s();
			s = read_key(bad, PASS);
			/* EAUTH would mean it hashed first; ENOMEM that it tried to */
			CHECKF(s == AM_EINPUT, "limits ops %llu mem %llu gave %s",
			       (unsigned long long)ops, (unsigned long long)mem, am_status_name(s));
			CHECKF(now_s() - t0 < 1.0, "limits ops %llu mem %llu took %.2fs",
			       (unsigned long long)ops, (unsigned long long)mem, now_s() - t0);
		}
	}

	/* kept for test_keyfile_name_length, which runs last (see there) */
	good_file = malloc(flen);
	if (good_file != NULL) {
		memcpy(good_file, file, flen);
		good_len = flen;
		good_nlen = nlen;
	}

	/* not an identity file at all */
	CHECK(check_put_file(bad, "hello, world\n", 13) == 0);
	CHECK_ST(am_public_read(bad, &got, NULL), AM_EINPUT);
	CHECK_ST(am_keyfile_read(bad, PASS, strlen(PASS), &got, NULL), AM_EINPUT);
	path_in(bad, sizeof(bad), "missing.id");
	CHECK_ST(am_keyfile_read(bad, PASS, strlen(PASS), &got, NULL), AM_EINPUT);
	CHECK_ST(am_keyfile_read(dir, PASS, strlen(PASS), &got, NULL), AM_EINPUT);
out:
	free(file);
	free(t);
	am_identity_release(&id);
}

/*
 * A key file whose sealed secret is genuine but whose public keys are
 * someone else's: the tag verifies, so only the recomputation of the public
 * keys can catch it.  Built by hand with the crypto layer, as FORMAT.md says.
 */
/*
 * A name length over 64 with the rest of the file the right size for it:
 * the parser must refuse without writing name[length] beyond the 65-byte
 * name buffer.  A guard after the identity catches the write in any build;
 * UndefinedBehaviorSanitizer stops the program at it, which is why this
 * runs last.
 */
static void test_keyfile_name_length(void)
{
	char bad[512];
	unsigned char t[OFF_NAME + SEALED_LEN];

	if (good_file == NULL || good_len < OFF_NAME + SEALED_LEN) {
		CHECK(0);
		return;
	}
	path_in(bad, sizeof(bad), "name-length.id");
	{
		static const unsigned char lens[] = { 65, 100, 151, 200, 255 };
		for (size_t i = 0; i < sizeof(lens); i++) {
			struct {
				struct am_identity id;
				unsigned char guard[256];
			} g;
			size_t n = OFF_NAME + SEALED_LEN;
			enum am_status s;
			memcpy(t, good_file, OFF_NAME);
			t[OFF_NLEN] = lens[i];
			memcpy(t + OFF_NAME, good_file + OFF_NAME + good_nlen, SEALED_LEN);
			if (check_put_file(bad, t, n) != 0) {
				CHECK(0);
				continue;
			}
			memset(g.guard, 0xa5, sizeof(g.guard));
			s = am_public_read(bad, &g.id, NULL);
			CHECKF(s == AM_EINPUT, "name length %u: public read gave %s", lens[i],
			       am_status_name(s));
			{
				int intact = 1;
				for (size_t k = 0; k < sizeof(g.guard); k++)
					intact &= g.guard[k] == 0xa5;
				CHECKF(intact, "name length %u: am_public_read wrote past "
				       "struct am_identity", lens[i]);
			}
			memset(g.guard, 0xa5, sizeof(g.guard));
			s = am_keyfile_read(bad, PASS, strlen(PASS), &g.id, NULL);
			CHECKF(s == AM_EINPUT, "name length %u: key read gave %s", lens[i],
			       am_status_name(s));
			{
				int intact = 1;
				for (size_t k = 0; k < sizeof(g.guard); k++)
					intact &= g.guard[k] == 0xa5;
				CHECKF(intact, "name length %u: am_keyfile_read wrote past "
				       "struct am_identity", lens[i]);
			}
			am_identity_release(&g.id);
		}
	}
}

/*
 * Run test_keyfile_name_length in a child: a sanitizer that stops it then
 * stops only the child, and this process still cleans up and reports.
 */
static void test_keyfile_name_length_isolated(void)
{
	pid_t pid;
	int st = 0;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		CHECK(0);
		return;
	}
	if (pid == 0) {
		long before = check_failed_;
		test_keyfile_name_length();
		_exit(check_failed_ > before ? 1 : 0);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "the name-length test (in a child) %s %d; see its messages above",
	       WIFSIGNALED(st) ? "was killed by signal" : "exited with",
	       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

static void test_keyfile_mismatched_keys(void)
{
	struct am_identity a, b;
	struct am_kdf_params p;
	struct am_buf buf;
	unsigned char salt[16], nonce[24], ct[80], *key, *secret;
	char path[512];

	CHECK_ST(am_identity_generate(&a, "custodian-x", NULL), AM_OK);
	CHECK_ST(am_identity_generate(&b, "custodian-y", NULL), AM_OK);
	key = am_secure_alloc(32);
	secret = am_secure_alloc(64);
	if (key == NULL || secret == NULL || a.sign_sk == NULL || b.sign_sk == NULL) {
		CHECK(0);
		goto out;
	}
	am_kdf_params_for(AM_KDF_INTERACTIVE, &p);
	am_random(salt, 16);
	am_random(nonce, 24);
	CHECK(am_kdf(key, PASS, strlen(PASS), salt, &p) == 0);
	memcpy(secret, a.sign_sk, 32);
	memcpy(secret + 32, a.box_sk, 32);
	am_buf_init(&buf);
	am_buf_add(&buf, "AMNK", 4);
	am_buf_u16(&buf, 1);
	am_buf_u8(&buf, 2);
	am_buf_u8(&buf, 0);
	am_buf_u64(&buf, p.opslimit);
	am_buf_u64(&buf, p.memlimit);
	am_buf_add(&buf, salt, 16);
	am_buf_add(&buf, nonce, 24);
	am_buf_add(&buf, b.sign_pk, 32); /* b's public keys over a's secret */
	am_buf_add(&buf, b.box_pk, 32);
	am_buf_u8(&buf, (uint8_t)strlen(a.name));
	am_buf_add(&buf, a.name, strlen(a.name));
	CHECK(!buf.oom);
	CHECK(am_aead_seal(ct, secret, 64, buf.data, buf.len, nonce, key) == 0);
	am_buf_add(&buf, ct, sizeof(ct));
	path_in(path, sizeof(path), "mismatch.id");
	CHECK(check_put_file(path, buf.data, buf.len) == 0);
	CHECK_ST(read_key(path, PASS), AM_EINPUT);
	CHECK_ST(read_key(path, "not it"), AM_EAUTH);
	am_buf_release(&buf);
out:
	am_secure_free(key);
	am_secure_free(secret);
	am_identity_release(&a);
	am_identity_release(&b);
}

static void test_pub(void)
{
	struct am_identity id, got;
	char line[256], s64[64], b64[64], t[512];
	char path[512], idpath[512];
	struct am_err e;

	CHECK_ST(am_identity_generate(&id, "auditor.ext-3", NULL), AM_OK);
	CHECK_ST(am_pub_format(&id, line, sizeof(line)), AM_OK);
	am_b64(s64, id.sign_pk, 32);
	am_b64(b64, id.box_pk, 32);
	snprintf(t, sizeof(t), "amanat-pub-v1 auditor.ext-3 %s %s\n", s64, b64);
	CHECK(strcmp(line, t) == 0);

	/* round trip, with and without the final newline */
	CHECK_ST(am_pub_parse(line, strlen(line), &got, NULL), AM_OK);
	CHECK(same_public(&got, &id));
	CHECK(got.sign_sk == NULL && got.box_sk == NULL);
	CHECK_ST(am_pub_parse(line, strlen(line) - 1, &got, NULL), AM_OK);
	CHECK(same_public(&got, &id));
	/* the length given is what counts, not a NUL further on */
	snprintf(t, sizeof(t), "%sTRAILING", line);
	CHECK_ST(am_pub_parse(t, strlen(line), &got, NULL), AM_OK);
	CHECK_ST(am_pub_parse(t, strlen(t), &got, NULL), AM_EINPUT);

	/* a buffer too small to format into */
	CHECK_ST(am_pub_format(&id, t, strlen(line)), AM_EINPUT);
	CHECK_ST(am_pub_format(&id, t, strlen(line) + 1), AM_OK);

	/* malformed lines */
	{
		char n65[66];
		memset(n65, 'n', 65);
		n65[65] = '\0';
		const char *const N = "auditor.ext-3", *const P = "amanat-pub-v1 ";
		/* line = pre name sep1 SIGN sep2 BOX end */
		const struct {
			const char *what, *pre, *name, *sep1, *sep2, *end;
		} bad[] = {
			{ "bad prefix", "amanat-pub-v2 ", N, " ", " ", "\n" },
			{ "no prefix", "", N, " ", " ", "\n" },
			{ "prefix case", "Amanat-pub-v1 ", N, " ", " ", "\n" },
			{ "leading space", " amanat-pub-v1 ", N, " ", " ", "\n" },
			{ "two spaces after prefix", "amanat-pub-v1  ", N, " ", " ", "\n" },
			{ "two spaces after name", P, N, "  ", " ", "\n" },
			{ "two spaces between keys", P, N, " ", "  ", "\n" },
			{ "tab between keys", P, N, " ", "\t", "\n" },
			{ "trailing space", P, N, " ", " ", " \n" },
			{ "two newlines", P, N, " ", " ", "\n\n" },
			{ "crlf", P, N, " ", " ", "\r\n" },
			{ "extra field", P, N, " ", " ", " x\n" },
			{ "invalid name", P, "-auditor", " ", " ", "\n" },
			{ "name with slash", P, "a/b", " ", " ", "\n" },
			{ "name with space", P, "a b", " ", " ", "\n" },
			{ "too long name", P, n65, " ", " ", "\n" },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			int n = snprintf(t, sizeof(t), "%s%s%s%s%s%s%s", bad[i].pre, bad[i].name,
					 bad[i].sep1, s64, bad[i].sep2, b64, bad[i].end);
			memset(&got, 0x5a, sizeof(got));
			am_err_init(&e);
			CHECKF(am_pub_parse(t, (size_t)n, &got, &e) == AM_EINPUT, "%s accepted",
			       bad[i].what);
			CHECKF(all_zero(got.sign_pk, 32) && all_zero(got.box_pk, 32),
			       "%s left key bytes behind", bad[i].what);
		}
		/* the same builder with the right parts is accepted */
		{
			int n = snprintf(t, sizeof(t), "%s%s%s%s%s%s%s", P, N, " ", s64, " ", b64,
					 "\n");
			CHECK_ST(am_pub_parse(t, (size_t)n, &got, NULL), AM_OK);
		}
		/* missing keys, one key, a short key */
		snprintf(t, sizeof(t), "amanat-pub-v1 auditor.ext-3\n");
		CHECK_ST(am_pub_parse(t, strlen(t), &got, NULL), AM_EINPUT);
		snprintf(t, sizeof(t), "amanat-pub-v1 auditor.ext-3 %s\n", s64);
		CHECK_ST(am_pub_parse(t, strlen(t), &got, NULL), AM_EINPUT);
		snprintf(t, sizeof(t), "amanat-pub-v1 auditor.ext-3 %.43s %s\n", s64, b64);
		CHECK_ST(am_pub_parse(t, strlen(t), &got, NULL), AM_EINPUT);
		CHECK_ST(am_pub_parse("", 0, &got, NULL), AM_EINPUT);
		CHECK_ST(am_pub_parse("\n", 1, &got, NULL), AM_EINPUT);
		CHECK_ST(am_pub_parse("amanat-pub-v1 ", 14, &got, NULL), AM_EINPUT);
	}
	/* NUL, a bad base64 character and a non-ASCII byte at every position of the line */
	{
		size_t len = strlen(line);
		size_t prefix = strlen("amanat-pub-v1 ");
		const char *name_end = memchr(line + prefix, ' ', len - prefix);
		static const struct {
			char c;
			int keys_only; /* 0xff is tried in the keys, where it is not a name char */
		} subs[] = { { '\0', 0 }, { '*', 0 }, { (char)0xff, 1 } };
		for (size_t k = 0; k < sizeof(subs) / sizeof(subs[0]); k++) {
			size_t tried = 0, wrong = 0, first = 0;
			for (size_t pos = prefix; pos + 1 < len; pos++) {
				if (line[pos] == ' ')
					continue;
				if (subs[k].keys_only &&
				    (name_end == NULL || pos <= (size_t)(name_end - line)))
					continue;
				memcpy(t, line, len);
				t[pos] = subs[k].c;
				tried++;
				if (am_pub_parse(t, len, &got, NULL) != AM_EINPUT && wrong++ == 0)
					first = pos;
			}
			CHECK(tried > 80);
			CHECKF(wrong == 0, "public key line with byte %#x: accepted at %zu of %zu "
			       "positions, the first at %zu", (unsigned char)subs[k].c, wrong, tried,
			       first);
		}
	}

	/* files: .pub written 0644, read back; am_public_read of .pub and of .id */
	path_in(path, sizeof(path), "auditor.pub");
	CHECK_ST(am_pubfile_write(path, &id, NULL), AM_OK);
	{
		struct stat st;
		CHECK(lstat(path, &st) == 0 && (st.st_mode & 07777) == 0644);
	}
	CHECK_ST(am_pubfile_write(path, &id, NULL), AM_EEXIST);
	CHECK_ST(am_pubfile_read(path, &got, NULL), AM_OK);
	CHECK(same_public(&got, &id));
	memset(&got, 0, sizeof(got));
	CHECK_ST(am_public_read(path, &got, NULL), AM_OK);
	CHECK(same_public(&got, &id) && got.sign_sk == NULL);

	path_in(idpath, sizeof(idpath), "auditor.id");
	CHECK_ST(am_keyfile_write(idpath, &id, PASS, strlen(PASS), AM_KDF_INTERACTIVE, NULL),
		 AM_OK);
	memset(&got, 0, sizeof(got));
	CHECK_ST(am_public_read(idpath, &got, NULL), AM_OK);
	CHECK(same_public(&got, &id));
	CHECK(got.sign_sk == NULL && got.box_sk == NULL); /* no passphrase, no secrets */
	/* a .id is not a .pub */
	am_err_init(&e);
	CHECK_ST(am_pubfile_read(idpath, &got, &e), AM_EINPUT);
	CHECK(strstr(e.msg, idpath) != NULL);

	/* a damaged .pub file */
	{
		char p2[512];
		path_in(p2, sizeof(p2), "broken.pub");
		snprintf(t, sizeof(t), "%.*s", (int)strlen(line) - 5, line);
		CHECK(check_put_file(p2, t, strlen(t)) == 0);
		CHECK_ST(am_pubfile_read(p2, &got, NULL), AM_EINPUT);
		CHECK_ST(am_public_read(p2, &got, NULL), AM_EINPUT);
		/* a huge file is refused without being parsed */
		{
			char *big = malloc(5000);
			if (big != NULL) {
				memset(big, 'A', 5000);
				memcpy(big, line, strlen(line));
				CHECK(check_put_file(p2, big, 5000) == 0);
				CHECK_ST(am_pubfile_read(p2, &got, NULL), AM_EINPUT);
				CHECK_ST(am_public_read(p2, &got, NULL), AM_EINPUT);
				free(big);
			}
		}
	}
	am_identity_release(&id);
}

int main(void)
{
	double t0;

	if (am_crypto_init() != 0) {
		fprintf(stderr, "am_crypto_init failed\n");
		return 1;
	}
	check_tmpdir(dir, sizeof(dir), "identity");
	t0 = now_s();
	test_name_ok();
	test_generate();
	test_keyfile();
	test_keyfile_mismatched_keys();
	test_pub();
	test_keyfile_name_length_isolated();
	free(good_file);
	check_rmtree(dir);
	fprintf(stderr, "test_identity: %.1fs\n", now_s() - t0);
	return check_done();
}
