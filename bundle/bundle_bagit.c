/*
 * bundle_bagit.c — the BagIt layer of a bundle and its signature
 * (docs/BUNDLE.md, "Shape", "Manifests", "The signature"): bagit.txt, the
 * strict syntax of the three manifests, every payload byte against both
 * payload manifests, bag-info.txt and its Payload-Oxum, every tag file
 * against the tag manifest, and the minisign signature over the tag
 * manifest by amanat/signer.pub.
 */
#include "bundle_verify_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../crypto/minisign.h"

#define TAGMANIFEST "tagmanifest-sha256.txt"
#define MINISIG "tagmanifest-sha256.txt.minisig"

/* ---- BagIt -------------------------------------------------------------- */

struct line {
	const char *path; /* NUL-terminated inside the manifest's buffer */
	unsigned char digest[AM_SHA512_LEN];
};

struct manifest {
	const char *name;
	size_t dlen; /* digest bytes */
	unsigned char *buf;
	size_t len;
	struct line *v; /* sorted by path once parsed */
	size_t n;
	int present;
	unsigned char
	    prehash[64]; /* BLAKE2b-512 of the bytes, before parsing cut them into lines */
};

/* bag-info.txt: the labels of docs/BUNDLE.md, once each, in order. */
static const char *const bag_labels[] = {
    "Source-Organization",
    "Bagging-Date",
    "External-Identifier",
    "External-Description",
    "Bag-Size",
    "Payload-Oxum",
    "Bag-Count",
    "Bag-Group-Identifier",
    "Internal-Sender-Identifier",
};
#define NLABELS (sizeof(bag_labels) / sizeof(bag_labels[0]))

struct bag_info {
	char v[NLABELS][256];
	int have[NLABELS];
};

struct bv_bag {
	struct manifest m256, m512, tag;
	struct bag_info bi;
	char trusted[1100]; /* the signature's trusted comment, once verified */
};

static int cmp_line(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->path, ((const struct line *)b)->path);
}

static const struct line *manifest_find(const struct manifest *m, const char *path)
{
	struct line key = {path, {0}};

	return m->n ? bsearch(&key, m->v, m->n, sizeof(*m->v), cmp_line) : NULL;
}

