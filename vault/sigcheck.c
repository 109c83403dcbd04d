/*
 * sigcheck.c — signatures checked ahead of the verification walk, on both
 * cores (sigcheck.h says what and why).
 *
 * A ring of DEPTH jobs, filled in walk order by the walking thread from two
 * read-ahead cursors: entries by seq, and checkpoints by id, each queued
 * after the entry that brings the log to its size (where the walk checks
 * it).  The second thread takes the oldest job nobody has taken.  The
 * walking thread takes the result at the head of the ring when it reaches
 * that check; while that result is not ready it takes the oldest untaken
 * job itself, so that both cores stay busy whatever the balance between
 * reading and checking.  Jobs the walk never asks for (a checkpoint note it
 * had already verified at that size) are dropped when it goes past them.
 *
 * The ring is deep (DEPTH) so that on a busy machine, when one thread is
 * descheduled for a few milliseconds, the other still has work; the bytes
 * queued are bounded (BUDGET), as is what a slot keeps after use (KEEP), so
 * memory stays flat in the size of the log whatever its headers and notes.
 */
#include "sigcheck.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEPTH 1024
#define BUDGET ((size_t)4 << 20)
#define KEEP 4096
/* fewer entries than this are checked in place: a thread costs about one signature */
#define MIN_ENTRIES 64
#define DOM_LEN sizeof(AM_DOM_SIG) /* with its NUL, as signed (FORMAT §9) */
/* a longer header is invalid (§6): not queued, the walk refuses it */
#define MAX_HEADER ((size_t)AM_MAX_PAYLOAD + 4096)
/* a result no job could give (am_note_count_valid returns -1 or a count) */
#define R_UNKNOWN (-2)

enum { J_FREE, J_READY, J_BUSY, J_DONE };
enum { K_ENTRY, K_NOTE };

struct job {
	int kind, state, result;
	long long key;                        /* entry seq, or checkpoint id */
	unsigned char sig[AM_SIG_LEN];        /* an entry's signature */
	unsigned char signer[AM_SIGN_PK_LEN]; /* a checkpoint's signer column */
	unsigned char *buf;                   /* DOM_SIG || header, or the note */
	size_t len, cap;
};

struct am_sigcheck {
	pthread_mutex_t mu;
	pthread_cond_t work, done; /* the thread waits for work, the walk for a result */
	pthread_t thread;
	int stop, idle, waiting, mode;
	struct job ring[DEPTH];
	/*
	 * Under mu; head, count and bytes are moved by the walking thread only,
	 * which reads them freely.  The untaken jobs are always the last ones.
	 */
	size_t head, count, untaken, bytes;
	/* the read-ahead, on the walking thread only */
	sqlite3_stmt *ents, *cks;
	int ents_end, cks_row; /* cks_row: cks holds a row not queued yet */
	uint64_t next_seq;     /* one past the last entry queued */
};

/* Check one job: reads only the job, so either thread may run it. */
static int run(const struct job *j)
{
	struct am_header h;
	struct am_checkpoint c;
	struct am_vkey k;
	struct am_err ignore;
	char why[256];
	int valid;

	if (j->kind == K_ENTRY) {
		if (am_header_parse(j->buf + DOM_LEN, j->len - DOM_LEN, &h, why, sizeof(why)) != 0)
			return R_UNKNOWN;
		return am_sign_verify(j->sig, j->buf, j->len, h.signer) == 0 ? 0 : -1;
	}
	am_err_init(&ignore);
	if (am_checkpoint_parse((const char *)j->buf, j->len, &c, &ignore) != AM_OK)
		return R_UNKNOWN;
	/* the walk asks only once c.origin is the vault's: the same key it makes */
	am_vkey_make(&k, c.origin, AM_NOTE_ED25519, j->signer);
	valid = am_note_count_valid(&c, &k, 1, NULL);
	am_checkpoint_release(&c);
	return valid;
}

/* The oldest job nobody has taken, now the caller's (mu held); NULL if none. */
static struct job *take(struct am_sigcheck *sc)
{
	struct job *j;

