/* cmd_checkpoint.c — amanat checkpoint: sign and print the current tree head. */
#include <string.h>

#include "cli.h"
#include "pin.h"
#include "trust.h"

int cmd_checkpoint(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("checkpoint");
	struct cli_common co;
	struct am_identity id;
	struct am_checkpoint cp;
	struct cli_trust ct;
	struct am_err e;
	enum am_status s;

	am_err_init(&e);
	am_identity_init(&id);
	memset(&cp, 0, sizeof(cp));
	memset(&ct, 0, sizeof(ct));
	if (cli_options(c, argc, argv, opts, &co) != 0)
		return EXIT_USAGE;
	if (argc - optind != 1)
		return cli_usage_error(c, "expected one VAULT");
	if (co.as == NULL)
		return cli_usage_error(c, "--as ID is required: a checkpoint is signed");
	s = cli_trust_open(&ct, argv[optind], 1, &e);
	if (s == AM_OK)
		s = cli_unlock(&co.pass, co.as, &id, &e);
	if (s == AM_OK)
		s = am_vault_checkpoint(ct.v, ct.t, &id, &cp, &e);
	if (s == AM_OK)
		fwrite(cp.text, 1, cp.len, stdout);
	am_checkpoint_release(&cp);
	am_identity_release(&id);
	cli_trust_close(&ct);
	return cli_done(&e, s);
}
