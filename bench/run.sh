#!/usr/bin/env bash
# bench/run.sh — amanat's speed and memory against peers measured in the same
# run, on the same files and disk: age for encryption/decryption, sha256sum
# for verification, and a plain copy + fsync for raw storage.  Prints ratios
# (amanat time / peer time; lower is better) because machines here are noisy.
#
#   bench/run.sh [BUILD_DIR] [SIZE_MIB]      (defaults: build, 256)
#
# Needs age (apt-get install age) and GNU time (apt-get install time).
set -euo pipefail
build=${1:-build}
size=${2:-256}
amanat=$(cd "$build" && pwd)/amanat
reps=${REPS:-3}
for tool in age age-keygen /usr/bin/time sha256sum; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install age time)" >&2; exit 2; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/amanat-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export AMANAT_PASSPHRASE=bench-only
"$amanat" id new b --kdf interactive --weak-passphrase-ok >/dev/null 2>&1  # a throwaway key
age-keygen -o age.key 2>/dev/null
recipient=$(grep -o 'age1[0-9a-z]*' age.key | head -n1)

head -c "${size}M" /dev/urandom > random.bin
# compressible: numbered lines of text, like transcripts
awk -v n=$((size * 1024 * 1024 / 64)) 'BEGIN { for (i = 0; i < n; i++) printf "%08d witness statement line, fictional text for benchmarking\n", i }' > text.txt
truncate -s "${size}M" text.txt
sync

# best wall-clock seconds of $reps runs of a command
best() {
	local b="" t
	for _ in $(seq "$reps"); do
		"$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
		t=$(cat "$work/t")
		if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN{exit !(a<b)}'; then b=$t; fi
	done
	echo "$b"
}
timed() { /usr/bin/time -f "%e %M" -o "$work/tm" "$@"; cut -d' ' -f1 "$work/tm" > "$work/t"; }
rss() { /usr/bin/time -f "%M" -o "$work/tm" "$@" >/dev/null 2>&1; cat "$work/tm"; }

seal() { rm -f v.amn v.amn-journal; "$amanat" init v.amn --as b.id 2>/dev/null; timed "$amanat" seal v.amn --as b.id --type "$1" --case BENCH "$2"; }
age_enc() { rm -f out.age; timed sh -c "age -r $recipient -o out.age $1 && sync out.age"; }
copy_sync() { rm -f copy.bin; timed sh -c "cp $1 copy.bin && sync copy.bin"; }

printf '%-44s %9s %9s %7s\n' "operation (${size} MiB)" "amanat s" "peer s" "ratio"
row() { printf '%-44s %9.2f %9.2f %7.2f\n' "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" 'BEGIN{print a/b}')"; }

for kind in media:random.bin document:text.txt; do
	type=${kind%%:*} file=${kind#*:}
	a=$(best seal "$type" "$file")
	p=$(best age_enc "$file")
	row "seal $type ($file) vs age -r + fsync" "$a" "$p"
	c=$(best copy_sync "$file")
	row "seal $type ($file) vs cp + fsync" "$a" "$c"
done

# the vault now holds text.txt as entry 1; add random.bin as entry 2
"$amanat" seal v.amn --as b.id --type media --case BENCH random.bin >/dev/null 2>&1
age -r "$recipient" -o random.age random.bin
extract() { rm -f x.bin; timed "$amanat" extract v.amn 2 --as b.id --purpose bench -o x.bin; }
age_dec() { rm -f y.bin; timed sh -c "age -d -i age.key -o y.bin random.age && sync y.bin"; }
a=$(best extract); p=$(best age_dec)
row "extract (random.bin) vs age -d + fsync" "$a" "$p"
cmp x.bin random.bin
verify() { timed "$amanat" verify v.amn; }
shasum() { timed sha256sum v.amn; }
a=$(best verify); p=$(best shasum)
row "verify (full tier, whole vault) vs sha256sum" "$a" "$p"
quick() { timed "$amanat" verify --quick v.amn; }
a=$(best quick)
row "verify --quick vs sha256sum of the vault" "$a" "$p"

echo
echo "peak memory (KiB): constant in the input size"
head -c $((size * 4))M /dev/urandom > big.bin
rm -f m.amn; "$amanat" init m.amn --as b.id 2>/dev/null
s1=$(rss "$amanat" seal m.amn --as b.id --type media --case BENCH random.bin)
s4=$(rss "$amanat" seal m.amn --as b.id --type media --case BENCH big.bin)
a4=$(rss age -r "$recipient" -o big.age big.bin)
x4=$(rss "$amanat" extract m.amn 2 --as b.id --purpose bench -o big.out)
printf '%-44s %9s\n' "seal ${size} MiB" "$s1" "seal $((size * 4)) MiB" "$s4" "age -r $((size * 4)) MiB (peer)" "$a4" "extract $((size * 4)) MiB" "$x4"
cmp big.out big.bin
awk -v a="$s1" -v b="$s4" 'BEGIN { if (b > a * 1.5 + 8192) { print "bench: memory grows with input size" > "/dev/stderr"; exit 1 } }'
