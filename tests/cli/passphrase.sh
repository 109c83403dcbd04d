#!/bin/bash
# passphrase.sh — choosing and typing passphrases (issue 14, "Keys and
# passphrases", items 1 and 2).  'id new' refuses a passphrase that zxcvbn
# rates under 10^12 guesses, saying how easy it is and what to use instead,
# unless --weak-passphrase-ok; an empty one is refused at the first prompt,
# before the repeat.  On a terminal (driven here through a pseudo-terminal,
# tests/cli/on_tty.py) a refused or mistyped passphrase is asked again, three
# times in all; from --passphrase-fd or AMANAT_PASSPHRASE, where nobody can
# type again, the first refusal ends the command.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

STRONG='violin tractor meadow pepper'

# on_tty CODE STEPS CMD... — CMD on a pseudo-terminal answering STEPS (on_tty.py);
# the transcript (prompts, messages) is $OUT.
on_tty() {
	local want=$1 steps=$2
	shift 2
	printf '%s\n' "$steps" >.steps
	expect_exit "$want" python3 "$HERE/on_tty.py" .steps "$@"
	if grep -q -e 'Sanitizer' -e 'runtime error:' "$OUT"; then
		cat "$OUT" >&2
		fail "sanitizer report on the terminal"
	fi
	pass
}
count_in_out() { # TEXT — lines of $OUT holding TEXT
	grep -cF -- "$1" "$OUT"
}

# ---- 1. strength: weak passphrases refused from any source ------------------

for weak in 'password' 'fd secret' 'qwertyuiop' 'Summer2024!' 'alice2024' 'kabul herat' \
	'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'; do
	AMANAT_PASSPHRASE="$weak" expect_exit 2 "$AMANAT" id new alice --kdf interactive
	expect_stderr_contains "the passphrase is too easy to guess: about 10^"
	expect_stderr_contains "use four or more unrelated words"
	expect_stderr_contains "with dice from a word list"
	# the message never repeats the passphrase
	if grep -qF -- "$weak" "$ERR"; then fail "the refusal of '$weak' prints it"; fi
	pass
	expect_file_absent alice.id
	expect_file_absent alice.pub
done
# why: the parts zxcvbn found
AMANAT_PASSPHRASE='password1' expect_exit 2 "$AMANAT" id new alice --kdf interactive
expect_stderr_contains "common words or names"
AMANAT_PASSPHRASE='zxcvbnm,./' expect_exit 2 "$AMANAT" id new alice --kdf interactive
expect_stderr_contains "keyboard pattern"
# the identity's own name counts as guessed first
AMANAT_PASSPHRASE='Xq7vLwPzzs' expect_exit 0 "$AMANAT" id new Xq7vLwPz --kdf interactive --weak-passphrase-ok
AMANAT_PASSPHRASE='Xq7vLwPz2024' expect_exit 2 "$AMANAT" id new Xq7vLwPz2 --kdf interactive
expect_stderr_contains "the identity's name"
# from --passphrase-fd too
am 2 id new alice --kdf interactive --passphrase-fd 3 3<<<"hunter2"
expect_stderr_contains "too easy to guess"
expect_file_absent alice.id

# strong ones pass: the tests' own passphrase and four unrelated words
am_pw 0 id new alice --kdf interactive
AMANAT_PASSPHRASE="$STRONG" expect_exit 0 "$AMANAT" id new bob --kdf interactive

# --weak-passphrase-ok: a deliberately weak test key, that opens as usual
AMANAT_PASSPHRASE=hunter2 expect_exit 0 "$AMANAT" id new test-key --kdf interactive --weak-passphrase-ok
expect_stdout_matches '^[0-9a-f]{16}$'
AMANAT_PASSPHRASE=hunter2 expect_exit 0 "$AMANAT" init t.amn --as test-key.id
# ...but never an empty one
AMANAT_PASSPHRASE= expect_exit 2 "$AMANAT" id new empty --kdf interactive --weak-passphrase-ok
expect_stderr_contains "the passphrase is empty"
expect_file_absent empty.id

# ---- 2. id new on a terminal ----------------------------------------------------

