/*
 * keypool.h — content keys drawn and wrapped ahead on a second thread
 * (keypool.c), for batches of small entries.  Internal to vault/.
 */
#ifndef AMANAT_KEYPOOL_H
#define AMANAT_KEYPOOL_H

#include "vault_int.h"

struct am_keypool;
/* Start wrapping fresh keys to the n sorted recipients pks; NULL if it cannot. */
struct am_keypool *am_keypool_start(const unsigned char *pks, size_t n);
/*
 * The next key (into key, secure memory) and its wraps block (appended to
 * wraps), waiting for the thread if need be.  -1 when the pool wraps to
 * other recipients than pks, or failed: then the caller wraps itself.
 */
int am_keypool_take(struct am_keypool *p, const unsigned char *pks, size_t n,
		    unsigned char key[AM_KEY_LEN], struct am_buf *wraps);
/* Stop the thread and wipe the keys never taken. */
void am_keypool_stop(struct am_keypool *p);

#endif
