/* cmd_seal.c — amanat seal: encrypt, sign and append one item. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../bundle/bundle.h"
#include "../common/bytes.h"
#include "../common/fsutil.h"
#include "../vault/note.h"
#include "cli.h"
#include "pin.h"
#include "seal_bulk.h"

#define MAX_REFS 256

/*
 * 1 when p[0..n) looks like UTF-16: a byte order mark, or text (KEY=VALUE
 * lines are ASCII at least in their keys) with a NUL in a quarter or more of
 * its byte pairs, nearly all on the same side.
 */
static int looks_utf16(const unsigned char *p, size_t n)
{
	size_t z[2] = { 0, 0 };

	if (n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)))
		return 1;
	for (size_t i = 0; i < n; i++)
		z[i & 1] += p[i] == 0;
	return n >= 4 && ((z[0] * 4 >= n / 2 && z[1] * 8 <= z[0]) ||
			  (z[1] * 4 >= n / 2 && z[0] * 8 <= z[1]));
}

/*
 * The 8-bit encoding text that is not UTF-8 most likely is, or NULL.  A Dari
 * or Arabic file saved as "ANSI" by Windows is Windows-1256: its letters come
 * in runs (words) of bytes from 0x81 up, and seldom at the bytes where it
 * keeps French letters, which Windows-1251 gives to the commonest Cyrillic
 * ones (a, v, i, o, ...).  Western text has single accented letters between
 * ASCII ones (Windows-1252).
 */
static const char *guess_8bit(const unsigned char *p, size_t n)
{
	static const unsigned char latin_in_1256[] = { 0xe0, 0xe2, 0xe7, 0xe8, 0xe9, 0xea, 0xeb,
						       0xee, 0xef, 0xf4, 0xf9, 0xfb, 0xfc };
	size_t high = 0, runs = 0, upper = 0, latin = 0, utf8 = 0;
	int in_run = 0;

	/* only the bytes that are not UTF-8 count */
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = am_utf8_next(p + i, n - i, &cp);
		if (k > 1)
			utf8++;
		if (k != 0) {
			in_run = 0;
			i += k;
			continue;
		}
		high++;
		runs += !in_run;
		in_run = 1;
		if (p[i] >= 0xc0) {
			upper++;
			latin += memchr(latin_in_1256, p[i], sizeof(latin_in_1256)) != NULL;
		}
		i++;
	}
	/* UTF-8 text with a stray byte or two is not in another encoding */
	if (high == 0 || utf8 >= high)
		return NULL;
	if (high < 2 * runs)
		return "Windows-1252";
	if (upper == 0)
		return NULL;
	return latin * 5 > upper ? "Windows-1251" : "Windows-1256";
}

/* AM_EINPUT for a line of path that is not UTF-8 text, saying what it may be instead. */
static enum am_status not_utf8(const char *path, size_t lineno, const unsigned char *line,
			       size_t n, const unsigned char *all, size_t alln, struct am_err *e)
{
	const char *enc = guess_8bit(all, alln);

	if (memchr(line, '\0', n) != NULL)
		return am_fail(e, AM_EINPUT, "%s: line %zu holds a NUL byte; save the file as UTF-8 "
			       "text", path, lineno);
	if (enc != NULL)
		return am_fail(e, AM_EINPUT, "%s: line %zu is not UTF-8 (it looks like %s); save "
			       "the file as UTF-8", path, lineno, enc);
	return am_fail(e, AM_EINPUT, "%s: line %zu is not UTF-8; save the file as UTF-8", path,
		       lineno);
}

/*
 * KEY=VALUE lines from a file: metadata that should not be seen in argv.
 * The file must be UTF-8 (a byte order mark at its start is skipped): one
 * saved in another encoding is refused, naming the first line that is not
 * UTF-8, rather than sealed as bytes no one can read back as text.
 */
