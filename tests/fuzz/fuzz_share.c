/*
 * fuzz_share.c — recovery shares (docs/FORMAT.md §24a): am_share_parse on
 * any text, and, when two shares parse from one input split at its middle,
 * am_identity_recover on them (which must refuse shares that do not belong
 * together, and rebuild or refuse without reading past anything).
 * Also checks that a parsed share formats back to text that parses to the
 * same share.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/share.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_share sh[2], again;
	struct am_identity id;
	char text[AM_SHARE_TEXT_MAX];
	size_t half = size / 2;
	unsigned left_out;
	int ok0, ok1;
	static int ready;

	/* shares live in sodium_malloc'ed memory, which needs sodium_init first */
	if (!ready && am_crypto_init() != 0)
		abort();
	ready = 1;

	ok0 = am_share_parse("in", (const char *)data, size, &sh[0], NULL) == AM_OK;
	if (ok0) {
		if (am_share_format(&sh[0], text, sizeof(text)) != 0)
			abort();
		if (am_share_parse("again", text, strlen(text), &again, NULL) != AM_OK ||
		    again.x != sh[0].x || again.k != sh[0].k || again.n != sh[0].n ||
		    memcmp(again.y, sh[0].y, AM_SHARE_SECRET_LEN) != 0)
			abort();
		am_share_release(&again);
		am_share_release(&sh[0]);
	}
	ok0 = am_share_parse("a", (const char *)data, half, &sh[0], NULL) == AM_OK;
	ok1 = am_share_parse("b", (const char *)data + half, size - half, &sh[1], NULL) == AM_OK;
	if (ok0 && ok1 && am_identity_recover(sh, NULL, 2, &id, &left_out, NULL) == AM_OK)
		am_identity_release(&id);
	if (ok0)
		am_share_release(&sh[0]);
	if (ok1)
		am_share_release(&sh[1]);
	return 0;
}
