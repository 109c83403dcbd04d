/*
 * tamper.c — deliberately damaging a COPY of a vault, as someone with write
 * access to the file could, so that the demo can show verification catching
 * it.  It goes around amanat's own guards (the append-only triggers) exactly
 * as an attacker would, which is why verification, not prevention, is the
 * guarantee.  Nothing but the demo calls this.
 */
#include "vault_int.h"

#include <stdlib.h>
#include <string.h>

enum am_status am_tamper_flip_chunk_byte(const char *path, uint64_t seq, struct am_err *e)
{
	struct am_vault *v = NULL;
	sqlite3_stmt *st = NULL;
	unsigned char *data = NULL;
	size_t n = 0;
	enum am_status s;
	int rc;

	s = am_vault_open(path, 1, &v, e);
	if (s != AM_OK)
		return s;
	s = am_db_exec(v, "DROP TRIGGER IF EXISTS chunks_no_update", e);
	if (s != AM_OK)
		goto cleanup;
	rc = sqlite3_prepare_v2(v->db, "SELECT data FROM chunks WHERE seq = ? AND idx = 0", -1, &st,
				NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		s = am_fail(e, AM_EINPUT, "%s: entry %llu has no content to tamper with", path,
			    (unsigned long long)seq);
		goto cleanup;
	}
	n = (size_t)sqlite3_column_bytes(st, 0);
	data = malloc(n ? n : 1);
	if (data == NULL) {
		s = am_fail(e, AM_ENOMEM, "out of memory");
		goto cleanup;
	}
	memcpy(data, sqlite3_column_blob(st, 0), n);
	sqlite3_finalize(st);
	st = NULL;
	data[n / 2] ^= 0x01;
	rc = sqlite3_prepare_v2(v->db, "UPDATE chunks SET data = ? WHERE seq = ? AND idx = 0", -1,
				&st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_blob64(st, 1, data, n, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE)
		s = am_db_error(v, rc, "tampering", e);
cleanup:
	sqlite3_finalize(st);
	free(data);
	am_vault_close(v);
	return s;
}
