/*
 * test_bigfile.c — big content on two cores (docs/FORMAT.md §28, vault/pipe.c):
 *
 * - the per-chunk content hash (vault/cthash.c) over 0, 1, 2 and many chunks
 *   equals the definition computed here with libsodium's SHA-256 (another
 *   implementation), and differs from the one-stream rule of §12;
 * - the pipeline keeps order, reports the first failing chunk in order, and
 *   gives back an unused slot (am_pipe_unget);
 * - seal and extract of sizes around the chunk size (0, 1, 1 MiB-1, 1 MiB,
 *   1 MiB+1, several MiB; random and compressible; from memory and from a
 *   pipe) round-trip with the right SHA-256 and set flag bit 1;
 * - the flag picks the rule: the stored chunks of a §28 entry checked as if
 *   the header said §12 fail, and pass once its ct_hash is the §12 hash;
 * - a byte flipped in any chunk of a multi-chunk entry is found by a full
 *   verification (naming the entry) and by extraction (naming the chunk).
 *
 * Build it with -fsanitize=thread to check the pipeline for races.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vault/ctpar.h"
#include "vault/pipe.h"
#include "vault/vault_int.h"
#include "check.h"
#include "trusted.h"

static char dir[256];

/* ---- the hash ------------------------------------------------------------ */

/* §28 from its definition, with the portable SHA-256 (libsodium's). */
static void ref_per_chunk(unsigned char out[AM_HASH_LEN], unsigned char *const *ct,
			  const size_t *len, size_t n)
{
	static const char dom[] = "amanat-ct-hash-v1";
	size_t total = sizeof(dom) + AM_HASH_LEN * n;
	unsigned char *msg = malloc(total), *piece;
	size_t at = sizeof(dom);

	memcpy(msg, dom, sizeof(dom));
	for (size_t i = 0; i < n; i++) {
		piece = malloc(4 + len[i]);
		am_put_u32(piece, (uint32_t)len[i]);
		memcpy(piece + 4, ct[i], len[i]);
		am_sha256_portable(msg + at, piece, 4 + len[i]);
		at += AM_HASH_LEN;
		free(piece);
	}
	am_sha256_portable(out, msg, total);
	free(msg);
}

/* §12 from its definition. */
static void ref_stream(unsigned char out[AM_HASH_LEN], unsigned char *const *ct,
		       const size_t *len, size_t n)
{
	size_t total = 0, at = 0;
	unsigned char *msg;

	for (size_t i = 0; i < n; i++)
		total += 4 + len[i];
	msg = malloc(total + 1);
	for (size_t i = 0; i < n; i++) {
		am_put_u32(msg + at, (uint32_t)len[i]);
		memcpy(msg + at + 4, ct[i], len[i]);
		at += 4 + len[i];
	}
	am_sha256_portable(out, msg, total);
	free(msg);
}

