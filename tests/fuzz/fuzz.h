/*
 * fuzz.h — what the harnesses share: the libFuzzer entry point, and a
 * private temporary directory for the parsers that read a path rather than
 * bytes.  Built into each harness (libFuzzer's own main with -DAMANAT_FUZZ=ON,
 * replay.c's everywhere else).
 */
#ifndef AMANAT_FUZZ_H
#define AMANAT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Write data to NAME inside this process's temporary directory (created on
 * first use, removed at exit) and return its path, or NULL on failure.  The
 * path stays valid until the next call.
 */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);
/* The temporary directory itself (created on first use), or NULL. */
const char *fuzz_dir(void);
/* Remove everything inside the temporary directory. */
void fuzz_clear(void);

#endif
