/*
 * store.c — the SQLite file: schema, pragmas, append-only triggers, and the
 * few statements that read and write rows.  Nothing read here is trusted;
 * verify.c recomputes every hash from the bytes.
 */
#include "vault_int.h"
#include "bwrap.h"
#include "../common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const schema_sql =
	"CREATE TABLE entries("
	" seq INTEGER PRIMARY KEY,"
	" type INTEGER NOT NULL,"
	" header BLOB NOT NULL,"
	" sig BLOB NOT NULL,"
	" hash BLOB NOT NULL,"
	" wraps BLOB NOT NULL,"
	" meta BLOB NOT NULL);"
	"CREATE TABLE chunks("
	" id INTEGER PRIMARY KEY,"
	" seq INTEGER NOT NULL,"
	" idx INTEGER NOT NULL,"
	" data BLOB NOT NULL,"
	" UNIQUE(seq, idx));"
	"CREATE TABLE tree("
	" level INTEGER NOT NULL,"
	" idx INTEGER NOT NULL,"
	" hash BLOB NOT NULL,"
	" PRIMARY KEY(level, idx)) WITHOUT ROWID;"
	"CREATE TABLE checkpoints("
	" id INTEGER PRIMARY KEY,"
	" size INTEGER NOT NULL,"
	" root BLOB NOT NULL,"
	" signer BLOB NOT NULL,"
	" note TEXT NOT NULL);"
	/*
	 * History is never edited: these stop our own mistakes, not an attacker.
	 * RAISE(ROLLBACK), with amanat's INSERT OR ROLLBACK, means no statement
	 * can end in a partial undo, so SQLite keeps no statement journal (a copy
	 * of every 64 KiB page each INSERT touches); a failed statement rolls the
	 * whole transaction back, as amanat does anyway.  Vaults of schema 1
	 * (before 2026-12-06) carry RAISE(ABORT) and are accepted as they are.
	 */
	"CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries"
	" BEGIN SELECT RAISE(ROLLBACK, 'amanat: entries are append-only'); END;"
	"CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries"
	" BEGIN SELECT RAISE(ROLLBACK, 'amanat: entries are append-only'); END;"
	"CREATE TRIGGER entries_append_only BEFORE INSERT ON entries"
	" WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq) + 1, 0) FROM entries)"
	" BEGIN SELECT RAISE(ROLLBACK, 'amanat: entries are append-only'); END;"
	"CREATE TRIGGER chunks_no_update BEFORE UPDATE ON chunks"
	" BEGIN SELECT RAISE(ROLLBACK, 'amanat: chunks are append-only'); END;"
	"CREATE TRIGGER chunks_no_delete BEFORE DELETE ON chunks"
	" BEGIN SELECT RAISE(ROLLBACK, 'amanat: chunks are append-only'); END;"
	/* chunks are written just before the entry that names them */
	"CREATE TRIGGER chunks_append_only BEFORE INSERT ON chunks"
	" WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq) + 1, 0) FROM entries)"
	"  OR EXISTS (SELECT 1 FROM chunks WHERE seq = NEW.seq AND idx = NEW.idx)"
	/* INSERT OR REPLACE by rowid from a client without recursive_triggers */
	"  OR EXISTS (SELECT 1 FROM chunks WHERE id = NEW.id)"
	" BEGIN SELECT RAISE(ROLLBACK, 'amanat: chunks are append-only'); END;"
	"CREATE TRIGGER tree_no_update BEFORE UPDATE ON tree"
	" BEGIN SELECT RAISE(ROLLBACK, 'amanat: the tree is append-only'); END;"
	"CREATE TRIGGER tree_no_delete BEFORE DELETE ON tree"
	" BEGIN SELECT RAISE(ROLLBACK, 'amanat: the tree is append-only'); END;"
	"CREATE TRIGGER tree_no_replace BEFORE INSERT ON tree"
	" WHEN EXISTS (SELECT 1 FROM tree WHERE level = NEW.level AND idx = NEW.idx)"
	" BEGIN SELECT RAISE(ROLLBACK, 'amanat: the tree is append-only'); END;"
	"CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints"
	" BEGIN SELECT RAISE(ROLLBACK, 'amanat: checkpoints are append-only'); END;"
	"CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints"
	" BEGIN SELECT RAISE(ROLLBACK, 'amanat: checkpoints are append-only'); END;"
	"CREATE TRIGGER checkpoints_no_replace BEFORE INSERT ON checkpoints"
	" WHEN EXISTS (SELECT 1 FROM checkpoints WHERE id = NEW.id)"
	" BEGIN SELECT RAISE(ROLLBACK, 'amanat: checkpoints are append-only'); END;";

