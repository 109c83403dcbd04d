/*
 * trust.c — what the transparency subcommands share: verifier keys from
 * arguments, the vault's member keys, trusted checkpoints, and the small
 * state files in which auditors and witnesses remember what they have seen.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/fsutil.h"
#include "trust.h"

int cli_key_is_file(const char *arg)
{
	/* a verifier key string has two '+'; anything else is a key file */
	return strchr(arg, '+') == NULL || access(arg, F_OK) == 0;
}

int cli_parse_vault_id(const char *arg, unsigned char vid[AM_VAULT_ID_LEN])
{
	if (strncmp(arg, "amanat/", 7) == 0)
		arg += 7;
	if (strlen(arg) != 2 * AM_VAULT_ID_LEN || am_unhex(vid, AM_VAULT_ID_LEN, arg, strlen(arg)) != 0)
		return -1;
	return 0;
}

int cli_parse_origin(const char *arg, char origin[AM_ORIGIN_MAX])
{
	unsigned char vid[AM_VAULT_ID_LEN];

	if (cli_parse_vault_id(arg, vid) != 0)
		return -1;
	am_origin(origin, vid);
	return 0;
}

int cli_keys_vault(const struct cli_cmd *c, const char *opt, const char *const *keys, size_t n,
		   const char *vault, char origin[AM_ORIGIN_MAX])
{
	origin[0] = '\0';
	if (vault != NULL && cli_parse_origin(vault, origin) != 0)
		return cli_usage_error(c, "--vault needs amanat/ and the vault's 32 hex digits, got "
				       "'%s'", vault);
	for (size_t i = 0; vault == NULL && i < n; i++)
		if (cli_key_is_file(keys[i]))
			return cli_usage_error(c, "a .pub given as %s pins no vault: add --vault "
					       "amanat/<id> (the id you were given with the key), or give "
					       "the verifier key from 'amanat verifier-key', which names it",
					       opt);
	return 0;
}

enum am_status cli_key_arg(const char *arg, const char *name, uint8_t type, struct am_vkey *k,
			   struct am_err *e)
{
	struct am_identity id;
	enum am_status s;

	if (!cli_key_is_file(arg)) {
		s = am_vkey_parse(arg, k, e);
		/* a log key is not a witness key, nor the other way round */
		if (s == AM_OK && k->type != type)
			s = am_fail(e, AM_EINPUT, "%s is a %s key, not a %s key", k->name,
				    k->type == AM_NOTE_COSIG ? "witness" : "log",
				    type == AM_NOTE_COSIG ? "witness" : "log");
		return s;
	}
	s = cli_public_read(arg, &id, e);
	if (s != AM_OK)
		return s;
	am_vkey_make(k, name != NULL ? name : id.name, type, id.sign_pk);
	return AM_OK;
}

enum am_status cli_member_keys(const struct am_trusted *t, const char *origin,
			       struct am_vkey **keys, size_t *n, struct am_err *e)
{
	struct am_members ms;
	enum am_status s = am_vault_members(t, &ms, e);

	*keys = NULL;
	*n = 0;
	if (s != AM_OK)
		return s;
	*keys = calloc(ms.n ? ms.n : 1, sizeof(**keys));
	if (*keys == NULL) {
		am_members_release(&ms);
		return am_fail(e, AM_ENOMEM, "out of memory");
	}
	/* a revoked key may be in an attacker's hands: its checkpoints no longer count */
	for (size_t i = 0; i < ms.n; i++)
		if (ms.m[i].roles != 0)
			am_vkey_make(&(*keys)[(*n)++], origin, AM_NOTE_ED25519, ms.m[i].sign_pk);
	am_members_release(&ms);
	return AM_OK;
}

enum am_status cli_read_checkpoint(const char *path, struct am_checkpoint *c, struct am_err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	enum am_status s = am_read_small_file(path, AM_NOTE_MAX, &buf, &len, e);

	if (s != AM_OK)
		return s;
	s = am_checkpoint_parse((const char *)buf, len, c, NULL);
	if (s != AM_OK)
		s = am_fail(e, s, "%s is not a valid checkpoint", path);
	free(buf);
	return s;
}

enum am_status cli_trust_checkpoint(const struct am_trusted *t, const char *path,
				    const struct am_vkey *witnesses, size_t nwit, size_t quorum,
				    struct am_checkpoint *c, struct am_err *e)
{
	char origin[AM_ORIGIN_MAX];
	struct am_vkey *keys = NULL;
	size_t nkeys = 0;
	enum am_status s;
	int valid;

	s = cli_read_checkpoint(path, c, e);
	if (s != AM_OK)
		return s;
	am_origin(origin, am_trusted_vault_id(t));
	if (strcmp(c->origin, origin) != 0) {
		s = am_fail(e, AM_EVERIFY, "%s is a checkpoint of %s, not of this vault (%s)", path,
			    c->origin, origin);
		goto fail;
	}
	s = cli_member_keys(t, origin, &keys, &nkeys, e);
	if (s != AM_OK)
		goto fail;
	valid = am_note_count_valid(c, keys, nkeys, NULL);
	free(keys);
	if (valid <= 0) {
		s = am_fail(e, AM_EVERIFY, "%s: no valid signature by a member of this vault%s", path,
			    valid < 0 ? " (a signature by a member does not verify)" : "");
		goto fail;
	}
	if (nwit > 0) {
		valid = am_note_count_valid(c, witnesses, nwit, NULL);
		if (valid < 0 || (size_t)valid < quorum) {
			s = am_fail(e, AM_EVERIFY, "%s: %d valid witness cosignature%s, %zu required", path,
				    valid < 0 ? 0 : valid, valid == 1 ? "" : "s", quorum);
			goto fail;
		}
	}
	return AM_OK;
fail:
	am_checkpoint_release(c);
	return s;
}

