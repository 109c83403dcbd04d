/*
 * cmd_witness.c — amanat witness cosign: another office checks that a
 * vault's new checkpoint extends the last one it cosigned, and cosigns it
 * (c2sp.org/tlog-cosignature), so that two offices can witness each other's
 * vaults by carrying files.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/fsutil.h"
#include "cli.h"
#include "trust.h"

#define MAX_LOG_KEYS 64

int cmd_witness(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		{ "log-key", required_argument, NULL, 'k' },
		{ "state", required_argument, NULL, 'S' },
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("witness");
	struct cli_common co;
	const char *state = NULL, *logkeys[MAX_LOG_KEYS];
	struct am_vkey keys[MAX_LOG_KEYS];
	struct am_consistency_text p;
	struct am_identity id;
	struct cli_state st;
	struct cli_state_entry *en;
	unsigned char *text = NULL;
	size_t nkeys = 0, len = 0;
	char line[300];
	struct am_err e;
	enum am_status s;
	int ch, valid;

	am_err_init(&e);
	am_identity_init(&id);
	memset(&p, 0, sizeof(p));
	memset(&st, 0, sizeof(st));
	cli_common_init(&co);
	while ((ch = cli_getopt(c, argc, argv, "", opts, &co)) != -1) {
		switch (ch) {
		case 'k':
			if (nkeys == MAX_LOG_KEYS)
				return cli_usage_error(c, "too many --log-key");
			logkeys[nkeys++] = optarg;
			break;
		case 'S':
			state = optarg;
			break;
		default: /* cli_getopt has said what is wrong */
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2 || strcmp(argv[optind], "cosign") != 0)
		return cli_usage_error(c, "expected 'cosign FILE'");
	if (co.as == NULL || nkeys == 0)
		return cli_usage_error(c, "--as WITNESS.id and at least one --log-key are required");
	s = am_read_small_file(argv[optind + 1], 1 << 20, &text, &len, &e);
	if (s == AM_OK)
		s = am_consistency_parse((const char *)text, len, &p, &e);
	for (size_t i = 0; s == AM_OK && i < nkeys; i++)
		s = cli_key_arg(logkeys[i], p.cp.origin, AM_NOTE_ED25519, &keys[i], &e);
	if (s != AM_OK)
		goto cleanup;
	valid = am_note_count_valid(&p.cp, keys, nkeys, NULL);
	if (valid <= 0) {
		s = am_fail(&e, AM_EVERIFY, "%s: the checkpoint is not signed by a log key given",
			    argv[optind + 1]);
		goto cleanup;
	}
	s = cli_state_load(state, "witness.state", &st, &e);
	if (s != AM_OK)
		goto cleanup;
	en = cli_state_find(&st, p.cp.origin);
	/* the proof must start exactly where this witness last cosigned */
	if (p.old != (en ? en->size : 0)) {
		s = am_fail(&e, AM_EVERIFY, "this witness last cosigned %s at size %llu; the proof "
			    "starts from %llu (ask for 'amanat consistency VAULT %llu')", p.cp.origin,
			    (unsigned long long)(en ? en->size : 0), (unsigned long long)p.old,
			    (unsigned long long)(en ? en->size : 0));
		goto cleanup;
	}
	if (en != NULL && am_mt_verify_consistency(en->size, p.cp.size, en->root, p.cp.root,
						   AM_MT_CONST(p.proof), p.count) != 0) {
		s = am_fail(&e, AM_EVERIFY, "%s at size %llu does NOT extend the tree this witness "
			    "cosigned at size %llu: refusing to cosign (keep both as evidence of a "
			    "fork)", p.cp.origin, (unsigned long long)p.cp.size,
			    (unsigned long long)en->size);
		goto cleanup;
	}
	s = cli_unlock(&co.pass, co.as, &id, &e);
	if (s == AM_OK)
		s = am_cosign(&p.cp, id.name, id.sign_sk, id.sign_pk, (uint64_t)time(NULL), line,
			      sizeof(line), &e);
	/* remember before answering, so a crash cannot let it cosign a rollback */
	if (s == AM_OK)
		s = cli_state_set(&st, p.cp.origin, p.cp.size, p.cp.root, &e);
	if (s == AM_OK)
		s = cli_state_save(&st, &e);
	if (s == AM_OK)
		fputs(line, stdout);
cleanup:
	free(text);
	am_consistency_release(&p);
	cli_state_release(&st);
	am_identity_release(&id);
	return cli_done(&e, s);
}
