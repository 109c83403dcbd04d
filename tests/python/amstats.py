#!/usr/bin/python3
"""amstats.py -- an independent check of an amanat statistics report, written
from docs/FORMAT.md section 26 (and amverify.py for the vault format), sharing
no code with amanat.

  AMANAT_PASSPHRASE=... amstats.py VAULT REPORT.json CUSTODIAN.id

Verifies the whole vault (amverify, full tier), the report's Ed25519
signature over its statement, that the signer is a member, that the vault's
tree at the report's size has the report's root, and recomputes every figure
at that size by decrypting the case records with the custodian's key.  Prints
"ok" and exits 0, or names each problem and exits 1.
"""
import calendar
import datetime
import hashlib
import json
import os
import sys

import nacl.exceptions
import nacl.signing

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import amverify as av  # noqa: E402

CASE = 7


def mth(leaves):
    """RFC 6962 Merkle tree hash of a list of leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return av.node_hash(mth(leaves[:k]), mth(leaves[k:]))


def statement(r):
    lines = ["amanat-stats-report/1", "vault " + r["vault"], "origin " + r["checkpoint"]["origin"],
             "size %d" % r["checkpoint"]["size"], "root " + r["checkpoint"]["root"], "by " + r["by"],
             "from " + r["from"], "to " + r["to"], "made " + r["made_at"],
             "signer " + r["signer"]["key"], "custody %d" % r["custody"], "cases %d" % r["cases"]]
    lines += ["group %s %d %d" % (g["group"], g["acts"], g["victims"]) for g in r["groups"]]
    lines += ["total %d %d" % (r["total"]["acts"], r["total"]["victims"]),
              "partly-in-range %d %d" % (r["partly_in_range"]["acts"], r["partly_in_range"]["victims"])]
    return ("\n".join(lines) + "\n").encode()


def period(date, prec):
    y = int(date[:4])
    if prec == "day":
        d = datetime.date.fromisoformat(date)
        return d, d
    if prec == "month":
        m = int(date[5:7])
        return datetime.date(y, m, 1), datetime.date(y, m, calendar.monthrange(y, m)[1])
    return datetime.date(y, 1, 1), datetime.date(y, 12, 31)


def figures(records, by, lo, hi):
    """section 26, Counting: over the newest non-withdrawn record of each case."""
    groups, total, partly, cases = {}, [], [], 0
    for rec in records:
        counted = False
        for a in rec["acts"]:
            first, last = period(a["date"], a["date_precision"])
            if (hi and first > hi) or (lo and last < lo):
                continue
            v = a["victim"]["pseudonym"]
            if (lo and first < lo) or (hi and last > hi):
                partly.append(v)
                continue
            key = {"act-type": a["act_type"], "affiliation": a["victim"]["affiliation"],
                   "province": a["place"]["province"], "status": a["status"],
                   "month": a["date"][:4] if a["date_precision"] == "year" else a["date"][:7]}[by]
            groups.setdefault(key, []).append(v)
            total.append(v)
            counted = True
        cases += counted
    return ({g: (len(vs), len(set(vs))) for g, vs in groups.items()},
            (len(total), len(set(total))), (len(partly), len(set(partly))), cases)


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    path, report, idfile = argv[1:]
    r = json.load(open(report))
    problems = []
    n = av.verify_vault(path)[0]
    size = r["checkpoint"]["size"]
    if not 0 < size <= n:
        print("amstats: tree size %d not in the vault (%d entries)" % (size, n))
        return 1
    try:
        nacl.signing.VerifyKey(bytes.fromhex(r["signer"]["key"])).verify(
            statement(r), av.b64decode(r["signature"], 64))
    except (nacl.exceptions.BadSignatureError, ValueError):
        problems.append("the signature does not match the statement")
    name, sign_pk, box_pk, seed, box_sk = av.open_keyfile(idfile, os.environ["AMANAT_PASSPHRASE"].encode())
    db = av.open_vault(path)
    db.execute("BEGIN")
    leaves, versions, members = [], {}, set()
    for seq in range(size):
        hdr, sig = db.execute("SELECT header, sig FROM entries WHERE seq = ?", (seq,)).fetchone()
        h = av.Header.parse(hdr)
        leaves.append(av.leaf_hash(hashlib.sha256(bytes(hdr) + bytes(sig)).digest()))
        if h.type in (1, 2):
            members.add(av.parse_identity_record(h.payload)[0])
        # §26 "Imported case records": an import of a field vault's case record is a
        # version like a local one, ordered by its entry number here
        if h.type != CASE and not (h.type == av.IMPORT and
                                   av.Header.parse(av.parse_import(h)[0]).type == CASE):
            continue
        _, fields, _, _, _ = av._decrypt_entry(db, seq, name, box_pk, box_sk, None)
        f = {k.decode(): v.decode() for k, v, _ in fields}
        if "case" not in f or ("case.record" not in f and "case.withdrawn" not in f):
            continue
        versions[f["case"]] = (seq, f)   # seq increases: the last one kept is the newest
    db.close()
    if r["vault"] != r["checkpoint"]["origin"].split("/", 1)[1]:
        problems.append("origin and vault differ")
    if mth(leaves).hex() != r["checkpoint"]["root"]:
        problems.append("the root is not the vault's root at size %d" % size)
    if bytes.fromhex(r["signer"]["key"]) not in members:
        problems.append("the signer is not a member of the vault")
    records = [json.loads(f["case.record"]) for _, f in versions.values() if "case.record" in f]
    lo = datetime.date.fromisoformat(r["from"]) if r["from"] != "-" else None
    hi = datetime.date.fromisoformat(r["to"]) if r["to"] != "-" else None
    groups, total, partly, cases = figures(records, r["by"], lo, hi)
    reported = {g["group"]: (g["acts"], g["victims"]) for g in r["groups"]}
    for g in sorted(set(groups) | set(reported)):
        if groups.get(g, (0, 0)) != reported.get(g, (0, 0)):
            problems.append("figure %s: report %s, vault %s" % (g, reported.get(g), groups.get(g)))
    if [g["group"] for g in r["groups"]] != sorted(groups, key=lambda s: s.encode()):
        problems.append("groups are not the vault's, in byte order")
    for what, want, got in (("total", total, (r["total"]["acts"], r["total"]["victims"])),
                            ("partly-in-range", partly, (r["partly_in_range"]["acts"],
                                                         r["partly_in_range"]["victims"])),
                            ("cases", cases, r["cases"])):
        if want != got:
            problems.append("figure %s: report %s, vault %s" % (what, got, want))
    for p in problems:
        print("amstats: " + p)
    if not problems:
        print("ok: %d groups, %d acts, %d victims at tree size %d" % (len(groups), total[0],
                                                                     total[1], size))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
