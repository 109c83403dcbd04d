/*
 * fuzz_identity.c — identity files: a .pub line (am_pub_parse, in memory),
 * and either kind read from a file for its public half (am_public_read,
 * which parses a .id's header without its passphrase).  The passphrase path
 * of a .id is not fuzzed: past the parser it is Argon2id (at least 64 MiB
 * per try) and an AEAD tag, which no mutation gets through.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/identity.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_identity id;
	const char *path;

	if (am_pub_parse((const char *)data, size, &id, NULL) == AM_OK)
		am_identity_release(&id);
	path = fuzz_file("in.id", data, size);
	if (path != NULL && am_public_read(path, &id, NULL) == AM_OK)
		am_identity_release(&id);
	return 0;
}
