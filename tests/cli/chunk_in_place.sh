#!/usr/bin/env bash
# chunk_in_place.sh — verify and extract read each chunk in place
# (sqlite3_blob_read into the slot that hashes or decrypts it, vault/store.c
# am_db_chunk_read), sizing the slot from typeof(data) and length(data).  A
# writer without a key who stores a chunk as another type (TEXT with the same
# bytes, an integer), shorter, longer or empty is refused by both, with the
# documented exit code and no output file; one who only renumbers the chunk
# rows (their rowid, which nothing signs) changes nothing either reads.
. "$(dirname "$0")/lib.sh"

make_vault v.db
# three chunks of 1 MiB (at most): chunks are hashed on a second core, so
# verify takes the in-place path; extract always does
head -c 2500000 /dev/urandom >big.bin
seal_as officer v.db big.bin
BIG=$SEQ
expect_eq "chunks of the big entry" 3 "$(sq v.db "SELECT count(*) FROM chunks WHERE seq = $BIG")"
verify_ok v.db $((BIG + 1))
am_pw 0 extract v.db "$BIG" --as custodian.id --purpose "round trip" -o big.out
cmp -s big.bin big.out || fail "extract of the big entry is not the sealed file"
pass

# variant NAME SQL — a copy of v.db with the triggers dropped and SQL applied
# (to the middle chunk of the big entry), opened by someone new to it
variant() {
	forget_pins
	cp v.db "$1.db"
	drop_triggers "$1.db"
	sq "$1.db" "$2"
}

# refused NAME SQL — verify names the big entry; extract exits 1 writing nothing
refused() {
	variant "$1" "$2"
	expect_verify_fails "$1.db" "$BIG"
	am_pw 1 extract "$1.db" "$BIG" --as custodian.id --purpose "tampered $1" -o "$1.out"
	expect_stderr_contains "entry $BIG"
	expect_file_absent "$1.out"
}

mid="WHERE seq = $BIG AND idx = 1"
refused text "UPDATE chunks SET data = CAST(data AS TEXT) $mid"
expect_eq "the text variant keeps the length" \
	"$(sq v.db "SELECT length(CAST(data AS BLOB)) FROM chunks $mid")" \
	"$(sq text.db "SELECT length(CAST(data AS BLOB)) FROM chunks $mid")"
expect_stderr_contains "chunk 1 is not stored as a blob"
expect_verify_fails text.db "$BIG" "chunk 1 is not stored as a blob"
refused integer "UPDATE chunks SET data = 12345 $mid"
expect_stderr_contains "chunk 1 is not stored as a blob"
refused empty "UPDATE chunks SET data = X'' $mid"
refused shorter "UPDATE chunks SET data = substr(data, 1, length(data) - 1) $mid"
# (|| makes TEXT of blobs: cast back, or it is the text case again)
refused longer "UPDATE chunks SET data = CAST(data || X'00' AS BLOB) $mid"
refused last_longer "UPDATE chunks SET data = CAST(data || X'00' AS BLOB) WHERE seq = $BIG AND idx = 2"
refused zeroed "UPDATE chunks SET data = zeroblob(length(data)) $mid"

# rows renumbered, their content untouched: the rowid read in place is the
# one the same snapshot listed, so both still read the sealed bytes
variant renumbered "UPDATE chunks SET id = id + 1000000 WHERE seq = $BIG;
	UPDATE chunks SET id = (SELECT max(id) + 7 FROM chunks) WHERE seq = $BIG AND idx = 0"
am 0 verify renumbered.db
am_pw 0 extract renumbered.db "$BIG" --as custodian.id --purpose "renumbered" -o renumbered.out
cmp -s big.bin renumbered.out || fail "extract after renumbering is not the sealed file"
pass

finish
