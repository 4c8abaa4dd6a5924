#!/usr/bin/env python3
"""Deterministic data for bench/ingest: files shaped like the challenge sample.

  gen_data.py base --rows N --out DIR [--seed S]
      DIR/departments.csv        12 rows   "id,department"
      DIR/jobs.csv               183 rows  "id,job"
      DIR/hired_employees.csv    N rows    "id,name,2021-07-27T16:02:08Z,department_id,job_id"
                                 headerless, no quoting, no newline after the last row (like the sample);
                                 about 3 % of the rows are invalid (see INVALID_MIX)
      DIR/hired_employees_valid.csv   exactly the rows a correct loader inserts (for psql \\copy)
      DIR/expected.json          counts: rows, valid, invalid per kind, bytes, max_id

  gen_data.py big --base DIR --target-bytes B --out FILE
      Streams copies of DIR/hired_employees.csv (ids shifted by max_id per copy, so every copy is
      new data with the same mix of invalid rows) until FILE holds at least B bytes. Writes
      FILE.expected.json. Never holds more than one copy in memory.

Every invalid row breaks exactly one rule, so the expected counts are exact.
"""
import argparse
import json
import os
import random
import sys

DEPARTMENTS = [
    "Product Management", "Sales", "Research and Development", "Business Development",
    "Engineering", "Human Resources", "Services", "Support", "Marketing", "Training",
    "Legal", "Accounting",
]
JOB_TITLES = [
    "Analyst", "Engineer", "Accountant", "Designer", "Developer", "Manager", "Assistant",
    "Coordinator", "Specialist", "Technician", "Consultant", "Administrator", "Officer",
    "Programmer", "Planner", "Scientist", "Auditor", "Editor", "Recruiter", "Geologist",
]
JOB_LEVELS = ["I", "II", "III", "IV", "Senior", "Junior", "Lead", "Principal", "Associate", "Staff"]
FIRST = [
    "Harold", "Ty", "Lyman", "Karita", "Jenn", "Ogden", "Cathy", "Wenda", "Jewelle", "Jasper",
    "Welby", "Marlie", "Bethanne", "Renee", "Ana", "Bruno", "Chloe", "Dmitri", "Elena", "Farid",
    "Greta", "Hiro", "Ines", "Jonas", "Kemal", "Lucia", "Mateo", "Nadia", "Oskar", "Priya",
    "Quentin", "Rosa", "Sven", "Tariq", "Ulla", "Vera", "Wim", "Xenia", "Yusuf", "Zoe",
    "Mary Ann", "Jean-Luc", "Anne-Marie", "José", "Zoë", "Björn", "Łukasz", "Siobhán",
]
LAST = [
    "Vogt", "Hofer", "Hadye", "Kettlestringes", "Fumagallo", "Ough", "Blundin", "Kaes", "Mathis",
    "Matterdace", "Crocumbe", "Gannicott", "Hurlin", "Bridie", "Novak", "Silva", "Kowalski",
    "Nguyen", "Okafor", "Larsen", "Moreau", "Rossi", "Tanaka", "Fischer", "Haddad", "Ivanova",
    "O'Brien", "D'Angelo", "O'Neill", "Smith-Jones", "Garcia-Lopez", "van der Berg", "de la Cruz",
    "Müller", "Ødegaard", "Şahin", "McAllister", "Fitzgerald", "Abernathy", "Quigley",
]

N_DEPARTMENTS = len(DEPARTMENTS)  # 12
N_JOBS = 183

# kind -> share of all rows. Total 3.0 %.
INVALID_MIX = [
    ("empty_name", 0.004),
    ("empty_datetime", 0.004),
    ("empty_department_id", 0.004),
    ("empty_job_id", 0.004),
    ("bad_datetime", 0.005),
    ("unknown_department_id", 0.003),
    ("unknown_job_id", 0.003),
    ("duplicate_id", 0.003),
]
BAD_DATES = [
    "2021-02-30T10:00:00Z", "2021-13-01T00:00:00Z", "2021-07-27 16:02:08", "27/07/2021 16:02",
    "2021-07-27T25:61:00Z", "2021-07-27", "yesterday", "2021-07-27T16:02:08+2",
]
# 2020-01-01T00:00:00Z .. 2022-12-31T23:59:59Z, uniform
T0 = 1577836800
T_SPAN = 3 * 365 * 86400 + 86400


def jobs():
    out = []
    for level in JOB_LEVELS:
        for title in JOB_TITLES:
            out.append(f"{title} {level}")
    return out[:N_JOBS]


def write_text(path, lines):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines))


def iso(ts):
    # time.gmtime is slow enough to matter at 1M rows; datetime is used via a cache of day strings.
    days, secs = divmod(ts, 86400)
    return f"{DAY_CACHE[days]}T{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}Z"


