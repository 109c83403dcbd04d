/*
 * bwrap.c — batch wraps (docs/FORMAT.md §29).  A batch draws, per custodian
 * public key pk, one ephemeral X25519 pair (esk, epk) and derives a wrap key
 * Kw from X25519(esk, pk); each entry's own content key K is then sealed
 * under Kw with XChaCha20-Poly1305, a fresh random nonce and associated data
 * naming the vault, the entry's uid and pk.  esk is wiped as soon as Kw is
 * derived; Kw when the batch ends.  A reader derives Kw once per (epk, own
 * key) and keeps it while the vault is open.
 */
#include "bwrap.h"

#include <stdlib.h>
#include <string.h>

struct am_bwrap {
	size_t n;
	unsigned char *pks;  /* n * 32, sorted */
	unsigned char *epks; /* n * 32 */
	unsigned char *kws;  /* n * 32, secure */
	size_t uses;         /* keys wrapped so far */
};

void am_bwrap_free(struct am_bwrap *bw)
{
	if (bw == NULL)
		return;
	am_secure_free(bw->kws);
	free(bw->pks);
	free(bw->epks);
	free(bw);
}

struct am_bwrap *am_bwrap_start(const unsigned char *pks, size_t n)
{
	struct am_bwrap *bw = calloc(1, sizeof(*bw));
	unsigned char *esk = am_secure_alloc(AM_BOX_SK_LEN);

	if (bw == NULL || esk == NULL || n == 0 || n > AM_MAX_WRAPS)
		goto fail;
	bw->n = n;
	bw->pks = malloc(n * AM_BOX_PK_LEN);
	bw->epks = malloc(n * AM_BOX_PK_LEN);
	bw->kws = am_secure_alloc(n * AM_KEY_LEN);
	if (bw->pks == NULL || bw->epks == NULL || bw->kws == NULL)
		goto fail;
	memcpy(bw->pks, pks, n * AM_BOX_PK_LEN);
	for (size_t i = 0; i < n; i++) {
		const unsigned char *pk = pks + i * AM_BOX_PK_LEN;
		unsigned char *epk = bw->epks + i * AM_BOX_PK_LEN;
		if (am_box_keypair(epk, esk) != 0 ||
		    am_bwrap_key(bw->kws + i * AM_KEY_LEN, esk, pk, epk, pk) != 0)
			goto fail;
		am_wipe(esk, AM_BOX_SK_LEN); /* Kw is all the batch needs */
	}
	am_secure_free(esk);
	return bw;
fail:
	am_secure_free(esk);
	am_bwrap_free(bw);
	return NULL;
}

int am_bwrap_to(const struct am_bwrap *bw, const unsigned char *pks, size_t n)
{
	return bw != NULL && bw->n == n && memcmp(bw->pks, pks, n * AM_BOX_PK_LEN) == 0;
}

int am_bwrap_for(const struct am_bwrap *bw, const unsigned char *pks, size_t n)
{
	return am_bwrap_to(bw, pks, n) && bw->uses < AM_BWRAP_MAX_USES;
}

/* Associated data of a batch wrap: domain, vault id, entry uid, recipient key. */
static size_t wrap_ad(unsigned char ad[16 + AM_VAULT_ID_LEN + AM_UID_LEN + AM_BOX_PK_LEN],
		      const unsigned char vid[AM_VAULT_ID_LEN], const unsigned char uid[AM_UID_LEN],
		      const unsigned char pk[AM_BOX_PK_LEN])
{
	_Static_assert(sizeof(AM_DOM_BWRAP_AD) == 16, "bwrap domain length");
	memcpy(ad, AM_DOM_BWRAP_AD, 16);
	memcpy(ad + 16, vid, AM_VAULT_ID_LEN);
	memcpy(ad + 16 + AM_VAULT_ID_LEN, uid, AM_UID_LEN);
	memcpy(ad + 16 + AM_VAULT_ID_LEN + AM_UID_LEN, pk, AM_BOX_PK_LEN);
	return 16 + AM_VAULT_ID_LEN + AM_UID_LEN + AM_BOX_PK_LEN;
}

int am_bwrap_seal(struct am_bwrap *bw, struct am_rpool *rp, const unsigned char key[AM_KEY_LEN],
		  const unsigned char vid[AM_VAULT_ID_LEN], const unsigned char uid[AM_UID_LEN],
		  struct am_buf *w)
{
	unsigned char item[AM_BOX_PK_LEN + AM_BWRAP_LEN], ad[80];