/* ---- state files ------------------------------------------------------ */

void cli_state_release(struct cli_state *st)
{
	free(st->v);
	free(st->path);
	memset(st, 0, sizeof(*st));
}

char *cli_state_path(const char *file)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	size_t n;
	char *p;

	if ((xdg == NULL || *xdg == '\0') && (home == NULL || *home == '\0'))
		return NULL;
	n = strlen(xdg && *xdg ? xdg : home) + strlen(file) + 32;
	p = malloc(n);
	if (p == NULL)
		return NULL;
	if (xdg && *xdg)
		snprintf(p, n, "%s/amanat/%s", xdg, file);
	else
		snprintf(p, n, "%s/.local/state/amanat/%s", home, file);
	return p;
}

enum am_status cli_state_load(const char *path, const char *def, struct cli_state *st,
			      struct am_err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	enum am_status s;
	char *p, *line, *save = NULL;

	memset(st, 0, sizeof(*st));
	st->path = path ? strdup(path) : cli_state_path(def);
	if (st->path == NULL)
		return am_fail(e, AM_EINPUT, "no state file: give --state FILE (HOME is not set)");
	if (access(st->path, F_OK) != 0)
		return AM_OK; /* nothing remembered yet */
	s = am_read_small_file(st->path, 1 << 20, &buf, &len, e);
	if (s != AM_OK)
		return s;
	p = (char *)buf;
	p[len] = '\0';
	for (line = strtok_r(p, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		struct cli_state_entry en, *g;
		char origin[AM_ORIGIN_MAX], root[64], num[32];
		uint64_t size = 0;

		memset(&en, 0, sizeof(en));
		if (line[0] == '#')
			continue;
		/* a strict decimal: sscanf's %llu would read "-1" as 2^64-1 */
		if (sscanf(line, "%127s %31s %63s", origin, num, root) != 3 ||
		    cli_parse_u64(num, &size) != 0 ||
		    am_unb64(en.root, AM_HASH_LEN, root, strlen(root)) != 0) {
			free(buf);
			cli_state_release(st);
			return am_fail(e, AM_EINPUT, "%s is damaged; fix or remove it", path ? path : def);
		}
		snprintf(en.origin, sizeof(en.origin), "%s", origin);
		en.size = size;
		g = realloc(st->v, (st->n + 1) * sizeof(*g));
		if (g == NULL) {
			free(buf);
			cli_state_release(st);
			return am_fail(e, AM_ENOMEM, "out of memory");
		}
		st->v = g;
		st->v[st->n++] = en;
	}
	free(buf);
	return AM_OK;
}

struct cli_state_entry *cli_state_find(struct cli_state *st, const char *origin)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->v[i].origin, origin) == 0)
			return &st->v[i];
	return NULL;
}

enum am_status cli_state_set(struct cli_state *st, const char *origin, uint64_t size,
			     const unsigned char root[AM_HASH_LEN], struct am_err *e)
{
	struct cli_state_entry *en = cli_state_find(st, origin);

	if (en == NULL) {
		struct cli_state_entry *g = realloc(st->v, (st->n + 1) * sizeof(*g));
		if (g == NULL)
			return am_fail(e, AM_ENOMEM, "out of memory");
		st->v = g;
		en = &st->v[st->n++];
		memset(en, 0, sizeof(*en));
		snprintf(en->origin, sizeof(en->origin), "%s", origin);
	}
	en->size = size;
	memcpy(en->root, root, AM_HASH_LEN);
	return AM_OK;
}

void cli_make_parent(const char *path)
{
	char *d = strdup(path), *p;

	if (d == NULL)
		return;
	for (p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(d, 0700);
		*p = '/';
	}
	free(d);
}

enum am_status cli_state_save(const struct cli_state *st, struct am_err *e)
{
	struct am_newfile f;
	enum am_status s;
	char line[AM_ORIGIN_MAX + 96], b64[64];

	cli_make_parent(st->path);
	s = am_newfile_open(&f, st->path, 0600, 1, e);
	if (s != AM_OK)
		return s;
	s = am_newfile_write(&f, "# amanat: the last verified tree of each vault (origin size root)\n",
			     66, e);
	for (size_t i = 0; s == AM_OK && i < st->n; i++) {
		am_b64(b64, st->v[i].root, AM_HASH_LEN);
		snprintf(line, sizeof(line), "%s %llu %s\n", st->v[i].origin,
			 (unsigned long long)st->v[i].size, b64);
		s = am_newfile_write(&f, line, strlen(line), e);
	}
	if (s != AM_OK) {
		am_newfile_abort(&f);
		return s;
	}
	return am_newfile_commit(&f, 1, e);
}
