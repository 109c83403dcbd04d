/*
 * version.c — the minizip that bundles are made with, for 'amanat --version'.
 * minizip has no run-time version function, so this is the version compiled
 * against: minizip-ng's MZ_VERSION where that is the library, otherwise what
 * pkg-config reported at configure time (AMANAT_MINIZIP_VERSION, set by
 * cmake/install.cmake).
 */
#include "bundle.h"

#include <zip.h>

const char *am_bundle_zip_version(void)
{
#if defined(MZ_VERSION)
	return MZ_VERSION;
#elif defined(AMANAT_MINIZIP_VERSION)
	return AMANAT_MINIZIP_VERSION;
#else
	return "unknown";
#endif
}
