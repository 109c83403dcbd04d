/* fuzz_fields.c — a decrypted metadata block (am_fields_parse) and its commitment. */
#include "fuzz.h"
#include "vault/vault_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_fields f;
	unsigned char root[AM_HASH_LEN];

	if (am_fields_parse(data, size, &f) == 0) {
		am_fields_root(root, &f);
		for (size_t i = 0; i < f.n; i++)
			(void)am_fields_get(&f, f.v[i].name);
	}
	am_fields_release(&f);
	return 0;
}
