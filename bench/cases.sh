#!/usr/bin/env bash
# bench/cases.sh — case records at the scale of a monitoring report, against a
# peer run beside it on the same disk: importing N fictional cases
# (tests/cases/gen_cases.py) against sealing N small entries one 'amanat seal'
# process each (what an office would otherwise script), and 'stats' over them
# against 'amanat list --as' decrypting the same entries' fields.  Prints the
# rates and the ratios (amanat import / peer; lower is better).
#
#   bench/cases.sh [BUILD_DIR] [CASES]      (defaults: build, 1200)
set -euo pipefail
build=${1:-build}
n=${2:-1200}
amanat=$(cd "$build" && pwd)/amanat
gen=$(cd "$(dirname "$0")/.." && pwd)/tests/cases/gen_cases.py
work=$(mktemp -d "${TMPDIR:-/tmp}/amanat-bench-cases.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export AMANAT_PASSPHRASE=bench-only XDG_STATE_HOME=$work/state
"$amanat" id new c --kdf interactive --weak-passphrase-ok >/dev/null 2>&1
/usr/bin/python3 "$gen" make g --cases "$n" >/dev/null
acts=$(($(wc -l <g/import1.csv) - 1))

secs() { # CMD... -> wall-clock seconds
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

"$amanat" init a.db --as c.id >/dev/null 2>&1
"$amanat" init b.db --as c.id >/dev/null 2>&1
echo "fictional" >one.txt
t_import=$(secs "$amanat" import a.db --as c.id g/import1.csv)
peer() {
	for i in $(seq "$n"); do
		"$amanat" seal b.db --as c.id --type case --case "C-$i" one.txt || return 1
	done
}
t_peer=$(secs peer)
t_stats=$(secs "$amanat" stats a.db --as c.id --by act-type --csv)
t_list=$(secs "$amanat" list b.db --as c.id)
awk -v n="$n" -v acts="$acts" -v ti="$t_import" -v tp="$t_peer" -v ts="$t_stats" -v tl="$t_list" 'BEGIN {
	printf "import  %d cases (%d acts): %.2f s, %.0f cases/s, %.0f acts/s\n", n, acts, ti, n / ti, acts / ti
	printf "peer    %d x amanat seal:       %.2f s, %.0f entries/s   ratio import/peer %.2f\n", n, tp, n / tp, ti / tp
	printf "stats   over %d cases:          %.2f s\n", n, ts
	printf "peer    list --as over %d:      %.2f s                   ratio stats/list %.2f\n", n, tl, ts / tl
}'
