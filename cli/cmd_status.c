/*
 * cmd_status.c — amanat status: one screen for a person picking up a vault.
 *
 * What this machine trusts (the pin) and whether the vault extends it, who
 * may do what, what the log holds, the newest checkpoint and its signers,
 * the last audit remembered here, and what the quick verification from the
 * pin found.  It opens the vault as every command does (cli_trust_open), so
 * the pin moves only when that verification succeeds; on a problem it prints
 * what it could learn without trusting the file, names the problem and exits 1.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pin.h"
#include "trust.h"

#define NTYPES (AM_T_ACK + 1)

struct status {
	const char *path;
	int json;
	char origin[AM_ORIGIN_MAX]; /* as the genesis claims; verified when ok */
	int have_origin;
	int pinned;                 /* a pin of a tree existed before this command */
	uint64_t pin_size;          /* its size */
	int verified;               /* the quick verification from the pin succeeded */
	uint64_t size;              /* entries verified */
	unsigned char root[AM_HASH_LEN];
	struct am_members ms;
	int counted;                /* every entry read back and checked against the tree */
	uint64_t count[NTYPES];
	int has_cp;                 /* a stored checkpoint of the verified tree */
	struct am_checkpoint cp;
	int *cp_signed;             /* per member of ms: a valid signature on cp */
	int has_audit;              /* the audit state file remembers this vault */
	uint64_t audit_size;
	int audit_extends;
	struct am_err audit_why;    /* why the audit state could not be read (msg "" if it was) */
	int problem;                /* verification found a problem: said in e */
	uint64_t bad_entry;
	int has_bad_entry;
	struct am_err e;
};

/* The vault id the file claims and the pin this user holds, before trusting anything. */
static enum am_status look_before(struct status *st, struct am_err *e)
{
	unsigned char vid[AM_VAULT_ID_LEN];
	struct am_vault *v = NULL;
	struct cli_pin p;
	char *pinfile;
	int found = 0;
	enum am_status s = am_vault_open(st->path, 0, &v, e);

	if (s != AM_OK)
		return s;
	if (am_vault_id(v, vid, NULL) == AM_OK) {
		am_origin(st->origin, vid);
		st->have_origin = 1;
		/* a damaged pin is for cli_trust_open to report */
		if ((pinfile = cli_pin_file(vid)) != NULL &&
		    cli_pin_load(pinfile, &p, &found, NULL) == AM_OK) {
			st->pinned = found && p.pin.size > 0;
			st->pin_size = found ? p.pin.size : 0;
			cli_pin_release(&p);
		}
		free(pinfile);
	}
	am_vault_close(v);
	return AM_OK;
}

/* Count the verified entries by type, each checked to be the one the tree holds. */
static enum am_status count_types(struct status *st, struct cli_trust *ct, struct am_err *e)
{
	/* one read transaction: no lock taken and dropped per row */
	enum am_status s = am_vault_read_begin(ct->v, e);

	for (uint64_t i = 0; s == AM_OK && i < st->size; i++) {
		struct am_entry_pub p;
		s = am_entry_read_trusted(ct->v, ct->t, i, &p, e);
		if (s != AM_OK) {
			st->bad_entry = i;
			st->has_bad_entry = 1;
			break;
		}
		st->count[p.h.type < NTYPES ? p.h.type : 0]++;
		am_entry_pub_release(&p);
	}
	am_vault_read_end(ct->v);
	st->counted = s == AM_OK;
	return s;
}

/*
 * The newest stored checkpoint of the verified tree, and which members
 * (revoked ones too, to name them) signed it.  AM_EVERIFY when it is not a
 * checkpoint of that tree or no member's signature on it holds.
 */
static enum am_status find_checkpoint(struct status *st, struct cli_trust *ct, struct am_err *e)
{
	struct am_vkey *keys;
	int valid;

