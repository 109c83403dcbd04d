#!/bin/bash
# reading_record.sh — show, extract and list --as say which custody entry
# recorded the reading ("recorded as custody entry N" on stderr, as export
# does; "custody" in show's --json), and N is the entry the log shows for it.
. "$(dirname "$0")/lib.sh"

PY=$(command -v python3 || true)

# expect_logged N ACTION ENTRIES — custody entry N is ACTION on ENTRIES (JSON list)
expect_logged() {
	am 0 log v.db --json
	expect_stdout_contains "\"seq\":$1,\"at\":"
	if [ -n "$PY" ]; then
		expect_eq "custody entry $1" "$2 $3" "$("$PY" -c '
import json, sys
j = json.load(open(sys.argv[1]))
e = [e for e in j if e["seq"] == int(sys.argv[2])][0]
print(e["action"], json.dumps(e["entries"]).replace(" ", ""))' "$OUT" "$1")"
	fi
}

make_vault v.db
printf 'fictional statement\n' >a.txt
seal_as officer v.db a.txt --title "first"  # 4
seal_as officer v.db a.txt --title "second" # 5

am_pw 0 show v.db 4 --as custodian.id --purpose "review"
expect_stderr_contains "recorded as custody entry 6"
expect_logged 6 show "[4]"

am_pw 0 show v.db 5 --as custodian.id --json
expect_stderr_contains "recorded as custody entry 7"
expect_eq "custody in show --json" 7 "$(json_num custody)"
if [ -n "$PY" ]; then
	expect_eq "show --json custody (parsed)" 7 "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["custody"])' "$OUT")"
fi
expect_logged 7 show "[5]"

am_pw 0 extract v.db 4 --as custodian.id --purpose "copy" -o out.txt
expect_stderr_contains "recorded as custody entry 8"
expect_stderr_contains "extracted entry 4 to out.txt"
expect_same_file a.txt out.txt
expect_logged 8 extract "[4]"

# to standard output: the line is on stderr, the content alone on stdout
am_pw 0 extract v.db 5 --as custodian.id --purpose "copy" -o -
expect_stderr_contains "recorded as custody entry 9"
expect_same_file a.txt "$OUT"

am_pw 0 list v.db --as custodian.id
expect_stderr_contains "recorded as custody entry 10"
expect_logged 10 list "[4,5]"
am_pw 0 list v.db --as custodian.id --json
expect_stderr_contains "recorded as custody entry 11"
expect_stdout_not_contains "recorded as"

# log --as records its reading too, and says so
am_pw 0 log v.db --as custodian.id
expect_stderr_contains "recorded as custody entry 12"

# nothing recorded, nothing said: a refused reader, a public listing
am_pw 3 show v.db 4 --as officer.id
expect_eq "stderr mentions no record" "0" "$(grep -c 'recorded as custody entry' "$ERR")"
am 0 list v.db
expect_eq "public list says no record" "0" "$(grep -c 'recorded as custody entry' "$ERR")"
expect_eq "entries" 13 "$(entry_count v.db)"

finish
