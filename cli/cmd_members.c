/* cmd_members.c — amanat members: who is enrolled, with which roles and keys. */
#include <string.h>

#include "cli.h"
#include "pin.h"

int cmd_members(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_JSON,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("members");
	struct cli_common co;
	struct am_members ms = { NULL, 0 };
	struct cli_trust ct;
	struct am_err e;
	enum am_status s;

	am_err_init(&e);
	if (cli_options(c, argc, argv, opts, &co) != 0)
		return EXIT_USAGE;
	if (argc - optind != 1)
		return cli_usage_error(c, "expected one VAULT");
	memset(&ct, 0, sizeof(ct));
	s = cli_trust_open(&ct, argv[optind], 0, &e);
	if (s == AM_OK)
		s = am_vault_members(ct.t, &ms, &e);
	cli_trust_close(&ct);
	if (s != AM_OK)
		return cli_fail(&e, s);
	if (co.json)
		printf("[");
	else
		printf("%-20s %-16s %-28s %s\n", "NAME", "KEY ID", "ROLES", "SINCE ENTRY");
	for (size_t i = 0; i < ms.n; i++) {
		char kid[2 * AM_KEYID_LEN + 1], roles[64], box[2 * AM_BOX_PK_LEN + 1];
		am_key_id_hex(kid, ms.m[i].sign_pk);
		cli_member_roles(&ms.m[i], roles, sizeof(roles));
		if (co.json) {
			/* "roles" keeps its words ("revoked" once retired); a rotation adds its key */
			static const unsigned char none[AM_SIGN_PK_LEN];
			char to[2 * AM_KEYID_LEN + 1] = "";
			if (memcmp(ms.m[i].rotated_to, none, AM_SIGN_PK_LEN) != 0)
				am_key_id_hex(to, ms.m[i].rotated_to);
			if (ms.m[i].roles == 0)
				snprintf(roles, sizeof(roles), "revoked");
			am_hex(box, ms.m[i].box_pk, AM_BOX_PK_LEN);
			printf("%s\n{\"name\":", i ? "," : "");
			json_cstr(stdout, ms.m[i].name);
			printf(",\"key_id\":\"%s\",\"roles\":\"%s\",\"since\":%llu,\"box_key\":\"%s\"",
			       kid, roles, (unsigned long long)ms.m[i].since_seq, box);
			if (to[0] != '\0')
				printf(",\"rotated_to\":\"%s\"", to);
			printf("}");
		} else {
			printf("%-20s %-16s %-28s %llu\n", ms.m[i].name, kid, roles,
			       (unsigned long long)ms.m[i].since_seq);
		}
	}
	if (co.json)
		printf("\n]\n");
	am_members_release(&ms);
	return cli_finish(EXIT_OK);
}
