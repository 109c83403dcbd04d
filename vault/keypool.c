/*
 * keypool.c — content keys drawn and wrapped ahead, on a second core.
 *
 * Wrapping a content key to a custodian (an X25519 sealed box) is the
 * dearest step of sealing a small record, and it needs nothing from the log:
 * only a fresh random key and the custodians' public keys.  While a batch
 * seals entry n on the calling thread (content, metadata, signature,
 * storage), this thread draws and wraps the keys of the entries after it.
 * A key is used once: taken out of the pool, wiped from it.
 */
#include "vault_int.h"
#include "keypool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH 64

struct am_keypool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t worker;
	int stop, failed;
	unsigned char *pks; /* the recipients, n * AM_BOX_PK_LEN, sorted */
	size_t n, wlen;     /* wlen: one wraps block's length */
	unsigned char *keys; /* DEPTH * AM_KEY_LEN, secure */
	unsigned char *wraps; /* DEPTH * wlen */
	size_t head, count;  /* ring: next to take, how many ready */
};

/* Fill slot i: a fresh key and its wraps block (u32 count, then pk and box each). */
static int make(struct am_keypool *p, size_t i, unsigned char *key, unsigned char *w)
{
	am_random(key, AM_KEY_LEN);
	am_put_u32(w, (uint32_t)p->n);
	w += 4;
	for (size_t k = 0; k < p->n; k++) {
		memcpy(w, p->pks + k * AM_BOX_PK_LEN, AM_BOX_PK_LEN);
		if (am_wrap(w + AM_BOX_PK_LEN, key, p->pks + k * AM_BOX_PK_LEN) != 0)
			return -1;
		w += AM_BOX_PK_LEN + AM_WRAP_LEN;
	}
	(void)i;
	return 0;
}

static void *work(void *arg)
{
	struct am_keypool *p = arg;
	unsigned char *key = am_secure_alloc(AM_KEY_LEN), *w = malloc(p->wlen);

	pthread_mutex_lock(&p->mu);
	if (key == NULL || w == NULL)
		p->failed = 1;
	while (!p->stop && !p->failed) {
		size_t slot;
		if (p->count == DEPTH) {
			pthread_cond_wait(&p->cv, &p->mu);
			continue;
		}
		slot = (p->head + p->count) % DEPTH;
		pthread_mutex_unlock(&p->mu);
		/* the slot is not the taker's until count says so */
		if (make(p, slot, key, w) != 0) {
			pthread_mutex_lock(&p->mu);
			p->failed = 1;
			break;
		}
		pthread_mutex_lock(&p->mu);
		memcpy(p->keys + slot * AM_KEY_LEN, key, AM_KEY_LEN);
		memcpy(p->wraps + slot * p->wlen, w, p->wlen);
		p->count++;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	am_secure_free(key);
	free(w);
	return NULL;
}

struct am_keypool *am_keypool_start(const unsigned char *pks, size_t n)
{
	struct am_keypool *p = calloc(1, sizeof(*p));

	if (p == NULL || n == 0)
		goto fail;
	p->n = n;
	p->wlen = 4 + n * (AM_BOX_PK_LEN + AM_WRAP_LEN);
	p->pks = malloc(n * AM_BOX_PK_LEN);
	p->keys = am_secure_alloc(DEPTH * AM_KEY_LEN);
	p->wraps = malloc(DEPTH * p->wlen);
	if (p->pks == NULL || p->keys == NULL || p->wraps == NULL)
		goto fail;
	memcpy(p->pks, pks, n * AM_BOX_PK_LEN);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (pthread_create(&p->worker, NULL, work, p) != 0) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
		goto fail;
	}
	return p;
fail:
	if (p != NULL) {
		free(p->pks);
		am_secure_free(p->keys);
		free(p->wraps);
		free(p);
	}
	return NULL;
}

int am_keypool_take(struct am_keypool *p, const unsigned char *pks, size_t n,
		    unsigned char key[AM_KEY_LEN], struct am_buf *wraps)
{
	int rc = -1;

	/* keys wrapped to other custodians than the entry's are of no use to it */
	if (p == NULL || n != p->n || memcmp(pks, p->pks, n * AM_BOX_PK_LEN) != 0)
		return -1;
	pthread_mutex_lock(&p->mu);
	while (p->count == 0 && !p->failed)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->count > 0) {
		unsigned char *k = p->keys + p->head * AM_KEY_LEN;
		memcpy(key, k, AM_KEY_LEN);
		am_wipe(k, AM_KEY_LEN);
		am_buf_add(wraps, p->wraps + p->head * p->wlen, p->wlen);
		p->head = (p->head + 1) % DEPTH;
		p->count--;
		pthread_cond_broadcast(&p->cv);
		rc = wraps->oom ? -1 : 0;
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

void am_keypool_stop(struct am_keypool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->worker, NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	am_secure_free(p->keys); /* wipes the keys never taken */
	free(p->wraps);
	free(p->pks);
	free(p);
}
