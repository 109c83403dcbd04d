#!/bin/bash
# An independent second verifier (tests/python/amverify.py, written from
# docs/FORMAT.md alone) must agree with amanat: on a good vault, its
# checkpoints and proofs, and on the rejection of tampered copies.
# ctest passes AMANAT (the binary) and TESTS_DIR (tests/).
set -u

: "${AMANAT:?set AMANAT to the amanat binary}"
: "${TESTS_DIR:?set TESTS_DIR to the tests directory}"
PY=/usr/bin/python3
AMV="$TESTS_DIR/python/amverify.py"
FORMAT_MD="$TESTS_DIR/../docs/FORMAT.md"

if ! "$PY" -c 'import nacl.signing, nacl.public, nacl.pwhash' 2>/dev/null; then
    echo "independent.sh: $PY cannot import nacl; install python3-nacl (Debian/Ubuntu: apt-get install python3-nacl)" >&2
    exit 1
fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export AMANAT_PASSPHRASE=demo-only-passphrase
export XDG_STATE_HOME="$T/state" HOME="$T"
mkdir -p "$T/state"

FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }
amv() { "$PY" "$AMV" "$@"; }

# expect_rc WANT DESCRIPTION COMMAND...: run, compare the exit code
expect_rc() {
    local want=$1 what=$2; shift 2
    local out rc
    out=$("$@" 2>&1); rc=$?
    if [ "$rc" = "$want" ]; then pass "$what"; else fail "$what: exit $rc, want $want: $out"; fi
}

# the values FORMAT.md §23 copies (vault id derived from the genesis included)
# are what amverify recomputes from the spec's inputs
expect_rc 0 "amverify recomputes FORMAT.md's test vectors" amv vectors "$TESTS_DIR/../docs/FORMAT.md"

# sql FILE STATEMENTS: change a vault behind amanat's back (no triggers)
sql() {
    if command -v sqlite3 >/dev/null 2>&1; then
        sqlite3 "$1" "$2"
    else
        "$PY" -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' "$1" "$2"
    fi
}
DROP_TRIGGERS=$(for t in entries_no_update entries_no_delete entries_append_only \
    chunks_no_update chunks_no_delete chunks_append_only tree_no_update tree_no_delete \
    tree_no_replace checkpoints_no_update checkpoints_no_delete checkpoints_no_replace; do
    printf 'DROP TRIGGER IF EXISTS %s; ' "$t"; done)

# ---------------------------------------------------------------- the spec's own vectors
expect_rc 0 "FORMAT.md §23 vectors recompute independently" amv vectors "$FORMAT_MD"

# ---------------------------------------------------------------- build a vault
D="$T/d"
"$AMANAT" demo "$D" >"$T/demo.log" 2>&1 || { cat "$T/demo.log"; echo "amanat demo failed" >&2; exit 1; }
VAULT="$D/demo.amn"
KEYS="$D/keys"
OFFICER="$KEYS/officer-demo.id"
CUSTODIAN="$KEYS/custodian-demo.id"
AUDITOR="$KEYS/auditor-demo.id"

# a checkpoint of the demo's size, kept for the consistency proof
"$AMANAT" checkpoint "$VAULT" --as "$AUDITOR" >"$T/cp_old.txt" || fail "checkpoint (old)"
M=$(sed -n 2p "$T/cp_old.txt")

# ~3 MiB of random data (4 chunks of 1 MiB, the last short) and compressible text
head -c $((3 * 1048576 + 1000)) /dev/urandom >"$T/random.bin"
"$PY" -c '
import sys
with open(sys.argv[1], "w") as f:
    for i in range(6000):
        f.write("line %05d: a fictional, highly repetitive statement for the compression path.\n" % i)
' "$T/text.txt"
SEQ_BIG=$("$AMANAT" seal "$VAULT" --as "$OFFICER" --type document --case X "$T/random.bin") || fail "seal random"
SEQ_TXT=$("$AMANAT" seal "$VAULT" --as "$OFFICER" --type document --case X "$T/text.txt") || fail "seal text"
"$AMANAT" extract "$VAULT" "$SEQ_BIG" --as "$CUSTODIAN" --purpose "independent verifier test" \
    -o "$T/random.out" >/dev/null 2>&1 || fail "extract"
