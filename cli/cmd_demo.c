/*
 * cmd_demo.c — amanat demo: a guided run on clearly fictional data.
 *
 * It goes through the library exactly as the subcommands do, and exits
 * non-zero if any step does not behave as it should (the officer must be
 * refused, the vault must verify, the tampered copy must fail), so the
 * README's first command is also a smoke test.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/fsutil.h"
#include "casework.h"
#include "cli.h"

/* demo keys are written directly, never through id new's strength check (--weak-passphrase-ok) */
#define DEMO_PASS "demo-only-passphrase"

enum { ADMIN, OFFICER, CUSTODIAN, AUDITOR, NPEOPLE };

static const char *const people[NPEOPLE][2] = {
	{ "admin-demo", "enrolls people and keys" },
	{ "officer-demo", "seals evidence in the field; cannot read it back" },
	{ "custodian-demo", "decrypts at headquarters; every reading is recorded" },
	{ "auditor-demo", "verifies with public keys only" },
};

static const struct {
	unsigned type;
	const char *file, *kase, *title, *text;
} items[] = {
	{ AM_T_TESTIMONY, "W-0042-interview.txt", "DEMO-2024-001",
	  "Interview with witness W-0042 (fictional)",
	  "FICTIONAL DEMONSTRATION DATA. No real person, place or event.\n"
	  "Witness W-0042 describes the detention of victim V-0007 at a checkpoint\n"
	  "in the invented district of Example Valley on an invented date.\n" },
	{ AM_T_DOCUMENT, "detention-register-extract.txt", "DEMO-2024-001",
	  "Extract of a detention register (fictional)",
	  "FICTIONAL DEMONSTRATION DATA.\n"
	  "Register line 17: detainee V-0007, admitted 06:40, no release recorded.\n" },
	{ AM_T_CASE, "case-DEMO-2024-001.txt", "DEMO-2024-001",
	  "Case record: arbitrary detention of V-0007 (fictional)",
	  "FICTIONAL DEMONSTRATION DATA.\n"
	  "Act: arbitrary arrest and detention. Victim: V-0007. Sources: W-0042\n"
	  "(testimony, reliability: high), detention register extract.\n" },
};

#define NITEMS (sizeof(items) / sizeof(items[0]))

/* Copy a file to a new path (the vault, to tamper with the copy). */
static enum am_status copy_file(const char *from, const char *to, struct am_err *e)
{
	struct am_newfile out;
	unsigned char buf[65536];
	enum am_status s;
	long long n;
	int in = open(from, O_RDONLY | O_CLOEXEC);

	if (in < 0)
		return am_fail(e, AM_EIO, "cannot open %s: %s", from, strerror(errno));
	s = am_newfile_open(&out, to, 0600, 0, e);
	while (s == AM_OK && (n = am_read_full(in, buf, sizeof(buf))) > 0)
		s = am_newfile_write(&out, buf, (size_t)n, e);
	close(in);
	if (s != AM_OK) {
		am_newfile_abort(&out);
		return s;
	}
	return am_newfile_commit(&out, 0, e);
}

/* Each step must behave as described; a step that does not ends the demo. */
#define STEP(cond, ...)                                              \
	do {                                                         \
		if (!(cond)) {                                       \
			if (s == AM_OK)                              \
				s = am_fail(&e, AM_EVERIFY, __VA_ARGS__); \
			goto cleanup;                                \
		}                                                    \
	} while (0)

