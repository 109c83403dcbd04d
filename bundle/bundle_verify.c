/*
 * bundle_verify.c — amanat verify-bundle (docs/BUNDLE.md, "Verification"):
 * the order of the checks, and the checks on the log: the checkpoint and its
 * signer, every inclusion proof, and the enrollment of every signer, replayed
 * with the vault's own rules (authority.c).  The BagIt
 * layer and the signature are bundle_bagit.c's, bundle.json bundle_json.c's,
 * the items bundle_items.c's, index.html bundle_index.c's, reading files
 * bundle_reader.c's, and the report and context they share bv_report.c's
 * and bv_ctx.c's.
 */
#include "bundle_verify_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../vault/merkle.h"
#include "../vault/proof.h"

#define ENTRIES_DIR "amanat/entries/"
#define KEYS_DIR "amanat/keys/"

/* ---- proofs ------------------------------------------------------------- */

/* "<decimal seq>.tlog-proof" without leading zeroes. */
static int proof_name(const char *name, uint64_t *seq)
{
	const char *p = name + strlen(ENTRIES_DIR), *dot = strchr(p, '.');
	uint64_t v = 0;

	if (dot == NULL || strcmp(dot, ".tlog-proof") != 0 || dot == p || dot - p > 19 ||
	    (dot - p > 1 && p[0] == '0'))
		return -1;
	for (; p < dot; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*seq = v;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	uint64_t s = ((const struct bv_entry *)a)->seq, t = ((const struct bv_entry *)b)->seq;
	return (s > t) - (s < t);
}

/*
 * One .tlog-proof: kept as a carried entry only when everything about it
 * holds.  *other is set, and nothing reported, when it embeds another
 * checkpoint than amanat/checkpoint.txt (the caller says how many do).
 */
static void check_proof(struct bv_ctx *x, struct bv_file *f, int *other)
{
	struct am_inclusion_text p;
	struct am_header h;
	struct am_err pe;
	struct bv_entry *g;
	unsigned char hash[AM_HASH_LEN], leaf[AM_MT_HASH], *buf;
	char origin[AM_ORIGIN_MAX];
	uint64_t seq = 0;
	size_t len;

	if (proof_name(f->name, &seq) != 0) {
		bv_problem(x, "%s: is not named <entry number>.tlog-proof", f->name);
		return;
	}
	buf = bv_load(x, f->name, BV_MAX_PROOF, &len, 1);
	if (buf == NULL)
		return;
	am_err_init(&pe);
	if (am_inclusion_parse((const char *)buf, len, &p, &pe) != AM_OK) {
		bv_problem(x, "%s: %s", f->name, pe.msg);
		free(buf);
		return;
	}
	free(buf);
	if (p.cp.len != x->cp.len || memcmp(p.cp.text, x->cp.text, p.cp.len) != 0) {
		*other = 1;
		goto done;
	}
	if (p.extra == NULL) {
		bv_problem(x, "%s: carries no entry (no extra line)", f->name);
		goto done;
	}
	if (am_entry_from_bytes(p.extra, p.extra_len, &h, hash, &pe) != AM_OK) {
		bv_problem(x, "%s: %s", f->name, pe.msg);
		goto done;
	}
	am_origin(origin, h.vault_id);
	if (h.seq != p.index || h.seq != seq) {
		bv_problem(x, "%s: carries entry %llu with index %llu", f->name,
		           (unsigned long long)h.seq, (unsigned long long)p.index);
		goto done;
	}
	if (strcmp(origin, x->cp.origin) != 0) {
		bv_problem(x, "%s: the entry belongs to %s, not to %s", f->name, origin,
		           x->cp.origin);
		goto done;
	}
	am_mt_leaf_hash(leaf, hash, AM_HASH_LEN);
	if (am_mt_verify_inclusion(p.index, x->cp.size, leaf, AM_MT_CONST(p.proof), p.count,
	                           x->cp.root) != 0) {
		bv_problem(x,
		           "%s: its inclusion proof does not verify against the checkpoint's root",
		           f->name);
		goto done;
	}
	g = realloc(x->ents, (x->nents + 1) * sizeof(*g));
	if (g == NULL) {
		bv_problem(x, "%s: out of memory", f->name);
		goto done;
	}
	x->ents = g;
	g = &x->ents[x->nents];
	memset(g, 0, sizeof(*g));
	g->seq = seq;
	g->buf = p.extra;
	g->len = p.extra_len;
	p.extra = NULL;
	/* the header points into the buffer it was parsed from: parse the kept copy */
	if (am_entry_from_bytes(g->buf, g->len, &g->h, g->hash, &pe) != AM_OK) {
		free(g->buf);
		goto done;
	}
	x->nents++;
done:
	am_inclusion_release(&p);
}

static void check_proofs(struct bv_ctx *x)
{
	const char **other;
	size_t nproofs = 0, nother = 0;

	if (!x->have_cp)
		return; /* reported: nothing to prove against */
	other = calloc(bv_reader_count(x->rd) + 1, sizeof(*other));
	if (other == NULL) {
		bv_problem(x, ENTRIES_DIR ": out of memory");
		return;
	}
	for (size_t i = 0; i < bv_reader_count(x->rd); i++) {
		struct bv_file *f = bv_reader_at(x->rd, i);
		int o = 0;
		if (strncmp(f->name, ENTRIES_DIR, strlen(ENTRIES_DIR)) != 0)
			continue;
		nproofs++;
		check_proof(x, f, &o);
		if (o)
			other[nother++] = f->name;
	}
	if (nother > 1 && nother == nproofs)
		bv_problem(x,
		           "amanat/checkpoint.txt: is not the checkpoint that the %zu proofs "
		           "in " ENTRIES_DIR " embed",
		           nproofs);
	else
		for (size_t i = 0; i < nother; i++)
			bv_problem(x, "%s: its checkpoint is not amanat/checkpoint.txt", other[i]);
	free(other);
	if (x->nents > 0)
		qsort(x->ents, x->nents, sizeof(*x->ents), cmp_entry);
	x->r->nentries = x->nents;
}

/* ---- enrollment --------------------------------------------------------- */

/*
 * Replay every carried entry in seq order with the vault's rules: the
 * authority entries change the membership, and every entry is checked
 * against the membership its authority link names.
 */
static void replay(struct bv_ctx *x)
{
	char why[256];

	am_auth_init(&x->auth);
	if (bv_entry_find(x, 0) == NULL) {
		if (x->have_cp)
			bv_problem(x, ENTRIES_DIR
			           "0.tlog-proof: the genesis entry is not carried with "
			           "a valid proof, so no signer's enrollment can be checked");
		return;
	}
	/*
	 * The last entry of the proved tree ends the chain of authority links:
	 * with it carried, leaving out any enrollment or revocation up to the
	 * checkpoint breaks a link that the replay below checks.
	 */
	if (x->have_cp && x->cp.size > 0 && bv_entry_find(x, x->cp.size - 1) == NULL)
		bv_problem(x, ENTRIES_DIR "%llu.tlog-proof: entry %llu, the last of the tree the "
		           "checkpoint commits to, is not carried, so the bundle cannot show that no "
		           "enrollment or revocation was left out",
		           (unsigned long long)x->cp.size - 1, (unsigned long long)x->cp.size - 1);
	for (size_t i = 0; i < x->nents; i++) {
		struct bv_entry *en = &x->ents[i];
		const struct am_header *h = &en->h;

		if (i > 0 && x->ents[i - 1].seq + 1 == en->seq &&
		    memcmp(h->prev, x->ents[i - 1].hash, AM_HASH_LEN) != 0) {
			bv_problem(x, "entry %llu: does not link to entry %llu (prev hash)",
			           (unsigned long long)en->seq, (unsigned long long)en->seq - 1);
			en->bad = 1;
		}
		if (h->seq > 0) {
			struct bv_entry *a = bv_entry_find(x, h->auth_seq);
			if (a == NULL) {
				bv_problem(
				    x,
				    "entry %llu: its authority link names entry %llu, which the "
				    "bundle does not carry with a valid proof",
				    (unsigned long long)h->seq, (unsigned long long)h->auth_seq);
				en->bad = 1;
				continue;
			}
		}
		if (am_auth_apply(&x->auth, h, why, sizeof(why)) != 0) {
			bv_problem(x, "entry %llu (%s): %s", (unsigned long long)h->seq,
			           am_type_name(h->type), why);
			en->bad = 1;
		} else if (h->type == AM_T_IMPORT &&
		           am_import_check_alone(&x->auth, h, why, sizeof(why), NULL, NULL) != 0) {
			/* the field entry's own signature, proof and sealer (docs/FORMAT.md §25) */
			bv_problem(x, "entry %llu (import): %s", (unsigned long long)h->seq, why);
			en->bad = 1;
		}
	}
	x->have_auth = 1;
}

/* Record who signed the checkpoint: the first of keys with a valid signature. */
static void name_signer(struct bv_ctx *x, const struct am_vkey *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct am_member *m;
		if (am_note_count_valid(&x->cp, &keys[i], 1, NULL) != 1)
			continue;
		am_key_id_hex(x->r->ckpt_signer_key_id, keys[i].pk);
		m = x->have_auth ? am_members_find(&x->auth.ms, keys[i].pk) : NULL;
		if (m != NULL)
			snprintf(x->r->ckpt_signer_name, sizeof(x->r->ckpt_signer_name), "%s",
			         m->name);
		return;
	}
}

