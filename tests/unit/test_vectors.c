/*
 * test_vectors.c — known-answer vectors for format version 1.
 *
 * Every value is built from fixed inputs (docs/FORMAT.md, "Test vectors"):
 * identities, a genesis, an enroll, a testimony and a custody entry with
 * their encodings, signatures and hashes, field digests and roots, sealed
 * chunks and metadata, wraps, and a key file.  The same code either writes
 * the expected values or compares against them:
 *
 *   test_vectors                 compare with the files in $AMANAT_VECTORS
 *   test_vectors --generate DIR  (re)write the files in DIR
 *
 * Two values cannot be recomputed from fixed inputs and are pinned instead:
 * the sealed-box wraps (crypto_box_seal draws an ephemeral key) and the zlib
 * stream of the compressed chunk (deflate output is not part of the format).
 * In check mode they are read from the files and checked for meaning: the
 * wrap opens to the content key, the stream inflates to the chunk.
 *
 * The entries are finally stored in a fresh vault, which must verify and
 * decrypt, so the vectors are known to describe a valid log.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/fsutil.h"
#include "crypto/crypto.h"
#include "crypto/identity.h"
#include "vault/merkle.h"
#include "vault/ack.h"
#include "vault/note.h"
#include "vault/vault_int.h"

/* store.c defines it; vault_int.h does not declare it (seal.c declares it too) */
enum am_status am_db_create(const char *path, struct am_vault **out, struct am_err *e);

/* Failed checks so far; the exit status is non-zero when any failed. */
static int failures;

#define CHECK(cond, ...)                                                          \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);      \
			fprintf(stderr, __VA_ARGS__);                             \
			fprintf(stderr, " [%s]\n", #cond);                        \
			failures++;                                               \
		}                                                                 \
	} while (0)

/* ---- the vector files ---------------------------------------------------- */

enum { F_KEYS, F_ENTRIES, F_FIELDS, F_CONTENT, F_WRAPS, F_TREE, F_KEYFILE, F_TRANSFER, NFILES };

static const struct {
	const char *name, *what;
} vfiles[NFILES] = {
	{ "keys.txt", "Fixed identities: keys, display key ids, .pub lines." },
	{ "entries.txt", "Vault id, identity-record payloads, headers, signatures, entry hashes." },
	{ "fields.txt", "Field digests, fields roots, fields blocks, sealed metadata." },
	{ "content.txt", "Content keys and subkeys, chunk nonces and associated data, sealed "
			 "chunks, content hashes." },
	{ "wraps.txt", "Wrapped content keys (pinned), wraps blocks and their hashes." },
	{ "tree.txt", "Merkle leaves and roots over the four entries, and a checkpoint note." },
	{ "keyfile.txt", "An identity file made with a fixed salt and nonce." },
	{ "transfer.txt", "The testimony carried to a main vault: import payload and header, "
			  "acknowledgement note, packet head (docs/FORMAT.md 25)." },
};

struct vec {
	char *name;
	int file;
	unsigned char *val;
	size_t len;
	int used;
};

struct kat {
	int generate;
	const char *dir;
	int cur;          /* the file values are going to now */
	struct vec *v;    /* check mode: everything loaded */
	size_t n, cap;
	struct am_buf out[NFILES]; /* generate mode: the text of each file */
};

/* Hex of p for messages; a static buffer, long values cut with "...". */
static const char *hexs(const unsigned char *p, size_t n)
{
	static char s[2 * 96 + 4];
	size_t m = n > 96 ? 96 : n;

	am_hex(s, p, m);
	if (m < n)
		memcpy(s + 2 * m, "...", 4);
	return s;
}

/* Add one loaded value; 0, or -1 on a duplicate name or out of memory. */
static int kat_add(struct kat *k, int file, const char *name, size_t nlen,
		   const unsigned char *val, size_t len)
{
	struct vec *nv;

	for (size_t i = 0; i < k->n; i++)
		if (strlen(k->v[i].name) == nlen && memcmp(k->v[i].name, name, nlen) == 0) {
			fprintf(stderr, "FAIL %s: vector %.*s is defined twice\n",
				vfiles[file].name, (int)nlen, name);
			return -1;
		}
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 64;
		struct vec *g = realloc(k->v, cap * sizeof(*g));
		if (g == NULL)
			return -1;
		k->v = g;
		k->cap = cap;
	}
	nv = &k->v[k->n];
	nv->name = strndup(name, nlen);
	nv->val = malloc(len ? len : 1);
	if (nv->name == NULL || nv->val == NULL) {
		free(nv->name);
		free(nv->val);
		return -1;
	}
	if (len)
		memcpy(nv->val, val, len);
	nv->len = len;
	nv->file = file;
	nv->used = 0;
	k->n++;
	return 0;
}

/*
 * Load every vector file of k->dir.  Lines are "name = hex"; blank lines and
 * lines starting with '#' are skipped; anything else is an error.  Quiet
 * (for generate mode, where old files may be absent) prints nothing.
 */
static int kat_load(struct kat *k, int quiet)
{
	for (int f = 0; f < NFILES; f++) {
		char path[4096];
		unsigned char *buf = NULL, *val = NULL;
		size_t len = 0, off = 0, lineno = 0;
		struct am_err e;

		am_err_init(&e);
		snprintf(path, sizeof(path), "%s/%s", k->dir, vfiles[f].name);
		if (am_read_small_file(path, 1u << 20, &buf, &len, &e) != AM_OK) {
			if (!quiet)
				fprintf(stderr, "FAIL cannot load vectors: %s\n", e.msg);
			return -1;
		}
		while (off < len) {
			const char *line = (const char *)buf + off, *eq, *hex;
			size_t ll = 0, nlen, hlen;

			while (off + ll < len && buf[off + ll] != '\n')
				ll++;
			off += ll + 1;
			lineno++;
			if (ll > 0 && line[ll - 1] == '\r')
				ll--;
			if (ll == 0 || line[0] == '#')
				continue;
			eq = memchr(line, '=', ll);
			if (eq == NULL || eq - line < 2 || eq[-1] != ' ' || line + ll - eq < 2 ||
			    eq[1] != ' ') {
				if (!quiet)
					fprintf(stderr, "FAIL %s:%zu: not a \"name = hex\" line\n",
						path, lineno);
				free(buf);
				return -1;
			}
			nlen = (size_t)(eq - 1 - line);
			hex = eq + 2;
			hlen = (size_t)(line + ll - hex);
			val = malloc(hlen / 2 + 1);
			if (val == NULL || hlen % 2 != 0 ||
			    (hlen > 0 && am_unhex(val, hlen / 2, hex, hlen) != 0) ||
			    kat_add(k, f, line, nlen, val, hlen / 2) != 0) {
				if (!quiet)
					fprintf(stderr, "FAIL %s:%zu: bad value\n", path, lineno);
				free(val);
				free(buf);
				return -1;
			}
			free(val);
		}
		free(buf);
	}
	return 0;
}

/* Generate mode: start every file with its comment. */
static void kat_begin(struct kat *k)
{
	static const char head[] =
		"# amanat format version 1: known-answer vectors (docs/FORMAT.md, \"Test vectors\").\n"
		"# Written by `test_vectors --generate DIR`; every line is \"name = lowercase hex\".\n# ";

	for (int f = 0; f < NFILES; f++) {
		am_buf_init(&k->out[f]);
		if (!k->generate)
			continue;
		am_buf_add(&k->out[f], head, strlen(head));
		am_buf_add(&k->out[f], vfiles[f].what, strlen(vfiles[f].what));
		am_buf_add(&k->out[f], "\n\n", 2);
	}
}

/* Generate mode: write file f of k->dir, replacing it; 0 or -1. */
static int kat_write_one(struct kat *k, int f)
{
	struct am_newfile nf;
	struct am_err e;
	char path[4096];
	enum am_status s;

	am_err_init(&e);
	snprintf(path, sizeof(path), "%s/%s", k->dir, vfiles[f].name);
	if (k->out[f].oom) {
		fprintf(stderr, "cannot write %s: out of memory\n", path);
		return -1;
	}
	s = am_newfile_open(&nf, path, 0644, 1, &e);
	if (s == AM_OK) {
		s = am_newfile_write(&nf, k->out[f].data, k->out[f].len, &e);
		if (s == AM_OK)
			s = am_newfile_commit(&nf, 1, &e);
		else
			am_newfile_abort(&nf);
	}
	if (s != AM_OK) {
		fprintf(stderr, "cannot write %s: %s\n", path, e.msg);
		return -1;
	}
	printf("wrote %s\n", path);
	return 0;
}

/* Generate mode: write every file; 0 or -1. */
static int kat_write(struct kat *k)
{
	for (int f = 0; f < NFILES; f++)
		if (kat_write_one(k, f) != 0)
			return -1;
	return 0;
}

/* Send the values that follow to file f. */
static void kat_to(struct kat *k, int f)
{
	k->cur = f;
}

/* The loaded vector called name, marked used; NULL (and a failure) if none. */
static struct vec *kat_find(struct kat *k, const char *name)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->v[i].name, name) == 0) {
			k->v[i].used = 1;
			if (k->v[i].file != k->cur)
				printf("note: vector %s is in %s, expected in %s\n", name,
				       vfiles[k->v[i].file].name, vfiles[k->cur].name);
			return &k->v[i];
		}
	fprintf(stderr, "FAIL vector %s is missing from %s\n", name, vfiles[k->cur].name);
	failures++;
	return NULL;
}

/* Generate: record the value.  Check: compare it with the recorded one. */
static void kat_val(struct kat *k, const char *name, const void *p, size_t n)
{
	struct vec *v;

	if (k->generate) {
		struct am_buf *o = &k->out[k->cur];
		char *hex = malloc(2 * n + 1);
		if (hex == NULL) {
			o->oom = 1;
			return;
		}
		am_hex(hex, p, n);
		am_buf_add(o, name, strlen(name));
		am_buf_add(o, " = ", 3);
		am_buf_add(o, hex, 2 * n);
		am_buf_add(o, "\n", 1);
		free(hex);
		return;
	}
	v = kat_find(k, name);
	if (v == NULL)
		return;
	if (v->len != n || (n > 0 && memcmp(v->val, p, n) != 0)) {
		fprintf(stderr, "FAIL vector %s (%s) does not match\n", name, vfiles[k->cur].name);
		fprintf(stderr, "  expected %zu bytes: %s\n", v->len, hexs(v->val, v->len));
		fprintf(stderr, "  computed %zu bytes: %s\n", n, hexs(p, n));
		failures++;
	}
}

