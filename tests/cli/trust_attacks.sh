#!/bin/bash
# trust_attacks.sh — pinned trust: writers never act on a vault file they
# have not verified from a point pinned outside it.
#
# The attacker can write the vault file (SQLite, triggers and all) and a
# bundle directory, but holds no member's key.  Every honest person has a
# laptop of their own: a state directory ($XDG_STATE_HOME) where amanat keeps,
# per vault, the pin (vault id, genesis, last verified tree size and root).
# Every command that appends or signs (seal, enroll, revoke, checkpoint, and
# the custody records of show, extract, export, list --as, log --as) first
# verifies what is new since its pin and refuses (exit 1, stderr naming the
# entry or the problem) when the file does not extend what it trusted; the
# file then gains no entry, tree node or checkpoint.
#
# Attacker edits are made with python's sqlite3 module (tests/python/forge.py,
# which builds entries, trees and signatures from docs/FORMAT.md with the
# encoders of amverify.py); honest actions use the CLI.
#
# Assumptions about the new behaviour (what the checks below rely on):
#   - first use of a vault by an identity prints on stderr the vault id
#     (32 hex digits) and the names of its admins and custodians;
#   - `amanat trust VAULT --vault amanat/<32 hex>` (no --as) pins a vault
#     id in the caller's state directory: exit 0 when VAULT is that vault
#     and verifies, 1 otherwise;
#   - a vault file at a path where this identity used another vault (another
#     vault id) is refused (exit 1), not trusted on first use;
#   - verify-bundle and check-proof take `--vault amanat/<32 hex>`; a bare .pub
#     given as --vault-key / --key without --vault is a usage error (exit 2);
#   - a bundle's checkpoint is signed by the exporting custodian; verify-bundle
#     names its signer: a stdout line with "checkpoint", the signer's name and
#     key id, and a "checkpoint_signer" key in --json;
#   - verify-bundle refuses (exit 1) a bundle whose authority chain (genesis,
#     enroll and revoke entries up to its checkpoint) has a gap.
. "$(dirname "$0")/lib.sh"
export XDG_STATE_HOME="$T/state" # the admin's laptop; the others have their own

need_forge

# ---- helpers ------------------------------------------------------------------

forge() {
	"$PY" "$FORGE" "$@" >"$T/.forge" || fail "forge.py $* failed"
	cat "$T/.forge"
}

# rows DB — "entries chunks tree checkpoints" row counts
rows() {
	sq "$1" "SELECT (SELECT count(*) FROM entries) || ' ' || (SELECT count(*) FROM chunks) || ' ' ||
		(SELECT count(*) FROM tree) || ' ' || (SELECT count(*) FROM checkpoints)"
}

# expect_rows WHAT DB BEFORE — the file gained (and lost) no row
expect_rows() {
	expect_eq "$1: rows (entries chunks tree checkpoints) of $2" "$3" "$(rows "$2")"
}

expect_stderr_matches() { # ERE, case-insensitive
	if ! grep -qiE -- "$1" "$ERR"; then
		echo "FAIL [$TEST_NAME]: stderr does not match /$1/" >&2
		echo "  --- stderr ---" >&2
		cat "$ERR" >&2
		exit 1
	fi
	pass
}

# the vault id of DB, 32 lowercase hex digits
vault_hex() {
	sq "$1" "SELECT lower(hex(substr(header, 9, 16))) FROM entries WHERE seq = 0"
}

# display key id of NAME.pub (16 hex digits)
kid() {
	cut -d' ' -f3 "$1.pub" | base64 -d | sha256sum | cut -c1-16
}

# refused WHAT DB WHO ARGS... — amanat ARGS, run on WHO's laptop with the
# passphrase, must exit 1 and leave DB without a new row
refused() {
	local what=$1 db=$2 who=$3 before
	shift 3
	before=$(rows "$db")
	AMANAT_PASSPHRASE="$PASS" on_laptop "$who" expect_exit 1 "$AMANAT" "$@"
	expect_rows "$what" "$db" "$before"
}

