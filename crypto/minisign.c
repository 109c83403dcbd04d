/* minisign.c — minisign-compatible keys and prehashed signatures. */
#include "minisign.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(crypto_generichash_state) <= sizeof(am_blake2b_ctx), "blake2b ctx");

void am_blake2b512_init(am_blake2b_ctx *c)
{
	crypto_generichash_init((crypto_generichash_state *)c->opaque, NULL, 0, 64);
}

void am_blake2b512_update(am_blake2b_ctx *c, const void *p, size_t n)
{
	crypto_generichash_update((crypto_generichash_state *)c->opaque, p, n);
}

void am_blake2b512_final(am_blake2b_ctx *c, unsigned char out[64])
{
	crypto_generichash_final((crypto_generichash_state *)c->opaque, out, 64);
}

/* minisign prints its 8-byte key id as a little-endian number. */
static void keyid_hex(char out[17], const unsigned char kid[8])
{
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02X", kid[7 - i]);
}

void am_minisign_pubkey(const unsigned char pk[AM_SIGN_PK_LEN], char *out, size_t outlen)
{
	unsigned char raw[2 + 8 + AM_SIGN_PK_LEN];
	char b64[80], hex[17];

	raw[0] = 'E';
	raw[1] = 'd';
	am_key_id(raw + 2, pk);
	memcpy(raw + 10, pk, AM_SIGN_PK_LEN);
	keyid_hex(hex, raw + 2);
	am_b64(b64, raw, sizeof(raw));
	snprintf(out, outlen, "untrusted comment: minisign public key %s\n%s\n", hex, b64);
}

int am_minisign_sign(const unsigned char prehash[64], const char *untrusted, const char *trusted,
		     const unsigned char sk[AM_SIGN_SK_LEN], const unsigned char pk[AM_SIGN_PK_LEN],
		     char *out, size_t outlen)
{
	unsigned char raw[2 + 8 + AM_SIG_LEN], global[AM_SIG_LEN], msg[AM_SIG_LEN + 512];
	char b64a[160], b64b[100];
	size_t tl = strlen(trusted);
	int n;

	if (tl > 512 || strchr(trusted, '\n') != NULL || strchr(untrusted, '\n') != NULL)
		return -1;
	raw[0] = 'E';
	raw[1] = 'D';
	am_key_id(raw + 2, pk);
	if (crypto_sign_detached(raw + 10, NULL, prehash, 64, sk) != 0)
		return -1;
	memcpy(msg, raw + 10, AM_SIG_LEN);
	memcpy(msg + AM_SIG_LEN, trusted, tl);
	if (crypto_sign_detached(global, NULL, msg, AM_SIG_LEN + tl, sk) != 0)
		return -1;
	am_b64(b64a, raw, sizeof(raw));
	am_b64(b64b, global, sizeof(global));
	n = snprintf(out, outlen, "untrusted comment: %s\n%s\ntrusted comment: %s\n%s\n", untrusted,
		     b64a, trusted, b64b);
	return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

/* The n-th line (0-based) of text, without its newline; NULL if absent. */
static const char *line_at(const char *text, size_t len, int n, size_t *ll)
{
	const char *p = text, *end = text + len;

	for (int i = 0; p < end; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (i == n) {
			if (l > 0 && p[l - 1] == '\r')
				l--;
			*ll = l;
			return p;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return NULL;
}

int am_minisign_verify(const char *pubfile, size_t publen, const char *sigfile, size_t siglen,
		       const unsigned char prehash[64], unsigned char pk[AM_SIGN_PK_LEN],
		       char *trusted, size_t tlen)
{
	unsigned char kraw[2 + 8 + AM_SIGN_PK_LEN], sraw[2 + 8 + AM_SIG_LEN], global[AM_SIG_LEN];
	unsigned char msg[AM_SIG_LEN + 1024];
	const char *l1, *l2, *l3, *tc;
	size_t n1 = 0, n2 = 0, n3 = 0;
	const size_t tcp = strlen("trusted comment: ");

	memset(pk, 0, AM_SIGN_PK_LEN);
	l1 = line_at(pubfile, publen, 1, &n1);
	if (l1 == NULL || am_unb64(kraw, sizeof(kraw), l1, n1) != 0 || kraw[0] != 'E' ||
	    kraw[1] != 'd')
		return -1;
	l1 = line_at(sigfile, siglen, 1, &n1);
	l2 = line_at(sigfile, siglen, 2, &n2);
	l3 = line_at(sigfile, siglen, 3, &n3);
	if (l1 == NULL || l2 == NULL || l3 == NULL || am_unb64(sraw, sizeof(sraw), l1, n1) != 0 ||
	    sraw[0] != 'E' || sraw[1] != 'D' || memcmp(sraw + 2, kraw + 2, 8) != 0)
		return -1;
	if (n2 < tcp || memcmp(l2, "trusted comment: ", tcp) != 0 || n2 - tcp > 1024 ||
	    am_unb64(global, sizeof(global), l3, n3) != 0)
		return -1;
	tc = l2 + tcp;
	if (crypto_sign_verify_detached(sraw + 10, prehash, 64, kraw + 10) != 0)
		return -1;
	memcpy(msg, sraw + 10, AM_SIG_LEN);
	memcpy(msg + AM_SIG_LEN, tc, n2 - tcp);
	if (crypto_sign_verify_detached(global, msg, AM_SIG_LEN + n2 - tcp, kraw + 10) != 0)
		return -1;
	memcpy(pk, kraw + 10, AM_SIGN_PK_LEN);
	if (trusted != NULL && tlen > 0)
		snprintf(trusted, tlen, "%.*s", (int)(n2 - tcp), tc);
	return 0;
}
