#!/bin/bash
# Every verify rule of rotate and rewrap entries (docs/FORMAT.md §24), each
# against an entry a member crafted with their own key (tests/python/forge.py
# insider: validly signed, chained and checkpointed, wrong only in what §24
# forbids): amanat verify fails naming the entry and the rule, and so does the
# independent verifier.  Controls: the same tool's valid entries verify.  And
# a byte flipped in a genuine rotate or rewrap entry is caught.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
TESTS=${TESTS_DIR:-$CLI_DIR/..}
FORGE="$TESTS/python/forge.py"
AMV="$TESTS/python/amverify.py"
[ -f "$FORGE" ] || fail "forge.py not found at $FORGE (set TESTS_DIR)"
"$PY" -c 'import nacl.signing' 2>/dev/null || fail "$PY cannot import nacl (apt-get install python3-nacl)"

make_vault base.db         # 0 genesis, 1 custodian, 2 officer, 3 auditor
make_id cust2
make_id newkey
printf 'Sealed before cust2 (fictional).\n' >early.txt
seal_as officer base.db early.txt
EARLY=$SEQ                 # 4: wrapped to custodian only
am_pw 0 enroll base.db cust2.pub --role custodian --as admin.id
seal_as officer base.db early.txt
BOTH=$SEQ                  # 6: wrapped to custodian and cust2
ENR=$((EARLY + 1))         # 5: an enroll entry

# insider COPY ID MODE ARGS... — a copy of base.db with one crafted entry appended
insider() {
	local copy=$1 who=$2
	shift 2
	cp base.db "$copy"
	AMANAT_PASSPHRASE="$PASS" "$PY" "$FORGE" insider "$copy" --as "$who" "$@" >"$T/.forge" ||
		fail "forge.py insider $copy $*: $(cat "$T/.forge")"
	FORGED=$(cat "$T/.forge")
}

# rejected COPY REASON — both verifiers refuse the crafted entry for REASON
rejected() {
	fresh_eyes expect_verify_fails "$1" "$FORGED" "$2"
	"$PY" "$AMV" vault "$1" >"$OUT" 2>"$ERR"
	[ $? = 1 ] || fail "amverify.py accepted $1: $(cat "$OUT" "$ERR")"
	expect_stdout_contains "FAIL: entry $FORGED: "
}

# accepted COPY — both verifiers accept it
accepted() {
	fresh_eyes verify_ok "$1"
	"$PY" "$AMV" vault "$1" >"$OUT" 2>"$ERR" || fail "amverify.py refused $1: $(cat "$OUT" "$ERR")"
}

# ---- rotate -------------------------------------------------------------------
insider ok-rotate.db admin.id rotate custodian.pub newkey.pub --binder custodian.id
accepted ok-rotate.db
insider r-binding.db admin.id rotate custodian.pub newkey.pub --binder admin.id
rejected r-binding.db "binding signature by the old key does not verify"
insider r-signer.db officer.id rotate custodian.pub newkey.pub --binder custodian.id
rejected r-signer.db "signed neither by another admin"
insider r-self.db custodian.id rotate custodian.pub newkey.pub --binder custodian.id
rejected r-self.db "signed neither by another admin"
insider r-newself.db newkey.id rotate custodian.pub newkey.pub --binder custodian.id
rejected r-newself.db "signed neither by another admin"
insider r-roles.db admin.id rotate custodian.pub newkey.pub --binder custodian.id --roles 5
rejected r-roles.db "does not move exactly the roles"
insider r-taken.db admin.id rotate custodian.pub cust2.pub --binder custodian.id
rejected r-taken.db "new keys already belong to an identity"
am_pw 0 revoke base.db auditor.pub --as admin.id
insider r-revoked.db admin.id rotate auditor.pub newkey.pub --binder auditor.id --roles 8
rejected r-revoked.db "rotate names an identity that is not enrolled"

# ---- rewrap -------------------------------------------------------------------
insider ok-rewrap.db custodian.id rewrap cust2.pub "$EARLY:$EARLY"
accepted ok-rewrap.db
# what no keyless verifier can see: the box does not hold the entry's key; the
# recipient finds out when opening it, and reads nothing
on_laptop cust2 am_pw 1 show ok-rewrap.db "$EARLY" --as cust2.id
expect_stderr_contains "entry $EARLY: metadata does not decrypt with the key from rewrap entry $FORGED"
insider w-signer.db officer.id rewrap cust2.pub "$EARLY:$EARLY"
rejected w-signer.db "may seal rewrap entries"
insider w-back.db cust2.id rewrap custodian.pub "$EARLY:$EARLY"
rejected w-back.db "already wrapped to"
make_id cust3
am_pw 0 enroll base.db cust3.pub --role custodian --as admin.id
insider w-held.db cust2.id rewrap cust3.pub "$EARLY:$EARLY"
rejected w-held.db "signer held no wrap of the key of entry $EARLY"
insider w-to.db custodian.id rewrap officer.pub "$EARLY:$EARLY"
rejected w-to.db "not an enrolled custodian"
insider w-public.db custodian.id rewrap cust2.pub "$ENR:$ENR"
rejected w-public.db "names entry $ENR, a enroll entry with no content key"
insider w-again.db custodian.id rewrap cust2.pub "$BOTH:$BOTH"
rejected w-again.db "already wrapped to"
insider w-via.db cust2.id rewrap cust3.pub "$EARLY:$ENR"
rejected w-via.db "came from entry $ENR, which is not a rewrap entry"
# a via that is a genuine rewrap, but to someone else: cust3 cannot pass on cust2's wrap
am_pw 0 rewrap base.db --to cust2.pub --as custodian.id --entries "$EARLY"
RW=$(cat "$OUT")
make_id cust4
am_pw 0 enroll base.db cust4.pub --role custodian --as admin.id
insider ok-via.db cust2.id rewrap cust4.pub "$EARLY:$RW"
accepted ok-via.db
insider w-via2.db cust3.id rewrap cust4.pub "$EARLY:$RW"
rejected w-via2.db "signer held no wrap of the key of entry $EARLY"
insider w-order.db custodian.id rewrap cust3.pub "$BOTH:$BOTH,$EARLY:$EARLY"
rejected w-order.db "rewrap payload is malformed"

# a key revoked as compromised: what it signs after its revocation is refused
# (what it signed before is listed: lifecycle.sh)
cp base.db after.db
am_pw 0 revoke after.db cust4.pub --as admin.id --reason "fictional seizure" --compromised-since 0
cp after.db base.db
insider w-revoked.db cust4.id rewrap cust3.pub "$BOTH:$BOTH"
rejected w-revoked.db "was not enrolled with a role that may seal rewrap entries"

# ---- revoke record -------------------------------------------------------------
N=$(entry_count base.db)
insider v-late.db admin.id revoke officer.pub --since $((N + 5))
rejected v-late.db "compromise point after itself"

# ---- a flipped byte in a genuine rotate or rewrap entry -------------------------
cp base.db flip.db
am_pw 0 rotate flip.db cust2.id newkey.pub --as admin.id
ROT=$(cat "$OUT")
drop_triggers flip.db
flip_byte flip.db entries header "seq = $ROT" 340
fresh_eyes expect_verify_fails flip.db "$ROT" "signature does not verify"
cp base.db flip2.db
drop_triggers flip2.db
flip_byte flip2.db entries header "seq = $RW" 360
fresh_eyes expect_verify_fails flip2.db "$RW" "signature does not verify"
finish
