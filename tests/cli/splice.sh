#!/bin/bash
# splice.sh — a custodian's show and extract must not hand out an entry that
# verification rejects: one spliced in from another vault, or forged by a
# stranger who knows only the custodian's public key (public keys are meant
# to be handed out).  Reading such an entry must fail with exit 1 and write
# nothing; it must not report the content as "checked".
. "$(dirname "$0")/lib.sh"

printf 'The genuine fictional statement of W-0042.\n' >real.txt
printf 'FORGED statement that nobody enrolled ever sealed.\n' >forged.txt
printf 'filler\n' >filler.txt

make_vault v.db
seal_as officer v.db real.txt --title "genuine"
expect_eq "seq of the genuine entry" 4 "$SEQ"
# genuine entries follow it, so the splice is in the middle of the log
seal_as officer v.db filler.txt
am_pw 0 show v.db 5 --as custodian.id --purpose "check"
am 0 verify v.db

# fresh COPY of v.db with its triggers dropped
fresh() {
	rm -f t.db t.db-journal
	cp v.db t.db
	drop_triggers t.db
}

# splice_from DB — replace entry 4 (row and chunks) of t.db by entry 4 of DB
splice_from() {
	sq t.db "ATTACH '$1' AS o;
		DELETE FROM entries WHERE seq = 4;
		INSERT INTO entries SELECT * FROM o.entries WHERE seq = 4;
		DELETE FROM chunks WHERE seq = 4;
		INSERT INTO chunks(seq, idx, data) SELECT seq, idx, data FROM o.chunks WHERE seq = 4"
	expect_eq "spliced header" "$(sq "$1" "SELECT hex(header) FROM entries WHERE seq = 4")" \
		"$(sq t.db "SELECT hex(header) FROM entries WHERE seq = 4")"
}

# 1. a stranger's forgery: mallory makes a vault of her own whose only
#    custodian is our custodian (its .pub is all she needs), fills it up to
#    seq 4, and splices that entry into a copy of our vault
make_id mallory
am_pw 0 init evil.db --as mallory.id --recipient custodian.pub
seal_as mallory evil.db filler.txt
seal_as mallory evil.db filler.txt
seal_as mallory evil.db forged.txt --title "genuine"
expect_eq "seq of the forged entry" 4 "$SEQ"
fresh
splice_from evil.db
am 1 verify t.db
expect_stderr_contains "t.db: entry 4: "
n=$(entry_count t.db)
am_pw 1 extract t.db 4 --as custodian.id --purpose "review" -o forged.out
expect_file_absent forged.out
expect_no_tmp_files .
am_pw 1 extract t.db 4 --as custodian.id --purpose "review" -o -
if grep -q FORGED "$OUT"; then fail "extract to stdout released the forged content"; fi
pass
am_pw 1 show t.db 4 --as custodian.id --purpose "review" --json
expect_stdout_not_contains "forged.txt"

# 2. the same entry number from another vault of the same organisation
#    (same admin, custodian and officer keys)
mv v.db v.keep
make_vault other.db
mv v.keep v.db
seal_as officer other.db forged.txt --title "genuine"
expect_eq "seq in the other vault" 4 "$SEQ"
fresh
splice_from other.db
am 1 verify t.db
expect_stderr_contains "t.db: entry 4: belongs to another vault"
am_pw 1 extract t.db 4 --as custodian.id --purpose "review" -o other.out
expect_file_absent other.out
am_pw 1 show t.db 4 --as custodian.id --purpose "review" --json
expect_stdout_not_contains "forged.txt"

# the genuine vault was never touched and still reads correctly
am_pw 0 extract v.db 4 --as custodian.id --purpose "review" -o real.out
expect_same_file real.txt real.out

finish
