#!/usr/bin/env python3
"""gen_cases.py -- clearly fictional case records shaped like a monitoring
report, with their true counts known (issue 11, docs/CASES.md).

  gen_cases.py make DIR [--seed N] [--cases N] [--sources 3,4,5]
      DIR/import1.csv   the cases as first recorded (one row per act)
      DIR/import2.csv   corrections of some cases (imported again: amendments)
      DIR/withdraw.txt  "CASE_ID<TAB>reason" of the cases to withdraw afterwards
      DIR/truth.json    every case's final acts, withdrawn ones marked
  gen_cases.py expect DIR/truth.json --by KEY [--from YYYY-MM-DD] [--to YYYY-MM-DD]
      prints what 'amanat stats --csv' must print, computed here independently
      (docs/FORMAT.md section 26: the month/year precision rule).

No name in the output is a real person's: victims are pseudonyms, private
columns hold "Fictional person NNNN".
"""
import argparse
import calendar
import csv
import datetime
import json
import os
import random
import sys

ACT_TYPES = ["extrajudicial-execution", "death-in-custody", "torture", "ill-treatment",
             "arbitrary-arrest", "arbitrary-detention", "incommunicado-detention",
             "enforced-disappearance", "threat-intimidation"]
AFFILIATIONS = ["former-army", "former-police", "former-intelligence",
                "former-government-official", "human-rights-defender", "journalist", "civilian"]
STATUSES = ["detained", "released", "killed", "whereabouts-unknown"]
PROVINCES = ["badakhshan", "balkh", "ghazni", "helmand", "herat", "kabul", "kandahar",
             "kunduz", "nangarhar", "panjshir", "takhar", "uruzgan"]
PERPS = ["de-facto-police", "de-facto-intelligence", "de-facto-armed-forces",
         "unidentified-armed-men", "unknown"]
SCOPES = ["internal", "un-mechanism", "court", "defence-identity", "publication", "re-contact"]
COLUMNS = ["case_id", "act_id", "act_type", "date", "date_precision", "province", "district",
           "victim", "victim_sex", "victim_age", "victim_affiliation", "perpetrator", "status",
           "consent_scopes", "sources", "witness_name"]
START = datetime.date(2021, 8, 15)
END = datetime.date(2023, 6, 30)


def make_act(rnd, case, k, victim, affiliation, sources):
    day = START + datetime.timedelta(days=rnd.randrange((END - START).days + 1))
    p = rnd.random()
    if p < 0.75:
        prec, date = "day", day.isoformat()
    elif p < 0.93:
        prec, date = "month", day.strftime("%Y-%m")
    else:
        prec, date = "year", day.strftime("%Y")
    t = rnd.choice(ACT_TYPES)
    status = "killed" if t in ("extrajudicial-execution", "death-in-custody") else \
        rnd.choice(["detained", "released", "whereabouts-unknown"])
    return {"act_id": "A%d" % k, "act_type": t, "date": date, "date_precision": prec,
            "province": case["province"], "district": "District %d" % rnd.randint(1, 9),
            "victim": victim, "victim_sex": rnd.choice(["male", "male", "female"]),
            "victim_age": rnd.choice(["adult", "adult", "adult", "older", "child"]),
            "victim_affiliation": affiliation, "perpetrator": rnd.choice(PERPS),
            "status": status,
            "sources": ";".join("%d:%s" % (s, rnd.choice(["high", "medium", "low"]))
                                for s in rnd.sample(sources, min(len(sources), rnd.randint(0, 2)))),
            "witness_name": "Fictional person %04d" % rnd.randint(1, 9999)
            if rnd.random() < 0.5 else ""}


