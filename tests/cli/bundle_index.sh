#!/bin/bash
# bundle_index.sh — a bundle's index.html is what the evidence in it says, and
# nothing else (docs/BUNDLE.md, "index.html"): verify-bundle regenerates the
# page from the verified contents and compares it byte for byte.  The
# tamperer here is the exporting custodian (or whoever holds their key): each
# forged copy has its index.html changed, its tag manifest line rehashed and
# the tag manifest signed again with the exporter's own key
# (tests/python/forge.py bundle-edit), so that minisign, sha256sum and BagIt
# all accept it and only the page differs.  verify-bundle must exit 1 and
# name index.html (and the first line that differs).
#
# Also: the page is free of scripts, event handlers and outside resources,
# and says near its top that the files and proofs, not the page, are the
# evidence, and how to check them.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

TESTS=${TESTS_DIR:-$HERE/..}
case "$TESTS" in /*) ;; *) TESTS="$OLDPWD/$TESTS" ;; esac
FORGE="$TESTS/python/forge.py"
VALIDATE="$TESTS/bagit/validate_bag.py"
PY=/usr/bin/python3
[ -x "$PY" ] || fail "$PY is needed (the Debian python3, not a pyenv one)"
[ -f "$FORGE" ] || fail "forge.py not found at $FORGE (set TESTS_DIR)"
[ -f "$VALIDATE" ] || fail "cannot find the BagIt validator at $VALIDATE"
"$PY" -c 'import nacl.signing' 2>/dev/null || fail "$PY cannot import nacl (apt-get install python3-nacl)"
command -v minisign >/dev/null 2>&1 ||
	fail "minisign is not installed: run tools/deps.sh (CI installs it)"

DEMO_PASS=demo-only-passphrase
V=demo/demo.amn
K=demo/keys
CUST="$K/custodian-demo.id"

dm() {
	local want=$1
	shift
	AMANAT_PASSPHRASE="$DEMO_PASS" expect_exit "$want" "$AMANAT" "$@"
}

# forged NAME — a copy of the good bundle, to be edited
forged() {
	rm -rf "$1"
	cp -r good "$1" || fail "cannot copy the bundle"
}

# edit NAME NEWPAGE — index.html of NAME replaced by NEWPAGE, tag manifest
# rehashed and signed again with the exporting custodian's key
edit() {
	FORGE_PASS="$DEMO_PASS" "$PY" "$FORGE" bundle-edit "$1" index.html --from "$2" \
		--identity "$CUST" --passphrase-env FORGE_PASS >/dev/null ||
		fail "forge.py bundle-edit $1 failed"
	pass
}

# standard_tools_pass NAME — what a court's standard tools make of it: all pass
standard_tools_pass() {
	(cd "$1" && expect_exit 0 minisign -Vm tagmanifest-sha256.txt -p amanat/signer.pub) || exit 1
	(cd "$1" && expect_exit 0 sha256sum --strict -c tagmanifest-sha256.txt) || exit 1
	expect_exit 0 "$PY" "$VALIDATE" "$1"
}

# rejected NAME LINE — verify-bundle exits 1, naming index.html and, when
# LINE is given, that line as the first that differs
rejected() {
	am 1 verify-bundle "$1"
	cat "$OUT" >>"$ERR"
	expect_stderr_contains "index.html"
	if [ -n "${2:-}" ]; then
		grep -qE -- "index\.html: line $2[ :]" "$ERR" ||
			fail "verify-bundle $1 does not name line $2 of index.html: $(cat "$ERR")"
		pass
	fi
	am 1 verify-bundle "$1" --json
	expect_stdout_contains '"ok":false'
	expect_stdout_contains 'index.html'
}

# ---- a genuine bundle ----------------------------------------------------------
am 0 demo demo
cp "$V" copy.amn || fail "cannot copy the vault"
dm 0 export "$V" --as "$CUST" --purpose "index test" --scope un-mechanism \
	--case DEMO-2024-001 --withhold witness.name -o good
am 0 verify-bundle good
expect_stdout_contains "ok:"
[ -f good/index.html ] || fail "the bundle has no index.html"
pass
expect_exit 0 grep -qF 'Some fields were withheld' good/index.html

# the page's own hygiene: no script, no event handler, nothing from outside
for pat in '<script' 'http://' 'https://' '<iframe' '<object' '<embed' '<link' '<img' \
	'@import' 'url(' 'src=' 'javascript:' '<base'; do
	expect_exit 1 grep -qiF -- "$pat" good/index.html
done
# it is self-contained: it names no document the bundle does not hold, and its
# only links are relative ones to the bag's own files: every payload is linked
for pat in 'docs/' 'BUNDLE.md' 'FORMAT.md' 'README'; do
	expect_exit 1 grep -qF -- "$pat" good/index.html
done
cat >links.py <<'PYEOF'
import html, os, re, sys, urllib.parse
bag = sys.argv[1]
page = open(os.path.join(bag, "index.html"), encoding="utf-8").read()
probs = []
hrefs = re.findall(r"""\bhref\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", page, re.I)
if len(hrefs) != page.lower().count("href"):
    probs.append("an href the check cannot read")
linked = set()
for h in hrefs:
    v = html.unescape(h.strip("\"'"))
    p = urllib.parse.unquote(v, errors="strict")
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", v) or v.startswith(("/", "\\")) or "?" in v or "#" in v:
        probs.append(f"href {v!r} is not a relative link to a file")
    elif ".." in p.split("/") or "\\" in p:
        probs.append(f"href {v!r} leaves the bag")
    elif not os.path.isfile(os.path.join(bag, p)) or os.path.islink(os.path.join(bag, p)):
        probs.append(f"href {v!r} names no file in the bag")
    linked.add(p)
payload = {os.path.relpath(os.path.join(d, f), bag) for d, _, fs in os.walk(os.path.join(bag, "data")) for f in fs}
if linked != payload:
    probs.append(f"the links {sorted(linked)} are not the payload files {sorted(payload)}")
print("\n".join(probs))
sys.exit(1 if probs else 0)
PYEOF
expect_exit 0 "$PY" links.py good
expect_exit 1 grep -qiE '<[^>]*[[:space:]]on[a-z]+[[:space:]]*=' good/index.html
expect_exit 1 grep -qiE '<meta[^>]*http-equiv' good/index.html
# near the top, before the first item: the page is not the evidence; the commands
first_item=$(grep -n '<div class="item">' good/index.html | head -n 1 | cut -d: -f1)
[ -n "$first_item" ] || fail "index.html shows no item"
pass
for want in 'not the evidence' 'amanat verify-bundle' 'sha256sum -c manifest-sha256.txt' \
	'minisign -Vm tagmanifest-sha256.txt -p amanat/signer.pub' 'Check it yourself' \
	'Windows (PowerShell)' 'Get-FileHash -Algorithm SHA256' 'macOS' \
	'shasum -a 256 -c manifest-sha256.txt' 'Linux'; do
	at=$(grep -nF -- "$want" good/index.html | head -n 1 | cut -d: -f1)
	[ -n "$at" ] && [ "$at" -lt "$first_item" ] ||
		fail "index.html does not say '$want' before its first item (line $first_item)"
	pass
done
# the page's commands for Linux and macOS work as written, in the bag (the
# PowerShell one cannot be run here)
"$PY" - good/index.html >page-commands.sh <<'PYEOF' || fail "cannot read the commands of index.html"
import html, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
for os_name in ("Linux", "macOS"):
    m = re.search(r"<li>" + os_name + r": <code>(.*?)</code>", page)
    print(html.unescape(m.group(1)))
PYEOF
[ "$(wc -l <page-commands.sh)" = 2 ] || fail "index.html gives no Linux or macOS command: $(cat page-commands.sh)"
pass
(cd good && expect_exit 0 bash -e ../page-commands.sh) || exit 1
expect_stdout_contains "data/AMN-000001/W-0042-interview.txt: OK"
expect_stdout_contains "index.html: OK"
if grep -q FAILED "$OUT"; then fail "a page command reports FAILED: $(cat "$OUT")"; fi
pass
# sizes for people, in bag-info.txt (RFC 8493 section 2.2.2: Bag-Size is free
# text for humans) and on the page, with the exact count beside a rounded one
expect_exit 0 grep -qxE 'Bag-Size: [0-9]+ bytes' good/bag-info.txt
oxum=$(sed -n 's/^Payload-Oxum: \([0-9]*\)\..*/\1/p' good/bag-info.txt)
expect_exit 0 grep -qx "Bag-Size: $oxum bytes" good/bag-info.txt
expect_exit 0 grep -qE '^<tr><th>Size</th><td>[0-9]+ bytes</td></tr>$' good/index.html
if grep -E '^<tr><th>Size</th>' good/index.html | grep -vqE '<td>([0-9]+ bytes?|[0-9]+\.[0-9] [kMGT]B \([0-9]+ bytes\))</td>'; then
	fail "a size on the page is not for people: $(grep '<th>Size' good/index.html)"
