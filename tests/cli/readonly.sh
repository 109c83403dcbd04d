#!/bin/bash
# readonly.sh — a custodian reading a vault on write-protected media (issue
# 9, item 4).  Every reading as a custodian is recorded in the vault first, so
# show, extract, list --as, log --as, export and verify --deep on a vault that
# cannot be written must say so, and what to do, BEFORE asking for a
# passphrase (these runs have none to give and no terminal: asking would fail
# with exit 2), and exit 4 with nothing written.  Reading public headers
# (list, log, verify) still works there.
#
# The vault's directory is made read-only with a read-only bind mount in a
# mount namespace of its own (unshare -m, as root), which undoes itself when
# the command exits; failing that, the commands run as nobody on a vault only
# root can write.  Skipped, saying so, only when neither is possible.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

mkdir ro
V=ro/vault.amn
make_vault "$V"
printf 'W-0042 (fictional): a statement.\n' >a.txt
seal_as officer "$V" a.txt --meta consent.scopes=court
S=$SEQ
n=$(entry_count "$V")

# how to run a command on the read-only vault
if [ "$(id -u)" = 0 ] && unshare -m --propagation private \
	sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && ! touch "$1/x"' sh "$T/ro" 2>/dev/null; then
	ro_run() { # CODE CMD...
		local want=$1
		shift
		expect_exit "$want" setsid -w unshare -m --propagation private sh -c \
			'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 99; shift; exec "$@"' \
			sh "$T/ro" "$@"
	}
elif [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	# nobody reads what root owns: the vault and its directory readable, not writable
	chmod 755 "$T" ro .
	chmod 644 "$V" ./*.id ./*.pub
	chmod -R a+rwX "$XDG_STATE_HOME"
	ro_run() {
		local want=$1
		shift
		expect_exit "$want" setsid -w setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
	}
else
	echo "skipped: cannot make the vault read-only here (needs root for a read-only bind mount)"
	finish
fi

for cmd in "show $V $S --as custodian.id" \
	"extract $V $S --as custodian.id --purpose fictional -o $T/out.txt" \
	"list $V --as custodian.id" \
	"log $V --as custodian.id" \
	"export $V --as custodian.id --purpose fictional --scope court --entry $S -o $T/b.zip" \
	"verify $V --deep --as custodian.id"; do
	# shellcheck disable=SC2086 # the words of cmd are its arguments
	ro_run 4 "$AMANAT" $cmd
	expect_stderr_contains "$V cannot be written here"
	expect_stderr_contains "custody entry"
	expect_stderr_contains "copy the vault file to a writable place"
	if grep -q "passphrase" "$ERR"; then
		fail "'${cmd%% *}' on a read-only vault asked for a passphrase first"
	fi
	pass
done
expect_file_absent out.txt
expect_file_absent b.zip

# what records nothing still works on read-only media
ro_run 0 "$AMANAT" list "$V"
expect_stdout_contains "testimony"
ro_run 0 "$AMANAT" verify "$V"
ro_run 0 "$AMANAT" log "$V"

# nothing was recorded, and the vault is whole
expect_eq "entries after the refused readings" "$n" "$(entry_count "$V")"
verify_ok "$V"
finish
