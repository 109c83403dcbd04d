/* cmd_enroll.c — amanat enroll / revoke: change who holds which role. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pin.h"

/* Parse "officer,custodian" into role bits; 0 on an unknown name. */
/* Roles from "officer,custodian"; 0 with the first unknown one in bad (of n). */
static unsigned parse_roles(const char *arg, char *bad, size_t n)
{
	unsigned roles = 0;
	char *copy = strdup(arg), *tok, *save = NULL;

	snprintf(bad, n, "%s", arg);
	if (copy == NULL)
		return 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		unsigned r = am_role_from_name(tok);
		if (r == 0) {
			snprintf(bad, n, "%s", tok);
			roles = 0;
			break;
		}
		roles |= r;
	}
	free(copy);
	return roles;
}

/* Shared by enroll and revoke: they differ in --role and the call made. */
static int enroll_or_revoke(int argc, char **argv, int revoke)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		{ "role", required_argument, NULL, 'r' },
		{ "reason", required_argument, NULL, 'R' },
		{ "compromised-since", required_argument, NULL, 'C' },
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find(revoke ? "revoke" : "enroll");
	struct cli_common co;
	struct am_identity admin, who;
	struct cli_trust ct;
	struct am_revocation why;
	unsigned roles = 0;
	char rs[64], kid[2 * AM_KEYID_LEN + 1], bad[AM_NAME_MAX + 1];
	struct am_err e;
	enum am_status s;
	uint64_t seq = 0;
	int ch;

	am_err_init(&e);
	am_identity_init(&admin);
	am_identity_init(&who);
	memset(&ct, 0, sizeof(ct));
	memset(&why, 0, sizeof(why));
	cli_common_init(&co);
	while ((ch = cli_getopt(c, argc, argv, "", opts, &co)) != -1) {
		switch (ch) {
		case 'r':
			if (revoke)
				return cli_usage_error(c, "revoke takes no --role");
			roles = parse_roles(optarg, bad, sizeof(bad));
			if (roles == 0)
				return cli_usage_error(c, "unknown role '%s': use officer, custodian, "
						       "auditor or admin (several joined by commas)", bad);
			break;
		case 'R':
			if (!revoke)
				return cli_usage_error(c, "--reason is for revoke");
			why.reason = optarg;
			break;
		case 'C':
			if (!revoke)
				return cli_usage_error(c, "--compromised-since is for revoke");
			if (cli_parse_u64(optarg, &why.since_seq) == 0) {
				why.kind = AM_SINCE_SEQ;
			} else if (strlen(optarg) != 10 || optarg[4] != '-' || optarg[7] != '-') {
				return cli_usage_error(c, "--compromised-since needs a UTC date "
						       "YYYY-MM-DD or an entry number");
			} else {
				if (cli_date_arg(c, "--compromised-since", optarg, 0, &why.since_ms) != 0)
					return EXIT_USAGE;
				why.kind = AM_SINCE_TIME;
			}
			break;
		default: /* cli_getopt has said what is wrong */
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(c, "expected VAULT and PUB");
	if (co.as == NULL)
		return cli_usage_error(c, "--as ADMIN.id is required");
	if (!revoke && roles == 0)
		return cli_usage_error(c, "--role is required");
	s = cli_public_read(argv[optind + 1], &who, &e);
	if (s == AM_OK)
		s = cli_trust_open(&ct, argv[optind], 1, &e);
	if (s == AM_OK)
		s = cli_unlock(&co.pass, co.as, &admin, &e);
	if (s == AM_OK)
		s = revoke ? am_revoke_ex(ct.v, ct.t, &admin, who.sign_pk, &why, &seq, &e)
			   : am_enroll(ct.v, ct.t, &admin, &who, roles, &seq, &e);
	if (s == AM_OK) {
		am_key_id_hex(kid, who.sign_pk);
		am_roles_str(roles, rs, sizeof(rs));
		printf("%llu\n", (unsigned long long)seq);
		if (revoke)
			fprintf(stderr, "revoked %s (%s) as entry %llu%s\n", who.name, kid,
				(unsigned long long)seq,
				why.kind != AM_SINCE_NONE ? "; 'amanat verify' lists what the key "
				"signed since the compromise" : "");
		else
			fprintf(stderr, "enrolled %s (%s) as %s in entry %llu\n", who.name, kid, rs,
				(unsigned long long)seq);
	}
	cli_trust_close(&ct);
	am_identity_release(&admin);
	return cli_done(&e, s);
}

int cmd_enroll(int argc, char **argv)
{
	return enroll_or_revoke(argc, argv, 0);
}

int cmd_revoke(int argc, char **argv)
{
	return enroll_or_revoke(argc, argv, 1);
}
