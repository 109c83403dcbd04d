#!/usr/bin/env bash
# kill9.sh — kill -9 'amanat seal' at random moments and check nothing is lost.
#
# One 64 MiB file of random bytes is sealed again and again, and each time the
# sealing process is killed with SIGKILL after a delay spread over the time a
# whole seal takes and a little more (so some kills land before the
# transaction, most inside it, a few after the commit or too late).
# After every kill:
#   - 'amanat verify' (read-only, as an auditor runs it) exits 0;
#   - the vault holds the entries it had before, or those plus the new one,
#     and the new one for certain if the killed seal had printed its number;
#   - a following seal of a small file succeeds and adds exactly one entry.
# The summary says how many kills landed mid-transaction (a journal was left
# beside the vault), and how many of those left a hot one (the database file
# itself was already being written, so recovery had to roll it back).
#
# Environment: AMANAT (the binary); AMANAT_KILL9_ITER (default 20);
# AMANAT_KILL9_MIB (size of the big file, default 64).
. "$(dirname "$0")/lib.sh"

ITER=${AMANAT_KILL9_ITER:-20}
MIB=${AMANAT_KILL9_MIB:-64}
V="$T/vault.amn"

make_ids
make_vault "$V"
head -c "$((MIB * 1024 * 1024))" /dev/urandom >"$T/big.bin"
printf 'W-0042 (fictional): a short statement sealed after a kill.\n' >"$T/small.txt"
# flush the input now, or the first seal's fsync pays for writing it out too
sync "$T/big.bin" 2>/dev/null || sync

# How long does one whole seal take here?  The faster of two (the first may
# pay for a cold cache), on a copy so that the vault does not grow.
FULL_MS=""
for _ in 1 2; do
	cp "$V" "$T/calibrate.amn"
	# a copy of the same vault grows apart from it: pinned in a state of its
	# own, forgotten each time the copy is made again
	rm -rf "$T/.state-calibrate"
	t0=$(now_ms)
	XDG_STATE_HOME="$T/.state-calibrate" seal "$T/calibrate.amn" "$T/big.bin" K9-CAL
	t1=$(now_ms)
	check "a seal of ${MIB} MiB works at all" rc_is 0 || finish
	rm -f "$T/calibrate.amn" "$T/calibrate.amn-journal"
	if [ -z "$FULL_MS" ] || [ $((t1 - t0)) -lt "$FULL_MS" ]; then
		FULL_MS=$((t1 - t0))
	fi
done
note "one seal of ${MIB} MiB takes ${FULL_MS} ms; $ITER kills spread over 0..$((FULL_MS * 12 / 10)) ms"

before_tx=0
mid_tx=0
mid_hot=0
after_commit=0
finished=0
RANDOM=4242 # reproducible delays

n=$(count "$V") || n=""
check "the fresh vault lists genesis and two enrollments" eq "$n" 3 || finish

for i in $(seq 1 "$ITER"); do
	# spread the kills over [0, 1.2 x a whole seal], with jitter
	slot=$((FULL_MS * 12 / 10 / ITER))
	delay=$(((i - 1) * slot + RANDOM % (slot + 1)))
	"$AMANAT" seal "$V" --as "$T/keys/officer.id" --type document --case "K9-$i" \
		--title "fictional kill test $i" "$T/big.bin" >"$T/seal.out" 2>"$T/seal.err" &
	pid=$!
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null # no "Killed" job notice
	src=$?
	# a printed number is an acknowledgement, even if the kill came before exit
	acked=""
	if grep -qE '^[0-9]+$' "$T/seal.out"; then
		acked=$(cat "$T/seal.out")
	fi
	journal=""
	hot=""
	if [ -s "$V-journal" ]; then
		journal=1 # the transaction had begun writing
	fi
	if is_hot_journal "$V-journal"; then
		hot=1 # ... and had begun to overwrite the database
	fi
	what="kill $i after ${delay} ms"

	# an auditor comes along first: read-only verify, then a read-only list
	run verify "$V"
	check "$what: 'amanat verify' exits 0 after the kill${hot:+ (hot journal present)}" rc_is 0
	after=$(count "$V") || after=""
	if [ -z "$after" ]; then
		check "$what: 'amanat list' works after the kill${hot:+ (hot journal present)}" \
			failed_with "$T/.list-err"
	else
		check "$what: $after entries, expected $n or $((n + 1))" \
			test "$after" -eq "$n" -o "$after" -eq $((n + 1))
		if [ -n "$acked" ]; then
			check "$what: the seal printed $acked, so entry $acked must be there" \
				test "$after" -eq $((n + 1))
		fi
	fi

	# then a sealer: a small seal must work and add exactly one entry
	run seal "$V" --as "$T/keys/officer.id" --type testimony --case "K9-$i" "$T/small.txt"
	check "$what: a following small seal succeeds" rc_is 0
	final=$(count "$V") || final=""
	if [ -n "$after" ]; then
		check "$what: the small seal added one entry" eq "$final" $((after + 1))
	else
		# the list above failed; judge the kill from the count after the small seal
		check "$what: $final entries after the small seal, expected $((n + 1)) or $((n + 2))" \
			test "${final:-0}" -eq $((n + 1)) -o "${final:-0}" -eq $((n + 2))
		after=$((${final:-0} - 1))
		if [ -n "$acked" ]; then
			check "$what: the seal printed $acked, so entry $acked must be there" \
				test "$after" -eq $((n + 1))
		fi
	fi

	if [ "$src" -eq 0 ]; then
		finished=$((finished + 1))
		landed="finished before the kill"
	elif [ -n "$hot" ]; then
		mid_tx=$((mid_tx + 1))
		mid_hot=$((mid_hot + 1))
		landed="mid-transaction (hot journal: the database file was being written)"
	elif [ -n "$journal" ]; then
		mid_tx=$((mid_tx + 1))
		landed="mid-transaction (journal not yet synced; database file untouched)"
	elif [ "$after" -eq $((n + 1)) ]; then
		after_commit=$((after_commit + 1))
		landed="after the commit, before exit"
	else
		before_tx=$((before_tx + 1))
		landed="before the transaction wrote anything"
	fi
	note "kill $i at ${delay} ms: $landed; entries $n -> $after -> ${final:-?}"
	n=${final:-$((after + 1))}
done

run verify "$V"
check "the vault verifies at the end" rc_is 0
note "summary: $ITER kills: $mid_tx mid-transaction ($mid_hot of them with a hot journal), $before_tx before the transaction, $after_commit after the commit, $finished too late (the seal had finished)"
check "at least one kill landed mid-transaction (the delays are calibrated for it)" \
	test "$mid_tx" -gt 0
check "at least one kill left a hot journal to roll back" test "$mid_hot" -gt 0
finish
