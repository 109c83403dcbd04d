#!/bin/bash
# version.sh — 'amanat --version' and 'amanat version' name amanat's version
# and vault format, and the libsodium, SQLite, zlib and minizip in use, for a
# court that asks what produced a file; --json gives the same to scripts.
. "$(dirname "$0")/lib.sh"

am 0 --version
expect_stdout_matches '^amanat [0-9]+\.[0-9]+\.[0-9]+ \(vault format 1\)$'
expect_stdout_matches '^libsodium [0-9]+\.[0-9]+\.[0-9]+$'
expect_stdout_matches '^SQLite 3\.[0-9]+\.[0-9]+$'
expect_stdout_matches '^zlib [0-9]+\.[0-9]+'
expect_stdout_matches '^minizip [0-9][0-9.]* \(compiled against'
expect_eq "lines of --version" 5 "$(wc -l <"$OUT")"
expect_eq "stderr of --version" "" "$(cat "$ERR")"
cp "$OUT" version.txt

am 0 version
expect_same_file version.txt "$OUT"
# the SQLite in use is the one the sqlite3 shell here reports, when they are the same library
if ldd "$AMANAT" 2>/dev/null | grep -q libsqlite3 && ldd "$SQLITE3" 2>/dev/null | grep -q libsqlite3; then
	expect_stdout_contains "SQLite $("$SQLITE3" -version | cut -d' ' -f1)"
fi

am 0 version --json
expect_stdout_matches '^\{"amanat":"[0-9]+\.[0-9]+\.[0-9]+","format":1,"libsodium":"[0-9.]+","sqlite":"3\.[0-9.]+","zlib":"[0-9.]+","minizip_compiled_against":"[0-9.]+"\}$'
expect_eq "amanat version in JSON" "$(sed -n 's/^amanat \([^ ]*\) .*/\1/p' version.txt)" "$(json_str amanat)"
expect_eq "libsodium version in JSON" "$(sed -n 's/^libsodium //p' version.txt)" "$(json_str libsodium)"
am 0 --version --json
expect_stdout_contains '"sqlite":"'

am 2 version extra
expect_stderr_contains "usage: amanat version"
am 2 version --frobnicate
am 0 version --help
expect_stdout_contains "usage: amanat version [--json]"
finish
