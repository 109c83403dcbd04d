#!/bin/bash
# status.sh — amanat status: one screen for a person picking up a vault (id,
# pin, members, entries by type, newest checkpoint and its signer, the last
# audit remembered, the quick verification from the pin), on a fresh vault,
# after seals, after a revoke, and on tampered or rolled-back copies (exit 1,
# the problem named, the pin unchanged); --json is valid JSON.
. "$(dirname "$0")/lib.sh"

PY=$(command -v python3 || true)

# json_ok — $OUT is one valid JSON document (python3 -m json.tool)
json_ok() {
	if [ -n "$PY" ]; then
		"$PY" -m json.tool "$OUT" >/dev/null || fail "status --json is not valid JSON: $(head -c 300 "$OUT")"
		pass
	fi
}

# jget EXPR [FILE] — a Python expression over the parsed FILE (default $OUT) as j
jget() {
	"$PY" -c 'import json, sys; j = json.load(open(sys.argv[1])); v = eval(sys.argv[2]); print(v if isinstance(v, str) else json.dumps(v))' "${2:-$OUT}" "$1" ||
		fail "cannot read $1 from status --json"
}

# status_fails DB — status exits 1 on DB: with --json (valid JSON, kept in
# failed.json), then in text (left in $OUT); the pin stays as it was
status_fails() {
	am 1 status "$1" --json
	json_ok
	cp "$OUT" failed.json
	am 1 status "$1"
	expect_stderr_contains "amanat: $1: entry "
	expect_eq "pin after status $1" "$pin_before" "$(cat "$(pin_file)")"
}

