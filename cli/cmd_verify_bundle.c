/*
 * cmd_verify_bundle.c — amanat verify-bundle: check an evidence bundle (a
 * directory or its ZIP) with nothing but the bundle, naming every problem
 * (docs/BUNDLE.md, "Verification").  The checks are vault/bundle_verify.c's.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../bundle/bundle.h"
#include "cli.h"
#include "trust.h"

#define MAX_KEYS 64

static void print_json(const char *path, const struct am_bundle_report *r, enum am_status s,
                       const struct am_err *e)
{
	char kid[2 * AM_KEYID_LEN + 1], when[32], root[64];

	printf("{\"ok\":%s,\"bundle\":", s == AM_OK ? "true" : "false");
	json_cstr(stdout, path);
	if (s != AM_OK && s != AM_EVERIFY) {
		printf(",\"error\":");
		json_cstr(stdout, e->msg[0] ? e->msg : am_status_name(s));
	}
	if (s == AM_OK || s == AM_EVERIFY)
		printf(",\"kind\":\"%s\"", r->is_zip ? "zip" : "directory");
	if (r->origin[0]) {
		am_b64(root, r->root, AM_HASH_LEN);
		printf(",\"origin\":");
		json_cstr(stdout, r->origin);
		printf(",\"tree_size\":%llu,\"root\":\"%s\"", (unsigned long long)r->tree_size,
		       root);
	}
	if (r->exporter_key_id[0]) {
		printf(",\"exported_by\":{\"name\":");
		json_cstr(stdout, r->exporter_name);
		printf(",\"key_id\":\"%s\"}", r->exporter_key_id);
	}
	if (r->ckpt_signer_key_id[0]) {
		printf(",\"checkpoint_signer\":{\"name\":");
		if (r->ckpt_signer_name[0])
			json_cstr(stdout, r->ckpt_signer_name);
		else
			printf("null");
		printf(",\"key_id\":\"%s\"}", r->ckpt_signer_key_id);
	}
	printf(",\"checkpoint_key\":\"%s\",\"checkpoint_pinned\":%s,\"entries\":%zu,\"items\":[",
	       r->by_vault_key ? "vault-key" : "member", r->pinned ? "true" : "false", r->nentries);
	for (size_t i = 0; i < r->nitems; i++) {
		const struct am_bundle_item *it = &r->items[i];
		char hex[2 * AM_HASH_LEN + 1];
		am_key_id_hex(kid, it->signer);
		am_hex(hex, it->sha256, AM_HASH_LEN);
		cli_time(when, it->sealed_at_ms);
		printf("%s{\"id\":", i ? "," : "");
		json_cstr(stdout, it->id);
		printf(",\"ok\":%s,\"entry\":%llu,\"type\":\"%s\",\"sealed_at\":\"%s\",\"signer\":",
		       it->ok ? "true" : "false", (unsigned long long)it->seq,
		       am_type_name(it->type), when);
		json_cstr(stdout, it->signer_name[0] ? it->signer_name : kid);
		printf(",\"signer_key_id\":\"%s\",\"payload\":", kid);
		if (it->payload != NULL)
			json_cstr(stdout, it->payload);
		else
			printf("null");
		if (it->imported)
			printf(",\"field_vault\":\"%s\",\"field_entry\":%llu", it->field_origin,
			       (unsigned long long)it->field_seq);
		printf(",\"size\":%llu,\"sha256\":", (unsigned long long)it->size);
		if (it->payload != NULL)
			printf("\"%s\"}", hex);
		else
			printf("null}");
	}
	printf("],\"problems\":[");
	for (size_t i = 0; i < r->nproblems; i++) {
		printf("%s", i ? "," : "");
		json_cstr(stdout, r->problems[i]);
	}
	printf("],\"more_problems\":%zu}\n", r->more_problems);
}

/*
 * What a person reads: the verdict's facts on the first line (vault, tree,
 * exporter, checkpoint signer: what to compare out of band), one line per
 * item, and a last line saying what the "ok" rests on.
 */
