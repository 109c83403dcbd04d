#!/bin/bash
# Key lifecycle (issue 12, docs/FORMAT.md §24), end to end on one vault:
# enroll, seal, a new custodian handed earlier entries by rewrap (and able to
# show, extract and export them), a custodian's key rotated and its access
# handed over, an admin rotating their own key, a revocation with a reason
# and a compromise point that verify reports, and the refusals: degenerate
# keys, a name already taken, the last custodian, the last admin.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
TESTS=${TESTS_DIR:-$CLI_DIR/..}
AMV="$TESTS/python/amverify.py"
"$PY" -c 'import nacl.signing' 2>/dev/null || fail "$PY cannot import nacl (apt-get install python3-nacl)"

# the §24 known answers, recomputed by the independent verifier
"$PY" "$AMV" lifecycle-vectors "$TESTS/vectors/lifecycle.txt" >"$OUT" 2>"$ERR" ||
	fail "amverify.py lifecycle-vectors: $(cat "$OUT" "$ERR")"
expect_stdout_is "ok 10 vectors"

make_vault v.db            # 0 genesis, 1 custodian, 2 officer, 3 auditor
for n in cust2 newcust admin2; do make_id "$n"; done
printf 'Testimony one (fictional).\n' >one.txt
printf 'Testimony two (fictional).\n' >two.txt
seal_as officer v.db one.txt --meta consent.scopes=internal
S1=$SEQ                    # 4
seal_as officer v.db two.txt --meta consent.scopes=internal
S2=$SEQ                    # 5

# ---- degenerate keys and taken names are refused at enrollment -------------
# pub_with NAME SIGN_B64 BOX_B64 — a .pub file with chosen keys
pub_with() {
	echo "amanat-pub-v1 $1 $2 $3" >"$1.pub"
}
read -r _ nm sgn box <cust2.pub
zero32=$("$PY" -c 'import base64; print(base64.b64encode(bytes(32)).decode())')
# a low-order X25519 point (order 8) and the Ed25519 identity point (small order)
low8=$("$PY" -c 'import base64; print(base64.b64encode(bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")).decode())')
ident=$("$PY" -c 'import base64; print(base64.b64encode(bytes([1]) + bytes(31)).decode())')
before=$(entry_count v.db)
pub_with zerobox "$sgn" "$zero32"
am_pw 2 enroll v.db zerobox.pub --role custodian --as admin.id
expect_stderr_contains "low-order X25519"
pub_with lowbox "$sgn" "$low8"
am_pw 2 enroll v.db lowbox.pub --role custodian --as admin.id
expect_stderr_contains "low-order X25519"
pub_with badsign "$ident" "$box"
am_pw 2 enroll v.db badsign.pub --role custodian --as admin.id
expect_stderr_contains "not a valid Ed25519"
mkdir other && (cd other && AMANAT_PASSPHRASE="$PASS" "$AMANAT" id new officer --kdf interactive >/dev/null 2>&1) ||
	fail "cannot make other/officer"
am_pw 2 enroll v.db other/officer.pub --role officer --as admin.id
expect_stderr_contains "the name 'officer' is already held by another member"
expect_eq "entries after refused enrollments" "$before" "$(entry_count v.db)"
# the same identity enrolled again (new roles) keeps its name
am_pw 0 enroll v.db officer.pub --role officer --as admin.id

