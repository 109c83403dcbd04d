/* cmd_export.c — amanat export: an evidence bundle for a court or a commission. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bundle/bundle.h"
#include "cli.h"
#include "pin.h"
#include "reading.h"
#include "trust.h"

#define MAX_SEL 1024
/* an encrypted bundle's name (docs/DECISIONS.md, "Bundles") */
#define SEALED_EXT ".amanat-sealed"

static int ends_sealed(const char *out)
{
	size_t n = strlen(out), k = strlen(SEALED_EXT);

	return n > k && strcmp(out + n - k, SEALED_EXT) == 0;
}

/*
 * --case-from: one case id per line (blank lines skipped), appended to
 * cases[]; the text is co's.  0, or EXIT_USAGE once said.
 */
static int cases_from(const struct cli_cmd *c, struct cli_common *co, const char *arg,
		      const char **cases, size_t *ncases)
{
	char *text, *line, *save = NULL;
	size_t len;

	if (cli_text_from(c, co, "--case-from", arg, 1 << 20, &text, &len) != 0)
		return EXIT_USAGE;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (*ncases == MAX_SEL)
			return cli_usage_error(c, "too many cases (--case and --case-from name at "
					       "most %d)", MAX_SEL);
		cases[(*ncases)++] = line;
	}
	return 0;
}

