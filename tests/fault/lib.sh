# lib.sh — helpers shared by tests/fault/*.sh (not a test itself).
#
# Source it first thing:   . "$(dirname "$0")/lib.sh"
#
# It gives each script a fresh scratch directory (removed on exit, with any
# tmpfs the script mounted there unmounted first), identities made with the
# fast Argon2id setting, and checks that count failures and carry on, so one
# run shows every problem: these scripts loop over kills and fault points,
# and a statistic at the end is worth more than the first failure alone.
# Needs AMANAT (the built binary).

set -u

if [ -z "${AMANAT:-}" ] || [ ! -x "${AMANAT}" ]; then
	echo "lib.sh: AMANAT must name the built amanat binary (got '${AMANAT:-}')" >&2
	exit 2
fi
case "$AMANAT" in
/*) ;;
*) AMANAT="$PWD/$AMANAT" ;;
esac

TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/amanat-fault-$TEST_NAME.XXXXXX") || exit 2
MOUNTS=()
cleanup() {
	local m
	cd /
	for m in "${MOUNTS[@]+"${MOUNTS[@]}"}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	if [ -n "${AMANAT_FAULT_KEEP:-}" ]; then
		echo "kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
cd "$T" || exit 2
exec </dev/null
# what each person pinned (XDG state) stays in this test's directory
export XDG_STATE_HOME="$T/.state"
export LC_ALL=C
# scripts read the passphrase from the environment, as the design allows
export AMANAT_PASSPHRASE='fictional fault-test passphrase'

CHECKS=0
FAILS=0
START_SECONDS=$SECONDS
OUT="$T/.out"
ERR="$T/.err"

# check DESCRIPTION COMMAND...: run COMMAND; count a failure (and say why) if it fails.
check() {
	local what=$1
	shift
	CHECKS=$((CHECKS + 1))
	if "$@"; then
		return 0
	fi
	FAILS=$((FAILS + 1))
	echo "FAIL [$TEST_NAME]: $what" >&2
	return 1
}

# note TEXT: a line of the report.
note() {
	echo "[$TEST_NAME] $*"
}

# skip TEXT: part of the test cannot run here; say so and carry on.
skip() {
	echo "SKIP [$TEST_NAME]: $*"
}

# finish: the summary line; exit 1 on any failure.
finish() {
	if [ "$FAILS" -ne 0 ]; then
		echo "FAIL [$TEST_NAME]: $FAILS of $CHECKS checks failed in $((SECONDS - START_SECONDS))s"
		exit 1
	fi
	echo "PASS [$TEST_NAME]: $CHECKS checks in $((SECONDS - START_SECONDS))s"
	exit 0
}

# run CMD...: run amanat with stdout in $OUT, stderr in $ERR; sets RC.
run() {
	timeout 600 "$AMANAT" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	check_sanitizers "$@"
	return 0
}

# A sanitizer report is a failure whatever the exit code.
check_sanitizers() {
	if grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error:' \
		-e 'ERROR: UndefinedBehaviorSanitizer' "$ERR" 2>/dev/null; then
		CHECKS=$((CHECKS + 1))
		FAILS=$((FAILS + 1))
		echo "FAIL [$TEST_NAME]: sanitizer report from: amanat $*" >&2
		head -n 30 "$ERR" >&2
	fi
}

show_err() {
	sed 's/^/    stderr: /' "$ERR" >&2
}

# failed_with FILE: print FILE as the reason and fail.
failed_with() {
	sed 's/^/    /' "$1" >&2
	return 1
}

# rc_is WANT: the last run exited WANT (prints what happened otherwise).
rc_is() {
	if [ "$RC" -eq "$1" ]; then
		return 0
	fi
	echo "    exit code $RC, expected $1" >&2
	show_err
	return 1
}

# one_message_naming TEXT...: stderr holds exactly one line, starting "amanat: ",
# and it contains every TEXT.
one_message_naming() {
	local n t
	n=$(grep -c . "$ERR")
	if [ "$n" -ne 1 ] || ! grep -q '^amanat: ' "$ERR"; then
		echo "    expected one 'amanat: ...' line on stderr, got $n lines:" >&2
		show_err
		return 1
	fi
	for t in "$@"; do
		if ! grep -qF -- "$t" "$ERR"; then
			echo "    the message does not mention '$t':" >&2
			show_err
			return 1
		fi
	done
	return 0
}

# make_ids: admin, officer and custodian identities in $T/keys.
make_ids() {
	local n
	mkdir -p "$T/keys"
	for n in admin officer custodian; do
		if ! "$AMANAT" id new "$n" --dir "$T/keys" --kdf interactive >/dev/null 2>"$ERR"; then
			echo "lib.sh: cannot make identity $n" >&2
			show_err
			exit 2
		fi
	done
}

# make_vault PATH: a vault with the custodian as recipient and the officer enrolled.
make_vault() {
	if ! "$AMANAT" init "$1" --as "$T/keys/admin.id" --recipient "$T/keys/custodian.pub" \
		>/dev/null 2>"$ERR" ||
		! "$AMANAT" enroll "$1" "$T/keys/officer.pub" --role officer --as "$T/keys/admin.id" \
			>/dev/null 2>"$ERR"; then
		echo "lib.sh: cannot make the vault $1" >&2
		show_err
		exit 2
	fi
}

# seal VAULT FILE [CASE]: seal as the officer (sets RC, OUT, ERR).
seal() {
	run seal "$1" --as "$T/keys/officer.id" --type document --case "${3:-FT-0001}" \
		--title "fictional fault-test document" "$2"
}

# count VAULT: print the number of entries (from 'amanat list --json'), or
# nothing and status 1 when the vault cannot be listed.
count() {
	local n
	if ! timeout 600 "$AMANAT" list "$1" --json >"$T/.list" 2>"$T/.list-err"; then
		return 1
	fi
	n=$(grep -c '"seq":' "$T/.list")
	echo "$n"
}

# verify_ok VAULT: 'amanat verify' exits 0.
verify_ok() {
	run verify "$1"
	rc_is 0
}

# is_hot_journal FILE: FILE is a journal SQLite would roll back (non-empty,
# first byte not zero; SQLite writes the magic only once the records are synced).
is_hot_journal() {
	[ -s "$1" ] && [ "$(head -c 1 "$1" | od -An -tx1 | tr -d ' \n')" != "00" ]
}

# no_hot_journal VAULT: no journal SQLite would roll back is left beside the
# vault (a cold one is harmless and allowed).
no_hot_journal() {
	if is_hot_journal "$1-journal"; then
		echo "    a hot journal was left beside the vault: $1-journal ($(stat -c %s "$1-journal") bytes)" >&2
		return 1
	fi
	return 0
}

# same_file A B: byte-identical.
same_file() {
	cmp -s "$1" "$2" || {
		echo "    $1 differs from $2" >&2
		return 1
	}
}

# eq A B: numbers equal (with a note when not).
eq() {
	[ "$1" = "$2" ] || {
		echo "    got '$1', expected '$2'" >&2
		return 1
	}
}

# nothing_left_in DIR: DIR is empty — no output, and no temporary file
# however it is named (".amanat-tmp-*" or anything else).
nothing_left_in() {
	local left
	left=$(find "$1" -mindepth 1 -maxdepth 1 | head -n 5)
	if [ -n "$left" ]; then
		echo "    left behind in $1: $left" >&2
		return 1
	fi
	return 0
}

# can_mount: running as root and allowed to mount a tmpfs here.
can_mount() {
	local probe="$T/.mount-probe"
	[ "$(id -u)" -eq 0 ] || return 1
	mkdir -p "$probe"
	if mount -t tmpfs -o size=1m tmpfs "$probe" 2>/dev/null; then
		umount "$probe"
		rmdir "$probe"
		return 0
	fi
	rmdir "$probe"
	return 1
}

# mount_tmpfs DIR SIZE: a small tmpfs at DIR, unmounted on exit.
mount_tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0700" tmpfs "$1" || return 1
	MOUNTS+=("$1")
}

# Milliseconds since the epoch.
now_ms() {
	local ns
	ns=$(date +%s%N)
	echo $((ns / 1000000))
}