/* The checkpoint's signature: by --vault-key, or by an identity enrolled at its size. */
static void check_checkpoint_sig(struct bv_ctx *x)
{
	const struct am_bundle_verify_opts *o = x->o;
	const struct am_members *ms = &x->auth.ms;
	struct am_vkey *keys;
	size_t n = 0, cap = o->nvault_keys > ms->n ? o->nvault_keys : ms->n;
	int valid;

	if (!x->have_cp)
		return;
	if (o->origin != NULL && strcmp(o->origin, x->cp.origin) != 0) {
		bv_problem(x, "amanat/checkpoint.txt: is a checkpoint of %s, not of %s, the vault "
		              "given", x->cp.origin, o->origin);
		return;
	}
	keys = calloc(cap ? cap : 1, sizeof(*keys));
	if (keys == NULL) {
		bv_problem(x, "amanat/checkpoint.txt: out of memory");
		return;
	}
	if (o->nvault_keys > 0) {
		for (size_t i = 0; i < o->nvault_keys; i++) {
			const struct am_vkey *k = &o->vault_keys[i];
			/* a verifier key names its vault: one of another vault proves nothing */
			if (k->name[0] == '\0')
				am_vkey_make(&keys[n++], x->cp.origin, k->type, k->pk);
			else if (strcmp(k->name, x->cp.origin) == 0)
				keys[n++] = *k;
		}
		valid = n == 0 ? 0 : am_note_count_valid(&x->cp, keys, n, NULL);
		if (valid > 0)
			name_signer(x, keys, n);
		if (valid < 0)
			bv_problem(
			    x, "amanat/checkpoint.txt: a signature by a --vault-key key does not "
			       "verify");
		else if (valid == 0)
			bv_problem(x,
			           "amanat/checkpoint.txt: has no signature by a --vault-key key "
			           "(under %s)",
			           x->cp.origin);
		else
			x->r->by_vault_key = 1;
	} else if (!x->have_auth) {
		bv_problem(x, "amanat/checkpoint.txt: its signer cannot be checked without the "
		              "vault's enrollments (or --vault-key)");
	} else {
		for (size_t i = 0; i < ms->n; i++)
			if (ms->m[i].roles != 0)
				am_vkey_make(&keys[n++], x->cp.origin, AM_NOTE_ED25519,
				             ms->m[i].sign_pk);
		valid = am_note_count_valid(&x->cp, keys, n, NULL);
		if (valid > 0)
			name_signer(x, keys, n);
		if (valid == 0) {
			for (size_t i = n = 0; i < ms->n; i++)
				am_vkey_make(&keys[n++], x->cp.origin, AM_NOTE_ED25519,
				             ms->m[i].sign_pk);
			if (am_note_count_valid(&x->cp, keys, n, NULL) > 0)
				bv_problem(
				    x,
				    "amanat/checkpoint.txt: is signed only by an identity revoked "
				    "by tree size %llu",
				    (unsigned long long)x->cp.size);
			else
				bv_problem(x, "amanat/checkpoint.txt: has no valid signature by an "
				              "identity enrolled in the vault");
		} else if (valid < 0) {
			bv_problem(
			    x, "amanat/checkpoint.txt: a signature by an enrolled identity does "
			       "not verify");
		}
	}
	free(keys);
	if (o->checkpoint != NULL) {
		const struct am_checkpoint *c = o->checkpoint;
		if (strcmp(c->origin, x->cp.origin) != 0)
			bv_problem(x,
			           "amanat/checkpoint.txt: is of %s; the checkpoint given is of %s",
			           x->cp.origin, c->origin);
		else if (c->size != x->cp.size)
			bv_problem(
			    x,
			    "amanat/checkpoint.txt: is of tree size %llu, the checkpoint given "
			    "of size %llu; a consistency proof between them is needed",
			    (unsigned long long)x->cp.size, (unsigned long long)c->size);
		else if (!am_equal(c->root, x->cp.root, AM_HASH_LEN))
			bv_problem(
			    x, "amanat/checkpoint.txt: its root differs from the checkpoint given "
			       "at the same size: the log was forked");
		else
			x->r->pinned = 1;
	}
}

