#!/bin/bash
# list_filters.sh — list chooses entries by their public headers (--type,
# --signer, --from/--to, --seq) and, for a custodian, by their sealed case
# (--case); a custodian's filtered listing is recorded first, naming only the
# entries it decrypts; text and --json agree.
. "$(dirname "$0")/lib.sh"

PY=$(command -v python3 || true)

# seqs — the entry numbers in list's output ($OUT), text or JSON, on one line
seqs() {
	if grep -q '^\[' "$OUT"; then
		grep -oE '"seq":[0-9]+' "$OUT" | cut -d: -f2 | tr '\n' ' ' | sed 's/ $//'
	else
		awk 'NR > 1 { print $1 }' "$OUT" | tr '\n' ' ' | sed 's/ $//'
	fi
}

# expect_list "SEQS" ARGS... — list ARGS shows exactly these entries, in text
# and in --json (which must parse)
expect_list() {
	local want=$1
	shift
	am_pw 0 list "$@"
	expect_eq "entries of 'list $*'" "$want" "$(seqs)"
	am_pw 0 list "$@" --json
	expect_eq "entries of 'list $* --json'" "$want" "$(seqs)"
	if [ -n "$PY" ]; then
		"$PY" -m json.tool "$OUT" >/dev/null || fail "'list $* --json' is not JSON"
		pass
	fi
}

make_vault v.db
make_id officer2
am_pw 0 enroll v.db officer2.pub --role officer --as admin.id
expect_stdout_is 4
day_before=$(date -u +%F)
printf 'fictional statement one\n' >a.txt
seal_as officer v.db a.txt --case C-ALPHA --title "alpha one"           # 5
seal_as officer v.db a.txt --type document --case C-BETA --title "beta"  # 6
seal_as officer2 v.db a.txt --case C-ALPHA --title "alpha two"          # 7
seal_as officer2 v.db a.txt --type case --case C-GAMMA --title "gamma"   # 8
day_after=$(date -u +%F)
expect_eq "entries" 9 "$(entry_count v.db)"
am 0 members v.db --json
officer2_kid=$(grep -oE '"name":"officer2","key_id":"[0-9a-f]{16}"' "$OUT" | grep -oE '[0-9a-f]{16}')
[ -n "$officer2_kid" ] || fail "no key id for officer2 in members --json"

# no filter: everything, as before
expect_list "0 1 2 3 4 5 6 7 8" v.db

# --type, repeated: any of them
expect_list "5 7" v.db --type testimony
expect_list "5 6 7" v.db --type testimony --type document
expect_list "1 2 3 4" v.db --type enroll
expect_list "" v.db --type custody
am 2 list v.db --type bogus
expect_stderr_contains "--type must be"
expect_stderr_contains "usage: amanat list"

# --signer: a member's name or key id (either case)
expect_list "7 8" v.db --signer officer2
expect_list "7 8" v.db --signer "$officer2_kid"
expect_list "7 8" v.db --signer "${officer2_kid^^}"
expect_list "0 1 2 3 4" v.db --signer admin
expect_list "" v.db --signer nobody

# --seq A-B, A- and A
expect_list "3 4 5" v.db --seq 3-5
expect_list "7 8" v.db --seq 7-
expect_list "6" v.db --seq 6
expect_list "" v.db --seq 20-30
for bad in 5-3 x -4 3-x 1-2-3 ''; do
	am 2 list v.db --seq "$bad"
	expect_stderr_contains "--seq needs entry numbers"
done

# --from / --to: UTC sealing days, parsed as export parses them
if [ "$day_before" = "$day_after" ]; then
	today=$day_before
	yesterday=$(date -u -d "$today - 1 day" +%F)
	tomorrow=$(date -u -d "$today + 1 day" +%F)
	expect_list "0 1 2 3 4 5 6 7 8" v.db --from "$today" --to "$today"
	expect_list "0 1 2 3 4 5 6 7 8" v.db --from "$yesterday"
	expect_list "" v.db --to "$yesterday"
	expect_list "" v.db --from "$tomorrow"
	expect_list "5 7" v.db --from "$today" --type testimony
else
	echo "note [$TEST_NAME]: the UTC day changed while sealing; date ranges not checked" >&2
fi
am 2 list v.db --from 2024-13-01
expect_stderr_contains "--from needs a date YYYY-MM-DD"
am 2 list v.db --to yesterday
expect_stderr_contains "--to needs a date YYYY-MM-DD"
am 2 list v.db --from 2024-05-02 --to 2024-05-01
expect_stderr_contains "--from is after --to"
# export words its date errors the same way (one parser)
am 2 export v.db --as custodian.id --purpose p --scope court -o b --from 2024-02-30x
expect_stderr_contains "--from needs a date YYYY-MM-DD"

# filters combine: every one must match
expect_list "7" v.db --signer officer2 --type testimony
expect_list "" v.db --signer admin --type testimony
expect_list "6 7" v.db --seq 6-7 --type testimony --type document

# none of the public filters reads anything sealed: no custody entry
expect_eq "entries after public listings" 9 "$(entry_count v.db)"

# --case is sealed: it needs --as
am 2 list v.db --case C-ALPHA
expect_stderr_contains "--case is sealed: it needs --as"
expect_eq "entries after a refused --case" 9 "$(entry_count v.db)"

# a custodian's --case: only entries of those cases, recorded first (entry 9),
# naming every evidence entry it decrypts to find them
am_pw 0 list v.db --as custodian.id --case C-ALPHA
expect_eq "rows of list --case C-ALPHA" "5 7" "$(seqs)"
expect_stdout_contains "C-ALPHA / alpha one"
expect_stdout_contains "C-ALPHA / alpha two"
expect_stdout_not_contains "beta"
expect_stderr_contains "recorded as custody entry 9"
am 0 log v.db --json
expect_stdout_contains '"seq":9,'
expect_stdout_contains '"action":"list","entries":[5,6,7,8]'

# with public filters too, the record names only what they keep (entry 10)
am_pw 0 list v.db --as custodian.id --case C-ALPHA --case C-GAMMA --signer officer2 --json
expect_eq "rows of the narrowed listing" "7 8" "$(seqs)"
if [ -n "$PY" ]; then
	"$PY" -m json.tool "$OUT" >/dev/null || fail "list --as --case --json is not JSON"
	pass
fi
expect_stdout_contains '"case":"C-GAMMA","title":"gamma"'
expect_stderr_contains "recorded as custody entry 10"
am 0 log v.db --json
expect_stdout_contains '"seq":10,'
expect_stdout_contains '"action":"list","entries":[7,8]'

# --seq with --as: the record names only that range (entry 11)
am_pw 0 list v.db --as custodian.id --seq 5-6
expect_eq "rows of list --as --seq 5-6" "5 6" "$(seqs)"
expect_stdout_contains "C-BETA / beta"
am 0 log v.db --json
expect_stdout_contains '"action":"list","entries":[5,6]'

# a case nobody sealed: no rows, still recorded (what it decrypted to look)
am_pw 0 list v.db --as custodian.id --case C-NONE --type document
expect_eq "rows of list --case C-NONE" "" "$(seqs)"
am 0 log v.db --json
expect_stdout_contains '"action":"list","entries":[6]'

# log takes none of list's filters
am 2 log v.db --type testimony

finish
