/*
 * id.h — the 'amanat id' subcommands: new (cmd_id.c), passwd and show
 * (cmd_id_keys.c), split and recover (cmd_id_share.c).  cmd_id.c parses
 * every option once and hands each subcommand what it was given; a
 * subcommand refuses an option that is not its own.
 */
#ifndef AMANAT_CLI_ID_H
#define AMANAT_CLI_ID_H

#include "cli.h"

struct cli_id_opts {
	const struct cli_cmd *c;
	struct cli_common co;
	const char *dir;        /* --dir, or NULL */
	const char *out;        /* --out, or NULL */
	enum am_kdf_level lvl;  /* --kdf */
	int lvl_given;
	int weak_ok;            /* --weak-passphrase-ok */
	uint64_t shares, threshold;
	int shares_given, threshold_given;
	char **args;            /* the words after the subcommand */
	int nargs;
};

/* The name of a --kdf level, or NULL for parameters that are none of them. */
const char *cli_kdf_level_name(const struct am_kdf_params *p);

int cli_id_passwd(struct cli_id_opts *o);
int cli_id_show(struct cli_id_opts *o);
int cli_id_split(struct cli_id_opts *o);
int cli_id_recover(struct cli_id_opts *o);

#endif
