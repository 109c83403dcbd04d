#!/bin/bash
# export_record.sh — a bundle never exists without the custody records of its
# export (issue 9, item 1):
#
# 1. an -o that cannot be created (its directory does not exist) is refused
#    before anything is recorded;
# 2. the opening record names every entry whose metadata the selection opens:
#    with --case, every evidence entry (each one's case is read), and the
#    later entries that may amend an item's consent;
# 3. when the closing record ("exported") cannot be written — the vault's
#    journal cannot be created, through an LD_PRELOAD shim armed once the
#    bundle is complete — or the process is killed at that moment, nothing is
#    left at -o (ZIP, directory and --for bundles), the command fails, and
#    the vault verifies with the opening record as its last entry.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

V=vault.amn
make_vault "$V"
printf 'W-0042 (fictional): first statement.\n' >a.txt
printf 'W-0043 (fictional): second statement.\n' >b.txt
printf 'fictional amendment\n' >amend.txt
seal_as officer "$V" a.txt --meta consent.scopes=court
A=$SEQ
seal_as officer "$V" b.txt --case C-OTHER --meta consent.scopes=court
B=$SEQ
# a later entry referring to A: it may amend A's consent, so it is opened too
seal_as officer "$V" amend.txt --ref "$A"
R=$SEQ

ex() { # CODE OUT ARGS... — export case C-TEST to OUT as the custodian
	local want=$1 out=$2
	shift 2
	am_pw "$want" export "$V" --as custodian.id --purpose "fictional: court filing" \
		--scope court --case C-TEST -o "$out" "$@"
}

# ---- 1. an output that cannot be created: nothing recorded ---------------------

n=$(entry_count "$V")
for out in missing-dir/out.zip missing-dir/out; do
	ex 2 "$out"
	expect_stderr_contains "missing-dir"
	expect_eq "entries after export -o $out" "$n" "$(entry_count "$V")"
	expect_file_absent missing-dir
done
# one that exists, a dangling symbolic link included: refused, nothing recorded
ln -s nowhere dangling.zip
ex 2 dangling.zip
expect_stderr_contains "already exists"
expect_eq "entries after export -o a dangling link" "$n" "$(entry_count "$V")"

# ---- 2. the opening record names what will be opened ---------------------------

ex 0 good.zip
am 0 log "$V" --json
opening=$(grep -oE '"action":"export","entries":\[[0-9,]*\]' "$OUT" | tail -n 1)
expect_eq "entries the opening record names (--case opens every evidence entry's metadata)" \
	"\"action\":\"export\",\"entries\":[$A,$B,$R]" "$opening"
rm -f good.zip

# ---- 3. the closing record fails, or the process dies before it ----------------

command -v cc >/dev/null 2>&1 || fail "a C compiler (cc) is needed to build the fault shim"
cat >shim.c <<'EOF'
/*
 * Armed once the bundle is complete (the ZIP's end-of-central-directory
 * record is written, the directory bundle's last file is created, or the
 * encrypted bundle's header is written); from then on the vault's journal
 * cannot be created (EIO), or with SHIM_MODE=kill the process dies there.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int armed;

static int ends(const char *p, const char *tail)
{
	size_t n = strlen(p), k = strlen(tail);
	return n >= k && strcmp(p + n - k, tail) == 0;
}

static int refuse(void)
{
	const char *m = getenv("SHIM_MODE");
	if (m != NULL && strcmp(m, "kill") == 0)
		raise(SIGKILL);
	errno = EIO;
	return -1;
}

static int do_open(const char *name, const char *p, int fl, mode_t m)
{
	int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, name);
	if (armed && ends(p, "-journal"))
		return refuse();
	if ((fl & O_CREAT) && ends(p, ".minisig"))
		armed = 1;
	return real(p, fl, m);
}

/* open and open64: the mode is there only with O_CREAT or O_TMPFILE */
#define OPEN(name)                                                  \
	int name(const char *p, int fl, ...)                        \
	{                                                           \
		mode_t m = 0;                                       \
		va_list a;                                          \
		va_start(a, fl);                                    \
		if (fl & (O_CREAT | O_TMPFILE))                     \
			m = va_arg(a, mode_t);                      \
		va_end(a);                                          \
		return do_open(#name, p, fl, m);                    \
	}
OPEN(open)
OPEN(open64)

static void watch(const void *b, size_t n)
{
	if ((n == 4 && memcmp(b, "PK\5\6", 4) == 0) || (n > 4 && memcmp(b, "AMNX", 4) == 0))
		armed = 1;
}

#define PWRITE(name)                                                              \
	ssize_t name(int fd, const void *b, size_t n, off_t off)                  \
	{                                                                         \
		ssize_t (*real)(int, const void *, size_t, off_t) =               \
			(ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, #name); \
		watch(b, n);                                                      \
		return real(fd, b, n, off);                                       \
	}
PWRITE(pwrite)
PWRITE(pwrite64)

ssize_t write(int fd, const void *b, size_t n)
{
	ssize_t (*real)(int, const void *, size_t) =
		(ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	watch(b, n);
	return real(fd, b, n);
}
EOF
cc -shared -fPIC -O1 -o shim.so shim.c -ldl || fail "cannot build the fault shim"
SHIM="$T/shim.so"
# a sanitizer runtime must come first; the shim is loaded before it on purpose
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
make_id counsel

for mode in fail kill; do
	for out in bundle.zip bundle-dir encrypted.amanat-sealed; do
		extra=()
		[ "$out" = encrypted.amanat-sealed ] && extra=(--for counsel.pub)
		n=$(entry_count "$V")
		if [ "$mode" = fail ]; then
			SHIM_MODE=fail LD_PRELOAD="$SHIM" ex 4 "$out" "${extra[@]}"
		else
			# sh -c: the shell reports the SIGKILL as 137 without a "Killed" line
			SHIM_MODE=kill LD_PRELOAD="$SHIM" expect_exit 137 sh -c '"$@"' sh \
				env AMANAT_PASSPHRASE="$PASS" "$AMANAT" export "$V" --as custodian.id --purpose "fictional: court filing" \
				--scope court --case C-TEST -o "$out" "${extra[@]}"
		fi
		# nothing at -o: a bundle there would have no closing record
		expect_file_absent "$out"
		expect_no_tmp_files .
		# a killed directory export cannot clean up its temporary directory; it is
		# not at -o, and it goes now
		rm -rf "$out".amanat-tmp-*
		# the opening record alone was added, and the vault verifies
		expect_eq "entries after a $mode at the closing record ($out)" $((n + 1)) "$(entry_count "$V")"
		verify_ok "$V"
		am 0 log "$V" --json
		last=$(grep -oE '"action":"[a-z-]+"' "$OUT" | tail -n 1)
		expect_eq "the last custody action after a $mode ($out)" '"action":"export"' "$last"
	done
done

# and without the shim the same export works
ex 0 bundle.zip
[ -f bundle.zip ] || fail "no bundle after a normal export"
pass
finish
