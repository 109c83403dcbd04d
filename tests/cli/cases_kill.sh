#!/bin/bash
# cases_kill.sh — an import killed (kill -9) part-way leaves whole cases
# only: every case it said was sealed is in the vault complete, the vault
# verifies, and importing the same file again seals the rest and leaves the
# sealed ones alone.
. "$(dirname "$0")/lib.sh"
GEN="${TESTS_DIR:-$CLI_DIR/..}/cases/gen_cases.py"

make_vault v.db
/usr/bin/python3 "$GEN" make g --cases 400 --seed 11 >/dev/null || fail "generator failed"
base=$(entry_count v.db)
# Each commit (32 cases) must still be ahead when the signal lands, however
# fast the machine: every fsync first waits 150 ms under a shim.
command -v cc >/dev/null 2>&1 || fail "a C compiler (cc) is needed to build the slow-sync shim"
make_slow_sync_shim 150000
AMANAT_PASSPHRASE="$PASS" "${SLOWSYNC[@]}" "$AMANAT" import v.db --as custodian.id g/import1.csv >said.txt 2>err.txt &
pid=$!
for _ in $(seq 1 600); do
	[ "$(grep -c '^sealed' said.txt)" -ge 30 ] && break
	sleep 0.05
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
said=$(grep -c '^sealed' said.txt)
[ "$said" -ge 30 ] && [ "$said" -lt 400 ] || fail "the import was not stopped part-way ($said cases said)"
pass
cases=$(sq v.db "SELECT count(*) FROM entries WHERE type = 7")
# a case is said once its batch is durable (CASES_BATCH = 32 to a commit): at
# most the batch being committed when killed is in the vault unsaid
[ "$cases" -ge "$said" ] && [ "$cases" -le $((said + 32)) ] ||
	fail "$said cases said sealed, $cases case entries in the vault"
pass
verify_ok v.db
# every case said sealed is whole: all of its rows' acts are in its record
last=$(grep '^sealed' said.txt | tail -n 1 | cut -d' ' -f2)
am_pw 0 case show v.db "$last" --as custodian.id
expect_eq "acts of $last" "$(grep -c "^$last," g/import1.csv)" "$(grep -c '^act ' "$OUT")"
am_pw 0 stats v.db --as custodian.id --by status --csv
sealed_acts=$(tail -n 1 "$OUT" | cut -d, -f2)
am_pw 0 find v.db --as custodian.id --json
want=0
for id in $(grep -o '"case":"C-[0-9]*"' "$OUT" | sort -u | cut -d'"' -f4); do
	want=$((want + $(grep -c "^$id," g/import1.csv)))
done
expect_eq "acts counted after the kill" "$want" "$sealed_acts"
# the same file again: the rest is sealed, nothing twice
am_pw 0 import v.db --as custodian.id g/import1.csv
expect_stderr_contains "already sealed as they are"
expect_eq "case entries after the second import" 400 "$(sq v.db "SELECT count(*) FROM entries WHERE type = 7")"
am_pw 0 stats v.db --as custodian.id --by status --csv
expect_eq "acts after the second import" "$(($(wc -l <g/import1.csv) - 1))" "$(tail -n 1 "$OUT" | cut -d, -f2)"
[ "$base" -gt 0 ] || fail "no base entries"

# Ctrl-C (SIGINT) part-way: the case being sealed is rolled back, the import
# says how many were sealed, and exits 130
/usr/bin/python3 "$GEN" make g2 --cases 300 --seed 12 >/dev/null || fail "generator failed"
sed -i 's/^C-/D-/' g2/import1.csv
AMANAT_PASSPHRASE="$PASS" "${SLOWSYNC[@]}" "$AMANAT" import v.db --as custodian.id g2/import1.csv >said2.txt 2>err2.txt &
pid=$!
for _ in $(seq 1 600); do
	[ "$(grep -c '^sealed' said2.txt)" -ge 20 ] && break
	sleep 0.05
done
kill -INT "$pid"
wait "$pid"
rc=$?
expect_eq "exit code after SIGINT" 130 "$rc"
said=$(grep -c '^sealed' said2.txt)
grep -q "g2/import1.csv: $said of 300 cases were sealed (listed above, each whole)" err2.txt ||
	fail "the import did not say how many were sealed: $(cat err2.txt)"
pass
expect_eq "D- cases in the vault after SIGINT" "$said" \
	"$(grep -c . < <(AMANAT_PASSPHRASE="$PASS" "$AMANAT" find v.db --as custodian.id --json 2>/dev/null |
		grep -o '"case":"D-[0-9]*"' | sort -u))"
verify_ok v.db
verify_ok v.db
finish
