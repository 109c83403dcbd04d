#!/bin/bash
# Key lifecycle review (issue 12): what verify reports must not rest on
# columns an attacker may rewrite.  The compromise window of a revocation is
# found from the signed headers, not the stored type column: an audit that
# starts from its own trusted tree still reports it after someone who writes
# the vault file relabels the revoke row.  And a custodian who rewraps a box
# that holds no key (which no keyless verifier can see) cannot shut the
# recipient out: another custodian hands the entry over again, and the reader
# takes the first box that opens the entry.  And init --recipient refuses
# degenerate keys as enroll does.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
FORGE="${TESTS_DIR:-$CLI_DIR/..}/python/forge.py"
"$PY" -c 'import nacl.signing' 2>/dev/null || fail "$PY cannot import nacl (apt-get install python3-nacl)"

make_vault v.db            # 0 genesis, 1 custodian, 2 officer, 3 auditor
printf 'Testimony (fictional).\n' >one.txt
seal_as officer v.db one.txt
S1=$SEQ
am_pw 0 revoke v.db officer.pub --as admin.id --reason "phone lost" --compromised-since "$S1"
REV=$(cat "$OUT")
am 0 audit v.db --json
expect_stdout_contains "\"compromised\":[{\"revoke_entry\":$REV,"
# the attacker relabels the revoke row: its signed header still says revoke
drop_triggers v.db
sq v.db "UPDATE entries SET type = 8 WHERE seq = $REV"
am 0 audit v.db --json
expect_stdout_contains "\"compromised\":[{\"revoke_entry\":$REV,"
am 0 audit v.db
expect_stderr_contains "was revoked in entry $REV as compromised since entry $S1"

# ---- a rewrap of a box that holds no key does not shut the recipient out -------
make_vault w.db
make_id cust2
make_id cust3
am_pw 0 enroll w.db cust3.pub --role custodian --as admin.id
seal_as admin w.db one.txt
EARLY=$SEQ                 # wrapped to custodian and cust3
am_pw 0 enroll w.db cust2.pub --role custodian --as admin.id
# cust3 (a custodian) hands cust2 a box of random bytes for it: validly signed
AMANAT_PASSPHRASE="$PASS" "$PY" "$FORGE" insider w.db --as cust3.id rewrap cust2.pub "$EARLY:$EARLY" >"$T/.forge" ||
	fail "forge.py insider: $(cat "$T/.forge")"
BAD=$(cat "$T/.forge")
verify_ok w.db
am_pw 1 show w.db "$EARLY" --as cust2.id
expect_stderr_contains "entry $EARLY: metadata does not decrypt with the key from rewrap entry $BAD"
# the honest custodian hands it over again, and cust2 reads it
am_pw 2 rewrap w.db --to cust3.pub --as custodian.id --entries "$EARLY"
expect_stderr_contains "already readable"
am_pw 0 rewrap w.db --to cust2.pub --as custodian.id --entries "$EARLY"
GOOD=$(tail -n 1 "$OUT")
am_pw 0 show w.db "$EARLY" --as cust2.id
expect_stdout_contains "case"
am_pw 0 extract w.db "$EARLY" --as cust2.id --purpose "review" -o early.out
expect_same_file one.txt early.out
# and cust2 may hand it on: the key they pass is the one that opened it
make_id cust4
am_pw 0 enroll w.db cust4.pub --role custodian --as admin.id
am_pw 0 rewrap w.db --to cust4.pub --as cust2.id --entries "$EARLY"
am_pw 0 extract w.db "$EARLY" --as cust4.id --purpose "review" -o early4.out
expect_same_file one.txt early4.out
verify_ok w.db
"$PY" "${TESTS_DIR:-$CLI_DIR/..}/python/amverify.py" vault w.db >"$OUT" 2>"$ERR" ||
	fail "amverify.py: $(cat "$OUT" "$ERR")"

# ---- init --recipient is an enrollment: degenerate keys are refused there too ---
read -r _ _ sgn _ <cust2.pub
low8=$("$PY" -c 'import base64; print(base64.b64encode(bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")).decode())')
echo "amanat-pub-v1 lowbox $sgn $low8" >lowbox.pub
am_pw 2 init low.db --as admin.id --recipient lowbox.pub
expect_stderr_contains "low-order X25519"
expect_file_absent low.db
# ---- the last custodian: 'are there sealed entries?' comes from signed headers --
# the attacker relabels every sealed row as an enrollment, hoping the admin's
# revocation of the last custodian then goes through and locks the entries away
make_vault x.db
seal_as officer x.db one.txt
am 0 members x.db           # pinned: the relabelled rows are older than the pin
drop_triggers x.db
sq x.db "UPDATE entries SET type = 2 WHERE type NOT IN (1, 2, 3, 9)"
before=$(entry_count x.db)
am_pw 2 revoke x.db custodian.pub --as admin.id
expect_stderr_contains "no custodian"
expect_eq "entries after the refused revocation" "$before" "$(entry_count x.db)"
finish