static void hash_rules(void)
{
	static const size_t counts[] = { 0, 1, 2, 3, 17, 64 };
	unsigned char *ct[64];
	size_t len[64];

	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		size_t n = counts[c];
		unsigned char want[AM_HASH_LEN], got[AM_HASH_LEN], old[AM_HASH_LEN];
		unsigned char leaf[AM_HASH_LEN];
		struct am_ct_hash h, hl, h12;
		uint64_t bytes = 0;

		for (size_t i = 0; i < n; i++) {
			uint32_t r;
			am_random(&r, sizeof(r));
			len[i] = 17 + (size_t)r % 70000;
			ct[i] = malloc(len[i]);
			am_random(ct[i], len[i]);
			bytes += len[i];
		}
		ref_per_chunk(want, ct, len, n);
		/* chunk by chunk, and from hashes computed elsewhere (as the threads do) */
		am_ct_hash_init(&h, AM_HF_CHUNK_HASHED | AM_HF_BATCHED);
		am_ct_hash_init(&hl, AM_HF_CHUNK_HASHED);
		for (size_t i = 0; i < n; i++) {
			am_ct_hash_add(&h, ct[i], len[i]);
			am_ct_chunk_hash(leaf, ct[i], len[i]);
			am_ct_hash_add_leaf(&hl, leaf, len[i]);
		}
		am_ct_hash_final(&h, got);
		CHECKF(memcmp(got, want, AM_HASH_LEN) == 0, "%zu chunks: §28", n);
		CHECKF(h.bytes == bytes && h.chunks == n, "%zu chunks: counts", n);
		am_ct_hash_final(&hl, got);
		CHECKF(memcmp(got, want, AM_HASH_LEN) == 0, "%zu chunks: §28 from leaves", n);
		/* §12, for headers without the flag */
		ref_stream(old, ct, len, n);
		am_ct_hash_init(&h12, AM_HF_BATCHED);
		for (size_t i = 0; i < n; i++)
			am_ct_hash_add(&h12, ct[i], len[i]);
		am_ct_hash_final(&h12, got);
		CHECKF(memcmp(got, old, AM_HASH_LEN) == 0, "%zu chunks: §12", n);
		CHECKF(memcmp(old, want, AM_HASH_LEN) != 0, "%zu chunks: the rules differ", n);
		for (size_t i = 0; i < n; i++)
			free(ct[i]);
	}
}

/* ---- the pipeline -------------------------------------------------------- */

struct order {
	uint64_t next;  /* drained so far, in order */
	uint64_t fail;  /* work fails for idx >= fail */
	int bad_order;
	unsigned worked[2];
};

static enum am_status t_work(void *ctx, int thread, struct am_pipe_slot *s, struct am_err *e)
{
	struct order *o = ctx;

	o->worked[thread]++; /* each thread its own counter */
	s->leaf[0] = (unsigned char)(s->idx * 7);
	if (s->idx >= o->fail)
		return am_fail(e, AM_EVERIFY, "chunk %llu failed", (unsigned long long)s->idx);
	return AM_OK;
}

static enum am_status t_drain(void *ctx, struct am_pipe_slot *s, struct am_err *e)
{
	struct order *o = ctx;

	(void)e;
	if (s->idx != o->next || s->leaf[0] != (unsigned char)(s->idx * 7) ||
	    s->len != s->idx % 100 || s->buf[0] != (unsigned char)s->idx)
		o->bad_order = 1;
	o->next++;
	return AM_OK;
}

/* Feed n slots; returns the status of am_pipe_finish, *e its message. */
static enum am_status feed(struct order *o, uint64_t n, struct am_err *e)
{
	struct am_pipe p;
	enum am_status s = am_pipe_start(&p, 4096, 64, 0, t_work, t_drain, o, e);

	if (s != AM_OK)
		return s;
	for (uint64_t i = 0; i < n; i++) {
		struct am_pipe_slot *a = am_pipe_get(&p), *b;
		if (a == NULL)
			break;
		a->buf[0] = (unsigned char)i;
		a->len = i % 100;
		a->idx = i;
		/* take one more and give it back, as a seal does at the end of its input */
		b = am_pipe_get(&p);
		if (b == NULL) {
			am_pipe_put(&p);
			break;
		}
		am_pipe_unget(&p);
		am_pipe_put(&p);
	}
	return am_pipe_finish(&p, e);
}

static void pipeline(void)
{
	struct order o;
	struct am_err e;

	memset(&o, 0, sizeof(o));
	o.fail = UINT64_MAX;
	CHECK_ST(feed(&o, 5000, &e), AM_OK);
	CHECK(o.next == 5000 && !o.bad_order);
	CHECKF(o.worked[0] + o.worked[1] == 5000, "work done %u + %u", o.worked[0], o.worked[1]);
	/* every chunk from 1234 on fails: the first in order is the one reported */
	memset(&o, 0, sizeof(o));
	o.fail = 1234;
	am_err_init(&e);
	CHECK_ST(feed(&o, 5000, &e), AM_EVERIFY);
	CHECKF(strcmp(e.msg, "chunk 1234 failed") == 0, "reported: %s", e.msg);
	CHECK(o.next == 1234 && !o.bad_order);
	/* nothing fed */
	memset(&o, 0, sizeof(o));
	o.fail = UINT64_MAX;
	CHECK_ST(feed(&o, 0, &e), AM_OK);
}

