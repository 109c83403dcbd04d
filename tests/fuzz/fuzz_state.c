/* fuzz_state.c — an audit or witness state file (cli_state_load). */
#include "cli/trust.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cli_state st;
	const char *path = fuzz_file("in.state", data, size);

	if (path != NULL && cli_state_load(path, NULL, &st, NULL) == AM_OK) {
		if (st.n > 0)
			(void)cli_state_find(&st, st.v[st.n - 1].origin);
		cli_state_release(&st);
	}
	return 0;
}
