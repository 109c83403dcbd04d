/*
 * export_index.c — which entries an export of a few named items must read,
 * without proving every entry of the log (docs/FORMAT.md §30).
 *
 * Any later entry may amend an item's consent or record custody of it, so
 * the exporter used to read, and prove, the whole log twice.  Instead the
 * exporter keeps, in the custodian's local state beside the pin, the
 * references of every entry it has verified: a file bound to the vault id
 * and to the tree (size, root) it was built on, with a SHA-256 of its bytes.
 * It is used only when it is a prefix of the log verified from the pin: the
 * stored subtrees of its size must fold to its root, and those subtrees
 * with the leaves of every entry read since (am_scan_verified, one pass,
 * each new header hashed) to the verified root.  A file that is missing,
 * damaged, of another vault, ahead of or not a prefix of the verified log
 * is rebuilt by the same pass from entry 0.  Every entry the walk then
 * visits is still read through an inclusion proof (export.c), so the index
 * only says where to look; an omission in it is what the digest and the
 * binding guard against, and the file has the pin's trust: whoever can
 * rewrite it can rewrite the pin.
 */
#include "export_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/fsutil.h"
#include "../vault/scan.h"

#define IX_MAGIC "AMNREFS1"
#define IX_HEAD (8 + AM_VAULT_ID_LEN + 8 + AM_HASH_LEN)
/* refs of one entry: at most 65536 (docs/FORMAT.md §6) */
#define IX_MAX_REFS 65536u

struct ix {
	struct ex_ctx *x;
	const uint64_t *want; /* the items named, sorted */
	size_t nwant;
	uint64_t *walk;       /* what refers to them, in log order */
	size_t nwalk, cap;
	struct am_newfile nf; /* the new index, when one is written (nf.fd >= 0) */
	int writing;
	am_sha256_ctx out;    /* digest of what is written */
	struct am_buf rec;    /* one record */
};

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Write to the new index (when one is being written), hashing it. */
static void out(struct ix *ix, const void *p, size_t n)
{
	struct am_err ignore;

	if (!ix->writing)
		return;
	am_sha256_update(&ix->out, p, n);
	if (am_newfile_write(&ix->nf, p, n, &ignore) != AM_OK) {
		am_newfile_abort(&ix->nf);
		ix->writing = 0; /* the export goes on; the index is built again next time */
	}
}

static enum am_status walk_add(struct ix *ix, uint64_t seq, struct am_err *e)
{
	if (am_u64_push(&ix->walk, &ix->nwalk, &ix->cap, seq) != 0)
		return am_fail(e, AM_ENOMEM, "out of memory");
	return AM_OK;
}

/*
 * One record, as read from the index or made from a header: learn an
 * import, and keep seq when what it refers to (ex_refs' reading: an
 * import's refs are its original's, mapped to their imports) names an item.
 */
static enum am_status take(struct ix *ix, uint64_t seq, int import, const unsigned char *fvid,
			   uint64_t fseq, const unsigned char *refs, uint32_t nrefs,
			   struct am_err *e)
{
	const struct ex_fmap *f = NULL;
	enum am_status s = AM_OK;

	if (import) {
		s = ex_refmap_add(&ix->x->refmap, fvid, fseq, seq, e);
		f = ex_refmap_find(&ix->x->refmap, fvid);
	}
	for (uint32_t r = 0; s == AM_OK && r < nrefs; r++) {
		uint64_t ref = get64(refs + 8 * (size_t)r);
		if (f != NULL && ref >= f->n)
			continue;
		if (f != NULL)
			ref = f->seq[ref];
		if (bsearch(&ref, ix->want, ix->nwant, sizeof(ref), cmp_u64) != NULL)
			return walk_add(ix, seq, e);
	}
	return s;
}

/* The record of a header read from the log (am_scan_verified): written, then taken. */
static enum am_status scan_one(void *ctx, uint64_t seq, const struct am_header *h,
			       struct am_err *e)
{
	struct ix *ix = ctx;
	struct am_header o;
	const struct am_header *src = h;
	int import = 0;
	unsigned char b[8];

	if (h->type == AM_T_IMPORT) {
		if (am_import_original(h, &o) != 0)
			return AM_OK; /* refers to nothing (ex_refs) */
		import = 1;
		src = &o;
	}
	if (!import && h->nrefs == 0)
		return AM_OK;
	ix->rec.len = 0;
	put64(b, seq);
	am_buf_add(&ix->rec, b, 8);
	am_buf_u8(&ix->rec, (unsigned char)import);
	if (import) {
		am_buf_add(&ix->rec, o.vault_id, AM_VAULT_ID_LEN);
		put64(b, o.seq);
		am_buf_add(&ix->rec, b, 8);
	}
	put64(b, src->nrefs);
	am_buf_add(&ix->rec, b, 4);
	for (uint32_t r = 0; r < src->nrefs; r++) {
		put64(b, am_header_ref(src, r));
		am_buf_add(&ix->rec, b, 8);
	}
	if (ix->rec.oom)
		return am_fail(e, AM_ENOMEM, "out of memory");
	out(ix, ix->rec.data, ix->rec.len);
	return take(ix, seq, import, import ? o.vault_id : NULL, import ? o.seq : 0,
		    ix->rec.data + 8 + 1 + (import ? AM_VAULT_ID_LEN + 8 : 0) + 4, src->nrefs, e);
}

