#!/bin/bash
# checkpoints.sh — the checkpoints stored in a vault, as C2SP signed-note and
# docs/FORMAT.md §16/§20 require them: exactly the three lines amanat signs and
# exactly one signature (the signer's), well-formed signature lines whoever
# signed them, a known key's signature of the right length, each column of its
# storage class, none removed, and no CPU to burn with copies.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
make_vault good.db
printf 'Fictional testimony for the checkpoint tests.\n' >w.txt
seal_as officer good.db w.txt
seal_as officer good.db w.txt
am_pw 0 checkpoint good.db --as auditor.id # a second checkpoint at size 6
verify_ok good.db 6
expect_eq "stored checkpoints" 7 "$(sq good.db "SELECT count(*) FROM checkpoints")"
cp good.db notrig.db
drop_triggers notrig.db

# edit SQL — a fresh copy of the vault with one change, which verify must refuse
# (exit 1) naming an entry; the copy is t.db
edit() {
	rm -f t.db t.db-journal
	cp notrig.db t.db
	forget_pins
	sq t.db "$1"
	am 1 verify t.db
	expect_stderr_contains "t.db: entry "
	am 1 verify t.db --json
	expect_stdout_contains '"ok":false'
}
# note NAME — a Python expression over the newest note `n` (and its parts)
# stored back in place of it
note() {
	rm -f t.db t.db-journal
	cp notrig.db t.db
	forget_pins
	"$PY" - t.db "$1" <<'PY' || fail "python edit failed"
import base64, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
i, n = db.execute("SELECT id, note FROM checkpoints ORDER BY id DESC LIMIT 1").fetchone()
body, sig = n.split("\n\n")
dash, name, b64 = sig.rstrip("\n").split(" ")
raw = base64.b64decode(b64)
kid, s = raw[:4], raw[4:]
b = lambda x: base64.b64encode(x).decode()
new = eval(sys.argv[2])
db.execute("UPDATE checkpoints SET note = ? WHERE id = ?", (new, i))
db.commit()
PY
	am 1 verify t.db
	expect_stderr_contains "t.db: entry 5: "
}

# the signature line twice (FORMAT.md: exactly one signature, the signer's)
note 'n + sig.split("\n")[0] + "\n"'
expect_stderr_contains "carries 2 signatures, not exactly its signer's"
# a known key (its name and key id) with a signature of 0, 63 or 65 bytes
note 'body + "\n\n" + dash + " " + name + " " + b(kid) + "\n"'
note 'body + "\n\n" + dash + " " + name + " " + b(kid + s[:63]) + "\n"'
note 'body + "\n\n" + dash + " " + name + " " + b(kid + s + b"x") + "\n"'
# a malformed line for an unknown key (C2SP: the note is malformed)
note 'n + dash + " someone.example/key not-base64!\n"'
note 'n + dash + " someone.example/key " + b(b"abcd") + "\n"'
note 'n + dash + " " + "\n"'
# a well-formed line of an unknown key: still not exactly the signer's one
note 'n + dash + " someone.example/key " + b(b"abcd" + bytes(64)) + "\n"'
# an extension line in the signed text (amanat signs exactly three lines)
note 'body + "\nextension\n\n" + sig'
# storage classes: a size stored as a real, text or blob; a root or signer as text
edit "UPDATE checkpoints SET size = 5.5 WHERE id = (SELECT max(id) FROM checkpoints WHERE size = 5)"
edit "UPDATE checkpoints SET size = CAST('6' AS BLOB) WHERE id = (SELECT max(id) FROM checkpoints)"
edit "UPDATE checkpoints SET root = hex(root) WHERE id = (SELECT max(id) FROM checkpoints)"
edit "UPDATE checkpoints SET signer = CAST(signer AS TEXT) WHERE id = 3"
edit "UPDATE entries SET type = 4.5 WHERE seq = 4"
edit "UPDATE chunks SET idx = 0.0 + idx + 0.25 WHERE seq = 4"
# a size-0 checkpoint (FORMAT.md: sizes start at 1)
edit "INSERT INTO checkpoints(size, root, signer, note) SELECT 0, root, signer, note FROM checkpoints WHERE id = 1"
# a checkpoint removed: every append stores one, signed by whoever appended;
# removing any (not only the newest) is found, at the entry it belonged to
for id in 1 3 5; do
	edit "DELETE FROM checkpoints WHERE id = $id"
	expect_stderr_contains "is missing"
done
# the second checkpoint at size 6 (the auditor's) may go: it was not an append's
rm -f t.db t.db-journal
cp notrig.db t.db
forget_pins
sq t.db "DELETE FROM checkpoints WHERE id = (SELECT max(id) FROM checkpoints)"
verify_ok t.db 6

# copies: 1,500 identical copies of a valid checkpoint verify once (and the
# vault stays good); 1,500 padded copies (an unknown key's line added) are
# refused at the first
rm -f t.db t.db-journal
cp notrig.db t.db
forget_pins
"$PY" - t.db <<'PY' || fail "python copies failed"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
row = db.execute("SELECT size, root, signer, note FROM checkpoints ORDER BY id DESC LIMIT 1").fetchone()
db.executemany("INSERT INTO checkpoints(size, root, signer, note) VALUES(?,?,?,?)", [row] * 1500)
db.commit()
PY
verify_ok t.db 6
expect_eq "checkpoints checked" 1507 "$(json_num checkpoints)"
"$PY" - t.db <<'PY' || fail "python padding failed"
import base64, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
size, root, signer, n = db.execute("SELECT size, root, signer, note FROM checkpoints ORDER BY id DESC LIMIT 1").fetchone()
rows = [(size, root, signer, n + "\u2014 pad.example/%d %s\n" % (i, base64.b64encode(b"abcd" + bytes(64)).decode()))
        for i in range(1500)]
db.executemany("INSERT INTO checkpoints(size, root, signer, note) VALUES(?,?,?,?)", rows)
db.commit()
PY
am 1 verify t.db
expect_stderr_contains "t.db: entry 5: "

# check-proof applies the same signature-line rules to the checkpoint it is given
am 0 prove good.db 4
cp "$OUT" p.txt
am 0 verifier-key good.db auditor.pub # who signed the newest checkpoint
VK=$(cat "$OUT")
am 0 check-proof p.txt --key "$VK"
sed '$ s/$/\n— someone.example\/key not-base64!/' p.txt >bad.txt
expect_nonzero "$AMANAT" check-proof bad.txt --key "$VK"
finish
