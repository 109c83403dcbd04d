#!/bin/bash
# triggers.sh — the append-only triggers, left in place, refuse UPDATE,
# DELETE and INSERT OR REPLACE from another SQLite client (the sqlite3
# shell); each refused statement leaves the vault byte-identical and valid.
. "$(dirname "$0")/lib.sh"

AMV="${TESTS_DIR:-$CLI_DIR/..}/python/amverify.py"
make_vault v.db
printf 'A fictional statement.\n' >small.txt
head -c 1500000 /dev/urandom >big.bin
seal_as officer v.db small.txt
seal_as officer v.db big.bin --type document
expect_eq "seq of the two-chunk entry" 5 "$SEQ"
am_pw 0 show v.db 4 --as custodian.id --purpose "check"
last=$(sq v.db "SELECT max(seq) FROM entries")
next=$((last + 1))
for t in entries_no_update entries_no_delete entries_append_only chunks_no_update chunks_no_delete chunks_append_only; do
	expect_eq "trigger $t" 1 "$(sq v.db "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = '$t'")"
done
cp v.db v.orig

# refused SQL → sqlite3 exits non-zero with the trigger's message, and the
# file is exactly as it was and verifies
refused() {
	expect_nonzero "$SQLITE3" -batch v.db "$1"
	expect_stderr_contains "append-only"
	expect_same_file v.db v.orig
}

refused "UPDATE entries SET type = 5 WHERE seq = 4"
refused "UPDATE entries SET header = header WHERE seq = 4"
refused "UPDATE entries SET seq = seq + 100 WHERE seq = $last"
refused "UPDATE entries SET hash = zeroblob(32)"
refused "DELETE FROM entries WHERE seq = $last"
refused "DELETE FROM entries"
refused "INSERT OR REPLACE INTO entries SELECT * FROM entries WHERE seq = 4"
refused "REPLACE INTO entries(seq, type, header, sig, hash, wraps, meta) SELECT seq, type, header, sig, hash, wraps, meta FROM entries WHERE seq = $last"
refused "INSERT INTO entries(seq, type, header, sig, hash, wraps, meta) SELECT $((next + 5)), type, header, sig, hash, wraps, meta FROM entries WHERE seq = 4"
refused "INSERT INTO entries(seq, type, header, sig, hash, wraps, meta) SELECT -1, type, header, sig, hash, wraps, meta FROM entries WHERE seq = 4"
refused "UPDATE chunks SET data = randomblob(100) WHERE seq = 5 AND idx = 1"
refused "UPDATE chunks SET idx = 7 WHERE seq = 5 AND idx = 1"
refused "DELETE FROM chunks WHERE seq = 5 AND idx = 1"
refused "DELETE FROM chunks"
refused "INSERT INTO chunks(seq, idx, data) VALUES(5, 2, randomblob(100))"
refused "INSERT OR REPLACE INTO chunks(seq, idx, data) SELECT seq, idx, data FROM chunks WHERE seq = 5 AND idx = 0"
refused "BEGIN; INSERT INTO chunks(seq, idx, data) VALUES($next, 0, X'00'); INSERT OR REPLACE INTO chunks(seq, idx, data) VALUES($next, 0, X'01'); COMMIT;"
# a transaction holding a refused statement changes nothing either
expect_nonzero "$SQLITE3" -batch v.db "BEGIN; INSERT INTO chunks(seq, idx, data) VALUES($next, 0, X'00'); DELETE FROM chunks WHERE seq = 4; COMMIT;"
expect_same_file v.db v.orig
# with recursive_triggers on, as amanat's own connection has it, INSERT OR
# REPLACE that would evict a row by its id is refused too
refused "PRAGMA recursive_triggers = ON; INSERT OR REPLACE INTO chunks(id, seq, idx, data) VALUES(1, $next, 0, X'00')"

verify_ok v.db $((last + 1))

# amanat itself still appends after all that
seal_as officer v.db small.txt
expect_eq "next seq" "$next" "$SEQ"
am 0 verify v.db
cp v.db v.orig
next=$((next + 1))

# the insert guards must not depend on the client's recursive_triggers
# setting (off by default in every other SQLite client): an INSERT OR
# REPLACE that reuses the id of an old chunk row would otherwise delete it
refused "INSERT OR REPLACE INTO chunks(id, seq, idx, data) VALUES(1, $next, 0, X'00')"
am 0 verify v.db


