/*
 * test_entry.c — canonical encodings and the rules applied to them:
 * headers, identity records, private fields and their commitments, wraps,
 * chunk packing (vault/entry.c, vault/compress.c) and the authority replay
 * (vault/authority.c).  No database: everything here is bytes in, verdict out.
 *
 * Parsers are always handed a malloc'ed copy of exactly the bytes under
 * test, so a read past the end is an AddressSanitizer report, not luck.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "vault/vault_int.h"
#include "vault/bwrap.h"
#include "check.h"

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 131 + i * 29 + (i >> 3));
}

/* A copy of exactly n bytes (never NULL, so n == 0 is still a pointer). */
static unsigned char *exact(const void *p, size_t n)
{
	unsigned char *c = malloc(n ? n : 1);

	if (c == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	if (n)
		memcpy(c, p, n);
	return c;
}

/* ---- headers ------------------------------------------------------------- */

struct hdr_case {
	struct am_header h;
	unsigned char refs[8 * 8];
	unsigned char payload[256];
};

/* A valid header of the given type: sealed types get a consistent body. */
static void make_header(struct hdr_case *c, unsigned type)
{
	struct am_header *h = &c->h;

	memset(c, 0, sizeof(*c));
	h->version = AM_FORMAT_VERSION;
	h->type = (uint8_t)type;
	fill(h->vault_id, sizeof(h->vault_id), 1);
	h->seq = type == AM_T_GENESIS ? 0 : 9;
	if (h->seq != 0)
		fill(h->prev, sizeof(h->prev), 2);
	h->auth_seq = type == AM_T_GENESIS ? 0 : 3;
	h->sealed_at_ms = 1700000000123;
	fill(h->signer, sizeof(h->signer), 3);
	if (am_type_sealed(type)) {
		fill(h->uid, sizeof(h->uid), 4);
		h->size = 3 * (uint64_t)AM_CHUNK_SIZE + 5;
		h->chunk_size = AM_CHUNK_SIZE;
		h->chunk_count = 4;
		h->ct_size = h->size + 4 * 17;
		fill(h->ct_hash, 32, 5);
		h->wraps_size = 4 + 2 * (AM_BOX_PK_LEN + AM_WRAP_LEN);
		fill(h->wraps_hash, 32, 6);
		h->meta_size = 300;
		fill(h->meta_hash, 32, 7);
		fill(h->fields_root, 32, 8);
		am_put_u64(c->refs, 0);
		am_put_u64(c->refs + 8, 2);
		am_put_u64(c->refs + 16, 5);
		h->nrefs = 3;
		h->refs = c->refs;
	}
	switch (type) {
	case AM_T_GENESIS:
	case AM_T_ENROLL:
		fill(c->payload, 32 + 32 + 2 + 9, 9);
		c->payload[64] = AM_ROLE_ADMIN;
		c->payload[65] = 9;
		memcpy(c->payload + 66, "admin-one", 9);
		h->payload_len = 32 + 32 + 2 + 9;
		break;
	case AM_T_REVOKE:
		fill(c->payload, 32, 10);
		h->payload_len = 32;
		break;
	case AM_T_CUSTODY:
		c->payload[0] = AM_ACT_EXTRACT;
		h->payload_len = 1;
		break;
	}
	h->payload = h->payload_len ? c->payload : NULL;
}

/* Encode into b (freshly initialised); 0 unless out of memory. */
static int encode(struct am_buf *b, const struct am_header *h)
{
	am_buf_init(b);
	am_header_encode(b, h);
	return b->oom ? -1 : 0;
}

/* Parse an exact copy of p; the parse result. */
static int parse_copy(const unsigned char *p, size_t n, struct am_header *h, char *why,
		      size_t whylen)
{
	unsigned char *c = exact(p, n);
	int rc = am_header_parse(c, n, h, why, whylen);

	free(c);
	return rc;
}

/* Encode h and parse it back; the parse result. */
static int roundtrip_rc(const struct am_header *h)
{
	struct am_buf b;
	struct am_header out;
	char why[256] = "";
	int rc;

	if (encode(&b, h) != 0)
		return -2;
	rc = parse_copy(b.data, b.len, &out, why, sizeof(why));
	am_buf_release(&b);
	return rc;
}

static int headers_equal(const struct am_header *a, const struct am_header *b)
{
	return a->version == b->version && a->type == b->type && a->flags == b->flags &&
	       memcmp(a->vault_id, b->vault_id, sizeof(a->vault_id)) == 0 && a->seq == b->seq &&
	       memcmp(a->prev, b->prev, 32) == 0 && a->auth_seq == b->auth_seq &&
	       a->sealed_at_ms == b->sealed_at_ms && memcmp(a->signer, b->signer, 32) == 0 &&
	       memcmp(a->uid, b->uid, sizeof(a->uid)) == 0 && a->size == b->size &&
	       a->chunk_size == b->chunk_size && a->chunk_count == b->chunk_count &&
	       a->ct_size == b->ct_size && memcmp(a->ct_hash, b->ct_hash, 32) == 0 &&
	       a->wraps_size == b->wraps_size && memcmp(a->wraps_hash, b->wraps_hash, 32) == 0 &&
	       a->meta_size == b->meta_size && memcmp(a->meta_hash, b->meta_hash, 32) == 0 &&
	       memcmp(a->fields_root, b->fields_root, 32) == 0 && a->nrefs == b->nrefs &&
	       (a->nrefs == 0 || memcmp(a->refs, b->refs, 8 * (size_t)a->nrefs) == 0) &&
	       a->payload_len == b->payload_len &&
	       (a->payload_len == 0 || memcmp(a->payload, b->payload, a->payload_len) == 0);
}

static void test_header_roundtrip(void)
{
	for (unsigned type = AM_T_GENESIS; type <= AM_T_CUSTODY; type++) {
		struct hdr_case c;
		struct am_buf b, b2;
		struct am_header out;
		char why[256] = "";
		unsigned char *cp;

		make_header(&c, type);
		if (encode(&b, &c.h) != 0) {
			CHECK(0);
			continue;
		}
		cp = exact(b.data, b.len);
		CHECKF(am_header_parse(cp, b.len, &out, why, sizeof(why)) == 0, "%s: %s",
		       am_type_name(type), why);
		CHECKF(headers_equal(&c.h, &out), "%s header changed in the round trip",
		       am_type_name(type));
		/* refs and payload point into the parsed buffer, not elsewhere */
		if (out.nrefs)
			CHECK(out.refs >= cp && out.refs < cp + b.len);
		if (out.payload_len)
			CHECK(out.payload >= cp && out.payload + out.payload_len == cp + b.len);
		/* re-encoding gives the same bytes: one encoding per header */
		if (encode(&b2, &out) == 0) {
			CHECKF(b2.len == b.len && memcmp(b2.data, b.data, b.len) == 0,
			       "%s re-encodes differently", am_type_name(type));
			am_buf_release(&b2);
		}
		CHECK(memcmp(b.data, AM_HEADER_MAGIC, 4) == 0);
		/* every truncation fails, with a reason */
		for (size_t n = 0; n < b.len; n++) {
			why[0] = '\0';
			int rc = parse_copy(b.data, n, &out, why, sizeof(why));
			CHECKF(rc == -1 && why[0] != '\0', "%s truncated to %zu of %zu parsed",
			       am_type_name(type), n, b.len);
		}
		/* a trailing byte fails */
		{
			unsigned char *longer = malloc(b.len + 1);
			if (longer != NULL) {
				memcpy(longer, b.data, b.len);
				longer[b.len] = 0;
				CHECKF(parse_copy(longer, b.len + 1, &out, why, sizeof(why)) == -1,
				       "%s with a trailing byte parsed", am_type_name(type));
				free(longer);
			}
		}
		/* wrong magic, any byte of it */
		for (int i = 0; i < 4; i++) {
			cp[i] ^= 0x20;
			CHECKF(am_header_parse(cp, b.len, &out, why, sizeof(why)) == -1,
			       "magic byte %d", i);
			cp[i] ^= 0x20;
		}
		free(cp);
		am_buf_release(&b);
	}
	/* a negative sealing time survives (the sealer's clock is not trusted) */
	{
		struct hdr_case c;
		struct am_buf b;
		struct am_header out;
		char why[256];
		make_header(&c, AM_T_TESTIMONY);
		c.h.sealed_at_ms = -1;
		if (encode(&b, &c.h) == 0) {
			CHECK(parse_copy(b.data, b.len, &out, why, sizeof(why)) == 0);
			CHECK(out.sealed_at_ms == -1);
			am_buf_release(&b);
		}
	}
}

static void test_header_rules(void)
{
	struct hdr_case c;

	/* version, type, flags */
	{
		static const unsigned versions[] = { 0, 2, 0x100, 0xffff };
		for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
			make_header(&c, AM_T_TESTIMONY);
			c.h.version = (uint16_t)versions[i];
			CHECKF(roundtrip_rc(&c.h) == -1, "version %u accepted", versions[i]);
		}
		static const unsigned types[] = { 0, 0x40, 0x80, 0xff };
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			make_header(&c, AM_T_ENROLL);
			c.h.type = (uint8_t)types[i];
			CHECKF(roundtrip_rc(&c.h) == -1, "type %u accepted", types[i]);
		}
		for (unsigned bit = 3; bit < 8; bit++) {
			make_header(&c, AM_T_DOCUMENT);
			c.h.flags = (uint8_t)(1u << bit | AM_HF_BATCHED);
			CHECKF(roundtrip_rc(&c.h) == -1, "flag bit %u accepted", bit);
		}
		/* bit 1, content hashed per chunk (FORMAT.md §28): only where there is content */
		make_header(&c, AM_T_DOCUMENT);
		c.h.flags = AM_HF_CHUNK_HASHED;
		CHECK(roundtrip_rc(&c.h) == 0);
		make_header(&c, AM_T_DOCUMENT);
		c.h.flags = AM_HF_CHUNK_HASHED | AM_HF_BATCHED;
		CHECK(c.h.seq > 0 && roundtrip_rc(&c.h) == 0);
		make_header(&c, AM_T_ENROLL);
		c.h.flags = AM_HF_CHUNK_HASHED;
		CHECK(roundtrip_rc(&c.h) == -1);
		/* bit 0, batched (FORMAT.md §27): a sealed entry after the first only */
		make_header(&c, AM_T_DOCUMENT);
		c.h.flags = AM_HF_BATCHED;
		CHECK(c.h.seq > 0 && roundtrip_rc(&c.h) == 0);
		make_header(&c, AM_T_DOCUMENT);
		c.h.flags = AM_HF_BATCHED;
		c.h.seq = 0;
		c.h.auth_seq = 0;
		c.h.nrefs = 0;
		CHECK(roundtrip_rc(&c.h) == -1);
		make_header(&c, AM_T_ENROLL);
		c.h.flags = AM_HF_BATCHED;
		CHECK(roundtrip_rc(&c.h) == -1);
		/* bit 2, batch wraps (§29): sealed types only, batched or not */
		make_header(&c, AM_T_DOCUMENT);
		c.h.flags = AM_HF_BWRAP;
		CHECK(roundtrip_rc(&c.h) == 0);
		make_header(&c, AM_T_DOCUMENT);
		c.h.flags = AM_HF_BWRAP | AM_HF_BATCHED;
		CHECK(roundtrip_rc(&c.h) == 0);
		make_header(&c, AM_T_ENROLL);
		c.h.flags = AM_HF_BWRAP;
		CHECK(roundtrip_rc(&c.h) == -1);
		make_header(&c, AM_T_ENROLL);
		CHECK(roundtrip_rc(&c.h) == 0); /* the same header without the flag is fine */
	}

	/* references: strictly increasing, all before this entry */
	{
		static const struct {
			uint64_t seq;
			uint32_t n;
			uint64_t r[3];
			int ok;
		} refs[] = {
			{ 9, 1, { 0 }, 1 },
			{ 9, 1, { 8 }, 1 },
			{ 9, 3, { 1, 2, 8 }, 1 },
			{ 9, 1, { 9 }, 0 },           /* itself */
			{ 9, 1, { 10 }, 0 },          /* the future */
			{ 9, 1, { UINT64_MAX }, 0 },
			{ 9, 2, { 3, 3 }, 0 },        /* duplicate */
			{ 9, 2, { 5, 3 }, 0 },        /* decreasing */
			{ 9, 3, { 1, 4, 2 }, 0 },
			{ 9, 3, { 1, 2, 9 }, 0 },
			{ 1, 1, { 0 }, 1 },
			{ 1, 1, { 1 }, 0 },
		};
		for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
			make_header(&c, AM_T_CASE);
			c.h.seq = refs[i].seq;
			c.h.auth_seq = 0;
			for (uint32_t k = 0; k < refs[i].n; k++)
				am_put_u64(c.refs + 8 * k, refs[i].r[k]);
			c.h.nrefs = refs[i].n;
			c.h.refs = c.refs;
			CHECKF((roundtrip_rc(&c.h) == 0) == refs[i].ok, "refs case %zu", i);
		}
		/* a genesis can refer to nothing */
		make_header(&c, AM_T_GENESIS);
		am_put_u64(c.refs, 0);
		c.h.nrefs = 1;
		c.h.refs = c.refs;
		CHECK(roundtrip_rc(&c.h) == -1);
	}

	/* the authority link points strictly back (and is 0 for genesis) */
	make_header(&c, AM_T_GENESIS);
	c.h.auth_seq = 1;
	CHECK(roundtrip_rc(&c.h) == -1);
	make_header(&c, AM_T_TESTIMONY);
	c.h.auth_seq = c.h.seq - 1;
	CHECK(roundtrip_rc(&c.h) == 0);
	c.h.auth_seq = c.h.seq;
	CHECK(roundtrip_rc(&c.h) == -1);
	c.h.auth_seq = UINT64_MAX;
	CHECK(roundtrip_rc(&c.h) == -1);

	/* public entries carry no body: each body field alone is refused */
	for (unsigned type = AM_T_GENESIS; type <= AM_T_REVOKE; type++) {
		for (int field = 0; field < 11; field++) {
			make_header(&c, type);
			switch (field) {
			case 0: c.h.size = 1; break;
			case 1: c.h.chunk_size = AM_CHUNK_SIZE; break;
			case 2: c.h.chunk_count = 1; break;
			case 3: c.h.ct_size = 17; break;
			case 4: c.h.ct_hash[31] = 1; break;
			case 5: c.h.wraps_size = 116; break;
			case 6: c.h.wraps_hash[0] = 1; break;
			case 7: c.h.meta_size = 16; break;
			case 8: c.h.meta_hash[16] = 0x80; break;
			case 9: c.h.fields_root[5] = 1; break;
			case 10: c.h.size = UINT64_MAX; break;
			}
			CHECKF(roundtrip_rc(&c.h) == -1, "%s with body field %d accepted",
			       am_type_name(type), field);
		}
	}

	/* sealed entries: chunk size and count must fit the size */
	{
		static const struct {
			uint64_t size;
			uint32_t cs;
			uint64_t count;
			int ok;
		} cc[] = {
			{ 0, 1u << 20, 1, 1 },
			{ 0, 1u << 20, 0, 0 },
			{ 0, 1u << 20, 2, 0 },
			{ 1, 1u << 20, 1, 1 },
			{ (1u << 20) - 1, 1u << 20, 1, 1 },
			{ 1u << 20, 1u << 20, 1, 1 },
			{ 1u << 20, 1u << 20, 2, 0 },
			{ (1u << 20) + 1, 1u << 20, 2, 1 },
			{ (1u << 20) + 1, 1u << 20, 1, 0 },
			{ 3u << 20, 1u << 20, 3, 1 },
			{ 3u << 20, 1u << 20, 4, 0 },
			{ 3u << 20, 1u << 20, 2, 0 },
			{ 4096, 4096, 1, 1 },
			{ 4097, 4096, 2, 1 },
			{ 100, 2048, 1, 0 },           /* below the smallest chunk */
			{ 100, 0, 1, 0 },
			{ 100, 3u << 20, 1, 0 },       /* not a power of two */
			{ 100, (1u << 20) + 4096, 1, 0 },
			{ 100, 16u << 20, 1, 1 },
			{ 100, 32u << 20, 1, 0 },      /* above the largest */
			{ 100, 0x80000000u, 1, 0 },
			{ UINT64_MAX, 4096, (UINT64_MAX - 1) / 4096 + 1, 1 },
			{ UINT64_MAX, 4096, 0, 0 },
			{ UINT64_MAX, 4096, UINT64_MAX, 0 },
		};
		for (size_t i = 0; i < sizeof(cc) / sizeof(cc[0]); i++) {
			make_header(&c, AM_T_MEDIA);
			c.h.size = cc[i].size;
			c.h.chunk_size = cc[i].cs;
			c.h.chunk_count = cc[i].count;
			CHECKF((roundtrip_rc(&c.h) == 0) == cc[i].ok,
			       "size %llu chunk size %u count %llu: expected %s",
			       (unsigned long long)cc[i].size, cc[i].cs,
			       (unsigned long long)cc[i].count, cc[i].ok ? "accepted" : "refused");
		}
		/* impossible body sizes */
		make_header(&c, AM_T_TESTIMONY);
		c.h.wraps_size = 3;
		CHECK(roundtrip_rc(&c.h) == -1);
		c.h.wraps_size = 4;
		CHECK(roundtrip_rc(&c.h) == 0);
		make_header(&c, AM_T_TESTIMONY);
		c.h.meta_size = AM_AEAD_TAG_LEN - 1;
		CHECK(roundtrip_rc(&c.h) == -1);
		c.h.meta_size = AM_AEAD_TAG_LEN;
		CHECK(roundtrip_rc(&c.h) == 0);
	}

	/*
	 * Counts the encoder cannot express: the u32 reference count and the
	 * u32 payload length, patched in place.  They are the last fixed
	 * fields, so their offsets follow from an encoding with neither.
	 */
	{
		struct am_buf b;
		struct am_header out;
		char why[256];
		make_header(&c, AM_T_DOCUMENT);
		c.h.nrefs = 0;
		c.h.refs = NULL;
		if (encode(&b, &c.h) == 0) {
			unsigned char *cp = exact(b.data, b.len);
			size_t nrefs_at = b.len - 8, plen_at = b.len - 4;
			CHECK(am_get_u32(cp + nrefs_at) == 0 && am_get_u32(cp + plen_at) == 0);
			CHECK(am_header_parse(cp, b.len, &out, why, sizeof(why)) == 0);
			am_put_u32(cp + nrefs_at, AM_MAX_REFS + 1);
			CHECK(am_header_parse(cp, b.len, &out, why, sizeof(why)) == -1);
			am_put_u32(cp + nrefs_at, UINT32_MAX);
			CHECK(am_header_parse(cp, b.len, &out, why, sizeof(why)) == -1);
			am_put_u32(cp + nrefs_at, 1); /* claims a reference that is not there */
			CHECK(am_header_parse(cp, b.len, &out, why, sizeof(why)) == -1);
			am_put_u32(cp + nrefs_at, 0);
			am_put_u32(cp + plen_at, AM_MAX_PAYLOAD + 1);
			CHECK(am_header_parse(cp, b.len, &out, why, sizeof(why)) == -1);
			am_put_u32(cp + plen_at, UINT32_MAX);
			CHECK(am_header_parse(cp, b.len, &out, why, sizeof(why)) == -1);
			am_put_u32(cp + plen_at, 1);
			CHECK(am_header_parse(cp, b.len, &out, why, sizeof(why)) == -1);
			free(cp);
			am_buf_release(&b);
		}
	}
}

