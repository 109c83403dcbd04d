/* cmd_push.c — amanat push: a field vault's new entries, into a transfer packet. */
#include <string.h>

#include "../common/fsutil.h"
#include "../transfer/transfer.h"
#include "cli.h"
#include "pin.h"

static int run_push(int argc, char **argv, struct cli_common *co)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		{ "to", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("push");
	unsigned char mid[AM_VAULT_ID_LEN];
	char forigin[AM_ORIGIN_MAX], morigin[AM_ORIGIN_MAX];
	const char *to = NULL, *path = NULL;
	struct am_push_result res;
	struct am_identity id;
	struct am_output out;
	struct cli_trust ct;
	struct am_err e;
	enum am_status s;
	int ch, force = 0, opened = 0;

	am_err_init(&e);
	am_identity_init(&id);
	memset(&ct, 0, sizeof(ct));
	while ((ch = cli_getopt(c, argc, argv, "o:", opts, co)) != -1) {
		if (ch == 't')
			to = optarg;
		else if (ch == 'o')
			path = optarg;
		else if (ch == 'f')
			force = 1;
		else
			return EXIT_USAGE;
	}
	if (argc - optind != 1)
		return cli_usage_error(c, "expected one FIELD_VAULT");
	if (co->as == NULL || to == NULL || path == NULL)
		return cli_require(c, 3, (const char *const[]){ "--as", "--to", "-o" },
				   (const int[]){ co->as != NULL, to != NULL, path != NULL });
	if (am_origin_parse(to, strlen(to), mid) != 0)
		return cli_usage_error(c, "--to %s is not a vault id (amanat/ and 32 lowercase hex "
				       "digits, or the digits alone)", to);
	s = am_output_check(path, force, &e);
	if (s == AM_EEXIST)
		return cli_fail(&e, am_fail(&e, AM_EEXIST, "%s already exists; refusing to overwrite "
					    "it (use --force)", path));
	if (s == AM_OK)
		s = cli_trust_open(&ct, argv[optind], 1, &e);
	if (s == AM_OK)
		s = cli_unlock(&co->pass, co->as, &id, &e);
	opened = s == AM_OK && (s = am_output_open(&out, path, 0600, force, &e)) == AM_OK;
	if (s == AM_OK) {
		struct cli_progress prog;
		s = am_push(ct.v, ct.t, &id, mid, out.fd, cli_progress_start(&prog, "writing"), &res,
			    &e);
		cli_progress_end(&prog);
	}
	if (opened) {
		if (s == AM_OK)
			s = am_output_commit(&out, force, &e);
		else
			am_output_abort(&out);
	}
	if (s == AM_OK) {
		am_origin(forigin, am_trusted_vault_id(ct.t));
		am_origin(morigin, mid);
		if (res.from == res.to)
			fprintf(stderr, "%s: nothing new since headquarters' last acknowledgement (%llu "
				"entries); the packet carries none\n", argv[optind],
				(unsigned long long)res.to);
		else
			fprintf(stderr, "wrote %s: entries %llu-%llu of %s (%s) for %s, %llu bytes%s\n",
				path, (unsigned long long)res.from, (unsigned long long)res.to - 1,
				argv[optind], forigin, morigin, (unsigned long long)res.bytes,
				res.acked ? ", after the last acknowledgement" : "");
	}
	am_identity_release(&id);
	cli_trust_close(&ct);
	return cli_done(&e, s);
}

int cmd_push(int argc, char **argv)
{
	return cli_run(run_push, argc, argv);
}