# cust_cmds WHO DB SEQ ERE — every custody-recording command by WHO (about
# sealed entry SEQ) is refused
cust_cmds() {
	local who=$1 db=$2 seq=$3 ere=$4
	rm -rf x.out x.bag
	refused "show" "$db" "$who" show "$db" "$seq" --as "$who.id" --purpose "attack check"
	expect_stderr_matches "$ere"
	refused "extract" "$db" "$who" extract "$db" "$seq" --as "$who.id" --purpose "attack check" -o x.out
	expect_file_absent x.out
	refused "list --as" "$db" "$who" list "$db" --as "$who.id"
	refused "log --as" "$db" "$who" log "$db" --as "$who.id"
	refused "export" "$db" "$who" export "$db" --as "$who.id" --entry "$seq" --scope court \
		--purpose "attack check" -o x.bag
	expect_file_absent x.bag
	refused "checkpoint" "$db" "$who" checkpoint "$db" --as "$who.id"
	expect_stderr_matches "$ere"
}

mkdir evil # the attacker's own files
printf 'Fictional testimony W-0101, for the trust tests.\n' >w1.txt
printf 'Fictional testimony W-0102, for the trust tests.\n' >w2.txt
printf 'A fabricated account (fictional) by the auditor.\n' >fake.txt
CONSENT=(--meta consent.scopes=internal,court)

# ---- the real vault; trust on first use is shown ---------------------------------
#   0 genesis (admin), 1 custodian, 2 officer, 3 auditor, 4 cust2 (custodian)
make_vault v.db
make_id cust2
make_id mallory # the attacker's custodian key
am_pw 0 enroll v.db cust2.pub --role custodian --as admin.id
expect_stdout_is 4
VHEX=$(vault_hex v.db)
[[ $VHEX =~ ^[0-9a-f]{32}$ ]] || fail "vault id '$VHEX'"
pass
KID_CUST=$(kid custodian)

# the officer's first use: verified from genesis, pinned, and shown
on_laptop officer seal_as officer v.db w1.txt "${CONSENT[@]}"
expect_eq "first seal" 5 "$SEQ"
expect_stderr_contains "$VHEX"
expect_stderr_contains "admin"
expect_stderr_contains "custodian"
expect_stderr_contains "cust2"
on_laptop officer seal_as officer v.db w2.txt "${CONSENT[@]}"
expect_eq "second seal" 6 "$SEQ"
# the custodian reads (custody entry 7): pinned at 8
on_laptop custodian am_pw 0 show v.db 5 --as custodian.id --purpose "first reading"
expect_eq "entries after the custodian's show" 8 "$(entry_count v.db)"
verify_ok v.db 8

# ---- 1. a checkpoint over a planted tree ------------------------------------------
# The stored tree is replaced by the perfect subtrees of fabricated leaves (the
# real leaves 0..6 and a leaf of the attacker's choosing at 7) and a checkpoint
# row (size 8, the fabricated root, junk signature) agrees with it.  Today an
# append folds the new leaf into the stored nodes and signs the fabricated root.
cp v.db good1.db
FAB=$(forge plant-tree v.db)
[[ $FAB =~ ^[0-9a-f]{64}$ ]] || fail "plant-tree printed '$FAB'"
pass
am 1 verify v.db # verify sees it; the writers must too
cust_cmds custodian v.db 5 'tree|checkpoint|root|pinned|does not extend|entry 7'
expect_eq "checkpoints signed by the custodian over a root that is not the log's" 0 \
	"$(forge bad-checkpoints v.db custodian.pub)"
# the officer (pinned at 7: entry 7 is new to them, its stored leaf is not its own)
refused "officer's seal over the planted tree" v.db \
	officer seal v.db --as officer.id --type testimony --case C-TEST w1.txt
expect_stderr_matches 'tree|checkpoint|root|pinned|does not extend|entry 7'
expect_eq "checkpoints signed by the officer over a root that is not the log's" 0 \
	"$(forge bad-checkpoints v.db officer.pub)"
cp good1.db v.db