pin_file() {
	ls "$XDG_STATE_HOME"/amanat/pins/*.pin
}

kid_of() { # NAME — key id in the output of members --json
	grep -oE "\"name\":\"$1\",\"key_id\":\"[0-9a-f]{16}\"" "$OUT" | grep -oE '[0-9a-f]{16}'
}

# ---- a fresh vault ----------------------------------------------------------
make_vault v.db
am 0 verify v.db --quick --json
origin=$(json_str origin)
am 0 members v.db --json
admin_kid=$(kid_of admin)
officer_kid=$(kid_of officer)
[ -n "$origin" ] && [ -n "$admin_kid" ] && [ -n "$officer_kid" ] || fail "no vault id or key ids"

am 0 status v.db
expect_stdout_contains "vault:      $origin (v.db)"
expect_stdout_contains "pinned:     4 entries, as this machine trusted before"
expect_stdout_matches "^  admin +$admin_kid admin +since entry 0$"
expect_stdout_matches "^  custodian +[0-9a-f]{16} custodian +since entry 1$"
expect_stdout_matches "^  officer +$officer_kid officer +since entry 2$"
expect_stdout_matches "^  auditor +[0-9a-f]{16} auditor +since entry 3$"
expect_stdout_contains "entries:    4: genesis 1, enroll 3"
expect_stdout_contains "checkpoint: 4 entries, signed by admin ($admin_kid)"
expect_stdout_contains "last audit: none remembered on this machine"
expect_stdout_matches "^verify: +ok "
am 0 status v.db --json
json_ok
expect_eq "one line of --json" 1 "$(wc -l <"$OUT")"
if [ -n "$PY" ]; then
	expect_eq "ok" "true" "$(jget 'j["ok"]')"
	expect_eq "vault" "$origin" "$(jget 'j["vault"]')"
	expect_eq "pin" '{"before": 4, "first_use": false, "extended": true, "size": 4}' "$(jget 'j["pin"]')"
	expect_eq "members" "admin custodian officer auditor" "$(jget '" ".join(m["name"] for m in j["members"])')"
	expect_eq "entries" '[4, 1, 3, 0]' "$(jget '[j["entries"][k] for k in ("total", "genesis", "enroll", "testimony")]')"
	expect_eq "checkpoint" "4 admin $admin_kid" "$(jget '"%d %s %s" % (j["checkpoint"]["size"], j["checkpoint"]["signers"][0]["name"], j["checkpoint"]["signers"][0]["key_id"])')"
	expect_eq "audit" "null" "$(jget 'j["audit"]')"
fi
# status needs no key and writes nothing to the vault
expect_eq "entries after status" 4 "$(entry_count v.db)"

# someone picking the vault up on another machine: first use, from genesis
fresh_eyes am 0 status v.db
expect_stdout_contains "pinned:     first use on this machine: verified from its genesis and pinned at 4 entries"
expect_stderr_contains "first use: trusting vault $origin"
fresh_eyes am 0 status v.db --json
json_ok
if [ -n "$PY" ]; then
	expect_eq "first use in --json" "true" "$(jget 'j["pin"]["first_use"]')"
fi

# ---- after seals ---------------------------------------------------------
printf 'fictional statement\n' >a.txt
seal_as officer v.db a.txt                    # 4
seal_as officer v.db a.txt --type document    # 5
seal_as officer v.db a.txt --type case        # 6
am_pw 0 show v.db 4 --as custodian.id          # 7 (custody)
cp v.db old.db # 8 entries, for a rolled-back copy below
seal_as officer v.db a.txt                    # 8
am 0 status v.db
expect_stdout_contains "entries:    9: genesis 1, enroll 3, testimony 2, document 1, case 1, custody 1"
expect_stdout_contains "checkpoint: 9 entries, signed by officer ($officer_kid)"
expect_stdout_contains "pinned:     9 entries, as this machine trusted before"
# a machine that last saw 4 entries: the vault extends its pin by 5
on_laptop laptop am 0 status v.db
cp v.db v9.db
seal_as officer v.db a.txt                    # 9
on_laptop laptop am 0 status v.db
expect_stdout_contains "pinned:     10 entries; this machine trusted 9 before, and the vault extends it (1 new entry verified)"
on_laptop laptop am 0 status v.db --json
json_ok
if [ -n "$PY" ]; then
	expect_eq "pin after growth" '{"before": 10, "first_use": false, "extended": true, "size": 10}' "$(jget 'j["pin"]')"
fi

# an audit remembered on this machine, and extended since
am 0 audit v.db
seal_as officer v.db a.txt                    # 10
am 0 status v.db
expect_stdout_contains "last audit: 10 entries, which this vault extends"
am 0 status v.db --json
json_ok
if [ -n "$PY" ]; then
	expect_eq "audit in --json" '{"size": 10, "extended": true}' "$(jget 'j["audit"]')"
fi

# ---- after a revoke ----------------------------------------------------------
am_pw 0 revoke v.db officer.pub --as admin.id  # 11
am 0 status v.db
expect_stdout_matches "^  officer +$officer_kid revoked +since entry 11$"
expect_stdout_contains "entries:    12: genesis 1, enroll 3, revoke 1, testimony 4, document 1, case 1, custody 1"
expect_stdout_contains "checkpoint: 12 entries, signed by admin ($admin_kid)"
am 0 status v.db --json
json_ok
if [ -n "$PY" ]; then
	expect_eq "revoked in --json" "revoked" "$(jget '[m for m in j["members"] if m["name"] == "officer"][0]["roles"]')"
	expect_eq "revokes counted" 1 "$(jget 'j["entries"]["revoke"]')"
fi

# ---- tampered copies: exit 1, the problem named, the pin unchanged ---------
pin_before=$(cat "$(pin_file)")
cp v.db t.db
drop_triggers t.db
flip_byte t.db entries header "seq = 5" 100
status_fails t.db
expect_stdout_matches "^problem: +t.db: entry 5 "
expect_stdout_contains "vault:      $origin (t.db)"
expect_stdout_contains "last audit: 10 entries"
expect_stdout_not_contains "verify:     ok"
if [ -n "$PY" ]; then
	expect_eq "ok of a tampered copy" "false" "$(jget 'j["ok"]' failed.json)"
	expect_eq "bad_entry of a tampered copy" 5 "$(jget 'j["bad_entry"]' failed.json)"
	expect_eq "problem names the entry" "true" "$(jget '"entry 5" in j["problem"]' failed.json)"
fi
# the same copy on a machine that never saw the vault: verification from genesis fails
fresh_eyes am 1 status t.db
expect_stdout_contains "pinned:     nothing on this machine"
expect_stdout_matches "^problem: +t.db: entry 5: "
fresh_eyes am 1 status t.db --json
json_ok

# a rolled-back copy (an older file put back): it does not extend the pin
status_fails old.db
expect_stdout_contains "pinned:     12 entries; the vault does not extend them (pin unchanged)"
expect_stdout_contains "it does not extend the log of 12 entries you trusted before"
expect_stdout_contains "as its genesis claims: not verified"
if [ -n "$PY" ]; then
	expect_eq "verified of a rolled-back copy" "false" "$(jget 'j["verified"]' failed.json)"
	expect_eq "pin of a rolled-back copy" '{"before": 12, "first_use": false, "extended": false, "size": 12}' "$(jget 'j["pin"]' failed.json)"
fi

# an audit this machine remembers that the vault does not extend (a fork)
state="$XDG_STATE_HOME/amanat/audit.state"
[ -f "$state" ] || fail "no audit state at $state"
pass
cp "$state" audit.saved
printf '%s 3 %s\n' "$origin" "$(printf 'x%.0s' $(seq 32) | base64 -w0)" >"$state"
am 1 status v.db
expect_stdout_contains "last audit: 3 entries: NOT extended by this vault"
expect_stdout_matches "^problem: +v.db does not extend the tree of 3 entries audited"
am 1 status v.db --json
json_ok
cp audit.saved "$state"
am 0 status v.db

# a file that is not a vault, and usage
printf 'not a vault\n' >junk.db
am 2 status junk.db
am 2 status
expect_stderr_contains "usage: amanat status VAULT"
am 2 status v.db --as custodian.id

finish