/* Strict manifest syntax: lowercase hex, two spaces, a safe path, sorted, once each. */
static void parse_manifest(struct bv_ctx *x, struct manifest *m)
{
	char *p, *end, *nl;
	size_t lineno = 0, hexlen = 2 * m->dlen;
	int unsorted = 0;
	am_blake2b_ctx bc;

	m->buf = bv_load(x, m->name, BV_MAX_MANIFEST, &m->len, 1);
	if (m->buf == NULL)
		return;
	m->present = 1;
	am_blake2b512_init(&bc);
	am_blake2b512_update(&bc, m->buf, m->len);
	am_blake2b512_final(&bc, m->prehash);
	if (m->len > 0 && m->buf[m->len - 1] != '\n')
		bv_problem(x, "%s: does not end with a newline", m->name);
	m->v = calloc(m->len / (hexlen + 3) + 1, sizeof(*m->v));
	if (m->v == NULL) {
		bv_problem(x, "%s: out of memory", m->name);
		return;
	}
	for (p = (char *)m->buf, end = p + m->len; p < end; p = nl + 1) {
		size_t n;
		int hexok = 1;

		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		n = (size_t)(nl - p);
		*nl = '\0';
		for (size_t i = 0; i < hexlen && i < n; i++)
			hexok &= (p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f');
		if (n < hexlen + 3 || !hexok || p[hexlen] != ' ' || p[hexlen + 1] != ' ' ||
		    am_unhex(m->v[m->n].digest, m->dlen, p, hexlen) != 0) {
			bv_problem(x, "%s line %zu: is not '<%zu lowercase hex digits>  <path>'",
			           m->name, lineno, hexlen);
			continue;
		}
		if (!bv_path_ok(p + hexlen + 2, n - hexlen - 2)) {
			bv_problem(x,
			           "%s line %zu: path has a character a bundle name may not hold "
			           "(docs/BUNDLE.md, \"Shape\"), or an empty, '.' or '..' part",
			           m->name, lineno);
			continue;
		}
		m->v[m->n].path = p + hexlen + 2;
		if (m->n > 0) {
			int c = strcmp(m->v[m->n - 1].path, m->v[m->n].path);
			if (c == 0) {
				bv_problem(x, "%s: names %s more than once", m->name,
				           m->v[m->n].path);
				continue;
			}
			unsorted |= c > 0;
		}
		m->n++;
	}
	if (unsorted)
		bv_problem(x, "%s: lines are not sorted by path", m->name);
	qsort(m->v, m->n, sizeof(*m->v), cmp_line);
}

/* Every payload file hashed and in both manifests; every line an existing payload file. */
static void check_payload(struct bv_ctx *x, struct manifest *m256, struct manifest *m512,
                          uint64_t *bytes, size_t *files)
{
	struct manifest *ms[2] = {m256, m512};

	*bytes = 0;
	*files = 0;
	for (size_t i = 0; i < bv_reader_count(x->rd); i++) {
		struct bv_file *f = bv_reader_at(x->rd, i);
		enum am_status s;

		if (strncmp(f->name, "data/", 5) != 0)
			continue;
		s = bv_reader_stream(x->rd, f, UINT64_MAX, NULL, NULL, x->e);
		(*files)++;
		if (s != AM_OK) {
			bv_read_failed(x, s);
			*bytes += f->size; /* as listed: the damage is reported once, above */
			continue;
		}
		*bytes += f->real_size;
		for (int k = 0; k < 2; k++) {
			const struct line *l;
			if (!ms[k]->present)
				continue;
			l = manifest_find(ms[k], f->name);
			if (l == NULL)
				bv_problem(x, "%s: is not listed in %s", f->name, ms[k]->name);
			else if (!am_equal(l->digest, k == 0 ? f->sha256 : f->sha512, ms[k]->dlen))
				bv_problem(x, "%s: its %s does not match %s (the file was changed)",
				           f->name, k == 0 ? "sha-256" : "sha-512", ms[k]->name);
		}
	}
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < ms[k]->n; i++) {
			const char *path = ms[k]->v[i].path;
			if (strncmp(path, "data/", 5) != 0)
				bv_problem(
				    x, "%s: names %s, which is not a payload file (under data/)",
				    ms[k]->name, path);
			else if (bv_reader_find(x->rd, path) == NULL)
				bv_problem(x, "%s: names %s, which the bundle does not hold",
				           ms[k]->name, path);
		}
}

/* Hash what has not been read yet, then hold the tag manifest against every tag file. */
void bv_check_tag_manifest(struct bv_ctx *x)
{
	const struct manifest *tag = x->bag ? &x->bag->tag : NULL;

	for (size_t i = 0; i < bv_reader_count(x->rd); i++) {
		struct bv_file *f = bv_reader_at(x->rd, i);
		enum am_status s;

		if (f->hashed || strncmp(f->name, "data/", 5) == 0)
			continue;
		s = bv_reader_stream(x->rd, f, UINT64_MAX, NULL, NULL, x->e);
		if (s != AM_OK)
			bv_read_failed(x, s);
	}
	if (tag == NULL || !tag->present)
		return;
	for (size_t i = 0; i < bv_reader_count(x->rd); i++) {
		struct bv_file *f = bv_reader_at(x->rd, i);
		const struct line *l;

		if (strncmp(f->name, "data/", 5) == 0 || strcmp(f->name, TAGMANIFEST) == 0 ||
		    strcmp(f->name, MINISIG) == 0)
			continue;
		l = manifest_find(tag, f->name);
		if (l == NULL)
			bv_problem(x,
			           "%s: is not listed in " TAGMANIFEST " (no signature covers it)",
			           f->name);
		else if (f->hashed && !am_equal(l->digest, f->sha256, AM_HASH_LEN))
			bv_problem(x,
			           "%s: its sha-256 does not match " TAGMANIFEST " (the file was "
			           "changed)",
			           f->name);
	}
	for (size_t i = 0; i < tag->n; i++) {
		const char *path = tag->v[i].path;
		if (strncmp(path, "data/", 5) == 0 || strcmp(path, TAGMANIFEST) == 0 ||
		    strcmp(path, MINISIG) == 0)
			bv_problem(x, TAGMANIFEST ": names %s, which is not a tag file", path);
		else if (bv_reader_find(x->rd, path) == NULL)
			bv_problem(x, TAGMANIFEST ": names %s, which the bundle does not hold",
			           path);
	}
}