def build_day_cache():
    import datetime
    base = datetime.date(1970, 1, 1)
    first = T0 // 86400
    return {d: (base + datetime.timedelta(days=d)).isoformat() for d in range(first, first + T_SPAN // 86400 + 1)}


DAY_CACHE = build_day_cache()


def names(rng):
    """A name: mostly 'First Last', some three words, some with an apostrophe or hyphen."""
    first = rng.choice(FIRST)
    last = rng.choice(LAST)
    if rng.random() < 0.02:
        return f"{first} {rng.choice(FIRST)} {last}"
    return f"{first} {last}"


def cmd_base(args):
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    write_text(os.path.join(args.out, "departments.csv"), [f"{i + 1},{d}" for i, d in enumerate(DEPARTMENTS)])
    write_text(os.path.join(args.out, "jobs.csv"), [f"{i + 1},{j}" for i, j in enumerate(jobs())])

    thresholds = []
    acc = 0.0
    for kind, share in INVALID_MIX:
        acc += share
        thresholds.append((acc, kind))

    counts = {kind: 0 for kind, _ in INVALID_MIX}
    rows_out = []
    valid_out = []
    valid_ids = []  # ids of valid rows so far (duplicates repeat one of them)
    next_id = 1
    max_id = 0
    for _ in range(args.rows):
        r = rng.random()
        kind = None
        if r < acc:
            for limit, k in thresholds:
                if r < limit:
                    kind = k
                    break
        if kind == "duplicate_id" and not valid_ids:
            kind = None
        if kind == "duplicate_id":
            row_id = valid_ids[rng.randrange(len(valid_ids))]
        else:
            row_id = next_id
            next_id += 1
        max_id = max(max_id, row_id)
        name = names(rng)
        dt = iso(T0 + rng.randrange(T_SPAN))
        dep = str(rng.randint(1, N_DEPARTMENTS))
        job = str(rng.randint(1, N_JOBS))
        if kind == "empty_name":
            name = ""
        elif kind == "empty_datetime":
            dt = ""
        elif kind == "empty_department_id":
            dep = ""
        elif kind == "empty_job_id":
            job = ""
        elif kind == "bad_datetime":
            dt = rng.choice(BAD_DATES)
        elif kind == "unknown_department_id":
            dep = str(rng.randint(N_DEPARTMENTS + 1, 999))
        elif kind == "unknown_job_id":
            job = str(rng.randint(N_JOBS + 1, 9999))
        line = f"{row_id},{name},{dt},{dep},{job}"
        rows_out.append(line)
        if kind is None:
            valid_out.append(line)
            valid_ids.append(row_id)
        else:
            counts[kind] += 1

    path = os.path.join(args.out, "hired_employees.csv")
    write_text(path, rows_out)
    write_text(os.path.join(args.out, "hired_employees_valid.csv"), valid_out)
    expected = {
        "seed": args.seed,
        "rows": args.rows,
        "valid": len(valid_out),
        "invalid": args.rows - len(valid_out),
        "invalid_by_kind": counts,
        "bytes": os.path.getsize(path),
        "max_id": max_id,
    }
    with open(os.path.join(args.out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=2)
    print(json.dumps(expected))


def cmd_big(args):
    with open(os.path.join(args.base, "expected.json"), encoding="utf-8") as f:
        base = json.load(f)
    with open(os.path.join(args.base, "hired_employees.csv"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    parsed = []
    for line in lines:
        head, rest = line.split(",", 1)
        parsed.append((int(head), "," + rest))
    step = base["max_id"]
    copies = 0
    written = 0
    with open(args.out, "w", encoding="utf-8", newline="") as out:
        while written < args.target_bytes:
            offset = copies * step
            if offset + step > 2147483647:
                sys.exit("gen_data.py: ids would exceed 2^31-1; use a larger base file")
            chunk = "\n".join(f"{i + offset}{rest}" for i, rest in parsed)
            if copies:
                chunk = "\n" + chunk
            out.write(chunk)
            written += len(chunk.encode("utf-8"))
            copies += 1
    expected = {
        "copies": copies,
        "rows": base["rows"] * copies,
        "valid": base["valid"] * copies,
        "invalid": base["invalid"] * copies,
        "bytes": os.path.getsize(args.out),
    }
    with open(args.out + ".expected.json", "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=2)
    print(json.dumps(expected))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("base")
    b.add_argument("--rows", type=int, required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--seed", type=int, default=20261126)
    g = sub.add_parser("big")
    g.add_argument("--base", required=True)
    g.add_argument("--target-bytes", type=int, required=True)
    g.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.cmd == "base":
        cmd_base(args)
    else:
        cmd_big(args)


if __name__ == "__main__":
    main()
