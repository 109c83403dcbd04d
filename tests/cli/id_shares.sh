#!/bin/bash
# id_shares.sh — amanat id split / id recover (docs/FORMAT.md §24a): every
# 3-subset of a 3-of-5 split restores the same keys, every 2-subset is
# refused; mixed identities, mixed splits and a share given twice are
# refused; each kind of damage to a share is named (the file, the line); the
# restored identity is one the vault still accepts; an independent reader
# (tests/python/amshare.py, written from FORMAT.md) rebuilds the same keys.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
AMSHARE="${TESTS_DIR:-$CLI_DIR/..}/python/amshare.py"
[ -x "$PY" ] || fail "$PY is needed (the Debian python3, with PyNaCl)"
NEW='a fresh and quite long recovery passphrase'
V="$T/v.amn"
make_vault "$V"
printf 'W-0042 (fictional): a statement sealed before the key was lost.\n' >w.txt
seal_as officer "$V" w.txt
SEALED=$SEQ
officer_kid=$("$AMANAT" id show officer.pub --json | grep -oE '"key_id":"[0-9a-f]+"' | cut -d'"' -f4)
[[ $officer_kid =~ ^[0-9a-f]{16}$ ]] || fail "no key id from id show officer.pub"
pass

# ---- split -------------------------------------------------------------------

# refused before any passphrase is asked or any file written
am 2 id split officer.id --shares 5
expect_stderr_contains "--shares N and --threshold K"
am 2 id split officer.id --shares 3 --threshold 4
expect_stderr_contains "more than --shares"
am 2 id split officer.id --shares 5 --threshold 1
expect_stderr_contains "from 2 to 255"
am 2 id split officer.id --shares 256 --threshold 2
am 2 id split officer.pub --shares 5 --threshold 3
expect_stderr_contains "officer.pub is a public key"
# (no passphrase is given here: these are refused before one is asked)
am 2 id split officer.id --shares 5 --threshold 3 --dir no-such-dir
expect_stderr_contains "no-such-dir is not a directory"
AMANAT_PASSPHRASE='not the passphrase at all' expect_exit 3 "$AMANAT" id split officer.id \
	--shares 5 --threshold 3
expect_file_absent officer.share-1

mkdir sh
am_pw 0 id split officer.id --shares 5 --threshold 3 --dir sh
expect_eq "stdout of split" "$(printf 'sh/officer.share-%s\n' 1 2 3 4 5)" "$(cat "$OUT")"
expect_stderr_contains "any 3 of them restore it"
for i in 1 2 3 4 5; do
	expect_mode "sh/officer.share-$i" 600
	head -n 1 "sh/officer.share-$i" | grep -qx 'amanat-share-v1' || fail "share $i has no header"
	grep -q "recovery share $i of 5 of the amanat identity officer" "sh/officer.share-$i" ||
		fail "share $i does not say which it is"
	if grep -qF "$PASS" "sh/officer.share-$i"; then fail "the passphrase is in share $i"; fi
	pass
done
# the lines that hold only share bytes (7 to 9, for a name of 7 letters) differ
# between shares; lines 1 to 5 (split id, public keys) are the same in each
for i in 1 2 3 4 5; do
	grep -E '^0[7-9] ' "sh/officer.share-$i" | cut -c1-39
done | sort | uniq -d >dups
[ ! -s dups ] || fail "secret lines repeat across shares: $(head -n 1 dups)"
pass
# a second split into the same place is refused, and leaves the shares alone
cp sh/officer.share-1 share1.orig
am_pw 2 id split officer.id --shares 5 --threshold 3 --dir sh
expect_stderr_contains "sh/officer.share-1 already exists"
expect_same_file sh/officer.share-1 share1.orig

# id show on a share says what it is, without a passphrase
am 0 id show sh/officer.share-4
expect_stdout_contains "recovery share"
expect_stdout_contains "4 of 5; any 3 restore"
expect_stdout_contains "$officer_kid"
am 0 id show sh/officer.share-4 --json
expect_stdout_contains '"kind":"share"'
expect_stdout_contains '"share":{"index":4,"shares":5,"threshold":3'

# ---- recover: every 3-subset, and more ----------------------------------------

n=0
for a in 1 2 3 4 5; do
	for b in $(seq $((a + 1)) 5); do
		for c in $(seq $((b + 1)) 5); do
			rm -f r.id
			AMANAT_PASSPHRASE="$NEW" expect_exit 0 "$AMANAT" id recover --kdf interactive \
				sh/officer.share-$a sh/officer.share-$b sh/officer.share-$c --out r.id
			expect_eq "key id restored from shares $a $b $c" "$officer_kid" "$(cat "$OUT")"
			expect_mode r.id 600
			n=$((n + 1))
		done
	done
done
expect_eq "3-subsets tried" 10 "$n"
# four and five shares (in any order) restore it too
rm -f r.id
AMANAT_PASSPHRASE="$NEW" expect_exit 0 "$AMANAT" id recover sh/officer.share-5 \
	sh/officer.share-2 sh/officer.share-4 sh/officer.share-1 --out r.id --kdf interactive
