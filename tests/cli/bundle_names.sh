#!/bin/bash
# bundle_names.sh — file names in Dari, Pashto or Arabic survive an export
# (docs/BUNDLE.md, "Shape"): the payload keeps its UTF-8 name in the bag
# directory, in the manifests (RFC 8493 takes UTF-8 paths), in the ZIP (with
# the UTF-8 flag, general purpose bit 11, so that unzip tools and Windows
# read the name as it was) and on index.html, and the bag still validates and
# verifies.  What is unsafe in a path is still never written: '/', a leading
# '.', control characters, bidirectional overrides and the fullwidth forms
# Windows turns into '/' become '_' (the name as sealed stays in the fields),
# and verify-bundle refuses such names in a bundle.  All names are fictional.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

need_bagit

export LC_ALL=C.UTF-8
DEMO_PASS=demo-only-passphrase
V=demo/demo.amn
K=demo/keys
CUST=$K/custodian-demo.id

dm() {
	local want=$1
	shift
	AMANAT_PASSPHRASE="$DEMO_PASS" expect_exit "$want" "$AMANAT" "$@"
}

# names, as Python writes them (no shell quoting games with bidi characters)
"$PY" - <<'PYEOF' || fail "cannot write the test files"
names = {
    "dari": "مصاحبه-W-0042.txt",                    # "interview", Dari/Persian
    "pashto": "د-شاهد-بیان-W-0043.txt",             # "witness statement", Pashto
    "zwnj": "می‌خواهم-W-0044.txt",                   # holds a ZWNJ (U+200C), kept
    "rlo": "report-\u202eexe.txt",                  # right-to-left override
    "ctl": "line\nbreak\x01-W-0045.txt",            # control characters
    "wide": "a\uff0f..\uff3cb.txt",                 # fullwidth '/' and '\'
    "dots": "..\u202dhidden.txt",                   # leading dots and an override
}
for k, n in names.items():
    with open(n, "w", encoding="utf-8") as f:
        f.write(f"FICTIONAL. Content of the {k} file, no real person.\n")
    with open(f"name-{k}", "w", encoding="utf-8") as f:
        f.write(n)
PYEOF

am 0 demo demo
SEQS=()
for k in dari pashto zwnj rlo ctl wide dots; do
	dm 0 seal "$V" --as "$K/officer-demo.id" --type testimony --case DEMO-2024-009 \
		--title "Interview $k (fictional)" --meta consent.scopes=court "$(cat "name-$k")"
	SEQS+=("$(cat "$OUT")")
done
cp "$V" copy.amn || fail "cannot copy the vault"
dm 0 export "$V" --as "$CUST" --purpose "names test" --scope court --case DEMO-2024-009 -o bdir
on_laptop zip dm 0 export copy.amn --as "$CUST" --purpose "names test" --scope court \
	--case DEMO-2024-009 -o b.zip

# the payload paths, item by item (in the order sealed), as the exporter chose them
cat >paths.py <<'PYEOF'
import json, os, sys, unicodedata, zipfile
kind, where = sys.argv[1], sys.argv[2]
want = {
    "AMN-000001": "data/AMN-000001/مصاحبه-W-0042.txt",
    "AMN-000002": "data/AMN-000002/د-شاهد-بیان-W-0043.txt",
    "AMN-000003": "data/AMN-000003/می‌خواهم-W-0044.txt",
    "AMN-000004": "data/AMN-000004/report-_exe.txt",
    "AMN-000005": "data/AMN-000005/line_break_-W-0045.txt",
    "AMN-000006": "data/AMN-000006/a_.._b.txt",
    "AMN-000007": "data/AMN-000007/_hidden.txt",
}
probs = []
if kind == "dir":
    for i, p in want.items():
        it = json.load(open(os.path.join(where, "amanat/items", i + ".json"), encoding="utf-8"))
        if it["payload"] != p:
            probs.append(f"{i}: payload {it['payload']!r}, not {p!r}")
        if not os.path.isfile(os.path.join(where, p)):
            probs.append(f"{i}: no file {p!r} in the bag")
    m = open(os.path.join(where, "manifest-sha256.txt"), encoding="utf-8").read()
    for p in want.values():
        if f"  {p}\n" not in m:
            probs.append(f"manifest-sha256.txt does not list {p!r} as it is")
