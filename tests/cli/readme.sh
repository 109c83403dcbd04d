#!/bin/bash
# readme.sh — every shell block of README.md's walkthrough ("Everyday commands"
# on), run in order in an empty directory as a new user would, must work; and
# the outputs the README shows for pinned trust and bundles must appear.
. "$(dirname "$0")/lib.sh"

readme="$TESTS_DIR/../README.md"
[ -r "$readme" ] || fail "cannot read $readme"
mkdir bin
ln -s "$AMANAT" bin/amanat
/usr/bin/python3 - "$readme" >walkthrough.sh <<'PY' || fail "cannot extract the README's commands"
import re, sys
s = open(sys.argv[1]).read()
s = s[s.index("## Everyday commands"):]
print("set -ex")
for block in re.findall(r"```sh\n(.*?)```", s, re.S):
    print(block.rstrip())
PY
[ "$(grep -c '^amanat ' walkthrough.sh)" -ge 30 ] || fail "the README walkthrough has too few commands"
pass
PATH="$T/bin:$PATH" AMANAT_PASSPHRASE="$PASS" expect_exit 0 bash walkthrough.sh
expect_stdout_contains "exported by custodian-02"
expect_stdout_contains "checkpoint signed by custodian-02"
# verify-bundle: one line per item, then the verdict
expect_stdout_matches "^  AMN-000001  testimony  entry 4, sealed [0-9T:Z-]+ by officer-17 \(key [0-9a-f]{16}\): data/AMN-000001/W-0042-interview.txt, [0-9]+ bytes$"
expect_stdout_contains "verdict: verified: every file, signature and proof checks, against the vault key and the checkpoint you gave"
expect_stdout_contains "the tree of 17 entries extends the tree of 10 entries"
expect_stdout_matches "^officer-17 +[0-9a-f]{16} revoked +16$"
# status, at the end of the walkthrough
expect_stdout_contains "entries:    17: genesis 1, enroll 3, revoke 1, testimony 1, case 1, custody 10"
expect_stdout_matches "^checkpoint: 17 entries, signed by admin-01 \([0-9a-f]{16}\)$"
expect_stdout_contains "last audit: 10 entries, which this vault extends"
# "When a key is lost": id show, then a 3-of-5 split restored from shares 1, 4, 5
expect_stdout_contains "kind:            secret identity (keys sealed under a passphrase; .id)"
expect_stdout_matches "^shares/custodian-02.share-5$"
[ -f keys/custodian-02-restored.id ] || fail "the README's id recover wrote no file"
pass
# the walkthrough's `trust` pinned the vault it was given
expect_stdout_matches "^case.amn: amanat/[0-9a-f]{32}, [0-9]+ entries verified; pinned$"
finish