# ---- 5. the court can tell whose key to ask for -----------------------------------------
# The officer sealed last (entry 8, so the newest stored checkpoint is the
# officer's); the custodian exports: the bundle's checkpoint must be the
# custodian's own, and verify-bundle must say whose it is.
on_laptop officer seal_as officer v.db w1.txt "${CONSENT[@]}"
expect_eq "officer's seal before the export" 8 "$SEQ"
on_laptop custodian am_pw 0 export v.db --as custodian.id --entry 5 --scope court --purpose "for a court (fictional)" -o bag5
am 0 verify-bundle bag5
am 0 verifier-key v.db custodian.pub
VK_CUST=$(cat "$OUT")
am 0 verify-bundle bag5 --vault-key "$VK_CUST"
am 0 verify-bundle bag5 --vault-key custodian.pub --vault "amanat/$VHEX"
grep -i checkpoint "$OUT" | grep -F "$KID_CUST" | grep -qF custodian ||
	fail "verify-bundle does not name the checkpoint's signer (custodian, $KID_CUST): $(cat "$OUT")"
pass
am 0 verify-bundle bag5 --vault-key custodian.pub --vault "amanat/$VHEX" --json
expect_stdout_contains '"checkpoint_signer"'
grep -oE '"checkpoint_signer":[^}]*' "$OUT" | grep -qF "$KID_CUST" ||
	fail "checkpoint_signer does not name the custodian's key $KID_CUST: $(cat "$OUT")"
pass
# the officer's key did not sign it
am 0 verifier-key v.db officer.pub
am 1 verify-bundle bag5 --vault-key "$(cat "$OUT")"

# ---- 4. a bare .pub pins no vault ---------------------------------------------------------
# The auditor, a member of the real vault, makes a vault of their own with
# fabricated testimony, exports it and proves an entry of it.
on_laptop auditor am_pw 0 init fake.db --as auditor.id
on_laptop auditor seal_as auditor fake.db fake.txt "${CONSENT[@]}"
FSEQ=$SEQ
FHEX=$(vault_hex fake.db)
on_laptop auditor am_pw 0 export fake.db --as auditor.id --entry "$FSEQ" --scope court --purpose "fabrication" -o bag4
am 0 verify-bundle bag4
am 2 verify-bundle bag4 --vault-key auditor.pub
am 1 verify-bundle bag4 --vault-key auditor.pub --vault "amanat/$VHEX"
am 0 verify-bundle bag4 --vault-key auditor.pub --vault "amanat/$FHEX"
am 0 prove fake.db "$FSEQ"
cp "$OUT" p4.txt
am 2 check-proof p4.txt --key auditor.pub
am 1 check-proof p4.txt --key auditor.pub --vault "amanat/$VHEX"
am 0 check-proof p4.txt --key auditor.pub --vault "amanat/$FHEX"
am 0 verifier-key fake.db auditor.pub
am 0 check-proof p4.txt --key "$(cat "$OUT")" # a verifier key names its vault
am 0 verifier-key v.db auditor.pub
am 1 check-proof p4.txt --key "$(cat "$OUT")"
# the same key on the real vault's own checkpoint
on_laptop auditor am_pw 0 checkpoint v.db --as auditor.id
cp "$OUT" cp_aud.txt
am 0 prove v.db 5 --checkpoint cp_aud.txt
cp "$OUT" p5.txt
am 0 check-proof p5.txt --key auditor.pub --vault "amanat/$VHEX"
am 1 check-proof p5.txt --key auditor.pub --vault "amanat/$FHEX"
am 2 check-proof p5.txt --key auditor.pub

# ---- 2a. a rebuilt authority chain ------------------------------------------------------
# A whole forged vault with the victim's vault id: the attacker's genesis
# (their own admin key, under the name and roles of the real admin), the real
# enrollments 1-4 re-signed by it (real keys, names and roles), mallory
# enrolled as custodian, four testimonies, a tree and checkpoints: it verifies
# (independently of amanat) and is longer than anyone's pin.
cp v.db good2.db
forge rebuild v.db evil/forged.db --extra mallory.pub --pad 6 >/dev/null
# (amverify.py checks the format as it was: should it learn that the vault id
# derives from the genesis, that is the one complaint allowed)
"$PY" "$AMV" vault evil/forged.db >"$OUT" 2>"$ERR"
case $? in
0) pass ;;
1) grep -qiE 'entry 0: .*(vault id|genesis)' "$OUT" || fail "amverify.py: the forgery is inconsistent: $(cat "$OUT")" ;;
*) fail "amverify.py vault evil/forged.db: $(cat "$ERR")" ;;
esac
expect_eq "forged vault id" "$VHEX" "$(vault_hex evil/forged.db)"
FORGED_N=$(entry_count evil/forged.db)
FORGED_T=$(sq evil/forged.db "SELECT max(seq) FROM entries WHERE type = 4") # a testimony sealed to the custodian
[ "$FORGED_N" -gt "$(entry_count v.db)" ] || fail "the forged vault is not longer than the real one"
pass
cp evil/forged.db v.db
refused "officer's seal into the rebuilt vault" v.db \
	officer seal v.db --as officer.id --type testimony --case C-TEST w1.txt
