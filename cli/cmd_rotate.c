/*
 * cmd_rotate.c — amanat rotate: replace a member's keys by new ones, the
 * roles moving with them (docs/FORMAT.md §24).
 */
#include <string.h>

#include "cli.h"
#include "pin.h"

int cmd_rotate(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("rotate");
	struct cli_common co;
	struct am_identity signer, old, neu;
	const struct am_member *was;
	struct cli_trust ct;
	char kid[2 * AM_KEYID_LEN + 1];
	unsigned roles = 0;
	struct am_err e;
	enum am_status s;
	uint64_t seq = 0;

	am_err_init(&e);
	am_identity_init(&signer);
	am_identity_init(&old);
	am_identity_init(&neu);
	memset(&ct, 0, sizeof(ct));
	if (cli_options(c, argc, argv, opts, &co) != 0)
		return EXIT_USAGE;
	if (argc - optind != 3)
		return cli_usage_error(c, "expected VAULT, OLD.id and NEW.pub");
	if (co.as == NULL)
		return cli_usage_error(c, "--as ADMIN.id is required (or --as NEW.id for an admin's "
				       "own key)");
	s = cli_public_read(argv[optind + 2], &neu, &e);
	if (s == AM_OK)
		s = cli_trust_open(&ct, argv[optind], 1, &e);
	if (s == AM_OK)
		s = cli_unlock(&co.pass, argv[optind + 1], &old, &e);
	if (s == AM_OK)
		s = cli_unlock(&co.pass, co.as, &signer, &e);
	if (s == AM_OK) {
		was = am_members_find(am_trusted_members(ct.t), old.sign_pk);
		roles = was != NULL ? was->roles : 0;
		s = am_rotate(ct.v, ct.t, &signer, &old, &neu, &seq, &e);
	}
	if (s == AM_OK) {
		am_key_id_hex(kid, neu.sign_pk);
		printf("%llu\n", (unsigned long long)seq);
		fprintf(stderr, "rotated %s to the new key %s in entry %llu; the old key is retired\n",
			old.name, kid, (unsigned long long)seq);
		if (roles & AM_ROLE_CUSTODIAN) {
			/* the new secret file is most likely beside its .pub */
			const char *np = argv[optind + 2];
			size_t nl = strlen(np);
			int pub = nl > 4 && strcmp(np + nl - 4, ".pub") == 0;
			fprintf(stderr, "the new key reads only what is sealed from now on until the "
				"rest is handed over:\n  amanat rewrap %s --to %s --as %.*s%s --key %s "
				"--all\n", argv[optind], np, pub ? (int)(nl - 4) : 3,
				pub ? np : "NEW", ".id", argv[optind + 1]);
		}
	}
	cli_trust_close(&ct);
	am_identity_release(&signer);
	am_identity_release(&old);
	return cli_done(&e, s);
}