int cmd_demo(int argc, char **argv)
{
	const struct cli_cmd *c = cli_find("demo");
	struct am_identity id[NPEOPLE];
	struct am_vault *v = NULL;
	struct am_trusted *t = NULL;
	struct am_pin pin;
	struct am_verify_report r;
	struct am_progress none = { NULL, NULL };
	struct am_err e;
	enum am_status s = AM_OK;
	const char *dir = "amanat-demo";
	char fresh[64];
	char *keys = NULL, *inputs = NULL, *vault = NULL, *tampered = NULL, *out = NULL;
	uint64_t seqs[NITEMS], seq = 0;
	int rc;

	am_err_init(&e);
	for (int i = 0; i < NPEOPLE; i++)
		am_identity_init(&id[i]);
	if (argc > 2)
		return cli_usage_error(c, "expected at most one DIR");
	if (argc == 2) {
		dir = argv[1];
	} else {
		/* run again, the README's first command makes a fresh directory */
		for (int i = 2; access(dir, F_OK) == 0 && i < 1000; i++) {
			snprintf(fresh, sizeof(fresh), "amanat-demo-%d", i);
			dir = fresh;
		}
	}
	if (mkdir(dir, 0700) != 0) {
		if (errno == EEXIST)
			return cli_fail(&e, am_fail(&e, AM_EEXIST, "%s already exists; give the demo a "
						    "new directory (amanat demo DIR)", dir));
		return cli_fail(&e, am_fail(&e, AM_EIO, "cannot create %s: %s", dir, strerror(errno)));
	}
	keys = cli_path_join(dir, "keys");
	inputs = cli_path_join(dir, "inputs");
	vault = cli_path_join(dir, "demo.amn");
	tampered = cli_path_join(dir, "tampered-copy.amn");
	out = cli_path_join(dir, "extracted-W-0042.txt");
	if (!keys || !inputs || !vault || !tampered || !out || mkdir(keys, 0700) != 0 ||
	    mkdir(inputs, 0700) != 0) {
		s = am_fail(&e, AM_EIO, "cannot set up %s", dir);
		goto cleanup;
	}

	printf("amanat demo: a vault of FICTIONAL testimony in %s/\n\n", dir);
	printf("1. Four people get identities (each a secret .id sealed under a passphrase,\n"
	       "   and a .pub to share).  The demo passphrase for all of them is\n"
	       "   \"%s\"; real ones come from the terminal, never from arguments.\n", DEMO_PASS);
	for (int i = 0; i < NPEOPLE && s == AM_OK; i++) {
		char *base = cli_path_join(keys, people[i][0]), idp[600], pubp[600];
		if (base == NULL) {
			s = am_fail(&e, AM_ENOMEM, "out of memory");
			break;
		}
		snprintf(idp, sizeof(idp), "%s.id", base);
		snprintf(pubp, sizeof(pubp), "%s.pub", base);
		free(base);
		s = am_identity_generate(&id[i], people[i][0], &e);
		if (s == AM_OK)
			s = am_keyfile_write(idp, &id[i], DEMO_PASS, strlen(DEMO_PASS),
					     AM_KDF_INTERACTIVE, &e);
		if (s == AM_OK)
			s = am_pubfile_write(pubp, &id[i], &e);
		printf("     %-15s %s\n", people[i][0], people[i][1]);
	}
	if (s != AM_OK)
		goto cleanup;

	printf("\n2. The admin creates the vault %s, with the custodian as the only\n"
	       "   recipient, and enrolls the officer and the auditor.\n", vault);
	s = am_vault_create(vault, &id[ADMIN], &id[CUSTODIAN], 1, &pin, &e);
	if (s == AM_OK)
		s = am_vault_open(vault, 1, &v, &e);
	/* every writer builds on the log as verified from what its creator pinned */
	if (s == AM_OK)
		s = am_trust(v, &pin, &t, &e);
	if (s == AM_OK)
		am_vault_use_trust(v, t);
	if (s == AM_OK)
		s = am_enroll(v, t, &id[ADMIN], &id[OFFICER], AM_ROLE_OFFICER, NULL, &e);
	if (s == AM_OK)
		s = am_enroll(v, t, &id[ADMIN], &id[AUDITOR], AM_ROLE_AUDITOR, NULL, &e);
	if (s != AM_OK)
		goto cleanup;

	printf("\n3. The officer seals three fictional items.  Sealing needs only the\n"
	       "   custodian's public key, so the officer's laptop can decrypt nothing:\n");
	for (size_t i = 0; i < NITEMS && s == AM_OK; i++) {
		struct am_fields f;
		struct am_seal_req req;
		struct am_seal_result res;
		char *path = cli_path_join(inputs, items[i].file);
		int fd;

		am_fields_init(&f);
		s = path ? am_write_new_file(path, 0600, items[i].text, strlen(items[i].text), &e)
			 : am_fail(&e, AM_ENOMEM, "out of memory");
		if (s == AM_OK)
			s = am_fields_set(&f, "case", items[i].kase, strlen(items[i].kase), &e);
		if (s == AM_OK)
			s = am_fields_set(&f, "title", items[i].title, strlen(items[i].title), &e);
		if (s == AM_OK)
			s = am_fields_set(&f, "filename", items[i].file, strlen(items[i].file), &e);
		if (s == AM_OK && i == 0)
			s = am_fields_set(&f, "consent.scopes", "internal,un-mechanism", 21, &e);
		fd = (s == AM_OK) ? open(path, O_RDONLY | O_CLOEXEC) : -1;
		if (s == AM_OK && fd < 0)
			s = am_fail(&e, AM_EIO, "cannot open %s", path);
		if (s == AM_OK) {
			memset(&req, 0, sizeof(req));
			req.type = items[i].type;
			req.fields = &f;
			req.fd = fd;
			req.refs = i == NITEMS - 1 ? seqs : NULL;
			req.nrefs = i == NITEMS - 1 ? NITEMS - 1 : 0;
			s = am_seal(v, t, &id[OFFICER], &req, &res, &e);
			seqs[i] = res.seq;
		}
		if (fd >= 0)
			close(fd);
		if (s == AM_OK)
			printf("     entry %llu  %-9s %s\n", (unsigned long long)seqs[i],
			       am_type_name(items[i].type), items[i].title);
		am_fields_release(&f);
		free(path);
	}
	if (s != AM_OK)
		goto cleanup;
	{
		struct am_err denied;
		am_err_init(&denied);
		STEP(am_can_open(v, &id[OFFICER], seqs[0], &denied) == AM_EAUTH,
		     "the officer could open what they sealed");
		printf("   The officer asking to read entry %llu is refused:\n     \"%s\"\n",
		       (unsigned long long)seqs[0], denied.msg);
	}

	printf("\n4. The custodian extracts the testimony.  The reading is sealed into the\n"
	       "   log first (who, what, why), then the content is checked chunk by chunk\n"
	       "   and against its sealed SHA-256:\n");
	{
		struct am_newfile nf;
		s = am_record_custody(v, t, &id[CUSTODIAN], AM_ACT_EXTRACT, &seqs[0], 1,
				      "demo: preparing a fictional case file", &seq, &e);
		if (s == AM_OK)
			s = am_newfile_open(&nf, out, 0600, 0, &e);
		if (s == AM_OK) {
			s = am_extract(v, &id[CUSTODIAN], seqs[0], nf.fd, none, &e);
			if (s == AM_OK)
				s = am_newfile_commit(&nf, 0, &e);
			else
				am_newfile_abort(&nf);
		}
		if (s != AM_OK)
			goto cleanup;
		printf("     custody entry %llu records it; the text is in %s\n",
		       (unsigned long long)seq, out);
	}
	am_vault_close(v);
	v = NULL;
	am_trusted_free(t);
	t = NULL;

	printf("\n5. Anyone, the auditor included, verifies with public keys only:\n");
	s = am_vault_open(vault, 0, &v, &e);
	if (s == AM_OK)
		s = am_verify(v, AM_VERIFY_FULL, none, &r, &e);
	if (s != AM_OK)
		goto cleanup;
	STEP(r.ok, "the demo vault does not verify: entry %llu: %s",
	     (unsigned long long)r.bad_seq, r.reason);
	printf("     ok: %llu entries, every hash, signature, enrollment and ciphertext\n",
	       (unsigned long long)r.entries);
	am_vault_close(v);
	v = NULL;

	printf("\n6. Someone with access to the file changes one byte of the testimony in a\n"
	       "   copy, %s, going around amanat's own guards:\n", tampered);
	s = copy_file(vault, tampered, &e);
	if (s == AM_OK)
		s = am_tamper_flip_chunk_byte(tampered, seqs[0], &e);
	if (s == AM_OK)
		s = am_vault_open(tampered, 0, &v, &e);
	if (s == AM_OK)
		s = am_verify(v, AM_VERIFY_FULL, none, &r, &e);
	if (s != AM_OK)
		goto cleanup;
	STEP(!r.ok && r.bad_seq == seqs[0], "the tampered copy was not caught");
	printf("     verify catches it: entry %llu: %s\n", (unsigned long long)r.bad_seq, r.reason);

	printf("\n7. A monitoring office keeps structured case records and publishes figures.\n"
	       "   The custodian imports %s/inputs/monitoring-cases.csv (fictional acts,\n"
	       "   one row each) into a second vault, monitoring.amn, withdraws a few cases,\n"
	       "   and computes signed figures over the verified records:\n", dir);
	s = cli_demo_cases(dir, &id[ADMIN], &id[CUSTODIAN], &e);
	if (s != AM_OK)
		goto cleanup;
	printf("     the signed report: %s/monitoring-report.json; a printable annex:\n"
	       "     %s/monitoring-annex.html (docs/CASES.md)\n", dir, dir);

	printf("\nDone.  Files are in %s/: keys/ (identities), inputs/ (the fictional\n"
	       "originals), demo.amn (the vault), tampered-copy.amn, and the extracted text.\n"
	       "Try:\n"
	       "  amanat list %s\n"
	       "  amanat log %s\n"
	       "  amanat verify %s\n"
	       "  amanat show %s %llu --as %s/custodian-demo.id   (passphrase above)\n"
	       "  amanat stats --check %s/monitoring-report.json %s/monitoring.amn --as %s/custodian-demo.id\n",
	       dir, vault, vault, tampered, vault, (unsigned long long)seqs[2], keys, dir, dir, keys);
cleanup:
	am_vault_close(v);
	am_trusted_free(t);
	for (int i = 0; i < NPEOPLE; i++)
		am_identity_release(&id[i]);
	free(keys);
	free(inputs);
	free(vault);
	free(tampered);
	free(out);
	if (s != AM_OK)
		return cli_fail(&e, s);
	rc = cli_finish(EXIT_OK);
	return rc;
}
