#!/bin/bash
# export_index.sh — an export of items named by number reads only what the
# custodian's local export index (docs/FORMAT.md §30, beside the pin) says
# refers to them, and that index is never taken on trust:
#
# 1. a consent withdrawal and a custody record sealed long after the item are
#    found through the index (extended, by one verified pass, with what was
#    sealed since): the item is refused, the custody record carried;
# 2. the index path and the whole-log walk (a date filter that matches
#    nothing forces it) give the same bundle, byte for byte;
# 3. an index edited (a byte flipped, the withdrawal's record cut out, cut
#    short), removed, of another vault, ahead of the pin, not of this log, or
#    behind it is noticed and built again (or extended) from the verified log,
#    and the withdrawal is still honoured;
# 4. a vault whose withdrawal entry was altered or removed after it was
#    verified is refused (exit 1), with the index and while rebuilding it,
#    and nothing is recorded.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

V=vault.amn
make_vault "$V"
fill() { # N — N small documents in one batch
	rm -rf fill && mkdir fill
	for i in $(seq 1 "$1"); do printf 'fictional filler %s %s\n' "$1" "$i" >"fill/$i.txt"; done
	am_pw 0 seal "$V" --as officer.id --type document --case C-FILL --recursive fill
}
printf 'W-0071 (fictional): statement later withdrawn.\n' >a.txt
printf 'W-0072 (fictional): statement shown to a custodian.\n' >c.txt
printf 'fictional: the witness withdraws consent\n' >w.txt
seal_as officer "$V" a.txt --meta consent.scopes=internal,court
A=$SEQ
seal_as officer "$V" c.txt --meta consent.scopes=internal
C=$SEQ
fill 40
vid=$(sq "$V" "SELECT lower(hex(substr(header, 9, 16))) FROM entries WHERE seq = 0")
IX="$XDG_STATE_HOME/amanat/pins/$vid.refs"

ex() { # CODE OUT ARGS... — the custodian exports for internal use
	local want=$1 out=$2
	shift 2
	rm -rf "$out"
	am_pw "$want" export "$V" --as custodian.id --purpose "fictional: index test" \
		--scope internal -o "$out" "$@"
}

# ---- 1. far-away references found through the index ---------------------------

ex 0 first --entry "$A"
[ -f "$IX" ] || fail "the first export left no index at $IX"
expect_mode "$IX" 600
expect_exit 1 grep -q "built again" "$ERR"
cp "$IX" behind.refs
fill 40
am_pw 0 show "$V" "$C" --as custodian.id
K=$(sq "$V" "SELECT max(seq) FROM entries")
fill 40
seal_as officer "$V" w.txt --type document --ref "$A" --meta consent.withdrawn=yes
W=$SEQ
fill 40
ex 0 second --entry "$A" --entry "$C"
expect_stderr_contains "refused entry $A: consent was withdrawn"
expect_exit 1 grep -q "built again" "$ERR"
grep -q "\"custody\": \[$K[],]" second/amanat/items/AMN-000001.json ||
	fail "the show record $K of $C, 40 entries after it, is not in its custody"
[ -f "second/amanat/entries/$K.tlog-proof" ] || fail "the custody record $K is not carried"
[ ! -e "second/amanat/entries/$W.tlog-proof" ] || fail "the withdrawal of a refused item is carried"
pass

# ---- 2. the index and the whole-log walk agree ---------------------------------

mkdir snap && cp "$V" snap/ && cp -r "$XDG_STATE_HOME" snap/state
restore() {
	cp snap/"$V" "$V" && rm -rf "$XDG_STATE_HOME" && cp -r snap/state "$XDG_STATE_HOME"
}
ex 0 by-index --entry "$A" --entry "$C"
cp "$ERR" by-index.err
restore
rm -f "$IX"
# a filter forces the walk of every entry; one that matches nothing selects the same items
ex 0 by-walk --entry "$A" --entry "$C" --from 2999-01-01
[ ! -e "$IX" ] || fail "the walk of the whole log wrote an index"
diff -r by-index by-walk >diff.txt || { cat diff.txt >&2; fail "the index and the walk exported different bundles"; }
diff <(grep refused by-index.err) <(grep refused "$ERR") || fail "the index and the walk refused differently"
restore
pass

# ---- 3. an index that is not what was verified is built again --------------------

