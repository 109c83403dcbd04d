/* entry.c — canonical encodings of headers, payloads, fields and wraps. */
#include "vault_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_FIXED 296

static const char *const type_names[] = {
	NULL, "genesis", "enroll", "revoke", "testimony", "document", "media", "case", "custody",
	"rotate", "rewrap", "import", "ack",
};

const char *am_type_name(unsigned type)
{
	if (type >= 1 && type <= AM_T_ACK)
		return type_names[type];
	return "unknown";
}

unsigned am_type_from_name(const char *name)
{
	for (unsigned t = 1; t <= AM_T_ACK; t++)
		if (strcmp(name, type_names[t]) == 0)
			return t;
	return 0;
}

const char *am_action_name(unsigned action)
{
	static const char *const names[] = {
		"unknown", "show", "extract", "list", "export", "verify-deep", "log", "exported",
		"rewrap", "unknown", "find", "stats",
	};
	return action < sizeof(names) / sizeof(names[0]) ? names[action] : "unknown";
}

static const char *const role_names[] = { "admin", "officer", "custodian", "auditor" };

void am_roles_str(unsigned roles, char *out, size_t outlen)
{
	size_t used = 0;

	if (outlen == 0)
		return;
	out[0] = '\0';
	for (unsigned i = 0; i < 4; i++) {
		if (!(roles & (1u << i)))
			continue;
		int n = snprintf(out + used, outlen - used, "%s%s", used ? "," : "", role_names[i]);
		if (n < 0 || (size_t)n >= outlen - used)
			return;
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(out, outlen, "none");
}

unsigned am_role_from_name(const char *name)
{
	for (unsigned i = 0; i < 4; i++)
		if (strcmp(name, role_names[i]) == 0)
			return 1u << i;
	return 0;
}

int am_type_sealed(unsigned type)
{
	return type >= AM_T_TESTIMONY && type <= AM_T_CUSTODY;
}

int am_type_authority(unsigned type)
{
	return type == AM_T_GENESIS || type == AM_T_ENROLL || type == AM_T_REVOKE ||
	       type == AM_T_ROTATE;
}

int am_header_sealed(const struct am_header *h)
{
	/* an import's body is the original's: there when it was sealed */
	return am_type_sealed(h->type) || (h->type == AM_T_IMPORT && h->chunk_size != 0);
}

uint64_t am_header_ref(const struct am_header *h, uint32_t i)
{
	return am_get_u64(h->refs + 8 * (size_t)i);
}

void am_genesis_vault_id(unsigned char out[AM_VAULT_ID_LEN], const struct am_header *h)
{
	struct am_header z = *h;
	struct am_buf b;
	unsigned char d[AM_HASH_LEN];

	memset(z.vault_id, 0, AM_VAULT_ID_LEN);
	am_buf_init(&b);
	am_buf_add(&b, AM_DOM_VAULT_ID, sizeof(AM_DOM_VAULT_ID));
	am_header_encode(&b, &z);
	/* out of memory leaves an id no genesis can match */
	if (b.oom)
		memset(d, 0xff, sizeof(d));
	else
		am_sha256(d, b.data, b.len);
	memcpy(out, d, AM_VAULT_ID_LEN);
	am_buf_release(&b);
}

void am_header_encode(struct am_buf *b, const struct am_header *h)
{
	am_buf_add(b, AM_HEADER_MAGIC, 4);
	am_buf_u16(b, h->version);
	am_buf_u8(b, h->type);
	am_buf_u8(b, h->flags);
	am_buf_add(b, h->vault_id, AM_VAULT_ID_LEN);
	am_buf_u64(b, h->seq);
	am_buf_add(b, h->prev, AM_HASH_LEN);
	am_buf_u64(b, h->auth_seq);
	am_buf_u64(b, (uint64_t)h->sealed_at_ms);
	am_buf_add(b, h->signer, AM_SIGN_PK_LEN);
	am_buf_add(b, h->uid, AM_UID_LEN);
	am_buf_u64(b, h->size);
	am_buf_u32(b, h->chunk_size);
	am_buf_u64(b, h->chunk_count);
	am_buf_u64(b, h->ct_size);
	am_buf_add(b, h->ct_hash, AM_HASH_LEN);
	am_buf_u32(b, h->wraps_size);
	am_buf_add(b, h->wraps_hash, AM_HASH_LEN);
	am_buf_u32(b, h->meta_size);
	am_buf_add(b, h->meta_hash, AM_HASH_LEN);
	am_buf_add(b, h->fields_root, AM_HASH_LEN);
	am_buf_u32(b, h->nrefs);
	am_buf_add(b, h->refs, 8 * (size_t)h->nrefs);
	am_buf_u32(b, h->payload_len);
	am_buf_add(b, h->payload, h->payload_len);
}

static int is_zero(const unsigned char *p, size_t n)
{
	unsigned char acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

#define BAD(...) do { snprintf(why, whylen, __VA_ARGS__); return -1; } while (0)

int am_header_parse(const unsigned char *p, size_t n, struct am_header *h, char *why,
		    size_t whylen)
{
	struct am_rd r;
	uint64_t at = 0;

	memset(h, 0, sizeof(*h));
	if (n < HEADER_FIXED + 4)
		BAD("header is truncated (%zu bytes)", n);
	if (memcmp(p, AM_HEADER_MAGIC, 4) != 0)
		BAD("header has no AMNE magic");
	am_rd_init(&r, p + 4, n - 4);
	am_rd_u16(&r, &h->version);
	am_rd_u8(&r, &h->type);
	am_rd_u8(&r, &h->flags);
	am_rd_bytes(&r, h->vault_id, AM_VAULT_ID_LEN);
	am_rd_u64(&r, &h->seq);
	am_rd_bytes(&r, h->prev, AM_HASH_LEN);
	am_rd_u64(&r, &h->auth_seq);
	am_rd_u64(&r, &at);
	h->sealed_at_ms = (int64_t)at;
	am_rd_bytes(&r, h->signer, AM_SIGN_PK_LEN);
	am_rd_bytes(&r, h->uid, AM_UID_LEN);
	am_rd_u64(&r, &h->size);
	am_rd_u32(&r, &h->chunk_size);
	am_rd_u64(&r, &h->chunk_count);
	am_rd_u64(&r, &h->ct_size);
	am_rd_bytes(&r, h->ct_hash, AM_HASH_LEN);
	am_rd_u32(&r, &h->wraps_size);
	am_rd_bytes(&r, h->wraps_hash, AM_HASH_LEN);
	am_rd_u32(&r, &h->meta_size);
	am_rd_bytes(&r, h->meta_hash, AM_HASH_LEN);
	am_rd_bytes(&r, h->fields_root, AM_HASH_LEN);
	am_rd_u32(&r, &h->nrefs);
	if (r.bad)
		BAD("header is truncated");
	if (h->version != AM_FORMAT_VERSION)
		BAD("header has format version %u, this build reads %u", h->version,
		    AM_FORMAT_VERSION);
	if (h->type < AM_T_GENESIS || h->type > AM_T_ACK)
		BAD("header has unknown entry type %u", h->type);
	if ((h->flags & ~(AM_HF_BATCHED | AM_HF_CHUNK_HASHED)) != 0)
		BAD("header has reserved flags set");
	/* only a sealed entry after another can continue a batch (FORMAT.md §27) */
	if ((h->flags & AM_HF_BATCHED) && (h->seq == 0 || !am_type_sealed(h->type)))
		BAD("header marks a %s entry as batched", h->seq == 0 ? "first" : "public");
	if (h->nrefs > AM_MAX_REFS)
		BAD("header has too many references");
	h->refs = am_rd_ptr(&r, 8 * (size_t)h->nrefs);
	am_rd_u32(&r, &h->payload_len);
	if (r.bad || h->payload_len > AM_MAX_PAYLOAD)
		BAD("header is truncated or its payload is too large");
	h->payload = am_rd_ptr(&r, h->payload_len);
	if (!am_rd_done(&r))
		BAD("header has %s bytes", r.bad ? "too few" : "trailing");
	if (h->seq == 0 ? h->auth_seq != 0 : h->auth_seq >= h->seq)
		BAD("header's authority link %llu does not point to an earlier entry",
		    (unsigned long long)h->auth_seq);
	for (uint32_t i = 0; i < h->nrefs; i++) {
		uint64_t ref = am_header_ref(h, i);
		if (ref >= h->seq || (i > 0 && ref <= am_header_ref(h, i - 1)))
			BAD("header references are not strictly increasing earlier entries");
	}
	if (am_header_sealed(h)) {
		uint64_t want;
		if (h->chunk_size < 4096 || h->chunk_size > (16u << 20) ||
		    (h->chunk_size & (h->chunk_size - 1)) != 0)
			BAD("header has an invalid chunk size %u", h->chunk_size);
		want = h->size == 0 ? 1 : (h->size - 1) / h->chunk_size + 1;
		if (h->chunk_count != want)
			BAD("header chunk count %llu does not fit size %llu",
			    (unsigned long long)h->chunk_count, (unsigned long long)h->size);
		if (h->wraps_size < 4 || h->meta_size < AM_AEAD_TAG_LEN)
			BAD("header has impossible body sizes");
	} else {
		if (h->size || h->chunk_size || h->chunk_count || h->ct_size || h->wraps_size ||
		    h->meta_size || !is_zero(h->ct_hash, AM_HASH_LEN) ||
		    !is_zero(h->wraps_hash, AM_HASH_LEN) || !is_zero(h->meta_hash, AM_HASH_LEN) ||
		    !is_zero(h->fields_root, AM_HASH_LEN))
			BAD("%s header carries body fields", am_type_name(h->type));
		/* per-chunk content hash (FORMAT.md §28): only where there is content */
		if (h->flags & AM_HF_CHUNK_HASHED)
			BAD("%s header has no content to hash per chunk", am_type_name(h->type));
	}
	return 0;
}

void am_sig_input(struct am_buf *b, const unsigned char *hdr, size_t n)
{
	am_buf_add(b, AM_DOM_SIG, sizeof(AM_DOM_SIG)); /* with its NUL */
	am_buf_add(b, hdr, n);
}

void am_entry_hash(unsigned char out[AM_HASH_LEN], const unsigned char *hdr, size_t n,
		   const unsigned char sig[AM_SIG_LEN])
{
	am_sha256_ctx c;

	am_sha256_init(&c);
	am_sha256_update(&c, hdr, n);
	am_sha256_update(&c, sig, AM_SIG_LEN);
	am_sha256_final(&c, out);
}

void am_member_of(struct am_member *m, const struct am_identity *id, unsigned roles)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->sign_pk, id->sign_pk, AM_SIGN_PK_LEN);
	memcpy(m->box_pk, id->box_pk, AM_BOX_PK_LEN);
	snprintf(m->name, sizeof(m->name), "%s", id->name);
	m->roles = roles;
}