cmp -s "$T/random.bin" "$T/random.out" || fail "extract output differs"
"$AMANAT" checkpoint "$VAULT" --as "$AUDITOR" >"$T/cp_new.txt" || fail "checkpoint (new)"
N=$(sed -n 2p "$T/cp_new.txt")
echo "vault of $N entries (big file at $SEQ_BIG, text at $SEQ_TXT), old checkpoint at $M"

# ---------------------------------------------------------------- the good vault
out=$(amv vault "$VAULT"); rc=$?
json=$("$AMANAT" verify "$VAULT" --json)
amroot=$(printf '%s' "$json" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["root"])')
if [ $rc = 0 ] && [ "$out" = "ok $N entries root $amroot" ]; then
    pass "amverify vault agrees with amanat verify: $out"
else
    fail "amverify vault: exit $rc: $out; amanat: $json"
fi
[ "$(sed -n 3p "$T/cp_new.txt" | base64 -d | od -An -tx1 | tr -d ' \n')" = "$amroot" ] \
    || fail "checkpoint root is not amanat verify's root"

AUD_KEY=$("$AMANAT" verifier-key "$VAULT" "$KEYS/auditor-demo.pub")
OFF_KEY=$("$AMANAT" verifier-key "$VAULT" "$KEYS/officer-demo.pub")
expect_rc 0 "checkpoint verifies under the auditor's verifier key" amv checkpoint "$T/cp_new.txt" --key "$AUD_KEY"
expect_rc 1 "checkpoint does not verify under the officer's key" amv checkpoint "$T/cp_new.txt" --key "$OFF_KEY"

# a witness cosignature (type 04) on the new checkpoint
"$AMANAT" consistency "$VAULT" 0 >"$T/cons0.txt" || fail "consistency 0"
if "$AMANAT" witness cosign "$T/cons0.txt" --as "$CUSTODIAN" --log-key "$AUD_KEY" >"$T/cosig.txt" 2>"$T/cosig.err"; then
    WIT_KEY=$("$AMANAT" verifier-key --witness "$KEYS/custodian-demo.pub")
    ADM_WIT=$("$AMANAT" verifier-key --witness "$KEYS/admin-demo.pub")
    cat "$T/cp_new.txt" "$T/cosig.txt" >"$T/cp_cosigned.txt"
    expect_rc 0 "cosigned checkpoint, quorum 1" amv checkpoint "$T/cp_cosigned.txt" --key "$AUD_KEY" --cosigner "$WIT_KEY" --quorum 1
    expect_rc 1 "cosigned checkpoint, quorum 2 of 2 not met" amv checkpoint "$T/cp_cosigned.txt" --key "$AUD_KEY" --cosigner "$WIT_KEY" --cosigner "$ADM_WIT" --quorum 2
    # a broken cosignature by a known witness invalidates the note
    "$PY" - "$T/cp_cosigned.txt" "$T/cp_badcosig.txt" <<'EOF'
import base64, sys
lines = open(sys.argv[1]).read().split("\n")
head, blob = lines[-2].rsplit(" ", 1)
sig = bytearray(base64.b64decode(blob))
sig[-1] ^= 1
lines[-2] = head + " " + base64.b64encode(bytes(sig)).decode()
open(sys.argv[2], "w").write("\n".join(lines))
EOF
    expect_rc 1 "broken cosignature rejected" amv checkpoint "$T/cp_badcosig.txt" --key "$AUD_KEY" --cosigner "$WIT_KEY" --quorum 0
else
    fail "amanat witness cosign: $(cat "$T/cosig.err")"
fi

# inclusion proofs
for s in 0 1 4 "$SEQ_BIG" "$SEQ_TXT" $((N - 1)); do
    "$AMANAT" prove "$VAULT" "$s" >"$T/proof.$s" || { fail "prove $s"; continue; }
    expect_rc 0 "inclusion proof of entry $s" amv inclusion "$T/proof.$s" --key "$AUD_KEY"
