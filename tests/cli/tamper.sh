#!/bin/bash
# tamper.sh — amanat verify on a good vault, then on copies damaged the way
# someone with write access to the file could (triggers dropped with the
# sqlite3 shell): every change must make verify exit 1 naming the entry.
. "$(dirname "$0")/lib.sh"

# the good vault:
#   0 genesis, 1 custodian, 2 officer, 3 auditor (make_vault)
#   4 testimony (small), 5 document (2.5 MiB random: 3 chunks),
#   6 testimony (small, with metadata), 7 custody (show 4), 8 testimony
# and another vault built the same way, with the same identities
build() {
	make_vault "$1"
	seal_as officer "$1" small.txt
	expect_eq "seq" 4 "$SEQ"
	seal_as officer "$1" big.bin --type document
	expect_eq "seq" 5 "$SEQ"
	seal_as officer "$1" small.txt --title "a title" --meta lang=dari
	expect_eq "seq" 6 "$SEQ"
	am_pw 0 show "$1" 4 --as custodian.id --purpose "check"
	seal_as officer "$1" small.txt
	expect_eq "seq" 8 "$SEQ"
}
printf 'A fictional account, sealed for the tamper tests.\n' >small.txt
head -c $((2 * 1048576 + 500000)) /dev/urandom >big.bin
build good.db
build other.db
expect_eq "chunks of entry 5" 3 "$(sq good.db "SELECT count(*) FROM chunks WHERE seq = 5")"

# the good vault verifies, in both tiers, in text and JSON
am 0 verify good.db
expect_stdout_matches '^ok: 9 entries verified .*[0-9a-f]{64}$'
am 0 verify good.db --quick
expect_stdout_matches '^ok: 9 entries verified'
verify_ok good.db 9
expect_eq "chunks" "$(sq good.db "SELECT count(*) FROM chunks")" "$(json_num chunks)"
expect_eq "tier" "full" "$(json_str tier)"
head=$(json_first root head)
[[ $head =~ ^[0-9a-f]{64}$ ]] || fail "root/head is '$head'"
pass
# verify reads only: the file is unchanged, and it needs no passphrase
cp good.db good.orig
no_tty 0 verify good.db
expect_same_file good.db good.orig
# the two vaults differ (different vault ids and heads)
verify_ok other.db 9
[ "$(json_first root head)" != "$head" ] || fail "two vaults share a head"
pass
# verify usage
am 2 verify
am 2 verify good.db other.db
am 2 verify good.db --frobnicate

# fresh: t.db, a COPY of the good vault with its triggers dropped
cp good.db notrig.db
drop_triggers notrig.db
am 0 verify notrig.db
fresh() {
	rm -f t.db t.db-journal
	cp notrig.db t.db
	forget_pins # each copy is the same vault put back: not a rollback here
}

# header: one byte in the middle of entry 4's (fields that only the
# signature covers: sealing time, signer, uid)
fresh
flip_byte t.db entries header "seq = 4" 100
expect_verify_fails t.db 4
am 1 verify t.db --quick
expect_stderr_contains "entry 4: "
# ...and the custodian is refused the content (exit 1), with no output file
am_pw 1 extract t.db 4 --as custodian.id --purpose "after tamper" -o hdr.out
expect_file_absent hdr.out
# header: the magic, the seq field, the type field, the payload length
for pos in 1 31 7 $(($(sq good.db "SELECT length(header) FROM entries WHERE seq = 4") - 2)); do
	fresh
	flip_byte t.db entries header "seq = 4" "$pos"
	expect_verify_fails t.db 4
done
# header of an enrollment (the officer's, entry 2)
fresh
flip_byte t.db entries header "seq = 2" 100
expect_verify_fails t.db 2

# signature: one byte
fresh
flip_byte t.db entries sig "seq = 4" 10
expect_verify_fails t.db 4 "signature does not verify"
fresh
flip_byte t.db entries sig "seq = 0" 64
expect_verify_fails t.db 0 "signature does not verify"