static void test_sig_input_and_hash(void)
{
	struct hdr_case c;
	struct am_buf b, s;
	unsigned char sig[64], h1[32], h2[32], want[32];
	am_sha256_ctx ctx;

	make_header(&c, AM_T_TESTIMONY);
	if (encode(&b, &c.h) != 0) {
		CHECK(0);
		return;
	}
	am_buf_init(&s);
	am_sig_input(&s, b.data, b.len);
	CHECK(!s.oom);
	CHECK(s.len == sizeof(AM_DOM_SIG) + b.len);
	CHECK(memcmp(s.data, AM_DOM_SIG, sizeof(AM_DOM_SIG)) == 0); /* with its NUL */
	CHECK(s.data[sizeof(AM_DOM_SIG) - 1] == 0);
	CHECK(memcmp(s.data + sizeof(AM_DOM_SIG), b.data, b.len) == 0);
	am_buf_release(&s);

	fill(sig, 64, 11);
	am_entry_hash(h1, b.data, b.len, sig);
	am_sha256_init(&ctx);
	am_sha256_update(&ctx, b.data, b.len);
	am_sha256_update(&ctx, sig, 64);
	am_sha256_final(&ctx, want);
	CHECK(memcmp(h1, want, 32) == 0);
	sig[63] ^= 1;
	am_entry_hash(h2, b.data, b.len, sig);
	CHECK(memcmp(h1, h2, 32) != 0);
	sig[63] ^= 1;
	b.data[b.len - 1] ^= 1;
	am_entry_hash(h2, b.data, b.len, sig);
	CHECK(memcmp(h1, h2, 32) != 0);
	am_buf_release(&b);
}