	if (am_stored_checkpoint(ct->v, st->size, &st->cp, NULL) != AM_OK)
		return AM_OK; /* none stored: said as such */
	st->has_cp = 1;
	if (strcmp(st->cp.origin, st->origin) != 0 || st->cp.size != st->size ||
	    !am_equal(st->cp.root, st->root, AM_HASH_LEN))
		return am_fail(e, AM_EVERIFY, "%s: the stored checkpoint of %llu entries is not one "
			       "of the verified tree; run 'amanat verify'", st->path,
			       (unsigned long long)st->size);
	keys = calloc(st->ms.n ? st->ms.n : 1, sizeof(*keys));
	st->cp_signed = calloc(st->ms.n ? st->ms.n : 1, sizeof(int));
	if (keys == NULL || st->cp_signed == NULL) {
		free(keys);
		return am_fail(e, AM_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < st->ms.n; i++)
		am_vkey_make(&keys[i], st->origin, AM_NOTE_ED25519, st->ms.m[i].sign_pk);
	valid = am_note_count_valid(&st->cp, keys, st->ms.n, st->cp_signed);
	free(keys);
	if (valid <= 0)
		return am_fail(e, AM_EVERIFY, "%s: the stored checkpoint of %llu entries has no valid "
			       "signature by a member; run 'amanat verify'", st->path,
			       (unsigned long long)st->size);
	return AM_OK;
}

/*
 * The last audit this machine remembers (audit.state) and, when the vault
 * verified (ct not NULL), whether its tree extends it.  AM_EVERIFY when it
 * does not: the vault was rolled back or forked since that audit.
 */
static enum am_status find_audit(struct status *st, struct cli_trust *ct, struct am_err *e)
{
	unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH];
	struct cli_state as;
	struct cli_state_entry *en;
	char *file;
	size_t count = 0;
	enum am_status s;

	if ((file = cli_state_path("audit.state")) == NULL)
		return AM_OK; /* no state directory: nothing remembered */
	free(file);
	/* unreadable or damaged: said, and the rest of the status still shown */
	if (cli_state_load(NULL, "audit.state", &as, &st->audit_why) != AM_OK)
		return AM_OK;
	s = AM_OK;
	en = cli_state_find(&as, st->origin);
	if (en != NULL && st->have_origin) {
		st->has_audit = 1;
		st->audit_size = en->size;
	}
	if (en != NULL && ct != NULL) {
		st->audit_extends =
			en->size <= st->size &&
			am_prove_consistency(ct->v, en->size, st->size, proof, &count, NULL) == AM_OK &&
			am_mt_verify_consistency(en->size, st->size, en->root, st->root,
						 AM_MT_CONST(proof), count) == 0;
		if (!st->audit_extends)
			s = am_fail(e, AM_EVERIFY, "%s does not extend the tree of %llu entries audited "
				    "on this machine (%s): rolled back or forked since; run 'amanat "
				    "audit'", st->path, (unsigned long long)en->size, as.path);
	}
	cli_state_release(&as);
	return s;
}

/* A member's key id, and roles ("revoked", "rotated to KEYID"), for printing. */
static void member_labels(const struct am_member *m, char kid[2 * AM_KEYID_LEN + 1],
			  char roles[64])
{
	am_key_id_hex(kid, m->sign_pk);
	cli_member_roles(m, roles, 64);
}

