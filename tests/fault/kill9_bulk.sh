#!/usr/bin/env bash
# kill9_bulk.sh — kill -9 'amanat seal --recursive' at moments spread over a
# whole run and check group commit keeps its promises (issue 10):
#   - 'amanat verify' (read-only) exits 0 after every kill;
#   - every sequence number the run printed is in the vault, for the file it
#     was printed for (the entries form a prefix of the run: whole batches);
#   - the entries that were added are whole (verify checks every chunk);
#   - a following seal succeeds and adds exactly one entry.
# The tree: 300 records of 1 KiB, with two 20 MiB files among them (each
# sealed in a batch of its own), so a run makes several batches and COMMITs.
#
# Environment: AMANAT (the binary); AMANAT_KILL9_ITER (default 12).
. "$(dirname "$0")/lib.sh"

ITER=${AMANAT_KILL9_ITER:-12}
V="$T/vault.amn"

make_ids
make_vault "$V"
mkdir -p "$T/tree/a" "$T/tree/b"
for i in $(seq -w 1 150); do
	head -c 1024 /dev/urandom >"$T/tree/a/r$i.bin"
	head -c 1024 /dev/urandom >"$T/tree/b/r$i.bin"
done
head -c $((20 * 1024 * 1024)) /dev/urandom >"$T/tree/a/zz-big.bin"
head -c $((20 * 1024 * 1024)) /dev/urandom >"$T/tree/b/zz-big.bin"
printf 'W-0042 (fictional): a short statement sealed after a kill.\n' >"$T/small.txt"
sync
FILES=302

bulk() { # VAULT: seal the tree, numbers to $T/bulk.out (exec: in the background, $! is amanat)
	exec "$AMANAT" seal "$1" --as "$T/keys/officer.id" --type document --case K9-BULK \
		--recursive "$T/tree" >"$T/bulk.out" 2>"$T/bulk.err"
}

# how long does a whole run take here?  On a copy, pinned apart.
cp "$V" "$T/calibrate.amn"
t0=$(now_ms)
(XDG_STATE_HOME="$T/.state-calibrate" bulk "$T/calibrate.amn")
crc=$?
t1=$(now_ms)
FULL_MS=$((t1 - t0))
check "a bulk seal of $FILES files works at all" test "$crc" -eq 0 || finish
check "it printed one line per file" test "$(grep -c . "$T/bulk.out")" -eq "$FILES"
rm -f "$T/calibrate.amn"
note "one bulk seal of $FILES files takes ${FULL_MS} ms; $ITER kills over 0..$((FULL_MS * 11 / 10)) ms"

n=$(count "$V") || n=""
check "the fresh vault lists genesis and two enrollments" test "$n" = 3 || finish
RANDOM=1010
partial=0
for i in $(seq 1 "$ITER"); do
	slot=$((FULL_MS * 11 / 10 / ITER))
	delay=$(((i - 1) * slot + RANDOM % (slot + 1)))
	(bulk "$V") &
	pid=$!
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# complete lines only: a kill may cut the last one short
	printed=$(grep -cE $'^[0-9]+\t' "$T/bulk.out")
	what="kill $i after ${delay} ms ($printed printed)"

	run verify "$V"
	check "$what: 'amanat verify' exits 0" rc_is 0
	after=$(count "$V") || after=0
	check "$what: every printed number is in the vault ($after entries, from $n)" \
		test "$after" -ge $((n + printed))
	check "$what: no more entries than files" test "$after" -le $((n + FILES))
	# the numbers printed are consecutive from n, in the order of the walk
	if [ "$printed" -gt 0 ]; then
		check "$what: the first printed number is $n" \
			test "$(head -n 1 "$T/bulk.out" | cut -f1)" = "$n"
		check "$what: the last printed number is $((n + printed - 1))" \
			test "$(grep -E $'^[0-9]+\t' "$T/bulk.out" | tail -n 1 | cut -f1)" = $((n + printed - 1))
	fi
	[ "$after" -gt "$n" ] && [ "$after" -lt $((n + FILES)) ] && partial=$((partial + 1))

	seal "$V" "$T/small.txt" "K9-$i"
	check "$what: a following small seal succeeds" rc_is 0
	final=$(count "$V") || final=""
	check "$what: the small seal added one entry" test "${final:-0}" -eq $((after + 1))
	note "kill $i at ${delay} ms: $printed printed; entries $n -> $after -> ${final:-?}"
	n=${final:-$((after + 1))}
done

run verify "$V"
check "the vault verifies at the end" rc_is 0
check "at least one kill left part of a run (some batches committed, not all)" \
	test "$partial" -gt 0
finish
