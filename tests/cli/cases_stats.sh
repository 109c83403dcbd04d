#!/bin/bash
# cases_stats.sh — figures from case records (issue 11): a fictional dataset
# from tests/cases/gen_cases.py imported, corrected (amendments) and partly
# withdrawn; 'amanat stats --csv' must print exactly the generator's own
# counts, computed independently, for every grouping and for ranges whose
# ends cut through months and years (the precision rule).  Then the signed
# report: --check passes, an edited figure fails naming it, and --html is
# well-formed.
. "$(dirname "$0")/lib.sh"
GEN="${TESTS_DIR:-$CLI_DIR/..}/cases/gen_cases.py"
PY=/usr/bin/python3

make_vault v.db
echo "fictional testimony" >t.txt
seal_as officer v.db t.txt
T1=$SEQ
seal_as officer v.db t.txt
T2=$SEQ
$PY "$GEN" make g --cases 300 --seed 7 --sources "$T1,$T2" >/dev/null || fail "generator failed"

am_pw 0 import v.db --as custodian.id g/import1.csv
expect_stderr_contains "(300 new, 0 amended;"
expect_eq "cases said sealed" 300 "$(grep -c '^sealed C-' "$OUT")"
am_pw 0 import v.db --as custodian.id g/import2.csv
expect_stderr_contains "amended"
while IFS=$'\t' read -r id why; do
	am_pw 0 case withdraw v.db "$id" --as custodian.id --reason "$why"
done <g/withdraw.txt

for by in act-type affiliation province month status; do
	for range in "" "--from 2021-08-15 --to 2023-06-30" "--from 2022-01-15 --to 2022-12-31" \
		"--to 2022-02-28" "--from 2022-06-10"; do
		# shellcheck disable=SC2086
		am_pw 0 stats v.db --as custodian.id --by $by $range --csv
		# shellcheck disable=SC2086
		$PY "$GEN" expect g/truth.json --by $by $range >want.csv || fail "generator expect failed"
		expect_same_file "$OUT" want.csv
	done
done
# the ranges above cut through months and years: some acts straddle them
am_pw 0 stats v.db --as custodian.id --by month --from 2022-01-15 --to 2022-12-31 --csv
expect_stdout_matches '^partly-in-range,[1-9][0-9]*,[1-9]'
expect_stdout_matches '^2022-01,'
expect_stdout_not_contains '2021-'

# the signed report and its check
am_pw 0 stats v.db --as custodian.id --by act-type --from 2022-01-01 --to 2022-12-31 --json
cp "$OUT" report.json
expect_stdout_contains '"report":"amanat-stats-report/1"'
expect_stdout_contains '"origin":"amanat/'
expect_stderr_contains "recorded as custody entry"
size=$(json_num size)
expect_eq "report's tree size (the custody entry of the reading included)" "$(entry_count v.db)" "$size"
am_pw 0 stats --check report.json v.db --as custodian.id
expect_stdout_contains "ok: report.json matches v.db at tree size $size"
# figures at that tree size, even after the vault changed: one more withdrawal
first=$(sed -n 's/.*"group":"\([a-z-]*\)".*/\1/p' report.json | head -n 1)
am_pw 0 stats --check report.json v.db --as custodian.id
# (a case, not withdrawn, with an act dated to a day of 2022: it counts in the report)
id2=$($PY -c 'import json
for c in json.load(open("g/truth.json")):
    if not c.get("withdrawn") and any(a["date_precision"] == "day" and a["date"].startswith("2022-")
                                      for a in c["acts"]):
        print(c["case_id"]); break')
am_pw 0 case withdraw v.db "$id2" --as custodian.id --reason "test: after the report"
am_pw 0 stats v.db --as custodian.id --by act-type --from 2022-01-01 --to 2022-12-31 --csv
now_total=$(grep '^total,' "$OUT" | cut -d, -f2)
[ "$now_total" -lt "$(sed -n 's/.*"total":{"acts":\([0-9]*\).*/\1/p' report.json)" ] ||
	fail "withdrawing $id2 did not lower today's total: the check below would prove nothing"
pass
am_pw 0 stats --check report.json v.db --as custodian.id
expect_stdout_contains "ok: report.json matches"
# an edited figure fails, naming it
$PY - "$first" <<'PY' || fail "cannot edit the report"
import json, sys
r = json.load(open("report.json"))
g = [x for x in r["groups"] if x["group"] == sys.argv[1]][0]
g["acts"] += 1
open("edited.json", "w").write(json.dumps(r))
PY
am_pw 1 stats --check edited.json v.db --as custodian.id
expect_stderr_contains "figure $first acts: the report says"
expect_stderr_contains "the signature does not match"
# an independent checker, written from docs/FORMAT.md §26 (tests/python/amstats.py)
AMSTATS="${TESTS_DIR:-$CLI_DIR/..}/python/amstats.py"
AMANAT_PASSPHRASE="$PASS" expect_exit 0 $PY "$AMSTATS" v.db report.json custodian.id
expect_stdout_contains "ok: "
AMANAT_PASSPHRASE="$PASS" expect_exit 1 $PY "$AMSTATS" v.db edited.json custodian.id
expect_stdout_contains "amstats: figure $first: report"
expect_stdout_contains "the signature does not match"
# a report that is not one
echo '{"report":"something else"}' >bad.json
am_pw 2 stats --check bad.json v.db --as custodian.id
expect_stderr_contains "not an amanat statistics report"

# the annex page: one well-formed, script-free file
am_pw 0 stats v.db --as custodian.id --by affiliation --from 2022-01-01 --to 2022-12-31 --html annex.html
[ -s annex.html ] || fail "no annex.html"
$PY - <<'PY' || fail "annex.html is not well-formed"
import html.parser, xml.etree.ElementTree as ET
text = open("annex.html", encoding="utf-8").read()
body = text.split("\n", 1)[1]          # the <!DOCTYPE html> line is not XML
root = ET.fromstring(body)
ns = {"h": "http://www.w3.org/1999/xhtml", "s": "http://www.w3.org/2000/svg"}
assert root.findall(".//s:svg", ns), "no SVG chart"
assert root.findall(".//h:table", ns), "no table"
assert "<script" not in text.lower() and "http://" not in text.replace(
    "http://www.w3.org/", ""), "script or network reference"
class P(html.parser.HTMLParser):
    pass
P().feed(text)
PY
grep -q "Former police" annex.html || fail "annex.html lacks the vocabulary's labels"
grep -q "@media print" annex.html || fail "annex.html has no print style"
am_pw 2 stats v.db --as custodian.id --by affiliation --html annex.html
expect_stderr_contains "annex.html already exists"
finish
