/* cmd_verify_bundle.c — placeholder until the verifier lands */
#include "cli.h"
int cmd_verify_bundle(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "amanat: verify-bundle is not built yet\n");
	return EXIT_USAGE;
}