fi
pass
# the page names the date of export that bag-info.txt gives (signed there)
date=$(sed -n 's/^Bagging-Date: //p' good/bag-info.txt)
expect_exit 0 grep -qF " on $date by " good/index.html

# a ZIP export of the same selection (from a copy of the vault as it was, on
# another machine) gives the same page and verifies too
on_laptop zip dm 0 export copy.amn --as "$CUST" --purpose "index test" --scope un-mechanism \
	--case DEMO-2024-001 --withhold witness.name -o good.zip
am 0 verify-bundle good.zip
"$PY" - good.zip <<'EOF' >zip-index.html || fail "cannot read index.html from good.zip"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
n = [i for i in z.namelist() if i.split("/", 1)[-1] == "index.html"]
sys.stdout.buffer.write(z.read(n[0]))
EOF
expect_same_file good/index.html zip-index.html

# control: the forging tool itself changes nothing a verifier could see
forged control
cp good/index.html same.html
edit control same.html
expect_same_file good/tagmanifest-sha256.txt control/tagmanifest-sha256.txt
am 0 verify-bundle control

# ---- pages changed by the exporter, everything re-signed -------------------------
h1=$(grep -n '^<h1>' good/index.html | head -n 1 | cut -d: -f1)
[ -n "$h1" ] || fail "index.html has no <h1> line"
pass

