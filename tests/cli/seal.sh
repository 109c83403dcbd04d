#!/bin/bash
# seal.sh — amanat seal: output, inputs, paths that are not vaults, who may
# seal, and that a failed seal changes nothing.
. "$(dirname "$0")/lib.sh"

make_vault v.db
printf 'Witness W-0042 describes a fictional event.\n' >t.txt

# the seq alone on stdout, nothing else
am_pw 0 seal v.db --as officer.id --type testimony --case C-1 --title "first" t.txt
expect_stdout_is 4
# --json: {"seq":N,...}
am_pw 0 seal v.db --as officer.id --type document --case C-1 --json t.txt
expect_stdout_matches '^\{"seq":5,.*\}$'
expect_stdout_contains '"type":"document"'
expect_eq "json lines" 1 "$(wc -l <"$OUT")"
# every type an officer may seal; --meta and --ref
am_pw 0 seal v.db --as officer.id --type media --case C-1 --meta lang=ps --meta place=Nowhere t.txt
expect_stdout_is 6
am_pw 0 seal v.db --as officer.id --type case --case C-1 --ref 4 --ref 6 t.txt
expect_stdout_is 7

# from standard input: a redirect and a pipe, both read to the end
am_pw 0 seal v.db --as officer.id --type testimony --case C-2 - <t.txt
expect_stdout_is 8
head -c 2500000 /dev/urandom >piped.bin
# (a pipe, through process substitution: the assertion must not run in a
# subshell, where a failure could not stop the script)
am_pw 0 seal v.db --as officer.id --type document --case C-2 - < <(cat piped.bin)
expect_stdout_is 9
# empty standard input is an empty entry
am_pw 0 seal v.db --as officer.id --type testimony --case C-2 - </dev/null
expect_stdout_is 10
am_pw 0 extract v.db 8 --as custodian.id --purpose check -o stdin.out
expect_same_file t.txt stdin.out
am_pw 0 extract v.db 9 --as custodian.id --purpose check -o piped.out
expect_same_file piped.bin piped.out
am_pw 0 extract v.db 10 --as custodian.id --purpose check -o empty.out
expect_eq "size of the empty entry" 0 "$(stat -c %s empty.out)"
# the file name is recorded for a file, not for stdin
am_pw 0 show v.db 4 --as custodian.id --json
expect_stdout_contains '"filename":"t.txt"'
am_pw 0 show v.db 8 --as custodian.id --json
expect_stdout_not_contains '"filename"'

# bad input files: exit 2, naming the file, and the vault unchanged
n=$(entry_count v.db)
cp v.db v.db.before
am_pw 2 seal v.db --as officer.id --type testimony --case C-1 missing.txt
expect_stderr_contains "missing.txt"
mkdir adir
am_pw 2 seal v.db --as officer.id --type testimony --case C-1 adir
expect_stderr_contains "adir"
expect_eq "entries after bad inputs" "$n" "$(entry_count v.db)"

# usage errors: exit 2, vault unchanged
am_pw 2 seal v.db --as officer.id --type testimony t.txt
expect_stderr_contains "--case"
am_pw 2 seal v.db --as officer.id --case C-1 t.txt
am_pw 2 seal v.db --type testimony --case C-1 t.txt
am_pw 2 seal v.db --as officer.id --type genesis --case C-1 t.txt
expect_stderr_contains "--type must be"
am_pw 2 seal v.db --as officer.id --type custody --case C-1 t.txt
am_pw 2 seal v.db --as officer.id --type testimony --case C-1 --meta novalue t.txt
am_pw 2 seal v.db --as officer.id --type testimony --case C-1 --meta sha256=abc t.txt
expect_stderr_contains "computed by amanat"
am_pw 2 seal v.db --as officer.id --type testimony --case C-1 --meta 'Bad Name=x' t.txt
am_pw 2 seal v.db --as officer.id --type testimony --case C-1 --ref 6 --ref 4 t.txt
expect_stderr_contains "increasing order"
am_pw 2 seal v.db --as officer.id --type testimony --case C-1 --ref 999 t.txt
am_pw 2 seal v.db --as officer.id --type testimony --case C-1 --ref x t.txt
am_pw 2 seal v.db --as officer.id --type testimony --case C-1
am_pw 2 seal v.db --as officer.id --type testimony --case C-1 t.txt t.txt
expect_stderr_contains "t.txt is given twice"
am_pw 2 seal v.db --as officer.id --type testimony --case C-1 t.txt ./t.txt
expect_eq "entries after usage errors" "$n" "$(entry_count v.db)"