	if (sc->untaken == 0)
		return NULL;
	/* jobs are queued at the tail and taken oldest first: the untaken ones end the queue */
	j = &sc->ring[(sc->head + sc->count - sc->untaken) % DEPTH];
	j->state = J_BUSY;
	sc->untaken--;
	return j;
}

/* Run a job taken with mu held, and record its result (mu held again on return). */
static void run_taken(struct am_sigcheck *sc, struct job *j)
{
	int r;

	pthread_mutex_unlock(&sc->mu);
	r = run(j);
	pthread_mutex_lock(&sc->mu);
	j->result = r;
	j->state = J_DONE;
	if (sc->waiting)
		pthread_cond_signal(&sc->done);
}

static void *worker(void *arg)
{
	struct am_sigcheck *sc = arg;

	pthread_mutex_lock(&sc->mu);
	while (!sc->stop) {
		struct job *j = take(sc);
		if (j == NULL) {
			sc->idle = 1;
			pthread_cond_wait(&sc->work, &sc->mu);
			sc->idle = 0;
			continue;
		}
		run_taken(sc, j);
	}
	pthread_mutex_unlock(&sc->mu);
	return NULL;
}

/* j->buf = a || b and a NUL (a note is parsed as a string); -1 when out of memory. */
static int fill(struct job *j, const void *a, size_t an, const void *b, size_t bn)
{
	size_t need = an + bn + 1;

	if (need > j->cap) {
		unsigned char *p = realloc(j->buf, need);
		if (p == NULL)
			return -1;
		j->buf = p;
		j->cap = need;
	}
	if (an > 0)
		memcpy(j->buf, a, an);
	if (bn > 0)
		memcpy(j->buf + an, b, bn);
	j->buf[an + bn] = 0;
	j->len = an + bn;
	return 0;
}

/* Hand the job filled at the tail to whichever thread takes it first. */
static void publish(struct am_sigcheck *sc)
{
	struct job *j = &sc->ring[(sc->head + sc->count) % DEPTH];

	pthread_mutex_lock(&sc->mu);
	j->state = J_READY;
	sc->bytes += j->len;
	sc->count++;
	sc->untaken++;
	if (sc->idle)
		pthread_cond_signal(&sc->work);
	pthread_mutex_unlock(&sc->mu);
}

/* Queue the checkpoint row under cks, if it is one the walk could verify; step on. */
static void queue_note(struct am_sigcheck *sc, struct job *j)
{
	const unsigned char *signer = sqlite3_column_blob(sc->cks, 2);
	int signer_len = sqlite3_column_bytes(sc->cks, 2);
	const char *note = (const char *)sqlite3_column_text(sc->cks, 3);
	size_t nlen = (size_t)sqlite3_column_bytes(sc->cks, 3);

	if (signer != NULL && signer_len == AM_SIGN_PK_LEN && note != NULL && nlen <= AM_NOTE_MAX &&
	    fill(j, note, nlen, NULL, 0) == 0) {
		j->kind = K_NOTE;
		j->key = sqlite3_column_int64(sc->cks, 0);
		memcpy(j->signer, signer, AM_SIGN_PK_LEN);
		publish(sc);
	}
	sc->cks_row = sqlite3_step(sc->cks) == SQLITE_ROW;
}

/* Queue the next entry row, if it has a header and signature the walk could check. */
static void queue_entry(struct am_sigcheck *sc, struct job *j)
{
	const unsigned char *hdr, *sig;
	size_t hn;

	if (sqlite3_step(sc->ents) != SQLITE_ROW) {
		sc->ents_end = 1; /* the end, or an error the walk will meet at its own row */
		return;
	}
	hdr = sqlite3_column_blob(sc->ents, 1);
	hn = (size_t)sqlite3_column_bytes(sc->ents, 1);
	sig = sqlite3_column_blob(sc->ents, 2);
	j->key = sqlite3_column_int64(sc->ents, 0);
	sc->next_seq = (uint64_t)j->key + 1;
	if (hdr != NULL && hn <= MAX_HEADER && sig != NULL &&
	    sqlite3_column_bytes(sc->ents, 2) == AM_SIG_LEN &&
	    fill(j, AM_DOM_SIG, DOM_LEN, hdr, hn) == 0) {
		j->kind = K_ENTRY;
		memcpy(j->sig, sig, AM_SIG_LEN);
		publish(sc);
	}
}

