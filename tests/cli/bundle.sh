#!/bin/bash
# bundle.sh — amanat export / open-bundle / verify-bundle against the contract
# in docs/BUNDLE.md: the bag (directory and ZIP) checked with standard tools
# (tests/bagit/validate_bag.py, sha256sum, minisign, unzip), byte-identical
# payloads, deterministic ZIPs, withholding, consent, custody records,
# encryption to one recipient, authorisation, and verify-bundle on good
# bundles.  Tampered bundles are in bundle_tamper.sh.
#
# The sections run from what needs only standard tools to what needs
# 'amanat verify-bundle', then the checks of product bugs found when this was
# written, so that one failure hides as little as possible.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

need_bagit
command -v minisign >/dev/null 2>&1 ||
	fail "minisign is not installed: run tools/deps.sh (CI installs it); the bundle's signature must be checked with stock minisign"

DEMO_PASS=demo-only-passphrase
V=demo/demo.amn
K=demo/keys
CUST=$K/custodian-demo.id

# dm CODE ARGS... — amanat with the demo identities' passphrase
dm() {
	local want=$1
	shift
	# each snapshot of the vault grows apart from the others (see snapshot):
	# a command on one runs on a machine of its own, or it would be refused
	case "${2:-}" in
	v-*.amn | copy*.amn)
		XDG_STATE_HOME="$T/.state-$2" AMANAT_PASSPHRASE="$DEMO_PASS" \
			expect_exit "$want" "$AMANAT" "$@"
		;;
	*) AMANAT_PASSPHRASE="$DEMO_PASS" expect_exit "$want" "$AMANAT" "$@" ;;
	esac
}

# An export proves against a checkpoint of the tree as it is when the export
# starts, and appends two custody entries: so after one checkpoint (base.amn,
# below) each export runs on a copy of its own and needs no new checkpoint.
# snapshot NAME — a copy of base.amn
snapshot() {
	local j
	cp base.amn "$1" || fail "cannot copy the vault"
	for j in -wal -journal; do
		[ ! -e "base.amn$j" ] || cp "base.amn$j" "$1$j" || fail "cannot copy the vault"
	done
}

# export_ok OUT ARGS... — export as the custodian, with --json, from a new
# snapshot VX (v-OUT.amn); sets C_BEFORE and C_AFTER to the custody entries
# it reports
export_ok() {
	local out=$1 c
	shift
	VX=v-$out.amn
	snapshot "$VX"
	dm 0 export "$VX" --as "$CUST" --purpose "bundle test" -o "$out" --json "$@"
	[ -e "$out" ] || fail "export reported success but wrote nothing at $out"
	c=$(grep -oE '"custody":\[[0-9]+,[0-9]+\]' "$OUT" | grep -oE '[0-9]+')
	C_BEFORE=$(echo "$c" | head -n 1)
	C_AFTER=$(echo "$c" | tail -n 1)
	[[ $C_BEFORE =~ ^[0-9]+$ && $C_AFTER =~ ^[0-9]+$ ]] ||
		fail "export --json did not report its custody entries: $(cat "$OUT")"
}

# seal_demo ARGS... FILE — the officer seals; sets SEQ
seal_demo() {
	dm 0 seal "$V" --as "$K/officer-demo.id" "$@"
	SEQ=$(cat "$OUT")
	[[ $SEQ =~ ^[0-9]+$ ]] || fail "seal printed '$SEQ', not an entry number"
}

# in_dir DIR CMD... — run CMD inside DIR (for sha256sum -c and minisign)
in_dir() {
	local d=$1
	shift
	expect_exit 0 env -C "$d" "$@"
}

validate_ok() {
	expect_exit 0 "$PY" "$VALIDATE" "$1"
	expect_stdout_contains "valid BagIt bag"
}