/* A u64 value, recorded as 8 big-endian bytes. */
static void kat_u64(struct kat *k, const char *name, uint64_t x)
{
	unsigned char b[8];

	am_put_u64(b, x);
	kat_val(k, name, b, sizeof(b));
}

/*
 * A pinned value.  Generate mode: *p (malloc'ed, *n bytes, freshly made) is
 * recorded, unless the directory already pins a value that fits(ctx, value)
 * accepts, which is kept instead, so that regenerating changes only what a
 * format change changes.  Check mode: *p is replaced by the recorded value.
 * -1 when it is missing or out of memory.
 */
static int kat_pin(struct kat *k, const char *name, unsigned char **p, size_t *n,
		   int (*fits)(void *ctx, const unsigned char *v, size_t len), void *ctx)
{
	struct vec *v = NULL;
	unsigned char *c;

	if (k->generate) {
		for (size_t i = 0; i < k->n; i++)
			if (strcmp(k->v[i].name, name) == 0 && fits(ctx, k->v[i].val, k->v[i].len))
				v = &k->v[i];
	} else {
		v = kat_find(k, name);
		if (v == NULL)
			return -1;
	}
	if (v != NULL) {
		c = malloc(v->len ? v->len : 1);
		if (c == NULL)
			return -1;
		if (v->len)
			memcpy(c, v->val, v->len);
		free(*p);
		*p = c;
		*n = v->len;
	}
	if (k->generate)
		kat_val(k, name, *p, *n);
	return 0;
}

/* Check mode: every recorded value must have been compared. */
static void kat_all_used(struct kat *k)
{
	for (size_t i = 0; i < k->n; i++)
		if (!k->v[i].used) {
			fprintf(stderr, "FAIL vector %s in %s is never checked (stale?)\n",
				k->v[i].name, vfiles[k->v[i].file].name);
			failures++;
		}
}

/* Free everything k holds. */
static void kat_release(struct kat *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->v[i].name);
		free(k->v[i].val);
	}
	free(k->v);
	for (int f = 0; f < NFILES; f++)
		am_buf_release(&k->out[f]);
}

/* ---- fixed inputs ------------------------------------------------------- */

/* Offsets of the header fields: the table of docs/FORMAT.md section 5. */
enum {
	OFF_MAGIC = 0,
	OFF_VERSION = 4,
	OFF_TYPE = 6,
	OFF_FLAGS = 7,
	OFF_VAULT_ID = 8,
	OFF_SEQ = 24,
	OFF_PREV = 32,
	OFF_AUTH_SEQ = 64,
	OFF_SEALED_AT = 72,
	OFF_SIGNER = 80,
	OFF_UID = 112,
	OFF_SIZE = 128,
	OFF_CHUNK_SIZE = 136,
	OFF_CHUNK_COUNT = 140,
	OFF_CT_SIZE = 148,
	OFF_CT_HASH = 156,
	OFF_WRAPS_SIZE = 188,
	OFF_WRAPS_HASH = 192,
	OFF_META_SIZE = 224,
	OFF_META_HASH = 228,
	OFF_FIELDS_ROOT = 260,
	OFF_NREFS = 292,
	HEADER_FIXED_LEN = 296, /* refs follow, then u32 payload_len and the payload */
};

/* p[i] = start + i (mod 256): the "pattern" of docs/FORMAT.md. */
static void pattern(unsigned char *p, size_t n, unsigned start)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(start + i);
}

#define T0_MS 1700000000000LL /* 2023-11-14T22:13:20Z */
#define TESTIMONY_CHUNK 4096u
#define TESTIMONY_SIZE 4196u
#define CUSTODY_PURPOSE "fictional review for the test vectors"
#define PASSPHRASE "fictional passphrase for test vectors"
#define WRONG_PASSPHRASE "fictional passphrase for test vectorz"

/* The line the testimony content repeats (64 characters and a newline). */
static const char content_line[] =
	"W-0042 (fictional) describes a fictional event for test vectors.\n";

/* The testimony content: content_line repeated, cut at TESTIMONY_SIZE bytes. */
static void testimony_content(unsigned char *p)
{
	size_t ln = strlen(content_line);

	for (size_t i = 0; i < TESTIMONY_SIZE; i++)
		p[i] = (unsigned char)content_line[i % ln];
}

/* An identity from a fixed Ed25519 seed pattern and X25519 secret pattern. */
static int make_identity(struct am_identity *id, const char *name, unsigned seed_start,
			 unsigned box_start)
{
	unsigned char seed[AM_SIGN_SEED_LEN];

	am_identity_init(id);
	snprintf(id->name, sizeof(id->name), "%s", name);
	id->sign_sk = am_secure_alloc(AM_SIGN_SK_LEN);
	id->box_sk = am_secure_alloc(AM_BOX_SK_LEN);
	if (id->sign_sk == NULL || id->box_sk == NULL)
		return -1;
	pattern(seed, sizeof(seed), seed_start);
	pattern(id->box_sk, AM_BOX_SK_LEN, box_start);
	if (am_sign_seed_keypair(id->sign_pk, id->sign_sk, seed) != 0 ||
	    am_box_public(id->box_pk, id->box_sk) != 0)
		return -1;
	return 0;
}

/* ---- entries ------------------------------------------------------------ */

/* One built entry: header bytes, signature, entry hash, and its body. */
struct built {
	struct am_buf hdr;
	unsigned char sig[AM_SIG_LEN];
	unsigned char hash[AM_HASH_LEN];
	struct am_buf wraps, meta;
	unsigned char *chunk[2];
	size_t chunk_len[2];
	size_t nchunks;
};

/* Free an entry's buffers and chunks. */
static void built_release(struct built *b)
{
	am_buf_release(&b->hdr);
	am_buf_release(&b->wraps);
	am_buf_release(&b->meta);
	for (size_t i = 0; i < 2; i++)
		free(b->chunk[i]);
	memset(b, 0, sizeof(*b));
}

/* Every header field of h sits at its FORMAT.md offset in the encoding p. */
static void check_layout(const char *name, const unsigned char *p, size_t n,
			 const struct am_header *h)
{
	size_t refs_end = HEADER_FIXED_LEN + 8 * (size_t)h->nrefs;

	if (n != refs_end + 4 + h->payload_len) {
		CHECK(0, "%s: header is %zu bytes, the layout says %zu", name, n,
		      refs_end + 4 + h->payload_len);
		return;
	}
	CHECK(memcmp(p + OFF_MAGIC, "AMNE", 4) == 0 && am_get_u16(p + OFF_VERSION) == h->version &&
	      p[OFF_TYPE] == h->type && p[OFF_FLAGS] == h->flags, "%s: layout of magic..flags", name);
	CHECK(memcmp(p + OFF_VAULT_ID, h->vault_id, AM_VAULT_ID_LEN) == 0 &&
	      am_get_u64(p + OFF_SEQ) == h->seq && memcmp(p + OFF_PREV, h->prev, AM_HASH_LEN) == 0 &&
	      am_get_u64(p + OFF_AUTH_SEQ) == h->auth_seq &&
	      am_get_u64(p + OFF_SEALED_AT) == (uint64_t)h->sealed_at_ms,
	      "%s: layout of vault_id..sealed_at_ms", name);
	CHECK(memcmp(p + OFF_SIGNER, h->signer, AM_SIGN_PK_LEN) == 0 &&
	      memcmp(p + OFF_UID, h->uid, AM_UID_LEN) == 0 && am_get_u64(p + OFF_SIZE) == h->size &&
	      am_get_u32(p + OFF_CHUNK_SIZE) == h->chunk_size &&
	      am_get_u64(p + OFF_CHUNK_COUNT) == h->chunk_count &&
	      am_get_u64(p + OFF_CT_SIZE) == h->ct_size &&
	      memcmp(p + OFF_CT_HASH, h->ct_hash, AM_HASH_LEN) == 0,
	      "%s: layout of signer..ct_hash", name);
	CHECK(am_get_u32(p + OFF_WRAPS_SIZE) == h->wraps_size &&
	      memcmp(p + OFF_WRAPS_HASH, h->wraps_hash, AM_HASH_LEN) == 0 &&
	      am_get_u32(p + OFF_META_SIZE) == h->meta_size &&
	      memcmp(p + OFF_META_HASH, h->meta_hash, AM_HASH_LEN) == 0 &&
	      memcmp(p + OFF_FIELDS_ROOT, h->fields_root, AM_HASH_LEN) == 0 &&
	      am_get_u32(p + OFF_NREFS) == h->nrefs, "%s: layout of wraps_size..nrefs", name);
	CHECK((h->nrefs == 0 || memcmp(p + HEADER_FIXED_LEN, h->refs, 8 * (size_t)h->nrefs) == 0) &&
	      am_get_u32(p + refs_end) == h->payload_len &&
	      (h->payload_len == 0 || memcmp(p + refs_end + 4, h->payload, h->payload_len) == 0),
	      "%s: layout of refs and payload", name);
}

/*
 * Encode h, sign it as signer, hash it, record "<name>.header", ".sig" and
 * ".hash", and check the header parses back to the same bytes.
 */