/* Read exactly n bytes of the old index, hashing them; -1 at its end or on error. */
static int rd(FILE *f, uint64_t *left, am_sha256_ctx *c, void *p, size_t n)
{
	if (*left < n || fread(p, 1, n, f) != n)
		return -1;
	*left -= n;
	am_sha256_update(c, p, n);
	return 0;
}

/*
 * Take every record of the old index f (its header already read), copying
 * them into the new one: -1 when it is damaged (a record cut, or its digest
 * not that of its bytes), and nothing taken may then be used.
 */
static int read_records(struct ix *ix, FILE *f, uint64_t size, uint64_t left,
			am_sha256_ctx *c, enum am_status *s, struct am_err *e)
{
	unsigned char head[8 + 1 + AM_VAULT_ID_LEN + 8 + 4], digest[AM_HASH_LEN],
		have[AM_HASH_LEN];
	unsigned char *refs = NULL;
	uint64_t last = 0;
	int first = 1, bad = 0;

	if (left < AM_HASH_LEN)
		return -1;
	left -= AM_HASH_LEN;
	while (!bad && *s == AM_OK && left > 0) {
		uint64_t seq, fseq = 0;
		uint32_t nrefs;
		int import;
		size_t hn = 9;
		if (rd(f, &left, c, head, 9) != 0 || head[8] > 1) {
			bad = 1;
			break;
		}
		import = head[8];
		seq = get64(head);
		if (import) {
			bad = rd(f, &left, c, head + 9, AM_VAULT_ID_LEN + 8) != 0;
			fseq = get64(head + 9 + AM_VAULT_ID_LEN);
			hn += AM_VAULT_ID_LEN + 8;
		}
		if (bad || rd(f, &left, c, head + hn, 4) != 0) {
			bad = 1;
			break;
		}
		nrefs = get32(head + hn);
		/* records in log order, within the size the header binds */
		if (nrefs > IX_MAX_REFS || (!first && seq <= last) || seq >= size ||
		    (refs = realloc(refs, (size_t)nrefs * 8 + 1)) == NULL ||
		    rd(f, &left, c, refs, (size_t)nrefs * 8) != 0) {
			bad = 1;
			break;
		}
		out(ix, head, hn + 4);
		out(ix, refs, (size_t)nrefs * 8);
		*s = take(ix, seq, import, head + 9, fseq, refs, nrefs, e);
		last = seq;
		first = 0;
	}
	free(refs);
	if (bad || *s != AM_OK)
		return bad ? -1 : 0;
	am_sha256_final(c, have);
	if (fread(digest, 1, AM_HASH_LEN, f) != AM_HASH_LEN || !am_equal(have, digest, AM_HASH_LEN))
		return -1;
	return 0;
}

/*
 * Open the index at path and check what it is bound to: its size (≤ n) in
 * *size and the reader positioned after its header, or NULL with *why.
 */
static FILE *open_old(struct ix *ix, const char *path, uint64_t n, uint64_t *size,
		      uint64_t *left, am_sha256_ctx *c, const char **why)
{
	unsigned char head[IX_HEAD];
	struct stat sb;
	FILE *f = fopen(path, "rbe");

	*why = "missing";
	if (f == NULL)
		return NULL;
	*why = "damaged";
	am_sha256_init(c);
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(f);
		return NULL;
	}
	*left = (uint64_t)sb.st_size;
	if (rd(f, left, c, head, IX_HEAD) != 0 || memcmp(head, IX_MAGIC, 8) != 0) {
		fclose(f);
		return NULL;
	}
	*size = get64(head + 8 + AM_VAULT_ID_LEN);
	if (!am_equal(head + 8, am_trusted_vault_id(ix->x->req->trusted), AM_VAULT_ID_LEN))
		*why = "it is of another vault";
	else if (*size > n)
		*why = "it is ahead of the log verified from your pin";
	else if (*size > 0 && !am_scan_prefix(ix->x->v, *size, head + 8 + AM_VAULT_ID_LEN + 8))
		*why = "it is not of this log";
	else
		return f;
	fclose(f);
	return NULL;
}

/* Start the new index, bound to the verified tree of n entries. */
static void start_new(struct ix *ix, const char *path, uint64_t n)
{
	unsigned char head[IX_HEAD];
	struct am_err ignore;

	am_sha256_init(&ix->out);
	ix->writing = am_newfile_open(&ix->nf, path, 0600, 1, &ignore) == AM_OK;
	memcpy(head, IX_MAGIC, 8);
	memcpy(head + 8, am_trusted_vault_id(ix->x->req->trusted), AM_VAULT_ID_LEN);
	put64(head + 8 + AM_VAULT_ID_LEN, n);
	am_trusted_root(ix->x->req->trusted, head + 8 + AM_VAULT_ID_LEN + 8);
	out(ix, head, IX_HEAD);
}

