#!/bin/bash
# seal_bulk_start.sh — seal --recursive walks the tree on a second thread
# while the passphrase is stretched (issue 10), and nothing else changes:
# the same entries in the same order, the walk's "skipping" lines first; a
# failed walk is the error reported (exit 2) even when the passphrase is
# wrong or the vault altered, and the vault is then not even opened (no pin,
# no first-use notice); then the vault's error (1), then the passphrase's
# (3).  On a terminal the walk ends before the prompt; when the thread cannot
# be started the run is the same, one step after the other.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

V=v.amn
make_vault "$V"
cp "$V" clean.amn
seal_args=(--as officer.id --type document --case C-START --recursive)

mkdir -p in/sub/deeper in/z
for f in a.txt b.txt sub/c.txt sub/deeper/d.txt z/e.txt; do
	printf 'fictional record %s\n' "$f" >"in/$f"
done
ln -s a.txt in/link.txt
mkfifo in/sub/fifo
WANT=$'4\ta.txt\n5\tb.txt\n6\tsub/c.txt\n7\tsub/deeper/d.txt\n8\tz/e.txt'
# skips DIR — what the walk of DIR says, in its order
skips() {
	printf 'amanat: skipping %s/link.txt: a symbolic link\n' "$1"
	printf 'amanat: skipping %s/sub/fifo: not a regular file\n' "$1"
}
SKIPS=$(skips in)

# the same tree, and a name in it that cannot be recorded: the walk fails there
cp -a in bad
touch "bad/sub/"$'\xff'".txt"

# Each run below is by someone new to the vault (fresh_eyes: verified from
# genesis, a first-use notice), as copies of one vault share its pin.
# skips_said DIR — stderr holds the walk's two lines, in the walk's order
skips_said() {
	expect_eq "the walk's lines" "$(skips "$1")" "$(grep skipping "$ERR")"
}

# ---- a normal run: the entries, and the walk's lines before the vault's ----
fresh_eyes am_pw 0 seal "$V" "${seal_args[@]}" in
expect_stdout_is "$WANT"
expect_eq "stderr's first lines" "$SKIPS" "$(head -n 2 "$ERR")"
expect_eq "then the first-use notice" 1 "$(sed -n 3p "$ERR" | grep -c 'first use')"
cp "$ERR" threaded.err
fresh_eyes verify_ok "$V" 9
printf '%s\n' "$PASS" >pass.txt
cp clean.amn fd.amn
fresh_eyes am 0 seal fd.amn "${seal_args[@]}" --passphrase-fd 3 in 3<pass.txt
expect_stdout_is "$WANT"
expect_eq "stderr's first lines from --passphrase-fd" "$SKIPS" "$(head -n 2 "$ERR")"

# ---- the walk fails: its error, whatever else is wrong, and the vault untouched ----
walk_failed() { # WHAT
	skips_said bad
	expect_stderr_contains "is not UTF-8 text; rename it"
	if grep -q -e 'passphrase' -e 'entry [0-9]' -e 'first use' "$ERR"; then
		fail "$1: more than the walk's error: $(cat "$ERR")"
	fi
	expect_same_file "$V" v.kept
	# the vault was not even opened: nothing pinned or remembered
	expect_eq "files in the new user's state after a failed walk" 0 \
		"$(find "$T/.state-fresh" -type f 2>/dev/null | wc -l)"
}
cp clean.amn "$V"
cp "$V" v.kept
fresh_eyes am_pw 2 seal "$V" "${seal_args[@]}" bad
walk_failed "right passphrase"
AMANAT_PASSPHRASE=wrong fresh_eyes am 2 seal "$V" "${seal_args[@]}" bad
walk_failed "wrong passphrase"
printf 'wrong\n' >wrong.txt
fresh_eyes am 2 seal "$V" "${seal_args[@]}" --passphrase-fd 3 bad 3<wrong.txt
walk_failed "wrong passphrase from --passphrase-fd"
# altered: entry 2 no longer verifies from genesis
drop_triggers "$V"
flip_byte "$V" entries header "seq = 2" 80
cp "$V" v.kept
AMANAT_PASSPHRASE=wrong fresh_eyes am 2 seal "$V" "${seal_args[@]}" bad
walk_failed "altered vault and wrong passphrase"

# ---- then the vault's error, then the passphrase's ----
AMANAT_PASSPHRASE=wrong fresh_eyes am 1 seal "$V" "${seal_args[@]}" in
expect_stderr_contains "entry 2"
skips_said in
AMANAT_PASSPHRASE="$PASS" fresh_eyes am 1 seal "$V" --as missing.id --type document \
	--case C-START --recursive in
expect_stderr_contains "entry 2"
expect_same_file "$V" v.kept
cp clean.amn "$V"
cp "$V" v.kept
AMANAT_PASSPHRASE=wrong fresh_eyes am 3 seal "$V" "${seal_args[@]}" in
expect_stderr_contains "wrong passphrase for officer.id"
skips_said in
fresh_eyes am 3 seal "$V" "${seal_args[@]}" --passphrase-fd 3 in 3<wrong.txt
expect_stderr_contains "wrong passphrase for officer.id"
expect_same_file "$V" v.kept

# ---- on a terminal: what the run above said, then the prompt; the same entries ----
printf '< passphrase for officer.id: \n> %s\n' "$PASS" >.steps
fresh_eyes expect_exit 0 python3 "$HERE/on_tty.py" .steps "$AMANAT" seal "$V" \
	"${seal_args[@]}" in
tr -d '\r' <"$OUT" >tty.out
expect_eq "before the prompt: the lines of the run without a terminal" \
	"$(sed '$d' threaded.err)" "$(sed '/passphrase for officer.id/,$d' tty.out)"
expect_eq "entries sealed on a terminal" "$WANT" "$(grep -E $'^[0-9]+\t' tty.out)"

# ---- no second thread to be had: one step after the other, the same result ----
if command -v cc >/dev/null 2>&1; then
	cat >nothread.c <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
/* the first thread asked for is refused (EAGAIN), and a mark left in ./refused */
int pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
	static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	static int refused;
	if (!refused) {
		refused = 1;
		close(open("refused", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
		return EAGAIN;
	}
	if (real == NULL)
		real = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))
			dlsym(RTLD_NEXT, "pthread_create");
	return real(t, a, fn, arg);
}
C
	cc -shared -fPIC -O1 -o nothread.so nothread.c -ldl -lpthread ||
		fail "cannot build the pthread_create shim"
	nothread=(env LD_PRELOAD="$T/nothread.so"
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
	cp clean.amn "$V"
	AMANAT_PASSPHRASE="$PASS" fresh_eyes expect_exit 0 "${nothread[@]}" "$AMANAT" seal "$V" \
		"${seal_args[@]}" in
	[ -e refused ] || fail "the shim refused no thread"
	pass
	expect_stdout_is "$WANT"
	expect_eq "stderr without a thread" "$(cat threaded.err)" "$(cat "$ERR")"
	fresh_eyes verify_ok "$V" 9
	rm -f refused
	cp "$V" v.kept
	AMANAT_PASSPHRASE=wrong fresh_eyes expect_exit 2 "${nothread[@]}" "$AMANAT" seal "$V" \
		"${seal_args[@]}" bad
	[ -e refused ] || fail "the shim refused no thread"
	pass
	walk_failed "wrong passphrase, no thread"
fi
finish
