/* cmd_open_bundle.c — amanat open-bundle: decrypt a bundle made with export --for. */
#include <getopt.h>
#include <string.h>

#include "../bundle/bundle.h"
#include "cli.h"

int cmd_open_bundle(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "as", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "passphrase-fd", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_cmd *c = cli_find("open-bundle");
	struct cli_pass pass = { -1 };
	struct am_identity id;
	const char *as = NULL, *out = NULL;
	struct am_err e;
	enum am_status s;
	int ch;

	am_err_init(&e);
	am_identity_init(&id);
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			as = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			if (cli_pass_fd(optarg, &pass) != 0)
				return cli_usage_error(c, "--passphrase-fd needs a file descriptor number");
			break;
		default:
			return cli_usage_error(c, "unknown option");
		}
	}
	if (argc - optind != 1 || as == NULL || out == NULL)
		return cli_usage_error(c, "expected FILE, --as ID and -o OUT.zip");
	s = cli_unlock(&pass, as, &id, &e);
	if (s == AM_OK)
		s = am_bundle_decrypt(argv[optind], &id, out, &e);
	am_identity_release(&id);
	if (s != AM_OK)
		return cli_fail(&e, s);
	fprintf(stderr, "decrypted to %s; check it with 'amanat verify-bundle %s'\n", out, out);
	return cli_finish(EXIT_OK);
}
