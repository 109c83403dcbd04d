#!/bin/bash
# extract_outputs.sh — what 'extract -o PATH' does with what is at PATH
# (issue 9, item 2): a FIFO and a character device are written as streams,
# in place, and never replaced, even with --force; a symbolic link is neither
# followed nor replaced, with a message naming it; --force replaces regular
# files only; the refusal of a non-regular file does not suggest --force.
#
# The character device is a copy of /dev/null made with mknod in the test's
# own directory, so the real /dev/null is never at risk; that part is
# skipped (said on stdout) where mknod or opening device nodes is not allowed.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

V=vault.amn
make_vault "$V"
printf 'W-0042 (fictional): the statement, byte for byte.\n' >statement.txt
seal_as officer "$V" statement.txt
S=$SEQ

xt() { # CODE OUT [ARGS...]
	local want=$1 out=$2
	shift 2
	am_pw "$want" extract "$V" "$S" --as custodian.id --purpose "fictional: review" -o "$out" "$@"
}

# ---- a FIFO: written in place, with and without --force -------------------------

for force in "" --force; do
	rm -f fifo got
	mkfifo fifo || fail "mkfifo failed"
	# bounded: if extract refused the FIFO, the reader must not hang the test
	timeout 20 cat fifo >got 2>/dev/null </dev/null &
	reader=$!
	xt 0 fifo $force
	wait "$reader" || fail "the FIFO's reader failed"
	expect_same_file statement.txt got
	[ -p fifo ] || fail "extract ${force:-without --force} replaced the FIFO"
	pass
done

# ---- a character device: written in place, never replaced ----------------------

if mknod dev c 1 3 2>/dev/null && [ -c dev ] && : >dev 2>/dev/null; then
	before=$(stat -c '%i %F %t:%T' dev)
	xt 0 dev --force
	expect_eq "the device after extract --force" "$before" "$(stat -c '%i %F %t:%T' dev)"
	xt 0 dev
	expect_eq "the device after extract" "$before" "$(stat -c '%i %F %t:%T' dev)"
else
	echo "skipped: no character device could be made and opened here (mknod c 1 3)"
fi

# ---- a symbolic link: neither followed nor replaced ------------------------------

printf 'keep me\n' >target.txt
ln -s target.txt link.txt
for force in "" --force; do
	xt 2 link.txt $force
	expect_stderr_contains "link.txt"
	expect_stderr_contains "symbolic link"
	[ -L link.txt ] || fail "extract ${force:-without --force} replaced the symbolic link"
	expect_eq "the link's target after extract $force" "keep me" "$(cat target.txt)"
done
# a dangling one too: nothing is created through it or in its place
ln -s nowhere.txt dangling.txt
xt 2 dangling.txt --force
[ -L dangling.txt ] && [ ! -e nowhere.txt ] || fail "a dangling link was followed or replaced"
pass
expect_no_tmp_files .

# ---- other kinds: refused without suggesting --force -----------------------------

mkdir adir
xt 2 adir --force
expect_stderr_contains "adir is a directory"
if grep -q -- '--force' "$ERR"; then
	fail "the refusal of a directory suggests --force"
fi
pass

# ---- regular files: refused without --force, replaced with it --------------------

printf 'old\n' >old.txt
xt 2 old.txt
expect_stderr_contains "use --force"
expect_eq "old.txt after a refused extract" "old" "$(cat old.txt)"
xt 0 old.txt --force
expect_same_file statement.txt old.txt
expect_mode old.txt 600
xt 0 new.txt
expect_same_file statement.txt new.txt
# standard output is a stream too
xt 0 -
expect_same_file statement.txt "$OUT"
finish
