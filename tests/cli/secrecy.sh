#!/bin/bash
# secrecy.sh — what is sealed (content, case, title, metadata, file name,
# purposes) never appears in clear in any file beside the vault, nor in any
# temporary file, nor in what non-custodians can print.
. "$(dirname "$0")/lib.sh"

MARK="fictional-secret-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')"
mkdir vault in out tmp
# amanat's temporary files, if any, land where we can look at them
export TMPDIR="$T/tmp"

# identities and vault in vault/, inputs in in/, outputs in out/
cd vault || fail "cd vault"
make_vault v.db
cd "$T" || fail "cd $T"

# small content with the marker in every private field
printf 'W-0042 said: %s. End of statement.\n' "$MARK" >"in/$MARK.txt"
# compressible: the marker 100000 times
yes "$MARK" | head -n 100000 >in/compressible.txt
expect_eq "marker lines in the compressible input" 100000 "$(grep -c -F "$MARK" in/compressible.txt)"

V=vault/v.db
seal_as vault/officer "$V" "in/$MARK.txt" --case "$MARK" --title "title $MARK" --meta "note=$MARK" \
	--meta "place=$MARK"
small=$SEQ
seal_as vault/officer "$V" in/compressible.txt --case "$MARK" --title "$MARK" --type document
comp=$SEQ
seal_as vault/officer "$V" in/compressible.txt --case "$MARK" --type media
media=$SEQ
am_pw 0 seal "$V" --as vault/officer.id --type testimony --case "$MARK" --title "$MARK" - <in/compressible.txt
stdin_seq=$(cat "$OUT")
# custodian reads, with the marker as the purpose
for s in $small $comp $media $stdin_seq; do
	am_pw 0 show "$V" "$s" --as vault/custodian.id --purpose "purpose $MARK"
	expect_stdout_contains "$MARK"
	am_pw 0 extract "$V" "$s" --as vault/custodian.id --purpose "purpose $MARK" -o "out/$s.out"
done
expect_same_file "in/$MARK.txt" "out/$small.out"
expect_same_file in/compressible.txt "out/$comp.out"
expect_same_file in/compressible.txt "out/$media.out"
expect_same_file in/compressible.txt "out/$stdin_seq.out"
am_pw 0 list "$V" --as vault/custodian.id
expect_stdout_contains "$MARK"
am_pw 0 log "$V" --as vault/custodian.id
expect_stdout_contains "purpose $MARK"
am 0 verify "$V"

# every file in the vault's directory: no occurrence of the marker, nor of
# a fragment of it long enough to matter
ls vault/v.db vault/admin.id vault/custodian.id vault/officer.id vault/auditor.id \
	vault/admin.pub vault/custodian.pub vault/officer.pub vault/auditor.pub >/dev/null ||
	fail "the vault directory is missing files"
pass
expect_file_absent vault/v.db-journal
expect_file_absent vault/v.db-wal
frag=${MARK:${#MARK}-18}
for f in vault/* vault/.[!.]*; do
	[ -f "$f" ] || continue
	expect_eq "occurrences of the marker in $f" 0 "$(grep -c -a -F -- "$MARK" "$f")"
	expect_eq "occurrences of a marker fragment in $f" 0 "$(grep -c -a -F -- "$frag" "$f")"
	expect_eq "occurrences of 'W-0042 said' in $f" 0 "$(grep -c -a -F -- "W-0042 said" "$f")"
done
# nor in any temporary file left behind
expect_eq "files left in TMPDIR" "" "$(find tmp -type f | head -n 3)"
expect_no_tmp_files out
expect_no_tmp_files vault

# what anyone without a custodian key can print shows none of it
am 0 list "$V"
expect_stdout_not_contains "$MARK"
am 0 list "$V" --json
expect_stdout_not_contains "$MARK"
am 0 log "$V"
expect_stdout_not_contains "$MARK"
am 0 log "$V" --json
expect_stdout_not_contains "$MARK"
am 0 verify "$V" --json
expect_stdout_not_contains "$MARK"
# an officer's list --as is refused (titles are for custodians)
am_pw 3 list "$V" --as vault/officer.id
expect_stdout_not_contains "$MARK"
am_pw 3 log "$V" --as vault/auditor.id
expect_stdout_not_contains "$MARK"

# the SQLite dump (what anyone with the file can read) shows none of it
"$SQLITE3" -batch "$V" .dump >dump.sql || fail "sqlite3 .dump failed"
expect_eq "marker in the SQL dump" 0 "$(grep -c -a -F -- "$MARK" dump.sql)"

# the compressible content really was compressed before encryption, so the
# absence above is not just the absence of a 5 MiB blob
stored=$(sq "$V" "SELECT sum(length(data)) FROM chunks WHERE seq = $comp")
size=$(stat -c %s in/compressible.txt)
[ "$stored" -lt $((size / 10)) ] || fail "compressible content stored as $stored of $size bytes"
pass

finish