/* Keep the ring full, in the order the walk checks: entry n-1, then checkpoints of size n. */
static void pump(struct am_sigcheck *sc)
{
	while (sc->count < DEPTH && sc->bytes < BUDGET) {
		struct job *j = &sc->ring[(sc->head + sc->count) % DEPTH];

		if (sc->cks_row && (uint64_t)sqlite3_column_int64(sc->cks, 1) <= sc->next_seq)
			queue_note(sc, j);
		else if (!sc->ents_end)
			queue_entry(sc, j);
		else
			break; /* checkpoints beyond the log are never verified: the walk fails */
	}
}

/* Free the head job (mu held), once no thread is checking it. */
static void drop_head(struct am_sigcheck *sc)
{
	struct job *j = &sc->ring[sc->head];

	while (j->state == J_BUSY) {
		sc->waiting = 1;
		pthread_cond_wait(&sc->done, &sc->mu);
		sc->waiting = 0;
	}
	if (j->state == J_READY)
		sc->untaken--;
	j->state = J_FREE;
	sc->bytes -= j->len;
	if (j->cap > KEEP) {
		/* a long header or note: not kept in every slot */
		free(j->buf);
		j->buf = NULL;
		j->cap = 0;
	}
	sc->head = (sc->head + 1) % DEPTH;
	sc->count--;
}

/*
 * The head job if it is the (kind, key) the walk asks for, after dropping
 * the jobs it went past (mu held); NULL if it was not queued.
 */
static struct job *head_for(struct am_sigcheck *sc, int kind, long long key)
{
	while (sc->count > 0) {
		struct job *j = &sc->ring[sc->head];
		int past = j->kind != kind ? kind == K_ENTRY : j->key < key;

		if (j->kind == kind && j->key == key)
			return j;
		if (!past)
			return NULL;
		drop_head(sc);
	}
	return NULL;
}

/* The head job's result (mu held), helping with the oldest untaken job while it is not ready. */
static int result_of(struct am_sigcheck *sc)
{
	struct job *j = &sc->ring[sc->head];
	int r;

	while (j->state != J_DONE) {
		struct job *o = sc->mode == AM_SIGCHECK_WORKER ? NULL : take(sc);
		if (o != NULL) {
			run_taken(sc, o);
			continue;
		}
		sc->waiting = 1;
		pthread_cond_wait(&sc->done, &sc->mu);
		sc->waiting = 0;
	}
	r = j->result;
	drop_head(sc);
	return r;
}

/*
 * The queued result for (kind, key), counted only if the job holds exactly
 * the bytes the walk read: text after the job's first skip bytes, and key
 * bytes (an entry's signature, a checkpoint's signer).  R_UNKNOWN when there
 * is none: the caller checks in place.
 */
static int queued(struct am_sigcheck *sc, int kind, long long key, size_t skip, const void *text,
		  size_t tn, const unsigned char *kb, size_t kn)
{
	struct job *j;
	int r = R_UNKNOWN;

	if (sc == NULL)
		return R_UNKNOWN;
	pump(sc);
	pthread_mutex_lock(&sc->mu);
	j = head_for(sc, kind, key);
	if (j != NULL && j->len == skip + tn && memcmp(j->buf + skip, text, tn) == 0 &&
	    memcmp(kind == K_ENTRY ? j->sig : j->signer, kb, kn) == 0)
		r = result_of(sc);
	else if (j != NULL)
		drop_head(sc);
	pthread_mutex_unlock(&sc->mu);
	return r;
}