static void sign_entry(struct kat *k, const char *name, const struct am_header *h,
		       const struct am_identity *signer, struct built *b)
{
	struct am_buf sb, re;
	struct am_header ph;
	char vn[64], why[256];

	kat_to(k, F_ENTRIES);
	am_header_encode(&b->hdr, h);
	if (!b->hdr.oom)
		check_layout(name, b->hdr.data, b->hdr.len, h);
	am_buf_init(&sb);
	am_sig_input(&sb, b->hdr.data, b->hdr.len);
	if (b->hdr.oom || sb.oom) {
		CHECK(0, "%s: out of memory", name);
		am_buf_release(&sb);
		return;
	}
	CHECK(am_sign(b->sig, sb.data, sb.len, signer->sign_sk) == 0, "%s: signing", name);
	CHECK(am_sign_verify(b->sig, sb.data, sb.len, signer->sign_pk) == 0, "%s: sig check", name);
	CHECK(sb.len == sizeof(AM_DOM_SIG) + b->hdr.len &&
	      memcmp(sb.data, "amanat-entry-sig-v1\0", 20) == 0, "%s: signature input", name);
	am_buf_release(&sb);
	am_entry_hash(b->hash, b->hdr.data, b->hdr.len, b->sig);

	snprintf(vn, sizeof(vn), "%s.header", name);
	kat_val(k, vn, b->hdr.data, b->hdr.len);
	snprintf(vn, sizeof(vn), "%s.sig", name);
	kat_val(k, vn, b->sig, sizeof(b->sig));
	snprintf(vn, sizeof(vn), "%s.hash", name);
	kat_val(k, vn, b->hash, sizeof(b->hash));

	why[0] = '\0';
	CHECK(am_header_parse(b->hdr.data, b->hdr.len, &ph, why, sizeof(why)) == 0,
	      "%s: header does not parse: %s", name, why);
	am_buf_init(&re);
	am_header_encode(&re, &ph);
	CHECK(re.len == b->hdr.len && memcmp(re.data, b->hdr.data, re.len) == 0,
	      "%s: header does not re-encode to itself", name);
	am_buf_release(&re);
}

/* An identity record payload, recorded as "<name>.payload". */
static void member_payload(struct kat *k, const char *name, const struct am_identity *id,
			   unsigned roles, struct am_buf *out)
{
	struct am_member m, back;
	char vn[64];

	kat_to(k, F_ENTRIES);
	memset(&m, 0, sizeof(m));
	memcpy(m.sign_pk, id->sign_pk, AM_SIGN_PK_LEN);
	memcpy(m.box_pk, id->box_pk, AM_BOX_PK_LEN);
	snprintf(m.name, sizeof(m.name), "%s", id->name);
	m.roles = roles;
	am_member_encode(out, &m);
	snprintf(vn, sizeof(vn), "%s.payload", name);
	kat_val(k, vn, out->data, out->len);
	CHECK(am_member_parse(out->data, out->len, &back) == 0 && back.roles == roles &&
	      strcmp(back.name, id->name) == 0, "%s: payload does not parse back", name);
}

/* Fill in the salts: the k-th field in name order gets 32 bytes of k + 1. */
static void fixed_salts(struct am_fields *f)
{
	for (size_t i = 0; i < f->n; i++)
		memset(f->v[i].salt, (int)(i + 1), AM_SALT_LEN);
}

/*
 * Record each field digest, the fields root, the fields block and its
 * sealing under the meta key; fills h's fields_root, meta_size, meta_hash.
 */
static void seal_meta(struct kat *k, const char *name, const struct am_fields *f,
		      const unsigned char *meta_key, struct am_header *h, struct built *b)
{
	unsigned char d[AM_HASH_LEN], ad[AM_AD_MAX], nonce[AM_NONCE_LEN];
	struct am_buf pt;
	struct am_fields back;
	size_t adlen;
	char vn[96];
	unsigned char *ct;

	kat_to(k, F_FIELDS);
	for (size_t i = 0; i < f->n; i++) {
		am_field_digest(d, &f->v[i]);
		snprintf(vn, sizeof(vn), "%s.field.%s.digest", name, f->v[i].name);
		kat_val(k, vn, d, sizeof(d));
	}
	am_fields_root(h->fields_root, f);
	snprintf(vn, sizeof(vn), "%s.fields_root", name);
	kat_val(k, vn, h->fields_root, AM_HASH_LEN);

	am_buf_init(&pt);
	am_fields_encode(&pt, f);
	snprintf(vn, sizeof(vn), "%s.fields_block", name);
	kat_val(k, vn, pt.data, pt.len);
	CHECK(am_fields_parse(pt.data, pt.len, &back) == 0 && back.n == f->n,
	      "%s: fields block does not parse back", name);
	am_fields_release(&back);

	am_meta_ad(ad, &adlen, h->vault_id, h->uid);
	snprintf(vn, sizeof(vn), "%s.meta_ad", name);
	kat_val(k, vn, ad, adlen);
	memset(nonce, 0, sizeof(nonce));
	ct = malloc(pt.len + AM_AEAD_TAG_LEN);
	CHECK(ct != NULL && am_aead_seal(ct, pt.data, pt.len, ad, adlen, nonce, meta_key) == 0,
	      "%s: sealing metadata", name);
	if (ct != NULL) {
		am_buf_add(&b->meta, ct, pt.len + AM_AEAD_TAG_LEN);
		free(ct);
	}
	snprintf(vn, sizeof(vn), "%s.meta_ct", name);
	kat_val(k, vn, b->meta.data, b->meta.len);
	h->meta_size = (uint32_t)b->meta.len;
	am_sha256(h->meta_hash, b->meta.data, b->meta.len);
	snprintf(vn, sizeof(vn), "%s.meta_hash", name);
	kat_val(k, vn, h->meta_hash, AM_HASH_LEN);
	am_buf_release(&pt);
}

/* What a pinned wrap must open to, and under whose key. */
struct wrap_fit {
	const unsigned char *key;
	const struct am_identity *to;
};

/* A pinned wrap fits when it opens to the content key under the recipient's key. */
static int wrap_fits(void *ctx, const unsigned char *v, size_t len)
{
	const struct wrap_fit *w = ctx;
	unsigned char opened[AM_KEY_LEN];

	return len == AM_WRAP_LEN && am_unwrap(opened, v, w->to->box_pk, w->to->box_sk) == 0 &&
	       memcmp(opened, w->key, AM_KEY_LEN) == 0;
}

/*
 * The wraps block of one recipient: the wrap itself is pinned (sealed boxes
 * are randomised) and must open to key; records the block and its hash.
 */
static void seal_wraps(struct kat *k, const char *name, const unsigned char *key,
		       const struct am_identity *to, struct am_header *h, struct built *b)
{
	unsigned char *wrap = malloc(AM_WRAP_LEN), opened[AM_KEY_LEN];
	struct wrap_fit fit = { key, to };
	size_t wn = AM_WRAP_LEN;
	struct am_wraps w;
	char vn[64];

	kat_to(k, F_WRAPS);
	CHECK(wrap != NULL && am_wrap(wrap, key, to->box_pk) == 0, "%s: wrapping", name);
	snprintf(vn, sizeof(vn), "%s.wrap", name);
	CHECK(wrap != NULL && kat_pin(k, vn, &wrap, &wn, wrap_fits, &fit) == 0 &&
	      wn == AM_WRAP_LEN, "%s: pinned wrap", name);
	if (wrap == NULL || wn != AM_WRAP_LEN) {
		free(wrap);
		return;
	}
	CHECK(am_unwrap(opened, wrap, to->box_pk, to->box_sk) == 0 &&
	      memcmp(opened, key, AM_KEY_LEN) == 0, "%s: the wrap does not open to the content key",
	      name);
	am_buf_u32(&b->wraps, 1);
	am_buf_add(&b->wraps, to->box_pk, AM_BOX_PK_LEN);
	am_buf_add(&b->wraps, wrap, AM_WRAP_LEN);
	free(wrap);
	snprintf(vn, sizeof(vn), "%s.wraps_block", name);
	kat_val(k, vn, b->wraps.data, b->wraps.len);
	CHECK(am_wraps_parse(b->wraps.data, b->wraps.len, &w) == 0 && w.n == 1,
	      "%s: wraps block does not parse", name);
	h->wraps_size = (uint32_t)b->wraps.len;
	am_sha256(h->wraps_hash, b->wraps.data, b->wraps.len);
	snprintf(vn, sizeof(vn), "%s.wraps_hash", name);
	kat_val(k, vn, h->wraps_hash, AM_HASH_LEN);
}

/* The content key's two subkeys, recorded. */
static void subkeys(struct kat *k, const char *name, const unsigned char *key,
		    unsigned char *chunk_key, unsigned char *meta_key)
{
	char vn[64];

	kat_to(k, F_CONTENT);
	CHECK(am_subkey(chunk_key, key, 1, AM_KDF_CTX_CHUNK) == 0 &&
	      am_subkey(meta_key, key, 2, AM_KDF_CTX_META) == 0, "%s: subkeys", name);
	snprintf(vn, sizeof(vn), "%s.content_key", name);
	kat_val(k, vn, key, AM_KEY_LEN);
	snprintf(vn, sizeof(vn), "%s.chunk_key", name);
	kat_val(k, vn, chunk_key, AM_KEY_LEN);
	snprintf(vn, sizeof(vn), "%s.meta_key", name);
	kat_val(k, vn, meta_key, AM_KEY_LEN);
}

/*
 * Seal one chunk's plaintext (mode byte || data) as chunk idx of entry h;
 * records the nonce and ciphertext, feeds the content hash.
 */
static void seal_chunk(struct kat *k, const char *name, const struct am_header *h,
		       const unsigned char *chunk_key, uint64_t idx, int last,
		       const unsigned char *pt, size_t ptn, struct built *b, am_sha256_ctx *cth)
{
	unsigned char nonce[AM_NONCE_LEN], ad[AM_AD_MAX], lenbuf[4];
	size_t adlen, ctn = ptn + AM_AEAD_TAG_LEN;
	unsigned char *ct = malloc(ctn);
	char vn[64];

	kat_to(k, F_CONTENT);
	am_chunk_nonce(nonce, idx, last);
	snprintf(vn, sizeof(vn), "%s.nonce.%llu", name, (unsigned long long)idx);
	kat_val(k, vn, nonce, sizeof(nonce));
	am_chunk_ad(ad, &adlen, h->vault_id, h->uid);
	if (idx == 0) {
		snprintf(vn, sizeof(vn), "%s.chunk_ad", name);
		kat_val(k, vn, ad, adlen);
	}
	CHECK(ct != NULL && am_aead_seal(ct, pt, ptn, ad, adlen, nonce, chunk_key) == 0,
	      "%s: sealing chunk %llu", name, (unsigned long long)idx);
	if (ct == NULL)
		return;
	snprintf(vn, sizeof(vn), "%s.chunk.%llu", name, (unsigned long long)idx);
	kat_val(k, vn, ct, ctn);
	am_put_u32(lenbuf, (uint32_t)ctn);
	am_sha256_update(cth, lenbuf, 4);
	am_sha256_update(cth, ct, ctn);
	b->chunk[b->nchunks] = ct;
	b->chunk_len[b->nchunks] = ctn;
	b->nchunks++;
}

