/*
 * seal_bulk.h — amanat seal of several files or a directory tree
 * (seal_bulk.c), and the --json receipt both seal paths print.
 */
#ifndef AMANAT_CLI_SEAL_BULK_H
#define AMANAT_CLI_SEAL_BULK_H

#include <stddef.h>
#include <stdint.h>

#include "../vault/vault.h"
#include "cli.h"

struct cli_seal_bulk {
	const char *vault;
	const char *as;
	const struct cli_pass *pass;
	char *const *files; /* FILE operands: files, and directories with recursive */
	size_t nfiles;
	int recursive;
	unsigned type;
	struct am_fields *fields; /* every entry's; filename and path are set per file */
	const uint64_t *refs;
	size_t nrefs;
	int json;
};

/* What was sealed (durable), for what the caller says after. */
struct cli_seal_bulk_out {
	size_t sealed;
	uint64_t first, last;
};

/*
 * Seal every file in one batch run: one unlock, one entry per file (its
 * name the filename field, its path under a directory given the path
 * field), each printed ("SEQ<tab>PATH", or a --json receipt per line) once
 * durable.  Returns the exit code, having said what went wrong.
 */
int cli_seal_bulk(const struct cli_seal_bulk *in, struct cli_seal_bulk_out *out);

/*
 * --json: the receipt an officer keeps, with the checkpoint the entry was
 * committed in; path (may be NULL) names the file it came from.
 */
void cli_seal_receipt(struct am_vault *v, unsigned type, const struct am_seal_result *r,
		      const char *path);

#endif
