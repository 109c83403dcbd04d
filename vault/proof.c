/* proof.c — reading and writing tlog-proof and consistency proof texts. */
#include "proof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One base64 hash line per proof element. */
static void hash_lines(struct am_buf *b, const unsigned char proof[][AM_MT_HASH], size_t count)
{
	char line[64];

	for (size_t i = 0; i < count; i++) {
		am_b64(line, proof[i], AM_MT_HASH);
		am_buf_add(b, line, strlen(line));
		am_buf_u8(b, '\n');
	}
}

void am_inclusion_format(struct am_buf *b, const unsigned char *extra, size_t extra_len,
			 uint64_t index, const unsigned char proof[][AM_MT_HASH], size_t count,
			 const struct am_checkpoint *cp)
{
	char line[64];

	am_buf_add(b, AM_TLOG_PROOF_HEADER "\n", strlen(AM_TLOG_PROOF_HEADER) + 1);
	if (extra != NULL) {
		size_t n = am_b64_len(extra_len);
		char *enc = malloc(n);
		if (enc == NULL) {
			b->oom = 1;
			return;
		}
		am_b64(enc, extra, extra_len);
		am_buf_add(b, "extra ", 6);
		am_buf_add(b, enc, strlen(enc));
		am_buf_u8(b, '\n');
		free(enc);
	}
	snprintf(line, sizeof(line), "index %llu\n", (unsigned long long)index);
	am_buf_add(b, line, strlen(line));
	hash_lines(b, proof, count);
	am_buf_u8(b, '\n');
	am_buf_add(b, cp->text, cp->len);
}

void am_consistency_format(struct am_buf *b, uint64_t old, const unsigned char proof[][AM_MT_HASH],
			   size_t count, const struct am_checkpoint *cp)
{
	char line[64];

	snprintf(line, sizeof(line), "old %llu\n", (unsigned long long)old);
	am_buf_add(b, line, strlen(line));
	hash_lines(b, proof, count);
	am_buf_u8(b, '\n');
	am_buf_add(b, cp->text, cp->len);
}

/* The next line of [*p, end) without its newline; NULL when there is none. */
static const char *next_line(const char **p, const char *end, size_t *n)
{
	const char *s = *p, *nl;

	if (s >= end)
		return NULL;
	nl = memchr(s, '\n', (size_t)(end - s));
	if (nl == NULL)
		return NULL;
	*n = (size_t)(nl - s);
	*p = nl + 1;
	return s;
}

static int parse_dec(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || x > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

/* Hash lines up to the blank line; then the checkpoint is the rest. */
static enum am_status hashes_then_checkpoint(const char *p, const char *end,
					     unsigned char proof[][AM_MT_HASH], size_t *count,
					     struct am_checkpoint *cp, struct am_err *e)
{
	const char *line;
	size_t n = 0;

	*count = 0;
	while ((line = next_line(&p, end, &n)) != NULL && n > 0) {
		if (*count == AM_MT_MAX_PROOF || am_unb64(proof[*count], AM_MT_HASH, line, n) != 0)
			return am_fail(e, AM_EINPUT, "proof line %zu is not a base64 SHA-256", *count + 1);
		(*count)++;
	}
	if (line == NULL)
		return am_fail(e, AM_EINPUT, "proof has no checkpoint after its hashes");
	return am_checkpoint_parse(p, (size_t)(end - p), cp, e);
}

enum am_status am_inclusion_parse(const char *text, size_t len, struct am_inclusion_text *out,
				  struct am_err *e)
{
	const char *p = text, *end = text + len, *line;
	size_t n = 0;
	enum am_status s;

	memset(out, 0, sizeof(*out));
	line = next_line(&p, end, &n);
	if (line == NULL || n != strlen(AM_TLOG_PROOF_HEADER) ||
	    memcmp(line, AM_TLOG_PROOF_HEADER, n) != 0)
		return am_fail(e, AM_EINPUT, "not a c2sp.org/tlog-proof@v1 proof");
	line = next_line(&p, end, &n);
	if (line != NULL && n > 6 && memcmp(line, "extra ", 6) == 0) {
		size_t enc = n - 6, pad = 0;
		if (enc % 4 == 0 && enc > 0)
			pad = (line[n - 1] == '=') + (line[n - 2] == '=');
		out->extra_len = enc / 4 * 3 - pad;
		out->extra = malloc(out->extra_len ? out->extra_len : 1);
		if (out->extra == NULL)
			return am_fail(e, AM_ENOMEM, "out of memory");
		if (enc % 4 != 0 || out->extra_len == 0 ||
		    am_unb64(out->extra, out->extra_len, line + 6, enc) != 0) {
			am_inclusion_release(out);
			return am_fail(e, AM_EINPUT, "proof's extra line is not base64");
		}
		line = next_line(&p, end, &n);
	}
	if (line == NULL || n < 7 || memcmp(line, "index ", 6) != 0 ||
	    parse_dec(line + 6, n - 6, &out->index) != 0) {
		am_inclusion_release(out);
		return am_fail(e, AM_EINPUT, "proof has no valid index line");
	}
	s = hashes_then_checkpoint(p, end, out->proof, &out->count, &out->cp, e);
	if (s != AM_OK)
		am_inclusion_release(out);
	return s;
}

void am_inclusion_release(struct am_inclusion_text *p)
{
	free(p->extra);
	am_checkpoint_release(&p->cp);
	memset(p, 0, sizeof(*p));
}

enum am_status am_consistency_parse(const char *text, size_t len, struct am_consistency_text *out,
				    struct am_err *e)
{
	const char *p = text, *end = text + len, *line;
	size_t n = 0;
	enum am_status s;

	memset(out, 0, sizeof(*out));
	line = next_line(&p, end, &n);
	if (line == NULL || n < 5 || memcmp(line, "old ", 4) != 0 ||
	    parse_dec(line + 4, n - 4, &out->old) != 0)
		return am_fail(e, AM_EINPUT, "not a consistency proof (no 'old N' line)");
	s = hashes_then_checkpoint(p, end, out->proof, &out->count, &out->cp, e);
	if (s == AM_OK && out->old > out->cp.size)
		s = am_fail(e, AM_EINPUT, "consistency proof's old size is larger than its checkpoint's");
	if (s != AM_OK)
		am_consistency_release(out);
	return s;
}

void am_consistency_release(struct am_consistency_text *p)
{
	am_checkpoint_release(&p->cp);
	memset(p, 0, sizeof(*p));
}
