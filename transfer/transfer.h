/*
 * transfer.h — carrying sealed entries from a field vault to headquarters'
 * main vault on a USB stick, decrypting nothing (docs/FORMAT.md §25,
 * docs/FIELD.md).  push writes a packet, pull verifies it whole and imports
 * it, ack records headquarters' acknowledgement in the field vault.
 * Functions return an am_status and fill a struct am_err; none prints.
 */
#ifndef AMANAT_TRANSFER_H
#define AMANAT_TRANSFER_H

#include "../vault/ack.h"
#include "../vault/vault.h"

struct am_push_result {
	uint64_t from, to;  /* field entries [from, to) were written */
	uint64_t bytes;     /* of the packet */
	int acked;          /* 1 when from comes from an acknowledgement recorded */
};

/*
 * Write to fd a packet of field vault v (verified state t) for the main
 * vault main_id: every entry after the last acknowledgement from main_id
 * recorded in v (all of them when there is none), under a checkpoint of v
 * that officer signs now (stored in v), with proofs.  AM_EVERIFY when v does
 * not extend what headquarters acknowledged (rolled back or forked).
 * progress hears of the bytes written (of a total not known: 0).
 */
AM_WUR enum am_status am_push(struct am_vault *v, struct am_trusted *t,
			      const struct am_identity *officer,
			      const unsigned char main_id[AM_VAULT_ID_LEN], int fd,
			      struct am_progress progress, struct am_push_result *res,
			      struct am_err *e);

struct am_pull_result {
	unsigned char field_id[AM_VAULT_ID_LEN];
	uint64_t from, to;        /* the packet's field entries [from, to) */
	uint64_t absorbed_before; /* field entries the main vault held before */
	uint64_t imported;        /* import entries appended (0: nothing new) */
	uint64_t first_seq;       /* the first of them, when imported > 0 */
	int signer_in_field;      /* the acknowledgement's signer is a custodian of the field vault */
	struct am_checkpoint ack; /* the acknowledgement to carry back (release it) */
};
void am_pull_result_release(struct am_pull_result *r);

/*
 * Verify the packet at path against main vault v (verified state t) in a
 * first pass that writes nothing, then import it in one write transaction in
 * a second pass that checks everything again and that the file did not
 * change.  The acknowledgement is signed by who.  The packet last absorbed,
 * pulled again, imports nothing and still returns AM_OK (r->imported 0).
 * AM_EVERIFY, with a reason, for a packet that is damaged, tampered,
 * truncated, skips or reorders entries, comes from a forked field vault, or
 * ends before what was absorbed (an old packet, or a rolled-back field vault).
 * progress hears of the bytes read, both passes counted (of twice the size).
 */
AM_WUR enum am_status am_pull(struct am_vault *v, struct am_trusted *t,
			      const struct am_identity *who, const char *path,
			      struct am_progress progress, struct am_pull_result *r,
			      struct am_err *e);

/*
 * Record the acknowledgement text in field vault v (verified state t) as an
 * ack entry signed by who, after checking it names v, is signed by a member
 * of v and agrees with v's tree.  *seq is the new entry, or UINT64_MAX when
 * an acknowledgement as far or further was already recorded (nothing added).
 */
AM_WUR enum am_status am_ack_record(struct am_vault *v, struct am_trusted *t,
				    const struct am_identity *who, const char *text, size_t len,
				    struct am_ack *out, uint64_t *seq, struct am_err *e);
/*
 * The newest acknowledgement recorded in v from main vault main_id (NULL:
 * from any), its entry in *seq; *found 0 when there is none.
 */
AM_WUR enum am_status am_ack_last(struct am_vault *v, const struct am_trusted *t,
				  const unsigned char *main_id, struct am_ack *out, uint64_t *seq,
				  int *found, struct am_err *e);

#endif
