/*
 * replay.c — main() for the builds without libFuzzer: feed every file named,
 * or every file of every directory named, to LLVMFuzzerTestOneInput once, so
 * that ctest replays each corpus (past crashes included) in every build.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/*
 * Run one file, read into a buffer of exactly its size so that reading one
 * byte past the input is caught; -1 when it cannot be read.
 */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n = -1;

	if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(n ? (size_t)n : 1)) != NULL &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)n);
		free(buf);
		return 0;
	}
	fprintf(stderr, "replay: cannot read %s\n", path);
	if (f != NULL)
		fclose(f);
	free(buf);
	return -1;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
	size_t runs = 0;
	int bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		struct dirent **names;
		int n;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: cannot stat %s\n", argv[i]);
			bad = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= run_file(argv[i]) != 0;
			runs++;
			continue;
		}
		n = scandir(argv[i], &names, NULL, by_name);
		if (n < 0) {
			fprintf(stderr, "replay: cannot list %s\n", argv[i]);
			bad = 1;
			continue;
		}
		for (int j = 0; j < n; j++) {
			char p[4096];
			if (names[j]->d_name[0] != '.') {
				snprintf(p, sizeof(p), "%s/%s", argv[i], names[j]->d_name);
				if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
					bad |= run_file(p) != 0;
					runs++;
				}
			}
			free(names[j]);
		}
		free(names);
	}
	printf("replayed %zu inputs\n", runs);
	return bad || runs == 0;
}
