/*
 * sink.h — where a bundle's files go: a directory (built under a temporary
 * name and renamed into place at commit) or a ZIP (written through minizip
 * into a new, unnamed file linked into place at commit, or encrypted into
 * such a file as it is made, bundle_crypt.h).  Nothing is at the output's path
 * before am_sink_commit, so an export can finish, record what it made, and
 * only then name it.
 * Every byte written is scanned for the values the export withholds, and
 * every file's SHA-256 and SHA-512 are kept for the manifests.
 */
#ifndef AMANAT_SINK_H
#define AMANAT_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../common/fsutil.h"
#include "../crypto/crypto.h"

struct am_sink_file {
	char *path;
	uint64_t size;
	unsigned char sha256[AM_HASH_LEN];
	unsigned char sha512[AM_SHA512_LEN];
};

struct am_sink;

/*
 * kind: 0 directory at path, 1 ZIP file at path, 2 ZIP encrypted to box_pk
 * (NULL for the others) into the file at path.  Opening checks that path
 * does not exist and that its directory takes new files, so a bad -o fails
 * before anything else is done.
 */
AM_WUR enum am_status am_sink_open(struct am_sink **out, int kind, const char *path,
				   int64_t time_ms, const unsigned char *box_pk,
				   struct am_err *e);
/*
 * Values that must appear nowhere in the output (each at least 4 bytes),
 * with a label naming each for the error message.
 */
AM_WUR enum am_status am_sink_forbid(struct am_sink *s, const unsigned char *value, size_t n,
				     const char *label, struct am_err *e);
/*
 * Name the one top-level directory a ZIP holds (RFC 8493 §4.2), before the
 * first file; a name of [A-Za-z0-9._-] only.
 */
void am_sink_base(struct am_sink *s, const char *base);
/* Files are written one at a time: begin, write..., end.  store: no deflate. */
AM_WUR enum am_status am_sink_begin(struct am_sink *s, const char *path, int store,
				    struct am_err *e);
AM_WUR enum am_status am_sink_write(struct am_sink *s, const void *p, size_t n,
				    struct am_err *e);
AM_WUR enum am_status am_sink_end(struct am_sink *s, struct am_err *e);
AM_WUR enum am_status am_sink_add(struct am_sink *s, const char *path, const void *p, size_t n,
				  int store, struct am_err *e);
/* The record of a file already written, or NULL. */
const struct am_sink_file *am_sink_find(const struct am_sink *s, const char *path);
/*
 * Complete the output without naming it: close the ZIP (for kind 2, seal
 * its last chunks and write the header), sync every file.  The sink stays
 * the caller's, to commit or abort.
 */
AM_WUR enum am_status am_sink_finish(struct am_sink *s, struct am_err *e);
/* SHA-256 of what the output file (kinds 1 and 2) holds now. */
AM_WUR enum am_status am_sink_file_sha256(struct am_sink *s, unsigned char out[AM_HASH_LEN],
					  struct am_err *e);
/*
 * After am_sink_finish: give the output its name (rename the directory, link
 * the file), durably.  Never replaces anything.  The sink is freed in every
 * case; on failure the output is removed.
 */
AM_WUR enum am_status am_sink_commit(struct am_sink *s, struct am_err *e);
/* Give up and remove everything written.  NULL is fine. */
void am_sink_abort(struct am_sink *s);

#endif