static void test_type_names(void)
{
	for (unsigned t = AM_T_GENESIS; t <= AM_T_CUSTODY; t++) {
		CHECK(am_type_from_name(am_type_name(t)) == t);
		CHECK(am_type_sealed(t) == (t >= AM_T_TESTIMONY));
	}
	CHECK(am_type_from_name("nonsense") == 0);
	CHECK(am_type_from_name("") == 0);
	CHECK(strcmp(am_type_name(0), "unknown") == 0);
	CHECK(strcmp(am_type_name(99), "unknown") == 0);
	CHECK(!am_type_sealed(0) && !am_type_sealed(AM_T_CUSTODY + 1));
	CHECK(strcmp(am_action_name(AM_ACT_EXTRACT), "extract") == 0);
	CHECK(strcmp(am_action_name(1000), "unknown") == 0);
	{
		char out[64];
		am_roles_str(AM_ROLE_ADMIN | AM_ROLE_CUSTODIAN, out, sizeof(out));
		CHECK(strcmp(out, "admin,custodian") == 0);
		am_roles_str(0, out, sizeof(out));
		CHECK(strcmp(out, "none") == 0);
		am_roles_str(AM_ROLE_ALL, out, 8); /* truncation stays a string */
		CHECK(strlen(out) < 8);
		for (unsigned r = 1; r <= 8; r <<= 1) {
			am_roles_str(r, out, sizeof(out));
			CHECK(am_role_from_name(out) == r);
		}
		CHECK(am_role_from_name("root") == 0);
	}
}

/* ---- identity records ---------------------------------------------------- */

static void test_member(void)
{
	struct am_member m, out;
	struct am_buf b;

	memset(&m, 0, sizeof(m));
	fill(m.sign_pk, 32, 12);
	fill(m.box_pk, 32, 13);
	m.roles = AM_ROLE_OFFICER | AM_ROLE_CUSTODIAN;
	snprintf(m.name, sizeof(m.name), "field-officer-12");
	am_buf_init(&b);
	am_member_encode(&b, &m);
	CHECK(!b.oom && b.len == 32 + 32 + 1 + 1 + 16);
	{
		unsigned char *cp = exact(b.data, b.len);
		CHECK(am_member_parse(cp, b.len, &out) == 0);
		CHECK(memcmp(out.sign_pk, m.sign_pk, 32) == 0 && memcmp(out.box_pk, m.box_pk, 32) == 0);
		CHECK(out.roles == m.roles && strcmp(out.name, m.name) == 0);
		free(cp);
	}
	for (size_t n = 0; n < b.len; n++) {
		unsigned char *cp = exact(b.data, n);
		CHECKF(am_member_parse(cp, n, &out) == -1, "member truncated to %zu parsed", n);
		free(cp);
	}
	{
		unsigned char *cp = malloc(b.len + 1);
		if (cp != NULL) {
			memcpy(cp, b.data, b.len);
			cp[b.len] = 'x';
			CHECK(am_member_parse(cp, b.len + 1, &out) == -1);
			free(cp);
		}
	}
	/* roles: none, unknown bits; names: bad characters */
	{
		unsigned char *cp = exact(b.data, b.len);
		static const unsigned char bad_roles[] = { 0, 16, 0x80, 0xff };
		for (size_t i = 0; i < sizeof(bad_roles); i++) {
			cp[64] = bad_roles[i];
			CHECKF(am_member_parse(cp, b.len, &out) == -1, "roles %#x accepted",
			       bad_roles[i]);
		}
		cp[64] = AM_ROLE_ALL;
		CHECK(am_member_parse(cp, b.len, &out) == 0);
		cp[66] = '-'; /* a name may not start with '-' */
		CHECK(am_member_parse(cp, b.len, &out) == -1);
		cp[66] = 'f';
		cp[70] = '/';
		CHECK(am_member_parse(cp, b.len, &out) == -1);
		/* a NUL inside: the record would sign bytes the parsed name does not show */
		cp[70] = '\0';
		CHECKF(am_member_parse(cp, b.len, &out) == -1,
		       "a 16-byte name with a NUL at 4 parsed as \"%s\"", out.name);
		free(cp);
	}
	/* a zero-length name, and a length over 64 */
	{
		unsigned char rec[32 + 32 + 2 + 70];
		memcpy(rec, b.data, 66);
		rec[65] = 0;
		CHECK(am_member_parse(rec, 66, &out) == -1);
		rec[65] = 65;
		memset(rec + 66, 'n', 65);
		CHECK(am_member_parse(rec, 66 + 65, &out) == -1);
		rec[65] = 64;
		CHECK(am_member_parse(rec, 66 + 64, &out) == 0);
		CHECK(strlen(out.name) == 64);
	}
	am_buf_release(&b);
}

/* ---- fields -------------------------------------------------------------- */

static int set(struct am_fields *f, const char *name, const char *value)
{
	return am_fields_set(f, name, value, strlen(value), NULL) == AM_OK;
}

static void test_fields_set(void)
{
	struct am_fields f;
	const struct am_field *fl;

	am_fields_init(&f);
	CHECK(f.n == 0 && am_fields_get(&f, "x") == NULL);
	CHECK(set(&f, "title", "a fictional interview"));
	CHECK(set(&f, "case", "CASE-0001"));
	CHECK(set(&f, "witness", "W-0042"));
	CHECK(set(&f, "consent.scope", "internal"));
	CHECK(set(&f, "a", ""));
	CHECK(f.n == 5);
	for (size_t i = 1; i < f.n; i++)
		CHECKF(strcmp(f.v[i - 1].name, f.v[i].name) < 0, "not sorted at %zu", i);
	fl = am_fields_get(&f, "case");
	CHECK(fl != NULL && fl->vlen == 9 && memcmp(fl->value, "CASE-0001", 9) == 0);
	fl = am_fields_get(&f, "a");
	CHECK(fl != NULL && fl->vlen == 0 && fl->value != NULL);
	/* replace keeps one field of that name */
	CHECK(set(&f, "case", "CASE-0002"));
	CHECK(f.n == 5);
	fl = am_fields_get(&f, "case");
	CHECK(fl != NULL && fl->vlen == 9 && memcmp(fl->value, "CASE-0002", 9) == 0);
	/* binary values, NUL included */
	CHECK(am_fields_set(&f, "blob", "\0\1\2", 3, NULL) == AM_OK);
	fl = am_fields_get(&f, "blob");
	CHECK(fl != NULL && fl->vlen == 3 && fl->value[0] == 0 && fl->value[2] == 2);

	/* names: 1..64 of a-z 0-9 _ . - */
	{
		static const char *const bad[] = { "", "Title", "a b", "a/b", "a:b", "caf\xc3\xa9",
						   "a\n", "A", "x+y" };
		char n64[65], n65[66];
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct am_err e;
			am_err_init(&e);
			CHECKF(am_fields_set(&f, bad[i], "v", 1, &e) == AM_EINPUT,
			       "field name \"%s\" accepted", bad[i]);
			CHECK(am_field_name_ok(bad[i]) == 0);
		}
		memset(n64, 'n', 64);
		n64[64] = '\0';
		memset(n65, 'n', 65);
		n65[65] = '\0';
		CHECK(am_field_name_ok(n64) && !am_field_name_ok(n65));
		CHECK(am_fields_set(&f, n65, "v", 1, NULL) == AM_EINPUT);
		CHECK(am_field_name_ok("_x") && am_field_name_ok("0") && am_field_name_ok("a.b-c_d"));
	}
	CHECK(f.n == 6);
	am_fields_release(&f);
	CHECK(f.n == 0 && f.v == NULL);
	am_fields_release(&f);
}