# ---- handover: a custodian enrolled later gets earlier entries by rewrap ----
am_pw 0 enroll v.db cust2.pub --role custodian --as admin.id
am_pw 3 show v.db "$S1" --as cust2.id
expect_stderr_contains "not sealed to this identity"
am_pw 2 rewrap v.db --to cust2.pub --as custodian.id --all --entries "$S1"
am_pw 2 rewrap v.db --to officer.pub --as custodian.id --all
expect_stderr_contains "not an enrolled custodian"
am_pw 0 rewrap v.db --to cust2.pub --as custodian.id --all
RW=$(cat "$OUT")
expect_stderr_contains "handed 2 entries over to cust2"
expect_eq "rewrap entry type" 10 "$(sq v.db "SELECT type FROM entries WHERE seq = $RW")"
# the reading was recorded before it: a custody entry of action rewrap naming both
CUST=$((RW - 1))
am 0 log v.db --json
expect_stdout_contains '"action":"rewrap"'
expect_eq "custody entry before the rewrap" 8 "$(sq v.db "SELECT type FROM entries WHERE seq = $CUST")"
am_pw 0 show v.db "$S1" --as cust2.id
expect_stdout_contains "consent.scopes"
am_pw 0 extract v.db "$S2" --as cust2.id --purpose "handover check" -o two.out
expect_same_file two.txt two.out
am_pw 0 export v.db --as cust2.id --purpose "handover check" --scope internal --entry "$S1" -o b1
am 0 verify-bundle b1
# nothing is left to hand over, and an entry sealed to the recipient is refused
am_pw 2 rewrap v.db --to cust2.pub --as custodian.id --all
expect_stderr_contains "nothing to hand over"
# (named again, an entry handed over by rewrap may be handed over again: only
# the recipient can tell whether a box opens; lifecycle_review.sh)
am_pw 2 rewrap v.db --to custodian.pub --as custodian.id --entries "$S1"
expect_stderr_contains "already readable"
verify_ok v.db

# ---- rotation of a custodian's key, then its access handed to the new key ---
am_pw 0 rotate v.db custodian.id newcust.pub --as admin.id
ROT=$(cat "$OUT")
expect_stderr_contains "amanat rewrap v.db --to newcust.pub --as newcust.id --key custodian.id --all"
expect_eq "rotate entry type" 9 "$(sq v.db "SELECT type FROM entries WHERE seq = $ROT")"
am 0 members v.db
expect_stdout_matches '^custodian +[0-9a-f]{16} rotated to [0-9a-f]{16} +'"$ROT"'$'
expect_stdout_matches '^newcust +[0-9a-f]{16} custodian +'"$ROT"'$'
NKID=$(awk '$1 == "newcust" { print $2 }' "$OUT")
am 0 members v.db --json
expect_stdout_contains "\"roles\":\"revoked\",\"since\":$ROT,"
expect_stdout_contains "\"rotated_to\":\"$NKID\"}"
# the old key is retired: it can no longer read (record custody) or seal
am_pw 3 show v.db "$S1" --as custodian.id
am_pw 3 show v.db "$S1" --as newcust.id
am_pw 0 rewrap v.db --to newcust.pub --as newcust.id --key custodian.id --all
RW2=$(cat "$OUT")
am_pw 0 show v.db "$S1" --as newcust.id
am_pw 0 extract v.db "$S2" --as newcust.id --purpose "after rotation" -o two.new
expect_same_file two.txt two.new
# a bundle carries the rotation in its chain of authority, and no rewrap entry
am_pw 0 export v.db --as newcust.id --purpose "after rotation" --scope internal --entry "$S2" -o b2
am 0 verify-bundle b2
[ -f "b2/amanat/entries/$ROT.tlog-proof" ] || fail "the bundle does not carry the rotate entry $ROT"
expect_file_absent "b2/amanat/entries/$RW2.tlog-proof"
# --key unwraps only what it can read (who may use which key: lifecycle_forged.sh)
am_pw 0 enroll v.db admin2.pub --role admin --as admin.id
am_pw 3 rewrap v.db --to newcust.pub --as cust2.id --key officer.id --entries "$S1"
expect_stderr_contains "officer cannot open entry $S1"
verify_ok v.db

# ---- an admin rotating their own key signs with the new one -----------------
am_pw 2 rotate v.db admin2.id officer.pub --as admin2.id
expect_stderr_contains "cannot accept its own rotation"
make_id admin3
am_pw 0 rotate v.db admin2.id admin3.pub --as admin3.id
am_pw 3 enroll v.db officer.pub --role officer --as admin2.id

