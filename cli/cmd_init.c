/* cmd_init.c — amanat init VAULT: create a vault. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../vault/note.h"
#include "pin.h"

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "as", required_argument, NULL, 'a' },
		{ "recipient", required_argument, NULL, 'r' },
		{ "passphrase-fd", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_cmd *c = cli_find("init");
	struct cli_pass pass = { -1 };
	struct am_identity admin, *recips = NULL;
	const char *as = NULL, *path;
	char **rpaths = NULL, origin[AM_ORIGIN_MAX];
	struct am_pin pin;
	size_t nr = 0;
	struct am_err e;
	enum am_status s = AM_OK;
	int ch;

	am_err_init(&e);
	am_identity_init(&admin);
	rpaths = calloc((size_t)argc, sizeof(*rpaths));
	if (rpaths == NULL)
		return cli_fail(NULL, AM_ENOMEM);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			as = optarg;
			break;
		case 'r':
			rpaths[nr++] = optarg;
			break;
		case 'p':
			if (cli_pass_fd(optarg, &pass) != 0) {
				free(rpaths);
				return cli_usage_error(c, "--passphrase-fd needs a file descriptor number");
			}
			break;
		default:
			free(rpaths);
			return cli_usage_error(c, "unknown option");
		}
	}
	if (argc - optind != 1 || as == NULL) {
		free(rpaths);
		return cli_usage_error(c, argc - optind != 1 ? "expected one VAULT path"
							    : "--as ADMIN.id is required");
	}
	path = argv[optind];
	recips = calloc(nr ? nr : 1, sizeof(*recips));
	if (recips == NULL) {
		s = am_fail(&e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < nr; i++) {
		s = am_public_read(rpaths[i], &recips[i], &e);
		if (s != AM_OK)
			goto cleanup;
	}
	s = cli_unlock(&pass, as, &admin, &e);
	if (s != AM_OK)
		goto cleanup;
	s = am_vault_create(path, &admin, recips, nr, &pin, &e);
	if (s != AM_OK)
		goto cleanup;
	am_origin(origin, pin.vault_id);
	fprintf(stderr, "created vault %s (%s) with admin %s and %zu custodian%s\n", path, origin,
		admin.name, nr ? nr : 1, (nr ? nr : 1) == 1 ? "" : "s");
	s = cli_trust_created(path, &pin, &e);
cleanup:
	am_identity_release(&admin);
	free(recips);
	free(rpaths);
	if (s != AM_OK)
		return cli_fail(&e, s);
	return cli_finish(EXIT_OK);
}
