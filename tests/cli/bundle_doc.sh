#!/bin/bash
# bundle_doc.sh — docs/BUNDLE.md's worked example runs as written: every
# command of its shell and console blocks, in order, in an empty directory
# with nothing but `amanat` on the PATH (as readme.sh does for the README),
# and every output line the example shows appears in what its command printed
# ('…' stands for what differs from run to run).  The JSON excerpt is checked
# against the bundle's item record the same way.
. "$(dirname "$0")/lib.sh"

doc="$TESTS_DIR/../docs/BUNDLE.md"
[ -r "$doc" ] || fail "cannot read $doc"
PY=/usr/bin/python3
[ -x "$PY" ] || fail "$PY is needed (the Debian python3, not a pyenv one)"
command -v minisign >/dev/null 2>&1 || fail "minisign is not installed: run tools/deps.sh"
command -v unzip >/dev/null 2>&1 || fail "unzip is not installed: run tools/deps.sh"
mkdir bin work
ln -s "$AMANAT" bin/amanat

# example.sh: the commands; expect.N: what command N's output must show
"$PY" - "$doc" "$T" >work/example.sh <<'PYEOF' || fail "cannot extract the example's commands"
import re, sys
doc, t = sys.argv[1], sys.argv[2]
s = open(doc, encoding="utf-8").read()
s = s[s.index("## A worked example"):]
print("set -e")
n = 0
for lang, body in re.findall(r"```(sh|console|json)\n(.*?)```", s, re.S):
    if lang == "sh":
        print(body.rstrip())
        continue
    if lang == "json":
        open(f"{t}/expect.json", "w", encoding="utf-8").write(body)
        continue
    lines = body.rstrip("\n").split("\n")
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            sys.exit(f"console line outside a command's output: {lines[i]!r}")
        cmd = lines[i][2:]
        while cmd.endswith("\\"):
            i += 1
            cmd = cmd[:-1] + " " + lines[i].strip()
        i += 1
        out = []
        while i < len(lines) and not lines[i].startswith("$ "):
            out.append(lines[i])
            i += 1
        n += 1
        open(f"{t}/expect.{n}", "w", encoding="utf-8").write("".join(l + "\n" for l in out))
        print(f"{{ {cmd}\n}} >{t}/got.{n} 2>&1 || {{ cat {t}/got.{n}; exit 1; }}")
print(f"cp amanat/items/AMN-000003.json {t}/got.json 2>/dev/null || cp x/amanat-*/amanat/items/AMN-000003.json {t}/got.json")
print(f"echo {n} >{t}/commands")
PYEOF
[ "$(grep -c 'amanat ' work/example.sh)" -ge 6 ] || fail "the worked example has too few commands: $(cat work/example.sh)"
pass
(cd work && PATH="$T/bin:$PATH" expect_exit 0 bash example.sh) || exit 1
[ -s commands ] || fail "the example did not run to its end"
pass

# every line shown, '…' as anything, is a line of what the command printed
cat >match.py <<'PYEOF'
import re, sys
want, got = sys.argv[1], sys.argv[2]
lines = open(got, encoding="utf-8").read().split("\n")
bad = []
for w in open(want, encoding="utf-8").read().split("\n"):
    if not w.strip():
        continue
    rx = re.compile(".*".join(re.escape(p) for p in w.strip().split("…")))
    if not any(rx.fullmatch(l.strip()) for l in lines):
        bad.append(w)
if bad:
    print("not printed as the example shows:\n  " + "\n  ".join(bad) + "\nprinted:\n" + "\n".join(lines))
sys.exit(1 if bad else 0)
PYEOF
for i in $(seq 1 "$(cat commands)"); do
	expect_exit 0 "$PY" match.py "expect.$i" "got.$i"
done
expect_exit 0 "$PY" match.py expect.json got.json
# and the facts the example states
expect_exit 0 grep -qx "court.zip" got.1
expect_exit 0 grep -q "^  AMN-000003  testimony  entry 8, " got.2
expect_exit 0 test -f work/court.zip
expect_exit 0 test -f work/w99.txt
for v in 'Fictional Person A' 'Example Valley checkpoint 3'; do
	expect_exit 1 grep -rqF -- "$v" work/x
done
finish