expect_stderr_matches 'genesis|entry 0|pinned|does not extend|vault'
expect_eq "entries wrapped to mallory after the forgery" 0 \
	"$(forge wrapped-to v.db mallory.pub --after $((FORGED_N - 1)))"
cust_cmds custodian v.db "$FORGED_T" 'genesis|entry 0|pinned|does not extend|vault'
# an officer on a new laptop who pinned the vault id in advance (from paper)
on_laptop offnew am 1 trust v.db --vault "amanat/$VHEX"
refused "pre-pinned officer's seal into the rebuilt vault" v.db \
	offnew seal v.db --as officer.id --type testimony --case C-TEST w1.txt
cp good2.db v.db
on_laptop offnew2 am 0 trust v.db --vault "amanat/$VHEX"
on_laptop offnew3 am 1 trust v.db --vault "amanat/$FHEX"
cp evil/forged.db v.db
refused "pre-pinned officer's seal into the rebuilt vault" v.db \
	offnew2 seal v.db --as officer.id --type testimony --case C-TEST w1.txt
cp good2.db v.db
on_laptop offnew2 seal_as officer v.db w1.txt "${CONSENT[@]}" # the real one, still fine
# another vault id at the same path: the attacker's own vault, made with the
# stock tool, enrolling the real members under their own names and mallory as
# custodian.  The officer used v.db before: no trust on first use here.
cp v.db good2.db
mkdir -p evil/keys
(cd evil/keys && AMANAT_PASSPHRASE="$PASS" "$AMANAT" id new admin --kdf interactive >/dev/null 2>&1) ||
	fail "the attacker's admin identity"
on_laptop evil am_pw 0 init evil/other.db --as evil/keys/admin.id --recipient custodian.pub --recipient mallory.pub
on_laptop evil am_pw 0 enroll evil/other.db officer.pub --role officer --as evil/keys/admin.id
cp evil/other.db v.db
refused "officer's seal into another vault at the same path" v.db \
	officer seal v.db --as officer.id --type testimony --case C-TEST w1.txt
expect_stderr_matches 'vault|pinned|does not extend|genesis'
cp good2.db v.db
on_laptop officer seal_as officer v.db w2.txt "${CONSENT[@]}" # the real one, still fine

# ---- 2b. an undone revocation -------------------------------------------------------------
# The admin revokes the custodian; the officer seals after it (pinned past the
# revocation).  The attacker appends, with plain INSERTs (no trigger dropped),
# one testimony signed by a fresh key, chained to the tip, whose auth_seq points
# before the revocation, with the tree nodes and checkpoint an append adds.
# Today the next seal takes its membership from that row and wraps the new key
# to the revoked custodian.
am_pw 0 revoke v.db custodian.pub --as admin.id
REV=$(entry_count v.db)
REV=$((REV - 1))
on_laptop officer seal_as officer v.db w2.txt "${CONSENT[@]}"
expect_eq "honest entries wrapped to the revoked custodian" 0 "$(forge wrapped-to v.db custodian.pub --after "$REV")"
cp v.db good3.db
BEFORE_REV=$(sq v.db "SELECT max(seq) FROM entries WHERE type IN (1, 2, 3) AND seq < $REV")
STALE=$(forge append-stale v.db --auth-seq "$BEFORE_REV")
expect_eq "the stale row's seq" "$((REV + 2))" "$STALE"
refused "officer's seal after the stale row" v.db \
	officer seal v.db --as officer.id --type testimony --case C-TEST w1.txt
