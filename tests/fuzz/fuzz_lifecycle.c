/*
 * fuzz_lifecycle.c — the key-lifecycle payloads (docs/FORMAT.md §24): the
 * same bytes as a revoke record, a rotation and a rewrap (am_revocation_parse,
 * am_rotation_parse, am_rewrap_parse at a seq taken from the first byte).
 */
#include "fuzz.h"
#include "vault/lifecycle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char pk[AM_SIGN_PK_LEN];
	char reason[AM_REASON_MAX + 1];
	struct am_rotation r;
	struct am_rewrap_items w;
	enum am_since kind;
	uint64_t since;
	int64_t ms;

	(void)am_revocation_parse(data, size, pk, &kind, &since, &ms, reason);
	(void)am_rotation_parse(data, size, &r);
	if (size > 0 && am_rewrap_parse(data + 1, size - 1, (uint64_t)data[0] << 8, &w) == 0)
		for (uint32_t i = 0; i < w.n; i++)
			(void)am_rewrap_via(&w, i);
	return 0;
}