void am_member_encode(struct am_buf *b, const struct am_member *m)
{
	size_t nlen = strlen(m->name);

	am_buf_add(b, m->sign_pk, AM_SIGN_PK_LEN);
	am_buf_add(b, m->box_pk, AM_BOX_PK_LEN);
	am_buf_u8(b, (uint8_t)m->roles);
	am_buf_u8(b, (uint8_t)nlen);
	am_buf_add(b, m->name, nlen);
}

int am_member_parse(const unsigned char *p, size_t n, struct am_member *m)
{
	struct am_rd r;
	uint8_t roles = 0, nlen = 0;

	memset(m, 0, sizeof(*m));
	am_rd_init(&r, p, n);
	am_rd_bytes(&r, m->sign_pk, AM_SIGN_PK_LEN);
	am_rd_bytes(&r, m->box_pk, AM_BOX_PK_LEN);
	am_rd_u8(&r, &roles);
	am_rd_u8(&r, &nlen);
	if (r.bad || nlen > AM_NAME_MAX || am_rd_bytes(&r, m->name, nlen) != 0 || !am_rd_done(&r))
		return -1;
	m->name[nlen] = '\0';
	m->roles = roles;
	if (strlen(m->name) != nlen)
		return -1;
	if (roles == 0 || (roles & ~AM_ROLE_ALL) != 0 || !am_name_ok(m->name))
		return -1;
	return 0;
}

