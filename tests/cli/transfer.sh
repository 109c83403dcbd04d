#!/bin/bash
# transfer.sh — two field vaults feeding one main vault over several rounds
# (issue 13, docs/FIELD.md): packets lost, repeated, reordered, truncated,
# tampered, from a forked or rolled-back field vault; each refused (exit 1,
# main vault unchanged) or idempotent (exit 0); verify end to end; the field
# officer cannot read what was imported, the custodian can.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || fail "$PY is needed"

make_id admin
make_id custodian
make_id off1
make_id off2
am_pw 0 init main.db --as admin.id --recipient custodian.pub
am_pw 0 enroll main.db off1.pub --role officer --as admin.id
am_pw 0 checkpoint main.db --as admin.id
MID=$(head -n 1 "$OUT")
# field vaults: the officer seals, only the mission's custodian can read
am_pw 0 init f1.db --as off1.id --recipient custodian.pub
am_pw 0 init f2.db --as off2.id --recipient custodian.pub
echo "interview one" >a.txt
head -c 3000000 /dev/urandom >b.bin
echo "interview two" >c.txt
am_pw 0 seal f1.db --as off1.id --type testimony --case C-1 a.txt
am_pw 0 seal f2.db --as off2.id --type document --case C-2 c.txt

# pull refuses what it would refuse, and leaves the main vault as it was
pull_refused() { # PACKET REASON
	local before
	before=$(entry_count main.db)
	am_pw 1 pull main.db "$1" --as custodian.id --ack refused.ack
	expect_stderr_contains "$2"
	expect_eq "entries of main.db after a refused pull" "$before" "$(entry_count main.db)"
	expect_file_absent refused.ack
}

# ---- round 1 -------------------------------------------------------------------
am_pw 0 push f1.db --to "$MID" -o r1.pkt --as off1.id
expect_stderr_contains "entries 0-2 of f1.db"
am_pw 2 push f1.db --to "$MID" -o r1.pkt --as off1.id      # never overwritten
am_pw 2 push f1.db --to amanat/xyz -o x.pkt --as off1.id    # not a vault id
am_pw 0 push f2.db --to "${MID#amanat/}" -o s1.pkt --as off2.id
# off2 is not enrolled in the main vault yet: an enrollment required at pull time
pull_refused s1.pkt "not enrolled in main.db"
am_pw 0 enroll main.db off2.pub --role officer --as admin.id
am_pw 0 pull main.db r1.pkt --as custodian.id
expect_stderr_contains "imported entries 0-2 of the field vault"
[ -s r1.pkt.ack ] || fail "no acknowledgement written"
N=$(entry_count main.db)
# the same packet again: nothing added, exit 0, says so
am_pw 0 pull main.db r1.pkt --as custodian.id
expect_stderr_contains "already imported"
expect_eq "entries after a repeated pull" "$N" "$(entry_count main.db)"
am_pw 0 pull main.db s1.pkt --as custodian.id
am_pw 2 pull f1.db s1.pkt --as custodian.id                 # a packet for another vault
expect_stderr_contains "is a packet for the vault"
am_pw 2 pull main.db nosuch.pkt --as custodian.id
verify_ok main.db

# the acknowledgement: recorded once, checked against the field vault's own tree
am 0 ack f1.db
expect_stdout_contains "no acknowledgement recorded"
am_pw 1 ack f2.db r1.pkt.ack --as off2.id                   # for f1, not f2
am_pw 0 ack f1.db r1.pkt.ack --as off1.id
expect_stderr_contains "the next push starts at 3"
am_pw 0 ack f1.db r1.pkt.ack --as off1.id
expect_stderr_contains "already recorded"
am 0 ack f1.db --json
expect_stdout_contains '"safe":3'

# ---- round 2: a lost packet ------------------------------------------------------
cp main.db main-r1.db
am_pw 0 seal f1.db --as off1.id --type media --case C-1 b.bin
am_pw 0 push f1.db --to "$MID" -o r2.pkt --as off1.id
expect_stderr_contains "entries 3-4 of f1.db"
am_pw 0 pull main.db r2.pkt --as custodian.id
am_pw 0 ack f1.db r2.pkt.ack --as off1.id
am_pw 0 seal f1.db --as off1.id --type testimony --case C-1 c.txt
am_pw 0 push f1.db --to "$MID" -o r3.pkt --as off1.id
expect_stderr_contains "entries 5-6 of f1.db"
# a copy of the main vault that never got r2 (r2 lost on the way) refuses r3
cp main-r1.db lost.db
on_laptop hq2 am_pw 1 pull lost.db r3.pkt --as custodian.id
expect_stderr_contains "an earlier packet was lost"
# an old packet pulled again after a newer one (or one from a field vault put
# back to that state): refused, nothing added
pull_refused r1.pkt "an old packet, or the field vault was rolled back"

