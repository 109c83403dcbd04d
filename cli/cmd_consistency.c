/* cmd_consistency.c — amanat consistency: a consistency proof between two tree sizes. */
#include <string.h>

#include "cli.h"
#include "trust.h"

int cmd_consistency(int argc, char **argv)
{
	static const struct option none[] = { CLI_OPT_END };
	const struct cli_cmd *c = cli_find("consistency");
	unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH], old_root[AM_HASH_LEN];
	struct am_checkpoint cp;
	struct am_vault *v = NULL;
	struct am_buf b;
	uint64_t m, n = 0;
	size_t count = 0;
	struct am_err e;
	enum am_status s;

	am_err_init(&e);
	memset(&cp, 0, sizeof(cp));
	am_buf_init(&b);
	if (cli_options(c, argc, argv, none, NULL) != 0)
		return EXIT_USAGE;
	if (argc - optind < 2 || argc - optind > 3 || cli_parse_u64(argv[optind + 1], &m) != 0 ||
	    (argc - optind == 3 && cli_parse_u64(argv[optind + 2], &n) != 0))
		return cli_usage_error(c, "expected VAULT OLD_SIZE [NEW_SIZE]");
	s = am_vault_open(argv[optind], 0, &v, &e);
	if (s == AM_OK)
		s = am_stored_checkpoint(v, n, &cp, &e); /* n == 0: the newest */
	if (s == AM_OK)
		s = am_prove_consistency(v, m, cp.size, proof, &count, &e);
	if (s == AM_OK)
		s = am_vault_root(v, m, old_root, &e);
	if (s != AM_OK)
		goto cleanup;
	if (m > 0 && am_mt_verify_consistency(m, cp.size, old_root, cp.root, AM_MT_CONST(proof),
					      count) != 0) {
		s = am_fail(&e, AM_EVERIFY, "%s: the stored tree does not prove consistent; run "
			    "'amanat verify'", argv[optind]);
		goto cleanup;
	}
	am_consistency_format(&b, m, AM_MT_CONST(proof), count, &cp);
	if (b.oom) {
		s = am_fail(&e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	fwrite(b.data, 1, b.len, stdout);
cleanup:
	am_buf_release(&b);
	am_checkpoint_release(&cp);
	am_vault_close(v);
	return cli_done(&e, s);
}