/* ---- fields ----------------------------------------------------------- */

void am_fields_init(struct am_fields *f)
{
	f->v = NULL;
	f->n = 0;
}

static void field_free(struct am_field *fl)
{
	free(fl->name);
	if (fl->value != NULL) {
		am_wipe(fl->value, fl->vlen);
		free(fl->value);
	}
	am_wipe(fl->salt, sizeof(fl->salt));
}

void am_fields_release(struct am_fields *f)
{
	for (size_t i = 0; i < f->n; i++)
		field_free(&f->v[i]);
	free(f->v);
	am_fields_init(f);
}

int am_field_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return 0;
	}
	return 1;
}

enum am_status am_fields_set(struct am_fields *f, const char *name, const void *value,
			     size_t vlen, struct am_err *e)
{
	size_t i;
	struct am_field nf, *grown;

	if (!am_field_name_ok(name))
		return am_fail(e, AM_EINPUT, "'%s' is not a valid field name: use 1-64 of a-z 0-9 _ . -",
			       name);
	if (vlen > AM_MAX_META / 2)
		return am_fail(e, AM_EINPUT, "value of field '%s' is too large", name);
	memset(&nf, 0, sizeof(nf));
	nf.name = strdup(name);
	nf.value = malloc(vlen ? vlen : 1);
	if (nf.name == NULL || nf.value == NULL) {
		free(nf.name);
		free(nf.value);
		return am_fail(e, AM_ENOMEM, "out of memory");
	}
	if (vlen)
		memcpy(nf.value, value, vlen);
	nf.vlen = vlen;
	for (i = 0; i < f->n; i++) {
		int c = strcmp(f->v[i].name, name);
		if (c == 0) {
			field_free(&f->v[i]);
			f->v[i] = nf;
			return AM_OK;
		}
		if (c > 0)
			break;
	}
	if (f->n >= AM_MAX_FIELDS) {
		field_free(&nf);
		return am_fail(e, AM_EINPUT, "too many metadata fields");
	}
	grown = realloc(f->v, (f->n + 1) * sizeof(*f->v));
	if (grown == NULL) {
		field_free(&nf);
		return am_fail(e, AM_ENOMEM, "out of memory");
	}
	f->v = grown;
	memmove(&f->v[i + 1], &f->v[i], (f->n - i) * sizeof(*f->v));
	f->v[i] = nf;
	f->n++;
	return AM_OK;
}

