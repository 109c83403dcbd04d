/*
 * pin.c — pin files and opening a vault through them (see pin.h).
 *
 * A pin file is a few lines of text, one file per vault under
 * $XDG_STATE_HOME/amanat/pins/ (docs/FORMAT.md, "local state"):
 *
 *   amanat-pin 1
 *   vault <32 hex>
 *   size <decimal>
 *   root <64 hex>
 *   genesis <64 hex>
 *   path <the vault file's real path>
 *   member <key id> <roles> <name>      (one per current member)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/fsutil.h"
#include "../vault/note.h"
#include "cli.h"
#include "pin.h"
#include "trust.h"

#define PIN_MAX (1u << 20)

void cli_pin_init(struct cli_pin *p)
{
	memset(p, 0, sizeof(*p));
}

void cli_pin_release(struct cli_pin *p)
{
	free(p->path);
	free(p->members);
	cli_pin_init(p);
}

char *cli_pin_file(const unsigned char vid[AM_VAULT_ID_LEN])
{
	char hex[2 * AM_VAULT_ID_LEN + 1], name[2 * AM_VAULT_ID_LEN + 16];

	am_hex(hex, vid, AM_VAULT_ID_LEN);
	snprintf(name, sizeof(name), "pins/%s.pin", hex);
	return cli_state_path(name);
}

/* Parse "KEY VALUE" lines into p; -1 on anything malformed. */
static int parse_pin(char *text, struct cli_pin *p)
{
	char *line, *save = NULL;
	int magic = 0, have = 0;

	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *val = strchr(line, ' ');
		if (val == NULL)
			return -1;
		*val++ = '\0';
		if (strcmp(line, "amanat-pin") == 0) {
			magic = strcmp(val, "1") == 0;
		} else if (strcmp(line, "vault") == 0) {
			if (am_unhex(p->pin.vault_id, AM_VAULT_ID_LEN, val, strlen(val)) != 0)
				return -1;
			p->pin.has_vault_id = 1;
		} else if (strcmp(line, "size") == 0) {
			if (cli_parse_u64(val, &p->pin.size) != 0)
				return -1;
			have |= 1;
		} else if (strcmp(line, "root") == 0) {
			if (am_unhex(p->pin.root, AM_HASH_LEN, val, strlen(val)) != 0)
				return -1;
			have |= 2;
		} else if (strcmp(line, "genesis") == 0) {
			if (am_unhex(p->pin.genesis, AM_HASH_LEN, val, strlen(val)) != 0)
				return -1;
			have |= 4;
		} else if (strcmp(line, "path") == 0) {
			free(p->path);
			if ((p->path = strdup(val)) == NULL)
				return -1;
		} else if (strcmp(line, "member") == 0) {
			struct cli_pinned_member m, *g;
			if (sscanf(val, "%16s %u %64s", m.kid, &m.roles, m.name) != 3)
				return -1;
			g = realloc(p->members, (p->nmembers + 1) * sizeof(*g));
			if (g == NULL)
				return -1;
			p->members = g;
			p->members[p->nmembers++] = m;
		} else {
			return -1;
		}
	}
	/* a pin of a tree needs all of it; a pin of only a vault id has size 0 */
	if (!magic || !p->pin.has_vault_id || (p->pin.size > 0 && have != 7))
		return -1;
	return 0;
}

enum am_status cli_pin_load(const char *file, struct cli_pin *p, int *found, struct am_err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	enum am_status s;

	cli_pin_init(p);
	*found = 0;
	if (access(file, F_OK) != 0)
		return AM_OK;
	s = am_read_small_file(file, PIN_MAX, &buf, &len, e);
	if (s != AM_OK)
		return s;
	if (parse_pin((char *)buf, p) != 0) {
		cli_pin_release(p);
		s = am_fail(e, AM_EINPUT, "%s is damaged; remove it and check the vault's id "
			    "with whoever gave it to you (then 'amanat trust')", file);
	} else {
		*found = 1;
	}
	free(buf);
	return s;
}