# standard_tools_ok DIR — what a court can run without amanat
standard_tools_ok() {
	validate_ok "$1"
	in_dir "$1" sha256sum --strict -c manifest-sha256.txt
	in_dir "$1" sha512sum --strict -c manifest-sha512.txt
	in_dir "$1" sha256sum --strict -c tagmanifest-sha256.txt
	in_dir "$1" minisign -Vm tagmanifest-sha256.txt -p amanat/signer.pub
	expect_stdout_contains "Trusted comment: amanat bundle amanat/"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# show_custody VAULT SEQ — the custodian's view of custody entry SEQ, as JSON, in $OUT
show_custody() {
	dm 0 show "$1" "$2" --as "$CUST" --purpose "check the export record" --json
	expect_stdout_contains '"type":"custody"'
}

# absent MARKER PATH... — MARKER is in no byte of any file under PATH
absent() {
	local m=$1
	shift
	expect_exit 1 grep -rlaF -- "$m" "$@"
}

# what docs/BUNDLE.md promises of a bundle's layout, checked file by file
cat >check_bundle.py <<'EOF'
import hashlib, json, os, re, sys
root = sys.argv[1]
probs = []
def rd(p):
    with open(os.path.join(root, p), "rb") as f:
        return f.read()
files = []
for d, _, fs in os.walk(root):
    for f in fs:
        files.append(os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/"))
files.sort(key=lambda s: s.encode())
for f in files:
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", f):
        probs.append(f"file name {f!r} does not match [A-Za-z0-9._/-]+")
if rd("bagit.txt") != b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n":
    probs.append("bagit.txt is not exactly the two lines of BUNDLE.md")
bj = json.loads(rd("amanat/bundle.json"))
cp = rd("amanat/checkpoint.txt")
cpl = cp.decode().split("\n")
if bj.get("format") != "amanat-bundle-1":
    probs.append("bundle.json format")
if bj.get("origin") != cpl[0] or str(bj.get("tree_size")) != cpl[1]:
    probs.append("bundle.json origin/tree_size differ from the checkpoint")
origin = cpl[0]
vid = origin[len("amanat/"):]
if not re.fullmatch(r"amanat/[0-9a-f]{32}", origin):
    probs.append(f"origin {origin!r} is not amanat/<32 hex>")
# bag-info.txt: labels in the order BUNDLE.md gives
info = [l.split(": ", 1) for l in rd("bag-info.txt").decode().splitlines()]
labels = [l[0] for l in info]
want = ["Source-Organization", "Bagging-Date", "External-Identifier", "External-Description",
        "Bag-Size", "Payload-Oxum", "Bag-Count", "Bag-Group-Identifier",
        "Internal-Sender-Identifier"]
if labels != want:
    probs.append(f"bag-info.txt labels {labels} are not {want}")
info = dict((l[0], l[1]) for l in info if len(l) == 2)
if info.get("Source-Organization") != origin or info.get("External-Identifier") != vid:
    probs.append("bag-info.txt Source-Organization/External-Identifier")
if info.get("Bag-Group-Identifier") != f"{origin}@{bj.get('tree_size')}":
    probs.append("bag-info.txt Bag-Group-Identifier is not origin@tree_size")
if info.get("Bag-Count") != "1 of 1":
    probs.append("bag-info.txt Bag-Count")
if not re.fullmatch(r"\d{4}-\d\d-\d\d", info.get("Bagging-Date", "")):
    probs.append("bag-info.txt Bagging-Date")
ex = bj.get("exported_by", {})
if info.get("Internal-Sender-Identifier") != f"{ex.get('name')} {ex.get('key_id')}":
    probs.append("bag-info.txt Internal-Sender-Identifier is not the exporter's name and key id")
# manifests: sorted by path; payload manifests list data/, the tag manifest the rest
payload = [f for f in files if f.startswith("data/")]
tagged = [f for f in files if not f.startswith("data/")
          and f not in ("tagmanifest-sha256.txt", "tagmanifest-sha256.txt.minisig")]
for name, alg, want_paths in (("manifest-sha256.txt", "sha256", payload),
                              ("manifest-sha512.txt", "sha512", payload),
                              ("tagmanifest-sha256.txt", "sha256", tagged)):
    lines = rd(name).decode().split("\n")
    if lines[-1] != "":
        probs.append(f"{name} does not end with a newline")
    lines = lines[:-1]
    paths = [l.split("  ", 1)[1] for l in lines]
    if paths != want_paths:
        probs.append(f"{name} lists {paths}, not {want_paths}")
    for l in lines:
        h, p = l.split("  ", 1)
        if not re.fullmatch("[0-9a-f]+", h) or h != hashlib.new(alg, rd(p)).hexdigest():
            probs.append(f"{name}: bad line for {p}")
# proofs: each embeds the checkpoint verbatim
proofs = sorted(int(f[len("amanat/entries/"):-len(".tlog-proof")]) for f in files
                if re.fullmatch(r"amanat/entries/\d+\.tlog-proof", f))
for s in proofs:
    pr = rd(f"amanat/entries/{s}.tlog-proof")
    if not pr.startswith(b"c2sp.org/tlog-proof@v1\n") or not pr.endswith(b"\n\n" + cp):
        probs.append(f"entries/{s}.tlog-proof does not end with the bundle's checkpoint")
    if f"\nindex {s}\n".encode() not in pr:
        probs.append(f"entries/{s}.tlog-proof is not for entry {s}")
if 0 not in proofs:
    probs.append("no proof of the genesis entry")
# items
ids = sorted(f[len("amanat/items/"):-len(".json")] for f in files
             if f.startswith("amanat/items/"))
if bj.get("items") != ids:
    probs.append(f"bundle.json items {bj.get('items')} are not the item files {ids}")
if sorted(f.split("/")[1] for f in payload) != ids or len(payload) != len(ids):
    probs.append(f"data/ does not hold exactly one file per item: {payload}")
for i in ids:
    it = json.loads(rd(f"amanat/items/{i}.json"))
    if it.get("id") != i or not it.get("payload", "").startswith(f"data/{i}/"):
        probs.append(f"{i}: id or payload path")
        continue
    if it["seq"] not in proofs:
        probs.append(f"{i}: no proof of entry {it['seq']}")
    for c in it.get("custody", []):
        if c not in proofs:
            probs.append(f"{i}: no proof of custody entry {c}")
    body = rd(it["payload"])
    fields = {f["name"]: f.get("value") for f in it["fields"] if "name" in f}
    names = [f["name"] for f in it["fields"] if "name" in f]
    if names != sorted(names, key=lambda s: s.encode()):
        probs.append(f"{i}: fields are not in name order")
    if fields.get("sha256") != hashlib.sha256(body).hexdigest() or fields.get("size") != str(len(body)):
        probs.append(f"{i}: disclosed sha256/size do not match {it['payload']}")
    for f in it["fields"]:
        if f.get("withheld"):
            if set(f) != {"withheld", "digest"} or not re.fullmatch("[0-9a-f]{64}", f["digest"]):
                probs.append(f"{i}: a withheld field gives more than its digest: {f}")
        elif not re.fullmatch("[0-9a-f]{64}", f.get("salt", "")):
            probs.append(f"{i}: field {f.get('name')} has no salt")
print("\n".join(probs))
sys.exit(1 if probs else 0)
EOF

# ZIP rules of docs/BUNDLE.md: stored or deflated, not encrypted, names in
# byte order and of [A-Za-z0-9._/-]+, every timestamp the Bagging-Date
cat >check_zip.py <<'EOF'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
probs = []
infos = z.infolist()
names = [i.filename for i in infos]
# RFC 8493 section 4.2: one base directory (docs/BUNDLE.md: amanat-<vault id>-<size>)
base = names[0].split("/", 1)[0] if names else ""
if not re.fullmatch(r"amanat-[0-9a-f]{16}-[0-9]+", base):
    probs.append(f"base directory {base!r} is not amanat-<vault id>-<size>")
if any(not n.startswith(base + "/") for n in names):
    probs.append(f"not every entry is under the base directory {base}/")
if names != sorted(names, key=lambda s: s.encode()):
    probs.append("entries are not in byte order of their names")
if len(set(names)) != len(names):
    probs.append("duplicate entries")
date = re.search(rb"Bagging-Date: (\d{4})-(\d\d)-(\d\d)", z.read(base + "/bag-info.txt"))
ymd = tuple(int(x) for x in date.groups()) if date else None
for i in infos:
    if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        probs.append(f"{i.filename}: compression method {i.compress_type}")
    if i.flag_bits & 1:
        probs.append(f"{i.filename}: encrypted")
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", i.filename):
        probs.append(f"{i.filename}: name outside [A-Za-z0-9._/-]+")
    if i.date_time[:3] != ymd:
        probs.append(f"{i.filename}: timestamp {i.date_time} is not the Bagging-Date {ymd}")
print("\n".join(probs))
sys.exit(1 if probs else 0)
EOF

# unzip a bundle so that DIR is the bag (the ZIP holds one base directory)
unzip_bag() {
	local zip=$1 dir=$2 stem
	rm -rf "$dir.unz" && mkdir "$dir.unz" && expect_exit 0 unzip -q "$zip" -d "$dir.unz"
	stem=$(ls "$dir.unz")
	[ "$(echo "$stem" | wc -l)" = 1 ] && [ -d "$dir.unz/$stem" ] ||
		fail "$zip does not hold exactly one base directory"
	mv "$dir.unz/$stem" "$dir" && rmdir "$dir.unz"
}

# ---- the vault ----------------------------------------------------------------
# demo: 0 genesis, 1-3 enrollments, 4 testimony (consent internal,un-mechanism),
# 5 document, 6 case record (all case DEMO-2024-001), 7 custody (extract 4)
am 0 demo demo
for f in W-0042-interview.txt detention-register-extract.txt case-DEMO-2024-001.txt; do
	[ -f "demo/inputs/$f" ] || fail "the demo left no demo/inputs/$f"
done
# another vault, for a foreign key and checkpoint
make_id stranger
am_pw 0 init other.amn --as stranger.id
am_pw 0 checkpoint other.amn --as stranger.id
cp "$OUT" other-checkpoint.txt
am 0 verifier-key other.amn stranger.pub
other_vk=$(cat "$OUT")

# more items, all fictional
head -c 1200000 /dev/urandom >'scan 01 (fictional).bin' # two content chunks, stored as media
seal_demo --type media --case DEMO-2024-001 --title "Scan of a fictional permit" 'scan 01 (fictional).bin'
MEDIA=$SEQ

WNAME=FICTIONAL-WITNESS-NAME-Q7X4
WCONTACT=FICTIONAL-CONTACT-Z2K9
TMARK=FICTIONAL-TITLE-MARK-P3V8
CMARK=FICTIONAL-CONTENT-NAME-M5R1
printf 'FICTIONAL. Witness W-0099 describes an invented event; no name here.\n' >w-statement.txt
seal_demo --type testimony --case DEMO-2024-002 --title "Statement $TMARK of W-0099" \
	--meta witness.name=$WNAME --meta witness.contact=$WCONTACT \
	--meta consent.scopes=court w-statement.txt
S_W=$SEQ
printf 'FICTIONAL. The witness %s is named inside this text.\n' $CMARK >wc-statement.txt
seal_demo --type testimony --case DEMO-2024-002 --title "Statement of W-0100" \
	--meta witness.name=$CMARK --meta consent.scopes=court wc-statement.txt
S_WC=$SEQ
printf 'FICTIONAL. A testimony sealed with no consent recorded.\n' >nc.txt
seal_demo --type testimony --case DEMO-2024-003 --title "No consent" nc.txt
S_NC=$SEQ
printf 'FICTIONAL. A testimony for internal analysis only.\n' >int.txt
seal_demo --type testimony --case DEMO-2024-003 --title "Internal only" \
	--meta consent.scopes=internal int.txt
S_INT=$SEQ
printf 'FICTIONAL. A testimony whose consent is later withdrawn.\n' >wd.txt
seal_demo --type testimony --case DEMO-2024-003 --title "Withdrawn later" \
	--meta consent.scopes=internal,court wd.txt
S_WD=$SEQ
# a witness name with a double quote, repeated in the title
QNAME='FICTIONAL "QUOTED-NICK-J8" NAME'
seal_demo --type testimony --case DEMO-2024-004 --title "Statement about $QNAME" \
	--meta witness.name="$QNAME" --meta consent.scopes=court w-statement.txt
S_Q=$SEQ
printf 'FICTIONAL. Record of the withdrawal of consent.\n' >wdx.txt
seal_demo --type document --case DEMO-2024-003 --title "Consent withdrawn" --ref "$S_WD" \
	--meta consent.withdrawn=yes wdx.txt

# ---- 1. export to a directory -------------------------------------------------
log_before=$("$AMANAT" log "$V" | wc -l)
# the checkpoint is the auditor's, so that verify-bundle --vault-key has a non-exporter to pin
dm 0 checkpoint "$V" --as "$K/auditor-demo.id"
cp "$V" base.amn || fail "cannot copy the vault"
for j in -wal -journal; do [ ! -e "$V$j" ] || cp "$V$j" "base.amn$j"; done
dm 0 export "$V" --as "$CUST" --purpose "bundle test" --scope un-mechanism --case DEMO-2024-001 -o bdir
expect_stdout_is bdir
expect_stderr_contains "exported 4 items to bdir"
[ -d bdir ] || fail "export made no directory bdir"
pass
expect_no_tmp_files .
standard_tools_ok bdir
expect_exit 0 "$PY" check_bundle.py bdir
# items in entry order: the three demo items, then the media
expect_eq "bundle.json items" '["AMN-000001", "AMN-000002", "AMN-000003", "AMN-000004"]' \
	"$(grep -oE '"items": \[[^]]*\]' bdir/amanat/bundle.json | cut -d' ' -f2-)"
expect_same_file demo/inputs/W-0042-interview.txt bdir/data/AMN-000001/W-0042-interview.txt
expect_same_file demo/inputs/detention-register-extract.txt bdir/data/AMN-000002/detention-register-extract.txt
expect_same_file demo/inputs/case-DEMO-2024-001.txt bdir/data/AMN-000003/case-DEMO-2024-001.txt
media_file=$(find bdir/data/AMN-000004 -type f)
expect_eq "files in data/AMN-000004" 1 "$(echo "$media_file" | wc -l)"
expect_same_file 'scan 01 (fictional).bin' "$media_file"
grep -q "\"seq\": $MEDIA," bdir/amanat/items/AMN-000004.json || fail "AMN-000004 is not entry $MEDIA"
pass
# proofs: genesis and enrollments, the items, and the custody entry 7 that read item 4
for s in 0 1 2 3 4 5 6 7 $MEDIA; do
	[ -f "bdir/amanat/entries/$s.tlog-proof" ] || fail "no amanat/entries/$s.tlog-proof"
	pass
done
grep -qE '"custody": \[7\]' bdir/amanat/items/AMN-000001.json ||
	fail "AMN-000001.json does not list custody entry 7 (the demo's extract)"
pass
expect_eq "Payload-Oxum" "Payload-Oxum: $(($(stat -c %s demo/inputs/W-0042-interview.txt) + \
	$(stat -c %s demo/inputs/detention-register-extract.txt) + \
	$(stat -c %s demo/inputs/case-DEMO-2024-001.txt) + 1200000)).4" \
	"$(grep '^Payload-Oxum: ' bdir/bag-info.txt)"
expect_eq "Bagging-Date" "Bagging-Date: $(date -u +%F)" "$(grep '^Bagging-Date: ' bdir/bag-info.txt)"
# the signer is the custodian, by amanat key id
cust_kid=$(grep -oE '"key_id": "[0-9a-f]{16}"' bdir/amanat/bundle.json | grep -oE '[0-9a-f]{16}')
expect_eq "minisign key id of amanat/signer.pub" "$cust_kid" \
	"$(sed -n 2p bdir/amanat/signer.pub | base64 -d | head -c 10 | tail -c 8 | od -An -tx1 | tr -d ' \n')"
[ -f "bdir/amanat/keys/custodian-demo-$cust_kid.pub" ] || [ -f bdir/amanat/keys/custodian-demo.pub ] ||
	fail "no amanat/keys/ file for the custodian"
pass
# index.html: plain HTML naming every item
[ -f bdir/index.html ] || fail "no index.html"
expect_exit 1 grep -qi '<script' bdir/index.html
expect_exit 1 grep -qiE '<[^>]*[[:space:]]on[a-z]+[[:space:]]*=' bdir/index.html
for id in AMN-000001 AMN-000002 AMN-000003 AMN-000004; do
	grep -qF "$id" bdir/index.html || fail "index.html does not name $id"
	pass
done

# ---- 2. custody: two entries, the second carrying the bundle's hash -----------
log_after=$("$AMANAT" log "$V" | wc -l)
expect_eq "custody log lines added by the export" $((log_before + 2)) "$log_after"
am 0 log "$V" --json
last2=$(grep -oE '"seq":[0-9]+,[^}]*"action":"[a-z]+"' "$OUT" | tail -n 2)
echo "$last2" | head -n 1 | grep -q '"action":"export"' || fail "first new custody entry is not 'export': $last2"
echo "$last2" | tail -n 1 | grep -q '"action":"exported"' || fail "second new custody entry is not 'exported': $last2"
pass
exported_seq=$(echo "$last2" | tail -n 1 | grep -oE '"seq":[0-9]+' | cut -d: -f2)
grep -E "\"seq\":$exported_seq,.*\"entries\":\[4,5,6,$MEDIA," "$OUT" >/dev/null ||
	fail "the 'exported' entry does not refer to items 4,5,6,$MEDIA"
pass
show_custody "$V" "$exported_seq"
expect_stdout_contains "$(sha bdir/tagmanifest-sha256.txt)"

# ---- 3. export to a ZIP ---------------------------------------------------------
export_ok b.zip --scope un-mechanism --case DEMO-2024-001
expect_eq "export --json sha256 of b.zip" "$(sha b.zip)" "$(json_str sha256)"
expect_eq "export --json items" 4 "$(json_num items)"
expect_eq "ZIP magic" "PK" "$(head -c 2 b.zip)"
expect_exit 0 unzip -t b.zip
expect_stdout_contains "No errors detected"
validate_ok b.zip
expect_exit 0 "$PY" check_zip.py b.zip
unzip_bag b.zip bzip
standard_tools_ok bzip
expect_exit 0 "$PY" check_bundle.py bzip
expect_same_file demo/inputs/W-0042-interview.txt bzip/data/AMN-000001/W-0042-interview.txt
expect_same_file demo/inputs/detention-register-extract.txt bzip/data/AMN-000002/detention-register-extract.txt
expect_same_file demo/inputs/case-DEMO-2024-001.txt bzip/data/AMN-000003/case-DEMO-2024-001.txt
expect_same_file 'scan 01 (fictional).bin' "bzip/${media_file#bdir/}"
show_custody "$VX" "$C_AFTER"
expect_stdout_contains '"action":"exported"'
expect_stdout_contains "$(sha b.zip)"
expect_stdout_contains "$(sha bzip/tagmanifest-sha256.txt)"

# ---- 4. determinism: same selection, same tree, same day, same key -> same bytes
# (each export appends custody entries, so each export runs on its own copy of
# the vault as it was after one checkpoint)
for c in A B C; do
	snapshot "copy$c.amn"
done
day=$(date -u +%F)
for c in A B; do
	dm 0 export "copy$c.amn" --as "$CUST" --purpose "determinism" --scope un-mechanism \
		--case DEMO-2024-001 -o "det$c.zip"
done
dm 0 export copyC.amn --as "$CUST" --purpose "determinism" --scope un-mechanism \
	--case DEMO-2024-001 -o detC
if [ "$day" = "$(date -u +%F)" ]; then
	expect_same_file detA.zip detB.zip
	# and the ZIP holds exactly the files of the directory made alike
	unzip_bag detA.zip detAx
	expect_exit 0 diff -r detAx detC
else
	echo "note: the day changed during the determinism check; comparison skipped" >&2
fi

# ---- 5. withholding ---------------------------------------------------------------
# --withhold witness.name, as a directory and as a ZIP (each export below also
# checks that the marker it does not withhold is found: the search works)
for out in wname wname.zip; do
	export_ok "$out" --withhold witness.name --scope court --entry "$S_W"
done
absent "$WNAME" wname
absent "$WNAME" wname.zip
expect_exit 0 unzip -l wname.zip
expect_stdout_not_contains "$WNAME"
unzip_bag wname.zip wnamex
absent "$WNAME" wnamex
expect_exit 0 grep -rqF -- "$TMARK" wname   # the rest is still disclosed
expect_exit 0 grep -qF -- '"withheld": ["witness.name"]' wname/amanat/bundle.json
expect_eq "withheld fields in AMN-000001.json" 1 "$(grep -c '"withheld": true' wname/amanat/items/AMN-000001.json)"
expect_exit 0 "$PY" check_bundle.py wname
standard_tools_ok wname
standard_tools_ok wnamex
# --withhold title
for out in wtitle wtitle.zip; do
	export_ok "$out" --withhold title --scope court --entry "$S_W"
done
absent "$TMARK" wtitle wtitle.zip
expect_exit 0 unzip -l wtitle.zip
expect_stdout_not_contains "$TMARK"
unzip_bag wtitle.zip wtitlex
absent "$TMARK" wtitlex
expect_exit 0 grep -rqF -- "$WNAME" wtitle  # not withheld this time
standard_tools_ok wtitle
# --withhold 'witness.*': every field under witness.
export_ok wstar.zip --withhold 'witness.*' --scope court --entry "$S_W"
absent "$WNAME" wstar.zip
absent "$WCONTACT" wstar.zip
unzip_bag wstar.zip wstarx
absent "$WNAME" wstarx
absent "$WCONTACT" wstarx
expect_eq "withheld fields under witness.*" 2 "$(grep -c '"withheld": true' wstarx/amanat/items/AMN-000001.json)"
# a value that the exported content itself contains cannot be withheld: nothing is written
for out in wleak wleak.zip; do
	snapshot "v-$out.amn"
	dm 2 export "v-$out.amn" --as "$CUST" --purpose "bundle test" -o "$out" --withhold witness.name \
		--scope court --entry "$S_WC"
	expect_stderr_contains "witness.name"
	expect_file_absent "$out"
	[ -z "$(find . -maxdepth 1 -name "$out*")" ] || fail "a failed export left $(find . -maxdepth 1 -name "$out*")"
	pass
done

# ---- 6. consent ---------------------------------------------------------------------
# no consent recorded on a testimony: refused, reported, recorded
export_ok cnone --scope court --entry "$S_NC" --entry 5
expect_eq "items exported" 1 "$(json_num items)"
expect_eq "items refused" 1 "$(json_num refused)"
expect_stderr_contains "refused entry $S_NC: no consent is recorded"
expect_stderr_contains "recorded in custody entry $C_AFTER"
expect_exit 1 grep -rqE "\"seq\": $S_NC," cnone/amanat/items
absent "A testimony sealed with no consent" cnone
grep -q '"seq": 5,' cnone/amanat/items/AMN-000001.json || fail "the document (entry 5) was not exported"
pass
show_custody "$VX" "$C_AFTER"
expect_stdout_contains "$S_NC: no consent is recorded"
XDG_STATE_HOME="$T/.state-$VX" am 0 log "$VX" --json
grep -E "\"seq\":$C_AFTER,.*\"entries\":\[[0-9,]*\b$S_NC\b" "$OUT" >/dev/null ||
	fail "custody entry $C_AFTER does not refer to the refused entry $S_NC"
pass
# ... and included with --override-consent, which is recorded with its reason
export_ok cover --scope court --entry "$S_NC" --override-consent "fictional court order 17"
expect_eq "items" 1 "$(json_num items)"
expect_eq "overridden" 1 "$(json_num overridden)"
grep -q "\"seq\": $S_NC," cover/amanat/items/AMN-000001.json || fail "override did not export $S_NC"
pass
expect_same_file nc.txt "$(find cover/data/AMN-000001 -type f)"
show_custody "$VX" "$C_BEFORE"
expect_stdout_contains 'fictional court order 17'
# consent for internal use only: refused for a court, given for internal
export_ok cint --scope court --entry "$S_INT" --entry 5
expect_stderr_contains "refused entry $S_INT: recorded consent does not cover this scope"
expect_exit 1 grep -rqE "\"seq\": $S_INT," cint/amanat/items
absent "A testimony for internal analysis only" cint
export_ok cint2 --scope internal --entry "$S_INT"
grep -q "\"seq\": $S_INT," cint2/amanat/items/AMN-000001.json || fail "$S_INT not exported for internal"
pass
# consent withdrawn by a later entry that refers to the testimony: refused even for internal
export_ok cwd --scope internal --entry "$S_WD" --entry 5
expect_stderr_contains "refused entry $S_WD: consent was withdrawn"
expect_exit 1 grep -rqE "\"seq\": $S_WD," cwd/amanat/items
absent "A testimony whose consent is later withdrawn" cwd
# an unknown scope is a usage error
dm 2 export "$V" --as "$CUST" --purpose "bundle test" -o cbad --scope tribunal --entry 5
expect_file_absent cbad

# ---- 7. --for: encrypted to one person ----------------------------------------
# not a ZIP, so not named one (Windows calls a .zip it cannot open broken):
# -o X.zip is refused with the name to use, and the output says what it is
for out in enc.zip enc; do
	dm 2 export "$V" --as "$CUST" --purpose "bundle test" -o "$out" --scope un-mechanism \
		--case DEMO-2024-001 --for "$K/auditor-demo.pub"
	expect_stderr_contains "give -o enc.amanat-sealed"
	expect_file_absent "$out"
done
expect_stderr_contains "encrypted"
# and a plain bundle does not take the encrypted bundle's name
dm 2 export "$V" --as "$CUST" --purpose "bundle test" -o plain.amanat-sealed --scope un-mechanism \
	--entry 5
expect_stderr_contains "--for"
expect_file_absent plain.amanat-sealed
export_ok enc.amanat-sealed --scope un-mechanism --case DEMO-2024-001 --for "$K/auditor-demo.pub"
expect_eq "export --json output" enc.amanat-sealed "$(json_str output)"
expect_stderr_contains "enc.amanat-sealed is encrypted to auditor-demo"
expect_stderr_contains "is not a ZIP"
expect_stderr_contains "amanat open-bundle enc.amanat-sealed"
[ "$(head -c 2 enc.amanat-sealed)" != "PK" ] || fail "enc.amanat-sealed is a plain ZIP"
pass
expect_eq "encrypted bundle magic" "AMNX" "$(head -c 4 enc.amanat-sealed)"
expect_exit 1 grep -qaF "W-0042" enc.amanat-sealed
show_custody "$VX" "$C_AFTER"
expect_stdout_contains "$(sha enc.amanat-sealed)"
am 0 open-bundle --help
expect_stdout_contains "not a ZIP"
am 0 export --help
expect_stdout_contains ".amanat-sealed"
# verify-bundle and open-bundle say what each file is
am 2 verify-bundle enc.amanat-sealed
expect_stderr_contains "open-bundle"
dm 0 open-bundle enc.amanat-sealed --as "$K/auditor-demo.id" -o opened.zip
expect_stderr_contains "bundle's ZIP"
dm 2 open-bundle opened.zip --as "$K/auditor-demo.id" -o reopened.zip
expect_stderr_contains "verify-bundle"
expect_file_absent reopened.zip
expect_exit 0 unzip -t opened.zip
validate_ok opened.zip
expect_exit 0 "$PY" check_zip.py opened.zip
unzip_bag opened.zip openedx
standard_tools_ok openedx
expect_same_file demo/inputs/W-0042-interview.txt openedx/data/AMN-000001/W-0042-interview.txt
# the wrong identity: not authorised, nothing written
dm 3 open-bundle enc.amanat-sealed --as "$K/officer-demo.id" -o wrong.zip
expect_file_absent wrong.zip
# one flipped byte in the ciphertext (middle, then the last byte): exit 1, nothing written
size=$(stat -c %s enc.amanat-sealed)
for pos in $((size / 2)) $((size - 1)); do
	cp enc.amanat-sealed flipped.amanat-sealed
	"$PY" -c 'import sys; p, i = sys.argv[1], int(sys.argv[2]); b = bytearray(open(p, "rb").read()); b[i] ^= 1; open(p, "wb").write(b)' flipped.amanat-sealed $pos ||
		fail "cannot flip a byte"
	dm 1 open-bundle flipped.amanat-sealed --as "$K/auditor-demo.id" -o flipped-out.zip
	expect_file_absent flipped-out.zip
	expect_no_tmp_files .
done
# --for needs a single file
dm 2 export "$V" --as "$CUST" --purpose "bundle test" -o encdir --scope un-mechanism --entry 5 \
	--for "$K/auditor-demo.pub"
expect_file_absent encdir

# ---- 8. who may export ------------------------------------------------------------
dm 3 export "$V" --as "$K/officer-demo.id" --purpose "bundle test" -o byofficer \
	--scope un-mechanism --entry 5
expect_file_absent byofficer
printf 'this is not an amanat vault\n' >notavault.amn
dm 2 export notavault.amn --as "$CUST" --purpose "bundle test" -o nv --scope court --entry 5
expect_file_absent nv
dm 2 export missing.amn --as "$CUST" --purpose "bundle test" -o nv --scope court --entry 5
expect_file_absent nv

# ---- 9. verify-bundle ------------------------------------------------------------
for b in bdir b.zip bzip wname wname.zip wtitle wtitle.zip wstar.zip cnone cover opened.zip detA.zip; do
	am 0 verify-bundle "$b"
done
# the text is for people: the facts on the first line, one line per item
# (id, type, entry, sealing, signer, file and size), then the verdict
am 0 verify-bundle bdir
expect_eq "verify-bundle lines for 4 items" 6 "$(wc -l <"$OUT")"
expect_stdout_matches "^ok: 4 items verified: amanat/[0-9a-f]{32} at tree size [0-9]+, exported by custodian-demo \(key [0-9a-f]{16}\), checkpoint signed by custodian-demo \(key [0-9a-f]{16}\)$"
for i in 1 2 3 4; do
	expect_stdout_matches "^  AMN-00000$i  [a-z]+ +entry [0-9]+, sealed [0-9T:Z-]+ by officer-demo \(key [0-9a-f]{16}\): data/AMN-00000$i/[^ ]+, [0-9.]+ (bytes|kB|MB)$"
done
expect_stdout_contains "  AMN-000001  testimony  entry 4, sealed "
expect_stdout_contains ": data/AMN-000004/scan_01__fictional_.bin, 1.2 MB"
expect_eq "last line" "verdict: verified" "$(tail -n 1 "$OUT" | cut -c 1-17)"
[ "$(awk '{ if (length($0) > 200) n++ } END { print n + 0 }' "$OUT")" = 0 ] ||
	fail "verify-bundle prints a line longer than 200 characters: $(cat "$OUT")"
pass
expect_stderr_contains "note: no --vault-key or --checkpoint given"
am 0 verify-bundle bdir --checkpoint bdir/amanat/checkpoint.txt
expect_stdout_matches "^verdict: verified: .* against the checkpoint you gave$"
# --json keeps every key it had
am 0 verify-bundle bdir --json
"$PY" - "$OUT" <<'PYEOF' || fail "verify-bundle --json keys changed: $(cat "$OUT")"
import json, sys
j = json.load(open(sys.argv[1]))
top = ["ok", "bundle", "kind", "origin", "tree_size", "root", "exported_by", "checkpoint_signer",
       "checkpoint_key", "checkpoint_pinned", "entries", "items", "problems", "more_problems"]
item = ["id", "ok", "entry", "type", "sealed_at", "signer", "signer_key_id", "payload", "size",
        "sha256"]
assert list(j) == top, list(j)
assert len(j["items"]) == 4 and all(list(i) == item for i in j["items"]), j["items"]
PYEOF
pass
# --vault-key: the member who signed the checkpoint (found by its note key id), then a stranger
sig_keyid=$(tail -n 1 bdir/amanat/checkpoint.txt | awk '{print $NF}' | base64 -d | head -c 4 | od -An -tx1 | tr -d ' \n')
signer_vk=
for who in admin officer custodian auditor; do
	am 0 verifier-key "$V" "$K/$who-demo.pub"
	vk=$(cat "$OUT")
	[ "$(echo "$vk" | cut -d+ -f2)" = "$sig_keyid" ] && signer_vk=$vk && signer=$who
done
[ -n "$signer_vk" ] || fail "no member's verifier key has the checkpoint's key id $sig_keyid"
# the exporting custodian signs the checkpoint a bundle proves against
expect_eq "who signed the checkpoint in bdir" custodian "$signer"
am 0 verify-bundle bdir --vault-key "$signer_vk"
expect_stdout_contains "checkpoint signed by custodian-demo"
# a .pub will do too, with the vault it must be for; alone it pins no vault
bundle_origin=$(head -n 1 bdir/amanat/checkpoint.txt)
am 0 verify-bundle b.zip --vault-key "$K/$signer-demo.pub" --vault "$bundle_origin"
expect_stdout_contains "$bundle_origin"
am 2 verify-bundle b.zip --vault-key "$K/$signer-demo.pub"
expect_stderr_contains "--vault"
am 1 verify-bundle b.zip --vault-key "$K/$signer-demo.pub" --vault "amanat/$(printf '0%.0s' $(seq 32))"
am 1 verify-bundle bdir --vault-key "$other_vk"
[ -s "$OUT" ] || [ -s "$ERR" ] || fail "verify-bundle --vault-key of another vault failed silently"
pass
am 1 verify-bundle b.zip --vault-key "$other_vk"
# --checkpoint: the bundle's own checkpoint, then another vault's
cp bdir/amanat/checkpoint.txt held-checkpoint.txt
am 0 verify-bundle bdir --checkpoint held-checkpoint.txt
am 1 verify-bundle bdir --checkpoint other-checkpoint.txt

# ---- 10. promises of docs/BUNDLE.md and DESIGN.md broken when this was written
# index.html is a whole HTML document
expect_eq "last line of index.html" "</html>" "$(tail -n 1 bdir/index.html)"
expect_eq "index.html ends with a newline" "" "$(tail -c 1 bdir/index.html | tr -d '\n')"
# "Export obeys consent and records every refusal": also when consent refuses everything
snapshot v-crefall.amn
XDG_STATE_HOME="$T/.state-v-crefall.amn" AMANAT_PASSPHRASE="$DEMO_PASS" \
	expect_nonzero "$AMANAT" export v-crefall.amn --as "$CUST" \
	--purpose "bundle test" -o crefall --scope court --entry "$S_NC"
expect_file_absent crefall
refrec=$(grep -oE "refused entry $S_NC: .*\(recorded in custody entry [0-9]+\)" "$ERR" | grep -oE '[0-9]+\)$' | tr -d ')')
[ -n "$refrec" ] || fail "export refusing every item does not say where the refusal is recorded: $(cat "$ERR")"
pass
[ "$refrec" -gt "$S_NC" ] || fail "the refusal is said to be recorded in custody entry $refrec, which is not the export's (it precedes entry $S_NC)"
pass
show_custody v-crefall.amn "$refrec"
expect_stdout_contains "$S_NC: no consent is recorded"
# a withheld value is kept out of the bundle in every rendering, not only byte
# for byte: the title repeats a witness name that holds a double quote, which
# JSON writes as \" and HTML as &quot;.  The export must refuse, as it does
# for content holding the value, or leave the value out everywhere.
snapshot v-wq.amn
XDG_STATE_HOME="$T/.state-v-wq.amn" AMANAT_PASSPHRASE="$DEMO_PASS" \
	timeout -k 5 "$TIMEOUT" "$AMANAT" export v-wq.amn --as "$CUST" \
	--purpose "bundle test" -o wq --withhold witness.name --scope court --entry "$S_Q" >"$OUT" 2>"$ERR"
rc=$?
check_sanitizers export
case $rc in
0) absent QUOTED-NICK-J8 wq ;;
1 | 2) expect_file_absent wq ;;
*) fail "export of a withheld value with a quote exited $rc: $(cat "$ERR")" ;;
esac

finish
