#!/bin/bash
# cases_field.sh — case records sealed in a field vault and pulled into the
# main vault (issues 11 and 13, FORMAT §26 "Imported case records"): a case
# created in the field and amended at headquarters, one created at
# headquarters and amended in the field, a withdrawal in the field; history
# names the field vault and entry, supersedes and sources are main-vault
# entry numbers, find and stats count them exactly, stats --check agrees,
# and the field officer still cannot read any of them.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
make_id admin
make_id custodian
make_id off1
am_pw 0 init main.db --as admin.id --recipient custodian.pub
am_pw 0 enroll main.db off1.pub --role officer --as admin.id
am_pw 0 checkpoint main.db --as admin.id
MID=$(head -n 1 "$OUT")
am_pw 0 init f1.db --as off1.id --recipient custodian.pub
echo "fictional testimony at headquarters" >h.txt
echo "fictional testimony in the field" >t.txt

# rec ID ENTRY NACTS [PROVINCE] — a record of NACTS acts, each citing ENTRY
rec() {
	$PY - "$@" <<'PY' || fail "cannot write $1.json"
import json, sys
cid, entry, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
prov = sys.argv[4] if len(sys.argv) > 4 else "kabul"
acts = [{"act_id": "A%d" % i, "act_type": "arbitrary-arrest", "date": "2022-03-%02d" % (i + 1),
         "date_precision": "day", "place": {"province": prov, "district": "D"},
         "victim": {"pseudonym": "V-%04d" % (100 + i), "sex": "male", "age_group": "adult",
                    "affiliation": "former-police"},
         "perpetrator": "de-facto-intelligence", "status": "detained",
         "sources": [{"entry": entry, "reliability": "high"}],
         "private": {"victim_name": "Fictional %s %d" % (cid, i)}} for i in range(n)]
json.dump({"schema": "amanat-case/1", "vocabulary": "1", "case_id": cid,
           "consent_scopes": ["internal"], "acts": acts}, open(sys.argv[1] + ".json", "w"))
PY
}

# ---- headquarters: H-1, one act ---------------------------------------------------
am_pw 0 seal main.db --as custodian.id --type testimony --case H-1 h.txt
HT=$(cat "$OUT")
rec H-1 "$HT" 1
am_pw 0 case new main.db H-1.json --as custodian.id
H1=$(cat "$OUT")

# ---- the field: the officer seals but cannot read -------------------------------
am_pw 0 seal f1.db --as off1.id --type testimony --case F-1 t.txt
FT=$(cat "$OUT")
rec F-1 "$FT" 1
am_pw 0 case new f1.db F-1.json --as off1.id
expect_stderr_contains "cannot read the case records of f1.db"
F1=$(cat "$OUT")
rec F-2 "$FT" 2
am_pw 0 case new f1.db F-2.json --as off1.id
F2=$(cat "$OUT")
am_pw 2 case withdraw f1.db F-2 --ref "$FT" --reason "entered twice" --as off1.id
expect_stderr_contains "entry $FT is not a case record"
am_pw 2 case withdraw f1.db "bad id!" --reason "x" --as off1.id
expect_stderr_contains "is not a case id"
am_pw 0 case withdraw f1.db F-2 --ref "$F2" --reason "entered twice" --as off1.id
F2W=$(cat "$OUT")
# H-1 was sealed at headquarters: the field vault has no version of it to name
rec H-1 "$FT" 3 herat
am_pw 0 case amend f1.db H-1.json --as off1.id
expect_stderr_contains "it supersedes no entry of this vault"
H1F=$(cat "$OUT")
# the field officer reads none of it
am_pw 3 case show f1.db F-1 --as off1.id
expect_stderr_contains "off1 is not a custodian of f1.db"
am_pw 3 stats f1.db --as off1.id --by province
am_pw 3 show f1.db "$F1" --as off1.id
verify_ok f1.db

# ---- push and pull ------------------------------------------------------------------
am_pw 0 push f1.db --to "$MID" -o r1.pkt --as off1.id
N1=$(entry_count f1.db)
B=$(entry_count main.db)           # the field vault's entry k is main entry B + k
am_pw 0 pull main.db r1.pkt --as custodian.id
verify_ok main.db
expect_eq "entries pulled" $((B + $(entry_count f1.db))) "$(entry_count main.db)"

