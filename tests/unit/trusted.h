/*
 * trusted.h — for tests that drive the vault library directly: writers take
 * the log as verified from a pin, and these tests trust each vault handle
 * they open from its genesis (first use), once per handle.  trust_of(v)
 * verifies and remembers; close_vault(v) forgets and closes.  Header-only,
 * shared by tests/unit and tests/fault.
 */
#ifndef AMANAT_TEST_TRUSTED_H
#define AMANAT_TEST_TRUSTED_H

#include <stdio.h>
#include <string.h>

#include "vault/vault.h"

#define TRUSTED_MAX 16

static struct {
	struct am_vault *v;
	struct am_trusted *t;
} trusts[TRUSTED_MAX];

/* v's verified state (verified from genesis on first call), or NULL if it does not verify. */
static struct am_trusted *trust_of(struct am_vault *v)
{
	struct am_pin none;
	size_t free_slot = TRUSTED_MAX;

	for (size_t i = 0; i < TRUSTED_MAX; i++) {
		if (trusts[i].v == v)
			return trusts[i].t;
		if (trusts[i].v == NULL && free_slot == TRUSTED_MAX)
			free_slot = i;
	}
	memset(&none, 0, sizeof(none));
	if (free_slot == TRUSTED_MAX || am_trust(v, &none, &trusts[free_slot].t, NULL) != AM_OK)
		return NULL;
	trusts[free_slot].v = v;
	am_vault_use_trust(v, trusts[free_slot].t);
	return trusts[free_slot].t;
}

/* Forget v's verified state and close it. */
static void close_vault(struct am_vault *v)
{
	for (size_t i = 0; i < TRUSTED_MAX; i++)
		if (trusts[i].v == v && v != NULL) {
			am_trusted_free(trusts[i].t);
			trusts[i].v = NULL;
			trusts[i].t = NULL;
		}
	am_vault_close(v);
}

/*
 * A new vault at path: fresh admin and custodian identities (admin-hq,
 * custodian-geneva), created, opened for writing and trusted.  NULL (after
 * failed checks) if any step fails.
 */
static inline struct am_vault *new_trusted_vault(const char *path, struct am_identity *admin,
						 struct am_identity *cust)
{
	struct am_vault *v = NULL;

	if (am_identity_generate(admin, "admin-hq", NULL) != AM_OK ||
	    am_identity_generate(cust, "custodian-geneva", NULL) != AM_OK ||
	    am_vault_create(path, admin, cust, 1, NULL, NULL) != AM_OK ||
	    am_vault_open(path, 1, &v, NULL) != AM_OK)
		return NULL;
	if (trust_of(v) == NULL) {
		am_vault_close(v);
		return NULL;
	}
	return v;
}

#ifdef AMANAT_TEST_CHECK_H
/*
 * new_trusted_vault at dir/v.vault (path), dir a fresh scratch directory
 * named for tag (check_tmpdir): how each unit test that drives a vault starts.
 */
static inline struct am_vault *scratch_vault(const char *tag, char *dir, size_t dirlen,
					     char *path, size_t pathlen, struct am_identity *admin,
					     struct am_identity *cust)
{
	check_tmpdir(dir, dirlen, tag);
	snprintf(path, pathlen, "%s/v.vault", dir);
	return new_trusted_vault(path, admin, cust);
}

/* The end of such a test: v closed, the identities released, dir removed; its result. */
static inline int scratch_done(struct am_vault *v, struct am_identity *admin,
			       struct am_identity *cust, const char *dir)
{
	close_vault(v);
	am_identity_release(admin);
	am_identity_release(cust);
	check_rmtree(dir);
	return check_done();
}
#endif

/* Entries in v (UINT64_MAX if it cannot be counted). */
static inline uint64_t count_of(struct am_vault *v)
{
	uint64_t n = 0;

	return am_vault_count(v, &n, NULL) == AM_OK ? n : UINT64_MAX;
}

/* 1 when a full verification of v passes and finds size entries. */
static inline int verifies(struct am_vault *v, uint64_t size)
{
	struct am_progress none = { NULL, NULL };
	struct am_verify_report r;

	memset(&r, 0, sizeof(r));
	return am_verify(v, AM_VERIFY_FULL, none, &r, NULL) == AM_OK && r.ok && r.size == size;
}

/* A seal request for content held in memory (a document with fields f). */
static inline void mem_req(struct am_seal_req *req, const struct am_fields *f, const void *p,
			   size_t n)
{
	memset(req, 0, sizeof(*req));
	req->type = AM_T_DOCUMENT;
	req->fields = f;
	req->fd = -1;
	req->data = p;
	req->len = n;
}

#endif
