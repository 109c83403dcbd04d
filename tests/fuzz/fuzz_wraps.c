/*
 * fuzz_wraps.c — an entry's wrapped keys (am_wraps_parse_as), read through
 * every item, in both shapes: sealed boxes (§14) and batch wraps (§29).
 */
#include "fuzz.h"
#include "vault/vault_int.h"
#include "vault/bwrap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned kinds[] = { 0, AM_HF_BWRAP };
	struct am_wraps w;
	volatile unsigned char sum = 0;

	for (size_t k = 0; k < 2; k++)
		if (am_wraps_parse_as(data, size, kinds[k], &w) == 0)
			for (size_t i = 0; i < (size_t)w.n * w.item; i++)
				sum ^= w.items[i];
	(void)sum;
	return 0;
}
