/*
 * compress.c — per-chunk zlib, only where it pays.
 *
 * A chunk's plaintext is a mode byte followed by either the data (stored) or
 * a zlib stream of it.  A cheap probe — deflating the first 16 KiB at level 1 —
 * decides whether the whole chunk is worth compressing, so media and already
 * compressed files cost almost nothing extra.  zlib's working memory is taken
 * from secure memory, since it holds plaintext.
 */
#include "vault_int.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PROBE_LEN (16u * 1024)

static voidpf sec_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	if (size != 0 && items > SIZE_MAX / size)
		return Z_NULL;
	return am_secure_alloc((size_t)items * size);
}

static void sec_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	am_secure_free(p);
}

size_t am_chunk_pt_max(size_t n)
{
	return 1 + (size_t)compressBound((uLong)n);
}

/*
 * zlib's working memory from an arena of secure memory kept by the caller
 * (one per batch of entries): a deflate of a small record would otherwise
 * cost more in locked-page system calls than in compressing.  What does not
 * fit is taken from secure memory one allocation at a time.
 */
#define ZARENA_SIZE ((size_t)320 << 10)

struct am_zarena {
	unsigned char *p;
	size_t used;
};

struct am_zarena *am_zarena_new(void)
{
	struct am_zarena *a = calloc(1, sizeof(*a));

	if (a != NULL && (a->p = am_secure_alloc(ZARENA_SIZE)) == NULL) {
		free(a);
		a = NULL;
	}
	return a;
}

void am_zarena_free(struct am_zarena *a)
{
	if (a == NULL)
		return;
	am_secure_free(a->p);
	free(a);
}

static voidpf arena_alloc(voidpf opaque, uInt items, uInt size)
{
	struct am_zarena *a = opaque;
	size_t n;

	if (size != 0 && items > SIZE_MAX / size)
		return Z_NULL;
	n = ((size_t)items * size + 15) & ~(size_t)15;
	if (n <= ZARENA_SIZE - a->used) {
		void *r = a->p + a->used;
		a->used += n;
		return r;
	}
	return am_secure_alloc((size_t)items * size);
}

static void arena_free(voidpf opaque, voidpf p)
{
	struct am_zarena *a = opaque;

	if ((unsigned char *)p < a->p || (unsigned char *)p >= a->p + ZARENA_SIZE)
		am_secure_free(p);
}

/*
 * Deflate in into out (capacity cap); compressed length or 0 on failure.
 * *wrote: how many bytes of out it wrote either way (a failed stream still
 * leaves compressed plaintext behind it).
 */
static size_t deflate_buf(unsigned char *out, size_t cap, const unsigned char *in, size_t n,
			  int level, struct am_zarena *za, size_t *wrote)
{
	z_stream z;
	size_t got = 0;
	int wbits = 9;

	/*
	 * a window (and hash) no larger than the input: the same stream for a
	 * chunk of 32 KiB or more, a fraction of the memory to set up and wipe
	 * for a small record
	 */
	while (wbits < 15 && ((size_t)1 << wbits) < n)
		wbits++;
	*wrote = 0;
	memset(&z, 0, sizeof(z));
	z.zalloc = za != NULL ? arena_alloc : sec_alloc;
	z.zfree = za != NULL ? arena_free : sec_free;
	z.opaque = za;
	if (deflateInit2(&z, level, Z_DEFLATED, wbits, wbits - 7, Z_DEFAULT_STRATEGY) == Z_OK) {
		z.next_in = (Bytef *)(uintptr_t)in;
		z.avail_in = (uInt)n;
		z.next_out = out;
		z.avail_out = (uInt)cap;
		if (deflate(&z, Z_FINISH) == Z_STREAM_END)
			got = z.total_out;
		deflateEnd(&z);
		*wrote = cap - z.avail_out;
	}
	/* the window held plaintext */
	if (za != NULL) {
		am_wipe(za->p, za->used);
		za->used = 0;
	}
	return got;
}

