/*
 * opts.c — the options every command parses the same way (--as, --json,
 * --passphrase-fd, --purpose and --purpose-from, and dates), so that a command's own
 * loop holds only what is its own and every command words their errors alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/bytes.h"
#include "../common/fsutil.h"
#include "cli.h"

/* The most text --purpose-from reads: a purpose is a sentence or a paragraph. */
#define PURPOSE_MAX 65536

void cli_common_init(struct cli_common *co)
{
	memset(co, 0, sizeof(*co));
	co->pass.fd = -1;
}

void cli_common_release(struct cli_common *co)
{
	for (size_t i = 0; i < co->nowned; i++) {
		am_wipe(co->owned[i], co->owned_size[i]);
		free(co->owned[i]);
	}
	co->nowned = 0;
}

int cli_run(int (*fn)(int argc, char **argv, struct cli_common *co), int argc, char **argv)
{
	struct cli_common co;
	int rc;

	cli_common_init(&co);
	rc = fn(argc, argv, &co);
	cli_common_release(&co);
	return rc;
}

int cli_text_from(const struct cli_cmd *c, struct cli_common *co, const char *opt,
		  const char *arg, size_t max, char **out, size_t *len)
{
	int in = strcmp(arg, "-") == 0, fd;
	unsigned char *buf;
	long long got;
	struct stat st;

	*out = NULL;
	*len = 0;
	if (in && co->stdin_by != NULL) {
		cli_usage_error(c, "%s - and %s - cannot both read standard input", co->stdin_by,
				opt);
		return EXIT_USAGE;
	}
	if (co->nowned == CLI_MAX_OWNED) {
		cli_usage_error(c, "too many options read from files");
		return EXIT_USAGE;
	}
	fd = in ? STDIN_FILENO : open(arg, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		int err = fd < 0 ? errno : EISDIR;
		if (fd >= 0 && !in)
			close(fd);
		fprintf(stderr, "amanat %s: %s: cannot read %s: %s\n", c->name, opt,
			in ? "standard input" : arg, strerror(err));
		return EXIT_USAGE;
	}
	if (in)
		co->stdin_by = opt;
	buf = malloc(max + 2);
	if (buf == NULL) {
		if (!in)
			close(fd);
		fprintf(stderr, "amanat: out of memory\n");
		return EXIT_USAGE;
	}
	/* one byte more than allowed, to tell a long text from one that fits */
	got = am_read_full(fd, buf, max + 1);
	if (!in)
		close(fd);
	if (got < 0 || (size_t)got > max) {
		fprintf(stderr, "amanat %s: %s: %s %s\n", c->name, opt, in ? "standard input" : arg,
			got < 0 ? "cannot be read" : "is too long");
		am_wipe(buf, max + 2);
		free(buf);
		return EXIT_USAGE;
	}
	if (got > 0 && buf[got - 1] == '\n')
		got--;
	if (got > 0 && buf[got - 1] == '\r')
		got--;
	buf[got] = '\0';
	if (!am_utf8_ok(buf, (size_t)got)) {
		fprintf(stderr, "amanat %s: %s: %s is not UTF-8 text (or holds a NUL byte)\n",
			c->name, opt, in ? "standard input" : arg);
		am_wipe(buf, max + 2);
		free(buf);
		return EXIT_USAGE;
	}
	co->owned[co->nowned] = (char *)buf;
	co->owned_size[co->nowned++] = max + 2;
	*out = (char *)buf;
	*len = (size_t)got;
	return 0;
}

