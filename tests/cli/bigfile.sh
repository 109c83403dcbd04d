#!/bin/bash
# bigfile.sh — content hashed chunk by chunk (docs/FORMAT.md §28), sealed and
# extracted on two cores: sizes around the chunk size round-trip through the
# command line, every new entry carries flag bit 1, both verifiers (amanat and
# the independent tests/python/amverify.py) accept the vault, and a byte
# flipped in any chunk of a multi-chunk entry is found by both, naming the
# entry, and by extraction, naming the chunk.
. "$(dirname "$0")/lib.sh"
need_forge

make_vault v.db
MIB=1048576
for n in 0 1 $((MIB - 1)) $MIB $((MIB + 1)) $((3 * MIB + 7)); do
	head -c "$n" /dev/urandom >"in-$n.bin"
	seal_as officer v.db "in-$n.bin" --type media
	am_pw 0 extract v.db "$SEQ" --as custodian.id --purpose check -o "out-$n.bin"
	expect_same_file "in-$n.bin" "out-$n.bin"
	am_pw 0 show v.db "$SEQ" --as custodian.id
	expect_stdout_matches "^sha256 +$(sha256sum <"in-$n.bin" | cut -d' ' -f1)\$"
	expect_eq "flags of the entry of $n bytes" 02 \
		"$(sq v.db "SELECT hex(substr(header, 8, 1)) FROM entries WHERE seq = $SEQ")"
done
BIG=$SEQ
expect_eq "chunks of the 3 MiB entry" 4 "$(sq v.db "SELECT count(*) FROM chunks WHERE seq = $BIG")"
# compressible text of several chunks: deflated on both threads
yes 'fictional witness statement W-0042, line of a long transcript' | head -c $((2 * MIB + 99)) >text.txt
seal_as officer v.db text.txt --type document
am_pw 0 extract v.db "$SEQ" --as custodian.id --purpose check -o text.out
expect_same_file text.txt text.out
expect_eq "the text was deflated" 1 \
	"$(sq v.db "SELECT sum(length(data)) < $MIB FROM chunks WHERE seq = $SEQ")"
verify_ok v.db
"$PY" "$AMV" vault v.db >"$OUT" 2>"$ERR" || fail "amverify refuses the vault: $(cat "$ERR")"
pass "amverify accepts entries hashed chunk by chunk"

# refused_by_both WHAT REASON — both verifiers refuse t.db, naming entry $BIG
refused_by_both() {
	expect_verify_fails t.db "$BIG" "$2"
	"$PY" "$AMV" vault t.db >"$OUT" 2>"$ERR" && fail "amverify accepts $1"
	grep -q "entry $BIG" "$OUT" || fail "amverify does not name entry $BIG: $(cat "$OUT" "$ERR")"
	pass "amverify finds $1 in entry $BIG"
}

# a byte flipped in each chunk of the 3 MiB entry in turn
for idx in 0 1 2 3; do
	cp v.db t.db
	drop_triggers t.db
	flip_byte t.db chunks data "seq = $BIG AND idx = $idx" $((idx < 3 ? idx * 1000 + 40 : 20))
	refused_by_both "chunk $idx flipped" "content ciphertext does not match its signed hash"
	forget_pins
	am_pw 1 extract t.db "$BIG" --as custodian.id --purpose check -o flipped.out
	expect_stderr_contains "chunk $idx does not decrypt"
	expect_file_absent flipped.out
	forget_pins
done

# chunk rows swapped (1 and 2, both full: same length), one removed, one
# stored twice under the next index, one extra after the last: each is found
# by both verifiers and refused by extraction, which leaves no output
for edit in swap remove duplicate extra; do
	cp v.db t.db
	drop_triggers t.db
	case $edit in
	swap) sq t.db "UPDATE chunks SET idx = -1 WHERE seq = $BIG AND idx = 1;
		UPDATE chunks SET idx = 1 WHERE seq = $BIG AND idx = 2;
		UPDATE chunks SET idx = 2 WHERE seq = $BIG AND idx = -1" ;;
	remove) sq t.db "DELETE FROM chunks WHERE seq = $BIG AND idx = 3" ;;
	duplicate) sq t.db "UPDATE chunks SET data = (SELECT data FROM chunks WHERE seq = $BIG AND
		idx = 1) WHERE seq = $BIG AND idx = 2" ;;
	extra) sq t.db "INSERT INTO chunks (seq, idx, data) SELECT seq, 4, data FROM chunks
		WHERE seq = $BIG AND idx = 3" ;;
	esac
	refused_by_both "chunk rows edited ($edit)" ""
	forget_pins
	# (a row removed or added is already refused by the count of the pin's verification)
	am_pw 1 extract t.db "$BIG" --as custodian.id --purpose check -o edited.out
	expect_stderr_contains "t.db: entry "
	expect_file_absent edited.out
	forget_pins
done
finish