done

# consistency from the checkpoint kept at size M
"$AMANAT" consistency "$VAULT" "$M" >"$T/cons.txt" || fail "consistency $M"
expect_rc 0 "consistency proof $M -> $N" amv consistency "$T/cons.txt" --old "$T/cp_old.txt" --key "$AUD_KEY"
expect_rc 1 "consistency proof against the wrong old checkpoint" amv consistency "$T/cons.txt" --old "$T/cp_new.txt" --key "$AUD_KEY"

# decryption by a custodian (§21)
out=$(amv decrypt "$VAULT" "$SEQ_BIG" --identity "$CUSTODIAN" --passphrase-env AMANAT_PASSPHRASE -o "$T/random.dec")
want=$(sha256sum "$T/random.bin" | cut -d' ' -f1)
if printf '%s\n' "$out" | grep -q "^content sha256 $want size $((3 * 1048576 + 1000)) chunks 4 " && cmp -s "$T/random.bin" "$T/random.dec"; then
    pass "decrypt the 4-chunk random file"
else
    fail "decrypt random file: $out"
fi
out=$(amv decrypt "$VAULT" "$SEQ_TXT" --identity "$CUSTODIAN" --passphrase-env AMANAT_PASSPHRASE)
want=$(sha256sum "$T/text.txt" | cut -d' ' -f1)
if printf '%s\n' "$out" | grep -q "^content sha256 $want .* deflated [1-9]" && printf '%s\n' "$out" | grep -q '^case = X$'; then
    pass "decrypt the deflated text file"
else
    fail "decrypt text file: $out"
fi
expect_rc 1 "an officer cannot decrypt" amv decrypt "$VAULT" "$SEQ_TXT" --identity "$OFFICER" --passphrase-env AMANAT_PASSPHRASE

# ---------------------------------------------------------------- both must reject
# tamper NAME SQL: a copy of the vault changed by SQL; both verifiers exit 1
tamper() {
    local name=$1 stmt=$2 copy="$T/tampered-$1.amn" a b
    cp "$VAULT" "$copy"
    sql "$copy" "$DROP_TRIGGERS $stmt" || { fail "$name: sql"; return; }
    a=$(amv vault "$copy" 2>&1); ra=$?
    b=$("$AMANAT" verify "$copy" 2>&1); rb=$?
    if [ $ra = 1 ] && [ $rb = 1 ]; then
        pass "$name rejected by both: [$a] [$b]"
    else
        fail "$name: amverify exit $ra [$a], amanat exit $rb [$b]"
    fi
}
# || makes TEXT in SQLite: the result is cast back to a BLOB
FLIP='CASE WHEN substr(%s, %d, 1) = X'"'"'00'"'"' THEN X'"'"'01'"'"' ELSE X'"'"'00'"'"' END'
flip_sql() { # COLUMN OFFSET(1-based): the column with that byte changed
    printf "CAST(substr(%s, 1, %d) || $FLIP || substr(%s, %d) AS BLOB)" "$1" $(($2 - 1)) "$1" "$2" "$1" $(($2 + 1))
}
tamper chunk-byte "UPDATE chunks SET data = $(flip_sql data 1000) WHERE seq = $SEQ_BIG AND idx = 1;"
tamper header-byte "UPDATE entries SET header = $(flip_sql header 80) WHERE seq = $SEQ_TXT;"
tamper genesis-header "UPDATE entries SET header = $(flip_sql header 20) WHERE seq = 0;"
tamper entry-deleted "DELETE FROM entries WHERE seq = 5;"
tamper last-entry-deleted "DELETE FROM entries WHERE seq = $((N - 1));"
tamper chunk-deleted "DELETE FROM chunks WHERE seq = $SEQ_BIG AND idx = 3;"
tamper chunks-swapped "UPDATE chunks SET idx = 9 WHERE seq = $SEQ_BIG AND idx = 1; UPDATE chunks SET idx = 1 WHERE seq = $SEQ_BIG AND idx = 2; UPDATE chunks SET idx = 2 WHERE seq = $SEQ_BIG AND idx = 9;"
tamper wraps-byte "UPDATE entries SET wraps = $(flip_sql wraps 50) WHERE seq = $SEQ_BIG;"
tamper meta-byte "UPDATE entries SET meta = $(flip_sql meta 30) WHERE seq = $SEQ_TXT;"
# this log is too short for a stored tree node (FORMAT.md §15): the nodes
# below level 4 come from the entries' hash column, and none may be stored
tamper hash-column "UPDATE entries SET hash = $(flip_sql hash 5) WHERE seq = 3;"
tamper tree-low-row "INSERT INTO tree VALUES (1, 0, zeroblob(32));"
tamper tree-extra-row "INSERT INTO tree VALUES (40, 0, zeroblob(32));"
# the stored checkpoints as FORMAT.md §19-20 require them
tamper checkpoint-deleted "DELETE FROM checkpoints WHERE id = 3;"
tamper checkpoint-size-real "UPDATE checkpoints SET size = size + 0.5 WHERE id = 2;"
tamper checkpoint-size-zero "INSERT INTO checkpoints(size, root, signer, note) SELECT 0, root, signer, note FROM checkpoints WHERE id = 1;"
tamper checkpoint-sig-twice "UPDATE checkpoints SET note = note || substr(note, instr(note, char(10) || char(10)) + 2) WHERE id = 4;"
tamper entry-type-real "UPDATE entries SET type = type + 0.5 WHERE seq = 5;"
tamper type-column "UPDATE entries SET type = 4 WHERE seq = $SEQ_TXT;"
tamper checkpoint-root "UPDATE checkpoints SET root = $(flip_sql root 1) WHERE id = 3;"
tamper checkpoint-beyond-log "INSERT INTO checkpoints(size, root, signer, note) SELECT size + 1, root, signer, note FROM checkpoints ORDER BY id DESC LIMIT 1;"