# empty: refused at the first prompt, before the repeat; then weak; then a
# strong one typed twice
on_tty 0 "< passphrase for the new identity: 
> 
< passphrase for the new identity: 
> password
< passphrase for the new identity: 
> $STRONG
< repeat the passphrase: 
> $STRONG" "$AMANAT" id new carol --kdf interactive
expect_stdout_contains "amanat: the passphrase is empty; try again (2 of 3)"
expect_stdout_contains "too easy to guess"
expect_stdout_contains "; try again (3 of 3)"
expect_eq "repeat prompts" 1 "$(count_in_out 'repeat the passphrase')"
expect_stdout_contains "created ./carol.id"
# echo was off: what was typed is not on the terminal
expect_stdout_not_contains "$STRONG"
expect_stdout_not_contains "password"
[ -f carol.id ] && [ -f carol.pub ] || fail "carol's files were not made"
pass
AMANAT_PASSPHRASE="$STRONG" expect_exit 0 "$AMANAT" init c.amn --as carol.id

# three empty answers: exit 2, never asked to repeat, nothing written
on_tty 2 "< passphrase for the new identity: 
> 
< passphrase for the new identity: 
> 
< passphrase for the new identity: 
> " "$AMANAT" id new dave --kdf interactive
expect_eq "repeat prompts" 0 "$(count_in_out 'repeat the passphrase')"
expect_stdout_contains "amanat: the passphrase is empty"
expect_eq "tries" 3 "$(count_in_out 'passphrase for the new identity')"
expect_file_absent dave.id
expect_file_absent dave.pub

# three mistyped repeats: exit 2, "do not match", nothing written
on_tty 2 "< passphrase for the new identity: 
> $STRONG
< repeat the passphrase: 
> $STRONG!
< passphrase for the new identity: 
> $STRONG
< repeat the passphrase: 
> x$STRONG
< passphrase for the new identity: 
> $STRONG
< repeat the passphrase: 
> " "$AMANAT" id new dave --kdf interactive
expect_stdout_contains "the passphrases do not match; try again (2 of 3)"
expect_stdout_contains "the passphrases do not match; try again (3 of 3)"
expect_stdout_contains "amanat: the passphrases do not match"
expect_file_absent dave.id

# --weak-passphrase-ok on the terminal: still asked twice
on_tty 0 "< passphrase for the new identity: 
> hunter2
< repeat the passphrase: 
> hunter2" "$AMANAT" id new weak-tty --kdf interactive --weak-passphrase-ok
expect_stdout_not_contains "too easy"
[ -f weak-tty.id ] || fail "--weak-passphrase-ok on a terminal made no key"
pass

# ---- 3. unlocking on a terminal: three tries --------------------------------------

# wrong, empty, then right: the command goes on
on_tty 0 "< passphrase for alice.id: 
> not it
< passphrase for alice.id: 
> 
< passphrase for alice.id: 
> $PASS" "$AMANAT" init v.amn --as alice.id
expect_stdout_contains "wrong passphrase for alice.id (or the file was altered); try again (2 of 3)"
expect_stdout_contains "the passphrase is empty; try again (3 of 3)"
expect_stdout_contains "created vault v.amn"
expect_stdout_not_contains "$PASS"

# three wrong: exit 3, no vault
on_tty 3 "< passphrase for alice.id: 
> one
< passphrase for alice.id: 
> two
< passphrase for alice.id: 
> three" "$AMANAT" init w.amn --as alice.id
expect_eq "tries" 3 "$(count_in_out 'passphrase for alice.id: ')"
expect_stdout_contains "try again (3 of 3)"
expect_stdout_contains "amanat: wrong passphrase for alice.id"
expect_file_absent w.amn

# from the environment or --passphrase-fd, even with a terminal there: one
# try, no prompt, exit 3 at once
AMANAT_PASSPHRASE="not it" on_tty 3 "" "$AMANAT" init w.amn --as alice.id
expect_stdout_not_contains "try again"
expect_stdout_not_contains "passphrase for alice.id:"
expect_eq "refusals" 1 "$(count_in_out 'wrong passphrase')"
on_tty 3 "" bash -c 'exec "$0" init w.amn --as alice.id --passphrase-fd 3 3<<<"not it"' "$AMANAT"
expect_stdout_not_contains "try again"
expect_stdout_not_contains "passphrase for alice.id:"
expect_file_absent w.amn
# a weak new passphrase from the environment with a terminal there: refused, not asked again
AMANAT_PASSPHRASE=password on_tty 2 "" "$AMANAT" id new erin --kdf interactive
expect_stdout_contains "too easy to guess"
expect_stdout_not_contains "try again"
expect_file_absent erin.id

finish
