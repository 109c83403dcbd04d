#!/bin/bash
# transparency_resume.sh — `verify --max-seconds N --resume FILE`: a long
# verification stops early, records where (a trusted size and root) in FILE,
# goes on from there next time, and removes FILE when it completes; the final
# tree equals a plain verify's.  Resume points that do not match the vault
# are refused.
#
# Sealing costs ~0.7 s an entry (Argon2 and fsync), so 300 seals would take
# minutes, and a few dozen entries verify in far less than the 1 s minimum of
# --max-seconds.  To make every run stop early deterministically, the
# multi-run part runs amanat with a preloaded clock_gettime that advances
# CLOCK_MONOTONIC by FAKECLOCK_STEP_MS per call (skipped if there is no C
# compiler).  Resume files are also made by hand from stored checkpoints.
. "$(dirname "$0")/lib.sh"

DEMO_PASS=demo-only-passphrase
demo_pw() { # CODE ARGS...: amanat with the demo's passphrase
	local want=$1
	shift
	AMANAT_PASSPHRASE="$DEMO_PASS" expect_exit "$want" "$AMANAT" "$@"
}

# ---- a vault of many entries of every kind ---------------------------------------
am 0 demo d
V=d/demo.amn
K=d/keys
printf 'Fictional testimony for the resume test.\n' >t.txt
for i in 1 2 3 4 5; do
	demo_pw 0 seal "$V" --as "$K/officer-demo.id" --type testimony --case DEMO-R --title "r$i" t.txt
done
make_id officer2
demo_pw 0 enroll "$V" officer2.pub --role officer --as "$K/admin-demo.id"
for i in 1 2 3 4; do
	am_pw 0 seal "$V" --as officer2.id --type document --case DEMO-R t.txt
done
demo_pw 0 revoke "$V" officer2.pub --as "$K/admin-demo.id"
for i in 1 2 3; do
	demo_pw 0 seal "$V" --as "$K/officer-demo.id" --type case --case DEMO-R t.txt
done
demo_pw 0 list "$V" --as "$K/custodian-demo.id" # a custody entry
N=$(entry_count "$V")
[ "$N" -ge 20 ] || fail "only $N entries"
pass
am 0 verify "$V" --json
ROOT=$(json_str root)
ORIGIN=$(json_str origin)
expect_eq "plain verify entries" "$N" "$(json_num entries_checked)"

# json_bool KEY: true/false after "KEY": in $OUT
json_bool() {
	grep -oE "\"$1\":(true|false)" "$OUT" | head -n 1 | cut -d: -f2
}

# resume_until_done FILE MAXRUNS [PREFIX...]: run `PREFIX amanat verify --max-seconds 1
# --resume FILE --json` until it completes; checks that each run goes on
# exactly where the last one stopped, that FILE exists exactly while the
# work is incomplete, and that the final tree is the plain verify's.  Sets RUNS.
resume_until_done() {
	local f=$1 max=$2 from=0 complete=false checked
	shift 2
	RUNS=0
	while [ "$complete" != true ]; do
		RUNS=$((RUNS + 1))
		[ "$RUNS" -le "$max" ] || fail "verification did not complete in $max runs"
		expect_exit 0 "$@" "$AMANAT" verify "$V" --max-seconds 1 --resume "$f" --json
		expect_eq "run $RUNS starts where the last stopped" "$from" "$(json_num from)"
		checked=$(json_num entries_checked)
		complete=$(json_bool complete)
		if [ "$complete" = true ]; then
			expect_file_absent "$f"
			expect_eq "entries in the last run" "$N" "$((from + checked))"
			expect_eq "final size" "$N" "$(json_num size)"
			expect_eq "final root" "$ROOT" "$(json_str root)"
		else
			[ "$checked" -ge 1 ] || fail "run $RUNS made no progress"
			[ -f "$f" ] || fail "run $RUNS stopped early but left no $f"
			expect_mode "$f" 600
			grep -q "^$ORIGIN $((from + checked)) " "$f" || fail "$f does not record $((from + checked)): $(cat "$f")"
			pass
			from=$((from + checked))
		fi
	done
}

# ---- in real time: a small vault completes in one run and leaves no file -------------
resume_until_done real.resume 20
am 0 verify "$V" --max-seconds 1 --resume real.resume
expect_file_absent real.resume

# ---- many runs, with a clock that runs fast --------------------------------------------
CC=$(command -v cc || command -v gcc || true)
if [ -n "$CC" ]; then
	cat >fakeclock.c <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