int am_sigcheck_entry(struct am_sigcheck *sc, uint64_t seq, const unsigned char *hdr, size_t hn,
		      const unsigned char sig[AM_SIG_LEN], const unsigned char signer[AM_SIGN_PK_LEN])
{
	struct am_buf sb;
	/* the same header parses to the same signer: the walk's is the job's */
	int r = queued(sc, K_ENTRY, (long long)seq, DOM_LEN, hdr, hn, sig, AM_SIG_LEN), bad;

	if (r != R_UNKNOWN)
		return r == 0 ? 0 : -1;
	am_buf_init(&sb);
	am_sig_input(&sb, hdr, hn);
	bad = sb.oom || am_sign_verify(sig, sb.data, sb.len, signer) != 0;
	am_buf_release(&sb);
	return bad ? -1 : 0;
}

int am_sigcheck_note(struct am_sigcheck *sc, long long id, const unsigned char signer[AM_SIGN_PK_LEN],
		     const char *note, size_t nlen, const struct am_checkpoint *c,
		     const struct am_vkey *k)
{
	int r = queued(sc, K_NOTE, id, 0, note, nlen, signer, AM_SIGN_PK_LEN);

	return r != R_UNKNOWN ? r : am_note_count_valid(c, k, 1, NULL);
}

struct am_sigcheck *am_sigcheck_start(struct am_vault *v, int mode, uint64_t from_seq,
				      uint64_t count, long long ckpt_after)
{
	struct am_sigcheck *sc;
	sigset_t all, old;
	int rc;

	if (mode == AM_SIGCHECK_INPLACE ||
	    (mode == AM_SIGCHECK_AUTO && (count < MIN_ENTRIES || sysconf(_SC_NPROCESSORS_ONLN) < 2)))
		return NULL;
	sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return NULL;
	sc->mode = mode;
	sc->next_seq = from_seq;
	if (sqlite3_prepare_v2(v->db, "SELECT seq, header, sig FROM entries WHERE seq >= ?1"
				      " ORDER BY seq", -1, &sc->ents, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(v->db, "SELECT id, size, signer, note FROM checkpoints"
				      " WHERE size > ?1 AND id > ?2 ORDER BY id", -1, &sc->cks,
			       NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(sc->ents, 1, (sqlite3_int64)from_seq);
	sqlite3_bind_int64(sc->cks, 1, (sqlite3_int64)from_seq);
	sqlite3_bind_int64(sc->cks, 2, ckpt_after);
	sc->cks_row = sqlite3_step(sc->cks) == SQLITE_ROW;
	if (pthread_mutex_init(&sc->mu, NULL) != 0)
		goto fail;
	if (pthread_cond_init(&sc->work, NULL) != 0)
		goto fail_mu;
	if (pthread_cond_init(&sc->done, NULL) != 0)
		goto fail_work;
	/* signals (an interrupt, a closed pipe) are the calling thread's to handle */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&sc->thread, NULL, worker, sc);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		return sc;
	pthread_cond_destroy(&sc->done);
fail_work:
	pthread_cond_destroy(&sc->work);
fail_mu:
	pthread_mutex_destroy(&sc->mu);
fail:
	sqlite3_finalize(sc->ents);
	sqlite3_finalize(sc->cks);
	free(sc);
	return NULL;
}

void am_sigcheck_free(struct am_sigcheck *sc)
{
	if (sc == NULL)
		return;
	pthread_mutex_lock(&sc->mu);
	sc->stop = 1;
	pthread_cond_signal(&sc->work);
	pthread_mutex_unlock(&sc->mu);
	pthread_join(sc->thread, NULL);
	pthread_cond_destroy(&sc->work);
	pthread_cond_destroy(&sc->done);
	pthread_mutex_destroy(&sc->mu);
	sqlite3_finalize(sc->ents);
	sqlite3_finalize(sc->cks);
	for (size_t i = 0; i < DEPTH; i++)
		free(sc->ring[i].buf);
	free(sc);
}
