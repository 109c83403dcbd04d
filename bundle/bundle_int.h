/*
 * bundle_int.h — what every file of bundle/ may use and nothing above it
 * may: the layer's public header, the parts of vault/ an upper layer may use
 * (vault_layer.h), and the rules the exporter and the verifier both apply
 * (rules.c).  The exporter's files add export_int.h, the verifier's
 * bundle_verify_int.h.
 */
#ifndef AMANAT_BUNDLE_INT_H
#define AMANAT_BUNDLE_INT_H

#include "../common/bytes.h"
#include "../common/fsutil.h"
#include "../vault/vault_layer.h"
#include "bundle.h"

/* ---- rules.c ------------------------------------------------------------ */

/*
 * 1 when field name is withheld by one of the n patterns: a field name, or
 * "prefix.*" for every field under prefix.
 */
int bundle_withheld(const char *const *patterns, size_t n, const char *name);

#endif
