/* cmd_list.c — amanat list: public headers, and titles for custodians. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pin.h"

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "as", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "passphrase-fd", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_cmd *c = cli_find("list");
	struct cli_pass pass = { -1 };
	struct am_identity reader;
	struct am_members ms = { NULL, 0 };
	struct cli_trust ct;
	const char *as = NULL;
	uint64_t n = 0;
	int json = 0, ch;
	struct am_err e;
	enum am_status s;

	am_err_init(&e);
	am_identity_init(&reader);
	memset(&ct, 0, sizeof(ct));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			as = optarg;
			break;
		case 'j':
			json = 1;
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
	s = cli_open_listing(&ct, argv[optind], as, &pass, &reader, 0, AM_ACT_LIST, &ms, &e);
	if (s == AM_OK)
		n = am_trusted_size(ct.t);
	if (s != AM_OK)
		goto cleanup;
	if (json)
		printf("[");
	else
		printf("%-5s %-9s %-20s %-16s %12s  %s\n", "SEQ", "TYPE", "SEALED (UTC)", "SIGNER",
		       "SIZE", as ? "CASE / TITLE" : "");
	for (uint64_t i = 0; i < n && s == AM_OK; i++) {
		struct am_entry_pub p;
		struct am_fields f;
		const struct am_field *kase = NULL, *title = NULL;
		char when[32], who[AM_NAME_MAX + 1];

		s = cli_read_verified(&ct, i, &p, &e);
		if (s != AM_OK)
			break;
		am_fields_init(&f);
		if (as != NULL && am_type_sealed(p.h.type) && p.h.type != AM_T_CUSTODY &&
		    am_open_fields(ct.v, &reader, i, &f, NULL) == AM_OK) {
			kase = am_fields_get(&f, "case");
			title = am_fields_get(&f, "title");
		}
		cli_time(when, p.h.sealed_at_ms);
		cli_signer_name(&ms, p.h.signer, who, sizeof(who));
		if (json) {
			printf("%s\n{\"seq\":%llu,\"type\":\"%s\",\"sealed_at\":\"%s\",\"signer\":",
			       i ? "," : "", (unsigned long long)i, am_type_name(p.h.type), when);
			json_cstr(stdout, who);
			printf(",\"size\":%llu", (unsigned long long)p.h.size);
			if (kase) {
				printf(",\"case\":");
				json_str(stdout, (const char *)kase->value, kase->vlen);
			}
			if (title) {
				printf(",\"title\":");
				json_str(stdout, (const char *)title->value, title->vlen);
			}
			printf("}");
		} else {
			printf("%-5llu %-9s %-20s %-16s %12llu  ", (unsigned long long)i,
			       am_type_name(p.h.type), when, who, (unsigned long long)p.h.size);
			if (kase)
				cli_print_value(stdout, kase->value, kase->vlen);
			if (title) {
				fputs(" / ", stdout);
				cli_print_value(stdout, title->value, title->vlen);
			}
			putchar('\n');
		}
		am_fields_release(&f);
		am_entry_pub_release(&p);
	}
	if (json && s == AM_OK)
		printf("\n]\n");
cleanup:
	am_members_release(&ms);
	cli_trust_close(&ct);
	am_identity_release(&reader);
	if (s != AM_OK)
		return cli_fail(&e, s);
	return cli_finish(EXIT_OK);
}