	am_buf_u32(w, (uint32_t)bw->n);
	for (size_t i = 0; i < bw->n; i++) {
		const unsigned char *pk = bw->pks + i * AM_BOX_PK_LEN;
		unsigned char *nonce = item + 2 * AM_BOX_PK_LEN;
		size_t adn = wrap_ad(ad, vid, uid, pk);
		memcpy(item, pk, AM_BOX_PK_LEN);
		memcpy(item + AM_BOX_PK_LEN, bw->epks + i * AM_BOX_PK_LEN, AM_BOX_PK_LEN);
		/* random 192-bit nonces: no two messages under one Kw share one */
		am_rpool_draw(rp, nonce, AM_NONCE_LEN);
		if (am_aead_seal(nonce + AM_NONCE_LEN, key, AM_KEY_LEN, ad, adn, nonce,
				 bw->kws + i * AM_KEY_LEN) != 0)
			return -1;
		am_buf_add(w, item, sizeof(item));
	}
	bw->uses++;
	return w->oom ? -1 : 0;
}

/* ---- reading -------------------------------------------------------------- */

#define CACHE 16

/* Wrap keys derived so far: (epk, pk, H(sk)) -> Kw, in secure memory. */
struct am_kwcache {
	struct {
		unsigned char epk[AM_BOX_PK_LEN], pk[AM_BOX_PK_LEN], skh[AM_HASH_LEN];
		unsigned char kw[AM_KEY_LEN];
		int used;
	} s[CACHE];
	size_t next; /* round robin */
};

void am_bwrap_cache_free(struct am_vault *v)
{
	am_secure_free(v->kwc);
	v->kwc = NULL;
}

/*
 * Kw for (epk, pk, sk): from v's cache, or derived into it; NULL if it cannot
 * be derived.  Without a cache (out of memory) it is derived into *tmp, secure
 * memory the caller frees.
 */
static const unsigned char *wrap_key(struct am_vault *v, const unsigned char epk[AM_BOX_PK_LEN],
				     const unsigned char pk[AM_BOX_PK_LEN],
				     const unsigned char sk[AM_BOX_SK_LEN], unsigned char **tmp)
{
	struct am_kwcache *c = v->kwc;
	unsigned char skh[AM_HASH_LEN], *kw;
	size_t i = 0;

	/* the secret key is part of the name: a wrong sk with the right pk derives afresh */
	am_sha256(skh, sk, AM_BOX_SK_LEN);
	if (c == NULL && (c = v->kwc = am_secure_alloc(sizeof(*c))) != NULL)
		memset(c, 0, sizeof(*c));
	for (i = 0; c != NULL && i < CACHE; i++)
		if (c->s[i].used && memcmp(c->s[i].epk, epk, AM_BOX_PK_LEN) == 0 &&
		    memcmp(c->s[i].pk, pk, AM_BOX_PK_LEN) == 0 &&
		    am_equal(c->s[i].skh, skh, AM_HASH_LEN)) {
			am_wipe(skh, sizeof(skh));
			return c->s[i].kw;
		}
	if (c != NULL) {
		i = c->next;
		c->next = (c->next + 1) % CACHE;
		c->s[i].used = 0;
		kw = c->s[i].kw;
	} else if ((kw = *tmp = am_secure_alloc(AM_KEY_LEN)) == NULL) {
		am_wipe(skh, sizeof(skh));
		return NULL;
	}
	if (am_bwrap_key(kw, sk, epk, epk, pk) != 0) {
		am_wipe(skh, sizeof(skh));
		return NULL;
	}
	if (c != NULL) {
		memcpy(c->s[i].epk, epk, AM_BOX_PK_LEN);
		memcpy(c->s[i].pk, pk, AM_BOX_PK_LEN);
		memcpy(c->s[i].skh, skh, AM_HASH_LEN);
		c->s[i].used = 1;
	}
	am_wipe(skh, sizeof(skh));
	return kw;
}

int am_bwrap_open(struct am_vault *v, unsigned char key[AM_KEY_LEN],
		  const unsigned char wrap[AM_BWRAP_LEN], const unsigned char vid[AM_VAULT_ID_LEN],
		  const unsigned char uid[AM_UID_LEN], const unsigned char pk[AM_BOX_PK_LEN],
		  const unsigned char sk[AM_BOX_SK_LEN])
{
	const unsigned char *epk = wrap, *nonce = wrap + AM_BOX_PK_LEN, *kw;
	unsigned char *tmp = NULL, ad[80];
	size_t adn = wrap_ad(ad, vid, uid, pk);
	int rc = -1;

	memset(key, 0, AM_KEY_LEN);
	if (sk == NULL)
		return -1;
	kw = wrap_key(v, epk, pk, sk, &tmp);
	if (kw != NULL && am_aead_open(key, nonce + AM_NONCE_LEN, AM_KEY_LEN + AM_AEAD_TAG_LEN, ad,
				       adn, nonce, kw) == 0)
		rc = 0;
	am_secure_free(tmp);
	return rc;
}

/* ---- shape ------------------------------------------------------------------ */

unsigned am_wraps_flags(const struct am_header *h)
{
	struct am_header orig;

	if (h->type != AM_T_IMPORT)
		return h->flags;
	/* an import's wraps are its original's, and so is the flag that says their kind */
	return am_import_original(h, &orig) == 0 ? orig.flags : 0;
}
