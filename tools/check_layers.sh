#!/bin/sh
# check_layers.sh [SOURCE_DIR] — fail when a file includes from a layer that
# is not below its own, or includes another folder's private header
# (*_int.h).  The direction (docs/DECISIONS.md, "Layout"):
#
#   cli -> bundle, cases, transfer -> vault -> crypto -> common
#
# Sources include each other by relative path ("../vault/vault.h"), which no
# include directory can forbid, so this reads the #include lines.
set -eu
cd "${1:-$(dirname "$0")/..}"

# layer: the folders it may include from
below() {
	case $1 in
	common) echo "" ;;
	crypto) echo "common" ;;
	vault) echo "crypto common" ;;
	bundle | cases | transfer) echo "vault crypto common" ;;
	cli) echo "bundle cases transfer vault crypto common" ;;
	esac
}

status=0
for layer in common crypto vault bundle cases transfer cli; do
	[ -d "$layer" ] || continue
	for f in "$layer"/*.c "$layer"/*.h; do
		[ -e "$f" ] || continue
		awk -v file="$f" -v layer="$layer" -v below=" $(below "$layer") " '
		/^[ \t]*#[ \t]*include[ \t]*"/ {
			path = $0
			sub(/^[^"]*"/, "", path)
			sub(/".*/, "", path)
			while (substr(path, 1, 2) == "./")
				path = substr(path, 3)
			dir = ""
			if (substr(path, 1, 3) == "../") {
				dir = substr(path, 4)
				sub(/\/.*/, "", dir)
				if (index(substr(path, 4), "/") == 0)
					dir = "..";
			} else if (index(path, "/") > 0) {
				dir = path
				sub(/\/.*/, "", dir)
			}
			if (dir == "" || dir == layer)
				next
			if (index(below, " " dir " ") == 0) {
				printf "%s:%d: includes \"%s\": %s/ may include only from %s/ and below\n",
				       file, FNR, path, layer, layer
				bad = 1
			} else if (path ~ /_int\.h$/) {
				printf "%s:%d: includes \"%s\", which is private to %s/\n",
				       file, FNR, path, dir
				bad = 1
			}
		}
		END { exit bad }' "$f" || status=1
	done
done
if [ $status -ne 0 ]; then
	echo "check_layers: an include goes against the layers (docs/DECISIONS.md, \"Layout\")" >&2
fi
exit $status
