#!/bin/bash
# cases_records.sh — case records (issue 11): every class of schema error
# named by case, act and field with exit 2 and nothing sealed; amendments and
# withdrawals as new entries with history; import all-or-nothing, --skip-bad,
# and re-import.
. "$(dirname "$0")/lib.sh"

make_vault v.db
echo "fictional testimony" >t.txt
seal_as officer v.db t.txt
TST=$SEQ
EXAMPLE="${TESTS_DIR:-$CLI_DIR/..}/../docs/examples/case-C-2022-014.json"
sed "s/\"entry\": 4/\"entry\": $TST/" "$EXAMPLE" >good.json

# the shipped example validates with a real JSON Schema validator
/usr/bin/python3 - "${TESTS_DIR:-$CLI_DIR/..}/../docs" <<'PY' || fail "docs/ schema or example is wrong"
import json, sys, jsonschema
d = sys.argv[1]
s = json.load(open(d + "/case-record.schema.json"))
jsonschema.Draft202012Validator.check_schema(s)
jsonschema.validate(json.load(open(d + "/examples/case-C-2022-014.json")), s)
# the schema's enumerations are the vocabulary's keys
v = json.load(open(d + "/vocabulary/1.json"))["lists"]
act = s["$defs"]["act"]["properties"]
assert act["act_type"]["enum"] == [t["key"] for t in v["act_type"]]
assert act["status"]["enum"] == [t["key"] for t in v["status"]]
assert act["victim"]["properties"]["affiliation"]["enum"] == [t["key"] for t in v["affiliation"]]
assert act["place"]["properties"]["province"]["enum"] == [t["key"] for t in v["province"]]
for k in ["extrajudicial-execution", "death-in-custody", "torture", "ill-treatment",
          "arbitrary-arrest", "arbitrary-detention", "incommunicado-detention",
          "enforced-disappearance", "threat-intimidation"]:
    assert k in act["act_type"]["enum"], k
PY
pass
# the report vector (tests/vectors/stats-*): the independent checker's statement and signature
/usr/bin/python3 - "${TESTS_DIR:-$CLI_DIR/..}" <<'PY' || fail "the report vector does not check independently"
import json, sys, base64
sys.path.insert(0, sys.argv[1] + "/python")
import amstats, nacl.signing
v = sys.argv[1] + "/vectors/"
r = json.load(open(v + "stats-report.json"))
st = amstats.statement(r)
assert st == open(v + "stats-statement.txt", "rb").read(), "statement differs"
nacl.signing.VerifyKey(bytes.fromhex(r["signer"]["key"])).verify(st, base64.b64decode(r["signature"]))
PY
pass

# bad JSON: python edits of the good record, one class of error each
bad() { # NAME PYTHON-STATEMENT (r is the record)
	/usr/bin/python3 -c "import json; r=json.load(open('good.json')); $2; json.dump(r, open('$1.json','w'))" ||
		fail "cannot make $1.json"
}
bad term "r['acts'][1]['act_type']='beating'"
bad date "r['acts'][0]['date']='2022-02-30'"
bad precision "r['acts'][1]['date']='2022-03-01'"
bad dup "r['acts'][1]['act_id']='a1'"
bad nolink "r['acts'][0]['sources'][0]['entry']=999"
bad notevidence "r['acts'][0]['sources'][0]['entry']=2"
bad field "r['acts'][0]['colour']='red'"
bad missing "del r['acts'][0]['status']"
bad pseudonym "r['acts'][0]['victim']['pseudonym']='Ahmad'"
# the schema refuses what it can express, as amanat does; the calendar, act id
# uniqueness and links are amanat's own rules (FORMAT.md §26)
/usr/bin/python3 - "${TESTS_DIR:-$CLI_DIR/..}/../docs/case-record.schema.json" <<'PY' ||
import json, sys, jsonschema
s = json.load(open(sys.argv[1]))
v = jsonschema.Draft202012Validator(s)
for name, ok in [("term", 0), ("precision", 0), ("field", 0), ("missing", 0), ("pseudonym", 0),
                 ("date", 1), ("dup", 1), ("nolink", 1), ("notevidence", 1), ("good", 1)]:
    errors = list(v.iter_errors(json.load(open(name + ".json"))))
    assert (not errors) == bool(ok), (name, [e.message for e in errors])
