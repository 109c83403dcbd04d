/*
 * fuzz_bundle_zip.c — a bundle as one ZIP file (am_bundle_verify): the ZIP
 * reader, and what lies behind it when the archive holds together.
 */
#include "bundle/bundle.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct am_bundle_verify_opts o = {0};
	struct am_bundle_report r;
	struct am_err e;
	const char *path = fuzz_file("in.zip", data, size);
	enum am_status s;

	if (path == NULL)
		return 0;
	am_err_init(&e);
	s = am_bundle_verify(path, &o, &r, &e);
	(void)s; /* the report is filled in either way */
	am_bundle_report_release(&r);
	return 0;
}
