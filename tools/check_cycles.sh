#!/bin/sh
# check_cycles.sh LIBRARY.a... — fail when the object files of a static
# library call into each other in a cycle (a.c calls b.c and b.c calls a.c,
# or any longer loop): what files share belongs in a file below them
# (docs/DECISIONS.md, "Layout").  Reads the symbol tables with nm: an edge
# a -> b is a symbol that a.o uses and b.o defines.
set -eu
export LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

status=0
for lib in "$@"; do
	# "lib.a[x.c.o]: name type ..." -> "name x.c"
	nm -P -A --defined-only "$lib" |
		sed -n 's/^[^[]*\[\(.*\)\.o\]: \([^ ]*\) [TDBRC] .*/\2 \1/p' | sort -k1,1 >"$tmp/def"
	nm -P -A -u "$lib" |
		sed -n 's/^[^[]*\[\(.*\)\.o\]: \([^ ]*\) U.*/\2 \1/p' | sort -k1,1 >"$tmp/use"
	# "user definer", once per pair of files
	join "$tmp/use" "$tmp/def" | awk '$2 != $3 {print $2, $3}' | sort -u >"$tmp/edges"
	if [ ! -s "$tmp/def" ]; then
		echo "check_cycles: $lib: no symbols read" >&2
		status=1
		continue
	fi
	awk '{print $2, $1}' "$tmp/edges" | sort -u | comm -12 - "$tmp/edges" >"$tmp/both"
	if [ -s "$tmp/both" ]; then
		echo "check_cycles: $lib: files that call into each other:" >&2
		awk '$1 < $2 {print "  " $1 " <-> " $2}' "$tmp/both" >&2
		status=1
	elif ! tsort "$tmp/edges" >/dev/null 2>"$tmp/loop"; then
		echo "check_cycles: $lib: files that call each other in a loop:" >&2
		cat "$tmp/loop" >&2
		status=1
	fi
done
exit $status