/* ---- seal and extract ---------------------------------------------------- */

struct sink {
	am_sha256_ctx c;
	uint64_t n;
};

static enum am_status to_sink(void *ctx, const void *p, size_t n, struct am_err *e)
{
	struct sink *s = ctx;

	(void)e;
	am_sha256_update(&s->c, p, n);
	s->n += n;
	return AM_OK;
}

/* Content of n bytes: random, or text that deflates. */
static unsigned char *content(size_t n, int text)
{
	unsigned char *p = malloc(n + 1);

	if (text)
		for (size_t i = 0; i < n; i++)
			p[i] = (unsigned char)("fictional witness statement, line "[i % 34] +
					       (i % 4096 == 0));
	else
		am_random(p, n);
	return p;
}

struct writer_arg {
	int fd;
	const unsigned char *p;
	size_t n;
};

static void *write_pipe(void *arg)
{
	struct writer_arg *w = arg;
	size_t at = 0;

	/* odd pieces, so that chunks are assembled from several reads */
	while (at < w->n) {
		size_t k = w->n - at < 77777 ? w->n - at : 77777;
		ssize_t r = write(w->fd, w->p + at, k);
		if (r <= 0)
			break;
		at += (size_t)r;
	}
	close(w->fd);
	return NULL;
}

/* Seal n bytes (from memory, or through a pipe) and extract them; returns the seq. */
static uint64_t round_trip(struct am_vault *v, const struct am_identity *sealer,
			   const struct am_identity *reader, size_t n, int text, int piped)
{
	struct am_seal_req req;
	struct am_seal_result res;
	struct am_fields f;
	struct am_entry_pub pub;
	struct am_progress none = { NULL, NULL };
	struct sink sk;
	struct am_err e;
	unsigned char *p = content(n, text), want[AM_HASH_LEN], got[AM_HASH_LEN];
	pthread_t th;
	struct writer_arg wa;
	int fds[2] = { -1, -1 };
	enum am_status s;

	am_fields_init(&f);
	CHECK(am_fields_set(&f, "case", "C-1", 3, NULL) == AM_OK);
	memset(&req, 0, sizeof(req));
	req.type = text ? AM_T_DOCUMENT : AM_T_MEDIA;
	req.fields = &f;
	req.fd = -1;
	req.data = p;
	req.len = n;
	if (piped && pipe(fds) == 0) {
		wa.fd = fds[1];
		wa.p = p;
		wa.n = n;
		req.fd = fds[0];
		pthread_create(&th, NULL, write_pipe, &wa);
	}
	am_err_init(&e);
	s = am_seal(v, trust_of(v), sealer, &req, &res, &e);
	if (fds[0] >= 0) {
		pthread_join(th, NULL);
		close(fds[0]);
	}
	CHECKF(s == AM_OK, "seal of %zu bytes: %s", n, e.msg);
	am_sha256(want, p, n);
	CHECKF(res.size == n && memcmp(res.sha256, want, AM_HASH_LEN) == 0,
	       "seal of %zu bytes (text %d, pipe %d): size or SHA-256", n, text, piped);
	CHECK(am_entry_read(v, res.seq, &pub, NULL) == AM_OK);
	CHECKF((pub.h.flags & AM_HF_CHUNK_HASHED) && pub.h.size == n &&
	       pub.h.chunk_count == (n == 0 ? 1 : (n - 1) / AM_CHUNK_SIZE + 1),
	       "%zu bytes: flags %u, %llu chunks", n, pub.h.flags,
	       (unsigned long long)pub.h.chunk_count);
	am_entry_pub_release(&pub);
	am_sha256_init(&sk.c);
	sk.n = 0;
	s = am_extract_to(v, reader, res.seq, to_sink, &sk, none, &e);
	am_sha256_final(&sk.c, got);
	CHECKF(s == AM_OK && sk.n == n && memcmp(got, want, AM_HASH_LEN) == 0,
	       "extract of %zu bytes (text %d): %s", n, text, s == AM_OK ? "wrong bytes" : e.msg);
	am_fields_release(&f);
	free(p);
	return res.seq;
}