/* YYYY-MM-DD, digits and dashes. */
static int date_ok(const char *d)
{
	int ok = strlen(d) == 10 && d[4] == '-' && d[7] == '-';

	for (int i = 0; ok && i < 10; i++)
		ok = i == 4 || i == 7 || (d[i] >= '0' && d[i] <= '9');
	return ok;
}

static void check_bag_info(struct bv_ctx *x, struct bag_info *bi, uint64_t bytes, size_t files)
{
	size_t len, lineno = 0, last = 0;
	unsigned char *buf = bv_load(x, "bag-info.txt", BV_MAX_SMALL, &len, 1);
	char *p, *end, *nl, want[64];
	int misordered = 0;

	memset(bi, 0, sizeof(*bi));
	if (buf == NULL)
		return;
	if (len > 0 && buf[len - 1] != '\n')
		bv_problem(x, "bag-info.txt: does not end with a newline");
	for (p = (char *)buf, end = p + len; p < end; p = nl + 1) {
		char *colon;
		size_t k;

		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		*nl = '\0';
		colon = strchr(p, ':');
		if (colon == NULL || colon == p || colon[1] != ' ' || colon[2] == '\0' ||
		    colon[2] == ' ' || strcspn(p, " \t") < (size_t)(colon - p)) {
			bv_problem(x, "bag-info.txt line %zu: is not 'Label: value'", lineno);
			continue;
		}
		*colon = '\0';
		for (k = 0; k < NLABELS && strcmp(bag_labels[k], p) != 0; k++)
			;
		if (k == NLABELS)
			continue; /* BagIt allows other labels */
		if (bi->have[k]) {
			bv_problem(x, "bag-info.txt: gives %s more than once", p);
			continue;
		}
		if (strlen(colon + 2) >= sizeof(bi->v[k]))
			bv_problem(x, "bag-info.txt: %s is too long", p);
		misordered |= k < last;
		last = k;
		bi->have[k] = 1;
		snprintf(bi->v[k], sizeof(bi->v[k]), "%s", colon + 2);
	}
	free(buf);
	if (misordered)
		bv_problem(x, "bag-info.txt: labels are not in the order docs/BUNDLE.md gives");
	for (size_t k = 0; k < NLABELS; k++)
		if (!bi->have[k])
			bv_problem(x, "bag-info.txt: has no %s", bag_labels[k]);
	snprintf(want, sizeof(want), "%llu.%zu", (unsigned long long)bytes, files);
	if (bi->have[5] && strcmp(bi->v[5], want) != 0)
		bv_problem(x,
		           "bag-info.txt: Payload-Oxum is %s, but the payload is %llu bytes in %zu "
		           "files",
		           bi->v[5], (unsigned long long)bytes, files);
	if (bi->have[6] && strcmp(bi->v[6], "1 of 1") != 0)
		bv_problem(x, "bag-info.txt: Bag-Count is not '1 of 1'");
	if (bi->have[1] && !date_ok(bi->v[1]))
		bv_problem(x, "bag-info.txt: Bagging-Date is not YYYY-MM-DD");
}

const char *bv_bag_date(const struct bv_ctx *x)
{
	const struct bag_info *bi = x->bag ? &x->bag->bi : NULL;

	return bi != NULL && bi->have[1] && date_ok(bi->v[1]) ? bi->v[1] : NULL;
}