int am_chunk_pack(unsigned char *out, size_t *outn, const unsigned char *in, size_t n,
		  int try_compress)
{
	return am_chunk_pack_in(out, outn, in, n, try_compress, NULL);
}

/*
 * 1 when the bytes look random (encrypted, compressed or noise), which
 * deflate would spend more time failing on than a small record costs to
 * seal.  The test is the collision entropy -log2(Σ p²) of the byte counts
 * at 7 bits or more, in integers: n² ≥ 128 Σ c².  Random bytes give 7.4 bits
 * at n = 512 and more above it; text gives 4 to 6.  (It was Shannon entropy
 * with a log2 per byte value, a twentieth of a 1 KiB record's seal.)
 */
static int looks_random(const unsigned char *p, size_t n)
{
	uint32_t count[256] = { 0 };
	uint64_t sq = 0;

	for (size_t i = 0; i < n; i++)
		count[p[i]]++;
	for (size_t c = 0; c < 256; c++)
		sq += (uint64_t)count[c] * count[c];
	return (uint64_t)n * n >= 128 * sq;
}

int am_chunk_deflate(unsigned char *out, size_t *outn, const unsigned char *in, size_t n,
		     struct am_zarena *za)
{
	size_t cap = am_chunk_pt_max(n) - 1, probe = n < PROBE_LEN ? n : PROBE_LEN, got;
	size_t wrote = 0, wrote_probe = 0;

	/* too small to bother, or a small record of random-looking bytes: not even the probe */
	if (n < 512 || (n <= PROBE_LEN && looks_random(in, n)))
		return 0;
	got = deflate_buf(out + 1, cap, in, probe, 1, za, &wrote_probe);
	/* less than a tenth saved on the probe: not worth it */
	if (got == 0 || got >= probe - probe / 10) {
		/* what the probe wrote is compressed (or stored) plaintext */
		am_wipe(out + 1, wrote_probe);
		return 0;
	}
	got = deflate_buf(out + 1, cap, in, n, 6, za, &wrote);
	if (got != 0 && got < n) {
		/* the probe's stream may have been the longer: nothing of it after this one */
		if (wrote_probe > got)
			am_wipe(out + 1 + got, wrote_probe - got);
		out[0] = AM_CHUNK_ZLIB;
		*outn = 1 + got;
		return 1;
	}
	am_wipe(out + 1, wrote > wrote_probe ? wrote : wrote_probe);
	return 0;
}

int am_chunk_pack_in(unsigned char *out, size_t *outn, const unsigned char *in, size_t n,
		     int try_compress, struct am_zarena *za)
{
	if (try_compress && am_chunk_deflate(out, outn, in, n, za))
		return 0;
	out[0] = AM_CHUNK_STORED;
	if (n)
		memcpy(out + 1, in, n);
	*outn = 1 + n;
	return 0;
}

int am_chunk_unpack(unsigned char *out, size_t want, const unsigned char *in, size_t n)
{
	z_stream z;
	int rc, ok;

	if (n < 1)
		return -1;
	if (in[0] == AM_CHUNK_STORED) {
		if (n - 1 != want)
			return -1;
		if (want)
			memcpy(out, in + 1, want);
		return 0;
	}
	if (in[0] != AM_CHUNK_ZLIB)
		return -1;
	memset(&z, 0, sizeof(z));
	z.zalloc = sec_alloc;
	z.zfree = sec_free;
	if (inflateInit(&z) != Z_OK)
		return -1;
	z.next_in = (Bytef *)(uintptr_t)(in + 1);
	z.avail_in = (uInt)(n - 1);
	z.next_out = out;
	z.avail_out = (uInt)want;
	/* exactly want bytes and the end of the stream, nothing more (no bombs) */
	rc = inflate(&z, Z_FINISH);
	ok = rc == Z_STREAM_END && z.total_out == want && z.avail_in == 0;
	inflateEnd(&z);
	return ok ? 0 : -1;
}
