/*
 * vectors.h — the known-answer files of tests/vectors ("NAME = HEX" lines,
 * '#' comments), read by the unit tests that check against them.  The
 * directory is $AMANAT_VECTORS, else tests/vectors (ctest sets it).
 */
#ifndef AMANAT_TEST_VECTORS_H
#define AMANAT_TEST_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"

#define VECS_MAX 64

struct vec {
	char name[64];
	unsigned char *v;
	size_t n;
};

struct vecs {
	struct vec v[VECS_MAX];
	size_t n;
};

/* Read file from the vector directory into vs; -1 (said on stderr) if it cannot. */
static int vecs_load(struct vecs *vs, const char *file)
{
	const char *dir = getenv("AMANAT_VECTORS");
	char path[4096], line[8192];
	int rc = 0;
	FILE *f;

	memset(vs, 0, sizeof(*vs));
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/vectors", file);
	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "cannot open %s (set AMANAT_VECTORS)\n", path);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL && vs->n < VECS_MAX) {
		char *eq = strstr(line, " = ");
		struct vec *v = &vs->v[vs->n];
		size_t hl;
		if (line[0] == '#' || eq == NULL)
			continue;
		*eq = '\0';
		hl = strcspn(eq + 3, "\n");
		snprintf(v->name, sizeof(v->name), "%s", line);
		v->n = hl / 2;
		v->v = malloc(hl / 2 + 1);
		if (v->v == NULL || am_unhex(v->v, hl / 2, eq + 3, hl) != 0) {
			fprintf(stderr, "%s: bad line for %s\n", path, line);
			free(v->v);
			rc = -1;
			break;
		}
		vs->n++;
	}
	fclose(f);
	return rc;
}

/* The vector called name, or NULL. */
static const struct vec *vecs_get(const struct vecs *vs, const char *name)
{
	for (size_t i = 0; i < vs->n; i++)
		if (strcmp(vs->v[i].name, name) == 0)
			return &vs->v[i];
	return NULL;
}

static void vecs_free(struct vecs *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		free(vs->v[i].v);
	memset(vs, 0, sizeof(*vs));
}

#endif