enum am_status cli_pin_store(const char *file, const char *vault_path, const struct am_pin *pin,
			     const struct am_members *ms, struct am_err *e)
{
	struct am_newfile f;
	char hex[2 * AM_HASH_LEN + 1], line[PATH_MAX + 64], real[PATH_MAX];
	enum am_status s;

	cli_make_parent(file);
	s = am_newfile_open(&f, file, 0600, 1, e);
	if (s != AM_OK)
		return s;
	am_hex(hex, pin->vault_id, AM_VAULT_ID_LEN);
	snprintf(line, sizeof(line), "amanat-pin 1\nvault %s\nsize %llu\n", hex,
		 (unsigned long long)pin->size);
	s = am_newfile_write(&f, line, strlen(line), e);
	if (s == AM_OK && pin->size > 0) {
		am_hex(hex, pin->root, AM_HASH_LEN);
		snprintf(line, sizeof(line), "root %s\n", hex);
		am_hex(hex, pin->genesis, AM_HASH_LEN);
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "genesis %s\n", hex);
		s = am_newfile_write(&f, line, strlen(line), e);
	}
	if (s == AM_OK && vault_path != NULL && realpath(vault_path, real) != NULL &&
	    strchr(real, '\n') == NULL) {
		snprintf(line, sizeof(line), "path %s\n", real);
		s = am_newfile_write(&f, line, strlen(line), e);
	}
	for (size_t i = 0; s == AM_OK && ms != NULL && i < ms->n; i++) {
		char kid[2 * AM_KEYID_LEN + 1];
		if (ms->m[i].roles == 0)
			continue;
		am_key_id_hex(kid, ms->m[i].sign_pk);
		snprintf(line, sizeof(line), "member %s %u %s\n", kid, ms->m[i].roles, ms->m[i].name);
		s = am_newfile_write(&f, line, strlen(line), e);
	}
	if (s != AM_OK) {
		am_newfile_abort(&f);
		return s;
	}
	return am_newfile_commit(&f, 1, e);
}

/*
 * Every path at which this user used a vault, with the vault's id, in one
 * index ($XDG_STATE_HOME/amanat/paths: lines of "<32 hex> <real path>").  A
 * file that now holds another vault than the one used at its path before is
 * not trusted on first use.  Kept apart from the pins because one vault is
 * used at many paths (a laptop copy, the USB stick).
 */
static char *paths_file(void)
{
	return cli_state_path("paths");
}

/* The vault id recorded for real path `real`; 0 when there is none. */
static int path_vault(const char *real, unsigned char vid[AM_VAULT_ID_LEN])
{
	char *file = paths_file(), *line, *save = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	int found = 0;

	if (file == NULL || access(file, F_OK) != 0 ||
	    am_read_small_file(file, 16u << 20, &buf, &len, NULL) != AM_OK) {
		free(file);
		return 0;
	}
	for (line = strtok_r((char *)buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		/* the last line for a path wins: paths are appended as they are used */
		if (strlen(line) > 2 * AM_VAULT_ID_LEN + 1 && line[2 * AM_VAULT_ID_LEN] == ' ' &&
		    strcmp(line + 2 * AM_VAULT_ID_LEN + 1, real) == 0 &&
		    am_unhex(vid, AM_VAULT_ID_LEN, line, 2 * AM_VAULT_ID_LEN) == 0)
			found = 1;
	}
	free(buf);
	free(file);
	return found;
}

/* Record that the vault vid was used at path (appended; a failure is only a warning). */
static void path_remember(const char *path, const unsigned char vid[AM_VAULT_ID_LEN])
{
	char real[PATH_MAX], hex[2 * AM_VAULT_ID_LEN + 1], *file;
	unsigned char had[AM_VAULT_ID_LEN];
	FILE *f;
	int fd;

	if (realpath(path, real) == NULL || strchr(real, '\n') != NULL ||
	    (path_vault(real, had) && am_equal(had, vid, AM_VAULT_ID_LEN)))
		return;
	if ((file = paths_file()) == NULL)
		return;
	cli_make_parent(file);
	fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "a") : NULL;
	am_hex(hex, vid, AM_VAULT_ID_LEN);
	if (f == NULL || fprintf(f, "%s %s\n", hex, real) < 0 || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0)
		fprintf(stderr, "amanat: warning: cannot record where %s was used, in %s\n", path,
			file);
	if (f != NULL)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	free(file);
}

/* One line per current member, for a first use. */
static void show_members(const struct am_members *ms)
{
	for (size_t i = 0; i < ms->n; i++) {
		char kid[2 * AM_KEYID_LEN + 1], roles[64];
		if (ms->m[i].roles == 0)
			continue;
		am_key_id_hex(kid, ms->m[i].sign_pk);
		am_roles_str(ms->m[i].roles, roles, sizeof(roles));
		fprintf(stderr, "amanat:   %-20s %s  %s\n", ms->m[i].name, kid, roles);
	}
}

