/*
 * cmd_id.c — amanat id: its options, parsed once for every subcommand, and
 * 'id new NAME' (create an identity).  The others: cmd_id_keys.c (passwd,
 * show) and cmd_id_share.c (split, recover).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "id.h"

const char *cli_kdf_level_name(const struct am_kdf_params *p)
{
	static const char *const names[] = { "interactive", "moderate", "sensitive" };
	static const enum am_kdf_level lvls[] = { AM_KDF_INTERACTIVE, AM_KDF_MODERATE,
						  AM_KDF_SENSITIVE };

	for (size_t i = 0; i < 3; i++) {
		struct am_kdf_params q;
		am_kdf_params_for(lvls[i], &q);
		if (q.opslimit == p->opslimit && q.memlimit == p->memlimit)
			return names[i];
	}
	return NULL;
}

/* id new NAME: fresh keys, NAME.id sealed under a new passphrase, NAME.pub. */
static int id_new(struct cli_id_opts *o)
{
	struct am_identity id;
	struct am_err e;
	enum am_status s;
	const char *dir = o->dir ? o->dir : ".", *name;
	char *secret_path = NULL, *pub_path = NULL, *pw = NULL;
	char kid[2 * AM_KEYID_LEN + 1];
	size_t pwlen = 0, n;

	am_err_init(&e);
	am_identity_init(&id);
	if (o->nargs != 1 || o->out || o->shares_given || o->threshold_given)
		return cli_usage_error(o->c, "expected 'new NAME' (with --dir, --kdf, "
				       "--passphrase-fd or --weak-passphrase-ok)");
	name = o->args[0];
	if (!am_name_ok(name))
		return cli_usage_error(o->c, "'%s' is not a valid name: use 1-64 letters, digits, '.', "
				       "'_' or '-'", name);
	n = strlen(dir) + strlen(name) + 8;
	secret_path = malloc(n);
	pub_path = malloc(n);
	if (secret_path == NULL || pub_path == NULL) {
		s = am_fail(&e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	snprintf(secret_path, n, "%s/%s.id", dir, name);
	snprintf(pub_path, n, "%s/%s.pub", dir, name);
	/* check both names before asking for a passphrase or making keys */
	if (access(secret_path, F_OK) == 0 || access(pub_path, F_OK) == 0) {
		s = am_fail(&e, AM_EEXIST, "%s already exists; refusing to overwrite it",
			    access(secret_path, F_OK) == 0 ? secret_path : pub_path);
		goto cleanup;
	}
	s = cli_read_new_pass(&o->co.pass, name, o->weak_ok, &pw, &pwlen, &e);
	if (s != AM_OK)
		goto cleanup;
	s = am_identity_generate(&id, name, &e);
	if (s != AM_OK)
		goto cleanup;
	s = am_keyfile_write(secret_path, &id, pw, pwlen, o->lvl, &e);
	if (s != AM_OK)
		goto cleanup;
	s = am_pubfile_write(pub_path, &id, &e);
	if (s != AM_OK) {
		/* without its public half a fresh secret file is useless: undo it */
		unlink(secret_path);
		goto cleanup;
	}
	am_key_id_hex(kid, id.sign_pk);
	printf("%s\n", kid);
	fprintf(stderr, "created %s (secret, keep it safe) and %s (public, give it to the vault's "
			"admin)\n", secret_path, pub_path);
cleanup:
	am_secure_free(pw);
	am_identity_release(&id);
	free(secret_path);
	free(pub_path);
	return cli_done(&e, s);
}

/* A count option (--shares, --threshold): 1..255, or a usage error. */
static int count_arg(const struct cli_cmd *c, const char *opt, const char *arg, uint64_t *v)
{
	if (cli_parse_u64(arg, v) != 0 || *v < 2 || *v > 255) {
		cli_usage_error(c, "%s must be a number from 2 to 255, not '%s'", opt, arg);
		return -1;
	}
	return 0;
}

int cmd_id(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "kdf", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "shares", required_argument, NULL, 'n' },
		{ "threshold", required_argument, NULL, 't' },
		{ "weak-passphrase-ok", no_argument, NULL, 'w' },
		CLI_OPT_JSON,
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	struct cli_id_opts o;
	const char *sub;
	int ch, rc;

	memset(&o, 0, sizeof(o));
	o.c = cli_find("id");
	o.lvl = AM_KDF_MODERATE;
	cli_common_init(&o.co);
	while ((ch = cli_getopt(o.c, argc, argv, "", opts, &o.co)) != -1) {
		switch (ch) {
		case 'd':
			o.dir = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'k':
			o.lvl_given = 1;
			if (strcmp(optarg, "interactive") == 0)
				o.lvl = AM_KDF_INTERACTIVE;
			else if (strcmp(optarg, "moderate") == 0)
				o.lvl = AM_KDF_MODERATE;
			else if (strcmp(optarg, "sensitive") == 0)
				o.lvl = AM_KDF_SENSITIVE;
			else
				return cli_usage_error(o.c, "unknown --kdf level '%s': use interactive, "
						       "moderate or sensitive", optarg);
			break;
		case 'n':
			if (count_arg(o.c, "--shares", optarg, &o.shares) != 0)
				return EXIT_USAGE;
			o.shares_given = 1;
			break;
		case 't':
			if (count_arg(o.c, "--threshold", optarg, &o.threshold) != 0)
				return EXIT_USAGE;
			o.threshold_given = 1;
			break;
		case 'w':
			o.weak_ok = 1;
			break;
		default: /* cli_getopt has said what is wrong */
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 1)
		return cli_usage_error(o.c, "expected new, passwd, show, split or recover");
	sub = argv[optind];
	o.args = argv + optind + 1;
	o.nargs = argc - optind - 1;
	if (o.co.json && strcmp(sub, "show") != 0)
		return cli_usage_error(o.c, "--json is for 'id show' only");
	if (strcmp(sub, "new") == 0)
		rc = id_new(&o);
	else if (strcmp(sub, "passwd") == 0)
		rc = cli_id_passwd(&o);
	else if (strcmp(sub, "show") == 0)
		rc = cli_id_show(&o);
	else if (strcmp(sub, "split") == 0)
		rc = cli_id_split(&o);
	else if (strcmp(sub, "recover") == 0)
		rc = cli_id_recover(&o);
	else
		rc = cli_usage_error(o.c, "unknown 'id %s': expected new, passwd, show, split or "
				     "recover", sub);
	return rc;
}
