/*
 * entry_crypto.c — the floor for sealing small records: the per-entry crypto
 * of a sealed entry done by libsodium (through amanat_crypto) alone, in one
 * process, nothing stored.  Per entry: a fresh content key and its two
 * subkeys, the content encrypted (XChaCha20-Poly1305) and hashed before and
 * after (SHA-256), the metadata sealed and hashed, the key wrapped to each
 * custodian as 'seal --recursive' wraps it (a batch wrap, FORMAT.md §29:
 * XChaCha20-Poly1305 under the batch's wrap key, and per batch of 1000 one
 * X25519 key pair and exchange per custodian), the header signed (Ed25519).
 * The target: 'seal --recursive' reaches at least 0.8x this rate.
 * Before §29 each wrap was an X25519 sealed box (~80 us); its cost is still
 * printed ("one sealed box") for comparison.
 *
 *   bench_entry_crypto [ENTRIES [SIZE [CUSTODIANS]]]   (defaults 20000 1024 1)
 *
 * Times are CPU time of the process (the machines here are shared: wall time
 * measures the neighbours), and the whole loop's rate also in wall time.  Prints entries per second and microseconds per
 * entry, and the same for the
 * dearest parts alone (Ed25519 sign; one batch wrap; one sealed box), so a ratio can be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../crypto/crypto.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000;
	size_t size = argc > 2 ? (size_t)atol(argv[2]) : 1024;
	int ncust = argc > 3 ? atoi(argv[3]) : 1;
	unsigned char spk[AM_SIGN_PK_LEN], seed[32], *ssk, bpk[8][AM_BOX_PK_LEN], bsk[AM_BOX_SK_LEN];
	unsigned char *pt, *ct, hdr[300], sig[AM_SIG_LEN], h[AM_HASH_LEN], meta[256 + AM_AEAD_TAG_LEN];
	unsigned char key[AM_KEY_LEN], ck[AM_KEY_LEN], mk[AM_KEY_LEN], nonce[AM_NONCE_LEN];
	unsigned char wrapped[AM_WRAP_LEN], ad[48], wad[80], bwrapped[AM_KEY_LEN + AM_AEAD_TAG_LEN];
	unsigned char kw[8][AM_KEY_LEN], epk[AM_BOX_PK_LEN], esk[AM_BOX_SK_LEN];
	double t0, w0, t_all, w_all, t_sign, t_wrap, t_bwrap, t_verify;
	int bad = 0;

	if (am_crypto_init() != 0 || n <= 0 || ncust < 1 || ncust > 8)
		return 2;
	ssk = am_secure_alloc(AM_SIGN_SK_LEN);
	pt = malloc(size + 1);
	ct = malloc(size + 1 + AM_AEAD_TAG_LEN);
	if (ssk == NULL || pt == NULL || ct == NULL)
		return 2;
	am_random(seed, sizeof(seed));
	am_sign_seed_keypair(spk, ssk, seed);
	for (int c = 0; c < ncust; c++) {
		am_random(bsk, sizeof(bsk));
		am_box_public(bpk[c], bsk);
	}
	am_random(pt, size);
	memset(hdr, 7, sizeof(hdr));
	memset(meta, 3, sizeof(meta));
	memset(ad, 1, sizeof(ad));
	memset(wad, 2, sizeof(wad));

	t0 = now_s();
	w0 = wall_s();
	for (long i = 0; i < n; i++) {
		am_random(key, sizeof(key));
		am_subkey(ck, key, 1, "amnchunk");
		am_subkey(mk, key, 2, "amnmeta_");
		am_sha256(h, pt, size);
		am_chunk_nonce(nonce, 0, 1);
		am_aead_seal(ct, pt, size + 1, ad, sizeof(ad), nonce, ck);
		am_sha256(h, ct, size + 1 + AM_AEAD_TAG_LEN);
		memset(nonce, 0, sizeof(nonce));
		am_aead_seal(meta, meta, 256, ad, sizeof(ad), nonce, mk);
		am_sha256(h, meta, sizeof(meta));
		/* a batch of 1000 draws one ephemeral key and wrap key per custodian */
		for (int c = 0; c < ncust && i % 1000 == 0; c++)
			if (am_box_keypair(epk, esk) != 0 || am_bwrap_key(kw[c], esk, bpk[c], epk, bpk[c]) != 0)
				bad = 1;
		for (int c = 0; c < ncust; c++) {
			am_random(nonce, sizeof(nonce));
			am_aead_seal(bwrapped, key, AM_KEY_LEN, wad, sizeof(wad), nonce, kw[c]);
		}
		am_sha256(h, hdr, sizeof(hdr));
		am_sign(sig, hdr, sizeof(hdr), ssk);
		am_sha256(h, sig, sizeof(sig));
		hdr[0] ^= h[0];
	}
	t_all = now_s() - t0;
	w_all = wall_s() - w0;
	t0 = now_s();
	for (long i = 0; i < n; i++)
		am_sign(sig, hdr, sizeof(hdr), ssk);
	t_sign = now_s() - t0;
	t0 = now_s();
	for (long i = 0; i < n; i++)
		am_wrap(wrapped, key, bpk[0]);
	t_wrap = now_s() - t0;
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		am_random(nonce, sizeof(nonce));
		am_aead_seal(bwrapped, key, AM_KEY_LEN, wad, sizeof(wad), nonce, kw[0]);
	}
	t_bwrap = now_s() - t0;
	t0 = now_s();
	for (long i = 0; i < n; i++)
		bad |= am_sign_verify(sig, hdr, sizeof(hdr), spk) != 0;
	t_verify = now_s() - t0;
	printf("libsodium per-entry crypto, %zu-byte records, %d custodian(s): %.0f entries/s "
	       "(%.1f us each; Ed25519 sign %.1f us, one batch wrap %.2f us, one sealed box "
	       "%.1f us, one crypto_sign_verify_detached %.1f us); wall %.0f entries/s\n",
	       size, ncust, n / t_all, 1e6 * t_all / n, 1e6 * t_sign / n, 1e6 * t_bwrap / n,
	       1e6 * t_wrap / n, 1e6 * t_verify / n, n / w_all);
	if (bad)
		return 1;
	am_secure_free(ssk);
	free(pt);
	free(ct);
	return 0;
}