/* What bag-info.txt and the signature's trusted comment say, against the rest. */
void bv_check_bag_facts(struct bv_ctx *x)
{
	const struct bag_info *bi = x->bag ? &x->bag->bi : NULL;
	const char *trusted = x->bag && x->bag->trusted[0] ? x->bag->trusted : NULL;
	const char *origin = x->cp.origin;
	char want[AM_ORIGIN_MAX + 2 * 256 + 64];

	if (!x->have_cp || bi == NULL)
		return;
	if (bi->have[0] && strcmp(bi->v[0], origin) != 0)
		bv_problem(x,
		           "bag-info.txt: Source-Organization %s is not the checkpoint's origin %s",
		           bi->v[0], origin);
	if (bi->have[2] &&
	    (strncmp(origin, "amanat/", 7) != 0 || strcmp(bi->v[2], origin + 7) != 0))
		bv_problem(x, "bag-info.txt: External-Identifier is not the vault id of %s",
		           origin);
	snprintf(want, sizeof(want), "%s@%llu", origin, (unsigned long long)x->cp.size);
	if (bi->have[7] && strcmp(bi->v[7], want) != 0)
		bv_problem(x, "bag-info.txt: Bag-Group-Identifier %s is not %s", bi->v[7], want);
	if (x->r->exporter_name[0] != '\0') {
		snprintf(want, sizeof(want), "%s %s", x->r->exporter_name, x->r->exporter_key_id);
		if (bi->have[8] && strcmp(bi->v[8], want) != 0)
			bv_problem(
			    x,
			    "bag-info.txt: Internal-Sender-Identifier '%s' is not the signer, "
			    "%s",
			    bi->v[8], want);
		snprintf(want, sizeof(want), "amanat bundle %s@%llu %s %s", origin,
		         (unsigned long long)x->cp.size, bi->v[1], x->r->exporter_name);
		if (trusted != NULL && strcmp(trusted, want) != 0)
			bv_problem(x, MINISIG ": its trusted comment is not '%s'", want);
	}
}

/* ---- the signature ------------------------------------------------------ */

static void check_signature(struct bv_ctx *x, const struct manifest *tag, char *trusted,
                            size_t tlen)
{
	size_t publen = 0, siglen = 0;
	unsigned char *pub, *sig, pk[AM_SIGN_PK_LEN];
	char expect[200];

	trusted[0] = '\0';
	pub = bv_load(x, "amanat/signer.pub", 1024, &publen, 1);
	sig = bv_load(x, MINISIG, 4096, &siglen, 1);
	if (pub == NULL || sig == NULL || !tag->present)
		goto done;
	if (am_minisign_verify((const char *)pub, publen, (const char *)sig, siglen, tag->prehash,
	                       pk, trusted, tlen) != 0) {
		bv_problem(x, MINISIG ": the signature over " TAGMANIFEST " does not verify with "
		                      "amanat/signer.pub");
		trusted[0] = '\0';
		goto done;
	}
	am_minisign_pubkey(pk, expect, sizeof(expect));
	if (strlen(expect) != publen || memcmp(expect, pub, publen) != 0)
		bv_problem(x,
		           "amanat/signer.pub: is not the minisign key file amanat writes for its "
		           "key (key id or comment differ)");
	memcpy(x->signer, pk, AM_SIGN_PK_LEN);
	x->have_signer = 1;
done:
	free(pub);
	free(sig);
}

/* ---- the bag ------------------------------------------------------------ */

void bv_check_bag(struct bv_ctx *x)
{
	static const char bagit[] = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
	struct bv_bag *b = calloc(1, sizeof(*b));
	uint64_t bytes = 0;
	size_t files = 0, len = 0;
	unsigned char *buf;

	if (b == NULL) {
		bv_problem(x, "out of memory");
		return;
	}
	x->bag = b;
	b->m256.name = "manifest-sha256.txt";
	b->m256.dlen = AM_HASH_LEN;
	b->m512.name = "manifest-sha512.txt";
	b->m512.dlen = AM_SHA512_LEN;
	b->tag.name = TAGMANIFEST;
	b->tag.dlen = AM_HASH_LEN;
	buf = bv_load(x, "bagit.txt", 256, &len, 1);
	if (buf != NULL && (len != sizeof(bagit) - 1 || memcmp(buf, bagit, len) != 0))
		bv_problem(x, "bagit.txt: is not exactly 'BagIt-Version: 1.0' and "
		              "'Tag-File-Character-Encoding: UTF-8'");
	free(buf);
	parse_manifest(x, &b->m256);
	parse_manifest(x, &b->m512);
	parse_manifest(x, &b->tag);
	check_payload(x, &b->m256, &b->m512, &bytes, &files);
	check_bag_info(x, &b->bi, bytes, files);
	check_signature(x, &b->tag, b->trusted, sizeof(b->trusted));
}

void bv_bag_release(struct bv_ctx *x)
{
	struct manifest *ms[3];

	if (x->bag == NULL)
		return;
	ms[0] = &x->bag->m256;
	ms[1] = &x->bag->m512;
	ms[2] = &x->bag->tag;
	for (int i = 0; i < 3; i++) {
		free(ms[i]->buf);
		free(ms[i]->v);
	}
	free(x->bag);
	x->bag = NULL;
}
