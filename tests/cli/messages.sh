#!/bin/bash
# messages.sh — what amanat says when something is wrong, and how it lays out
# what it shows (issue 14, "Messages"): a wrong choice names the valid ones; a
# negative entry number gets one message; a missing required option is named;
# show's values line up whatever a field's name; list has no trailing blanks;
# no internal words (chunks, tiers, "committed", "wrapped", Argon2id, SQLite's
# own errors) in messages and help.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

V=vault.amn
make_vault "$V"
printf 'W-0042 (fictional): a statement.\n' >a.txt

# usage_once TEXT — stderr is exactly one "amanat CMD: ..." line holding TEXT
# and the usage line, nothing else
usage_once() {
	expect_stderr_contains "$1"
	expect_eq "stderr lines" 2 "$(wc -l <"$ERR")"
	expect_eq "usage lines" 1 "$(grep -c '^usage: amanat ' "$ERR")"
}

# ---- wrong choices name the valid ones ----------------------------------------------
am_pw 2 enroll "$V" officer.pub --role lawyer --as admin.id
usage_once "unknown role 'lawyer': use officer, custodian, auditor or admin"
am_pw 2 enroll "$V" officer.pub --role officer,lawyer --as admin.id
usage_once "unknown role 'lawyer'"
am_pw 2 seal "$V" --as officer.id --type memo --case C-1 a.txt
usage_once "--type must be testimony, document, media or case, not 'memo'"
am_pw 2 export "$V" --as custodian.id --purpose "fictional: test" --scope press --entry 4 -o out
usage_once "--scope must be internal, un-mechanism, court, defence-identity, publication or re-contact, not 'press'"
am_pw 2 export "$V" --as custodian.id --purpose "fictional: test" --scope court --type memo -o out
usage_once "--type must be testimony, document, media or case, not 'memo'"
am_pw 2 id new eve --kdf extreme
usage_once "unknown --kdf level 'extreme': use interactive, moderate or sensitive"

# ---- -1 as an entry number: one message -----------------------------------------------
for cmd in show extract prove; do
	am 2 "$cmd" "$V" -1
	usage_once "'-1' is not an entry number: entries are numbered from 0"
done
am 2 show "$V" -12 --as custodian.id
usage_once "'-12' is not an entry number"
# other option mistakes: one message each, naming the option
am 2 list "$V" --bogus
usage_once "unknown option '--bogus'"
am 2 list "$V" --json=yes
usage_once "--json takes no value"
am 2 show "$V" 4 --as
usage_once "--as needs a value"
am 2 show "$V" 4 --as custodian.id --purp x
usage_once "'--purp' is ambiguous: --purpose or --purpose-from"

# ---- a missing required option is named -----------------------------------------------
am_pw 2 seal "$V" --as officer.id --type testimony a.txt
usage_once "amanat seal: --case is required"
am_pw 2 seal "$V" --as officer.id a.txt
usage_once "amanat seal: --type and --case are required"
am_pw 2 seal "$V" a.txt
usage_once "amanat seal: --as, --type and --case are required"
am_pw 2 extract "$V" 4 --as custodian.id -o x.txt
usage_once "amanat extract: --purpose is required"
am_pw 2 export "$V" --as custodian.id --purpose "fictional: test" --entry 4
usage_once "amanat export: --scope and -o are required"

# ---- show: one column for values, whatever the field names -------------------------------
seal_as officer "$V" a.txt --meta a.very.long.field.name.for.layout=x --title "A title"
am_pw 0 show "$V" "$SEQ" --as custodian.id --purpose "fictional: layout check"
expect_stdout_contains "fields commitment: "
expect_stdout_not_contains "committed:"
# every line's value starts in the same column: after the name and its padding
cols=$(awk '{ match($0, /^(fields commitment:|[^ ]+) +/); print RLENGTH }' "$OUT" | sort -u)
expect_eq "value columns of show" 1 "$(printf '%s\n' "$cols" | wc -l)"
expect_stdout_matches '^a\.very\.long\.field\.name\.for\.layout x$'
expect_stdout_matches '^title +A title$'

# ---- list: no trailing blanks, with and without --as -----------------------------------------
am 0 list "$V"
if grep -q ' $' "$OUT"; then fail "list has lines ending in blanks"; fi
pass
am_pw 0 list "$V" --as custodian.id
if grep -q ' $' "$OUT"; then fail "list --as has lines ending in blanks"; fi
pass
expect_stdout_contains "CASE / TITLE"
expect_stdout_contains "C-TEST / A title"

# ---- no internal words in help ------------------------------------------------------------
am 0 revoke --help
expect_stdout_not_contains "wrapped to"
expect_stdout_contains "readable by it"
am 0 id --help
expect_stdout_not_contains "Argon2id"
expect_stdout_contains "--weak-passphrase-ok"
expect_stdout_contains "each guess at the"

# ---- SQLite's own words stay inside: a damaged vault file says so ---------------------------
# each page after the first overwritten in turn, then listed, replayed and sealed into
ps=$(sq "$V" "PRAGMA page_size")
pc=$(sq "$V" "PRAGMA page_count")
head -c "$ps" /dev/zero | tr '\0' '\245' >page.bin
damaged=0
for ((pg = 1; pg < pc; pg++)); do
	cp "$V" damaged.amn
	dd if=page.bin of=damaged.amn bs="$ps" seek="$pg" conv=notrunc status=none
	for cmd in list members seal; do
		args=(damaged.amn)
		[ "$cmd" = seal ] && args+=(--as officer.id --type testimony --case C-TEST a.txt)
		AMANAT_PASSPHRASE="$PASS" fresh_eyes expect_exit_in "0 1 2 4" "$AMANAT" "$cmd" "${args[@]}"
		if grep -qi -e 'malformed' -e 'database page' "$ERR"; then
			fail "$cmd on page $pg overwritten: SQLite's words reach the person: $(cat "$ERR")"
		fi
		grep -q 'the vault file is damaged\|of the vault file holding it is damaged' "$ERR" &&
			damaged=$((damaged + 1))
	done
done
[ "$damaged" -gt 0 ] || fail "no overwritten page was reported as a damaged vault file"
pass
[ -n "${MESSAGES_SHOW:-}" ] && echo "damaged reported $damaged times"
finish