const struct am_field *am_fields_get(const struct am_fields *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].name, name) == 0)
			return &f->v[i];
	return NULL;
}

/* salt || u32 len(name) || name || u32 len(value) || value */
static void field_encode(struct am_buf *b, const struct am_field *fl)
{
	size_t nlen = strlen(fl->name);

	am_buf_add(b, fl->salt, AM_SALT_LEN);
	am_buf_u32(b, (uint32_t)nlen);
	am_buf_add(b, fl->name, nlen);
	am_buf_u32(b, (uint32_t)fl->vlen);
	am_buf_add(b, fl->value, fl->vlen);
}

void am_fields_encode(struct am_buf *b, const struct am_fields *f)
{
	am_buf_u32(b, (uint32_t)f->n);
	for (size_t i = 0; i < f->n; i++)
		field_encode(b, &f->v[i]);
}

int am_fields_parse(const unsigned char *p, size_t n, struct am_fields *out)
{
	struct am_rd r;
	uint32_t count = 0;

	am_fields_init(out);
	am_rd_init(&r, p, n);
	if (am_rd_u32(&r, &count) != 0 || count > AM_MAX_FIELDS)
		return -1;
	out->v = calloc(count ? count : 1, sizeof(*out->v));
	if (out->v == NULL)
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		struct am_field *fl = &out->v[i];
		uint32_t nlen = 0, vlen = 0;
		const unsigned char *np, *vp;

		am_rd_bytes(&r, fl->salt, AM_SALT_LEN);
		am_rd_u32(&r, &nlen);
		np = nlen <= 64 ? am_rd_ptr(&r, nlen) : NULL;
		am_rd_u32(&r, &vlen);
		vp = am_rd_ptr(&r, vlen);
		if (r.bad || np == NULL || vp == NULL)
			goto bad;
		fl->name = malloc(nlen + 1);
		fl->value = malloc(vlen ? vlen : 1);
		out->n = i + 1;
		if (fl->name == NULL || fl->value == NULL)
			goto bad;
		memcpy(fl->name, np, nlen);
		fl->name[nlen] = '\0';
		memcpy(fl->value, vp, vlen);
		fl->vlen = vlen;
		if (strlen(fl->name) != nlen || !am_field_name_ok(fl->name))
			goto bad;
		/* canonical: strictly increasing names */
		if (i > 0 && strcmp(out->v[i - 1].name, fl->name) >= 0)
			goto bad;
	}
	if (!am_rd_done(&r))
		goto bad;
	return 0;