static enum am_status count_chunk(void *ctx, uint64_t idx, const unsigned char *p, size_t n,
				  struct am_err *e)
{
	(void)idx;
	(void)p;
	(void)n;
	(void)e;
	++*(uint64_t *)ctx;
	return AM_OK;
}

/* The header's flag picks the rule (§12 or §28), through the shared checks. */
static void rule_by_flag(struct am_vault *v, uint64_t seq)
{
	struct am_entry_pub pub;
	struct am_header h;
	struct am_ct_hash old;
	sqlite3_stmt *st = NULL;
	struct am_err e;
	uint64_t n = 0;

	CHECK(am_entry_read(v, seq, &pub, NULL) == AM_OK);
	h = pub.h;
	CHECK(am_entry_stored_chunks(v, &h, count_chunk, &n, &e) == AM_OK && n == h.chunk_count);
	/* the same chunks and hash, the header saying §12: refused */
	h.flags &= (uint8_t)~AM_HF_CHUNK_HASHED;
	CHECK_ST(am_entry_stored_chunks(v, &h, count_chunk, &n, &e), AM_EVERIFY);
	/* §12 with the §12 hash of the same chunks: accepted */
	am_ct_hash_init(&old, 0);
	CHECK(sqlite3_prepare_v2(v->db, "SELECT data FROM chunks WHERE seq = ? ORDER BY idx", -1,
				 &st, NULL) == SQLITE_OK);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	while (sqlite3_step(st) == SQLITE_ROW)
		am_ct_hash_add(&old, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_finalize(st);
	am_ct_hash_final(&old, h.ct_hash);
	CHECK(am_entry_stored_chunks(v, &h, count_chunk, &n, &e) == AM_OK);
	/* and that §12 hash under a header saying §28: refused */
	h.flags |= AM_HF_CHUNK_HASHED;
	CHECK_ST(am_entry_stored_chunks(v, &h, count_chunk, &n, &e), AM_EVERIFY);
	am_entry_pub_release(&pub);
}

/* Copy the vault at path to copy, with byte n/2 of chunk idx of entry seq flipped. */
static void copy_flipped(const char *path, const char *copy, uint64_t seq, uint64_t idx)
{
	size_t len = 0;
	unsigned char *bytes = check_get_file(path, &len), *d = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int n = 0;

	CHECK(bytes != NULL && check_put_file(copy, bytes, len) == 0);
	free(bytes);
	CHECK(sqlite3_open(copy, &db) == SQLITE_OK);
	/* the append-only trigger stands in the way of tampering */
	CHECK(sqlite3_exec(db, "DROP TRIGGER chunks_no_update", NULL, NULL, NULL) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(db, "SELECT data FROM chunks WHERE seq = ?1 AND idx = ?2", -1, &st,
				 NULL) == SQLITE_OK);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
	if (sqlite3_step(st) == SQLITE_ROW && (n = sqlite3_column_bytes(st, 0)) > 0) {
		d = malloc((size_t)n);
		memcpy(d, sqlite3_column_blob(st, 0), (size_t)n);
		d[n / 2] ^= 0x01;
	}
	sqlite3_finalize(st);
	CHECK(d != NULL);
	CHECK(sqlite3_prepare_v2(db, "UPDATE chunks SET data = ?3 WHERE seq = ?1 AND idx = ?2", -1,
				 &st, NULL) == SQLITE_OK);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
	sqlite3_bind_blob(st, 3, d, n, SQLITE_TRANSIENT);
	CHECK(sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) == 1);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(d);
}