def make(args):
    rnd = random.Random(args.seed)
    sources = [int(x) for x in args.sources.split(",") if x]
    os.makedirs(args.dir, exist_ok=True)
    cases = []
    victim_no = 0
    for i in range(args.cases):
        case = {"case_id": "C-%05d" % (i + 1), "province": rnd.choice(PROVINCES),
                "consent_scopes": ";".join(sorted(rnd.sample(SCOPES, rnd.randint(0, 3))))}
        acts = []
        nvictims = rnd.choice([1, 1, 1, 2, 3])
        for _ in range(nvictims):
            victim_no += 1
            # a few victims reappear in a second case: distinct counts must see it
            v = "V-%04d" % (rnd.randint(1, victim_no) if rnd.random() < 0.05 else victim_no)
            aff = rnd.choice(AFFILIATIONS)
            for _ in range(rnd.choice([1, 1, 2, 3])):
                acts.append(make_act(rnd, case, len(acts) + 1, v, aff, sources))
        case["acts"] = acts
        cases.append(case)

    def write(path, chosen):
        with open(path, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(COLUMNS)
            for c in chosen:
                for a in c["acts"]:
                    w.writerow([c["case_id"], a["act_id"], a["act_type"], a["date"],
                                a["date_precision"], a["province"], a["district"], a["victim"],
                                a["victim_sex"], a["victim_age"], a["victim_affiliation"],
                                a["perpetrator"], a["status"], c["consent_scopes"],
                                a["sources"], a["witness_name"]])

    write(os.path.join(args.dir, "import1.csv"), cases)
    # corrections: a tenth of the cases change (a type, a status, a date, an act added)
    changed = rnd.sample(cases, max(1, len(cases) // 10))
    for c in changed:
        a = rnd.choice(c["acts"])
        what = rnd.randrange(4)
        if what == 0:
            a["act_type"] = rnd.choice(ACT_TYPES)
        elif what == 1:
            a["status"] = rnd.choice(STATUSES)
        elif what == 2:
            a["date"], a["date_precision"] = "2022-02", "month"
        else:
            b = dict(a)
            b["act_id"] = "A%d" % (len(c["acts"]) + 1)
            b["act_type"] = rnd.choice(ACT_TYPES)
            c["acts"].append(b)
    write(os.path.join(args.dir, "import2.csv"), sorted(changed, key=lambda c: c["case_id"]))
    withdrawn = rnd.sample(cases, max(1, len(cases) // 40))
    with open(os.path.join(args.dir, "withdraw.txt"), "w") as f:
        for c in sorted(withdrawn, key=lambda c: c["case_id"]):
            c["withdrawn"] = True
            f.write("%s\tduplicate of another case (fictional)\n" % c["case_id"])
    with open(os.path.join(args.dir, "truth.json"), "w") as f:
        json.dump(cases, f, indent=1)
    acts = sum(len(c["acts"]) for c in cases)
    print("%d cases, %d acts, %d amended, %d withdrawn" % (len(cases), acts, len(changed),
                                                           len(withdrawn)))


def period(a):
    d, p = a["date"], a["date_precision"]
    y = int(d[:4])
    if p == "day":
        x = datetime.date.fromisoformat(d)
        return x, x
    if p == "month":
        m = int(d[5:7])
        return datetime.date(y, m, 1), datetime.date(y, m, calendar.monthrange(y, m)[1])
    return datetime.date(y, 1, 1), datetime.date(y, 12, 31)


def expect(args):
    cases = json.load(open(args.truth))
    lo = datetime.date.fromisoformat(args.from_) if args.from_ else None
    hi = datetime.date.fromisoformat(args.to) if args.to else None
    groups, partly, total = {}, [], []
    for c in cases:
        if c.get("withdrawn"):
            continue
        for a in c["acts"]:
            first, last = period(a)
            if (hi and first > hi) or (lo and last < lo):
                continue
            if (lo and first < lo) or (hi and last > hi):
                partly.append(a["victim"])
                continue
            key = {"act-type": a["act_type"], "affiliation": a["victim_affiliation"],
                   "province": a["province"], "status": a["status"],
                   "month": a["date"][:4] if a["date_precision"] == "year" else a["date"][:7]}[args.by]
            groups.setdefault(key, []).append(a["victim"])
            total.append(a["victim"])
    out = ["group,acts,victims"]
    for g in sorted(groups, key=lambda s: s.encode()):
        out.append("%s,%d,%d" % (g, len(groups[g]), len(set(groups[g]))))
    out.append("total,%d,%d" % (len(total), len(set(total))))
    if partly:
        out.append("partly-in-range,%d,%d" % (len(partly), len(set(partly))))
    print("\n".join(out))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("dir")
    m.add_argument("--seed", type=int, default=2021)
    m.add_argument("--cases", type=int, default=1200)
    m.add_argument("--sources", default="")
    e = sub.add_parser("expect")
    e.add_argument("truth")
    e.add_argument("--by", required=True)
    e.add_argument("--from", dest="from_")
    e.add_argument("--to")
    args = ap.parse_args()
    make(args) if args.cmd == "make" else expect(args)


if __name__ == "__main__":
    sys.exit(main())
