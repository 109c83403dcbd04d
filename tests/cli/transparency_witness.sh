#!/bin/bash
# transparency_witness.sh — witnesses against split views: `witness cosign`
# on `consistency VAULT N` files, per-witness state files, and
# `verify --checkpoint --witness --quorum` on the cosigned checkpoint.  A
# witness must refuse (exit 1, state unchanged) to cosign a fork: another root
# at the same size, a smaller tree, or a tree that does not extend the one it
# cosigned; and a quorum must count distinct witnesses, each once.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3

# soft CHECK...: run one lib.sh assertion without stopping at its failure, so
# that one product bug does not hide the checks after it; the script still
# fails at the end if any soft check failed.
SOFT_FAILS=0
soft() {
	if ("$@"); then
		pass
	else
		SOFT_FAILS=$((SOFT_FAILS + 1))
	fi
}

printf 'Fictional testimony A.\n' >a.txt
printf 'Fictional testimony B.\n' >b.txt
printf 'Fictional testimony C.\n' >c.txt
make_vault v.db # 0-3
seal_as officer v.db a.txt # 4: 5 entries
make_id w1
make_id w2
make_id w3
am 0 verifier-key --witness w1.pub
WK1=$(cat "$OUT")
am 0 verifier-key --witness w2.pub
WK2=$(cat "$OUT")
am 0 verifier-key --witness w3.pub
WK3=$(cat "$OUT")
am 0 verifier-key v.db auditor.pub
VK=$(cat "$OUT")

# checkpoint_of PROOF OUT: the checkpoint part of a consistency proof file
checkpoint_of() {
	awk 'found { print } /^$/ && !found { found = 1 }' "$1" >"$2"
}

# cosign WANT WITNESS PROOF [ARGS...]: `witness cosign` with WITNESS.state;
# on success the line is in WITNESS.line.  A refusal must leave the state file
# exactly as it was (or absent).
cosign() {
	local want=$1 w=$2 proof=$3 before=absent
	shift 3
	[ -e "$w.state" ] && cp "$w.state" "$w.state.before" && before=present
	am_pw "$want" witness cosign "$proof" --as "$w.id" --log-key auditor.pub --log-key officer.pub \
		--state "$w.state" "$@"
	if [ "$want" = 0 ]; then
		cp "$OUT" "$w.line"
		expect_eq "cosignature lines" 1 "$(wc -l <"$w.line")"
		grep -q "^— $w [A-Za-z0-9+/]*=*\$" "$w.line" || fail "cosignature line: $(cat "$w.line")"
		pass
		expect_mode "$w.state" 600
	elif [ "$before" = present ]; then
		expect_same_file "$w.state" "$w.state.before"
	else
		expect_file_absent "$w.state"
	fi
}

# ---- round 1: both witnesses cosign the tree of 5 ----------------------------
am_pw 0 checkpoint v.db --as auditor.id
cp "$OUT" cp5.txt
am 0 consistency v.db 0
cp "$OUT" c0.txt
checkpoint_of c0.txt c0_cp.txt
expect_same_file c0_cp.txt cp5.txt
cosign 0 w1 c0.txt
cp w1.line w1_5.line
cosign 0 w2 c0.txt
cp w2.line w2_5.line
grep -q " 5 " w1.state || fail "w1.state does not remember size 5"
pass
# asked again from 0: refused (it must be asked from where it last cosigned);
# asked from 5 for the same tree: cosigned again, and nothing changes
cosign 1 w1 c0.txt
am 0 consistency v.db 5
cp "$OUT" c5_5.txt
cp w1.state w1.state.r1
cosign 0 w1 c5_5.txt --log-key "$VK"
expect_same_file w1.state w1.state.r1
# the checkpoint with both cosignatures
cat cp5.txt w1_5.line w2_5.line >cp5_w12.txt
am 0 verify v.db --checkpoint cp5_w12.txt --witness w1.pub --witness w2.pub --quorum 2
am 0 verify v.db --checkpoint cp5_w12.txt --witness "$WK1" --witness "$WK2" --quorum 2 --json
expect_eq "entries" 5 "$(json_num entries_checked)"
am 0 verify v.db --checkpoint cp5_w12.txt --witness "$WK1" --witness "$WK2" # quorum: all
am 0 verify v.db --since cp5_w12.txt --witness "$WK1" --witness "$WK2" --quorum 2
am 0 verify v.db --checkpoint cp5_w12.txt --witness "$WK1" --witness "$WK3" --quorum 1
# the cosignatures check out independently (C2SP tlog-cosignature in Python)
if [ -x "$PY" ] && "$PY" -c 'import nacl.signing' 2>/dev/null; then
	cat >cosig_check.py <<'EOF'
