#!/bin/bash
# transfer_review.sh — transfer cases found in review (issue 13): a field
# vault whose member rotated a key keeps importing round after round, and the
# main vault verifies from a pin taken between the rounds.
. "$(dirname "$0")/lib.sh"

need_forge

make_id admin
make_id custodian
make_id off1
make_id off1b
am_pw 0 init main.db --as admin.id --recipient custodian.pub
am_pw 0 enroll main.db off1.pub --role officer --as admin.id
am_pw 0 enroll main.db off1b.pub --role officer --as admin.id
am_pw 0 checkpoint main.db --as admin.id
MID=$(head -n 1 "$OUT")
am_pw 0 init f1.db --as off1.id --recipient custodian.pub
echo "interview one" >a.txt
echo "interview two" >b.txt
echo "interview three" >c.txt

# round 1: before the rotation
am_pw 0 seal f1.db --as off1.id --type testimony --case C-1 a.txt
am_pw 0 push f1.db --to "$MID" -o r1.pkt --as off1.id
am_pw 0 pull main.db r1.pkt --as custodian.id
am_pw 0 ack f1.db r1.pkt.ack --as off1.id
verify_ok main.db

# round 2: the field admin's key is rotated (its new key signs), then used
am_pw 0 rotate f1.db off1.id off1b.pub --as off1b.id
am_pw 0 seal f1.db --as off1b.id --type testimony --case C-1 b.txt
am_pw 0 push f1.db --to "$MID" -o r2.pkt --as off1b.id
am_pw 0 pull main.db r2.pkt --as custodian.id
am_pw 0 ack f1.db r2.pkt.ack --as off1b.id
verify_ok main.db

# round 3: the rotation is now in an earlier packet; replaying the field
# vault's membership from the imports must still see it
am_pw 0 seal f1.db --as off1b.id --type testimony --case C-1 c.txt
am_pw 0 push f1.db --to "$MID" -o r3.pkt --as off1b.id
am_pw 0 pull main.db r3.pkt --as custodian.id
expect_stderr_contains "imported entries"
# from the pin (taken after round 2) and from scratch
verify_ok main.db
fresh_eyes verify_ok main.db
am_pw 0 show main.db "$(($(entry_count main.db) - 1))" --as custodian.id
expect_stdout_contains "by off1b"
expect_stdout_contains "c.txt"


# ---- one field entry imported twice: a second chain of the field vault -------
# A main-vault officer (off1 is one) appends, with their own key, a copy of an
# import entry: the same field entry again, following the same import.  Each
# field entry is imported once, in order; the copy is refused by the verifier
# from scratch, from a pin taken before it, and by the independent verifier.
imports_of_f1() {
	sq main.db "SELECT seq FROM entries WHERE type = 11 ORDER BY seq"
}
FIRST=$(imports_of_f1 | head -n 1)
LAST=$(imports_of_f1 | tail -n 1)
for src in "$LAST" "$FIRST"; do
	cp main.db dup.db
	AMANAT_PASSPHRASE="$PASS" "$PY" "$FORGE" insider dup.db --as off1.id reimport "$src" >"$OUT" 2>"$ERR" ||
		fail "forge reimport $src failed: $(cat "$ERR")"
	DUP=$(cat "$OUT")
	# the pin of main.db (after round 3) covers everything before the copy
	expect_verify_fails dup.db "$DUP" "imported"
	fresh_eyes expect_verify_fails dup.db "$DUP" "imported"
	"$PY" "$AMV" vault dup.db >"$OUT" 2>"$ERR" && fail "amverify accepts field entry $src imported twice"
	pass "amverify refuses a second import of the field entry of entry $src"
	# and pull, which replays the imports, refuses to go on from such a log
	am_pw 0 seal f1.db --as off1b.id --type testimony --case C-1 a.txt
	am_pw 0 push f1.db --to "$MID" -o "r4-$src.pkt" --as off1b.id
	am_pw 1 pull dup.db "r4-$src.pkt" --as custodian.id
	rm -f dup.db
done
verify_ok main.db

# ---- an import's flags: bit 1 (the content-hash rule, §28) is its original's,
# bit 0 (batched, §27) is for sealed types only.  A copy of the last import
# (of a sealed testimony, bit 1 set) signed with either flag wrong is refused
# for that reason, by amanat and by the independent verifier alike.
for fl in 3 0; do
	cp main.db dup.db
	AMANAT_PASSPHRASE="$PASS" "$PY" "$FORGE" insider dup.db --as off1.id reimport "$LAST" \
		--flags "$fl" >"$OUT" 2>"$ERR" || fail "forge reimport --flags $fl failed: $(cat "$ERR")"
	DUP=$(cat "$OUT")
	if [ "$fl" = 3 ]; then why="batched"; else why="not the original's"; fi
	expect_verify_fails dup.db "$DUP" "$why"
	"$PY" "$AMV" vault dup.db >"$OUT" 2>"$ERR" && fail "amverify accepts an import with flags $fl"
	grep -q "$why" "$OUT" "$ERR" || fail "amverify refuses flags $fl for another reason: $(cat "$OUT" "$ERR")"
	pass "an import with flags $fl is refused ($why) by both verifiers"
	rm -f dup.db