/* A byte flipped in chunk idx of entry seq (on a copy): verify and extract find it. */
static void flipped(const char *path, const struct am_identity *reader, uint64_t seq,
		    uint64_t idx)
{
	char copy[512];
	struct am_vault *v = NULL;
	struct am_verify_report r;
	struct am_progress none = { NULL, NULL };
	struct sink sk;
	struct am_err e;
	char want[128];
	enum am_status s;

	snprintf(copy, sizeof(copy), "%s.flip", path);
	copy_flipped(path, copy, seq, idx);
	CHECK(am_vault_open(copy, 0, &v, NULL) == AM_OK);
	if (v == NULL)
		return;
	CHECK(am_verify(v, AM_VERIFY_FULL, none, &r, NULL) == AM_OK);
	CHECKF(!r.ok && r.bad_seq == seq &&
	       strstr(r.reason, "content ciphertext does not match its signed hash") != NULL,
	       "chunk %llu flipped: verify says entry %llu: %s", (unsigned long long)idx,
	       (unsigned long long)r.bad_seq, r.reason);
	/* extraction: the log verifies in the quick tier (no chunk read), the chunk fails */
	CHECK(trust_of(v) != NULL);
	am_sha256_init(&sk.c);
	sk.n = 0;
	am_err_init(&e);
	s = am_extract_to(v, reader, seq, to_sink, &sk, none, &e);
	snprintf(want, sizeof(want), "chunk %llu does not decrypt", (unsigned long long)idx);
	CHECKF(s == AM_EVERIFY && strstr(e.msg, want) != NULL, "extract with chunk %llu flipped: %s",
	       (unsigned long long)idx, e.msg);
	close_vault(v);
	unlink(copy);
}

/*
 * A full verify of some 30 MiB of chunks leaves SQLite's page cache small:
 * each long chunk's pages are let go once read (store.c, SHED_BYTES), where
 * they used to fill the 32 MiB cache and the process's memory with pages
 * never read again.
 */
static void shed(const char *path)
{
	struct am_vault *v = NULL;
	struct am_verify_report r;
	struct am_progress none = { NULL, NULL };
	int used = 0, high = 0;

	CHECK(am_vault_open(path, 0, &v, NULL) == AM_OK);
	if (v == NULL)
		return;
	CHECK(am_verify(v, AM_VERIFY_FULL, none, &r, NULL) == AM_OK && r.ok);
	CHECK(sqlite3_db_status(v->db, SQLITE_DBSTATUS_CACHE_USED, &used, &high, 0) == SQLITE_OK);
	CHECKF(used < 8 << 20, "the page cache holds %d bytes after verifying", used);
	am_vault_close(v);
}

int main(void)
{
	static const size_t sizes[] = { 0, 1, AM_CHUNK_SIZE - 1, AM_CHUNK_SIZE, AM_CHUNK_SIZE + 1,
					2 * AM_CHUNK_SIZE, 5 * AM_CHUNK_SIZE + 3 };
	struct am_identity admin, cust;
	struct am_vault *v = NULL;
	struct am_verify_report r;
	struct am_progress none = { NULL, NULL };
	char path[512];
	uint64_t big = 0;

	if (am_crypto_init() != 0)
		return 1;
	hash_rules();
	pipeline();

	v = scratch_vault("bigfile", dir, sizeof(dir), path, sizeof(path), &admin, &cust);
	CHECK(v != NULL);
	if (v == NULL)
		return check_done();
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t seq = round_trip(v, &admin, &cust, sizes[i], 0, 0);
		if (sizes[i] > 4 * AM_CHUNK_SIZE)
			big = seq;
		round_trip(v, &admin, &cust, sizes[i], 1, 0);
		round_trip(v, &admin, &cust, sizes[i], 0, 1);
	}
	/* compressible and several chunks: both threads deflate */
	round_trip(v, &admin, &cust, 3 * AM_CHUNK_SIZE + 12345, 1, 1);
	CHECK(am_verify(v, AM_VERIFY_FULL, none, &r, NULL) == AM_OK && r.ok);
	rule_by_flag(v, big);
	close_vault(v);
	shed(path);
	for (uint64_t idx = 0; idx < 6; idx++)
		flipped(path, &cust, big, idx);
	check_rmtree(dir);
	return check_done();
}
