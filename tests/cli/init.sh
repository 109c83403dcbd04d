#!/bin/bash
# init.sh — amanat init: creation, refusals, bad --as files, wrong passphrase.
. "$(dirname "$0")/lib.sh"

make_id admin
make_id custodian

# a new vault: genesis + one enrollment, verifies, mode 0600
am_pw 0 init v.db --as admin.id --recipient custodian.pub
expect_stderr_contains "created vault v.db"
expect_mode v.db 600
expect_eq "entries in a new vault" 2 "$(entry_count v.db)"
expect_eq "entry types" "1 2" "$(sq v.db "SELECT group_concat(type, ' ') FROM (SELECT type FROM entries ORDER BY seq)")"
verify_ok v.db 2
expect_file_absent v.db-journal
expect_file_absent v.db-wal
# the admin alone: it is then the custodian too and can seal and read back
am_pw 0 init solo.db --as admin.id
expect_stderr_contains "1 custodian"
expect_eq "entries in a solo vault" 1 "$(entry_count solo.db)"
echo "solo content" >solo.txt
am_pw 0 seal solo.db --as admin.id --type document --case C-1 solo.txt
expect_stdout_is 1
am_pw 0 extract solo.db 1 --as admin.id --purpose check -o solo.out
expect_same_file solo.txt solo.out

# an existing path is refused, and left untouched
cp v.db v.db.orig
am_pw 2 init v.db --as admin.id
expect_stderr_contains "v.db already exists"
expect_same_file v.db v.db.orig
echo "not a vault" >notes.txt
cp notes.txt notes.orig
am_pw 2 init notes.txt --as admin.id
expect_same_file notes.txt notes.orig
mkdir adir
am_pw 2 init adir --as admin.id
[ -d adir ] && [ -z "$(ls -A adir)" ] || fail "init touched the directory adir"
pass
# a symlink to a missing file is not followed
ln -s target-of-link link.db
am_pw 2 init link.db --as admin.id
expect_file_absent target-of-link
# a missing parent directory
am_pw 2 init no/such/dir/x.db --as admin.id
expect_stderr_contains "no/such/dir/x.db"

# --as must be a secret identity file
am_pw 2 init a.db --as admin.pub
expect_stderr_contains "admin.pub is a public key"
expect_file_absent a.db
printf 'hello, this is not a key\n' >foreign.id
am_pw 2 init a.db --as foreign.id
expect_stderr_contains "foreign.id is not an amanat identity file"
expect_file_absent a.db
head -c 100 admin.id >trunc.id
am_pw 2 init a.db --as trunc.id
expect_stderr_contains "trunc.id"
expect_file_absent a.db
head -c 2 admin.id >tiny.id
am_pw 2 init a.db --as tiny.id
expect_file_absent a.db
: >empty.id
am_pw 2 init a.db --as empty.id
expect_file_absent a.db
am_pw 2 init a.db --as missing.id
expect_stderr_contains "missing.id"
expect_file_absent a.db
am_pw 2 init a.db --as custodian.pub --recipient admin.pub
expect_file_absent a.db
# a bad --recipient
am_pw 2 init a.db --as admin.id --recipient foreign.id
expect_stderr_contains "foreign.id"
expect_file_absent a.db
am_pw 2 init a.db --as admin.id --recipient missing.pub
expect_file_absent a.db

# a wrong passphrase: exit 3, and no vault (nor journal) left behind
AMANAT_PASSPHRASE="wrong" expect_exit 3 "$AMANAT" init a.db --as admin.id --recipient custodian.pub
expect_stderr_contains "wrong passphrase"
expect_file_absent a.db
expect_file_absent a.db-journal
# an altered secret file reads as a wrong passphrase or damage, never as success
cp admin.id altered.id
size=$(stat -c %s altered.id)
printf '\x00' | dd of=altered.id bs=1 seek=$((size - 5)) conv=notrunc status=none
printf '\xff' | dd of=altered.id bs=1 seek=$((size - 6)) conv=notrunc status=none
am_pw 3 init a.db --as altered.id
expect_file_absent a.db

# usage errors
am_pw 2 init a.db
expect_stderr_contains "--as ADMIN.id is required"
am_pw 2 init --as admin.id
am_pw 2 init a.db b.db --as admin.id
am_pw 2 init a.db --as admin.id --bogus
expect_file_absent a.db
expect_file_absent b.db

finish
