/* cmd_verifier_key.c — amanat verifier-key: an identity's C2SP note verifier key. */
#include <string.h>

#include "cli.h"
#include "pin.h"
#include "trust.h"

int cmd_verifier_key(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "witness", no_argument, NULL, 'w' },
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("verifier-key");
	char origin[AM_ORIGIN_MAX], out[300];
	struct am_identity id;
	struct am_vkey k;
	struct cli_trust ct;
	struct am_err e;
	enum am_status s;
	int witness = 0, ch;

	am_err_init(&e);
	while ((ch = cli_getopt(c, argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'w')
			return EXIT_USAGE; /* cli_getopt has said what is wrong */
		witness = 1;
	}
	if (witness) {
		if (argc - optind != 1)
			return cli_usage_error(c, "--witness takes only PUB");
		s = cli_public_read(argv[optind], &id, &e);
		if (s != AM_OK)
			return cli_fail(&e, s);
		am_vkey_make(&k, id.name, AM_NOTE_COSIG, id.sign_pk);
	} else {
		if (argc - optind != 2)
			return cli_usage_error(c, "expected VAULT and PUB");
		s = cli_public_read(argv[optind + 1], &id, &e);
		/* a key handed to a court names the vault as verified here, not as the file says */
		memset(&ct, 0, sizeof(ct));
		if (s == AM_OK)
			s = cli_trust_open(&ct, argv[optind], 0, &e);
		if (s == AM_OK) {
			am_origin(origin, am_trusted_vault_id(ct.t));
			cli_trust_close(&ct);
		}
		if (s != AM_OK)
			return cli_fail(&e, s);
		am_vkey_make(&k, origin, AM_NOTE_ED25519, id.sign_pk);
	}
	am_vkey_format(&k, out, sizeof(out));
	printf("%s\n", out);
	return cli_finish(EXIT_OK);
}