/* Encode f; the bytes (caller frees) and their length. */
static unsigned char *fields_bytes(const struct am_fields *f, size_t *n)
{
	struct am_buf b;

	am_buf_init(&b);
	am_fields_encode(&b, f);
	return am_buf_detach(&b, n);
}

static int parse_fields_copy(const unsigned char *p, size_t n)
{
	struct am_fields out;
	unsigned char *cp = exact(p, n);
	int rc = am_fields_parse(cp, n, &out);

	if (rc == 0)
		am_fields_release(&out);
	else
		CHECK(out.n == 0 && out.v == NULL); /* nothing left behind on failure */
	free(cp);
	return rc;
}

static void test_fields_parse(void)
{
	struct am_fields f, out;
	unsigned char *enc;
	size_t n;

	am_fields_init(&f);
	CHECK(set(&f, "case", "CASE-0001"));
	CHECK(set(&f, "sha256", "00ff"));
	CHECK(set(&f, "title", "fictional"));
	for (size_t i = 0; i < f.n; i++)
		fill(f.v[i].salt, AM_SALT_LEN, (unsigned)(20 + i));
	enc = fields_bytes(&f, &n);
	CHECK(enc != NULL);
	if (enc == NULL)
		goto out;
	{
		unsigned char *cp = exact(enc, n);
		CHECK(am_fields_parse(cp, n, &out) == 0);
		CHECK(out.n == 3);
		for (size_t i = 0; i < out.n && i < f.n; i++) {
			CHECK(strcmp(out.v[i].name, f.v[i].name) == 0);
			CHECK(out.v[i].vlen == f.v[i].vlen &&
			      memcmp(out.v[i].value, f.v[i].value, f.v[i].vlen) == 0);
			CHECK(memcmp(out.v[i].salt, f.v[i].salt, AM_SALT_LEN) == 0);
		}
		{
			unsigned char r1[32], r2[32];
			am_fields_root(r1, &f);
			am_fields_root(r2, &out);
			CHECK(memcmp(r1, r2, 32) == 0);
		}
		am_fields_release(&out);
		free(cp);
	}
	for (size_t k = 0; k < n; k++)
		CHECKF(parse_fields_copy(enc, k) == -1, "fields truncated to %zu of %zu parsed", k, n);
	{
		unsigned char *longer = malloc(n + 1);
		if (longer != NULL) {
			memcpy(longer, enc, n);
			longer[n] = 0;
			CHECK(parse_fields_copy(longer, n + 1) == -1);
			free(longer);
		}
	}
	/* an empty set is four zero bytes */
	CHECK(parse_fields_copy((const unsigned char *)"\0\0\0\0", 4) == 0);
	CHECK(parse_fields_copy((const unsigned char *)"\0\0\0\1", 4) == -1);
	/* a count over the limit */
	{
		unsigned char big[4];
		am_put_u32(big, AM_MAX_FIELDS + 1);
		CHECK(parse_fields_copy(big, 4) == -1);
		am_put_u32(big, UINT32_MAX);
		CHECK(parse_fields_copy(big, 4) == -1);
	}
	/* the count says more or fewer than there are */
	{
		unsigned char *cp = exact(enc, n);
		am_put_u32(cp, 2);
		CHECK(parse_fields_copy(cp, n) == -1);
		am_put_u32(cp, 4);
		CHECK(parse_fields_copy(cp, n) == -1);
		free(cp);
	}
	free(enc);

	/* unsorted: swap two entries of an otherwise valid set */
	{
		struct am_field t = f.v[0];
		f.v[0] = f.v[1];
		f.v[1] = t;
		enc = fields_bytes(&f, &n);
		if (enc != NULL)
			CHECK(parse_fields_copy(enc, n) == -1);
		free(enc);
		t = f.v[0];
		f.v[0] = f.v[1];
		f.v[1] = t;
	}
	/* duplicate names */
	{
		char *saved = f.v[1].name;
		f.v[1].name = f.v[0].name;
		enc = fields_bytes(&f, &n);
		if (enc != NULL)
			CHECK(parse_fields_copy(enc, n) == -1);
		free(enc);
		f.v[1].name = saved;
	}
	/* bad names in an encoding: uppercase, empty, a NUL inside, over 64 */
	{
		static const struct {
			const char *name;
			size_t len;
		} bad[] = {
			{ "Case", 4 },
			{ "", 0 },
			{ "c\0se", 4 },
			{ "case\0", 5 },
			{ "a b", 3 },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct am_buf b;
			unsigned char salt[AM_SALT_LEN] = { 0 };
			am_buf_init(&b);
			am_buf_u32(&b, 1);
			am_buf_add(&b, salt, sizeof(salt));
			am_buf_u32(&b, (uint32_t)bad[i].len);
			am_buf_add(&b, bad[i].name, bad[i].len);
			am_buf_u32(&b, 1);
			am_buf_add(&b, "v", 1);
			CHECKF(!b.oom && parse_fields_copy(b.data, b.len) == -1,
			       "encoded field name %zu accepted", i);
			am_buf_release(&b);
		}
		{
			struct am_buf b;
			unsigned char salt[AM_SALT_LEN] = { 0 };
			char name[70];
			memset(name, 'n', sizeof(name));
			for (uint32_t len = 64; len <= 65; len++) {
				am_buf_init(&b);
				am_buf_u32(&b, 1);
				am_buf_add(&b, salt, sizeof(salt));
				am_buf_u32(&b, len);
				am_buf_add(&b, name, len);
				am_buf_u32(&b, 0);
				CHECKF(parse_fields_copy(b.data, b.len) == (len <= 64 ? 0 : -1),
				       "name of %u bytes", len);
				am_buf_release(&b);
			}
			/* a value length that runs past the end */
			am_buf_init(&b);
			am_buf_u32(&b, 1);
			am_buf_add(&b, salt, sizeof(salt));
			am_buf_u32(&b, 1);
			am_buf_add(&b, "a", 1);
			am_buf_u32(&b, UINT32_MAX);
			am_buf_add(&b, "v", 1);
			CHECK(parse_fields_copy(b.data, b.len) == -1);
			am_buf_release(&b);
		}
	}
out:
	am_fields_release(&f);
}

static void digest_of(unsigned char out[32], const char *name, const void *value, size_t vlen,
		      unsigned salt_seed)
{
	struct am_field fl;

	memset(&fl, 0, sizeof(fl));
	fl.name = (char *)name;
	fl.value = (unsigned char *)value;
	fl.vlen = vlen;
	fill(fl.salt, AM_SALT_LEN, salt_seed);
	am_field_digest(out, &fl);
}

static void test_field_digest(void)
{
	unsigned char d0[32], d[32];

	digest_of(d0, "title", "fictional", 9, 1);
	digest_of(d, "title", "fictional", 9, 1);
	CHECK(memcmp(d0, d, 32) == 0);
	digest_of(d, "title", "fictional", 9, 2); /* salt */
	CHECK(memcmp(d0, d, 32) != 0);
	digest_of(d, "titlf", "fictional", 9, 1); /* name */
	CHECK(memcmp(d0, d, 32) != 0);
	digest_of(d, "title", "fictionam", 9, 1); /* value */
	CHECK(memcmp(d0, d, 32) != 0);
	digest_of(d, "title", "fictiona", 8, 1); /* value length */
	CHECK(memcmp(d0, d, 32) != 0);
	/* length-prefixed: the boundary between name and value cannot move */
	digest_of(d0, "ab", "c", 1, 3);
	digest_of(d, "a", "bc", 2, 3);
	CHECK(memcmp(d0, d, 32) != 0);
	digest_of(d0, "a", "", 0, 3);
	digest_of(d, "a", "\0", 1, 3);
	CHECK(memcmp(d0, d, 32) != 0);
	/* one salt bit, anywhere */
	{
		struct am_field fl;
		memset(&fl, 0, sizeof(fl));
		fl.name = (char *)"x";
		fl.value = (unsigned char *)"y";
		fl.vlen = 1;
		am_field_digest(d0, &fl);
		for (int i = 0; i < AM_SALT_LEN; i++) {
			fl.salt[i] ^= 0x10;
			am_field_digest(d, &fl);
			CHECKF(memcmp(d0, d, 32) != 0, "salt byte %d ignored", i);
			fl.salt[i] ^= 0x10;
		}
	}
	/* the field digest is domain-separated from a bare SHA-256 of its encoding */
	{
		struct am_fields f;
		unsigned char *enc, bare[32];
		size_t n;
		am_fields_init(&f);
		CHECK(set(&f, "x", "y"));
		enc = fields_bytes(&f, &n);
		if (enc != NULL && n > 4) {
			am_sha256(bare, enc + 4, n - 4);
			am_field_digest(d, &f.v[0]);
			CHECK(memcmp(bare, d, 32) != 0);
		}
		free(enc);
		am_fields_release(&f);
	}
}

