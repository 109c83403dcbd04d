#!/usr/bin/env bash
# concurrency.sh — several amanat processes on one vault at once.
#
# Writers wait for one another (up to a minute, saying so on stderr after
# about a second) instead of failing with "the vault is busy"; readers see a
# consistent prefix of the log instead of an I/O error.  Here 4 writers seal
# 10 entries each (two identities; two writers share the test's pin state,
# two keep pins of their own) while readers (verify, verify --quick, list,
# members) run in loops beside them.  Then:
#   - every seal and every reader exited 0 (no exit 4, no false alarm);
#   - the 40 printed sequence numbers are distinct and each entry holds the
#     title its writer sealed (read back by the custodian);
#   - the vault verifies from every pin state used (no fork anyone signed).
# And a writer held up by a lock taken with the sqlite3 shell waits, says so
# in one line, and succeeds; so does a reader held up by a committing writer.
. "$(dirname "$0")/lib.sh"

WRITERS=4
SEALS=10
make_vault v.db
make_id officer2
am_pw 0 enroll v.db officer2.pub --role officer --as admin.id
head -c 1500000 /dev/urandom >big.bin
verify_ok v.db 5
BASE=5

# writer K ID STATE: SEALS seals, each with its own marker in the title; the
# last of every 4 is a 1.5 MiB file, so that transactions take a while
writer() {
	local k=$1 who=$2 state=$3 i f rc
	for i in $(seq 1 "$SEALS"); do
		if [ $((i % 4)) = 0 ]; then
			f=big.bin
		else
			f="w$k-$i.txt"
			printf 'W-%04d (fictional): writer %d, statement %d.\n' "$k$i" "$k" "$i" >"$f"
		fi
		XDG_STATE_HOME=$state AMANAT_PASSPHRASE="$PASS" timeout -k 5 120 "$AMANAT" seal v.db \
			--as "$who.id" --type testimony --case C-CONC --title "marker w$k-$i" "$f" \
			>"w$k-$i.out" 2>"w$k-$i.err"
		rc=$?
		echo "$rc" >"w$k-$i.rc"
		[ "$rc" = 0 ] && echo "$(cat "w$k-$i.out") w$k-$i" >>"acked-$k"
	done
}

# reader NAME CMD...: run CMD again and again until the writers are done
reader() {
	local name=$1 n=0 rc
	shift
	while [ ! -e writers.done ] && [ $n -lt 400 ]; do
		n=$((n + 1))
		timeout -k 5 120 "$AMANAT" "$@" >/dev/null 2>"r-$name.err"
		rc=$?
		echo "$rc" >>"r-$name.rcs"
		if [ "$rc" != 0 ]; then
			cp "r-$name.err" "r-$name.err.$n"
		fi
	done
}

mkdir -p "$T/.state-w3" "$T/.state-w4" "$T/.state-r"
reader verify verify v.db &
r1=$!
reader quick verify v.db --quick --json &
r2=$!
XDG_STATE_HOME="$T/.state-r" reader list list v.db --json &
r3=$!
reader members members v.db &
r4=$!
writer 1 officer "$XDG_STATE_HOME" &
w1=$!
writer 2 officer2 "$XDG_STATE_HOME" &
w2=$!
writer 3 officer "$T/.state-w3" &
w3=$!
writer 4 officer2 "$T/.state-w4" &
w4=$!
wait $w1 $w2 $w3 $w4
touch writers.done
wait $r1 $r2 $r3 $r4

# every seal succeeded
for k in $(seq 1 $WRITERS); do
	for i in $(seq 1 $SEALS); do
		expect_eq "exit of seal w$k-$i ($(grep -v 'readable only by\|first use\|^amanat:   \|compare these' "w$k-$i.err" | head -n 3))" \
			0 "$(cat "w$k-$i.rc")"
	done
done
# no reader ever failed
for r in verify quick list members; do
	runs=$(wc -l <"r-$r.rcs")
	bad=$(grep -cv '^0$' "r-$r.rcs")
	if [ "$bad" != 0 ]; then
		cat r-"$r".err.* >&2
		fail "$r failed $bad times of $runs beside the writers"
	fi
	[ "$runs" -ge 1 ] || fail "$r never ran"
	echo "[$TEST_NAME] $r ran $runs times beside the writers, always exit 0"
	pass
done

# every acknowledged entry is there, once, with its writer's content
N=$((BASE + WRITERS * SEALS))
cat acked-* | sort -n >acked
expect_eq "acknowledged seals" $((WRITERS * SEALS)) "$(wc -l <acked)"
expect_eq "their sequence numbers" "$(seq $BASE $((N - 1)) | tr '\n' ' ')" "$(cut -d' ' -f1 acked | tr '\n' ' ')"
verify_ok v.db "$N"
am_pw 0 list v.db --as custodian.id --json
while read -r seq marker; do
	grep -qE "^\{?\"seq\":$seq,.*\"title\":\"marker $marker\"" "$OUT" ||
		fail "entry $seq does not hold the title 'marker $marker' its writer sealed"
	pass
done <acked
# the custodian reads one writer's content back byte for byte
seq4=$(grep ' w1-4$' acked | cut -d' ' -f1)
am_pw 0 extract v.db "$seq4" --as custodian.id --purpose "concurrency test" -o big.got
expect_same_file big.bin big.got
seq1=$(grep ' w3-1$' acked | cut -d' ' -f1)
am_pw 0 extract v.db "$seq1" --as custodian.id --purpose "concurrency test" -o w3-1.got
expect_same_file w3-1.txt w3-1.got
# no fork: the vault extends what every pin state used here recorded
for s in "$XDG_STATE_HOME" "$T/.state-w3" "$T/.state-w4" "$T/.state-r"; do
	XDG_STATE_HOME=$s expect_exit 0 "$AMANAT" verify v.db --quick
done

# a writer held up by another's write lock waits, says so once, and succeeds
printf 'W-0099 (fictional): sealed after a wait.\n' >late.txt
n=$(entry_count v.db) # the custodian's readings were recorded too
timeout 30 "$SQLITE3" v.db "BEGIN IMMEDIATE;" "SELECT count(*) FROM entries;" ".shell sleep 3" "COMMIT;" >/dev/null &
holder=$!
sleep 0.5
seal_as officer v.db late.txt
expect_stderr_contains "waiting for another amanat to finish writing v.db..."
expect_eq "waiting lines" 1 "$(grep -c 'waiting for another amanat' "$ERR")"
wait $holder
expect_eq "the entry sealed after the wait" "$n" "$SEQ"
# a reader held up by a writer committing (an exclusive lock) waits too
timeout 30 "$SQLITE3" v.db "BEGIN EXCLUSIVE;" "SELECT count(*) FROM entries;" ".shell sleep 3" "COMMIT;" >/dev/null &
holder=$!
sleep 0.5
am 0 verify v.db
expect_stderr_contains "waiting for another amanat to finish writing v.db..."
wait $holder
verify_ok v.db $((n + 1))
finish
