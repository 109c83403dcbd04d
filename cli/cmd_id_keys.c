/*
 * cmd_id_keys.c — amanat id passwd FILE (a new passphrase, the same keys)
 * and amanat id show FILE (what a key file is, without its passphrase).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/fsutil.h"
#include "../crypto/share.h"
#include "id.h"

/* Refuse what passwd must not replace: a symbolic link, anything but a regular file. */
static enum am_status replaceable(const char *path, struct am_err *e)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return am_fail(e, errno == ENOENT || errno == ENOTDIR ? AM_EINPUT : AM_EIO,
			       "cannot read %s: %s", path, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return am_fail(e, AM_EINPUT, "%s is a symbolic link; name the identity file itself "
			       "(passwd replaces the file, never a link)", path);
	if (!S_ISREG(st.st_mode))
		return am_fail(e, AM_EINPUT, "%s is not a regular file", path);
	return AM_OK;
}

/* "moderate (3 passes, 256 MiB)" for messages and show. */
static void kdf_text(char *buf, size_t n, const struct am_kdf_params *p)
{
	const char *lvl = cli_kdf_level_name(p);

	snprintf(buf, n, "%s%s%llu passes, %llu MiB%s", lvl ? lvl : "", lvl ? " (" : "",
		 (unsigned long long)p->opslimit, (unsigned long long)(p->memlimit >> 20),
		 lvl ? ")" : "");
}

int cli_id_passwd(struct cli_id_opts *o)
{
	struct am_identity id, pub;
	struct am_kdf_params cur, next;
	struct am_err e;
	enum am_status s;
	const char *path;
	char *pw = NULL, prompt[300], kid[2 * AM_KEYID_LEN + 1], was[64], now[64];
	size_t pwlen = 0;

	am_err_init(&e);
	am_identity_init(&id);
	am_identity_init(&pub);
	if (o->nargs != 1 || o->dir || o->out || o->shares_given || o->threshold_given)
		return cli_usage_error(o->c, "expected 'passwd FILE' (with --kdf, --passphrase-fd "
				       "or --weak-passphrase-ok)");
	path = o->args[0];
	if (o->co.pass.fd < 0 && getenv("AMANAT_PASSPHRASE") != NULL)
		return cli_usage_error(o->c, "passwd needs two passphrases, the old one and the new "
				       "one, and AMANAT_PASSPHRASE holds one: type them when asked, "
				       "or give them as two lines of --passphrase-fd N");
	s = replaceable(path, &e);
	if (s != AM_OK)
		goto cleanup;
	s = cli_unlock(&o->co.pass, path, &id, &e);
	if (s != AM_OK)
		goto cleanup;
	s = am_keyfile_info(path, &pub, &cur, &e);
	if (s != AM_OK)
		goto cleanup;
	next = cur;
	if (o->lvl_given)
		am_kdf_params_for(o->lvl, &next);
	snprintf(prompt, sizeof(prompt), "new passphrase for %s: ", path);
	s = cli_read_new_pass_prompt(&o->co.pass, id.name, o->weak_ok, prompt, &pw, &pwlen, &e);
	if (s != AM_OK)
		goto cleanup;
	s = am_keyfile_rewrite(path, &id, pw, pwlen, &next, &e);
	if (s != AM_OK)
		goto cleanup;
	am_key_id_hex(kid, id.sign_pk);
	kdf_text(was, sizeof(was), &cur);
	kdf_text(now, sizeof(now), &next);
	printf("%s\n", kid);
	fprintf(stderr, "changed the passphrase of %s (the same keys, key id %s); passphrase "
			"hashing: %s\n", path, kid, now);
	if (next.opslimit < cur.opslimit || next.memlimit < cur.memlimit)
		fprintf(stderr, "amanat: warning: passphrase hashing is now cheaper than it was "
				"(%s): a stolen copy of %s is quicker to guess at\n", was, path);
cleanup:
	am_secure_free(pw);
	am_identity_release(&id);
	am_identity_release(&pub);
	return cli_done(&e, s);
}

/* The creation time as ISO 8601 UTC, or the raw number if it is out of range. */
static void created_text(char buf[32], uint64_t created)
{
	if (created > (uint64_t)INT64_MAX / 1000)
		snprintf(buf, 32, "%llu", (unsigned long long)created);
	else
		cli_time(buf, (int64_t)created * 1000);
}

/* What show prints, for one kind of file or another. */
struct shown {
	const char *kind, *kind_text;
	struct am_identity id;
	struct am_kdf_params kdf; /* secret files only */
	struct am_share share;    /* share files only */
};

