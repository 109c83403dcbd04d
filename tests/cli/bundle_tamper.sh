#!/bin/bash
# bundle_tamper.sh — evidence bundles changed after export, each on a fresh
# copy of a good directory bundle (and one ZIP): 'amanat verify-bundle' must
# exit 1 and say why for every one.  For each, it is also asserted what the
# standard tools a court may use instead (tests/bagit/validate_bag.py,
# sha256sum, minisign) make of it: an attacker who recomputes every manifest
# gets past BagIt and sha256sum but not the minisign signature; one who also
# re-signs with a key of their own gets past minisign too, and only the check
# that the signer is an enrolled custodian is left to catch it.
#
# All the tampered copies are made and checked with standard tools first,
# then verify-bundle runs on each, so that the first part still checks
# something while verify-bundle is missing.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

need_bagit
command -v minisign >/dev/null 2>&1 ||
	fail "minisign is not installed: run tools/deps.sh (CI installs it)"

DEMO_PASS=demo-only-passphrase
V=demo/demo.amn
K=demo/keys

dm() {
	local want=$1
	shift
	AMANAT_PASSPHRASE="$DEMO_PASS" expect_exit "$want" "$AMANAT" "$@"
}

in_dir() { # CODE DIR CMD...
	local want=$1 d=$2
	shift 2
	expect_exit "$want" env -C "$d" "$@"
}

validate() { # CODE BAG
	expect_exit "$1" "$PY" "$VALIDATE" "$2"
}

sigcheck() { # CODE DIR — minisign with the bundle's own amanat/signer.pub
	in_dir "$1" "$2" minisign -Vm tagmanifest-sha256.txt -p amanat/signer.pub
}

# rehash DIR — recompute both payload manifests and the tag manifest, as
# someone who changed the bundle but holds no signing key would (the file
# names of a bundle need no escaping, so sha256sum's lines are BagIt's)
rehash() {
	(
		cd "$1" || exit 1
		find data -type f | LC_ALL=C sort >../.payload-files || exit 1
		xargs -r -d '\n' sha256sum -- <../.payload-files >manifest-sha256.txt || exit 1
		xargs -r -d '\n' sha512sum -- <../.payload-files >manifest-sha512.txt || exit 1
		find . -type f ! -path './data/*' ! -name tagmanifest-sha256.txt \
			! -name tagmanifest-sha256.txt.minisig | sed 's#^\./##' | LC_ALL=C sort |
			xargs -r -d '\n' sha256sum -- >../.tagmanifest || exit 1
		mv ../.tagmanifest tagmanifest-sha256.txt
	) || fail "rehash $1 failed"
}