static void test_fields_root(void)
{
	struct am_fields f, g;
	unsigned char r0[32], r[32], empty[32];

	am_fields_init(&f);
	am_fields_root(empty, &f);
	CHECK(set(&f, "a", "1"));
	CHECK(set(&f, "b", "2"));
	CHECK(set(&f, "c", "3"));
	am_fields_root(r0, &f);
	am_fields_root(r, &f);
	CHECK(memcmp(r0, r, 32) == 0);
	CHECK(memcmp(r0, empty, 32) != 0);
	/* order matters */
	{
		struct am_field t = f.v[0];
		f.v[0] = f.v[2];
		f.v[2] = t;
		am_fields_root(r, &f);
		CHECK(memcmp(r0, r, 32) != 0);
		t = f.v[0];
		f.v[0] = f.v[2];
		f.v[2] = t;
	}
	/* count matters: a prefix of the set has another root */
	f.n = 2;
	am_fields_root(r, &f);
	CHECK(memcmp(r0, r, 32) != 0);
	f.n = 3;
	/* any value changes the root */
	CHECK(set(&f, "b", "X"));
	am_fields_root(r, &f);
	CHECK(memcmp(r0, r, 32) != 0);
	/* the root is not the digest of its only field */
	am_fields_init(&g);
	CHECK(set(&g, "a", "1"));
	{
		unsigned char d[32];
		am_fields_root(r, &g);
		am_field_digest(d, &g.v[0]);
		CHECK(memcmp(r, d, 32) != 0);
	}
	am_fields_release(&g);
	am_fields_release(&f);
}

/* ---- wraps --------------------------------------------------------------- */

#define ITEM (AM_BOX_PK_LEN + AM_WRAP_LEN)

static int wraps_copy(const unsigned char *p, size_t n, struct am_wraps *w)
{
	unsigned char *cp = exact(p, n);
	int rc = am_wraps_parse(cp, n, w);

	free(cp);
	return rc;
}

static void test_wraps(void)
{
	unsigned char buf[4 + 3 * ITEM];
	struct am_wraps w;

	am_put_u32(buf, 3);
	for (int i = 0; i < 3; i++) {
		fill(buf + 4 + i * ITEM, ITEM, (unsigned)(30 + i));
		buf[4 + i * ITEM] = (unsigned char)(0x10 * (i + 1)); /* sorted by pk */
	}
	CHECK(wraps_copy(buf, sizeof(buf), &w) == 0);
	CHECK(w.n == 3);
	CHECK(am_wraps_parse(buf, sizeof(buf), &w) == 0 && w.items == buf + 4);
	/* wrong lengths */
	for (size_t n = 0; n < sizeof(buf); n++)
		CHECKF(wraps_copy(buf, n, &w) == -1, "wraps of %zu bytes parsed", n);
	{
		unsigned char longer[sizeof(buf) + 1];
		memcpy(longer, buf, sizeof(buf));
		longer[sizeof(buf)] = 0;
		CHECK(wraps_copy(longer, sizeof(longer), &w) == -1);
	}
	/* the count disagrees with the length */
	am_put_u32(buf, 2);
	CHECK(wraps_copy(buf, sizeof(buf), &w) == -1);
	am_put_u32(buf, 4);
	CHECK(wraps_copy(buf, sizeof(buf), &w) == -1);
	am_put_u32(buf, 0);
	CHECK(wraps_copy(buf, 4, &w) == -1); /* nobody to open it */
	am_put_u32(buf, AM_MAX_WRAPS + 1);
	CHECK(wraps_copy(buf, sizeof(buf), &w) == -1);
	am_put_u32(buf, UINT32_MAX);
	CHECK(wraps_copy(buf, sizeof(buf), &w) == -1);
	am_put_u32(buf, 3);
	CHECK(wraps_copy(buf, sizeof(buf), &w) == 0);
	/* unsorted, and duplicated recipients */
	buf[4 + ITEM] = 0x40;
	CHECK(wraps_copy(buf, sizeof(buf), &w) == -1);
	buf[4 + ITEM] = 0x20;
	CHECK(wraps_copy(buf, sizeof(buf), &w) == 0);
	memcpy(buf + 4 + ITEM, buf + 4, AM_BOX_PK_LEN);
	CHECK(wraps_copy(buf, sizeof(buf), &w) == -1);
	/* pks equal but for the last byte: order is over the whole key */
	memcpy(buf + 4 + ITEM, buf + 4, AM_BOX_PK_LEN);
	buf[4 + ITEM + AM_BOX_PK_LEN - 1] = (unsigned char)(buf[4 + AM_BOX_PK_LEN - 1] + 1);
	if (buf[4 + ITEM + AM_BOX_PK_LEN - 1] != 0)
		CHECK(wraps_copy(buf, sizeof(buf), &w) == 0);
	/* a single recipient */
	am_put_u32(buf, 1);
	CHECK(wraps_copy(buf, 4 + ITEM, &w) == 0 && w.n == 1);
}

static void test_ad(void)
{
	unsigned char vid[AM_VAULT_ID_LEN], uid[AM_UID_LEN], a[AM_AD_MAX], m[AM_AD_MAX];
	size_t an = 0, mn = 0;

	fill(vid, sizeof(vid), 40);
	fill(uid, sizeof(uid), 41);
	am_chunk_ad(a, &an, vid, uid);
	am_meta_ad(m, &mn, vid, uid);
	CHECK(an <= AM_AD_MAX && mn <= AM_AD_MAX);
	CHECK(an == sizeof(AM_DOM_CHUNK_AD) + sizeof(vid) + sizeof(uid));
	CHECK(memcmp(a + an - sizeof(uid), uid, sizeof(uid)) == 0);
	CHECK(memcmp(a + an - sizeof(uid) - sizeof(vid), vid, sizeof(vid)) == 0);
	CHECK(an != mn || memcmp(a, m, an) != 0); /* chunks and metadata never share ad */
	{
		unsigned char b[AM_AD_MAX];
		size_t bn = 0;
		uid[0] ^= 1;
		am_chunk_ad(b, &bn, vid, uid);
		CHECK(bn == an && memcmp(a, b, an) != 0);
		uid[0] ^= 1;
		vid[15] ^= 1;
		am_chunk_ad(b, &bn, vid, uid);
		CHECK(bn == an && memcmp(a, b, an) != 0);
	}
}

/* ---- chunk packing ------------------------------------------------------- */

static unsigned long rng_state = 12345;

static unsigned char rnd(void)
{
	rng_state = rng_state * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned char)(rng_state >> 33);
}

/* Unpack an exact copy into an exact-size output; the result. */
static int unpack_exact(const unsigned char *in, size_t n, size_t want, unsigned char **outp)
{
	unsigned char *cp = exact(in, n);
	unsigned char *out = malloc(want ? want : 1);
	int rc;

	if (out == NULL)
		exit(2);
	rc = am_chunk_unpack(out, want, cp, n);
	free(cp);
	if (outp != NULL)
		*outp = out;
	else
		free(out);
	return rc;
}

/*
 * am_chunk_deflate leaves nothing of the plaintext in out beyond what it
 * returns: the whole buffer when it says "store", everything after *outn
 * when it deflated.  out starts as 0xa5 everywhere and the plaintext has no
 * 0xa5, so any byte neither 0xa5 nor 0 (a wipe) was written and left.
 */
static size_t deflate_left(const unsigned char *in, size_t n, int *deflated)
{
	size_t cap = am_chunk_pt_max(n), on = 0, from, left = 0;
	unsigned char *out = malloc(cap);
	struct am_zarena *za = am_zarena_new();

	if (out == NULL || za == NULL)
		exit(2);
	memset(out, 0xa5, cap);
	*deflated = am_chunk_deflate(out, &on, in, n, za);
	from = *deflated ? on : 0;
	for (size_t i = from; i < cap; i++)
		left += out[i] != 0xa5 && out[i] != 0;
	am_zarena_free(za);
	free(out);
	return left;
}

static void test_chunk_deflate_wipes(void)
{
	static const size_t sizes[] = { 512, 600, 1000, 4096, 8192, 16383, 16384, 16385,
					16390, 16400, 20000, 65536, 200000 };
	const size_t most = 200000;
	unsigned char *busy = malloc(most), *tail = malloc(most);
	int deflated = 0;
	size_t left;

	if (busy == NULL || tail == NULL)
		exit(2);
	/*
	 * busy: a zero byte 1 in 13, else uniform (never 0xa5): not "random"
	 * (collision entropy under 7 bits), so the probe runs, and saves too
	 * little; tail: text for 16 KiB, then the same byte, so that the whole
	 * deflates to less than the probe wrote
	 */
	for (size_t i = 0; i < most; i++) {
		unsigned char c = rnd();
		busy[i] = (unsigned char)(rnd() % 13 == 0 ? 0 : (c == 0xa5 || c == 0 ? 1 : c));
		tail[i] = (unsigned char)(i < 16384 ? 'a' + (rnd() % 26) : 'z');
	}
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		left = deflate_left(busy, sizes[k], &deflated);
		CHECKF(!deflated && left == 0, "%zu busy bytes: deflated %d, %zu bytes of the "
		       "probe's output left", sizes[k], deflated, left);
		left = deflate_left(tail, sizes[k], &deflated);
		CHECKF(deflated && left == 0, "%zu bytes of text: deflated %d, %zu bytes of the "
		       "probe's output left after the stream", sizes[k], deflated, left);
	}
	free(busy);
	free(tail);
}

