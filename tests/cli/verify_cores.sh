#!/bin/bash
# verify_cores.sh — a vault big enough (64 entries or more) for verification
# to check signatures ahead on a second thread (vault/sigcheck.c): a bad
# entry or checkpoint signature anywhere is reported at its entry, with the
# message and exit code a small vault gets; a problem of another kind before
# it is reported first; the same from a checkpoint (--since) and from a pin.
. "$(dirname "$0")/lib.sh"

make_vault v.amn
mkdir in1 in2
for i in $(seq 1 80); do printf 'Fictional statement %d, first set.\n' "$i" >"in1/$i.txt"; done
for i in $(seq 1 70); do printf 'Fictional statement %d, second set.\n' "$i" >"in2/$i.txt"; done
am_pw 0 seal v.amn --as officer.id --type document --case C-CORES --recursive in1
expect_eq "entries" 84 "$(entry_count v.amn)"
am_pw 0 checkpoint v.amn --as officer.id
cp "$OUT" since.ckpt
# a member who last saw the vault at 84 entries
on_laptop away am 0 verify v.amn
am_pw 0 seal v.amn --as officer.id --type document --case C-CORES --recursive in2
expect_eq "entries" 154 "$(entry_count v.amn)"
# one checkpoint per batch: at 84 (and the one asked for), at 154
expect_eq "checkpoints of 84" 2 "$(sq v.amn "SELECT count(*) FROM checkpoints WHERE size = 84")"
verify_ok v.amn 154
am 0 verify v.amn --quick
expect_stdout_matches '^ok: 154 entries verified'

cp v.amn notrig.amn
drop_triggers notrig.amn
fresh() {
	rm -f t.amn t.amn-journal
	cp notrig.amn t.amn
	forget_pins
}

# a bad signature near the start, in the middle, at the end: both tiers
for k in 5 77 120 153; do
	fresh
	flip_byte t.amn entries sig "seq = $k" 20
	expect_verify_fails t.amn "$k" "signature does not verify"
	am 1 verify t.amn --quick
	expect_stderr_contains "t.amn: entry $k: signature does not verify"
done
# two: the first one
fresh
flip_byte t.amn entries sig "seq = 100" 3
flip_byte t.amn entries sig "seq = 60" 40
expect_verify_fails t.amn 60 "signature does not verify"
# a damaged chunk before a bad signature is reported first; after it, not
fresh
flip_byte t.amn entries sig "seq = 120" 20
flip_byte t.amn chunks data "seq = 90 AND idx = 0" 20
expect_verify_fails t.amn 90 "content ciphertext does not match its signed hash"
fresh
flip_byte t.amn entries sig "seq = 120" 20
flip_byte t.amn chunks data "seq = 130 AND idx = 0" 20
expect_verify_fails t.amn 120 "signature does not verify"
# an entry missing before a bad signature
fresh
flip_byte t.amn entries sig "seq = 120" 20
sq t.amn "DELETE FROM entries WHERE seq = 70"
expect_verify_fails t.amn 70 "is missing"

# a checkpoint's signature (one base64 character of its signature line), in the middle
note_sig() { # DB SIZE
	sq "$1" "UPDATE checkpoints SET note = substr(note, 1, length(note) - 10) ||
		CASE substr(note, length(note) - 9, 1) WHEN 'A' THEN 'B' ELSE 'A' END ||
		substr(note, length(note) - 8) WHERE size = $2"
}
fresh
note_sig t.amn 84
expect_verify_fails t.amn 83 "signature does not verify"
expect_stderr_contains "checkpoint"
# ...and a bad entry signature right after it: the checkpoint comes first
flip_byte t.amn entries sig "seq = 84" 20
expect_verify_fails t.amn 83 "checkpoint"

# from the checkpoint at 84 (--since): the entries after it, on both threads
fresh
am 0 verify t.amn --since since.ckpt
expect_stdout_contains "only entries 84 and later were checked one by one"
flip_byte t.amn entries sig "seq = 140" 20
forget_pins
am 1 verify t.amn --since since.ckpt
expect_stderr_contains "t.amn: entry 140: signature does not verify"

# from the pin of the member who was away: 70 new entries to check, one of them bad
cp notrig.amn v.amn
flip_byte v.amn entries sig "seq = 111" 20
on_laptop away am 1 status v.amn
expect_stderr_contains "entry 111: signature does not verify"
expect_stderr_contains "you trusted before"
finish
