/*
 * cmd_open_bundle.c — amanat open-bundle: decrypt a bundle made with export
 * --for (an .amanat-sealed file, not a ZIP) into the bundle's ZIP.
 */
#include <string.h>

#include "../bundle/bundle.h"
#include "cli.h"

int cmd_open_bundle(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		{ "output", required_argument, NULL, 'o' },
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("open-bundle");
	struct cli_common co;
	struct am_identity id;
	const char *out = NULL;
	struct am_err e;
	enum am_status s;
	int ch;

	am_err_init(&e);
	am_identity_init(&id);
	cli_common_init(&co);
	while ((ch = cli_getopt(c, argc, argv, "o:", opts, &co)) != -1) {
		if (ch != 'o')
			return EXIT_USAGE; /* cli_getopt has said what is wrong */
		out = optarg;
	}
	if (argc - optind != 1 || co.as == NULL || out == NULL)
		return cli_usage_error(c, "expected FILE.amanat-sealed, --as ID and -o OUT.zip");
	s = cli_unlock(&co.pass, co.as, &id, &e);
	if (s == AM_OK)
		s = am_bundle_decrypt(argv[optind], &id, out, &e);
	am_identity_release(&id);
	if (s != AM_OK)
		return cli_fail(&e, s);
	fprintf(stderr, "decrypted the encrypted bundle %s to %s, the bundle's ZIP; check it with "
		"'amanat verify-bundle %s'\n", argv[optind], out, out);
	return cli_finish(EXIT_OK);
}
