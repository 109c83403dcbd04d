#!/bin/bash
# id_passwd.sh — amanat id passwd and amanat id show.
#
# passwd keeps the keys (the same key id; the vault still takes the
# identity's seals and the custodian still reads), the old passphrase stops
# working, --kdf changes the cost, refusals leave the file byte for byte.
# Crash safety, through an LD_PRELOAD shim on rename(2): killed just before
# the rename the old file is intact and opens with the old passphrase; killed
# just after it the new file is whole and opens with the new one; a failing
# rename exits 4 and leaves the old file and no temporary file.
# show prints kind, name, key id and (for a .id) the passphrase hashing of
# every kind of file, without asking for a passphrase.
. "$(dirname "$0")/lib.sh"

NEW='another long passphrase for the same keys'
V="$T/v.amn"
make_vault "$V"
printf 'W-0042 (fictional): sealed before the passphrase changed.\n' >w.txt
seal_as officer "$V" w.txt
SEALED=$SEQ

# passwd_fd CODE FILE OLD NEW [ARGS...] — passwd with both passphrases on fd 3
passwd_fd() {
	local want=$1 file=$2 old=$3 new=$4
	shift 4
	expect_exit "$want" "$AMANAT" id passwd "$file" --passphrase-fd 3 "$@" \
		3< <(printf '%s\n%s\n' "$old" "$new")
}
# opens FILE PASSPHRASE — the passphrase opens FILE (a cheap command that unlocks it)
opens() {
	rm -rf chk
	mkdir chk
	AMANAT_PASSPHRASE="$2" expect_exit "${3:-0}" "$AMANAT" id split "$1" --shares 2 \
		--threshold 2 --dir chk
	rm -rf chk
}

# ---- show, before anything changes ---------------------------------------------

am 0 id show officer.id
expect_stdout_contains "kind:            secret identity"
expect_stdout_contains "name:            officer"
expect_stdout_contains "passphrase hash: Argon2id, interactive (2 passes, 64 MiB)"
expect_stdout_matches '^created: +20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'
expect_stdout_matches '^key id: +[0-9a-f]{16}$'
am 0 id show officer.id --json
expect_stdout_contains '"kind":"secret"'
expect_stdout_contains '"kdf":{"alg":"argon2id13","opslimit":2,"memlimit":67108864,"level":"interactive"}'
kid=$(grep -oE '"key_id":"[0-9a-f]{16}"' "$OUT" | cut -d'"' -f4)
created=$(json_str created)
[[ $created =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]] || fail "created is '$created'"
pass
am 0 id show officer.pub --json
expect_stdout_contains '"kind":"public"'
expect_stdout_contains "\"key_id\":\"$kid\""
expect_stdout_not_contains '"kdf"'
expect_stdout_not_contains '"created"'
am 0 id show officer.pub
expect_stdout_contains "public keys"
expect_stdout_contains "$(cut -d' ' -f3 officer.pub)"
# never a passphrase, and a clear word for what is not a key file
am 2 id show officer.id --passphrase-fd 0
expect_stderr_contains "never asks for a passphrase"
am 2 id show w.txt
expect_stderr_contains "w.txt is not an amanat identity file, public key or recovery share"
am 2 id show no-such.id
expect_stderr_contains "no-such.id"
head -c 100 officer.id >cut.id
am 2 id show cut.id
expect_stderr_contains "cut.id is truncated"
am 2 id show "$V"
expect_stderr_contains "is not an amanat identity file"

# ---- passwd ----------------------------------------------------------------------

cp officer.id officer.orig
# refusals, each leaving the file as it was
AMANAT_PASSPHRASE="$PASS" expect_exit 2 "$AMANAT" id passwd officer.id
expect_stderr_contains "AMANAT_PASSPHRASE holds one"
passwd_fd 3 officer.id 'not the old passphrase at all' "$NEW"
expect_stderr_contains "wrong passphrase for officer.id"
passwd_fd 2 officer.id "$PASS" 'officer1'
expect_stderr_contains "too easy to guess"
passwd_fd 2 officer.id "$PASS" ''
expect_stderr_contains "empty"
passwd_fd 2 officer.pub "$PASS" "$NEW"
expect_stderr_contains "officer.pub is a public key"
ln -s officer.id link.id
passwd_fd 2 link.id "$PASS" "$NEW"
expect_stderr_contains "link.id is a symbolic link"
am 2 id passwd
am 2 id passwd officer.id --shares 3
expect_same_file officer.id officer.orig
expect_no_tmp_files .

# the change: same key id, file replaced (mode 0600), .pub untouched
cp officer.pub officer.pub.orig
passwd_fd 0 officer.id "$PASS" "$NEW"
expect_stdout_is "$kid"
expect_stderr_contains "changed the passphrase of officer.id"
expect_mode officer.id 600
cmp -s officer.id officer.orig && fail "officer.id did not change"
pass
expect_same_file officer.pub officer.pub.orig
expect_no_tmp_files .
am 0 id show officer.id --json
expect_stdout_contains "\"key_id\":\"$kid\""
expect_stdout_contains '"level":"interactive"' # the cost is kept without --kdf
expect_eq "creation time after passwd" "$created" "$(json_str created)"
# the old passphrase no longer opens it; the new one does, and the vault takes its seal
AMANAT_PASSPHRASE="$PASS" expect_exit 3 "$AMANAT" seal "$V" --as officer.id --type testimony \
	--case C-TEST w.txt