import base64, hashlib, sys
from nacl.signing import VerifyKey
name, kid, key = sys.argv[1].split("+", 2)
raw = base64.b64decode(key)
assert raw[0] == 4 and len(raw) == 33, "not a type 0x04 key"
pk = raw[1:]
assert hashlib.sha256(name.encode() + b"\n\x04" + pk).digest()[:4].hex() == kid, "key id"
note = open(sys.argv[2], "rb").read()
i = note.rfind(b"\n\n")
body, sigs = note[: i + 1], note[i + 2 :].decode().splitlines()
n = 0
for line in sigs:
    nm, b64 = line[2:].split(" ")
    sig = base64.b64decode(b64)
    if nm != name or sig[:4].hex() != kid:
        continue
    t = int.from_bytes(sig[4:12], "big")
    VerifyKey(pk).verify(b"cosignature/v1\ntime %d\n" % t + body, sig[12:])
    n += 1
sys.exit(0 if n == 1 else 1)
EOF
	expect_exit 0 "$PY" cosig_check.py "$WK1" cp5_w12.txt
	expect_exit 0 "$PY" cosig_check.py "$WK2" cp5_w12.txt
	expect_exit 1 "$PY" cosig_check.py "$WK3" cp5_w12.txt
fi

# quorum 2 with one cosignature: exit 1
cat cp5.txt w1_5.line >cp5_w1.txt
am 1 verify v.db --checkpoint cp5_w1.txt --witness "$WK1" --witness "$WK2" --quorum 2
expect_stderr_contains "1 valid witness cosignature"
am 0 verify v.db --checkpoint cp5_w1.txt --witness "$WK1" --witness "$WK2" --quorum 1
am 1 verify v.db --checkpoint cp5.txt --witness "$WK1" --quorum 1
# one witness's cosignature twice is still one witness
cat cp5.txt w1_5.line w1_5.line >cp5_w11.txt
soft am 1 verify v.db --checkpoint cp5_w11.txt --witness "$WK1" --witness "$WK2" --quorum 2
# one witness named twice is still one witness
soft expect_nonzero "$AMANAT" verify v.db --checkpoint cp5_w1.txt --witness "$WK1" --witness w1.pub --quorum 2
soft expect_nonzero "$AMANAT" verify v.db --checkpoint cp5_w1.txt --witness "$WK1" --witness "$WK1" --quorum 2
# the same through check-proof
am 0 prove v.db 4 --checkpoint cp5_w12.txt
cp "$OUT" p4.txt
am 0 check-proof p4.txt --key "$VK" --witness "$WK1" --witness "$WK2" --quorum 2
{ awk '{ print } /^$/ { exit }' p4.txt; cat cp5_w11.txt; } >p4_w11.txt
am 0 check-proof p4_w11.txt --key "$VK" --witness "$WK1" --quorum 1
soft am 1 check-proof p4_w11.txt --key "$VK" --witness "$WK1" --witness "$WK2" --quorum 2
soft expect_nonzero "$AMANAT" check-proof p4.txt --key "$VK" --witness "$WK1" --witness "$WK1" --quorum 2
# a cosignature with its time changed, or on another body: the note is bad
sed 's/^\(— w1 .\{6\}\)\(.\)/\1A/' w1_5.line >w1_bad.line
cmp -s w1_bad.line w1_5.line && sed 's/^\(— w1 .\{6\}\)\(.\)/\1B/' w1_5.line >w1_bad.line
cat cp5.txt w1_bad.line w2_5.line >cp5_bad.txt
am 1 verify v.db --checkpoint cp5_bad.txt --witness "$WK1" --witness "$WK2" --quorum 1
am 0 verify v.db --checkpoint cp5_bad.txt --witness "$WK2" --quorum 1 # w1 not asked
# the log's own key given as a witness: its note signature is no cosignature
soft expect_nonzero "$AMANAT" verify v.db --checkpoint cp5_w12.txt --witness "$VK" --quorum 1
soft expect_nonzero "$AMANAT" check-proof p4.txt --key "$VK" --witness "$VK" --quorum 1
am 2 verify v.db --witness "$WK1"
am 2 verify v.db --checkpoint cp5_w12.txt --witness "$WK1" --quorum 2

# ---- round 2: the log grows; a fork is made ---------------------------------------
cp v.db f.db              # a copy at 5 entries
seal_as officer v.db b.txt # v: 5 = B
seal_as officer v.db c.txt # v: 6 = C  -> 7 entries
on_laptop f seal_as officer f.db c.txt # f: 5 = C (a fork, grown on another laptop)
cp f.db f6.db              # a fork of 6 entries
on_laptop f seal_as officer f.db b.txt # f: 6 = B  -> 7 entries, another tree
on_laptop f seal_as officer f.db a.txt # f: 8 entries
cp f.db f8.db
am_pw 0 checkpoint v.db --as auditor.id
cp "$OUT" cp7.txt
# w1 must be asked from where it last cosigned: 5
am 0 consistency v.db 0
cp "$OUT" c0_7.txt
cosign 1 w1 c0_7.txt
expect_stderr_contains "consistency VAULT 5"
am 0 consistency v.db 5
cp "$OUT" c5_7.txt
cosign 0 w1 c5_7.txt
cp w1.line w1_7.line
grep -q " 7 " w1.state || fail "w1.state does not remember size 7"
pass

