/* cmd_trust.c — amanat trust: pin a vault's id, or show what is pinned. */
#include <stdlib.h>
#include <string.h>

#include "../vault/note.h"
#include "cli.h"
#include "pin.h"
#include "trust.h"

int cmd_trust(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vault", required_argument, NULL, 'v' },
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("trust");
	unsigned char vid[AM_VAULT_ID_LEN];
	char origin[AM_ORIGIN_MAX], *file = NULL;
	struct cli_trust ct;
	const char *want = NULL;
	struct am_err e;
	enum am_status s = AM_OK;
	int ch;

	am_err_init(&e);
	memset(&ct, 0, sizeof(ct));
	while ((ch = cli_getopt(c, argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'v')
			return EXIT_USAGE; /* cli_getopt has said what is wrong */
		want = optarg;
	}
	if (argc - optind != 1)
		return cli_usage_error(c, "expected one VAULT");
	if (want == NULL)
		return cli_usage_error(c, "--vault amanat/<id> is required: the id you were given");
	if (cli_parse_vault_id(want, vid) != 0)
		return cli_usage_error(c, "--vault needs amanat/ and 32 hex digits, got '%s'", want);
	am_origin(origin, vid);
	if ((file = cli_pin_file(vid)) == NULL) {
		s = am_fail(&e, AM_EINPUT, "no state directory to keep the pin in (HOME is not set)");
		goto done;
	}
	/* nothing is pinned unless the file holds that vault and verifies */
	ct.expect = vid;
	s = cli_trust_open(&ct, argv[optind], 0, &e);
	if (s != AM_OK)
		goto done;
	if (ct.saved != am_trusted_size(ct.t)) {
		s = am_fail(&e, AM_EIO, "%s verifies, but the pin could not be recorded in %s",
			    argv[optind], file);
		cli_trust_close(&ct);
		goto done;
	}
	printf("%s: %s, %llu entries verified; pinned\n", argv[optind], origin,
	       (unsigned long long)am_trusted_size(ct.t));
	cli_trust_close(&ct);
done:
	free(file);
	return cli_done(&e, s);
}
