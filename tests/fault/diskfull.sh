#!/usr/bin/env bash
# diskfull.sh — a full disk or a file size limit must lose nothing.
#
# 1. File size limit (no privileges needed): 'amanat seal' runs under
#    'ulimit -f' with SIGXFSZ ignored, so write(2) fails with EFBIG once the
#    vault would grow past the limit — for a seal that fails at COMMIT and for
#    one bigger than the page cache, which fails in mid-transaction.  Also
#    'amanat init' under a limit too small for a vault.
# 2. A real ENOSPC (root only, skipped otherwise): the vault on a small tmpfs,
#    first with room for a little but not the seal, then with no room at all.
# 3. 'amanat extract -o' into a size limit and onto a full tmpfs.
#
# Each failure must exit 4 with one 'amanat: ...' line naming the file at
# fault; the vault must be unchanged (byte for byte, same entry count, no
# hot journal left, 'amanat verify' exits 0); an extract must leave no output
# file and no temporary file.  Once the limit is lifted, the same command
# must work.
. "$(dirname "$0")/lib.sh"

V="$T/vault.amn"
make_ids
make_vault "$V"
head -c $((1024 * 1024)) /dev/urandom >"$T/one.bin"
head -c $((4 * 1024 * 1024)) /dev/urandom >"$T/four.bin"
printf 'W-0042 (fictional): a short statement.\n' >"$T/small.txt"
seal "$V" "$T/one.bin"
check "setup: a first seal works" rc_is 0 || finish

# limited SIZE_KB CMD...: run amanat with a file size limit (ulimit -f counts
# KiB in bash).  SIGXFSZ is ignored first, and an ignored signal stays ignored
# across exec, so a write past the limit fails with EFBIG instead of killing
# the process.  Sanitizer builds are fine here: ASan and UBSan write no files
# of their own (reports go to stderr, far below the limit), and the limit is
# on file size, not on the address space ASan reserves.  RC 99: no ulimit.
limited() {
	local kb=$1
	shift
	(
		trap '' XFSZ
		ulimit -f "$kb" || exit 99
		exec "$AMANAT" "$@"
	) >"$OUT" 2>"$ERR"
	RC=$?
	check_sanitizers "$@"
}

# unchanged VAULT SNAPSHOT COUNT WHAT: the failed command left VAULT as it was.
unchanged() {
	local n
	check "$4: no hot journal is left beside the vault" no_hot_journal "$1"
	check "$4: the vault file is byte-for-byte as before" same_file "$1" "$2"
	n=$(count "$1") || n="(list failed: $(head -n 1 "$T/.list-err"))"
	check "$4: the vault still holds $3 entries" eq "$n" "$3"
	run verify "$1"
	check "$4: 'amanat verify' exits 0" rc_is 0
}

# ---- 1. file size limit ------------------------------------------------------

n0=$(count "$V")
cp "$V" "$T/before.amn"
size0=$(stat -c %s "$V")
limit_kb=$((size0 / 1024 + 512)) # room for half a MiB more, not for 4 MiB
limited "$limit_kb" seal "$V" --as "$T/keys/officer.id" --type document --case FT-0002 \
	--title "fictional fault-test document" "$T/four.bin"
if [ "$RC" -eq 99 ]; then
	skip "ulimit -f is not available here"
else
	check "ulimit -f: seal past the limit exits 4" rc_is 4
	check "ulimit -f: one message naming the vault" one_message_naming "$V"
	note "ulimit -f: seal said: $(head -n 1 "$ERR")"
	unchanged "$V" "$T/before.amn" "$n0" "ulimit -f"

	seal "$V" "$T/four.bin"
	check "ulimit -f lifted: the same seal works" rc_is 0
	n=$(count "$V") || n=""
	check "ulimit -f lifted: one entry more" eq "$n" $((n0 + 1))
	check "ulimit -f lifted: the vault verifies" verify_ok "$V"

	# A seal bigger than the vault's page cache (32 MiB): SQLite spills, writing
	# the database file in mid-transaction, so the limit is met long before
	# COMMIT, with the file already changed and the journal hot.
	n0=$(count "$V")
	cp "$V" "$T/before.amn"
	size0=$(stat -c %s "$V")
	head -c $((40 * 1024 * 1024)) /dev/urandom >"$T/forty.bin"
	limited $((size0 / 1024 + 8192)) seal "$V" --as "$T/keys/officer.id" --type media \
		--case FT-0003 --title "fictional fault-test recording" "$T/forty.bin"
	check "ulimit -f, past the page cache: seal exits 4" rc_is 4
	check "ulimit -f, past the page cache: one message naming the vault" one_message_naming "$V"
	note "ulimit -f, past the page cache: seal said: $(head -n 1 "$ERR")"
	unchanged "$V" "$T/before.amn" "$n0" "ulimit -f, past the page cache"
	rm -f "$T/forty.bin"
	seal "$V" "$T/small.txt"
	check "ulimit -f, past the page cache, lifted: a seal works" rc_is 0
	n=$(count "$V") || n=""
	check "ulimit -f, past the page cache, lifted: one entry more" eq "$n" $((n0 + 1))

	# a vault that cannot even be created leaves nothing behind
	limited 64 init "$T/new.amn" --as "$T/keys/admin.id"
	check "ulimit -f: init under a 64 KiB limit exits 4" rc_is 4
	check "ulimit -f: init's one message names the vault" one_message_naming "$T/new.amn"
	check "ulimit -f: no half-made vault is left" test ! -e "$T/new.amn"
	check "ulimit -f: no journal of a half-made vault is left" test ! -e "$T/new.amn-journal"