expect_stderr_contains "entry $STALE"
expect_eq "entries after the stale row wrapped to the revoked custodian" 0 \
	"$(forge wrapped-to v.db custodian.pub --after "$STALE")"
cust_cmds cust2 v.db 5 "entry $STALE"
cp good3.db v.db

# ---- 3. a bundle must carry the whole authority chain --------------------------------------------
# cust2 exports item 5 (sealed before the revocation) at the current size; the
# attacker drops the revocation's proof from the bag, rehashes the tag manifest
# and signs it again with the exporter's key (as the exporter could): the
# revoked custodian would look enrolled.
on_laptop cust2 am_pw 0 export v.db --as cust2.id --entry 5 --scope court --purpose "for a court (fictional)" -o bag3
am 0 verify-bundle bag3
[ -f "bag3/amanat/entries/$REV.tlog-proof" ] || fail "bag3 does not carry the revocation (entry $REV)"
pass
cp -r bag3 bag3u
forge bundle-drop bag3u "$REV" >/dev/null
am 1 verify-bundle bag3u # the signature no longer holds
cp -r bag3 bag3s
FORGE_PASS="$PASS" forge bundle-drop bag3s "$REV" --identity cust2.id --passphrase-env FORGE_PASS >/dev/null
if command -v minisign >/dev/null 2>&1; then
	(cd bag3s && expect_exit 0 minisign -Vm tagmanifest-sha256.txt -p amanat/signer.pub) || exit 1
	pass
fi
am 1 verify-bundle bag3s
cat "$OUT" >>"$ERR"
expect_stderr_matches "entry $REV|authority|missing"
am 1 verify-bundle bag3s --json
expect_stdout_contains '"ok":false'

# ---- 6. a fork, a rollback, another vault at the same path ---------------------------------------
cp v.db snap.db # the vault at size k
K=$(entry_count snap.db)
on_laptop officer seal_as officer v.db w1.txt "${CONSENT[@]}" # the officer's pin moves to k+1
# the copy gets a different entry k from another member, on another laptop
cp snap.db fork.db
on_laptop cust2fork seal_as cust2 fork.db w2.txt
expect_eq "the fork's entry" "$K" "$SEQ"
refused "officer's seal into the fork" fork.db \
	officer seal fork.db --as officer.id --type testimony --case C-TEST w1.txt
expect_stderr_matches 'fork|does not extend|pinned'
refused "officer's checkpoint of the fork" fork.db officer checkpoint fork.db --as officer.id
expect_stderr_matches 'fork|does not extend|pinned'
# a verifier key handed to a court names the vault as verified, so not the fork's
refused "verifier key from the fork" fork.db officer verifier-key fork.db officer.pub
expect_stdout_not_contains "amanat/"
# the same fork in place of the file the officer uses
cp v.db good6.db
cp fork.db v.db
refused "officer's seal into the fork in place" v.db \
	officer seal v.db --as officer.id --type testimony --case C-TEST w1.txt
expect_stderr_matches 'fork|does not extend|pinned'
# a rollback: the older copy of the same vault replaces the file
cp snap.db v.db
refused "officer's seal into the rolled-back vault" v.db \
	officer seal v.db --as officer.id --type testimony --case C-TEST w1.txt
expect_stderr_matches 'roll|shrunk|shorter|fewer|truncat|does not extend|pinned'
refused "officer's checkpoint of the rolled-back vault" v.db \
	officer checkpoint v.db --as officer.id
# another (honest) vault at the same path
on_laptop admin2 am_pw 0 init other.db --as admin.id --recipient cust2.pub
on_laptop admin2 am_pw 0 enroll other.db officer.pub --role officer --as admin.id
cp other.db v.db
refused "officer's seal into another vault at the same path" v.db \
	officer seal v.db --as officer.id --type testimony --case C-TEST w1.txt
expect_stderr_matches 'vault|pinned|does not extend|genesis'
# back to the real file: it extends the pin, so all is well; and the other
# vault at a path of its own is trusted on first use
cp good6.db v.db
on_laptop officer seal_as officer v.db w2.txt "${CONSENT[@]}"
on_laptop officer seal_as officer other.db w2.txt
expect_stderr_contains "$(vault_hex other.db)"
verify_ok v.db