static enum am_status meta_from(struct am_fields *f, const char *path, struct am_err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0, off = 0, lineno = 0;
	enum am_status s = am_read_small_file(path, 1 << 20, &buf, &len, e);

	if (s != AM_OK)
		return s;
	if (looks_utf16(buf, len))
		s = am_fail(e, AM_EINPUT, "%s: the file is UTF-16; save it as UTF-8", path);
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	while (s == AM_OK && off < len) {
		char *line = (char *)buf + off, *eq;
		const unsigned char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - (buf + off)) : len - off;

		off += n + (nl != NULL);
		lineno++;
		line[n] = '\0'; /* the newline, or the NUL after the file's last byte */
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (!am_utf8_ok((const unsigned char *)line, n)) {
			s = not_utf8(path, lineno, (const unsigned char *)line, n, buf, len, e);
			break;
		}
		if (n == 0 || line[0] == '#')
			continue;
		eq = strchr(line, '=');
		if (eq == NULL || eq == line) {
			s = am_fail(e, AM_EINPUT, "%s: line %zu: '%.40s' is not KEY=VALUE", path, lineno,
				    line);
			break;
		}
		*eq = '\0';
		if (strcmp(line, "sha256") == 0 || strcmp(line, "size") == 0) {
			s = am_fail(e, AM_EINPUT, "%s: line %zu: %s is computed by amanat", path, lineno,
				    line);
		} else if (strcmp(line, "case") == 0 && cli_blank(eq + 1, strlen(eq + 1))) {
			s = am_fail(e, AM_EINPUT, "%s: line %zu: case is blank; give the case id", path,
				    lineno);
		} else {
			s = am_fields_set(f, line, eq + 1, strlen(eq + 1), e);
			if (s != AM_OK) {
				char why[sizeof(e->msg)];
				snprintf(why, sizeof(why), "%s", e->msg);
				s = am_fail(e, s, "%s: line %zu: %s", path, lineno, why);
			}
		}
	}
	am_wipe(buf, len);
	free(buf);
	return s;
}

/*
 * Say at seal time what export will make of the item's consent
 * (docs/BUNDLE.md, "Consent"), rather than let a refusal surprise someone
 * months later: names in consent.scopes that are no scope (export ignores
 * them), and an item every export will refuse (a testimony recording no
 * consent, or consent naming no scope), with the later entry that fixes it.
 */