# FORMAT.md §20 step 1 ("nothing below 0"): a stray row with a negative seq
# fails.  amverify rejects it; amanat, when this was written, skipped such
# rows.  Reported, not failed, until the two agree.
copy="$T/tampered-negative-seq.amn"
cp "$VAULT" "$copy"
sql "$copy" "$DROP_TRIGGERS INSERT INTO entries SELECT -1, type, header, sig, hash, wraps, meta FROM entries WHERE seq = 0;"
a=$(amv vault "$copy" 2>&1); ra=$?
b=$("$AMANAT" verify "$copy" 2>&1); rb=$?
if [ $ra != 1 ]; then fail "negative-seq row: amverify exit $ra [$a]"
elif [ $rb = 1 ]; then pass "negative-seq row rejected by both"
else fail "negative-seq row: amanat verify exit $rb [$b], amverify rejects [$a]"; fi

# a proof with one hash line changed: both reject
P="$T/proof.$SEQ_BIG"
"$PY" - "$P" "$T/proof.bad" <<'EOF'
import base64, sys
lines = open(sys.argv[1]).read().split("\n")
i = 3  # the first proof hash, after the magic, extra and index lines
h = bytearray(base64.b64decode(lines[i]))
h[0] ^= 1
lines[i] = base64.b64encode(bytes(h)).decode()
open(sys.argv[2], "w").write("\n".join(lines))
EOF
a=$(amv inclusion "$T/proof.bad" --key "$AUD_KEY" 2>&1); ra=$?
b=$("$AMANAT" check-proof "$T/proof.bad" --key "$AUD_KEY" 2>&1); rb=$?
if [ $ra = 1 ] && [ $rb = 1 ]; then pass "flipped proof hash rejected by both"; else
    fail "flipped proof hash: amverify $ra [$a], amanat check-proof $rb [$b]"; fi
b=$("$AMANAT" check-proof "$P" --key "$AUD_KEY" 2>&1) || fail "amanat check-proof of the intact proof: $b"