/* The command, with co released by cmd_export whatever happens. */
static int run_export(int argc, char **argv, struct cli_common *co)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		{ "case", required_argument, NULL, 'c' },
		{ "case-from", required_argument, NULL, 'C' },
		{ "entry", required_argument, NULL, 'n' },
		{ "type", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		CLI_OPT_PURPOSE,
		{ "scope", required_argument, NULL, 's' },
		{ "withhold", required_argument, NULL, 'w' },
		{ "override-consent", required_argument, NULL, 'O' },
		{ "override-consent-from", required_argument, NULL, 'P' },
		{ "for", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		CLI_OPT_JSON,
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("export");
	static uint64_t seqs[MAX_SEL];
	static const char *cases[MAX_SEL], *withhold[MAX_SEL];
	struct cli_progress prog;
	struct am_export_req req;
	struct am_export_result res;
	struct am_identity custodian, recipient;
	struct cli_trust ct;
	const char *for_path = NULL;
	char hex[2 * AM_HASH_LEN + 1], rkid[2 * AM_KEYID_LEN + 1], ixname[2 * AM_VAULT_ID_LEN + 16];
	char vhex[2 * AM_VAULT_ID_LEN + 1];
	char *ixfile = NULL;
	size_t len;
	struct am_err e;
	enum am_status s;
	int ch, override_from = 0, sealed;
	unsigned t;

	am_err_init(&e);
	am_identity_init(&custodian);
	am_identity_init(&recipient);
	memset(&req, 0, sizeof(req));
	memset(&ct, 0, sizeof(ct));
	memset(&res, 0, sizeof(res));
	req.seqs = seqs;
	req.cases = cases;
	req.withhold = withhold;
	cli_common_init(co);
	while ((ch = cli_getopt(c, argc, argv, "o:", opts, co)) != -1) {
		switch (ch) {
		case 'c':
			if (cli_blank(optarg, strlen(optarg)))
				return cli_usage_error(c, "--case is blank: give a case id");
			if (req.ncases == MAX_SEL)
				return cli_usage_error(c, "too many --case");
			cases[req.ncases++] = optarg;
			break;
		case 'C':
			if (cases_from(c, co, optarg, cases, &req.ncases) != 0)
				return EXIT_USAGE;
			break;
		case 'n':
			if (req.nseqs == MAX_SEL || cli_parse_u64(optarg, &seqs[req.nseqs]) != 0)
				return cli_usage_error(c, "--entry needs an entry number");
			req.nseqs++;
			break;
		case 't':
			t = am_type_from_name(optarg);
			if (t < AM_T_TESTIMONY || t > AM_T_CASE)
				return cli_usage_error(c, "--type must be " CLI_TYPE_CHOICES ", not '%s'",
						       optarg);
			req.types |= 1u << t;
			break;
		case 'F':
			if (cli_date_arg(c, "--from", optarg, 0, &req.from_ms) != 0)
				return EXIT_USAGE;
			req.has_from = 1;
			break;
		case 'T':
			if (cli_date_arg(c, "--to", optarg, 1, &req.to_ms) != 0)
				return EXIT_USAGE;
			req.has_to = 1;
			break;
		case 's':
			req.scope = optarg;
			break;
		case 'w':
			if (req.nwithhold == MAX_SEL)
				return cli_usage_error(c, "too many --withhold");
			withhold[req.nwithhold++] = optarg;
			break;
		case 'O':
		case 'P':
			if (req.override_consent != NULL && override_from != (ch == 'P'))
				return cli_usage_error(c, "give --override-consent or "
						       "--override-consent-from, not both");
			override_from = ch == 'P';
			if (ch == 'O') {
				req.override_consent = optarg;
			} else {
				char *text;
				size_t n;
				if (cli_text_from(c, co, "--override-consent-from", optarg, 65536, &text,
						  &n) != 0)
					return EXIT_USAGE;
				req.override_consent = text;
			}
			break;
		case 'r':
			for_path = optarg;
			break;
		case 'o':
			req.out = optarg;
			break;
		default: /* cli_getopt has said what is wrong */
			return EXIT_USAGE;
		}
	}
	req.purpose = co->purpose;
	if (argc - optind != 1)
		return cli_usage_error(c, "expected one VAULT");
	if (co->as == NULL || req.purpose == NULL || req.out == NULL || req.scope == NULL)
		return cli_require(c, 4, (const char *const[]){ "--as", "--purpose", "--scope", "-o" },
				   (const int[]){ co->as != NULL, req.purpose != NULL, req.scope != NULL,
						  req.out != NULL });
	if (req.purpose[0] == '\0' || (req.override_consent && req.override_consent[0] == '\0'))
		return cli_usage_error(c, "--purpose and --override-consent must say why");
	if (!am_scope_ok(req.scope))
		return cli_usage_error(c, "--scope must be internal, un-mechanism, court, "
				       "defence-identity, publication or re-contact, not '%s'", req.scope);
	len = strlen(req.out);
	req.zip = len > 4 && strcmp(req.out + len - 4, ".zip") == 0;
	sealed = ends_sealed(req.out);
	if (for_path != NULL && req.zip)
		/* Windows would call it a broken archive: it is not a ZIP */
		return cli_usage_error(c, "--for writes an encrypted bundle, which is not a ZIP: "
				       "give -o %.*s" SEALED_EXT, (int)(len - 4), req.out);
	if (for_path != NULL && !sealed)
		return cli_usage_error(c, "--for writes one encrypted file: give -o %s" SEALED_EXT,
				       req.out);
	if (for_path == NULL && sealed)
		return cli_usage_error(c, "-o NAME" SEALED_EXT " is for a bundle encrypted with "
				       "--for RECIPIENT.pub; name a plain bundle NAME.zip or NAME");
	/* the encrypted file holds a ZIP (docs/BUNDLE.md, "Encrypted bundles") */
	req.zip |= for_path != NULL;
	if (req.has_from && req.has_to && req.from_ms > req.to_ms)
		return cli_usage_error(c, "--from is after --to");
	s = for_path ? cli_public_read(for_path, &recipient, &e) : AM_OK;
	/* the export is recorded in the vault: a read-only one is refused before the passphrase */
	if (s == AM_OK)
		s = cli_check_recordable(argv[optind], &e);
	if (s == AM_OK)
		s = cli_trust_open(&ct, argv[optind], 1, &e);
	if (s == AM_OK)
		s = cli_unlock(&co->pass, co->as, &custodian, &e);
	if (s != AM_OK)
		goto cleanup;
	req.custodian = &custodian;
	req.trusted = ct.t;
	req.recipient = for_path ? &recipient : NULL;
	req.progress = cli_progress_start(&prog, "exporting");
	/* local state beside the pin (docs/FORMAT.md §30) */
	am_hex(vhex, am_trusted_vault_id(ct.t), AM_VAULT_ID_LEN);
	snprintf(ixname, sizeof(ixname), "pins/%s.refs", vhex);
	if ((req.index = ixfile = cli_state_path(ixname)) != NULL)
		cli_make_parent(ixfile);
	s = am_export(ct.v, &req, &res, &e);
	cli_progress_end(&prog);
	if (res.index_why != NULL && strcmp(res.index_why, "missing") != 0)
		fprintf(stderr, "amanat: note: the export index %s was built again from the "
			"verified log: %s\n", ixfile, res.index_why);
	for (size_t i = 0; i < res.nrefused; i++)
		fprintf(stderr, "refused entry %llu: %s (recorded in custody entry %llu)\n",
			(unsigned long long)res.refused[i].seq, res.refused[i].reason,
			(unsigned long long)res.custody_after);
	if (s != AM_OK)
		goto cleanup;
	am_hex(hex, req.zip ? res.file_sha256 : res.tagmanifest_sha256, AM_HASH_LEN);
	if (for_path != NULL) { /* for people, so on standard error, with --json too */
		am_key_id_hex(rkid, recipient.sign_pk);
		fprintf(stderr, "%s is encrypted to %s (key %s) and is not a ZIP: only they can "
			"open it, with 'amanat open-bundle %s --as THEIR.id -o BUNDLE.zip', and "
			"then check it with 'amanat verify-bundle BUNDLE.zip'\n", req.out,
			recipient.name, rkid, req.out);
	}
	if (co->json) {
		printf("{\"items\":%zu,\"refused\":%zu,\"overridden\":%zu,\"tree_size\":%llu,"
		       "\"custody\":[%llu,%llu],\"sha256\":\"%s\",\"output\":",
		       res.nitems, res.nrefused, res.overridden, (unsigned long long)res.tree_size,
		       (unsigned long long)res.custody_before, (unsigned long long)res.custody_after, hex);
		json_cstr(stdout, req.out);
		printf("}\n");
	} else {
		printf("%s\n", req.out);
		fprintf(stderr, "exported %zu item%s to %s (%s SHA-256 %s); recorded as custody "
			"entries %llu and %llu\n", res.nitems, res.nitems == 1 ? "" : "s", req.out,
			req.zip ? "file" : "tag manifest", hex, (unsigned long long)res.custody_before,
			(unsigned long long)res.custody_after);
		if (res.overridden)
			fprintf(stderr, "consent overridden for %zu item%s: recorded with the reason\n",
				res.overridden, res.overridden == 1 ? "" : "s");
		if (res.unreadable)
			fprintf(stderr, "%zu matching entr%s sealed before %s was a custodian could not "
				"be read and were left out\n", res.unreadable,
				res.unreadable == 1 ? "y" : "ies", custodian.name);
	}
cleanup:
	free(ixfile);
	am_export_result_release(&res);
	am_identity_release(&custodian);
	cli_trust_close(&ct);
	return cli_done(&e, s);
}

int cmd_export(int argc, char **argv)
{
	return cli_run(run_export, argc, argv);
}
