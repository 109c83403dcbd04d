/*
 * opts.c — the options every command parses the same way (--as, --json,
 * --passphrase-fd, --purpose), so that a command's own loop holds only what
 * is its own and every command words their errors alike.
 */
#include <getopt.h>

#include "cli.h"

void cli_common_init(struct cli_common *co)
{
	co->as = NULL;
	co->purpose = NULL;
	co->json = 0;
	co->pass.fd = -1;
}

int cli_getopt(const struct cli_cmd *c, int argc, char **argv, const char *shortopts,
	       const struct option *opts, struct cli_common *co)
{
	int ch;

	while ((ch = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		switch (ch) {
		case CLI_AS:
			co->as = optarg;
			break;
		case CLI_JSON:
			co->json = 1;
			break;
		case CLI_PASSPHRASE_FD:
			if (cli_pass_fd(optarg, &co->pass) != 0) {
				cli_usage_error(c, "--passphrase-fd needs a file descriptor number");
				return '?';
			}
			break;
		case CLI_PURPOSE:
			co->purpose = optarg;
			break;
		case '?':
			/* getopt_long has named the option; say which command's usage applies */
			cli_usage_error(c, "unknown option");
			return '?';
		default:
			return ch;
		}
	}
	return -1;
}

int cli_options(const struct cli_cmd *c, int argc, char **argv, const struct option *opts,
		struct cli_common *co)
{
	if (co != NULL)
		cli_common_init(co);
	/* every option in opts is common, so anything returned is an error already said */
	if (cli_getopt(c, argc, argv, "", opts, co) != -1)
		return EXIT_USAGE;
	return 0;
}
