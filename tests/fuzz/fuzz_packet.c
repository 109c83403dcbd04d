/*
 * fuzz_packet.c — a transfer packet pulled into a main vault (am_pull): the
 * framing, the head, the field checkpoint and proofs, each entry record and
 * its chunks, and the end record.  The main vault (made once, in memory keys)
 * has never heard of the packet's officer, so nothing is ever imported; the
 * packet's main-vault id is set to this vault's, so that parsing goes past
 * the head.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "transfer/transfer.h"

/* Where the main vault id sits: magic (8), kind (1), length (4), version (2), field id (16). */
#define MAIN_ID_AT 31

static struct am_vault *v;
static struct am_trusted *t;
static struct am_identity who;

/* The main vault, made on the first call. */
static int setup(void)
{
	static int done;
	struct am_pin pin;
	struct am_err e;
	char path[4096];
	const char *d = fuzz_dir();

	if (done)
		return v != NULL ? 0 : -1;
	done = 1;
	am_err_init(&e);
	if (d == NULL || am_crypto_init() != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/main.db", d);
	am_identity_init(&who);
	if (am_identity_generate(&who, "custodian", &e) != AM_OK ||
	    am_vault_create(path, &who, NULL, 0, &pin, &e) != AM_OK ||
	    am_vault_open(path, 1, &v, &e) != AM_OK || am_trust(v, &pin, &t, &e) != AM_OK)
		return -1;
	am_vault_use_trust(v, t);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_progress none = { NULL, NULL };
	struct am_pull_result r;
	struct am_err e;
	uint8_t *copy;
	const char *path;

	if (setup() != 0)
		return 0;
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (size >= MAIN_ID_AT + AM_VAULT_ID_LEN)
		memcpy(copy + MAIN_ID_AT, am_trusted_vault_id(t), AM_VAULT_ID_LEN);
	path = fuzz_file("in.amnpkt", copy, size);
	free(copy);
	if (path == NULL)
		return 0;
	am_err_init(&e);
	if (am_pull(v, t, &who, path, none, &r, &e) == AM_OK)
		am_pull_result_release(&r);
	return 0;
}