# F-1: the imported version, then an amendment at headquarters
am_pw 0 case history main.db F-1 --as custodian.id --json
expect_stdout_contains "\"entry\":$((B + F1)),"
expect_stdout_contains "\"field\":{\"vault\":\"amanat/"
expect_stdout_contains "\"entry\":$F1}"
expect_stdout_contains '"signer":"off1"'
am_pw 0 case show main.db F-1 --as custodian.id --json
expect_stdout_contains "\"entry\":$((B + FT)),"   # the source, as a main-vault entry
rec F-1 "$((B + FT))" 2
am_pw 0 case amend main.db F-1.json --as custodian.id --ref "$((B + F1))"
F1H=$(cat "$OUT")
am_pw 0 case history main.db F-1 --as custodian.id
expect_stdout_contains "entry $((B + F1)): record, sealed"
expect_stdout_contains "imported from field vault amanat/"
expect_stdout_contains "entry $F1H: amendment, sealed"
expect_stdout_contains "supersedes entry $((B + F1))"

# F-2: withdrawn in the field; its withdrawal supersedes the imported first version
am_pw 0 case history main.db F-2 --as custodian.id --json
expect_stdout_contains "\"entry\":$((B + F2W)),"
expect_stdout_contains "\"kind\":\"withdrawal\",\"supersedes\":$((B + F2)),"
am_pw 0 case show main.db F-2 --as custodian.id --json
expect_stdout_contains '"withdrawn":"entered twice"'

# H-1: the field's version follows the headquarters one (same id, same case)
am_pw 0 case history main.db H-1 --as custodian.id
expect_stdout_contains "entry $H1: record"
expect_stdout_contains "entry $((B + H1F)): amendment"
expect_stdout_contains "imported from field vault amanat/"
am_pw 0 case show main.db H-1 --as custodian.id --json
expect_stdout_contains "\"entry\":$((B + H1F)),"
expect_stdout_contains '"province":"herat"'

# ---- counting: F-1 (2 acts, headquarters' amendment) + H-1 (3 acts, the field's) --
am_pw 0 stats main.db --as custodian.id --by province --csv
expect_stdout_contains "herat,3,3"
expect_stdout_contains "kabul,2,2"
expect_stdout_contains "total,5,3"
am_pw 0 find main.db --as custodian.id --json
expect_eq "acts found" 5 "$(grep -o '"act_id"' "$OUT" | wc -l)"
expect_stdout_not_contains '"F-2"'
am_pw 0 stats main.db --as custodian.id --by province --json
cp "$OUT" report.json
expect_stdout_contains '"cases":2,'
am_pw 0 stats --check report.json main.db --as custodian.id
expect_stdout_contains "ok: report.json matches main.db"
# the independent checker (tests/python/amstats.py, from FORMAT §26) agrees
AMANAT_PASSPHRASE="$PASS" expect_exit 0 $PY "${TESTS_DIR:-$CLI_DIR/..}/python/amstats.py" \
	main.db report.json custodian.id
expect_stdout_contains "ok: 2 groups, 5 acts, 3 victims"
# the field officer, an officer at headquarters too, reads none of it there either
am_pw 3 case show main.db F-1 --as off1.id
expect_stderr_contains "off1 is not a custodian of main.db"
am_pw 3 find main.db --as off1.id
verify_ok main.db

# ---- round 2: the field amends F-1 again, naming its own version (it never saw
# headquarters' amendment): the newest is the one pulled last, supersedes as named
am_pw 0 ack f1.db r1.pkt.ack --as off1.id
rec F-1 "$FT" 1 balkh
am_pw 0 case amend f1.db F-1.json --ref "$F1" --as off1.id
F1F=$(cat "$OUT")
am_pw 0 push f1.db --to "$MID" -o r2.pkt --as off1.id
B2=$(($(entry_count main.db) - N1)) # now field entry k >= N1 is main entry B2 + k
am_pw 0 pull main.db r2.pkt --as custodian.id
am_pw 0 case history main.db F-1 --as custodian.id
expect_stdout_contains "entry $((B2 + F1F)): amendment, sealed"
expect_stdout_contains "supersedes entry $((B + F1)), imported from field vault amanat/"
am_pw 0 case show main.db F-1 --as custodian.id --json
expect_stdout_contains "\"entry\":$((B2 + F1F)),"
expect_stdout_contains '"province":"balkh"'
am_pw 0 stats main.db --as custodian.id --by province --csv
expect_stdout_contains "balkh,1,1"
expect_stdout_not_contains "kabul,"
expect_stdout_contains "total,4,3"
verify_ok main.db
finish
