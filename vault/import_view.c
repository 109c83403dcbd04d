/*
 * import_view.c — an import entry's payload read back (docs/FORMAT.md
 * §25.3): the field entry it carries, checked against itself (its header,
 * its signature, the outer header's copy of its body fields).  Readers use
 * it to open an import as the original; the verifier starts from it.
 */
#include "import_int.h"

#include <stdio.h>
#include <string.h>

/* The payload's parts and the original's header, parsed strictly; no signature checked. */
static enum am_status parse_view(const struct am_header *outer, struct am_import_view *iv,
				 struct am_err *e)
{
	struct am_rd r;
	uint32_t hlen = 0, cplen = 0;
	uint8_t np = 0;
	char why[256];

	memset(iv, 0, sizeof(*iv));
	if (outer->type != AM_T_IMPORT)
		return am_fail(e, AM_EINPUT, "entry %llu is not an import",
			       (unsigned long long)outer->seq);
	am_rd_init(&r, outer->payload, outer->payload_len);
	am_rd_u32(&r, &hlen);
	iv->hdr = am_rd_ptr(&r, hlen);
	iv->sig = am_rd_ptr(&r, AM_SIG_LEN);
	am_rd_u32(&r, &cplen);
	iv->cp = (const char *)am_rd_ptr(&r, cplen);
	am_rd_u8(&r, &np);
	iv->proof = am_rd_ptr(&r, (size_t)np * AM_HASH_LEN);
	if (r.bad || !am_rd_done(&r) || np > AM_MT_MAX_PROOF || iv->hdr == NULL || cplen == 0)
		return am_fail(e, AM_EVERIFY, "import payload is malformed");
	iv->hlen = hlen;
	iv->cplen = cplen;
	iv->nproof = np;
	if (am_header_parse(iv->hdr, hlen, &iv->orig, why, sizeof(why)) != 0)
		return am_fail(e, AM_EVERIFY, "imported original: %s", why);
	return AM_OK;
}

enum am_status am_import_view(const struct am_header *outer, struct am_import_view *iv,
			      struct am_err *e)
{
	const struct am_header *o = &iv->orig;
	struct am_buf sb;
	enum am_status s = parse_view(outer, iv, e);
	int bad;

	if (s != AM_OK)
		return s;
	am_buf_init(&sb);
	am_sig_input(&sb, iv->hdr, iv->hlen);
	bad = sb.oom || am_sign_verify(iv->sig, sb.data, sb.len, o->signer) != 0;
	am_buf_release(&sb);
	if (bad)
		return am_fail(e, AM_EVERIFY, "imported original's signature does not verify");
	am_entry_hash(iv->orig_hash, iv->hdr, iv->hlen, iv->sig);
	if (o->type == AM_T_IMPORT)
		return am_fail(e, AM_EVERIFY, "imported original is itself an import");
	/* the outer header's body is the original's, field for field */
	if (am_type_sealed(o->type)
		    ? !am_header_sealed(outer) || !am_equal(outer->uid, o->uid, AM_UID_LEN) ||
			      outer->size != o->size || outer->chunk_size != o->chunk_size ||
			      (outer->flags & AM_HF_CHUNK_HASHED) != (o->flags & AM_HF_CHUNK_HASHED) ||
			      outer->chunk_count != o->chunk_count || outer->ct_size != o->ct_size ||
			      !am_equal(outer->ct_hash, o->ct_hash, AM_HASH_LEN) ||
			      outer->wraps_size != o->wraps_size ||
			      !am_equal(outer->wraps_hash, o->wraps_hash, AM_HASH_LEN) ||
			      outer->meta_size != o->meta_size ||
			      !am_equal(outer->meta_hash, o->meta_hash, AM_HASH_LEN) ||
			      !am_equal(outer->fields_root, o->fields_root, AM_HASH_LEN)
		    : am_header_sealed(outer))
		return am_fail(e, AM_EVERIFY, "import header's body fields are not the original's");
	return AM_OK;
}

unsigned am_entry_kind(const struct am_header *h)
{
	struct am_import_view iv;
	struct am_err e;

	if (h->type != AM_T_IMPORT)
		return h->type;
	/* a sort, not a check: verification has checked the original's signature */
	am_err_init(&e);
	return parse_view(h, &iv, &e) == AM_OK && iv.orig.type != AM_T_IMPORT ? iv.orig.type : 0;
}

int am_import_original(const struct am_header *h, struct am_header *orig)
{
	struct am_import_view iv;
	struct am_err e;

	am_err_init(&e);
	if (h->type != AM_T_IMPORT || parse_view(h, &iv, &e) != AM_OK)
		return -1;
	*orig = iv.orig;
	return 0;
}
