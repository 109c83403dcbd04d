#!/bin/sh
# Install what amanat needs to build and test, on Debian 12 or later, and
# only what is missing.  Runs apt-get as root, or through sudo.
set -eu

# libssl-dev is for libcrypto's SHA-256 alone (hardware SHA extensions).
# mandoc and man-db lint and render the manual pages; dpkg-dev (dpkg-shlibdeps)
# and file let cpack read the .deb's dependencies from the binary.
pkgs="build-essential cmake pkg-config libsodium-dev libssl-dev libsqlite3-dev zlib1g-dev \
libminizip-dev libzxcvbn-dev sqlite3 python3 python3-nacl python3-jsonschema minisign unzip valgrind \
mandoc man-db dpkg-dev file"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	as_root=""
elif command -v sudo >/dev/null 2>&1; then
	as_root="sudo"
else
	echo "deps.sh: need root (or sudo) to install:$missing" >&2
	exit 1
fi
echo "deps.sh: installing$missing" >&2
$as_root apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends $missing >/dev/null