else:
    z = zipfile.ZipFile(where)
    infos = {i.filename.split("/", 1)[1]: i for i in z.infolist()}
    for p in want.values():
        i = infos.get(p)
        if i is None:
            probs.append(f"the ZIP holds no {p!r}: {sorted(infos)}")
        elif not p.isascii() and not i.flag_bits & 0x800:
            probs.append(f"{p!r}: UTF-8 flag (bit 11) not set")
        elif i.orig_filename.encode("utf-8").decode("utf-8") != i.filename:
            probs.append(f"{p!r}: name does not decode as UTF-8")
    for n, i in infos.items():
        if n.isascii() and i.flag_bits & 0x800:
            probs.append(f"{n}: an ASCII name with the UTF-8 flag")
print("\n".join(probs))
sys.exit(1 if probs else 0)
PYEOF
expect_exit 0 "$PY" paths.py dir bdir
expect_exit 0 "$PY" paths.py zip b.zip
expect_same_file "$(cat name-dari)" "bdir/data/AMN-000001/$(cat name-dari)"
expect_same_file "$(cat name-pashto)" "bdir/data/AMN-000002/$(cat name-pashto)"
# nothing unsafe was written: no control or bidi formatting character in any name
if find bdir | LC_ALL=C grep -qaP '[\x00-\x1f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]'; then
	fail "a bundle file name holds a control or bidi formatting character"
fi
pass

# BagIt, standard tools, unzip, amanat
for b in bdir b.zip; do
	expect_exit 0 "$PY" "$VALIDATE" --strict "$b"
	expect_stdout_contains "valid BagIt bag"
	am 0 verify-bundle "$b"
	expect_stdout_contains "ok: 7 items verified"
	expect_stdout_contains ": data/AMN-000001/$(cat name-dari), "
done
(cd bdir && expect_exit 0 sha256sum --strict -c manifest-sha256.txt tagmanifest-sha256.txt) || exit 1
expect_stdout_contains "data/AMN-000002/$(cat name-pashto): OK"
mkdir unz && expect_exit 0 unzip -q b.zip -d unz
expect_same_file "$(cat name-dari)" unz/amanat-*/data/AMN-000001/"$(cat name-dari)"
expect_exit 0 diff -r bdir unz/amanat-*

# index.html: the name as it is, linked; a name made safe is shown as sealed too
expect_exit 0 grep -qF ">data/AMN-000001/$(cat name-dari)<" bdir/index.html
expect_exit 0 grep -qF 'href="data/AMN-000001/%D9%85%D8%B5%D8%A7%D8%AD%D8%A8%D9%87-W-0042.txt"' bdir/index.html
expect_exit 0 grep -qF "sealed as <bdi>$(cat name-rlo)</bdi>" bdir/index.html
expect_exit 1 grep -qF "sealed as <bdi>$(cat name-dari)" bdir/index.html

# verify-bundle refuses what the exporter never writes: a payload name with a
# bidi override, and a UTF-8 name in a ZIP entry without the UTF-8 flag
cp -r bdir bad
printf 'x' >"bad/data/AMN-000001/$(printf 'evil\xe2\x80\xaetxt.exe')"
am 1 verify-bundle bad
expect_stderr_contains "not a safe bundle path"
"$PY" - b.zip noflag.zip <<'PYEOF' || fail "cannot clear the UTF-8 flags"
import sys
b = bytearray(open(sys.argv[1], "rb").read())
for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
    i = b.find(sig)
    while i >= 0:
        b[i + off + 1] &= ~0x08 & 0xFF   # bit 11 is bit 3 of the flag's high byte
        i = b.find(sig, i + 4)
open(sys.argv[2], "wb").write(b)
PYEOF
am 1 verify-bundle noflag.zip
expect_stderr_contains "UTF-8 flag"
finish
