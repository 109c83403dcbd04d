#!/bin/bash
# terminal.sh — sealed text cannot steer the custodian's terminal (issue 9,
# item 5).  A title, a case id and a custody purpose holding C1 controls
# (CSI U+009B, OSC U+009D, NEL U+0085), bidirectional overrides and isolates
# (U+202E, U+2066, U+2069, U+061C), zero-width and format characters (U+200B,
# U+200F, U+FEFF), a tag character, a raw 8-bit CSI byte and an ESC sequence
# reach show, list --as and log --as: the text output holds none of them
# (each becomes ?), and the JSON output carries each as a \u escape.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

V=vault.amn
make_vault "$V"
printf 'W-0042 (fictional): a statement.\n' >a.txt
BAD=$'A\xc2\x9b2J\xc2\x9d0;pwned\xc2\x07\xc2\x85\xe2\x80\xaeB\xe2\x81\xa6C\xe2\x81\xa9\xd8\x9c\xe2\x80\x8b\xe2\x80\x8f\xef\xbb\xbf\xf3\xa0\x80\x81\x9b\x1b[31mZ'
# seal refuses metadata that is not UTF-8 (issue 14), so what is sealed is
# BAD without its two stray bytes (a lone 0xc2, a raw 8-bit CSI); they still
# reach show and log in a custody purpose, which is not sealed by seal
printf 'title=%s\ncase=C-%s\n' "$BAD" "$BAD" >meta.txt
am_pw 2 seal "$V" --as officer.id --type testimony --meta-from meta.txt a.txt
expect_stderr_contains "meta.txt: line 1 is not UTF-8"
SEALED=$'A\xc2\x9b2J\xc2\x9d0;pwned\x07\xc2\x85\xe2\x80\xaeB\xe2\x81\xa6C\xe2\x81\xa9\xd8\x9c\xe2\x80\x8b\xe2\x80\x8f\xef\xbb\xbf\xf3\xa0\x80\x81\x1b[31mZ'
printf 'title=%s\ncase=C-%s\n' "$SEALED" "$SEALED" >meta.txt
seal_as officer "$V" a.txt --meta-from meta.txt
S=$SEQ

# the bytes of $OUT as " aa bb cc " (hex), for an exact search
out_hex() {
	printf ' %s ' "$(od -An -v -tx1 "$OUT" | tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//')"
}

# none of the sequences may appear in the text output
no_unsafe() { # WHAT
	local hex
	hex=$(out_hex)
	for seq in 'c2 9b' 'c2 9d' 'c2 85' 'e2 80 ae' 'e2 81 a6' 'e2 81 a9' 'd8 9c' 'e2 80 8b' \
		'e2 80 8f' 'ef bb bf' 'f3 a0 80 81' '1b'; do
		case "$hex" in
		*" $seq "*) fail "$1: the output holds the bytes $seq" ;;
		esac
	done
	# a byte 0x80-0x9f that does not follow a lead byte is a raw C1 control
	if printf '%s' "$hex" | grep -qE ' (0[0-8]|0b|0c|0e|0f|1[0-9a-f]|7f|[0-7][0-9a-f]) (8[0-9a-f]|9[0-9a-f]) '; then
		fail "$1: the output holds a raw C1 byte"
	fi
	pass
}

am_pw 0 show "$V" "$S" --as custodian.id --purpose "fictional: P$BAD"
no_unsafe "show"
expect_stdout_matches '^title +A\?2J\?0;pwned\?\?'
am_pw 0 list "$V" --as custodian.id
no_unsafe "list --as"
am_pw 0 log "$V" --as custodian.id
no_unsafe "log --as"
expect_stdout_contains "purpose: fictional: P"

# JSON keeps the text exactly, as escapes: still nothing raw
am_pw 0 show "$V" "$S" --as custodian.id --purpose "fictional: again" --json
no_unsafe "show --json"
expect_stdout_contains '"title":"A\u009b2J\u009d0;pwned'
expect_stdout_contains '\u202eB\u2066C\u2069\u061c\u200b\u200f\ufeff\udb40\udc01\u001b[31mZ"'
am_pw 0 list "$V" --as custodian.id --json
no_unsafe "list --as --json"
am_pw 0 log "$V" --as custodian.id --json
no_unsafe "log --as --json"
# ordinary non-ASCII text is printed as it is
printf 'title=Интервью — شاهد W-0042\n' >meta2.txt
seal_as officer "$V" a.txt --meta-from meta2.txt
am_pw 0 show "$V" "$SEQ" --as custodian.id --purpose "fictional: review"
expect_stdout_matches '^title +Интервью — شاهد W-0042$'
finish
