#!/bin/bash
# rewrap_import.sh — a custodian enrolled at headquarters after entries were
# pulled from a field vault is handed them like local ones (issues 12 and 13):
# rewrap names the import entries, verify accepts it (and amverify.py), the
# new custodian extracts the field testimony byte for byte, and the field
# officer still cannot read it.
. "$(dirname "$0")/lib.sh"

make_id admin
make_id custodian
make_id off1
make_id late
am_pw 0 init main.db --as admin.id --recipient custodian.pub
am_pw 0 enroll main.db off1.pub --role officer --as admin.id
am_pw 0 checkpoint main.db --as admin.id
MID=$(head -n 1 "$OUT")
am_pw 0 init f1.db --as off1.id --recipient custodian.pub
echo "fictional testimony in the field" >t.txt
am_pw 0 seal f1.db --as off1.id --type testimony --case F-1 t.txt
am_pw 0 push f1.db --to "$MID" -o r1.pkt --as off1.id
am_pw 0 pull main.db r1.pkt --as custodian.id
IMP=$(($(entry_count main.db) - 1))   # the field testimony is the last field entry
am_pw 0 show main.db "$IMP" --as custodian.id --purpose check
expect_stdout_contains "F-1"

am_pw 0 enroll main.db late.pub --role custodian --as admin.id
am_pw 3 extract main.db "$IMP" --as late.id --purpose check -o none.out
am_pw 0 rewrap main.db --to late.pub --as custodian.id --entries "$IMP" --purpose "handover"
am_pw 0 extract main.db "$IMP" --as late.id --purpose check -o late.out
expect_same_file t.txt late.out
verify_ok main.db
/usr/bin/python3 "${TESTS_DIR:-$CLI_DIR/..}/python/amverify.py" vault main.db >"$OUT" 2>"$ERR" ||
	fail "amverify.py: $(cat "$OUT" "$ERR")"
pass
am_pw 3 extract main.db "$IMP" --as off1.id --purpose check -o off.out
finish