# ---- damaged and tampered packets ---------------------------------------------------
# records: magic (8 bytes), then kind (1), length (4, big-endian), body
cat >pk.py <<'EOF'
import struct, sys
def records(data):
    out, i = [], 8
    while i < len(data):
        k, n = data[i:i+1], struct.unpack(">I", data[i+1:i+5])[0]
        out.append((i, k, n))
        i += 5 + n
    return out
op, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
data = bytearray(open(src, "rb").read())
recs = records(data)
ents = [r for r in recs if r[1] == b"E"]
if op == "swap":          # exchange the first two entries (each with its chunks)
    starts = [r[0] for r in recs]
    def span(e):
        j = starts.index(e[0]) + 1
        while j < len(recs) and recs[j][1] == b"C":
            j += 1
        end = recs[j][0] if j < len(recs) else len(data)
        return e[0], end
    (a0, a1), (b0, b1) = span(ents[0]), span(ents[1])
    data = data[:a0] + data[b0:b1] + data[a0:a1] + data[b1:]
elif op == "drop":        # remove the first entry and its chunks
    starts = [r[0] for r in recs]
    j = starts.index(ents[0][0]) + 1
    while recs[j][1] == b"C":
        j += 1
    data = data[:ents[0][0]] + data[recs[j][0]:]
elif op == "chunk":       # flip a byte inside the first chunk
    c = [r for r in recs if r[1] == b"C"][0]
    data[c[0] + 5 + 100] ^= 1
elif op == "header":      # flip a byte inside the last entry's signed header
    data[ents[-1][0] + 5 + 4 + 40] ^= 1
