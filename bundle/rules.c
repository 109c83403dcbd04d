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