# ---- 7. what a review of the fix found ----------------------------------------------------------
# (a) a view in place of the entries table makes SQLite answer genesis one way
# for the pin lookup and another for the check (here: never), so that the
# file looked like a new vault: a schema amanat did not make is refused.
cp v.db good7.db
sq v.db "PRAGMA writable_schema=OFF; ALTER TABLE entries RENAME TO e2;
	CREATE VIEW entries AS SELECT * FROM e2 WHERE seq <> 0;"
refused "officer's seal into a vault whose entries are a view" v.db \
	officer seal v.db --as officer.id --type testimony --case C-TEST w1.txt
expect_stderr_matches 'did not make|altered'
# the same with an extra trigger of the attacker's
cp good7.db v.db
sq v.db "CREATE TRIGGER x AFTER INSERT ON checkpoints BEGIN SELECT 1; END;"
refused "officer's seal into a vault with a planted trigger" v.db \
	officer seal v.db --as officer.id --type testimony --case C-TEST w1.txt
expect_stderr_matches 'did not make|altered'
cp good7.db v.db
# the same view behind an unparseable schema row, which once sent readers to a
# salvage mode that skipped the schema check: a file that needs salvage never verifies
sq v.db "ALTER TABLE entries RENAME TO e2; CREATE VIEW entries AS SELECT * FROM e2;
	CREATE TABLE junk(x); PRAGMA writable_schema=ON;
	UPDATE sqlite_schema SET sql = 'CREATE TABLE junk(' WHERE name = 'junk';"
am 1 verify v.db
am 1 verify v.db --quick --json
expect_stdout_contains '"ok":false'
before=$(sha256sum <v.db)
AMANAT_PASSPHRASE="$PASS" on_laptop officer expect_exit_in "1 2" \
	"$AMANAT" seal v.db --as officer.id --type testimony --case C-TEST w1.txt
expect_eq "the vault with a broken schema after a refused seal" "$before" "$(sha256sum <v.db)"
cp good7.db v.db
# (b) one vault used at two paths (a laptop copy and the USB stick): replacing
# the first with the attacker's own vault must not be trusted on first use,
# even though the officer sealed at the other path since
mkdir -p usb
cp v.db usb/v.db
on_laptop officer seal_as officer usb/v.db w1.txt "${CONSENT[@]}"
on_laptop evil2 am_pw 0 init evil.db --as mallory.id
on_laptop evil2 am_pw 0 enroll evil.db officer.pub --role officer --as mallory.id
cp v.db good7b.db
cp evil.db v.db
refused "officer's seal into the attacker's vault at a path used before" v.db \
	officer seal v.db --as officer.id --type testimony --case C-TEST w1.txt
expect_stderr_matches 'held the vault|vault'
cp usb/v.db v.db # the laptop copy catches up with the stick
# (c) a row with a huge sequence number planted in the file: refused, no crash
# (the custody record's list of entries is sized from the verified log)
cp v.db good7c.db
drop_triggers v.db
sq v.db "INSERT INTO entries(seq, type, header, sig, hash, wraps, meta)
	SELECT 2305843009213693951, type, header, sig, hash, wraps, meta FROM entries WHERE seq = 5"
refused "custodian's list --as with a huge planted seq" v.db \
	custodian list v.db --as custodian.id
cp good7c.db v.db
# (d) a verifier key names its vault: the key of another vault proves nothing
am 0 verifier-key other.db officer.pub
OTHER_VK=$(cat "$OUT")
on_laptop officer am 0 prove v.db 5
cp "$OUT" p7.txt
am 1 check-proof p7.txt --key "$OTHER_VK"
expect_stderr_matches 'none of the keys|key of'
# (e) prove hands out only a stored checkpoint a member signed: a newer row of
# the same size with a junk signature is refused, not passed on
cp v.db good7e.db
drop_triggers v.db
sq v.db "INSERT INTO checkpoints(size, root, signer, note)
	SELECT size, root, signer, replace(note, substr(note, -30, 10), 'AAAAAAAAAA')
	FROM checkpoints ORDER BY id DESC LIMIT 1"
on_laptop officer am 1 prove v.db 5
expect_stderr_matches 'not signed|does not verify|signature'
cp good7e.db v.db
verify_ok v.db

finish