/*
 * The content hash of FORMAT.md §28 over b's chunks, built here step by step
 * from its definition (not with vault/cthash.c), recorded as
 * NAME.ct_hash_per_chunk and compared with what am_ct_hash gives.
 */
static void per_chunk_hash(struct kat *k, const char *name, const struct built *b)
{
	static const char dom[] = "amanat-ct-hash-v1";
	unsigned char leaf[AM_HASH_LEN], want[AM_HASH_LEN], got[AM_HASH_LEN], len[4];
	am_sha256_ctx c, lc;
	struct am_ct_hash api;
	char vn[64];

	am_sha256_init(&c);
	am_sha256_update(&c, dom, sizeof(dom)); /* with its NUL: 18 bytes */
	am_ct_hash_init(&api, AM_HF_CHUNK_HASHED);
	for (size_t i = 0; i < b->nchunks; i++) {
		am_put_u32(len, (uint32_t)b->chunk_len[i]);
		am_sha256_init(&lc);
		am_sha256_update(&lc, len, 4);
		am_sha256_update(&lc, b->chunk[i], b->chunk_len[i]);
		am_sha256_final(&lc, leaf);
		am_sha256_update(&c, leaf, AM_HASH_LEN);
		am_ct_hash_add(&api, b->chunk[i], b->chunk_len[i]);
	}
	am_sha256_final(&c, want);
	am_ct_hash_final(&api, got);
	CHECK(memcmp(want, got, AM_HASH_LEN) == 0, "%s: the per-chunk content hash (§28)", name);
	kat_to(k, F_CONTENT);
	snprintf(vn, sizeof(vn), "%s.ct_hash_per_chunk", name);
	kat_val(k, vn, want, AM_HASH_LEN);
}

/* ---- the four entries --------------------------------------------------- */

struct world {
	struct am_identity admin, cust;
	unsigned char vault_id[AM_VAULT_ID_LEN];
	struct built genesis, enroll, testimony, custody;
	unsigned char content[TESTIMONY_SIZE];
	unsigned char leaf[4][AM_HASH_LEN];
	unsigned char root4[AM_HASH_LEN];
	struct am_buf note; /* the checkpoint of size 4 by the custodian */
};

/* Both identities: keys, display key ids, .pub lines (which must parse back). */
static void keys_vectors(struct kat *k, struct world *w)
{
	const struct am_identity *ids[2] = { &w->admin, &w->cust };
	const char *names[2] = { "admin", "custodian" };

	kat_to(k, F_KEYS);
	for (int i = 0; i < 2; i++) {
		unsigned char kid[AM_KEYID_LEN];
		char vn[64], line[256], kidhex[2 * AM_KEYID_LEN + 1];
		struct am_identity back;

		snprintf(vn, sizeof(vn), "%s.sign_seed", names[i]);
		kat_val(k, vn, ids[i]->sign_sk, AM_SIGN_SEED_LEN);
		snprintf(vn, sizeof(vn), "%s.sign_pk", names[i]);
		kat_val(k, vn, ids[i]->sign_pk, AM_SIGN_PK_LEN);
		snprintf(vn, sizeof(vn), "%s.box_sk", names[i]);
		kat_val(k, vn, ids[i]->box_sk, AM_BOX_SK_LEN);
		snprintf(vn, sizeof(vn), "%s.box_pk", names[i]);
		kat_val(k, vn, ids[i]->box_pk, AM_BOX_PK_LEN);
		am_key_id(kid, ids[i]->sign_pk);
		snprintf(vn, sizeof(vn), "%s.key_id", names[i]);
		kat_val(k, vn, kid, sizeof(kid));
		am_key_id_hex(kidhex, ids[i]->sign_pk);
		CHECK(strlen(kidhex) == 16, "key id hex");
		CHECK(am_pub_format(ids[i], line, sizeof(line)) == AM_OK, "%s: pub line", names[i]);
		snprintf(vn, sizeof(vn), "%s.pub_line", names[i]);
		kat_val(k, vn, line, strlen(line));
		CHECK(am_pub_parse(line, strlen(line), &back, NULL) == AM_OK &&
		      memcmp(back.sign_pk, ids[i]->sign_pk, AM_SIGN_PK_LEN) == 0 &&
		      memcmp(back.box_pk, ids[i]->box_pk, AM_BOX_PK_LEN) == 0 &&
		      strcmp(back.name, ids[i]->name) == 0, "%s: pub line does not parse", names[i]);
	}
}

/* Entry 0, the admin's genesis, and entry 1, enrolling the custodian as officer and custodian. */
static void genesis_and_enroll(struct kat *k, struct world *w)
{
	struct am_header h;
	struct am_buf pl;

	kat_to(k, F_ENTRIES);
	am_buf_init(&pl);
	member_payload(k, "genesis", &w->admin, AM_ROLE_ADMIN, &pl);
	memset(&h, 0, sizeof(h));
	h.version = AM_FORMAT_VERSION;
	h.type = AM_T_GENESIS;
	h.seq = 0;
	h.sealed_at_ms = T0_MS;
	memcpy(h.uid, w->vault_id, AM_UID_LEN); /* the genesis uid: a fixed pattern here */
	memcpy(h.signer, w->admin.sign_pk, AM_SIGN_PK_LEN);
	h.payload = pl.data;
	h.payload_len = (uint32_t)pl.len;
	/* the vault id is derived from the genesis itself (FORMAT.md §3) */
	am_genesis_vault_id(w->vault_id, &h);
	memcpy(h.vault_id, w->vault_id, AM_VAULT_ID_LEN);
	kat_val(k, "vault_id", w->vault_id, AM_VAULT_ID_LEN);
	sign_entry(k, "genesis", &h, &w->admin, &w->genesis);
	CHECK(w->genesis.hdr.len == HEADER_FIXED_LEN + 4 + pl.len, "genesis header length %zu",
	      w->genesis.hdr.len);
	am_buf_release(&pl);

	member_payload(k, "enroll", &w->cust, AM_ROLE_OFFICER | AM_ROLE_CUSTODIAN, &pl);
	memset(&h, 0, sizeof(h));
	h.version = AM_FORMAT_VERSION;
	h.type = AM_T_ENROLL;
	memcpy(h.vault_id, w->vault_id, AM_VAULT_ID_LEN);
	h.seq = 1;
	memcpy(h.prev, w->genesis.hash, AM_HASH_LEN);
	h.auth_seq = 0;
	h.sealed_at_ms = T0_MS + 1000;
	memcpy(h.signer, w->admin.sign_pk, AM_SIGN_PK_LEN);
	h.payload = pl.data;
	h.payload_len = (uint32_t)pl.len;
	sign_entry(k, "enroll", &h, &w->admin, &w->enroll);
	am_buf_release(&pl);
}

/* A pinned chunk-0 plaintext fits when it is a zlib chunk of the content's first chunk. */
static int zlib_fits(void *ctx, const unsigned char *v, size_t len)
{
	unsigned char *un = malloc(TESTIMONY_CHUNK);
	int ok;

	ok = un != NULL && len > 1 && v[0] == AM_CHUNK_ZLIB &&
	     am_chunk_unpack(un, TESTIMONY_CHUNK, v, len) == 0 &&
	     memcmp(un, ctx, TESTIMONY_CHUNK) == 0;
	free(un);
	return ok;
}

/* Fields of the testimony: case, sha256, size, title, salted. */
static int testimony_fields(struct am_fields *f, const unsigned char *content)
{
	unsigned char sha[AM_HASH_LEN];
	char hex[2 * AM_HASH_LEN + 1], num[24];
	static const char kase[] = "C-0001 (fictional)";
	static const char title[] = "Fictional interview with W-0042";

	am_sha256(sha, content, TESTIMONY_SIZE);
	am_hex(hex, sha, sizeof(sha));
	snprintf(num, sizeof(num), "%u", TESTIMONY_SIZE);
	am_fields_init(f);
	if (am_fields_set(f, "title", title, strlen(title), NULL) != AM_OK ||
	    am_fields_set(f, "case", kase, strlen(kase), NULL) != AM_OK ||
	    am_fields_set(f, "sha256", hex, strlen(hex), NULL) != AM_OK ||
	    am_fields_set(f, "size", num, strlen(num), NULL) != AM_OK)
		return -1;
	fixed_salts(f);
	return 0;
}

/*
 * Entry 2, a testimony by the custodian referring to 0 and 1: two chunks of
 * 4096-byte chunk size (zlib, then stored), four fields, wrapped to itself.
 */