# w2 is shown the fork instead (a split view): the fork at 7 does extend 5, so
# it cosigns it, and from then on w1 and w2 disagree
am 0 consistency f.db 5 7
cp "$OUT" f5_7.txt
cosign 0 w2 f5_7.txt
cp w2.line w2_f7.line
checkpoint_of f5_7.txt fcp7.txt
# neither view reaches a quorum of 2 ...
cat cp7.txt w1_7.line >cp7_w1.txt
cat fcp7.txt w2_f7.line >fcp7_w2.txt
am 1 verify v.db --checkpoint cp7_w1.txt --witness "$WK1" --witness "$WK2" --quorum 2
am 1 verify f.db --checkpoint fcp7_w2.txt --witness "$WK1" --witness "$WK2" --quorum 2
# ... and mixing them does not help: w2's line is not over v's checkpoint
cat cp7.txt w1_7.line w2_f7.line >cp7_mixed.txt
am 1 verify v.db --checkpoint cp7_mixed.txt --witness "$WK1" --witness "$WK2" --quorum 2
# the fork's checkpoint does not describe this vault
am 1 verify v.db --checkpoint fcp7_w2.txt --witness "$WK2" --quorum 1

# now each witness is asked to cosign the other view: both refuse, state unchanged
# same size (7), other root
am 0 consistency f.db 7 7
cp "$OUT" f7_7.txt
cosign 1 w1 f7_7.txt
expect_stderr_contains "does NOT extend"
am 0 consistency v.db 7
cp "$OUT" v7_7.txt
cosign 1 w2 v7_7.txt
# a larger fork (8) that does not extend what w1 cosigned (7)
am 0 consistency f8.db 7
cp "$OUT" f7_8.txt
cosign 1 w1 f7_8.txt
# a smaller tree (6): from the size w1 remembers there is no proof ...
expect_nonzero "$AMANAT" consistency f6.db 7
# ... and whatever the fork offers instead is refused
am 0 consistency f6.db 0
cp "$OUT" f0_6.txt
cosign 1 w1 f0_6.txt
am 0 consistency f6.db 6
cp "$OUT" f6_6.txt
cosign 1 w1 f6_6.txt
am 0 consistency f6.db 5
cp "$OUT" f5_6.txt
cosign 1 w1 f5_6.txt
# a hand-made request claiming to start from 7 with a tree of 6
{ echo "old 7"; echo; cat f6_6.txt | awk 'found { print } /^$/ && !found { found = 1 }'; } >forged.txt
cp w1.state w1.state.before
expect_nonzero "$AMANAT" witness cosign forged.txt --as w1.id --log-key auditor.pub --state w1.state
expect_same_file w1.state w1.state.before
# and w1 still cosigns the honest log as it grows
seal_as officer v.db a.txt
am 0 consistency v.db 7
cp "$OUT" c7_8.txt
cosign 0 w1 c7_8.txt
grep -q " 8 " w1.state || fail "w1.state does not remember size 8"
pass

# ---- what a witness refuses outright ----------------------------------------------
# a checkpoint not signed by the log key given
am 0 consistency v.db 0
cp "$OUT" c0_8.txt
am_pw 1 witness cosign c0_8.txt --as w3.id --log-key admin.pub --state w3.state
expect_file_absent w3.state
# a damaged consistency proof
awk 'NR == 2 { c = substr($0, 1, 1); $0 = (c == "A" ? "B" : "A") substr($0, 2) } { print }' c7_8.txt >bad.txt
cosign 1 w1 bad.txt
# not a proof
printf 'not a proof\n' >junk.txt
am_pw 2 witness cosign junk.txt --as w1.id --log-key auditor.pub --state w1.state
# the wrong passphrase: nothing is signed or remembered
am 0 consistency v.db 8
cp "$OUT" c8_8.txt
cp w1.state w1.state.before
AMANAT_PASSPHRASE=wrong expect_exit 3 "$AMANAT" witness cosign c8_8.txt --as w1.id --log-key officer.pub \
	--state w1.state
expect_same_file w1.state w1.state.before
am 2 witness cosign c7_8.txt --log-key auditor.pub
am 2 witness cosign c7_8.txt --as w1.id
am 2 witness sign c7_8.txt --as w1.id --log-key auditor.pub

[ "$SOFT_FAILS" = 0 ] || fail "$SOFT_FAILS check(s) above failed"
finish
