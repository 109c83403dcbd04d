#!/bin/bash
# seal_bulk_changed.sh — seal --recursive seals the files its walk listed, and
# only those: a file swapped after the walk for a FIFO, for a symbolic link,
# or for another file, or a folder swapped for a link to somewhere else, is
# refused when its turn comes (exit 2, naming it), never followed, never
# waited on; what was printed before is in the vault and verifies.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

command -v cc >/dev/null 2>&1 || { echo "SKIP [$TEST_NAME]: needs cc"; finish; }

make_vault clean.amn
seal_args=(--as officer.id --type document --case C-SWAP --recursive)

# the sealer opens each listed file with O_NOFOLLOW (the walk opens none):
# the first such open under walked/ leaves ./sealing, and each waits
# SLOW_OPEN_US, so that the test changes the tree after the walk, before
# the last files' turn
cat >slowopen.c <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int open(const char *path, int flags, ...)
{
	static int (*real)(const char *, int, ...);
	static int marked;
	const char *us = getenv("SLOW_OPEN_US");
	mode_t mode = 0;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (real == NULL)
		real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	if ((flags & O_NOFOLLOW) && strstr(path, "walked/") != NULL && us != NULL) {
		if (!marked) {
			marked = 1;
			close(real("sealing", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
		}
		usleep((useconds_t)atoi(us));
	}
	return real(path, flags, mode);
}
C
cc -shared -fPIC -O1 -o slowopen.so slowopen.c -ldl || fail "cannot build the slow-open shim"

mkdir -p outside
printf 'not in the folder (fictional)\n' >outside/y.txt
printf 'not in the folder either (fictional)\n' >outside/z.txt

# fresh_tree — walked/: a01..a10, then z.txt, then zz/y.txt, in the walk's order
fresh_tree() {
	rm -rf walked
	mkdir -p walked/zz
	for i in $(seq -w 1 10); do printf 'record a%s (fictional)\n' "$i" >"walked/a$i.txt"; done
	printf 'record z (fictional)\n' >walked/z.txt
	printf 'record zz/y (fictional)\n' >walked/zz/y.txt
}

# swapped NAME WHICH K CMD... — seal walked/ into a copy of the vault, run
# CMD once the sealing has begun; the run must refuse walked/WHICH (exit 2)
# after sealing the K files before it, and the copy verify with those alone
swapped() {
	local name=$1 which=$2 k=$3 pid rc
	shift 3
	fresh_tree
	rm -f sealing
	cp clean.amn "$name.amn"
	env SLOW_OPEN_US=200000 LD_PRELOAD="$T/slowopen.so" AMANAT_PASSPHRASE="$PASS" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		XDG_STATE_HOME="$T/.state-$name" timeout -k 5 60 \
		"$AMANAT" seal "$name.amn" "${seal_args[@]}" walked >"$OUT" 2>"$ERR" &
	pid=$!
	for _ in $(seq 300); do [ -e sealing ] && break; sleep 0.1; done
	[ -e sealing ] || fail "$name: the sealing did not begin"
	"$@" || fail "$name: cannot change the tree"
	wait "$pid"
	rc=$?
	check_sanitizers seal "$name"
	[ "$rc" = 2 ] || { show_context seal "$name.amn" walked; fail "$name: exit $rc, want 2"; }
	pass
	expect_stderr_contains "walked/$which"
	expect_stderr_contains "is not the file listed when the folder was read"
	expect_stderr_contains "$k of 12 files were sealed before this"
	expect_eq "$name: lines printed" "$k" "$(grep -c $'^[0-9]*\t' "$OUT")"
	on_laptop "$name" verify_ok "$name.amn" $((4 + k))
}

swapped fifo z.txt 10 sh -c 'rm walked/z.txt && mkfifo walked/z.txt'
swapped link z.txt 10 ln -sf "$T/outside/z.txt" walked/z.txt
swapped other z.txt 10 sh -c 'printf "another (fictional)\n" >walked/z.new && mv walked/z.new walked/z.txt'
swapped folder zz/y.txt 11 sh -c 'rm -r walked/zz && ln -s ../outside walked/zz'
# untouched, the same run seals all twelve
swapped_ok() {
	fresh_tree
	cp clean.amn same.amn
	AMANAT_PASSPHRASE="$PASS" on_laptop same expect_exit 0 env SLOW_OPEN_US=1000 \
		LD_PRELOAD="$T/slowopen.so" \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		"$AMANAT" seal same.amn "${seal_args[@]}" walked
	expect_eq "files sealed from an untouched tree" 12 "$(grep -c $'^[0-9]*\t' "$OUT")"
	on_laptop same verify_ok same.amn 16
}
swapped_ok
finish
