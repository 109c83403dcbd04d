#!/bin/bash
# seal_interrupt.sh — a seal stopped by a signal (issue 14, "Sealing"): it
# prints one line, exits 128+signal (130 for Ctrl-C), and rolls back, so no
# -journal is left, the entry count is unchanged and the vault still
# verifies; from a file and from a pipe that is waiting for input.  And the
# progress line on a terminal: done of total, percentage and time left for a
# file, bytes so far for a pipe.
. "$(dirname "$0")/lib.sh"

make_vault v.amn
export AMANAT_PASSPHRASE=$PASS
MSG="amanat: interrupted: nothing was sealed; the vault is unchanged"

# wait until FILE exists, at most 30 s; 0 if it did
appears() {
	for _ in $(seq 300); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait for PID to exit, at most 20 s, and set RC to its exit code
exited() {
	local pid=$1
	for _ in $(seq 200); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			RC=$?
			return 0
		fi
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	fail "amanat did not exit within 20 s of the signal"
}

# after an interrupted seal: the one line, the code, and nothing changed
check_rolled_back() { # RC ERRFILE ENTRIES
	expect_eq "exit code of the interrupted seal" "$1" "$RC"
	expect_eq "stderr of the interrupted seal" "$MSG" "$(cat "$2")"
	expect_file_absent v.amn-journal
	expect_eq "entries after the interrupted seal" "$3" "$(entry_count v.amn)"
	verify_ok v.amn "$3"
	expect_same_file v.amn v.before
}

# ---- from a pipe, waiting for more input: SIGINT and SIGTERM --------------
mkfifo in.fifo
head -c $((3 * 1024 * 1024)) /dev/urandom >part.bin
for sig in INT TERM; do
	n=$(entry_count v.amn)
	cp v.amn v.before
	"$AMANAT" seal v.amn --as officer.id --type document --case C-INT - <in.fifo \
		>seal.out 2>seal.err &
	pid=$!
	exec 3>in.fifo
	cat part.bin >&3
	# chunks are being stored in the open transaction: its journal exists
	appears v.amn-journal || fail "SIG$sig: the seal never began writing"
	pass
	sleep 0.3
	kill -"$sig" "$pid"
	exited "$pid"
	exec 3>&-
	case $sig in INT) want=130 ;; TERM) want=143 ;; esac
	check_rolled_back "$want" seal.err "$n"
	expect_eq "stdout of the interrupted seal" "" "$(cat seal.out)"
done

# ---- from a file, between chunks (reads slowed down by a shim) --------------
if command -v cc >/dev/null 2>&1; then
	make_slow_read_shim
	# slow US CMD...: CMD with reads slowed; the shim loads before a
	# sanitizer's runtime, which ASan must be told is fine.  (env, so that in
	# the background $! is the command itself, not a subshell ignoring SIGINT.)
	ASAN_SLOW="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	slow() {
		env SLOW_READ_US="$1" LD_PRELOAD="$T/slow.so" ASAN_OPTIONS="$ASAN_SLOW" "${@:2}"
	}
	head -c $((40 * 1024 * 1024)) /dev/urandom >big.bin
	n=$(entry_count v.amn)
	cp v.amn v.before
	env SLOW_READ_US=100000 LD_PRELOAD="$T/slow.so" ASAN_OPTIONS="$ASAN_SLOW" \
		"$AMANAT" seal v.amn --as officer.id --type media --case C-INT big.bin \
		>seal.out 2>seal.err &
	pid=$!
	appears v.amn-journal || fail "the seal of big.bin never began writing"
	sleep 0.5
	kill -INT "$pid"
	exited "$pid"
	check_rolled_back 130 seal.err "$n"
	# and the vault takes the next seal as usual
	am 0 seal v.amn --as officer.id --type testimony --case C-INT part.bin
	expect_stdout_is "$n"

	# ---- progress on a terminal ---------------------------------------------
	if command -v script >/dev/null 2>&1; then
		head -c $((12 * 1024 * 1024)) /dev/urandom >mid.bin
		slow 120000 script -qec "'$AMANAT' seal v.amn --as officer.id --type media \
			--case C-PROG mid.bin" /dev/null >tty.out 2>&1 </dev/null ||
			fail "seal on a terminal failed: $(tr '\r' '\n' <tty.out | tail -n 5)"
		tr '\r' '\n' <tty.out >tty.lines
		grep -qE '^sealing: [0-9]+\.[0-9] of 12\.0 MiB \( *[0-9]+%\), [0-9]+:[0-9]{2} left' tty.lines ||
			fail "no progress line with total, percentage and time left: $(head -c 600 tty.lines)"
		pass
		# standard input redirected from a file: its size is known too
		slow 120000 script -qec "'$AMANAT' seal v.amn --as officer.id --type media \
			--case C-PROG - <mid.bin" /dev/null >tty.out 2>&1 </dev/null ||
			fail "seal - <file on a terminal failed"
		tr '\r' '\n' <tty.out >tty.lines
		grep -qE '^sealing: [0-9.]+ of 12\.0 MiB .*left' tty.lines ||
			fail "no total for a redirected file: $(head -c 600 tty.lines)"
		pass
		# from a pipe (fed slowly) the total is not known: the bytes so far
		script -qec "for i in 1 2 3 4 5 6; do head -c 1048576 mid.bin; sleep 0.3; done |
			'$AMANAT' seal v.amn --as officer.id --type media --case C-PROG -" \
			/dev/null >tty.out 2>&1 </dev/null ||
			fail "seal from a pipe on a terminal failed"
		tr '\r' '\n' <tty.out >tty.lines
		grep -qE '^sealing: [0-9]+\.[0-9] MiB so far' tty.lines ||
			fail "no bytes-so-far line for a pipe: $(head -c 600 tty.lines)"
		pass
	fi
fi

unset AMANAT_PASSPHRASE
verify_ok v.amn
finish
