/*
 * banned.h — functions with a safer alternative here, made compile errors
 * (after git's banned.h).  Force-included into every amanat source file.
 */
#ifndef AMANAT_BANNED_H
#define AMANAT_BANNED_H

/*
 * The system headers first: with _FORTIFY_SOURCE they define inline
 * wrappers named like the banned functions, which the macros below must not
 * rewrite.  Include guards keep later includes from seeing them again.
 */
#include <stdio.h>
#include <string.h>

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gets
#define gets(x) BANNED(gets)

#endif
