#!/bin/bash
# batch_wraps.sh — entries sealed by 'seal --recursive' carry batch wraps
# (docs/FORMAT.md §29: header flag bit 2, one X25519 per custodian and
# batch): a vault mixing them with single seals (sealed boxes, §14) verifies,
# here and in amverify.py, and a custodian extracts both kinds, here and with
# amverify.py; a custodian enrolled later is handed a batch-wrapped entry by
# rewrap; a field vault's batch-wrapped entries pushed and pulled open for the
# headquarters custodian; an officer opens none of them.
. "$(dirname "$0")/lib.sh"

flags_of() { sq "$1" "SELECT hex(substr(header, 8, 1)) FROM entries WHERE seq = $2"; }

make_id admin
make_id custodian
make_id custodian2
make_id off1
make_id late
am_pw 0 init main.db --as admin.id --recipient custodian.pub
am_pw 0 enroll main.db custodian2.pub --role custodian --as admin.id
am_pw 0 enroll main.db off1.pub --role officer --as admin.id
echo "a single testimony (fictional)" >one.txt
am_pw 0 seal main.db --as off1.id --type testimony --case B-1 one.txt
OLD=$(cat "$OUT")
mkdir in
for i in 1 2 3 4; do printf 'bulk record %s (fictional)\n' "$i" >"in/r$i.txt"; done
am_pw 0 seal main.db --as off1.id --type document --case B-1 --recursive in
FIRST=$(head -n 1 "$OUT" | cut -f1)
LAST=$(tail -n 1 "$OUT" | cut -f1)
expect_eq "flags of the single seal (chunk hashed, §28)" 02 "$(flags_of main.db "$OLD")"
expect_eq "flags of the batch's first entry" 06 "$(flags_of main.db "$FIRST")"
expect_eq "flags of the batch's last entry" 07 "$(flags_of main.db "$LAST")"
# two custodians: 4 + 2 x (32 + 104) bytes against 4 + 2 x (32 + 80)
expect_eq "batch wraps block size" 276 "$(sq main.db "SELECT length(wraps) FROM entries WHERE seq = $LAST")"
expect_eq "sealed boxes block size" 228 "$(sq main.db "SELECT length(wraps) FROM entries WHERE seq = $OLD")"
# one ephemeral key per custodian for the whole batch: the epk of custodian 0 repeats
expect_eq "one epk per custodian in the batch" 1 \
	"$(sq main.db "SELECT count(DISTINCT substr(wraps, 37, 32)) FROM entries WHERE seq BETWEEN $FIRST AND $LAST")"
expect_eq "nonces all differ" 4 \
	"$(sq main.db "SELECT count(DISTINCT substr(wraps, 69, 24)) FROM entries WHERE seq BETWEEN $FIRST AND $LAST")"
verify_ok main.db
amv_ok vault main.db
pass
for who in custodian custodian2; do
	am_pw 0 extract main.db "$OLD" --as "$who.id" --purpose check -o "$who-old.out"
	expect_same_file one.txt "$who-old.out"
	am_pw 0 extract main.db "$((FIRST + 2))" --as "$who.id" --purpose check -o "$who-new.out"
	expect_same_file in/r3.txt "$who-new.out"
done
amv_ok decrypt main.db "$LAST" --identity custodian2.id --passphrase-env AMANAT_PASSPHRASE -o amv.out
expect_same_file in/r4.txt amv.out
amv_ok decrypt main.db "$OLD" --identity custodian.id --passphrase-env AMANAT_PASSPHRASE -o amv-old.out
expect_same_file one.txt amv-old.out
pass
# list --as opens every entry of the batch (one derived wrap key per batch and custodian)
am_pw 0 list main.db --as custodian2.id
expect_eq "batch entries listed with their case" 4 "$(grep -cE '^[0-9]+ +document .* B-1$' "$OUT")"
am_pw 3 extract main.db "$FIRST" --as off1.id --purpose check -o off.out
# deep verification decrypts both kinds
am_pw 0 verify main.db --deep --as custodian.id
expect_stdout_contains "ok:"

# ---- rewrap of a batch-wrapped entry to a custodian enrolled later -----------------
am_pw 0 enroll main.db late.pub --role custodian --as admin.id
am_pw 3 extract main.db "$((FIRST + 1))" --as late.id --purpose check -o none.out
am_pw 0 rewrap main.db --to late.pub --as custodian2.id --entries "$((FIRST + 1))" --purpose handover
am_pw 0 extract main.db "$((FIRST + 1))" --as late.id --purpose check -o late.out
expect_same_file in/r2.txt late.out
verify_ok main.db
amv_ok vault main.db
amv_ok decrypt main.db "$((FIRST + 1))" --identity late.id --passphrase-env AMANAT_PASSPHRASE -o amv-late.out
expect_same_file in/r2.txt amv-late.out
pass

# ---- a field vault's batch, pushed and pulled ---------------------------------------
am_pw 0 checkpoint main.db --as admin.id
MID=$(head -n 1 "$OUT")
am_pw 0 init f1.db --as off1.id --recipient custodian.pub
mkdir field
for i in 1 2 3; do printf 'field record %s (fictional)\n' "$i" >"field/f$i.txt"; done
am_pw 0 seal f1.db --as off1.id --type testimony --case F-1 --recursive field
expect_eq "flags of a field batch entry" 07 "$(flags_of f1.db 3)"
am_pw 0 push f1.db --to "$MID" -o r1.pkt --as off1.id
am_pw 0 pull main.db r1.pkt --as custodian.id
IMP=$(($(entry_count main.db) - 1))   # the import of field entry 3, the last of the batch
am_pw 0 extract main.db "$IMP" --as custodian.id --purpose check -o imp.out
expect_same_file field/f3.txt imp.out
am_pw 0 extract main.db "$((IMP - 1))" --as custodian.id --purpose check -o imp2.out
expect_same_file field/f2.txt imp2.out
verify_ok main.db
amv_ok vault main.db
amv_ok decrypt main.db "$IMP" --identity custodian.id --passphrase-env AMANAT_PASSPHRASE -o amv-imp.out
expect_same_file field/f3.txt amv-imp.out
# the late custodian gets the import by rewrap too
am_pw 0 rewrap main.db --to late.pub --as custodian.id --entries "$IMP" --purpose handover
am_pw 0 extract main.db "$IMP" --as late.id --purpose check -o late-imp.out
expect_same_file field/f3.txt late-imp.out
am_pw 3 extract main.db "$IMP" --as off1.id --purpose check -o off-imp.out
verify_ok main.db
pass
finish
