#!/usr/bin/env python3
"""Writes the project's own challenge-shaped fixtures: three headerless CSV files with the quirks
of the historical files this service migrates (DESIGN §2-§3), so every test runs from a bare clone.

    tests/support/challenge_fixtures.py --out DIR [--seed 13] [--hires 2000]

DIR/departments.csv, DIR/jobs.csv, DIR/hired_employees.csv. The same seed and size always give the
same bytes (the build runs this with the defaults; tests/CMakeLists.txt). The tests never read the
expected counts from here: tests/support/challenge_data.cpp works them out from the files.

What the files hold, besides plain valid rows:
  - no header line; the last line has no line break; jobs.csv ends its lines in CRLF, and some
    lines of hired_employees.csv do too; one empty line (a line, not a record)
  - names that need RFC 4180 quoting (commas, doubled quotes), names quoted without need, and
    non-ASCII names (Latin, Cyrillic, CJK, an emoji), leading zeros in an id
  - datetimes in UTC (Z, one lower-case z), with fractions, and with +HH:MM / -HH:MM offsets,
    some of which move a hire into another quarter or year once taken in UTC
  - each column empty in turn, missing trailing fields, an extra field, blank and over-long names,
    unparseable ids and datetimes, references to a department / job that is not there (never was,
    or was rejected), duplicate ids (and an id whose first row was rejected, so the second is new)
The hires' rejects are 72 (HIRE_DEFECTS + DUPLICATES): between 51 and 100, so the browser test's
rejects table has two pages of 50.
"""
import argparse
import os
import random

DEPARTMENTS = [
    "Product Management", "Sales", 'Research, "R&D"', "Business Development", "Engineering",
    "Human Resources", "Services — Ærø & Tōkyō", "Support", "Marketing", "Training, Onboarding",
    "Legal", "Accounting",
]
JOB_TITLES = [
    "Analyst", "Engineer", "Accountant", "Designer", "Developer", "Manager", "Assistant",
    "Coordinator", "Specialist", "Technician", "Consultant", "Administrator", "Officer",
    "Programmer", "Planner", "Scientist", "Auditor", "Editor", "Recruiter", "Geologist",
]
JOB_LEVELS = ["I", "II", "III", "IV", "Senior", "Junior", "Lead", "Principal", "Associate", "Staff"]
# Replace a few generated job names by ones that need quoting or are not ASCII (1-based ids).
SPECIAL_JOBS = {
    2: 'VP Sales, "EMEA"', 7: "Ingénieur système", 11: "Инженер-программист", 19: "経理担当",
    23: "Data Engineer, Senior", 42: 'The "Fixer"', 101: "Développeur Full-Stack 🚀",
}
FIRST = [
    "Harold", "Ty", "Lyman", "Karita", "Jenn", "Ogden", "Cathy", "Wenda", "Jewelle", "Jasper",
    "Ana", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas",
    "Mary Ann", "Jean-Luc", "Anne-Marie", "José", "Zoë", "Björn", "Łukasz", "Siobhán", "Дмитрий", "美咲",
]
LAST = [
    "Vogt", "Hofer", "Hadye", "Kettlestringes", "Ough", "Blundin", "Novak", "Silva", "Nguyen", "Okafor",
    "O'Brien", "D'Angelo", "Smith-Jones", "van der Berg", "Müller", "Ødegaard", "Şahin", "Иванова", "山田",
]
# Names a CSV writer must quote; written as they read, quoted and with quotes doubled.
QUOTED_NAMES = ['Smith, Jr., John', 'Robert "Bob" Paulson', '"Ace" Ventura, Pet Detective', 'Lee, Ann "Annie"']
OFFSETS = ["+01:00", "+02:00", "-05:00", "+05:30", "-03:30", "+09:00", "-08:00", "+13:45", "-00:00", "+00:00"]
# Datetimes whose quarter or year in UTC differs from the one they are written in.
CROSSING = [
    "2020-12-31T23:30:00-01:00",  # 2021 Q1 in UTC
    "2021-12-31T22:00:00-03:00",  # 2022 Q1 in UTC
    "2022-01-01T00:30:00+01:00",  # 2021 Q4 in UTC
    "2021-03-31T23:15:00-02:00",  # 2021 Q2 in UTC
    "2021-07-01T01:00:00+02:00",  # 2021 Q2 in UTC
    "2021-09-30T20:00:00.250-05:00",  # 2021 Q4 in UTC
    "2021-06-30T23:59:59.999999-00:30",  # 2021 Q3 in UTC
]
BAD_DATETIMES = [
    "2021-02-30T10:00:00Z", "2021-13-01T00:00:00Z", "2021-07-27 16:02:08", "2021-07-27",
    "2021-07-27T16:02:08+2", "27/07/2021 16:02", "2021-07-27T24:00:00Z",
]
HIRE_COLUMNS = 5


def quote(field):
    """RFC 4180: a field with a comma, quote, CR or LF is quoted, its quotes doubled."""
    if any(c in field for c in ',"\r\n'):
        return '"' + field.replace('"', '""') + '"'
    return field


def record(fields, force_quote=()):
    return ",".join('"' + f + '"' if i in force_quote else quote(f) for i, f in enumerate(fields))


