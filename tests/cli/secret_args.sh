#!/bin/bash
# secret_args.sh — purposes, consent overrides and case ids kept out of argv
# (issue 9, item 3): --purpose-from FILE|- for show, extract and export, and
# --override-consent-from and --case-from (one case id per line) for export.
# The text is strict UTF-8, its trailing newline trimmed, recorded exactly as
# --purpose would record it; conflicting or unreadable sources are usage
# errors (exit 2) before anything is asked or recorded.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

V=vault.amn
make_vault "$V"
printf 'W-0042 (fictional): a statement.\n' >a.txt
printf 'W-0043 (fictional): another.\n' >b.txt
seal_as officer "$V" a.txt --case C-ONE --meta consent.scopes=internal
A=$SEQ
seal_as officer "$V" b.txt --case C-TWO
B=$SEQ

# the purpose names a (fictional) person: it must not be in argv
printf 'fictional: review for W-0042 (Person A)\n' >purpose.txt

# ---- show and extract -------------------------------------------------------------

am_pw 0 show "$V" "$A" --as custodian.id --purpose-from purpose.txt
am_pw 0 log "$V" --as custodian.id --json
expect_stdout_contains '"action":"show","entries":['"$A"'],"purpose":"fictional: review for W-0042 (Person A)"'
AMANAT_PASSPHRASE="$PASS" expect_exit 0 "$AMANAT" extract "$V" "$A" --as custodian.id \
	--purpose-from - -o out.txt <purpose.txt
expect_same_file a.txt out.txt
am_pw 0 log "$V" --as custodian.id --json
expect_stdout_contains '"action":"extract","entries":['"$A"'],"purpose":"fictional: review for W-0042 (Person A)"'

# ---- export: purpose, cases and the consent override from files -------------------

printf 'C-ONE\r\n\nC-TWO\n' >cases.txt
printf 'fictional: the court ordered it\n' >override.txt
am_pw 0 export "$V" --as custodian.id --purpose-from purpose.txt --scope court \
	--case-from cases.txt --override-consent-from override.txt -o bundle.zip --json
expect_stdout_contains '"items":2'
expect_stdout_contains '"overridden":2'
opening=$(json_num custody)
[ -z "$opening" ] && opening=$(grep -oE '"custody":\[[0-9]+' "$OUT" | grep -oE '[0-9]+$')
am_pw 0 show "$V" "$opening" --as custodian.id --purpose "fictional: audit of the export"
# (show lines its values up in one column: any run of blanks after the name)
expect_stdout_matches '^export\.override-consent +fictional: the court ordered it$'
expect_stdout_matches '^export\.selection +case=C-ONE;case=C-TWO;'
expect_stdout_matches '^purpose +fictional: review for W-0042 \(Person A\)$'

# ---- what is refused ---------------------------------------------------------------

n=$(entry_count "$V")
am_pw 2 show "$V" "$A" --as custodian.id --purpose "x" --purpose-from purpose.txt
expect_stderr_contains "not both"
am_pw 2 show "$V" "$A" --as custodian.id --purpose-from missing.txt
expect_stderr_contains "missing.txt"
printf 'bad \377 byte\n' >bad.txt
am_pw 2 extract "$V" "$A" --as custodian.id --purpose-from bad.txt -o bad-out.txt
expect_stderr_contains "not UTF-8"
expect_file_absent bad-out.txt
: >empty.txt
am_pw 2 extract "$V" "$A" --as custodian.id --purpose-from empty.txt -o empty-out.txt
expect_stderr_contains "must say why"
expect_exit 2 "$AMANAT" show "$V" "$A" --as custodian.id --purpose-from - --passphrase-fd 0 <purpose.txt
expect_stderr_contains "--passphrase-fd 0"
am_pw 2 export "$V" --as custodian.id --purpose-from - --scope court --case-from - -o x.zip <purpose.txt
expect_stderr_contains "standard input"
am_pw 2 export "$V" --as custodian.id --purpose "x" --scope court --case C-ONE \
	--override-consent "y" --override-consent-from override.txt -o x.zip
expect_stderr_contains "not both"
expect_eq "entries after refused commands" "$n" "$(entry_count "$V")"
expect_file_absent x.zip

# ---- --help says so -----------------------------------------------------------------

for cmd in show extract export; do
	am 0 "$cmd" --help
	expect_stdout_contains "--purpose-from"
done
expect_stdout_contains "--case-from"
expect_stdout_contains "--override-consent-from"
finish
