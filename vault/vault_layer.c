/*
 * vault_layer.c — accessors that let the layers above vault/ use what a
 * struct am_vault holds without its definition (vault_layer.h).
 */
#include "vault_int.h"

const char *am_vault_path(const struct am_vault *v)
{
	return v->path;
}
