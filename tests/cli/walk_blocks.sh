#!/bin/bash
# walk_blocks.sh — readers that walk the log (list, list --as, log, export
# with a filter) prove a whole aligned block of 256 entries at once and then
# compare each row with the proved hashes (vault/inclusion.c): a row altered
# after it was verified is still refused at that row, inside a block and in
# the last, partial block (proved entry by entry); put back, the listing is
# what it was.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

V=vault.amn
make_vault "$V"
mkdir files
for i in $(seq 1 600); do printf 'fictional note %s\n' "$i" >"files/$i.txt"; done
am_pw 0 seal "$V" --as officer.id --type document --case C-WALK --recursive files
n=$(entry_count "$V")
[ "$n" -ge 600 ] || fail "expected 600 entries and more, got $n"
verify_ok "$V"
am 0 list "$V" --json
cp "$OUT" list.before
drop_triggers "$V"
cp "$V" clean.amn
pass

# a row inside a whole block (entries 256..511), and one in the last, partial block
for seq in 300 $((n - 3)); do
	cp clean.amn "$V"
	# sealed_at_ms (header bytes 73..80): still a valid header, no longer the one signed
	flip_byte "$V" entries header "seq = $seq" 80
	am 1 list "$V"
	expect_stderr_contains "entry $seq is not the entry the verified log holds"
	am 1 log "$V"
	expect_stderr_contains "entry $seq is not the entry the verified log holds"
	am_pw 1 list "$V" --as custodian.id
	expect_stderr_contains "entry $seq is not the entry the verified log holds"
	am_pw 1 export "$V" --as custodian.id --purpose "fictional" --scope internal \
		--case C-WALK --override-consent "fictional test" -o out-$seq
	expect_stderr_contains "entry $seq is not the entry the verified log holds"
	expect_file_absent out-$seq
done
pass

# the row put back: the same listing as before
cp clean.amn "$V"
am 0 list "$V" --json
diff list.before "$OUT" >/dev/null || fail "the listing changed"
pass
finish
