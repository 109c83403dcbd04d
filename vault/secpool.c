/*
 * secpool.c — secure memory for reading one entry after another.
 *
 * A custodian's walk (list --as, export, log) opens every entry: its content
 * key, the metadata subkey and the metadata plaintext each want memory that
 * is locked, guarded and wiped (sodium_malloc).  Taking and giving that back
 * per entry costs several system calls each time (map, guard, lock, unmap),
 * more than the metadata's decryption; so a vault keeps a few such buffers
 * once made, wipes what was used in them when they are given back, and
 * frees them when it is closed.  A buffer handed out ends where its region
 * ends, against the guard page, as sodium_malloc's own do.
 */
#include "vault_int.h"

#include <stdlib.h>

#define AM_SECPOOL_SLOTS 6
#define AM_SECPOOL_MAX (64u << 10) /* larger requests are sodium_malloc'd each time */

struct am_secpool {
	unsigned char *base[AM_SECPOOL_SLOTS];
	size_t cap[AM_SECPOOL_SLOTS];
	size_t used[AM_SECPOOL_SLOTS]; /* 0: free */
};

unsigned char *am_vault_secure(struct am_vault *v, size_t n)
{
	struct am_secpool *p = v->secpool;
	int pick = -1;

	if (n == 0 || n > AM_SECPOOL_MAX)
		return am_secure_alloc(n ? n : 1);
	if (p == NULL && (p = v->secpool = calloc(1, sizeof(*p))) == NULL)
		return am_secure_alloc(n);
	/* the smallest free buffer that is large enough, else a new one in an empty place */
	for (int i = 0; i < AM_SECPOOL_SLOTS; i++)
		if (p->base[i] != NULL && p->used[i] == 0 && p->cap[i] >= n &&
		    (pick < 0 || p->cap[i] < p->cap[pick]))
			pick = i;
	for (int i = 0; pick < 0 && i < AM_SECPOOL_SLOTS; i++)
		if (p->base[i] == NULL) {
			size_t cap = (n + 1023) & ~(size_t)1023;
			if ((p->base[i] = am_secure_alloc(cap)) == NULL)
				return NULL;
			p->cap[i] = cap;
			pick = i;
		}
	if (pick < 0)
		return am_secure_alloc(n); /* every buffer in use */
	p->used[pick] = n;
	return p->base[pick] + p->cap[pick] - n;
}

void am_vault_secure_free(struct am_vault *v, void *ptr)
{
	struct am_secpool *p = v->secpool;
	unsigned char *q = ptr;

	if (q == NULL)
		return;
	for (int i = 0; p != NULL && i < AM_SECPOOL_SLOTS; i++)
		if (p->base[i] != NULL && p->used[i] > 0 && q == p->base[i] + p->cap[i] - p->used[i]) {
			am_wipe(q, p->used[i]);
			p->used[i] = 0;
			return;
		}
	am_secure_free(ptr);
}

void am_secpool_release(struct am_vault *v)
{
	struct am_secpool *p = v->secpool;

	for (int i = 0; p != NULL && i < AM_SECPOOL_SLOTS; i++)
		am_secure_free(p->base[i]);
	free(p);
	v->secpool = NULL;
}