/* The exporter: a custodian at the checkpoint.  The keys: exactly the members'. */
static void check_exporter_and_keys(struct bv_ctx *x)
{
	const struct am_members *ms = &x->auth.ms;
	char kid[2 * AM_KEYID_LEN + 1], path[256], line[256];
	unsigned char *seen;

	if (!x->have_auth)
		return;
	if (x->have_signer) {
		const struct am_member *m = am_members_find(ms, x->signer);
		am_key_id_hex(kid, x->signer);
		snprintf(x->r->exporter_key_id, sizeof(x->r->exporter_key_id), "%s", kid);
		if (m == NULL)
			bv_problem(
			    x,
			    "amanat/signer.pub: the bundle is signed by key %s, which is not "
			    "an identity enrolled in the vault",
			    kid);
		else if (!(m->roles & AM_ROLE_CUSTODIAN))
			bv_problem(
			    x,
			    "amanat/signer.pub: the bundle is signed by %s (%s), who is not a "
			    "custodian at tree size %llu",
			    m->name, kid, (unsigned long long)x->cp.size);
		if (m != NULL)
			snprintf(x->r->exporter_name, sizeof(x->r->exporter_name), "%s", m->name);
	}
	seen = calloc(ms->n ? ms->n : 1, 1);
	if (seen == NULL)
		return;
	for (size_t i = 0; i < bv_reader_count(x->rd); i++) {
		struct bv_file *f = bv_reader_at(x->rd, i);
		size_t len = 0, k;
		unsigned char *buf;

		if (strncmp(f->name, KEYS_DIR, strlen(KEYS_DIR)) != 0)
			continue;
		for (k = 0; k < ms->n; k++) {
			am_key_id_hex(kid, ms->m[k].sign_pk);
			snprintf(path, sizeof(path), KEYS_DIR "%s-%s.pub", ms->m[k].name, kid);
			if (strcmp(path, f->name) == 0)
				break;
		}
		buf = bv_load(x, f->name, 1024, &len, 1);
		if (buf == NULL)
			continue;
		if (k < ms->n) {
			struct am_identity id;
			am_identity_init(&id);
			snprintf(id.name, sizeof(id.name), "%s", ms->m[k].name);
			memcpy(id.sign_pk, ms->m[k].sign_pk, AM_SIGN_PK_LEN);
			memcpy(id.box_pk, ms->m[k].box_pk, AM_BOX_PK_LEN);
			if (am_pub_format(&id, line, sizeof(line)) != AM_OK ||
			    strlen(line) != len || memcmp(line, buf, len) != 0)
				k = ms->n;
			else
				seen[k] = 1;
		}
		if (k == ms->n)
			bv_problem(x,
			           "%s: is not the public key of an identity enrolled in the vault",
			           f->name);
		free(buf);
	}
	for (size_t k = 0; k < ms->n; k++)
		if (!seen[k]) {
			am_key_id_hex(kid, ms->m[k].sign_pk);
			bv_problem(
			    x, KEYS_DIR ": the public key of enrolled identity %s (%s) is missing",
			    ms->m[k].name, kid);
		}
	free(seen);
}

