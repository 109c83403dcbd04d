/* fuzz_member.c — an identity record, the payload of genesis and enroll (am_member_parse). */
#include "fuzz.h"
#include "vault/vault_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_member m;

	(void)am_member_parse(data, size, &m);
	return 0;
}