/* CLOCK_MONOTONIC advances FAKECLOCK_STEP_MS more at every call. */
int clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);
	static long long calls;
	int r;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "clock_gettime");
	r = real(id, ts);
	if (r == 0 && id == CLOCK_MONOTONIC) {
		const char *s = getenv("FAKECLOCK_STEP_MS");
		long long add = (++calls) * (s ? atoll(s) : 300);
		ts->tv_sec += add / 1000;
		ts->tv_nsec += (add % 1000) * 1000000;
		if (ts->tv_nsec >= 1000000000) {
			ts->tv_sec++;
			ts->tv_nsec -= 1000000000;
		}
	}
	return r;
}
EOF
	"$CC" -shared -fPIC -O2 -o fakeclock.so fakeclock.c -ldl 2>cc.err || fail "cannot build fakeclock.so: $(cat cc.err)"
	pass
	# a sanitizer runtime wants to come first; let the preload go ahead of it
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	resume_until_done fast.resume 200 env LD_PRELOAD="$PWD/fakeclock.so" FAKECLOCK_STEP_MS=350
	[ "$RUNS" -ge 3 ] || fail "the fast clock made only $RUNS runs"
	pass
	echo "note [$TEST_NAME]: $N entries verified in $RUNS runs" >&2
	# the human-readable form says it stopped early
	expect_exit 0 env LD_PRELOAD="$PWD/fakeclock.so" FAKECLOCK_STEP_MS=350 \
		"$AMANAT" verify "$V" --max-seconds 1 --resume text.resume
	expect_stdout_contains "incomplete: "
	expect_stdout_contains "run again with the same --resume"
	[ -f text.resume ] || fail "no text.resume"
	pass
	# new entries sealed between runs are verified too
	demo_pw 0 seal "$V" --as "$K/officer-demo.id" --type testimony --case DEMO-R t.txt
	am 0 verify "$V" --max-seconds 60 --resume text.resume --json
	expect_eq "complete after a seal" true "$(json_bool complete)"
	expect_eq "size after a seal" $((N + 1)) "$(json_num size)"
	expect_file_absent text.resume
	# a partial run, then the vault tampered after the resume point: caught
	cp "$V" tampered.amn
	expect_exit 0 env LD_PRELOAD="$PWD/fakeclock.so" FAKECLOCK_STEP_MS=350 \
		"$AMANAT" verify tampered.amn --max-seconds 1 --resume tamper.resume --json
	stop=$(json_num size)
	[ "$stop" -lt "$N" ] || fail "the partial run did not stop early"
	drop_triggers tampered.amn
	flip_byte tampered.amn entries sig "seq = $((N - 1))" 5
	am 1 verify tampered.amn --max-seconds 60 --resume tamper.resume
	expect_stderr_contains "entry $((N - 1))"
	[ -f tamper.resume ] || fail "a failed run removed its resume point"
	pass
	# ... or rolled back under the resume point: caught
	cp tampered.amn rb.amn
	sq rb.amn "DELETE FROM chunks WHERE seq >= 6; DELETE FROM entries WHERE seq >= 6;
		DELETE FROM tree WHERE ((idx + 1) << level) > 6; DELETE FROM checkpoints WHERE size > 6"
	cp tamper.resume rb.resume
	if [ "$stop" -gt 6 ]; then
		am 1 verify rb.amn --max-seconds 60 --resume rb.resume
		expect_stderr_contains "rolled back or truncated"
	fi
else
	echo "note [$TEST_NAME]: no C compiler; skipping the multi-run part" >&2
fi

# ---- resume points made by hand --------------------------------------------------------
N=$(entry_count "$V")
am 0 verify "$V" --json
ROOT=$(json_str root)
# root_at K: the base64 root of the stored checkpoint of K entries
root_at() {
	am 0 consistency "$V" 0 "$1"
	awk 'found && ++n == 3 { print } /^$/ && !found { found = 1 }' "$OUT"
}
for k in 1 4 9 $((N - 1)) "$N"; do
	printf '# made by hand\n%s %s %s\n' "$ORIGIN" "$k" "$(root_at "$k")" >hand.resume
	am 0 verify "$V" --max-seconds 60 --resume hand.resume --json
	expect_eq "from (hand, $k)" "$k" "$(json_num from)"
	expect_eq "entries checked (hand, $k)" $((N - k)) "$(json_num entries_checked)"
	expect_eq "root (hand, $k)" "$ROOT" "$(json_str root)"
	expect_file_absent hand.resume
done
# a resume point with the root of another size, a size beyond the vault,
# another vault's origin, a damaged file: refused, and the file is kept
printf '%s %s %s\n' "$ORIGIN" 9 "$(root_at 8)" >wrong.resume
am 1 verify "$V" --max-seconds 60 --resume wrong.resume
[ -f wrong.resume ] || fail "wrong.resume was removed"
pass
printf '%s %s %s\n' "$ORIGIN" $((N + 5)) "$(root_at "$N")" >wrong.resume
am 1 verify "$V" --max-seconds 60 --resume wrong.resume
printf '%s %s %s\n' "amanat/00000000000000000000000000000000" 4 "$(root_at 4)" >other.resume
am 2 verify "$V" --max-seconds 60 --resume other.resume
printf 'garbage\n' >damaged.resume
am 2 verify "$V" --max-seconds 60 --resume damaged.resume
# usage
am 2 verify "$V" --max-seconds 1
am 2 verify "$V" --max-seconds 0 --resume x.resume
am 2 verify "$V" --max-seconds -1 --resume x.resume
am 2 verify "$V" --max-seconds abc --resume x.resume
expect_file_absent x.resume

finish