/* What changed in the membership since the pin was written. */
static void show_changes(const char *path, const struct cli_pin *was, const struct am_members *ms)
{
	int header = 0;

	for (size_t i = 0; i < ms->n; i++) {
		char kid[2 * AM_KEYID_LEN + 1], roles[64], old[64];
		const struct cli_pinned_member *w = NULL;

		am_key_id_hex(kid, ms->m[i].sign_pk);
		for (size_t j = 0; j < was->nmembers && w == NULL; j++)
			if (strcmp(was->members[j].kid, kid) == 0)
				w = &was->members[j];
		if ((w == NULL ? 0u : w->roles) == ms->m[i].roles)
			continue;
		if (!header++)
			fprintf(stderr, "amanat: %s: members changed since you last used it "
				"(signed entries, verified):\n", path);
		am_roles_str(ms->m[i].roles, roles, sizeof(roles));
		am_roles_str(w ? w->roles : 0, old, sizeof(old));
		if (ms->m[i].roles == 0) {
			cli_member_roles(&ms->m[i], roles, sizeof(roles));
			fprintf(stderr, "amanat:   - %s (%s) %s at entry %llu\n", ms->m[i].name, kid,
				roles, (unsigned long long)ms->m[i].since_seq);
		} else if (w == NULL) {
			fprintf(stderr, "amanat:   + %s (%s) enrolled as %s at entry %llu\n",
				ms->m[i].name, kid, roles, (unsigned long long)ms->m[i].since_seq);
		} else {
			fprintf(stderr, "amanat:   ~ %s (%s) now %s (was %s), entry %llu\n",
				ms->m[i].name, kid, roles, old, (unsigned long long)ms->m[i].since_seq);
		}
	}
}

enum am_status cli_trust_open(struct cli_trust *ct, const char *path, int writable,
			      struct am_err *e)
{
	unsigned char vid[AM_VAULT_ID_LEN], other[AM_VAULT_ID_LEN];
	char origin[AM_ORIGIN_MAX], was[AM_ORIGIN_MAX], real[PATH_MAX];
	struct cli_pin p;
	struct am_pin none;
	int found = 0;
	enum am_status s;

	int quiet = ct->quiet;
	struct am_verify_report *report = ct->report, r;
	const unsigned char *expect = ct->expect;
	const struct am_pin *start = ct->start, *from;

