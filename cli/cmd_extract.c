/* cmd_extract.c — amanat extract: a custodian writes out sealed content. */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "../common/fsutil.h"
#include "cli.h"
#include "pin.h"

int cmd_extract(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "as", required_argument, NULL, 'a' },
		{ "purpose", required_argument, NULL, 'P' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "passphrase-fd", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_cmd *c = cli_find("extract");
	struct cli_pass pass = { -1 };
	struct cli_progress prog;
	struct am_identity reader;
	struct am_newfile out = { -1, NULL, NULL };
	struct cli_trust ct;
	const char *as = NULL, *purpose = NULL, *path = NULL;
	uint64_t seq;
	int force = 0, ch, to_stdout;
	struct am_err e;
	enum am_status s;

	am_err_init(&e);
	am_identity_init(&reader);
	memset(&ct, 0, sizeof(ct));
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			as = optarg;
			break;
		case 'P':
			purpose = optarg;
			break;
		case 'o':
			path = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'p':
			if (cli_pass_fd(optarg, &pass) != 0)
				return cli_usage_error(c, "--passphrase-fd needs a file descriptor number");
			break;
		default:
			return cli_usage_error(c, "unknown option");
		}
	}
	if (argc - optind != 2 || cli_parse_u64(argv[optind + 1], &seq) != 0)
		return cli_usage_error(c, "expected VAULT and an entry number");
	if (as == NULL || purpose == NULL || path == NULL)
		return cli_usage_error(c, "--as, --purpose and -o are required");
	if (purpose[0] == '\0')
		return cli_usage_error(c, "--purpose must say why");
	to_stdout = strcmp(path, "-") == 0;
	if (!to_stdout && !force && access(path, F_OK) == 0)
		return cli_fail(&e, am_fail(&e, AM_EEXIST, "%s already exists; refusing to overwrite "
					    "it (use --force)", path));
	s = cli_trust_open(&ct, argv[optind], 1, &e);
	if (s == AM_OK)
		s = cli_unlock(&pass, as, &reader, &e);
	if (s == AM_OK)
		s = am_can_open(ct.v, &reader, seq, &e);
	if (s == AM_OK && !to_stdout)
		s = am_newfile_open(&out, path, 0600, force, &e);
	/* nothing is decrypted until the reading is on the record */
	if (s == AM_OK)
		s = am_record_custody(ct.v, ct.t, &reader, AM_ACT_EXTRACT, &seq, 1, purpose, NULL, &e);
	if (s == AM_OK) {
		s = am_extract(ct.v, &reader, seq, to_stdout ? STDOUT_FILENO : out.fd,
			       cli_progress_start(&prog, "extracting"), &e);
		cli_progress_end(&prog);
	}
	if (!to_stdout) {
		if (s == AM_OK)
			s = am_newfile_commit(&out, force, &e);
		else
			am_newfile_abort(&out);
	}
	if (s == AM_EIO && strstr(e.msg, path) == NULL) {
		/* name the file at fault: the library only knows "the output" */
		char msg[sizeof(e.msg)];
		snprintf(msg, sizeof(msg), "%s", e.msg);
		am_fail(&e, s, "%s: %s", path, msg);
	}
	if (s == AM_OK && !to_stdout)
		fprintf(stderr, "extracted entry %llu to %s (checked against its sealed SHA-256)\n",
			(unsigned long long)seq, path);
	cli_trust_close(&ct);
	am_identity_release(&reader);
	if (s != AM_OK)
		return cli_fail(&e, s);
	return cli_finish(EXIT_OK);
}
