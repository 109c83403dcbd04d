#!/bin/bash
# extract.sh — reading sealed content back: byte-identical round trips across
# chunk boundaries, who may read, output-file rules, show --json, and the
# custody log each reading leaves.
. "$(dirname "$0")/lib.sh"

MiB=1048576
make_vault v.db

# contents: empty, small, compressible, incompressible (crossing 1 MiB chunk
# boundaries and exact multiples of the chunk size), one byte either side
: >empty.bin
printf 'A short fictional statement by W-0042.\n' >small.txt
yes 'The same fictional line, over and over, compresses well. 0123456789' |
	head -c $((5 * MiB)) >repeat.txt
head -c $((3 * MiB + 12345)) /dev/urandom >random3.bin
head -c $((1 * MiB)) /dev/urandom >exact1.bin
head -c $((2 * MiB)) /dev/urandom >exact2.bin
head -c $((1 * MiB - 1)) /dev/urandom >under1.bin
head -c $((1 * MiB + 1)) /dev/urandom >over1.bin
printf 'x' >one.bin

declare -A seq_of chunks_of
chunks_of=([empty.bin]=1 [small.txt]=1 [repeat.txt]=5 [random3.bin]=4 [exact1.bin]=1
	[exact2.bin]=2 [under1.bin]=1 [over1.bin]=2 [one.bin]=1)
for f in empty.bin small.txt repeat.txt random3.bin exact1.bin exact2.bin under1.bin over1.bin one.bin; do
	seal_as officer v.db "$f" --type document --case C-7 --title "file $f"
	seq_of[$f]=$SEQ
	expect_eq "chunk rows of $f" "${chunks_of[$f]}" "$(sq v.db "SELECT count(*) FROM chunks WHERE seq = $SEQ")"
done
am 0 verify v.db

for f in "${!seq_of[@]}"; do
	s=${seq_of[$f]}
	am_pw 0 extract v.db "$s" --as custodian.id --purpose "round trip of $f" -o "$f.out"
	expect_stderr_contains "extracted entry $s"
	expect_same_file "$f" "$f.out"
	expect_mode "$f.out" 600
	# show --json: case, title, sha256 (= sha256sum) and size
	am_pw 0 show v.db "$s" --as custodian.id --purpose "metadata of $f" --json
	expect_eq "show seq" "$s" "$(json_num seq)"
	expect_eq "show case" "C-7" "$(json_str case)"
	expect_eq "show title" "file $f" "$(json_str title)"
	expect_eq "show sha256" "$(sha256sum "$f" | cut -d' ' -f1)" "$(json_str sha256)"
	expect_eq "show size (field)" "$(stat -c %s "$f")" "$(json_str size)"
	expect_eq "show size (header)" "$(stat -c %s "$f")" "$(json_num size)"
	expect_eq "show filename" "$f" "$(json_str filename)"
	expect_eq "show signer" "officer" "$(json_str signer)"
done
expect_no_tmp_files .

# to standard output
am_pw 0 extract v.db "${seq_of[random3.bin]}" --as custodian.id --purpose "to stdout" -o -
expect_same_file random3.bin "$OUT"

# compression pays for repetitive text, and media is stored raw
stored=$(sq v.db "SELECT sum(length(data)) FROM chunks WHERE seq = ${seq_of[repeat.txt]}")
[ "$stored" -lt $((MiB / 2)) ] || fail "5 MiB of repeated text took $stored bytes"
pass
seal_as officer v.db repeat.txt --type media
media=$SEQ
stored=$(sq v.db "SELECT sum(length(data)) FROM chunks WHERE seq = $media")
[ "$stored" -ge $((5 * MiB)) ] || fail "media was compressed to $stored bytes"
pass
am_pw 0 extract v.db "$media" --as custodian.id --purpose "media round trip" -o media.out
expect_same_file repeat.txt media.out
# incompressible content is not inflated by more than framing
stored=$(sq v.db "SELECT sum(length(data)) FROM chunks WHERE seq = ${seq_of[random3.bin]}")
[ "$stored" -le $((3 * MiB + 12345 + 4 * 64)) ] || fail "3 MiB of random bytes took $stored bytes"
pass

# the officer who sealed it cannot read it back: exit 3, no output, no record
s=${seq_of[small.txt]}
n=$(entry_count v.db)
am_pw 3 extract v.db "$s" --as officer.id --purpose "my own" -o officer.out
expect_stderr_contains "not sealed to this identity"
expect_file_absent officer.out
expect_no_tmp_files .
am_pw 3 show v.db "$s" --as officer.id
am_pw 3 extract v.db "$s" --as auditor.id --purpose "audit" -o auditor.out
expect_file_absent auditor.out
am_pw 3 extract v.db "$s" --as admin.id --purpose "admin" -o admin.out
expect_file_absent admin.out
# a wrong passphrase: exit 3, nothing written, nothing recorded
AMANAT_PASSPHRASE=wrong expect_exit 3 "$AMANAT" extract v.db "$s" --as custodian.id --purpose x -o wrong.out
expect_file_absent wrong.out
expect_eq "entries after refused reads" "$n" "$(entry_count v.db)"