static void test_chunk_pack(void)
{
	const size_t big = AM_CHUNK_SIZE;
	unsigned char *text = malloc(big), *noise = malloc(big), *packed, *back = NULL;
	size_t pn = 0;
	static const char line[] = "Witness W-0042 described the checkpoint near the river. ";

	packed = malloc(am_chunk_pt_max(big));
	if (text == NULL || noise == NULL || packed == NULL)
		exit(2);
	for (size_t i = 0; i < big; i++) {
		text[i] = (unsigned char)line[i % (sizeof(line) - 1)];
		noise[i] = rnd();
	}
	CHECK(am_chunk_pt_max(big) > big + 1);
	CHECK(am_chunk_pt_max(0) >= 1);

	/* compressible text is deflated, and unpacks to itself */
	CHECK(am_chunk_pack(packed, &pn, text, big, 1) == 0);
	CHECK(packed[0] == AM_CHUNK_ZLIB);
	CHECKF(pn < big / 10, "1 MiB of text packed to %zu bytes", pn);
	CHECK(unpack_exact(packed, pn, big, &back) == 0);
	CHECK(back != NULL && memcmp(back, text, big) == 0);
	free(back);
	/* and must unpack to exactly that size */
	CHECK(unpack_exact(packed, pn, big - 1, NULL) == -1);
	CHECK(unpack_exact(packed, pn, big + 1, NULL) == -1);
	CHECK(unpack_exact(packed, pn, 0, NULL) == -1);
	/* truncated streams, and trailing bytes after the stream */
	CHECK(unpack_exact(packed, pn - 1, big, NULL) == -1);
	CHECK(unpack_exact(packed, pn / 2, big, NULL) == -1);
	CHECK(unpack_exact(packed, 1, big, NULL) == -1);
	{
		unsigned char *longer = malloc(pn + 1);
		if (longer != NULL) {
			memcpy(longer, packed, pn);
			longer[pn] = 0;
			CHECK(unpack_exact(longer, pn + 1, big, NULL) == -1);
			free(longer);
		}
	}
	/* a damaged stream */
	packed[pn / 2] ^= 0xff;
	CHECK(unpack_exact(packed, pn, big, NULL) == -1);

	/* random data is stored as is */
	CHECK(am_chunk_pack(packed, &pn, noise, big, 1) == 0);
	CHECK(packed[0] == AM_CHUNK_STORED && pn == big + 1);
	CHECK(memcmp(packed + 1, noise, big) == 0);
	CHECK(unpack_exact(packed, pn, big, &back) == 0);
	CHECK(back != NULL && memcmp(back, noise, big) == 0);
	free(back);
	CHECK(unpack_exact(packed, pn, big - 1, NULL) == -1);
	CHECK(unpack_exact(packed, pn - 1, big, NULL) == -1);

	/*
	 * small records that only look busy (random base64: 6 bits a byte) are
	 * not taken for random bytes, and are deflated; random ones are stored
	 */
	{
		static const char b64[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		static const size_t sizes[] = { 512, 1024, 4096, 16384 };
		unsigned char *b = malloc(16384);
		for (size_t i = 0; b != NULL && i < 16384; i++)
			b[i] = (unsigned char)b64[rnd() % 64];
		for (size_t k = 0; b != NULL && k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			CHECK(am_chunk_pack(packed, &pn, b, sizes[k], 1) == 0);
			CHECKF(packed[0] == AM_CHUNK_ZLIB && pn < sizes[k] * 9 / 10,
			       "%zu bytes of base64 packed to mode %u, %zu bytes", sizes[k],
			       packed[0], pn);
			CHECK(am_chunk_pack(packed, &pn, noise, sizes[k], 1) == 0);
			CHECK(packed[0] == AM_CHUNK_STORED && pn == sizes[k] + 1);
		}
		free(b);
	}

	/* told not to compress (media), or too small to bother: stored */
	CHECK(am_chunk_pack(packed, &pn, text, big, 0) == 0);
	CHECK(packed[0] == AM_CHUNK_STORED && pn == big + 1);
	CHECK(am_chunk_pack(packed, &pn, text, 511, 1) == 0);
	CHECK(packed[0] == AM_CHUNK_STORED && pn == 512);
	CHECK(am_chunk_pack(packed, &pn, text, 0, 1) == 0);
	CHECK(packed[0] == AM_CHUNK_STORED && pn == 1);
	CHECK(unpack_exact(packed, 1, 0, NULL) == 0);
	CHECK(unpack_exact(packed, 1, 1, NULL) == -1);

	/* sizes around the probe and the threshold round-trip */
	{
		static const size_t sizes[] = { 1, 511, 512, 513, 4096, 16383, 16384, 16385, 100000 };
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			for (int src = 0; src < 2; src++) {
				const unsigned char *in = src ? noise : text;
				CHECK(am_chunk_pack(packed, &pn, in, sizes[i], 1) == 0);
				CHECKF(pn <= am_chunk_pt_max(sizes[i]), "size %zu packed to %zu",
				       sizes[i], pn);
				CHECKF(unpack_exact(packed, pn, sizes[i], &back) == 0 &&
					       memcmp(back, in, sizes[i]) == 0,
				       "size %zu (%s) does not round-trip", sizes[i],
				       src ? "noise" : "text");
				free(back);
				back = NULL;
			}
		}
	}

	/* unknown modes and empty input */
	{
		unsigned char m[4] = { 2, 'a', 'b', 'c' };
		CHECK(unpack_exact(m, 4, 3, NULL) == -1);
		m[0] = 0xff;
		CHECK(unpack_exact(m, 4, 3, NULL) == -1);
		m[0] = AM_CHUNK_STORED;
		CHECK(unpack_exact(m, 4, 3, NULL) == 0);
		CHECK(unpack_exact(m, 0, 0, NULL) == -1);
	}

	/*
	 * A bomb: a valid zlib stream of far more than the chunk may hold.  The
	 * output buffer is exactly want bytes, so a write past it is caught.
	 */
	{
		const size_t want = 64 * 1024;
		unsigned char *zeros = calloc(1, 16 * want);
		uLongf zn = compressBound((uLong)(16 * want));
		unsigned char *z = malloc(1 + zn);
		if (zeros != NULL && z != NULL &&
		    compress2(z + 1, &zn, zeros, (uLong)(16 * want), 9) == Z_OK) {
			z[0] = AM_CHUNK_ZLIB;
			CHECK(unpack_exact(z, 1 + zn, want, NULL) == -1);
			CHECK(unpack_exact(z, 1 + zn, 16 * want - 1, NULL) == -1);
			CHECK(unpack_exact(z, 1 + zn, 16 * want, &back) == 0);
			CHECK(back != NULL && back[16 * want - 1] == 0);
			free(back);
			back = NULL;
		} else {
			CHECK(0);
		}
		/* a stream shorter than expected */
		zn = compressBound((uLong)want);
		if (zeros != NULL && z != NULL &&
		    compress2(z + 1, &zn, zeros, (uLong)(want / 2), 9) == Z_OK) {
			z[0] = AM_CHUNK_ZLIB;
			CHECK(unpack_exact(z, 1 + zn, want, NULL) == -1);
			CHECK(unpack_exact(z, 1 + zn, want / 2, NULL) == 0);
		}
		free(zeros);
		free(z);
	}
	free(text);
	free(noise);
	free(packed);
}

/* ---- authority ----------------------------------------------------------- */

struct who {
	struct am_identity id;
	unsigned char rec[128];
	size_t rec_len;
};

/* An identity and its record with these roles. */
static void who_make(struct who *w, const char *name, unsigned roles)
{
	struct am_member m;
	struct am_buf b;

	if (am_identity_generate(&w->id, name, NULL) != AM_OK)
		exit(2);
	memset(&m, 0, sizeof(m));
	memcpy(m.sign_pk, w->id.sign_pk, 32);
	memcpy(m.box_pk, w->id.box_pk, 32);
	m.roles = roles;
	snprintf(m.name, sizeof(m.name), "%s", name);
	am_buf_init(&b);
	am_member_encode(&b, &m);
	if (b.oom || b.len > sizeof(w->rec))
		exit(2);
	memcpy(w->rec, b.data, b.len);
	w->rec_len = b.len;
	am_buf_release(&b);
}

static void who_roles(struct who *w, unsigned roles)
{
	w->rec[64] = (unsigned char)roles;
}

static uint64_t next_seq;

/* Apply an entry of type signed by signer, with payload; links to the latest authority entry. */
static int apply(struct am_auth *a, unsigned type, const unsigned char signer[32],
		 const void *payload, size_t pn)
{
	struct am_header h;
	char why[256] = "";
	int rc;

	memset(&h, 0, sizeof(h));
	h.version = AM_FORMAT_VERSION;
	h.type = (uint8_t)type;
	h.seq = next_seq;
	h.auth_seq = next_seq == 0 ? 0 : a->last_seq;
	memcpy(h.signer, signer, 32);
	h.payload = payload;
	h.payload_len = (uint32_t)pn;
	/* a genesis carries the vault id derived from it */
	if (type == AM_T_GENESIS)
		am_genesis_vault_id(h.vault_id, &h);
	rc = am_auth_apply(a, &h, why, sizeof(why));
	if (rc == 0)
		next_seq++;
	else
		CHECK(why[0] != '\0'); /* a refusal always says why */
	return rc;
}

static int has_pk(const unsigned char *pks, size_t n, const unsigned char pk[32])
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(pks + 32 * i, pk, 32) == 0)
			return 1;
	return 0;
}

