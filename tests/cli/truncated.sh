#!/usr/bin/env bash
# truncated.sh — a copy of a vault cut short, or with a page damaged, is
# reported for what it is: verify (every tier, and --json) checks the entries
# it can still read, in order, then names the first one it cannot read, or
# says the file is cut short (N of M pages), and exits 1.  Never 0, never a
# crash, never SQLite's bare "malformed" with exit 2.
#
# Only a cut that takes the database header's identity with it (the first 72
# bytes: SQLite's magic, page size, user_version at 60 and application_id at
# 68) leaves a file that is no longer recognisable as a vault: exit 2.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || { echo "SKIP [$TEST_NAME]: python3 is needed to check JSON"; exit 0; }

make_vault v.db
# ~30 entries; some of several 1 MiB chunks, so the file spans many pages and
# entries, chunks, tree nodes and checkpoints are interleaved across it
head -c 2200000 /dev/urandom >big.bin
head -c 1050000 /dev/urandom >mid.bin
for i in $(seq 1 26); do
	if [ $i = 13 ]; then
		f=big.bin
	elif [ $((i % 8)) = 0 ]; then
		f=mid.bin
	else
		printf 'W-%04d (fictional): statement %d.\n' "$i" "$i" >s.txt
		f=s.txt
	fi
	seal_as officer v.db "$f" --title "fictional $i"
done
N=$((SEQ + 1))
verify_ok v.db "$N"
SIZE=$(stat -c %s v.db)
PS=$(sq v.db "PRAGMA page_size")
PAGES=$((SIZE / PS))
[ "$PAGES" -ge 40 ] || fail "the vault spans only $PAGES pages"

expect_stderr_not_contains() {
	if grep -qF -- "$1" "$ERR"; then
		echo "FAIL [$TEST_NAME]: stderr unexpectedly contains '$1'" >&2
		cat "$ERR" >&2
		exit 1
	fi
	pass
}

# check_cut OFFSET [--quick]: verify a copy cut at OFFSET, at the full tier
# with --json (stdout JSON, the finding on stderr) and, given, the quick tier
check_cut() {
	local off=$1
	shift
	head -c "$off" v.db >cut.db
	if [ "$off" -lt 72 ]; then
		am 2 verify cut.db
		expect_stderr_contains "is not an amanat vault"
		return
	fi
	if [ $# -gt 0 ]; then
		am 1 verify cut.db "$@"
		expect_stderr_contains "cut.db: entry "
		expect_stderr_contains "cut short"
	fi
	am 1 verify cut.db --json
	python3 -m json.tool "$OUT" >/dev/null || fail "verify --json of a copy cut at $off: not JSON: $(head -c 300 "$OUT")"
	expect_stdout_contains '"ok":false'
	expect_stdout_contains '"bad_entry":'
	expect_stdout_contains 'cut short'
	expect_stderr_contains "cut.db: entry "
	expect_stderr_not_contains "malformed"
}

# the header itself cut: not recognisable any more (exit 2)
for off in 0 1 50 71; do
	check_cut "$off"
done
# within the first page: the identity is there, everything else is lost
for off in 72 100 4096 $((PS - 1)); do
	check_cut "$off" --quick
done
# every page boundary, and a point inside every page (4 KiB steps, rotating)
for p in $(seq 1 $((PAGES - 1))); do
	check_cut $((p * PS)) --quick
	check_cut $((p * PS + 4096 * (p % (PS / 4096 - 1) + 1) + 17))
done
# one byte short: SQLite reads the missing byte as zero and would not notice
check_cut $((SIZE - 1)) --quick
expect_stderr_contains "cut short: $((PAGES - 1)) of $PAGES pages"
am 1 verify cut.db --quick --json
expect_eq "bad_entry of a copy one byte short, quick tier" "$N" "$(json_num bad_entry)"

# a cut in the middle: the entries before the cut are checked and counted
head -c $((SIZE / 2)) v.db >half.db
am 1 verify half.db --json
good=$(json_num entries_checked)
echo "[$TEST_NAME] a copy cut in half: $(cat "$ERR")"
bad=$(json_num bad_entry)
[ "$good" -ge 1 ] && [ "$good" -lt "$N" ] || fail "a copy cut in half: $good entries checked of $N"
expect_eq "the first entry not vouched for is the one after those checked" "$good" "$bad"
# a custodian's deep tier cannot record its reading in a cut copy: the
# public checks still say what is lost
am_pw 1 verify half.db --deep --as custodian.id
expect_stderr_contains "half.db: entry $bad: "
expect_stderr_contains "nothing is decrypted"
# and nothing is ever written to a cut copy
cp half.db half.orig
am_pw 2 seal half.db --as officer.id --type testimony --case C-1 s.txt
expect_stderr_contains "cut short"
am 1 list half.db
expect_same_file half.db half.orig

# a page zeroed inside an intact-length file: the entry it held is named
for p in 1 $((PAGES / 3)) $((PAGES / 2)) $((PAGES - 1)); do
	cp v.db dmg.db
	dd if=/dev/zero of=dmg.db bs="$PS" seek="$p" count=1 conv=notrunc status=none
	am 1 verify dmg.db
	expect_stderr_contains "dmg.db: entry "
	am 1 verify dmg.db --json
	python3 -m json.tool "$OUT" >/dev/null || fail "verify --json of page $p zeroed: not JSON"
	expect_stdout_contains '"ok":false'
done

# the original is untouched and still verifies
verify_ok v.db "$N"
finish