expect_eq "key id from four shares" "$officer_kid" "$(cat "$OUT")"
rm -f r.id
AMANAT_PASSPHRASE="$NEW" expect_exit 0 "$AMANAT" id recover sh/officer.share-{1,2,3,4,5} \
	--out r.id --kdf interactive
expect_eq "key id from five shares" "$officer_kid" "$(cat "$OUT")"

# every 2-subset: refused, saying how many more are needed; nothing written
for a in 1 2 3 4 5; do
	for b in $(seq $((a + 1)) 5); do
		AMANAT_PASSPHRASE="$NEW" expect_exit 2 "$AMANAT" id recover \
			sh/officer.share-$a sh/officer.share-$b --out two.id
		expect_stderr_contains "2 shares given, but this identity was split so that 3 of its 5 shares are needed: find 1 more"
		expect_file_absent two.id
	done
done
AMANAT_PASSPHRASE="$NEW" expect_exit 2 "$AMANAT" id recover sh/officer.share-3 --out one.id
expect_stderr_contains "find 2 more"

# the restored identity is the officer: the vault takes its seals, under the
# new passphrase, and the old file's passphrase does not open it
AMANAT_PASSPHRASE="$NEW" expect_exit 0 "$AMANAT" seal "$V" --as r.id --type testimony \
	--case C-TEST w.txt
am_pw 3 seal "$V" --as r.id --type testimony --case C-TEST w.txt
verify_ok "$V"
am 0 id show officer.id --json
created=$(json_str created)
[ -n "$created" ] || fail "officer.id shows no creation time"
pass
am 0 id show r.id --json
expect_stdout_contains '"name":"officer"'
expect_stdout_contains "\"key_id\":\"$officer_kid\""
expect_eq "creation time of the restored identity" "$created" "$(json_str created)"

# and the custodian, restored from shares, still reads what was sealed before
mkdir cs
am_pw 0 id split custodian.id --shares 3 --threshold 2 --dir cs
AMANAT_PASSPHRASE="$NEW" expect_exit 0 "$AMANAT" id recover cs/custodian.share-3 \
	cs/custodian.share-1 --out c2.id --kdf interactive
AMANAT_PASSPHRASE="$NEW" expect_exit 0 "$AMANAT" extract "$V" "$SEALED" --as c2.id \
	--purpose "fictional: recovery test" -o back.txt
expect_same_file back.txt w.txt

# --out refuses to overwrite, before anything is asked
touch taken.id
AMANAT_PASSPHRASE="$NEW" expect_exit 2 "$AMANAT" id recover sh/officer.share-{1,2,3} --out taken.id
expect_stderr_contains "taken.id already exists"
am 2 id recover sh/officer.share-1 sh/officer.share-2 sh/officer.share-3
expect_stderr_contains "--out NEW.id"
am 2 id recover sh/officer.share-1 sh/officer.share-2 sh/officer.share-3 --out no-such-dir/r.id
expect_stderr_contains "no-such-dir is not a directory"

# a new passphrase that is too easy to guess is refused
AMANAT_PASSPHRASE='officer1' expect_exit 2 "$AMANAT" id recover sh/officer.share-{1,2,3} --out weak.id
expect_stderr_contains "too easy to guess"
expect_file_absent weak.id

# ---- shares that do not belong together ---------------------------------------

# the same share twice (as two files)
cp sh/officer.share-2 copy-of-2
AMANAT_PASSPHRASE="$NEW" expect_exit 2 "$AMANAT" id recover sh/officer.share-2 copy-of-2 \
	sh/officer.share-4 --out x.id
expect_stderr_contains "sh/officer.share-2 and copy-of-2 are both share 2 of 5; each share counts once"
# another identity's share
mkdir ash
am_pw 0 id split admin.id --shares 5 --threshold 3 --dir ash
AMANAT_PASSPHRASE="$NEW" expect_exit 2 "$AMANAT" id recover sh/officer.share-1 \
	sh/officer.share-2 ash/admin.share-3 --out x.id
expect_stderr_contains "ash/admin.share-3 is a share of another identity than sh/officer.share-1"
# a share of another split of the same identity
mkdir sh2
am_pw 0 id split officer.id --shares 5 --threshold 3 --dir sh2
AMANAT_PASSPHRASE="$NEW" expect_exit 2 "$AMANAT" id recover sh/officer.share-1 \
	sh/officer.share-2 sh2/officer.share-3 --out x.id
expect_stderr_contains "come from different splits"
expect_file_absent x.id

# ---- damage, each named -------------------------------------------------------