# a consistency proof with one hash line changed: both reject
"$PY" - "$T/cons.txt" "$T/cons.bad" <<'EOF'
import base64, sys
lines = open(sys.argv[1]).read().split("\n")
h = bytearray(base64.b64decode(lines[1]))
h[31] ^= 0x80
lines[1] = base64.b64encode(bytes(h)).decode()
open(sys.argv[2], "w").write("\n".join(lines))
EOF
a=$(amv consistency "$T/cons.bad" --old "$T/cp_old.txt" --key "$AUD_KEY" 2>&1); ra=$?
b=$("$AMANAT" check-proof "$T/cons.bad" --old "$T/cp_old.txt" --key "$AUD_KEY" 2>&1); rb=$?
if [ $ra = 1 ] && [ $rb = 1 ]; then pass "flipped consistency hash rejected by both"; else
    fail "flipped consistency hash: amverify $ra [$a], amanat check-proof $rb [$b]"; fi

# ---------------------------------------------------------------- batches (§27)
# a run of 'seal --recursive' is one batch: batched headers, one checkpoint at its end
mkdir -p "$T/bulk"
for i in 1 2 3; do printf 'record %s (fictional)\n' "$i" >"$T/bulk/r$i.txt"; done
"$AMANAT" seal "$VAULT" --as "$OFFICER" --type document --case BULK --recursive "$T/bulk" \
    >"$T/bulk.out" 2>&1 || fail "bulk seal: $(cat "$T/bulk.out")"
