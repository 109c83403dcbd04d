#!/bin/bash
# transparency_audit.sh — `amanat audit` catches what a vault cannot show by
# itself: a vault replaced by an older copy (rollback), the last entries cut
# off consistently (truncation), and two diverging copies (fork).  In each
# case the bad vault alone verifies (exit 0), and audit, remembering what it
# verified before, exits 1 and leaves its state file as it was.
. "$(dirname "$0")/lib.sh"

printf 'Fictional testimony A.\n' >a.txt
printf 'Fictional testimony B.\n' >b.txt
printf 'Fictional testimony C.\n' >c.txt
# a vault of n entries: n >= 4; entries 4.. are officer seals
make_vault base.db # 0-3
seal_as officer base.db a.txt # 4

# audit_json CODE VAULT STATE [ARGS...]: audit with --json
audit_json() {
	local want=$1 v=$2 st=$3
	shift 3
	am "$want" audit "$v" --state "$st" --json "$@"
}

# state_size STATE: the size remembered in STATE (one vault per file here)
state_size() {
	grep -v '^#' "$1" | awk '{ print $2 }'
}

# ---- first audit, then incremental ones --------------------------------------
cp base.db v.db
audit_json 0 v.db st
expect_eq "first audit from" 0 "$(json_num from)"
expect_eq "first audit entries" 5 "$(json_num entries_checked)"
expect_mode st 600
expect_eq "state size" 5 "$(state_size st)"
origin=$(json_str origin)
grep -q "^$origin 5 " st || fail "state does not name $origin at 5"
pass
am 0 audit v.db --state st
expect_stdout_contains "this tree extends the one this auditor verified before"
seal_as officer v.db b.txt # 5
seal_as officer v.db c.txt # 6
audit_json 0 v.db st
expect_eq "incremental audit from" 5 "$(json_num from)"
expect_eq "incremental audit entries" 2 "$(json_num entries_checked)"
expect_eq "state size after" 7 "$(state_size st)"
audit_json 0 v.db st --full
expect_eq "full audit entries" 7 "$(json_num entries_checked)"
am 2 audit v.db --state st --since x
am 2 audit v.db --state st --max-seconds 1
am 2 audit v.db --state st --resume x
printf 'garbage\n' >damaged.st
am 2 audit v.db --state damaged.st

# ---- (a) rollback: the vault replaced by an older copy --------------------------
cp base.db r.db
audit_json 0 r.db st_r # 5 entries
cp r.db r_old.db
# r.db grows on another laptop than v.db, which has pins of its own
elsewhere seal_as officer r.db b.txt
elsewhere seal_as officer r.db c.txt
audit_json 0 r.db st_r
expect_eq "rollback: state before" 7 "$(state_size st_r)"
cp st_r st_r.before
elsewhere am_pw 0 checkpoint r.db --as auditor.id
cp "$OUT" r_cp7.txt
cp r_old.db r.db # the attacker restores the older, internally consistent copy
# someone who never saw this vault finds a consistent log ...
on_laptop new am 0 verify r.db
# ... whoever used it is told it was rolled back, and refuses to write to it
elsewhere am 1 verify r.db
expect_stderr_contains "rolled back or truncated"
elsewhere seal_as_fails officer r.db a.txt
audit_json 1 r.db st_r
expect_stdout_contains '"ok":false'
expect_stderr_contains "rolled back or truncated"
am 1 audit r.db --state st_r --full
expect_same_file st_r st_r.before
# a checkpoint held from before catches it too
am 1 verify r.db --since r_cp7.txt
am 1 verify r.db --checkpoint r_cp7.txt
# new entries sealed into the old copy do not make it good: 6 < 7, and a fork
on_laptop new seal_as officer r.db a.txt
on_laptop new am 0 verify r.db
audit_json 1 r.db st_r
on_laptop new seal_as officer r.db a.txt
audit_json 1 r.db st_r # 7 entries now, but not the 7 audited
expect_stderr_contains "forked or rewritten"
expect_same_file st_r st_r.before

