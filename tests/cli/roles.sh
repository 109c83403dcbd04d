#!/bin/bash
# roles.sh — enroll and revoke: who may enroll, what revocation takes away,
# and what a custodian enrolled later can and cannot read.
. "$(dirname "$0")/lib.sh"

make_vault v.db
make_id latecomer
make_id stranger
echo "first testimony, before the latecomer" >early.txt
echo "second testimony, after the latecomer" >later.txt

seal_as officer v.db early.txt
early=$SEQ
expect_eq "seq of the first sealed entry" 4 "$early"

# only an admin may enroll: an officer, a custodian, an auditor or a stranger
# gets exit 3 and the log does not grow
n=$(entry_count v.db)
for who in officer custodian auditor stranger; do
	am_pw 3 enroll v.db latecomer.pub --role custodian --as "$who.id"
	expect_stderr_contains "enroll or revoke (admin)"
	am_pw 3 revoke v.db officer.pub --as "$who.id"
done
expect_eq "entries after refused enrollments" "$n" "$(entry_count v.db)"
am 0 verify v.db

# enroll usage errors
am_pw 2 enroll v.db latecomer.pub --as admin.id
expect_stderr_contains "--role is required"
am_pw 2 enroll v.db latecomer.pub --role overlord --as admin.id
expect_stderr_contains "unknown role"
am_pw 2 enroll v.db latecomer.pub --role custodian
am_pw 2 enroll v.db --role custodian --as admin.id
am_pw 2 enroll v.db nosuch.pub --role custodian --as admin.id
am_pw 2 revoke v.db latecomer.pub --role custodian --as admin.id
expect_stderr_contains "revoke takes no --role"
# revoking someone never enrolled is refused
am_pw 2 revoke v.db latecomer.pub --as admin.id
expect_stderr_contains "not enrolled"
expect_eq "entries after usage errors" "$n" "$(entry_count v.db)"

# the admin enrolls a custodian late: the new seq alone on stdout
am_pw 0 enroll v.db latecomer.pub --role custodian --as admin.id
expect_stdout_is "$n"
expect_stderr_contains "enrolled latecomer"
late_seq=$n

seal_as officer v.db later.txt
later=$SEQ
expect_eq "seq of the later entry" $((late_seq + 1)) "$later"

# the latecomer reads what was sealed after its enrollment...
am_pw 0 extract v.db "$later" --as latecomer.id --purpose "review" -o later.out
expect_same_file later.txt later.out
am_pw 0 show v.db "$later" --as latecomer.id --json
expect_stdout_contains '"case":"C-TEST"'
# ...but not what was sealed before (exit 3, no output file)
am_pw 3 extract v.db "$early" --as latecomer.id --purpose "curiosity" -o early.out
expect_stderr_contains "not sealed to this identity"
expect_file_absent early.out
expect_no_tmp_files .
am_pw 3 show v.db "$early" --as latecomer.id
# the original custodian reads both
am_pw 0 extract v.db "$early" --as custodian.id --purpose "review" -o early.out
expect_same_file early.txt early.out

# a stranger (never enrolled) cannot read or seal
am_pw 3 show v.db "$later" --as stranger.id
am_pw 3 seal v.db --as stranger.id --type testimony --case C-X later.txt

# re-enrolling replaces roles: the auditor becomes an officer and can seal
am_pw 3 seal v.db --as auditor.id --type document --case C-X later.txt
am_pw 0 enroll v.db auditor.pub --role officer --as admin.id
am_pw 0 seal v.db --as auditor.id --type document --case C-X later.txt
# multiple roles at once
make_id both
am_pw 0 enroll v.db both.pub --role officer,custodian --as admin.id
seal_as both v.db later.txt --type case --case C-X
both_seal=$SEQ
am_pw 0 extract v.db "$both_seal" --as both.id --purpose "own record" -o both.out
expect_same_file later.txt both.out

# revoke: the officer can no longer seal (exit 3), the log does not grow
am_pw 0 seal v.db --as officer.id --type testimony --case C-1 later.txt
am_pw 0 revoke v.db officer.pub --as admin.id
expect_stderr_contains "revoked officer"
n=$(entry_count v.db)
am_pw 3 seal v.db --as officer.id --type testimony --case C-1 later.txt
expect_stderr_contains "not enrolled"
expect_eq "entries after a revoked officer's attempt" "$n" "$(entry_count v.db)"
# revoking again is refused
am_pw 2 revoke v.db officer.pub --as admin.id

# a revoked custodian: keeps what it could read, receives nothing new
seal_as auditor v.db later.txt
before_revoke=$SEQ
am_pw 0 revoke v.db latecomer.pub --as admin.id
seal_as auditor v.db later.txt --case C-2
after_revoke=$SEQ
am_pw 3 extract v.db "$after_revoke" --as latecomer.id --purpose "after revoke" -o x.out
expect_file_absent x.out
am_pw 0 extract v.db "$after_revoke" --as custodian.id --purpose "review" -o x.out
expect_same_file later.txt x.out
# reading needs a custodian role (each reading is a signed custody entry)
am_pw 3 show v.db "$before_revoke" --as latecomer.id

# a revoked admin can no longer enroll
make_id admin2
am_pw 0 enroll v.db admin2.pub --role admin --as admin.id
am_pw 0 revoke v.db admin.pub --as admin2.id
am_pw 3 enroll v.db stranger.pub --role officer --as admin.id
am_pw 0 enroll v.db stranger.pub --role officer --as admin2.id

# after all of that, the vault verifies
verify_ok v.db "$(entry_count v.db)"

finish