	memset(ct, 0, sizeof(*ct));
	ct->quiet = quiet;
	ct->report = report;
	ct->expect = expect;
	ct->start = start;
	memset(&r, 0, sizeof(r));
	cli_pin_init(&p);
	memset(&none, 0, sizeof(none));
	ct->path = path;
	s = am_vault_open(path, writable, &ct->v, e);
	if (s != AM_OK)
		return s;
	/* which pin to use: by the id the file claims; verification decides the rest */
	if (am_vault_id(ct->v, vid, NULL) != AM_OK) {
		/* never a reason to trust on first use: the file may answer differently next time */
		s = am_fail(e, AM_EVERIFY, "%s: entry 0 (genesis) cannot be read; run 'amanat "
			    "verify'", path);
		goto fail;
	}
	if (expect != NULL && !am_equal(vid, expect, AM_VAULT_ID_LEN)) {
		am_origin(origin, vid);
		am_origin(was, expect);
		s = am_fail(e, AM_EVERIFY, "%s holds the vault %s, not %s", path, origin, was);
		goto fail;
	}
	if ((ct->pinfile = cli_pin_file(vid)) != NULL) {
		s = cli_pin_load(ct->pinfile, &p, &found, e);
		if (s != AM_OK)
			goto fail;
	}
	/* an id given by the person ('amanat trust') pins it: the verification checks it */
	if (!found && expect != NULL) {
		none.has_vault_id = 1;
		memcpy(none.vault_id, expect, AM_VAULT_ID_LEN);
	}
	if (!found && expect == NULL && realpath(path, real) != NULL && path_vault(real, other) &&
	    !am_equal(other, vid, AM_VAULT_ID_LEN)) {
		am_origin(origin, vid);
		am_origin(was, other);
		s = am_fail(e, AM_EVERIFY, "%s held the vault %s when you last used it; it now "
			    "holds %s.  If that is the vault you mean to use, check its id with "
			    "whoever gave it to you, then run 'amanat trust %s --vault %s'",
			    path, was, origin, path, origin);
		goto fail;
	}
	from = found ? &p.pin : &none;
	if (start != NULL && start->size >= from->size)
		from = start;
	s = am_trust_ex(ct->v, from, &ct->t, report ? report : &r, e);
	if (s != AM_OK)
		goto fail;
	/* the id verified must be the one whose pin was used (or that had none) */
	if (!am_equal(am_trusted_vault_id(ct->t), vid, AM_VAULT_ID_LEN)) {
		s = am_fail(e, AM_EVERIFY, "%s: entry 0 reads differently from one moment to the "
			    "next; run 'amanat verify'", path);
		goto fail;
	}
	path_remember(path, vid);
	am_vault_use_trust(ct->v, ct->t);
	ct->saved = found ? p.pin.size : 0;
	if (!ct->quiet) {
		const struct am_members *ms = am_trusted_members(ct->t);
		am_origin(origin, am_trusted_vault_id(ct->t));
		if (!found || p.pin.size == 0) {
			fprintf(stderr, "amanat: %s: first use%s: trusting vault %s, verified from its "
				"genesis (%llu entries), with these members:\n", path,
				found || expect ? " (its id was pinned with 'amanat trust')" : "", origin,
				(unsigned long long)am_trusted_size(ct->t));
			show_members(ms);
			fprintf(stderr, "amanat: compare these key ids with the ones you were given; "
				"from now on this vault must extend what you have seen\n");
		} else {
			show_changes(path, &p, ms);
		}
	}
	/* pin what was just verified, even if the command goes on to fail */
	ct->loaded = found ? p.pin.size : 0;
	if (!found || p.pin.size == 0 || p.nmembers == 0 || ct->saved < am_trusted_size(ct->t))
		ct->saved = (uint64_t)-1; /* force the first save */
	cli_pin_release(&p);
	cli_trust_save(ct);
	return AM_OK;
fail:
	cli_pin_release(&p);
	cli_trust_close(ct);
	return s;
}

enum am_status cli_trust_created(const char *path, const struct am_pin *pin, struct am_err *e)
{
	struct cli_trust ct;
	char *file = cli_pin_file(pin->vault_id);
	enum am_status s = AM_OK;

	if (file == NULL)
		return AM_OK;
	s = cli_pin_store(file, path, pin, NULL, e);
	free(file);
	if (s != AM_OK)
		return s;
	/* verified from the creator's own pin, which records the members too */
	memset(&ct, 0, sizeof(ct));
	ct.quiet = 1;
	s = cli_trust_open(&ct, path, 0, e);
	if (s == AM_OK)
		cli_trust_close(&ct);
	return s;
}

/*
 * May the stored pin be replaced by ours?  Only by a pin that extends it: a
 * pin never moves back, though two amanat processes save theirs in any order.
 */
static int pin_extends(struct cli_trust *ct, const struct am_pin *ours, const struct am_pin *stored)
{
	unsigned char root[AM_HASH_LEN];

	if (stored->size > ours->size)
		return 0; /* another process verified further: keep it */
	if (stored->size <= ct->loaded || stored->size == 0)
		return 1; /* what this process started from, or less */
	/* grown by another process since we opened: it must be a prefix of what we verified */
	if (stored->size == ours->size)
		return am_equal(stored->root, ours->root, AM_HASH_LEN);
	return am_vault_root(ct->v, stored->size, root, NULL) == AM_OK &&
	       am_equal(root, stored->root, AM_HASH_LEN);
}