# a false statement, inserted after the heading
forged t-claim
sed "${h1}a <p>The witness W-0042 has identified the commander by name (fictional).</p>" \
	good/index.html >claim.html
edit t-claim claim.html
standard_tools_pass t-claim
rejected t-claim $((h1 + 1))

# a script, just before </body>
forged t-script
sed 's#^</body>$#<script>document.body.innerHTML = "FICTIONAL: all verified";</script>\n</body>#' \
	good/index.html >script.html
if cmp -s good/index.html script.html; then fail "the script was not inserted"; fi
pass
edit t-script script.html
standard_tools_pass t-script
body=$(grep -n '^</body>$' good/index.html | cut -d: -f1)
rejected t-script "$body"

# an item's title changed in the page only
forged t-title
title_line=$(grep -n '<tr><th>Title</th><td>' good/index.html | head -n 1 | cut -d: -f1)
[ -n "$title_line" ] || fail "index.html shows no title"
pass
sed "${title_line}s#<td>.*</td>#<td>Confession signed freely (fictional)</td>#" \
	good/index.html >title.html
edit t-title title.html
standard_tools_pass t-title
rejected t-title "$title_line"

# another export date on the page than the signed Bagging-Date
forged t-date
sed "s# on $date by # on 1999-01-01 by #" good/index.html >date.html
if cmp -s good/index.html date.html; then fail "the date was not changed"; fi
pass
edit t-date date.html
rejected t-date

# one byte more at the end: byte for byte means byte for byte
forged t-tail
{ cat good/index.html; printf '\n'; } >tail.html
edit t-tail tail.html
rejected t-tail "$(($(wc -l <good/index.html) + 1))"

# the page left out, with its tag manifest line
forged t-gone
FORGE_PASS="$DEMO_PASS" "$PY" "$FORGE" bundle-edit t-gone index.html --delete \
	--identity "$CUST" --passphrase-env FORGE_PASS >/dev/null ||
	fail "forge.py bundle-edit --delete failed"
pass
(cd t-gone && expect_exit 0 minisign -Vm tagmanifest-sha256.txt -p amanat/signer.pub) || exit 1
rejected t-gone

# the forged claim as a ZIP (the bag in one top-level directory)
"$PY" - t-claim t-claim.zip <<'EOF' || fail "cannot zip t-claim"
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, files in sorted(os.walk(src)):
        for f in sorted(files):
            p = os.path.join(root, f)
            z.write(p, "bag/" + os.path.relpath(p, src))
EOF
rejected t-claim.zip $((h1 + 1))

finish
