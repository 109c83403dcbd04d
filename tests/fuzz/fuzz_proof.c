/*
 * fuzz_proof.c — proofs as `amanat check-proof` reads them: a
 * c2sp.org/tlog-proof@v1 inclusion proof (and the entry carried in its
 * extra data) and a consistency proof.
 */
#include "fuzz.h"
#include "vault/proof.h"
#include "vault/vault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_inclusion_text in;
	struct am_consistency_text co;

	if (am_inclusion_parse((const char *)data, size, &in, NULL) == AM_OK) {
		if (in.extra != NULL) {
			struct am_header h;
			unsigned char hash[AM_HASH_LEN];
			enum am_status s = am_entry_from_bytes(in.extra, in.extra_len, &h, hash, NULL);
			(void)s; /* a wrong signature is an outcome, not a finding */
		}
		am_inclusion_release(&in);
	}
	if (am_consistency_parse((const char *)data, size, &co, NULL) == AM_OK)
		am_consistency_release(&co);
	return 0;
}
