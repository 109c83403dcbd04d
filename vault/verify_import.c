/*
 * verify_import.c — what makes an import entry (docs/FORMAT.md §25) true:
 * the field entry it carries is signed by its sealer, is the leaf at its
 * place in a field-vault tree whose checkpoint a member signed, follows the
 * previous import of that field vault without a gap, and its sealer and the
 * checkpoint's signer are enrolled in this (the main) vault.  And what makes
 * an ack entry well formed.  verify.c and import.c both call these, so what
 * is written is exactly what verifies.
 */
#include "import_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ack.h"
#include "note.h"

#define BAD(...) do { snprintf(why, whylen, __VA_ARGS__); goto bad; } while (0)

/* The previous import of the same field vault, entry ref: the original before this one. */
static int check_prev(struct am_vault *v, const struct am_mt_frontier *fr, uint64_t ref,
		      const struct am_import_view *cur, uint64_t cp_size, char *why, size_t whylen)
{
	struct am_entry_pub p;
	struct am_import_view pv;
	struct am_checkpoint pc;
	struct am_err e;
	unsigned char hash[AM_HASH_LEN], root[AM_HASH_LEN];
	int rc = -1;

	memset(&pc, 0, sizeof(pc));
	am_err_init(&e);
	if (am_entry_read(v, ref, &p, &e) != AM_OK) {
		snprintf(why, whylen, "the import it follows (entry %llu) cannot be read",
			 (unsigned long long)ref);
		return -1;
	}
	/* the row read must be the entry the verified tree holds there */
	am_entry_hash(hash, p.buf, p.len, p.sig);
	am_mt_frontier_root(fr, root);
	if (am_tree_holds(v, ref, fr->n, root, hash) != 0)
		BAD("the import it follows (entry %llu) is not in the verified log",
		    (unsigned long long)ref);
	if (am_import_view(&p.h, &pv, &e) != AM_OK)
		BAD("entry %llu, which it follows, is not a valid import", (unsigned long long)ref);
	if (!am_equal(pv.orig.vault_id, cur->orig.vault_id, AM_VAULT_ID_LEN))
		BAD("it follows an import from another field vault (entry %llu)",
		    (unsigned long long)ref);
	if (cur->orig.seq != pv.orig.seq + 1 || !am_equal(cur->orig.prev, pv.orig_hash, AM_HASH_LEN))
		BAD("field entry %llu does not follow field entry %llu imported at entry %llu: "
		    "skipped, reordered or forked", (unsigned long long)cur->orig.seq,
		    (unsigned long long)pv.orig.seq, (unsigned long long)ref);
	if (am_checkpoint_parse(pv.cp, pv.cplen, &pc, &e) != AM_OK || pc.size > cp_size)
		BAD("its field checkpoint is older than the one imported before it");
	rc = 0;
bad:
	am_checkpoint_release(&pc);
	am_entry_pub_release(&p);
	return rc;
}

int am_import_check_alone(const struct am_auth *auth, const struct am_header *h, char *why,
			  size_t whylen, struct am_import_view *out, uint64_t *cp_size)
{
	struct am_import_view iv;
	struct am_checkpoint c;
	struct am_err e;
	unsigned char leaf[AM_HASH_LEN];
	char origin[AM_ORIGIN_MAX], kid[2 * AM_KEYID_LEN + 1];
	const struct am_header *o = &iv.orig;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	am_err_init(&e);
	if (am_import_view(h, &iv, &e) != AM_OK) {
		snprintf(why, whylen, "%s", e.msg);
		return -1;
	}
	if (am_equal(o->vault_id, h->vault_id, AM_VAULT_ID_LEN))
		BAD("imports an entry of this same vault");
	am_origin(origin, o->vault_id);
	if (am_checkpoint_parse(iv.cp, iv.cplen, &c, &e) != AM_OK)
		BAD("field checkpoint is malformed: %s", e.msg);
	if (strcmp(c.origin, origin) != 0 || c.nsigs != 1)
		BAD("field checkpoint is not one signed note of the field vault %s", origin);
	am_mt_leaf_hash(leaf, iv.orig_hash, AM_HASH_LEN);
	if (o->seq >= c.size ||
	    am_mt_verify_inclusion(o->seq, c.size, leaf, (const unsigned char(*)[AM_HASH_LEN])iv.proof,
				   iv.nproof, c.root) != 0)
		BAD("field entry %llu is not proved to be in the field checkpoint of %llu entries",
		    (unsigned long long)o->seq, (unsigned long long)c.size);
	/* the field officers are enrolled here too: the main vault vouches for their keys */
	if (!am_auth_signed_note(auth, &c, AM_ROLE_ALL))
		BAD("field checkpoint is not signed by a member of this vault");
	if (am_type_sealed(o->type) && !(am_auth_roles(auth, o->signer) &
					 am_type_signer_roles(o->type))) {
		am_key_id_hex(kid, o->signer);
		BAD("field %s entry %llu was sealed by %s, who is not enrolled in this vault with a "
		    "role that may seal it", am_type_name(o->type), (unsigned long long)o->seq, kid);
	}
	if (h->nrefs > 1)
		BAD("import names more than one earlier import");
	if (h->nrefs == 0) {
		unsigned char vid[AM_VAULT_ID_LEN];
		am_genesis_vault_id(vid, o);
		if (o->seq != 0 || o->type != AM_T_GENESIS || !am_equal(vid, o->vault_id,
									 AM_VAULT_ID_LEN))
			BAD("the first import of field vault %s is not its genesis entry", origin);
	}
	if (out != NULL)
		*out = iv;
	if (cp_size != NULL)
		*cp_size = c.size;
	rc = 0;
bad:
	am_checkpoint_release(&c);
	return rc;
}