static void testimony(struct kat *k, struct world *w)
{
	unsigned char key[AM_KEY_LEN], ck[AM_KEY_LEN], mk[AM_KEY_LEN], sha[AM_HASH_LEN];
	unsigned char refs[16], *packed0 = NULL, *auto0 = NULL, *pt1 = NULL, *un = NULL;
	size_t packed0_len = 0, auto0_len = 0, pt1_len = 0;
	const unsigned char *tail = w->content + TESTIMONY_CHUNK;
	const size_t tail_len = TESTIMONY_SIZE - TESTIMONY_CHUNK;
	struct am_header h;
	struct am_fields f;
	am_sha256_ctx cth;

	memset(&h, 0, sizeof(h));
	h.version = AM_FORMAT_VERSION;
	h.type = AM_T_TESTIMONY;
	memcpy(h.vault_id, w->vault_id, AM_VAULT_ID_LEN);
	h.seq = 2;
	memcpy(h.prev, w->enroll.hash, AM_HASH_LEN);
	h.auth_seq = 1;
	h.sealed_at_ms = T0_MS + 2000;
	memcpy(h.signer, w->cust.sign_pk, AM_SIGN_PK_LEN);
	pattern(h.uid, AM_UID_LEN, 0xb0);
	am_put_u64(refs, 0);
	am_put_u64(refs + 8, 1);
	h.nrefs = 2;
	h.refs = refs;

	/* content: 4096 compressible bytes (zlib), then 100 bytes (stored) */
	kat_to(k, F_CONTENT);
	testimony_content(w->content);
	am_sha256(sha, w->content, TESTIMONY_SIZE);
	kat_val(k, "testimony.plaintext_sha256", sha, sizeof(sha));
	pattern(key, sizeof(key), 0x80);
	subkeys(k, "testimony", key, ck, mk);
	h.size = TESTIMONY_SIZE;
	h.chunk_size = TESTIMONY_CHUNK;
	h.chunk_count = 2;

	auto0 = malloc(am_chunk_pt_max(TESTIMONY_CHUNK));
	pt1 = malloc(am_chunk_pt_max(tail_len));
	un = malloc(TESTIMONY_CHUNK);
	if (auto0 == NULL || pt1 == NULL || un == NULL) {
		CHECK(0, "out of memory");
		goto out;
	}
	CHECK(am_chunk_pack(auto0, &auto0_len, w->content, TESTIMONY_CHUNK, 1) == 0 &&
	      auto0[0] == AM_CHUNK_ZLIB, "chunk 0 is not compressed by am_chunk_pack");
	packed0 = malloc(auto0_len);
	if (packed0 == NULL) {
		CHECK(0, "out of memory");
		goto out;
	}
	memcpy(packed0, auto0, auto0_len);
	packed0_len = auto0_len;
	kat_to(k, F_CONTENT);
	CHECK(kat_pin(k, "testimony.chunk.0.packed", &packed0, &packed0_len, zlib_fits,
		      w->content) == 0, "pinned chunk");
	if (packed0_len < 3 || packed0[0] != AM_CHUNK_ZLIB) {
		CHECK(0, "pinned chunk 0 plaintext is not a zlib chunk");
		goto out;
	}
	CHECK(packed0[1] == 0x78 && ((packed0[1] << 8) | packed0[2]) % 31 == 0,
	      "pinned chunk 0 has no RFC 1950 header");
	CHECK(am_chunk_unpack(un, TESTIMONY_CHUNK, packed0, packed0_len) == 0 &&
	      memcmp(un, w->content, TESTIMONY_CHUNK) == 0,
	      "pinned chunk 0 does not inflate to the content");
	CHECK(am_chunk_unpack(un, TESTIMONY_CHUNK - 1, packed0, packed0_len) != 0,
	      "a zlib chunk inflating to more than expected is accepted");
	if (!k->generate && (auto0_len != packed0_len || memcmp(auto0, packed0, auto0_len) != 0))
		printf("note: this zlib deflates chunk 0 differently from the pinned stream "
		       "(allowed: the format fixes only what it inflates to)\n");
	CHECK(am_chunk_pack(pt1, &pt1_len, tail, tail_len, 1) == 0 && pt1_len == 1 + tail_len &&
	      pt1[0] == AM_CHUNK_STORED && memcmp(pt1 + 1, tail, tail_len) == 0,
	      "a 100-byte chunk is not stored as mode 0 || data");

	am_sha256_init(&cth);
	seal_chunk(k, "testimony", &h, ck, 0, 0, packed0, packed0_len, &w->testimony, &cth);
	seal_chunk(k, "testimony", &h, ck, 1, 1, pt1, pt1_len, &w->testimony, &cth);
	am_sha256_final(&cth, h.ct_hash);
	h.ct_size = w->testimony.chunk_len[0] + w->testimony.chunk_len[1];
	kat_to(k, F_CONTENT);
	kat_val(k, "testimony.ct_hash", h.ct_hash, AM_HASH_LEN);
	per_chunk_hash(k, "testimony", &w->testimony);
	kat_u64(k, "testimony.ct_size", h.ct_size);

	if (testimony_fields(&f, w->content) != 0) {
		CHECK(0, "testimony fields");
		am_fields_release(&f);
		goto out;
	}
	seal_meta(k, "testimony", &f, mk, &h, &w->testimony);
	am_fields_release(&f);
	seal_wraps(k, "testimony", key, &w->cust, &h, &w->testimony);
	sign_entry(k, "testimony", &h, &w->cust, &w->testimony);
out:
	free(packed0);
	free(auto0);
	free(pt1);
	free(un);
}

/* Entry 3, a custody record (show entry 2): empty content, two fields. */
static void custody(struct kat *k, struct world *w)
{
	unsigned char key[AM_KEY_LEN], ck[AM_KEY_LEN], mk[AM_KEY_LEN], ref[8], act = AM_ACT_SHOW;
	unsigned char pt[1] = { AM_CHUNK_STORED }, packed[16];
	size_t packed_len = 0;
	struct am_header h;
	struct am_fields f;
	am_sha256_ctx cth;

	memset(&h, 0, sizeof(h));
	h.version = AM_FORMAT_VERSION;
	h.type = AM_T_CUSTODY;
	memcpy(h.vault_id, w->vault_id, AM_VAULT_ID_LEN);
	h.seq = 3;
	memcpy(h.prev, w->testimony.hash, AM_HASH_LEN);
	h.auth_seq = 1;
	h.sealed_at_ms = T0_MS + 3000;
	memcpy(h.signer, w->cust.sign_pk, AM_SIGN_PK_LEN);
	pattern(h.uid, AM_UID_LEN, 0xc0);
	am_put_u64(ref, 2);
	h.nrefs = 1;
	h.refs = ref;
	h.payload = &act;
	h.payload_len = 1;

	/* no content: one final chunk whose plaintext is the mode byte alone */
	pattern(key, sizeof(key), 0xe0);
	subkeys(k, "custody", key, ck, mk);
	h.size = 0;
	h.chunk_size = AM_CHUNK_SIZE;
	h.chunk_count = 1;
	CHECK(am_chunk_pack(packed, &packed_len, NULL, 0, 1) == 0 && packed_len == 1 &&
	      packed[0] == AM_CHUNK_STORED, "empty content is not packed as a lone mode byte");
	am_sha256_init(&cth);
	seal_chunk(k, "custody", &h, ck, 0, 1, pt, sizeof(pt), &w->custody, &cth);
	am_sha256_final(&cth, h.ct_hash);
	h.ct_size = AM_AEAD_TAG_LEN + 1;
	kat_to(k, F_CONTENT);
	kat_val(k, "custody.ct_hash", h.ct_hash, AM_HASH_LEN);
	per_chunk_hash(k, "custody", &w->custody);

	am_fields_init(&f);
	if (am_fields_set(&f, "action", "show", 4, NULL) != AM_OK ||
	    am_fields_set(&f, "purpose", CUSTODY_PURPOSE, strlen(CUSTODY_PURPOSE), NULL) != AM_OK) {
		CHECK(0, "custody fields");
		am_fields_release(&f);
		return;
	}
	fixed_salts(&f);
	seal_meta(k, "custody", &f, mk, &h, &w->custody);
	am_fields_release(&f);
	seal_wraps(k, "custody", key, &w->cust, &h, &w->custody);
	sign_entry(k, "custody", &h, &w->cust, &w->custody);
}

/* Fields-root corner: the root of no fields at all. */
static void empty_root(struct kat *k)
{
	struct am_fields f;
	unsigned char root[AM_HASH_LEN];

	kat_to(k, F_FIELDS);
	am_fields_init(&f);
	am_fields_root(root, &f);
	kat_val(k, "empty.fields_root", root, sizeof(root));
}

/* ---- the Merkle tree and a checkpoint ---------------------------------- */

/* H(0x01 || l || r), written out rather than taken from merkle.c. */
static void node(unsigned char out[AM_HASH_LEN], const unsigned char *l, const unsigned char *r)
{
	unsigned char b[1 + 2 * AM_HASH_LEN];

	b[0] = 0x01;
	memcpy(b + 1, l, AM_HASH_LEN);
	memcpy(b + 1 + AM_HASH_LEN, r, AM_HASH_LEN);
	am_sha256(out, b, sizeof(b));
}

/* An am_mt_source over the four leaves of the vectors (ctx: the leaves). */
static int leaves_source(void *ctx, uint64_t lo, uint64_t hi, unsigned char out[AM_MT_HASH])
{
	unsigned char (*leaf)[AM_HASH_LEN] = ctx;

	if (hi == lo + 1 && hi <= 4) {
		memcpy(out, leaf[lo], AM_HASH_LEN);
		return 0;
	}
	if (hi == lo + 2 && lo % 2 == 0 && hi <= 4) {
		node(out, leaf[lo], leaf[lo + 1]);
		return 0;
	}
	if (lo == 0 && hi == 4) {
		unsigned char a[AM_HASH_LEN], b[AM_HASH_LEN];
		node(a, leaf[0], leaf[1]);
		node(b, leaf[2], leaf[3]);
		node(out, a, b);
		return 0;
	}
	return -1;
}

/*
 * Leaves, roots at sizes 1 to 4, one inclusion and one consistency proof,
 * and the checkpoint of size 4 signed by the custodian.
 */
