/* cmd_checkpoint.c — amanat checkpoint: sign and print the current tree head. */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "pin.h"
#include "trust.h"

int cmd_checkpoint(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "as", required_argument, NULL, 'a' },
		{ "passphrase-fd", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_cmd *c = cli_find("checkpoint");
	struct cli_pass pass = { -1 };
	struct am_identity id;
	struct am_checkpoint cp;
	struct cli_trust ct;
	const char *as = NULL;
	struct am_err e;
	enum am_status s;
	int ch;

	am_err_init(&e);
	am_identity_init(&id);
	memset(&cp, 0, sizeof(cp));
	memset(&ct, 0, sizeof(ct));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			as = optarg;
			break;
		case 'p':
			if (cli_pass_fd(optarg, &pass) != 0)
				return cli_usage_error(c, "--passphrase-fd needs a file descriptor number");
			break;
		default:
			return cli_usage_error(c, "unknown option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(c, "expected one VAULT");
	if (as == NULL)
		return cli_usage_error(c, "--as ID is required: a checkpoint is signed");
	s = cli_trust_open(&ct, argv[optind], 1, &e);
	if (s == AM_OK)
		s = cli_unlock(&pass, as, &id, &e);
	if (s == AM_OK)
		s = am_vault_checkpoint(ct.v, ct.t, &id, &cp, &e);
	if (s == AM_OK)
		fwrite(cp.text, 1, cp.len, stdout);
	am_checkpoint_release(&cp);
	am_identity_release(&id);
	cli_trust_close(&ct);
	if (s != AM_OK)
		return cli_fail(&e, s);
	return cli_finish(EXIT_OK);
}
