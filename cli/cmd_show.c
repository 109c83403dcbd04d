/* cmd_show.c — amanat show: a custodian reads an entry's metadata. */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "pin.h"

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "as", required_argument, NULL, 'a' },
		{ "purpose", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "passphrase-fd", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_cmd *c = cli_find("show");
	struct cli_pass pass = { -1 };
	struct am_identity reader;
	struct am_members ms = { NULL, 0 };
	struct am_entry_pub p;
	struct am_fields f;
	struct cli_trust ct;
	const char *as = NULL, *purpose = NULL;
	char when[32], who[AM_NAME_MAX + 1], hex[2 * AM_HASH_LEN + 1];
	uint64_t seq;
	int json = 0, ch;
	struct am_err e;
	enum am_status s;

	am_err_init(&e);
	am_identity_init(&reader);
	am_fields_init(&f);
	memset(&p, 0, sizeof(p));
	memset(&ms, 0, sizeof(ms));
	memset(&ct, 0, sizeof(ct));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			as = optarg;
			break;
		case 'P':
			purpose = optarg;
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
	if (argc - optind != 2 || cli_parse_u64(argv[optind + 1], &seq) != 0)
		return cli_usage_error(c, "expected VAULT and an entry number");
	if (as == NULL)
		return cli_usage_error(c, "--as CUSTODIAN.id is required");
	s = cli_trust_open(&ct, argv[optind], 1, &e);
	if (s == AM_OK)
		s = am_entry_read(ct.v, seq, &p, &e);
	if (s == AM_OK)
		s = am_trusted_check_entry(ct.v, ct.t, &p, &e);
	if (s == AM_OK)
		s = am_vault_members(ct.t, &ms, &e);
	if (s == AM_OK)
		s = cli_unlock(&pass, as, &reader, &e);
	if (s == AM_OK)
		s = am_can_open(ct.v, &reader, seq, &e);
	if (s == AM_OK)
		s = am_record_custody(ct.v, ct.t, &reader, AM_ACT_SHOW, &seq, 1, purpose, NULL, &e);
	if (s == AM_OK)
		s = am_open_fields(ct.v, &reader, seq, &f, &e);
	if (s != AM_OK)
		goto cleanup;
	cli_time(when, p.h.sealed_at_ms);
	cli_signer_name(&ms, p.h.signer, who, sizeof(who));
	if (json) {
		printf("{\"seq\":%llu,\"type\":\"%s\",\"sealed_at\":\"%s\",\"signer\":",
		       (unsigned long long)seq, am_type_name(p.h.type), when);
		json_cstr(stdout, who);
		printf(",\"size\":%llu,\"fields\":{", (unsigned long long)p.h.size);
		for (size_t i = 0; i < f.n; i++) {
			printf("%s", i ? "," : "");
			json_cstr(stdout, f.v[i].name);
			putchar(':');
			json_str(stdout, (const char *)f.v[i].value, f.v[i].vlen);
		}
		printf("}}\n");
	} else {
		printf("entry:     %llu (%s)\n", (unsigned long long)seq, am_type_name(p.h.type));
		printf("sealed:    %s by %s\n", when, who);
		am_hex(hex, p.h.fields_root, AM_HASH_LEN);
		printf("committed: %s\n", hex);
		for (size_t i = 0; i < f.n; i++) {
			printf("%-10s ", f.v[i].name);
			cli_print_value(stdout, f.v[i].value, f.v[i].vlen);
			putchar('\n');
		}
	}
cleanup:
	am_fields_release(&f);
	am_entry_pub_release(&p);
	am_members_release(&ms);
	cli_trust_close(&ct);
	am_identity_release(&reader);
	if (s != AM_OK)
		return cli_fail(&e, s);
	return cli_finish(EXIT_OK);
}
