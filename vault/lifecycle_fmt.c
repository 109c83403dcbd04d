/*
 * lifecycle_fmt.c — the byte layouts of the key-lifecycle payloads
 * (docs/FORMAT.md §24): a revoke's reason and compromise point, a rotation's
 * binding, a rewrap's list of wrapped keys.  Parsers are strict: one
 * encoding per meaning.
 */
#include "lifecycle.h"

#include <string.h>

void am_revocation_encode(struct am_buf *b, const unsigned char pk[AM_SIGN_PK_LEN],
			  const struct am_revocation *r, uint64_t since_seq)
{
	size_t rlen = r->reason ? strlen(r->reason) : 0;

	am_buf_add(b, pk, AM_SIGN_PK_LEN);
	am_buf_u8(b, AM_REVOKE_VERSION);
	am_buf_u8(b, (uint8_t)r->kind);
	am_buf_u64(b, r->kind == AM_SINCE_NONE ? 0 : since_seq);
	am_buf_u64(b, r->kind == AM_SINCE_TIME ? (uint64_t)r->since_ms : 0);
	am_buf_u16(b, (uint16_t)rlen);
	am_buf_add(b, r->reason ? r->reason : "", rlen);
}

int am_revocation_parse(const unsigned char *p, size_t n, unsigned char pk[AM_SIGN_PK_LEN],
			enum am_since *kind, uint64_t *since_seq, int64_t *since_ms,
			char reason[AM_REASON_MAX + 1])
{
	struct am_rd r;
	uint8_t ver = 0, k = 0;
	uint16_t rlen = 0;
	uint64_t seq = 0, ms = 0;

	*kind = AM_SINCE_NONE;
	*since_seq = 0;
	*since_ms = 0;
	reason[0] = '\0';
	if (n == AM_SIGN_PK_LEN) { /* the first form: the key alone */
		memcpy(pk, p, AM_SIGN_PK_LEN);
		return 0;
	}
	am_rd_init(&r, p, n);
	am_rd_bytes(&r, pk, AM_SIGN_PK_LEN);
	am_rd_u8(&r, &ver);
	am_rd_u8(&r, &k);
	am_rd_u64(&r, &seq);
	am_rd_u64(&r, &ms);
	am_rd_u16(&r, &rlen);
	if (r.bad || ver != AM_REVOKE_VERSION || k > AM_SINCE_TIME || rlen > AM_REASON_MAX ||
	    am_rd_bytes(&r, reason, rlen) != 0 || !am_rd_done(&r))
		return -1;
	reason[rlen] = '\0';
	if (rlen > 0 && !am_utf8_ok((const unsigned char *)reason, rlen))
		return -1;
	/* fields a kind does not use are zero */
	if ((k == AM_SINCE_NONE && (seq != 0 || ms != 0)) || (k == AM_SINCE_SEQ && ms != 0))
		return -1;
	*kind = (enum am_since)k;
	*since_seq = seq;
	*since_ms = (int64_t)ms;
	return 0;
}

int am_rotation_parse(const unsigned char *p, size_t n, struct am_rotation *out)
{
	size_t rec;

	memset(out, 0, sizeof(*out));
	if (n < AM_SIGN_PK_LEN + 66 + AM_SIG_LEN)
		return -1;
	rec = 66 + (size_t)p[AM_SIGN_PK_LEN + 65];
	if (n != AM_SIGN_PK_LEN + rec + AM_SIG_LEN)
		return -1;
	out->old_pk = p;
	out->record = p + AM_SIGN_PK_LEN;
	out->record_len = rec;
	out->binding = p + AM_SIGN_PK_LEN + rec;
	return am_member_parse(out->record, rec, &out->neu);
}

void am_rotation_binding_input(struct am_buf *b, const unsigned char vid[AM_VAULT_ID_LEN],
			       const unsigned char old_pk[AM_SIGN_PK_LEN],
			       const unsigned char *record, size_t record_len)
{
	am_buf_add(b, AM_DOM_ROTATE, sizeof(AM_DOM_ROTATE));
	am_buf_add(b, vid, AM_VAULT_ID_LEN);
	am_buf_add(b, old_pk, AM_SIGN_PK_LEN);
	am_buf_add(b, record, record_len);
}

uint64_t am_rewrap_target(const struct am_rewrap_items *w, uint32_t i)
{
	return am_get_u64(w->items + (size_t)i * AM_REWRAP_ITEM);
}

uint64_t am_rewrap_via(const struct am_rewrap_items *w, uint32_t i)
{
	return am_get_u64(w->items + (size_t)i * AM_REWRAP_ITEM + 8);
}

const unsigned char *am_rewrap_box(const struct am_rewrap_items *w, uint32_t i)
{
	return w->items + (size_t)i * AM_REWRAP_ITEM + 16;
}

int am_rewrap_parse(const unsigned char *p, size_t n, uint64_t seq, struct am_rewrap_items *out)
{
	memset(out, 0, sizeof(*out));
	if (n < AM_REWRAP_FIXED)
		return -1;
	out->to = p;
	out->n = am_get_u32(p + AM_BOX_PK_LEN);
	out->items = p + AM_REWRAP_FIXED;
	if (out->n == 0 || out->n > AM_REWRAP_MAX ||
	    n != AM_REWRAP_FIXED + (size_t)out->n * AM_REWRAP_ITEM)
		return -1;
	for (uint32_t i = 0; i < out->n; i++) {
		uint64_t t = am_rewrap_target(out, i), via = am_rewrap_via(out, i);
		if (t >= seq || (i > 0 && t <= am_rewrap_target(out, i - 1)))
			return -1;
		/* the wrap used was the target's own, or a later rewrap's before this one */
		if (via != t && (via <= t || via >= seq))
			return -1;
	}
	return 0;
}
