#!/bin/bash
# files.sh — 'cmake --install' of the built tree into a DESTDIR puts the
# binary, the manual pages, the bash completion and the documentation where
# they belong; the installed binary runs; the installed pages are clean for
# mandoc -Tlint and man; the completion completes commands, options and their
# values; and, where dpkg-deb exists, cpack builds a .deb of the already-built
# binary that depends on the four libraries and holds the binary and pages.
. "$TESTS_DIR/cli/lib.sh"

BUILD=${AMANAT_BUILD_DIR:?AMANAT_BUILD_DIR must name the build tree}
command -v mandoc >/dev/null || fail "mandoc is not installed: run tools/deps.sh"

# ---- cmake --install ----------------------------------------------------------

root=$T/root
DESTDIR=$root expect_exit 0 cmake --install "$BUILD" --prefix /usr
for f in usr/bin/amanat usr/share/man/man1/amanat.1 usr/share/man/man5/amanat-format.5 \
	usr/share/bash-completion/completions/amanat usr/share/doc/amanat/FORMAT.md \
	usr/share/doc/amanat/BUNDLE.md usr/share/doc/amanat/README.md \
	usr/share/doc/amanat/SECURITY.md; do
	[ -f "$root/$f" ] || fail "cmake --install did not install /$f"
	pass
done
[ -x "$root/usr/bin/amanat" ] || fail "/usr/bin/amanat is not executable"
pass
expect_mode "$root/usr/share/man/man1/amanat.1" 644

# the installed binary runs and names its libraries
expect_exit 0 "$root/usr/bin/amanat" --version
for lib in '^amanat [0-9]+\.[0-9]+\.[0-9]+ ' '^libsodium [0-9]' '^SQLite [0-9]' '^zlib [0-9]' \
	'^minizip [0-9].*compiled against'; do
	expect_stdout_matches "$lib"
done
cp "$OUT" installed-version.txt
am 0 --version
expect_same_file installed-version.txt "$OUT"

# ---- the manual pages -------------------------------------------------------------

man1=$root/usr/share/man/man1/amanat.1
man5=$root/usr/share/man/man5/amanat-format.5
for page in "$man1" "$man5"; do
	# mandoc looks for .Xr targets among the system's pages only: one between
	# these two pages is fine when the other is installed here too.
	mandoc -Tlint "$page" >lint.txt 2>&1
	grep -v -e 'referenced manual not found: Xr amanat 1' \
		-e 'referenced manual not found: Xr amanat-format 5' lint.txt >lint-left.txt
	[ ! -s lint-left.txt ] || fail "mandoc -Tlint $page: $(cat lint-left.txt)"
	pass
	if command -v man >/dev/null; then
		MANWIDTH=80 man --warnings -l "$page" >man.txt 2>man.err ||
			fail "man -l $page failed: $(cat man.err)"
		[ ! -s man.err ] || fail "man -l --warnings $page: $(cat man.err)"
		[ "$(wc -l <man.txt)" -gt 20 ] || fail "man -l $page rendered almost nothing"
		pass
	fi
done
[ -f "$root/usr/share/man/man5/amanat-format.5" ] && [ -f "$root/usr/share/man/man1/amanat.1" ] ||
	fail "a page that the other refers to is not installed"
pass
mandoc -Tascii "$man1" | sed 's/.\x08//g' >amanat.1.txt
grep -q '^EXIT STATUS' amanat.1.txt || fail "amanat(1) has no EXIT STATUS"
pass
mandoc -Tascii "$man5" | sed 's/.\x08//g' >amanat-format.5.txt
grep -q '/usr/share/doc/amanat/FORMAT.md' amanat-format.5.txt ||
	fail "amanat-format(5) does not point at /usr/share/doc/amanat/FORMAT.md"
pass

# ---- bash completion ------------------------------------------------------------

# complete WORD... — what the installed completion offers for the last WORD,
# with the installed binary as the command; one per line, sorted.
complete_words() {
	bash --norc --noprofile -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_amanat
		printf "%s\n" "${COMPREPLY[@]}" | sort' \
		complete "$root/usr/share/bash-completion/completions/amanat" "$@"
}
bin=$root/usr/bin/amanat
expect_completes() { # EXPECTED WORD... — EXPECTED among what WORD... completes to
	local want=$1 got
	shift
	got=$(complete_words "$bin" "$@")
	grep -qx -- "$want" <<<"$got" || fail "completing '$*' offers no '$want' (got: $(echo $got))"
	pass
}
expect_completes seal se
expect_completes verify-bundle verify-
expect_completes --version --
expect_completes --passphrase-fd seal case.amn --pa
expect_completes --meta-from seal case.amn --meta
expect_completes --force extract case.amn 4 --fo
expect_completes new id ''
expect_completes cosign witness ''
expect_completes moderate id new x --kdf ''
expect_completes testimony seal case.amn --type ''
expect_completes court export case.amn --scope ''
expect_completes sensitive id new x --kdf = se
expect_completes members help mem
# every command the binary lists completes
for c in $(am 0 help && sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' "$OUT"); do
	expect_completes "$c" "$c"
done
echo "hello" >sample.txt
expect_completes sample.txt seal case.amn --type testimony sam

# ---- the Debian package -----------------------------------------------------------

if command -v dpkg-deb >/dev/null && command -v cpack >/dev/null; then
	# cpack first builds what is out of date ('preinstall'): in a built tree,
	# nothing, and the package holds the binary the other tests run.
	built=$(stat -c %Y "$AMANAT")
	expect_exit 0 cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$T/pkg"
	[ "$(stat -c %Y "$AMANAT")" = "$built" ] ||
		fail "cpack rebuilt $AMANAT: the build tree was out of date; build it before running the tests"
	pass
	deb=$(find "$T/pkg" -maxdepth 1 -name 'amanat_*.deb')
	[ -n "$deb" ] && [ "$(echo "$deb" | wc -l)" -eq 1 ] || fail "cpack made no single .deb: '$deb'"
	pass
	dpkg-deb -I "$deb" >info.txt || fail "dpkg-deb -I $deb failed"
	depends=$(sed -n 's/^ Depends: //p' info.txt)
	for lib in libsodium23 libssl3 libsqlite3-0 zlib1g libminizip1; do
		grep -qE "(^|, )$lib( |,|\$)" <<<"$depends" || fail "$deb does not depend on $lib: Depends: $depends"
		pass
	done
	grep -q '^ Package: amanat$' info.txt || fail "$deb is not package amanat"
	pass
	dpkg-deb -c "$deb" | awk '{print $NF}' >contents.txt || fail "dpkg-deb -c $deb failed"
	for f in ./usr/bin/amanat ./usr/share/man/man1/amanat.1 ./usr/share/man/man5/amanat-format.5 \
		./usr/share/bash-completion/completions/amanat ./usr/share/doc/amanat/FORMAT.md; do
		grep -qx -- "$f" contents.txt || fail "$deb does not hold $f"
		pass
	done
	# what README tells an office to compare before installing
	[ -n "$(sha256sum "$deb" | cut -c1-64)" ] || fail "cannot hash $deb"
	pass
else
	echo "files.sh: dpkg-deb or cpack not found: the Debian package is not checked"
fi
finish
