#!/bin/bash
# json.sh — every --json output parses as JSON (one document), and strings
# with quotes, backslashes, newlines, control characters and UTF-8 come back
# exactly as sealed; the text output shows control characters as '?'.
. "$(dirname "$0")/lib.sh"

PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
	echo "note [$TEST_NAME]: python3 not found; checking only a few raw strings" >&2
fi

# json_get EXPR — evaluate a Python expression over the parsed $OUT (as j)
# and print the result (repr for non-strings); fails when $OUT is not JSON.
json_get() {
	"$PY" - "$OUT" "$1" <<'EOF' || fail "stdout is not one JSON document (or has no $1)"
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
v = eval(sys.argv[2])
sys.stdout.write(v if isinstance(v, str) else repr(v))
EOF
}

make_vault v.db
TITLE=$(printf 'line 1 "quoted" \\ back\nline 2\ttab \001\037\177 end, é ✓')
CASE='C"7\'
PURPOSE=$(printf 'why: "court"\nsecond line')
printf 'content\n' >c.txt

am_pw 0 seal v.db --as officer.id --type testimony --case "$CASE" --title "$TITLE" --meta "note=$TITLE" --json c.txt
expect_eq "stdout lines of seal --json" 1 "$(wc -l <"$OUT")"
if [ -n "$PY" ]; then
	expect_eq "seal --json seq" 4 "$(json_get 'j["seq"]')"
fi

am_pw 0 show v.db 4 --as custodian.id --purpose "$PURPOSE" --json
expect_stdout_contains '"case":"C\"7\\"'
expect_stdout_contains '\n'
expect_stdout_contains '\t'
expect_stdout_contains '\u0001'
expect_stdout_contains '\u007f'
if [ -n "$PY" ]; then
	expect_eq "title through show --json" "$TITLE" "$(json_get 'j["fields"]["title"]')"
	expect_eq "note through show --json" "$TITLE" "$(json_get 'j["fields"]["note"]')"
	expect_eq "case through show --json" "$CASE" "$(json_get 'j["fields"]["case"]')"
	expect_eq "size through show --json" 8 "$(json_get 'j["size"]')"
fi
# text output: control characters as '?', the rest as is
am_pw 0 show v.db 4 --as custodian.id
expect_stdout_matches '^title +line 1 "quoted" \\ back\?line 2\?tab \?\?\? end, é ✓$'

am_pw 0 list v.db --as custodian.id --json
if [ -n "$PY" ]; then
	expect_eq "list --json length" "$(entry_count v.db)" "$(json_get 'len(j)')"
	expect_eq "title through list --json" "$TITLE" "$(json_get '[e for e in j if e["seq"] == 4][0]["title"]')"
	expect_eq "list --json seqs" "True" "$(json_get '[e["seq"] for e in j] == list(range(len(j)))')"
fi
am 0 list v.db --json
if [ -n "$PY" ]; then
	expect_eq "public list --json has no titles" "False" "$(json_get 'any("title" in e or "case" in e for e in j)')"
fi

am_pw 0 log v.db --as custodian.id --json
if [ -n "$PY" ]; then
	expect_eq "purpose through log --json" "$PURPOSE" "$(json_get '[e for e in j if e["action"] == "show"][0]["purpose"]')"
	expect_eq "actions in log --json" "['show', 'show', 'list', 'log']" "$(json_get '[e["action"] for e in j]')"
fi
am 0 log v.db --json
if [ -n "$PY" ]; then
	expect_eq "public log --json has no purposes" "False" "$(json_get 'any("purpose" in e for e in j)')"
fi
# an empty custody log is still a JSON array
am_pw 0 init empty.db --as admin.id
am 0 log empty.db --json
if [ -n "$PY" ]; then
	expect_eq "empty log --json" "[]" "$(json_get 'j')"
fi

am 0 verify v.db --json
expect_eq "stdout lines of verify --json" 1 "$(wc -l <"$OUT")"
if [ -n "$PY" ]; then
	expect_eq "verify --json ok" "True" "$(json_get 'j["ok"]')"
fi

finish
