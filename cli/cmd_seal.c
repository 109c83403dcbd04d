/* cmd_seal.c — amanat seal: encrypt, sign and append one item. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/fsutil.h"
#include "cli.h"
#include "pin.h"

#define MAX_REFS 256

/* KEY=VALUE lines from a file: metadata that should not be seen in argv. */
static enum am_status meta_from(struct am_fields *f, const char *path, struct am_err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	char *line, *save = NULL;
	enum am_status s = am_read_small_file(path, 1 << 20, &buf, &len, e);

	if (s != AM_OK)
		return s;
	for (line = strtok_r((char *)buf, "\n", &save); line != NULL && s == AM_OK;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (eq == NULL || eq == line) {
			s = am_fail(e, AM_EINPUT, "%s: '%.40s' is not KEY=VALUE", path, line);
			break;
		}
		*eq = '\0';
		if (strcmp(line, "sha256") == 0 || strcmp(line, "size") == 0)
			s = am_fail(e, AM_EINPUT, "%s: %s is computed by amanat", path, line);
		else
			s = am_fields_set(f, line, eq + 1, strlen(eq + 1), e);
	}
	am_wipe(buf, len);
	free(buf);
	return s;
}

int cmd_seal(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		{ "type", required_argument, NULL, 't' },
		{ "case", required_argument, NULL, 'c' },
		{ "title", required_argument, NULL, 'T' },
		{ "meta", required_argument, NULL, 'm' },
		{ "meta-from", required_argument, NULL, 'M' },
		{ "ref", required_argument, NULL, 'r' },
		CLI_OPT_JSON,
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("seal");
	struct cli_common co;
	struct cli_progress prog;
	struct am_identity signer;
	struct am_fields f;
	struct am_seal_req req;
	struct cli_trust ct;
	const char *kase = NULL, *input;
	uint64_t refs[MAX_REFS], seq = 0;
	size_t nrefs = 0;
	unsigned type = 0;
	int in = -1, ch, rc = EXIT_OK;
	struct am_err e;
	enum am_status s = AM_OK;

	am_err_init(&e);
	am_identity_init(&signer);
	am_fields_init(&f);
	memset(&ct, 0, sizeof(ct));
	cli_common_init(&co);
	while ((ch = cli_getopt(c, argc, argv, "", opts, &co)) != -1) {
		char *eq;
		switch (ch) {
		case 't':
			type = am_type_from_name(optarg);
			if (type < AM_T_TESTIMONY || type > AM_T_CASE) {
				rc = cli_usage_error(c, "--type must be " CLI_TYPE_CHOICES ", not '%s'",
						     optarg);
				goto cleanup;
			}
			break;
		case 'c':
			kase = optarg;
			s = am_fields_set(&f, "case", optarg, strlen(optarg), &e);
			break;
		case 'T':
			s = am_fields_set(&f, "title", optarg, strlen(optarg), &e);
			break;
		case 'm':
			eq = strchr(optarg, '=');
			if (eq == NULL || eq == optarg) {
				rc = cli_usage_error(c, "--meta needs KEY=VALUE, got '%s'", optarg);
				goto cleanup;
			}
			*eq = '\0';
			if (strcmp(optarg, "sha256") == 0 || strcmp(optarg, "size") == 0) {
				rc = cli_usage_error(c, "--meta %s is computed by amanat", optarg);
				goto cleanup;
			}
			s = am_fields_set(&f, optarg, eq + 1, strlen(eq + 1), &e);
			*eq = '=';
			break;
		case 'M':
			s = meta_from(&f, optarg, &e);
			break;
		case 'r':
			if (nrefs == MAX_REFS || cli_parse_u64(optarg, &refs[nrefs]) != 0) {
				rc = cli_usage_error(c, "--ref needs an entry number");
				goto cleanup;
			}
			nrefs++;
			break;
		default: /* cli_getopt has said what is wrong */
			rc = EXIT_USAGE;
			goto cleanup;
		}
		if (s != AM_OK) {
			rc = cli_fail(&e, s);
			goto cleanup;
		}
	}
	if (argc - optind != 2) {
		rc = cli_usage_error(c, "expected VAULT and FILE (or - for standard input)");
		goto cleanup;
	}
	if (kase == NULL && am_fields_get(&f, "case") != NULL)
		kase = "(from --meta-from)";
	if (co.as == NULL || type == 0 || kase == NULL) {
		rc = cli_require(c, 3, (const char *const[]){ "--as", "--type", "--case" },
				 (const int[]){ co.as != NULL, type != 0, kase != NULL });
		goto cleanup;
	}
	/* references must be given in order for the header's canonical form */
	for (size_t i = 1; i < nrefs; i++) {
		if (refs[i] <= refs[i - 1]) {
			rc = cli_usage_error(c, "give each --ref once, in increasing order");
			goto cleanup;
		}
	}
	input = argv[optind + 1];
	if (strcmp(input, "-") == 0) {
		in = STDIN_FILENO;
	} else {
		struct stat st;
		char *copy;
		in = open(input, O_RDONLY | O_CLOEXEC);
		if (in < 0) {
			s = am_fail(&e, errno == ENOENT || errno == EISDIR ? AM_EINPUT : AM_EIO,
				    "cannot open %s: %s", input, strerror(errno));
			goto fail;
		}
		if (fstat(in, &st) != 0 || S_ISDIR(st.st_mode)) {
			s = am_fail(&e, AM_EINPUT, "%s is a directory, not a file", input);
			goto fail;
		}
		copy = strdup(input);
		if (copy == NULL) {
			s = am_fail(&e, AM_ENOMEM, "out of memory");
			goto fail;
		}
		s = am_fields_set(&f, "filename", basename(copy), strlen(basename(copy)), &e);
		free(copy);
		if (s != AM_OK)
			goto fail;
	}
	s = cli_trust_open(&ct, argv[optind], 1, &e);
	if (s != AM_OK)
		goto fail;
	s = cli_unlock(&co.pass, co.as, &signer, &e);
	if (s != AM_OK)
		goto fail;
	memset(&req, 0, sizeof(req));
	req.type = type;
	req.fields = &f;
	req.fd = in;
	req.refs = refs;
	req.nrefs = nrefs;
	req.progress = cli_progress_start(&prog, "sealing");
	s = am_seal(ct.v, ct.t, &signer, &req, &seq, &e);
	cli_progress_end(&prog);
	if (s != AM_OK)
		goto fail;
	if (co.json)
		printf("{\"seq\":%llu,\"type\":\"%s\"}\n", (unsigned long long)seq, am_type_name(type));
	else
		printf("%llu\n", (unsigned long long)seq);
	/* who can read it: the custodians of the verified log, by name and key id */
	cli_show_recipients(am_trusted_members(ct.t));
	rc = cli_finish(EXIT_OK);
	goto cleanup;
fail:
	rc = cli_fail(&e, s);
cleanup:
	if (in > STDIN_FILENO)
		close(in);
	cli_trust_close(&ct);
	am_identity_release(&signer);
	am_fields_release(&f);
	return rc;
}
