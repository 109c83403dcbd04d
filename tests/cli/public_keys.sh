#!/bin/bash
# public_keys.sh — a secret .id given where a public key is wanted (issue 14,
# "Keys and passphrases", item 3) is refused with exit 2 and a message saying
# to hand over the .pub only, before anything is asked or written: enroll,
# revoke, init --recipient, verifier-key, check-proof --key, export --for,
# verify-bundle --vault-key, verify --witness and witness cosign --log-key.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

V=vault.amn
make_vault "$V"
printf 'W-0042 (fictional): a statement.\n' >a.txt
seal_as officer "$V" a.txt --meta consent.scopes=internal
S=$SEQ

# refused_secret NAME — the refusal names NAME.id and points to NAME.pub
refused_secret() {
	expect_stderr_contains "$1.id is a secret identity file"
	expect_stderr_contains "give $1.pub instead"
	expect_stderr_contains "never hand over the .id"
	[ ! -s "$OUT" ] || fail "stdout is not empty: $(head -c 200 "$OUT")"
	pass
}
n=$(entry_count "$V")
# enroll and revoke: refused before the admin's passphrase is asked (no
# terminal, no passphrase given: a prompt would fail with "no passphrase")
no_tty 2 enroll "$V" officer.id --role auditor --as admin.id
refused_secret officer
no_tty 2 revoke "$V" officer.id --as admin.id
refused_secret officer
expect_eq "entries after the refused enroll and revoke" "$n" "$(entry_count "$V")"

# init --recipient: no vault is made
am_pw 2 init w.amn --as admin.id --recipient custodian.pub --recipient officer.id
refused_secret officer
expect_file_absent w.amn

# verifier-key, for checkpoints and as a witness
am 2 verifier-key "$V" admin.id
refused_secret admin
am 2 verifier-key --witness auditor.id
refused_secret auditor
# (the .pub gives the key, naming the vault)
am 0 verifier-key "$V" admin.pub
VK=$(cat "$OUT")
ORIGIN=${VK%%+*}

# check-proof --key (the officer's seal signed the checkpoint the proof is against)
am 0 prove "$V" "$S"
cp "$OUT" proof.txt
am 0 check-proof proof.txt --key officer.pub --vault "$ORIGIN"
am 2 check-proof proof.txt --key officer.id --vault "$ORIGIN"
refused_secret officer

# verify --witness, witness cosign --log-key
am 0 checkpoint "$V" --as admin.id --passphrase-fd 3 3<<<"$PASS"
cp "$OUT" cp.txt
am 2 verify "$V" --checkpoint cp.txt --witness auditor.id
refused_secret auditor
am 0 consistency "$V" 0
cp "$OUT" cons.txt
am_pw 2 witness cosign cons.txt --as auditor.id --log-key admin.id
refused_secret admin

# export --for: nothing recorded, no output
n=$(entry_count "$V")
no_tty 2 export "$V" --as custodian.id --purpose "fictional: test" --scope internal \
	--entry "$S" -o out.amanat-sealed --for officer.id
refused_secret officer
expect_file_absent out.zip
expect_eq "entries after the refused export" "$n" "$(entry_count "$V")"

# verify-bundle --vault-key
am_pw 0 export "$V" --as custodian.id --purpose "fictional: test" --scope internal \
	--entry "$S" -o bundle
am 0 verify-bundle bundle --vault-key custodian.pub --vault "$ORIGIN"
am 2 verify-bundle bundle --vault-key custodian.id --vault "$ORIGIN"
refused_secret custodian

# a key file under another name: the message still says what to give
cp admin.id admin-key
am 2 verifier-key "$V" admin-key
expect_stderr_contains "admin-key is a secret identity file"
expect_stderr_contains "give admin-key.pub instead"

# where a secret identity is wanted (--as), a .pub is still refused
am_pw 2 checkpoint "$V" --as admin.pub
expect_stderr_contains "admin.pub is a public key"
finish