# chunk ciphertext: one byte in the middle chunk of entry 5
fresh
flip_byte t.db chunks data "seq = 5 AND idx = 1" 1000
expect_verify_fails t.db 5 "content ciphertext does not match its signed hash"
am 0 verify t.db --quick # the quick tier does not read chunks (documented)
# the custodian's extract fails with exit 1 and leaves no output, not even
# the first chunk it had already decrypted
am_pw 1 extract t.db 5 --as custodian.id --purpose "after tamper" -o chunk.out
expect_stderr_contains "entry 5"
expect_file_absent chunk.out
expect_no_tmp_files .
# also through --force over an existing file, which must stay as it was
printf 'older copy\n' >chunk.out
cp chunk.out chunk.orig
am_pw 1 extract t.db 5 --as custodian.id --purpose "after tamper" --force -o chunk.out
expect_same_file chunk.out chunk.orig
expect_no_tmp_files .
rm -f chunk.out
# the last chunk, and the only chunk of a small entry
fresh
flip_byte t.db chunks data "seq = 5 AND idx = 2" 17
expect_verify_fails t.db 5 "content ciphertext"
fresh
flip_byte t.db chunks data "seq = 4 AND idx = 0" 20
expect_verify_fails t.db 4 "content ciphertext"
am_pw 1 extract t.db 4 --as custodian.id --purpose "after tamper" -o small.out
expect_file_absent small.out

# wraps blob
fresh
flip_byte t.db entries wraps "seq = 6" 50
expect_verify_fails t.db 6 "wrapped keys do not match their signed hash"
am_pw 1 show t.db 6 --as custodian.id
# meta blob
fresh
flip_byte t.db entries meta "seq = 6" 20
expect_verify_fails t.db 6 "metadata ciphertext does not match its signed hash"
am_pw 1 show t.db 6 --as custodian.id

# delete an entry row in the middle
fresh
sq t.db "DELETE FROM entries WHERE seq = 6"
expect_verify_fails t.db 6 "missing"
# ...and its chunks too
fresh
sq t.db "DELETE FROM entries WHERE seq = 6; DELETE FROM chunks WHERE seq = 6"
expect_verify_fails t.db 6 "missing"

# delete a chunk row (the middle one, then the last one)
fresh
sq t.db "DELETE FROM chunks WHERE seq = 5 AND idx = 1"
expect_verify_fails t.db 5 "chunk"
fresh
sq t.db "DELETE FROM chunks WHERE seq = 5 AND idx = 2"
expect_verify_fails t.db 5 "chunk"
am_pw 1 extract t.db 5 --as custodian.id --purpose "after tamper" -o trunc.out
expect_file_absent trunc.out

# duplicate a chunk row under a different idx (an extra chunk at the end)
fresh
sq t.db "INSERT INTO chunks(seq, idx, data) SELECT seq, 3, data FROM chunks WHERE seq = 5 AND idx = 2"
expect_verify_fails t.db 5 "more chunks"
fresh
sq t.db "INSERT INTO chunks(seq, idx, data) SELECT seq, 1, data FROM chunks WHERE seq = 4 AND idx = 0"
expect_verify_fails t.db 4 "more chunks"
# replace a chunk by a copy of its neighbour (same count, wrong bytes)
fresh
sq t.db "UPDATE chunks SET data = (SELECT data FROM chunks WHERE seq = 5 AND idx = 0) WHERE seq = 5 AND idx = 1"
expect_verify_fails t.db 5 "content ciphertext"
am_pw 1 extract t.db 5 --as custodian.id --purpose "after tamper" -o dup.out
expect_file_absent dup.out
# swap two chunks of one entry (reordering)
fresh
sq t.db "UPDATE chunks SET idx = -1 WHERE seq = 5 AND idx = 0;
	UPDATE chunks SET idx = 0 WHERE seq = 5 AND idx = 1;
	UPDATE chunks SET idx = 1 WHERE seq = 5 AND idx = -1"
expect_verify_fails t.db 5 "content ciphertext"
# move a chunk to another entry
fresh
sq t.db "UPDATE chunks SET seq = 6, idx = 1 WHERE seq = 4"
expect_verify_fails t.db 4 "chunks"
# a stray chunk row that no entry accounts for
fresh
sq t.db "INSERT INTO chunks(seq, idx, data) VALUES(42, 0, randomblob(100))"
am 1 verify t.db
expect_stderr_contains "chunk rows"

# swap two entries' seq numbers (reorder the log)
fresh
sq t.db "UPDATE entries SET seq = -1 WHERE seq = 4;
	UPDATE entries SET seq = 4 WHERE seq = 6;
	UPDATE entries SET seq = 6 WHERE seq = -1"