expect_stderr_contains "wrong passphrase for officer.id"
AMANAT_PASSPHRASE="$NEW" expect_exit 0 "$AMANAT" seal "$V" --as officer.id --type testimony \
	--case C-TEST w.txt
verify_ok "$V"

# the custodian's decryption key survives too: it still reads the earlier entry
passwd_fd 0 custodian.id "$PASS" "$NEW"
AMANAT_PASSPHRASE="$NEW" expect_exit 0 "$AMANAT" extract "$V" "$SEALED" --as custodian.id \
	--purpose "fictional: passwd test" -o back.txt
expect_same_file back.txt w.txt

# --kdf: the cost goes up (and down, with a warning)
passwd_fd 0 officer.id "$NEW" "$PASS" --kdf moderate
expect_stdout_is "$kid"
expect_stderr_contains "moderate (3 passes, 256 MiB)"
am 0 id show officer.id --json
expect_stdout_contains '"opslimit":3,"memlimit":268435456,"level":"moderate"'
passwd_fd 0 officer.id "$PASS" "$NEW" --kdf interactive
expect_stderr_contains "warning: passphrase hashing is now cheaper"
opens officer.id "$NEW"

# a version 1 identity file (the §23 test vector, docs/FORMAT.md): shown with no
# creation time, and passwd writes it again as version 2 with the same keys
V1PASS='fictional passphrase for test vectors'
VEC="${TESTS_DIR:-$CLI_DIR/..}/vectors/keyfile.txt"
/usr/bin/python3 -c 'import sys
for l in open(sys.argv[1]):
    if l.startswith("keyfile.file = "):
        open("v1.id", "wb").write(bytes.fromhex(l.split("=")[1].strip()))' "$VEC" ||
	fail "cannot write the version 1 key file"
am 0 id show v1.id --json
expect_stdout_contains '"name":"fictional-admin","key_id":"56475aa75463474c"'
expect_stdout_contains '"created":null'
am 0 id show v1.id
expect_stdout_contains "created:         not recorded"
chmod 600 v1.id
passwd_fd 0 v1.id "$V1PASS" "$NEW"
expect_stdout_is 56475aa75463474c
expect_eq "version of v1.id after passwd" "0002" "$(od -An -tx1 -j4 -N2 v1.id | tr -d ' ')"
am 0 id show v1.id --json
expect_stdout_contains '"created":null'
opens v1.id "$NEW"

# ---- crash safety -------------------------------------------------------------

command -v cc >/dev/null 2>&1 || fail "a C compiler (cc) is needed to build the fault shim"
cat >shim.c <<'SHIM'
/*
 * rename(2) of a file onto a .id: with SHIM_MODE=before the process is
 * killed (SIGKILL) just before it, with after just after it, with fail it
 * fails with EIO.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

int rename(const char *from, const char *to)
{
	int (*real)(const char *, const char *) =
		(int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	const char *m = getenv("SHIM_MODE");
	size_t n = strlen(to);
	int rc;

	if (m == NULL || n < 3 || strcmp(to + n - 3, ".id") != 0)
		return real(from, to);
	if (strcmp(m, "before") == 0)
		raise(SIGKILL);
	if (strcmp(m, "fail") == 0) {
		errno = EIO;
		return -1;
	}
	rc = real(from, to);
	raise(SIGKILL);
	return rc;
}
SHIM
cc -shared -fPIC -O1 -o shim.so shim.c -ldl || fail "cannot build the fault shim"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# passwd_shim MODE CODE — passwd of officer.id from NEW to PASS under the shim
passwd_shim() {
	SHIM_MODE=$1 LD_PRELOAD="$T/shim.so" expect_exit "$2" sh -c '"$@"' sh \
		"$AMANAT" id passwd officer.id --passphrase-fd 3 \
		3< <(printf '%s\n%s\n' "$NEW" "$PASS")
}

cp officer.id before.id
passwd_shim fail 4
expect_stderr_contains "cannot create officer.id"
expect_same_file officer.id before.id
expect_no_tmp_files .
opens officer.id "$NEW"

# killed before the rename: the old file, whole; at worst a temporary file
# beside it, private (0600) and sealed like any .id
passwd_shim before 137
expect_same_file officer.id before.id
opens officer.id "$NEW"
opens officer.id "$PASS" 3
for f in .amanat-tmp-*; do
	[ -e "$f" ] || continue
	expect_mode "$f" 600
	rm -f "$f"
done

# killed just after the rename: the new file, whole
passwd_shim after 137
cmp -s officer.id before.id && fail "the rename happened but officer.id is the old file"
pass
expect_mode officer.id 600
opens officer.id "$PASS"
opens officer.id "$NEW" 3
AMANAT_PASSPHRASE="$PASS" expect_exit 0 "$AMANAT" seal "$V" --as officer.id --type testimony \
	--case C-TEST w.txt
verify_ok "$V"
finish
