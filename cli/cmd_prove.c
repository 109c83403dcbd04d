/* cmd_prove.c — amanat prove: a c2sp.org/tlog-proof@v1 inclusion proof of one entry. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pin.h"
#include "trust.h"

int cmd_prove(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "checkpoint", required_argument, NULL, 'c' },
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("prove");
	unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH];
	struct am_checkpoint cp;
	struct am_entry_pub pub;
	struct cli_trust ct;
	struct am_pin pin;
	struct am_buf b, extra;
	const char *cpath = NULL;
	size_t count = 0;
	uint64_t seq;
	struct am_err e;
	enum am_status s;
	int ch;

	am_err_init(&e);
	memset(&cp, 0, sizeof(cp));
	memset(&pub, 0, sizeof(pub));
	memset(&ct, 0, sizeof(ct));
	am_buf_init(&b);
	am_buf_init(&extra);
	while ((ch = cli_getopt(c, argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'c')
			return EXIT_USAGE; /* cli_getopt has said what is wrong */
		cpath = optarg;
	}
	if (argc - optind != 2 || cli_parse_u64(argv[optind + 1], &seq) != 0)
		return cli_usage_error(c, "expected VAULT and an entry number");
	s = cli_trust_open(&ct, argv[optind], 0, &e);
	if (s != AM_OK)
		goto cleanup;
	/* a checkpoint the reader already trusts, or one of the tree just verified */
	am_trusted_pin(ct.t, &pin);
	s = cpath ? cli_trust_checkpoint(ct.t, cpath, NULL, 0, 0, &cp, &e)
		  : am_stored_checkpoint(ct.v, pin.size, &cp, &e);
	if (s == AM_OK && cpath == NULL && !am_equal(cp.root, pin.root, AM_HASH_LEN))
		s = am_fail(&e, AM_EVERIFY, "%s: the stored checkpoint of %llu entries does not "
			    "match the verified tree; run 'amanat verify'", argv[optind],
			    (unsigned long long)pin.size);
	/* a stored row is the file's word: hand out only a note a current member signed */
	if (s == AM_OK && cpath == NULL) {
		struct am_vkey *keys = NULL;
		size_t nkeys = 0;
		s = cli_member_keys(ct.t, cp.origin, &keys, &nkeys, &e);
		if (s == AM_OK && am_note_count_valid(&cp, keys, nkeys, NULL) <= 0)
			s = am_fail(&e, AM_EVERIFY, "%s: the stored checkpoint of %llu entries is not "
				    "signed by a current member; sign one with 'amanat checkpoint'",
				    argv[optind], (unsigned long long)pin.size);
		free(keys);
	}
	if (s == AM_OK)
		s = am_entry_read_trusted(ct.v, ct.t, seq, &pub, &e);
	/* never hand out a proof that does not verify against the checkpoint */
	if (s == AM_OK)
		s = am_prove_entry(ct.v, seq, &pub, &cp, proof, &count, &e);
	if (s != AM_OK)
		goto cleanup;
	/* extra: the signed header and its signature, so the proof stands alone */
	am_buf_add(&extra, pub.buf, pub.len);
	am_buf_add(&extra, pub.sig, AM_SIG_LEN);
	am_inclusion_format(&b, extra.data, extra.len, seq, AM_MT_CONST(proof), count, &cp);
	if (b.oom || extra.oom) {
		s = am_fail(&e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	fwrite(b.data, 1, b.len, stdout);
cleanup:
	am_buf_release(&b);
	am_buf_release(&extra);
	am_entry_pub_release(&pub);
	am_checkpoint_release(&cp);
	cli_trust_close(&ct);
	return cli_done(&e, s);
}