int am_import_check(struct am_vault *v, const struct am_auth *auth,
		    const struct am_mt_frontier *fr, struct am_fauths *fauths,
		    const struct am_header *h, char *why, size_t whylen)
{
	struct am_import_view iv;
	struct am_checkpoint c;
	struct am_err e;
	uint64_t cp_size = 0;
	int rc;

	if (am_import_check_alone(auth, h, why, whylen, &iv, &cp_size) != 0)
		return -1;
	if (h->nrefs == 1 && check_prev(v, fr, am_header_ref(h, 0), &iv, cp_size, why, whylen) != 0)
		return -1;
	am_err_init(&e);
	if (am_checkpoint_parse(iv.cp, iv.cplen, &c, &e) != AM_OK) {
		snprintf(why, whylen, "field checkpoint is malformed: %s", e.msg);
		return -1;
	}
	rc = am_fauth_step(v, fr, fauths, h, &iv, &c, why, whylen);
	am_checkpoint_release(&c);
	return rc;
}

int am_origin_parse(const char *s, size_t n, unsigned char id[AM_VAULT_ID_LEN])
{
	if (n == 7 + 2 * AM_VAULT_ID_LEN && memcmp(s, "amanat/", 7) == 0) {
		s += 7;
		n -= 7;
	}
	if (n != 2 * AM_VAULT_ID_LEN)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
	return am_unhex(id, AM_VAULT_ID_LEN, s, n) == 0 ? 0 : -1;
}

void am_ack_release(struct am_ack *a)
{
	am_checkpoint_release(&a->cp);
	memset(a, 0, sizeof(*a));
}

enum am_status am_ack_parse(const char *text, size_t len, struct am_ack *a, struct am_err *e)
{
	const char *p, *end, *sp1, *sp2, *nl;
	char num[24];
	size_t nlines = 0;
	enum am_status s;

	memset(a, 0, sizeof(*a));
	s = am_checkpoint_parse(text, len, &a->cp, e);
	if (s != AM_OK)
		return am_fail(e, AM_EINPUT, "not an acknowledgement: %s", e->msg);
	/* the fourth line and nothing after it: "absorbed ORIGIN SIZE ROOT" */
	p = a->cp.text;
	end = a->cp.text + a->cp.body_len;
	for (size_t i = 0; i < 3; i++)
		p = (const char *)memchr(p, '\n', (size_t)(end - p)) + 1;
	for (const char *q = p; q < end; q++)
		nlines += *q == '\n';
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nlines != 1 || a->cp.nsigs != 1 || nl == NULL ||
	    (size_t)(nl - p) <= strlen(AM_ACK_EXT) || memcmp(p, AM_ACK_EXT, strlen(AM_ACK_EXT)) != 0)
		goto bad;
	p += strlen(AM_ACK_EXT);
	sp1 = memchr(p, ' ', (size_t)(nl - p));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(nl - sp1 - 1)) : NULL;
	if (sp2 == NULL || am_origin_parse(p, (size_t)(sp1 - p), a->field_id) != 0 ||
	    (size_t)(sp2 - sp1 - 1) >= sizeof(num) || sp2 - sp1 - 1 == 0 ||
	    am_origin_parse(a->cp.origin, strlen(a->cp.origin), a->main_id) != 0 ||
	    am_unb64(a->field_root, AM_HASH_LEN, sp2 + 1, (size_t)(nl - sp2 - 1)) != 0)
		goto bad;
	memcpy(num, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	num[sp2 - sp1 - 1] = '\0';
	if (num[0] == '0' && num[1] != '\0')
		goto bad;
	a->field_size = 0;
	for (const char *q = num; *q; q++) {
		if (*q < '0' || *q > '9' || a->field_size > (UINT64_MAX - 9) / 10)
			goto bad;
		a->field_size = a->field_size * 10 + (uint64_t)(*q - '0');
	}
	return AM_OK;
bad:
	am_ack_release(a);
	return am_fail(e, AM_EINPUT, "not an acknowledgement: its lines are not an amanat "
		       "checkpoint with one 'absorbed' line and one signature");
}

int am_ack_check(const struct am_auth *auth, const struct am_header *h, char *why,
		 size_t whylen)
{
	struct am_ack a;
	struct am_err e;
	int rc = -1;

	am_err_init(&e);
	if (am_ack_parse((const char *)h->payload, h->payload_len, &a, &e) != AM_OK) {
		snprintf(why, whylen, "ack entry: %s", e.msg);
		return -1;
	}
	if (!am_equal(a.field_id, h->vault_id, AM_VAULT_ID_LEN))
		snprintf(why, whylen, "ack entry acknowledges another field vault");
	else if (a.field_size > h->seq)
		snprintf(why, whylen, "ack entry acknowledges %llu entries, more than came before it",
			 (unsigned long long)a.field_size);
	/* headquarters' word: a mission custodian's, not a field officer's own */
	else if (!am_auth_signed_note(auth, &a.cp, AM_ROLE_CUSTODIAN))
		snprintf(why, whylen, "ack entry's note is not signed by a member of this vault "
			 "holding the custodian role");
	else
		rc = 0;
	am_ack_release(&a);
	return rc;
}