fi

# ---- 2. a real full disk (tmpfs) ---------------------------------------------

if ! can_mount; then
	skip "not root or cannot mount a tmpfs here; the ENOSPC part does not run"
else
	M1="$T/full"
	n0=$(count "$V")
	size0=$(stat -c %s "$V")
	# room for the vault and about 1 MiB more; the 4 MiB seal cannot fit
	mount_tmpfs "$M1" "$(((size0 + 1024 * 1024) / 1024))k"
	check "tmpfs: mounted" mountpoint -q "$M1"
	FV="$M1/vault.amn"
	cp "$V" "$FV"
	cp "$V" "$T/before.amn"

	seal "$FV" "$T/four.bin"
	check "ENOSPC: seal that does not fit exits 4" rc_is 4
	check "ENOSPC: one message naming the vault and saying the disk is full" \
		one_message_naming "$FV" "full"
	note "ENOSPC: seal said: $(head -n 1 "$ERR")"
	unchanged "$FV" "$T/before.amn" "$n0" "ENOSPC"

	# now not a byte free: reading must still work, writing must fail cleanly.
	# Start from the clean vault, so that a journal the failure above left
	# (rolled back by the next writer, freeing its space) cannot make room.
	cp "$T/before.amn" "$FV"
	rm -f "$FV-journal"
	dd if=/dev/zero of="$M1/filler" bs=4096 2>/dev/null
	check "tmpfs: filled to the last block" test "$(df --output=avail -k "$M1" | tail -n 1 | tr -d ' ')" -eq 0
	run verify "$FV"
	check "full disk: 'amanat verify' still works" rc_is 0
	seal "$FV" "$T/small.txt"
	check "full disk: even a small seal exits 4" rc_is 4
	check "full disk: one message naming the vault" one_message_naming "$FV"
	note "full disk: small seal said: $(head -n 1 "$ERR")"
	unchanged "$FV" "$T/before.amn" "$n0" "full disk"

	rm -f "$M1/filler"
	mount -o remount,size=64m "$M1"
	seal "$FV" "$T/four.bin"
	check "room again: the same seal works" rc_is 0
	n=$(count "$FV") || n=""
	check "room again: one entry more" eq "$n" $((n0 + 1))
	check "room again: the vault verifies" verify_ok "$FV"
fi

# ---- 3. extract into a full place --------------------------------------------

# compressible content: the vault stays small while the output is large
X="$T/extract.amn"
make_vault "$X"
yes 'W-0042 (fictional) describes the checkpoint at the bridge; no real person is named.' |
	head -c $((8 * 1024 * 1024)) >"$T/plain.txt"
seal "$X" "$T/plain.txt"
check "extract setup: sealing 8 MiB of text works" rc_is 0
seq=$(cat "$OUT")
xsize=$(stat -c %s "$X")
check "extract setup: the vault is far smaller than the text ($xsize bytes)" \
	test "$xsize" -lt $((2 * 1024 * 1024))

mkdir -p "$T/out"
limited 2048 extract "$X" "$seq" --as "$T/keys/custodian.id" --purpose "fault test: size limit" \
	-o "$T/out/plain.txt"
if [ "$RC" -ne 99 ]; then
	check "extract under ulimit -f: exits 4" rc_is 4
	check "extract under ulimit -f: one message naming the output file" \
		one_message_naming "$T/out/plain.txt"
	note "extract under ulimit -f said: $(head -n 1 "$ERR")"
	check "extract under ulimit -f: no output file" test ! -e "$T/out/plain.txt"
	check "extract under ulimit -f: no temporary file either" nothing_left_in "$T/out"
	check "extract under ulimit -f: the vault verifies" verify_ok "$X"
	run extract "$X" "$seq" --as "$T/keys/custodian.id" --purpose "fault test: no limit" \
		-o "$T/out/plain.txt"
	check "extract without the limit works" rc_is 0
	check "extract without the limit: the content is the original" same_file "$T/out/plain.txt" "$T/plain.txt"
fi

if can_mount; then
	M2="$T/outfs"
	mount_tmpfs "$M2" 2m
	run extract "$X" "$seq" --as "$T/keys/custodian.id" --purpose "fault test: full disk" \
		-o "$M2/plain.txt"
	check "extract onto a full tmpfs: exits 4" rc_is 4
	check "extract onto a full tmpfs: one message naming the output file" \
		one_message_naming "$M2/plain.txt"
	note "extract onto a full tmpfs said: $(head -n 1 "$ERR")"
	check "extract onto a full tmpfs: no output file" test ! -e "$M2/plain.txt"
	check "extract onto a full tmpfs: no temporary file either" nothing_left_in "$M2"
	check "extract onto a full tmpfs: the space is given back" \
		test "$(df --output=used -k "$M2" | tail -n 1 | tr -d ' ')" -lt 64
	check "extract onto a full tmpfs: the vault verifies" verify_ok "$X"
else
	skip "not root or cannot mount a tmpfs here; extract onto a full disk does not run"
fi

finish
