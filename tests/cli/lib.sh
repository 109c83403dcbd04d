# lib.sh — shared helpers for the end-to-end tests in tests/cli/*.sh.
#
# Source it first thing:   . "$(dirname "$0")/lib.sh"
#
# It gives each script a fresh temporary directory (removed on exit) as the
# working directory, a fast Argon2id setting for identities, assertions that
# stop the script at the first failure with enough context to debug it, and
# builders for identities and a vault with an admin, a custodian, an officer
# and an auditor.  It needs AMANAT (the built binary); TESTS_DIR is optional.

set -u

if [ -z "${AMANAT:-}" ] || [ ! -x "${AMANAT}" ]; then
	echo "lib.sh: AMANAT must name the built amanat binary (got '${AMANAT:-}')" >&2
	exit 2
fi
case "$AMANAT" in
/*) ;;
*) AMANAT="$PWD/$AMANAT" ;;
esac
SQLITE3=${SQLITE3:-/usr/bin/sqlite3}
if [ ! -x "$SQLITE3" ]; then
	SQLITE3=$(command -v sqlite3 || true)
fi
if [ -z "$SQLITE3" ]; then
	echo "lib.sh: the sqlite3 shell is needed for these tests" >&2
	exit 2
fi

# the tests' own directory, and TESTS_DIR made absolute before we leave for $T
CLI_DIR=$(cd "$(dirname "$0")" && pwd)
case "${TESTS_DIR:-}" in
"" | /*) ;;
*) TESTS_DIR="$PWD/$TESTS_DIR" ;;
esac

TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/amanat-cli-$TEST_NAME.XXXXXX") || exit 2
trap 'cd /; rm -rf "$T"' EXIT
cd "$T" || exit 2
# nothing here may wait on a terminal or inherit a caller's passphrase
exec </dev/null
# what each person pinned (XDG state) stays in this test's directory
export XDG_STATE_HOME="$T/.state"
unset AMANAT_PASSPHRASE
export LC_ALL=C

PASS='correct horse battery staple'
# bound every command: a hang (say, a prompt on a terminal) is a failure
TIMEOUT=${AMANAT_TEST_TIMEOUT:-300}
CHECKS=0
OUT="$T/.out"
ERR="$T/.err"
START_SECONDS=$SECONDS

# ---- reporting ------------------------------------------------------------

fail() {
	echo "FAIL [$TEST_NAME]: $*" >&2
	exit 1
}

pass() {
	CHECKS=$((CHECKS + 1))
}

# Print the one-line summary; call at the end of every script.
finish() {
	echo "PASS [$TEST_NAME]: $CHECKS checks in $((SECONDS - START_SECONDS))s"
	exit 0
}

show_context() {
	echo "  command:  $*" >&2
	echo "  --- stdout (first 20 lines) ---" >&2
	head -n 20 "$OUT" >&2
	echo "  --- stderr (first 40 lines) ---" >&2
	head -n 40 "$ERR" >&2
}

# A sanitizer report is a failure whatever the exit code.
check_sanitizers() {
	if grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: LeakSanitizer' -e 'runtime error:' \
		-e 'ERROR: UndefinedBehaviorSanitizer' "$ERR"; then
		echo "FAIL [$TEST_NAME]: sanitizer report" >&2
		show_context "$@"
		exit 1
	fi
}

# expect_exit CODE CMD... — run CMD (stdout to $OUT, stderr to $ERR) and
# assert its exact exit code.  Redirections on the call apply to CMD.
expect_exit() {
	local want=$1 got
	shift
	timeout -k 5 "$TIMEOUT" "$@" >"$OUT" 2>"$ERR"
	got=$?
	check_sanitizers "$@"
	if [ "$got" != "$want" ]; then
		echo "FAIL [$TEST_NAME]: expected exit $want, got $got" >&2
		show_context "$@"
		exit 1
	fi
	pass
}

# expect_exit_in "CODE..." CMD... — like expect_exit, for any of the codes.
expect_exit_in() {
	local codes=$1 want=" $1 " got
	shift
	timeout -k 5 "$TIMEOUT" "$@" >"$OUT" 2>"$ERR"
	got=$?
	check_sanitizers "$@"
	if [ "${want/ $got /}" = "$want" ]; then
		echo "FAIL [$TEST_NAME]: expected exit in {$codes}, got $got" >&2
		show_context "$@"
		exit 1
	fi
	pass
}

# expect_nonzero CMD... — CMD must fail (any exit code but 0; a timeout, 124
# or above 128 — a signal — is not a failure of the kind wanted).
expect_nonzero() {
	local got
	timeout -k 5 "$TIMEOUT" "$@" >"$OUT" 2>"$ERR"
	got=$?
	check_sanitizers "$@"
	if [ "$got" = 0 ] || [ "$got" = 124 ] || [ "$got" -gt 128 ]; then
		echo "FAIL [$TEST_NAME]: expected a failure exit code, got $got" >&2
		show_context "$@"
		exit 1
	fi
	pass
}

# no_tty CODE ARGS... — amanat with no terminal to fall back on: setsid
# detaches it from any controlling terminal, so /dev/tty cannot be opened
# even when the tests are run from one.
no_tty() {
	local want=$1
	shift
	if command -v setsid >/dev/null 2>&1; then
		expect_exit "$want" setsid -w "$AMANAT" "$@"
	else
		expect_exit "$want" "$AMANAT" "$@"
	fi
}

# am CODE ARGS... — expect_exit for the amanat binary.
am() {
	local want=$1
	shift
	expect_exit "$want" "$AMANAT" "$@"
}

# am_pw CODE ARGS... — the same with the test passphrase in AMANAT_PASSPHRASE.
am_pw() {
	local want=$1
	shift
	AMANAT_PASSPHRASE="$PASS" expect_exit "$want" "$AMANAT" "$@"
}

expect_stderr_contains() {
	if ! grep -qF -- "$1" "$ERR"; then
		echo "FAIL [$TEST_NAME]: stderr does not contain '$1'" >&2
		echo "  --- stderr ---" >&2
		cat "$ERR" >&2
		exit 1
	fi
	pass
}

expect_stdout_contains() {
	if ! grep -qF -- "$1" "$OUT"; then
		echo "FAIL [$TEST_NAME]: stdout does not contain '$1'" >&2
		echo "  --- stdout (first 40 lines) ---" >&2
		head -n 40 "$OUT" >&2
		exit 1
	fi
	pass
}

expect_stdout_not_contains() {
	if grep -qF -- "$1" "$OUT"; then
		echo "FAIL [$TEST_NAME]: stdout unexpectedly contains '$1'" >&2
		head -n 40 "$OUT" >&2
		exit 1
	fi
	pass
}

# expect_stdout_matches ERE — some line of stdout matches the extended regex.
expect_stdout_matches() {
	if ! grep -qE -- "$1" "$OUT"; then
		echo "FAIL [$TEST_NAME]: no stdout line matches /$1/" >&2
		echo "  --- stdout (first 40 lines) ---" >&2
		head -n 40 "$OUT" >&2
		exit 1
	fi
	pass
}

# expect_stdout_is TEXT — stdout is exactly TEXT plus one newline.
expect_stdout_is() {
	local got
	got=$(cat "$OUT"; echo x)
	got=${got%x}
	if [ "$got" != "$1"$'\n' ]; then
		echo "FAIL [$TEST_NAME]: stdout is not exactly '$1'" >&2
		echo "  --- stdout ---" >&2
		od -c "$OUT" | head -n 10 >&2
		exit 1
	fi
	pass
}

expect_eq() { # WHAT EXPECTED ACTUAL
	if [ "$2" != "$3" ]; then
		fail "$1: expected '$2', got '$3'"
	fi
	pass
}

expect_file_absent() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		fail "$1 exists but should not"
	fi
	pass
}

expect_same_file() { # A B
	if ! cmp -s -- "$1" "$2"; then
		fail "$1 and $2 differ ($(cmp -- "$1" "$2" 2>&1 | head -n 1))"
	fi
	pass
}

expect_mode() { # FILE MODE(octal, e.g. 600)
	local m
	m=$(stat -c %a -- "$1") || fail "cannot stat $1"
	expect_eq "mode of $1" "$2" "$m"
}

# No temporary file from an aborted extract may be left in DIR.
expect_no_tmp_files() {
	local left
	left=$(find "$1" -maxdepth 1 -name '.amanat-tmp-*' | head -n 1)
	[ -z "$left" ] || fail "a temporary file was left behind: $left"
	pass
}

# ---- JSON without jq ------------------------------------------------------

# json_num KEY — the number after "KEY": in $OUT (first occurrence).
json_num() {
	grep -oE "\"$1\":[0-9]+" "$OUT" | head -n 1 | cut -d: -f2
}

# json_str KEY — the string after "KEY": in $OUT (first; no escapes handled).
json_str() {
	grep -oE "\"$1\":\"[^\"]*\"" "$OUT" | head -n 1 | sed -E 's/^"[^"]*":"(.*)"$/\1/'
}

# json_first KEY... — the value of the first KEY present in $OUT (number or
# string), so that tests survive a renamed field ("entries" -> "size").
json_first() {
	local k v
	for k in "$@"; do
		v=$(json_num "$k")
		[ -n "$v" ] || v=$(json_str "$k")
		if [ -n "$v" ]; then
			echo "$v"
			return 0
		fi
	done
}

# ---- verification -----------------------------------------------------------

# verify_ok DB [N] — verify exits 0, its JSON says "ok":true and (given N)
# that the log holds N entries.
verify_ok() {
	am 0 verify "$1" --json
	expect_stdout_contains '"ok":true'
	expect_stdout_not_contains '"bad_entry"'
	if [ $# -ge 2 ]; then
		expect_eq "entries in $1 per verify --json" "$2" "$(json_first size entries)"
	fi
}

# expect_verify_fails DB SEQ [REASON] — verify exits 1 naming entry SEQ (and
# REASON) on stderr; verify --json says "ok":false and "bad_entry":SEQ.
expect_verify_fails() {
	local db=$1 seq=$2 reason=${3:-}
	am 1 verify "$db"
	expect_stderr_contains "$db: entry $seq: "
	[ -z "$reason" ] || expect_stderr_contains "$reason"
	expect_stdout_not_contains "ok:"
	am 1 verify "$db" --json
	expect_stdout_contains '"ok":false'
	expect_eq "bad_entry of $db" "$seq" "$(json_num bad_entry)"
}

# ---- identities and vaults ------------------------------------------------

# make_id NAME — NAME.id / NAME.pub in the current directory (cheap KDF).
make_id() {
	if [ -e "$1.id" ]; then
		return 0
	fi
	am_pw 0 id new "$1" --kdf interactive
	[ -f "$1.id" ] && [ -f "$1.pub" ] || fail "id new $1 made no files"
}

# make_vault VAULT — identities admin, custodian, officer, auditor (made once
# per script) and a vault with them: entry 0 genesis (admin), 1 custodian,
# 2 officer, 3 auditor.
make_vault() {
	make_id admin
	make_id custodian
	make_id officer
	make_id auditor
	am_pw 0 init "$1" --as admin.id --recipient custodian.pub
	am_pw 0 enroll "$1" officer.pub --role officer --as admin.id
	expect_stdout_is 2
	am_pw 0 enroll "$1" auditor.pub --role auditor --as admin.id
	expect_stdout_is 3
}

# seal_as WHO VAULT FILE [ARGS...] — WHO.id seals FILE (a testimony of case
# C-TEST unless ARGS say otherwise); sets SEQ to the new entry's number.
# (A global rather than $(...): a failure in a subshell would not stop us.)
seal_as() {
	local who=$1 v=$2 f=$3
	shift 3
	am_pw 0 seal "$v" --as "$who.id" --type testimony --case C-TEST "$@" "$f"
	SEQ=$(cat "$OUT")
	[[ $SEQ =~ ^[0-9]+$ ]] || fail "seal printed '$SEQ', not an entry number"
}

# forget_pins — forget what every identity here pinned (XDG state), for
# tests that put an older or different copy of a vault back in place on
# purpose: amanat would otherwise (rightly) refuse it as rolled back or forked.
forget_pins() {
	rm -rf "$XDG_STATE_HOME"
}

# on_laptop NAME CMD... — run CMD as if on another machine NAME, with pins of
# its own: for tests that let copies of one vault grow apart on purpose (a
# fork made by members on two laptops, a copy put back by an attacker and then
# used by someone who never saw the vault).  On one machine amanat refuses them.
on_laptop() {
	local saved=$XDG_STATE_HOME rc
	export XDG_STATE_HOME="$T/.state-$1"
	shift
	"$@"
	rc=$?
	export XDG_STATE_HOME="$saved"
	return $rc
}

# fresh_eyes CMD... — CMD by someone who never saw any vault before.
fresh_eyes() {
	rm -rf "$T/.state-fresh"
	on_laptop fresh "$@"
}

# elsewhere CMD... — on_laptop elsewhere CMD...
elsewhere() {
	on_laptop elsewhere "$@"
}

# seal_as_fails WHO VAULT FILE — a seal refused because VAULT does not
# extend what WHO's machine trusted (exit 1), leaving VAULT as it was.
seal_as_fails() {
	local who=$1 v=$2 f=$3 before
	before=$(sq "$v" "SELECT count(*) FROM entries")
	am_pw 1 seal "$v" --as "$who.id" --type testimony --case C-TEST "$f"
	expect_eq "entries of $v after a refused seal" "$before" "$(sq "$v" "SELECT count(*) FROM entries")"
}

# amv_ok ARGS — the independent verifier, tests/python/amverify.py, run by the
# Debian python3 with the test passphrase in AMANAT_PASSPHRASE; fail unless it succeeds
amv_ok() {
	AMANAT_PASSPHRASE="$PASS" /usr/bin/python3 "${TESTS_DIR:-$CLI_DIR/..}/python/amverify.py" \
		"$@" >"$OUT" 2>"$ERR" || fail "amverify.py $1: $(cat "$OUT" "$ERR")"
}

# need_forge — the attacker's tools and the independent verifier: TESTS (the
# tests directory), FORGE (tests/python/forge.py), AMV (amverify.py) and PY
# (the Debian python3, with PyNaCl); fail if any is missing.  Call it before
# any cd: without TESTS_DIR it finds the tests from the script's own path.
need_forge() {
	TESTS=${TESTS_DIR:-}
	if [ -z "$TESTS" ]; then
		case "$0" in
		/*) TESTS=$(dirname "$(dirname "$0")") ;;
		*) TESTS=$(dirname "$(dirname "$OLDPWD/$0")") ;;
		esac
	fi
	FORGE="$TESTS/python/forge.py"
	AMV="$TESTS/python/amverify.py"
	PY=/usr/bin/python3
	[ -f "$FORGE" ] || fail "forge.py not found at $FORGE (set TESTS_DIR)"
	"$PY" -c 'import nacl.signing' 2>/dev/null || fail "$PY cannot import nacl (apt-get install python3-nacl)"
}

# need_bagit — what the bundle tests check bags with: PY (the Debian python3)
# and VALIDATE (tests/bagit/validate_bag.py), and unzip; fail if any is missing
need_bagit() {
	VALIDATE="${TESTS_DIR:-$CLI_DIR/..}/bagit/validate_bag.py"
	PY=/usr/bin/python3
	[ -x "$PY" ] || fail "$PY is needed (the Debian python3, not a pyenv one)"
	[ -f "$VALIDATE" ] || fail "cannot find the BagIt validator at $VALIDATE"
	command -v unzip >/dev/null 2>&1 || fail "unzip is not installed: run tools/deps.sh"
}

# make_slow_read_shim — build slow.so here: an LD_PRELOAD under which every
# read of 64 KiB or more (the sealer's reads) first waits SLOW_READ_US
# microseconds, so that a test can signal a seal part way.  Needs cc.
make_slow_read_shim() {
	cat >slow.c <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>
ssize_t read(int fd, void *buf, size_t n)
{
	static ssize_t (*real)(int, void *, size_t);
	const char *us = getenv("SLOW_READ_US");
	if (real == NULL)
		real = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	if (n >= 65536 && us != NULL)
		usleep((useconds_t)atoi(us));
	return real(fd, buf, n);
}
C
	cc -shared -fPIC -O1 -o slow.so slow.c -ldl || fail "cannot build the slow-read shim"
}

# make_slow_sync_shim — build slowsync.so here: an LD_PRELOAD under which
# every fsync(2) and fdatasync(2) (each durable commit) first waits
# SLOW_SYNC_US microseconds, so that a test can signal a run of commits part
# way however fast the machine.  Needs cc.  SLOWSYNC is the env prefix to run
# a command under it (ASan must be told a shim loads before its runtime).
make_slow_sync_shim() {
	cat >slowsync.c <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>
static void wait_first(void)
{
	const char *us = getenv("SLOW_SYNC_US");
	if (us != NULL)
		usleep((useconds_t)atoi(us));
}
int fsync(int fd)
{
	static int (*real)(int);
	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	wait_first();
	return real(fd);
}
int fdatasync(int fd)
{
	static int (*real)(int);
	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	wait_first();
	return real(fd);
}
C
	cc -shared -fPIC -O1 -o slowsync.so slowsync.c -ldl || fail "cannot build the slow-sync shim"
	SLOWSYNC=(env SLOW_SYNC_US="${1:-150000}" LD_PRELOAD="$T/slowsync.so"
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
}

# ---- SQLite -----------------------------------------------------------------

sq() { # DB SQL — run SQL with the sqlite3 shell; fail the test if it fails
	"$SQLITE3" -batch "$1" "$2" || fail "sqlite3 $1 \"$2\" failed"
}

entry_count() {
	sq "$1" "SELECT count(*) FROM entries"
}

# drop_triggers DB — as an attacker with write access would.
drop_triggers() {
	local db=$1 sql
	sql=$(sq "$db" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type = 'trigger'")
	[ -n "$sql" ] || fail "$db has no triggers to drop"
	sq "$db" "$sql"
	expect_eq "triggers left in $db" 0 "$(sq "$db" "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")"
}

# flip_byte DB TABLE COLUMN WHERE POS — xor 0x01 into byte POS (1-based) of
# a blob; checks that exactly that byte changed and the length did not.
flip_byte() {
	local db=$1 tab=$2 col=$3 where=$4 pos=$5 before after old new
	before=$(sq "$db" "SELECT hex($col) FROM $tab WHERE $where")
	[ -n "$before" ] || fail "flip_byte: no $tab.$col where $where"
	[ "$pos" -ge 1 ] && [ "$pos" -le $((${#before} / 2)) ] ||
		fail "flip_byte: position $pos outside 1..$((${#before} / 2))"
	old=${before:$(((pos - 1) * 2)):2}
	new=$(printf '%02X' $((0x$old ^ 0x01)))
	sq "$db" "UPDATE $tab SET $col = CAST(substr(CAST($col AS BLOB), 1, $((pos - 1))) || X'$new' || substr(CAST($col AS BLOB), $((pos + 1))) AS BLOB) WHERE $where"
	after=$(sq "$db" "SELECT hex($col) FROM $tab WHERE $where")
	[ "$after" = "${before:0:$(((pos - 1) * 2))}$new${before:$((pos * 2))}" ] ||
		fail "flip_byte: $tab.$col where $where is not the original with byte $pos flipped"
	pass
}