enum am_status am_db_error(struct am_vault *v, int rc, const char *what, struct am_err *e)
{
	const char *msg = v->db ? sqlite3_errmsg(v->db) : sqlite3_errstr(rc);
	int prim = rc & 0xff;
	enum am_status s = AM_EIO;

	if (prim == SQLITE_NOTADB || prim == SQLITE_CORRUPT || prim == SQLITE_FORMAT)
		s = AM_EINPUT;
	else if (prim == SQLITE_NOMEM)
		s = AM_ENOMEM;
	if (prim == SQLITE_FULL)
		return am_fail(e, AM_EIO, "%s: %s: the disk is full; nothing was changed", v->path, what);
	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		return am_fail(e, AM_EIO, "%s: %s: the vault is still busy after %d seconds (another "
			       "amanat is writing it); try again when it has finished",
			       v->path, what, AM_BUSY_WAIT_SECONDS);
	if (prim == SQLITE_READONLY)
		return am_fail(e, AM_EIO, "%s: %s: the vault is read-only here", v->path, what);
	/* SQLite's own words ("database disk image is malformed") speak of its internals */
	if (prim == SQLITE_CORRUPT)
		return am_fail(e, s, "%s: %s: the vault file is damaged; run 'amanat verify' on it "
			       "and go back to a copy", v->path, what);
	if (prim == SQLITE_NOTADB)
		return am_fail(e, s, "%s: %s: this is not a vault file, or its first page is "
			       "damaged", v->path, what);
	return am_fail(e, s, "%s: %s: %s", v->path, what, msg);
}

