/*
 * cmd_id_share.c — amanat id split FILE --shares N --threshold K [--dir DIR]
 * (recovery shares of an identity) and amanat id recover SHARE... --out
 * NEW.id (an identity file with the same keys from enough shares).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../crypto/share.h"
#include "id.h"

/* NAME of FILE: its last part without a final ".id". */
static char *stem_of(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 3 && strcmp(base + n - 3, ".id") == 0)
		n -= 3;
	return strndup(base, n);
}

/* AM_OK when dir is a directory to write in; said otherwise, before any passphrase. */
static enum am_status writable_dir(const char *dir, struct am_err *e)
{
	struct stat st;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return am_fail(e, AM_EINPUT, "%s is not a directory", dir);
	if (access(dir, W_OK) != 0)
		return am_fail(e, AM_EIO, "cannot write in %s: %s", dir, strerror(errno));
	return AM_OK;
}

/* 1 when something (a link included) is at path. */
static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 || errno != ENOENT;
}

int cli_id_split(struct cli_id_opts *o)
{
	struct am_identity id;
	struct am_share *sh = NULL;
	struct am_err e;
	enum am_status s = AM_OK;
	const char *path;
	char **names = NULL, *stem = NULL, kid[2 * AM_KEYID_LEN + 1];
	unsigned n, k, written = 0;

	am_err_init(&e);
	am_identity_init(&id);
	if (o->nargs != 1 || o->out || o->lvl_given || o->weak_ok)
		return cli_usage_error(o->c, "expected 'split FILE --shares N --threshold K' (with "
				       "--dir or --passphrase-fd)");
	if (!o->shares_given || !o->threshold_given)
		return cli_usage_error(o->c, "split needs --shares N and --threshold K");
	if (o->threshold > o->shares)
		return cli_usage_error(o->c, "--threshold %llu is more than --shares %llu: no "
				       "shares could ever restore the identity",
				       (unsigned long long)o->threshold,
				       (unsigned long long)o->shares);
	path = o->args[0];
	n = (unsigned)o->shares;
	k = (unsigned)o->threshold;
	stem = stem_of(path);
	names = calloc(n, sizeof(*names));
	sh = calloc(n, sizeof(*sh));
	if (stem == NULL || names == NULL || sh == NULL) {
		s = am_fail(&e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	/* the directory there and every name free before a passphrase is asked */
	s = writable_dir(o->dir ? o->dir : ".", &e);
	for (unsigned i = 0; i < n && s == AM_OK; i++) {
		if (asprintf(&names[i], "%s%s%s.share-%u", o->dir ? o->dir : "", o->dir ? "/" : "",
			     stem, i + 1) < 0) {
			names[i] = NULL;
			s = am_fail(&e, AM_ENOMEM, "out of memory");
		} else if (exists(names[i])) {
			s = am_fail(&e, AM_EEXIST, "%s already exists; refusing to overwrite it "
				    "(remove the shares of an earlier split, or use --dir)", names[i]);
		}
	}
	if (s != AM_OK)
		goto cleanup;
	s = cli_unlock(&o->co.pass, path, &id, &e);
	if (s != AM_OK)
		goto cleanup;
	s = am_identity_split(&id, n, k, sh, &e);
	for (unsigned i = 0; i < n && s == AM_OK; i++, written++)
		s = am_share_write(names[i], &sh[i], &e);
	if (s != AM_OK) {
		/* a split is whole or absent: fewer shares than asked for are a trap */
		for (unsigned i = 0; i < written; i++)
			unlink(names[i]);
		goto cleanup;
	}
	am_key_id_hex(kid, id.sign_pk);
	for (unsigned i = 0; i < n; i++)
		printf("%s\n", names[i]);
	fprintf(stderr, "wrote %u shares of %s (key id %s): any %u of them restore it with "
			"'amanat id recover', without its passphrase; fewer reveal nothing.  Keep "
			"them apart, with people or places you trust, and keep %s as it is.\n",
		n, id.name, kid, k, path);
cleanup:
	for (unsigned i = 0; names != NULL && i < n; i++)
		free(names[i]);
	for (unsigned i = 0; sh != NULL && i < n; i++)
		am_share_release(&sh[i]);
	free(names);
	free(sh);
	free(stem);
	am_identity_release(&id);
	return cli_done(&e, s);
}

int cli_id_recover(struct cli_id_opts *o)
{
	struct am_identity id;
	struct am_share *sh = NULL;
	struct am_err e;
	enum am_status s = AM_OK;
	char *pw = NULL, prompt[300], kid[2 * AM_KEYID_LEN + 1];
	size_t pwlen = 0;
	unsigned count, left_out = 0;

	am_err_init(&e);
	am_identity_init(&id);
	if (o->nargs < 1 || o->dir || o->shares_given || o->threshold_given)
		return cli_usage_error(o->c, "expected 'recover SHARE... --out NEW.id' (with --kdf, "
				       "--passphrase-fd or --weak-passphrase-ok)");
	if (o->out == NULL)
		return cli_usage_error(o->c, "recover needs --out NEW.id, the identity file to write");
	if (o->nargs > 255)
		return cli_usage_error(o->c, "at most 255 shares");
	count = (unsigned)o->nargs;
	if (exists(o->out)) {
		s = am_fail(&e, AM_EEXIST, "%s already exists; refusing to overwrite it", o->out);
		goto cleanup;
	}
	{
		const char *slash = strrchr(o->out, '/');
		char *dir = slash == NULL ? strdup(".") :
			    strndup(o->out, slash == o->out ? 1 : (size_t)(slash - o->out));
		s = dir ? writable_dir(dir, &e) : am_fail(&e, AM_ENOMEM, "out of memory");
		free(dir);
		if (s != AM_OK)
			goto cleanup;
	}
	sh = calloc(count, sizeof(*sh));
	if (sh == NULL) {
		s = am_fail(&e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (unsigned i = 0; i < count && s == AM_OK; i++)
		s = am_share_read(o->args[i], &sh[i], &e);
	/* the shares are checked, and combined, before a passphrase is asked */
	if (s == AM_OK)
		s = am_identity_recover(sh, (const char *const *)o->args, count, &id, &left_out,
					&e);
	if (s != AM_OK)
		goto cleanup;
	if (left_out < count)
		fprintf(stderr, "amanat: warning: %s does not agree with the other shares and was "
				"left out: it was altered after it was made; do not use it again\n",
			o->args[left_out]);
	snprintf(prompt, sizeof(prompt), "passphrase for %s: ", o->out);
	s = cli_read_new_pass_prompt(&o->co.pass, id.name, o->weak_ok, prompt, &pw, &pwlen, &e);
	if (s != AM_OK)
		goto cleanup;
	s = am_keyfile_write(o->out, &id, pw, pwlen, o->lvl, &e);
	if (s != AM_OK)
		goto cleanup;
	am_key_id_hex(kid, id.sign_pk);
	printf("%s\n", kid);
	fprintf(stderr, "restored %s (key id %s) into %s, under the new passphrase\n", id.name,
		kid, o->out);
cleanup:
	for (unsigned i = 0; sh != NULL && i < count; i++)
		am_share_release(&sh[i]);
	free(sh);
	am_secure_free(pw);
	am_identity_release(&id);
	return cli_done(&e, s);
}