# ---- the last custodian and the last admin cannot be revoked away ------------
am_pw 0 revoke v.db cust2.pub --as admin.id
before=$(entry_count v.db)
am_pw 2 revoke v.db newcust.pub --as admin.id
expect_stderr_contains "no custodian"
expect_stderr_contains "amanat rewrap"
am_pw 0 revoke v.db admin3.pub --as admin.id
am_pw 2 enroll v.db admin.pub --role officer --as admin.id
expect_stderr_contains "without an admin"
expect_stderr_contains "amanat rotate"
am_pw 2 revoke v.db admin.pub --as admin.id
expect_stderr_contains "cannot revoke their own key"
expect_eq "entries after the refusals" "$((before + 1))" "$(entry_count v.db)"

# ---- revocation with a reason and a compromise point -------------------------
seal_as officer v.db one.txt
C1=$SEQ
seal_as officer v.db two.txt
C2=$SEQ
am_pw 2 revoke v.db officer.pub --as admin.id --compromised-since 99999
expect_stderr_contains "no entry 99999"
am_pw 2 revoke v.db officer.pub --as admin.id --compromised-since yesterday
expect_stderr_contains "--compromised-since needs a UTC date YYYY-MM-DD or an entry number"
am_pw 2 revoke v.db officer.pub --as admin.id --compromised-since 2026-13-45
am_pw 2 revoke v.db officer.pub --as admin.id --reason "$(printf 'x%.0s' $(seq 1025))"
expect_stderr_contains "at most 1024 bytes"
am_pw 0 revoke v.db officer.pub --as admin.id --reason "laptop seized at a checkpoint" \
	--compromised-since "$S2"
REV=$(cat "$OUT")
am_pw 3 seal v.db --as officer.id --type testimony --case C-TEST one.txt
am 0 members v.db
OKID=$(awk '$1 == "officer" { print $2 }' "$OUT")
[[ $OKID =~ ^[0-9a-f]{16}$ ]] || fail "no key id for officer in: $(cat "$OUT")"
am 0 verify v.db
expect_stderr_contains "amanat: warning: key $OKID was revoked in entry $REV as compromised since entry $S2"
expect_stderr_contains "it signed 3 entries from there to its revocation, to re-examine: $S2 $C1 $C2"
expect_stderr_contains "reason given: laptop seized at a checkpoint"
am 0 verify v.db --json
expect_stdout_contains '"ok":true'
expect_stdout_contains "\"compromised\":[{\"revoke_entry\":$REV,"
expect_stdout_contains "\"since_entry\":$S2,\"reason\":\"laptop seized at a checkpoint\",\"entries\":[$S2,$C1,$C2]}]"
# the independent verifier finds the same window
"$PY" "$AMV" vault v.db >"$OUT" 2>"$ERR" || fail "amverify.py: $(cat "$OUT" "$ERR")"
expect_stdout_contains "revoked in entry $REV since entry $S2 signed: $S2 $C1 $C2"

# a date: resolved to the first entry sealed on or after it (here: all of them)
make_id late
am_pw 0 enroll v.db late.pub --role officer --as admin.id
seal_as late v.db one.txt
L1=$SEQ
am_pw 0 revoke v.db late.pub --as admin.id --compromised-since 2000-01-01
am 0 verify v.db --json
expect_stdout_contains "\"since_entry\":0,\"since_time\":\"2000-01-01T00:00:00"
expect_stdout_contains "\"reason\":\"\",\"entries\":[$L1]}"
verify_ok v.db

# revocations of both forms (cust2's: the key alone, as before §24) verify independently
expect_eq "revoke payload sizes" "32 52" "$(sq v.db "SELECT group_concat(n, ' ') FROM (SELECT DISTINCT length(header) - 300 AS n FROM entries WHERE type = 3 AND length(header) - 300 IN (32, 52) ORDER BY n)")"
"$PY" "$AMV" vault v.db >"$OUT" 2>"$ERR" || fail "amverify.py: $(cat "$OUT" "$ERR")"
expect_stdout_matches "^ok [0-9]+ entries root "
finish