# fix_oxum DIR — make bag-info.txt's Payload-Oxum fit the payload again
fix_oxum() {
	local bytes files
	bytes=$(find "$1/data" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
	files=$(find "$1/data" -type f | wc -l)
	sed -i -E "s/^Payload-Oxum: .*/Payload-Oxum: $bytes.$files/" "$1/bag-info.txt" ||
		fail "cannot edit $1/bag-info.txt"
}

# fresh NAME — a new copy of the good bundle
fresh() {
	rm -rf "$1"
	cp -r good "$1" || fail "cannot copy the bundle"
}

# flip FILE POS — xor 0x01 into byte POS (0-based)
flip() {
	"$PY" -c 'import sys; p, i = sys.argv[1], int(sys.argv[2]); b = bytearray(open(p, "rb").read()); b[i] ^= 1; open(p, "wb").write(b)' "$1" "$2" ||
		fail "cannot flip byte $2 of $1"
}

changed() { # A B — the two files must differ (the tampering happened)
	if cmp -s -- "$1" "$2"; then
		fail "tampering did not change $2"
	fi
	pass
}

# ---- a good bundle, a ZIP of it, and another vault's checkpoint ----------------
am 0 demo demo
cp "$V" zipvault.amn || fail "cannot copy the vault"
# the demo leaves a checkpoint of its whole log: both exports prove against it
dm 0 export "$V" --as "$K/custodian-demo.id" --purpose "tamper test" --scope un-mechanism \
	--case DEMO-2024-001 -o good
on_laptop zip dm 0 export zipvault.amn --as "$K/custodian-demo.id" --purpose "tamper test" \
	--scope un-mechanism --case DEMO-2024-001 -o good.zip
validate 0 good
in_dir 0 good sha256sum --strict -c tagmanifest-sha256.txt
sigcheck 0 good
P1=data/AMN-000001/W-0042-interview.txt
P2=data/AMN-000002/detention-register-extract.txt
for f in "$P1" "$P2" amanat/items/AMN-000003.json; do
	[ -f "good/$f" ] || fail "the bundle does not hold good/$f"
	pass
done
make_id stranger
am_pw 0 init other.amn --as stranger.id
am_pw 0 checkpoint other.amn --as stranger.id
cp "$OUT" other-checkpoint.txt

# control: rehash reproduces the exporter's manifests byte for byte, so a
# signature failure below is the tampering's doing, not the helper's
fresh control
rehash control
for m in manifest-sha256.txt manifest-sha512.txt tagmanifest-sha256.txt; do
	expect_same_file "good/$m" "control/$m"
done
sigcheck 0 control

# ---- the tampered copies, and what standard tools make of them ----------------
# case NAME ERE — verify-bundle must reject NAME, naming the failure: some
# line of its output must match ERE (docs/BUNDLE.md: "names each failure")
CASES=()
WHY=()
case_() {
	CASES+=("$1")
	WHY+=("$2")
}

# one payload byte
fresh t-payload
flip "t-payload/$P1" 10
changed "good/$P1" "t-payload/$P1"
validate 1 t-payload
expect_stdout_contains "$P1"
in_dir 1 t-payload sha256sum --strict -c manifest-sha256.txt
case_ t-payload 'W-0042-interview.txt'

# one byte of a disclosed value in an item record, every manifest recomputed
fresh t-item
sed -i 's/"value": "Interview with witness W-0042/"value": "Interview with witness W-0043/' \
	t-item/amanat/items/AMN-000001.json
changed good/amanat/items/AMN-000001.json t-item/amanat/items/AMN-000001.json
expect_eq "bytes changed in AMN-000001.json" 1 \
	"$(cmp -l good/amanat/items/AMN-000001.json t-item/amanat/items/AMN-000001.json | wc -l)"
rehash t-item
validate 0 t-item
in_dir 0 t-item sha256sum --strict -c tagmanifest-sha256.txt
sigcheck 1 t-item
case_ t-item 'AMN-000001\.json'

# two items' payloads swapped, manifests recomputed
fresh t-swap
cp "good/$P1" "t-swap/$P2" || fail "cannot swap payloads"
cp "good/$P2" "t-swap/$P1" || fail "cannot swap payloads"
rehash t-swap
validate 0 t-swap
sigcheck 1 t-swap
case_ t-swap 'AMN-00000[12]'

# an item removed: its payload, its record, its manifest lines
fresh t-remove
rm -r t-remove/data/AMN-000003 t-remove/amanat/items/AMN-000003.json
fix_oxum t-remove
rehash t-remove
validate 0 t-remove
in_dir 0 t-remove sha256sum --strict -c tagmanifest-sha256.txt
sigcheck 1 t-remove
case_ t-remove 'AMN-000003'

# an extra payload file, manifests untouched: sha256sum -c does not see it, BagIt does
fresh t-extra
printf 'FICTIONAL. A file slipped in after the export.\n' >t-extra/data/AMN-000001/note.txt
validate 1 t-extra
expect_stdout_contains "data/AMN-000001/note.txt"
in_dir 0 t-extra sha256sum --strict -c manifest-sha256.txt
case_ t-extra 'note\.txt'
# ... and with the manifests recomputed
fresh t-extra2
printf 'FICTIONAL. A file slipped in after the export.\n' >t-extra2/data/AMN-000001/note.txt
fix_oxum t-extra2
rehash t-extra2
validate 0 t-extra2
sigcheck 1 t-extra2
case_ t-extra2 'note\.txt'

# an inclusion proof with one hash line changed (still valid base64)
fresh t-proof
"$PY" - t-proof/amanat/entries/4.tlog-proof <<'EOF' || fail "cannot alter the proof"
import sys
p = sys.argv[1]
lines = open(p, "rb").read().split(b"\n")
i = lines.index(b"index 4") + 1          # the first proof hash
h = lines[i]
lines[i] = (b"B" if h[:1] == b"A" else b"A") + h[1:]
open(p, "wb").write(b"\n".join(lines))
EOF
changed good/amanat/entries/4.tlog-proof t-proof/amanat/entries/4.tlog-proof
in_dir 1 t-proof sha256sum --strict -c tagmanifest-sha256.txt
validate 1 t-proof
case_ t-proof '4\.tlog-proof'
fresh t-proof2
cp t-proof/amanat/entries/4.tlog-proof t-proof2/amanat/entries/4.tlog-proof
rehash t-proof2
validate 0 t-proof2
sigcheck 1 t-proof2
case_ t-proof2 '4\.tlog-proof'

# the checkpoint of another vault, manifests recomputed
fresh t-foreign-cp
cp other-checkpoint.txt t-foreign-cp/amanat/checkpoint.txt
changed good/amanat/checkpoint.txt t-foreign-cp/amanat/checkpoint.txt
rehash t-foreign-cp
validate 0 t-foreign-cp
sigcheck 1 t-foreign-cp
case_ t-foreign-cp 'checkpoint'

# Payload-Oxum changed, manifests recomputed
fresh t-oxum
sed -i -E 's/^(Payload-Oxum: )([0-9]+)\./\19\2./' t-oxum/bag-info.txt
changed good/bag-info.txt t-oxum/bag-info.txt
rehash t-oxum
validate 1 t-oxum
expect_stdout_contains "Payload-Oxum"
sigcheck 1 t-oxum
case_ t-oxum 'Payload-Oxum'

# a payload changed and everything re-signed with a new minisign key of the
# tamperer's own, under the exporter's trusted comment: every standard tool
# passes; only "the signer is an enrolled custodian" can catch it
fresh t-rekeyed
printf 'FICTIONAL. A rewritten statement.\n' >"t-rekeyed/$P1"
expect_exit 0 minisign -G -W -p tamperer.pub -s tamperer.key
cp tamperer.pub t-rekeyed/amanat/signer.pub
fix_oxum t-rekeyed
rehash t-rekeyed
tc=$(sed -n 's/^trusted comment: //p' good/tagmanifest-sha256.txt.minisig)
[ -n "$tc" ] || fail "no trusted comment in the bundle's signature"
in_dir 0 t-rekeyed minisign -S -s ../tamperer.key -m tagmanifest-sha256.txt \
	-x tagmanifest-sha256.txt.minisig -t "$tc"
validate 0 t-rekeyed
in_dir 0 t-rekeyed sha256sum --strict -c manifest-sha256.txt
in_dir 0 t-rekeyed sha256sum --strict -c tagmanifest-sha256.txt
sigcheck 0 t-rekeyed
case_ t-rekeyed 'signer|custodian|enrolled'
# the same with the good payload: only the signer differs
fresh t-rekeyed2
cp tamperer.pub t-rekeyed2/amanat/signer.pub
rehash t-rekeyed2
in_dir 0 t-rekeyed2 minisign -S -s ../tamperer.key -m tagmanifest-sha256.txt \
	-x tagmanifest-sha256.txt.minisig -t "$tc"
sigcheck 0 t-rekeyed2
case_ t-rekeyed2 'signer|custodian|enrolled'

# the ZIP: one byte of a payload's compressed data
cp good.zip t-zip.zip
off=$("$PY" - good.zip "$P1" <<'EOF'
import struct, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
# the bag sits in one base directory inside the ZIP (RFC 8493 section 4.2)
i = next(x for x in z.infolist() if x.filename.split("/", 1)[-1] == sys.argv[2])
with open(sys.argv[1], "rb") as f:
    f.seek(i.header_offset)
    h = f.read(30)
n, m = struct.unpack("<HH", h[26:30])
print(i.header_offset + 30 + n + m + i.compress_size // 2)
EOF
) || fail "cannot find $P1 in good.zip"
flip t-zip.zip "$off"
expect_nonzero unzip -tq t-zip.zip
validate 1 t-zip.zip
case_ t-zip.zip 'W-0042-interview.txt'

# ---- verify-bundle: the good bundles pass, every tampered one fails ------------
am 0 verify-bundle good
am 0 verify-bundle good.zip
am 0 verify-bundle control
for i in "${!CASES[@]}"; do
	am 1 verify-bundle "${CASES[$i]}"
	if ! cat "$OUT" "$ERR" | grep -qE -- "${WHY[$i]}"; then
		echo "  --- stdout ---" >&2
		cat "$OUT" >&2
		echo "  --- stderr ---" >&2
		cat "$ERR" >&2
		fail "verify-bundle ${CASES[$i]} exits 1 without naming the failure (nothing matches /${WHY[$i]}/)"
	fi
	pass
done

finish
