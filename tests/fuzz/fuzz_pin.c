/* fuzz_pin.c — a pin file under the state directory (cli_pin_load). */
#include "cli/pin.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cli_pin p;
	int found = 0;
	const char *path = fuzz_file("in.pin", data, size);

	if (path != NULL && cli_pin_load(path, &p, &found, NULL) == AM_OK)
		cli_pin_release(&p);
	return 0;
}