static void tree_vectors(struct kat *k, struct world *w)
{
	const struct built *e[4] = { &w->genesis, &w->enroll, &w->testimony, &w->custody };
	unsigned char root[4][AM_HASH_LEN], l01[AM_HASH_LEN], e0[AM_HASH_LEN], b[1 + AM_HASH_LEN];
	unsigned char proof[AM_MT_MAX_PROOF][AM_MT_HASH], sig[AM_SIG_LEN], raw[4 + AM_SIG_LEN];
	unsigned char kid[AM_HASH_LEN], one = 0x01, flat[3 * AM_HASH_LEN];
	char vn[64], origin[AM_ORIGIN_MAX], b64[128], hex[2 * AM_VAULT_ID_LEN + 1];
	struct am_mt_frontier fr;
	am_sha256_ctx c;
	size_t count = 0;

	kat_to(k, F_TREE);
	am_mt_frontier_init(&fr);
	for (int i = 0; i < 4; i++) {
		unsigned char lib[AM_HASH_LEN], fr_root[AM_HASH_LEN];

		b[0] = 0x00;
		memcpy(b + 1, e[i]->hash, AM_HASH_LEN);
		am_sha256(w->leaf[i], b, sizeof(b));
		am_mt_leaf_hash(lib, e[i]->hash, AM_HASH_LEN);
		CHECK(memcmp(lib, w->leaf[i], AM_HASH_LEN) == 0, "am_mt_leaf_hash of entry %d", i);
		snprintf(vn, sizeof(vn), "tree.leaf.%d", i);
		kat_val(k, vn, w->leaf[i], AM_HASH_LEN);
		CHECK(am_mt_frontier_add(&fr, w->leaf[i], NULL, NULL) == 0, "frontier");
		am_mt_frontier_root(&fr, fr_root);
		if (i == 0)
			memcpy(root[0], w->leaf[0], AM_HASH_LEN);
		else if (i == 1)
			node(root[1], w->leaf[0], w->leaf[1]);
		else if (i == 2)
			node(root[2], root[1], w->leaf[2]);
		else
			CHECK(leaves_source(w->leaf, 0, 4, root[3]) == 0, "root of 4");
		CHECK(memcmp(fr_root, root[i], AM_HASH_LEN) == 0, "the frontier root at size %d", i + 1);
		snprintf(vn, sizeof(vn), "tree.root.%d", i + 1);
		kat_val(k, vn, root[i], AM_HASH_LEN);
	}
	memcpy(w->root4, root[3], AM_HASH_LEN);
	am_mt_empty_root(e0);
	am_sha256(b, "", 0);
	CHECK(memcmp(e0, b, AM_HASH_LEN) == 0, "the empty root is not SHA-256 of nothing");

	/* inclusion of entry 2 in the tree of 4: [leaf 3, node(leaf 0, leaf 1)] */
	node(l01, w->leaf[0], w->leaf[1]);
	memcpy(flat, w->leaf[3], AM_HASH_LEN);
	memcpy(flat + AM_HASH_LEN, l01, AM_HASH_LEN);
	CHECK(am_mt_inclusion(leaves_source, w->leaf, 2, 4, proof, &count) == 0 && count == 2 &&
	      memcmp(proof, flat, 2 * AM_HASH_LEN) == 0, "inclusion proof of entry 2 in 4");
	CHECK(am_mt_verify_inclusion(2, 4, w->leaf[2], AM_MT_CONST(proof), 2, root[3]) == 0,
	      "inclusion proof does not verify");
	kat_val(k, "tree.inclusion.2.4", flat, 2 * AM_HASH_LEN);
	/* consistency of 3 with 4: [leaf 2, leaf 3, node(leaf 0, leaf 1)] */
	memcpy(flat, w->leaf[2], AM_HASH_LEN);
	memcpy(flat + AM_HASH_LEN, w->leaf[3], AM_HASH_LEN);
	memcpy(flat + 2 * AM_HASH_LEN, l01, AM_HASH_LEN);
	CHECK(am_mt_consistency(leaves_source, w->leaf, 3, 4, proof, &count) == 0 && count == 3 &&
	      memcmp(proof, flat, 3 * AM_HASH_LEN) == 0, "consistency proof of 3 in 4");
	CHECK(am_mt_verify_consistency(3, 4, root[2], root[3], AM_MT_CONST(proof), 3) == 0,
	      "consistency proof does not verify");
	kat_val(k, "tree.consistency.3.4", flat, 3 * AM_HASH_LEN);

	/* the checkpoint note, built here from the C2SP text rules */
	am_hex(hex, w->vault_id, AM_VAULT_ID_LEN);
	snprintf(origin, sizeof(origin), "amanat/%s", hex);
	am_buf_init(&w->note);
	am_buf_add(&w->note, origin, strlen(origin));
	am_buf_add(&w->note, "\n4\n", 3);
	am_b64(b64, root[3], AM_HASH_LEN);
	am_buf_add(&w->note, b64, strlen(b64));
	am_buf_add(&w->note, "\n", 1);
	CHECK(!w->note.oom && am_sign(sig, w->note.data, w->note.len, w->cust.sign_sk) == 0,
	      "signing the checkpoint");
	am_sha256_init(&c);
	am_sha256_update(&c, origin, strlen(origin));
	am_sha256_update(&c, "\n", 1);
	am_sha256_update(&c, &one, 1);
	am_sha256_update(&c, w->cust.sign_pk, AM_SIGN_PK_LEN);
	am_sha256_final(&c, kid);
	CHECK(am_get_u32(kid) == am_note_key_id(origin, AM_NOTE_ED25519, w->cust.sign_pk),
	      "note key id");
	kat_val(k, "checkpoint.key_id", kid, 4);
	kat_val(k, "checkpoint.sig", sig, sizeof(sig));
	memcpy(raw, kid, 4);
	memcpy(raw + 4, sig, AM_SIG_LEN);
	am_b64(b64, raw, sizeof(raw));
	am_buf_add(&w->note, "\n\xe2\x80\x94 ", 5);
	am_buf_add(&w->note, origin, strlen(origin));
	am_buf_add(&w->note, " ", 1);
	am_buf_add(&w->note, b64, strlen(b64));
	am_buf_add(&w->note, "\n", 1);
	kat_val(k, "checkpoint.note", w->note.data, w->note.len);
}

/* ---- transfer (docs/FORMAT.md §25) ------------------------------------- */

/*
 * The vault above as a field vault: its testimony (entry 2), under the
 * custodian's checkpoint of 4 entries, imported as entry 5 of a main vault
 * (id pattern(0xd0, 16), prev pattern(0xf0, 32), following its import at 4),
 * signed by the custodian; the acknowledgement of a main tree of 6 entries
 * (root pattern(0x30, 32)); and the packet's head record for entries 0..4.
 */
static void transfer_vectors(struct kat *k, struct world *w)
{
	unsigned char mid[AM_VAULT_ID_LEN], prev[AM_HASH_LEN], mroot[AM_HASH_LEN], hash[AM_HASH_LEN];
	unsigned char proof[2 * AM_HASH_LEN], sig[AM_SIG_LEN], ref[8];
	char forigin[AM_ORIGIN_MAX], morigin[AM_ORIGIN_MAX], b64[64], ext[256], why[256];
	struct am_header t, h, ph;
	struct am_buf pl, hb, sb, head;
	struct am_import_view iv;
	struct am_checkpoint ack;
	struct am_ack pa;
	struct am_auth auth;
	struct am_err e;

	kat_to(k, F_TRANSFER);
	am_err_init(&e);
	pattern(mid, sizeof(mid), 0xd0);
	pattern(prev, sizeof(prev), 0xf0);
	pattern(mroot, sizeof(mroot), 0x30);
	am_origin(forigin, w->vault_id);
	am_origin(morigin, mid);
	node(proof + AM_HASH_LEN, w->leaf[0], w->leaf[1]);
	memcpy(proof, w->leaf[3], AM_HASH_LEN);
	am_buf_init(&pl);
	am_buf_init(&hb);
	am_buf_init(&sb);
	am_buf_init(&head);
	am_buf_u32(&pl, (uint32_t)w->testimony.hdr.len);
	am_buf_add(&pl, w->testimony.hdr.data, w->testimony.hdr.len);
	am_buf_add(&pl, w->testimony.sig, AM_SIG_LEN);
	am_buf_u32(&pl, (uint32_t)w->note.len);
	am_buf_add(&pl, w->note.data, w->note.len);
	am_buf_u8(&pl, 2);
	am_buf_add(&pl, proof, sizeof(proof));
	kat_val(k, "import.payload", pl.data, pl.len);
	CHECK(am_header_parse(w->testimony.hdr.data, w->testimony.hdr.len, &t, why, sizeof(why)) == 0,
	      "testimony header: %s", why);
	h = t;
	h.type = AM_T_IMPORT;
	memcpy(h.vault_id, mid, AM_VAULT_ID_LEN);
	h.seq = 5;
	memcpy(h.prev, prev, AM_HASH_LEN);
	h.auth_seq = 1;
	h.sealed_at_ms = T0_MS + 5000;
	memcpy(h.signer, w->cust.sign_pk, AM_SIGN_PK_LEN);
	am_put_u64(ref, 4);
	h.nrefs = 1;
	h.refs = ref;
	h.payload = pl.data;
	h.payload_len = (uint32_t)pl.len;
	am_header_encode(&hb, &h);
	am_sig_input(&sb, hb.data, hb.len);
	CHECK(!pl.oom && !hb.oom && !sb.oom && am_sign(sig, sb.data, sb.len, w->cust.sign_sk) == 0,
	      "signing the import");
	am_entry_hash(hash, hb.data, hb.len, sig);
	kat_val(k, "import.header", hb.data, hb.len);
	kat_val(k, "import.sig", sig, sizeof(sig));
	kat_val(k, "import.hash", hash, sizeof(hash));
	/* it parses, carries the testimony, and passes every rule a bundle can check */
	CHECK(am_header_parse(hb.data, hb.len, &ph, why, sizeof(why)) == 0 && am_header_sealed(&ph),
	      "import header: %s", why);
	CHECK(am_import_view(&ph, &iv, &e) == AM_OK && iv.orig.seq == 2 &&
	      memcmp(iv.orig_hash, w->testimony.hash, AM_HASH_LEN) == 0 &&
	      am_entry_kind(&ph) == AM_T_TESTIMONY, "import view: %s", e.msg);
	am_auth_init(&auth);
	CHECK(am_header_parse(w->genesis.hdr.data, w->genesis.hdr.len, &t, why, sizeof(why)) == 0 &&
	      am_auth_apply(&auth, &t, why, sizeof(why)) == 0 &&
	      am_header_parse(w->enroll.hdr.data, w->enroll.hdr.len, &t, why, sizeof(why)) == 0 &&
	      am_auth_apply(&auth, &t, why, sizeof(why)) == 0, "membership: %s", why);
	CHECK(am_import_check_alone(&auth, &ph, why, sizeof(why), NULL, NULL) == 0,
	      "import rules: %s", why);
	am_auth_release(&auth);

	/* the acknowledgement: the main tree, and how far it holds the field vault */
	am_b64(b64, w->root4, AM_HASH_LEN);
	snprintf(ext, sizeof(ext), "absorbed %s 4 %s\n", forigin, b64);
	CHECK(am_checkpoint_sign_ext(morigin, 6, mroot, ext, morigin, w->cust.sign_sk,
				     w->cust.sign_pk, &ack, &e) == AM_OK, "ack: %s", e.msg);
	kat_val(k, "ack.note", ack.text, ack.len);
	CHECK(am_ack_parse(ack.text, ack.len, &pa, &e) == AM_OK && pa.field_size == 4 &&
	      memcmp(pa.field_id, w->vault_id, AM_VAULT_ID_LEN) == 0 &&
	      memcmp(pa.field_root, w->root4, AM_HASH_LEN) == 0, "ack parse: %s", e.msg);
	am_ack_release(&pa);
	am_checkpoint_release(&ack);

	/* the packet's magic and head record: entries 0..4 under that checkpoint */
	am_buf_add(&head, "AMNPKT\0\1", 8);
	am_buf_u8(&head, 'H');
	am_buf_u32(&head, (uint32_t)(2 + 2 * AM_VAULT_ID_LEN + 16 + 4 + w->note.len + 1));
	am_buf_u16(&head, 1);
	am_buf_add(&head, w->vault_id, AM_VAULT_ID_LEN);
	am_buf_add(&head, mid, AM_VAULT_ID_LEN);
	am_buf_u64(&head, 0);
	am_buf_u64(&head, 4);
	am_buf_u32(&head, (uint32_t)w->note.len);
	am_buf_add(&head, w->note.data, w->note.len);
	am_buf_u8(&head, 0);
	kat_val(k, "packet.head", head.data, head.len);
	am_buf_release(&pl);
	am_buf_release(&hb);
	am_buf_release(&sb);
	am_buf_release(&head);
}

