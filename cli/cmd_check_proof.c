/*
 * cmd_check_proof.c — amanat check-proof: verify an inclusion or consistency
 * proof with public keys only and no vault.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../common/fsutil.h"
#include "cli.h"
#include "trust.h"

#define MAX_KEYS 64

struct keyargs {
	const char *log[MAX_KEYS], *wit[MAX_KEYS];
	size_t nlog, nwit, quorum;
	const char *origin; /* --vault: the vault the proof must be of, or NULL */
};

/* Check cp's log signature and witness quorum. */
static enum am_status check_cp(const struct keyargs *ka, const struct am_checkpoint *cp,
			       const char *what, struct am_err *e)
{
	struct am_vkey keys[MAX_KEYS];
	enum am_status s;
	int valid;

	if (ka->origin != NULL && strcmp(ka->origin, cp->origin) != 0)
		return am_fail(e, AM_EVERIFY, "%s: is a proof for %s, not for %s, the vault given",
			       what, cp->origin, ka->origin);
	size_t n = 0;

	for (size_t i = 0; i < ka->nlog; i++) {
		s = cli_key_arg(ka->log[i], cp->origin, AM_NOTE_ED25519, &keys[n], e);
		if (s != AM_OK)
			return s;
		/* a verifier key names its vault: a key of another vault proves nothing here */
		if (strcmp(keys[n].name, cp->origin) == 0)
			n++;
	}
	if (n == 0)
		return am_fail(e, AM_EVERIFY, "%s: none of the keys given is a key of %s", what,
			       cp->origin);
	valid = am_note_count_valid(cp, keys, n, NULL);
	if (valid <= 0)
		return am_fail(e, AM_EVERIFY, "%s: no valid signature of %s by the keys given%s", what,
			       cp->origin, valid < 0 ? " (one names a given key and does not verify)" : "");
	for (size_t i = 0; i < ka->nwit; i++) {
		s = cli_key_arg(ka->wit[i], NULL, AM_NOTE_COSIG, &keys[i], e);
		if (s != AM_OK)
			return s;
	}
	if (ka->nwit > 0) {
		valid = am_note_count_valid(cp, keys, ka->nwit, NULL);
		if (valid < 0 || (size_t)valid < ka->quorum)
			return am_fail(e, AM_EVERIFY, "%s: %d valid witness cosignatures, %zu required",
				       what, valid < 0 ? 0 : valid, ka->quorum);
	}
	return AM_OK;
}

static enum am_status check_inclusion(const struct keyargs *ka, const char *path, const char *text,
				      size_t len, int json, struct am_err *e)
{
	struct am_inclusion_text p;
	struct am_header h;
	unsigned char hash[AM_HASH_LEN], leaf[AM_MT_HASH];
	char origin[AM_ORIGIN_MAX], when[32], kid[2 * AM_KEYID_LEN + 1], hex[2 * AM_HASH_LEN + 1];
	enum am_status s;

	s = am_inclusion_parse(text, len, &p, e);
	if (s != AM_OK)
		return s;
	s = check_cp(ka, &p.cp, path, e);
	if (s != AM_OK)
		goto cleanup;
	if (p.extra == NULL) {
		s = am_fail(e, AM_EINPUT, "%s carries no entry (extra line): nothing to prove", path);
		goto cleanup;
	}
	s = am_entry_from_bytes(p.extra, p.extra_len, &h, hash, e);
	if (s != AM_OK)
		goto cleanup;
	am_origin(origin, h.vault_id);
	if (strcmp(origin, p.cp.origin) != 0 || h.seq != p.index) {
		s = am_fail(e, AM_EVERIFY, "%s: the entry is entry %llu of %s, the proof claims entry "
			    "%llu of %s", path, (unsigned long long)h.seq, origin,
			    (unsigned long long)p.index, p.cp.origin);
		goto cleanup;
	}
	am_mt_leaf_hash(leaf, hash, AM_HASH_LEN);
	if (am_mt_verify_inclusion(p.index, p.cp.size, leaf, AM_MT_CONST(p.proof), p.count,
				   p.cp.root) != 0) {
		s = am_fail(e, AM_EVERIFY, "%s: the inclusion proof does not verify", path);
		goto cleanup;
	}
	cli_time(when, h.sealed_at_ms);
	am_key_id_hex(kid, h.signer);
	am_hex(hex, hash, AM_HASH_LEN);
	if (json)
		printf("{\"ok\":true,\"kind\":\"inclusion\",\"origin\":\"%s\",\"entry\":%llu,"
		       "\"type\":\"%s\",\"sealed_at\":\"%s\",\"signer\":\"%s\",\"entry_hash\":\"%s\","
		       "\"tree_size\":%llu}\n", p.cp.origin, (unsigned long long)h.seq,
		       am_type_name(h.type), when, kid, hex, (unsigned long long)p.cp.size);
	else
		printf("ok: entry %llu (%s, sealed %s by key %s, hash %s) is in %s at tree size "
		       "%llu\n", (unsigned long long)h.seq, am_type_name(h.type), when, kid, hex,
		       p.cp.origin, (unsigned long long)p.cp.size);
cleanup:
	am_inclusion_release(&p);
	return s;
}

