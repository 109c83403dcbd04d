#!/bin/bash
# seal_bulk.sh — amanat seal of several files and of a directory
# (--recursive), issue 10: one entry per file, "SEQ<tab>PATH" (or a --json
# receipt) per file once durable, the file's name and relative path as
# private fields, one checkpoint per batch (entries after a batch's first
# carry the batched flag), refusals before anything is sealed, and Ctrl-C
# stopping between files with what was printed in the vault.
. "$(dirname "$0")/lib.sh"

make_vault v.amn
export AMANAT_PASSPHRASE=$PASS

mkdir -p in/sub/deeper
printf 'W-0101 (fictional): first statement.\n' >in/a.txt
printf 'W-0102 (fictional): second statement.\n' >in/b.txt
printf 'W-0103 (fictional): in a subfolder.\n' >in/sub/c.txt
printf 'W-0104 (fictional): deeper.\n' >in/sub/deeper/d.txt
: >in/empty.txt
ln -s a.txt in/link.txt

# ---- a directory, recursively ----------------------------------------------
ckpts=$(sq v.amn "SELECT count(*) FROM checkpoints")
am 0 seal v.amn --as officer.id --type document --case C-BULK --recursive in
expect_stdout_is $'4\ta.txt\n5\tb.txt\n6\tempty.txt\n7\tsub/c.txt\n8\tsub/deeper/d.txt'
expect_stderr_contains "skipping in/link.txt: a symbolic link"
expect_eq "entries after sealing 5 files" 9 "$(entry_count v.amn)"
# one batch: one new checkpoint (of 9 entries), and only its first entry not batched (bit 0);
# every entry hashed chunk by chunk (bit 1, FORMAT.md §28)
expect_eq "checkpoints added by one batch" $((ckpts + 1)) "$(sq v.amn "SELECT count(*) FROM checkpoints")"
expect_eq "the batch's checkpoint is of its end" 9 "$(sq v.amn "SELECT max(size) FROM checkpoints")"
# bit 2 on all: their keys are batch wraps (FORMAT.md §29)
expect_eq "header flags of entries 4..8" "06 07 07 07 07" \
	"$(sq v.amn "SELECT group_concat(hex(substr(header, 8, 1)), ' ') FROM (SELECT header FROM entries WHERE seq >= 4 ORDER BY seq)")"
verify_ok v.amn 9
am 0 show v.amn 7 --as custodian.id
expect_stdout_matches '^path +sub/c\.txt$'
expect_stdout_matches '^filename +c\.txt$'
expect_stdout_matches '^case +C-BULK$'
am 0 extract v.amn 8 --as custodian.id --purpose "bulk test" -o d.out
expect_same_file d.out in/sub/deeper/d.txt

# ---- several files, --json -----------------------------------------------------
am 0 seal v.amn --as officer.id --type testimony --case C-BULK --json in/a.txt in/sub/c.txt
expect_eq "receipts" 2 "$(grep -c '"seq":' "$OUT")"
# (show and extract recorded custody entries 9 and 10)
expect_stdout_contains '"seq":11,'
expect_stdout_contains '"path":"in/sub/c.txt"'
expect_stdout_contains '"checkpoint":{"size":13,'
expect_eq "entries" 13 "$(entry_count v.amn)"
verify_ok v.amn 13
# a single file still prints its number alone, and stands alone (not batched: flags 02, §28 only)
seal_as officer v.amn in/b.txt
expect_eq "single seal" 13 "$SEQ"
expect_eq "a single seal's flags" 02 "$(sq v.amn "SELECT hex(substr(header, 8, 1)) FROM entries WHERE seq = 13")"

# ---- refusals: before anything is sealed ---------------------------------------
cp v.amn v.before
am 2 seal v.amn --as officer.id --type document --case C-BULK in/a.txt in
expect_stderr_contains "in is a directory; give --recursive"
am 2 seal v.amn --as officer.id --type document --case C-BULK in/a.txt missing.txt
expect_stderr_contains "cannot open missing.txt"
# a link given as a FILE is refused as bad input (not an I/O failure), saying why
am 2 seal v.amn --as officer.id --type document --case C-BULK in/b.txt in/link.txt
expect_stderr_contains "in/link.txt is a symbolic link; give the file it points to"
am 2 seal v.amn --as officer.id --type document --case C-BULK in/a.txt -
expect_stderr_contains "standard input (-) can only be sealed alone"
am 2 seal v.amn --as officer.id --type document --case C-BULK --meta filename=x in/a.txt in/b.txt
expect_stderr_contains "filename and path are recorded for each file"
# overlapping operands would seal a file twice: refused, naming it
am 2 seal v.amn --as officer.id --type document --case C-BULK --recursive in in/sub
expect_stderr_contains "would be sealed twice, under both in and in/sub"
am 2 seal v.amn --as officer.id --type document --case C-BULK --recursive in/sub/deeper/d.txt in
expect_stderr_contains "in/sub/deeper/d.txt would be sealed twice, under both in/sub/deeper/d.txt and in:"
mkdir -p emptydir
am 2 seal v.amn --as officer.id --type document --case C-BULK --recursive emptydir
expect_stderr_contains "no files to seal"
am 2 seal v.amn --as officer.id --type document --recursive in
expect_stderr_contains "--case"
expect_same_file v.amn v.before

# ---- Ctrl-C: stops between files; what was printed is in the vault -------------
if command -v cc >/dev/null 2>&1; then
	make_slow_read_shim
	mkdir -p many
	for i in $(seq -w 1 40); do printf 'record %s (fictional)\n' "$i" >"many/r$i.txt"; done
	n=$(entry_count v.amn)
	env SLOW_READ_US=50000 LD_PRELOAD="$T/slow.so" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$AMANAT" seal v.amn --as officer.id --type document --case C-INT --recursive many \
		>seal.out 2>seal.err &
	pid=$!
	sleep 1.5
	kill -INT "$pid"
	for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	wait "$pid"
	expect_eq "exit code after Ctrl-C" 130 "$?"
	done_n=$(grep -c . seal.out)
	[ "$done_n" -gt 0 ] && [ "$done_n" -lt 40 ] || fail "$done_n files sealed before Ctrl-C"
	pass
	grep -qF "amanat: interrupted: $done_n of 40 files sealed" seal.err ||
		fail "no interrupted line naming $done_n of 40: $(cat seal.err)"
	pass
	expect_eq "entries after Ctrl-C: those printed" $((n + done_n)) "$(entry_count v.amn)"
	expect_eq "the last printed number" $((n + done_n - 1)) "$(tail -n 1 seal.out | cut -f1)"
	expect_file_absent v.amn-journal
	verify_ok v.amn $((n + done_n))
fi

# ---- two hard links to one file in one folder: two names, two entries ---------
mkdir -p hl
printf 'W-0105 (fictional): one file, two names.
' >hl/x.txt
ln hl/x.txt hl/y.txt
n=$(entry_count v.amn)
am 0 seal v.amn --as officer.id --type document --case C-BULK --recursive hl
expect_stdout_is "$n"$'	x.txt
'"$((n + 1))"$'	y.txt'
verify_ok v.amn $((n + 2))
finish