N=$("$PY" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM entries").fetchone()[0])' "$VAULT")
expect_rc 0 "a vault with a batch verifies independently" amv vault "$VAULT"
# §29: the batch's keys are batch wraps (flag bit 2); amverify opens one with the custodian's key
out=$(amv decrypt "$VAULT" $((N - 2)) --identity "$CUSTODIAN" --passphrase-env AMANAT_PASSPHRASE -o "$T/r2.dec" 2>&1)
if cmp -s "$T/r2.dec" "$T/bulk/r2.txt"; then pass "decrypt a batch-wrapped entry"; else
    fail "decrypt a batch-wrapped entry: $out"; fi
# the block's shape follows the signed flag: a batch wraps block is not a §14 one, nor cut short
out=$("$PY" - "$AMV" "$VAULT" $((N - 1)) <<'PY' 2>&1
import importlib.util, sqlite3, sys
spec = importlib.util.spec_from_file_location("amverify", sys.argv[1])
av = importlib.util.module_from_spec(spec); spec.loader.exec_module(av)
hdr, w = sqlite3.connect(sys.argv[2]).execute("SELECT header, wraps FROM entries WHERE seq = ?",
                                              (int(sys.argv[3]),)).fetchone()
h = av.Header.parse(bytes(hdr))
assert h.flags & av.BWRAP, "entry not batch-wrapped"
assert len(av.parse_wraps(bytes(w), h.flags)) == 1
for bad, flags in ((bytes(w), 0), (bytes(w)[:-1], h.flags), (bytes(w) + bytes(136), h.flags),
                   (bytes(w)[:4] + bytes(w)[4:40] * 0, h.flags)):
    try:
        av.parse_wraps(bad, flags)
    except av.Fail:
        continue
    raise SystemExit("malformed block accepted: %d bytes, flags %d" % (len(bad), flags))
print("ok")
PY
)
if [ "$out" = ok ]; then pass "batch wraps blocks of the wrong shape are refused"; else
    fail "batch wraps shape: $out"; fi
# the §29 vector, rebuilt from FORMAT.md's inputs by amverify's reader: it opens to the key
out=$("$PY" - "$AMV" "$TESTS_DIR/vectors/bwrap.txt" <<'PY' 2>&1
import hashlib, importlib.util, sys
import nacl.bindings
spec = importlib.util.spec_from_file_location("amverify", sys.argv[1])
av = importlib.util.module_from_spec(spec); spec.loader.exec_module(av)
V = {k: bytes.fromhex(v) for k, v in (l.strip().split(" = ") for l in open(sys.argv[2])
                                      if " = " in l and not l.startswith("#"))}
pat = lambda s, n: bytes((s + i) % 256 for i in range(n))
sk, esk = pat(0x60, 32), pat(0x70, 32)
pk, epk = nacl.bindings.crypto_scalarmult_base(sk), nacl.bindings.crypto_scalarmult_base(esk)
assert (pk, epk) == (V["custodian.box_pk"], V["epk"]), "keys"
kw = hashlib.blake2b(av.DOM_BWRAP_KEY + nacl.bindings.crypto_scalarmult(esk, pk) + epk + pk,
                     digest_size=32).digest()
assert kw == V["kw"], "kw"
assert av.DOM_BWRAP_AD + pat(0x90, 16) + pat(0xb0, 16) + pk == V["ad"], "ad"
(_, wrap), = av.parse_wraps(V["block"], av.BWRAP)
assert av.H(V["block"]) == V["block_hash"], "hash"
assert av.open_bwrap(wrap, pat(0x90, 16), pat(0xb0, 16), pk, sk) == pat(0x80, 32), "key"
print("ok")
PY
)
if [ "$out" = ok ]; then pass "amverify rebuilds and opens the batch wraps vector (§29)"; else
    fail "batch wraps vector: $out"; fi
tamper batch-checkpoint-removed "DELETE FROM checkpoints WHERE size = $N;"
tamper batch-cut-inside "DELETE FROM checkpoints WHERE size = $N; DELETE FROM chunks WHERE seq = $((N - 1));
    DELETE FROM entries WHERE seq = $((N - 1)); DELETE FROM tree WHERE ((idx + 1) << level) = $N;"

# ---------------------------------------------------------------- storage classes (§19)
# a value of the right bytes but stored as TEXT is no blob: both refuse it, in
# every column §19 names blob, a stored tree node's hash among them (16 entries
# or more: a schema 3 vault stores no node below level 4, §15)
mkdir -p "$T/more"
for i in 1 2 3 4 5; do printf 'more %s (fictional)\n' "$i" >"$T/more/m$i.txt"; done
"$AMANAT" seal "$VAULT" --as "$OFFICER" --type document --case MORE --recursive "$T/more" \
    >"$T/more.out" 2>&1 || fail "bulk seal: $(cat "$T/more.out")"
[ "$(sql "$VAULT" "SELECT count(*) FROM tree WHERE level = 4 AND idx = 0")" = 1 ] ||
    fail "no stored node (4, 0) to alter"
tamper tree-hash-text "UPDATE tree SET hash = CAST(hash AS TEXT) WHERE level = 4 AND idx = 0;"
tamper header-text "UPDATE entries SET header = CAST(header AS TEXT) WHERE seq = $SEQ_TXT;"
tamper sig-text "UPDATE entries SET sig = CAST(sig AS TEXT) WHERE seq = $SEQ_TXT;"
tamper chunk-text "UPDATE chunks SET data = CAST(data AS TEXT) WHERE seq = $SEQ_BIG AND idx = 1;"

# ---------------------------------------------------------------- the schema (§19)
# the triggers may be missing; anything else of anyone else's is refused by both
copy="$T/no-triggers.amn"
cp "$VAULT" "$copy"
sql "$copy" "$DROP_TRIGGERS" || fail "no-triggers: sql"
expect_rc 0 "amverify: a vault without its triggers" amv vault "$copy"
expect_rc 0 "amanat: a vault without its triggers" "$AMANAT" verify "$copy"
tamper planted-index "CREATE INDEX planted ON entries(type);"
tamper planted-view "CREATE VIEW planted AS SELECT seq FROM entries;"
tamper planted-table "CREATE TABLE planted(x);"
tamper trigger-of-another "CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries BEGIN SELECT RAISE(IGNORE); END;"
tamper table-redefined "ALTER TABLE checkpoints ADD COLUMN extra;"

if [ "$FAILS" != 0 ]; then
    echo "independent.sh: $FAILS failure(s)" >&2
    exit 1
fi
echo "independent.sh: all checks passed"