# amanat's triggers end a refused statement with RAISE(ROLLBACK), so SQLite
# keeps no statement journal; vaults made before 2026-12-06 carry the same
# triggers with RAISE(ABORT), and amanat still opens, appends to and verifies
# them.  A trigger differing in anything else is still one amanat did not make.
expect_eq "ROLLBACK triggers in a new vault" 12 \
	"$(sq v.db "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%RAISE(ROLLBACK, ''amanat:%'")"
expect_eq "schema of a new vault" 3 "$(sq v.db "PRAGMA user_version")"
# schemas below 1 and above 3 are refused as what they are (exit 2), the file untouched
for uv in 0 4; do
	cp v.db uv.db
	sq uv.db "PRAGMA user_version = $uv"
	cp uv.db uv.orig
	am 2 verify uv.db
	expect_stderr_contains "uv.db is an amanat vault of schema $uv; this build reads schemas 1 to 3"
	expect_same_file uv.db uv.orig
done
# store_low_nodes DB: add the tree nodes below level 4 that schemas 1 and 2
# store and schema 3 does not (FORMAT.md §15), as an older build would have
store_low_nodes() {
	/usr/bin/python3 - "$1" <<'PY' || fail "cannot add the low tree nodes to $1"
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
H = lambda b: hashlib.sha256(b).digest()
nodes = {(0, s): H(b"\0" + bytes(h)) for s, h in db.execute("SELECT seq, hash FROM entries")}
n = len(nodes)
for lv in range(1, 4):
    for i in range(n >> lv):
        nodes[(lv, i)] = H(b"\1" + nodes[(lv - 1, 2 * i)] + nodes[(lv - 1, 2 * i + 1)])
db.execute("BEGIN")
for (lv, i), h in nodes.items():
    db.execute("INSERT INTO tree(level, idx, hash) VALUES(?,?,?)", (lv, i, h))
db.execute("COMMIT")
PY
}
cp v.db legacy.db
sq legacy.db "SELECT 'DROP TRIGGER ' || name || ';' || replace(sql, 'RAISE(ROLLBACK,', 'RAISE(ABORT,') || ';'
	FROM sqlite_master WHERE type = 'trigger'" >legacy.sql
sq legacy.db "$(cat legacy.sql)"
# the old spelling is schema 1's: in a schema 2 file it is someone else's trigger
cp legacy.db legacy2.db
am 1 verify legacy2.db
expect_stderr_matches "did not make|altered"
expect_exit 1 /usr/bin/python3 "$AMV" vault legacy2.db
expect_stdout_contains "trigger 'entries_no_update' that amanat does not make"
sq legacy.db "PRAGMA user_version = 1"
# relabelled schema 3 without the nodes a schema 1 vault keeps: refused as damaged
cp legacy.db legacy3.db
am 1 verify legacy3.db
expect_stderr_contains "stored tree node (level 0, index 0) is missing"
store_low_nodes legacy.db
expect_eq "ABORT triggers in the legacy vault" 12 \
	"$(sq legacy.db "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%RAISE(ABORT, ''amanat:%'")"
seal_as officer legacy.db small.txt
expect_eq "next seq in the legacy vault" "$next" "$SEQ"
verify_ok legacy.db $((next + 1))
expect_eq "schema of the legacy vault after a seal" 1 "$(sq legacy.db "PRAGMA user_version")"
# an append to it still stores every node, down to the leaves, as the
# independent verifier requires of a schema 1 vault
expect_eq "leaves stored in the legacy vault" "$((next + 1))" \
	"$(sq legacy.db "SELECT count(*) FROM tree WHERE level = 0")"
amv_ok vault legacy.db
amv_ok vault v.db
cp legacy.db legacy.orig
# its triggers still refuse, leaving the file as it was
expect_nonzero "$SQLITE3" -batch legacy.db "DELETE FROM entries WHERE seq = 4"
expect_stderr_contains "append-only"
expect_same_file legacy.db legacy.orig
# the same trigger saying anything else is refused when amanat opens the file
sq legacy.db "DROP TRIGGER entries_no_delete; CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries BEGIN SELECT RAISE(IGNORE); END;"
am 1 verify legacy.db
expect_stderr_matches "did not make|altered"
expect_exit 1 /usr/bin/python3 "$AMV" vault legacy.db
expect_stdout_contains "trigger 'entries_no_delete' that amanat does not make"

finish
