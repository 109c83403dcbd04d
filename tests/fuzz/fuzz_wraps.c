/* fuzz_wraps.c — an entry's wrapped keys (am_wraps_parse), read through every item. */
#include "fuzz.h"
#include "vault/vault_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_wraps w;
	volatile unsigned char sum = 0;

	if (am_wraps_parse(data, size, &w) == 0)
		for (size_t i = 0; i < (size_t)w.n * (AM_BOX_PK_LEN + AM_WRAP_LEN); i++)
			sum ^= w.items[i];
	(void)sum;
	return 0;
}
