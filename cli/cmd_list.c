/* cmd_list.c — amanat list: public headers, and titles for custodians. */
#include "cli.h"
#include "reading.h"

int cmd_list(int argc, char **argv)
{
	struct cli_listing l;
	int rc = cli_listing_start(&l, "list", argc, argv, 0, AM_ACT_LIST, 1);

	if (rc != EXIT_OK)
		return rc;
	if (!l.co.json)
		printf("%-5s %-9s %-20s %-16s %12s%s\n", "SEQ", "TYPE", "SEALED (UTC)", "SIGNER",
		       "SIZE", l.co.as ? "  CASE / TITLE" : "");
	while (cli_listing_next(&l)) {
		const struct am_field *kase = am_fields_get(&l.f, "case");
		const struct am_field *title = am_fields_get(&l.f, "title");

		cli_listing_row(&l);
		if (l.co.json) {
			printf("\"seq\":%llu,\"type\":\"%s\",\"sealed_at\":\"%s\",\"signer\":",
			       (unsigned long long)l.seq, am_type_name(l.p.h.type), l.when);
			json_cstr(stdout, l.who);
			printf(",\"size\":%llu", (unsigned long long)l.p.h.size);
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
			printf("%-5llu %-9s %-20s %-16s %12llu%s", (unsigned long long)l.seq,
			       am_type_name(l.p.h.type), l.when, l.who, (unsigned long long)l.p.h.size,
			       kase || title ? "  " : "");
			if (kase)
				cli_print_value(stdout, kase->value, kase->vlen);
			if (title) {
				fputs(" / ", stdout);
				cli_print_value(stdout, title->value, title->vlen);
			}
			putchar('\n');
		}
	}
	return cli_listing_finish(&l);
}
