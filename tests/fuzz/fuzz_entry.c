/*
 * fuzz_entry.c — an entry as header || 64-byte signature
 * (am_entry_from_bytes), the same bytes as a bare header (am_header_parse,
 * reached here without a valid signature), and a parsed header's payload as
 * an identity record (am_member_parse).
 */
#include "fuzz.h"
#include "vault/vault_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_header h;
	struct am_member m;
	unsigned char hash[AM_HASH_LEN];
	char why[256];

	enum am_status s = am_entry_from_bytes(data, size, &h, hash, NULL);

	(void)s; /* a wrong signature is an outcome, not a finding */
	if (size >= AM_SIG_LEN &&
	    am_header_parse(data, size - AM_SIG_LEN, &h, why, sizeof(why)) == 0) {
		for (uint32_t i = 0; i < h.nrefs; i++)
			(void)am_header_ref(&h, i);
		if (h.payload_len > 0)
			(void)am_member_parse(h.payload, h.payload_len, &m);
	}
	return 0;
}