enum am_status am_db_exec(struct am_vault *v, const char *sql, struct am_err *e)
{
	int rc = sqlite3_exec(v->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? AM_OK : am_db_error(v, rc, "database", e);
}

enum am_status am_db_begin(struct am_vault *v, struct am_err *e)
{
	int rc = sqlite3_exec(v->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	return rc == SQLITE_OK ? AM_OK : am_db_error(v, rc, "starting a transaction", e);
}

enum am_status am_db_commit(struct am_vault *v, struct am_err *e)
{
	int rc = sqlite3_exec(v->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		enum am_status s = am_db_error(v, rc, "committing", e);
		am_db_rollback(v);
		return s;
	}
	return AM_OK;
}

enum am_status am_db_writing(struct am_vault *v, const char *what, struct am_err *e)
{
	if (!sqlite3_get_autocommit(v->db))
		return AM_OK;
	return am_fail(e, AM_EIO, "%s: %s: the transaction was already rolled back; nothing "
		       "was changed", v->path, what);
}

void am_db_rollback(struct am_vault *v)
{
	if (!sqlite3_get_autocommit(v->db))
		(void)sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
	/*
	 * After an I/O error SQLite defers rolling the journal back to the next
	 * read; do that read now, so we never exit leaving a hot journal.
	 */
	(void)sqlite3_exec(v->db, "SELECT 1 FROM sqlite_schema LIMIT 1", NULL, NULL, NULL);
}

static void (*wait_fn)(void *ctx, const char *path);
static void *wait_ctx;
static int wait_told; /* the notice is given once per process */

void am_vault_on_wait(void (*fn)(void *ctx, const char *path), void *ctx)
{
	wait_fn = fn;
	wait_ctx = ctx;
}

/*
 * SQLite's busy handler: another connection holds the lock this one needs
 * (a writer appending, or readers a writer must wait out before it commits).
 * Wait for it, up to AM_BUSY_WAIT_SECONDS for each lock, telling the caller
 * after about a second; short sleeps with jitter, since SQLite's file locks
 * are not queued and waiting writers must not retry in step.
 */
static int busy_wait(void *arg, int count)
{
	struct am_vault *v = arg;
	long long now = am_mono_ns() / 1000000, ms;
	struct timespec ts;

	if (count == 0)
		v->busy_since_ms = now;
	if (now - v->busy_since_ms >= AM_BUSY_WAIT_SECONDS * 1000LL)
		return 0;
	if (now - v->busy_since_ms >= 1000 && !wait_told && wait_fn != NULL) {
		wait_told = 1;
		wait_fn(wait_ctx, v->path);
	}
	ms = count < 5 ? 1LL << count : 20;
	ms += (now ^ (long long)getpid() * 7919) % (ms + 1);
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(ms * 1000000);
	nanosleep(&ts, NULL);
	return 1;
}

/*
 * Process-wide SQLite settings, before SQLite initialises (later calls are
 * refused by SQLite and change nothing): no allocation statistics, which
 * cost every malloc a mutex.  Statement journals stay in memory
 * (temp_store=MEMORY, below): a spill threshold with temp_store=FILE was
 * tried for batches of small entries and made a multi-row INSERT of tree
 * nodes fail with SQLITE_FULL after ~36,000 entries (docs/DECISIONS.md), and
 * it would make every seal depend on a writable temporary directory.
 */
static void db_global_config(void)
{
	static int done;

	if (!done)
		(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	done = 1;
}

/*
 * Per-connection settings: durability, defensive mode, no temporary files.  A
 * salvage connection (a cut file, read-only) lets SQLite read past the
 * header's page count, which defensive mode forbids.
 */
static enum am_status configure(struct am_vault *v, int salvage, struct am_err *e)
{
	int rc;

	sqlite3_db_config(v->db, SQLITE_DBCONFIG_DEFENSIVE, !salvage, NULL);
	sqlite3_db_config(v->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(v->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	if (salvage)
		sqlite3_db_config(v->db, SQLITE_DBCONFIG_WRITABLE_SCHEMA, 1, NULL);
	sqlite3_busy_handler(v->db, busy_wait, v);
	rc = sqlite3_exec(v->db,
			  /*
			   * EXTRA, not FULL: with a rollback journal only EXTRA also syncs
			   * the directory after deleting the journal, without which a power
			   * cut can bring the journal back and undo an acknowledged commit.
			   */
			  "PRAGMA synchronous=EXTRA;"
			  /* spilling a small cache mid-transaction costs a journal fsync each time */
			  "PRAGMA cache_size=-32768;"
			  "PRAGMA recursive_triggers=ON;"
			  "PRAGMA secure_delete=ON;"
			  "PRAGMA cell_size_check=ON;",
			  NULL, NULL, NULL);
	/* no temporary files: statement journals and sorts of the vault stay in memory */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(v->db, "PRAGMA temp_store=MEMORY", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return am_db_error(v, rc, "configuring", e);
	return AM_OK;
}

static void vault_free(struct am_vault *v)
{
	if (v == NULL)
		return;
	if (v->db != NULL) {
		am_db_rollback(v);
		for (size_t i = 0; i < AM_ST_N; i++)
			sqlite3_finalize(v->st[i]);
		if (v->auth_cache_free != NULL)
			v->auth_cache_free(v);
		sqlite3_close_v2(v->db);
	}
	am_bwrap_cache_free(v);
	am_buf_release(&v->tree_held); /* a batch that never flushed (tree.c) */
	free(v->proved);
	am_secpool_release(v);
	free(v->path);
	free(v);
}

enum am_status am_vault_read_begin(struct am_vault *v, struct am_err *e)
{
	enum am_status s = am_db_exec(v, "BEGIN", e);
	sqlite3_stmt *st = NULL;
	int rc;

	if (s != AM_OK)
		return s;
	/* take the shared lock now, so that the snapshot is of this moment */
	rc = sqlite3_prepare_v2(v->db, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		s = am_db_error(v, rc, "reading", e);
		am_db_rollback(v);
	}
	return s;
}

void am_vault_read_end(struct am_vault *v)
{
	if (v != NULL && v->db != NULL && !sqlite3_get_autocommit(v->db))
		am_db_rollback(v);
}

int am_db_stmt(struct am_vault *v, unsigned which, const char *sql, sqlite3_stmt **st)
{
	int rc = SQLITE_OK;

	if (v->st[which] == NULL)
		rc = sqlite3_prepare_v3(v->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &v->st[which],
					NULL);
	*st = v->st[which];
	return rc;
}

void am_db_stmt_done(sqlite3_stmt *st)
{
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

void am_vault_close(struct am_vault *v)
{
	vault_free(v);
}

static enum am_status vault_alloc(const char *path, struct am_vault **out, struct am_err *e)
{
	struct am_vault *v = calloc(1, sizeof(*v));

	*out = NULL;
	if (v == NULL || (v->path = strdup(path)) == NULL) {
		free(v);
		return am_fail(e, AM_ENOMEM, "out of memory");
	}
	*out = v;
	return AM_OK;
}

int am_vault_cut(const struct am_vault *v, char *why, size_t n)
{
	if (!v->cut)
		return 0;
	if (why != NULL && n > 0)
		snprintf(why, n, "the file is cut short: %lld of %lld pages (%lld of %lld bytes)",
			 v->file_bytes / v->page_size, v->want_pages, v->file_bytes,
			 v->want_pages * v->page_size);
	return 1;
}

/*
 * Whether sql is one of our triggers as vaults made before 2026-12-06 wrote
 * it: RAISE(ABORT, ...) where amanat now writes RAISE(ROLLBACK, ...), and
 * nothing else different.  want is the lookup statement of check_schema,
 * its other parameters already bound.
 */
static int known_legacy_trigger(sqlite3_stmt *want, const char *sql)
{
	static const char old[] = "RAISE(ABORT, 'amanat:", now[] = "RAISE(ROLLBACK, 'amanat:";
	struct am_buf b;
	const char *p, *q;
	int known = 0;

	if (sql == NULL || strstr(sql, old) == NULL)
		return 0;
	am_buf_init(&b);
	for (p = sql; (q = strstr(p, old)) != NULL; p = q + strlen(old)) {
		am_buf_add(&b, p, (size_t)(q - p));
		am_buf_add(&b, now, strlen(now));
	}
	am_buf_add(&b, p, strlen(p));
	if (!b.oom) {
		sqlite3_reset(want);
		sqlite3_bind_text(want, 4, (const char *)b.data, (int)b.len, SQLITE_TRANSIENT);
		known = sqlite3_step(want) == SQLITE_ROW;
		sqlite3_reset(want);
	}
	am_buf_release(&b);
	return known;
}

/*
 * The file's schema must be exactly the one amanat creates: the same tables
 * with the same definitions, and no view, index or trigger of anyone else's
 * (the append-only triggers may be missing: anyone with write access can drop
 * them, and verification does not rely on them).  A vault of schema 1 may
 * spell its triggers as amanat did before schema 2, with RAISE(ABORT).  A
 * view or trigger planted in the file could make SQLite answer one query
 * differently from the next.
 */
static enum am_status check_schema(struct am_vault *v, int uver, struct am_err *e)
{
	static const char *const q =
		"SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name";
	sqlite3 *ref = NULL;
	sqlite3_stmt *st = NULL, *want = NULL;
	enum am_status s = AM_OK;
	int rc, tables = 0, have = 0;

	rc = sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(ref, schema_sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(ref, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
					-1, &want, NULL);
	if (rc == SQLITE_OK && sqlite3_step(want) == SQLITE_ROW)
		tables = sqlite3_column_int(want, 0);
	sqlite3_finalize(want);
	want = NULL;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(ref, "SELECT 1 FROM sqlite_schema WHERE type IS ?1 AND name IS ?2"
					     " AND tbl_name IS ?3 AND sql IS ?4", -1, &want, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(v->db, q, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		s = rc == SQLITE_NOMEM ? am_fail(e, AM_ENOMEM, "out of memory")
				       : am_db_error(v, rc, "reading the schema", e);
		goto cleanup;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0);
		int known;
		sqlite3_reset(want);
		for (int i = 0; i < 4; i++)
			sqlite3_bind_value(want, i + 1, sqlite3_column_value(st, i));
		known = sqlite3_step(want) == SQLITE_ROW;
		if (!known && uver == 1 && type != NULL && strcmp(type, "trigger") == 0)
			known = known_legacy_trigger(want, (const char *)sqlite3_column_text(st, 3));
		if (!known) {
			s = am_fail(e, AM_EVERIFY, "%s: its database holds %s %s '%s' that amanat did "
				    "not make (the file was altered); run 'amanat verify' on a good "
				    "copy", v->path, type && strcmp(type, "index") == 0 ? "an" : "a",
				    type ? type : "?",
				    sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "?");
			goto cleanup;
		}
		have += type != NULL && strcmp(type, "table") == 0;
	}
	if (rc != SQLITE_DONE)
		s = am_db_error(v, rc, "reading the schema", e);
	else if (have != tables)
		s = am_fail(e, AM_EVERIFY, "%s: tables of the vault are missing (the file was "
			    "altered)", v->path);
cleanup:
	sqlite3_finalize(st);
	sqlite3_finalize(want);
	sqlite3_close(ref);
	return s;
}

static unsigned long long be32(const unsigned char *p)
{
	return (unsigned long long)p[0] << 24 | (unsigned long long)p[1] << 16 |
	       (unsigned long long)p[2] << 8 | p[3];
}

/*
 * How long the file is and how many pages its header lists, read with
 * SQLite's own file handle (closing another descriptor of the file would
 * drop SQLite's locks) while the caller holds the read lock: no writer can
 * be growing the file then, so a short file is a cut one.  SQLite reads a
 * missing tail of the last page as zeros and, past the header's count,
 * refuses the file as malformed; either way what was lost must be named.
 */
static int read_extent(struct am_vault *v)
{
	sqlite3_file *f = NULL;
	sqlite3_int64 bytes = 0;
	unsigned char h[100];
	long long ps, pages;
	int rc;

	if (sqlite3_file_control(v->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
	    f == NULL || f->pMethods == NULL || f->pMethods->xFileSize(f, &bytes) != SQLITE_OK)
		return -1;
	memset(h, 0, sizeof(h));
	rc = f->pMethods->xRead(f, h, (int)sizeof(h), 0);
	if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)
		return -1;
	ps = h[16] << 8 | h[17];
	if (ps == 1)
		ps = 65536;
	if (ps < 512 || (ps & (ps - 1)) != 0)
		return -1;
	/* the header's page count is valid only when stamped by the same change */
	pages = be32(h + 28);
	if (pages == 0 || be32(h + 24) != be32(h + 92))
		pages = (bytes + ps - 1) / ps;
	v->file_bytes = bytes;
	v->page_size = ps;
	v->want_pages = pages;
	v->cut = bytes < pages * ps;
	return 0;
}

/* One header value; SQLite's result code. */
static int header_value(struct am_vault *v, const char *sql, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(v->db, sql, -1, &st, NULL);

	*out = 0;
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/*
 * Check the file is an amanat vault of a version we read, and how long it
 * is, in one read transaction.  *cut_short is set when SQLite refused the
 * file because it is shorter than its header says: open it for salvage.
 */
static enum am_status check_identity(struct am_vault *v, int *cut_short, struct am_err *e)
{
	enum am_status s = AM_OK;
	int rc, appid = 0, uver = 0;
	char why[160];

	*cut_short = 0;
	rc = sqlite3_exec(v->db, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = header_value(v, "PRAGMA application_id", &appid);
	if (rc != SQLITE_OK && (rc & 0xff) == SQLITE_READONLY)
		s = am_fail(e, AM_EIO, "%s: an interrupted write left a journal to roll back, "
			    "which needs write access to the vault and its directory", v->path);
	else if ((rc & 0xff) == SQLITE_CORRUPT) {
		*cut_short = 1;
		s = am_db_error(v, rc, "opening", e);
	} else if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_NOTADB)
		s = am_db_error(v, rc, "opening", e);
	else if (rc != SQLITE_OK)
		s = am_fail(e, AM_EINPUT, "%s is not an amanat vault (not a database, or its "
			    "first page is damaged)", v->path);
	else if (appid != AM_APPLICATION_ID)
		s = am_fail(e, AM_EINPUT, "%s is not an amanat vault", v->path);
	else if ((rc = header_value(v, "PRAGMA user_version", &uver)) != SQLITE_OK)
		s = am_db_error(v, rc, "opening", e);
	else if (uver < AM_SCHEMA_VERSION_MIN || uver > AM_SCHEMA_VERSION)
		s = am_fail(e, AM_EINPUT, "%s is an amanat vault of schema %d; this build reads "
			    "schemas %d to %d", v->path, uver, AM_SCHEMA_VERSION_MIN,
			    AM_SCHEMA_VERSION);
	/* (a salvaged file is only read, to name what was lost, and always fails) */
	else if (!v->salvage && (s = check_schema(v, uver, e)) != AM_OK)
		; /* a view or trigger of someone else's: nothing is read through it */
	else if (read_extent(v) != 0)
		s = am_fail(e, AM_EIO, "%s: cannot read its size", v->path);
	/* readers go on: verification names what the lost bytes damaged */
	else if (v->writable && am_vault_cut(v, why, sizeof(why)))
		s = am_fail(e, AM_EINPUT, "%s: %s; refusing to write to it: run 'amanat verify' "
			    "and restore it from a copy", v->path, why);
	/* how the tree table is kept (FORMAT.md §15) follows the schema the file was made with */
	v->tree_low = uver >= 3 ? AM_TREE_LOW : 0;
	if (!sqlite3_get_autocommit(v->db))
		(void)sqlite3_exec(v->db, "COMMIT", NULL, NULL, NULL);
	return s;
}

/* Open the connection: read-write when allowed, or read-only to salvage a cut file. */
static enum am_status db_connect(struct am_vault *v, int salvage, struct am_err *e)
{
	int rc, flags = SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE;

	/*
	 * Readers open read-write when they may, with query_only on: after a
	 * killed writer, the first reader must be able to roll its journal back.
	 */
	flags |= !salvage && (v->writable || access(v->path, W_OK) == 0) ? SQLITE_OPEN_READWRITE
									  : SQLITE_OPEN_READONLY;
	db_global_config();
	rc = sqlite3_open_v2(v->path, &v->db, flags, NULL);
	if (rc != SQLITE_OK)
		return am_db_error(v, rc, "opening", e);
	/* before the first read: that read may have to wait for a writer */
	sqlite3_busy_handler(v->db, busy_wait, v);
	return AM_OK;
}

enum am_status am_vault_open(const char *path, int writable, struct am_vault **out,
			     struct am_err *e)
{
	struct am_vault *v;
	struct stat st;
	enum am_status s;
	int cut_short = 0;

	*out = NULL;
	if (stat(path, &st) != 0)
		return am_fail(e, AM_EINPUT, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return am_fail(e, AM_EINPUT, "%s is not an amanat vault (not a regular file)", path);
	s = vault_alloc(path, &v, e);
	if (s != AM_OK)
		return s;
	v->writable = writable;
	s = db_connect(v, 0, e);
	if (s == AM_OK)
		s = check_identity(v, &cut_short, e);
	if (s == AM_OK && !v->cut)
		s = configure(v, 0, e);
	if (s == AM_OK && !v->cut && !writable)
		s = am_db_exec(v, "PRAGMA query_only=ON", e);
	if (v->cut || cut_short || (s == AM_EINPUT && !writable)) {
		/*
		 * Shorter than its header says, or with pages SQLite refuses: read
		 * what is left, read-only, so that verification can name the first
		 * entry lost.  A writer only learns why it must not write.
		 */
		struct am_err again;
		enum am_status s2;

		am_err_init(&again);
		am_db_rollback(v);
		sqlite3_close_v2(v->db);
		v->db = NULL;
		v->salvage = 1;
		s2 = db_connect(v, 1, &again);
		if (s2 == AM_OK)
			s2 = configure(v, 1, &again);
		if (s2 == AM_OK)
			s2 = check_identity(v, &cut_short, &again);
		if (s2 == AM_OK)
			s2 = am_db_exec(v, "PRAGMA query_only=ON", &again);
		/* a file that is not a vault at all stays refused as it was */
		if (s2 == AM_OK || v->cut)
			s = am_fail(e, s2, "%s", again.msg);
	}
	if (s != AM_OK)
		goto fail;
	*out = v;
	return AM_OK;
fail:
	vault_free(v);
	return s;
}

/*
 * Create the database file itself: fresh, exclusive, schema in one
 * transaction.  The caller appends genesis before anyone else can see it.
 */
enum am_status am_db_create(const char *path, struct am_vault **out, struct am_err *e)
{
	struct am_vault *v;
	enum am_status s;
	char pragma[128];
	int fd, rc;

	*out = NULL;
	/* claim the name exclusively first, so two inits cannot both win */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int err = errno;
		return am_fail(e, err == EEXIST ? AM_EEXIST : (err == ENOENT ? AM_EINPUT : AM_EIO),
			       err == EEXIST ? "%s already exists; refusing to overwrite it"
					     : "cannot create %s: %s",
			       path, strerror(err));
	}
	close(fd);
	s = vault_alloc(path, &v, e);
	if (s != AM_OK)
		goto fail_unlink;
	v->writable = 1;
	v->tree_low = AM_TREE_LOW;
	db_global_config();
	rc = sqlite3_open_v2(path, &v->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE,
			     NULL);
	if (rc != SQLITE_OK) {
		s = am_db_error(v, rc, "creating", e);
		goto fail;
	}
	s = configure(v, 0, e);
	if (s != AM_OK)
		goto fail;
	snprintf(pragma, sizeof(pragma),
		 "PRAGMA journal_mode=DELETE; PRAGMA page_size=65536;"
		 "PRAGMA application_id=%d; PRAGMA user_version=%d;",
		 AM_APPLICATION_ID, AM_SCHEMA_VERSION);
	s = am_db_exec(v, pragma, e);
	if (s == AM_OK)
		s = am_db_begin(v, e);
	if (s == AM_OK)
		s = am_db_exec(v, schema_sql, e);
	if (s != AM_OK)
		goto fail;
	*out = v; /* still inside the transaction; see am_vault_create */
	return AM_OK;
fail:
	vault_free(v);
fail_unlink:
	unlink(path);
	return s;
}

enum am_status am_db_tip(struct am_vault *v, uint64_t *next, unsigned char prev[AM_HASH_LEN],
			 struct am_err *e)
{
	sqlite3_stmt *st = NULL;
	enum am_status s = AM_OK;
	int rc;

	*next = 0;
	memset(prev, 0, AM_HASH_LEN);
	rc = sqlite3_prepare_v2(v->db, "SELECT seq, header, sig FROM entries ORDER BY seq DESC LIMIT 1",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return am_db_error(v, rc, "reading the last entry", e);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *hdr = sqlite3_column_blob(st, 1);
		int hn = sqlite3_column_bytes(st, 1);
		/* recompute rather than trust the stored hash column */
		if (hdr == NULL || sqlite3_column_bytes(st, 2) != AM_SIG_LEN)
			s = am_fail(e, AM_EVERIFY, "%s: the last entry is damaged; run 'amanat verify'",
				    v->path);
		else
			am_entry_hash(prev, hdr, (size_t)hn, sqlite3_column_blob(st, 2));
		*next = (uint64_t)sqlite3_column_int64(st, 0) + 1;
	} else if (rc != SQLITE_DONE) {
		s = am_db_error(v, rc, "reading the last entry", e);
	}
	sqlite3_finalize(st);
	return s;
}

enum am_status am_db_put_chunk(struct am_vault *v, uint64_t seq, uint64_t idx,
			       const unsigned char *p, size_t n, struct am_err *e)
{
	sqlite3_stmt *st = NULL;
	enum am_status s = am_db_writing(v, "writing the sealed content", e);
	int rc;

	if (s != AM_OK)
		return s;
	rc = am_db_stmt(v, AM_ST_CHUNK, "INSERT OR ROLLBACK INTO chunks(seq, idx, data) VALUES(?,?,?)",
			&st);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
		sqlite3_bind_blob64(st, 3, p, n, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	am_db_stmt_done(st);
	return rc == SQLITE_DONE ? AM_OK : am_db_error(v, rc, "writing the sealed content", e);
}

/*
 * A chunk this long or longer leaves the page cache as it came in: its pages
 * are never read again, and the next chunk's pages then reuse memory still
 * in the CPU's caches instead of pushing out 32 MiB of cold pages.
 */
#define SHED_BYTES (256 * 1024)

int am_db_chunk_read(struct am_vault *v, sqlite3_blob **blob, sqlite3_int64 id, unsigned char *buf,
		     size_t n)
{
	int rc = *blob != NULL ? sqlite3_blob_reopen(*blob, id)
			       : sqlite3_blob_open(v->db, "main", "chunks", "data", id, 0, blob);

	if (rc == SQLITE_OK && (n > INT32_MAX || (size_t)sqlite3_blob_bytes(*blob) != n))
		rc = SQLITE_CORRUPT;
	if (rc == SQLITE_OK)
		rc = sqlite3_blob_read(*blob, buf, (int)n, 0);
	if (rc == SQLITE_OK && n >= SHED_BYTES)
		sqlite3_db_release_memory(v->db);
	return rc;
}

enum am_status am_db_put_entry(struct am_vault *v, uint64_t seq, unsigned type,
			       const unsigned char *hdr, size_t hn,
			       const unsigned char sig[AM_SIG_LEN],
			       const unsigned char hash[AM_HASH_LEN], const unsigned char *wraps,
			       size_t wn, const unsigned char *meta, size_t mn, struct am_err *e)
{
	static const unsigned char empty[1];
	sqlite3_stmt *st = NULL;
	enum am_status s = am_db_writing(v, "storing an entry", e);
	int rc;

	if (s != AM_OK)
		return s;
	rc = am_db_stmt(v, AM_ST_ENTRY,
			"INSERT OR ROLLBACK INTO entries(seq, type, header, sig, hash, wraps, meta)"
			" VALUES(?,?,?,?,?,?,?)", &st);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
		sqlite3_bind_int(st, 2, (int)type);
		sqlite3_bind_blob64(st, 3, hdr, hn, SQLITE_STATIC);
		sqlite3_bind_blob64(st, 4, sig, AM_SIG_LEN, SQLITE_STATIC);
		sqlite3_bind_blob64(st, 5, hash, AM_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_blob64(st, 6, wn ? wraps : empty, wn, SQLITE_STATIC);
		sqlite3_bind_blob64(st, 7, mn ? meta : empty, mn, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	am_db_stmt_done(st);
	return rc == SQLITE_DONE ? AM_OK : am_db_error(v, rc, "storing an entry", e);
}

enum am_status am_db_get_blob(struct am_vault *v, uint64_t seq, const char *col,
			      unsigned char **p, size_t *n, struct am_err *e)
{
	sqlite3_stmt *st = NULL;
	enum am_status s = AM_OK;
	char sql[96];
	int rc;

	*p = NULL;
	*n = 0;
	snprintf(sql, sizeof(sql), "SELECT %s FROM entries WHERE seq = ?",
		 strcmp(col, "wraps") == 0 ? "wraps" : "meta");
	/* prepared once: a walk of custodian reads asks for both of every entry */
	rc = am_db_stmt(v, strcmp(col, "wraps") == 0 ? AM_ST_WRAPS : AM_ST_META, sql, &st);
	if (rc != SQLITE_OK)
		return am_db_error(v, rc, "reading an entry", e);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		size_t len = (size_t)sqlite3_column_bytes(st, 0);
		const void *d = sqlite3_column_blob(st, 0);
		*p = malloc(len ? len : 1);
		if (*p == NULL)
			s = am_fail(e, AM_ENOMEM, "out of memory");
		else {
			if (len)
				memcpy(*p, d, len);
			*n = len;
		}
	} else if (rc == SQLITE_DONE) {
		s = am_fail(e, AM_EINPUT, "%s has no entry %llu", v->path, (unsigned long long)seq);
	} else {
		s = am_db_error(v, rc, "reading an entry", e);
	}
	am_db_stmt_done(st);
	return s;
}

enum am_status am_vault_count(struct am_vault *v, uint64_t *n, struct am_err *e)
{
	unsigned char prev[AM_HASH_LEN];
	return am_db_tip(v, n, prev, e);
}

void am_entry_pub_release(struct am_entry_pub *p)
{
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

enum am_status am_entry_read(struct am_vault *v, uint64_t seq, struct am_entry_pub *out,
			     struct am_err *e)
{
	sqlite3_stmt *st = NULL;
	enum am_status s = AM_OK;
	char why[256] = "its sequence number does not match";
	int rc;

	memset(out, 0, sizeof(*out));
	rc = am_db_stmt(v, AM_ST_READ, "SELECT header, sig FROM entries WHERE seq = ?", &st);
	if (rc != SQLITE_OK)
		return am_db_error(v, rc, "reading an entry", e);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		size_t hn = (size_t)sqlite3_column_bytes(st, 0);
		const void *hdr = sqlite3_column_blob(st, 0);
		out->buf = malloc(hn ? hn : 1);
		if (out->buf == NULL) {
			s = am_fail(e, AM_ENOMEM, "out of memory");
		} else if (hdr == NULL || sqlite3_column_bytes(st, 1) != AM_SIG_LEN) {
			s = am_fail(e, AM_EVERIFY, "%s: entry %llu is damaged", v->path,
				    (unsigned long long)seq);
		} else {
			memcpy(out->buf, hdr, hn);
			out->len = hn;
			memcpy(out->sig, sqlite3_column_blob(st, 1), AM_SIG_LEN);
			if (am_header_parse(out->buf, hn, &out->h, why, sizeof(why)) != 0 ||
			    out->h.seq != seq)
				s = am_fail(e, AM_EVERIFY, "%s: entry %llu is damaged: %s", v->path,
					    (unsigned long long)seq, why);
		}
	} else if (rc == SQLITE_DONE) {
		s = am_fail(e, AM_EINPUT, "%s has no entry %llu", v->path, (unsigned long long)seq);
	} else {
		s = am_db_error(v, rc, "reading an entry", e);
	}
	am_db_stmt_done(st);
	if (s != AM_OK)
		am_entry_pub_release(out);
	return s;
}

enum am_status am_vault_id(struct am_vault *v, unsigned char id[AM_VAULT_ID_LEN],
			   struct am_err *e)
{
	struct am_entry_pub g;
	enum am_status s = am_entry_read(v, 0, &g, e);

	memset(id, 0, AM_VAULT_ID_LEN);
	if (s != AM_OK)
		return s;
	memcpy(id, g.h.vault_id, AM_VAULT_ID_LEN);
	am_entry_pub_release(&g);
	return AM_OK;
}
