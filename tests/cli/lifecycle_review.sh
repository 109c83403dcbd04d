#!/bin/bash
# Key lifecycle review (issue 12): what verify reports must not rest on
# columns an attacker may rewrite.  The compromise window of a revocation is
# found from the signed headers, not the stored type column: an audit that
# starts from its own trusted tree still reports it after someone who writes
# the vault file relabels the revoke row.
. "$(dirname "$0")/lib.sh"

make_vault v.db            # 0 genesis, 1 custodian, 2 officer, 3 auditor
printf 'Testimony (fictional).\n' >one.txt
seal_as officer v.db one.txt
S1=$SEQ
am_pw 0 revoke v.db officer.pub --as admin.id --reason "phone lost" --compromised-since "$S1"
REV=$(cat "$OUT")
am 0 audit v.db --json
expect_stdout_contains "\"compromised\":[{\"revoke_entry\":$REV,"
# the attacker relabels the revoke row: its signed header still says revoke
drop_triggers v.db
sq v.db "UPDATE entries SET type = 8 WHERE seq = $REV"
am 0 audit v.db --json
expect_stdout_contains "\"compromised\":[{\"revoke_entry\":$REV,"
am 0 audit v.db
expect_stderr_contains "was revoked in entry $REV as compromised since entry $S1"
finish