# ---- (b) truncation: the last entries removed consistently ------------------------
cp base.db t.db
on_laptop t seal_as officer t.db b.txt # 5 (each copy below grows on a laptop of its own)
on_laptop t seal_as officer t.db c.txt # 6
on_laptop t seal_as officer t.db a.txt # 7
audit_json 0 t.db st_t
expect_eq "truncation: state" 8 "$(state_size st_t)"
cp st_t st_t.before
# truncate_to DB K [all]: drop entries K.., their chunks and tree nodes (and,
# with "all", the checkpoints of more than K entries), leaving a vault that
# is a perfectly consistent log of K entries
truncate_to() {
	local db=$1 k=$2
	drop_triggers "$db"
	sq "$db" "DELETE FROM chunks WHERE seq >= $k;
		DELETE FROM entries WHERE seq >= $k;
		DELETE FROM tree WHERE ((idx + 1) << level) > $k;"
	if [ "${3:-}" = all ]; then
		sq "$db" "DELETE FROM checkpoints WHERE size > $k"
	fi
	expect_eq "entries left" "$k" "$(entry_count "$db")"
}
# (b1) entries, chunks and tree rows gone, checkpoints of 7 and 8 left behind:
# verify alone already sees that a larger log was signed
cp t.db t1.db
truncate_to t1.db 6
fresh_eyes am 1 verify t1.db
expect_stderr_contains "entries were removed from the end"
audit_json 1 t1.db st_t
expect_same_file st_t st_t.before
# (b2) the checkpoints too: an internally consistent log of 6 entries
cp t.db t2.db
truncate_to t2.db 6 all
fresh_eyes am 0 verify t2.db --json
expect_eq "truncated vault verifies alone" 6 "$(json_num size)"
audit_json 1 t2.db st_t
expect_stderr_contains "rolled back or truncated"
am 1 audit t2.db --state st_t --full
expect_same_file st_t st_t.before
# ... and a checkpoint held from before (size 8) catches it as well
on_laptop t am_pw 0 checkpoint t.db --as auditor.id
cp "$OUT" t_cp8.txt
fresh_eyes am 1 verify t2.db --checkpoint t_cp8.txt
fresh_eyes am 1 verify t2.db --since t_cp8.txt
# (b3) truncated by one entry only, through a power of two (8 -> 7 -> 4)
for k in 7 4; do
	cp t.db t3.db
	truncate_to t3.db "$k" all
	fresh_eyes am 0 verify t3.db
	audit_json 1 t3.db st_t
done
expect_same_file st_t st_t.before
# the untouched vault still audits
audit_json 0 t.db st_t

# ---- (c) fork: two copies that diverge ------------------------------------------------
cp base.db f.db # 5 entries
audit_json 0 f.db st_f
cp f.db g.db
on_laptop f seal_as officer f.db b.txt # f: 5 = B
on_laptop g seal_as officer g.db c.txt # g: 5 = C
fresh_eyes am 0 verify f.db
fresh_eyes am 0 verify g.db
cp st_f st_f0 # remembers 5 entries, common to both
audit_json 0 f.db st_f
cp st_f st_f.before
audit_json 1 g.db st_f # same size, another root
expect_stderr_contains "forked or rewritten"
expect_same_file st_f st_f.before
am 1 audit g.db --state st_f --full
expect_same_file st_f st_f.before
# the other way round, from the common state
cp st_f0 st_g
audit_json 0 g.db st_g
audit_json 1 f.db st_g
# a fork that is longer than what was audited does not extend it either
on_laptop g seal_as officer g.db a.txt # g: 7 entries
audit_json 1 g.db st_f
expect_same_file st_f st_f.before
# a fork that is shorter
cp f.db h.db
audit_json 0 h.db st_h
on_laptop h seal_as officer h.db a.txt # h: 7 entries
audit_json 0 h.db st_h
audit_json 1 g.db st_h # g: 7, another tree
# checkpoints exchanged between the two copies show the fork too
on_laptop f am_pw 0 checkpoint f.db --as auditor.id
cp "$OUT" f_cp.txt
fresh_eyes am 1 verify g.db --since f_cp.txt
fresh_eyes am 1 verify g.db --checkpoint f_cp.txt
# two vaults in one state file do not disturb each other
am_pw 0 init other2.db --as admin.id --recipient custodian.pub
audit_json 0 other2.db st_f
audit_json 1 g.db st_f
audit_json 0 f.db st_f
expect_eq "state lines for two vaults" 2 "$(grep -vc '^#' st_f)"

finish