expect_verify_fails t.db 4 "header says it is entry 6"
# ...with their chunks too
fresh
sq t.db "UPDATE entries SET seq = -1 WHERE seq = 4;
	UPDATE entries SET seq = 4 WHERE seq = 6;
	UPDATE entries SET seq = 6 WHERE seq = -1;
	UPDATE chunks SET seq = -1 WHERE seq = 4;
	UPDATE chunks SET seq = 4 WHERE seq = 6;
	UPDATE chunks SET seq = 6 WHERE seq = -1"
expect_verify_fails t.db 4

# insert a duplicate of an entry as a new last row (the insert guard allows
# it, as seq is the next one: verification must catch it)
rm -f t.db
cp good.db t.db
sq t.db "INSERT INTO entries(seq, type, header, sig, hash, wraps, meta)
	SELECT 9, type, header, sig, hash, wraps, meta FROM entries WHERE seq = 4"
expect_verify_fails t.db 9 "header says it is entry 4"
# the same with a duplicate of the last entry
fresh
sq t.db "INSERT INTO entries(seq, type, header, sig, hash, wraps, meta)
	SELECT 9, type, header, sig, hash, wraps, meta FROM entries WHERE seq = 8"
expect_verify_fails t.db 9

# change the type column
fresh
sq t.db "UPDATE entries SET type = 5 WHERE seq = 4"
expect_verify_fails t.db 4 "type"
fresh
sq t.db "UPDATE entries SET type = 4 WHERE seq = 2" # an enrollment passed off as testimony
expect_verify_fails t.db 2

# change the stored hash column
fresh
flip_byte t.db entries hash "seq = 4" 1
expect_verify_fails t.db 4 "hash"
fresh
sq t.db "UPDATE entries SET hash = zeroblob(32) WHERE seq = 8"
expect_verify_fails t.db 8 "hash"

# change an enrollment so the officer appears to be a custodian: the roles
# byte of entry 2's payload (sign pk, box pk, roles, name length, name)
fresh
officer_name=officer
len=$(sq t.db "SELECT length(header) FROM entries WHERE seq = 2")
pos=$((len - ${#officer_name} - 1))
expect_eq "roles byte of the officer's enrollment" "02" "$(sq t.db "SELECT hex(substr(header, $pos, 1)) FROM entries WHERE seq = 2")"
sq t.db "UPDATE entries SET header = CAST(substr(header, 1, $((pos - 1))) || X'06' || substr(header, $((pos + 1))) AS BLOB) WHERE seq = 2"
expect_eq "roles byte after the change" "06" "$(sq t.db "SELECT hex(substr(header, $pos, 1)) FROM entries WHERE seq = 2")"
expect_verify_fails t.db 2 "signature does not verify"
# the tool refuses to work on top of it: no custody entry, no new seal
n=$(entry_count t.db)
am_pw 1 show t.db 4 --as custodian.id
am_pw 1 seal t.db --as officer.id --type testimony --case C-1 small.txt
expect_eq "entries after refused work" "$n" "$(entry_count t.db)"
# the officer still cannot read: nothing was ever wrapped to it (refused as
# not authorised, 3, or because the vault is found damaged, 1)
AMANAT_PASSPHRASE="$PASS" expect_exit_in "1 3" "$AMANAT" extract t.db 4 --as officer.id --purpose x -o off.out
expect_file_absent off.out

# replace the whole header+sig of one entry with one from another vault
fresh
sq t.db "ATTACH 'other.db' AS o;
	UPDATE entries SET header = (SELECT header FROM o.entries WHERE seq = 4),
	                   sig = (SELECT sig FROM o.entries WHERE seq = 4) WHERE seq = 4"
expect_verify_fails t.db 4 "belongs to another vault"
# ...with its hash, wraps, meta and chunks as well
fresh
sq t.db "ATTACH 'other.db' AS o;
	DELETE FROM entries WHERE seq = 4;
	INSERT INTO entries SELECT * FROM o.entries WHERE seq = 4;
	DELETE FROM chunks WHERE seq = 4;
	INSERT INTO chunks(seq, idx, data) SELECT seq, idx, data FROM o.chunks WHERE seq = 4"
expect_verify_fails t.db 4 "another vault"

# none of that touched the good vault
expect_same_file good.db good.orig
am 0 verify good.db

# delete the genesis: a verification failure at entry 0 (exit 1), like any
# other missing entry, not "bad input"
fresh
sq t.db "DELETE FROM entries WHERE seq = 0"
expect_verify_fails t.db 0
# a damaged genesis header: exit 1 naming entry 0, and --json still JSON
fresh
flip_byte t.db entries header "seq = 0" 1
expect_verify_fails t.db 0

finish