# paths that are not vaults: exit 2 with a message naming the path, and
# the path itself untouched
printf 'just some notes\n' >notes.txt
cp notes.txt notes.orig
am_pw 2 seal notes.txt --as officer.id --type testimony --case C-1 t.txt
expect_stderr_contains "notes.txt"
expect_same_file notes.txt notes.orig
mkdir vdir
am_pw 2 seal vdir --as officer.id --type testimony --case C-1 t.txt
expect_stderr_contains "vdir"
[ -z "$(ls -A vdir)" ] || fail "seal wrote into the directory vdir"
pass
am_pw 2 seal nosuch.db --as officer.id --type testimony --case C-1 t.txt
expect_stderr_contains "nosuch.db"
expect_file_absent nosuch.db
: >empty.db
am_pw 2 seal empty.db --as officer.id --type testimony --case C-1 t.txt
expect_stderr_contains "empty.db"
expect_eq "size of empty.db after the refusal" 0 "$(stat -c %s empty.db)"
# another SQLite database is not a vault either
sq other.db "CREATE TABLE entries(x); INSERT INTO entries VALUES(1);"
cp other.db other.orig
am_pw 2 seal other.db --as officer.id --type testimony --case C-1 t.txt
expect_stderr_contains "other.db is not an amanat vault"
expect_same_file other.db other.orig
# truncated copies of a vault, cut at a page boundary or inside a page
size=$(stat -c %s v.db)
for cut in 100 4096 65536 $((size / 2)) $((size / 2 + 1000)); do
	head -c "$cut" v.db >trunc.db
	cp trunc.db trunc.orig
	am_pw 2 seal trunc.db --as officer.id --type testimony --case C-1 t.txt
	expect_stderr_contains "trunc.db"
	expect_same_file trunc.db trunc.orig
	# verify names what is lost (exit 1), not just that the file is malformed
	am 1 verify trunc.db
	expect_stderr_contains "trunc.db: entry "
	expect_stderr_contains "cut short"
done
expect_same_file v.db v.db.before

# roles: an auditor may not seal (exit 3); nor may the admin's .pub be used
am_pw 3 seal v.db --as auditor.id --type testimony --case C-1 t.txt
expect_stderr_contains "may seal entries"
am_pw 2 seal v.db --as officer.pub --type testimony --case C-1 t.txt
expect_stderr_contains "public key"
expect_eq "entries after refused seals" "$n" "$(entry_count v.db)"
# custodians and admins may seal (DESIGN: officer, custodian or admin)
seal_as custodian v.db t.txt
seal_as admin v.db t.txt
n=$(entry_count v.db)
cp v.db v.db.before

# a wrong passphrase: exit 3, no entry added, the vault still verifies
AMANAT_PASSPHRASE="not the passphrase" expect_exit 3 "$AMANAT" seal v.db --as officer.id --type testimony --case C-1 t.txt
expect_stderr_contains "wrong passphrase"
expect_eq "stdout on a wrong passphrase" "" "$(cat "$OUT")"
am 3 seal v.db --as officer.id --type testimony --case C-1 --passphrase-fd 3 t.txt 3<<<"also wrong"
expect_eq "entries after wrong passphrases" "$n" "$(entry_count v.db)"
expect_same_file v.db v.db.before
verify_ok v.db "$n"

# no passphrase source at all: exit 2 and nothing added
no_tty 2 seal v.db --as officer.id --type testimony --case C-1 t.txt
expect_stderr_contains "no passphrase"
expect_eq "entries without a passphrase" "$n" "$(entry_count v.db)"

# a read-only vault: an I/O failure (4), not success
cp v.db ro.db
chmod 0400 ro.db
if [ "$(id -u)" != 0 ]; then
	am_pw 4 seal ro.db --as officer.id --type testimony --case C-1 t.txt
	expect_eq "entries in the read-only vault" "$n" "$(entry_count ro.db)"
fi

# list shows the public headers of everything sealed here, by signer name
am 0 list v.db --json
expect_eq "entries listed" "$n" "$(grep -c '"seq":' "$OUT")"
expect_stdout_contains '"signer":"officer"'

# concurrent seals are serialised: all succeed with distinct numbers
n=$(entry_count v.db)
head -c 1500000 /dev/urandom >conc.bin
for i in 1 2 3 4; do
	(AMANAT_PASSPHRASE="$PASS" timeout 120 "$AMANAT" seal v.db --as officer.id --type document \
		--case C-9 conc.bin >"conc$i.out" 2>"conc$i.err"
	echo $? >"conc$i.rc") &
done
wait
for i in 1 2 3 4; do
	expect_eq "exit of concurrent seal $i ($(cat "conc$i.err"))" 0 "$(cat "conc$i.rc")"
done
expect_eq "distinct seqs of the concurrent seals" "$(seq $n $((n + 3)) | tr '\n' ' ')" \
	"$(cat conc1.out conc2.out conc3.out conc4.out | sort -n | tr '\n' ' ')"
am 0 verify v.db
am_pw 0 extract v.db $((n + 2)) --as custodian.id --purpose check -o conc.got
expect_same_file conc.bin conc.got

# a copy truncated inside its last page (SQLite reads the missing tail as
# zeros, so opening it succeeds): the data lost there makes it damaged, so
# sealing into it is refused with exit 2 and the file left untouched
am_pw 0 init tail.db --as admin.id --recipient custodian.pub
am_pw 0 enroll tail.db officer.pub --role officer --as admin.id
seal_as officer tail.db piped.bin
am 0 verify tail.db
size=$(stat -c %s tail.db)
head -c $((size - 1000)) tail.db >trunc-tail.db
cp trunc-tail.db trunc-tail.orig
am 1 verify trunc-tail.db
expect_stderr_contains "trunc-tail.db: entry $SEQ: "
am_pw 2 seal trunc-tail.db --as officer.id --type testimony --case C-1 t.txt
expect_stderr_contains "trunc-tail.db"
expect_same_file trunc-tail.db trunc-tail.orig

finish
