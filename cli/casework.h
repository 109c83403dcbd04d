/*
 * casework.h — what case, import, find and stats share: a vault opened
 * through its pin, the type of every verified entry (what a record may link
 * to), and, for a custodian, every case record read after the reading is
 * recorded in custody.
 */
#ifndef AMANAT_CLI_CASEWORK_H
#define AMANAT_CLI_CASEWORK_H

#include "../cases/cases.h"
#include "cli.h"
#include "pin.h"

/* Custody actions of case records (docs/FORMAT.md §7). */
#define CLI_ACT_FIND AM_ACT_FIND
#define CLI_ACT_STATS AM_ACT_STATS

struct cli_casework {
	struct cli_trust ct;
	struct am_identity id;
	struct cases_json *j;
	unsigned char *types; /* types[seq] for seq < log.size */
	struct cases_log log;
	struct cases_index x;
	struct am_members ms;
	uint64_t custody; /* the custody entry of the reading, once recorded */
	int recorded;
	int unlocked; /* id holds --as */
};
void cli_casework_init(struct cli_casework *w);
void cli_casework_release(struct cli_casework *w);
/*
 * Open path through the pin (writable: a reading is recorded) and read the
 * type of every verified entry; nothing is decrypted and no passphrase asked.
 */
enum am_status cli_casework_open(struct cli_casework *w, const char *path, struct am_err *e);
/*
 * Unlock --as (once); *custodian 1 when it may read the case records, 0
 * for another member, -1 for someone not a member of the vault.
 */
enum am_status cli_casework_unlock(struct cli_casework *w, const struct cli_common *co,
				   int *custodian, struct am_err *e);
/*
 * Unlock --as, record a custody entry of action naming every case entry,
 * then read them all (at tree size `size`, 0 for all of the verified log).
 */
enum am_status cli_casework_read(struct cli_casework *w, const struct cli_common *co,
				 unsigned action, const char *purpose, uint64_t size,
				 struct am_err *e);
/* Print every problem on stderr ("amanat: ..."). */
void cli_casework_problems(const struct cases_problems *p);

/*
 * The demo's case records (demo_cases.c): DIR/monitoring.amn made by admin
 * with custodian, fictional records imported and partly withdrawn, figures
 * checked against the generator's, DIR/monitoring-report.json and
 * DIR/monitoring-annex.html written.
 */
enum am_status cli_demo_cases(const char *dir, const struct am_identity *admin,
			      const struct am_identity *custodian, struct am_err *e);

#endif
