#!/bin/bash
# seal_bulk_concurrent.sh — two 'seal --recursive' of the same vault at once,
# each of several batches.  Each commits a batch on a second thread while it
# seals the next (DECISIONS.md, "A batch commits on another thread"), and
# the other may append in between (then the entries waiting go after the
# other's, signed again; test_batch_overlap makes that happen, here it is
# up to the lock's timing, and in practice the first to start usually keeps
# the lock from one batch to the next).  Both succeed; every file is sealed exactly once,
# under the number its seal printed, with its own case; the numbers printed
# by the two are disjoint and together are every new entry; the vault
# verifies, for amanat and for the independent verifier.
. "$(dirname "$0")/lib.sh"

N=9000 # more than two batches (4000) each
make_vault v.amn
base=$(entry_count v.amn)
mkdir a b
for i in $(seq 1 $N); do
	printf 'fictional record a-%s\n' "$i" >"a/$i.txt"
	printf 'fictional record b-%s\n' "$i" >"b/$i.txt"
done

AMANAT_PASSPHRASE="$PASS" "$AMANAT" seal v.amn --as officer.id --type document --case C-A \
	--recursive a >a.out 2>a.err &
pa=$!
AMANAT_PASSPHRASE="$PASS" "$AMANAT" seal v.amn --as officer.id --type document --case C-B \
	--recursive b >b.out 2>b.err &
pb=$!
wait $pa
ra=$?
wait $pb
rb=$?
expect_eq "exit of the first seal ($(tail -1 a.err))" 0 "$ra"
expect_eq "exit of the second seal ($(tail -1 b.err))" 0 "$rb"
expect_eq "lines printed by the first" $N "$(wc -l <a.out)"
expect_eq "lines printed by the second" $N "$(wc -l <b.out)"
check_sanitizers a.err
check_sanitizers b.err

# the numbers printed: all new, none twice, together every new entry
cut -f1 a.out b.out | sort -n >seqs.txt
expect_eq "distinct numbers printed" $((2 * N)) "$(sort -u seqs.txt | wc -l)"
expect_eq "lowest number printed" "$base" "$(head -1 seqs.txt)"
expect_eq "highest number printed" $((base + 2 * N - 1)) "$(tail -1 seqs.txt)"
expect_eq "entries in the vault" $((base + 2 * N)) "$(entry_count v.amn)"
verify_ok v.amn $((base + 2 * N))
amv_ok vault v.amn

# each printed number holds the file printed beside it (its case and path, as the custodian reads them)
for pick in 1 $((N / 2)) $N; do
	for side in a b; do
		line=$(sed -n "${pick}p" $side.out)
		seq=${line%%$'\t'*}
		path=${line#*$'\t'}
		am_pw 0 show v.amn "$seq" --as custodian.id --purpose "fictional: concurrency test"
		expect_stdout_contains "C-$(echo $side | tr a-z A-Z)"
		expect_stdout_contains "$path"
		am_pw 0 extract v.amn "$seq" --as custodian.id --purpose "fictional: concurrency test" \
			-o got.txt
		cmp -s got.txt "$side/$path" || fail "entry $seq does not hold $side/$path"
		pass
		rm -f got.txt
	done
done

finish
