#!/usr/bin/env bash
# fill_large.sh — 40,000 entries through the batch path (bench_fill: 40 batches
# of 1,000) seal and verify.  A statement-journal setting once made the 37th
# batch's INSERT of tree nodes fail with "the disk is full" (DECISIONS.md,
# statement journals), found only by the million-entry benchmark.
. "$(dirname "$0")/lib.sh"

FILL="$(dirname "$AMANAT")/bench_fill"
[ -x "$FILL" ] || fail "bench_fill is missing next to $AMANAT"
make_vault v.amn
before=$(entry_count v.amn)
AMANAT_PASSPHRASE=$PASS "$FILL" v.amn officer.id 40000 256 >fill.out 2>&1 ||
	fail "bench_fill stopped: $(tail -n 1 fill.out)"
pass
expect_eq "entries after 40 batches" $((before + 40000)) "$(entry_count v.amn)"
verify_ok v.amn $((before + 40000))
finish