static void print_summary(const struct am_bundle_report *r, int pinned_by_caller)
{
	char kid[2 * AM_KEYID_LEN + 1], when[32], size[32];

	printf("ok: %zu item%s verified: %s at tree size %llu, exported by %s (key %s), "
	       "checkpoint signed by %s (key %s)\n", r->nitems, r->nitems == 1 ? "" : "s",
	       r->origin, (unsigned long long)r->tree_size, r->exporter_name, r->exporter_key_id,
	       r->ckpt_signer_name[0] ? r->ckpt_signer_name : "a key not enrolled",
	       r->ckpt_signer_key_id);
	for (size_t i = 0; i < r->nitems; i++) {
		const struct am_bundle_item *it = &r->items[i];
		am_key_id_hex(kid, it->signer);
		cli_time(when, it->sealed_at_ms);
		am_bundle_size_text(size, it->size);
		printf("  %s  %-9s  entry %llu, sealed %s by %s (key %s): %s, %s\n", it->id,
		       am_type_name(it->type), (unsigned long long)it->seq, when,
		       it->signer_name[0] ? it->signer_name : kid, kid,
		       it->payload ? it->payload : "(no file)", size);
		if (it->imported)
			printf("              imported from the field vault %s, its entry %llu\n",
			       it->field_origin, (unsigned long long)it->field_seq);
	}
	if (pinned_by_caller)
		printf("verdict: verified: every file, signature and proof checks, against the %s "
		       "you gave\n", r->pinned && r->by_vault_key ? "vault key and the checkpoint"
		                      : r->pinned                  ? "checkpoint"
		                                                   : "vault key");
	else
		printf("verdict: verified: every file, signature and proof checks; that this is the "
		       "vault %s rests on the bundle itself (see the note)\n", r->origin);
}

int cmd_verify_bundle(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"vault-key", required_argument, NULL, 'k'},
	    {"vault", required_argument, NULL, 'v'},
	    {"checkpoint", required_argument, NULL, 'c'},
	    CLI_OPT_JSON,
	    CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("verify-bundle");
	struct cli_common co;
	struct am_vkey keys[MAX_KEYS];
	struct am_checkpoint cp;
	struct am_bundle_verify_opts o;
	struct am_bundle_report r;
	const char *keyargs[MAX_KEYS], *cpath = NULL, *path, *vault = NULL;
	char origin[AM_ORIGIN_MAX];
	size_t nkeys = 0;
	struct am_err e;
	enum am_status s = AM_OK;
	int json, ch;

	am_err_init(&e);
	memset(&cp, 0, sizeof(cp));
	memset(&o, 0, sizeof(o));
	cli_common_init(&co);
	while ((ch = cli_getopt(c, argc, argv, "", opts, &co)) != -1) {
		switch (ch) {
		case 'k':
			if (nkeys == MAX_KEYS)
				return cli_usage_error(c, "too many --vault-key");
			keyargs[nkeys++] = optarg;
			break;
		case 'c':
			cpath = optarg;
			break;
		case 'v':
			vault = optarg;
			break;
		default:
			return EXIT_USAGE; /* cli_getopt has said what is wrong */
		}
	}
	json = co.json;
	if (argc - optind != 1)
		return cli_usage_error(c, "expected one BUNDLE (a directory or a .zip)");
	path = argv[optind];
	if (cli_keys_vault(c, "--vault-key", keyargs, nkeys, vault, origin) != 0)
		return EXIT_USAGE;
	/* a .pub key's checkpoint name is the vault's origin: left empty for the library */
	for (size_t i = 0; i < nkeys && s == AM_OK; i++)
		s = cli_key_arg(keyargs[i], "", AM_NOTE_ED25519, &keys[i], &e);
	if (s == AM_OK && cpath != NULL)
		s = cli_read_checkpoint(cpath, &cp, &e);
	if (s != AM_OK)
		return cli_fail(&e, s);
	o.vault_keys = keys;
	o.nvault_keys = nkeys;
	o.origin = vault != NULL ? origin : NULL;
	o.checkpoint = cpath != NULL ? &cp : NULL;

	s = am_bundle_verify(path, &o, &r, &e);
	if (json) {
		print_json(path, &r, s, &e);
		if (s != AM_OK && s != AM_EVERIFY)
			fprintf(stderr, "amanat: %s\n", e.msg[0] ? e.msg : am_status_name(s));
	} else {
		for (size_t i = 0; i < r.nproblems; i++)
			fprintf(stderr, "amanat: %s: %s\n", path, r.problems[i]);
		if (r.more_problems > 0)
			fprintf(stderr, "amanat: %s: and %zu more problems\n", path,
			        r.more_problems);
		if (s == AM_OK) {
			print_summary(&r, nkeys > 0 || cpath != NULL);
			if (nkeys == 0 && cpath == NULL)
				fprintf(stderr,
				        "note: no --vault-key or --checkpoint given: that this is "
				        "the vault %s rests on the bundle's own genesis entry\n",
				        r.origin);
		} else if (s == AM_EVERIFY) {
			fprintf(stderr, "amanat: %s does NOT verify: %zu problem%s\n", path,
			        r.nproblems + r.more_problems,
			        r.nproblems + r.more_problems == 1 ? "" : "s");
		} else {
			cli_fail(&e, s);
		}
	}
	am_bundle_report_release(&r);
	am_checkpoint_release(&cp);
	return cli_finish(cli_exit_code(s));
}
