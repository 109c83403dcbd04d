/*
 * ack.h — headquarters' acknowledgement of a transfer packet (docs/FORMAT.md
 * §25): a checkpoint of the main vault, signed by the member who pulled,
 * with one extension line naming how far it has absorbed one field vault:
 *
 *   amanat/<main vault id>\n<main size>\n<main root>\n
 *   absorbed amanat/<field vault id> <field size> <field root>\n
 *   \n— <signature line>
 */
#ifndef AMANAT_ACK_H
#define AMANAT_ACK_H

#include "note.h"
#include "vault.h"

#define AM_ACK_EXT "absorbed "

struct am_ack {
	struct am_checkpoint cp; /* the main vault's checkpoint: origin, size, root */
	unsigned char main_id[AM_VAULT_ID_LEN];
	unsigned char field_id[AM_VAULT_ID_LEN];
	uint64_t field_size;
	unsigned char field_root[AM_HASH_LEN];
};
/* Parse strictly (exactly one extension line, one signature); signatures are not checked. */
AM_WUR enum am_status am_ack_parse(const char *text, size_t len, struct am_ack *out,
				   struct am_err *e);
void am_ack_release(struct am_ack *a);
/* Parse "amanat/<32 hex>" or the 32 hex digits alone into id; -1 if neither. */
AM_WUR int am_origin_parse(const char *s, size_t n, unsigned char id[AM_VAULT_ID_LEN]);

#endif
