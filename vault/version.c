/*
 * version.c — which format and which SQLite and zlib this vault code runs
 * with, for 'amanat --version' (a court may ask what produced a file).
 * The library versions are those loaded at run time, not compiled against.
 */
#include "vault_int.h"

#include <zlib.h>

int am_vault_format_version(void)
{
	return AM_FORMAT_VERSION;
}

const char *am_vault_sqlite_version(void)
{
	return sqlite3_libversion();
}

const char *am_vault_zlib_version(void)
{
	return zlibVersion();
}