/* ---- the whole bundle --------------------------------------------------- */

static void check_bundle(struct bv_ctx *x)
{
	struct am_err ce;
	size_t len = 0;
	unsigned char *buf;

	bv_check_bag(x);
	buf = bv_load(x, "amanat/checkpoint.txt", AM_NOTE_MAX, &len, 1);
	am_err_init(&ce);
	if (buf != NULL && am_checkpoint_parse((const char *)buf, len, &x->cp, &ce) != AM_OK)
		bv_problem(x, "amanat/checkpoint.txt: %s", ce.msg);
	else if (buf != NULL)
		x->have_cp = 1;
	free(buf);
	if (x->have_cp) {
		snprintf(x->r->origin, sizeof(x->r->origin), "%s", x->cp.origin);
		x->r->tree_size = x->cp.size;
		memcpy(x->r->root, x->cp.root, AM_HASH_LEN);
	}
	check_proofs(x);
	replay(x);
	check_checkpoint_sig(x);
	check_exporter_and_keys(x);
	bv_check_bag_facts(x);
	bv_check_bundle_json(x);
	bv_check_items(x);
	bv_check_index(x);
	bv_check_tag_manifest(x);
}

enum am_status am_bundle_verify(const char *path, const struct am_bundle_verify_opts *o,
                                struct am_bundle_report *r, struct am_err *e)
{
	struct am_bundle_verify_opts none = {NULL, 0, NULL, NULL};
	struct bv_ctx x;
	sqlite3_int64 heap;
	enum am_status s;

