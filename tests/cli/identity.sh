#!/bin/bash
# identity.sh — amanat id new: files, modes, key id, refusals, passphrase sources.
. "$(dirname "$0")/lib.sh"

# a fresh identity: NAME.id 0600, NAME.pub, a 16-hex key id alone on stdout
am_pw 0 id new alice --kdf interactive
expect_stdout_matches '^[0-9a-f]{16}$'
expect_eq "stdout lines" 1 "$(wc -l <"$OUT")"
kid=$(cat "$OUT")
expect_mode alice.id 600
[ -s alice.pub ] || fail "alice.pub is empty"
pass
expect_eq "first word of alice.pub" "amanat-pub-v1 alice" "$(cut -d' ' -f1-2 alice.pub)"
expect_stderr_contains "alice.id"
# the secret file holds no public-file text and no passphrase
if grep -qF "$PASS" alice.id; then fail "the passphrase is in alice.id"; fi
pass

# a second identity gets a different key id
am_pw 0 id new bob --kdf interactive
expect_stdout_matches '^[0-9a-f]{16}$'
[ "$(cat "$OUT")" != "$kid" ] || fail "two identities share key id $kid"
pass

# --dir puts the files elsewhere
mkdir keys
am_pw 0 id new carol --dir keys --kdf interactive
[ -f keys/carol.id ] && [ -f keys/carol.pub ] || fail "--dir keys did not place carol's files"
pass
expect_mode keys/carol.id 600
expect_file_absent carol.id

# refuses to overwrite either file; the existing files are unchanged
cp alice.id alice.id.orig
cp alice.pub alice.pub.orig
am_pw 2 id new alice --kdf interactive
expect_stderr_contains "alice.id already exists"
expect_eq "stdout on refusal" "" "$(cat "$OUT")"
expect_same_file alice.id alice.id.orig
expect_same_file alice.pub alice.pub.orig
# only the .pub exists: still refused, and no .id appears
cp alice.pub dave.pub
am_pw 2 id new dave --kdf interactive
expect_stderr_contains "dave.pub already exists"
expect_file_absent dave.id
expect_same_file dave.pub alice.pub

# a dangling symlink in the way counts as existing: nothing is written
# through it
ln -s "$T/elsewhere.id" frank.id
am_pw 2 id new frank --kdf interactive
expect_file_absent "$T/elsewhere.id"
expect_file_absent frank.pub
ln -s "$T/elsewhere.pub" gina.pub
am_pw 2 id new gina --kdf interactive
expect_file_absent "$T/elsewhere.pub"
expect_file_absent gina.id

# the old key still opens with the old passphrase (it really was untouched)
am_pw 0 init v.db --as alice.id

# invalid names: rejected as usage errors, nothing written
before=$(find . -type f ! -name .out ! -name .err | sort)
for bad in 'a/b' '../up' '.hidden' 'sp ace' 'é' "$(printf 'n%.0s' $(seq 65))"; do
	am_pw 2 id new "$bad" --kdf interactive
	expect_stderr_contains "is not a valid name"
done
am_pw 2 id new --kdf interactive -- -dash
expect_stderr_contains "is not a valid name"
am_pw 2 id new '' --kdf interactive
expect_eq "files after the invalid names" "$before" "$(find . -type f ! -name .out ! -name .err | sort)"
expect_file_absent ../up.id
# a 64-character name is the longest allowed
long=$(printf 'n%.0s' $(seq 64))
am_pw 0 id new "$long" --kdf interactive
[ -f "$long.id" ] || fail "the 64-character name was not accepted"
pass

# usage errors
am_pw 2 id new
am_pw 2 id old eve
am_pw 2 id new eve --kdf extreme
expect_stderr_contains "unknown --kdf level"
am_pw 2 id new eve --kdf interactive --passphrase-fd notanumber
expect_file_absent eve.id

# no passphrase anywhere: no env, no fd, no terminal (setsid drops the
# controlling terminal, so /dev/tty cannot be opened even under a terminal)
no_tty 2 id new eve --kdf interactive
expect_stderr_contains "no passphrase"
expect_stderr_contains "--passphrase-fd"
expect_file_absent eve.id
expect_file_absent eve.pub
# the same for a command that unlocks an existing identity
no_tty 2 init w.db --as alice.id
expect_stderr_contains "no passphrase"
expect_file_absent w.db

# an empty passphrase is refused
AMANAT_PASSPHRASE= expect_exit 2 "$AMANAT" id new eve --kdf interactive
expect_stderr_contains "empty"
expect_file_absent eve.id

# --passphrase-fd: from a here-string on fd 3, without the environment
# (a weak passphrase on purpose: this tests where it comes from, not its strength)
am 0 id new eve --kdf interactive --weak-passphrase-ok --passphrase-fd 3 3<<<"fd secret"
expect_stdout_matches '^[0-9a-f]{16}$'
expect_mode eve.id 600
# the identity opens with that passphrase given the same way...
am 0 init e1.db --as eve.id --passphrase-fd 3 3<<<"fd secret"
# ...and the same passphrase from the environment
AMANAT_PASSPHRASE="fd secret" expect_exit 0 "$AMANAT" init e2.db --as eve.id
# ...but not with another one (exit 3, no vault left)
am 3 init e3.db --as eve.id --passphrase-fd 3 3<<<"not it"
expect_stderr_contains "wrong passphrase"
expect_file_absent e3.db
# --passphrase-fd wins over AMANAT_PASSPHRASE
AMANAT_PASSPHRASE="not it" expect_exit 0 "$AMANAT" init e4.db --as eve.id --passphrase-fd 3 3<<<"fd secret"
# a CRLF line ending is not part of the passphrase
am 0 init e5.db --as eve.id --passphrase-fd 3 3< <(printf 'fd secret\r\n')

finish
