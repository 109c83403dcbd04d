/* cmd_show.c — amanat show: a custodian reads an entry's metadata. */
#include <string.h>

#include "../vault/note.h"
#include "cli.h"
#include "reading.h"

/*
 * What an import carries (docs/FORMAT.md §25): the field entry's type, sealer
 * and time, and the field vault it was sealed in; as JSON members or lines.
 */
static void show_import(const struct am_members *ms, const struct am_header *h, int json, int w)
{
	struct am_import_view iv;
	struct am_err e;
	char when[32], who[AM_NAME_MAX + 1], origin[AM_ORIGIN_MAX];

	am_err_init(&e);
	if (am_import_view(h, &iv, &e) != AM_OK)
		return; /* verified with the log: cannot happen */
	cli_time(when, iv.orig.sealed_at_ms);
	cli_signer_name(ms, iv.orig.signer, who, sizeof(who));
	am_origin(origin, iv.orig.vault_id);
	if (json) {
		printf(",\"original\":{\"type\":\"%s\",\"sealed_at\":\"%s\",\"signer\":",
		       am_type_name(iv.orig.type), when);
		json_cstr(stdout, who);
		printf(",\"field_vault\":\"%s\",\"field_entry\":%llu}", origin,
		       (unsigned long long)iv.orig.seq);
		return;
	}
	printf("%-*s %s, entry %llu of the field vault %s\n", w, "original:",
	       am_type_name(iv.orig.type), (unsigned long long)iv.orig.seq, origin);
	printf("%-*s %s by %s\n", w, "sealed:", when, who);
}

/* The command, with co released by cmd_show whatever happens. */
static int run_show(int argc, char **argv, struct cli_common *co)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		CLI_OPT_PURPOSE,
		CLI_OPT_JSON,
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("show");
	struct cli_reading r;
	struct am_members ms = { NULL, 0 };
	struct am_entry_pub p;
	struct am_fields f;
	char when[32], who[AM_NAME_MAX + 1], hex[2 * AM_HASH_LEN + 1];
	uint64_t seq;
	struct am_err e;
	enum am_status s;

	am_err_init(&e);
	if (cli_options(c, argc, argv, opts, co) != 0)
		return EXIT_USAGE;
	if (argc - optind != 2 || cli_parse_u64(argv[optind + 1], &seq) != 0)
		return cli_usage_error(c, "expected VAULT and an entry number");
	if (co->as == NULL)
		return cli_usage_error(c, "--as CUSTODIAN.id is required");
	cli_reading_init(&r, seq);
	am_fields_init(&f);
	memset(&p, 0, sizeof(p));
	/* the header is checked against the verified log before any passphrase is asked */
	s = cli_reading_open(&r, argv[optind], &e);
	if (s == AM_OK)
		s = am_entry_read_trusted(r.ct.v, r.ct.t, seq, &p, &e);
	if (s == AM_OK)
		s = am_vault_members(r.ct.t, &ms, &e);
	if (s == AM_OK)
		s = cli_reading_unlock(&r, co, &e);
	if (s == AM_OK)
		s = cli_reading_record(&r, AM_ACT_SHOW, co, &e);
	if (s == AM_OK)
		s = am_open_fields(r.ct.v, &r.reader, seq, &f, &e);
	if (s != AM_OK)
		goto cleanup;
	cli_time(when, p.h.sealed_at_ms);
	cli_signer_name(&ms, p.h.signer, who, sizeof(who));
	if (co->json) {
		printf("{\"seq\":%llu,\"type\":\"%s\",\"sealed_at\":\"%s\",\"signer\":",
		       (unsigned long long)seq, am_type_name(p.h.type), when);
		json_cstr(stdout, who);
		if (p.h.type == AM_T_IMPORT)
			show_import(&ms, &p.h, 1, 0);
		printf(",\"size\":%llu,\"custody\":%llu,\"fields\":{", (unsigned long long)p.h.size,
		       (unsigned long long)r.custody);
		for (size_t i = 0; i < f.n; i++) {
			printf("%s", i ? "," : "");
			json_cstr(stdout, f.v[i].name);
			putchar(':');
			json_str(stdout, (const char *)f.v[i].value, f.v[i].vlen);
		}
		printf("}}\n");
	} else {
		/* one column for the values, however long a field's name */
		int w = (int)strlen("fields commitment:");
		for (size_t i = 0; i < f.n; i++)
			if (strlen(f.v[i].name) > (size_t)w)
				w = (int)strlen(f.v[i].name);
		printf("%-*s %llu (%s)\n", w, "entry:", (unsigned long long)seq,
		       am_type_name(p.h.type));
		printf("%-*s %s by %s\n", w, p.h.type == AM_T_IMPORT ? "imported:" : "sealed:", when,
		       who);
		if (p.h.type == AM_T_IMPORT)
			show_import(&ms, &p.h, 0, w);
		am_hex(hex, p.h.fields_root, AM_HASH_LEN);
		printf("%-*s %s\n", w, "fields commitment:", hex);
		for (size_t i = 0; i < f.n; i++) {
			printf("%-*s ", w, f.v[i].name);
			cli_print_value(stdout, f.v[i].value, f.v[i].vlen);
			putchar('\n');
		}
	}
cleanup:
	am_fields_release(&f);
	am_entry_pub_release(&p);
	am_members_release(&ms);
	return cli_reading_done(&r, &e, s);
}

int cmd_show(int argc, char **argv)
{
	return cli_run(run_show, argc, argv);
}
