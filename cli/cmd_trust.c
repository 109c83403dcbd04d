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
	struct cli_pin p;
	struct am_pin pin;
	const char *want = NULL;
	struct am_err e;
	enum am_status s = AM_OK;
	int ch, found = 0;

	am_err_init(&e);
	cli_pin_init(&p);
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
	file = cli_pin_file(vid);
	if (file == NULL) {
		s = am_fail(&e, AM_EINPUT, "no state directory to keep the pin in (HOME is not set)");
		goto done;
	}
	/* a file that does not even claim to be that vault is refused before any pin is made */
	{
		struct am_vault *v = NULL;
		unsigned char claimed[AM_VAULT_ID_LEN];
		s = am_vault_open(argv[optind], 0, &v, &e);
		if (s == AM_OK && am_vault_id(v, claimed, NULL) == AM_OK &&
		    !am_equal(claimed, vid, AM_VAULT_ID_LEN)) {
			char got[AM_ORIGIN_MAX];
			am_origin(got, claimed);
			s = am_fail(&e, AM_EVERIFY, "%s holds the vault %s, not %s", argv[optind], got,
				    origin);
		}
		am_vault_close(v);
		if (s != AM_OK)
			goto done;
	}
	s = cli_pin_load(file, &p, &found, &e);
	if (s != AM_OK)
		goto done;
	if (!found) {
		/* only the id: the first use below verifies from genesis against it */
		memset(&pin, 0, sizeof(pin));
		pin.has_vault_id = 1;
		memcpy(pin.vault_id, vid, AM_VAULT_ID_LEN);
		s = cli_pin_store(file, NULL, &pin, NULL, &e);
		if (s != AM_OK)
			goto done;
	}
	s = cli_trust_open(&ct, argv[optind], 0, &e);
	if (s == AM_OK && !am_equal(am_trusted_vault_id(ct.t), vid, AM_VAULT_ID_LEN)) {
		char got[AM_ORIGIN_MAX];
		am_origin(got, am_trusted_vault_id(ct.t));
		s = am_fail(&e, AM_EVERIFY, "%s holds the vault %s, not %s", argv[optind], got, origin);
	}
	if (s != AM_OK) {
		/* a pin made only now must not outlive a refusal */
		if (!found)
			remove(file);
		goto done;
	}
	printf("%s: %s, %llu entries verified; pinned\n", argv[optind], origin,
	       (unsigned long long)am_trusted_size(ct.t));
done:
	if (ct.v != NULL)
		cli_trust_close(&ct);
	cli_pin_release(&p);
	free(file);
	return cli_done(&e, s);
}
