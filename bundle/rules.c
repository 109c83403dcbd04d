/*
 * rules.c — what the exporter and the verifier must agree on, kept in one
 * place below both: the consent scopes an export can be made for, and which
 * fields a "withheld" pattern covers (docs/BUNDLE.md).
 */
#include "bundle_int.h"

#include <string.h>

static const char *const scopes[] = {
	"internal", "un-mechanism", "court", "defence-identity", "publication", "re-contact",
};

int am_scope_ok(const char *scope)
{
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		if (strcmp(scope, scopes[i]) == 0)
			return 1;
	return 0;
}

int bundle_withheld(const char *const *patterns, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		const char *w = patterns[i];
		size_t len = strlen(w);
		if (strcmp(w, name) == 0)
			return 1;
		/* "witness.*" withholds every field under witness. */
		if (len >= 2 && w[len - 1] == '*' && w[len - 2] == '.' &&
		    strncmp(w, name, len - 1) == 0)
			return 1;
	}
	return 0;
}

/*
 * Code points a bundle's names never hold even though they are valid UTF-8:
 * C1 controls, invisible and bidirectional formatting (overrides,
 * embeddings, isolates, marks) that make a name read as another, Unicode
 * spaces and separators, look-alikes of '/' and '\', the fullwidth forms of
 * ASCII that Windows' "best fit" conversion turns into '/', '\', ':' or '.',
 * tags, specials and noncharacters.  ZWNJ and ZWJ (U+200C, U+200D) stay:
 * Dari and Pashto spelling needs them.
 */
static int name_cp_denied(uint32_t c)
{
	static const uint32_t deny[][2] = {
		{0x80, 0xA0},       {0xAD, 0xAD},       {0x34F, 0x34F},     {0x61C, 0x61C},
		{0x115F, 0x1160},   {0x1680, 0x1680},   {0x180B, 0x180E},   {0x2000, 0x200B},
		{0x200E, 0x200F},   {0x2028, 0x202F},   {0x2044, 0x2044},   {0x205F, 0x206F},
		{0x2215, 0x2215},   {0x2216, 0x2216},   {0x29F5, 0x29F5},   {0x29F8, 0x29F9},
		{0x3000, 0x3000},   {0x3164, 0x3164},   {0xFDD0, 0xFDEF},   {0xFE00, 0xFE0F},
		{0xFEFF, 0xFEFF},   {0xFF01, 0xFF5E},   {0xFFA0, 0xFFA0},   {0xFFF0, 0xFFFF},
		{0xE0000, 0xE0FFF},
	};

	if ((c & 0xFFFE) == 0xFFFE)
		return 1; /* the noncharacters at the end of every plane */
	for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
		if (c >= deny[i][0] && c <= deny[i][1])
			return 1;
	return 0;
}

size_t bundle_name_char(const unsigned char *p, size_t n, int *ok)
{
	uint32_t c;
	size_t len;

	*ok = 0;
	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		unsigned char ch = p[0];
		*ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '_' || ch == '-';
		return 1;
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		len = 2;
		c = p[0] & 0x1Fu;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		len = 3;
		c = p[0] & 0x0Fu;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		len = 4;
		c = p[0] & 0x07u;
	} else {
		return 1; /* a continuation byte, or a lead byte UTF-8 never uses */
	}
	if (n < len)
		return 1;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 1;
		c = (c << 6) | (p[i] & 0x3Fu);
	}
	/* overlong forms, surrogates, beyond U+10FFFF: not UTF-8 */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 1;
	*ok = !name_cp_denied(c);
	return len;
}