static enum am_status check_consistency(const struct keyargs *ka, const char *path,
					const char *text, size_t len, const char *old_path,
					int json, struct am_err *e)
{
	struct am_consistency_text p;
	struct am_checkpoint old;
	enum am_status s;

	memset(&old, 0, sizeof(old));
	s = am_consistency_parse(text, len, &p, e);
	if (s != AM_OK)
		return s;
	s = check_cp(ka, &p.cp, path, e);
	if (s != AM_OK)
		goto cleanup;
	if (old_path == NULL) {
		s = am_fail(e, AM_EINPUT, "a consistency proof needs --old CHECKPOINT, the earlier "
			    "tree head you trust");
		goto cleanup;
	}
	s = cli_read_checkpoint(old_path, &old, e);
	if (s == AM_OK)
		s = check_cp(ka, &old, old_path, e);
	if (s != AM_OK)
		goto cleanup;
	if (strcmp(old.origin, p.cp.origin) != 0 || old.size != p.old) {
		s = am_fail(e, AM_EVERIFY, "%s is of %s at size %llu; the proof starts from size %llu "
			    "of %s", old_path, old.origin, (unsigned long long)old.size,
			    (unsigned long long)p.old, p.cp.origin);
		goto cleanup;
	}
	if (am_mt_verify_consistency(p.old, p.cp.size, old.root, p.cp.root, AM_MT_CONST(p.proof),
				     p.count) != 0) {
		s = am_fail(e, AM_EVERIFY, "%s: the tree of %llu entries does NOT extend the tree of "
			    "%llu entries in %s", path, (unsigned long long)p.cp.size,
			    (unsigned long long)p.old, old_path);
		goto cleanup;
	}
	if (json)
		printf("{\"ok\":true,\"kind\":\"consistency\",\"origin\":\"%s\",\"old_size\":%llu,"
		       "\"new_size\":%llu}\n", p.cp.origin, (unsigned long long)p.old,
		       (unsigned long long)p.cp.size);
	else
		printf("ok: the tree of %llu entries extends the tree of %llu entries (%s)\n",
		       (unsigned long long)p.cp.size, (unsigned long long)p.old, p.cp.origin);
cleanup:
	am_checkpoint_release(&old);
	am_consistency_release(&p);
	return s;
}

int cmd_check_proof(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "vault", required_argument, NULL, 'v' },
		{ "old", required_argument, NULL, 'o' },
		{ "witness", required_argument, NULL, 'w' },
		{ "quorum", required_argument, NULL, 'q' },
		CLI_OPT_JSON,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("check-proof");
	struct cli_common co;
	struct keyargs ka;
	const char *old = NULL;
	char origin[AM_ORIGIN_MAX];
	unsigned char *text = NULL;
	size_t len = 0;
	uint64_t q;
	struct am_err e;
	enum am_status s;
	int ch, quorum_set = 0;

	am_err_init(&e);
	memset(&ka, 0, sizeof(ka));
	cli_common_init(&co);
	while ((ch = cli_getopt(c, argc, argv, "", opts, &co)) != -1) {
		switch (ch) {
		case 'k':
			if (ka.nlog == MAX_KEYS)
				return cli_usage_error(c, "too many --key");
			ka.log[ka.nlog++] = optarg;
			break;
		case 'w':
			if (ka.nwit == MAX_KEYS)
				return cli_usage_error(c, "too many --witness");
			ka.wit[ka.nwit++] = optarg;
			break;
		case 'q':
			if (cli_parse_u64(optarg, &q) != 0 || q == 0 || q > MAX_KEYS)
				return cli_usage_error(c, "--quorum needs a positive number");
			ka.quorum = (size_t)q;
			quorum_set = 1;
			break;
		case 'o':
			old = optarg;
			break;
		case 'v':
			ka.origin = optarg;
			break;
		default:
			return EXIT_USAGE; /* cli_getopt has said what is wrong */
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(c, "expected one PROOF file");
	if (ka.nlog == 0)
		return cli_usage_error(c, "give at least one --key: the log's verifier key or PUB");
	if (cli_keys_vault(c, "--key", ka.log, ka.nlog, ka.origin, origin) != 0)
		return EXIT_USAGE;
	if (ka.origin != NULL)
		ka.origin = origin;
	if (!quorum_set)
		ka.quorum = ka.nwit;
	if (quorum_set && ka.quorum > ka.nwit)
		return cli_usage_error(c, "--quorum is larger than the number of --witness keys");
	s = am_read_small_file(argv[optind], 1 << 20, &text, &len, &e);
	if (s != AM_OK)
		return cli_fail(&e, s);
	if (len >= strlen(AM_TLOG_PROOF_HEADER) &&
	    memcmp(text, AM_TLOG_PROOF_HEADER, strlen(AM_TLOG_PROOF_HEADER)) == 0)
		s = check_inclusion(&ka, argv[optind], (const char *)text, len, co.json, &e);
	else if (len >= 4 && memcmp(text, "old ", 4) == 0)
		s = check_consistency(&ka, argv[optind], (const char *)text, len, old, co.json, &e);
	else
		s = am_fail(&e, AM_EINPUT, "%s is neither an inclusion proof nor a consistency proof",
			    argv[optind]);
	free(text);
	if (s != AM_OK)
		return cli_fail(&e, s);
	return cli_finish(EXIT_OK);
}
