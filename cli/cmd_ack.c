/* cmd_ack.c — amanat ack: record headquarters' acknowledgement, or say what it covers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../common/fsutil.h"
#include "../transfer/transfer.h"
#include "cli.h"
#include "pin.h"

/* What headquarters has acknowledged of the field vault, said to stdout. */
static enum am_status report(struct cli_trust *ct, int json, struct am_err *e)
{
	char origin[AM_ORIGIN_MAX];
	uint64_t seq = 0, n = am_trusted_size(ct->t);
	struct am_ack a;
	int found = 0;
	enum am_status s = am_ack_last(ct->v, ct->t, NULL, &a, &seq, &found, e);

	if (s != AM_OK)
		return s;
	if (found)
		am_origin(origin, a.main_id);
	if (json) {
		printf("{\"entries\":%llu,\"acknowledged\":%s", (unsigned long long)n,
		       found ? "true" : "false");
		if (found)
			printf(",\"main_vault\":\"%s\",\"safe\":%llu,\"not_yet\":%llu,\"ack_entry\":%llu",
			       origin, (unsigned long long)a.field_size,
			       (unsigned long long)(n - a.field_size), (unsigned long long)seq);
		printf("}\n");
	} else if (found) {
		printf("headquarters (%s) acknowledged entries 0-%llu (entry %llu); not yet: "
		       "%llu of the %llu entries here\n", origin,
		       (unsigned long long)a.field_size - 1, (unsigned long long)seq,
		       (unsigned long long)(n - a.field_size), (unsigned long long)n);
	} else {
		printf("no acknowledgement recorded: none of the %llu entries here is known to be "
		       "safe at headquarters\n", (unsigned long long)n);
	}
	am_ack_release(&a);
	return AM_OK;
}

static int run_ack(int argc, char **argv, struct cli_common *co)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		CLI_OPT_JSON,
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("ack");
	unsigned char *text = NULL;
	char origin[AM_ORIGIN_MAX];
	size_t len = 0;
	uint64_t seq = 0;
	struct am_identity id;
	struct cli_trust ct;
	struct am_ack a;
	struct am_err e;
	enum am_status s;

	am_err_init(&e);
	am_identity_init(&id);
	memset(&ct, 0, sizeof(ct));
	memset(&a, 0, sizeof(a));
	if (cli_options(c, argc, argv, opts, co) != 0)
		return EXIT_USAGE;
	if (argc - optind == 1) {
		s = cli_trust_open(&ct, argv[optind], 0, &e);
		if (s == AM_OK)
			s = report(&ct, co->json, &e);
		cli_trust_close(&ct);
		return cli_done(&e, s);
	}
	if (argc - optind != 2)
		return cli_usage_error(c, "expected FIELD_VAULT and an ACK file");
	if (co->as == NULL)
		return cli_usage_error(c, "--as ID is required: the ack entry is signed");
	s = am_read_small_file(argv[optind + 1], 65536, &text, &len, &e);
	if (s == AM_OK)
		s = cli_trust_open(&ct, argv[optind], 1, &e);
	if (s == AM_OK)
		s = cli_unlock(&co->pass, co->as, &id, &e);
	if (s == AM_OK)
		s = am_ack_record(ct.v, ct.t, &id, (const char *)text, len, &a, &seq, &e);
	if (s == AM_OK) {
		am_origin(origin, a.main_id);
		if (seq == UINT64_MAX)
			fprintf(stderr, "%s: already recorded: headquarters (%s) holds entries 0-%llu\n",
				argv[optind], origin, (unsigned long long)a.field_size - 1);
		else
			fprintf(stderr, "recorded as entry %llu: headquarters (%s) holds entries "
				"0-%llu; the next push starts at %llu\n", (unsigned long long)seq,
				origin, (unsigned long long)a.field_size - 1,
				(unsigned long long)a.field_size);
	}
	am_ack_release(&a);
	free(text);
	am_identity_release(&id);
	cli_trust_close(&ct);
	return cli_done(&e, s);
}

int cmd_ack(int argc, char **argv)
{
	return cli_run(run_ack, argc, argv);
}
