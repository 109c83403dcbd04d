#!/bin/bash
# help.sh — --help on every subcommand, amanat help, unknown commands.
. "$(dirname "$0")/lib.sh"

# the overview lists every command (at least these) and the exit codes
am 0 --help
cmds=$(grep -E '^  [a-z][a-z-]* ' "$OUT" | awk '{print $1}')
for c in id init enroll revoke seal list show extract log verify demo help; do
	expect_stdout_matches "^  $c +[A-Za-z]"
done
expect_stdout_contains "exit codes: 0 ok; 1 verification found a problem; 2 usage or bad input;"
expect_stdout_contains "3 wrong passphrase or not authorised; 4 storage or I/O failure."
cp "$OUT" overview.txt
am 0 -h
expect_same_file overview.txt "$OUT"
am 0 help
expect_same_file overview.txt "$OUT"
# no command at all: the overview on stderr, exit 2
am 2
expect_stderr_contains "usage: amanat COMMAND"
expect_eq "stdout with no command" "" "$(cat "$OUT")"

am 0 --version
expect_stdout_matches '^amanat [0-9]+\.[0-9]+\.[0-9]+ '

# every subcommand: --help (anywhere among its arguments), -h and help CMD
# print the same text, starting with its usage line, and exit 0 without
# touching anything
for c in $cmds; do
	am 0 "$c" --help
	expect_eq "first line of '$c --help'" "usage: amanat $c" "$(head -n 1 "$OUT" | cut -d' ' -f1-3)"
	expect_eq "stderr of '$c --help'" "" "$(cat "$ERR")"
	cp "$OUT" "help-$c.txt"
	am 0 "$c" -h
	expect_same_file "help-$c.txt" "$OUT"
	am 0 help "$c"
	expect_same_file "help-$c.txt" "$OUT"
	am 0 "$c" some.db --json --help
	expect_same_file "help-$c.txt" "$OUT"
done
expect_eq "files made by --help" "" "$(find . -type f ! -name '.out' ! -name '.err' ! -name 'help-*' ! -name overview.txt)"
# usage lines name what each command needs
expect_stdout_contains "usage: amanat help [COMMAND]"
grep -q -- "--as ID --type testimony|document|media|case --case CASE" help-seal.txt || fail "seal usage"
pass
grep -q -- "(--purpose TEXT | --purpose-from FILE|-)" help-extract.txt || fail "extract usage (purpose)"
pass
grep -q -- " -o FILE|- " help-extract.txt || fail "extract usage (-o)"
pass
grep -q -- "usage: amanat verify VAULT .*\[--quick" help-verify.txt || fail "verify usage"
pass
grep -q -- "--json" help-verify.txt || fail "verify --json"
pass
# after --, "--help" is an argument, not a request for help
am_pw 2 id new --kdf interactive -- --help
expect_stderr_contains "not a valid name"

# unknown commands and options: exit 2 with a message
am 2 frobnicate
expect_stderr_contains "'frobnicate' is not an amanat command"
expect_eq "stdout for an unknown command" "" "$(cat "$OUT")"
am 2 help frobnicate
expect_stderr_contains "'frobnicate' is not an amanat command"
am 2 --frobnicate
am 2 verify x.db --frobnicate
expect_stderr_contains "usage: amanat verify"
am 2 SEAL
am 2 ''

# a usage error prints the usage line on stderr, not stdout
am 2 seal
expect_stderr_contains "usage: amanat seal VAULT"
expect_eq "stdout on a usage error" "" "$(cat "$OUT")"

# help written to a closed or full stdout is an I/O failure, not success
if [ -w /dev/full ]; then
	expect_exit 4 sh -c '"$0" verify --help >/dev/full' "$AMANAT"
	expect_stderr_contains "cannot write"
fi

finish
