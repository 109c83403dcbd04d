/* cmd_log.c — amanat log: the custody history. */
#include "cli.h"
#include "reading.h"

int cmd_log(int argc, char **argv)
{
	struct cli_listing l;
	int rc = cli_listing_start(&l, "log", argc, argv, 1, AM_ACT_LOG, 0);

	if (rc != EXIT_OK)
		return rc;
	while (cli_listing_next(&l)) {
		const struct am_header *h = &l.p.h;
		const struct am_field *purpose;
		const char *action;

		if (h->type != AM_T_CUSTODY)
			continue;
		purpose = am_fields_get(&l.f, "purpose");
		action = am_action_name(h->payload_len == 1 ? h->payload[0] : 0);
		cli_listing_row(&l);
		if (l.co.json) {
			printf("\"seq\":%llu,\"at\":\"%s\",\"by\":", (unsigned long long)l.seq, l.when);
			json_cstr(stdout, l.who);
			printf(",\"action\":\"%s\",\"entries\":[", action);
			for (uint32_t r = 0; r < h->nrefs; r++)
				printf("%s%llu", r ? "," : "", (unsigned long long)am_header_ref(h, r));
			printf("]");
			if (purpose != NULL) {
				printf(",\"purpose\":");
				json_str(stdout, (const char *)purpose->value, purpose->vlen);
			}
			printf("}");
		} else {
			printf("%llu %s %s %s", (unsigned long long)l.seq, l.when, l.who, action);
			for (uint32_t r = 0; r < h->nrefs; r++)
				printf("%s%llu", r ? "," : " entry ", (unsigned long long)am_header_ref(h, r));
			if (purpose != NULL) {
				printf(" purpose: ");
				cli_print_value(stdout, purpose->value, purpose->vlen);
			}
			putchar('\n');
		}
	}
	if (l.s == AM_OK && !l.co.json && l.shown == 0)
		fprintf(stderr, "no custody entries: nothing has been read from this vault yet\n");
	return cli_listing_finish(&l);
}