withdrawal_honoured() { # OUT WHY — the export refuses A; WHY: the note expected, or -
	ex 0 "$1" --entry "$A" --entry "$C"
	expect_stderr_contains "refused entry $A: consent was withdrawn"
	if [ "$2" = - ]; then
		expect_exit 1 grep -q "built again" "$ERR"
	else
		expect_stderr_contains "the export index $IX was built again from the verified log: $2"
	fi
	cmp -s "$1/amanat/items/AMN-000001.json" by-index/amanat/items/AMN-000001.json ||
		fail "export $1 is not the one made with a good index"
	restore
}
ex 0 warm --entry "$C" && restore   # the index is now up to date in the snapshot
size=$(stat -c %s "$IX")
# a byte flipped in the middle
/usr/bin/python3 - "$IX" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[len(b) // 2] ^= 1; open(p, 'wb').write(b)
PY
withdrawal_honoured flipped damaged
# the withdrawal's record cut out, the rest (digest included) left as it was
/usr/bin/python3 - "$IX" "$W" <<'PY'
import struct, sys
p, w = sys.argv[1], int(sys.argv[2])
b = open(p, 'rb').read()
head, body, digest = b[:64], b[64:-32], b[-32:]
out, i, cut = bytearray(head), 0, 0
while i < len(body):
    seq, imp = struct.unpack_from('<QB', body, i)
    n = 9 + (24 if imp else 0)
    (nrefs,) = struct.unpack_from('<I', body, i + n)
    end = i + n + 4 + 8 * nrefs
    if seq == w:
        cut = 1
    else:
        out += body[i:end]
    i = end
assert cut, 'no record of the withdrawal in the index'
open(p, 'wb').write(bytes(out) + digest)
PY
withdrawal_honoured omitted damaged
truncate -s $((size - 40)) "$IX"
withdrawal_honoured cut damaged
rm -f "$IX"
withdrawal_honoured removed -
[ -f "$IX" ] || fail "a removed index was not built again"
# another vault's index under this vault's name
make_vault other.amn
am_pw 0 seal other.amn --as officer.id --type testimony --case C-O \
	--meta consent.scopes=internal a.txt
am_pw 0 export other.amn --as custodian.id --purpose "fictional" --scope internal --entry 4 -o o1
ovid=$(sq other.amn "SELECT lower(hex(substr(header, 9, 16))) FROM entries WHERE seq = 0")
cp "$XDG_STATE_HOME/amanat/pins/$ovid.refs" "$IX"
withdrawal_honoured foreign "it is of another vault"
# a size beyond the verified log, a root not of this log
/usr/bin/python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[24:32]=(10**9).to_bytes(8,"little"); open(p,"wb").write(b)' "$IX"
withdrawal_honoured ahead "it is ahead of the log verified from your pin"
/usr/bin/python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[40]^=1; open(p,"wb").write(b)' "$IX"
withdrawal_honoured rooted "it is not of this log"
# behind the pin (made before the withdrawal existed): extended from the verified log
cp behind.refs "$IX"
withdrawal_honoured behind -
pass

# ---- 4. the vault altered after it was verified: refused ---------------------------

n=$(entry_count "$V")
drop_triggers "$V"
cp "$V" snap/"$V"
# the withdrawal's reference to A changed (the last byte of its first ref)
flip_byte "$V" entries header "seq = $W" 304
ex 1 altered --entry "$A"
expect_stderr_contains "entry $W is not the entry the verified log holds"
expect_eq "entries after a refused export" "$n" "$(entry_count "$V")"
expect_file_absent altered
ex 1 altered --entry "$A" --from 2999-01-01
expect_stderr_contains "entry $W is not the entry the verified log holds"
# the same while the index is rebuilt: the one pass over the log sees it
rm -f "$IX"
ex 1 altered2 --entry "$A"
expect_stderr_contains "are not the entries the verified log holds"
expect_eq "entries after a refused export" "$n" "$(entry_count "$V")"
[ ! -e "$IX" ] || fail "an index was saved from an altered log"
restore
# the withdrawal's row removed, or its type column relabelled
# (a missing row is refused as the whole-log walk refuses it: "has no entry", exit 2)
sq "$V" "DELETE FROM entries WHERE seq = $W"
ex 2 removed --entry "$A"
expect_stderr_contains "has no entry $W"
expect_eq "entries after a refused export" "$((n - 1))" "$(entry_count "$V")"
ex 2 removed --entry "$A" --from 2999-01-01
expect_stderr_contains "has no entry $W"
restore
sq "$V" "UPDATE entries SET type = 8 WHERE seq = $W"
withdrawal_honoured relabelled -
pass
finish