static void print_text(const struct status *st)
{
	printf("vault:      %s (%s)%s\n", st->have_origin ? st->origin : "unknown", st->path,
	       st->verified ? "" : ", as its genesis claims: not verified");
	if (st->verified && !st->pinned)
		printf("pinned:     first use on this machine: verified from its genesis and pinned "
		       "at %llu entries\n", (unsigned long long)st->size);
	else if (st->verified && st->size > st->pin_size)
		printf("pinned:     %llu entries; this machine trusted %llu before, and the vault "
		       "extends it (%llu new entr%s verified)\n", (unsigned long long)st->size,
		       (unsigned long long)st->pin_size, (unsigned long long)(st->size - st->pin_size),
		       st->size - st->pin_size == 1 ? "y" : "ies");
	else if (st->verified)
		printf("pinned:     %llu entries, as this machine trusted before\n",
		       (unsigned long long)st->size);
	else if (st->pinned)
		printf("pinned:     %llu entries; the vault does not extend them (pin unchanged)\n",
		       (unsigned long long)st->pin_size);
	else
		printf("pinned:     nothing on this machine (nothing pinned)\n");
	if (st->verified) {
		printf("members:\n");
		for (size_t i = 0; i < st->ms.n; i++) {
			char kid[2 * AM_KEYID_LEN + 1], roles[64];
			member_labels(&st->ms.m[i], kid, roles);
			printf("  %-20s %s %-28s since entry %llu\n", st->ms.m[i].name, kid, roles,
			       (unsigned long long)st->ms.m[i].since_seq);
		}
	}
	if (st->counted) {
		const char *sep = ": ";
		printf("entries:    %llu", (unsigned long long)st->size);
		for (unsigned t = 1; t < NTYPES; t++) {
			if (st->count[t] == 0)
				continue;
			printf("%s%s %llu", sep, am_type_name(t), (unsigned long long)st->count[t]);
			sep = ", ";
		}
		putchar('\n');
	}
	if (st->has_cp && st->cp_signed != NULL) {
		const char *sep = "";
		printf("checkpoint: %llu entries, signed by ", (unsigned long long)st->cp.size);
		for (size_t i = 0; i < st->ms.n; i++) {
			char kid[2 * AM_KEYID_LEN + 1];
			if (!st->cp_signed[i])
				continue;
			am_key_id_hex(kid, st->ms.m[i].sign_pk);
			printf("%s%s (%s)%s", sep, st->ms.m[i].name, kid,
			       st->ms.m[i].roles ? "" : ", since revoked");
			sep = ", ";
		}
		putchar('\n');
	} else if (st->verified && !st->has_cp) {
		printf("checkpoint: none stored for the %llu entries\n", (unsigned long long)st->size);
	}
	if (st->has_audit)
		printf("last audit: %llu entries%s\n", (unsigned long long)st->audit_size,
		       !st->verified ? " (not compared: the vault did not verify)"
		       : st->audit_extends ? ", which this vault extends"
					   : ": NOT extended by this vault");
	else if (st->audit_why.msg[0] != '\0')
		printf("last audit: unknown: %s\n", st->audit_why.msg);
	else
		printf("last audit: none remembered on this machine\n");
	if (st->problem)
		printf("problem:    %s\n", st->e.msg);
	else
		printf("verify:     ok (quick, from the pin: chain, signatures, authority, tree; "
		       "'amanat verify' also hashes the ciphertexts)\n");
}

static void print_json(const struct status *st)
{
	printf("{\"ok\":%s,\"path\":", st->problem ? "false" : "true");
	json_cstr(stdout, st->path);
	printf(",\"vault\":");
	if (st->have_origin)
		json_cstr(stdout, st->origin);
	else
		printf("null");
	printf(",\"verified\":%s,\"pin\":{\"before\":%llu,\"first_use\":%s,\"extended\":%s,"
	       "\"size\":%llu}", st->verified ? "true" : "false",
	       (unsigned long long)st->pin_size, st->pinned ? "false" : "true",
	       st->verified ? "true" : "false",
	       (unsigned long long)(st->verified ? st->size : st->pin_size));
	if (st->verified) {
		printf(",\"members\":[");
		for (size_t i = 0; i < st->ms.n; i++) {
			char kid[2 * AM_KEYID_LEN + 1], roles[64];
			member_labels(&st->ms.m[i], kid, roles);
			printf("%s{\"name\":", i ? "," : "");
			json_cstr(stdout, st->ms.m[i].name);
			printf(",\"key_id\":\"%s\",\"roles\":\"%s\",\"since\":%llu}", kid, roles,
			       (unsigned long long)st->ms.m[i].since_seq);
		}
		printf("]");
	}
	if (st->counted) {
		printf(",\"entries\":{\"total\":%llu", (unsigned long long)st->size);
		for (unsigned t = 1; t < NTYPES; t++)
			if (t <= AM_T_CUSTODY || st->count[t] > 0) /* import and ack only when present */
				printf(",\"%s\":%llu", am_type_name(t),
				       (unsigned long long)st->count[t]);
		printf("}");
	}
	if (st->has_cp && st->cp_signed != NULL) {
		int n = 0;
		printf(",\"checkpoint\":{\"size\":%llu,\"signers\":[", (unsigned long long)st->cp.size);
		for (size_t i = 0; i < st->ms.n; i++) {
			char kid[2 * AM_KEYID_LEN + 1];
			if (!st->cp_signed[i])
				continue;
			am_key_id_hex(kid, st->ms.m[i].sign_pk);
			printf("%s{\"name\":", n++ ? "," : "");
			json_cstr(stdout, st->ms.m[i].name);
			printf(",\"key_id\":\"%s\",\"revoked\":%s}", kid,
			       st->ms.m[i].roles ? "false" : "true");
		}
		printf("]}");
	} else if (st->verified) {
		printf(",\"checkpoint\":null");
	}
	if (st->has_audit) {
		printf(",\"audit\":{\"size\":%llu,\"extended\":%s}", (unsigned long long)st->audit_size,
		       !st->verified ? "null" : st->audit_extends ? "true" : "false");
	} else if (st->audit_why.msg[0] != '\0') {
		printf(",\"audit\":{\"unreadable\":");
		json_cstr(stdout, st->audit_why.msg);
		printf("}");
	} else {
		printf(",\"audit\":null");
	}
	if (st->problem) {
		if (st->has_bad_entry)
			printf(",\"bad_entry\":%llu", (unsigned long long)st->bad_entry);
		printf(",\"problem\":");
		json_cstr(stdout, st->e.msg);
	}
	printf("}\n");
}