def write(path, lines, endings):
    """lines: records (str) or None for an empty line; endings: one line break per line."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        for i, line in enumerate(lines):
            out.write(line or "")
            if i + 1 < len(lines):  # like the historical files: no break after the last line
                out.write(endings[i])


def departments():
    lines = [record([str(i), name]) for i, name in enumerate(DEPARTMENTS, 1)]
    lines[1] = record(["2", "Sales"], force_quote=(1,))  # quoted without need
    lines += [
        "13,",  # empty name: 13 is no department, so hires of department 13 are unknown references
        ",Orphan Department",  # empty id
        "2,Sales Again",  # duplicate id: the first row stays
        "14",  # missing trailing field
        "15,   ",  # blank name
        "x1,Ops",  # not an integer
    ]
    valid_ids = list(range(1, len(DEPARTMENTS) + 1))
    return lines, ["\n"] * len(lines), valid_ids


def jobs(count=183):
    names = [f"{title} {level}" for level in JOB_LEVELS for title in JOB_TITLES][:count]
    for job_id, name in SPECIAL_JOBS.items():
        names[job_id - 1] = name
    lines = [record([str(i), name]) for i, name in enumerate(names, 1)]
    lines[8] = "009," + quote(names[8])  # leading zeros: id 9
    lines += [
        f"{count + 1},",  # empty name
        f",{names[0]} Duplicate",  # empty id
        f"5,{names[4]} Again",  # duplicate id
        f"{count + 2}," + "é" * 128,  # 256 bytes in 128 characters: too long
        f"{count + 3},Clerk,extra",  # an extra field
        "0,Nobody",  # out of range
    ]
    # Every line in CRLF, as a file saved on Windows.
    return lines, ["\r\n"] * len(lines), list(range(1, count + 1))


def valid_datetime(rng):
    year = rng.choices([2020, 2021, 2022], weights=[10, 80, 10])[0]
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    clock = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    text = f"{year}-{month:02d}-{day:02d}T{clock}"
    roll = rng.random()
    if roll < 0.05:
        text += "." + str(rng.randint(0, 999999)).zfill(6)[: rng.choice([1, 3, 6])]
    return text + ("Z" if roll < 0.75 else rng.choice(OFFSETS))


# (rows, kind, value): each makes a valid hire invalid in exactly one way, each on its own row.
# 72 rows with the duplicates below: between 51 and 100, whatever the seed.
HIRE_DEFECTS = [(8, "empty", column) for column in range(HIRE_COLUMNS)] + [
    (3, "keep", 4),  # missing trailing fields
    (2, "keep", 3),
    (1, "extra", "extra"),
    *[(1, "set", (2, bad)) for bad in BAD_DATETIMES],
    (2, "set", (3, "99")),  # no such department
    (2, "set", (3, "13")),  # its row in departments.csv is rejected (empty name)
    (2, "set", (4, "999")),  # no such job
    (2, "set", (4, "184")),  # its row in jobs.csv is rejected (empty name)
    (2, "set", (1, "   ")),  # blank name
    (1, "set", (0, "12a")),  # not an integer
    (1, "set", (0, "2147483648")),  # out of range
    (1, "set", (3, "-3")),  # a sign is not allowed
]
DUPLICATES = 6


def break_row(row, kind, value):
    if kind == "empty":
        row[value] = ""
    elif kind == "keep":
        del row[value:]
    elif kind == "extra":
        row.append(value)
    else:
        column, text = value
        row[column] = text


def hire_file(rng, count, department_ids, job_ids):
    """The lines and line breaks of hired_employees.csv."""
    rows = [
        [str(i), f"{rng.choice(FIRST)} {rng.choice(LAST)}", valid_datetime(rng), str(rng.choice(department_ids)),
         str(rng.choice(job_ids))]
        for i in range(1, count + 1)
    ]
    broken = rng.sample(range(1, count), sum(n for n, _, _ in HIRE_DEFECTS) + DUPLICATES)  # row 1 stays valid
    broken_set = set(broken)
    intact = [i for i in range(count) if i not in broken_set]

    # The special values go on rows that stay valid, so the reports and read-backs see them.
    specials = iter(rng.sample(intact[1:], len(CROSSING) + len(QUOTED_NAMES) + 4))
    for datetime in CROSSING:
        rows[next(specials)][2] = datetime
    for name in QUOTED_NAMES:
        rows[next(specials)][1] = name
    rows[next(specials)][2] = "2021-05-05T10:00:00z"
    rows[next(specials)][1] = " Ana Silva "  # surrounding spaces are data
    rows[next(specials)][3] = "007"  # department 7
    quoted_plain = next(specials)  # quoted without need

    positions = iter(broken)
    empty_names = []
    for n, kind, value in HIRE_DEFECTS:
        for _ in range(n):
            at = next(positions)
            break_row(rows[at], kind, value)
            if (kind, value) == ("empty", 1):
                empty_names.append(at)
    for _ in range(DUPLICATES):  # the id of an earlier valid row
        at = next(positions)
        rows[at][0] = rows[rng.choice([i for i in intact if i < at])][0]
    # An id whose first row is rejected: the later row with it is new, not a duplicate.
    first = min(empty_names)
    rows[next(i for i in intact if i > first and i != quoted_plain)][0] = rows[first][0]

    lines = [record(row, force_quote=(1,) if i == quoted_plain else ()) for i, row in enumerate(rows)]
    lines.insert(count // 2, None)  # an empty line: counted as a line, not a record
    endings = ["\r\n" if rng.random() < 0.03 else "\n" for _ in lines]  # CRLF here and there
    return lines, endings


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--hires", type=int, default=2000)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    department_lines, department_endings, department_ids = departments()
    job_lines, job_endings, job_ids = jobs()
    write(os.path.join(args.out, "departments.csv"), department_lines, department_endings)
    write(os.path.join(args.out, "jobs.csv"), job_lines, job_endings)
    hire_lines, hire_endings = hire_file(rng, args.hires, department_ids, job_ids)
    write(os.path.join(args.out, "hired_employees.csv"), hire_lines, hire_endings)


if __name__ == "__main__":
    main()
