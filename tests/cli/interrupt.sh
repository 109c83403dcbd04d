#!/usr/bin/env bash
# interrupt.sh — an export or extraction stopped by SIGINT, SIGTERM, SIGHUP or
# SIGQUIT exits promptly and leaves no decrypted file or directory behind; the
# vault still verifies.  (kill -9 cannot be caught: extraction and ZIP exports
# still leave nothing, being unnamed files until complete, which is checked too.)
. "$(dirname "$0")/lib.sh"

make_vault v.amn
# The reading must still be running when the signal lands, however fast the
# machine: a shim makes each write of 64 KiB or more (the payload's chunks)
# wait SLOW_WRITE_US first, so 48 MiB take well over a second to write out.
head -c $((48 * 1024 * 1024)) /dev/urandom >big.bin
SLOWLY=()
if command -v cc >/dev/null 2>&1; then
	cat >slowwrite.c <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>
ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	const char *us = getenv("SLOW_WRITE_US");
	if (real == NULL)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (n >= 65536 && us != NULL)
		usleep((useconds_t)atoi(us));
	return real(fd, buf, n);
}
C
	cc -shared -fPIC -O1 -o slowwrite.so slowwrite.c -ldl || fail "cannot build the slow-write shim"
	# the shim loads before a sanitizer's runtime, which ASan must be told is fine
	SLOWLY=(env SLOW_WRITE_US=30000 LD_PRELOAD="$T/slowwrite.so"
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
fi
am_pw 0 seal v.amn --as officer.id --type media --case C-INT big.bin
SEQ=$(cat "$OUT")
export AMANAT_PASSPHRASE=$PASS

# wait until PATTERN exists in this directory, at most 20 s; 0 if it did
appears() {
	for _ in $(seq 200); do
		compgen -G "$1" >/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# stop PID with SIGNAL; it must be gone within 10 s
stop() {
	local pid=$1 sig=$2
	kill -"$sig" "$pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	fail "amanat did not exit within 10 s of SIG$sig"
}

interrupted=0
for sig in INT TERM HUP QUIT; do
	out="bundle-$sig"
	"${SLOWLY[@]}" "$AMANAT" export v.amn --as custodian.id --entry "$SEQ" --scope internal \
		--override-consent "test" --purpose "interrupt test" -o "$out" >/dev/null 2>&1 &
	pid=$!
	if appears "$out.amanat-tmp-*"; then
		stop "$pid" "$sig"
		interrupted=$((interrupted + 1))
		pass
		[ ! -e "$out" ] || fail "SIG$sig: $out exists after an interrupted export"
		compgen -G "$out.amanat-tmp-*" >/dev/null &&
			fail "SIG$sig: the half-built bundle directory was left behind"
		pass
	else
		wait "$pid" # finished before we could interrupt it: nothing to test this round
	fi
done

# a test that never caught an export mid-way would prove nothing
[ "$interrupted" -ge 2 ] || fail "only $interrupted exports were caught mid-way"
pass

for sig in INT TERM KILL; do
	"${SLOWLY[@]}" "$AMANAT" extract v.amn "$SEQ" --as custodian.id --purpose "interrupt test" -o "x-$sig.bin" \
		>/dev/null 2>&1 &
	pid=$!
	sleep 0.4
	stop "$pid" "$sig"
	pass
	if [ -e "x-$sig.bin" ]; then
		# it finished first: then it must be complete
		expect_same_file "x-$sig.bin" big.bin
	fi
	compgen -G ".amanat-tmp-*" >/dev/null && fail "SIG$sig: a temporary file was left behind"
	pass
done

# a file system without O_TMPFILE (vfat, exFAT, NFS: a USB stick) gets a named
# temporary file while the output is written: a signal must remove it too.
# A shim makes O_TMPFILE fail as such file systems do.
if command -v cc >/dev/null 2>&1; then
	cat >notmp.c <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
int open(const char *path, int flags, ...)
{
	static int (*real)(const char *, int, ...);
	va_list ap;
	int mode;
	if ((flags & O_TMPFILE) == O_TMPFILE) {
		errno = EOPNOTSUPP;
		return -1;
	}
	va_start(ap, flags);
	mode = va_arg(ap, int);
	va_end(ap);
	if (real == NULL)
		real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	return real(path, flags, mode);
}
C
	cc -shared -fPIC -O1 -o notmp.so notmp.c -ldl || fail "cannot build the O_TMPFILE shim"
	# an ASan build wants its runtime first; a shim preloaded before it is fine here
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	caught=0
	for sig in INT TERM; do
		mkdir -p "stick-$sig"
		LD_PRELOAD="$T/notmp.so" "$AMANAT" extract v.amn "$SEQ" --as custodian.id \
			--purpose "interrupt test" -o "stick-$sig/x.bin" >/dev/null 2>&1 &
		pid=$!
		if appears "stick-$sig/.amanat-tmp-*"; then
			caught=$((caught + 1))
			stop "$pid" "$sig"
			[ -e "stick-$sig/x.bin" ] && expect_same_file "stick-$sig/x.bin" big.bin
			compgen -G "stick-$sig/.amanat-tmp-*" >/dev/null &&
				fail "SIG$sig: a named temporary file with plaintext was left behind"
			pass
		else
			wait "$pid"
		fi
	done
	[ "$caught" -ge 1 ] || fail "the shim never made amanat write a named temporary file"
	pass
fi

unset AMANAT_PASSPHRASE
verify_ok v.amn
finish