/* Say what getopt_long refused (optopt, argv[optind - 1]) in one usage error. */
static void bad_option(const struct cli_cmd *c, int argc, char **argv, const struct option *opts)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	size_t len = strcspn(arg, "="), matches = 0;
	const char *first = NULL, *second = NULL;

	/* an abbreviation of more than one long option is refused too */
	for (const struct option *o = opts; len > 2 && o->name != NULL; o++)
		if (strncmp(o->name, arg + 2, len - 2) == 0 && ++matches <= 2)
			*(matches == 1 ? &first : &second) = o->name;

	if (optopt >= '0' && optopt <= '9') {
		/* "-1": a negative number where an entry number goes, taken for an option */
		for (int i = 1; i < argc; i++)
			if (argv[i][0] == '-' && argv[i][1] == optopt) {
				arg = argv[i];
				break;
			}
		cli_usage_error(c, "'%s' is not an entry number: entries are numbered from 0", arg);
	} else if (strncmp(arg, "--", 2) == 0 && optopt == 0 && matches > 1) {
		cli_usage_error(c, "'%.*s' is ambiguous: --%s or --%s%s", (int)len, arg, first, second,
				matches > 2 ? " or another" : "");
	} else if (strncmp(arg, "--", 2) == 0 && optopt != 0) {
		cli_usage_error(c, "%.*s takes no value", (int)strcspn(arg, "="), arg);
	} else if (strncmp(arg, "--", 2) == 0) {
		cli_usage_error(c, "unknown option '%s'", arg);
	} else {
		cli_usage_error(c, "unknown option '-%c'", optopt);
	}
}

int cli_getopt(const struct cli_cmd *c, int argc, char **argv, const char *shortopts,
	       const struct option *opts, struct cli_common *co)
{
	char quiet[32];
	int ch;

	/* getopt_long reports through us, so each mistake gets one message */
	snprintf(quiet, sizeof(quiet), ":%s", shortopts);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, quiet, opts, NULL)) != -1) {
		switch (ch) {
		case CLI_AS:
			co->as = optarg;
			break;
		case CLI_JSON:
			co->json = 1;
			break;
		case CLI_PASSPHRASE_FD:
			if (cli_pass_fd(optarg, &co->pass) != 0) {
				cli_usage_error(c, "--passphrase-fd needs a file descriptor number");
				return '?';
			}
			break;
		case CLI_PURPOSE:
		case CLI_PURPOSE_FROM:
			if (co->purpose != NULL && co->purpose_from != (ch == CLI_PURPOSE_FROM)) {
				cli_usage_error(c, "give --purpose or --purpose-from, not both");
				return '?';
			}
			co->purpose_from = ch == CLI_PURPOSE_FROM;
			if (ch == CLI_PURPOSE) {
				co->purpose = optarg;
			} else {
				char *text;
				size_t n;
				if (cli_text_from(c, co, "--purpose-from", optarg, PURPOSE_MAX, &text,
						  &n) != 0)
					return '?';
				co->purpose = text;
			}
			break;
		case ':':
			cli_usage_error(c, "%s needs a value", argv[optind - 1]);
			return '?';
		case '?':
			bad_option(c, argc, argv, opts);
			return '?';
		default:
			return ch;
		}
	}
	if (co != NULL && co->stdin_by != NULL && co->pass.fd == STDIN_FILENO) {
		cli_usage_error(c, "%s - has read standard input: the passphrase cannot come from "
				"it too (--passphrase-fd 0)", co->stdin_by);
		return '?';
	}
	return -1;
}

int cli_options(const struct cli_cmd *c, int argc, char **argv, const struct option *opts,
		struct cli_common *co)
{
	if (co != NULL)
		cli_common_init(co);
	/* every option in opts is common, so anything returned is an error already said */
	if (cli_getopt(c, argc, argv, "", opts, co) != -1)
		return EXIT_USAGE;
	return 0;
}

int cli_date_arg(const struct cli_cmd *c, const char *opt, const char *arg, int end_of_day,
		 int64_t *ms)
{
	struct tm tm;
	char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	end = strptime(arg, "%Y-%m-%d", &tm);
	t = end != NULL && *end == '\0' ? timegm(&tm) : (time_t)-1;
	if (t == (time_t)-1)
		return cli_usage_error(c, "%s needs a date YYYY-MM-DD", opt);
	*ms = (int64_t)t * 1000 + (end_of_day ? 86399999 : 0);
	return 0;
}

int cli_blank(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t k = am_utf8_next(p + i, n - i, &c);
		/* ASCII white space, and Unicode's spaces (no-break, ideographic, ...) */
		int space = c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0 || c == 0x1680 ||
			    (c >= 0x2000 && c <= 0x200b) || c == 0x202f || c == 0x205f ||
			    c == 0x3000 || c == 0xfeff;
		if (k == 0 || !space)
			return 0;
		i += k;
	}
	return 1;
}