/* ---- header validity rules --------------------------------------------- */

/* Copy hdr, let edit change it, and expect am_header_parse to refuse it. */
static void expect_refused(const struct am_buf *hdr, const char *what, size_t off,
			   const unsigned char *bytes, size_t n, size_t newlen)
{
	unsigned char *p = malloc(newlen > hdr->len ? newlen : hdr->len);
	struct am_header h;
	char why[256] = "";

	if (p == NULL) {
		CHECK(0, "out of memory");
		return;
	}
	memcpy(p, hdr->data, hdr->len);
	if (newlen > hdr->len)
		memset(p + hdr->len, 0, newlen - hdr->len);
	if (n)
		memcpy(p + off, bytes, n);
	CHECK(am_header_parse(p, newlen, &h, why, sizeof(why)) != 0, "header with %s was accepted",
	      what);
	free(p);
}

/* The rules of FORMAT.md "Header validity", one mutation each. */
static void header_rules(const struct world *w)
{
	const struct am_buf *g = &w->genesis.hdr, *t = &w->testimony.hdr;
	unsigned char b[8];

	expect_refused(g, "no magic", OFF_MAGIC, (const unsigned char *)"AMNF", 4, g->len);
	am_put_u16(b, 2);
	expect_refused(g, "version 2", OFF_VERSION, b, 2, g->len);
	b[0] = 0;
	expect_refused(g, "type 0", OFF_TYPE, b, 1, g->len);
	b[0] = 0xff;
	expect_refused(g, "type 255", OFF_TYPE, b, 1, g->len);
	b[0] = 1;
	expect_refused(g, "a flag", OFF_FLAGS, b, 1, g->len);
	expect_refused(g, "a trailing byte", 0, NULL, 0, g->len + 1);
	expect_refused(g, "a missing byte", 0, NULL, 0, g->len - 1);
	expect_refused(g, "only the fixed part", 0, NULL, 0, HEADER_FIXED_LEN + 3);
	b[0] = 1;
	expect_refused(g, "an authority link on genesis", OFF_AUTH_SEQ + 7, b, 1, g->len);
	expect_refused(g, "a body size on a public entry", OFF_SIZE + 7, b, 1, g->len);
	expect_refused(g, "a fields root on a public entry", OFF_FIELDS_ROOT + 31, b, 1, g->len);
	am_put_u32(b, AM_MAX_PAYLOAD + 1);
	expect_refused(g, "a huge payload length", HEADER_FIXED_LEN, b, 4, g->len);
	/* testimony: seq 2, refs 0 and 1 */
	am_put_u64(b, 2);
	expect_refused(t, "an authority link to itself", OFF_AUTH_SEQ, b, 8, t->len);
	am_put_u64(b, 1);
	expect_refused(t, "repeated refs", HEADER_FIXED_LEN, b, 8, t->len);
	am_put_u64(b, 2);
	expect_refused(t, "a ref to itself", HEADER_FIXED_LEN + 8, b, 8, t->len);
	am_put_u32(b, 4096 + 1024);
	expect_refused(t, "a chunk size not a power of two", OFF_CHUNK_SIZE, b, 4, t->len);
	am_put_u32(b, 2048);
	expect_refused(t, "a chunk size below 4096", OFF_CHUNK_SIZE, b, 4, t->len);
	am_put_u32(b, 32u << 20);
	expect_refused(t, "a chunk size above 16 MiB", OFF_CHUNK_SIZE, b, 4, t->len);
	am_put_u64(b, 3);
	expect_refused(t, "a chunk count that does not fit", OFF_CHUNK_COUNT, b, 8, t->len);
	am_put_u32(b, 3);
	expect_refused(t, "a wraps size below 4", OFF_WRAPS_SIZE, b, 4, t->len);
	am_put_u32(b, 15);
	expect_refused(t, "a meta size below 16", OFF_META_SIZE, b, 4, t->len);
}

/* ---- key file ----------------------------------------------------------- */

/*
 * A key file of the admin with a fixed salt and nonce and INTERACTIVE
 * Argon2id, built field by field; am_keyfile_read must open it with the
 * passphrase and refuse a wrong one.
 */
static void keyfile(struct kat *k, const struct world *w, const char *tmpdir)
{
	unsigned char salt[AM_PWSALT_LEN], nonce[AM_NONCE_LEN], secret[64];
	unsigned char ct[64 + AM_AEAD_TAG_LEN];
	unsigned char *key = am_secure_alloc(AM_KEY_LEN);
	struct am_kdf_params p;
	struct am_identity got;
	struct am_buf f;
	struct am_err e;
	char path[4096];
	size_t nlen = strlen(w->admin.name);

	kat_to(k, F_KEYFILE);
	am_buf_init(&f);
	pattern(salt, sizeof(salt), 0x50);
	pattern(nonce, sizeof(nonce), 0x60);
	am_kdf_params_for(AM_KDF_INTERACTIVE, &p);
	kat_val(k, "keyfile.passphrase", PASSPHRASE, strlen(PASSPHRASE));
	kat_val(k, "keyfile.salt", salt, sizeof(salt));
	kat_val(k, "keyfile.nonce", nonce, sizeof(nonce));
	kat_u64(k, "keyfile.opslimit", p.opslimit);
	kat_u64(k, "keyfile.memlimit", p.memlimit);
	if (key == NULL || am_kdf(key, PASSPHRASE, strlen(PASSPHRASE), salt, &p) != 0) {
		CHECK(0, "Argon2id failed");
		am_secure_free(key);
		return;
	}
	kat_val(k, "keyfile.argon2id_key", key, AM_KEY_LEN);

	am_buf_add(&f, "AMNK", 4);
	am_buf_u16(&f, 1);
	am_buf_u8(&f, 2);
	am_buf_u8(&f, 0);
	am_buf_u64(&f, p.opslimit);
	am_buf_u64(&f, p.memlimit);
	am_buf_add(&f, salt, sizeof(salt));
	am_buf_add(&f, nonce, sizeof(nonce));
	am_buf_add(&f, w->admin.sign_pk, AM_SIGN_PK_LEN);
	am_buf_add(&f, w->admin.box_pk, AM_BOX_PK_LEN);
	am_buf_u8(&f, (uint8_t)nlen);
	am_buf_add(&f, w->admin.name, nlen);
	kat_val(k, "keyfile.ad", f.data, f.len);
	memcpy(secret, w->admin.sign_sk, AM_SIGN_SEED_LEN);
	memcpy(secret + AM_SIGN_SEED_LEN, w->admin.box_sk, AM_BOX_SK_LEN);
	CHECK(am_aead_seal(ct, secret, sizeof(secret), f.data, f.len, nonce, key) == 0,
	      "sealing the key file");
	am_wipe(secret, sizeof(secret));
	am_secure_free(key);
	am_buf_add(&f, ct, sizeof(ct));
	kat_val(k, "keyfile.file", f.data, f.len);
	CHECK(!f.oom && f.len == 129 + nlen + 80, "key file length %zu", f.len);

	snprintf(path, sizeof(path), "%s/fictional-admin.id", tmpdir);
	am_err_init(&e);
	if (am_write_new_file(path, 0600, f.data, f.len, &e) != AM_OK) {
		CHECK(0, "cannot write %s: %s", path, e.msg);
		am_buf_release(&f);
		return;
	}
	am_buf_release(&f);
	CHECK(am_keyfile_read(path, PASSPHRASE, strlen(PASSPHRASE), &got, &e) == AM_OK,
	      "am_keyfile_read refuses the vector key file: %s", e.msg);
	CHECK(strcmp(got.name, w->admin.name) == 0 &&
	      memcmp(got.sign_pk, w->admin.sign_pk, AM_SIGN_PK_LEN) == 0 &&
	      memcmp(got.box_pk, w->admin.box_pk, AM_BOX_PK_LEN) == 0 && got.sign_sk != NULL &&
	      memcmp(got.sign_sk, w->admin.sign_sk, AM_SIGN_SK_LEN) == 0 && got.box_sk != NULL &&
	      memcmp(got.box_sk, w->admin.box_sk, AM_BOX_SK_LEN) == 0,
	      "the key file opens to other keys");
	am_identity_release(&got);
	am_err_init(&e);
	CHECK(am_keyfile_read(path, WRONG_PASSPHRASE, strlen(WRONG_PASSPHRASE), &got, &e) ==
	      AM_EAUTH, "a wrong passphrase is not refused with AM_EAUTH: %s", e.msg);
	CHECK(got.sign_sk == NULL && got.box_sk == NULL, "secrets left after a refusal");
	am_identity_release(&got);
	CHECK(am_public_read(path, &got, &e) == AM_OK &&
	      memcmp(got.sign_pk, w->admin.sign_pk, AM_SIGN_PK_LEN) == 0,
	      "the public half of the key file does not read: %s", e.msg);
	am_identity_release(&got);
	unlink(path);
}

