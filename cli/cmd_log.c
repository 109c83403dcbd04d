/* cmd_log.c — amanat log: the custody history. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pin.h"

int cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "as", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "passphrase-fd", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_cmd *c = cli_find("log");
	struct cli_pass pass = { -1 };
	struct am_identity reader;
	struct am_members ms = { NULL, 0 };
	struct cli_trust ct;
	const char *as = NULL;
	uint64_t n = 0, shown = 0;
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
	s = cli_open_listing(&ct, argv[optind], as, &pass, &reader, 1, AM_ACT_LOG, &ms, &e);
	if (s == AM_OK)
		n = am_trusted_size(ct.t);
	if (s != AM_OK)
		goto cleanup;
	if (json)
		printf("[");
	for (uint64_t i = 0; i < n && s == AM_OK; i++) {
		struct am_entry_pub p;
		struct am_fields f;
		const struct am_field *purpose = NULL;
		char when[32], who[AM_NAME_MAX + 1];
		const char *action;

		s = cli_read_verified(&ct, i, &p, &e);
		if (s != AM_OK)
			break;
		if (p.h.type != AM_T_CUSTODY) {
			am_entry_pub_release(&p);
			continue;
		}
		am_fields_init(&f);
		if (as != NULL && am_open_fields(ct.v, &reader, i, &f, NULL) == AM_OK)
			purpose = am_fields_get(&f, "purpose");
		action = am_action_name(p.h.payload_len == 1 ? p.h.payload[0] : 0);
		cli_time(when, p.h.sealed_at_ms);
		cli_signer_name(&ms, p.h.signer, who, sizeof(who));
		if (json) {
			printf("%s\n{\"seq\":%llu,\"at\":\"%s\",\"by\":", shown ? "," : "",
			       (unsigned long long)i, when);
			json_cstr(stdout, who);
			printf(",\"action\":\"%s\",\"entries\":[", action);
			for (uint32_t r = 0; r < p.h.nrefs; r++)
				printf("%s%llu", r ? "," : "", (unsigned long long)am_header_ref(&p.h, r));
			printf("]");
			if (purpose != NULL) {
				printf(",\"purpose\":");
				json_str(stdout, (const char *)purpose->value, purpose->vlen);
			}
			printf("}");
		} else {
			printf("%llu %s %s %s", (unsigned long long)i, when, who, action);
			for (uint32_t r = 0; r < p.h.nrefs; r++)
				printf("%s%llu", r ? "," : " entry ", (unsigned long long)am_header_ref(&p.h, r));
			if (purpose != NULL) {
				printf(" purpose: ");
				cli_print_value(stdout, purpose->value, purpose->vlen);
			}
			putchar('\n');
		}
		shown++;
		am_fields_release(&f);
		am_entry_pub_release(&p);
	}
	if (json && s == AM_OK)
		printf("\n]\n");
	else if (s == AM_OK && shown == 0)
		fprintf(stderr, "no custody entries: nothing has been read from this vault yet\n");
cleanup:
	am_members_release(&ms);
	cli_trust_close(&ct);
	am_identity_release(&reader);
	if (s != AM_OK)
		return cli_fail(&e, s);
	return cli_finish(EXIT_OK);
}