/* Keep the first problem a part found (said in e) in st; AM_OK, or a failure that is not one. */
static enum am_status part(struct status *st, enum am_status s, const struct am_err *e)
{
	if (s != AM_EVERIFY)
		return s;
	if (!st->problem) {
		st->problem = 1;
		st->e = *e;
	}
	return AM_OK;
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_JSON,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("status");
	struct cli_common co;
	struct am_verify_report r;
	struct cli_trust ct;
	struct am_pin now;
	struct am_err e;
	struct status st;
	enum am_status s;
	int rc;

	memset(&st, 0, sizeof(st));
	am_err_init(&st.e);
	am_err_init(&st.audit_why);
	am_err_init(&e);
	if (cli_options(c, argc, argv, opts, &co) != 0)
		return EXIT_USAGE;
	if (argc - optind != 1)
		return cli_usage_error(c, "expected one VAULT");
	st.path = argv[optind];
	st.json = co.json;
	s = look_before(&st, &e);
	if (s != AM_OK)
		return cli_fail(&e, s);
	memset(&ct, 0, sizeof(ct));
	memset(&r, 0, sizeof(r));
	ct.report = &r;
	/* the quick verification from the pin; the pin moves only if it succeeds */
	s = cli_trust_open(&ct, st.path, 0, &e);
	if (s == AM_OK) {
		st.verified = 1;
		st.size = am_trusted_size(ct.t);
		am_trusted_pin(ct.t, &now);
		memcpy(st.root, now.root, AM_HASH_LEN);
		am_origin(st.origin, am_trusted_vault_id(ct.t));
		st.have_origin = 1;
		/* every part is shown; the first problem found is the one named */
		s = am_vault_members(ct.t, &st.ms, &e);
		if (s == AM_OK)
			s = part(&st, count_types(&st, &ct, &e), &e);
		if (s == AM_OK)
			s = part(&st, find_checkpoint(&st, &ct, &e), &e);
	} else {
		st.bad_entry = r.bad_seq;
		st.has_bad_entry = s == AM_EVERIFY && r.has_bad_seq;
		s = part(&st, s, &e);
	}
	if (s == AM_OK)
		s = part(&st, find_audit(&st, st.verified ? &ct : NULL, &e), &e);
	if (s != AM_OK) {
		rc = cli_fail(&e, s);
		goto cleanup;
	}
	if (st.json)
		print_json(&st);
	else
		print_text(&st);
	if (st.problem)
		fprintf(stderr, "amanat: %s\n", st.e.msg);
	rc = cli_finish(st.problem ? EXIT_VERIFY : EXIT_OK);
cleanup:
	if (ct.v != NULL)
		cli_trust_close(&ct);
	am_checkpoint_release(&st.cp);
	free(st.cp_signed);
	am_members_release(&st.ms);
	return rc;
}