PY
	fail "the JSON Schema and amanat disagree on a fixture"
pass
before=$(entry_count v.db)
check_bad() { # NAME MESSAGE
	am_pw 2 case new v.db --as custodian.id "$1.json"
	expect_stderr_contains "$2"
	expect_stderr_contains "nothing was sealed"
	expect_eq "entries after a refused $1" "$before" "$(entry_count v.db)"
}
check_bad term "case C-2022-014, act A2, field act_type: 'beating' is not a term of the act_type list"
check_bad date "case C-2022-014, act A1, field date: '2022-02-30' is not a date of precision day"
check_bad precision "act A2, field date: '2022-03-01' is not a date of precision month"
check_bad dup "act a1, field act_id: duplicate act id (act A1 has it already)"
check_bad nolink "act A1, field sources.entry: entry 999 does not exist"
check_bad notevidence "act A1, field sources.entry: entry 2 is a enroll entry, not evidence"
check_bad field "act A1, field colour: is not a field of an act"
check_bad missing "act A1, field status: missing"
check_bad pseudonym "act A1, field victim.pseudonym: 'Ahmad' is not a pseudonym"
echo 'not json' >notjson.json
check_bad notjson "is not a JSON object"

# a record, an amendment, a withdrawal (the first from standard input)
AMANAT_PASSPHRASE="$PASS" expect_exit 0 "$AMANAT" case new v.db --as custodian.id - <good.json
V1=$(cat "$OUT")
am_pw 2 case new v.db --as custodian.id good.json
expect_stderr_contains "case C-2022-014 exists already (its newest version is entry $V1)"
/usr/bin/python3 -c "import json; r=json.load(open('good.json')); r['acts'][0]['status']='released'; json.dump(r, open('amended.json','w'))"
am_pw 2 case amend v.db --as custodian.id --ref 3 amended.json
expect_stderr_contains "newest version is entry $V1, not 3"
am_pw 0 case amend v.db --as custodian.id --ref "$V1" amended.json
V2=$(cat "$OUT")
am_pw 0 case show v.db C-2022-014 --as custodian.id --json
/usr/bin/python3 - "${TESTS_DIR:-$CLI_DIR/..}/../docs/case-record.schema.json" "$OUT" <<'PY' ||
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2]))["record"], json.load(open(sys.argv[1])))
PY
	fail "the record amanat shows does not satisfy its schema"
pass
am_pw 0 case show v.db C-2022-014 --as custodian.id
expect_stdout_contains "entry $V2"
expect_stdout_contains "status released"
expect_stdout_contains "private witness_name: Example Witness (fictional)"
am_pw 0 case history v.db C-2022-014 --as custodian.id
expect_stdout_contains "entry $V1: record, sealed"
expect_stdout_contains "entry $V2: amendment, sealed"
expect_stdout_contains "supersedes entry $V1"
expect_stdout_contains "acts[A1].status: detained -> released"
expect_stdout_contains "by custodian"
am_pw 2 case withdraw v.db C-2022-014 --as custodian.id
expect_stderr_contains "--reason"
am_pw 0 case withdraw v.db C-2022-014 --as custodian.id --reason "recorded twice (fictional)"
V3=$(cat "$OUT")
am_pw 2 case withdraw v.db C-2022-014 --as custodian.id --reason again
expect_stderr_contains "withdrawn already (entry $V3)"
am_pw 0 case history v.db C-2022-014 --as custodian.id
expect_stdout_contains "entry $V3: withdrawal, sealed"
expect_stdout_contains "  withdrawn: recorded twice (fictional)"
expect_eq "lines of the withdrawal's history" 2 "$(sed -n "/^entry $V3:/,\$p" "$OUT" | wc -l)"
am_pw 0 case history v.db C-2022-014 --as custodian.id --json
expect_stdout_contains '"kind":"withdrawal"'
am_pw 0 find v.db --as custodian.id --case C-2022-014
expect_stderr_contains "0 acts found"
am_pw 0 stats v.db --as custodian.id --by act-type --csv
expect_stdout_is "group,acts,victims"$'\n'"total,0,0"
# an officer cannot read the records it would amend: custody needs a custodian
am_pw 3 case show v.db C-2022-014 --as officer.id
expect_stderr_contains "officer is not a custodian of v.db"
{ tr -d '\n' <good.json; echo; } >o.jsonl
am_pw 3 import v.db --as officer.id o.jsonl
expect_stderr_contains "officer is not a custodian of v.db"
verify_ok v.db

