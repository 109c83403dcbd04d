/* cmd_init.c — amanat init VAULT: create a vault. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../vault/note.h"
#include "pin.h"

int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		{ "recipient", required_argument, NULL, 'r' },
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("init");
	struct cli_common co;
	struct am_identity admin, *recips = NULL;
	const char *path;
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
	cli_common_init(&co);
	while ((ch = cli_getopt(c, argc, argv, "", opts, &co)) != -1) {
		if (ch != 'r') {
			free(rpaths);
			return EXIT_USAGE; /* cli_getopt has said what is wrong */
		}
		rpaths[nr++] = optarg;
	}
	if (argc - optind != 1 || co.as == NULL) {
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
		s = cli_public_read(rpaths[i], &recips[i], &e);
		if (s != AM_OK)
			goto cleanup;
	}
	s = cli_unlock(&co.pass, co.as, &admin, &e);
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
	return cli_done(&e, s);
}
