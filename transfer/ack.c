/*
 * ack.c — the field side of an acknowledgement: recording what headquarters
 * says it absorbed (after checking it names this vault, a member signed it
 * and it agrees with this vault's own tree), and finding the newest one, so
 * that push sends only what has not arrived.
 */
#include "transfer.h"

#include <stdint.h>
#include <string.h>

#include "../vault/merkle.h"
#include "../vault/vault_layer.h"

enum am_status am_ack_last(struct am_vault *v, const struct am_trusted *t,
			   const unsigned char *main_id, struct am_ack *out, uint64_t *seq,
			   int *found, struct am_err *e)
{
	uint64_t n = am_trusted_size(t);

	memset(out, 0, sizeof(*out));
	*found = 0;
	*seq = 0;
	/* newest first: the first one from main_id is the one that counts */
	for (uint64_t k = n; k-- > 0;) {
		struct am_entry_pub p;
		enum am_status s = am_entry_read_trusted(v, t, k, &p, e);

		if (s != AM_OK)
			return s;
		if (p.h.type == AM_T_ACK) {
			s = am_ack_parse((const char *)p.h.payload, p.h.payload_len, out, e);
			if (s == AM_OK && (main_id == NULL ||
					   am_equal(out->main_id, main_id, AM_VAULT_ID_LEN))) {
				*found = 1;
				*seq = k;
				am_entry_pub_release(&p);
				return AM_OK;
			}
			am_ack_release(out);
			am_err_init(e);
		}
		am_entry_pub_release(&p);
	}
	return AM_OK;
}

/*
 * 1 when a current custodian of t signed the acknowledgement's note: it is
 * headquarters' word, which a field officer alone must not be able to give.
 */
static int member_signed(const struct am_trusted *t, const struct am_ack *a)
{
	const struct am_members *ms = am_trusted_members(t);

	for (size_t i = 0; i < ms->n; i++) {
		struct am_vkey k;
		if (!(ms->m[i].roles & AM_ROLE_CUSTODIAN))
			continue;
		am_vkey_make(&k, a->cp.origin, AM_NOTE_ED25519, ms->m[i].sign_pk);
		if (am_note_count_valid(&a->cp, &k, 1, NULL) == 1)
			return 1;
	}
	return 0;
}

enum am_status am_ack_record(struct am_vault *v, struct am_trusted *t,
			     const struct am_identity *who, const char *text, size_t len,
			     struct am_ack *a, uint64_t *seq, struct am_err *e)
{
	unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH], root[AM_HASH_LEN];
	char origin[AM_ORIGIN_MAX], mine[AM_ORIGIN_MAX];
	struct am_ack last;
	uint64_t lastseq = 0;
	size_t count = 0;
	int found = 0;
	enum am_status s;

	*seq = UINT64_MAX;
	s = am_ack_parse(text, len, a, e);
	if (s != AM_OK)
		return s;
	am_origin(origin, a->field_id);
	am_origin(mine, am_trusted_vault_id(t));
	if (!am_equal(a->field_id, am_trusted_vault_id(t), AM_VAULT_ID_LEN))
		return am_fail(e, AM_EVERIFY, "the acknowledgement is for the field vault %s, not "
			       "%s (%s)", origin, mine, am_vault_path(v));
	/* whoever pulled at headquarters is one of this vault's members (a custodian) */
	if (a->cp.nsigs != 1 || !member_signed(t, a))
		return am_fail(e, AM_EVERIFY, "the acknowledgement is not signed by a member of %s "
			       "holding the custodian role (pull as one of the mission's custodians)",
			       am_vault_path(v));
	/* what headquarters says it holds must be this vault's own first entries */
	am_trusted_root(t, root);
	if (a->field_size > am_trusted_size(t))
		return am_fail(e, AM_EVERIFY, "the acknowledgement names %llu entries of %s, which "
			       "holds only %llu: it was rolled back, or the acknowledgement is not "
			       "for this copy", (unsigned long long)a->field_size, am_vault_path(v),
			       (unsigned long long)am_trusted_size(t));
	s = am_prove_consistency(v, a->field_size, am_trusted_size(t), proof, &count, e);
	if (s != AM_OK)
		return s;
	if (a->field_size > 0 &&
	    am_mt_verify_consistency(a->field_size, am_trusted_size(t), a->field_root, root,
				     AM_MT_CONST(proof), count) != 0)
		return am_fail(e, AM_EVERIFY, "headquarters acknowledged %llu entries that are not "
			       "the first %llu entries of %s: one of the two was forked",
			       (unsigned long long)a->field_size, (unsigned long long)a->field_size,
			       am_vault_path(v));
	s = am_ack_last(v, t, a->main_id, &last, &lastseq, &found, e);
	if (s != AM_OK)
		return s;
	if (found && last.field_size >= a->field_size) {
		am_ack_release(&last);
		return AM_OK; /* already recorded as far or further */
	}
	am_ack_release(&last);
	return am_record_ack(v, t, who, text, len, seq, e);
}