done

# ---- consent: an import's own ref is the link to the import before it --------
# Two testimonies of one case sealed in the field, the first with consent for
# internal use only, the second for court.  At headquarters the second one's
# import names the first's (the chain), which is no consent amendment: an
# export for court carries the second and refuses the first.  A withdrawal
# sealed in the field later, referring to the second (its field entry), is
# one: its original's ref names the field entry, mapped to that entry's import.
am_pw 0 init f2.db --as off1b.id --recipient custodian.pub
echo "internal only" >int.txt
echo "for court" >court.txt
echo "witness withdrew" >wd.txt
am_pw 0 seal f2.db --as off1b.id --type testimony --case C-9 --meta consent.scopes=internal int.txt
am_pw 0 seal f2.db --as off1b.id --type testimony --case C-9 --meta consent.scopes=court court.txt
COURT=$(cat "$OUT")
am_pw 0 push f2.db --to "$MID" -o s1.pkt --as off1b.id
am_pw 0 pull main.db s1.pkt --as custodian.id
exported_names() { # ZIP: the item files it carries
	unzip -Z1 "$1" | sed -n 's|.*/data/AMN-[0-9]*/||p' | sort | tr '\n' ' '
}
am_pw 0 export main.db --as custodian.id --purpose "court filing" --scope court --case C-9 -o c1.zip
expect_eq "items exported for court" "court.txt " "$(exported_names c1.zip)"
# named by number before the withdrawal exists: the export index (FORMAT §30)
# is built here, its import records then read back and extended below
am_pw 0 list main.db --as custodian.id --json
ICOURT=$(grep -o '"seq":[0-9]*,"type":"import"[^}]*"case":"C-9"' "$OUT" | sed -n 2p |
	grep -o '^"seq":[0-9]*' | grep -o '[0-9]*$')
[[ $ICOURT =~ ^[0-9]+$ ]] || fail "no import of the court testimony in the list"
am_pw 0 export main.db --as custodian.id --purpose "court filing" --scope court \
	--entry "$ICOURT" -o c0.zip
expect_eq "items exported for court by number" "court.txt " "$(exported_names c0.zip)"
am_pw 0 seal f2.db --as off1b.id --type document --case C-8 a.txt   # in between
am_pw 0 seal f2.db --as off1b.id --type testimony --case C-9 --ref "$COURT" \
	--meta consent.withdrawn=yes wd.txt
am_pw 0 push f2.db --to "$MID" -o s2.pkt --as off1b.id
am_pw 0 pull main.db s2.pkt --as custodian.id
am_pw 2 export main.db --as custodian.id --purpose "court filing" --scope court --case C-9 -o c2.zip
expect_stderr_contains "consent was withdrawn"
expect_file_absent c2.zip
# the same item named by number (the export index, FORMAT §30, not a walk of the
# log): the index made above, extended by the entries pulled since (not built
# again), finds the withdrawal's import through the field entry it names
am_pw 2 export main.db --as custodian.id --purpose "court filing" --scope court \
	--entry "$ICOURT" -o c3.zip
expect_stderr_contains "refused entry $ICOURT: consent was withdrawn"
expect_exit 1 grep -q "built again" "$ERR"
expect_file_absent c3.zip
verify_ok main.db

# ---- an acknowledgement is headquarters' word: a custodian's, not the officer's
# off1b is the field vault's admin and an officer at headquarters (officers may
# pull).  An acknowledgement they sign is refused by their own field vault: a
# field officer alone cannot make the field vault report entries safe.
am_pw 0 seal f2.db --as off1b.id --type testimony --case C-9 --meta consent.scopes=court b.txt
am_pw 0 push f2.db --to "$MID" -o s3.pkt --as off1b.id
am_pw 0 pull main.db s3.pkt --as off1b.id --ack off.ack
expect_stderr_contains "custodian"
am_pw 1 ack f2.db off.ack --as off1b.id
expect_stderr_contains "custodian"
am 0 ack f2.db --json
expect_stdout_contains '"acknowledged":false'
am_pw 0 pull main.db s3.pkt --as custodian.id --ack cust.ack
am_pw 0 ack f2.db cust.ack --as off1b.id
verify_ok f2.db

finish
