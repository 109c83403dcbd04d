#!/bin/bash
# manual.sh — amanat(1) documents every command and option that the binary's
# help lists, so that the two cannot drift apart.  For each command of
# 'amanat help', the manual must have a section (.Ss COMMAND under COMMANDS)
# that mentions every option 'amanat COMMAND --help' names, and the command's
# second words (id new, witness cosign); no section may name a command that
# is gone; every exit code is under EXIT STATUS.  Every problem is named, with
# the line to add, before the test fails.
. "$TESTS_DIR/cli/lib.sh"

SRC=${AMANAT_SOURCE_DIR:-$TESTS_DIR/..}
PAGE=$SRC/docs/man/amanat.1
[ -f "$PAGE" ] || fail "no manual page at $PAGE"
command -v mandoc >/dev/null || fail "mandoc is not installed: run tools/deps.sh"

# The page as text, filled at 1000 columns (mandoc's widest), bold and
# underlining removed, and a line broken after the hyphen of an option
# (--purpose-/from) joined again.
mandoc -Tascii -Owidth=1000 "$PAGE" >manual.raw || fail "mandoc cannot render $PAGE"
sed 's/.\x08//g' manual.raw | sed -e ':a' -e '/[a-z]-$/{N;s/-\n *\([a-z]\)/-\1/;ta' -e '}' >manual.txt
pass
# The COMMANDS section, cut at each '.Ss' heading (three spaces, one word).
awk '
	/^[A-Z]/ { in_cmds = ($0 == "COMMANDS"); next }
	in_cmds && /^   [a-z][a-z-]*$/ { name = substr($0, 4); print name > "sections.txt"; next }
	in_cmds && name != "" { print > ("section-" name ".txt") }
' manual.txt
[ -s sections.txt ] || fail "$PAGE has no COMMANDS section with a .Ss per command"
pass

problems=0
problem() {
	echo "MANUAL: $*" >&2
	problems=$((problems + 1))
}

# mentions FILE WORD — WORD in FILE, not as part of a longer option or word
mentions() {
	grep -qE -- "(^|[^A-Za-z0-9-])$2([^A-Za-z0-9-]|\$)" "$1"
}

am 0 help
cp "$OUT" overview.txt
sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' overview.txt >commands.txt
[ -s commands.txt ] || fail "'amanat help' lists no commands"
for c in $(cat commands.txt); do
	sec=section-$c.txt
	if [ ! -f "$sec" ]; then
		problem "command '$c' (listed by 'amanat help') has no section in $PAGE: add '.Ss $c' under '.Sh COMMANDS'"
		continue
	fi
	am 0 "$c" --help
	cp "$OUT" "help-$c.txt"
	# long options, and short ones standing alone (-o FILE), as --help names them
	opts=$( (grep -oE -- '--[a-z0-9][a-z0-9-]*' "help-$c.txt"
		grep -oE -- '(^|[][ (|])-[A-Za-z]([] |)]|$)' "help-$c.txt" | grep -oE -- '-[A-Za-z]') | sort -u)
	for o in $opts; do
		case $o in
		--*) mdoc="Fl \\-${o#--}" ;;
		*) mdoc="Fl ${o#-}" ;;
		esac
		mentions "$sec" "$o" ||
			problem "'amanat $c --help' lists $o, which the section '.Ss $c' of $PAGE does not mention: add it to the synopsis there and describe it ('.It $mdoc ...')"
	done
	# a command's second words, as its usage lines spell them (id new, witness cosign)
	sed -n "s/^\(usage:\)\{0,1\} *amanat $c \([a-z][a-z-]*\)\( .*\)\{0,1\}\$/\2/p" "help-$c.txt" |
		sort -u >subs.txt
	for w in $(cat subs.txt); do
		grep -qE -- "amanat $c $w( |\$)" "$sec" ||
			problem "'amanat $c --help' has the usage 'amanat $c $w', which the section '.Ss $c' of $PAGE does not show: add '.Nm Cm $c $w ...' there"
	done
done
# a section for a command the binary does not have (renamed or removed)
for s in $(cat sections.txt); do
	grep -qx -- "$s" commands.txt ||
		problem "$PAGE has a section '.Ss $s', but 'amanat help' lists no command '$s'"
done
# what the overview itself names (--passphrase-fd, --help), anywhere in the page
for o in $(grep -oE -- '--[a-z0-9][a-z0-9-]*' overview.txt | sort -u) --version; do
	mentions manual.txt "$o" || problem "'amanat help' names $o, which $PAGE does not mention"
done
# every exit code the overview gives, under EXIT STATUS
awk '/^[A-Z]/ { in_es = ($0 == "EXIT STATUS"); next } in_es' manual.txt >exit-status.txt
codes=$(tr '\n' ' ' <overview.txt | grep -oE 'exit codes:.*' | grep -oE '(:|;) [0-9]+ ' | grep -oE '[0-9]+')
[ -n "$codes" ] || fail "cannot read the exit codes from 'amanat help'"
for code in $codes; do
	grep -qE "^ +$code( |\$)" exit-status.txt ||
		problem "exit code $code (listed by 'amanat help') is not under EXIT STATUS in $PAGE"
done

if [ "$problems" -ne 0 ]; then
	fail "$PAGE and the commands' --help disagree in $problems place(s), each named above (MANUAL:)"
fi
pass
finish