/* Text output of show. */
static void show_text(const char *path, const struct shown *w)
{
	char kid[2 * AM_KEYID_LEN + 1], s64[64], b64[64], buf[64];

	am_key_id_hex(kid, w->id.sign_pk);
	am_b64(s64, w->id.sign_pk, AM_SIGN_PK_LEN);
	am_b64(b64, w->id.box_pk, AM_BOX_PK_LEN);
	printf("file:            %s\n", path);
	printf("kind:            %s\n", w->kind_text);
	printf("name:            %s\n", w->id.name);
	printf("key id:          %s\n", kid);
	printf("signing key:     %s (Ed25519)\n", s64);
	printf("decryption key:  %s (X25519)\n", b64);
	if (strcmp(w->kind, "public") != 0) {
		if (w->id.created == 0) {
			printf("created:         not recorded (made before amanat recorded it)\n");
		} else {
			created_text(buf, w->id.created);
			printf("created:         %s\n", buf);
		}
	}
	if (strcmp(w->kind, "secret") == 0) {
		kdf_text(buf, sizeof(buf), &w->kdf);
		printf("passphrase hash: Argon2id, %s\n", buf);
	}
	if (strcmp(w->kind, "share") == 0) {
		am_hex(buf, w->share.split_id, AM_SPLIT_ID_LEN);
		printf("share:           %u of %u; any %u restore the identity\n", w->share.x,
		       w->share.n, w->share.k);
		printf("split:           %s (shares of one split carry the same)\n", buf);
	}
}

/* JSON output of show: one object. */
static void show_json(const char *path, const struct shown *w)
{
	char kid[2 * AM_KEYID_LEN + 1], s64[64], b64[64], split[2 * AM_SPLIT_ID_LEN + 1];
	char when[32];
	const char *lvl;

	am_key_id_hex(kid, w->id.sign_pk);
	am_b64(s64, w->id.sign_pk, AM_SIGN_PK_LEN);
	am_b64(b64, w->id.box_pk, AM_BOX_PK_LEN);
	printf("{\"file\":");
	json_cstr(stdout, path);
	printf(",\"kind\":\"%s\",\"name\":", w->kind);
	json_cstr(stdout, w->id.name);
	printf(",\"key_id\":\"%s\",\"sign_pk\":\"%s\",\"box_pk\":\"%s\"", kid, s64, b64);
	if (strcmp(w->kind, "public") != 0) {
		if (w->id.created == 0) {
			printf(",\"created\":null");
		} else {
			created_text(when, w->id.created);
			printf(",\"created\":\"%s\"", when);
		}
	}
	if (strcmp(w->kind, "secret") == 0) {
		lvl = cli_kdf_level_name(&w->kdf);
		printf(",\"kdf\":{\"alg\":\"argon2id13\",\"opslimit\":%llu,"
		       "\"memlimit\":%llu,\"level\":",
		       (unsigned long long)w->kdf.opslimit, (unsigned long long)w->kdf.memlimit);
		if (lvl)
			printf("\"%s\"}", lvl);
		else
			printf("null}");
	}
	if (strcmp(w->kind, "share") == 0) {
		am_hex(split, w->share.split_id, AM_SPLIT_ID_LEN);
		printf(",\"share\":{\"index\":%u,\"shares\":%u,\"threshold\":%u,\"split\":\"%s\"}",
		       w->share.x, w->share.n, w->share.k, split);
	}
	printf("}\n");
}

int cli_id_show(struct cli_id_opts *o)
{
	struct shown w;
	struct am_err e;
	enum am_status s;
	unsigned char *buf = NULL;
	size_t len = 0;
	const char *path;
	struct stat st;

	am_err_init(&e);
	memset(&w, 0, sizeof(w));
	am_identity_init(&w.id);
	am_share_init(&w.share);
	if (o->nargs != 1 || o->dir || o->out || o->shares_given || o->threshold_given ||
	    o->lvl_given || o->weak_ok || o->co.pass.fd >= 0)
		return cli_usage_error(o->c, "expected 'show FILE' (with --json); show never asks "
				       "for a passphrase");
	path = o->args[0];
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 4 * AM_SHARE_TEXT_MAX) {
		s = am_fail(&e, AM_EINPUT, "%s is not an amanat identity file, public key or "
			    "recovery share (it is far too large)", path);
		goto cleanup;
	}
	s = am_read_small_file(path, 4 * AM_SHARE_TEXT_MAX, &buf, &len, &e);
	if (s != AM_OK)
		goto cleanup;
	if (len >= 4 && memcmp(buf, "AMNK", 4) == 0) {
		w.kind = "secret";
		w.kind_text = "secret identity (keys sealed under a passphrase; .id)";
		s = am_keyfile_info(path, &w.id, &w.kdf, &e);
	} else if (am_share_looks(buf, len)) {
		w.kind = "share";
		w.kind_text = "recovery share of an identity (amanat id recover)";
		s = am_share_parse(path, (const char *)buf, len, &w.share, &e);
		if (s == AM_OK) {
			snprintf(w.id.name, sizeof(w.id.name), "%s", w.share.name);
			memcpy(w.id.sign_pk, w.share.sign_pk, AM_SIGN_PK_LEN);
			memcpy(w.id.box_pk, w.share.box_pk, AM_BOX_PK_LEN);
			w.id.created = w.share.created;
		}
	} else {
		w.kind = "public";
		w.kind_text = "public keys (.pub; safe to hand out)";
		s = am_pub_parse((const char *)buf, len, &w.id, NULL);
		if (s != AM_OK)
			s = am_fail(&e, AM_EINPUT, "%s is not an amanat identity file, public key or "
				    "recovery share", path);
	}
	if (s != AM_OK)
		goto cleanup;
	if (o->co.json)
		show_json(path, &w);
	else
		show_text(path, &w);
cleanup:
	if (buf != NULL)
		am_wipe(buf, len);
	free(buf);
	am_identity_release(&w.id);
	am_share_release(&w.share);
	return cli_done(&e, s);
}