	memset(r, 0, sizeof(*r));
	memset(&x, 0, sizeof(x));
	x.o = o != NULL ? o : &none;
	x.r = r;
	x.e = e;
	s = bv_reader_open(path, r, &x.rd, e);
	if (s != AM_OK)
		return s;
	r->is_zip = bv_reader_is_zip(x.rd);
	if (bv_reader_find(x.rd, "bagit.txt") == NULL) {
		/* a bagit.txt left out as unsafe still makes it a (broken) bundle */
		s = bv_reader_saw_bagit(x.rd) ? AM_EVERIFY : AM_EINPUT;
		bv_reader_close(x.rd);
		if (s == AM_EINPUT) {
			/* not a bundle at all: what the walk found there is noise */
			for (size_t i = 0; i < r->nproblems; i++)
				free(r->problems[i]);
			r->nproblems = 0;
			r->more_problems = 0;
		}
		if (s == AM_EVERIFY)
			bv_report_add(
			    r, "bagit.txt: there is no one bagit.txt that can be read safely; "
			       "not checking further");
		return s == AM_EVERIFY ? am_fail(e, s, "%s: no bagit.txt can be read safely", path)
		                       : am_fail(e, s,
		                                 "%s is not an evidence bundle: it has no "
		                                 "bagit.txt",
		                                 path);
	}
	if (sqlite3_open_v2(":memory:", &x.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(x.db);
		bv_reader_close(x.rd);
		return am_fail(e, AM_ENOMEM, "cannot open an in-memory database for JSON");
	}
	/*
	 * SQLite's JSON parser takes memory in proportion to the number of
	 * values: bound it, so that a hostile item record fails instead of
	 * exhausting memory.  The limit is process-wide; the caller's is restored.
	 */
	heap = sqlite3_hard_heap_limit64(-1);
	if (heap <= 0 || heap > BV_SQLITE_HEAP)
		sqlite3_hard_heap_limit64(BV_SQLITE_HEAP);
	check_bundle(&x);
	bv_items_release(&x);
	bv_json_release(&x);
	sqlite3_close(x.db);
	sqlite3_hard_heap_limit64(heap > 0 ? heap : 0);
	bv_bag_release(&x);
	for (size_t i = 0; i < x.nents; i++)
		free(x.ents[i].buf);
	free(x.ents);
	am_auth_release(&x.auth);
	am_checkpoint_release(&x.cp);
	bv_reader_close(x.rd);
	if (x.io != AM_OK)
		return am_fail(e, x.io, "%s", x.io_msg);
	if (r->nproblems > 0 || r->more_problems > 0)
		return am_fail(e, AM_EVERIFY, "%s: %zu problem%s found", path,
		               r->nproblems + r->more_problems,
		               r->nproblems + r->more_problems == 1 ? "" : "s");
	return AM_OK;
}