void cli_trust_save(struct cli_trust *ct)
{
	struct am_pin pin;
	struct cli_pin stored;
	struct am_err e;
	char *lock;
	int fd = -1, found = 0;
	size_t n;

	if (ct->t == NULL || ct->pinfile == NULL)
		return;
	if (ct->saved != (uint64_t)-1 && ct->saved >= am_trusted_size(ct->t))
		return;
	am_err_init(&e);
	am_trusted_pin(ct->t, &pin);
	cli_pin_init(&stored);
	/* read, compare and replace under a lock shared by every amanat of this user */
	n = strlen(ct->pinfile) + 8;
	if ((lock = malloc(n)) != NULL) {
		snprintf(lock, n, "%s.lock", ct->pinfile);
		cli_make_parent(lock);
		fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		free(lock);
	}
	if (fd < 0 || flock(fd, LOCK_EX) != 0) {
		fprintf(stderr, "amanat: warning: cannot lock %s; what was verified is not recorded\n",
			ct->pinfile);
	} else if (cli_pin_load(ct->pinfile, &stored, &found, &e) == AM_OK &&
		   found && !pin_extends(ct, &pin, &stored.pin)) {
		if (stored.pin.size <= pin.size)
			fprintf(stderr, "amanat: warning: %s and the copy another amanat pinned meanwhile "
				"have grown apart (a fork); keeping that pin\n", ct->path);
	} else if (cli_pin_store(ct->pinfile, ct->path, &pin, am_trusted_members(ct->t), &e) !=
		   AM_OK) {
		fprintf(stderr, "amanat: warning: cannot record what was verified: %s\n", e.msg);
	} else {
		ct->saved = pin.size;
	}
	cli_pin_release(&stored);
	if (fd >= 0)
		close(fd); /* and with it the lock */
}

void cli_trust_close(struct cli_trust *ct)
{
	cli_trust_save(ct);
	am_vault_close(ct->v);
	am_trusted_free(ct->t);
	free(ct->pinfile);
	memset(ct, 0, sizeof(*ct));
}

enum am_status cli_open_listing(struct cli_trust *ct, const char *path, const char *as,
				const struct cli_pass *pass, struct am_identity *reader, int which,
				cli_keep_fn keep, void *ctx, unsigned action, struct am_members *ms,
				uint64_t custody[2], struct am_err *e)
{
	enum am_status s = cli_trust_open(ct, path, as != NULL, e);

	if (s == AM_OK)
		s = am_vault_members(ct->t, ms, e);
	if (s == AM_OK && as != NULL) {
		uint64_t *refs = NULL;
		size_t nrefs = 0;
		s = cli_unlock(pass, as, reader, e);
		/* the reading is itself recorded, naming what it reads, before it happens */
		if (s == AM_OK)
			s = cli_entries_of(ct, which, keep, ctx, &refs, &nrefs, e);
		if (s == AM_OK)
			s = am_record_custody(ct->v, ct->t, reader, action, refs, nrefs, NULL, custody,
					      e);
		/* the entries of one record are consecutive, one per AM_CUSTODY_REFS_MAX refs */
		if (s == AM_OK)
			custody[1] = custody[0] +
				     (nrefs == 0 ? 0 : (nrefs - 1) / AM_CUSTODY_REFS_MAX);
		free(refs);
	}
	return s;
}

void cli_show_recipients(const struct am_members *ms)
{
	const char *sep = "amanat: readable only by ";

	for (size_t i = 0; i < ms->n; i++) {
		char kid[2 * AM_KEYID_LEN + 1];
		if (!(ms->m[i].roles & AM_ROLE_CUSTODIAN))
			continue;
		am_key_id_hex(kid, ms->m[i].sign_pk);
		fprintf(stderr, "%s%s (%s)", sep, ms->m[i].name, kid);
		sep = ", ";
	}
	fputc('\n', stderr);
}

enum am_status cli_entries_of(struct cli_trust *ct, int which, cli_keep_fn keep, void *ctx,
			      uint64_t **out, size_t *n, struct am_err *e)
{
	/* the verified size, never the file's own count: it bounds what is allocated */
	uint64_t count = am_trusted_size(ct->t);
	size_t cap = (size_t)count;

	*n = 0;
	enum am_status s;

	*out = malloc((cap ? cap : 1) * sizeof(**out));
	if (*out == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	/* one read transaction: no lock taken and dropped per row */
	s = am_vault_read_begin(ct->v, e);
	for (uint64_t i = 0; s == AM_OK && i < count && *n < cap; i++) {
		struct am_entry_pub p;
		s = am_entry_read_trusted(ct->v, ct->t, i, &p, e);
		if (s != AM_OK)
			break;
		/* an import is read as the field entry it carries; the custody log is this vault's */
		if (am_header_sealed(&p.h) &&
		    (which == 2 || (which == 1 ? p.h.type == AM_T_CUSTODY
					       : am_entry_kind(&p.h) != AM_T_CUSTODY)) &&
		    (keep == NULL || keep(ctx, i, &p.h)))
			(*out)[(*n)++] = i;
		am_entry_pub_release(&p);
	}
	am_vault_read_end(ct->v);
	if (s != AM_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return s;
}