/* Forget what an unusable old index gave. */
static void restart(struct ix *ix, const char *path, uint64_t n)
{
	if (ix->writing)
		am_newfile_abort(&ix->nf);
	ix->writing = 0;
	ix->nwalk = 0;
	ex_refmap_release(&ix->x->refmap);
	start_new(ix, path, n);
}

/* The items, the tip and the authority chain: visited whatever refers to what. */
static enum am_status add_fixed(struct ix *ix, uint64_t n, struct am_err *e)
{
	struct ex_ctx *x = ix->x;
	struct am_entry_pub p;
	uint64_t at;
	enum am_status s = AM_OK;

	for (size_t i = 0; s == AM_OK && i < ix->nwant; i++)
		s = walk_add(ix, ix->want[i], e);
	if (s == AM_OK)
		s = walk_add(ix, n - 1, e);
	if (s == AM_OK)
		s = am_entry_read_trusted(x->v, x->req->trusted, n - 1, &p, e);
	if (s != AM_OK)
		return s;
	at = am_type_authority(p.h.type) ? n - 1 : p.h.auth_seq;
	am_entry_pub_release(&p);
	/* every genesis, enroll, revoke and rotate: each one's auth_seq is the one before */
	for (;;) {
		uint64_t next;
		int authority;
		s = am_entry_read_trusted(x->v, x->req->trusted, at, &p, e);
		if (s != AM_OK)
			return s;
		authority = am_type_authority(p.h.type);
		next = p.h.auth_seq;
		am_entry_pub_release(&p);
		if (!authority || (at > 0 && next >= at))
			return am_fail(e, AM_EVERIFY, "%s: entry %llu changed since it was verified; "
				       "run 'amanat verify'", am_vault_path(x->v),
				       (unsigned long long)at);
		s = walk_add(ix, at, e);
		if (s != AM_OK || at == 0)
			return s;
		at = next;
	}
}

enum am_status ex_index_walk(struct ex_ctx *x, const char *path, uint64_t n, const char **why,
			     struct am_err *e)
{
	struct ix ix;
	uint64_t size = 0, left = 0;
	am_sha256_ctx c;
	enum am_status s = AM_OK;
	FILE *f;
	uint64_t *want;
	size_t k = 0;

	memset(&ix, 0, sizeof(ix));
	ix.x = x;
	ix.nf.fd = -1;
	am_buf_init(&ix.rec);
	want = malloc((x->req->nseqs ? x->req->nseqs : 1) * sizeof(*want));
	if (want == NULL)
		return am_fail(e, AM_ENOMEM, "out of memory");
	memcpy(want, x->req->seqs, x->req->nseqs * sizeof(*want));
	qsort(want, x->req->nseqs, sizeof(*want), cmp_u64);
	for (size_t i = 0; i < x->req->nseqs; i++)
		if (k == 0 || want[k - 1] != want[i])
			want[k++] = want[i];
	ix.want = want;
	ix.nwant = k;
	f = open_old(&ix, path, n, &size, &left, &c, why);
	/* written again only when it grows or is replaced */
	if (f == NULL || size < n)
		start_new(&ix, path, n);
	if (f != NULL) {
		if (read_records(&ix, f, size, left, &c, &s, e) != 0 && s == AM_OK) {
			*why = "damaged";
			size = 0;
			restart(&ix, path, n);
		} else {
			*why = NULL;
		}
		fclose(f);
	} else {
		size = 0;
	}
	/* what the log holds beyond it, every header proved by one fold */
	if (s == AM_OK)
		s = am_scan_verified(x->v, x->req->trusted, size, scan_one, &ix, e);
	if (s == AM_OK)
		s = add_fixed(&ix, n, e);
	if (s == AM_OK && ix.writing) {
		unsigned char d[AM_HASH_LEN];
		struct am_err ignore;
		am_sha256_final(&ix.out, d);
		out(&ix, d, AM_HASH_LEN);
		if (ix.writing && am_newfile_commit(&ix.nf, 1, &ignore) != AM_OK)
			*why = *why != NULL ? *why : "it could not be saved";
		ix.writing = 0;
	}
	if (ix.writing)
		am_newfile_abort(&ix.nf);
	am_buf_release(&ix.rec);
	free(want);
	if (s != AM_OK) {
		free(ix.walk);
		return s;
	}
	/* sorted, each once: the order the whole-log walk would visit them in */
	qsort(ix.walk, ix.nwalk, sizeof(*ix.walk), cmp_u64);
	k = 0;
	for (size_t i = 0; i < ix.nwalk; i++)
		if (k == 0 || ix.walk[k - 1] != ix.walk[i])
			ix.walk[k++] = ix.walk[i];
	x->walk = ix.walk;
	x->nwalk = k;
	return AM_OK;
}