# an existing -o file is not overwritten without --force (exit 2, unchanged)
printf 'precious\n' >keep.txt
cp keep.txt keep.orig
am_pw 2 extract v.db "$s" --as custodian.id --purpose "again" -o keep.txt
expect_stderr_contains "keep.txt already exists"
expect_same_file keep.txt keep.orig
expect_eq "entries after the refusal" "$n" "$(entry_count v.db)"
# nor a symlink pointing at another file
ln -s keep.txt link.txt
am_pw 2 extract v.db "$s" --as custodian.id --purpose "again" -o link.txt
expect_same_file keep.txt keep.orig
# --force replaces it
am_pw 0 extract v.db "$s" --as custodian.id --purpose "again" --force -o keep.txt
expect_same_file small.txt keep.txt
expect_mode keep.txt 600

# usage errors
am_pw 2 extract v.db "$s" --as custodian.id -o u.out
expect_stderr_contains "--purpose"
am_pw 2 extract v.db "$s" --as custodian.id --purpose "" -o u.out
am_pw 2 extract v.db "$s" --as custodian.id --purpose x
am_pw 2 extract v.db notanumber --as custodian.id --purpose x -o u.out
am_pw 2 extract v.db 99999 --as custodian.id --purpose x -o u.out
expect_stderr_contains "99999"
am_pw 2 extract v.db 1 --as custodian.id --purpose x -o u.out
expect_stderr_contains "public"
am_pw 2 extract v.db "$s" --as custodian.id --purpose x -o no/such/dir/u.out
expect_file_absent u.out
am_pw 2 show v.db 99999 --as custodian.id
am_pw 2 show v.db "$s"
expect_stderr_contains "--as"

# the custody log: every show and extract left an entry naming what and how
n_show=0
n_extract=0
am 0 log v.db
for f in "${!seq_of[@]}"; do
	s=${seq_of[$f]}
	expect_stdout_matches "^[0-9]+ [0-9T:-]+Z custodian show entry $s\$"
	expect_stdout_matches "^[0-9]+ [0-9T:-]+Z custodian extract entry $s\$"
done
# plain log shows no purpose
expect_stdout_not_contains "purpose"
expect_stdout_not_contains "round trip of"
expect_eq "custody lines in log" "$(sq v.db "SELECT count(*) FROM entries WHERE type = 8")" "$(wc -l <"$OUT")"
# the log lines name custody entries that really are custody entries
for c in $(cut -d' ' -f1 "$OUT"); do
	expect_eq "type of logged entry $c" 8 "$(sq v.db "SELECT type FROM entries WHERE seq = $c")"
done

# log --json: the same, machine-readable, no purpose
am 0 log v.db --json
s=${seq_of[random3.bin]}
expect_stdout_matches "\"by\":\"custodian\",\"action\":\"extract\",\"entries\":\\[$s\\]"
expect_stdout_matches "\"by\":\"custodian\",\"action\":\"show\",\"entries\":\\[$s\\]"
expect_stdout_not_contains '"purpose"'
expect_eq "first json line" "[" "$(head -n 1 "$OUT")"
expect_eq "last json line" "]" "$(tail -n 1 "$OUT")"

# log --as a custodian: the purposes too; and that reading is itself logged
before=$(entry_count v.db)
am_pw 0 log v.db --as custodian.id
expect_stdout_matches "custodian extract entry $s purpose: round trip of random3.bin\$"
expect_stdout_matches "custodian show entry $s purpose: metadata of random3.bin\$"
expect_stdout_matches "custodian log( entry [0-9,]+)?\$"
expect_eq "entries after log --as" $((before + 1)) "$(entry_count v.db)"
am_pw 0 log v.db --as custodian.id --json
expect_stdout_contains "\"purpose\":\"round trip of random3.bin\""
# the officer cannot see purposes (log --as needs a custodian)
am_pw 3 log v.db --as officer.id

# a show adds exactly one custody entry, naming the entry
before=$(entry_count v.db)
am_pw 0 show v.db "${seq_of[one.bin]}" --as custodian.id --purpose "count check"
expect_stdout_contains "entry:"
expect_eq "entries after one show" $((before + 1)) "$(entry_count v.db)"
am 0 log v.db --json
expect_stdout_matches "\"seq\":$before,.*\"action\":\"show\",\"entries\":\\[${seq_of[one.bin]}\\]"

# reading changed nothing that verification would object to
am 0 verify v.db --json
expect_stdout_contains '"ok":true'

finish
