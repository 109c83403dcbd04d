/* cmd_verify.c — amanat verify: check a vault with public keys only. */
#define _GNU_SOURCE
#include <getopt.h>
#include <string.h>

#include "cli.h"

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_cmd *c = cli_find("verify");
	enum am_verify_tier tier = AM_VERIFY_FULL;
	struct am_verify_report r;
	struct cli_progress prog;
	struct am_vault *v = NULL;
	char head[2 * AM_HASH_LEN + 1], vid[2 * AM_VAULT_ID_LEN + 1];
	int json = 0, ch;
	struct am_err e;
	enum am_status s;

	am_err_init(&e);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'q':
			tier = AM_VERIFY_QUICK;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return cli_usage_error(c, "unknown option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(c, "expected one VAULT");
	s = am_vault_open(argv[optind], 0, &v, &e);
	if (s == AM_OK) {
		s = am_verify(v, tier, cli_progress_start(&prog, "verifying"), &r, &e);
		cli_progress_end(&prog);
	}
	am_vault_close(v);
	if (s != AM_OK)
		return cli_fail(&e, s);
	am_hex(head, r.head, AM_HASH_LEN);
	am_hex(vid, r.vault_id, AM_VAULT_ID_LEN);
	if (json) {
		printf("{\"ok\":%s,\"vault\":\"%s\",\"entries\":%llu,\"chunks\":%llu,"
		       "\"tier\":\"%s\",\"head\":\"%s\"",
		       r.ok ? "true" : "false", vid, (unsigned long long)r.entries,
		       (unsigned long long)r.chunks, tier == AM_VERIFY_QUICK ? "quick" : "full", head);
		if (!r.ok) {
			printf(",\"bad_entry\":%llu,\"reason\":", (unsigned long long)r.bad_seq);
			json_cstr(stdout, r.reason);
		}
		printf("}\n");
	} else if (r.ok) {
		printf("ok: %llu entries verified (%s), head %s\n", (unsigned long long)r.entries,
		       tier == AM_VERIFY_QUICK ? "chain, signatures and enrollments"
					       : "chain, signatures, enrollments and every ciphertext",
		       head);
	}
	if (!r.ok)
		fprintf(stderr, "amanat: %s: entry %llu: %s\n", argv[optind],
			(unsigned long long)r.bad_seq, r.reason);
	return cli_finish(r.ok ? EXIT_OK : EXIT_VERIFY);
}
