/*
 * fuzz_note.c — signed notes: a checkpoint (am_checkpoint_parse) and its
 * signature lines, counted against the keys of the seed vault and witness
 * (so that the corpus's real signatures are checked); and the input as a
 * verifier key (am_vkey_parse).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vault/note.h"

/* The keys of the vault and the witness that signed corpus/note/ (docs/RELIABILITY.md). */
static const char *const KEYS[] = {
	"amanat/dfa72734ccbb13964b885675331b8a83+081b21e6+AeVQ+fEbra/6/rntyDRVEOBYhAhZSklyvdcyGlckLrsz",
	"wit+5c3521db+BFNsv10cEHE4I0bIIyyJNk6qkpkidDrevTcpSUyQt3g1",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_vkey keys[2], k;
	struct am_checkpoint c;
	char *s;
	int mask[2];

	for (size_t i = 0; i < 2; i++)
		if (am_vkey_parse(KEYS[i], &keys[i], NULL) != AM_OK)
			abort();
	memset(&c, 0, sizeof(c));
	if (am_checkpoint_parse((const char *)data, size, &c, NULL) == AM_OK) {
		(void)am_note_count_valid(&c, keys, 2, mask);
		am_checkpoint_release(&c);
	}
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (am_vkey_parse(s, &k, NULL) == AM_OK)
		(void)am_note_key_id(k.name, k.type, k.pk);
	free(s);
	return 0;
}
