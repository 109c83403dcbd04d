/* cmd_id.c — amanat id new NAME: create an identity. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cmd_id(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "kdf", required_argument, NULL, 'k' },
		{ "weak-passphrase-ok", no_argument, NULL, 'w' },
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("id");
	struct cli_common co;
	enum am_kdf_level lvl = AM_KDF_MODERATE;
	struct am_identity id;
	struct am_err e;
	enum am_status s;
	const char *dir = ".", *name;
	char *secret_path = NULL, *pub_path = NULL, *pw = NULL;
	char kid[2 * AM_KEYID_LEN + 1];
	size_t pwlen = 0, n;
	int ch, weak_ok = 0;

	am_err_init(&e);
	am_identity_init(&id);
	cli_common_init(&co);
	while ((ch = cli_getopt(c, argc, argv, "", opts, &co)) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'k':
			if (strcmp(optarg, "interactive") == 0)
				lvl = AM_KDF_INTERACTIVE;
			else if (strcmp(optarg, "moderate") == 0)
				lvl = AM_KDF_MODERATE;
			else if (strcmp(optarg, "sensitive") == 0)
				lvl = AM_KDF_SENSITIVE;
			else
				return cli_usage_error(c, "unknown --kdf level '%s': use interactive, "
						       "moderate or sensitive", optarg);
			break;
		case 'w':
			weak_ok = 1;
			break;
		default: /* cli_getopt has said what is wrong */
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2 || strcmp(argv[optind], "new") != 0)
		return cli_usage_error(c, "expected 'new NAME'");
	name = argv[optind + 1];
	if (!am_name_ok(name))
		return cli_usage_error(c, "'%s' is not a valid name: use 1-64 letters, digits, '.', "
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
	s = cli_read_new_pass(&co.pass, name, weak_ok, &pw, &pwlen, &e);
	if (s != AM_OK)
		goto cleanup;
	s = am_identity_generate(&id, name, &e);
	if (s != AM_OK)
		goto cleanup;
	s = am_keyfile_write(secret_path, &id, pw, pwlen, lvl, &e);
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
