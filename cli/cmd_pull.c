/* cmd_pull.c — amanat pull: verify a transfer packet whole, import it, acknowledge. */
#include <stdlib.h>
#include <string.h>

#include "../common/fsutil.h"
#include "../transfer/transfer.h"
#include "cli.h"
#include "pin.h"

static int run_pull(int argc, char **argv, struct cli_common *co)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		{ "ack", required_argument, NULL, 'a' },
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("pull");
	char forigin[AM_ORIGIN_MAX], *ackdef = NULL;
	const char *ack = NULL, *packet;
	struct am_pull_result r;
	struct am_identity id;
	struct cli_trust ct;
	struct am_err e;
	enum am_status s;
	int ch;

	am_err_init(&e);
	am_identity_init(&id);
	memset(&ct, 0, sizeof(ct));
	memset(&r, 0, sizeof(r));
	while ((ch = cli_getopt(c, argc, argv, "", opts, co)) != -1) {
		if (ch != 'a')
			return EXIT_USAGE;
		ack = optarg;
	}
	if (argc - optind != 2)
		return cli_usage_error(c, "expected MAIN_VAULT and PACKET");
	if (co->as == NULL)
		return cli_usage_error(c, "--as ID is required: the imports and the "
				       "acknowledgement are signed");
	packet = argv[optind + 1];
	if (ack == NULL) {
		size_t n = strlen(packet) + 5;
		ackdef = malloc(n);
		if (ackdef == NULL)
			return cli_fail(&e, am_fail(&e, AM_ENOMEM, "out of memory"));
		snprintf(ackdef, n, "%s.ack", packet);
		ack = ackdef;
	}
	s = am_output_check(ack, 1, &e);
	if (s == AM_OK)
		s = cli_trust_open(&ct, argv[optind], 1, &e);
	if (s == AM_OK)
		s = cli_unlock(&co->pass, co->as, &id, &e);
	if (s == AM_OK) {
		struct cli_progress prog;
		s = am_pull(ct.v, ct.t, &id, packet, cli_progress_start(&prog, "checking and importing"),
			    &r, &e);
		cli_progress_end(&prog);
	}
	if (s == AM_OK) {
		am_origin(forigin, r.field_id);
		if (r.imported == 0)
			fprintf(stderr, "%s: already imported: %s holds entries 0-%llu of the field "
				"vault %s; nothing added\n", packet, argv[optind],
				(unsigned long long)r.absorbed_before - 1, forigin);
		else
			fprintf(stderr, "imported entries %llu-%llu of the field vault %s as entries "
				"%llu-%llu of %s\n", (unsigned long long)r.absorbed_before,
				(unsigned long long)(r.absorbed_before + r.imported - 1), forigin,
				(unsigned long long)r.first_seq,
				(unsigned long long)(r.first_seq + r.imported - 1), argv[optind]);
		/* the same packet pulled again writes its acknowledgement again, in place */
		{
			struct am_output out;
			s = am_output_open(&out, ack, 0644, 1, &e);
			if (s == AM_OK && am_write_all(out.fd, r.ack.text, r.ack.len) != 0) {
				am_output_abort(&out);
				s = am_fail(&e, AM_EIO, "%s: cannot write the acknowledgement", ack);
			} else if (s == AM_OK) {
				s = am_output_commit(&out, 1, &e);
			}
		}
		if (s == AM_OK && !r.signer_in_field)
			fprintf(stderr, "amanat: warning: %s is not a member of the field vault %s "
				"with the custodian role, so it will refuse this acknowledgement: pull "
				"as one of the mission's custodians\n", id.name, forigin);
		if (s == AM_OK)
			fprintf(stderr, "acknowledgement written to %s: carry it back and record it "
				"with 'amanat ack FIELD_VAULT %s'\n", ack, ack);
	}
	am_pull_result_release(&r);
	am_identity_release(&id);
	cli_trust_close(&ct);
	free(ackdef);
	return cli_done(&e, s);
}

int cmd_pull(int argc, char **argv)
{
	return cli_run(run_pull, argc, argv);
}