static void test_authority(void)
{
	struct who admin, officer, cust1, cust2, cust3, auditor, stranger;
	struct am_auth a;
	unsigned char act, *pks = NULL;
	size_t n = 0;

	who_make(&admin, "admin-one", AM_ROLE_ADMIN);
	who_make(&officer, "field-officer-1", AM_ROLE_OFFICER);
	who_make(&cust1, "custodian-1", AM_ROLE_CUSTODIAN);
	who_make(&cust2, "custodian-2", AM_ROLE_CUSTODIAN);
	who_make(&cust3, "custodian-3", AM_ROLE_CUSTODIAN);
	who_make(&auditor, "auditor-1", AM_ROLE_AUDITOR);
	who_make(&stranger, "stranger", AM_ROLE_ADMIN);

	/* genesis must come first, name an admin, and be signed by that admin */
	am_auth_init(&a);
	next_seq = 0;
	CHECK(apply(&a, AM_T_ENROLL, admin.id.sign_pk, admin.rec, admin.rec_len) == -1);
	CHECK(apply(&a, AM_T_TESTIMONY, admin.id.sign_pk, NULL, 0) == -1);
	CHECK(apply(&a, AM_T_GENESIS, stranger.id.sign_pk, admin.rec, admin.rec_len) == -1);
	who_roles(&admin, AM_ROLE_CUSTODIAN);
	CHECK(apply(&a, AM_T_GENESIS, admin.id.sign_pk, admin.rec, admin.rec_len) == -1);
	who_roles(&admin, AM_ROLE_ADMIN);
	CHECK(apply(&a, AM_T_GENESIS, admin.id.sign_pk, admin.rec, admin.rec_len - 1) == -1);
	CHECK(apply(&a, AM_T_GENESIS, admin.id.sign_pk, NULL, 0) == -1);
	CHECK(a.ms.n == 0);
	/* the vault id is derived from the genesis: any other id, or any change, fails */
	{
		struct am_header g;
		char why[256];
		memset(&g, 0, sizeof(g));
		g.version = AM_FORMAT_VERSION;
		g.type = AM_T_GENESIS;
		memcpy(g.signer, admin.id.sign_pk, 32);
		g.payload = admin.rec;
		g.payload_len = (uint32_t)admin.rec_len;
		am_genesis_vault_id(g.vault_id, &g);
		CHECK(am_auth_apply(&a, &g, why, sizeof(why)) == 0);
		am_auth_release(&a);
		am_auth_init(&a);
		g.vault_id[15] ^= 1;
		CHECK(am_auth_apply(&a, &g, why, sizeof(why)) == -1);
		CHECK(strstr(why, "vault id") != NULL);
		g.vault_id[15] ^= 1;
		/* the same id on a genesis made at another time, or with another uid */
		g.sealed_at_ms = 1;
		CHECK(am_auth_apply(&a, &g, why, sizeof(why)) == -1);
		g.sealed_at_ms = 0;
		g.uid[0] = 1;
		CHECK(am_auth_apply(&a, &g, why, sizeof(why)) == -1);
		CHECK(a.ms.n == 0);
	}
	CHECK(apply(&a, AM_T_GENESIS, admin.id.sign_pk, admin.rec, admin.rec_len) == 0);
	CHECK(am_auth_roles(&a, admin.id.sign_pk) == AM_ROLE_ADMIN);
	CHECK(am_auth_roles(&a, officer.id.sign_pk) == 0);
	/* only once */
	CHECK(apply(&a, AM_T_GENESIS, admin.id.sign_pk, admin.rec, admin.rec_len) == -1);

	/* enroll: admins only */
	CHECK(apply(&a, AM_T_ENROLL, admin.id.sign_pk, officer.rec, officer.rec_len) == 0);
	CHECK(am_auth_roles(&a, officer.id.sign_pk) == AM_ROLE_OFFICER);
	CHECK(apply(&a, AM_T_ENROLL, officer.id.sign_pk, cust1.rec, cust1.rec_len) == -1);
	CHECK(apply(&a, AM_T_ENROLL, stranger.id.sign_pk, cust1.rec, cust1.rec_len) == -1);
	CHECK(apply(&a, AM_T_ENROLL, admin.id.sign_pk, cust1.rec, cust1.rec_len - 1) == -1);
	CHECK(am_auth_roles(&a, cust1.id.sign_pk) == 0);
	CHECK(apply(&a, AM_T_ENROLL, admin.id.sign_pk, cust1.rec, cust1.rec_len) == 0);
	CHECK(apply(&a, AM_T_ENROLL, admin.id.sign_pk, auditor.rec, auditor.rec_len) == 0);

	/* the authority link must name the latest enrollment entry */
	{
		struct am_header h;
		char why[256];
		memset(&h, 0, sizeof(h));
		h.version = AM_FORMAT_VERSION;
		h.type = AM_T_TESTIMONY;
		h.seq = next_seq;
		memcpy(h.signer, officer.id.sign_pk, 32);
		h.auth_seq = a.last_seq;
		CHECK(a.last_seq == next_seq - 1);
		CHECK(a.last_seq > 0);
		h.auth_seq = a.last_seq - 1;
		CHECK(am_auth_apply(&a, &h, why, sizeof(why)) == -1);
		h.auth_seq = a.last_seq + 1;
		CHECK(am_auth_apply(&a, &h, why, sizeof(why)) == -1);
	}

	/* sealing: officers, custodians, admins; never auditors or strangers */
	CHECK(apply(&a, AM_T_TESTIMONY, officer.id.sign_pk, NULL, 0) == 0);
	CHECK(apply(&a, AM_T_DOCUMENT, cust1.id.sign_pk, NULL, 0) == 0);
	CHECK(apply(&a, AM_T_CASE, admin.id.sign_pk, NULL, 0) == 0);
	CHECK(apply(&a, AM_T_MEDIA, auditor.id.sign_pk, NULL, 0) == -1);
	CHECK(apply(&a, AM_T_MEDIA, stranger.id.sign_pk, NULL, 0) == -1);
	CHECK(apply(&a, AM_T_TESTIMONY, officer.id.sign_pk, "x", 1) == -1); /* no payload */

	/* custody: custodians only, with a known action */
	act = AM_ACT_EXTRACT;
	CHECK(apply(&a, AM_T_CUSTODY, officer.id.sign_pk, &act, 1) == -1);
	CHECK(apply(&a, AM_T_CUSTODY, admin.id.sign_pk, &act, 1) == -1);
	CHECK(apply(&a, AM_T_CUSTODY, auditor.id.sign_pk, &act, 1) == -1);
	CHECK(apply(&a, AM_T_CUSTODY, cust1.id.sign_pk, &act, 1) == 0);
	CHECK(apply(&a, AM_T_CUSTODY, cust1.id.sign_pk, NULL, 0) == -1);
	CHECK(apply(&a, AM_T_CUSTODY, cust1.id.sign_pk, "\2\2", 2) == -1);
	act = 0;
	CHECK(apply(&a, AM_T_CUSTODY, cust1.id.sign_pk, &act, 1) == -1);
	act = 100; /* far past any action defined */
	CHECK(apply(&a, AM_T_CUSTODY, cust1.id.sign_pk, &act, 1) == -1);
	act = 0xff;
	CHECK(apply(&a, AM_T_CUSTODY, cust1.id.sign_pk, &act, 1) == -1);

	/* a new identity may not reuse half of another's keys */
	{
		struct who mix;
		who_make(&mix, "mixed-keys", AM_ROLE_OFFICER);
		memcpy(mix.rec + 32, cust1.id.box_pk, 32); /* new sign key, cust1's box key */
		CHECK(apply(&a, AM_T_ENROLL, admin.id.sign_pk, mix.rec, mix.rec_len) == -1);
		memcpy(mix.rec, cust1.id.sign_pk, 32); /* cust1's sign key, a new box key */
		memcpy(mix.rec + 32, mix.id.box_pk, 32);
		CHECK(apply(&a, AM_T_ENROLL, admin.id.sign_pk, mix.rec, mix.rec_len) == -1);
		CHECK(am_auth_roles(&a, cust1.id.sign_pk) == AM_ROLE_CUSTODIAN);
		am_identity_release(&mix.id);
	}
	/* re-enrolling the same keys changes the roles, not the membership */
	{
		size_t before = a.ms.n;
		who_roles(&cust1, AM_ROLE_CUSTODIAN | AM_ROLE_OFFICER);
		CHECK(apply(&a, AM_T_ENROLL, admin.id.sign_pk, cust1.rec, cust1.rec_len) == 0);
		CHECK(a.ms.n == before);
		CHECK(am_auth_roles(&a, cust1.id.sign_pk) == (AM_ROLE_CUSTODIAN | AM_ROLE_OFFICER));
	}

	/* recipients: exactly the custodians, sorted */
	CHECK(apply(&a, AM_T_ENROLL, admin.id.sign_pk, cust3.rec, cust3.rec_len) == 0);
	CHECK(apply(&a, AM_T_ENROLL, admin.id.sign_pk, cust2.rec, cust2.rec_len) == 0);
	CHECK(am_auth_recipients(&a, &pks, &n) == 0);
	CHECK(n == 3);
	if (pks != NULL && n == 3) {
		CHECK(has_pk(pks, n, cust1.id.box_pk) && has_pk(pks, n, cust2.id.box_pk) &&
		      has_pk(pks, n, cust3.id.box_pk));
		CHECK(!has_pk(pks, n, admin.id.box_pk) && !has_pk(pks, n, officer.id.box_pk) &&
		      !has_pk(pks, n, auditor.id.box_pk));
		for (size_t i = 1; i < n; i++)
			CHECKF(memcmp(pks + 32 * (i - 1), pks + 32 * i, 32) < 0,
			       "recipients not sorted at %zu", i);
	}
	free(pks);
	pks = NULL;

	/* revoke: admins only, of someone enrolled, with a 32-byte payload */
	{
		unsigned char unknown[32];
		fill(unknown, 32, 77);
		CHECK(apply(&a, AM_T_REVOKE, admin.id.sign_pk, unknown, 32) == -1);
		CHECK(apply(&a, AM_T_REVOKE, admin.id.sign_pk, stranger.id.sign_pk, 32) == -1);
		CHECK(apply(&a, AM_T_REVOKE, admin.id.sign_pk, officer.id.sign_pk, 31) == -1);
		CHECK(apply(&a, AM_T_REVOKE, admin.id.sign_pk, officer.id.sign_pk, 33) == -1);
		CHECK(apply(&a, AM_T_REVOKE, officer.id.sign_pk, cust2.id.sign_pk, 32) == -1);
		CHECK(apply(&a, AM_T_REVOKE, cust1.id.sign_pk, cust2.id.sign_pk, 32) == -1);
		/* a box key is not an identity */
		CHECK(apply(&a, AM_T_REVOKE, admin.id.sign_pk, officer.id.box_pk, 32) == -1);
	}
	CHECK(apply(&a, AM_T_REVOKE, admin.id.sign_pk, officer.id.sign_pk, 32) == 0);
	CHECK(am_auth_roles(&a, officer.id.sign_pk) == 0);
	CHECK(apply(&a, AM_T_REVOKE, admin.id.sign_pk, officer.id.sign_pk, 32) == -1); /* again */
	CHECK(apply(&a, AM_T_TESTIMONY, officer.id.sign_pk, NULL, 0) == -1);
	/* a revoked custodian stops being a recipient */
	CHECK(apply(&a, AM_T_REVOKE, admin.id.sign_pk, cust2.id.sign_pk, 32) == 0);
	CHECK(am_auth_recipients(&a, &pks, &n) == 0);
	CHECK(n == 2 && pks != NULL && !has_pk(pks, n, cust2.id.box_pk));
	free(pks);
	pks = NULL;
	/* and can be enrolled again */
	CHECK(apply(&a, AM_T_ENROLL, admin.id.sign_pk, cust2.rec, cust2.rec_len) == 0);
	CHECK(am_auth_recipients(&a, &pks, &n) == 0);
	CHECK(n == 3);
	free(pks);
	pks = NULL;
	am_auth_release(&a);

	/* an admin who is also custodian is a recipient; none at all is an empty list */
	am_auth_init(&a);
	next_seq = 0;
	who_roles(&admin, AM_ROLE_ADMIN | AM_ROLE_CUSTODIAN);
	CHECK(apply(&a, AM_T_GENESIS, admin.id.sign_pk, admin.rec, admin.rec_len) == 0);
	CHECK(am_auth_recipients(&a, &pks, &n) == 0);
	CHECK(n == 1 && pks != NULL && memcmp(pks, admin.id.box_pk, 32) == 0);
	free(pks);
	pks = NULL;
	am_auth_release(&a);
	am_auth_init(&a);
	next_seq = 0;
	who_roles(&admin, AM_ROLE_ADMIN);
	CHECK(apply(&a, AM_T_GENESIS, admin.id.sign_pk, admin.rec, admin.rec_len) == 0);
	CHECK(am_auth_recipients(&a, &pks, &n) == 0);
	CHECK(n == 0);
	free(pks);
	am_auth_release(&a);

	CHECK(am_type_signer_roles(AM_T_CUSTODY) == AM_ROLE_CUSTODIAN);
	CHECK((am_type_signer_roles(AM_T_ENROLL) & ~(unsigned)AM_ROLE_ADMIN) == 0);
	CHECK((am_type_signer_roles(AM_T_TESTIMONY) & AM_ROLE_AUDITOR) == 0);
	CHECK(am_type_signer_roles(0) == 0);

	am_identity_release(&admin.id);
	am_identity_release(&officer.id);
	am_identity_release(&cust1.id);
	am_identity_release(&cust2.id);
	am_identity_release(&cust3.id);
	am_identity_release(&auditor.id);
	am_identity_release(&stranger.id);
}