static void warn_consent(const char *vault, const char *as, uint64_t seq, unsigned type,
			 const struct am_fields *f)
{
	const struct am_field *sc = am_fields_get(f, "consent.scopes");
	const struct am_field *wd = am_fields_get(f, "consent.withdrawn");
	int any = 0;
	size_t known = 0;

	for (size_t i = 0; i < f->n; i++)
		any |= strncmp(f->v[i].name, "consent.", 8) == 0;
	for (size_t i = 0; sc != NULL && i < sc->vlen;) {
		const char *tok = (const char *)sc->value + i;
		size_t k = 0;
		char name[32];

		while (i + k < sc->vlen && tok[k] != ',' && tok[k] != ' ')
			k++;
		i += k + 1;
		if (k == 0)
			continue;
		if (k < sizeof(name)) {
			memcpy(name, tok, k);
			name[k] = '\0';
			if (am_scope_ok(name)) {
				known++;
				continue;
			}
		}
		fprintf(stderr, "amanat: warning: entry %llu: '", (unsigned long long)seq);
		cli_print_value(stderr, (const unsigned char *)tok, k);
		fprintf(stderr, "' in consent.scopes is not a consent scope (internal, un-mechanism, "
			"court, defence-identity, publication, re-contact): export ignores it\n");
	}
	/* consent recorded as withdrawn is meant to refuse every export */
	if (wd != NULL && !(wd->vlen == 2 && memcmp(wd->value, "no", 2) == 0))
		return;
	if (known > 0 || (!any && type != AM_T_TESTIMONY))
		return;
	fprintf(stderr, "amanat: warning: entry %llu %s: export will refuse this item for every "
		"scope until consent is recorded with a later entry: amanat seal %s --ref %llu "
		"--as %s --type document --case CASE --meta consent.scopes=SCOPE,... FILE\n",
		(unsigned long long)seq,
		any ? "records no consent scope" : "is a testimony with no consent recorded", vault,
		(unsigned long long)seq, as);
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
		{ "recursive", no_argument, NULL, 'R' },
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
	struct am_seal_result res;
	struct cli_trust ct;
	const struct am_field *cf;
	const char *kase = NULL, *input;
	uint64_t refs[MAX_REFS], total = 0;
	size_t nrefs = 0;
	unsigned type = 0;
	int in = -1, ch, sig, rc = EXIT_OK, recursive = 0;
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
		case 'T':
			if (!am_utf8_ok((const unsigned char *)optarg, strlen(optarg))) {
				rc = cli_usage_error(c, "%s is not UTF-8 text", ch == 'c' ? "--case"
							     : "--title");
				goto cleanup;
			}
			if (ch == 'c')
				kase = optarg;
			s = am_fields_set(&f, ch == 'c' ? "case" : "title", optarg, strlen(optarg), &e);
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
			if (!am_utf8_ok((const unsigned char *)eq + 1, strlen(eq + 1))) {
				rc = cli_usage_error(c, "--meta %s: the value is not UTF-8 text", optarg);
				goto cleanup;
			}
			s = am_fields_set(&f, optarg, eq + 1, strlen(eq + 1), &e);
			*eq = '=';
			break;
		case 'M':
			s = meta_from(&f, optarg, &e);
			break;
		case 'R':
			recursive = 1;
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
	if (argc - optind < 2) {
		rc = cli_usage_error(c, "expected VAULT and FILE... (or - for standard input)");
		goto cleanup;
	}
	if (kase == NULL && am_fields_get(&f, "case") != NULL)
		kase = "(from --meta-from)";
	if (co.as == NULL || type == 0 || kase == NULL) {
		rc = cli_require(c, 3, (const char *const[]){ "--as", "--type", "--case" },
				 (const int[]){ co.as != NULL, type != 0, kase != NULL });
		goto cleanup;
	}
	cf = am_fields_get(&f, "case");
	if (cf != NULL && cli_blank((const char *)cf->value, cf->vlen)) {
		rc = cli_usage_error(c, "the case id is blank: give --case CASE");
		goto cleanup;
	}
	/* references must be given in order for the header's canonical form */
	for (size_t i = 1; i < nrefs; i++) {
		if (refs[i] <= refs[i - 1]) {
			rc = cli_usage_error(c, "give each --ref once, in increasing order");
			goto cleanup;
		}
	}
	if (argc - optind > 2 || recursive) {
		struct cli_seal_bulk bulk = {
			argv[optind], co.as, &co.pass, argv + optind + 1, (size_t)(argc - optind - 1),
			recursive, type, &f, refs, nrefs, co.json,
		};
		struct cli_seal_bulk_out got;
		rc = cli_seal_bulk(&bulk, &got);
		if (got.sealed > 0)
			warn_consent(argv[optind], co.as, got.first, type, &f);
		goto cleanup;
	}
	input = argv[optind + 1];
	if (strcmp(input, "-") == 0) {
		struct stat st;
		off_t at;
		in = STDIN_FILENO;
		/* a file redirected in has a known size; a pipe or a terminal has not */
		if (fstat(in, &st) == 0 && S_ISREG(st.st_mode) &&
		    (at = lseek(in, 0, SEEK_CUR)) >= 0 && at <= st.st_size)
			total = (uint64_t)(st.st_size - at);
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
		if (S_ISREG(st.st_mode))
			total = (uint64_t)st.st_size;
		/* a filename given with --meta or --meta-from (a neutral one) is kept */
		if (am_fields_get(&f, "filename") == NULL) {
			const char *base;
			copy = strdup(input);
			if (copy == NULL) {
				s = am_fail(&e, AM_ENOMEM, "out of memory");
				goto fail;
			}
			base = basename(copy);
			if (!am_utf8_ok((const unsigned char *)base, strlen(base)))
				s = am_fail(&e, AM_EINPUT, "the name of %s is not UTF-8 text; give the "
					    "name to record with --meta filename=NAME", input);
			else
				s = am_fields_set(&f, "filename", base, strlen(base), &e);
			free(copy);
			if (s != AM_OK)
				goto fail;
		}
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
	prog.total = total;
	/* a signal now stops the seal, which rolls back: no entry, no -journal left */
	req.stop = cli_interruptible_begin();
	s = am_seal(ct.v, ct.t, &signer, &req, &res, &e);
	sig = cli_interruptible_end();
	cli_progress_end(&prog);
	if (s != AM_OK && sig != 0) {
		fprintf(stderr, "amanat: interrupted: nothing was sealed; the vault is unchanged\n");
		rc = 128 + sig;
		goto cleanup;
	}
	if (s != AM_OK)
		goto fail;
	if (co.json)
		cli_seal_receipt(ct.v, type, &res, NULL);
	else
		printf("%llu\n", (unsigned long long)res.seq);
	/* who can read it: the custodians of the verified log, by name and key id */
	cli_show_recipients(am_trusted_members(ct.t));
	warn_consent(argv[optind], co.as, res.seq, type, &f);
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