/* ---- the vectors as a vault ------------------------------------------- */

/* Store b as entry seq (chunks first, as the triggers require) and its tree nodes. */
static enum am_status put(struct am_vault *v, struct am_mt_frontier *fr, uint64_t seq,
			  unsigned type, const struct built *b, struct am_err *e)
{
	enum am_status s = AM_OK;

	for (size_t i = 0; s == AM_OK && i < b->nchunks; i++)
		s = am_db_put_chunk(v, seq, i, b->chunk[i], b->chunk_len[i], e);
	if (s == AM_OK)
		s = am_db_put_entry(v, seq, type, b->hdr.data, b->hdr.len, b->sig, b->hash,
				    b->wraps.data, b->wraps.len, b->meta.data, b->meta.len, e);
	if (s == AM_OK)
		s = am_tree_append(v, fr, b->hash, e);
	return s;
}

/* The four entries must make a vault that verifies and decrypts. */
static void as_vault(const struct world *w, const char *tmpdir)
{
	struct am_vault *v = NULL;
	struct am_verify_report r;
	struct am_verify_opts o;
	struct am_progress none = { NULL, NULL };
	struct am_members ms;
	struct am_fields f;
	struct am_checkpoint c;
	struct am_trusted t, *vt = NULL;
	struct am_pin nopin;
	struct am_err e;
	char path[4096], out[4096];
	unsigned char *back = NULL;
	size_t blen = 0;
	enum am_status s;
	int fd;

	snprintf(path, sizeof(path), "%s/vectors.amn", tmpdir);
	snprintf(out, sizeof(out), "%s/testimony.out", tmpdir);
	am_err_init(&e);
	am_trusted_init(&t);
	memcpy(t.vault_id, w->vault_id, AM_VAULT_ID_LEN);
	s = am_db_create(path, &v, &e);
	/*
	 * As amanat appends: each entry with a checkpoint signed by its signer,
	 * over the tree as built here, never as stored.  The last is the vector.
	 */
	{
		const struct built *b[4] = { &w->genesis, &w->enroll, &w->testimony, &w->custody };
		static const unsigned types[4] = { AM_T_GENESIS, AM_T_ENROLL, AM_T_TESTIMONY,
						   AM_T_CUSTODY };
		const struct am_identity *by[4] = { &w->admin, &w->admin, &w->cust, &w->cust };
		for (uint64_t i = 0; s == AM_OK && i < 4; i++) {
			s = put(v, &t.fr, i, types[i], b[i], &e);
			t.size = i + 1;
			if (s == AM_OK)
				s = am_checkpoint_store(v, &t, by[i], i == 3 ? &c : NULL, &e);
		}
	}
	if (s == AM_OK) {
		CHECK(c.len == w->note.len && memcmp(c.text, w->note.data, c.len) == 0,
		      "the vault signs another checkpoint:\n%s", c.text);
		am_checkpoint_release(&c);
		s = am_db_commit(v, &e);
	}
	am_vault_close(v);
	v = NULL;
	CHECK(s == AM_OK, "cannot store the vectors as a vault: %s", e.msg);
	if (s != AM_OK)
		goto out;
	CHECK(am_vault_open(path, 0, &v, &e) == AM_OK, "cannot open the vector vault: %s", e.msg);
	if (v == NULL)
		goto out;
	memset(&nopin, 0, sizeof(nopin));
	CHECK(am_trust(v, &nopin, &vt, &e) == AM_OK, "the vector vault is not trusted: %s", e.msg);
	if (vt == NULL)
		goto out;
	for (int tier = AM_VERIFY_QUICK; tier <= AM_VERIFY_FULL; tier++) {
		CHECK(am_verify(v, (enum am_verify_tier)tier, none, &r, &e) == AM_OK && r.ok &&
		      r.entries == 4 && memcmp(r.head, w->custody.hash, AM_HASH_LEN) == 0 &&
		      memcmp(r.root, w->root4, AM_HASH_LEN) == 0 && r.checkpoints == 4,
		      "the vector vault does not verify (tier %d): entry %llu: %s", tier,
		      (unsigned long long)r.bad_seq, r.reason);
	}
	CHECK(r.chunks == 3, "full verification hashed %llu chunks", (unsigned long long)r.chunks);
	memset(&o, 0, sizeof(o));
	o.tier = AM_VERIFY_DEEP;
	o.reader = &w->cust;
	CHECK(am_verify_ex(v, &o, &r, &e) == AM_OK && r.ok && r.complete && r.entries == 4 &&
	      r.undecryptable == 0, "deep verification by the custodian: entry %llu: %s %s",
	      (unsigned long long)r.bad_seq, r.reason, e.msg);
	CHECK(am_vault_members(vt, &ms, &e) == AM_OK && ms.n == 2 &&
	      am_members_find(&ms, w->cust.sign_pk) != NULL &&
	      am_members_find(&ms, w->cust.sign_pk)->roles == (AM_ROLE_OFFICER | AM_ROLE_CUSTODIAN),
	      "members replayed from the vectors");
	am_members_release(&ms);

	CHECK(am_open_fields(v, &w->cust, 2, &f, &e) == AM_OK && f.n == 4 &&
	      am_fields_get(&f, "case") != NULL, "testimony fields do not open: %s", e.msg);
	am_fields_release(&f);
	CHECK(am_open_fields(v, &w->cust, 3, &f, &e) == AM_OK && f.n == 2, "custody fields: %s",
	      e.msg);
	am_fields_release(&f);
	CHECK(am_open_fields(v, &w->admin, 2, &f, &e) == AM_EAUTH,
	      "the admin, not a custodian, opened the testimony");
	am_fields_release(&f);

	fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "cannot create %s: %s", out, strerror(errno));
	if (fd >= 0) {
		CHECK(am_extract(v, &w->cust, 2, fd, none, &e) == AM_OK, "extract: %s", e.msg);
		close(fd);
		CHECK(am_read_small_file(out, 1u << 20, &back, &blen, &e) == AM_OK &&
		      blen == TESTIMONY_SIZE && memcmp(back, w->content, blen) == 0,
		      "the extracted testimony differs from its content");
		free(back);
		unlink(out);
	}
	CHECK(am_extract(v, &w->cust, 3, -1, none, &e) == AM_OK, "extract custody: %s", e.msg);
out:
	am_trusted_free(vt);
	am_vault_close(v);
	unlink(path);
}

/* ---- main --------------------------------------------------------------- */

/* Build (and record or compare) every vector, then check them as a vault; -1 on setup failure. */
static int run(struct kat *k, const char *tmpdir)
{
	struct world w;
	int rc = -1;

	memset(&w, 0, sizeof(w));
	if (make_identity(&w.admin, "fictional-admin", 0x00, 0x20) != 0 ||
	    make_identity(&w.cust, "fictional-custodian", 0x40, 0x60) != 0) {
		fprintf(stderr, "FAIL cannot make the fixed identities\n");
		goto out;
	}
	pattern(w.vault_id, sizeof(w.vault_id), 0xa0);

	kat_begin(k);
	keys_vectors(k, &w);
	genesis_and_enroll(k, &w);
	testimony(k, &w);
	custody(k, &w);
	empty_root(k);
	tree_vectors(k, &w);
	keyfile(k, &w, tmpdir);
	transfer_vectors(k, &w);
	if (k->generate && kat_write(k) != 0)
		goto out;

	header_rules(&w);
	as_vault(&w, tmpdir);
	rc = 0;
out:
	built_release(&w.genesis);
	built_release(&w.enroll);
	built_release(&w.testimony);
	built_release(&w.custody);
	am_buf_release(&w.note);
	am_identity_release(&w.admin);
	am_identity_release(&w.cust);
	return rc;
}

/* Check mode by default, generate mode with --generate DIR; 0 only when every check passed. */
int main(int argc, char **argv)
{
	struct kat k;
	char tmpdir[4096];
	const char *t = getenv("TMPDIR");
	int rc;

	memset(&k, 0, sizeof(k));
	if (argc == 3 && strcmp(argv[1], "--generate") == 0) {
		k.generate = 1;
		k.dir = argv[2];
	} else if (argc == 1) {
		k.dir = getenv("AMANAT_VECTORS");
		if (k.dir == NULL || *k.dir == '\0') {
			fprintf(stderr, "FAIL AMANAT_VECTORS is not set (the tests/vectors directory)\n");
			return 1;
		}
	} else {
		fprintf(stderr, "usage: %s [--generate DIR]\n", argv[0]);
		return 2;
	}
	if (am_crypto_init() != 0) {
		fprintf(stderr, "FAIL libsodium does not initialise\n");
		return 1;
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s/amanat-vectors-XXXXXX", t && *t ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		fprintf(stderr, "FAIL cannot make a temporary directory: %s\n", strerror(errno));
		return 1;
	}
	/* generate mode keeps the pins already there, if they still fit */
	if (k.generate && kat_load(&k, 1) != 0) {
		kat_release(&k);
		memset(&k, 0, sizeof(k));
		k.generate = 1;
		k.dir = argv[2];
	}
	if (!k.generate && kat_load(&k, 0) != 0) {
		rmdir(tmpdir);
		kat_release(&k);
		return 1;
	}
	rc = run(&k, tmpdir);
	if (!k.generate)
		kat_all_used(&k);
	rmdir(tmpdir);
	kat_release(&k);
	if (rc != 0 || failures > 0) {
		fprintf(stderr, "test_vectors: %d failure(s)\n", failures + (rc != 0));
		return 1;
	}
	printf("test_vectors: %s\n", k.generate ? "vectors written" : "all vectors match");
	return 0;
}