S=sh/officer.share-2
# recover_bad FILE TEXT — recovery with FILE in place of share 2 fails naming TEXT
recover_bad() {
	AMANAT_PASSPHRASE="$NEW" expect_exit 2 "$AMANAT" id recover sh/officer.share-1 "$1" \
		sh/officer.share-3 --out x.id
	expect_stderr_contains "$2"
	expect_file_absent x.id
}
nlines=$(grep -cE '^[0-9]{2} ' "$S")
[ "$nlines" -ge 10 ] || fail "share 2 has $nlines data lines"
pass
# one mistyped digit in each line, at a different place in each
for l in $(seq 1 "$nlines"); do
	ln=$(printf '%02d' "$l")
	awk -v ln="$ln" -v col=$((4 + (l % 8) * 2)) '
		$1 == ln {
			c = substr($0, col, 1)
			r = (c == "0") ? "1" : "0"
			$0 = substr($0, 1, col - 1) r substr($0, col + 1)
		}
		{ print }' "$S" >bad
	cmp -s bad "$S" && fail "line $l: the mistyping changed nothing"
	recover_bad bad "bad, line $l: check failed"
done
# a line's check mistyped
awk '$1 == "04" { sub(/....$/, ($NF == "0000") ? "1111" : "0000") } { print }' "$S" >bad
recover_bad bad "bad, line 4: check failed"
# a digit left out, a digit added
sed -E 's/^(05 ....)./\1/' "$S" >bad
recover_bad bad "bad, line 5: check failed"
sed -E 's/^(06 ....)/\1a/' "$S" >bad
recover_bad bad "bad, line 6: check failed"
# a line left out, the last line left out, two lines swapped, a line twice
grep -v '^07 ' "$S" >bad
recover_bad bad "bad: line 7 is missing"
grep -v "^$(printf '%02d' "$nlines") " "$S" >bad
recover_bad bad "bad: line $nlines is missing"
awk '$1 == "03" { held = $0; next } { print } $1 == "04" { print held }' "$S" >bad
recover_bad bad "bad: line 3 is missing"
awk '{ print } $1 == "08" { print }' "$S" >bad
recover_bad bad "bad: line 8 appears twice or out of order"
# not a share at all; an empty file; a header alone
sed '1s/.*/amanat-share-v9/' "$S" >bad
recover_bad bad "bad is not an amanat recovery share"
: >bad
recover_bad bad "bad is not an amanat recovery share"
head -n 1 "$S" >bad
recover_bad bad "bad: line 1 is missing"
recover_bad officer.pub "officer.pub is not an amanat recovery share"
recover_bad no-such-file "no-such-file"
# a line of another share (intact there): named, since a line's check covers its share's index
{ grep -v '^09 ' "$S"; } | awk -v l9="$(grep '^09 ' sh/officer.share-4)" \
	'{ print } $1 == "08" { print l9 }' >bad
recover_bad bad "bad, line 9: check failed"
"$PY" "$AMSHARE" reseal "$S" bad --xor 100 || fail "amshare reseal failed"
recover_bad bad "bad: the share's checksum does not match"
# altered by someone who also makes every check again: the keys do not match
"$PY" "$AMSHARE" reseal "$S" bad --xor 100 --body || fail "amshare reseal failed"
recover_bad bad "the shares do not rebuild the keys of officer"
# ... and given with one share more than needed, it is found, left out and named
rm -f x.id
AMANAT_PASSPHRASE="$NEW" expect_exit 0 "$AMANAT" id recover bad sh/officer.share-1 \
	sh/officer.share-3 sh/officer.share-4 --out x.id --kdf interactive
expect_eq "key id with an altered share left out" "$officer_kid" "$(cat "$OUT")"
expect_stderr_contains "warning: bad does not agree with the other shares and was left out"
rm -f x.id
# lines each intact but of two splits (same index): the share checksum catches it
{ grep -v '^09 ' "$S"; } | awk -v l9="$(grep '^09 ' sh2/officer.share-2)" \
	'{ print } $1 == "08" { print l9 }' >bad
recover_bad bad "bad: the share's checksum does not match"
# the index altered (checks made again): now a duplicate of share 3
"$PY" "$AMSHARE" reseal "$S" bad --xor 7 --body || fail "amshare reseal failed"
AMANAT_PASSPHRASE="$NEW" expect_exit 2 "$AMANAT" id recover sh/officer.share-3 bad \
	sh/officer.share-4 --out x.id
expect_stderr_contains "sh/officer.share-3 and bad are both share 3 of 5"

# typed back in by hand: capitals, extra spaces, Windows line ends, no comments
grep -v '^#' "$S" | tr 'a-f' 'A-F' | sed -e '1s/.*/amanat-share-v1/' -e 's/ /   /g' -e 's/$/\r/' >typed
AMANAT_PASSPHRASE="$NEW" expect_exit 0 "$AMANAT" id recover sh/officer.share-1 typed \
	sh/officer.share-5 --out typed.id --kdf interactive
expect_eq "key id from a retyped share" "$officer_kid" "$(cat "$OUT")"

# ---- an independent reader of the format ---------------------------------------

expect_exit 0 "$PY" "$AMSHARE" combine sh/officer.share-5 sh/officer.share-1 sh/officer.share-3
expect_eq "the .pub line rebuilt by amshare.py" "$(cat officer.pub)" "$(cat "$OUT")"
expect_exit 1 "$PY" "$AMSHARE" combine sh/officer.share-5 sh/officer.share-1
finish
