#!/bin/bash
# bwrap_renew.sh — one commit batch longer than a wrap key may serve
# (AM_BWRAP_MAX_USES, 1000; AM_BATCH_ENTRIES is 4000): 'seal --recursive' of
# 1002 files is one COMMIT and one checkpoint, but the custodian's epk changes
# after the 1000th entry (FORMAT.md §29).  Entries on both sides of the
# change open for each custodian, here (extract, list --as, verify --deep:
# the reader's wrap-key cache holds both epks) and in amverify.py; the same
# batch sealed in a field vault, pushed and pulled, opens on both sides too.
. "$(dirname "$0")/lib.sh"

epks() { sq "$1" "SELECT count(DISTINCT substr(wraps, 37, 32)) FROM entries WHERE seq BETWEEN $2 AND $3"; }

make_id admin
make_id custodian
make_id custodian2
make_id off1
am_pw 0 init main.db --as admin.id --recipient custodian.pub
am_pw 0 enroll main.db custodian2.pub --role custodian --as admin.id
am_pw 0 enroll main.db off1.pub --role officer --as admin.id
mkdir in
for i in $(seq -w 1 1002); do printf 'record %s (fictional)\n' "$i" >"in/r$i.txt"; done
CPS=$(sq main.db "SELECT count(*) FROM checkpoints")
am_pw 0 seal main.db --as off1.id --type document --case R-1 --recursive in
expect_eq "lines printed" 1002 "$(wc -l <"$OUT")"
FIRST=$(head -n 1 "$OUT" | cut -f1)
LAST=$(tail -n 1 "$OUT" | cut -f1)
expect_eq "entries of the run" 1001 "$((LAST - FIRST))"
expect_eq "one commit batch: one checkpoint" "$((CPS + 1))" "$(sq main.db "SELECT count(*) FROM checkpoints")"
# the wraps block: u32 n, then per custodian pk (32) || epk (32) || nonce || ct
expect_eq "epks of custodian 0 in the run" 2 "$(epks main.db "$FIRST" "$LAST")"
expect_eq "epks of its first 1000 entries" 1 "$(epks main.db "$FIRST" "$((FIRST + 999))")"
expect_eq "epks of its last 2 entries" 1 "$(epks main.db "$((FIRST + 1000))" "$LAST")"
expect_eq "the last two use a new epk" 0 \
	"$(sq main.db "SELECT count(*) FROM entries WHERE seq = $((FIRST + 999)) AND substr(wraps, 37, 32) =
		(SELECT substr(wraps, 37, 32) FROM entries WHERE seq = $((FIRST + 1000)))")"
expect_eq "the second custodian's epk changes there too" 2 \
	"$(sq main.db "SELECT count(DISTINCT substr(wraps, 37 + 136, 32)) FROM entries WHERE seq BETWEEN $FIRST AND $LAST")"
verify_ok main.db
amv_ok vault main.db
pass
for who in custodian custodian2; do
	for k in 999 1000 1001; do
		am_pw 0 extract main.db "$((FIRST + k))" --as "$who.id" --purpose check -o "$who-$k.out"
		expect_same_file "in/r$(printf '%04d' $((k + 1))).txt" "$who-$k.out"
	done
done
amv_ok decrypt main.db "$((FIRST + 999))" --identity custodian.id --passphrase-env AMANAT_PASSPHRASE -o amv-a.out
expect_same_file in/r1000.txt amv-a.out
amv_ok decrypt main.db "$((FIRST + 1000))" --identity custodian2.id --passphrase-env AMANAT_PASSPHRASE -o amv-b.out
expect_same_file in/r1001.txt amv-b.out
# every entry of the batch opens for a reader: both wrap keys, one cache
am_pw 0 list main.db --as custodian2.id
expect_eq "batch entries listed with their case" 1002 "$(grep -cE '^[0-9]+ +document .* R-1$' "$OUT")"
am_pw 0 verify main.db --deep --as custodian.id
expect_stdout_contains "ok:"
am_pw 3 extract main.db "$((FIRST + 1000))" --as off1.id --purpose check -o off.out
pass

# ---- the same in a field vault, pushed and pulled ----------------------------------
am_pw 0 checkpoint main.db --as admin.id
MID=$(head -n 1 "$OUT")
am_pw 0 init f1.db --as off1.id --recipient custodian.pub
am_pw 0 seal f1.db --as off1.id --type testimony --case F-1 --recursive in
FF=$(head -n 1 "$OUT" | cut -f1)
FL=$(tail -n 1 "$OUT" | cut -f1)
expect_eq "epks in the field batch" 2 "$(epks f1.db "$FF" "$FL")"
am_pw 0 push f1.db --to "$MID" -o r1.pkt --as off1.id
before=$(entry_count main.db)
am_pw 0 pull main.db r1.pkt --as custodian.id
IMP=$(($(entry_count main.db) - 1))   # the import of field entry FL
expect_eq "imports of the field batch" "$((FL - FF + 1))" \
	"$(sq main.db "SELECT count(*) FROM entries WHERE seq >= $before AND type = (SELECT type FROM entries WHERE seq = $IMP) AND length(wraps) = 4 + 136")"
for k in 0 1 2; do
	am_pw 0 extract main.db "$((IMP - k))" --as custodian.id --purpose check -o "imp-$k.out"
	expect_same_file "in/r$(printf '%04d' $((1002 - k))).txt" "imp-$k.out"
done
verify_ok main.db
amv_ok vault main.db
amv_ok decrypt main.db "$((IMP - 2))" --identity custodian.id --passphrase-env AMANAT_PASSPHRASE -o amv-imp.out
expect_same_file in/r1000.txt amv-imp.out
pass
finish
