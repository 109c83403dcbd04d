/* cmd_extract.c — amanat extract: a custodian writes out sealed content. */
#include <string.h>
#include <unistd.h>

#include "../common/fsutil.h"
#include "cli.h"
#include "reading.h"

/* The command, with co released by cmd_extract whatever happens. */
static int run_extract(int argc, char **argv, struct cli_common *co)
{
	static const struct option opts[] = {
		CLI_OPT_AS,
		CLI_OPT_PURPOSE,
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		CLI_OPT_PASSPHRASE_FD,
		CLI_OPT_END,
	};
	const struct cli_cmd *c = cli_find("extract");
	struct cli_progress prog;
	struct cli_reading r;
	struct am_output out;
	const char *path = NULL;
	uint64_t seq;
	int force = 0, ch, to_stdout, opened;
	struct am_err e;
	enum am_status s;

	am_err_init(&e);
	cli_common_init(co);
	while ((ch = cli_getopt(c, argc, argv, "o:", opts, co)) != -1) {
		switch (ch) {
		case 'o':
			path = optarg;
			break;
		case 'f':
			force = 1;
			break;
		default: /* cli_getopt has said what is wrong */
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2 || cli_parse_u64(argv[optind + 1], &seq) != 0)
		return cli_usage_error(c, "expected VAULT and an entry number");
	if (co->as == NULL || co->purpose == NULL || path == NULL)
		return cli_require(c, 3, (const char *const[]){ "--as", "--purpose", "-o" },
				   (const int[]){ co->as != NULL, co->purpose != NULL, path != NULL });
	if (co->purpose[0] == '\0')
		return cli_usage_error(c, "--purpose must say why");
	to_stdout = strcmp(path, "-") == 0;
	/* before any passphrase: what is at PATH, and whether it may be written */
	s = am_output_check(path, force, &e);
	if (s == AM_EEXIST)
		return cli_fail(&e, am_fail(&e, AM_EEXIST, "%s already exists; refusing to overwrite "
					    "it (use --force)", path));
	if (s != AM_OK)
		return cli_fail(&e, s);
	cli_reading_init(&r, seq);
	out.fd = -1;
	s = cli_reading_open(&r, argv[optind], &e);
	if (s == AM_OK)
		s = cli_reading_unlock(&r, co, &e);
	/* a new file, one replaced (--force), or a device, FIFO or stdout written in place */
	opened = s == AM_OK && (s = am_output_open(&out, path, 0600, force, &e)) == AM_OK;
	/* nothing is decrypted until the reading is on the record */
	if (s == AM_OK)
		s = cli_reading_record(&r, AM_ACT_EXTRACT, co, &e);
	if (s == AM_OK) {
		s = am_extract(r.ct.v, &r.reader, seq, out.fd,
			       cli_progress_start(&prog, "extracting"), &e);
		cli_progress_end(&prog);
	}
	if (opened) {
		if (s == AM_OK)
			s = am_output_commit(&out, force, &e);
		else
			am_output_abort(&out);
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
	return cli_reading_done(&r, &e, s);
}

int cmd_extract(int argc, char **argv)
{
	return cli_run(run_extract, argc, argv);
}