elif op == "cut":
    data = data[:len(data) // 2]
elif op == "tail":
    data += b"x"
open(dst, "wb").write(bytes(data))
EOF
"$PY" pk.py chunk r2.pkt bad-chunk.pkt || fail "pk.py chunk failed"
for op in swap drop header cut tail; do
	"$PY" pk.py "$op" r3.pkt "bad-$op.pkt" || fail "pk.py $op failed"
done
pull_refused bad-swap.pkt "skipped or reordered"
pull_refused bad-drop.pkt "skipped or reordered"
pull_refused bad-chunk.pkt "does not match its signed hash"
pull_refused bad-header.pkt "tampered or damaged"
pull_refused bad-cut.pkt "cut short"
pull_refused bad-tail.pkt "bytes follow"
printf 'not a packet' >junk.pkt
before=$(entry_count main.db)
am_pw 2 pull main.db junk.pkt --as custodian.id
expect_eq "entries after junk" "$before" "$(entry_count main.db)"
# the whole packet is signed: a chunk spliced in from another packet cannot pass
"$PY" pk.py swap r2.pkt bad-swap2.pkt
pull_refused bad-swap2.pkt "reordered"
am_pw 0 pull main.db r3.pkt --as custodian.id
am_pw 0 ack f1.db r3.pkt.ack --as off1.id

# ---- the second field vault, rounds 2 and 3: packets pulled out of order -----------
am_pw 0 ack f2.db s1.pkt.ack --as off2.id
cp f2.db f2-old.db
am_pw 0 seal f2.db --as off2.id --type document --case C-2 a.txt
am_pw 0 push f2.db --to "$MID" -o s2.pkt --as off2.id
am_pw 0 seal f2.db --as off2.id --type case --case C-2 c.txt
am_pw 0 push f2.db --to "$MID" -o s3.pkt --as off2.id
expect_stderr_contains "entries 3-5 of f2.db"
N=$(entry_count main.db)
am_pw 0 pull main.db s3.pkt --as custodian.id               # the later packet first
expect_eq "entries after s3" "$((N + 3))" "$(entry_count main.db)"
pull_refused s2.pkt "an old packet"                         # then the earlier one
am_pw 0 ack f2.db s3.pkt.ack --as off2.id
am_pw 0 ack f2.db s3.pkt.ack --as off2.id
expect_stderr_contains "already recorded"
# a field vault put back to an older copy, on a laptop that never saw the newer
# one (no pin there to refuse it): its packet ends before what was absorbed
on_laptop old am_pw 0 push f2-old.db --to "$MID" -o old.pkt --as off2.id
pull_refused old.pkt "the field vault was rolled back"
# an acknowledgement signed by someone the field vault does not know is refused
am_pw 0 pull main.db s3.pkt --as admin.id --ack admin.ack
expect_stderr_contains "is not a member of the field vault"
am_pw 1 ack f2.db admin.ack --as off2.id
expect_stderr_contains "not signed by a member"
verify_ok main.db

# ---- a forked field vault --------------------------------------------------------
cp f1.db f1-fork.db
am_pw 0 seal f1.db --as off1.id --type testimony --case C-1 a.txt
am_pw 0 push f1.db --to "$MID" -o r4.pkt --as off1.id
on_laptop fork am_pw 0 seal f1-fork.db --as off1.id --type testimony --case C-9 c.txt
on_laptop fork am_pw 0 push f1-fork.db --to "$MID" -o fork.pkt --as off1.id
am_pw 0 pull main.db r4.pkt --as custodian.id
pull_refused fork.pkt "forked or rolled back"
# ---- a rolled-back field vault ------------------------------------------------------
# on the officer's laptop, the pin refuses the old copy outright
cp f1.db f1-new.db
cp f1-fork.db f1.db
am_pw 1 push f1.db --to "$MID" -o rb.pkt --as off1.id
expect_file_absent rb.pkt
cp f1-new.db f1.db

# ---- verify, and who can read what -------------------------------------------------
verify_ok main.db
am 0 verify main.db --json
am 0 list main.db --type import
SEQ=$(awk '$2 == "import" && $NF == 3000000 { print $1 }' "$OUT")
[[ $SEQ =~ ^[0-9]+$ ]] || fail "no import of b.bin in the list"
am_pw 0 extract main.db "$SEQ" --as custodian.id --purpose "transfer test" -o got.bin
expect_same_file b.bin got.bin
am_pw 0 show main.db "$SEQ" --as custodian.id --purpose "transfer test"
expect_stdout_contains "media, entry 4 of the field vault"
expect_stdout_matches "^sealed: +[0-9TZ:-]+ by off1$"
expect_stdout_contains "filename           b.bin"
am_pw 3 extract main.db "$SEQ" --as off1.id --purpose "transfer test" -o nope.bin
expect_file_absent nope.bin
am_pw 0 verify main.db --deep --as custodian.id
verify_ok f1.db
verify_ok f2.db

# export: the bundle carries the import (the original header, its field proof
# and the field checkpoint inside it) and its proof in the main vault
am_pw 0 export main.db --as custodian.id --purpose "court" --scope court -o b.zip --entry "$SEQ"
am 0 verify-bundle b.zip
expect_stdout_contains "media"
expect_stdout_contains "by off1"
expect_stdout_contains "imported from the field vault"
am 0 verify-bundle b.zip --json
expect_stdout_contains '"field_entry":4'

# constant memory (ASan builds: without its quarantine of freed memory): a packet 24 times larger costs no more than a small one
if [ -x /usr/bin/time ]; then
	make_id off3
	am_pw 0 enroll main.db off3.pub --role officer --as admin.id
	am_pw 0 init f3.db --as off3.id --recipient custodian.pub
	am_pw 0 push f3.db --to "$MID" -o small.pkt --as off3.id
	/usr/bin/time -f "%M" -o small.rss env AMANAT_PASSPHRASE="$PASS" ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=0" "$AMANAT" pull main.db small.pkt --as custodian.id 2>/dev/null ||
		fail "pull of small.pkt failed"
	am_pw 0 ack f3.db small.pkt.ack --as off3.id
	head -c $((72 << 20)) /dev/urandom >big.bin
	am_pw 0 seal f3.db --as off3.id --type media --case C-3 big.bin
	am_pw 0 push f3.db --to "$MID" -o big.pkt --as off3.id
	/usr/bin/time -f "%M" -o big.rss env AMANAT_PASSPHRASE="$PASS" ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=0" "$AMANAT" pull main.db big.pkt --as custodian.id 2>/dev/null ||
		fail "pull of big.pkt failed"
	small=$(tail -n 1 small.rss)
	big=$(tail -n 1 big.rss)
	[ "$big" -lt $((small + 24 * 1024)) ] ||
		fail "pulling a 72 MiB packet took $big KiB at peak, a tiny one $small KiB"
	pass
	rm -f big.bin big.pkt
fi

# an import row altered in the file is caught by verify, naming the entry
cp main.db tampered.db
LAST=$(sq tampered.db "SELECT max(seq) FROM entries WHERE type = 11")
drop_triggers tampered.db
# a byte of the carried original's header, inside the import's payload
flip_byte tampered.db entries header "seq = $LAST" 400
fresh_eyes am 1 verify tampered.db
expect_stderr_contains "entry $LAST"

# the independent verifier (tests/python/amverify.py, from docs/FORMAT.md §25) agrees
AMV="${TESTS_DIR:-$CLI_DIR/..}/python/amverify.py"
if "$PY" -c 'import nacl.signing' 2>/dev/null; then
	for db in main.db f1.db f2.db; do
		expect_exit 0 "$PY" "$AMV" vault "$db"
	done
	AMANAT_PASSPHRASE="$PASS" expect_exit 0 "$PY" "$AMV" decrypt main.db "$SEQ" --identity custodian.id \
		--passphrase-env AMANAT_PASSPHRASE -o amv.bin
	expect_same_file b.bin amv.bin
	AMANAT_PASSPHRASE="$PASS" expect_exit 1 "$PY" "$AMV" decrypt main.db "$SEQ" --identity off1.id \
		--passphrase-env AMANAT_PASSPHRASE
	expect_exit 1 "$PY" "$AMV" vault tampered.db
	grep -qF "entry $LAST" "$OUT" "$ERR" || fail "amverify does not name entry $LAST"
	pass
else
	fail "$PY cannot import nacl: install python3-nacl (tools/deps.sh)"
fi
finish
