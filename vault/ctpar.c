/* ctpar.c — the content hash checked on two cores (ctpar.h). */
#include "ctpar.h"

#include <string.h>

#include "vault_int.h"

static enum am_status leaf_work(void *ctx, int thread, struct am_pipe_slot *slot,
				struct am_err *e)
{
	(void)ctx;
	(void)thread;
	(void)e;
	am_ct_chunk_hash(slot->leaf, slot->buf, slot->len);
	return AM_OK;
}

static enum am_status leaf_drain(void *ctx, struct am_pipe_slot *slot, struct am_err *e)
{
	(void)e;
	am_ct_hash_add_leaf(ctx, slot->leaf, slot->len);
	return AM_OK;
}

void am_ct_par_start(struct am_ct_par *p, const struct am_header *h)
{
	struct am_err scratch;

	p->piping = 0;
	p->filling = NULL;
	am_ct_hash_init(&p->h, h->flags);
	if (!p->h.per_chunk || h->chunk_count < 2)
		return;
	/* no thread or no memory for it: hash on this thread, as for §12 */
	am_err_init(&scratch);
	p->piping = am_pipe_start(&p->pipe, AM_MAX_CHUNK_CT(h->chunk_size), 0, 0, leaf_work,
				  leaf_drain, &p->h, &scratch) == AM_OK;
}

enum am_status am_ct_par_add(struct am_ct_par *p, const unsigned char *ct, size_t n,
			     struct am_err *e)
{
	unsigned char *buf;

	if (!p->piping) {
		am_ct_hash_add(&p->h, ct, n);
		return AM_OK;
	}
	buf = am_ct_par_buf(p, n);
	if (buf == NULL)
		return am_fail(e, AM_EINPUT, "internal: hashing chunks failed");
	memcpy(buf, ct, n);
	am_ct_par_put(p, n);
	return AM_OK;
}

unsigned char *am_ct_par_buf(struct am_ct_par *p, size_t n)
{
	if (!p->piping || n > p->pipe.bufsize || (p->filling = am_pipe_get(&p->pipe)) == NULL)
		return NULL;
	return p->filling->buf;
}

void am_ct_par_put(struct am_ct_par *p, size_t n)
{
	p->filling->len = n;
	p->filling = NULL;
	am_pipe_put(&p->pipe);
}

enum am_status am_ct_par_finish(struct am_ct_par *p, unsigned char out[AM_HASH_LEN],
				uint64_t *bytes, struct am_err *e)
{
	enum am_status s = AM_OK;

	if (p->filling != NULL)
		am_pipe_unget(&p->pipe); /* taken, never filled */
	p->filling = NULL;
	if (p->piping)
		s = am_pipe_finish(&p->pipe, e);
	p->piping = 0;
	if (out != NULL)
		am_ct_hash_final(&p->h, out);
	if (bytes != NULL)
		*bytes = p->h.bytes;
	return s;
}