# import: all or nothing
cat >imp.csv <<CSV
case_id,act_id,act_type,date,date_precision,province,district,victim,victim_sex,victim_age,victim_affiliation,perpetrator,status,consent_scopes,sources,witness_name
C-1,A1,torture,2022-05-02,day,herat,District 1,V-0101,male,adult,former-army,de-facto-police,released,internal;court,$TST:high,Fictional W
C-1,A2,arbitrary-detention,2022-05,month,herat,District 1,V-0101,male,adult,former-army,de-facto-police,released,internal;court,,
C-2,A1,torture,2022-13-01,day,herat,,V-0102,female,adult,journalist,unknown,detained,,,
C-3,A1,enforced-disappearance,2023,year,kabul,,V-0103,male,adult,civilian,unknown,whereabouts-unknown,internal,,
C-3,A2,flogging,2023,year,kabul,,V-0103,male,adult,civilian,unknown,whereabouts-unknown,internal,,
CSV
before=$(entry_count v.db)
am_pw 2 import v.db --as custodian.id imp.csv
expect_stderr_contains "imp.csv:4: column 4 (date): case C-2, act A1, field date: '2022-13-01' is not a date"
expect_stderr_contains "imp.csv:6: column 3 (act_type): case C-3, act A2, field act_type: 'flogging' is not a term"
expect_stderr_contains "2 problems; nothing was sealed"
expect_eq "entries after a refused import" "$before" "$(entry_count v.db)"
{ head -n 1 imp.csv; grep '^C-2,' imp.csv; } >allbad.csv
am_pw 2 import v.db --as custodian.id allbad.csv --skip-bad
expect_stderr_contains "allbad.csv: no good case to seal; nothing was sealed"
expect_eq "entries after an import with nothing good" "$before" "$(entry_count v.db)"
am_pw 0 import v.db --as custodian.id imp.csv --skip-bad
expect_stdout_contains "sealed C-1 as entry"
expect_stdout_not_contains "C-2"
expect_stderr_contains "skipped case C-2 (from line 4)"
expect_stderr_contains "skipped case C-3 (from line 5)"
am_pw 0 find v.db --as custodian.id --text "fictional w"
expect_stdout_contains "C-1	A1	2022-05-02	torture"
expect_stderr_contains "1 act found"
am_pw 0 export v.db --as custodian.id --purpose test --scope court --case C-1 -o b1 --withhold 'private.*'
grep -rq "Fictional W" b1 && fail "a withheld private field reached the bundle"
pass
# the same file again, fixed: C-1 is unchanged (left alone), C-2 and C-3 are new
sed -i 's/2022-13-01/2022-12-01/; s/flogging/torture/' imp.csv
am_pw 0 import v.db --as custodian.id imp.csv --json
expect_stdout_not_contains '"case":"C-1"'
expect_stdout_contains '"case":"C-2"'
expect_stderr_contains "1 already sealed as they are"
# JSON Lines, with a case already in the vault: an amendment
sed -e 's/"summary":[^,]*,//' good.json | tr -d '\n' | sed 's/C-2022-014/C-2/' >one.jsonl
echo >>one.jsonl
am_pw 0 import v.db --as custodian.id one.jsonl
expect_stdout_contains "sealed C-2 as entry"
expect_stdout_contains "(amends entry"
# a custodian enrolled later cannot open the earlier records: no figures that leave them out
make_id late
am_pw 0 enroll v.db late.pub --role custodian --as admin.id
am_pw 3 stats v.db --as late.id --by status
expect_stderr_contains "case entries are not sealed to late.id, so figures would leave them out"
am_pw 2 import v.db --as custodian.id imp.txt
expect_stderr_contains "give a .csv or a .jsonl file"
verify_ok v.db
finish