bad:
	am_fields_release(out);
	return -1;
}

void am_field_digest(unsigned char out[AM_HASH_LEN], const struct am_field *fl)
{
	struct am_buf b;
	am_sha256_ctx c;

	am_buf_init(&b);
	field_encode(&b, fl);
	am_sha256_init(&c);
	am_sha256_update(&c, AM_DOM_FIELD, sizeof(AM_DOM_FIELD));
	/* on oom the digest is of nothing and will not match: fail closed */
	if (!b.oom)
		am_sha256_update(&c, b.data, b.len);
	am_sha256_final(&c, out);
	am_buf_release(&b);
}

void am_fields_root(unsigned char out[AM_HASH_LEN], const struct am_fields *f)
{
	am_sha256_ctx c;
	unsigned char cnt[4], d[AM_HASH_LEN];

	am_sha256_init(&c);
	am_sha256_update(&c, AM_DOM_FIELDS, sizeof(AM_DOM_FIELDS));
	am_put_u32(cnt, (uint32_t)f->n);
	am_sha256_update(&c, cnt, 4);
	for (size_t i = 0; i < f->n; i++) {
		am_field_digest(d, &f->v[i]);
		am_sha256_update(&c, d, sizeof(d));
	}
	am_sha256_final(&c, out);
}

/* ---- wraps and associated data ---------------------------------------- */

int am_wraps_parse(const unsigned char *p, size_t n, struct am_wraps *w)
{
	const size_t item = AM_BOX_PK_LEN + AM_WRAP_LEN;

	memset(w, 0, sizeof(*w));
	if (n < 4)
		return -1;
	w->n = am_get_u32(p);
	if (w->n == 0 || w->n > AM_MAX_WRAPS || n - 4 != (size_t)w->n * item)
		return -1;
	w->items = p + 4;
	for (uint32_t i = 1; i < w->n; i++)
		if (memcmp(w->items + (i - 1) * item, w->items + i * item, AM_BOX_PK_LEN) >= 0)
			return -1;
	return 0;
}

static void make_ad(unsigned char *ad, size_t *adlen, const char *dom, size_t domlen,
		    const unsigned char vid[AM_VAULT_ID_LEN], const unsigned char uid[AM_UID_LEN])
{
	memcpy(ad, dom, domlen);
	memcpy(ad + domlen, vid, AM_VAULT_ID_LEN);
	memcpy(ad + domlen + AM_VAULT_ID_LEN, uid, AM_UID_LEN);
	*adlen = domlen + AM_VAULT_ID_LEN + AM_UID_LEN;
}

void am_chunk_ad(unsigned char *ad, size_t *adlen, const unsigned char vid[AM_VAULT_ID_LEN],
		 const unsigned char uid[AM_UID_LEN])
{
	make_ad(ad, adlen, AM_DOM_CHUNK_AD, sizeof(AM_DOM_CHUNK_AD), vid, uid);
}

void am_meta_ad(unsigned char *ad, size_t *adlen, const unsigned char vid[AM_VAULT_ID_LEN],
		const unsigned char uid[AM_UID_LEN])
{
	make_ad(ad, adlen, AM_DOM_META_AD, sizeof(AM_DOM_META_AD), vid, uid);
}

enum am_status am_entry_from_bytes(const unsigned char *buf, size_t len, struct am_header *h,
				   unsigned char hash[AM_HASH_LEN], struct am_err *e)
{
	struct am_buf sb;
	char why[256];
	int bad;

	memset(hash, 0, AM_HASH_LEN);
	if (len < AM_SIG_LEN || am_header_parse(buf, len - AM_SIG_LEN, h, why, sizeof(why)) != 0)
		return am_fail(e, AM_EINPUT, "not a signed entry header");
	am_buf_init(&sb);
	am_sig_input(&sb, buf, len - AM_SIG_LEN);
	bad = sb.oom || am_sign_verify(buf + len - AM_SIG_LEN, sb.data, sb.len, h->signer) != 0;
	am_buf_release(&sb);
	if (bad)
		return am_fail(e, AM_EVERIFY, "the entry's signature does not verify");
	am_entry_hash(hash, buf, len - AM_SIG_LEN, buf + len - AM_SIG_LEN);
	return AM_OK;
}