/*
 * Many members: the replay indexes them by both keys, so every lookup and the
 * one-identity-per-key rule must hold at any size and in any insertion order.
 */
static void test_authority_many(void)
{
	enum { N = 3000 };
	struct am_auth a, b;
	struct am_header h;
	struct am_member m;
	struct am_buf rec;
	char why[256];
	unsigned char pk[32];
	int ok = 1;

	am_auth_init(&a);
	memset(&h, 0, sizeof(h));
	h.version = AM_FORMAT_VERSION;
	/* keys in a scrambled order: member i has sign key H(s,i) and box key H(b,i) */
	for (uint32_t i = 0; i < N && ok; i++) {
		unsigned char seed[5] = { 's', (unsigned char)(i >> 24), (unsigned char)(i >> 16),
					  (unsigned char)(i >> 8), (unsigned char)i };
		memset(&m, 0, sizeof(m));
		am_sha256(m.sign_pk, seed, sizeof(seed));
		seed[0] = 'b';
		am_sha256(m.box_pk, seed, sizeof(seed));
		snprintf(m.name, sizeof(m.name), "member-%u", (unsigned)i);
		m.roles = i == 0 ? AM_ROLE_ADMIN : (i % 3 == 0 ? AM_ROLE_CUSTODIAN : AM_ROLE_OFFICER);
		am_buf_init(&rec);
		am_member_encode(&rec, &m);
		h.seq = i;
		h.type = i == 0 ? AM_T_GENESIS : AM_T_ENROLL;
		h.auth_seq = i == 0 ? 0 : a.last_seq;
		if (i == 0)
			memcpy(h.signer, m.sign_pk, 32);
		h.payload = rec.data;
		h.payload_len = (uint32_t)rec.len;
		if (i == 0)
			am_genesis_vault_id(h.vault_id, &h);
		ok = am_auth_apply(&a, &h, why, sizeof(why)) == 0;
		am_buf_release(&rec);
	}
	CHECK(ok && a.ms.n == N);
	for (uint32_t i = 0; i < N; i++) {
		unsigned char seed[5] = { 's', (unsigned char)(i >> 24), (unsigned char)(i >> 16),
					  (unsigned char)(i >> 8), (unsigned char)i };
		am_sha256(pk, seed, sizeof(seed));
		ok &= am_auth_roles(&a, pk) ==
		      (i == 0 ? AM_ROLE_ADMIN : (i % 3 == 0 ? AM_ROLE_CUSTODIAN : AM_ROLE_OFFICER));
	}
	CHECK(ok);
	memset(pk, 0xee, sizeof(pk));
	CHECK(am_auth_roles(&a, pk) == 0);
	/* a new identity that reuses member 1234's box key, then its signing key */
	am_auth_copy(&b, &a);
	memset(&m, 0, sizeof(m));
	memset(m.sign_pk, 0xee, 32);
	memcpy(m.box_pk, a.ms.m[1234].box_pk, 32);
	snprintf(m.name, sizeof(m.name), "intruder");
	m.roles = AM_ROLE_CUSTODIAN;
	am_buf_init(&rec);
	am_member_encode(&rec, &m);
	h.seq = N;
	h.type = AM_T_ENROLL;
	h.auth_seq = b.last_seq;
	h.payload = rec.data;
	h.payload_len = (uint32_t)rec.len;
	CHECK(am_auth_apply(&b, &h, why, sizeof(why)) == -1 && strstr(why, "reuses") != NULL);
	am_buf_release(&rec);
	memcpy(m.sign_pk, a.ms.m[1234].sign_pk, 32);
	memset(m.box_pk, 0xee, 32);
	am_buf_init(&rec);
	am_member_encode(&rec, &m);
	h.payload = rec.data;
	h.payload_len = (uint32_t)rec.len;
	CHECK(am_auth_apply(&b, &h, why, sizeof(why)) == -1 && strstr(why, "reuses") != NULL);
	am_buf_release(&rec);
	/* the same identity again: a re-enrollment, found through the index of the copy */
	m = b.ms.m[2999];
	m.roles = AM_ROLE_AUDITOR;
	am_buf_init(&rec);
	am_member_encode(&rec, &m);
	h.payload = rec.data;
	h.payload_len = (uint32_t)rec.len;
	CHECK(am_auth_apply(&b, &h, why, sizeof(why)) == 0 && b.ms.n == N &&
	      am_auth_roles(&b, m.sign_pk) == AM_ROLE_AUDITOR &&
	      am_auth_roles(&a, m.sign_pk) == AM_ROLE_OFFICER);
	am_buf_release(&rec);
	/* a revocation through the index */
	h.seq = N + 1;
	h.type = AM_T_REVOKE;
	h.auth_seq = b.last_seq;
	h.payload = b.ms.m[7].sign_pk;
	h.payload_len = 32;
	CHECK(am_auth_apply(&b, &h, why, sizeof(why)) == 0 && am_auth_roles(&b, b.ms.m[7].sign_pk) == 0);
	am_auth_release(&b);
	am_auth_release(&a);
}

int main(void)
{
	if (am_crypto_init() != 0) {
		fprintf(stderr, "am_crypto_init failed\n");
		return 1;
	}
	test_header_roundtrip();
	test_header_rules();
	test_sig_input_and_hash();
	test_type_names();
	test_member();
	test_fields_set();
	test_fields_parse();
	test_field_digest();
	test_fields_root();
	test_wraps();
	test_ad();
	test_chunk_pack();
	test_chunk_deflate_wipes();
	test_authority();
	test_authority_many();
	return check_done();
}
